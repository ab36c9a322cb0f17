/* The employer's query: text ("40 chauffeurs in Rotterdam") and the structured
 * POST /v1/search body, both turned into one normalised query.
 *
 * Normalised form (what a search response shows as "query"; the matcher's input):
 *   {"text": "40 chauffeurs in Rotterdam",      only when parsed from text
 *    "count": 40,
 *    "occupation": "chauffeur",                 only when given
 *    "require": [["licence:B", ...], ...],      occupation's groups, then the query's own
 *    "prefer": ["experience:chauffeur", ...],   occupation's, then the query's own
 *    "in": {"municipality": "Rotterdam", "code": "GM0599"},              only when given
 *    "near": {"municipality": "Utrecht", "code": "GM0344", "km": 20},    only when given
 *    "exclude": ["language:nl:B1", ...],        only when given: holding any one leaves a person out
 *    "facets": ["licence", "certificate"],      only when given: counts per term of these kinds
 *    "count_lowered_from": 5000}                only when count was above max_count
 *
 * Problems are appended to an errors array as {"pointer": ..., "detail": ...};
 * an unknown word or code also carries "suggestions" (and, in text, "word"). */
#ifndef VD_QUERY_H
#define VD_QUERY_H

#include <stddef.h>

#include <jansson.h>

#include "places.h"
#include "taxonomy.h"

/* Without a count a query asks for this many. */
#define VD_QUERY_DEFAULT_COUNT 10
/* The widest "binnen N km" / near.km accepted. */
#define VD_QUERY_MAX_KM 300

/* Parses the employer's text. Returns a new structured query (the POST /v1/search
 * shape plus "text"), or NULL after appending problems to errors. */
json_t *vd_query_parse_text(const vd_taxonomy_t *tax, const vd_places_t *places, const char *text,
                            json_t *errors);

/* Validates a structured query (the POST /v1/search body, or the output of the
 * parser) and returns its normalised form (new reference), or NULL after
 * appending problems to errors. max_count: results are capped to it (0: no cap). */
json_t *vd_query_normalise(const vd_taxonomy_t *tax, const vd_places_t *places, const json_t *body,
                           int max_count, json_t *errors);

/* Up to max municipality names like name (vd_places_suggest), or when none is
 * alike the largest municipalities; borrowed. Never 0 when max > 0. */
size_t vd_query_suggest_places(const vd_places_t *places, const char *name, const char **out,
                               size_t max);

/* Shared by query.c and search_request.c: appends {"pointer", "detail"} to
 * errors; "word" when word is not NULL; "suggestions" (the n borrowed strings)
 * when suggestions is not NULL, and then the detail ends in "(did you mean: a, b)". */
void vd_query_error(json_t *errors, const char *pointer, const char *word,
                    const char *const *suggestions, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif

/* A jobseeker's competence profile: validation to canonical JSON, and the
 * competences it holds on a given day. */
#ifndef VD_PROFILE_H
#define VD_PROFILE_H

#include <stdbool.h>

#include <jansson.h>

#include "index.h"
#include "places.h"
#include "taxonomy.h"

/* True when id is 1 to 64 characters of A-Z a-z 0-9 . _ - */
bool vd_id_valid(const char *id);

/* Validates body as the profile with the given id (taken from the path).
 * Every problem found is appended to errors as {"pointer": "/licences/0/category",
 * "detail": "unknown licence category 'Z'"}; all of them, not just the first.
 * On success returns true and sets *canonical to a new reference: the profile
 * in canonical form (fixed key order, codes normalised, municipality by its
 * official name, occupations by code), which is itself a valid input. */
bool vd_profile_validate(const vd_taxonomy_t *tax, const vd_places_t *places, const char *id,
                         json_t *body, json_t **canonical, json_t *errors);

/* The requirement terms a canonical profile holds on day today (YYYYMMDD):
 * licence:X for each valid licence, code95:X where both the licence and its
 * code 95 are valid, certificate:X for each valid certificate, skill:X,
 * experience:X, and language:CODE:LEVEL cumulatively (B1 gives A1, A2, B1;
 * Dutch 1F..4F count as A2, B1, B2, C1). Returns a new array of strings.
 * *next_expiry is set to the first day after today on which one of them
 * stops being held (YYYYMMDD), or 0 when none will. */
json_t *vd_profile_held(const json_t *canonical, int today, int *next_expiry);

/* True when term is in held (an array from vd_profile_held). */
bool vd_profile_holds(const json_t *held, const char *term);

/* Fills doc (empty) for the canonical profile: unique and type terms, "K"
 * terms for vd_profile_held but its language levels, one "L" term for the
 * highest level held of each language ("Llanguage:nl:B2", which the matcher
 * reads as every level up to it), the municipality term, values and data. */
bool vd_profile_to_doc(const vd_places_t *places, const json_t *canonical, int today,
                       vd_doc_t *doc);

/* Applies a JSON Merge Patch (RFC 7386) to target; returns a new reference. */
json_t *vd_merge_patch(const json_t *target, const json_t *patch);

/* CEFR rank of a level: A1=1 .. C2=6; 1F=2, 2F=3, 3F=4, 4F=5; 0 when unknown. */
int vd_level_rank(const char *level);
/* The CEFR level of a rank ("A1" for 1 .. "C2" for 6); NULL out of range. */
const char *vd_cefr_level(int rank);

#endif

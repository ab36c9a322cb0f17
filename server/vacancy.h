/* A vacancy: validation to canonical JSON, and the search it stands for. */
#ifndef VD_VACANCY_H
#define VD_VACANCY_H

#include <stdbool.h>

#include <jansson.h>

#include "index.h"
#include "places.h"
#include "taxonomy.h"

/* Validates body as the vacancy id (from the path), entered through the API
 * (source "manual"). Problems go to errors as {"pointer", "detail"}. On
 * success sets *canonical (new reference). */
bool vd_vacancy_validate(const vd_taxonomy_t *tax, const vd_places_t *places, const char *id,
                         json_t *body, json_t **canonical, json_t *errors);

/* The normalised query (query.h) that finds candidates for a canonical
 * vacancy, asking for count of them; new reference, NULL on an inconsistent
 * vacancy (errors says why). Adds "hours_per_week" when the vacancy has it. */
json_t *vd_vacancy_query(const vd_taxonomy_t *tax, const vd_places_t *places, const json_t *vacancy,
                         int count, int max_count, json_t *errors);

/* True while the vacancy is open on today (valid_through absent or not past). */
bool vd_vacancy_open(const json_t *vacancy, int today);

/* Fills doc for a canonical vacancy: unique and type terms, data. */
bool vd_vacancy_to_doc(const json_t *canonical, vd_doc_t *doc);

/* True when id starts with a source plugin's prefix ("jsonld-", "csv-"). */
bool vd_vacancy_id_reserved(const char *id);

#endif

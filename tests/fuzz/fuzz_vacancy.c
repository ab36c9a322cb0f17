/* Fuzzes PUT /v1/vacancies/{id}: validation, then the search a valid vacancy
 * stands for (GET /v1/vacancies/{id}/matches), then its index document. */
#include "config.h"

#include "fuzz_common.h"
#include "index.h"
#include "profile.h"
#include "query.h"
#include "vacancy.h"

/* limits.max_count's default (API.md). */
#define FUZZ_MAX_COUNT 1000

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vd_fuzz_init();
	return 0;
}

/* The id from the path: the body's own when it is a valid one. */
static const char *
path_id(const json_t *body)
{
	const char *id = json_string_value(json_object_get(body, "id"));

	return id && vd_id_valid(id) ? id : "wsp-2026-0042";
}

/* A stored vacancy is read back with json_loads(data, 0) and must still give
 * a query; a NULL query is a 500 in api_vacancies.c. */
static void
check_valid(const char *id, json_t *canonical)
{
	json_t *errors = json_array(), *again = NULL, *query;
	vd_doc_t *doc;

	if (!vd_vacancy_validate(vd_fuzz_tax, vd_fuzz_places, id, canonical, &again, errors))
		vd_fuzz_fail("a canonical vacancy does not validate", canonical, errors);
	if (!json_equal(again, canonical))
		vd_fuzz_fail("validating a canonical vacancy changes it", canonical, again);
	vd_fuzz_check_round_trip(canonical, 0);
	query =
	    vd_vacancy_query(vd_fuzz_tax, vd_fuzz_places, canonical, 10, FUZZ_MAX_COUNT, errors);
	if (!query)
		vd_fuzz_fail("a valid vacancy gives no query", canonical, errors);
	(void)vd_vacancy_open(canonical, VD_FUZZ_TODAY);
	doc = vd_doc_new();
	if (!doc || !vd_vacancy_to_doc(canonical, doc))
		vd_fuzz_fail("vd_vacancy_to_doc failed on a valid vacancy", canonical, NULL);
	vd_doc_free(doc);
	json_decref(query);
	json_decref(again);
	json_decref(errors);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = vd_fuzz_json(data, size);
	json_t *errors, *canonical = NULL;
	const char *id;

	if (!body)
		return 0;
	errors = json_array();
	id = path_id(body);
	if (vd_vacancy_validate(vd_fuzz_tax, vd_fuzz_places, id, body, &canonical, errors)) {
		if (json_array_size(errors) != 0)
			vd_fuzz_fail("a valid vacancy came with errors", body, errors);
		check_valid(id, canonical);
	} else if (json_array_size(errors) == 0 || canonical) {
		vd_fuzz_fail("a refused vacancy came without errors (or with a result)", body,
		             errors);
	}
	(void)vd_vacancy_id_reserved(id);
	json_decref(canonical);
	json_decref(errors);
	json_decref(body);
	return 0;
}

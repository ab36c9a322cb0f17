/* Fuzzes POST /v1/search: the structured body through the normaliser, as
 * api_search.c does. */
#include "config.h"

#include "fuzz_common.h"
#include "query.h"

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = vd_fuzz_json(data, size);
	json_t *errors, *query;

	if (!body)
		return 0;
	errors = json_array();
	query = vd_query_normalise(vd_fuzz_tax, vd_fuzz_places, body, FUZZ_MAX_COUNT, errors);
	if (!query && json_array_size(errors) == 0)
		vd_fuzz_fail("a search body was refused without errors", body, NULL);
	if (query) {
		json_int_t count = json_integer_value(json_object_get(query, "count"));

		if (count < 1 || count > FUZZ_MAX_COUNT)
			vd_fuzz_fail("a normalised query asks for a count out of range", body,
			             query);
		/* The response shows the query: it must dump. */
		vd_fuzz_check_round_trip(query, JSON_ALLOW_NUL);
	}
	json_decref(query);
	json_decref(errors);
	json_decref(body);
	return 0;
}

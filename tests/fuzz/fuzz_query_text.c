/* Fuzzes GET /v1/search?q=...: the employer's text through the parser and
 * then the normaliser, as api_search.c does. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "query.h"

/* limits.max_count's default (API.md): a larger count is lowered to it. */
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
	/* evhttp hands the handler a NUL-terminated, already decoded string. */
	char *text = malloc(size + 1);
	json_t *errors, *parsed, *query = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	errors = json_array();
	parsed = vd_query_parse_text(vd_fuzz_tax, vd_fuzz_places, text, errors);
	if (!parsed && json_array_size(errors) == 0)
		vd_fuzz_fail("the parser refused a text without saying why", NULL, NULL);
	if (parsed) {
		query =
		    vd_query_normalise(vd_fuzz_tax, vd_fuzz_places, parsed, FUZZ_MAX_COUNT, errors);
		if (!query && json_array_size(errors) == 0)
			vd_fuzz_fail("a parsed query was refused without errors", parsed, NULL);
		if (query) {
			json_int_t count = json_integer_value(json_object_get(query, "count"));

			if (count < 1 || count > FUZZ_MAX_COUNT)
				vd_fuzz_fail("a normalised query asks for a count out of range",
				             parsed, query);
		}
	}
	json_decref(query);
	json_decref(parsed);
	json_decref(errors);
	free(text);
	return 0;
}

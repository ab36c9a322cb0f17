/* Fuzzes the profile parser and validator: the body of PUT /v1/jobseekers/{id}
 * and one line of a bulk import, then what a valid profile is turned into. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "index.h"
#include "profile.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vd_fuzz_init();
	return 0;
}

/* The id from the path: the body's own when it is a valid one, so that the
 * fuzzer also reaches the paths behind the id check. */
static const char *
path_id(const json_t *body)
{
	const char *id = json_string_value(json_object_get(body, "id"));

	return id && vd_id_valid(id) ? id : "js-0000001";
}

/* What PUT does with a valid profile: the held terms and the index document. */
static void
check_valid(const char *id, json_t *canonical)
{
	json_t *errors = json_array(), *again = NULL, *held, *term;
	int next_expiry = -1;
	size_t i;
	vd_doc_t *doc;

	/* profile.h: the canonical form "is itself a valid input". */
	if (!vd_profile_validate(vd_fuzz_tax, vd_fuzz_places, id, canonical, &again, errors))
		vd_fuzz_fail("a canonical profile does not validate", canonical, errors);
	if (!json_equal(again, canonical))
		vd_fuzz_fail("validating a canonical profile changes it", canonical, again);
	vd_fuzz_check_round_trip(canonical, JSON_ALLOW_NUL);

	held = vd_profile_held(canonical, VD_FUZZ_TODAY, &next_expiry);
	if (!json_is_array(held))
		vd_fuzz_fail("vd_profile_held gave no array", canonical, held);
	json_array_foreach(held, i, term)
	{
		if (!json_is_string(term) ||
		    !vd_taxonomy_term_valid(vd_fuzz_tax, json_string_value(term)))
			vd_fuzz_fail("vd_profile_held gave a term that is not valid", canonical,
			             term);
	}
	if (next_expiry != 0 && next_expiry <= VD_FUZZ_TODAY)
		vd_fuzz_fail("next_expiry is neither 0 nor after today", canonical, held);

	doc = vd_doc_new();
	if (!doc || !vd_profile_to_doc(vd_fuzz_places, canonical, VD_FUZZ_TODAY, doc))
		vd_fuzz_fail("vd_profile_to_doc failed on a valid profile", canonical, NULL);
	vd_doc_free(doc);
	json_decref(held);
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
	if (vd_profile_validate(vd_fuzz_tax, vd_fuzz_places, id, body, &canonical, errors)) {
		if (json_array_size(errors) != 0)
			vd_fuzz_fail("a valid profile came with errors", body, errors);
		check_valid(id, canonical);
	} else if (json_array_size(errors) == 0 || canonical) {
		vd_fuzz_fail("a refused profile came without errors (or with a result)", body,
		             errors);
	}
	json_decref(canonical);
	json_decref(errors);
	json_decref(body);
	return 0;
}

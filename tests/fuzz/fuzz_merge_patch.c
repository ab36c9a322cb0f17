/* Fuzzes PATCH /v1/jobseekers/{id}: a stored profile and a JSON Merge Patch
 * (RFC 7386), then validation of the merged result. The input is the target,
 * a NUL byte, then the patch; without a NUL it is the patch alone, applied to
 * an empty target. */
#include "config.h"

#include <string.h>

#include "fuzz_common.h"
#include "index.h"
#include "profile.h"

#define FUZZ_ID "js-0000001"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vd_fuzz_init();
	return 0;
}

/* RFC 7386 section 2, written independently of merge_patch.c: a member of
 * patch is absent from result when null, merged when both are objects, and
 * equal otherwise; members of target that patch does not name are unchanged. */
static void
check_merge(const json_t *target, const json_t *patch, const json_t *result)
{
	const char *key;
	json_t *value;

	if (!json_is_object(patch)) {
		if (!json_equal(result, patch))
			vd_fuzz_fail("a non-object patch did not replace the target", patch,
			             result);
		return;
	}
	if (!json_is_object(result))
		vd_fuzz_fail("an object patch gave a non-object", patch, result);
	json_object_foreach((json_t *)patch, key, value)
	{
		json_t *got = json_object_get(result, key);
		json_t *was = json_is_object(target) ? json_object_get(target, key) : NULL;

		if (json_is_null(value)) {
			if (got)
				vd_fuzz_fail("null in a patch did not remove the member", patch,
				             result);
		} else if (!got) {
			vd_fuzz_fail("a patched member is missing", patch, result);
		} else if (json_is_object(value)) {
			check_merge(was, value, got);
		} else if (!json_equal(got, value)) {
			vd_fuzz_fail("a patched member does not equal the patch", patch, result);
		}
	}
	if (!json_is_object(target))
		return;
	json_object_foreach((json_t *)target, key, value)
	{
		if (!json_object_get(patch, key) &&
		    !json_equal(json_object_get(result, key), value))
			vd_fuzz_fail("a member the patch does not name changed", target, result);
	}
}

/* The stored profile: the canonical form when the target is a valid profile,
 * as it always is in the store, else the raw target (the merge must cope). */
static json_t *
stored_target(json_t *target)
{
	json_t *errors = json_array(), *canonical = NULL;

	if (!vd_profile_validate(vd_fuzz_tax, vd_fuzz_places, FUZZ_ID, target, &canonical, errors))
		canonical = json_incref(target);
	json_decref(errors);
	return canonical;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	json_t *target, *patch, *stored = NULL, *merged = NULL, *errors = NULL, *canonical = NULL;
	vd_doc_t *doc;

	if (nul) {
		target = vd_fuzz_json(data, (size_t)(nul - data));
		patch = vd_fuzz_json(nul + 1, size - (size_t)(nul - data) - 1);
	} else {
		target = json_object();
		patch = vd_fuzz_json(data, size);
	}
	if (!target || !patch)
		goto out;
	stored = stored_target(target);
	merged = vd_merge_patch(stored, patch);
	if (!merged)
		vd_fuzz_fail("vd_merge_patch returned NULL", stored, patch);
	check_merge(stored, patch, merged);
	errors = json_array();
	if (vd_profile_validate(vd_fuzz_tax, vd_fuzz_places, FUZZ_ID, merged, &canonical, errors)) {
		doc = vd_doc_new();
		if (!doc || !vd_profile_to_doc(vd_fuzz_places, canonical, VD_FUZZ_TODAY, doc))
			vd_fuzz_fail("vd_profile_to_doc failed on a valid profile", canonical,
			             NULL);
		vd_doc_free(doc);
	} else if (json_array_size(errors) == 0) {
		vd_fuzz_fail("a refused merged profile came without errors", merged, NULL);
	}
out:
	json_decref(canonical);
	json_decref(errors);
	json_decref(merged);
	json_decref(stored);
	json_decref(patch);
	json_decref(target);
	return 0;
}

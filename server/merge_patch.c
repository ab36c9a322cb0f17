/* JSON Merge Patch (RFC 7386): the body of PATCH /v1/jobseekers/{id}. */
#include "config.h"

#include "profile.h"

/* Merges the members of the object patch into target (new, owned by the
 * caller) as RFC 7386 section 2 says: null removes a member, an object is
 * merged into the member of the same name, anything else replaces it.
 * Returns false when out of memory. */
static bool
merge_into(json_t *target, const json_t *patch)
{
	const char *key;
	json_t *value, *existing, *merged;

	json_object_foreach((json_t *)patch, key, value)
	{
		if (json_is_null(value)) {
			json_object_del(target, key);
			continue;
		}
		existing = json_object_get(target, key);
		if (json_is_object(value) && json_is_object(existing)) {
			/* target is our own copy, so its members can be merged in place. */
			if (!merge_into(existing, value))
				return false;
			continue;
		}
		merged = vd_merge_patch(NULL, value);
		if (!merged || json_object_set_new(target, key, merged))
			return false;
	}
	return true;
}

json_t *
vd_merge_patch(const json_t *target, const json_t *patch)
{
	json_t *result;

	if (!json_is_object(patch))
		return json_deep_copy(patch);
	/* A target that is not an object is replaced by an empty one. */
	result = json_is_object(target) ? json_deep_copy(target) : json_object();
	if (result && !merge_into(result, patch)) {
		json_decref(result);
		return NULL;
	}
	return result;
}

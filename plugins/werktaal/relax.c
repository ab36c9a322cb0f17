/* werktaal: the relaxed query behind the werktaal list (relax.h). */
#include "config.h"

#include <string.h>

#include "relax.h"

#define NL_PREFIX "language:nl:"

/* The level a Dutch group asks (its lowest term), or 0 when the group is
 * not a Dutch group. */
static int
dutch_group_level(const json_t *group)
{
	const json_t *term;
	size_t i;
	int level = 0;

	if (!json_is_array(group) || json_array_size(group) == 0)
		return 0;
	json_array_foreach(group, i, term)
	{
		const char *t = json_string_value(term);
		int r;

		if (!t || strncmp(t, NL_PREFIX, strlen(NL_PREFIX)) != 0)
			return 0;
		r = vd_wt_level_rank(t + strlen(NL_PREFIX));
		if (r == 0)
			return 0;
		if (level == 0 || r < level)
			level = r;
	}
	return level;
}

/* The normalised {"municipality", "code"(, "km")} as the body takes it:
 * the CBS code names the place without doubt. New reference or NULL. */
static json_t *
place_of(const json_t *v, bool with_km)
{
	const json_t *code = json_object_get(v, "code");
	json_t *place;

	if (!json_is_string(code))
		code = json_object_get(v, "municipality");
	if (!json_is_string(code))
		return NULL;
	if (!with_km)
		return json_copy((json_t *)code);
	place = json_pack("{s:O}", "municipality", code);
	if (place && json_object_get(v, "km"))
		json_object_set(place, "km", json_object_get(v, "km"));
	return place;
}

/* Copies what a search body takes besides require and exclude. */
static void
copy_rest(const json_t *query, json_t *out)
{
	const json_t *v;

	if ((v = json_object_get(query, "count")))
		json_object_set(out, "count", (json_t *)v);
	if ((v = json_object_get(query, "prefer")))
		json_object_set(out, "prefer", (json_t *)v);
	if ((v = json_object_get(query, "in")))
		json_object_set_new(out, "in", place_of(v, false));
	if ((v = json_object_get(query, "near")))
		json_object_set_new(out, "near", place_of(v, true));
}

vd_wt_relax_status_t
vd_wt_relax(const json_t *query, const vd_wt_params_t *params, int max_gap, json_t **relaxed,
            int *need, int *lowest)
{
	const json_t *require = json_object_get(query, "require"), *group, *v;
	json_t *out, *groups, *exclude;
	size_t i;

	*relaxed = NULL;
	*need = *lowest = 0;
	if (!json_is_array(require))
		return VD_WT_BAD_QUERY;
	json_array_foreach(require, i, group)
	{
		int level = dutch_group_level(group);
		if (level > *need)
			*need = level;
	}
	if (*need == 0)
		return VD_WT_NO_DUTCH;
	*lowest = vd_wt_lowest_level(params, *need, max_gap);
	if (*lowest == 0)
		return VD_WT_NONE_BELOW;

	out = json_object();
	groups = json_array();
	json_array_foreach(require, i, group)
	{
		if (dutch_group_level(group) == 0)
			json_array_append(groups, (json_t *)group);
	}
	json_array_append_new(groups, json_pack("[s+]", NL_PREFIX, vd_wt_level_name(*lowest)));
	json_object_set_new(out, "require", groups);
	exclude = json_array();
	v = json_object_get(query, "exclude");
	if (json_is_array(v))
		json_array_extend(exclude, (json_t *)v);
	json_array_append_new(exclude, json_pack("s+", NL_PREFIX, vd_wt_level_name(*need)));
	json_object_set_new(out, "exclude", exclude);
	copy_rest(query, out);
	*relaxed = out;
	return VD_WT_RELAXED;
}

int
vd_wt_profile_dutch(const json_t *profile)
{
	const json_t *item;
	size_t i;
	int best = 0;

	json_array_foreach(json_object_get(profile, "languages"), i, item)
	{
		const char *code = json_string_value(json_object_get(item, "code"));
		int r = vd_wt_level_rank(json_string_value(json_object_get(item, "level")));

		if (code && strcmp(code, "nl") == 0 && r > best)
			best = r;
	}
	return best;
}

/* Every answer explains itself: which competence met which requirement,
 * which preferences matched. Computed from the stored profile and today's
 * date, the same rules that indexed it, so the explanation is true. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"
#include "profile.h"

/* {"require": i, "by": term} per group, or NULL when a group is not met. */
static json_t *
met_groups(const json_t *require, const json_t *held)
{
	json_t *met = json_array();
	size_t i, j;
	json_t *group, *term;

	json_array_foreach(require, i, group)
	{
		const char *by = NULL;
		json_array_foreach(group, j, term)
		{
			if (vd_profile_holds(held, json_string_value(term))) {
				by = json_string_value(term);
				break;
			}
		}
		if (!by) {
			json_decref(met);
			return NULL;
		}
		json_array_append_new(met,
		                      json_pack("{s:I, s:s}", "require", (json_int_t)i, "by", by));
	}
	return met;
}

static bool
known_holds(const vd_matcher_t *m, vd_docid_t docid, const char *term)
{
	const roaring_bitmap_t *docs = vd_matcher_term(m, term);
	return docs && roaring_bitmap_contains(docs, docid);
}

int
vd_matcher_explain_known(const vd_matcher_t *m, vd_docid_t docid, const json_t *query, int today,
                         double score, double distance, json_t **out)
{
	const facts_t *f = vd_matcher_facts(m, docid);
	json_t *met, *preferred, *result, *group, *term;
	size_t i, j;

	*out = NULL;
	/* The bitmaps hold what was held when the profile was indexed: true
	 * today unless something lapsed since (the expiry timer re-indexes
	 * those just after midnight). */
	if (!f || !f->id || (f->lapse && f->lapse <= today))
		return 0;
	met = json_array();
	json_array_foreach(json_object_get(query, "require"), i, group)
	{
		const char *by = NULL;
		json_array_foreach(group, j, term)
		{
			if (known_holds(m, docid, json_string_value(term))) {
				by = json_string_value(term);
				break;
			}
		}
		if (!by) {
			json_decref(met);
			return 0;
		}
		json_array_append_new(met,
		                      json_pack("{s:I, s:s}", "require", (json_int_t)i, "by", by));
	}
	preferred = json_array();
	json_array_foreach(json_object_get(query, "prefer"), i, term)
	{
		if (known_holds(m, docid, json_string_value(term)))
			json_array_append(preferred, term);
	}
	result = json_pack("{s:s, s:f, s:o, s:o}", "id", f->id, "score", round(score * 1000) / 1000,
	                   "met", met, "preferred", preferred);
	if (result && !isnan(distance))
		json_object_set_new(result, "distance_km", json_real(round(distance * 10) / 10));
	*out = result;
	return result ? 1 : -1;
}

int
vd_matcher_explain(vd_index_t *reader, vd_docid_t docid, const json_t *query, int today,
                   double score, double distance, const vd_search_hooks_t *hooks, json_t **out)
{
	char *data = NULL;
	json_t *profile = NULL, *held = NULL, *met = NULL, *preferred, *result;
	size_t i;
	json_t *term;
	int next_expiry, rc = -1;
	vd_status_t status;

	*out = NULL;
	status = vd_index_get_by_docid(reader, docid, &data, NULL);
	if (status == VD_ERR_NOT_FOUND)
		rc = 0; /* deleted since the matcher last heard: not a candidate */
	if (status != VD_OK)
		goto out;
	profile = json_loads(data, JSON_ALLOW_NUL, NULL);
	held = profile ? vd_profile_held(profile, today, &next_expiry) : NULL;
	if (!held)
		goto out;
	met = met_groups(json_object_get(query, "require"), held);
	if (!met) {
		rc = 0;
		goto out;
	}
	preferred = json_array();
	json_array_foreach(json_object_get(query, "prefer"), i, term)
	{
		if (vd_profile_holds(held, json_string_value(term)))
			json_array_append(preferred, term);
	}
	result = json_pack("{s:O, s:f, s:o, s:o}", "id", json_object_get(profile, "id"), "score",
	                   round(score * 1000) / 1000, "met", met, "preferred", preferred);
	met = NULL;
	if (!isnan(distance))
		json_object_set_new(result, "distance_km", json_real(round(distance * 10) / 10));
	if (hooks && hooks->annotate) {
		json_t *notes = hooks->annotate(json_string_value(json_object_get(profile, "id")),
		                                data, hooks->arg);
		if (notes)
			json_object_set_new(result, "annotations", notes);
	}
	*out = result;
	rc = 1;
out:
	json_decref(met);
	json_decref(held);
	json_decref(profile);
	free(data);
	return rc;
}

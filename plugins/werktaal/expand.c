/* werktaal: the "werktaal" list of a search or vacancy-match answer:
 *   {"total": N, "results": [{"id", "has", "needs",
 *                             "trajectory": {"weeks", "hours_per_week"}}]}
 * "total" counts every near miss, "results" holds the best "count" of them
 * in the order the relaxed search ranks them. "has" is the CEFR level the
 * person's recorded Dutch level compares as (1F is A2). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "relax.h"
#include "werktaal.h"

/* A whole number of hours as an integer ("6", not "6.0"). New reference. */
static json_t *
hours_value(double hours)
{
	if (hours == floor(hours) && hours < 1e6)
		return json_integer((json_int_t)hours);
	return json_real(hours);
}

/* One entry of the list, or NULL when the person's profile is gone since
 * the search (deleted in between). New reference. */
static json_t *
entry(vd_wt_t *wt, const json_t *result, int need)
{
	const vd_host_t *host = wt->host;
	const char *id = json_string_value(json_object_get(result, "id"));
	char *text = id ? host->read_profile(host, id) : NULL;
	json_t *profile, *out = NULL;
	int has;

	if (!text)
		return NULL;
	profile = json_loads(text, 0, NULL);
	host->free(text);
	has = vd_wt_profile_dutch(profile);
	json_decref(profile);
	if (has == 0 || has >= need)
		return NULL; /* changed since the search: no longer a near miss */
	out = json_pack("{s:s, s:s, s:s, s:{s:I, s:o}}", "id", id, "has", vd_wt_level_name(has),
	                "needs", vd_wt_level_name(need), "trajectory", "weeks",
	                (json_int_t)vd_wt_weeks(&wt->params, has, need, wt->params.hours_per_week),
	                "hours_per_week", hours_value(wt->params.hours_per_week));
	if (out && json_object_get(result, "distance_km"))
		json_object_set(out, "distance_km", json_object_get(result, "distance_km"));
	return out;
}

/* The list from the relaxed search's answer. New reference or NULL. */
static json_t *
list_of(vd_wt_t *wt, const json_t *answer, int need)
{
	const json_t *result;
	json_t *results = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(answer, "results"), i, result)
	{
		if ((e = entry(wt, result, need)))
			json_array_append_new(results, e);
	}
	return json_pack("{s:O, s:o}", "total", json_object_get(answer, "total"), "results",
	                 results);
}

static int
dump(json_t *list, char **out)
{
	*out = list ? json_dumps(list, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(list);
	return *out ? 0 : -1;
}

int
vd_wt_expand(void *state, const char *query_json, const char *results_json, char **list)
{
	vd_wt_t *wt = state;
	const vd_host_t *host = wt->host;
	json_t *query = json_loads(query_json, 0, NULL), *relaxed = NULL, *answer = NULL;
	char *text = NULL, *answer_text = NULL, *error = NULL;
	int need, lowest, rc = -1;

	(void)results_json; /* the relaxed search leaves out who met the query */
	*list = NULL;
	switch (vd_wt_relax(query, &wt->params, wt->max_gap, &relaxed, &need, &lowest)) {
	case VD_WT_NO_DUTCH:
		rc = 0;
		goto out;
	case VD_WT_NONE_BELOW:
		rc = dump(json_pack("{s:i, s:[]}", "total", 0, "results"), list);
		goto out;
	case VD_WT_BAD_QUERY:
		host->log(host, VD_LOG_ERROR, "expand: the query is not a normalised search");
		goto out;
	case VD_WT_RELAXED:
		break;
	}
	text = json_dumps(relaxed, JSON_COMPACT | JSON_PRESERVE_ORDER);
	answer_text = text ? host->search(host, text, &error) : NULL;
	if (!answer_text) {
		host->log(host, VD_LOG_ERROR, "expand: the relaxed search was refused: %s",
		          error ? error : "no reason given");
		goto out;
	}
	answer = json_loads(answer_text, 0, NULL);
	if (!json_is_array(json_object_get(answer, "results"))) {
		host->log(host, VD_LOG_ERROR, "expand: the relaxed search answered no results");
		goto out;
	}
	rc = dump(list_of(wt, answer, need), list);
out:
	if (error)
		host->free(error);
	if (answer_text)
		host->free(answer_text);
	json_decref(answer);
	free(text);
	json_decref(relaxed);
	json_decref(query);
	return rc;
}

/* GET /v1/jobseekers/{id}/matches: the open vacancies this person meets every
 * requirement of, best first, and the near misses (exactly one requirement
 * group unmet) with that group under "missing". Vacancies are few next to
 * jobseekers, so each is checked against the person's held competences. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_vacancies.h"
#include "api_write.h"
#include "dates.h"
#include "profile.h"
#include "vacancy.h"

typedef struct person {
	vd_server_t *srv;
	vd_index_t *reader;
	json_t *held;
	double lat, lon; /* NAN when unknown */
	int today;
	json_t *results, *near_misses;
} person_t;

static bool
group_met(const json_t *held, const json_t *group)
{
	size_t i;
	json_t *term;
	json_array_foreach(group, i, term)
	{
		if (vd_profile_holds(held, json_string_value(term)))
			return true;
	}
	return false;
}

static void
check_vacancy(vd_docid_t docid, void *arg)
{
	person_t *p = arg;
	char *data = NULL;
	json_t *vacancy = NULL, *query = NULL, *unmet = NULL, *group;
	const vd_municipality_t *place;
	double distance = NAN, points = 0, max_points = 1;
	size_t i;

	if (vd_index_get_by_docid(p->reader, docid, &data, NULL) != VD_OK ||
	    !(vacancy = json_loads(data, 0, NULL)) || !vd_vacancy_open(vacancy, p->today))
		goto out;
	query = vd_vacancy_query(p->srv->tax, p->srv->places, vacancy, 1, 0, NULL);
	if (!query)
		goto out;
	place = vd_places_lookup(p->srv->places,
	                         json_string_value(json_object_get(vacancy, "municipality")) ?: "");
	if (place && !isnan(p->lat))
		distance = vd_distance_km(place->lat, place->lon, p->lat, p->lon);
	if (json_object_get(vacancy, "max_distance_km") &&
	    (isnan(distance) ||
	     distance > json_number_value(json_object_get(vacancy, "max_distance_km"))))
		goto out;
	unmet = json_array();
	json_array_foreach(json_object_get(query, "require"), i,
	                   group) if (!group_met(p->held, group)) json_array_append(unmet, group);
	if (json_array_size(unmet) == 1) {
		json_array_append_new(
		    p->near_misses,
		    json_pack("{s:O, s:O, s:O}", "vacancy", json_object_get(vacancy, "id"), "title",
		              json_object_get(vacancy, "title"), "missing", unmet));
	} else if (json_array_size(unmet) == 0) {
		json_t *result;
		json_array_foreach(json_object_get(query, "prefer"), i, group)
		{
			max_points += 1;
			points += vd_profile_holds(p->held, json_string_value(group));
		}
		if (!isnan(distance))
			points += fmax(0.0, 1.0 - distance / 50.0);
		result = json_pack("{s:O, s:O, s:f}", "vacancy", json_object_get(vacancy, "id"),
		                   "title", json_object_get(vacancy, "title"), "score",
		                   round(points / max_points * 1000) / 1000);
		if (!isnan(distance))
			json_object_set_new(result, "distance_km",
			                    json_real(round(distance * 10) / 10));
		json_array_append_new(p->results, result);
	}
out:
	json_decref(unmet);
	json_decref(query);
	json_decref(vacancy);
	free(data);
}

static int
by_score(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	double sx = json_real_value(json_object_get(x, "score"));
	double sy = json_real_value(json_object_get(y, "score"));
	if (sx != sy)
		return sx > sy ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "vacancy")),
	              json_string_value(json_object_get(y, "vacancy")));
}

/* Sorts a JSON array of results best first (new reference). */
static json_t *
sorted(json_t *array)
{
	size_t n = json_array_size(array);
	json_t **items = calloc(n ? n : 1, sizeof(*items));
	json_t *out = json_array();

	for (size_t i = 0; i < n; i++)
		items[i] = json_array_get(array, i);
	qsort(items, n, sizeof(*items), by_score);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, items[i]);
	free(items);
	return out;
}

void
vd_api_jobseeker_matches(vd_call_t *call)
{
	person_t p = {.srv = call->srv,
	              .reader = vd_store_reader(call->srv->store),
	              .today = vd_date_today()};
	char term[67];
	char *data = NULL;
	json_t *profile = NULL, *location;
	const vd_municipality_t *home;
	int next_expiry;

	if (!vd_check_id(call))
		return;
	snprintf(term, sizeof(term), "Qj%s", call->param[0]);
	if (vd_index_get(p.reader, term, &data, NULL, NULL) != VD_OK ||
	    !(profile = json_loads(data, 0, NULL))) {
		vd_reply_not_found(call->req, "jobseeker");
		goto out;
	}
	p.held = vd_profile_held(profile, p.today, &next_expiry);
	location = json_object_get(profile, "location");
	home = vd_places_lookup(call->srv->places,
	                        json_string_value(json_object_get(profile, "municipality")) ?: "");
	p.lat = location ? json_number_value(json_object_get(location, "lat"))
	        : home   ? home->lat
	                 : NAN;
	p.lon = location ? json_number_value(json_object_get(location, "lon"))
	        : home   ? home->lon
	                 : NAN;
	p.results = json_array();
	p.near_misses = json_array();
	if (vd_index_postings(p.reader, "Tv", check_vacancy, &p) != VD_OK) {
		vd_reply_problem(call->req, 503, vd_index_last_error(p.reader), NULL);
	} else {
		vd_reply_json(call->req, 200,
		              json_pack("{s:s, s:I, s:o, s:O}", "jobseeker", call->param[0],
		                        "total", (json_int_t)json_array_size(p.results), "results",
		                        sorted(p.results), "near_misses", p.near_misses),
		              NULL);
	}
	json_decref(p.results);
	json_decref(p.near_misses);
	json_decref(p.held);
out:
	json_decref(profile);
	free(data);
}

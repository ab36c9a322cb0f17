#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "profile.h"
#include "query.h"
#include "vacancy.h"

static const char *const source_prefixes[] = {"jsonld-", "csv-"};

bool
vd_vacancy_id_reserved(const char *id)
{
	for (size_t i = 0; i < sizeof(source_prefixes) / sizeof(source_prefixes[0]); i++)
		if (strncmp(id, source_prefixes[i], strlen(source_prefixes[i])) == 0)
			return true;
	return false;
}

static void
error(json_t *errors, const char *pointer, const char *detail)
{
	json_array_append_new(errors,
	                      json_pack("{s:s, s:s}", "pointer", pointer, "detail", detail));
}

static void
take_string(json_t *body, json_t *out, const char *key, size_t max, json_t *errors)
{
	json_t *v = json_object_get(body, key);
	char pointer[64], detail[128];

	if (!v)
		return;
	snprintf(pointer, sizeof(pointer), "/%s", key);
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(detail, sizeof(detail),
		         "%s must be a non-empty string of at most %zu bytes without NUL", key,
		         max);
		error(errors, pointer, detail);
		return;
	}
	for (const unsigned char *c = (const unsigned char *)json_string_value(v); *c; c++) {
		if (*c < 0x20 || *c == 0x7f) {
			error(errors, pointer, "control characters are not allowed");
			return;
		}
	}
	json_object_set(out, key, v);
}

static void
take_number(json_t *body, json_t *out, const char *key, double min, double max, bool integer,
            json_t *errors)
{
	json_t *v = json_object_get(body, key);
	char pointer[64], detail[128];

	if (!v)
		return;
	snprintf(pointer, sizeof(pointer), "/%s", key);
	if (!(integer ? json_is_integer(v) : json_is_number(v)) || json_number_value(v) < min ||
	    json_number_value(v) > max) {
		snprintf(detail, sizeof(detail), "%s must be %s from %g to %g", key,
		         integer ? "an integer" : "a number", min, max);
		error(errors, pointer, detail);
		return;
	}
	json_object_set(out, key, v);
}

/* Requirements are checked the way a structured search checks them, so a
 * vacancy holds exactly what POST /v1/search would accept: an occupation or
 * a require group at least, or its matches could not be asked for. */
static void
check_requirements(const vd_taxonomy_t *tax, const vd_places_t *places, json_t *body, json_t *out,
                   json_t *errors)
{
	json_t *probe = json_object();
	json_t *query;
	static const char *keys[] = {"occupation", "require", "prefer"};

	for (size_t i = 0; i < 3; i++)
		if (json_object_get(body, keys[i]))
			json_object_set(probe, keys[i], json_object_get(body, keys[i]));
	query = vd_query_normalise(tax, places, probe, 0, errors);
	if (query) {
		if (json_object_get(query, "occupation"))
			json_object_set(out, "occupation", json_object_get(query, "occupation"));
		if (json_object_get(body, "require"))
			json_object_set(out, "require", json_object_get(body, "require"));
		if (json_object_get(body, "prefer"))
			json_object_set(out, "prefer", json_object_get(body, "prefer"));
	}
	json_decref(query);
	json_decref(probe);
}

bool
vd_vacancy_validate(const vd_taxonomy_t *tax, const vd_places_t *places, const char *id,
                    json_t *body, json_t **canonical, json_t *errors)
{
	static const char *known[] = {"id",           "title",           "occupation",
	                              "openings",     "require",         "prefer",
	                              "municipality", "max_distance_km", "hours_per_week",
	                              "employer",     "valid_through",   "source"};
	size_t before = json_array_size(errors);
	json_t *out, *v;
	const char *key;
	char pointer[300], detail[300];
	int date;

	*canonical = NULL;
	if (!json_is_object(body)) {
		error(errors, "", "a vacancy must be a JSON object");
		return false;
	}
	json_object_foreach(body, key, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok) {
			snprintf(pointer, sizeof(pointer), "/%.200s", key);
			snprintf(detail, sizeof(detail), "unknown field '%.200s'", key);
			error(errors, pointer, detail);
		}
	}
	v = json_object_get(body, "id");
	if (v && (!json_is_string(v) || strcmp(json_string_value(v), id) != 0))
		error(errors, "/id", "the id in the body does not match the id in the path");
	v = json_object_get(body, "source");
	if (v && !(json_is_string(v) && strcmp(json_string_value(v), "manual") == 0))
		error(errors, "/source", "only source plugins set a source other than 'manual'");

	out = json_pack("{s:s}", "id", id);
	take_string(body, out, "title", 300, errors);
	if (!json_object_get(body, "title"))
		error(errors, "/title", "a vacancy needs a title");
	check_requirements(tax, places, body, out, errors);
	take_number(body, out, "openings", 1, 10000, true, errors);
	v = json_object_get(body, "municipality");
	if (v) {
		const vd_municipality_t *m =
		    json_is_string(v) ? vd_places_lookup(places, json_string_value(v)) : NULL;
		if (!m)
			error(
			    errors, "/municipality",
			    "not a current Dutch municipality (official name, alias or CBS code)");
		else
			json_object_set_new(out, "municipality", json_string(m->name));
	}
	take_number(body, out, "max_distance_km", 1, 300, false, errors);
	if (json_object_get(body, "max_distance_km") && !json_object_get(body, "municipality"))
		error(errors, "/max_distance_km",
		      "max_distance_km needs a municipality to measure from");
	take_number(body, out, "hours_per_week", 1, 80, false, errors);
	take_string(body, out, "employer", 300, errors);
	v = json_object_get(body, "valid_through");
	if (v) {
		if (!json_is_string(v) || !vd_date_parse(json_string_value(v), &date))
			error(errors, "/valid_through",
			      "valid_through must be a date in the form YYYY-MM-DD");
		else
			json_object_set(out, "valid_through", v);
	}
	json_object_set_new(out, "source", json_string("manual"));
	if (json_array_size(errors) > before) {
		json_decref(out);
		return false;
	}
	*canonical = out;
	return true;
}

json_t *
vd_vacancy_query(const vd_taxonomy_t *tax, const vd_places_t *places, const json_t *vacancy,
                 int count, int max_count, json_t *errors)
{
	json_t *body = json_pack("{s:i}", "count", count);
	json_t *municipality = json_object_get(vacancy, "municipality");
	json_t *km = json_object_get(vacancy, "max_distance_km");
	json_t *query;
	static const char *keys[] = {"occupation", "require", "prefer"};

	for (size_t i = 0; i < 3; i++)
		if (json_object_get(vacancy, keys[i]))
			json_object_set(body, keys[i], json_object_get(vacancy, keys[i]));
	if (municipality && km)
		json_object_set_new(
		    body, "near", json_pack("{s:O, s:O}", "municipality", municipality, "km", km));
	else if (municipality)
		json_object_set(body, "in", municipality);
	query = vd_query_normalise(tax, places, body, max_count, errors);
	if (query && json_object_get(vacancy, "hours_per_week"))
		json_object_set(query, "hours_per_week",
		                json_object_get(vacancy, "hours_per_week"));
	json_decref(body);
	return query;
}

bool
vd_vacancy_open(const json_t *vacancy, int today)
{
	const char *through = json_string_value(json_object_get(vacancy, "valid_through"));
	int date;

	return !through || !vd_date_parse(through, &date) || today <= date;
}

bool
vd_vacancy_to_doc(const json_t *canonical, vd_doc_t *doc)
{
	char term[80];
	char *data = json_dumps(canonical, JSON_COMPACT | JSON_PRESERVE_ORDER);
	bool ok;

	snprintf(term, sizeof(term), "Qv%s", json_string_value(json_object_get(canonical, "id")));
	ok = data && vd_doc_add_term(doc, term) && vd_doc_add_term(doc, "Tv") &&
	     vd_doc_set_data(doc, data, strlen(data));
	free(data);
	return ok;
}

/* werktaal: one trajectory record, checked and shown (trajectory.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trajectory.h"

#define MAX_EMPLOYER 200

static const char *const create_keys[] = {"jobseeker",      "vacancy",     "employer",    "start",
                                          "hours_per_week", "start_level", "target_level"};
static const char *const patch_keys[] = {"vacancy",     "employer",     "start",  "hours_per_week",
                                         "start_level", "target_level", "status", "assessment"};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void add_error(json_t *errors, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add_error(json_t *errors, const char *pointer, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_array_append_new(errors,
	                      json_pack("{s:s, s:s}", "pointer", pointer, "detail", detail));
}

bool
vd_wt_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n < 1 || n > 64)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return false;
	return true;
}

static bool
in_list(const char *key, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0)
			return true;
	return false;
}

static void
unknown_keys(const json_t *body, const char *const *keys, size_t n, json_t *errors)
{
	const char *key;
	json_t *v;
	char ptr[300];

	json_object_foreach((json_t *)body, key, v)
	{
		if (in_list(key, keys, n))
			continue;
		snprintf(ptr, sizeof(ptr), "/%s", key);
		add_error(errors, ptr, "unknown field '%.200s'", key);
	}
}

static const char *
str(const json_t *v)
{
	const char *s = json_string_value(v);
	return s ? s : "";
}

static bool
text_ok(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

/* The level of a member as a rank, or 0 after an error (when required or
 * present but not a level). */
static int
check_level(const json_t *v, const char *ptr, json_t *errors)
{
	int r = vd_wt_level_rank(json_string_value(v));

	if (r == 0)
		add_error(errors, ptr, "must be a CEFR level A1..C2 (or 1F..4F)");
	return r;
}

/* Checks the fields every record holds; pointers name the same members. */
static void
check_record(const json_t *rec, json_t *errors)
{
	const json_t *v;
	const char *s;
	long days;
	int from, to;

	v = json_object_get(rec, "vacancy");
	if (v && !vd_wt_id_valid(json_string_value(v)))
		add_error(errors, "/vacancy", "must be a vacancy id: 1 to 64 of A-Z a-z 0-9 . _ -");
	v = json_object_get(rec, "employer");
	s = json_string_value(v);
	if (v && (!s || !*s || strlen(s) > MAX_EMPLOYER || !text_ok(s)))
		add_error(
		    errors, "/employer",
		    "must be the employer's name: 1 to 200 characters, no control characters");
	if (!json_object_get(rec, "vacancy") && !json_object_get(rec, "employer"))
		add_error(errors, "/vacancy",
		          "a trajectory goes with a job: give vacancy or employer");
	v = json_object_get(rec, "start");
	if (!v)
		add_error(errors, "/start", "is required: the date the trajectory starts");
	else if (!vd_wt_date_parse(json_string_value(v), &days))
		add_error(errors, "/start", "must be a date YYYY-MM-DD");
	v = json_object_get(rec, "hours_per_week");
	if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 40)
		add_error(errors, "/hours_per_week",
		          "must be the language hours per week: a number above 0, at most 40");
	v = json_object_get(rec, "start_level");
	if (!v || json_is_null(v)) {
		add_error(
		    errors, "/start_level",
		    "is required: the Dutch level at the start (the jobseeker has none recorded)");
		from = 0;
	} else {
		from = check_level(v, "/start_level", errors);
	}
	v = json_object_get(rec, "target_level");
	if (!v) {
		add_error(errors, "/target_level", "is required: the Dutch level to reach");
		return;
	}
	to = check_level(v, "/target_level", errors);
	if (from && to && to <= from)
		add_error(errors, "/target_level", "must be above start_level (%s)",
		          json_string_value(json_object_get(rec, "start_level")));
}

/* An upper-case copy of a level string (levels are stored as "B1", "2F"). */
static json_t *
level_value(const char *level)
{
	char buf[3] = {0};

	if (!level || strlen(level) != 2)
		return json_string(level ? level : "");
	buf[0] = (char)(level[0] >= 'a' && level[0] <= 'z' ? level[0] - 32 : level[0]);
	buf[1] = (char)(level[1] >= 'a' && level[1] <= 'z' ? level[1] - 32 : level[1]);
	return json_string(buf);
}

static void
normalise_levels(json_t *rec)
{
	const char *keys[] = {"start_level", "target_level"};

	for (size_t i = 0; i < N_OF(keys); i++) {
		const char *s = json_string_value(json_object_get(rec, keys[i]));
		if (s)
			json_object_set_new(rec, keys[i], level_value(s));
	}
}

json_t *
vd_wt_traj_create(const json_t *body, const vd_wt_params_t *params, int dutch, long today,
                  json_t *errors)
{
	size_t before = json_array_size(errors);
	json_t *rec;
	const char *key;
	json_t *v;
	char date[11];

	if (!json_is_object(body)) {
		add_error(errors, "", "the trajectory must be a JSON object");
		return NULL;
	}
	unknown_keys(body, create_keys, N_OF(create_keys), errors);
	if (!vd_wt_id_valid(json_string_value(json_object_get(body, "jobseeker"))))
		add_error(errors, "/jobseeker", "is required: a jobseeker id");
	rec = json_object();
	json_object_foreach((json_t *)body, key, v)
	{
		if (in_list(key, create_keys, N_OF(create_keys)) && !json_is_null(v))
			json_object_set(rec, key, v);
	}
	if (!json_object_get(rec, "hours_per_week"))
		json_object_set_new(rec, "hours_per_week", json_real(params->hours_per_week));
	if (!json_object_get(rec, "start_level")) {
		if (dutch)
			json_object_set_new(rec, "start_level",
			                    json_string(vd_wt_level_name(dutch)));
		else
			json_object_set_new(rec, "start_level", json_null());
	}
	check_record(rec, errors);
	if (json_array_size(errors) != before) {
		json_decref(rec);
		return NULL;
	}
	normalise_levels(rec);
	json_object_set_new(rec, "assessments", json_array());
	json_object_set_new(rec, "status", json_string("active"));
	vd_wt_date_format(today, date);
	json_object_set_new(rec, "created", json_string(date));
	json_object_set_new(rec, "updated", json_string(date));
	return rec;
}

/* Checks an assessment against the record and today; its level's rank, or
 * 0 after an error. */
static int
check_assessment(const json_t *rec, const json_t *a, long today, json_t *errors)
{
	const json_t *list = json_object_get(rec, "assessments");
	const char *prev = NULL;
	long on, start, last;
	int level;

	if (!json_is_object(a) || json_object_size(a) != 2 || !json_object_get(a, "on") ||
	    !json_object_get(a, "level")) {
		add_error(errors, "/assessment",
		          "must be {\"on\": \"YYYY-MM-DD\", \"level\": \"B1\"}");
		return 0;
	}
	level = check_level(json_object_get(a, "level"), "/assessment/level", errors);
	if (!vd_wt_date_parse(json_string_value(json_object_get(a, "on")), &on)) {
		add_error(errors, "/assessment/on", "must be a date YYYY-MM-DD");
		return 0;
	}
	if (json_array_size(list) > 0)
		prev = json_string_value(
		    json_object_get(json_array_get(list, json_array_size(list) - 1), "on"));
	if (on > today)
		add_error(errors, "/assessment/on",
		          "lies in the future: record an assessment once it took place");
	else if (vd_wt_date_parse(json_string_value(json_object_get(rec, "start")), &start) &&
	         on < start)
		add_error(errors, "/assessment/on", "lies before the trajectory's start");
	else if (prev && vd_wt_date_parse(prev, &last) && on < last)
		add_error(errors, "/assessment/on", "lies before the previous assessment (%s)",
		          prev);
	else
		return level;
	return 0;
}

/* status may be set to "active" or "stopped"; target_reached is the
 * plugin's to set. */
static void
check_status(const json_t *v, json_t *errors)
{
	const char *s = json_string_value(v);

	if (!s || (strcmp(s, "active") != 0 && strcmp(s, "stopped") != 0))
		add_error(errors, "/status", "may be set to \"active\" or \"stopped\"");
}

json_t *
vd_wt_traj_patch(const json_t *record, const json_t *patch, long today, json_t *errors,
                 bool *reached)
{
	size_t before = json_array_size(errors);
	json_t *rec, *v, *assessment = NULL;
	const char *key;
	int level = 0;
	char date[11];

	*reached = false;
	if (!json_is_object(patch)) {
		add_error(errors, "", "the change must be a JSON object (a merge patch)");
		return NULL;
	}
	unknown_keys(patch, patch_keys, N_OF(patch_keys), errors);
	rec = json_deep_copy(record);
	json_object_foreach((json_t *)patch, key, v)
	{
		if (!in_list(key, patch_keys, N_OF(patch_keys)))
			continue;
		if (strcmp(key, "assessment") == 0)
			assessment = v;
		else if (strcmp(key, "status") == 0)
			check_status(v, errors);
		if (strcmp(key, "assessment") == 0 || json_is_null(v))
			json_object_del(rec, key);
		else
			json_object_set(rec, key, v);
	}
	check_record(rec, errors);
	if (assessment)
		level = check_assessment(rec, assessment, today, errors);
	if (json_array_size(errors) != before) {
		json_decref(rec);
		return NULL;
	}
	normalise_levels(rec);
	if (assessment) {
		json_array_append_new(
		    json_object_get(rec, "assessments"),
		    json_pack(
		        "{s:O, s:o}", "on", json_object_get(assessment, "on"), "level",
		        level_value(json_string_value(json_object_get(assessment, "level")))));
		if (level >=
		    vd_wt_level_rank(json_string_value(json_object_get(rec, "target_level")))) {
			*reached = true;
			json_object_set_new(rec, "status", json_string("target_reached"));
		}
	}
	vd_wt_date_format(today, date);
	json_object_set_new(rec, "updated", json_string(date));
	return rec;
}

json_t *
vd_wt_traj_view(const json_t *record, const vd_wt_params_t *params)
{
	json_t *out = json_deep_copy(record);
	const json_t *list = json_object_get(record, "assessments"), *last = NULL;
	const char *current = json_string_value(json_object_get(record, "start_level"));
	const char *from_date = json_string_value(json_object_get(record, "start"));
	double hpw = json_number_value(json_object_get(record, "hours_per_week"));
	int target = vd_wt_level_rank(json_string_value(json_object_get(record, "target_level")));
	long days = 0;
	unsigned left;
	char end[11];

	if (json_array_size(list) > 0) {
		last = json_array_get(list, json_array_size(list) - 1);
		current = json_string_value(json_object_get(last, "level"));
		from_date = json_string_value(json_object_get(last, "on"));
	}
	json_object_set_new(out, "current_level", json_string(current ? current : ""));
	json_object_set_new(
	    out, "weeks",
	    json_integer(vd_wt_weeks(
	        params, vd_wt_level_rank(json_string_value(json_object_get(record, "start_level"))),
	        target, hpw)));
	left = vd_wt_weeks(params, vd_wt_level_rank(current), target, hpw);
	json_object_set_new(out, "weeks_left", json_integer(left));
	if (vd_wt_date_parse(from_date, &days)) {
		vd_wt_date_format(days + 7L * left, end);
		json_object_set_new(out, "estimated_end", json_string(end));
	}
	return out;
}

char *
vd_wt_errors_text(const json_t *errors)
{
	size_t i, len = 0, cap = 1;
	const json_t *e;
	char *out;

	json_array_foreach(errors, i, e)
	{
		cap += strlen(str(json_object_get(e, "pointer"))) +
		       strlen(str(json_object_get(e, "detail"))) + 4;
	}
	out = calloc(1, cap);
	if (!out)
		return NULL;
	json_array_foreach(errors, i, e)
	{
		len += (size_t)snprintf(out + len, cap - len, "%s%s: %s", i ? "; " : "",
		                        str(json_object_get(e, "pointer")),
		                        str(json_object_get(e, "detail")));
	}
	return out;
}

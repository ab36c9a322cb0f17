/* The taalhandhaving plugin: its rules on their own (dates, parameters,
 * statuses, actions and due dates, the check of extensions) and the whole
 * plugin against a small host stub that holds profiles in memory, serves
 * them a page at a time and records routes and timers. Expected dates are
 * computed here with timegm(), not with the plugin's own day arithmetic. */
#include "config.h"

/* timegm, strdup, mkstemp: not C11. */
#define _DEFAULT_SOURCE

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../../plugins/taalhandhaving/days.h"
#include "../../plugins/taalhandhaving/params.h"
#include "../../plugins/taalhandhaving/rules.h"
#include "../../plugins/taalhandhaving/table.h"
#include <vaardig/plugin.h>

extern const vd_plugin_t vaardig_plugin;

#define TODAY "2026-06-15"

/* ---- independent date arithmetic ----------------------------------------- */

static struct tm
tm_of(const char *date)
{
	struct tm tm = {0};

	ck_assert_int_eq(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	return tm;
}

/* date plus days, as "YYYY-MM-DD" in a static buffer (one at a time). */
static const char *
plus_days(const char *date, int days)
{
	static char out[16];
	struct tm tm = tm_of(date);
	time_t t = timegm(&tm) + (time_t)days * 86400;

	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), "%Y-%m-%d", &tm);
	return out;
}

/* date plus months; a day past the month's end becomes its last day. */
static const char *
plus_months(const char *date, int months)
{
	static char out[16];
	struct tm tm = tm_of(date), probe;
	int want_mon, day = tm.tm_mday;
	time_t t;

	tm.tm_mon += months;
	tm.tm_mday = 1;
	t = timegm(&tm);
	gmtime_r(&t, &probe);
	want_mon = probe.tm_mon;
	probe.tm_mday = day;
	t = timegm(&probe);
	gmtime_r(&t, &probe);
	while (probe.tm_mon != want_mon) { /* ran into the next month: step back */
		t -= 86400;
		gmtime_r(&t, &probe);
	}
	strftime(out, sizeof(out), "%Y-%m-%d", &probe);
	return out;
}

static taal_day_t
day(const char *text)
{
	taal_day_t d = TAAL_NO_DAY;

	ck_assert_msg(taal_day_parse(text, &d), "'%s' should parse", text);
	return d;
}

static taal_params_t *
params(void)
{
	char why[256] = "";
	taal_params_t *p = taal_params_load(VD_TEST_DATADIR "/taaleis.json", why, sizeof(why));

	ck_assert_msg(p != NULL, "data/taaleis.json refused: %s", why);
	return p;
}

/* A profile from JSON text; ck-fails on a typo in the test. */
static json_t *
profile(const char *text)
{
	json_error_t err;
	json_t *p = json_loads(text, 0, &err);

	ck_assert_msg(p != NULL, "bad test JSON: %s", err.text);
	return p;
}

static void
derive_text(const taal_params_t *p, const char *profile_text, const char *today, taal_result_t *r)
{
	json_t *prof = profile(profile_text);
	taal_facts_t f;

	taal_facts_from_profile(prof, p, &f, NULL);
	taal_derive(&f, p, day(today), r);
	json_decref(prof);
}

static void
assert_due(const taal_result_t *r, const char *want)
{
	char got[11] = "none";

	if (r->due != TAAL_NO_DAY)
		taal_day_format(r->due, got);
	ck_assert_str_eq(got, want ? want : "none");
}

/* ---- days ---------------------------------------------------------------- */

START_TEST(days_round_trip)
{
	static const char *const dates[] = {"1900-01-01", "2016-01-01", "2024-02-29", "2026-12-31",
	                                    "2999-12-31"};
	char out[11];

	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		taal_day_format(day(dates[i]), out);
		ck_assert_str_eq(out, dates[i]);
		/* consecutive days are consecutive numbers */
		if (strcmp(dates[i], "2999-12-31") != 0)
			ck_assert_int_eq(day(plus_days(dates[i], 1)) - day(dates[i]), 1);
	}
	ck_assert_int_eq(day("2027-01-01") - day("2026-01-01"), 365);
	ck_assert_int_eq(day("2025-01-01") - day("2024-01-01"), 366);
}
END_TEST

START_TEST(days_refuse_non_dates)
{
	static const char *const bad[] = {"2026-02-29", "2026-13-01", "2026-00-10",
	                                  "26-01-01",   "2026-1-01",  "2026-01-01x",
	                                  "",           "1899-12-31", "2026/01/01"};
	taal_day_t d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!taal_day_parse(bad[i], &d), "'%s' should be refused", bad[i]);
	ck_assert(!taal_day_parse(NULL, &d));
}
END_TEST

START_TEST(days_add_months)
{
	static const char *const from[] = {"2026-08-31", "2023-08-31", "2026-01-31", "2025-12-15",
	                                   "2026-03-01"};
	static const int months[] = {6, 6, 1, 12, -3};
	char out[11];

	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		taal_day_format(taal_day_add_months(day(from[i]), months[i]), out);
		ck_assert_str_eq(out, plus_months(from[i], months[i]));
	}
}
END_TEST

/* ---- parameters ---------------------------------------------------------- */

START_TEST(params_from_data)
{
	taal_params_t *p = params();
	json_t *file = json_load_file(VD_TEST_DATADIR "/taaleis.json", 0, NULL);
	const json_t *steps = json_object_get(json_object_get(file, "reduction"), "steps");
	const json_t *grounds = json_object_get(file, "exemptions");

	ck_assert_ptr_nonnull(file);
	for (size_t s = 0; s < TAAL_N_SKILLS; s++) {
		const char *level = json_string_value(
		    json_object_get(json_object_get(file, "required_level"), taal_skill_names[s]));
		ck_assert_str_eq(p->required_text[s], level);
		/* 1F compares as A2 (API.md) */
		ck_assert_int_eq(p->required[s], taal_level_rank(p, "A2"));
	}
	ck_assert_int_eq(taal_level_rank(p, "2f"), taal_level_rank(p, "B1"));
	ck_assert_int_eq(taal_level_rank(p, "Z9"), 0);
	ck_assert_uint_eq(p->n_steps, json_array_size(steps));
	for (size_t i = 0; i < p->n_steps; i++)
		ck_assert_uint_eq(p->steps[i].percent, json_integer_value(json_object_get(
		                                           json_array_get(steps, i), "percent")));
	ck_assert_uint_eq(p->n_grounds, json_array_size(grounds));
	ck_assert_int_ge(taal_ground_index(p, "medisch"), 0);
	ck_assert_int_eq(taal_ground_index(p, "geen-zin"), -1);
	json_decref(file);
	taal_params_free(p);
}
END_TEST

START_TEST(params_refuse_bad_file)
{
	char path[] = "/tmp/vd-taaleis-XXXXXX", why[256] = "";
	json_t *file = json_load_file(VD_TEST_DATADIR "/taaleis.json", 0, NULL);
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	/* steps that do not start at month 0 */
	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(file, "reduction"), "steps"), 0),
	    "from_months", json_integer(3));
	ck_assert_int_eq(json_dump_file(file, path, 0), 0);
	ck_assert_ptr_null(taal_params_load(path, why, sizeof(why)));
	ck_assert_msg(strstr(why, "reduction.steps[0]") != NULL, "why: %s", why);
	/* a required level that is no level */
	json_decref(file);
	file = json_load_file(VD_TEST_DATADIR "/taaleis.json", 0, NULL);
	json_object_set_new(json_object_get(file, "required_level"), "spreken", json_string("X"));
	ck_assert_int_eq(json_dump_file(file, path, 0), 0);
	ck_assert_ptr_null(taal_params_load(path, why, sizeof(why)));
	ck_assert_msg(strstr(why, "required_level.spreken") != NULL, "why: %s", why);
	ck_assert_ptr_null(taal_params_load("/nonexistent/taaleis.json", why, sizeof(why)));
	json_decref(file);
	unlink(path);
}
END_TEST

/* ---- statuses ------------------------------------------------------------ */

START_TEST(status_from_levels)
{
	taal_params_t *p = params();
	taal_result_t r;
	json_t *reasons = json_array(), *prof;
	taal_facts_t f;

	derive_text(p, "{\"languages\": [{\"code\": \"nl\", \"level\": \"A2\"}]}", TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET);
	ck_assert_int_eq(r.action, TAAL_ACT_GEEN);
	derive_text(p, "{\"languages\": [{\"code\": \"nl\", \"level\": \"2F\"}]}", TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET);
	derive_text(p, "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}]}", TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET_NIET);
	derive_text(p, "{\"languages\": [{\"code\": \"en\", \"level\": \"C2\"}]}", TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_ONBEKEND);
	derive_text(p, "{}", TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_ONBEKEND);
	ck_assert_int_eq(r.action, TAAL_ACT_TOETS);
	/* one skill below 1F is enough to fall short; the reason names it */
	prof = profile("{\"languages\": [{\"code\": \"nl\", \"level\": \"B1\", \"by_skill\": "
	               "{\"lezen\": \"1F\", \"schrijven\": \"A1\", \"luisteren\": \"2F\", "
	               "\"spreken\": \"B1\", \"gesprekken\": \"1F\"}}]}");
	taal_facts_from_profile(prof, p, &f, reasons);
	taal_derive(&f, p, day(TODAY), &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET_NIET);
	ck_assert_uint_eq(json_array_size(reasons), 1);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(reasons, 0)), "schrijven"));
	json_decref(prof);
	/* a skill by_skill leaves out takes the overall level */
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\", \"by_skill\": "
	            "{\"lezen\": \"2F\"}}]}",
	            TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET_NIET);
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A2\", \"by_skill\": "
	            "{\"lezen\": \"2F\"}}]}",
	            TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET);
	json_decref(reasons);
	taal_params_free(p);
}
END_TEST

START_TEST(status_exemptions)
{
	taal_params_t *p = params();
	taal_result_t r;
	char text[512];

	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"exempt\": \"medisch\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VRIJGESTELD);
	ck_assert_int_eq(r.action, TAAL_ACT_GEEN);
	/* held through exempt_until itself, and the review is due then */
	snprintf(text, sizeof(text),
	         "{\"extensions\": {\"taalhandhaving\": {\"exempt\": \"medisch\", "
	         "\"exempt_until\": \"%s\"}}}",
	         TODAY);
	derive_text(p, text, TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VRIJGESTELD);
	ck_assert_int_eq(r.action, TAAL_ACT_VRIJSTELLING);
	assert_due(&r, TODAY);
	derive_text(p, text, plus_days(TODAY, 1), &r);
	ck_assert_int_eq(r.status, TAAL_ONBEKEND);
	/* an expired exemption leaves the level to decide */
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"exempt\": \"medisch\", \"exempt_until\": "
	            "\"2020-01-01\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET_NIET);
	/* a ground the parameters do not list exempts nobody */
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"B1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"exempt\": \"geen-zin\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET);
	taal_params_free(p);
}
END_TEST

/* ---- actions and due dates ----------------------------------------------- */

START_TEST(actions_before_notice)
{
	taal_params_t *p = params();
	taal_result_t r;
	char due[16];

	derive_text(p,
	            "{\"extensions\": {\"taalhandhaving\": {\"benefit_since\": \"2026-01-05\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.action, TAAL_ACT_TOETS);
	assert_due(&r, plus_days("2026-01-05", 7 * (int)p->assessment_weeks));
	/* no start of the benefit: no due date to give */
	derive_text(p, "{}", TODAY, &r);
	assert_due(&r, NULL);
	/* below the level, assessed: the training offer is due after offer_weeks */
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"benefit_since\": \"2026-01-05\", \"assessed_on\": "
	            "\"2026-02-10\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.action, TAAL_ACT_AANBOD);
	assert_due(&r, plus_days("2026-02-10", 7 * (int)p->offer_weeks));
	/* not assessed yet: counted from the assessment deadline */
	snprintf(due, sizeof(due), "%s", plus_days("2026-01-05", 7 * (int)p->assessment_weeks));
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"benefit_since\": \"2026-01-05\"}}}",
	            TODAY, &r);
	assert_due(&r, plus_days(due, 7 * (int)p->offer_weeks));
	/* training offered: effort is reviewed after review_months */
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"training_offered_on\": \"2026-03-31\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.action, TAAL_ACT_VOORTGANG);
	assert_due(&r, plus_months("2026-03-31", (int)p->review_months));
	ck_assert_int_eq(r.step, -1);
	taal_params_free(p);
}
END_TEST

/* notice_on months before TODAY: the step proposed and the next one. */
static void
check_notice(const taal_params_t *p, int months_ago)
{
	char notice[16], text[512];
	taal_result_t r;
	int want = -1;

	snprintf(notice, sizeof(notice), "%s", plus_months(TODAY, -months_ago));
	snprintf(text, sizeof(text),
	         "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}], \"extensions\": "
	         "{\"taalhandhaving\": {\"notice_on\": \"%s\", \"training_offered_on\": "
	         "\"2024-01-01\"}}}",
	         notice);
	derive_text(p, text, TODAY, &r);
	for (size_t i = 0; i < p->n_steps; i++)
		if ((int)p->steps[i].from_months <= months_ago)
			want = (int)i;
	ck_assert_int_eq(r.status, TAAL_VOLDOET_NIET);
	ck_assert_int_eq(r.action, TAAL_ACT_VERLAGING);
	ck_assert_int_eq(r.step, want);
	if (want >= 0)
		ck_assert_int_eq(r.step_from,
		                 day(plus_months(notice, (int)p->steps[want].from_months)));
	if ((size_t)want + 1 < p->n_steps)
		assert_due(&r, plus_months(notice, (int)p->steps[want + 1].from_months));
}

START_TEST(actions_after_notice)
{
	taal_params_t *p = params();
	taal_result_t r;

	/* the 2016 steps: 20% for 6 months, 40% to 12 months, 100% after */
	check_notice(p, 3);
	check_notice(p, 7);
	check_notice(p, 0);
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"notice_on\": \"2025-05-15\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.step, (int)p->n_steps - 1);
	ck_assert_uint_eq(p->steps[r.step].percent, 100);
	/* the last step is reviewed every review_months from its start */
	assert_due(&r, plus_months("2025-05-15", 12 + (int)p->review_months));
	/* a notice dated after today proposes nothing yet */
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"A1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"notice_on\": \"2026-07-01\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.step, -1);
	assert_due(&r, "2026-07-01");
	/* meeting the level ends it, whatever the notice */
	derive_text(p,
	            "{\"languages\": [{\"code\": \"nl\", \"level\": \"B1\"}], \"extensions\": "
	            "{\"taalhandhaving\": {\"notice_on\": \"2025-05-15\"}}}",
	            TODAY, &r);
	ck_assert_int_eq(r.status, TAAL_VOLDOET);
	taal_params_free(p);
}
END_TEST

/* ---- the check of extensions.taalhandhaving ------------------------------ */

static bool
has_pointer(const json_t *errors, const char *pointer)
{
	size_t i;
	const json_t *e;

	json_array_foreach(errors, i,
	                   e) if (strcmp(json_string_value(json_object_get(e, "pointer")),
	                                 pointer) == 0) return true;
	return false;
}

START_TEST(check_extension)
{
	taal_params_t *p = params();
	json_t *errors = json_array(), *prof;

	prof = profile("{\"extensions\": {\"taalhandhaving\": {\"exempt\": \"medisch\", "
	               "\"exempt_until\": \"2027-01-01\", \"notice_on\": \"2026-03-01\"}}}");
	taal_check_extension(prof, p, errors);
	ck_assert_uint_eq(json_array_size(errors), 0);
	json_decref(prof);
	prof = profile("{\"languages\": []}");
	taal_check_extension(prof, p, errors);
	ck_assert_uint_eq(json_array_size(errors), 0);
	json_decref(prof);
	prof = profile("{\"extensions\": {\"taalhandhaving\": {\"exempt\": \"geen-zin\", "
	               "\"notice_on\": \"2026-02-30\", \"assessed_on\": 20260101, "
	               "\"hobby/x\": 1}}}");
	taal_check_extension(prof, p, errors);
	ck_assert(has_pointer(errors, "/extensions/taalhandhaving/exempt"));
	ck_assert(has_pointer(errors, "/extensions/taalhandhaving/notice_on"));
	ck_assert(has_pointer(errors, "/extensions/taalhandhaving/assessed_on"));
	ck_assert(has_pointer(errors, "/extensions/taalhandhaving/hobby~1x"));
	ck_assert_uint_eq(json_array_size(errors), 4);
	json_decref(prof);
	json_array_clear(errors);
	prof =
	    profile("{\"extensions\": {\"taalhandhaving\": {\"exempt_until\": \"2027-01-01\"}}}");
	taal_check_extension(prof, p, errors);
	ck_assert(has_pointer(errors, "/extensions/taalhandhaving/exempt_until"));
	json_decref(prof);
	json_decref(errors);
	taal_params_free(p);
}
END_TEST

/* ---- the table ----------------------------------------------------------- */

START_TEST(table_put_remove_grow)
{
	taal_table_t *t = taal_table_new();
	taal_facts_t f = {0};
	char id[32];

	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "js-%07d", i);
		f.notice_on = i + 1;
		ck_assert_int_eq(taal_table_put(t, id, &f), 0);
	}
	for (int i = 0; i < 5000; i += 2) {
		snprintf(id, sizeof(id), "js-%07d", i);
		taal_table_remove(t, id);
	}
	ck_assert_uint_eq(taal_table_size(t), 2500);
	for (int i = 0; i < 5000; i++) {
		const taal_facts_t *got;
		snprintf(id, sizeof(id), "js-%07d", i);
		got = taal_table_get(t, id);
		if (i % 2 == 0)
			ck_assert_ptr_null(got);
		else
			ck_assert_int_eq(got->notice_on, i + 1);
	}
	taal_table_free(t);
}
END_TEST

/* ---- the plugin against a host stub -------------------------------------- */

#define STUB_MAX_ROUTES 4

static struct stub {
	json_t *store; /* array of profiles, the host's fixed order */
	const char *config;
	char today[11];
	struct {
		char pattern[64];
		unsigned roles;
		vd_plugin_route_fn fn;
	} routes[STUB_MAX_ROUTES];
	size_t n_routes;
	vd_plugin_timer_fn timer;
	int fail_pages;       /* profiles() fails this many more times */
	unsigned long reads;  /* profiles() calls */
	char last_error[256]; /* the last VD_LOG_ERROR line */
} stub;

static void __attribute__((format(printf, 3, 4)))
stub_log(const vd_host_t *host, int level, const char *fmt, ...)
{
	va_list ap;

	(void)host;
	if (level != VD_LOG_ERROR)
		return;
	va_start(ap, fmt);
	vsnprintf(stub.last_error, sizeof(stub.last_error), fmt, ap);
	va_end(ap);
}

static const char *
stub_config(const vd_host_t *host)
{
	(void)host;
	return stub.config;
}

static const char *
stub_reference_dir(const vd_host_t *host)
{
	(void)host;
	return VD_TEST_DATADIR;
}

static int
stub_register_route(const vd_host_t *host, const char *method, const char *pattern, unsigned roles,
                    vd_plugin_route_fn fn)
{
	(void)host;
	ck_assert_str_eq(method, "GET");
	ck_assert_uint_lt(stub.n_routes, STUB_MAX_ROUTES);
	snprintf(stub.routes[stub.n_routes].pattern, 64, "%s", pattern);
	stub.routes[stub.n_routes].roles = roles;
	stub.routes[stub.n_routes++].fn = fn;
	return 0;
}

static int
stub_schedule(const vd_host_t *host, unsigned interval_s, vd_plugin_timer_fn fn)
{
	(void)host;
	ck_assert_uint_eq(interval_s, 0); /* a background task: the scan */
	stub.timer = fn;
	return 0;
}

static const json_t *
stored(const char *id)
{
	size_t i;
	const json_t *p;

	json_array_foreach(stub.store, i, p) if (strcmp(json_string_value(json_object_get(p, "id")),
	                                                id) == 0) return p;
	return NULL;
}

static char *
stub_read_profile(const vd_host_t *host, const char *id)
{
	const json_t *p = stored(id);

	(void)host;
	return p ? json_dumps(p, JSON_COMPACT) : NULL;
}

static int
stub_set_details(const vd_host_t *host, const char *text)
{
	(void)host;
	(void)text;
	return 0;
}

static void
stub_today(const vd_host_t *host, char out[11])
{
	(void)host;
	memcpy(out, stub.today, 11);
}

static char *
stub_profiles(const vd_host_t *host, unsigned long cursor, unsigned max, unsigned long *next)
{
	json_t *page = json_array();
	size_t n = json_array_size(stub.store), end = cursor + max < n ? cursor + max : n;
	char *text;

	(void)host;
	stub.reads++;
	if (stub.fail_pages > 0) {
		stub.fail_pages--;
		json_decref(page);
		return NULL;
	}
	for (size_t i = cursor; i < end; i++)
		json_array_append(page, json_array_get(stub.store, i));
	*next = end < n ? end : 0;
	text = json_dumps(page, JSON_COMPACT);
	json_decref(page);
	return text;
}

static const vd_host_t host = {
    .size = sizeof(vd_host_t),
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .log = stub_log,
    .config = stub_config,
    .reference_dir = stub_reference_dir,
    .register_route = stub_register_route,
    .schedule = stub_schedule,
    .read_profile = stub_read_profile,
    .set_details = stub_set_details,
    .free = free,
    .today = stub_today,
    .profiles = stub_profiles,
};

/* The population: profile i has pattern i % 6, so every status and action
 * occurs; its expected status is written next to it. */
#define N_PEOPLE 5000
static const struct {
	const char *ext_lang; /* the languages member, or "" */
	const char *ext;      /* the extensions.taalhandhaving object, or "" */
	taal_status_t want;
} patterns[] = {
    {"[{\"code\": \"nl\", \"level\": \"B1\"}]", "", TAAL_VOLDOET},
    {"[{\"code\": \"nl\", \"level\": \"A1\"}]", "{\"benefit_since\": \"2026-01-05\"}",
     TAAL_VOLDOET_NIET},
    {"[{\"code\": \"ar\", \"level\": \"C2\"}]", "{\"benefit_since\": \"2026-02-01\"}",
     TAAL_ONBEKEND},
    {"", "{\"exempt\": \"medisch\"}", TAAL_VRIJGESTELD},
    {"[{\"code\": \"nl\", \"level\": \"A1\"}]", "{\"notice_on\": \"2026-01-15\"}",
     TAAL_VOLDOET_NIET},
    {"", "{\"exempt\": \"medisch\", \"exempt_until\": \"2026-01-01\"}", TAAL_ONBEKEND},
};
#define N_PATTERNS (sizeof(patterns) / sizeof(patterns[0]))

static json_t *
person_json(int i)
{
	char text[512], id[32];
	size_t k = (size_t)i % N_PATTERNS;

	snprintf(id, sizeof(id), "js-%07d", i);
	snprintf(text, sizeof(text), "{\"id\": \"%s\"%s%s%s%s%s}", id,
	         *patterns[k].ext_lang ? ", \"languages\": " : "", patterns[k].ext_lang,
	         *patterns[k].ext ? ", \"extensions\": {\"taalhandhaving\": " : "", patterns[k].ext,
	         *patterns[k].ext ? "}" : "");
	return profile(text);
}

static void *state;

static void
plugin_setup(void)
{
	memset(&stub, 0, sizeof(stub));
	stub.config = "{}";
	memcpy(stub.today, TODAY, 11);
	stub.store = json_array();
	for (int i = 0; i < N_PEOPLE; i++)
		json_array_append_new(stub.store, person_json(i));
	state = NULL;
}

static void
plugin_teardown(void)
{
	if (state)
		vaardig_plugin.fini(state);
	state = NULL;
	json_decref(stub.store);
}

static vd_plugin_route_fn
route(const char *pattern)
{
	for (size_t i = 0; i < stub.n_routes; i++)
		if (strcmp(stub.routes[i].pattern, pattern) == 0)
			return stub.routes[i].fn;
	ck_abort_msg("no route %s", pattern);
	return NULL;
}

/* Calls a route; returns its status, *answer the parsed 2xx body (new) or NULL. */
static int
call(const char *pattern, const char *query, const char *param, json_t **answer)
{
	vd_plugin_request_t req = {.size = sizeof(req),
	                           .method = "GET",
	                           .path = "/v1/taaleis",
	                           .params = {param},
	                           .query = query,
	                           .body = "",
	                           .token_name = "km-test",
	                           .role = VD_PLUGIN_ROLE_CASEWORKER};
	char *body = NULL;
	int status = route(pattern)(state, &req, &body);

	*answer = NULL;
	if (status >= 200 && status < 300) {
		*answer = json_loads(body, 0, NULL);
		ck_assert_ptr_nonnull(*answer);
	}
	free(body);
	return status;
}

static void
start_plugin(void)
{
	ck_assert_int_eq(vaardig_plugin.init(&host, stub.config, &state), 0);
	ck_assert_ptr_nonnull(state);
}

/* Runs the timer until the worklist answers (a bounded number of ticks). */
static void
wait_scanned(void)
{
	json_t *a = NULL;

	for (int ticks = 0; call("/v1/taaleis", NULL, NULL, &a) == 503; ticks++) {
		ck_assert_int_lt(ticks, 100);
		stub.timer(state);
	}
	json_decref(a);
}

/* Expected count of status s among the first n people. */
static size_t
expected_count(taal_status_t s, int n)
{
	size_t count = 0;

	for (int i = 0; i < n; i++)
		count += patterns[i % N_PATTERNS].want == s;
	return count;
}

START_TEST(plugin_refuses_bad_config)
{
	stub.config = "{\"parameter\": \"/x\"}";
	ck_assert_int_ne(vaardig_plugin.init(&host, stub.config, &state), 0);
	ck_assert_ptr_nonnull(strstr(stub.last_error, "parameter"));
	stub.config = "{\"parameters\": \"/nonexistent/taaleis.json\"}";
	ck_assert_int_ne(vaardig_plugin.init(&host, stub.config, &state), 0);
	ck_assert_ptr_nonnull(strstr(stub.last_error, "/nonexistent/taaleis.json"));
	state = NULL;
}
END_TEST

START_TEST(plugin_refuses_old_host)
{
	vd_host_t old = host;

	old.abi_minor = 0;
	ck_assert_int_ne(vaardig_plugin.init(&old, "{}", &state), 0);
	ck_assert_ptr_nonnull(strstr(stub.last_error, "1.1"));
	state = NULL;
}
END_TEST

START_TEST(plugin_worklist_after_scan)
{
	json_t *answer;
	int status;

	stub.fail_pages = 2; /* the first tick fails: the worklist must wait */
	start_plugin();
	ck_assert_uint_eq(stub.n_routes, 2);
	ck_assert_uint_eq(stub.routes[0].roles, VD_PLUGIN_ROLE_CASEWORKER | VD_PLUGIN_ROLE_ADMIN);
	ck_assert_int_eq(call("/v1/taaleis", NULL, NULL, &answer), 503);
	ck_assert_int_ne(stub.timer(state), 0); /* the second failure */
	ck_assert_int_eq(call("/v1/taaleis", "status=voldoet", NULL, &answer), 503);
	while (call("/v1/taaleis", NULL, NULL, &answer) == 503) {
		int rc = stub.timer(state);
		ck_assert(rc == 0 || rc == VD_PLUGIN_TIMER_DONE);
	}
	/* Done: the task asks not to be called again. */
	ck_assert_int_eq(stub.timer(state), VD_PLUGIN_TIMER_DONE);
	/* 5000 profiles in pages of 500: at least ten reads after the failures */
	ck_assert_uint_ge(stub.reads, 2 + 10);
	ck_assert_int_eq(json_integer_value(json_object_get(answer, "total")), N_PEOPLE);
	json_decref(answer);
	for (int s = 0; s < TAAL_N_STATUS; s++) {
		char q[64];
		snprintf(q, sizeof(q), "status=%s&per_page=5000", taal_status_names[s]);
		status = call("/v1/taaleis", q, NULL, &answer);
		ck_assert_int_eq(status, 200);
		ck_assert_uint_eq(json_integer_value(json_object_get(answer, "total")),
		                  expected_count(s, N_PEOPLE));
		/* per_page is lowered to 1000 */
		ck_assert_uint_eq(json_array_size(json_object_get(answer, "results")),
		                  expected_count(s, N_PEOPLE) < 1000 ? expected_count(s, N_PEOPLE)
		                                                     : 1000);
		ck_assert_int_eq(json_integer_value(json_object_get(answer, "per_page")), 1000);
		json_decref(answer);
	}
	ck_assert_int_eq(call("/v1/taaleis", "status=misschien", NULL, &answer), 400);
	ck_assert_int_eq(call("/v1/taaleis", "page=0", NULL, &answer), 400);
	ck_assert_int_eq(call("/v1/taaleis", "per_page=x", NULL, &answer), 400);
}
END_TEST

/* Rows are sorted by due date (none last), then id, and pages tile them. */
START_TEST(plugin_worklist_order_and_pages)
{
	json_t *all, *page, *results, *row;
	const char *prev_due = NULL, *prev_id = "";
	size_t i, seen = 0;

	start_plugin();
	wait_scanned();
	/* the whole list, from pages of 1000 */
	results = json_array();
	for (int p = 1; p == 1 || json_array_size(results) % 1000 == 0; p++) {
		char q[64];
		snprintf(q, sizeof(q), "status=voldoet_niet&per_page=1000&page=%d", p);
		ck_assert_int_eq(call("/v1/taaleis", q, NULL, &all), 200);
		if (json_array_size(json_object_get(all, "results")) == 0) {
			json_decref(all);
			break;
		}
		json_array_extend(results, json_object_get(all, "results"));
		json_decref(all);
	}
	ck_assert_uint_eq(json_array_size(results), expected_count(TAAL_VOLDOET_NIET, N_PEOPLE));
	json_array_foreach(results, i, row)
	{
		const char *due = json_string_value(json_object_get(row, "due"));
		const char *id = json_string_value(json_object_get(row, "id"));
		ck_assert_str_eq(json_string_value(json_object_get(row, "status")), "voldoet_niet");
		ck_assert_ptr_nonnull(due); /* every voldoet_niet pattern has one */
		if (prev_due) {
			int c = strcmp(prev_due, due);
			ck_assert_int_le(c, 0);
			if (c == 0)
				ck_assert_int_lt(strcmp(prev_id, id), 0);
		}
		prev_due = due;
		prev_id = id;
	}
	/* pages of 7 tile the same list */
	for (int p = 1;; p++) {
		char q[64];
		snprintf(q, sizeof(q), "status=voldoet_niet&per_page=7&page=%d", p);
		ck_assert_int_eq(call("/v1/taaleis", q, NULL, &page), 200);
		if (json_array_size(json_object_get(page, "results")) == 0) {
			json_decref(page);
			break;
		}
		json_array_foreach(json_object_get(page, "results"), i, row)
		    ck_assert(json_equal(row, json_array_get(results, seen++)));
		json_decref(page);
	}
	ck_assert_uint_eq(seen, json_array_size(results));
	json_decref(results);
}
END_TEST

static const char *
status_of(const char *id)
{
	static char out[32];
	json_t *answer;

	if (call("/v1/taaleis/{}", NULL, id, &answer) != 200)
		return "absent";
	snprintf(out, sizeof(out), "%s", json_string_value(json_object_get(answer, "status")));
	json_decref(answer);
	return out;
}

static size_t
total(const char *query)
{
	json_t *answer;
	size_t n;

	ck_assert_int_eq(call("/v1/taaleis", query, NULL, &answer), 200);
	n = (size_t)json_integer_value(json_object_get(answer, "total"));
	json_decref(answer);
	return n;
}

START_TEST(plugin_follows_changes)
{
	json_t *p;
	char *text;
	size_t before;

	start_plugin();
	wait_scanned();
	before = total("status=voldoet");
	/* js-0000001 (pattern 1, voldoet_niet) learns Dutch */
	p = person_json(1);
	json_object_set_new(p, "languages", profile("[{\"code\": \"nl\", \"level\": \"2F\"}]"));
	json_array_set(stub.store, 1, p);
	text = json_dumps(p, JSON_COMPACT);
	ck_assert_int_eq(vaardig_plugin.on_profile(state, "js-0000001", text), 0);
	free(text);
	json_decref(p);
	ck_assert_uint_eq(total("status=voldoet"), before + 1);
	ck_assert_str_eq(status_of("js-0000001"), "voldoet");
	/* js-0000000 is deleted */
	ck_assert_int_eq(vaardig_plugin.on_profile(state, "js-0000000", NULL), 0);
	ck_assert_uint_eq(total("status=voldoet"), before);
	ck_assert_uint_eq(total(NULL), N_PEOPLE - 1);
}
END_TEST

/* A change told by on_profile while the scan runs wins over the older copy
 * the scan reads later. */
START_TEST(plugin_change_during_scan)
{
	size_t last = N_PEOPLE - 1;
	char id[32];

	stub.fail_pages = 1;
	start_plugin();
	snprintf(id, sizeof(id), "js-%07zu", last);
	ck_assert_int_eq(vaardig_plugin.on_profile(
	                     state, id, "{\"languages\": [{\"code\": \"nl\", \"level\": \"C1\"}]}"),
	                 0);
	/* the store still holds the old profile: pattern last % 6 */
	ck_assert_int_ne(patterns[last % N_PATTERNS].want, TAAL_VOLDOET);
	wait_scanned();
	ck_assert_uint_eq(total("status=voldoet"), expected_count(TAAL_VOLDOET, N_PEOPLE) + 1);
}
END_TEST

START_TEST(plugin_person_view)
{
	json_t *answer, *red;
	char want[16];

	start_plugin();
	ck_assert_int_eq(call("/v1/taaleis/{}", NULL, "nobody", &answer), 404);
	/* pattern 4: notice on 2026-01-15, five months before TODAY */
	ck_assert_int_eq(call("/v1/taaleis/{}", NULL, "js-0000004", &answer), 200);
	ck_assert_str_eq(json_string_value(json_object_get(answer, "status")), "voldoet_niet");
	ck_assert_str_eq(json_string_value(json_object_get(answer, "next_action")),
	                 "verlaging_overwegen");
	red = json_object_get(answer, "reduction");
	ck_assert_ptr_nonnull(red);
	ck_assert_int_eq(json_integer_value(json_object_get(red, "percent")), 20);
	ck_assert_int_eq(json_integer_value(json_object_get(red, "next_percent")), 40);
	snprintf(want, sizeof(want), "%s", plus_months("2026-01-15", 6));
	ck_assert_str_eq(json_string_value(json_object_get(red, "next_from")), want);
	ck_assert_str_eq(json_string_value(json_object_get(answer, "due")), want);
	ck_assert(json_is_true(json_object_get(red, "proposed")));
	ck_assert_uint_ge(json_array_size(json_object_get(answer, "reasons")), 2);
	ck_assert_str_eq(json_string_value(
	                     json_object_get(json_object_get(answer, "parameters_source"), "file")),
	                 "taaleis.json");
	json_decref(answer);
	/* pattern 0 meets it: no reduction */
	ck_assert_int_eq(call("/v1/taaleis/{}", NULL, "js-0000000", &answer), 200);
	ck_assert_ptr_null(json_object_get(answer, "reduction"));
	ck_assert(json_is_null(json_object_get(answer, "due")));
	json_decref(answer);
}
END_TEST

START_TEST(plugin_annotates_and_checks)
{
	char *text = NULL, *prof;
	json_t *a;

	start_plugin();
	prof = json_dumps(json_array_get(stub.store, 0), JSON_COMPACT);
	ck_assert_int_eq(vaardig_plugin.annotate(state, "js-0000000", prof, &text), 0);
	a = json_loads(text, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(a, "status")), "voldoet");
	ck_assert_ptr_null(json_object_get(a, "next_action"));
	json_decref(a);
	free(text);
	free(prof);
	prof = json_dumps(json_array_get(stub.store, 1), JSON_COMPACT);
	ck_assert_int_eq(vaardig_plugin.annotate(state, "js-0000001", prof, &text), 0);
	a = json_loads(text, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(a, "status")), "voldoet_niet");
	ck_assert_str_eq(json_string_value(json_object_get(a, "next_action")), "taalaanbod_doen");
	ck_assert_ptr_nonnull(json_object_get(a, "due"));
	json_decref(a);
	free(text);
	free(prof);
	/* check_profile: NULL for a good profile, pointers for a bad one */
	ck_assert_int_eq(vaardig_plugin.check_profile(state, "{\"id\": \"x\"}", &text), 0);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(
	    vaardig_plugin.check_profile(state,
	                                 "{\"id\": \"x\", \"extensions\": {\"taalhandhaving\": "
	                                 "{\"exempt\": \"lui\"}}}",
	                                 &text),
	    0);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "/extensions/taalhandhaving/exempt"));
	free(text);
}
END_TEST

static Suite *
taal_suite(void)
{
	Suite *s = suite_create("taalhandhaving");
	struct {
		const char *name;
		const TTest *test;
		bool plugin;
	} cases[] = {
	    {"days round trip", days_round_trip, false},
	    {"days refuse non-dates", days_refuse_non_dates, false},
	    {"days add months", days_add_months, false},
	    {"parameters from data", params_from_data, false},
	    {"parameters refuse a bad file", params_refuse_bad_file, false},
	    {"status from levels", status_from_levels, false},
	    {"status with exemptions", status_exemptions, false},
	    {"actions before a notice", actions_before_notice, false},
	    {"actions after a notice", actions_after_notice, false},
	    {"check of extensions", check_extension, false},
	    {"table put, remove, grow", table_put_remove_grow, false},
	    {"plugin refuses bad config", plugin_refuses_bad_config, true},
	    {"plugin refuses an old host", plugin_refuses_old_host, true},
	    {"plugin worklist after the scan", plugin_worklist_after_scan, true},
	    {"plugin worklist order and pages", plugin_worklist_order_and_pages, true},
	    {"plugin follows changes", plugin_follows_changes, true},
	    {"plugin change during the scan", plugin_change_during_scan, true},
	    {"plugin person view", plugin_person_view, true},
	    {"plugin annotates and checks", plugin_annotates_and_checks, true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);
		if (cases[i].plugin)
			tcase_add_checked_fixture(tc, plugin_setup, plugin_teardown);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(taal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

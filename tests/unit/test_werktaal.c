/* The werktaal plugin (plugins/werktaal) against a host stub: its parts
 * (levels, parameters, weeks, dates, the relaxed query, trajectory records,
 * the store) and the whole plugin through its descriptor, with a stub whose
 * search is a tiny matcher over a hand-written population. Expected answers
 * are computed here from data/werktaal.json and the population, not copied
 * from what the plugin said. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "relax.h"
#include "store.h"
#include "trajectory.h"
#include "werktaal.h"

extern const vd_plugin_t vaardig_plugin;

#define PARAMS VD_TEST_DATADIR "/werktaal.json"
#define TODAY  "2026-06-01"

static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};

/* hours_to[level] from data/werktaal.json, read here without the plugin. */
static double
hours_to(const char *level)
{
	json_t *root = json_load_file(PARAMS, 0, NULL);
	double h = json_number_value(json_object_get(json_object_get(root, "hours_to"), level));

	json_decref(root);
	ck_assert(h > 0);
	return h;
}

static double
param(const char *key)
{
	json_t *root = json_load_file(PARAMS, 0, NULL);
	double v = json_number_value(json_object_get(root, key));

	json_decref(root);
	return v;
}

static unsigned
expected_weeks(const char *from, const char *to, double hpw)
{
	return (unsigned)ceil((hours_to(to) - hours_to(from)) / hpw - 1e-9);
}

/* ---- the host stub ------------------------------------------------------ */

typedef struct route {
	char method[8], pattern[64];
	vd_plugin_route_fn fn;
} route_t;

static struct stub {
	char dir[64];
	char *config;
	json_t *people;     /* {"id": profile} */
	json_t *last_query; /* what the plugin last searched */
	json_t *patches;    /* [{"id", "patch"}] */
	route_t routes[8];
	size_t n_routes;
	char last_error[512];
	char details[512];
	void *state;
} stub;

static void
stub_log(const vd_host_t *host, int level, const char *fmt, ...)
{
	va_list ap;

	(void)host;
	va_start(ap, fmt);
	if (level <= VD_LOG_ERROR)
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
	ck_assert_uint_eq(roles, VD_PLUGIN_ROLE_CASEWORKER | VD_PLUGIN_ROLE_ADMIN);
	ck_assert_uint_lt(stub.n_routes, 8);
	snprintf(stub.routes[stub.n_routes].method, 8, "%s", method);
	snprintf(stub.routes[stub.n_routes].pattern, 64, "%s", pattern);
	stub.routes[stub.n_routes++].fn = fn;
	return 0;
}

static char *
stub_read_profile(const vd_host_t *host, const char *id)
{
	json_t *p = json_object_get(stub.people, id);

	(void)host;
	return p ? json_dumps(p, JSON_COMPACT) : NULL;
}

static int
stub_set_details(const vd_host_t *host, const char *text)
{
	(void)host;
	snprintf(stub.details, sizeof(stub.details), "%s", text ? text : "");
	return 0;
}

static void
stub_today(const vd_host_t *host, char out[11])
{
	(void)host;
	memcpy(out, TODAY, 11);
}

static const char *
stub_data_dir(const vd_host_t *host)
{
	(void)host;
	return stub.dir;
}

static int
rank(const char *level)
{
	static const char *const f[] = {"1F", "2F", "3F", "4F"};

	for (int i = 0; i < 6; i++)
		if (level && strcmp(level, cefr[i]) == 0)
			return i + 1;
	for (int i = 0; i < 4; i++)
		if (level && strcmp(level, f[i]) == 0)
			return i + 2;
	return 0;
}

static int
dutch_of(const json_t *p)
{
	const json_t *l;
	size_t i;

	json_array_foreach(json_object_get(p, "languages"), i, l)
	{
		if (strcmp(json_string_value(json_object_get(l, "code")), "nl") == 0)
			return rank(json_string_value(json_object_get(l, "level")));
	}
	return 0;
}

/* The stub matcher's terms: licence:X and language:nl:L. */
static bool
holds(const json_t *p, const char *term)
{
	const json_t *l;
	size_t i;

	if (strncmp(term, "language:nl:", 12) == 0)
		return dutch_of(p) >= rank(term + 12) && rank(term + 12) > 0;
	ck_assert_msg(strncmp(term, "licence:", 8) == 0, "stub cannot match %s", term);
	json_array_foreach(json_object_get(p, "licences"), i, l)
	{
		if (strcmp(json_string_value(json_object_get(l, "category")), term + 8) == 0)
			return true;
	}
	return false;
}

static bool
meets(const json_t *p, const json_t *groups)
{
	const json_t *g, *t;
	size_t i, j;

	json_array_foreach(groups, i, g)
	{
		bool any = false;
		json_array_foreach(g, j, t)
		{
			any = any || holds(p, json_string_value(t));
		}
		if (!any)
			return false;
	}
	return true;
}

static char *
stub_search(const vd_host_t *host, const char *query_json, char **error)
{
	json_t *q = json_loads(query_json, 0, NULL), *results = json_array(), *p, *t, *answer;
	const char *id;
	json_int_t total = 0, count;
	char *out;
	size_t i;

	(void)host;
	*error = NULL;
	json_decref(stub.last_query);
	stub.last_query = json_incref(q);
	count = json_integer_value(json_object_get(q, "count"));
	json_object_foreach(stub.people, id, p)
	{
		bool excluded = false;
		if (!meets(p, json_object_get(q, "require")))
			continue;
		json_array_foreach(json_object_get(q, "exclude"), i, t)
		{
			excluded = excluded || holds(p, json_string_value(t));
		}
		if (excluded)
			continue;
		if (total++ < count)
			json_array_append_new(results,
			                      json_pack("{s:s, s:f}", "id", id, "score", 1.0));
	}
	answer = json_pack("{s:O, s:I, s:o}", "query", q, "total", total, "results", results);
	out = json_dumps(answer, JSON_COMPACT);
	json_decref(answer);
	json_decref(q);
	return out;
}

static int
stub_patch_profile(const vd_host_t *host, const char *id, const char *patch, char **error)
{
	json_t *p = json_object_get(stub.people, id), *v = json_loads(patch, 0, NULL);

	(void)host;
	*error = NULL;
	if (!p || !json_is_object(v)) {
		json_decref(v);
		*error = strdup("no such profile");
		return -1;
	}
	json_array_append_new(stub.patches, json_pack("{s:s, s:O}", "id", id, "patch", v));
	json_object_update(p, v); /* a merge patch of top-level members */
	json_decref(v);
	return 0;
}

static void
stub_free(void *p)
{
	free(p);
}

static vd_host_t host = {
    .size = sizeof(vd_host_t),
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .log = stub_log,
    .config = stub_config,
    .reference_dir = stub_reference_dir,
    .register_route = stub_register_route,
    .read_profile = stub_read_profile,
    .set_details = stub_set_details,
    .free = stub_free,
    .today = stub_today,
    .data_dir = stub_data_dir,
    .search = stub_search,
    .patch_profile = stub_patch_profile,
};

static json_t *
person(const char *id, const char *licence, const char *nl)
{
	json_t *p = json_pack("{s:s, s:[{s:s}]}", "id", id, "licences", "category", licence);

	if (nl)
		json_object_set_new(p, "languages",
		                    json_pack("[{s:s, s:s}, {s:s, s:s}]", "code", "ar", "level",
		                              "C2", "code", "nl", "level", nl));
	return p;
}

/* A population over every Dutch level (and none), with and without CE. */
static void
populate(void)
{
	const char *levels[] = {"A1", "A2", "1F", "B1", "2F", "B2", "C1", "C2", NULL};
	char id[32];

	for (int i = 0; i < 9; i++) {
		snprintf(id, sizeof(id), "ce-%d", i);
		json_object_set_new(stub.people, id, person(id, "CE", levels[i]));
		snprintf(id, sizeof(id), "b-%d", i);
		json_object_set_new(stub.people, id, person(id, "B", levels[i]));
	}
}

static void
stub_setup(void)
{
	memset(&stub, 0, sizeof(stub));
	strcpy(stub.dir, "/tmp/vd-test-werktaal-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(stub.dir));
	stub.config = strdup("{}");
	stub.people = json_object();
	stub.patches = json_array();
	populate();
}

static void
stub_teardown(void)
{
	char cmd[128];

	if (stub.state)
		vaardig_plugin.fini(stub.state);
	json_decref(stub.people);
	json_decref(stub.last_query);
	json_decref(stub.patches);
	free(stub.config);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", stub.dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int
start_with(const char *config)
{
	char *copy = strdup(config);

	free(stub.config);
	stub.config = copy;
	stub.n_routes = 0;
	stub.state = NULL;
	return vaardig_plugin.init(&host, copy, &stub.state);
}

static void
restart(void)
{
	vaardig_plugin.fini(stub.state);
	stub.state = NULL;
	ck_assert_int_eq(start_with(stub.config), 0);
}

/* Calls the plugin's route; *out is the parsed answer (2xx) or the
 * detail as a JSON string (4xx/5xx). */
static int
call(const char *method, const char *path, const char *query, const char *body, json_t **out)
{
	vd_plugin_request_t req = {.size = sizeof(req), .method = method, .path = path};
	const char *param = strncmp(path, "/v1/trajectories/", 17) == 0 ? path + 17 : NULL;
	const char *pattern = param ? "/v1/trajectories/{}" : "/v1/trajectories";
	char *text = NULL;
	int status = 0;

	req.params[0] = param;
	req.query = query;
	req.body = body ? body : "";
	req.body_len = strlen(req.body);
	req.token_name = "km-test";
	req.role = VD_PLUGIN_ROLE_CASEWORKER;
	for (size_t i = 0; i < stub.n_routes; i++)
		if (strcmp(stub.routes[i].method, method) == 0 &&
		    strcmp(stub.routes[i].pattern, pattern) == 0)
			status = stub.routes[i].fn(stub.state, &req, &text);
	ck_assert_msg(status != 0, "no route %s %s", method, pattern);
	*out = status < 300 ? json_loads(text ? text : "null", JSON_DECODE_ANY, NULL)
	                    : json_string(text ? text : "");
	ck_assert_ptr_nonnull(*out);
	free(text);
	return status;
}

static bool
detail_names(const json_t *detail, const char *pointer)
{
	char want[80];

	snprintf(want, sizeof(want), "%s: ", pointer);
	return strstr(json_string_value(detail), want) != NULL;
}

/* ---- levels, parameters, weeks, dates ----------------------------------- */

START_TEST(levels_rank_and_dutch_reference_levels)
{
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(vd_wt_level_rank(cefr[i]), i + 1);
		ck_assert_str_eq(vd_wt_level_name(i + 1), cefr[i]);
	}
	ck_assert_int_eq(vd_wt_level_rank("b1"), vd_wt_level_rank("B1"));
	ck_assert_int_eq(vd_wt_level_rank("1F"), vd_wt_level_rank("A2"));
	ck_assert_int_eq(vd_wt_level_rank("2F"), vd_wt_level_rank("B1"));
	ck_assert_int_eq(vd_wt_level_rank("3F"), vd_wt_level_rank("B2"));
	ck_assert_int_eq(vd_wt_level_rank("4F"), vd_wt_level_rank("C1"));
	ck_assert_int_eq(vd_wt_level_rank("C3"), 0);
	ck_assert_int_eq(vd_wt_level_rank("5F"), 0);
	ck_assert_int_eq(vd_wt_level_rank(NULL), 0);
	ck_assert_ptr_null(vd_wt_level_name(0));
	ck_assert_ptr_null(vd_wt_level_name(7));
}
END_TEST

START_TEST(params_load_the_shipped_file)
{
	vd_wt_params_t p;
	char why[256] = "";

	ck_assert_msg(vd_wt_params_load(PARAMS, &p, why, sizeof(why)), "%s", why);
	for (int i = 0; i < 6; i++)
		ck_assert_double_eq(p.hours_to[i], hours_to(cefr[i]));
	ck_assert_double_eq(p.hours_per_week, param("hours_per_week"));
	ck_assert_uint_eq(p.max_weeks, (unsigned)param("max_weeks"));
}
END_TEST

static bool
load_text(const char *text, char *why, size_t len)
{
	char path[] = "/tmp/vd-test-wtparams-XXXXXX";
	int fd = mkstemp(path);
	vd_wt_params_t p;
	bool ok;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	ok = vd_wt_params_load(path, &p, why, len);
	unlink(path);
	return ok;
}

START_TEST(params_refuse_bad_files)
{
	const char *hours = "\"hours_to\": {\"A1\": 1, \"A2\": 2, \"B1\": 3, \"B2\": 4, \"C1\": 5, "
	                    "\"C2\": 6}";
	char text[512], why[256];

	snprintf(text, sizeof(text), "{%s, \"hours_per_week\": 4, \"max_weeks\": 10}", hours);
	ck_assert_msg(load_text(text, why, sizeof(why)), "%s", why);
	snprintf(text, sizeof(text), "{%s, \"hours_per_week\": 4, \"max_weeks\": 10, \"x\": 1}",
	         hours);
	ck_assert(!load_text(text, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "'x'"));
	ck_assert(
	    !load_text("{\"hours_to\": {\"A1\": 5, \"A2\": 2, \"B1\": 3, \"B2\": 4, \"C1\": 5, "
	               "\"C2\": 6}, \"hours_per_week\": 4, \"max_weeks\": 10}",
	               why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "A2"));
	snprintf(text, sizeof(text), "{%s, \"hours_per_week\": 0, \"max_weeks\": 10}", hours);
	ck_assert(!load_text(text, why, sizeof(why)));
	snprintf(text, sizeof(text), "{%s, \"hours_per_week\": 4}", hours);
	ck_assert(!load_text(text, why, sizeof(why)));
	ck_assert(!load_text("{\"hours_to\": ", why, sizeof(why)));
}
END_TEST

START_TEST(weeks_follow_the_parameters)
{
	vd_wt_params_t p;
	char why[256];

	ck_assert(vd_wt_params_load(PARAMS, &p, why, sizeof(why)));
	for (int from = 1; from <= 6; from++)
		for (int to = 1; to <= 6; to++) {
			unsigned want =
			    to > from ? expected_weeks(cefr[from - 1], cefr[to - 1], 6.5) : 0;
			ck_assert_uint_eq(vd_wt_weeks(&p, from, to, 6.5), want);
		}
	/* 200 hours at 8 a week is exactly 25 weeks, not 26. */
	p.hours_to[1] = 100;
	p.hours_to[2] = 300;
	ck_assert_uint_eq(vd_wt_weeks(&p, 2, 3, 8), 25);
	ck_assert_uint_eq(vd_wt_weeks(&p, 2, 3, 7.9), 26);
}
END_TEST

START_TEST(lowest_level_keeps_gap_and_max_weeks)
{
	vd_wt_params_t p;
	char why[256];
	double hpw = param("hours_per_week");
	unsigned max = (unsigned)param("max_weeks");

	ck_assert(vd_wt_params_load(PARAMS, &p, why, sizeof(why)));
	for (int need = 1; need <= 6; need++)
		for (int gap = 1; gap <= 3; gap++) {
			int want = 0;
			/* Independently: every level within gap whose estimate fits. */
			for (int r = need - 1; r >= 1 && need - r <= gap; r--)
				if (expected_weeks(cefr[r - 1], cefr[need - 1], hpw) <= max)
					want = r;
				else
					break;
			ck_assert_int_eq(vd_wt_lowest_level(&p, need, gap), want);
		}
	ck_assert_int_eq(vd_wt_lowest_level(&p, 1, 3), 0);
	p.max_weeks = 1;
	ck_assert_int_eq(vd_wt_lowest_level(&p, 3, 1), 0);
}
END_TEST

START_TEST(dates_parse_and_format)
{
	long d, e;
	char out[11];

	ck_assert(vd_wt_date_parse("1970-01-01", &d));
	ck_assert_int_eq(d, 0);
	ck_assert(vd_wt_date_parse("2024-02-28", &d));
	ck_assert(vd_wt_date_parse("2024-03-01", &e));
	ck_assert_int_eq(e - d, 2); /* 2024 is a leap year */
	ck_assert(vd_wt_date_parse("2026-12-31", &d));
	vd_wt_date_format(d + 1, out);
	ck_assert_str_eq(out, "2027-01-01");
	vd_wt_date_format(d + 7 * 34, out);
	ck_assert_str_eq(out, "2027-08-26");
	ck_assert(vd_wt_date_parse("2000-02-29", &d));
	ck_assert(!vd_wt_date_parse("2100-02-29", &d));
	ck_assert(!vd_wt_date_parse("2026-02-29", &d));
	ck_assert(!vd_wt_date_parse("2026-13-01", &d));
	ck_assert(!vd_wt_date_parse("2026-6-01", &d));
	ck_assert(!vd_wt_date_parse("2026-06-01T00", &d));
	ck_assert(!vd_wt_date_parse(NULL, &d));
}
END_TEST

/* ---- the relaxed query --------------------------------------------------- */

static vd_wt_relax_status_t
relax(const char *query_text, json_t **relaxed, int *need, int *lowest, int gap)
{
	vd_wt_params_t p;
	char why[256];
	json_t *q = json_loads(query_text, 0, NULL);
	vd_wt_relax_status_t s;

	ck_assert_ptr_nonnull(q);
	ck_assert(vd_wt_params_load(PARAMS, &p, why, sizeof(why)));
	s = vd_wt_relax(q, &p, gap, relaxed, need, lowest);
	json_decref(q);
	return s;
}

START_TEST(relax_replaces_dutch_groups_and_excludes_the_level)
{
	json_t *r, *want;
	int need, lowest;

	ck_assert_int_eq(
	    relax("{\"text\": \"x\", \"count\": 7, \"occupation\": \"chauffeur\", \"require\": "
	          "[[\"licence:B\", \"licence:CE\"], [\"language:nl:A2\"], [\"language:nl:B1\", "
	          "\"language:nl:B2\"], [\"language:nl:B1\", \"language:en:B2\"]], \"prefer\": "
	          "[\"experience:chauffeur\"], \"near\": {\"municipality\": \"Rotterdam\", "
	          "\"code\": \"GM0599\", \"km\": 25}, \"in\": {\"municipality\": \"Utrecht\", "
	          "\"code\": \"GM0344\"}, \"exclude\": [\"skill:x\"]}",
	          &r, &need, &lowest, 1),
	    VD_WT_RELAXED);
	/* Groups asking A2 and "B1 or B2": B1 is what is needed. */
	ck_assert_int_eq(need, 3);
	ck_assert_int_eq(lowest, 2);
	want = json_loads(
	    "{\"count\": 7, \"require\": [[\"licence:B\", \"licence:CE\"], [\"language:nl:B1\", "
	    "\"language:en:B2\"], [\"language:nl:A2\"]], \"prefer\": [\"experience:chauffeur\"], "
	    "\"exclude\": [\"skill:x\", \"language:nl:B1\"], \"near\": {\"municipality\": "
	    "\"GM0599\", \"km\": 25}, \"in\": \"GM0344\"}",
	    0, NULL);
	ck_assert_msg(json_equal(r, want), "%s", json_dumps(r, 0));
	json_decref(want);
	json_decref(r);
}
END_TEST

START_TEST(relax_without_dutch_or_below_a1)
{
	json_t *r;
	int need, lowest;

	ck_assert_int_eq(relax("{\"count\": 3, \"require\": [[\"licence:B\"], "
	                       "[\"language:en:B1\"]]}",
	                       &r, &need, &lowest, 1),
	                 VD_WT_NO_DUTCH);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(
	    relax("{\"count\": 3, \"require\": [[\"language:nl:A1\"]]}", &r, &need, &lowest, 3),
	    VD_WT_NONE_BELOW);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(relax("{\"count\": 3}", &r, &need, &lowest, 1), VD_WT_BAD_QUERY);
	/* max_gap 3 below C2: the steps whose estimate passes max_weeks are left out. */
	ck_assert_int_eq(
	    relax("{\"count\": 3, \"require\": [[\"language:nl:C2\"]]}", &r, &need, &lowest, 3),
	    VD_WT_RELAXED);
	ck_assert_int_eq(need, 6);
	ck_assert_int_ge(lowest, 3);
	ck_assert_int_eq(expected_weeks(vd_wt_level_name(lowest), "C2", param("hours_per_week")) <=
	                     (unsigned)param("max_weeks"),
	                 1);
	json_decref(r);
}
END_TEST

/* ---- the list through the descriptor -------------------------------------- */

/* Every person the list must hold for licence group g and Dutch need at
 * max_gap gap, computed by scanning the stub's population. */
static json_t *
near_misses(const char *licence, int need, int gap)
{
	json_t *ids = json_object(), *p;
	const char *id;
	char term[32];

	snprintf(term, sizeof(term), "licence:%s", licence);
	json_object_foreach(stub.people, id, p)
	{
		int nl = dutch_of(p);
		if (holds(p, term) && nl > 0 && nl < need && need - nl <= gap)
			json_object_set_new(ids, id, json_integer(nl));
	}
	return ids;
}

static void
check_list(const char *query, const char *licence, int need, int gap)
{
	json_t *want = near_misses(licence, need, gap), *list, *e;
	char *text = NULL;
	size_t i;

	ck_assert_int_eq(vaardig_plugin.expand(stub.state, query, "[]", &text), 0);
	ck_assert_ptr_nonnull(text);
	list = json_loads(text, 0, NULL);
	free(text);
	ck_assert_int_eq(json_integer_value(json_object_get(list, "total")),
	                 json_object_size(want));
	ck_assert_int_eq(json_array_size(json_object_get(list, "results")), json_object_size(want));
	json_array_foreach(json_object_get(list, "results"), i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));
		json_t *has = json_object_get(want, id);
		const char *has_level = json_string_value(json_object_get(e, "has"));
		json_t *traj = json_object_get(e, "trajectory");

		ck_assert_msg(has != NULL, "%s is no near miss", id);
		ck_assert_str_eq(has_level, cefr[json_integer_value(has) - 1]);
		ck_assert_str_eq(json_string_value(json_object_get(e, "needs")), cefr[need - 1]);
		ck_assert_int_eq(
		    json_integer_value(json_object_get(traj, "weeks")),
		    expected_weeks(has_level, cefr[need - 1], param("hours_per_week")));
		ck_assert_double_eq(json_number_value(json_object_get(traj, "hours_per_week")),
		                    param("hours_per_week"));
		json_object_del(want, id); /* and listed once */
	}
	json_decref(list);
	json_decref(want);
}

START_TEST(expand_lists_exactly_the_near_misses)
{
	char *text = (char *)"x";

	ck_assert_int_eq(start_with("{}"), 0);
	check_list("{\"count\": 50, \"require\": [[\"licence:CE\"], [\"language:nl:B1\"]]}", "CE",
	           3, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(stub.last_query, "count")), 50);
	check_list("{\"count\": 50, \"require\": [[\"licence:B\"], [\"language:nl:C1\"]]}", "B", 5,
	           1);
	/* No Dutch requirement: no list at all. */
	ck_assert_int_eq(vaardig_plugin.expand(stub.state,
	                                       "{\"count\": 5, \"require\": [[\"licence:B\"]]}",
	                                       "[]", &text),
	                 0);
	ck_assert_ptr_null(text);
	/* A1 asked: nobody is below it, an empty list. */
	ck_assert_int_eq(
	    vaardig_plugin.expand(stub.state, "{\"count\": 5, \"require\": [[\"language:nl:A1\"]]}",
	                          "[]", &text),
	    0);
	ck_assert_str_eq(text, "{\"total\":0,\"results\":[]}");
	free(text);
}
END_TEST

START_TEST(expand_honours_max_gap_and_count)
{
	char *text = NULL;
	json_t *list, *want;

	ck_assert_int_eq(start_with("{\"max_gap\": 2}"), 0);
	check_list("{\"count\": 50, \"require\": [[\"licence:CE\"], [\"language:nl:B2\"]]}", "CE",
	           4, 2);
	/* count 1: total still counts every near miss. */
	ck_assert_int_eq(vaardig_plugin.expand(stub.state,
	                                       "{\"count\": 1, \"require\": [[\"licence:CE\"], "
	                                       "[\"language:nl:B2\"]]}",
	                                       "[]", &text),
	                 0);
	list = json_loads(text, 0, NULL);
	free(text);
	ck_assert_int_eq(json_array_size(json_object_get(list, "results")), 1);
	want = near_misses("CE", 4, 2);
	ck_assert_int_gt(json_object_size(want), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(list, "total")),
	                 json_object_size(want));
	json_decref(want);
	json_decref(list);
}
END_TEST

START_TEST(config_is_checked)
{
	ck_assert_int_ne(start_with("{\"max_gap\": 0}"), 0);
	ck_assert_ptr_nonnull(strstr(stub.last_error, "max_gap"));
	ck_assert_int_ne(start_with("{\"max_gap\": 4}"), 0);
	ck_assert_int_ne(start_with("{\"max_gapp\": 1}"), 0);
	ck_assert_ptr_nonnull(strstr(stub.last_error, "'max_gapp'"));
	ck_assert_int_ne(start_with("{\"parameters\": \"/nonexistent/werktaal.json\"}"), 0);
	ck_assert_ptr_nonnull(strstr(stub.last_error, "/nonexistent"));
	ck_assert_int_eq(start_with("{\"max_gap\": 3, \"parameters\": \"" PARAMS "\"}"), 0);
	ck_assert_uint_eq(stub.n_routes, 4);
	ck_assert_ptr_nonnull(strstr(stub.details, "\"max_gap\":3"));
}
END_TEST

/* ---- trajectories ---------------------------------------------------------- */

START_TEST(create_checks_every_field)
{
	json_t *a;

	ck_assert_int_eq(start_with("{}"), 0);
	ck_assert_int_eq(call("POST", "/v1/trajectories", NULL, "{\"jobseeker\": ", &a), 400);
	json_decref(a);
	ck_assert_int_eq(call("POST", "/v1/trajectories", NULL,
	                      "{\"jobseeker\": \"nobody\", \"employer\": \"X\", \"start\": "
	                      "\"2026-02-30\", \"hours_per_week\": 50, \"target_level\": \"B9\", "
	                      "\"colour\": 1}",
	                      &a),
	                 422);
	ck_assert(detail_names(a, "/jobseeker"));
	ck_assert(detail_names(a, "/start"));
	ck_assert(detail_names(a, "/hours_per_week"));
	ck_assert(detail_names(a, "/target_level"));
	ck_assert(detail_names(a, "/colour"));
	json_decref(a);
	/* Neither vacancy nor employer; a target not above the start. */
	ck_assert_int_eq(call("POST", "/v1/trajectories", NULL,
	                      "{\"jobseeker\": \"ce-1\", \"start\": \"2026-06-01\", "
	                      "\"start_level\": \"B1\", \"target_level\": \"2F\"}",
	                      &a),
	                 422);
	ck_assert(detail_names(a, "/vacancy"));
	ck_assert(detail_names(a, "/target_level"));
	json_decref(a);
	/* No start_level and none recorded. */
	ck_assert_int_eq(call("POST", "/v1/trajectories", NULL,
	                      "{\"jobseeker\": \"ce-8\", \"vacancy\": \"v-1\", \"start\": "
	                      "\"2026-06-01\", \"target_level\": \"B1\"}",
	                      &a),
	                 422);
	ck_assert(detail_names(a, "/start_level"));
	json_decref(a);
	ck_assert_uint_eq(json_object_size(vd_wt_store_all(((vd_wt_t *)stub.state)->store)), 0);
}
END_TEST

/* Creates a trajectory for ce-1 (A2) to B1 and returns its id (static). */
static const char *
create_one(void)
{
	static char id[32];
	json_t *a;
	long start;
	char end[11];
	unsigned weeks = expected_weeks("A2", "B1", 4);

	ck_assert_int_eq(call("POST", "/v1/trajectories", NULL,
	                      "{\"jobseeker\": \"ce-1\", \"vacancy\": \"wsp-1\", \"start\": "
	                      "\"2026-05-01\", \"hours_per_week\": 4, \"target_level\": \"b1\"}",
	                      &a),
	                 201);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(a, "id")));
	ck_assert_int_eq(strncmp(id, "trj-", 4), 0);
	ck_assert_str_eq(json_string_value(json_object_get(a, "start_level")), "A2");
	ck_assert_str_eq(json_string_value(json_object_get(a, "target_level")), "B1");
	ck_assert_str_eq(json_string_value(json_object_get(a, "status")), "active");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "weeks")), weeks);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "weeks_left")), weeks);
	ck_assert(vd_wt_date_parse("2026-05-01", &start));
	vd_wt_date_format(start + 7 * (long)weeks, end);
	ck_assert_str_eq(json_string_value(json_object_get(a, "estimated_end")), end);
	json_decref(a);
	return id;
}

START_TEST(assessment_reaching_target_raises_the_profile)
{
	json_t *a, *list, *want;
	const char *id;
	char path[64], *text = NULL;

	ck_assert_int_eq(start_with("{}"), 0);
	id = create_one();
	snprintf(path, sizeof(path), "/v1/trajectories/%s", id);
	/* An assessment in the future, or before the start, is refused. */
	ck_assert_int_eq(call("PATCH", path, NULL,
	                      "{\"assessment\": {\"on\": \"2026-06-02\", \"level\": \"B1\"}}", &a),
	                 422);
	ck_assert(detail_names(a, "/assessment/on"));
	json_decref(a);
	ck_assert_int_eq(call("PATCH", path, NULL, "{\"jobseeker\": \"b-1\"}", &a), 422);
	ck_assert(detail_names(a, "/jobseeker"));
	json_decref(a);
	/* Not yet there: A2 again; nothing is patched. */
	ck_assert_int_eq(call("PATCH", path, NULL,
	                      "{\"assessment\": {\"on\": \"2026-05-15\", \"level\": \"A2\"}}", &a),
	                 200);
	ck_assert_str_eq(json_string_value(json_object_get(a, "status")), "active");
	json_decref(a);
	ck_assert_uint_eq(json_array_size(stub.patches), 0);
	ck_assert_int_eq(call("PATCH", path, NULL,
	                      "{\"assessment\": {\"on\": \"2026-05-10\", \"level\": \"B1\"}}", &a),
	                 422); /* before the previous one */
	json_decref(a);
	ck_assert_int_eq(call("PATCH", path, NULL,
	                      "{\"assessment\": {\"on\": \"2026-06-01\", \"level\": \"2F\"}}", &a),
	                 200);
	ck_assert_str_eq(json_string_value(json_object_get(a, "status")), "target_reached");
	ck_assert_int_eq(json_array_size(json_object_get(a, "assessments")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "weeks_left")), 0);
	json_decref(a);
	ck_assert_uint_eq(json_array_size(stub.patches), 1);
	/* Only Dutch changed: Arabic stays. */
	want = json_loads("{\"languages\": [{\"code\": \"ar\", \"level\": \"C2\"}, "
	                  "{\"code\": \"nl\", \"level\": \"2F\"}]}",
	                  0, NULL);
	ck_assert(json_equal(json_object_get(json_array_get(stub.patches, 0), "patch"), want));
	json_decref(want);
	ck_assert_int_eq(dutch_of(json_object_get(stub.people, "ce-1")), 3);
	/* So ce-1 left the werktaal list for B1. */
	ck_assert_int_eq(vaardig_plugin.expand(stub.state,
	                                       "{\"count\": 50, \"require\": [[\"licence:CE\"], "
	                                       "[\"language:nl:B1\"]]}",
	                                       "[]", &text),
	                 0);
	ck_assert_ptr_null(strstr(text, "\"ce-1\""));
	free(text);
	check_list("{\"count\": 50, \"require\": [[\"licence:CE\"], [\"language:nl:B1\"]]}", "CE",
	           3, 1);
	ck_assert_int_eq(call("GET", "/v1/trajectories", "jobseeker=ce-1", NULL, &list), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(list, "total")), 1);
	json_decref(list);
}
END_TEST

START_TEST(get_and_list)
{
	json_t *a;
	const char *id;
	char path[64];

	ck_assert_int_eq(start_with("{}"), 0);
	id = create_one();
	create_one();
	snprintf(path, sizeof(path), "/v1/trajectories/%s", id);
	ck_assert_int_eq(call("GET", path, NULL, NULL, &a), 200);
	ck_assert_str_eq(json_string_value(json_object_get(a, "jobseeker")), "ce-1");
	json_decref(a);
	ck_assert_int_eq(call("GET", "/v1/trajectories/trj-none", NULL, NULL, &a), 404);
	json_decref(a);
	ck_assert_int_eq(call("GET", "/v1/trajectories", "per_page=1&page=2", NULL, &a), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "total")), 2);
	ck_assert_int_eq(json_array_size(json_object_get(a, "results")), 1);
	json_decref(a);
	ck_assert_int_eq(call("GET", "/v1/trajectories", "jobseeker=b-1", NULL, &a), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "total")), 0);
	json_decref(a);
	ck_assert_int_eq(call("GET", "/v1/trajectories", "per_page=0", NULL, &a), 400);
	json_decref(a);
	ck_assert_int_eq(call("GET", "/v1/trajectories", "colour=red", NULL, &a), 400);
	json_decref(a);
}
END_TEST

/* ---- durability -------------------------------------------------------------- */

static char *
file_text(void)
{
	char path[128], *buf = calloc(1, 65536);
	FILE *f;

	snprintf(path, sizeof(path), "%s/trajectories.jsonl", stub.dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert(fread(buf, 1, 65535, f) < 65535);
	fclose(f);
	return buf;
}

START_TEST(trajectories_survive_a_restart)
{
	json_t *a;
	char path[64], id[32], *text;

	ck_assert_int_eq(start_with("{}"), 0);
	snprintf(id, sizeof(id), "%s", create_one());
	snprintf(path, sizeof(path), "/v1/trajectories/%s", id);
	ck_assert_int_eq(call("PATCH", path, NULL, "{\"hours_per_week\": 8}", &a), 200);
	json_decref(a);
	text = file_text();
	ck_assert_ptr_nonnull(strstr(strstr(text, id) + 1, id)); /* two lines, one per write */
	free(text);
	restart();
	ck_assert_int_eq(call("GET", path, NULL, NULL, &a), 200);
	ck_assert_double_eq(json_number_value(json_object_get(a, "hours_per_week")), 8);
	json_decref(a);
	text = file_text();
	ck_assert_ptr_null(strstr(strstr(text, id) + 1, id)); /* compacted at open */
	free(text);
}
END_TEST

START_TEST(a_torn_last_line_is_left_out)
{
	char path[128];
	FILE *f;
	json_t *a;

	ck_assert_int_eq(start_with("{}"), 0);
	create_one();
	snprintf(path, sizeof(path), "%s/trajectories.jsonl", stub.dir);
	f = fopen(path, "a");
	fputs("{\"id\": \"trj-torn\", \"jobs", f);
	fclose(f);
	restart();
	ck_assert_ptr_nonnull(strstr(stub.details, "\"skipped_lines\":1"));
	ck_assert_int_eq(call("GET", "/v1/trajectories", NULL, NULL, &a), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "total")), 1);
	json_decref(a);
	/* And a new record after it is read back whole. */
	create_one();
	restart();
	ck_assert_int_eq(call("GET", "/v1/trajectories", NULL, NULL, &a), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "total")), 2);
	json_decref(a);
}
END_TEST

START_TEST(a_deleted_jobseeker_leaves_no_trajectory)
{
	json_t *a;
	char id[32], *text;

	ck_assert_int_eq(start_with("{}"), 0);
	snprintf(id, sizeof(id), "%s", create_one());
	ck_assert_int_eq(call("POST", "/v1/trajectories", NULL,
	                      "{\"jobseeker\": \"b-3\", \"employer\": \"Schoon BV\", \"start\": "
	                      "\"2026-05-01\", \"target_level\": \"B2\"}",
	                      &a),
	                 201);
	json_decref(a);
	ck_assert_int_eq(vaardig_plugin.on_profile(stub.state, "ce-1", "{\"id\": \"ce-1\"}"), 0);
	ck_assert_int_eq(call("GET", "/v1/trajectories", NULL, NULL, &a), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "total")), 2);
	json_decref(a);
	ck_assert_int_eq(vaardig_plugin.on_profile(stub.state, "ce-1", NULL), 0);
	ck_assert_int_eq(call("GET", "/v1/trajectories", NULL, NULL, &a), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "total")), 1);
	json_decref(a);
	text = file_text();
	ck_assert_ptr_null(strstr(text, "ce-1"));
	ck_assert_ptr_null(strstr(text, id));
	ck_assert_ptr_nonnull(strstr(text, "b-3"));
	free(text);
	restart();
	ck_assert_int_eq(call("GET", "/v1/trajectories", NULL, NULL, &a), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "total")), 1);
	json_decref(a);
}
END_TEST

static Suite *
werktaal_suite(void)
{
	Suite *s = suite_create("werktaal");
	TCase *tc;

	tc = tcase_create("levels");
	tcase_add_test(tc, levels_rank_and_dutch_reference_levels);
	suite_add_tcase(s, tc);
	tc = tcase_create("parameters");
	tcase_add_test(tc, params_load_the_shipped_file);
	tcase_add_test(tc, params_refuse_bad_files);
	suite_add_tcase(s, tc);
	tc = tcase_create("weeks");
	tcase_add_test(tc, weeks_follow_the_parameters);
	tcase_add_test(tc, lowest_level_keeps_gap_and_max_weeks);
	suite_add_tcase(s, tc);
	tc = tcase_create("dates");
	tcase_add_test(tc, dates_parse_and_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("relaxed query");
	tcase_add_test(tc, relax_replaces_dutch_groups_and_excludes_the_level);
	tcase_add_test(tc, relax_without_dutch_or_below_a1);
	suite_add_tcase(s, tc);
	tc = tcase_create("werktaal list");
	tcase_add_checked_fixture(tc, stub_setup, stub_teardown);
	tcase_add_test(tc, expand_lists_exactly_the_near_misses);
	tcase_add_test(tc, expand_honours_max_gap_and_count);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, stub_setup, stub_teardown);
	tcase_add_test(tc, config_is_checked);
	suite_add_tcase(s, tc);
	tc = tcase_create("trajectory routes");
	tcase_add_checked_fixture(tc, stub_setup, stub_teardown);
	tcase_add_test(tc, create_checks_every_field);
	tcase_add_test(tc, assessment_reaching_target_raises_the_profile);
	tcase_add_test(tc, get_and_list);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, stub_setup, stub_teardown);
	tcase_add_test(tc, trajectories_survive_a_restart);
	tcase_add_test(tc, a_torn_last_line_is_left_out);
	tcase_add_test(tc, a_deleted_jobseeker_leaves_no_trajectory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(werktaal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* The plugin loader with real shared objects (the sources in
 * tests/unit/plugins/, built as libtool modules): a good one, one built for another ABI major, one
 * without the descriptor symbol, one whose init fails after registering a
 * route and a timer, and one that fails in every hook. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "plugin_internal.h"

static char dir[64];
static vd_config_t config;
static vd_server_t srv;
static vd_plugins_t *reg;

/* A plugins folder holding the named test modules (as "<as>.so"). */
static void
folder_with(const char *const *modules)
{
	char from[512], to[512];

	strcpy(dir, "/tmp/vd-test-plugins-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; modules[i]; i += 2) {
		snprintf(from, sizeof(from), "%s/%s.so", VD_TEST_PLUGINDIR, modules[i]);
		snprintf(to, sizeof(to), "%s/%s.so", dir, modules[i + 1]);
		ck_assert_int_eq(symlink(from, to), 0);
	}
}

static void
start(const char *const *modules)
{
	folder_with(modules);
	memset(&config, 0, sizeof(config));
	config.plugins_dir = dir;
	config.reference_dir = (char *)VD_TEST_DATADIR;
	config.plugins = json_pack("{s:{s:i}}", "good", "x", 1);
	memset(&srv, 0, sizeof(srv));
	srv.config = &config;
	srv.base = event_base_new();
	reg = vd_plugins_new(&srv);
	ck_assert_ptr_nonnull(reg);
	vd_plugins_load(reg);
}

static void
stop(void)
{
	char cmd[128];

	vd_plugins_free(reg);
	reg = NULL;
	ck_assert_int_eq(event_base_get_num_events(srv.base, EVENT_BASE_COUNT_ADDED), 0);
	event_base_free(srv.base);
	json_decref(config.plugins);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The /v1/plugins entry named name (borrowed from list). */
static json_t *
entry(json_t *list, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) if (strcmp(json_string_value(json_object_get(e, "name")),
	                                          name) == 0) return e;
	ck_abort_msg("no plugin named %s in the list", name);
	return NULL;
}

static void
assert_refused(const char *name, const char *reason_part)
{
	json_t *list = vd_plugins_list(reg);
	json_t *e = entry(list, name);
	const char *error = json_string_value(json_object_get(e, "error"));

	ck_assert_str_eq(json_string_value(json_object_get(e, "state")), "failed");
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, reason_part), "error '%s' lacks '%s'", error, reason_part);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(e, "file")), dir));
	json_decref(list);
}

static bool
route_exists(const char *method, const char *path, char **param)
{
	char *bufs[VD_PLUGIN_MAX_PARAMS] = {NULL};
	vd_plugin_ctx_t *owner;
	bool known;
	const vd_plugin_route_t *r = vd_plugin_route_find(reg, method, path, bufs, &known, &owner);

	if (param)
		*param = bufs[0] ? strdup(bufs[0]) : NULL;
	for (size_t i = 0; i < VD_PLUGIN_MAX_PARAMS; i++)
		free(bufs[i]);
	return r != NULL;
}

static const char *const good_only[] = {"good", "good", NULL};

START_TEST(good_module_loads_with_its_config)
{
	json_t *list, *e, *notes;

	start(good_only);
	list = vd_plugins_list(reg);
	ck_assert_int_eq(json_array_size(list), 1);
	e = entry(list, "good");
	ck_assert_str_eq(json_string_value(json_object_get(e, "state")), "loaded");
	ck_assert_str_eq(json_string_value(json_object_get(e, "version")), "2.3.4");
	ck_assert(json_is_null(json_object_get(e, "error")));
	ck_assert_int_eq(json_integer_value(json_object_get(e, "hook_errors")), 0);
	ck_assert_int_eq(json_array_size(json_object_get(e, "kinds")), 3);
	json_decref(list);
	/* The annotation carries the module's counters: its config block came
	 * through and the first poll ran. */
	notes = vd_plugins_annotate(reg, "p1", "{}");
	e = json_object_get(json_object_get(notes, "good"), "config");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "x")), 1);
	e = json_object_get(notes, "good");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "polls")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "id")), "p1");
	json_decref(notes);
	stop();
}
END_TEST

START_TEST(good_module_routes_and_hooks)
{
	char *param = NULL;
	json_t *query = json_pack("{s:s}", "occupation", "kok"), *results = json_pack("[i]", 7);
	json_t *lists, *notes;
	bool known;
	vd_plugin_ctx_t *owner;
	char *bufs[VD_PLUGIN_MAX_PARAMS] = {NULL};

	start(good_only);
	ck_assert(route_exists("GET", "/v1/good/abc%20d", &param));
	ck_assert_str_eq(param, "abc d");
	free(param);
	ck_assert(route_exists("POST", "/v1/good/x", NULL));
	ck_assert(!vd_plugin_route_find(reg, "PUT", "/v1/good/x", bufs, &known, &owner));
	ck_assert(known); /* another method serves it: a 405, not a 404 */
	ck_assert(!route_exists("GET", "/v1/good", NULL));
	ck_assert(!route_exists("GET", "/v1/good/a/b", NULL));
	/* A source plugin's prefix (its name: not "source-X") is its own. */
	ck_assert(vd_plugins_owns_vacancy_id(reg, "good-1"));
	ck_assert(!vd_plugins_owns_vacancy_id(reg, "goodness-1"));
	ck_assert(!vd_plugins_owns_vacancy_id(reg, "wsp-1"));

	lists = vd_plugins_expand(reg, query, results);
	ck_assert(json_equal(json_object_get(json_object_get(lists, "good"), "query"), query));
	ck_assert(json_equal(json_object_get(json_object_get(lists, "good"), "results"), results));
	vd_plugins_profile_changed(reg, "p1", "{\"id\": \"p1\"}");
	vd_plugins_profile_changed(reg, "p1", NULL);
	notes = vd_plugins_annotate(reg, "p1", "{}");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(notes, "good"), "profiles")), 2);
	json_decref(notes);
	json_decref(lists);
	json_decref(query);
	json_decref(results);
	stop();
}
END_TEST

START_TEST(timer_fires_until_unloaded)
{
	struct timeval wait = {2, 200000};
	json_t *notes;

	start(good_only);
	event_base_loopexit(srv.base, &wait);
	event_base_dispatch(srv.base);
	notes = vd_plugins_annotate(reg, "p", "{}");
	ck_assert_int_ge(
	    json_integer_value(json_object_get(json_object_get(notes, "good"), "ticks")), 2);
	json_decref(notes);
	vd_plugins_unload(reg);
	ck_assert_int_eq(event_base_get_num_events(srv.base, EVENT_BASE_COUNT_ADDED), 0);
	ck_assert(!route_exists("GET", "/v1/good/abc", NULL));
	stop();
}
END_TEST

START_TEST(other_abi_major_is_refused)
{
	static const char *const m[] = {"wrong_abi", "wrong_abi", "good", "good", NULL};
	start(m);
	/* Another major may lay its descriptor out otherwise: not even its name
	 * is read, so the file's name stands for it. */
	char want[80];

	snprintf(want, sizeof(want), "built for plugin ABI 2.0, this server has ABI %d.%d",
	         VD_PLUGIN_ABI_MAJOR, VD_PLUGIN_ABI_MINOR);
	assert_refused("wrong_abi", want);
	/* The others still load. */
	ck_assert(route_exists("GET", "/v1/good/abc", NULL));
	stop();
}
END_TEST

START_TEST(missing_symbol_is_refused)
{
	static const char *const m[] = {"no_symbol", "no_symbol", NULL};
	start(m);
	/* Refused before a descriptor names it: listed by its file's name. */
	assert_refused("no_symbol", "no 'vaardig_plugin' symbol");
	stop();
}
END_TEST

START_TEST(failed_init_is_refused_and_cleaned_up)
{
	static const char *const m[] = {"init_fails", "init_fails", NULL};
	start(m);
	assert_refused("init-fails", "init failed: cannot reach the moon");
	ck_assert(!route_exists("GET", "/v1/failing/route", NULL));
	ck_assert_int_eq(event_base_get_num_events(srv.base, EVENT_BASE_COUNT_ADDED), 0);
	stop();
}
END_TEST

START_TEST(same_name_twice_is_refused)
{
	static const char *const m[] = {"good", "a-good", "good", "b-good", NULL};
	json_t *list;

	start(m);
	list = vd_plugins_list(reg);
	ck_assert_int_eq(json_array_size(list), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "state")),
	                 "loaded");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 1), "state")),
	                 "failed");
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(json_array_get(list, 1), "error")),
	           "already loaded"));
	json_decref(list);
	stop();
}
END_TEST

static long
hook_errors(const char *name)
{
	json_t *list = vd_plugins_list(reg);
	long n = (long)json_integer_value(json_object_get(entry(list, name), "hook_errors"));
	json_decref(list);
	return n;
}

static char *
error_of(const char *name)
{
	json_t *list = vd_plugins_list(reg);
	const char *e = json_string_value(json_object_get(entry(list, name), "error"));
	char *out = e ? strdup(e) : NULL;
	json_decref(list);
	return out;
}

START_TEST(hook_errors_are_counted_not_fatal)
{
	static const char *const m[] = {"good", "good", "hook_error", "hook_error", NULL};
	json_t *notes, *lists, *q = json_object(), *r = json_array();
	char *error;

	start(m);
	/* The first poll failed with a log line: that line is the error. */
	ck_assert_int_eq(hook_errors("hook-error"), 1);
	error = error_of("hook-error");
	ck_assert_str_eq(error, "source_poll failed: the feed answered 500");
	free(error);

	notes = vd_plugins_annotate(reg, "p1", "{}");
	ck_assert_ptr_nonnull(json_object_get(notes, "good"));
	ck_assert_ptr_null(json_object_get(notes, "hook-error"));
	ck_assert_int_eq(hook_errors("hook-error"), 2);
	error = error_of("hook-error");
	ck_assert_str_eq(error, "annotate failed: it returned malformed JSON");
	free(error);

	lists = vd_plugins_expand(reg, q, r);
	ck_assert_int_eq(json_object_size(lists), 1);
	ck_assert_int_eq(hook_errors("hook-error"), 3);
	error = error_of("hook-error");
	ck_assert_str_eq(error, "expand failed: it returned -2");
	free(error);

	vd_plugins_profile_changed(reg, "p1", "{}");
	ck_assert_int_eq(hook_errors("hook-error"), 4);
	ck_assert_int_eq(hook_errors("good"), 0);
	error = error_of("good");
	ck_assert_ptr_null(error);

	/* A reload starts afresh. */
	ck_assert_int_eq(vd_plugins_reload(reg), 2);
	ck_assert_int_eq(hook_errors("hook-error"), 1); /* its first poll again */
	json_decref(notes);
	json_decref(lists);
	json_decref(q);
	json_decref(r);
	stop();
}
END_TEST

START_TEST(no_folder_no_plugins)
{
	memset(&config, 0, sizeof(config));
	config.plugins = json_object();
	memset(&srv, 0, sizeof(srv));
	srv.config = &config;
	reg = vd_plugins_new(&srv);
	ck_assert_int_eq(vd_plugins_load(reg), 0);
	ck_assert_ptr_null(vd_plugins_annotate(reg, "x", "{}"));
	vd_plugins_free(reg);
	json_decref(config.plugins);
}
END_TEST

START_TEST(patterns_match_whole_segments)
{
	char *bufs[VD_PLUGIN_MAX_PARAMS] = {NULL};

	ck_assert(vd_http_match_pattern("/v1/taaleis/{}", "/v1/taaleis/rtm-1", bufs, 4));
	ck_assert_str_eq(bufs[0], "rtm-1");
	free(bufs[0]);
	bufs[0] = NULL;
	ck_assert(!vd_http_match_pattern("/v1/taaleis/{}", "/v1/taaleis/", bufs, 4));
	ck_assert(!vd_http_match_pattern("/v1/taaleis/{}", "/v1/taaleis/a/b", bufs, 4));
	free(bufs[0]);
	bufs[0] = NULL;
	ck_assert(!vd_http_match_pattern("/v1/taaleis", "/v1/taaleisx", bufs, 4));
	/* An encoded NUL never reaches a plugin. */
	ck_assert(!vd_http_match_pattern("/v1/x/{}", "/v1/x/a%00b", bufs, 4));
}
END_TEST

static Suite *
plugins_suite(void)
{
	Suite *s = suite_create("plugins");
	TCase *tc;

	tc = tcase_create("good module");
	tcase_add_test(tc, good_module_loads_with_its_config);
	tcase_add_test(tc, good_module_routes_and_hooks);
	tcase_add_test(tc, no_folder_no_plugins);
	suite_add_tcase(s, tc);
	tc = tcase_create("timers");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, timer_fires_until_unloaded);
	suite_add_tcase(s, tc);
	tc = tcase_create("refused modules");
	tcase_add_test(tc, other_abi_major_is_refused);
	tcase_add_test(tc, missing_symbol_is_refused);
	tcase_add_test(tc, failed_init_is_refused_and_cleaned_up);
	tcase_add_test(tc, same_name_twice_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("hook errors");
	tcase_add_test(tc, hook_errors_are_counted_not_fatal);
	suite_add_tcase(s, tc);
	tc = tcase_create("route patterns");
	tcase_add_test(tc, patterns_match_whole_segments);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(plugins_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

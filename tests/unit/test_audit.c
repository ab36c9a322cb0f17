/* The audit log (server/audit.h): its time stamps, the ids it takes from an
 * answer, and a person's trail newest first across rotated files. Each test
 * writes into its own temporary data_dir. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"

static char data_dir[64];

static void
make_dir(void)
{
	snprintf(data_dir, sizeof(data_dir), "/tmp/vd-test-audit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(data_dir));
}

static void
remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static vd_audit_t *
open_audit(size_t max_bytes)
{
	vd_audit_t *audit = NULL;
	char *error = NULL;

	ck_assert_int_eq(vd_audit_open(data_dir, max_bytes, &audit, &error), VD_OK);
	ck_assert_ptr_null(error);
	return audit;
}

/* Appends a record by token about the given ids, numbered n in its path. */
static void
record(vd_audit_t *audit, const char *token, int n, const char *id1, const char *id2)
{
	char path[64];
	json_t *r;

	snprintf(path, sizeof(path), "/v1/search?n=%d", n);
	r = vd_audit_record(token, "caseworker", "search", "GET", path);
	vd_audit_add_id(r, id1);
	vd_audit_add_id(r, id2);
	ck_assert_int_eq(vd_audit_record_append(audit, r, 200), VD_OK);
	json_decref(r);
}

static bool
exists(const char *name)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/audit/%s", data_dir, name);
	return stat(path, &st) == 0;
}

/* The n of the path of results[i] ("/v1/search?n=<n>"). */
static int
number_of(const json_t *results, size_t i)
{
	const char *path = json_string_value(json_object_get(json_array_get(results, i), "path"));
	ck_assert_ptr_nonnull(path);
	return atoi(strchr(path, '=') + 1);
}

START_TEST(time_in_amsterdam_with_offset)
{
	char buf[26];

	vd_audit_format_time(1795597262, buf); /* 2026-11-25 09:01:02 UTC, winter */
	ck_assert_str_eq(buf, "2026-11-25T10:01:02+01:00");
	vd_audit_format_time(1782907200, buf); /* 2026-07-01 12:00:00 UTC, summer */
	ck_assert_str_eq(buf, "2026-07-01T14:00:00+02:00");
	vd_audit_format_time(1798759800, buf); /* 2026-12-31 23:30 UTC: next year here */
	ck_assert_str_eq(buf, "2027-01-01T00:30:00+01:00");
}
END_TEST

START_TEST(time_across_the_summer_time_switches)
{
	char buf[26];

	/* Summer time starts 2026-03-29 at 01:00 UTC: 02:00 becomes 03:00. */
	vd_audit_format_time(1774745999, buf);
	ck_assert_str_eq(buf, "2026-03-29T01:59:59+01:00");
	vd_audit_format_time(1774746000, buf);
	ck_assert_str_eq(buf, "2026-03-29T03:00:00+02:00");
	/* It ends 2026-10-25 at 01:00 UTC: 03:00 becomes 02:00 again. */
	vd_audit_format_time(1792889999, buf);
	ck_assert_str_eq(buf, "2026-10-25T02:59:59+02:00");
	vd_audit_format_time(1792890000, buf);
	ck_assert_str_eq(buf, "2026-10-25T02:00:00+01:00");
}
END_TEST

START_TEST(answer_ids_from_results_lists_and_members)
{
	json_t *r = vd_audit_record("t", "caseworker", "search", "GET", "/v1/search?q=x");
	json_t *answer = json_pack("{s:s, s:[{s:s}, {s:s}], s:{s:{s:[{s:s}, {s:s}]}}}", "jobseeker",
	                           "j-0", "results", "id", "a-1", "id", "a-2", "lists", "werktaal",
	                           "results", "id", "w-1", "id", "a-1");
	json_t *ids;

	vd_audit_add_answer_ids(r, answer);
	ids = json_object_get(r, "ids");
	ck_assert_int_eq(json_array_size(ids), 4); /* a-1 once */
	ck_assert_str_eq(json_string_value(json_array_get(ids, 0)), "j-0");
	ck_assert_str_eq(json_string_value(json_array_get(ids, 1)), "a-1");
	ck_assert_str_eq(json_string_value(json_array_get(ids, 2)), "a-2");
	ck_assert_str_eq(json_string_value(json_array_get(ids, 3)), "w-1");
	vd_audit_add_answer_ids(NULL, answer); /* an unaudited call: nothing */
	json_decref(answer);
	json_decref(r);
}
END_TEST

START_TEST(line_is_one_json_object_with_outcome)
{
	json_t *r = vd_audit_record(NULL, NULL, "plugins_reload", NULL, "/v1/x?\x01\xff");
	char *line = vd_audit_line(r, 503);
	json_t *back;

	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
	back = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert(json_is_null(json_object_get(back, "token")));
	ck_assert_int_eq(json_integer_value(json_object_get(back, "outcome")), 503);
	/* Bytes that are no UTF-8 text are percent-encoded, not dropped. */
	ck_assert_str_eq(json_string_value(json_object_get(back, "path")), "/v1/x?%01%FF");
	json_decref(back);
	free(line);
	json_decref(r);
}
END_TEST

START_TEST(trail_newest_first_and_paged)
{
	vd_audit_t *audit;
	json_t *results;
	size_t total;

	make_dir();
	audit = open_audit(VD_AUDIT_DEFAULT_MAX_BYTES);
	for (int n = 0; n < 10; n++)
		record(audit, "t", n, n % 2 ? "odd" : "even", "all");
	/* A token named like the person is not the person. */
	record(audit, "odd", 100, "someone", NULL);
	ck_assert_int_eq(vd_audit_sync(audit), VD_OK);

	ck_assert_int_eq(vd_audit_find(audit, "odd", 0, 100, &results, &total), VD_OK);
	ck_assert_uint_eq(total, 5);
	ck_assert_uint_eq(json_array_size(results), 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(number_of(results, i), 9 - 2 * (int)i);
	/* Other people's ids stay out of the answer. */
	ck_assert_ptr_null(json_object_get(json_array_get(results, 0), "ids"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(results, 0), "outcome")),
	                 200);
	json_decref(results);

	ck_assert_int_eq(vd_audit_find(audit, "all", 3, 4, &results, &total), VD_OK);
	ck_assert_uint_eq(total, 10);
	ck_assert_uint_eq(json_array_size(results), 4);
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(number_of(results, i), 6 - (int)i);
	json_decref(results);

	ck_assert_int_eq(vd_audit_find(audit, "al", 0, 10, &results, &total), VD_OK);
	ck_assert_uint_eq(total, 0); /* a prefix of an id is another id */
	json_decref(results);
	vd_audit_close(audit);
	remove_dir();
}
END_TEST

START_TEST(rotation_by_size_keeps_the_trail)
{
	vd_audit_t *audit;
	json_t *results;
	size_t total;

	make_dir();
	audit = open_audit(1024);
	for (int n = 0; n < 60; n++)
		record(audit, "t", n, "p", n % 3 ? NULL : "third");
	ck_assert(exists("audit.log.1"));
	ck_assert(exists("audit.log.2"));
	ck_assert_int_eq(vd_audit_find(audit, "p", 0, 1000, &results, &total), VD_OK);
	ck_assert_uint_eq(total, 60);
	for (size_t i = 0; i < 60; i++)
		ck_assert_int_eq(number_of(results, i), 59 - (int)i);
	json_decref(results);
	ck_assert_int_eq(vd_audit_find(audit, "third", 0, 1000, &results, &total), VD_OK);
	ck_assert_uint_eq(total, 20);
	json_decref(results);
	vd_audit_close(audit);

	/* After a restart the rotated files are found again and shifted on. */
	audit = open_audit(1024);
	record(audit, "t", 60, "p", NULL);
	ck_assert_int_eq(vd_audit_rotate(audit), VD_OK);
	record(audit, "t", 61, "p", NULL);
	ck_assert_int_eq(vd_audit_find(audit, "p", 0, 2, &results, &total), VD_OK);
	ck_assert_uint_eq(total, 62);
	ck_assert_int_eq(number_of(results, 0), 61);
	ck_assert_int_eq(number_of(results, 1), 60);
	json_decref(results);
	vd_audit_close(audit);
	remove_dir();
}
END_TEST

START_TEST(rotation_of_an_empty_file_is_nothing)
{
	vd_audit_t *audit;

	make_dir();
	audit = open_audit(4096);
	ck_assert_int_eq(vd_audit_rotate(audit), VD_OK);
	ck_assert(exists("audit.log"));
	ck_assert(!exists("audit.log.1"));
	vd_audit_close(audit);
	remove_dir();
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc;

	tc = tcase_create("time");
	tcase_add_test(tc, time_in_amsterdam_with_offset);
	tcase_add_test(tc, time_across_the_summer_time_switches);
	suite_add_tcase(s, tc);
	tc = tcase_create("records");
	tcase_add_test(tc, answer_ids_from_results_lists_and_members);
	tcase_add_test(tc, line_is_one_json_object_with_outcome);
	suite_add_tcase(s, tc);
	tc = tcase_create("trail");
	tcase_add_test(tc, trail_newest_first_and_paged);
	suite_add_tcase(s, tc);
	tc = tcase_create("rotation");
	tcase_add_test(tc, rotation_by_size_keeps_the_trail);
	tcase_add_test(tc, rotation_of_an_empty_file_is_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

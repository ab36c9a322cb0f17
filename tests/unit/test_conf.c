/* The configuration and the token check: every problem is reported, and a
 * token is known only by the sha256 of its secret. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

static char path[64];

static void
write_config(const char *text)
{
	FILE *f;
	strcpy(path, "/tmp/vd-test-conf-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

static char *
config_with_secret(const char *secret, const char *role)
{
	char hex[65];
	char *text = NULL;
	vd_sha256_hex(secret, strlen(secret), hex);
	ck_assert_int_gt(
	    asprintf(&text,
	             "{\"listen\": \"127.0.0.1:9\", \"data_dir\": \"/tmp\", \"tokens\": "
	             "[{\"name\": \"t1\", \"role\": \"%s\", \"sha256\": \"%s\"}]}",
	             role, hex),
	    0);
	return text;
}

START_TEST(sha256_of_abc)
{
	char hex[65];
	vd_sha256_hex("abc", 3, hex);
	/* FIPS 180-2, appendix B.1 */
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(token_found_by_its_secret_only)
{
	char *text = config_with_secret("s3cret", "caseworker");
	json_t *problems = json_array();
	vd_config_t *c;
	const vd_token_t *t;

	write_config(text);
	c = vd_config_load(path, problems);
	ck_assert_ptr_nonnull(c);
	t = vd_config_authenticate(c, "s3cret");
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->name, "t1");
	ck_assert_int_eq(t->role, VD_ROLE_CASEWORKER);
	ck_assert_ptr_null(vd_config_authenticate(c, "s3cret "));
	ck_assert_ptr_null(vd_config_authenticate(c, ""));
	ck_assert_ptr_null(vd_config_authenticate(c, "S3CRET"));
	ck_assert_int_eq(c->limits.max_body_bytes, 1 << 20);
	ck_assert_int_eq(c->limits.max_count, 1000);
	vd_config_free(c);
	json_decref(problems);
	unlink(path);
	free(text);
}
END_TEST

START_TEST(every_problem_reported)
{
	json_t *problems = json_array();
	vd_config_t *c;

	write_config("{\"listen\": \"nowhere\", \"colour\": 1, \"tokens\": [{\"name\": \"x\", "
	             "\"role\": \"boss\", \"sha256\": \"abc\"}], \"limits\": {\"max_count\": 0}}");
	c = vd_config_load(path, problems);
	ck_assert_ptr_null(c);
	/* listen, unknown key, data_dir missing, role, sha256, limits.max_count */
	ck_assert_int_eq(json_array_size(problems), 6);
	json_decref(problems);
	unlink(path);
}
END_TEST

START_TEST(malformed_json_names_the_place)
{
	json_t *problems = json_array();
	write_config("{\"listen\": ");
	ck_assert_ptr_null(vd_config_load(path, problems));
	ck_assert_int_eq(json_array_size(problems), 1);
	/* The place in the file; the caller names the file itself, once. */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(problems, 0)), "line 1"));
	ck_assert_ptr_null(strstr(json_string_value(json_array_get(problems, 0)), path));
	json_decref(problems);
	unlink(path);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("tokens");
	tcase_add_test(tc, sha256_of_abc);
	tcase_add_test(tc, token_found_by_its_secret_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("problems");
	tcase_add_test(tc, every_problem_reported);
	tcase_add_test(tc, malformed_json_names_the_place);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Unit tests for JSON Merge Patch (RFC 7386), the body of PATCH. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static json_t *
parse(const char *text)
{
	json_error_t error;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &error);

	ck_assert_msg(v != NULL, "test JSON does not parse: %s: %s", error.text, text);
	return v;
}

static char *
dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

/* Applies patch to original and compares with result, member order included;
 * neither input may change. */
static void
patch_gives(const char *original, const char *patch, const char *result)
{
	json_t *target = parse(original), *p = parse(patch), *want = parse(result);
	json_t *target_copy = json_deep_copy(target), *p_copy = json_deep_copy(p);
	json_t *got = vd_merge_patch(target, p);
	char *got_text, *want_text;

	ck_assert_ptr_nonnull(got);
	got_text = dump(got);
	want_text = dump(want);
	ck_assert_msg(json_equal(got, want) && !strcmp(got_text, want_text),
	              "%s patched with %s gave %s, expected %s", original, patch, got_text,
	              want_text);
	ck_assert(json_equal(target, target_copy));
	ck_assert(json_equal(p, p_copy));
	free(got_text);
	free(want_text);
	json_decref(got);
	json_decref(want);
	json_decref(target_copy);
	json_decref(p_copy);
	json_decref(p);
	json_decref(target);
}

/* RFC 7386, Appendix A, every example in order. */
START_TEST(test_rfc7386_appendix_a)
{
	patch_gives("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	patch_gives("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
	patch_gives("{\"a\":\"b\"}", "{\"a\":null}", "{}");
	patch_gives("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
	patch_gives("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	patch_gives("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
	patch_gives("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	            "{\"a\":{\"b\":\"d\"}}");
	patch_gives("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
	patch_gives("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
	patch_gives("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]");
	patch_gives("{\"a\":\"foo\"}", "null", "null");
	patch_gives("{\"a\":\"foo\"}", "\"bar\"", "\"bar\"");
	patch_gives("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
	patch_gives("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
	patch_gives("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}
END_TEST

/* RFC 7386, section 3: the worked example. */
START_TEST(test_rfc7386_section_3)
{
	patch_gives(
	    "{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\",\"familyName\":\"Doe\"},"
	    "\"tags\":[\"example\",\"sample\"],\"content\":\"This will be unchanged\"}",
	    "{\"title\":\"Hello!\",\"phoneNumber\":\"+01-123-456-7890\","
	    "\"author\":{\"familyName\":null},\"tags\":[\"example\"]}",
	    "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},\"tags\":[\"example\"],"
	    "\"content\":\"This will be unchanged\",\"phoneNumber\":\"+01-123-456-7890\"}");
}
END_TEST

START_TEST(test_profile_patches)
{
	/* Arrays are replaced whole; removing a field; nested merge keeps order. */
	patch_gives(
	    "{\"id\":\"x\",\"municipality\":\"Rotterdam\",\"licences\":[{\"category\":\"B\"}],"
	    "\"hours_per_week\":32}",
	    "{\"licences\":[{\"category\":\"C\"}],\"hours_per_week\":null}",
	    "{\"id\":\"x\",\"municipality\":\"Rotterdam\",\"licences\":[{\"category\":\"C\"}]}");
	patch_gives("{\"id\":\"x\",\"location\":{\"lat\":51.9,\"lon\":4.4}}",
	            "{\"location\":{\"lat\":52}}",
	            "{\"id\":\"x\",\"location\":{\"lat\":52,\"lon\":4.4}}");
	patch_gives("{\"id\":\"x\"}", "{}", "{\"id\":\"x\"}");
	patch_gives("{\"id\":\"x\",\"extensions\":{\"p\":{\"a\":1}}}",
	            "{\"extensions\":{\"p\":{\"b\":{\"c\":null,\"d\":2}}}}",
	            "{\"id\":\"x\",\"extensions\":{\"p\":{\"a\":1,\"b\":{\"d\":2}}}}");
}
END_TEST

START_TEST(test_absent_target)
{
	json_t *patch = parse("{\"a\":{\"b\":null,\"c\":1}}"), *got = vd_merge_patch(NULL, patch);
	char *text = dump(got);

	ck_assert_str_eq(text, "{\"a\":{\"c\":1}}");
	free(text);
	json_decref(got);
	json_decref(patch);
}
END_TEST

START_TEST(test_result_is_new)
{
	json_t *target = parse("{\"a\":{\"b\":1}}"), *patch = parse("{\"c\":{\"d\":2}}");
	json_t *got = vd_merge_patch(target, patch);

	/* Changing the result changes neither input. */
	json_object_set_new(json_object_get(got, "a"), "x", json_true());
	json_object_set_new(json_object_get(got, "c"), "y", json_true());
	ck_assert_int_eq(json_object_size(json_object_get(target, "a")), 1);
	ck_assert_int_eq(json_object_size(json_object_get(patch, "c")), 1);
	ck_assert_int_eq(got->refcount, 1);
	json_decref(got);
	json_decref(patch);
	json_decref(target);
}
END_TEST

static Suite *
merge_patch_suite(void)
{
	Suite *s = suite_create("merge_patch");
	TCase *tc;

	tc = tcase_create("rfc7386_appendix_a");
	tcase_add_test(tc, test_rfc7386_appendix_a);
	suite_add_tcase(s, tc);
	tc = tcase_create("rfc7386_section_3");
	tcase_add_test(tc, test_rfc7386_section_3);
	suite_add_tcase(s, tc);
	tc = tcase_create("profile_patches");
	tcase_add_test(tc, test_profile_patches);
	suite_add_tcase(s, tc);
	tc = tcase_create("absent_target");
	tcase_add_test(tc, test_absent_target);
	suite_add_tcase(s, tc);
	tc = tcase_create("result_is_new");
	tcase_add_test(tc, test_result_is_new);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(merge_patch_suite());
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

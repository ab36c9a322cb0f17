/* Dates decide whether a licence still counts: parse strictly, and know the
 * Amsterdam calendar day around midnight and the summer-time switches. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "dates.h"

START_TEST(parse_accepts_real_dates)
{
	int d = 0;
	ck_assert(vd_date_parse("2029-12-31", &d));
	ck_assert_int_eq(d, 20291231);
	ck_assert(vd_date_parse("2028-02-29", &d)); /* leap year */
	ck_assert_int_eq(d, 20280229);
	ck_assert(vd_date_parse("2000-02-29", &d)); /* divisible by 400 */
}
END_TEST

START_TEST(parse_refuses_other_forms)
{
	int d = 0;
	ck_assert(!vd_date_parse("31-12-2029", &d));
	ck_assert(!vd_date_parse("2029-02-29", &d)); /* not a leap year */
	ck_assert(!vd_date_parse("1900-02-29", &d)); /* divisible by 100 */
	ck_assert(!vd_date_parse("2029-13-01", &d));
	ck_assert(!vd_date_parse("2029-04-31", &d));
	ck_assert(!vd_date_parse("2029-1-01", &d));
	ck_assert(!vd_date_parse("2029-01-01T00:00", &d));
	ck_assert(!vd_date_parse("", &d));
	ck_assert(!vd_date_parse("2029-0a-01", &d));
}
END_TEST

START_TEST(next_day_rolls_over)
{
	ck_assert_int_eq(vd_date_next(20291231), 20300101);
	ck_assert_int_eq(vd_date_next(20280228), 20280229);
	ck_assert_int_eq(vd_date_next(20290228), 20290301);
	ck_assert_int_eq(vd_date_next(20290430), 20290501);
	ck_assert_int_eq(vd_date_next(20290415), 20290416);
}
END_TEST

START_TEST(amsterdam_day_in_winter_and_summer)
{
	/* 2026-01-15 23:30 UTC is 00:30 on the 16th in Amsterdam (UTC+1). */
	ck_assert_int_eq(vd_date_at(1768519800), 20260116);
	/* 2026-01-15 22:30 UTC is still the 15th. */
	ck_assert_int_eq(vd_date_at(1768516200), 20260115);
	/* 2026-07-15 22:30 UTC is 00:30 on the 16th (UTC+2). */
	ck_assert_int_eq(vd_date_at(1784154600), 20260716);
	/* 2026-07-15 21:30 UTC is still the 15th. */
	ck_assert_int_eq(vd_date_at(1784151000), 20260715);
}
END_TEST

START_TEST(today_can_be_fixed_for_tests)
{
	setenv("VAARDIG_TODAY", "2030-06-01", 1);
	ck_assert_int_eq(vd_date_today(), 20300601);
	unsetenv("VAARDIG_TODAY");
	ck_assert_int_gt(vd_date_today(), 20260000);
}
END_TEST

static Suite *
dates_suite(void)
{
	Suite *s = suite_create("dates");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_accepts_real_dates);
	tcase_add_test(tc, parse_refuses_other_forms);
	suite_add_tcase(s, tc);
	tc = tcase_create("calendar");
	tcase_add_test(tc, next_day_rolls_over);
	tcase_add_test(tc, amsterdam_day_in_winter_and_summer);
	tcase_add_test(tc, today_can_be_fixed_for_tests);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dates_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* The set of kept search parts (server/match_kept.c): a kept entry is found
 * again, the least recently used one goes when the slots are full, and one
 * pushed out while a search holds it lives until that search lets go. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "match_kept.h"

typedef struct item {
	vd_kept_t kept;
	int key;
} item_t;

static int built, freed;

static void
item_free(vd_kept_t *kept)
{
	freed++;
	free(kept);
}

static bool
item_is(const vd_kept_t *kept, const void *key)
{
	return ((const item_t *)kept)->key == *(const int *)key;
}

static vd_kept_t *
item_build(const void *key)
{
	item_t *it = calloc(1, sizeof(*it));

	it->key = *(const int *)key;
	built++;
	return &it->kept;
}

static item_t *
get(vd_kept_set_t *set, int key)
{
	return (item_t *)vd_kept_get(set, &key, item_is, item_build);
}

static void
setup(void)
{
	built = freed = 0;
}

START_TEST(found_again)
{
	vd_kept_set_t set;
	item_t *a, *b;

	vd_kept_init(&set, item_free);
	a = get(&set, 7);
	vd_kept_release(&set, &a->kept);
	b = get(&set, 7);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(built, 1);
	vd_kept_release(&set, &b->kept);
	vd_kept_destroy(&set);
	ck_assert_int_eq(freed, 1);
}
END_TEST

START_TEST(least_recently_used_goes)
{
	vd_kept_set_t set;

	vd_kept_init(&set, item_free);
	for (int k = 0; k < VD_KEPT_SLOTS; k++)
		vd_kept_release(&set, &get(&set, k)->kept);
	/* 0 is used again, so 1 is now the least recently used. */
	vd_kept_release(&set, &get(&set, 0)->kept);
	vd_kept_release(&set, &get(&set, 1000)->kept);
	ck_assert_int_eq(freed, 1);
	ck_assert_int_eq(built, VD_KEPT_SLOTS + 1);
	vd_kept_release(&set, &get(&set, 0)->kept); /* still kept */
	ck_assert_int_eq(built, VD_KEPT_SLOTS + 1);
	vd_kept_release(&set, &get(&set, 1)->kept); /* was pushed out: built again */
	ck_assert_int_eq(built, VD_KEPT_SLOTS + 2);
	vd_kept_destroy(&set);
	ck_assert_int_eq(freed, built);
}
END_TEST

START_TEST(held_entry_outlives_eviction)
{
	vd_kept_set_t set;
	item_t *held;

	vd_kept_init(&set, item_free);
	held = get(&set, 0);
	for (int k = 1; k <= VD_KEPT_SLOTS; k++)
		vd_kept_release(&set, &get(&set, k)->kept);
	/* 0 was the least recently used: out of the slots, not freed. */
	ck_assert_int_eq(freed, 0);
	ck_assert_int_eq(held->key, 0);
	vd_kept_release(&set, &held->kept);
	ck_assert_int_eq(freed, 1);
	vd_kept_release(&set, &get(&set, 0)->kept);
	ck_assert_int_eq(built, VD_KEPT_SLOTS + 2);
	vd_kept_destroy(&set);
	ck_assert_int_eq(freed, built);
}
END_TEST

START_TEST(clear_drops_all)
{
	vd_kept_set_t set;

	vd_kept_init(&set, item_free);
	for (int k = 0; k < 5; k++)
		vd_kept_release(&set, &get(&set, k)->kept);
	vd_kept_clear(&set);
	ck_assert_int_eq(freed, 5);
	vd_kept_release(&set, &get(&set, 3)->kept);
	ck_assert_int_eq(built, 6);
	vd_kept_destroy(&set);
	ck_assert_int_eq(freed, 6);
}
END_TEST

static Suite *
kept_suite(void)
{
	Suite *s = suite_create("kept");
	TCase *tc = tcase_create("kept");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, found_again);
	tcase_add_test(tc, least_recently_used_goes);
	tcase_add_test(tc, held_entry_outlives_eviction);
	tcase_add_test(tc, clear_drops_all);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(kept_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

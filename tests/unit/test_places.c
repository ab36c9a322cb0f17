#include "config.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "places.h"

static vd_places_t *places;

static void
setup(void)
{
	char *error = NULL;
	vd_status_t status = vd_places_load(VD_TEST_DATADIR, &places, &error);

	ck_assert_msg(status == VD_OK, "load failed: %s", error ? error : "(no message)");
	ck_assert_ptr_null(error);
	ck_assert_ptr_nonnull(places);
}

static void
teardown(void)
{
	vd_places_free(places);
	places = NULL;
}

static const char *
code_of(const char *name)
{
	const vd_municipality_t *m = vd_places_lookup(places, name);
	return m ? m->code : NULL;
}

/* ---- the data as loaded ---- */

START_TEST(test_count_and_index)
{
	long total = 0;

	ck_assert_uint_eq(vd_places_count(places), 342);
	for (size_t i = 0; i < vd_places_count(places); i++) {
		const vd_municipality_t *m = vd_places_at(places, i);
		ck_assert_uint_eq(m->index, i);
		ck_assert(m->lat > 50.7 && m->lat < 53.6 && m->lon > 3.3 && m->lon < 7.3);
		total += m->population;
	}
	/* SOURCES.md: the national total on 1 January 2023. */
	ck_assert_int_eq(total, 17811291);
	ck_assert_ptr_null(vd_places_at(places, 342));
}
END_TEST

START_TEST(test_rotterdam_fields)
{
	const vd_municipality_t *m = vd_places_lookup(places, "Rotterdam");

	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->code, "GM0599");
	ck_assert_str_eq(m->name, "Rotterdam");
	ck_assert_str_eq(m->province, "Zuid-Holland");
	ck_assert_double_eq_tol(m->lat, 51.92250, 1e-9);
	ck_assert_double_eq_tol(m->lon, 4.47917, 1e-9);
	ck_assert_int_eq(m->population, 663900);
	ck_assert_ptr_eq(vd_places_at(places, m->index), m);
}
END_TEST

START_TEST(test_quoted_name_with_commas)
{
	const vd_municipality_t *m = vd_places_lookup(places, "GM0820");

	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->name, "Nuenen, Gerwen en Nederwetten");
	ck_assert_str_eq(m->province, "Noord-Brabant");
	ck_assert_str_eq(code_of("nuenen, gerwen en nederwetten"), "GM0820");
	ck_assert_str_eq(code_of("Nuenen"), "GM0820"); /* alias */
}
END_TEST

/* ---- look-up by the various names ---- */

START_TEST(test_lookup_codes)
{
	ck_assert_str_eq(code_of("GM0599"), "GM0599");
	ck_assert_str_eq(code_of("gm0599"), "GM0599");
	ck_assert_str_eq(vd_places_lookup(places, "GM0363")->name, "Amsterdam");
	ck_assert_ptr_null(vd_places_lookup(places, "GM9999"));
	ck_assert_ptr_null(vd_places_lookup(places, "0599"));
}
END_TEST

START_TEST(test_lookup_aliases)
{
	ck_assert_str_eq(vd_places_lookup(places, "Den Haag")->name, "'s-Gravenhage");
	ck_assert_str_eq(code_of("den haag"), "GM0518");
	ck_assert_str_eq(code_of("The Hague"), "GM0518");
	ck_assert_str_eq(vd_places_lookup(places, "den bosch")->name, "'s-Hertogenbosch");
	ck_assert_str_eq(code_of("Ljouwert"), "GM0080");
	/* Suffix-less short forms that the data marks as unambiguous. */
	ck_assert_str_eq(vd_places_lookup(places, "Hengelo")->name, "Hengelo (O.)");
}
END_TEST

START_TEST(test_lookup_folding)
{
	ck_assert_str_eq(code_of("Súdwest-Fryslân"), "GM1900");
	ck_assert_str_eq(code_of("sudwest-fryslan"), "GM1900");
	ck_assert_str_eq(code_of("SÚDWEST-FRYSLÂN"), "GM1900");
	ck_assert_str_eq(code_of("  Den    Haag "), "GM0518");
	ck_assert_str_eq(code_of("\xE2\x80\x99s-Gravenhage"), "GM0518"); /* ’ */
	ck_assert_str_eq(code_of("'s-hertogenbosch"), "GM0796");
	ck_assert_str_eq(code_of("ROTTERDAM"), "GM0599");
	/* Folding is not fuzzy matching: a hyphen is not a space. */
	ck_assert_ptr_null(vd_places_lookup(places, "sudwest fryslan"));
	/* Invalid UTF-8 is simply unknown. */
	ck_assert_ptr_null(vd_places_lookup(places, "Rotterdam\xC3"));
}
END_TEST

START_TEST(test_lookup_woonplaats)
{
	/* An alias of Rotterdam, and its BAG form as a woonplaats. */
	ck_assert_str_eq(vd_places_lookup(places, "Hoogvliet")->name, "Rotterdam");
	ck_assert_str_eq(code_of("Hoogvliet Rotterdam"), "GM0599");
	/* Woonplaats names only: Sneek lies in Súdwest-Fryslân. */
	ck_assert_str_eq(code_of("Sneek"), "GM1900");
	ck_assert_str_eq(code_of("Hoofddorp"), "GM0394");
}
END_TEST

START_TEST(test_lookup_precedence)
{
	/* Hoorn is a woonplaats on Terschelling too, but the official name wins. */
	ck_assert_str_eq(vd_places_lookup(places, "Hoorn")->code, "GM0405");
	/* Beek is a woonplaats in three municipalities and nobody's official
	 * name or alias: ambiguous, not resolved. */
	ck_assert_ptr_null(vd_places_lookup(places, "Beek"));
	ck_assert_ptr_null(vd_places_lookup(places, "Laren"));
}
END_TEST

START_TEST(test_lookup_unknown)
{
	ck_assert_ptr_null(vd_places_lookup(places, "Atlantis"));
	ck_assert_ptr_null(vd_places_lookup(places, ""));
	ck_assert_ptr_null(vd_places_lookup(places, "Rotterdamm"));
}
END_TEST

/* ---- suggestions ---- */

START_TEST(test_suggest_typo)
{
	const char *out[5];
	size_t n = vd_places_suggest(places, "Roterdam", out, 5);

	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(out[0], "Rotterdam");

	n = vd_places_suggest(places, "sudwest fryslan", out, 5);
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(out[0], "Súdwest-Fryslân");

	/* Through an alias, the official name is offered. */
	n = vd_places_suggest(places, "Den Haaag", out, 5);
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(out[0], "'s-Gravenhage");
}
END_TEST

START_TEST(test_suggest_ambiguous_woonplaats)
{
	const char *out[5];
	size_t n = vd_places_suggest(places, "Beek", out, 5);

	/* The three municipalities with a woonplaats Beek, by name. */
	ck_assert_uint_ge(n, 3);
	ck_assert_str_eq(out[0], "Beek (L.)");
	ck_assert_str_eq(out[1], "Berg en Dal");
	ck_assert_str_eq(out[2], "Montferland");
}
END_TEST

START_TEST(test_suggest_limits)
{
	const char *out[3];

	ck_assert_uint_eq(vd_places_suggest(places, "Roterdam", out, 0), 0);
	ck_assert_uint_le(vd_places_suggest(places, "Amsterdan", out, 3), 3);
	ck_assert_str_eq(out[0], "Amsterdam");
	/* Nothing is near enough to be a suggestion. */
	ck_assert_uint_eq(vd_places_suggest(places, "Qqqqqqqqqqqqqqqqqq", out, 3), 0);
}
END_TEST

/* ---- distance ---- */

/* Haversine written out on its own, to check vd_distance_km against. */
static double
expected_km(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double dl = (lon2 - lon1) * M_PI / 180;
	/* The spherical law of cosines: another formula, the same sphere. */
	return 6371.0088 * acos(sin(p1) * sin(p2) + cos(p1) * cos(p2) * cos(dl));
}

START_TEST(test_distance_rotterdam_utrecht)
{
	const vd_municipality_t *r = vd_places_lookup(places, "Rotterdam");
	const vd_municipality_t *u = vd_places_lookup(places, "Utrecht");
	double d = vd_distance_km(r->lat, r->lon, u->lat, u->lon);

	ck_assert_double_eq_tol(d, expected_km(51.92250, 4.47917, 52.09083, 5.12222), 1e-6);
	ck_assert_double_eq_tol(d, 47.83, 0.01);
	ck_assert_double_eq_tol(vd_distance_km(u->lat, u->lon, r->lat, r->lon), d, 1e-9);
}
END_TEST

START_TEST(test_distance_edges)
{
	ck_assert_double_eq_tol(vd_distance_km(52, 5, 52, 5), 0.0, 1e-12);
	/* A quarter of a great circle: pi/2 * R. */
	ck_assert_double_eq_tol(vd_distance_km(0, 0, 0, 90), M_PI / 2 * 6371.0088, 1e-6);
	ck_assert_double_eq_tol(vd_distance_km(0, 0, 0, 180), M_PI * 6371.0088, 1e-6);
}
END_TEST

/* ---- refused data files ---- */

static char tmpdir[64];

/* Writes a data dir with the real aliases and woonplaatsen next to the
 * given gemeenten.csv text, loads it, and returns status and message. */
static vd_status_t
load_with(const char *gemeenten, char **error)
{
	char path[256];
	vd_places_t *p = NULL;
	vd_status_t status;
	FILE *f;

	strcpy(tmpdir, "/tmp/vd-places-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/places", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/places/aliases.csv", tmpdir);
	ck_assert_int_eq(symlink(VD_TEST_DATADIR "/places/aliases.csv", path), 0);
	snprintf(path, sizeof(path), "%s/places/woonplaatsen.csv", tmpdir);
	ck_assert_int_eq(symlink(VD_TEST_DATADIR "/places/woonplaatsen.csv", path), 0);
	if (gemeenten) {
		snprintf(path, sizeof(path), "%s/places/gemeenten.csv", tmpdir);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(gemeenten, f);
		fclose(f);
	}
	status = vd_places_load(tmpdir, &p, error);
	if (status == VD_OK)
		vd_places_free(p);
	else
		ck_assert_ptr_null(p);
	return status;
}

static void
remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The real file with one line replaced: line `line` (1-based) becomes text. */
static char *
real_with_line(unsigned line, const char *text)
{
	FILE *f = fopen(VD_TEST_DATADIR "/places/gemeenten.csv", "r");
	char buf[512];
	size_t cap = 65536, len = 0;
	char *out = malloc(cap);

	ck_assert_ptr_nonnull(f);
	out[0] = '\0';
	for (unsigned i = 1; fgets(buf, sizeof(buf), f); i++) {
		const char *s = i == line ? text : buf;
		ck_assert_uint_lt(len + strlen(s) + 1, cap);
		len += (size_t)sprintf(out + len, "%s", s);
	}
	fclose(f);
	return out;
}

static void
assert_refused(const char *gemeenten, vd_status_t expected, const char *needle)
{
	char *error = NULL;
	vd_status_t status = load_with(gemeenten, &error);

	remove_tmpdir();
	ck_assert_int_eq(status, expected);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, "gemeenten.csv") != NULL, "no file name in: %s", error);
	ck_assert_msg(strstr(error, needle) != NULL, "expected '%s' in: %s", needle, error);
	free(error);
}

START_TEST(test_copy_loads)
{
	char *text = real_with_line(0, "");
	char *error = NULL;

	ck_assert_int_eq(load_with(text, &error), VD_OK);
	ck_assert_ptr_null(error);
	remove_tmpdir();
	free(text);
}
END_TEST

START_TEST(test_refuse_unclosed_quote)
{
	char *text = real_with_line(5, "GM0047,\"Veendam,Groningen,53.10667,6.87917,27616\n");

	assert_refused(text, VD_ERR_INVALID, "gemeenten.csv:5: quoted field is not closed");
	free(text);
}
END_TEST

START_TEST(test_refuse_text_after_quote)
{
	char *text = real_with_line(7, "GM0047,\"Veen\"dam,Groningen,53.10667,6.87917,27616\n");

	assert_refused(text, VD_ERR_INVALID, "gemeenten.csv:7: text after the closing quote");
	free(text);
}
END_TEST

START_TEST(test_refuse_bare_quote)
{
	char *text = real_with_line(9, "GM0047,Veen\"dam,Groningen,53.10667,6.87917,27616\n");

	assert_refused(text, VD_ERR_INVALID, "gemeenten.csv:9: double quote inside");
	free(text);
}
END_TEST

START_TEST(test_refuse_field_count)
{
	/* The comma in the name without quotes: one field too many. */
	char *text = real_with_line(
	    200, "GM0820,Nuenen, Gerwen en Nederwetten,Noord-Brabant,51.47000,5.55278,24015\n");

	assert_refused(text, VD_ERR_INVALID, "gemeenten.csv:200: 7 fields");
	free(text);
}
END_TEST

START_TEST(test_refuse_bad_values)
{
	char *text = real_with_line(2, "GM0014,Groningen,Groningen,53.2x,6.56667,238147\n");
	assert_refused(text, VD_ERR_INVALID, "gemeenten.csv:2: lat/lon");
	free(text);

	text = real_with_line(2, "GM14,Groningen,Groningen,53.21917,6.56667,238147\n");
	assert_refused(text, VD_ERR_INVALID, "gemeenten.csv:2: 'GM14'");
	free(text);

	text = real_with_line(4, "GM0014,Almere,Flevoland,52.37025,5.21413,222825\n");
	assert_refused(text, VD_ERR_INVALID, "gemeenten.csv:4: code GM0014 occurs twice");
	free(text);

	text = real_with_line(1, "code,naam,province,lat,lon,population\n");
	assert_refused(text, VD_ERR_INVALID, "gemeenten.csv:1: header");
	free(text);
}
END_TEST

START_TEST(test_refuse_nul_byte)
{
	char *text = real_with_line(11, "GM0080,Leeuw@arden,Frysl\xC3\xA2n,53.2,5.8,1\n");
	size_t len = strlen(text);
	char *error = NULL;
	char path[256];
	vd_places_t *p = NULL;
	FILE *f;

	/* Written by hand: a string with a NUL byte cannot go through load_with. */
	*strchr(text, '@') = '\0';
	strcpy(tmpdir, "/tmp/vd-places-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/places", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/places/gemeenten.csv", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	ck_assert_int_eq(vd_places_load(tmpdir, &p, &error), VD_ERR_INVALID);
	ck_assert_ptr_null(p);
	remove_tmpdir();
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, "gemeenten.csv:11: NUL byte") != NULL, "got: %s", error);
	free(error);
	free(text);
}
END_TEST

START_TEST(test_refuse_missing_file)
{
	assert_refused(NULL, VD_ERR_IO, "gemeenten.csv: No such file");
}
END_TEST

static Suite *
places_suite(void)
{
	Suite *s = suite_create("places");
	struct {
		const char *name;
		const TTest *test;
		bool loaded;
	} cases[] = {
	    {"count_and_index", test_count_and_index, true},
	    {"rotterdam_fields", test_rotterdam_fields, true},
	    {"quoted_name_with_commas", test_quoted_name_with_commas, true},
	    {"lookup_codes", test_lookup_codes, true},
	    {"lookup_aliases", test_lookup_aliases, true},
	    {"lookup_folding", test_lookup_folding, true},
	    {"lookup_woonplaats", test_lookup_woonplaats, true},
	    {"lookup_precedence", test_lookup_precedence, true},
	    {"lookup_unknown", test_lookup_unknown, true},
	    {"suggest_typo", test_suggest_typo, true},
	    {"suggest_ambiguous_woonplaats", test_suggest_ambiguous_woonplaats, true},
	    {"suggest_limits", test_suggest_limits, true},
	    {"distance_rotterdam_utrecht", test_distance_rotterdam_utrecht, true},
	    {"distance_edges", test_distance_edges, false},
	    {"copy_loads", test_copy_loads, false},
	    {"refuse_unclosed_quote", test_refuse_unclosed_quote, false},
	    {"refuse_text_after_quote", test_refuse_text_after_quote, false},
	    {"refuse_bare_quote", test_refuse_bare_quote, false},
	    {"refuse_field_count", test_refuse_field_count, false},
	    {"refuse_bad_values", test_refuse_bad_values, false},
	    {"refuse_nul_byte", test_refuse_nul_byte, false},
	    {"refuse_missing_file", test_refuse_missing_file, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);
		if (cases[i].loaded)
			tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(places_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

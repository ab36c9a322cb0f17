#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "places.h"
#include "query.h"
#include "taxonomy.h"

/* The employer's query, text and structured, against the real data files.
 * The five occupations API.md fixes are checked against the groups written
 * in API.md, not against the taxonomy; other occupations' groups come from
 * the taxonomy ("@occ") so that the test outlives data changes. */

static vd_taxonomy_t *tax;
static vd_places_t *places;

static void
setup(void)
{
	char *error = NULL;

	ck_assert_msg(vd_taxonomy_load(VD_TEST_DATADIR, &tax, &error) == VD_OK, "taxonomy: %s",
	              error ? error : "(no message)");
	ck_assert_msg(vd_places_load(VD_TEST_DATADIR, &places, &error) == VD_OK, "places: %s",
	              error ? error : "(no message)");
}

static void
teardown(void)
{
	vd_taxonomy_free(tax);
	vd_places_free(places);
	tax = NULL;
	places = NULL;
}

/* JSON written with ` for " so the table stays readable. New reference. */
static json_t *
jq(const char *text)
{
	char *s = strdup(text);
	json_error_t error;
	json_t *v;

	for (char *c = s; *c; c++)
		if (*c == '`')
			*c = '"';
	v = json_loads(s, JSON_DECODE_ANY, &error);
	ck_assert_msg(v != NULL, "bad test JSON %s: %s", s, error.text);
	free(s);
	return v;
}

/* API.md's table, written out here on purpose. */
#define CHAUFFEUR                                                                                  \
	"[`licence:B`, `licence:C1`, `licence:C`, `licence:CE`, `licence:D1`, `licence:D`]"
#define VRACHTWAGEN "[`code95:C`, `code95:CE`]"
#define BUS         "[`code95:D`]"
#define TAXI        "[`licence:B`], [`certificate:chauffeurskaart`]"
#define HEFTRUCK    "[`certificate:heftruck`]"
#define VCA         "[`certificate:vca-basis`, `certificate:vca-vol`]"
#define CODE95                                                                                     \
	"[`code95:C1`, `code95:C1E`, `code95:C`, `code95:CE`, `code95:D1`, `code95:D1E`, "         \
	"`code95:D`, `code95:DE`]"

static bool
group_equal(const json_t *a, const json_t *b)
{
	size_t i, j;
	json_t *x, *y;

	if (json_array_size(a) != json_array_size(b))
		return false;
	json_array_foreach(a, i, x)
	{
		bool found = false;

		json_array_foreach(b, j, y) found = found || json_equal(x, y);
		if (!found)
			return false;
	}
	return true;
}

/* expected "require", with "@occ" standing for the occupation's own groups. */
static json_t *
expand_require(const json_t *expected, const char *occupation)
{
	json_t *out = json_array();
	size_t i;
	json_t *g;

	json_array_foreach(expected, i, g)
	{
		const vd_occupation_t *occ;

		if (!json_is_string(g)) {
			json_array_append(out, g);
			continue;
		}
		ck_assert_str_eq(json_string_value(g), "@occ");
		occ = vd_taxonomy_occupation(tax, occupation);
		ck_assert_ptr_nonnull(occ);
		for (size_t k = 0; k < occ->n_require; k++) {
			json_t *group = json_array();

			for (size_t t = 0; t < occ->require[k].n; t++)
				json_array_append_new(group, json_string(occ->require[k].v[t]));
			json_array_append_new(out, group);
		}
	}
	return out;
}

static void
check_require(const json_t *query, const json_t *expected, const char *what)
{
	const json_t *require = json_object_get(query, "require");
	json_t *want =
	    expand_require(expected, json_string_value(json_object_get(query, "occupation")));
	char *got = json_dumps(require, JSON_COMPACT);

	ck_assert_msg(json_array_size(require) == json_array_size(want),
	              "%s: require %s has %zu groups, want %zu", what, got,
	              json_array_size(require), json_array_size(want));
	for (size_t i = 0; i < json_array_size(want); i++)
		ck_assert_msg(group_equal(json_array_get(require, i), json_array_get(want, i)),
		              "%s: require %s, group %zu differs", what, got, i);
	free(got);
	json_decref(want);
}

/* prefer: the occupation's preferences, then extra (may be NULL), no duplicates. */
static void
check_prefer(const json_t *query, const json_t *extra, const char *what)
{
	const vd_occupation_t *occ = NULL;
	json_t *want = json_array();
	const json_t *occupation = json_object_get(query, "occupation");
	size_t i;
	json_t *v;
	char *got = json_dumps(json_object_get(query, "prefer"), JSON_COMPACT);

	if (occupation)
		occ = vd_taxonomy_occupation(tax, json_string_value(occupation));
	for (size_t t = 0; occ && t < occ->prefer.n; t++)
		json_array_append_new(want, json_string(occ->prefer.v[t]));
	json_array_foreach(extra, i, v)
	{
		bool seen = false;
		size_t j;
		json_t *w;

		json_array_foreach(want, j, w) seen = seen || json_equal(v, w);
		if (!seen)
			json_array_append(want, v);
	}
	ck_assert_msg(json_equal(json_object_get(query, "prefer"), want), "%s: prefer %s", what,
	              got);
	free(got);
	json_decref(want);
}

/* Compares a normalised query with expected {count, occupation, require, in:
 * [code, name], near: [code, name, km], count_lowered_from, prefer}. */
static void
check_query(const json_t *query, const json_t *expected, const char *text, const char *what)
{
	static const char *const known[] = {"text",   "count", "occupation", "require",
	                                    "prefer", "in",    "near",       "count_lowered_from"};
	const json_t *v;
	const char *key;
	json_int_t count = 10;

	ck_assert_msg(query != NULL, "%s: no query", what);
	json_object_foreach((json_t *)query, key, v)
	{
		bool ok = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		ck_assert_msg(ok, "%s: unexpected key %s", what, key);
	}
	if (text)
		ck_assert_str_eq(json_string_value(json_object_get(query, "text")), text);
	else
		ck_assert_ptr_null(json_object_get(query, "text"));
	if (json_object_get(expected, "count"))
		count = json_integer_value(json_object_get(expected, "count"));
	ck_assert_msg(json_integer_value(json_object_get(query, "count")) == count,
	              "%s: count %lld, want %lld", what,
	              (long long)json_integer_value(json_object_get(query, "count")),
	              (long long)count);
	ck_assert_msg(
	    json_equal(json_object_get(query, "occupation"),
	               json_object_get(expected, "occupation")) ||
	        (!json_object_get(query, "occupation") && !json_object_get(expected, "occupation")),
	    "%s: occupation %s", what, json_string_value(json_object_get(query, "occupation")));
	check_require(query, json_object_get(expected, "require"), what);
	check_prefer(query, json_object_get(expected, "prefer"), what);

	v = json_object_get(expected, "in");
	if (v) {
		json_t *want = json_pack("{s:O, s:O}", "municipality", json_array_get(v, 1), "code",
		                         json_array_get(v, 0));

		ck_assert_msg(json_equal(json_object_get(query, "in"), want), "%s: in", what);
		json_decref(want);
	} else {
		ck_assert_msg(!json_object_get(query, "in"), "%s: unexpected in", what);
	}
	v = json_object_get(expected, "near");
	if (v) {
		json_t *want = json_pack("{s:O, s:O, s:O}", "municipality", json_array_get(v, 1),
		                         "code", json_array_get(v, 0), "km", json_array_get(v, 2));
		char *got = json_dumps(json_object_get(query, "near"), JSON_COMPACT);

		ck_assert_msg(json_equal(json_object_get(query, "near"), want), "%s: near %s", what,
		              got);
		free(got);
		json_decref(want);
	} else {
		ck_assert_msg(!json_object_get(query, "near"), "%s: unexpected near", what);
	}
	ck_assert_msg(json_equal(json_object_get(query, "count_lowered_from"),
	                         json_object_get(expected, "count_lowered_from")) ||
	                  (!json_object_get(query, "count_lowered_from") &&
	                   !json_object_get(expected, "count_lowered_from")),
	              "%s: count_lowered_from", what);
}

/* Text -> parse -> normalise, as GET /v1/search does. New reference or NULL. */
static json_t *
from_text(const char *text, int max_count, json_t *errors)
{
	json_t *parsed = vd_query_parse_text(tax, places, text, errors);
	json_t *query = NULL;

	if (parsed) {
		query = vd_query_normalise(tax, places, parsed, max_count, errors);
		json_decref(parsed);
	}
	return query;
}

/* ---- phrasings that must be understood ---------------------------------------- */

static const struct {
	const char *text;
	const char *expect;
} phrasings[] = {
    {"40 chauffeurs", "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"  40   chauffeurs  ", "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"40 CHAUFFEURS", "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"40\tchauffeurs.", "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"veertig chauffeurs", "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"Veertig Chauffeurs?", "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"twaalf schoonmakers", "{`count`: 12, `occupation`: `schoonmaker`, `require`: [`@occ`]}"},
    {"eenentwintig chauffeurs",
     "{`count`: 21, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"tweeëntwintig bezorgers", "{`count`: 22, `occupation`: `bezorger`, `require`: [`@occ`]}"},
    {"negenennegentig chauffeurs",
     "{`count`: 99, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"honderd chauffeurs", "{`count`: 100, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"tweehonderdvijftig chauffeurs",
     "{`count`: 250, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"tien glazenwassers", "{`count`: 10, `occupation`: `glazenwasser`, `require`: [`@occ`]}"},
    {"vijftig koks", "{`count`: 50, `occupation`: `kok`, `require`: [`@occ`]}"},
    {"één chauffeur", "{`count`: 1, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"een chauffeur", "{`count`: 1, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"dertien lassers", "{`count`: 13, `occupation`: `lasser`, `require`: [`@occ`]}"},
    {"chauffeurs", "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"chauffeur", "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
    {"3 buschauffeurs", "{`count`: 3, `occupation`: `buschauffeur`, `require`: [" BUS "]}"},
    {"2 taxichauffeurs", "{`count`: 2, `occupation`: `taxichauffeur`, `require`: [" TAXI "]}"},
    {"truckers", "{`occupation`: `vrachtwagenchauffeur`, `require`: [" VRACHTWAGEN "]}"},
    {"1 chauffeur vrachtwagen",
     "{`count`: 1, `occupation`: `vrachtwagenchauffeur`, `require`: [" VRACHTWAGEN "]}"},
    {"6 chauffeurs gevaarlijke stoffen",
     "{`count`: 6, `occupation`: `chauffeur-gevaarlijke-stoffen`, `require`: [`@occ`]}"},
    {"10 vrachtwagenchauffeurs in Rotterdam",
     "{`count`: 10, `occupation`: `vrachtwagenchauffeur`, `require`: [" VRACHTWAGEN "], "
     "`in`: [`GM0599`, `Rotterdam`]}"},
    {"5 heftruckchauffeurs met VCA",
     "{`count`: 5, `occupation`: `heftruckchauffeur`, `require`: [" HEFTRUCK ", " VCA "]}"},
    {"chauffeurs binnen 20 km van Utrecht met rijbewijs CE",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", [`licence:CE`]], "
     "`near`: [`GM0344`, `Utrecht`, 20]}"},
    {"chauffeurs met rijbewijs C",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", [`licence:C`]]}"},
    {"chauffeurs met rijbewijs C en code 95",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", [`licence:C`], " CODE95 "]}"},
    {"chauffeurs met code 95",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", " CODE95 "]}"},
    {"chauffeurs met rijbewijs C of CE",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", [`licence:C`, `licence:CE`]]}"},
    {"chauffeurs met rijbewijs C, CE of D in Rotterdam",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", [`licence:C`, `licence:CE`, "
     "`licence:D`]], `in`: [`GM0599`, `Rotterdam`]}"},
    {"chauffeurs met rijbewijs C/CE",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", [`licence:C`, `licence:CE`]]}"},
    {"rijbewijs CE", "{`require`: [[`licence:CE`]]}"},
    {"10 mensen met heftruck", "{`count`: 10, `require`: [" HEFTRUCK "]}"},
    {"8 personen met rijbewijs B en VCA", "{`count`: 8, `require`: [[`licence:B`], " VCA "]}"},
    {"receptionisten met Engels B1",
     "{`occupation`: `receptionist`, `require`: [`@occ`, [`language:en:B1`]]}"},
    {"schoonmakers met Nederlands op niveau 2F",
     "{`occupation`: `schoonmaker`, `require`: [`@occ`, [`language:nl:B1`]]}"},
    {"schoonmakers met Nederlands 1F",
     "{`occupation`: `schoonmaker`, `require`: [`@occ`, [`language:nl:A2`]]}"},
    {"schoonmakers met Engels", "{`occupation`: `schoonmaker`, `require`: [`@occ`, "
                                "[`language:en`]]}"},
    {"heftruckchauffeurs in Súdwest-Fryslân",
     "{`occupation`: `heftruckchauffeur`, `require`: [" HEFTRUCK "], "
     "`in`: [`GM1900`, `Súdwest-Fryslân`]}"},
    {"heftruckchauffeurs in sudwest-fryslan",
     "{`occupation`: `heftruckchauffeur`, `require`: [" HEFTRUCK "], "
     "`in`: [`GM1900`, `Súdwest-Fryslân`]}"},
    {"heftruckchauffeurs in 's-Hertogenbosch",
     "{`occupation`: `heftruckchauffeur`, `require`: [" HEFTRUCK "], "
     "`in`: [`GM0796`, `'s-Hertogenbosch`]}"},
    {"chauffeurs in Den Bosch", "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
                                "`in`: [`GM0796`, `'s-Hertogenbosch`]}"},
    {"2 taxichauffeurs in Den Haag",
     "{`count`: 2, `occupation`: `taxichauffeur`, `require`: [" TAXI "], "
     "`in`: [`GM0518`, `'s-Gravenhage`]}"},
    {"40 chauffeurs in Berg en Dal",
     "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
     "`in`: [`GM1945`, `Berg en Dal`]}"},
    {"chauffeurs binnen 20km van Utrecht",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
     "`near`: [`GM0344`, `Utrecht`, 20]}"},
    {"chauffeurs binnen 20 kilometer van Utrecht",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
     "`near`: [`GM0344`, `Utrecht`, 20]}"},
    {"chauffeurs binnen vijftig km van Rotterdam",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
     "`near`: [`GM0599`, `Rotterdam`, 50]}"},
    {"chauffeurs binnen 7,5 km van Utrecht",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
     "`near`: [`GM0344`, `Utrecht`, 7.5]}"},
    {"chauffeurs in de buurt van Utrecht",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
     "`near`: [`GM0344`, `Utrecht`, 25]}"},
    {"chauffeurs in Rotterdam binnen 30 km van Schiedam",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
     "`in`: [`GM0599`, `Rotterdam`], `near`: [`GM0606`, `Schiedam`, 30]}"},
    {"40 chauffeurs, met rijbewijs C?",
     "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", [`licence:C`]]}"},
    {"ik zoek 40 chauffeurs in Rotterdam",
     "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
     "`in`: [`GM0599`, `Rotterdam`]}"},
    {"Chauffeurs Rotterdam", "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
                             "`in`: [`GM0599`, `Rotterdam`]}"},
    {"chauffeurs met VCA, rijbewijs C en heftruck",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", " VCA ", [`licence:C`], " HEFTRUCK
     "]}"},
    {"vrachtwagenchauffeurs met rijbewijs C en rijbewijs C",
     "{`occupation`: `vrachtwagenchauffeur`, `require`: [" VRACHTWAGEN ", [`licence:C`]]}"},
    {"heftruckchauffeurs met heftruck",
     "{`occupation`: `heftruckchauffeur`, `require`: [" HEFTRUCK "]}"},
    {"heftruckchauffeurs met vca vol",
     "{`occupation`: `heftruckchauffeur`, `require`: [" HEFTRUCK ", [`certificate:vca-vol`]]}"},
    {"chauffeurs met ervaring",
     "{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR ", [`experience:chauffeur`]]}"},
    {"10 mensen met ervaring als heftruckchauffeur",
     "{`count`: 10, `require`: [[`experience:heftruckchauffeur`]]}"},
    {"5 taxichauffeurs met Nederlands B1 in Amsterdam",
     "{`count`: 5, `occupation`: `taxichauffeur`, `require`: [" TAXI ", [`language:nl:B1`]], "
     "`in`: [`GM0363`, `Amsterdam`]}"},
    {"40chauffeurs", "{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR "]}"},
};

START_TEST(test_phrasing)
{
	json_t *errors = json_array();
	json_t *expected = jq(phrasings[_i].expect);
	json_t *query = from_text(phrasings[_i].text, 1000, errors);
	char *problems = json_dumps(errors, JSON_COMPACT);

	ck_assert_msg(query != NULL, "'%s' not understood: %s", phrasings[_i].text, problems);
	ck_assert_uint_eq(json_array_size(errors), 0);
	check_query(query, expected, phrasings[_i].text, phrasings[_i].text);
	free(problems);
	json_decref(query);
	json_decref(expected);
	json_decref(errors);
}
END_TEST

/* The parser alone gives the POST shape plus text, before normalisation. */
START_TEST(test_parser_output_shape)
{
	json_t *errors = json_array();
	json_t *parsed = vd_query_parse_text(
	    tax, places, "10 vrachtwagenchauffeurs in Rotterdam binnen 20 km van Utrecht met VCA",
	    errors);
	json_t *want = jq("{`text`: `10 vrachtwagenchauffeurs in Rotterdam binnen 20 km van "
	                  "Utrecht met VCA`, `count`: 10, `occupation`: `vrachtwagenchauffeur`, "
	                  "`require`: [" VCA "], `in`: `GM0599`, "
	                  "`near`: {`municipality`: `GM0344`, `km`: 20}}");
	char *got;

	ck_assert_ptr_nonnull(parsed);
	got = json_dumps(parsed, JSON_COMPACT);
	ck_assert_msg(json_equal(parsed, want), "got %s", got);
	free(got);
	json_decref(want);
	json_decref(parsed);
	json_decref(errors);
}
END_TEST

/* ---- phrasings that must be refused, with the word and suggestions ---------- */

static const struct {
	const char *text;
	size_t n_errors;
	const char *word;       /* the first error's "word", NULL: none */
	const char *detail;     /* part of the first error's detail */
	const char *suggestion; /* one of the suggestions, NULL: any */
} refusals[] = {
    {"40 astronauten", 1, "astronauten", "not a known occupation", NULL},
    {"40 chauffeurz", 1, "chauffeurz", "not a known occupation", "chauffeur"},
    {"chauffeurs met toverstaf", 1, "toverstaf", "not a known competence", NULL},
    {"chauffeurs met rijbewijs X", 1, "rijbewijs x", "not a known competence", NULL},
    {"chauffeurs in Atlantis", 1, "atlantis", "not a known municipality", NULL},
    {"chauffeurs in Amsterdm", 1, "amsterdm", "not a known municipality", "Amsterdam"},
    {"chauffeurs binnen 20 km van Utrect", 1, "utrect", "not a known municipality", "Utrecht"},
    {"astronauten met toverstaf in Atlantis", 3, "astronauten", "not a known occupation", NULL},
    {"", 1, NULL, "empty", NULL},
    {"   ", 1, NULL, "empty", NULL},
    {"?", 1, NULL, "empty", NULL},
    {"10 mensen", 1, NULL, "say what the people must be or hold", NULL},
    {"in Rotterdam", 1, NULL, "say what the people must be or hold", NULL},
    {"0 chauffeurs", 1, NULL, "at least 1", NULL},
    {"chauffeurs binnen 500 km van Utrecht", 1, NULL, "at most 300", NULL},
    {"chauffeurs binnen km van Utrecht", 1, NULL, "needs a distance", NULL},
    {"chauffeurs met", 1, NULL, "must be followed by a competence", NULL},
    {"chauffeurs met Engels op niveau B3", 1, "b3", "not a language level", "B1"},
    {"chauffeurs en schoonmakers", 1, NULL, "is an occupation; a search names only one", NULL},
    {"chauffeurs in Rotterdam in Utrecht", 1, NULL, "two places", NULL},
    {"mensen met ervaring", 1, NULL, "needs an occupation", NULL},
    {"chauffeurs gisteren", 1, "gisteren", "not understood", NULL},
};

START_TEST(test_refusal)
{
	json_t *errors = json_array();
	json_t *query = from_text(refusals[_i].text, 1000, errors);
	json_t *first = json_array_get(errors, 0);
	const json_t *suggestions = json_object_get(first, "suggestions");
	char *all = json_dumps(errors, JSON_COMPACT);
	size_t i;
	json_t *e;

	ck_assert_msg(query == NULL, "'%s' was accepted", refusals[_i].text);
	ck_assert_msg(json_array_size(errors) == refusals[_i].n_errors, "'%s': errors %s",
	              refusals[_i].text, all);
	json_array_foreach(errors, i, e)
	{
		ck_assert_str_eq(json_string_value(json_object_get(e, "pointer")), "/q");
		ck_assert(json_is_string(json_object_get(e, "detail")));
		/* Every unknown word comes with somewhere to go from it. */
		if (json_object_get(e, "word"))
			ck_assert_msg(json_array_size(json_object_get(e, "suggestions")) > 0,
			              "'%s': no suggestions in %s", refusals[_i].text, all);
	}
	ck_assert_msg(
	    strstr(json_string_value(json_object_get(first, "detail")), refusals[_i].detail),
	    "'%s': detail %s", refusals[_i].text, all);
	if (refusals[_i].word)
		ck_assert_str_eq(json_string_value(json_object_get(first, "word")),
		                 refusals[_i].word);
	else
		ck_assert_ptr_null(json_object_get(first, "word"));
	if (refusals[_i].suggestion) {
		bool found = false;

		json_array_foreach(suggestions, i, e) found =
		    found || strcmp(json_string_value(e), refusals[_i].suggestion) == 0 ||
		    strncmp(json_string_value(e), refusals[_i].suggestion,
		            strlen(refusals[_i].suggestion)) == 0;
		ck_assert_msg(found, "'%s': %s not among suggestions %s", refusals[_i].text,
		              refusals[_i].suggestion, all);
	}
	free(all);
	json_decref(errors);
}
END_TEST

START_TEST(test_unknown_word_message)
{
	json_t *errors = json_array();
	const char *detail;

	ck_assert_ptr_null(from_text("40 astronauten", 1000, errors));
	detail = json_string_value(json_object_get(json_array_get(errors, 0), "detail"));
	ck_assert_msg(
	    strncmp(detail, "'astronauten' is not a known occupation (did you mean: ", 55) == 0,
	    "detail: %s", detail);
	json_decref(errors);
}
END_TEST

START_TEST(test_text_count_lowered)
{
	json_t *errors = json_array();
	json_t *query = from_text("5000 chauffeurs", 1000, errors);
	json_t *expected = jq("{`count`: 1000, `count_lowered_from`: 5000, `occupation`: "
	                      "`chauffeur`, `require`: [" CHAUFFEUR "]}");

	check_query(query, expected, "5000 chauffeurs", "5000 chauffeurs");
	json_decref(query);
	json_decref(expected);
	json_decref(errors);
}
END_TEST

START_TEST(test_text_invalid_utf8)
{
	json_t *errors = json_array();

	ck_assert_ptr_null(vd_query_parse_text(tax, places, "40 chauffeurs \xff\xfe", errors));
	ck_assert_uint_eq(json_array_size(errors), 1);
	json_decref(errors);
}
END_TEST

/* ---- the structured body --------------------------------------------------- */

/* Normalises body (JSON with `), expecting success. New reference. */
static json_t *
normalise_ok(const char *body_text, int max_count)
{
	json_t *body = jq(body_text);
	json_t *errors = json_array();
	json_t *query = vd_query_normalise(tax, places, body, max_count, errors);
	char *all = json_dumps(errors, JSON_COMPACT);

	ck_assert_msg(query != NULL, "%s refused: %s", body_text, all);
	ck_assert_uint_eq(json_array_size(errors), 0);
	free(all);
	json_decref(errors);
	json_decref(body);
	return query;
}

/* Normalises body expecting refusal; returns the new errors array. */
static json_t *
normalise_bad(const char *body_text)
{
	json_t *body = jq(body_text);
	json_t *errors = json_array();
	json_t *query = vd_query_normalise(tax, places, body, 1000, errors);

	ck_assert_msg(query == NULL, "%s accepted", body_text);
	ck_assert_uint_gt(json_array_size(errors), 0);
	json_decref(body);
	return errors;
}

static bool
has_pointer(const json_t *errors, const char *pointer)
{
	size_t i;
	json_t *e;

	json_array_foreach(errors, i,
	                   e) if (strcmp(json_string_value(json_object_get(e, "pointer")),
	                                 pointer) == 0) return true;
	return false;
}

START_TEST(test_body_api_example)
{
	json_t *query = normalise_ok("{`count`: 40, `occupation`: `chauffeur`, `require`: "
	                             "[[`licence:C`, `licence:CE`], [`language:nl:B1`]], "
	                             "`prefer`: [`experience:chauffeur`, `certificate:vca-basis`], "
	                             "`near`: {`municipality`: `Rotterdam`, `km`: 25}}",
	                             1000);
	json_t *expected = jq("{`count`: 40, `occupation`: `chauffeur`, `require`: [" CHAUFFEUR
	                      ", [`licence:C`, `licence:CE`], [`language:nl:B1`]], "
	                      "`prefer`: [`experience:chauffeur`, `certificate:vca-basis`], "
	                      "`near`: [`GM0599`, `Rotterdam`, 25]}");

	check_query(query, expected, NULL, "API.md example");
	/* API.md: the chauffeur's own preference comes first, and only once. */
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(query, "prefer"), 0)),
	                 "experience:chauffeur");
	json_decref(query);
	json_decref(expected);
}
END_TEST

START_TEST(test_body_count)
{
	json_t *query = normalise_ok("{`occupation`: `chauffeur`}", 1000);

	ck_assert_int_eq(json_integer_value(json_object_get(query, "count")), 10);
	ck_assert_ptr_null(json_object_get(query, "count_lowered_from"));
	json_decref(query);

	query = normalise_ok("{`occupation`: `chauffeur`, `count`: 5000}", 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(query, "count")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(query, "count_lowered_from")), 5000);
	json_decref(query);

	query = normalise_ok("{`occupation`: `chauffeur`, `count`: 1000}", 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(query, "count")), 1000);
	ck_assert_ptr_null(json_object_get(query, "count_lowered_from"));
	json_decref(query);

	query = normalise_ok("{`occupation`: `chauffeur`, `count`: 1}", 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(query, "count")), 1);
	json_decref(query);
}
END_TEST

START_TEST(test_body_terms_normalised)
{
	json_t *query = normalise_ok("{`require`: [[`language:nl:2F`], [`language:NL:b1`, "
	                             "`language:nl:B1`], [`licence:ce`, `license:C`], "
	                             "[`language:nl:1F`], [`language:nl:4f`]], "
	                             "`prefer`: [`language:en:3F`]}",
	                             1000);
	json_t *want = jq("[[`language:nl:B1`], [`licence:CE`, `licence:C`], [`language:nl:A2`], "
	                  "[`language:nl:C1`]]");
	char *got = json_dumps(json_object_get(query, "require"), JSON_COMPACT);

	/* 2F is B1, so the first two groups are one. */
	ck_assert_msg(json_equal(json_object_get(query, "require"), want), "require %s", got);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(query, "prefer"), 0)),
	                 "language:en:B2");
	free(got);
	json_decref(want);
	json_decref(query);
}
END_TEST

START_TEST(test_body_groups_collapsed)
{
	json_t *query = normalise_ok("{`occupation`: `vrachtwagenchauffeur`, `require`: "
	                             "[[`code95:CE`, `code95:C`], [`licence:C`, `licence:C`], "
	                             "[`licence:C`], `certificate:adr`], "
	                             "`prefer`: [`experience:vrachtwagenchauffeur`, "
	                             "`certificate:adr`, `certificate:adr`]}",
	                             1000);
	json_t *expected = jq("{`occupation`: `vrachtwagenchauffeur`, `require`: [" VRACHTWAGEN
	                      ", [`licence:C`], [`certificate:adr`]], "
	                      "`prefer`: [`certificate:adr`]}");

	check_query(query, expected, NULL, "collapsed");
	json_decref(query);
	json_decref(expected);
}
END_TEST

START_TEST(test_body_occupation_forms)
{
	const vd_occupation_t *occ = vd_taxonomy_occupation(tax, "vrachtwagenchauffeur");
	json_t *body, *errors = json_array(), *query;

	ck_assert_ptr_nonnull(occ->esco_uri);
	body = json_pack("{s:s}", "occupation", occ->esco_uri);
	query = vd_query_normalise(tax, places, body, 1000, errors);
	ck_assert_ptr_nonnull(query);
	ck_assert_str_eq(json_string_value(json_object_get(query, "occupation")),
	                 "vrachtwagenchauffeur");
	json_decref(query);
	json_decref(body);

	query = normalise_ok("{`occupation`: `Heftruckchauffeurs`}", 1000);
	ck_assert_str_eq(json_string_value(json_object_get(query, "occupation")),
	                 "heftruckchauffeur");
	json_decref(query);
	json_decref(errors);
}
END_TEST

START_TEST(test_body_places)
{
	json_t *query = normalise_ok("{`occupation`: `chauffeur`, `in`: `GM0599`, "
	                             "`near`: {`municipality`: `Den Haag`, `km`: 12.5}}",
	                             1000);
	json_t *expected = jq("{`occupation`: `chauffeur`, `require`: [" CHAUFFEUR "], "
	                      "`in`: [`GM0599`, `Rotterdam`], "
	                      "`near`: [`GM0518`, `'s-Gravenhage`, 12.5]}");

	check_query(query, expected, NULL, "places");
	json_decref(query);
	json_decref(expected);
}
END_TEST

/* The parser's output is itself a valid body; "text" travels through. */
START_TEST(test_body_text_carried)
{
	json_t *query =
	    normalise_ok("{`text`: `vca`, `require`: [[`certificate:vca-basis`]]}", 1000);

	ck_assert_str_eq(json_string_value(json_object_get(query, "text")), "vca");
	json_decref(query);
}
END_TEST

START_TEST(test_body_unknown_fields)
{
	json_t *errors =
	    normalise_bad("{`occupation`: `chauffeur`, `foo`: 1, `a/b`: 2, "
	                  "`near`: {`municipality`: `Utrecht`, `km`: 5, `radius`: 3}}");

	ck_assert_uint_eq(json_array_size(errors), 3);
	ck_assert(has_pointer(errors, "/foo"));
	ck_assert(has_pointer(errors, "/a~1b"));
	ck_assert(has_pointer(errors, "/near/radius"));
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(json_array_get(errors, 0), "detail")), "foo"));
	json_decref(errors);
}
END_TEST

static const struct {
	const char *body;
	const char *pointer;
	bool suggestions;
} bad_bodies[] = {
    {"[]", "", false},
    {"`40 chauffeurs`", "", false},
    {"{}", "", false},
    {"{`count`: 5}", "", false},
    {"{`occupation`: `chauffeur`, `count`: `40`}", "/count", false},
    {"{`occupation`: `chauffeur`, `count`: 0}", "/count", false},
    {"{`occupation`: `chauffeur`, `count`: -3}", "/count", false},
    {"{`occupation`: `chauffeur`, `count`: 2.5}", "/count", false},
    {"{`occupation`: 42}", "/occupation", false},
    {"{`occupation`: `astronaut`}", "/occupation", true},
    {"{`require`: `licence:B`}", "/require", false},
    {"{`require`: [[]]}", "/require/0", false},
    {"{`require`: [[`licence:B`], []]}", "/require/1", false},
    {"{`require`: [[`licence:B`, 7]]}", "/require/0/1", false},
    {"{`require`: [{`licence`: `B`}]}", "/require/0", false},
    {"{`require`: [[`licence:Z`]]}", "/require/0/0", true},
    {"{`require`: [[`certificate:vca`]]}", "/require/0/0", true},
    {"{`require`: [[`skill:toveren`]]}", "/require/0/0", true},
    {"{`require`: [[`language:xx:B1`]]}", "/require/0/0", true},
    {"{`require`: [[`language:nl:B3`]]}", "/require/0/0", true},
    {"{`require`: [[`experience:astronaut`]]}", "/require/0/0", true},
    {"{`require`: [[`diploma:mbo2`]]}", "/require/0/0", true},
    {"{`require`: [[`VCA`]]}", "/require/0/0", true},
    {"{`occupation`: `chauffeur`, `prefer`: `experience:chauffeur`}", "/prefer", false},
    {"{`occupation`: `chauffeur`, `prefer`: [[`licence:B`]]}", "/prefer/0", false},
    {"{`occupation`: `chauffeur`, `prefer`: [`certificate:toverstaf`]}", "/prefer/0", true},
    {"{`occupation`: `chauffeur`, `in`: `Atlantis`}", "/in", true},
    {"{`occupation`: `chauffeur`, `in`: 599}", "/in", false},
    {"{`occupation`: `chauffeur`, `near`: `Utrecht`}", "/near", false},
    {"{`occupation`: `chauffeur`, `near`: {`municipality`: `Utrecht`}}", "/near/km", false},
    {"{`occupation`: `chauffeur`, `near`: {`km`: 20}}", "/near/municipality", false},
    {"{`occupation`: `chauffeur`, `near`: {`municipality`: `Utrecht`, `km`: 0}}", "/near/km",
     false},
    {"{`occupation`: `chauffeur`, `near`: {`municipality`: `Utrecht`, `km`: 301}}", "/near/km",
     false},
    {"{`occupation`: `chauffeur`, `near`: {`municipality`: `Utrecht`, `km`: `20`}}", "/near/km",
     false},
    {"{`occupation`: `chauffeur`, `near`: {`municipality`: `Utrect`, `km`: 20}}",
     "/near/municipality", true},
    {"{`occupation`: `chauffeur`, `text`: 40}", "/text", false},
};

START_TEST(test_body_refused)
{
	json_t *errors = normalise_bad(bad_bodies[_i].body);
	json_t *e = json_array_get(errors, 0);
	char *all = json_dumps(errors, JSON_COMPACT);

	ck_assert_msg(has_pointer(errors, bad_bodies[_i].pointer), "%s: errors %s",
	              bad_bodies[_i].body, all);
	ck_assert(json_is_string(json_object_get(e, "detail")));
	if (bad_bodies[_i].suggestions)
		ck_assert_msg(json_array_size(json_object_get(e, "suggestions")) > 0,
		              "%s: no suggestions in %s", bad_bodies[_i].body, all);
	free(all);
	json_decref(errors);
}
END_TEST

START_TEST(test_body_term_suggestions)
{
	json_t *errors = normalise_bad("{`require`: [[`certificate:vca`]]}");
	const json_t *s = json_object_get(json_array_get(errors, 0), "suggestions");
	bool basis = false;
	size_t i;
	json_t *v;

	json_array_foreach(s, i, v) basis =
	    basis || strcmp(json_string_value(v), "certificate:vca-basis") == 0;
	ck_assert_msg(basis, "certificate:vca-basis not suggested");
	json_decref(errors);

	errors = normalise_bad("{`require`: [[`VCA`]]}");
	s = json_object_get(json_array_get(errors, 0), "suggestions");
	ck_assert_str_eq(json_string_value(json_array_get(s, 0)), "certificate:vca-basis");
	ck_assert_str_eq(json_string_value(json_array_get(s, 1)), "certificate:vca-vol");
	json_decref(errors);
}
END_TEST

/* A body with several mistakes gets all of them, not only the first. */
START_TEST(test_body_all_errors)
{
	json_t *errors = normalise_bad("{`count`: 0, `occupation`: `astronaut`, `require`: "
	                               "[[`licence:Z`]], `in`: `Atlantis`}");

	ck_assert_uint_eq(json_array_size(errors), 4);
	ck_assert(has_pointer(errors, "/count"));
	ck_assert(has_pointer(errors, "/occupation"));
	ck_assert(has_pointer(errors, "/require/0/0"));
	ck_assert(has_pointer(errors, "/in"));
	json_decref(errors);
}
END_TEST

static Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	struct {
		const char *name;
		const TTest *test;
		int n;
	} cases[] = {
	    {"phrasings", test_phrasing, sizeof(phrasings) / sizeof(*phrasings)},
	    {"parser_output", test_parser_output_shape, 1},
	    {"refusals", test_refusal, sizeof(refusals) / sizeof(*refusals)},
	    {"unknown_word_message", test_unknown_word_message, 1},
	    {"text_count_lowered", test_text_count_lowered, 1},
	    {"text_invalid_utf8", test_text_invalid_utf8, 1},
	    {"body_api_example", test_body_api_example, 1},
	    {"body_count", test_body_count, 1},
	    {"body_terms_normalised", test_body_terms_normalised, 1},
	    {"body_groups_collapsed", test_body_groups_collapsed, 1},
	    {"body_occupation_forms", test_body_occupation_forms, 1},
	    {"body_places", test_body_places, 1},
	    {"body_text_carried", test_body_text_carried, 1},
	    {"body_unknown_fields", test_body_unknown_fields, 1},
	    {"body_refused", test_body_refused, sizeof(bad_bodies) / sizeof(*bad_bodies)},
	    {"body_term_suggestions", test_body_term_suggestions, 1},
	    {"body_all_errors", test_body_all_errors, 1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_loop_test(tc, cases[i].test, 0, cases[i].n);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(query_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

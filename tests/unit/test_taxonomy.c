/* The taxonomy as shipped in data/: the requirements clients rely on, the
 * look-ups the query parser makes, and the refusal of broken data files. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taxonomy.h"

static vd_taxonomy_t *tax;

static void
load_real(void)
{
	char *error = NULL;
	vd_status_t st = vd_taxonomy_load(VD_TEST_DATADIR, &tax, &error);

	ck_assert_msg(st == VD_OK, "load failed: %s", error ? error : "(no message)");
	ck_assert_ptr_null(error);
	ck_assert_ptr_nonnull(tax);
}

static void
free_real(void)
{
	vd_taxonomy_free(tax);
	tax = NULL;
}

/* Asserts that the occupation's hard requirements are exactly groups, written
 * as "licence:B licence:C|certificate:x" (groups split by '|'). */
static void
assert_require(const char *code, const char *groups)
{
	const vd_occupation_t *o = vd_taxonomy_occupation(tax, code);
	char buf[512], *save = NULL, *group;
	size_t g = 0;

	ck_assert_msg(o != NULL, "occupation %s is missing", code);
	snprintf(buf, sizeof(buf), "%s", groups);
	for (group = strtok_r(buf, "|", &save); group; group = strtok_r(NULL, "|", &save), g++) {
		char *tsave = NULL, *term;
		size_t t = 0;

		ck_assert_msg(g < o->n_require, "%s has too few require groups", code);
		for (term = strtok_r(group, " ", &tsave); term;
		     term = strtok_r(NULL, " ", &tsave), t++) {
			ck_assert_msg(t < o->require[g].n, "%s group %zu is too short", code, g);
			ck_assert_str_eq(o->require[g].v[t], term);
		}
		ck_assert_msg(t == o->require[g].n, "%s group %zu is too long", code, g);
	}
	ck_assert_msg(g == o->n_require, "%s has %zu groups, expected %zu", code, o->n_require, g);
}

START_TEST(contract_requirements_hold_exactly)
{
	assert_require("chauffeur",
	               "licence:B licence:C1 licence:C licence:CE licence:D1 licence:D");
	assert_require("vrachtwagenchauffeur", "code95:C code95:CE");
	assert_require("buschauffeur", "code95:D");
	assert_require("taxichauffeur", "licence:B|certificate:chauffeurskaart");
	assert_require("heftruckchauffeur", "certificate:heftruck");
	assert_require("beveiliger", "certificate:beveiliging");
	assert_require("schoonmaker", "");
	assert_require("magazijnmedewerker", "");
}
END_TEST

START_TEST(required_codes_exist)
{
	static const char *const codes[] = {
	    "chauffeur",     "vrachtwagenchauffeur", "buschauffeur",
	    "taxichauffeur", "heftruckchauffeur",    "magazijnmedewerker",
	    "orderpicker",   "schoonmaker",          "kok",
	    "verkoper",      "productiemedewerker",  "beveiliger",
	    "bezorger"};

	for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++)
		ck_assert_msg(vd_taxonomy_occupation(tax, codes[i]) != NULL, "missing %s",
		              codes[i]);
	ck_assert_ptr_null(vd_taxonomy_occupation(tax, "astronaut"));
	ck_assert_uint_ge(vd_taxonomy_n_occupations(tax), 60);
}
END_TEST

/* The folded word finds o. */
static void
assert_word(const vd_occupation_t *o, const char *word)
{
	char *folded = vd_fold(word);

	ck_assert_msg(vd_taxonomy_occupation_by_words(tax, folded) == o, "'%s' does not find %s",
	              folded, o->code);
	free(folded);
}

START_TEST(every_occupation_is_complete)
{
	for (size_t i = 0; i < vd_taxonomy_n_occupations(tax); i++) {
		const vd_occupation_t *o = vd_taxonomy_occupation_at(tax, i);
		char own[128];
		bool has_own = false;

		snprintf(own, sizeof(own), "experience:%s", o->code);
		ck_assert_msg(o->prefer.n >= 1, "%s prefers nothing", o->code);
		for (size_t t = 0; t < o->prefer.n; t++) {
			ck_assert_msg(vd_taxonomy_term_valid(tax, o->prefer.v[t]), "%s: %s",
			              o->code, o->prefer.v[t]);
			has_own |= strcmp(o->prefer.v[t], own) == 0;
		}
		ck_assert_msg(has_own, "%s does not prefer its own experience", o->code);
		for (size_t g = 0; g < o->n_require; g++) {
			ck_assert_uint_ge(o->require[g].n, 1);
			for (size_t t = 0; t < o->require[g].n; t++)
				ck_assert(vd_taxonomy_term_valid(tax, o->require[g].v[t]));
		}
		ck_assert_ptr_nonnull(o->label);
		ck_assert_ptr_nonnull(o->plural);
		ck_assert_ptr_nonnull(o->sector);
		ck_assert_msg(o->dutch_level != NULL, "%s has no Dutch level", o->code);
		ck_assert_msg(!o->isco || strlen(o->isco) == 4, "%s: isco %s", o->code, o->isco);
		ck_assert(json_is_object(o->json));
		ck_assert_str_eq(json_string_value(json_object_get(o->json, "code")), o->code);
		ck_assert_ptr_nonnull(json_object_get(o->json, "source"));
		ck_assert_ptr_nonnull(json_object_get(o->json, "esco_uri"));
		assert_word(o, o->label);
		assert_word(o, o->plural);
		assert_word(o, o->code);
		for (size_t s = 0; s < o->synonyms.n; s++)
			assert_word(o, o->synonyms.v[s]);
	}
}
END_TEST

START_TEST(occupation_by_words_and_uri)
{
	const vd_occupation_t *o;
	char *w;

	ck_assert_str_eq(vd_taxonomy_occupation_by_words(tax, "chauffeurs")->code, "chauffeur");
	ck_assert_str_eq(vd_taxonomy_occupation_by_words(tax, "chauffeur vrachtwagen")->code,
	                 "vrachtwagenchauffeur");
	ck_assert_str_eq(vd_taxonomy_occupation_by_words(tax, "schoonmaakster")->code,
	                 "schoonmaker");
	ck_assert_str_eq(vd_taxonomy_occupation_by_words(tax, "heftruckchauffeurs")->code,
	                 "heftruckchauffeur");
	ck_assert_ptr_null(vd_taxonomy_occupation_by_words(tax, "astronauten"));

	w = vd_fold("Schoonmaaksters");
	ck_assert_str_eq(vd_taxonomy_occupation_by_words(tax, w)->code, "schoonmaker");
	free(w);
	w = vd_fold("CHAUFFEURS");
	ck_assert_str_eq(vd_taxonomy_occupation_by_words(tax, w)->code, "chauffeur");
	free(w);
	w = vd_fold("Caissières");
	ck_assert_str_eq(vd_taxonomy_occupation_by_words(tax, w)->code, "kassamedewerker");
	free(w);
	/* A label with a diaeresis, handed in unfolded, is folded on the way. */
	ck_assert_str_eq(vd_taxonomy_occupation_by_words(tax, "conciërges")->code, "concierge");

	o = vd_taxonomy_occupation(
	    tax, "http://data.europa.eu/esco/occupation/45037d43-a8f5-4f46-b332-b2935bc305f4");
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o->code, "vrachtwagenchauffeur");
	ck_assert_str_eq(o->isco, "8332");
	o = vd_taxonomy_occupation(tax, "chauffeur");
	ck_assert_ptr_null(o->esco_uri);
}
END_TEST

START_TEST(fold_lowers_strips_and_collapses)
{
	static const char *const cases[][2] = {
	    {"  Éé  Ïk\tBEN\n ", "ee ik ben"},
	    {"ÀÁÂÄàáâä ÈÉÊËèéêë", "aaaaaaaa eeeeeeee"},
	    {"ÌÍÎÏìíîï ÒÓÔÖòóôö ÙÚÛÜùúûü", "iiiiiiii oooooooo uuuuuuuu"},
	    {"Çç Ññ", "cc nn"},
	    {"Oekraïens", "oekraiens"},
	    {"code\xc2\xa0"
	     "95",
	     "code 95"},
	    {"ab€c", "ab€c"}, /* other bytes are kept */
	    {"", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *f = vd_fold(cases[i][0]);
		ck_assert_str_eq(f, cases[i][1]);
		free(f);
	}
	ck_assert_ptr_null(vd_fold(NULL));
}
END_TEST

START_TEST(phrases_stand_for_groups)
{
	const vd_strv_t *g;

	g = vd_taxonomy_competence_by_words(tax, "vca");
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->n, 2);
	ck_assert_str_eq(g->v[0], "certificate:vca-basis");
	ck_assert_str_eq(g->v[1], "certificate:vca-vol");

	g = vd_taxonomy_competence_by_words(tax, "rijbewijs c");
	ck_assert_uint_eq(g->n, 1);
	ck_assert_str_eq(g->v[0], "licence:C");
	g = vd_taxonomy_competence_by_words(tax, "rijbewijs ce");
	ck_assert_str_eq(g->v[0], "licence:CE");

	g = vd_taxonomy_competence_by_words(tax, "code 95");
	ck_assert_uint_eq(g->n, 8);
	for (size_t i = 0; i < g->n; i++)
		ck_assert(strncmp(g->v[i], "code95:", 7) == 0);
	ck_assert_uint_eq(vd_taxonomy_competence_by_words(tax, "code95")->n, 8);

	g = vd_taxonomy_competence_by_words(tax, "heftruckcertificaat");
	ck_assert_uint_eq(g->n, 1);
	ck_assert_str_eq(g->v[0], "certificate:heftruck");
	ck_assert_str_eq(vd_taxonomy_competence_by_words(tax, "heftruck")->v[0],
	                 "certificate:heftruck");
	ck_assert_str_eq(vd_taxonomy_competence_by_words(tax, "klantgericht")->v[0],
	                 "skill:klantgericht");
	ck_assert_str_eq(vd_taxonomy_competence_by_words(tax, "engels")->v[0], "language:en");
	ck_assert_str_eq(vd_taxonomy_competence_by_words(tax, "oekraiens")->v[0], "language:uk");
	ck_assert_str_eq(vd_taxonomy_competence_by_words(tax, "vol-vca")->v[0],
	                 "certificate:vca-vol");
	/* Language codes are Dutch words too: "en" is no phrase. */
	ck_assert_ptr_null(vd_taxonomy_competence_by_words(tax, "en"));
	ck_assert_ptr_null(vd_taxonomy_competence_by_words(tax, "de"));
	ck_assert_ptr_null(vd_taxonomy_competence_by_words(tax, "astronaut"));
}
END_TEST

START_TEST(terms_are_validated)
{
	static const char *const good[] = {"licence:B",
	                                   "licence:DE",
	                                   "code95:CE",
	                                   "code95:D1E",
	                                   "language:nl",
	                                   "language:nl:B1",
	                                   "language:nl:2F",
	                                   "language:en:C2",
	                                   "certificate:vca-basis",
	                                   "certificate:chauffeurskaart",
	                                   "skill:klantgericht",
	                                   "experience:chauffeur"};
	static const char *const bad[] = {"licence:Q",
	                                  "licence:b",
	                                  "licence:",
	                                  "code95:B",
	                                  "code95:AM",
	                                  "language:xx",
	                                  "language:en:2F",
	                                  "language:nl:D1",
	                                  "language:nl:",
	                                  "language:nld",
	                                  "certificate:vca",
	                                  "skill:astronaut",
	                                  "experience:astronaut",
	                                  "vca",
	                                  "",
	                                  "bogus:B"};

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		ck_assert_msg(vd_taxonomy_term_valid(tax, good[i]), "refused %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(!vd_taxonomy_term_valid(tax, bad[i]), "accepted %s", bad[i]);
}
END_TEST

START_TEST(competences_are_complete)
{
	static const char *const licences[] = {"AM",  "A1", "A2", "A",  "B",   "BE", "C1",
	                                       "C1E", "C",  "CE", "D1", "D1E", "D",  "DE"};
	static const char *const certs[] = {"chauffeurskaart", "vca-basis", "vca-vol",
	                                    "vca-vil",         "heftruck",  "reachtruck",
	                                    "hoogwerker",      "bhv",       "haccp",
	                                    "beveiliging",     "ehbo",      "sociale-hygiene"};
	const vd_competence_t *c;
	size_t n_licences = 0, n_certs = 0, n_skills = 0, n_langs = 0;

	for (size_t i = 0; i < sizeof(licences) / sizeof(*licences); i++) {
		bool pro = i >= 6;
		c = vd_taxonomy_competence(tax, VD_KIND_LICENCE, licences[i]);
		ck_assert_msg(c != NULL, "licence %s missing", licences[i]);
		ck_assert_msg(json_is_true(json_object_get(c->json, "code95")) == pro, "%s code95",
		              licences[i]);
	}
	for (size_t i = 0; i < sizeof(certs) / sizeof(*certs); i++)
		ck_assert_msg(vd_taxonomy_competence(tax, VD_KIND_CERTIFICATE, certs[i]) != NULL,
		              "certificate %s missing", certs[i]);
	c = vd_taxonomy_competence(tax, VD_KIND_CERTIFICATE, "chauffeurskaart");
	ck_assert_int_eq(json_integer_value(json_object_get(c->json, "valid_years")), 5);
	ck_assert_str_eq(json_string_value(json_object_get(c->json, "kind")), "certificate");
	c = vd_taxonomy_competence(tax, VD_KIND_LANGUAGE, "nl");
	ck_assert_str_eq(c->label, "Nederlands");
	ck_assert_str_eq(json_string_value(json_object_get(c->json, "kind")), "language");

	for (size_t i = 0; i < vd_taxonomy_n_competences(tax); i++) {
		c = vd_taxonomy_competence_at(tax, i);
		n_licences += c->kind == VD_KIND_LICENCE;
		n_certs += c->kind == VD_KIND_CERTIFICATE;
		n_skills += c->kind == VD_KIND_SKILL;
		n_langs += c->kind == VD_KIND_LANGUAGE;
		ck_assert_ptr_eq(vd_taxonomy_competence(tax, c->kind, c->code), c);
	}
	ck_assert_uint_eq(n_licences, 14);
	ck_assert_uint_ge(n_certs, 20);
	ck_assert_uint_ge(n_skills, 30);
	ck_assert_uint_ge(n_langs, 40);
}
END_TEST

START_TEST(suggestions_are_never_empty)
{
	const char *out[5];
	size_t n;

	n = vd_taxonomy_suggest(tax, VD_SUGGEST_OCCUPATION, "astronauten", out, 5);
	ck_assert_uint_eq(n, 5);
	n = vd_taxonomy_suggest(tax, VD_SUGGEST_OCCUPATION, "chaufeurs", out, 5);
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(out[0], "chauffeur");
	ck_assert_ptr_nonnull(vd_taxonomy_occupation_by_words(tax, out[0]));
	n = vd_taxonomy_suggest(tax, VD_SUGGEST_OCCUPATION, "Schoonmakrs", out, 5);
	ck_assert_str_eq(out[0], "schoonmaker");

	n = vd_taxonomy_suggest(tax, VD_SUGGEST_COMPETENCE, "astronauten", out, 5);
	ck_assert_uint_eq(n, 5);
	n = vd_taxonomy_suggest(tax, VD_SUGGEST_COMPETENCE, "heftruk", out, 5);
	ck_assert_str_eq(out[0], "heftruck");
	ck_assert_ptr_nonnull(vd_taxonomy_competence_by_words(tax, out[0]));

	n = vd_taxonomy_suggest(tax, VD_SUGGEST_CERTIFICATE, "vca-basic", out, 5);
	ck_assert_str_eq(out[0], "vca-basis");
	n = vd_taxonomy_suggest(tax, VD_SUGGEST_SKILL, "klantgerict", out, 5);
	ck_assert_str_eq(out[0], "klantgericht");
	n = vd_taxonomy_suggest(tax, VD_SUGGEST_LANGUAGE, "Engles", out, 5);
	ck_assert_str_eq(out[0], "en");
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_nonnull(vd_taxonomy_competence(tax, VD_KIND_LANGUAGE, out[i]));
	/* Fewer wanted than known: exactly as many as wanted. */
	ck_assert_uint_eq(vd_taxonomy_suggest(tax, VD_SUGGEST_SKILL, "x", out, 2), 2);
}
END_TEST

/* --- broken copies -------------------------------------------------------- */

static char tmpdir[64];

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vd-taxonomy-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
remove_tmpdir(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/competences.json", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/occupations.json", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

/* Writes json (stolen) as tmpdir/name. */
static void
write_json(const char *name, json_t *json)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_int_eq(json_dump_file(json, path, JSON_INDENT(1)), 0);
	json_decref(json);
}

static json_t *
read_real(const char *name)
{
	char path[512];
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", VD_TEST_DATADIR, name);
	j = json_load_file(path, 0, NULL);
	ck_assert_ptr_nonnull(j);
	return j;
}

static json_t *
find_occupation(json_t *root, const char *code)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(root, "occupations"), i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "code")), code) == 0)
			return o;
	}
	ck_abort_msg("no occupation %s", code);
	return NULL;
}

/* Loads tmpdir; expects status and an error that contains each of needles. */
static void
expect_refusal(vd_status_t want, const char *n1, const char *n2, const char *n3)
{
	vd_taxonomy_t *t = NULL;
	char *error = NULL;
	vd_status_t st = vd_taxonomy_load(tmpdir, &t, &error);

	ck_assert_msg(st == want, "status %d, want %d (%s)", st, want, error ? error : "");
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(!n1 || strstr(error, n1), "'%s' lacks '%s'", error, n1);
	ck_assert_msg(!n2 || strstr(error, n2), "'%s' lacks '%s'", error, n2);
	ck_assert_msg(!n3 || strstr(error, n3), "'%s' lacks '%s'", error, n3);
	free(error);
}

START_TEST(refuses_a_word_naming_two_occupations)
{
	json_t *occ = read_real("occupations.json");

	json_array_append_new(json_object_get(find_occupation(occ, "kok"), "synonyms"),
	                      json_string("Chauffeurs"));
	write_json("competences.json", read_real("competences.json"));
	write_json("occupations.json", occ);
	expect_refusal(VD_ERR_INVALID, "occupations.json: ", "'chauffeurs'", "'kok'");
}
END_TEST

START_TEST(refuses_an_unknown_term)
{
	json_t *occ = read_real("occupations.json");

	json_array_append_new(json_object_get(find_occupation(occ, "kok"), "prefer"),
	                      json_string("licence:Q"));
	write_json("competences.json", read_real("competences.json"));
	write_json("occupations.json", occ);
	expect_refusal(VD_ERR_INVALID, "occupations.json: occupation 'kok'",
	               "unknown term 'licence:Q'", NULL);
}
END_TEST

START_TEST(refuses_an_unknown_experience_in_require)
{
	json_t *occ = read_real("occupations.json");

	json_array_append_new(json_object_get(find_occupation(occ, "verkoper"), "require"),
	                      json_pack("[s]", "experience:astronaut"));
	write_json("competences.json", read_real("competences.json"));
	write_json("occupations.json", occ);
	expect_refusal(VD_ERR_INVALID, "occupation 'verkoper'", "'experience:astronaut'", NULL);
}
END_TEST

START_TEST(refuses_bad_json)
{
	char path[128];
	FILE *f;

	write_json("competences.json", read_real("competences.json"));
	snprintf(path, sizeof(path), "%s/occupations.json", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"occupations\": [{\"code\": \"kok\",", f);
	fclose(f);
	expect_refusal(VD_ERR_INVALID, "occupations.json: line", NULL, NULL);
}
END_TEST

START_TEST(refuses_a_phrase_with_an_unknown_term)
{
	json_t *comp = read_real("competences.json");

	json_array_append_new(
	    json_object_get(comp, "phrases"),
	    json_pack("{s:s,s:[s]}", "words", "ruimtepak", "any_of", "certificate:ruimtepak"));
	write_json("competences.json", comp);
	write_json("occupations.json", read_real("occupations.json"));
	expect_refusal(VD_ERR_INVALID, "competences.json: phrase 'ruimtepak'",
	               "'certificate:ruimtepak'", NULL);
}
END_TEST

START_TEST(refuses_one_word_for_two_competences)
{
	json_t *comp = read_real("competences.json");
	json_t *skill = json_array_get(json_object_get(comp, "skills"), 0);

	/* A skill labelled like a certificate's code, without a listed phrase to decide. */
	json_object_set_new(skill, "label", json_string("EPT"));
	write_json("competences.json", comp);
	write_json("occupations.json", read_real("occupations.json"));
	expect_refusal(VD_ERR_INVALID, "'ept' names both", "certificate:ept", NULL);
}
END_TEST

START_TEST(refuses_a_missing_directory)
{
	vd_taxonomy_t *t = NULL;
	char *error = NULL;

	ck_assert_int_eq(vd_taxonomy_load("/nonexistent/vaardig", &t, &error), VD_ERR_IO);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(strstr(error, "/nonexistent/vaardig/competences.json"));
	free(error);
}
END_TEST

static Suite *
taxonomy_suite(void)
{
	Suite *s = suite_create("taxonomy");
	TCase *tc;

	tc = tcase_create("contract");
	tcase_add_checked_fixture(tc, load_real, free_real);
	tcase_add_test(tc, contract_requirements_hold_exactly);
	tcase_add_test(tc, required_codes_exist);
	tcase_add_test(tc, every_occupation_is_complete);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_checked_fixture(tc, load_real, free_real);
	tcase_add_test(tc, occupation_by_words_and_uri);
	tcase_add_test(tc, phrases_stand_for_groups);
	tcase_add_test(tc, terms_are_validated);
	tcase_add_test(tc, competences_are_complete);
	suite_add_tcase(s, tc);

	tc = tcase_create("fold");
	tcase_add_test(tc, fold_lowers_strips_and_collapses);
	suite_add_tcase(s, tc);

	tc = tcase_create("suggest");
	tcase_add_checked_fixture(tc, load_real, free_real);
	tcase_add_test(tc, suggestions_are_never_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("broken");
	tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
	tcase_add_test(tc, refuses_a_word_naming_two_occupations);
	tcase_add_test(tc, refuses_an_unknown_term);
	tcase_add_test(tc, refuses_an_unknown_experience_in_require);
	tcase_add_test(tc, refuses_bad_json);
	tcase_add_test(tc, refuses_a_phrase_with_an_unknown_term);
	tcase_add_test(tc, refuses_one_word_for_two_competences);
	tcase_add_test(tc, refuses_a_missing_directory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(taxonomy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

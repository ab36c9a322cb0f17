/* Unit tests for profile validation, held terms and the index document,
 * against the real taxonomy and gazetteer in data/. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "profile.h"

#define ID "rtm-000123"

static vd_taxonomy_t *tax;
static vd_places_t *places;

/* Test bodies are written with ' for " to stay readable. */
static json_t *
J(const char *text)
{
	char *copy = strdup(text);
	json_error_t error;
	json_t *v;

	for (char *p = copy; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(copy, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
	ck_assert_msg(v != NULL, "test JSON does not parse: %s: %s", error.text, copy);
	free(copy);
	return v;
}

static char *
dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

/* Validates body (stolen) with the path id ID; returns the canonical profile
 * and fails the test, showing the errors, when it does not validate. */
static json_t *
valid(json_t *body)
{
	json_t *errors = json_array(), *canonical = (json_t *)1;
	bool ok = vd_profile_validate(tax, places, ID, body, &canonical, errors);
	char *text = dump(errors);

	ck_assert_msg(ok, "expected valid, got errors %s", text);
	ck_assert_int_eq(json_array_size(errors), 0);
	ck_assert_ptr_nonnull(canonical);
	free(text);
	json_decref(errors);
	json_decref(body);
	return canonical;
}

/* Validates body (stolen) expecting failure; returns the errors. */
static json_t *
invalid(json_t *body)
{
	json_t *errors = json_array(), *canonical = (json_t *)1;
	bool ok = vd_profile_validate(tax, places, ID, body, &canonical, errors);

	ck_assert_msg(!ok, "expected the body to be refused");
	ck_assert_ptr_null(canonical);
	ck_assert_int_gt(json_array_size(errors), 0);
	json_decref(body);
	return errors;
}

/* Asserts that errors hold one at pointer whose detail contains text. */
static void
assert_error(const json_t *errors, const char *pointer, const char *text)
{
	const json_t *e;
	size_t i;
	char *all;

	json_array_foreach(errors, i, e)
	{
		const char *p = json_string_value(json_object_get(e, "pointer"));
		const char *d = json_string_value(json_object_get(e, "detail"));

		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_nonnull(d);
		if (!strcmp(p, pointer) && strstr(d, text))
			return;
	}
	all = dump(errors);
	ck_abort_msg("no error at '%s' saying '%s' in %s", pointer, text, all);
	free(all);
}

/* The body is refused with exactly one error, at pointer, saying text. */
static void
refused_once(const char *body, const char *pointer, const char *text)
{
	json_t *errors = invalid(J(body));
	char *all = dump(errors);

	ck_assert_msg(json_array_size(errors) == 1, "expected one error, got %s", all);
	assert_error(errors, pointer, text);
	free(all);
	json_decref(errors);
}

/* Validates body and asserts the canonical form dumps as expected. */
static void
canonical_is(const char *body, const char *expected)
{
	json_t *canonical = valid(J(body)), *want = J(expected);
	char *got = dump(canonical), *exp = dump(want);

	ck_assert_str_eq(got, exp);
	free(got);
	free(exp);
	json_decref(want);
	json_decref(canonical);
}

static const char full_profile[] =
    "{'id': 'rtm-000123', 'municipality': 'Rotterdam', 'location': {'lat': 51.92, 'lon': 4.48},"
    " 'licences': [{'category': 'B', 'valid_until': '2031-02-11'},"
    "  {'category': 'CE', 'valid_until': '2029-05-01', 'code95_until': '2027-01-31'}],"
    " 'languages': [{'code': 'nl', 'level': 'A2'}, {'code': 'ar', 'level': 'C2'}],"
    " 'certificates': [{'code': 'vca-basis', 'valid_until': '2028-03-01'}, {'code': 'heftruck'},"
    "  {'code': 'chauffeurskaart', 'valid_until': '2030-06-30'}],"
    " 'skills': ['klantgericht'],"
    " 'experience': [{'occupation': 'magazijnmedewerker', 'months': 24}],"
    " 'hours_per_week': 32, 'available_from': '2026-12-01', 'max_travel_km': 25,"
    " 'extensions': {'taalhandhaving': {'exempt': 'medisch', 'notice_on': '2026-03-01'}}}";

/* --- ids ---------------------------------------------------------------- */

START_TEST(test_id_valid)
{
	char long_id[70];

	ck_assert(vd_id_valid("rtm-000123"));
	ck_assert(vd_id_valid("A.b_C-9"));
	ck_assert(vd_id_valid("x"));
	memset(long_id, 'a', 64);
	long_id[64] = '\0';
	ck_assert(vd_id_valid(long_id));
	long_id[64] = 'a';
	long_id[65] = '\0';
	ck_assert(!vd_id_valid(long_id));
	ck_assert(!vd_id_valid(""));
	ck_assert(!vd_id_valid("a/b"));
	ck_assert(!vd_id_valid("a b"));
	ck_assert(!vd_id_valid("caf\xc3\xa9"));
	ck_assert(!vd_id_valid("a%2Fb"));
}
END_TEST

START_TEST(test_id_in_body)
{
	json_t *canonical;

	/* Absent: taken from the path, and always the first member. */
	canonical_is("{'skills': ['klantgericht']}",
	             "{'id': 'rtm-000123', 'skills': ['klantgericht']}");
	canonical_is("{'skills': ['klantgericht'], 'id': 'rtm-000123'}",
	             "{'id': 'rtm-000123', 'skills': ['klantgericht']}");
	refused_once("{'id': 'rtm-000124'}", "/id",
	             "id 'rtm-000124' does not match the path id 'rtm-000123'");
	refused_once("{'id': 123}", "/id", "must be a string");
	canonical = valid(J("{}"));
	ck_assert_str_eq(json_string_value(json_object_get(canonical, "id")), ID);
	ck_assert_int_eq(json_object_size(canonical), 1);
	json_decref(canonical);
}
END_TEST

START_TEST(test_bad_path_id)
{
	json_t *errors = json_array(), *canonical = NULL, *body = J("{}");

	ck_assert(!vd_profile_validate(tax, places, "a/b", body, &canonical, errors));
	ck_assert_ptr_null(canonical);
	assert_error(errors, "", "is not 1 to 64 characters");
	json_decref(body);
	json_decref(errors);
}
END_TEST

/* --- shape of the body ---------------------------------------------------- */

START_TEST(test_body_not_object)
{
	refused_once("[]", "", "must be a JSON object");
	refused_once("'rtm'", "", "must be a JSON object");
	refused_once("null", "", "must be a JSON object");
}
END_TEST

START_TEST(test_unknown_fields)
{
	json_t *errors;

	refused_once("{'bsn': '123456782'}", "/bsn", "profiles hold no BSN, name or contact data");
	refused_once("{'Naam': 'Jan'}", "/Naam", "no BSN, name or contact data");
	refused_once("{'email': 'a@b.nl'}", "/email", "no BSN, name or contact data");
	refused_once("{'colour': 'blue'}", "/colour", "unknown field 'colour'");
	/* Pointers escape ~ and / (RFC 6901). */
	refused_once("{'a/b~c': 1}", "/a~1b~0c", "unknown field 'a/b~c'");
	/* Nested objects refuse unknown members too. */
	refused_once("{'location': {'lat': 51, 'lon': 4, 'alt': 3}}", "/location/alt",
	             "unknown field 'alt'");
	refused_once("{'licences': [{'category': 'B', 'expires': '2030-01-01'}]}",
	             "/licences/0/expires", "unknown field 'expires'");
	refused_once("{'languages': [{'code': 'nl', 'level': 'B1', 'x': 1}]}", "/languages/0/x",
	             "allowed here are code, level, by_skill");
	refused_once("{'certificates': [{'code': 'heftruck', 'issued': '2020-01-01'}]}",
	             "/certificates/0/issued", "unknown field 'issued'");
	refused_once("{'experience': [{'occupation': 'kok', 'years': 2}]}", "/experience/0/years",
	             "unknown field 'years'");
	errors = invalid(J("{'bsn': 1, 'naam': 'x'}"));
	ck_assert_int_eq(json_array_size(errors), 2);
	json_decref(errors);
}
END_TEST

START_TEST(test_wrong_types)
{
	refused_once("{'municipality': 599}", "/municipality", "must be a string");
	refused_once("{'location': [51, 4]}", "/location", "must be an object");
	refused_once("{'licences': {'category': 'B'}}", "/licences", "must be an array");
	refused_once("{'licences': ['B']}", "/licences/0", "must be an object");
	refused_once("{'languages': 'nl'}", "/languages", "must be an array");
	refused_once("{'certificates': [true]}", "/certificates/0", "must be an object");
	refused_once("{'skills': 'klantgericht'}", "/skills", "must be an array");
	refused_once("{'skills': [1]}", "/skills/0", "must be a string");
	refused_once("{'experience': [{'occupation': 5}]}", "/experience/0/occupation",
	             "must be a string");
	refused_once("{'hours_per_week': '32'}", "/hours_per_week", "must be a number");
	refused_once("{'available_from': 20261201}", "/available_from", "must be a string");
	refused_once("{'max_travel_km': false}", "/max_travel_km", "must be a number");
	refused_once("{'extensions': []}", "/extensions", "must be an object");
	refused_once("{'licences': [{'category': ['B']}]}", "/licences/0/category",
	             "must be a string");
}
END_TEST

START_TEST(test_null_is_absent)
{
	canonical_is("{'municipality': null, 'licences': [{'category': 'B', 'valid_until': null}]}",
	             "{'id': 'rtm-000123', 'licences': [{'category': 'B'}]}");
}
END_TEST

/* --- text and nesting ----------------------------------------------------- */

START_TEST(test_nul_in_string)
{
	json_t *body = json_object(), *errors;

	json_object_set_new(body, "municipality", json_stringn("Rotter\0dam", 10));
	errors = invalid(body);
	ck_assert_int_eq(json_array_size(errors), 1);
	assert_error(errors, "/municipality", "control character U+0000");
	json_decref(errors);

	body = J("{'skills': ['klantgericht'], 'extensions': {'p': {'a': ['ok', 'x']}}}");
	json_array_set_new(
	    json_object_get(json_object_get(json_object_get(body, "extensions"), "p"), "a"), 1,
	    json_stringn("x\0y", 3));
	errors = invalid(body);
	ck_assert_int_eq(json_array_size(errors), 1);
	assert_error(errors, "/extensions/p/a/1", "U+0000");
	json_decref(errors);

	/* Also as the server parses it: JSON_ALLOW_NUL keeps the NUL. */
	refused_once("{'skills': ['klant\\u0000gericht']}", "/skills/0", "U+0000");
	refused_once("{'id': 'rtm-000123\\u0000'}", "/id", "U+0000");
}
END_TEST

START_TEST(test_control_characters)
{
	refused_once("{'available_from': '2026-12-01\\n'}", "/available_from", "U+000A");
	refused_once("{'extensions': {'p': {'note': 'a\\u0001b'}}}", "/extensions/p/note",
	             "U+0001");
	refused_once("{'extensions': {'p': {'n\\u007fote': 'ab'}}}", "/extensions/p/n\x7fote",
	             "U+007F");
	canonical_is(
	    "{'extensions': {'p': {'note': 'caf\xc3\xa9 \xe2\x82\xac'}}}",
	    "{'id': 'rtm-000123', 'extensions': {'p': {'note': 'caf\xc3\xa9 \xe2\x82\xac'}}}");
}
END_TEST

/* An extensions body nested depth levels deep in all (the body itself is 1). */
static json_t *
nested_body(int depth)
{
	json_t *inner = json_array(), *body;

	/* body(1) > extensions(2) > p(3) > arrays 4..depth */
	for (int level = depth; level > 4; level--) {
		json_t *outer = json_array();
		json_array_append_new(outer, inner);
		inner = outer;
	}
	body = json_pack("{s:{s:{s:o}}}", "extensions", "p", "a", inner);
	ck_assert_ptr_nonnull(body);
	return body;
}

START_TEST(test_nesting)
{
	json_t *canonical = valid(nested_body(32)), *errors;

	json_decref(canonical);
	errors = invalid(nested_body(33));
	ck_assert_int_eq(json_array_size(errors), 1);
	assert_error(errors, "", "nesting deeper than 32 levels");
	json_decref(errors);
	errors = invalid(nested_body(5000));
	assert_error(errors, "", "nesting deeper than 32 levels");
	json_decref(errors);
}
END_TEST

/* --- municipality and location ------------------------------------------- */

START_TEST(test_municipality)
{
	json_t *canonical, *errors;

	canonical_is("{'municipality': 'Rotterdam'}",
	             "{'id': 'rtm-000123', 'municipality': 'Rotterdam'}");
	canonical_is("{'municipality': 'GM0599'}",
	             "{'id': 'rtm-000123', 'municipality': 'Rotterdam'}");
	canonical_is("{'municipality': 'rotterdam'}",
	             "{'id': 'rtm-000123', 'municipality': 'Rotterdam'}");
	canonical = valid(J("{'municipality': 'Den Haag'}"));
	ck_assert_str_eq(json_string_value(json_object_get(canonical, "municipality")),
	                 "'s-Gravenhage");
	json_decref(canonical);
	errors = invalid(J("{'municipality': 'Rotterdm'}"));
	ck_assert_int_eq(json_array_size(errors), 1);
	assert_error(errors, "/municipality", "unknown municipality 'Rotterdm'");
	assert_error(errors, "/municipality", "did you mean 'Rotterdam'");
	json_decref(errors);
}
END_TEST

START_TEST(test_location)
{
	canonical_is("{'location': {'lon': 4.48, 'lat': 51.92}}",
	             "{'id': 'rtm-000123', 'location': {'lat': 51.92, 'lon': 4.48}}");
	canonical_is("{'location': {'lat': -90, 'lon': 180}}",
	             "{'id': 'rtm-000123', 'location': {'lat': -90, 'lon': 180}}");
	refused_once("{'location': {'lat': 51.92}}", "/location/lon", "is required");
	refused_once("{'location': {'lat': 91, 'lon': 4}}", "/location/lat", "from -90 to 90");
	refused_once("{'location': {'lat': 51, 'lon': -180.5}}", "/location/lon",
	             "from -180 to 180");
	refused_once("{'location': {'lat': '51', 'lon': 4}}", "/location/lat", "must be a number");
}
END_TEST

/* --- licences ------------------------------------------------------------- */

START_TEST(test_licences_good)
{
	canonical_is("{'licences': [{'valid_until': '2030-01-01', 'category': 'ce', "
	             "'code95_until': '2027-01-31'}, {'category': 'b'}, {'category': 'C1e'}, "
	             "{'category': 'AM'}, {'category': 'D', 'code95_until': '2028-01-01'}]}",
	             "{'id': 'rtm-000123', 'licences': [{'category': 'CE', 'valid_until': "
	             "'2030-01-01', 'code95_until': '2027-01-31'}, {'category': 'B'}, "
	             "{'category': 'C1E'}, {'category': 'AM'}, {'category': 'D', 'code95_until': "
	             "'2028-01-01'}]}");
	canonical_is("{'licences': []}", "{'id': 'rtm-000123', 'licences': []}");
}
END_TEST

START_TEST(test_licences_bad)
{
	refused_once("{'licences': [{'category': 'Z'}]}", "/licences/0/category",
	             "unknown licence category 'Z'");
	refused_once("{'licences': [{'category': 'B'}, {'category': 'C'}, {'category': 'b'}]}",
	             "/licences/2/category", "licence category 'B' appears twice");
	refused_once("{'licences': [{'category': 'B', 'code95_until': '2027-01-01'}]}",
	             "/licences/0/code95_until", "code95_until is only for C and D categories");
	refused_once("{'licences': [{'valid_until': '2030-01-01'}]}", "/licences/0/category",
	             "is required");
	refused_once("{'licences': [{'category': 'B', 'valid_until': '31-12-2029'}]}",
	             "/licences/0/valid_until",
	             "'31-12-2029' is not a date in the form YYYY-MM-DD");
	refused_once("{'licences': [{'category': 'C', 'code95_until': '2029-02-30'}]}",
	             "/licences/0/code95_until", "'2029-02-30' is not an existing calendar date");
}
END_TEST

/* --- dates ----------------------------------------------------------------- */

START_TEST(test_dates)
{
	canonical_is("{'available_from': '2028-02-29'}",
	             "{'id': 'rtm-000123', 'available_from': '2028-02-29'}");
	refused_once("{'available_from': '31-12-2029'}", "/available_from",
	             "'31-12-2029' is not a date in the form YYYY-MM-DD");
	refused_once("{'available_from': '2029-02-30'}", "/available_from",
	             "not an existing calendar date");
	refused_once("{'available_from': '2029-2-3'}", "/available_from", "YYYY-MM-DD");
	refused_once("{'available_from': '2029-02-03T00:00:00Z'}", "/available_from", "YYYY-MM-DD");
	refused_once("{'available_from': '2029-13-01'}", "/available_from",
	             "not an existing calendar date");
	refused_once("{'certificates': [{'code': 'heftruck', 'valid_until': ''}]}",
	             "/certificates/0/valid_until", "YYYY-MM-DD");
}
END_TEST

/* --- languages ------------------------------------------------------------ */

START_TEST(test_languages_good)
{
	canonical_is(
	    "{'languages': [{'level': 'b1', 'code': 'NL', 'by_skill': {'gesprekken': '1f', "
	    "'lezen': '2F', 'spreken': 'A2'}}, {'code': 'en', 'level': 'C2'}]}",
	    "{'id': 'rtm-000123', 'languages': [{'code': 'nl', 'level': 'B1', 'by_skill': "
	    "{'lezen': '2F', 'spreken': 'A2', 'gesprekken': '1F'}}, {'code': 'en', "
	    "'level': 'C2'}]}");
	canonical_is("{'languages': [{'code': 'nl', 'level': '4F'}]}",
	             "{'id': 'rtm-000123', 'languages': [{'code': 'nl', 'level': '4F'}]}");
}
END_TEST

START_TEST(test_languages_bad)
{
	refused_once("{'languages': [{'code': 'nl', 'level': 'D9'}]}", "/languages/0/level",
	             "level 'D9' is not a CEFR level (A1..C2) or, for Dutch, 1F..4F");
	refused_once("{'languages': [{'code': 'en', 'level': '2F'}]}", "/languages/0/level",
	             "Dutch reference level");
	refused_once("{'languages': [{'code': 'nl'}]}", "/languages/0/level", "is required");
	refused_once("{'languages': [{'level': 'B1'}]}", "/languages/0/code", "is required");
	refused_once("{'languages': [{'code': 'xx', 'level': 'B1'}]}", "/languages/0/code",
	             "unknown language code 'xx'");
	refused_once("{'languages': [{'code': 'dutch', 'level': 'B1'}]}", "/languages/0/code",
	             "unknown language code 'dutch'");
	refused_once(
	    "{'languages': [{'code': 'nl', 'level': 'B1'}, {'code': 'NL', 'level': 'A1'}]}",
	    "/languages/1/code", "language 'nl' appears twice");
	refused_once("{'languages': [{'code': 'en', 'level': 'B1', 'by_skill': {'lezen': 'B1'}}]}",
	             "/languages/0/by_skill", "only for Dutch");
	refused_once(
	    "{'languages': [{'code': 'nl', 'level': 'B1', 'by_skill': {'rekenen': '1F'}}]}",
	    "/languages/0/by_skill/rekenen", "unknown field 'rekenen'");
	refused_once("{'languages': [{'code': 'nl', 'level': 'B1', 'by_skill': {'lezen': 'X'}}]}",
	             "/languages/0/by_skill/lezen", "not a CEFR level");
	refused_once("{'languages': [{'code': 'nl', 'level': 'B1', 'by_skill': 'B1'}]}",
	             "/languages/0/by_skill", "must be an object");
}
END_TEST

START_TEST(test_level_rank)
{
	ck_assert_int_eq(vd_level_rank("A1"), 1);
	ck_assert_int_eq(vd_level_rank("A2"), 2);
	ck_assert_int_eq(vd_level_rank("B1"), 3);
	ck_assert_int_eq(vd_level_rank("B2"), 4);
	ck_assert_int_eq(vd_level_rank("C1"), 5);
	ck_assert_int_eq(vd_level_rank("C2"), 6);
	ck_assert_int_eq(vd_level_rank("1F"), 2);
	ck_assert_int_eq(vd_level_rank("2F"), 3);
	ck_assert_int_eq(vd_level_rank("3F"), 4);
	ck_assert_int_eq(vd_level_rank("4F"), 5);
	ck_assert_int_eq(vd_level_rank("D9"), 0);
	ck_assert_int_eq(vd_level_rank("5F"), 0);
	ck_assert_int_eq(vd_level_rank(""), 0);
	ck_assert_int_eq(vd_level_rank(NULL), 0);
}
END_TEST

/* --- certificates, skills, experience ------------------------------------- */

START_TEST(test_certificates)
{
	json_t *errors;

	canonical_is("{'certificates': [{'valid_until': '2028-03-01', 'code': 'vca-basis'}, "
	             "{'code': 'HEFTRUCK'}, {'code': 'chauffeurskaart'}]}",
	             "{'id': 'rtm-000123', 'certificates': [{'code': 'vca-basis', 'valid_until': "
	             "'2028-03-01'}, {'code': 'heftruck'}, {'code': 'chauffeurskaart'}]}");
	errors = invalid(J("{'certificates': [{'code': 'vca-basic'}]}"));
	ck_assert_int_eq(json_array_size(errors), 1);
	assert_error(errors, "/certificates/0/code", "unknown certificate 'vca-basic'");
	assert_error(errors, "/certificates/0/code", "did you mean 'vca-basis'");
	json_decref(errors);
	/* A query word for a certificate suggests the codes it stands for. */
	errors = invalid(J("{'certificates': [{'code': 'VCA'}]}"));
	assert_error(errors, "/certificates/0/code", "did you mean 'vca-basis', 'vca-vol'");
	json_decref(errors);
	refused_once("{'certificates': [{'code': 'heftruck'}, {'code': 'heftruck'}]}",
	             "/certificates/1/code", "certificate 'heftruck' appears twice");
	refused_once("{'certificates': [{'valid_until': '2028-03-01'}]}", "/certificates/0/code",
	             "is required");
	/* A skill is not a certificate. */
	refused_once("{'certificates': [{'code': 'klantgericht'}]}", "/certificates/0/code",
	             "unknown certificate");
}
END_TEST

START_TEST(test_skills)
{
	json_t *errors;

	canonical_is("{'skills': ['klantgericht']}",
	             "{'id': 'rtm-000123', 'skills': ['klantgericht']}");
	refused_once("{'skills': ['klantgericht', 'klantgericht']}", "/skills/1",
	             "skill 'klantgericht' appears twice");
	errors = invalid(J("{'skills': ['klantgerigt']}"));
	assert_error(errors, "/skills/0", "unknown skill 'klantgerigt'");
	assert_error(errors, "/skills/0", "did you mean 'klantgericht'");
	json_decref(errors);
}
END_TEST

/* Pointers name the item by its index, however many digits it has. */
START_TEST(test_pointer_of_a_later_item)
{
	char body[1024] = "{'skills': [";
	json_t *errors;

	for (int i = 0; i < 12; i++)
		strcat(body, "'klantgericht', ");
	strcat(body, "'klantgerigt']}");
	errors = invalid(J(body));
	assert_error(errors, "/skills/12", "unknown skill 'klantgerigt'");
	assert_error(errors, "/skills/11", "appears twice");
	json_decref(errors);
	refused_once("{'certificates': [{'code': 'heftruck'}, {'code': 'vca-basis'}, {'code': "
	             "'heftruck'}]}",
	             "/certificates/2/code", "appears twice");
}
END_TEST

START_TEST(test_experience)
{
	const vd_occupation_t *occ = vd_taxonomy_occupation(tax, "vrachtwagenchauffeur");
	json_t *body, *canonical, *errors;

	canonical_is("{'experience': [{'months': 24, 'occupation': 'magazijnmedewerker'}, "
	             "{'occupation': 'kok', 'months': 12.0}, {'occupation': 'schoonmaker'}]}",
	             "{'id': 'rtm-000123', 'experience': [{'occupation': 'magazijnmedewerker', "
	             "'months': 24}, {'occupation': 'kok', 'months': 12}, {'occupation': "
	             "'schoonmaker'}]}");

	/* An ESCO URI is accepted and canonicalised to the code. */
	ck_assert_ptr_nonnull(occ);
	ck_assert_ptr_nonnull(occ->esco_uri);
	body =
	    json_pack("{s:[{s:s, s:i}]}", "experience", "occupation", occ->esco_uri, "months", 6);
	canonical = valid(body);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(canonical, "experience"), 0), "occupation")),
	    "vrachtwagenchauffeur");
	json_decref(canonical);
	/* ... and counts as the same occupation as its code. */
	body = json_pack("{s:[{s:s}, {s:s}]}", "experience", "occupation", "vrachtwagenchauffeur",
	                 "occupation", occ->esco_uri);
	errors = invalid(body);
	assert_error(errors, "/experience/1/occupation",
	             "occupation 'vrachtwagenchauffeur' appears twice");
	json_decref(errors);

	/* Occupation words are not codes, but the code is suggested first. */
	errors = invalid(J("{'experience': [{'occupation': 'Vrachtwagenchauffeurs'}]}"));
	assert_error(errors, "/experience/0/occupation", "did you mean 'vrachtwagenchauffeur'");
	json_decref(errors);
	errors = invalid(J("{'experience': [{'occupation': 'chaufeur'}]}"));
	ck_assert_int_eq(json_array_size(errors), 1);
	assert_error(errors, "/experience/0/occupation", "unknown occupation 'chaufeur'");
	assert_error(errors, "/experience/0/occupation", "did you mean");
	json_decref(errors);
	refused_once("{'experience': [{'occupation': 'kok', 'months': -1}]}",
	             "/experience/0/months", "from 0 to 720");
	refused_once("{'experience': [{'occupation': 'kok', 'months': 721}]}",
	             "/experience/0/months", "from 0 to 720");
	refused_once("{'experience': [{'occupation': 'kok', 'months': 2.5}]}",
	             "/experience/0/months", "whole number");
	refused_once("{'experience': [{'months': 3}]}", "/experience/0/occupation", "is required");
}
END_TEST

/* --- numbers ---------------------------------------------------------------- */

START_TEST(test_numbers)
{
	canonical_is("{'max_travel_km': 0, 'hours_per_week': 32.5}",
	             "{'id': 'rtm-000123', 'hours_per_week': 32.5, 'max_travel_km': 0}");
	canonical_is("{'hours_per_week': 1, 'max_travel_km': 500}",
	             "{'id': 'rtm-000123', 'hours_per_week': 1, 'max_travel_km': 500}");
	canonical_is("{'hours_per_week': 80}", "{'id': 'rtm-000123', 'hours_per_week': 80}");
	refused_once("{'hours_per_week': -8}", "/hours_per_week", "-8 is out of range");
	refused_once("{'hours_per_week': 0}", "/hours_per_week", "from 1 to 80");
	refused_once("{'hours_per_week': 80.5}", "/hours_per_week", "from 1 to 80");
	refused_once("{'max_travel_km': -1}", "/max_travel_km", "from 0 to 500");
	refused_once("{'max_travel_km': 501}", "/max_travel_km", "from 0 to 500");
}
END_TEST

/* --- extensions --------------------------------------------------------------- */

START_TEST(test_extensions)
{
	canonical_is(
	    "{'extensions': {'taalhandhaving': {'notice_on': '2026-03-01', 'exempt': "
	    "'medisch', 'n': [1, {'x': null}]}, 'werk-taal2': {}}}",
	    "{'id': 'rtm-000123', 'extensions': {'taalhandhaving': {'notice_on': "
	    "'2026-03-01', 'exempt': 'medisch', 'n': [1, {'x': null}]}, 'werk-taal2': {}}}");
	refused_once("{'extensions': {'Taal': {}}}", "/extensions/Taal", "is not a plugin name");
	refused_once("{'extensions': {'': {}}}", "/extensions/", "is not a plugin name");
	refused_once("{'extensions': {'taalhandhaving': 'medisch'}}", "/extensions/taalhandhaving",
	             "must be an object");
}
END_TEST

/* --- all at once, round trip ------------------------------------------------- */

START_TEST(test_all_errors_collected)
{
	json_t *errors = invalid(J("{'bsn': '123456782', 'licences': [{'category': 'B'}, "
	                           "{'category': 'Z'}], 'hours_per_week': -5}"));
	char *all = dump(errors);

	ck_assert_msg(json_array_size(errors) == 3, "expected 3 errors, got %s", all);
	assert_error(errors, "/bsn", "unknown field 'bsn'");
	assert_error(errors, "/licences/1/category", "unknown licence category 'Z'");
	assert_error(errors, "/hours_per_week", "out of range");
	free(all);
	json_decref(errors);

	/* The errors of one list item all come out too. */
	errors = invalid(J("{'licences': [{'category': 'Q', 'valid_until': '2029-02-30', 'x': 1}],"
	                   " 'languages': [{'code': 'xx', 'level': 'D9'}]}"));
	ck_assert_int_eq(json_array_size(errors), 5);
	assert_error(errors, "/licences/0/category", "unknown licence category 'Q'");
	assert_error(errors, "/licences/0/valid_until", "not an existing calendar date");
	assert_error(errors, "/licences/0/x", "unknown field");
	assert_error(errors, "/languages/0/code", "unknown language code");
	assert_error(errors, "/languages/0/level", "not a CEFR level");
	json_decref(errors);
}
END_TEST

START_TEST(test_errors_appended)
{
	/* Errors are appended to what the caller already has. */
	json_t *errors = json_pack("[{s:s, s:s}]", "pointer", "", "detail", "earlier");
	json_t *canonical = NULL, *body = J("{'hours_per_week': 0}");

	ck_assert(!vd_profile_validate(tax, places, ID, body, &canonical, errors));
	ck_assert_int_eq(json_array_size(errors), 2);
	json_decref(body);
	json_decref(errors);
}
END_TEST

START_TEST(test_round_trip)
{
	json_t *canonical = valid(J(full_profile)), *again;
	char *first = dump(canonical), *second;
	const char *order[] = {"id",
	                       "municipality",
	                       "location",
	                       "licences",
	                       "languages",
	                       "certificates",
	                       "skills",
	                       "experience",
	                       "hours_per_week",
	                       "available_from",
	                       "max_travel_km",
	                       "extensions"};
	const char *key;
	json_t *v;
	size_t i = 0;

	/* Canonical key order, whatever order the client used. */
	json_object_foreach(canonical, key, v) ck_assert_str_eq(key, order[i++]);
	ck_assert_int_eq(i, 12);

	/* The canonical form is a valid input that canonicalises to itself. */
	again = valid(json_deep_copy(canonical));
	second = dump(again);
	ck_assert_str_eq(first, second);
	ck_assert(json_equal(canonical, again));
	free(first);
	free(second);
	json_decref(again);
	json_decref(canonical);

	/* Also for a body full of non-canonical spellings. */
	canonical =
	    valid(J("{'max_travel_km': 10, 'municipality': 'Den Haag', 'licences': "
	            "[{'category': 'ce', 'code95_until': '2027-01-31'}], 'languages': "
	            "[{'code': 'NL', 'level': '2f'}], 'certificates': [{'code': 'VCA-basis'}], "
	            "'id': 'rtm-000123'}"));
	first = dump(canonical);
	again = valid(json_deep_copy(canonical));
	second = dump(again);
	ck_assert_str_eq(first, second);
	free(first);
	free(second);
	json_decref(again);
	json_decref(canonical);
}
END_TEST

START_TEST(test_body_untouched)
{
	json_t *body = J(full_profile), *copy = json_deep_copy(body), *canonical, *errors;

	ck_assert(vd_profile_validate(tax, places, ID, body, &canonical, (errors = json_array())));
	ck_assert(json_equal(body, copy));
	json_decref(canonical);
	json_decref(errors);
	json_decref(body);
	json_decref(copy);
}
END_TEST

/* --- held terms ----------------------------------------------------------------- */

static bool
holds(const json_t *terms, const char *term)
{
	const json_t *t;
	size_t i;

	json_array_foreach(terms, i, t) if (!strcmp(json_string_value(t), term)) return true;
	return false;
}

/* The held terms of canonical on today, joined by spaces. */
static char *
held_text(const char *canonical, int today, int *next)
{
	json_t *profile = J(canonical), *terms = vd_profile_held(profile, today, next), *t;
	size_t i, len = 0;
	char *text = calloc(1, 4096);

	ck_assert_ptr_nonnull(terms);
	json_array_foreach(terms, i, t) len +=
	    snprintf(text + len, 4096 - len, "%s%s", i ? " " : "", json_string_value(t));
	json_decref(terms);
	json_decref(profile);
	return text;
}

static void
held_is(const char *canonical, int today, const char *expected, int expected_next)
{
	int next = -1;
	char *text = held_text(canonical, today, &next);

	ck_assert_str_eq(text, expected);
	ck_assert_int_eq(next, expected_next);
	free(text);
}

START_TEST(test_held_licence_expiry)
{
	const char *p = "{'id': 'x', 'licences': [{'category': 'B', 'valid_until': '2026-12-31'}]}";

	held_is(p, 20261230, "licence:B", 20270101);
	/* Held through the end of the day itself ... */
	held_is(p, 20261231, "licence:B", 20270101);
	/* ... and not the day after; nothing left to expire. */
	held_is(p, 20270101, "", 0);
	/* Without an end date a licence is always held. */
	held_is("{'id': 'x', 'licences': [{'category': 'AM'}]}", 20990101, "licence:AM", 0);
}
END_TEST

START_TEST(test_held_code95)
{
	const char *p = "{'id': 'x', 'licences': [{'category': 'CE', 'valid_until': '2029-05-01', "
	                "'code95_until': '2027-01-31'}, {'category': 'D'}]}";

	held_is(p, 20270131, "licence:CE code95:CE licence:D", 20270201);
	/* Code 95 lapses while the licence stays; C's code 95 never gives D's. */
	held_is(p, 20270201, "licence:CE licence:D", 20290502);
	held_is(p, 20290502, "licence:D", 0);
	/* The licence lapsing takes its code 95 with it. */
	held_is("{'id': 'x', 'licences': [{'category': 'C', 'valid_until': '2026-06-30', "
	        "'code95_until': '2030-01-01'}]}",
	        20260701, "", 0);
	held_is("{'id': 'x', 'licences': [{'category': 'C', 'valid_until': '2026-06-30', "
	        "'code95_until': '2030-01-01'}]}",
	        20260630, "licence:C code95:C", 20260701);
	/* No code95_until: no code 95. */
	held_is("{'id': 'x', 'licences': [{'category': 'C'}]}", 20260101, "licence:C", 0);
	/* Code 95 without an end date on the licence. */
	held_is("{'id': 'x', 'licences': [{'category': 'D', 'code95_until': '2026-02-28'}]}",
	        20260228, "licence:D code95:D", 20260301);
}
END_TEST

START_TEST(test_held_certificates)
{
	const char *p = "{'id': 'x', 'certificates': [{'code': 'vca-basis', 'valid_until': "
	                "'2028-03-01'}, {'code': 'heftruck'}, {'code': 'bhv', 'valid_until': "
	                "'2026-12-31'}]}";

	held_is(p, 20261231, "certificate:vca-basis certificate:heftruck certificate:bhv",
	        20270101);
	held_is(p, 20270101, "certificate:vca-basis certificate:heftruck", 20280302);
	held_is(p, 20280302, "certificate:heftruck", 0);
}
END_TEST

START_TEST(test_held_languages)
{
	held_is("{'id': 'x', 'languages': [{'code': 'en', 'level': 'B1'}]}", 20260101,
	        "language:en language:en:A1 language:en:A2 language:en:B1", 0);
	held_is("{'id': 'x', 'languages': [{'code': 'ar', 'level': 'C2'}]}", 20260101,
	        "language:ar language:ar:A1 language:ar:A2 language:ar:B1 language:ar:B2 "
	        "language:ar:C1 language:ar:C2",
	        0);
	/* Dutch reference levels count as their CEFR level; only CEFR terms. */
	held_is("{'id': 'x', 'languages': [{'code': 'nl', 'level': '1F'}]}", 20260101,
	        "language:nl language:nl:A1 language:nl:A2", 0);
	held_is("{'id': 'x', 'languages': [{'code': 'nl', 'level': '2F', 'by_skill': {'lezen': "
	        "'1F'}}]}",
	        20260101, "language:nl language:nl:A1 language:nl:A2 language:nl:B1", 0);
	held_is("{'id': 'x', 'languages': [{'code': 'nl', 'level': '4F'}]}", 20260101,
	        "language:nl language:nl:A1 language:nl:A2 language:nl:B1 language:nl:B2 "
	        "language:nl:C1",
	        0);
}
END_TEST

START_TEST(test_held_everything)
{
	json_t *canonical = valid(J(full_profile)), *terms;
	int next = -1;

	terms = vd_profile_held(canonical, 20261125, &next);
	ck_assert(holds(terms, "licence:B"));
	ck_assert(holds(terms, "licence:CE"));
	ck_assert(holds(terms, "code95:CE"));
	ck_assert(holds(terms, "language:nl:A2"));
	ck_assert(!holds(terms, "language:nl:B1"));
	ck_assert(holds(terms, "language:ar:C2"));
	ck_assert(holds(terms, "certificate:vca-basis"));
	ck_assert(holds(terms, "certificate:heftruck"));
	ck_assert(holds(terms, "certificate:chauffeurskaart"));
	ck_assert(holds(terms, "skill:klantgericht"));
	ck_assert(holds(terms, "experience:magazijnmedewerker"));
	ck_assert(!holds(terms, "licence:C"));
	ck_assert(!holds(terms, "code95:C"));
	/* code95:CE ends first: 2027-01-31 is its last day. */
	ck_assert_int_eq(next, 20270201);
	json_decref(terms);

	/* Expired items stay in the profile and do not set the next expiry. */
	terms = vd_profile_held(canonical, 20300101, &next);
	ck_assert(holds(terms, "licence:B"));
	ck_assert(!holds(terms, "licence:CE"));
	ck_assert(!holds(terms, "certificate:vca-basis"));
	ck_assert(holds(terms, "certificate:chauffeurskaart"));
	ck_assert(holds(terms, "skill:klantgericht"));
	ck_assert_int_eq(next, 20300701);
	json_decref(terms);

	/* Nothing with a date: 0. */
	terms = vd_profile_held(canonical, 20320101, &next);
	ck_assert(!holds(terms, "licence:B"));
	ck_assert(holds(terms, "certificate:heftruck"));
	ck_assert_int_eq(next, 0);
	json_decref(terms);
	json_decref(canonical);
}
END_TEST

/* --- the index document ---------------------------------------------------------- */

static bool
doc_has(const vd_doc_t *doc, const char *term)
{
	for (size_t i = 0; i < vd_doc_n_terms(doc); i++)
		if (!strcmp(vd_doc_term(doc, i), term))
			return true;
	return false;
}

START_TEST(test_to_doc)
{
	static const char prefix[] = "{\"id\":\"rtm-000123\",\"municipality\":\"Rotterdam\",";
	json_t *canonical = valid(J(full_profile)), *back;
	vd_doc_t *doc = vd_doc_new();
	const char *data;
	size_t len, n_k = 0, n_l = 0;

	ck_assert(vd_profile_to_doc(places, canonical, 20261125, doc));
	ck_assert(doc_has(doc, "Qjrtm-000123"));
	ck_assert(doc_has(doc, "Tj"));
	ck_assert(doc_has(doc, "Klicence:B"));
	ck_assert(doc_has(doc, "Kcode95:CE"));
	ck_assert(doc_has(doc, "Klanguage:nl"));
	/* The highest level held alone: the matcher widens it to those below. */
	ck_assert(doc_has(doc, "Llanguage:nl:A2"));
	ck_assert(!doc_has(doc, "Klanguage:nl:A2"));
	ck_assert(!doc_has(doc, "Llanguage:nl:A1"));
	ck_assert(doc_has(doc, "Llanguage:ar:C2"));
	ck_assert(doc_has(doc, "Kcertificate:heftruck"));
	ck_assert(doc_has(doc, "Kskill:klantgericht"));
	ck_assert(doc_has(doc, "Kexperience:magazijnmedewerker"));
	ck_assert(doc_has(doc, "Kmunicipality:GM0599"));
	ck_assert(!doc_has(doc, "Klicence:C"));
	for (size_t i = 0; i < vd_doc_n_terms(doc); i++) {
		n_k += vd_doc_term(doc, i)[0] == 'K';
		n_l += vd_doc_term(doc, i)[0] == 'L';
	}
	/* B CE code95:CE, nl, ar, 3 certificates, skill, experience, municipality */
	ck_assert_int_eq(n_k, 3 + 1 + 1 + 3 + 1 + 1 + 1);
	ck_assert_int_eq(n_l, 2);
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_NEXT_EXPIRY), "20270201");
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_LOCATION), "51.92000,4.48000");
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_HOURS), "32");
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_AVAILABLE), "20261201");
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_MUNICIPALITY), "GM0599");

	/* The data is the canonical JSON, in canonical order. */
	data = vd_doc_data(doc, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(strlen(data), len);
	ck_assert_msg(strncmp(data, prefix, strlen(prefix)) == 0, "data starts %s", data);
	ck_assert_ptr_nonnull(strstr(data, "\"lat\":51.92,"));
	back = json_loads(data, 0, NULL);
	ck_assert(json_equal(back, canonical));
	json_decref(back);
	vd_doc_free(doc);
	json_decref(canonical);
}
END_TEST

START_TEST(test_to_doc_sparse)
{
	json_t *canonical = valid(J("{'municipality': 'Den Haag', 'hours_per_week': 32.5}"));
	const vd_municipality_t *m = vd_places_lookup(places, "GM0518");
	vd_doc_t *doc = vd_doc_new();
	char where[64];

	/* Without a location of its own, the municipality's point. */
	ck_assert_ptr_nonnull(m);
	ck_assert(vd_profile_to_doc(places, canonical, 20261125, doc));
	snprintf(where, sizeof(where), "%.5f,%.5f", m->lat, m->lon);
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_LOCATION), where);
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_MUNICIPALITY), "GM0518");
	ck_assert(doc_has(doc, "Kmunicipality:GM0518"));
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_HOURS), "32.5");
	ck_assert_ptr_null(vd_doc_value(doc, VD_SLOT_NEXT_EXPIRY));
	ck_assert_ptr_null(vd_doc_value(doc, VD_SLOT_AVAILABLE));
	ck_assert_int_eq(vd_doc_n_terms(doc), 3);
	vd_doc_free(doc);
	json_decref(canonical);

	/* Neither: no location, no municipality. */
	canonical = valid(J("{}"));
	doc = vd_doc_new();
	ck_assert(vd_profile_to_doc(places, canonical, 20261125, doc));
	ck_assert_ptr_null(vd_doc_value(doc, VD_SLOT_LOCATION));
	ck_assert_ptr_null(vd_doc_value(doc, VD_SLOT_MUNICIPALITY));
	ck_assert_ptr_null(vd_doc_value(doc, VD_SLOT_HOURS));
	ck_assert_int_eq(vd_doc_n_terms(doc), 2);
	vd_doc_free(doc);
	json_decref(canonical);
}
END_TEST

START_TEST(test_to_doc_expiry_moves)
{
	json_t *canonical = valid(J(full_profile));
	vd_doc_t *doc = vd_doc_new();

	/* After code 95 lapses it is gone from the document, the licence stays. */
	ck_assert(vd_profile_to_doc(places, canonical, 20270201, doc));
	ck_assert(!doc_has(doc, "Kcode95:CE"));
	ck_assert(doc_has(doc, "Klicence:CE"));
	ck_assert_str_eq(vd_doc_value(doc, VD_SLOT_NEXT_EXPIRY), "20280302");
	vd_doc_free(doc);
	json_decref(canonical);
}
END_TEST

static Suite *
profile_suite(void)
{
	Suite *s = suite_create("profile");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
	    {"id_valid", test_id_valid},
	    {"id_in_body", test_id_in_body},
	    {"bad_path_id", test_bad_path_id},
	    {"body_not_object", test_body_not_object},
	    {"unknown_fields", test_unknown_fields},
	    {"wrong_types", test_wrong_types},
	    {"null_is_absent", test_null_is_absent},
	    {"nul_in_string", test_nul_in_string},
	    {"control_characters", test_control_characters},
	    {"nesting", test_nesting},
	    {"municipality", test_municipality},
	    {"location", test_location},
	    {"licences_good", test_licences_good},
	    {"licences_bad", test_licences_bad},
	    {"dates", test_dates},
	    {"languages_good", test_languages_good},
	    {"languages_bad", test_languages_bad},
	    {"level_rank", test_level_rank},
	    {"certificates", test_certificates},
	    {"skills", test_skills},
	    {"pointer of a later item", test_pointer_of_a_later_item},
	    {"experience", test_experience},
	    {"numbers", test_numbers},
	    {"extensions", test_extensions},
	    {"all_errors_collected", test_all_errors_collected},
	    {"errors_appended", test_errors_appended},
	    {"round_trip", test_round_trip},
	    {"body_untouched", test_body_untouched},
	    {"held_licence_expiry", test_held_licence_expiry},
	    {"held_code95", test_held_code95},
	    {"held_certificates", test_held_certificates},
	    {"held_languages", test_held_languages},
	    {"held_everything", test_held_everything},
	    {"to_doc", test_to_doc},
	    {"to_doc_sparse", test_to_doc_sparse},
	    {"to_doc_expiry_moves", test_to_doc_expiry_moves},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
main(void)
{
	char *error = NULL;
	SRunner *runner;
	int failed;

	if (vd_taxonomy_load(VD_TEST_DATADIR, &tax, &error) != VD_OK ||
	    vd_places_load(VD_TEST_DATADIR, &places, &error) != VD_OK) {
		fprintf(stderr, "test_profile: cannot load data: %s\n", error ? error : "?");
		free(error);
		return EXIT_FAILURE;
	}
	runner = srunner_create(profile_suite());
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	vd_places_free(places);
	vd_taxonomy_free(tax);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

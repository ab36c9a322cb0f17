/* source-csv's reading of an export (plugins/source-csv/csv_read.h) against
 * a host stub (source_stub.h): the header row, ';' and ',' between fields,
 * a byte-order mark, RFC 4180 quoting, CRLF, the configured columns and
 * delimiter, bad rows named by their row number beside the rows kept, and
 * empty lines. Inputs are written as an employer-service desk's spreadsheet
 * exports them; expected occupations and terms are looked up in data/ by
 * the words the input uses (source_stub.h), not taken from the plugin. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csv_read.h"
#include "source_stub.h"

static vd_src_tax_t *tax;
static vd_stub_t *stub;
static vd_csv_layout_t plain; /* no config: columns named like the fields */

static void
setup(void)
{
	tax = vd_stub_tax();
	stub = vd_stub_new("csv");
	memset(&plain, 0, sizeof(plain));
	for (size_t f = 0; f < VD_CSV_N_FIELDS; f++)
		plain.columns[f] = (char *)vd_csv_fields[f];
}

static void
teardown(void)
{
	vd_stub_free(stub);
	vd_src_tax_free(tax);
}

/* The read of text as vacatures.csv with layout (new). */
static json_t *
read_csv(const vd_csv_layout_t *layout, const char *text)
{
	json_t *entry = vd_csv_read(layout, tax, &stub->host, "vacatures.csv", text, strlen(text));

	ck_assert_ptr_nonnull(entry);
	return entry;
}

static void
assert_no_file_error(const json_t *entry)
{
	ck_assert_msg(!json_object_get(entry, "error"), "file error: %s",
	              json_string_value(json_object_get(entry, "error")));
}

static double
number(const json_t *vacancy, const char *key)
{
	ck_assert_msg(json_is_number(json_object_get(vacancy, key)), "no number %s", key);
	return json_number_value(json_object_get(vacancy, key));
}

/* ---- header and delimiters ---------------------------------------------- */

START_TEST(semicolons_as_dutch_excel_writes)
{
	/* In a ';' file a comma is text: the employer's name, the decimal
	 * comma of the hours. */
	json_t *entry = read_csv(
	    &plain,
	    "id;title;occupation;municipality;hours_per_week;employer;valid_through;openings;"
	    "requirements;skills\n"
	    "4711;Orderpicker;orderpicker;Tilburg;38;Jansen, Bakker & Zn;2026-12-31;5;"
	    "Heftruckcertificaat;orderpicken\n"
	    "4712;Buschauffeur streekvervoer;;Groningen;32,5;OV Noord, Drenthe;30-09-2026;2;"
	    "Nederlands B1, code 95 D;klantgericht\n");
	const json_t *v;

	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 2);
	v = vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(v, "id"), "csv-4711");
	ck_assert_str_eq(vd_stub_str(v, "title"), "Orderpicker");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Jansen, Bakker & Zn");
	v = vd_stub_vacancy(entry, 1, "row 3");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "OV Noord, Drenthe");
	ck_assert_double_eq(number(v, "hours_per_week"), 32.5);
	json_decref(entry);
}
END_TEST

START_TEST(commas_as_an_english_export_writes)
{
	json_t *entry = read_csv(
	    &plain, "id,title,occupation,municipality,hours_per_week,employer,requirements\n"
	            "5001,Schoonmaker kantoren,schoonmaker,Den Haag,20,Schoon; Co,VCA basis\n"
	            "5002,Kok,kok,Utrecht,\"36,5\",\"Brasserie De Dom, Utrecht\",HACCP\n");
	const json_t *v;

	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 2);
	v = vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(v, "id"), "csv-5001");
	ck_assert_str_eq(vd_stub_str(v, "municipality"), "Den Haag");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Schoon; Co");
	ck_assert_double_eq(number(v, "hours_per_week"), 20);
	v = vd_stub_vacancy(entry, 1, "row 3");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Brasserie De Dom, Utrecht");
	ck_assert_double_eq(number(v, "hours_per_week"), 36.5);
	json_decref(entry);
}
END_TEST

START_TEST(a_byte_order_mark)
{
	/* Excel's "CSV UTF-8" starts with EF BB BF: the first column is still
	 * "title", not "\xEF\xBB\xBFtitle". */
	json_t *entry = read_csv(&plain, "\xEF\xBB\xBFtitle;municipality;id\n"
	                                 "Caf\xC3\xA9medewerker bediening;Zwolle;6001\n");
	const json_t *v;

	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 1);
	v = vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(v, "title"), "Caf\xC3\xA9medewerker bediening");
	ck_assert_str_eq(vd_stub_str(v, "id"), "csv-6001");
	ck_assert_str_eq(vd_stub_str(v, "municipality"), "Zwolle");
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("bediening"));
	json_decref(entry);
}
END_TEST

/* ---- quoting ------------------------------------------------------------ */

START_TEST(quoted_fields)
{
	/* The delimiter, doubled quotes and line breaks inside quotes, as a
	 * spreadsheet writes a cell with Alt+Enter in it. */
	json_t *entry =
	    read_csv(&plain, "id;title;occupation;municipality;employer;requirements;skills\n"
	                     "4711;\"Orderpicker; koel- en vriesvers\";orderpicker;Tilburg;"
	                     "\"Distributie \"\"Zuid\"\" BV\";\"Heftruckcertificaat\n"
	                     "VCA basis\";orderpicken\n"
	                     "4712;\"Magazijnmedewerker\n"
	                     "(nachtdienst)\";;Venlo;\"Logistiek \"\"Noord\"\"\";;\n"
	                     "4713;Kok;kok;Utrecht;\"Restaurant \"\"'t Hoekje\"\"\";\"\";\n");
	const json_t *v;
	json_t *want;
	char *term;

	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 3);
	v = vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(v, "title"), "Orderpicker; koel- en vriesvers");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Distributie \"Zuid\" BV");
	want = json_array();
	json_array_append_new(want, vd_expect_phrase("heftruckcertificaat"));
	json_array_append_new(want, vd_expect_phrase("vca basis"));
	vd_expect_same_set(json_object_get(v, "require"), want);
	term = vd_expect_term("skill", "orderpicken");
	vd_expect_same_set(json_object_get(v, "prefer"), json_pack("[s]", term));
	free(term);
	/* A row that spans two lines is still one row: the next is row 4. */
	v = vd_stub_vacancy(entry, 1, "row 3");
	ck_assert_str_eq(vd_stub_str(v, "title"), "Magazijnmedewerker (nachtdienst)");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Logistiek \"Noord\"");
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("magazijnmedewerker"));
	v = vd_stub_vacancy(entry, 2, "row 4");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Restaurant \"'t Hoekje\"");
	ck_assert_ptr_null(json_object_get(v, "require"));
	json_decref(entry);
}
END_TEST

START_TEST(crlf_line_ends)
{
	/* A Windows export: CRLF after every row and inside a quoted cell.
	 * A CRLF is one line end, so row numbers stay the spreadsheet's. */
	json_t *entry = read_csv(&plain, "id;title;valid_through;employer\r\n"
	                                 "7001;Vakkenvuller;2026-10-01;Supermarkt Plus\r\n"
	                                 "7002;\"Kassamedewerker\r\nweekend\";2026-10-01;Plus\r\n"
	                                 "7003;Afwasser;01-13-2026;Brasserie\r\n"
	                                 "7004;Barmedewerker;2026-10-01;Caf\xC3\xA9 Centraal\r\n");
	const json_t *v;

	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 4);
	v = vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Supermarkt Plus");
	v = vd_stub_vacancy(entry, 1, "row 3");
	ck_assert_str_eq(vd_stub_str(v, "title"), "Kassamedewerker weekend");
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("kassamedewerker"));
	vd_stub_error(entry, 2, "row 4", "01-13-2026", NULL);
	v = vd_stub_vacancy(entry, 3, "row 5");
	ck_assert_str_eq(vd_stub_str(v, "id"), "csv-7004");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Caf\xC3\xA9 Centraal");
	json_decref(entry);
}
END_TEST

/* ---- the configured layout ---------------------------------------------- */

/* The columns tests/blackbox/test_plugins.py configures for a desk. */
static char *const desk_columns[VD_CSV_N_FIELDS] = {
    "Vacaturenummer", "Functie",        "Beroep", "Plaats", "Uren",
    "Werkgever",      "Sluitingsdatum", "Aantal", "Eisen",  "Vaardigheden"};

START_TEST(configured_columns)
{
	vd_csv_layout_t desk = {.delimiter = ';'};
	json_t *entry;
	const json_t *v;
	json_t *want;
	char *term;

	for (size_t f = 0; f < VD_CSV_N_FIELDS; f++) {
		desk.columns[f] = desk_columns[f];
		desk.explicit_column[f] = true;
	}
	/* In another order, another case, with columns of the desk's own. */
	entry = read_csv(&desk, "Vacaturenummer;Contactpersoon;FUNCTIE;Plaats;beroep;Uren;"
	                        "Werkgever;Sluitingsdatum;Aantal;Eisen;Vaardigheden;Opmerking\n"
	                        "4711;Fatima el Idrissi;Orderpicker koel- en vriesvers;Tilburg;"
	                        "9333;24-32;Distributie Zuid BV;31/12/2026;5;"
	                        "Nederlands op niveau B1;orderpicken;spoed\n");
	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 1);
	v = vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(v, "id"), "csv-4711");
	ck_assert_str_eq(vd_stub_str(v, "title"), "Orderpicker koel- en vriesvers");
	ck_assert_str_eq(vd_stub_str(v, "municipality"), "Tilburg");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Distributie Zuid BV");
	ck_assert_str_eq(vd_stub_str(v, "valid_through"), "2026-12-31");
	ck_assert_double_eq(number(v, "hours_per_week"), 24);
	ck_assert_double_eq(number(v, "openings"), 5);
	/* 9333 is several occupations; the title names one. */
	ck_assert_uint_gt(json_array_size(want = vd_expect_isco("9333")), 1);
	json_decref(want);
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("orderpicker"));
	term = vd_expect_language("Nederlands", "B1");
	vd_expect_same_set(json_object_get(v, "require"), json_pack("[[s]]", term));
	free(term);
	json_decref(entry);

	/* A column the config names must be there. */
	entry = read_csv(&desk, "Vacaturenummer;Functie;Beroep;Plaats;Uren;Werkgever;Aantal;"
	                        "Eisen;Vaardigheden\n"
	                        "4711;Orderpicker;;Tilburg;38;Distributie Zuid BV;5;;\n");
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "'Sluitingsdatum'"));
	json_decref(entry);

	/* Without the config, the desk's names are not the fields'. */
	entry = read_csv(&plain, "Vacaturenummer;Functie;Plaats\n4711;Orderpicker;Tilburg\n");
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "'title'"));
	json_decref(entry);
}
END_TEST

START_TEST(configured_delimiter)
{
	/* A header with as many commas (in its names) as semicolons: guessing
	 * would take ','; the configured ';' decides. */
	static const char text[] = "Functie;Beroep, ISCO of naam;Plaats;Eisen (rijbewijs, "
	                           "certificaten, taal)\n"
	                           "Heftruckchauffeur;8344;Venlo;Heftruckcertificaat, VCA basis\n";
	vd_csv_layout_t desk = plain;
	json_t *entry, *want;
	const json_t *v;

	desk.columns[1] = "Functie";
	desk.columns[2] = "Beroep, ISCO of naam";
	desk.columns[3] = "Plaats";
	desk.columns[8] = "Eisen (rijbewijs, certificaten, taal)";
	desk.explicit_column[1] = desk.explicit_column[2] = true;
	desk.explicit_column[3] = desk.explicit_column[8] = true;

	entry = read_csv(&desk, text);
	ck_assert_ptr_nonnull(json_object_get(entry, "error"));
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	json_decref(entry);

	desk.delimiter = ';';
	entry = read_csv(&desk, text);
	assert_no_file_error(entry);
	v = vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("heftruckchauffeur"));
	ck_assert_str_eq(vd_stub_str(v, "municipality"), "Venlo");
	want = json_array();
	json_array_append_new(want, vd_expect_phrase("heftruckcertificaat"));
	json_array_append_new(want, vd_expect_phrase("vca basis"));
	vd_expect_same_set(json_object_get(v, "require"), want);
	/* No id column: the file's name and the row. */
	ck_assert_str_eq(vd_stub_str(v, "id"), "csv-vacatures.csv-2");
	json_decref(entry);
}
END_TEST

/* ---- bad rows ----------------------------------------------------------- */

START_TEST(a_bad_row_is_reported_and_the_rest_kept)
{
	json_t *entry =
	    read_csv(&plain, "id;title;occupation;municipality;valid_through;requirements\n"
	                     "4711;Orderpicker;orderpicker;Tilburg;31-12-2026;\n"
	                     "4715;Beveiliger evenementen;beveiliger;Almere;31-13-2026;\n"
	                     "4716;;schoonmaker;Den Haag;2026-10-01;\n"
	                     "4717;Vrijwilliger dierenasiel;;Zwolle;;\n"
	                     "4718;Caf\xE9medewerker;;Zwolle;;\n"
	                     "4719;Stratenmaker;;Breda;2026-11-30;\n");
	const json_t *details;
	const char *problems;

	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 6);
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 0, "row 2"), "valid_through"),
	                 "2026-12-31");
	vd_stub_error(entry, 1, "row 3", "31-13-2026", "'valid_through'", NULL);
	vd_stub_error(entry, 2, "row 4", "title", NULL);
	vd_stub_error(entry, 3, "row 5", "occupation", "'requirements'", NULL);
	/* A cell saved as Windows-1252 rather than UTF-8. */
	vd_stub_error(entry, 4, "row 6", "field 2", "UTF-8", NULL);
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 5, "row 7"), "occupation"),
	                 vd_expect_occupation("stratenmaker"));

	/* Through a poll: the good rows stored, the bad ones in the details. */
	details = vd_stub_poll(stub, entry, "vacatures.csv");
	ck_assert_uint_eq(json_object_size(stub->emitted), 2);
	ck_assert_ptr_nonnull(json_object_get(stub->emitted, "csv-4711"));
	ck_assert_ptr_nonnull(json_object_get(stub->emitted, "csv-4719"));
	problems =
	    json_string_value(json_object_get(json_object_get(details, "files"), "vacatures.csv"));
	ck_assert_ptr_nonnull(problems);
	for (int row = 3; row <= 6; row++) {
		char label[16];
		snprintf(label, sizeof(label), "row %d: ", row);
		ck_assert_msg(strstr(problems, label), "'%s' not in '%s'", label, problems);
	}
	ck_assert_ptr_null(strstr(problems, "row 2"));
	ck_assert_ptr_null(strstr(problems, "row 7"));
	json_decref(entry);
}
END_TEST

START_TEST(an_unclosed_quote_ends_the_file)
{
	/* The rest of the file cannot be framed: the rows before are kept, the
	 * row is named with the line its quote opened on. */
	json_t *entry = read_csv(&plain, "id;title;occupation\n"
	                                 "4711;Orderpicker;orderpicker\n"
	                                 "4712;Kok;kok\n"
	                                 "4713;\"Schoonmaker;schoonmaker\n"
	                                 "4714;Bakker;bakker\n");

	ck_assert_uint_eq(vd_stub_count(entry), 3);
	vd_stub_vacancy(entry, 0, "row 2");
	vd_stub_vacancy(entry, 1, "row 3");
	vd_stub_error(entry, 2, "row 4", "never closed", "line 4", NULL);
	json_decref(entry);
}
END_TEST

/* ---- empty lines -------------------------------------------------------- */

START_TEST(empty_lines)
{
	/* A blank spreadsheet row in the middle keeps its number; the empty
	 * lines and the row of bare delimiters at the end are no rows. */
	json_t *entry = read_csv(&plain, "id;title;occupation\n"
	                                 "4711;Orderpicker;orderpicker\n"
	                                 "\n"
	                                 "4713;Kok;kok\n"
	                                 ";;\n"
	                                 "\n"
	                                 "\r\n"
	                                 "\n");

	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 2);
	vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 1, "row 4"), "id"), "csv-4713");
	json_decref(entry);

	/* Only a header: nothing, and nothing wrong. */
	entry = read_csv(&plain, "id;title;occupation\r\n\r\n");
	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	json_decref(entry);

	/* Not even a header. */
	entry = read_csv(&plain, "");
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "header"));
	json_decref(entry);
}
END_TEST

/* ---- a row's fields ----------------------------------------------------- */

START_TEST(fields_of_a_row)
{
	json_t *entry = read_csv(
	    &plain,
	    "id;title;occupation;municipality;hours_per_week;employer;valid_through;openings;"
	    "requirements;skills\n"
	    "4712;Buschauffeur streekvervoer;;Groningen;32 tot 36 uur;OV Noord;30-09-2026;2;"
	    "\"Nederlands B1; code 95 D\";klantgericht, stressbestendig\n"
	    "T/2026 08;Tankwagenchauffeur ADR;8332;Rotterdam;40;Van der Berg;;1;"
	    "Rijbewijs CE;\n");
	const json_t *v;
	json_t *want;
	char *term, *term2;

	assert_no_file_error(entry);
	ck_assert_uint_eq(vd_stub_count(entry), 2);
	v = vd_stub_vacancy(entry, 0, "row 2");
	ck_assert_str_eq(vd_stub_str(v, "title"), "Buschauffeur streekvervoer");
	/* No occupation column: the title. */
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("buschauffeur"));
	ck_assert_str_eq(vd_stub_str(v, "municipality"), "Groningen");
	ck_assert_double_eq(number(v, "hours_per_week"), 32);
	ck_assert_str_eq(vd_stub_str(v, "employer"), "OV Noord");
	ck_assert_str_eq(vd_stub_str(v, "valid_through"), "2026-09-30");
	ck_assert_double_eq(number(v, "openings"), 2);
	want = json_array();
	term = vd_expect_language("Nederlands", "B1");
	json_array_append_new(want, json_pack("[s]", term));
	free(term);
	json_array_append_new(want, vd_expect_phrase("code 95 d"));
	vd_expect_same_set(json_object_get(v, "require"), want);
	term = vd_expect_term("skill", "klantgericht");
	term2 = vd_expect_term("skill", "stressbestendig");
	vd_expect_same_set(json_object_get(v, "prefer"), json_pack("[s, s]", term, term2));
	free(term);
	free(term2);

	/* An ISCO code shared by several occupations: the title decides. */
	v = vd_stub_vacancy(entry, 1, "row 3");
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("tankwagenchauffeur"));
	ck_assert_str_eq(vd_stub_str(v, "id"), "csv-T-2026-08");
	ck_assert_ptr_null(json_object_get(v, "valid_through"));
	ck_assert_ptr_null(json_object_get(v, "prefer"));
	vd_expect_same_set(json_object_get(v, "require"),
	                   json_pack("[o]", vd_expect_phrase("rijbewijs ce")));
	json_decref(entry);
}
END_TEST

static Suite *
source_csv_suite(void)
{
	Suite *s = suite_create("source-csv");
	TCase *tc;

	tc = tcase_create("delimiters");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, semicolons_as_dutch_excel_writes);
	tcase_add_test(tc, commas_as_an_english_export_writes);
	suite_add_tcase(s, tc);
	tc = tcase_create("byte_order_mark");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_byte_order_mark);
	suite_add_tcase(s, tc);
	tc = tcase_create("quoting");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, quoted_fields);
	suite_add_tcase(s, tc);
	tc = tcase_create("crlf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, crlf_line_ends);
	suite_add_tcase(s, tc);
	tc = tcase_create("layout");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, configured_columns);
	tcase_add_test(tc, configured_delimiter);
	suite_add_tcase(s, tc);
	tc = tcase_create("bad_rows");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_bad_row_is_reported_and_the_rest_kept);
	tcase_add_test(tc, an_unclosed_quote_ends_the_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("empty_lines");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("fields");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fields_of_a_row);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(source_csv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* source-jsonld's reading of a file (plugins/source-jsonld/jsonld_read.h)
 * against a host stub (source_stub.h): the shapes sites publish JobPosting
 * JSON-LD in, the mapping of a posting's fields onto a vacancy, postings
 * that fail beside ones that do not, and the ids of API.md "Source ids".
 * Inputs are written as vacancy sites and their SEO plugins publish them;
 * expected occupations and terms are looked up in data/ by the words the
 * input uses (source_stub.h), not taken from the plugin. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conf.h"
#include "jsonld_read.h"
#include "source_stub.h"

static vd_src_tax_t *tax;
static vd_stub_t *stub;

static void
setup(void)
{
	tax = vd_stub_tax();
	stub = vd_stub_new("jsonld");
}

static void
teardown(void)
{
	vd_stub_free(stub);
	vd_src_tax_free(tax);
}

/* The read of text as the file called name (new). */
static json_t *
read_file(const char *name, const char *text)
{
	json_t *entry = vd_jsonld_read(tax, &stub->host, name, text, strlen(text));

	ck_assert_ptr_nonnull(entry);
	return entry;
}

/* Asserts that entry holds no file-level error and exactly the titles
 * given (NULL-terminated), in order, each one a vacancy. */
static void assert_titles(const json_t *entry, ...) __attribute__((sentinel));
static void
assert_titles(const json_t *entry, ...)
{
	va_list ap;
	const char *title;
	size_t n = 0;
	char label[32];

	ck_assert_msg(!json_object_get(entry, "error"), "file error: %s",
	              json_string_value(json_object_get(entry, "error")));
	va_start(ap, entry);
	while ((title = va_arg(ap, const char *))) {
		snprintf(label, sizeof(label), "posting %zu", n + 1);
		ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, n, label), "title"), title);
		n++;
	}
	va_end(ap);
	ck_assert_uint_eq(vd_stub_count(entry), n);
}

/* ---- the shapes a file comes in ----------------------------------------- */

START_TEST(one_posting)
{
	json_t *entry = read_file("taxi-tx77.jsonld", "{\n"
	                                              "  \"@context\": \"http://schema.org/\",\n"
	                                              "  \"@type\": \"JobPosting\",\n"
	                                              "  \"title\": \"Taxichauffeur Amsterdam\",\n"
	                                              "  \"identifier\": \"TX-77\",\n"
	                                              "  \"occupationalCategory\": \"8322\"\n"
	                                              "}\n");

	assert_titles(entry, "Taxichauffeur Amsterdam", NULL);
	json_decref(entry);
}
END_TEST

START_TEST(an_array_of_postings)
{
	/* Type spelled three ways, as different generators do. */
	json_t *entry =
	    read_file("horeca.json",
	              "[\n"
	              "  {\"@context\": \"https://schema.org\", \"@type\": \"JobPosting\",\n"
	              "   \"title\": \"Kok\", \"identifier\": \"K-1\"},\n"
	              "  {\"@context\": \"https://schema.org\", \"@type\": \"schema:JobPosting\",\n"
	              "   \"title\": \"Afwasser\", \"identifier\": \"A-1\"},\n"
	              "  {\"@type\": [\"https://schema.org/JobPosting\"],\n"
	              "   \"title\": \"Barmedewerker\", \"identifier\": \"B-1\"},\n"
	              "  {\"@type\": \"Organization\", \"name\": \"Brasserie De Dom\"}\n"
	              "]\n");

	assert_titles(entry, "Kok", "Afwasser", "Barmedewerker", NULL);
	json_decref(entry);
}
END_TEST

START_TEST(an_item_list)
{
	/* ListItems wrapping their posting in "item", and postings put in
	 * itemListElement directly. */
	json_t *entry = read_file(
	    "transport-rijnmond.json",
	    "{\n"
	    "  \"@context\": \"https://schema.org\",\n"
	    "  \"@type\": \"ItemList\",\n"
	    "  \"name\": \"Vacatures Transport Rijnmond\",\n"
	    "  \"itemListElement\": [\n"
	    "    {\"@type\": \"ListItem\", \"position\": 1, \"item\": {\n"
	    "      \"@type\": \"JobPosting\", \"title\": \"Vrachtwagenchauffeur C/CE\",\n"
	    "      \"identifier\": {\"@type\": \"PropertyValue\", \"value\": \"ACC-1\"}}},\n"
	    "    {\"@type\": \"ListItem\", \"position\": 2, \"item\": {\n"
	    "      \"@type\": \"JobPosting\", \"title\": \"Heftruckchauffeur\",\n"
	    "      \"identifier\": {\"@type\": \"PropertyValue\", \"value\": \"ACC-2\"}}},\n"
	    "    {\"@type\": \"JobPosting\", \"title\": \"Orderpicker\", \"identifier\": \"ACC-3\"},\n"
	    "    {\"@type\": \"ListItem\", \"position\": 4, \"name\": \"Over ons\",\n"
	    "     \"url\": \"https://transport-rijnmond.example/over-ons\"}\n"
	    "  ]\n"
	    "}\n");

	assert_titles(entry, "Vrachtwagenchauffeur C/CE", "Heftruckchauffeur", "Orderpicker", NULL);
	json_decref(entry);
}
END_TEST

START_TEST(a_graph)
{
	/* What Yoast SEO writes: one @graph with the page, the site and the
	 * posting side by side. */
	json_t *entry = read_file(
	    "schoonmaak.json",
	    "{\"@context\":\"https://schema.org\",\"@graph\":["
	    "{\"@type\":\"WebPage\",\"@id\":\"https://schoonenco.example/vacatures/schoonmaker/\","
	    "\"name\":\"Schoonmaker kantoren\"},"
	    "{\"@type\":\"WebSite\",\"@id\":\"https://schoonenco.example/#website\"},"
	    "{\"@type\":\"JobPosting\",\"title\":\"Schoonmaker kantoren (avond)\","
	    "\"identifier\":\"SC-12\"}]}");

	assert_titles(entry, "Schoonmaker kantoren (avond)", NULL);
	json_decref(entry);
}
END_TEST

static const char html_page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"nl\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<title>Schoonmaker kantoren Den Haag | Schoon &amp; Co</title>\n"
    "<script>window.dataLayer = window.dataLayer || []; var t = {\"@type\": "
    "\"JobPosting\"};</script>\n"
    "<script type='application/ld+json' class='yoast-schema-graph'>"
    "{\"@context\":\"https://schema.org\",\"@type\":\"JobPosting\","
    "\"title\":\"Schoonmaker kantoren (avond)\",\"identifier\":\"SC-12\","
    "\"occupationalCategory\":\"9112\"}</script>\n"
    "</head>\n"
    "<body>\n"
    "<h1>Schoonmaker kantoren</h1>\n"
    "<SCRIPT TYPE=\"application/ld+json\">\n"
    "{\"@context\": \"https://schema.org\", \"@type\": \"BreadcrumbList\", "
    "\"itemListElement\": [{\"@type\": \"ListItem\", \"position\": 1, \"name\": "
    "\"Vacatures\"}]}\n"
    "</SCRIPT>\n"
    "</body>\n"
    "</html>\n";

START_TEST(an_html_page)
{
	/* The inline script's JobPosting-looking object is JavaScript, not
	 * JSON-LD; the breadcrumb script is JSON-LD but no posting. */
	json_t *entry = read_file("schoonmaak-denhaag.html", html_page);

	assert_titles(entry, "Schoonmaker kantoren (avond)", NULL);
	json_decref(entry);
	/* The same bytes under a .json name are not JSON. */
	entry = read_file("schoonmaak-denhaag.json", html_page);
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "line 1"));
	json_decref(entry);
}
END_TEST

START_TEST(an_html_page_with_a_broken_script)
{
	json_t *entry =
	    read_file("vacature.htm",
	              "<html><head>\n"
	              "<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": "
	              "\"Kapot\",}</script>\n"
	              "<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": "
	              "\"Kok\", \"identifier\": \"K-9\"}</script>\n"
	              "</head><body></body></html>\n");

	/* The good block is kept; the bad one is named for the details. */
	ck_assert_uint_eq(vd_stub_count(entry), 1);
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 0, "posting 1"), "title"), "Kok");
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "script block 1"));
	json_decref(entry);

	entry = read_file("leeg.html", "<html><body><p>Geen vacatures</p></body></html>");
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "application/ld+json"));
	json_decref(entry);
}
END_TEST

/* ---- a posting's fields ------------------------------------------------- */

/* A full posting as a transport firm's site publishes it. */
static const char tank_posting[] =
    "{\n"
    "  \"@context\": \"https://schema.org/\",\n"
    "  \"@type\": \"JobPosting\",\n"
    "  \"title\": \"Tankwagenchauffeur ADR\\n   (m/v/x)\",\n"
    "  \"description\": \"<p>Voor onze nationale ritten zoeken wij een chauffeur.</p>\",\n"
    "  \"identifier\": {\"@type\": \"PropertyValue\", \"name\": \"Van der Berg "
    "Tanktransport\", \"value\": \"VDB-2026-031\"},\n"
    "  \"datePosted\": \"2026-05-04\",\n"
    "  \"validThrough\": \"2026-08-15T23:59:00+02:00\",\n"
    "  \"employmentType\": [\"FULL_TIME\", \"TEMPORARY\"],\n"
    "  \"occupationalCategory\": \"8332\",\n"
    "  \"hiringOrganization\": {\"@type\": \"Organization\", \"name\": \"Van der Berg "
    "Tanktransport B.V.\", \"sameAs\": \"https://vdberg-tank.example\"},\n"
    "  \"jobLocation\": {\"@type\": \"Place\", \"address\": {\"@type\": \"PostalAddress\",\n"
    "    \"streetAddress\": \"Botlekweg 120\", \"addressLocality\": \"Rotterdam\",\n"
    "    \"postalCode\": \"3197 KA\", \"addressCountry\": \"NL\"}},\n"
    "  \"workHours\": \"38 - 45 uur per week\",\n"
    "  \"totalJobOpenings\": 2,\n"
    "  \"baseSalary\": {\"@type\": \"MonetaryAmount\", \"currency\": \"EUR\", \"value\": "
    "{\"@type\": \"QuantitativeValue\", \"value\": 2900, \"unitText\": \"MONTH\"}},\n"
    "  \"qualifications\": \"Rijbewijs CE met code 95 en een geldig ADR-certificaat.\",\n"
    "  \"educationRequirements\": {\"@type\": \"EducationalOccupationalCredential\",\n"
    "    \"credentialCategory\": \"Nederlands op B1-niveau\"},\n"
    "  \"skills\": [\"Laden en lossen\", \"Klantgericht\"],\n"
    "  \"experienceRequirements\": {\"@type\": \"OccupationalExperienceRequirements\",\n"
    "    \"monthsOfExperience\": 24}\n"
    "}\n";

START_TEST(fields_of_a_full_posting)
{
	json_t *entry = read_file("vdberg.json", tank_posting), *want;
	const json_t *v = vd_stub_vacancy(entry, 0, "posting 1");
	const char *occupation = vd_expect_occupation("tankwagenchauffeur");
	char *term, experience[200];
	const char *key;
	json_t *value;

	ck_assert_uint_eq(vd_stub_count(entry), 1);
	/* The title on one line, as it was written without the layout. */
	ck_assert_str_eq(vd_stub_str(v, "title"), "Tankwagenchauffeur ADR (m/v/x)");
	ck_assert_str_eq(vd_stub_str(v, "id"), "jsonld-VDB-2026-031");
	ck_assert_str_eq(vd_stub_str(v, "occupation"), occupation);
	ck_assert_str_eq(vd_stub_str(v, "municipality"), "Rotterdam");
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Van der Berg Tanktransport B.V.");
	ck_assert_str_eq(vd_stub_str(v, "valid_through"), "2026-08-15");
	/* "38 - 45 uur": the lower bound, which a 38-hour week meets. */
	ck_assert(json_is_integer(json_object_get(v, "hours_per_week")));
	ck_assert_int_eq(json_integer_value(json_object_get(v, "hours_per_week")), 38);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "openings")), 2);

	/* qualifications and educationRequirements are hard requirements. */
	want = json_array();
	json_array_append_new(want, vd_expect_phrase("rijbewijs ce"));
	json_array_append_new(want, vd_expect_phrase("code 95"));
	json_array_append_new(want, vd_expect_phrase("adr-certificaat"));
	term = vd_expect_language("Nederlands", "B1");
	json_array_append_new(want, json_pack("[s]", term));
	free(term);
	vd_expect_same_set(json_object_get(v, "require"), want);

	/* skills and experienceRequirements are preferences, one term each. */
	want = json_array();
	term = vd_expect_term("skill", "laden en lossen");
	json_array_append_new(want, json_string(term));
	free(term);
	term = vd_expect_term("skill", "klantgericht");
	json_array_append_new(want, json_string(term));
	free(term);
	snprintf(experience, sizeof(experience), "experience:%s", occupation);
	json_array_append_new(want, json_string(experience));
	vd_expect_same_set(json_object_get(v, "prefer"), want);

	/* employmentType, baseSalary, description, datePosted have no place in
	 * a vacancy (API.md): nothing else is made up. */
	json_object_foreach((json_t *)v, key, value)
	{
		static const char *const known[] = {
		    "id",       "title",         "occupation", "municipality", "hours_per_week",
		    "employer", "valid_through", "openings",   "require",      "prefer"};
		bool found = false;
		(void)value;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			found = found || strcmp(known[i], key) == 0;
		ck_assert_msg(found, "unexpected member '%s'", key);
	}
	json_decref(entry);
}
END_TEST

START_TEST(fields_in_their_other_forms)
{
	/* hiringOrganization as a plain name, jobLocation as an array,
	 * occupationalCategory as a CategoryCode, hours with a decimal comma,
	 * a Dutch date, openings as text. */
	json_t *entry = read_file(
	    "logistiek.json",
	    "[{\n"
	    "  \"@context\": \"https://schema.org\",\n"
	    "  \"@type\": \"JobPosting\",\n"
	    "  \"title\": \"Orderpicker koel- en vriesvers\",\n"
	    "  \"identifier\": \"OP-17\",\n"
	    "  \"occupationalCategory\": {\"@type\": \"CategoryCode\", \"codeValue\": \"9333\",\n"
	    "    \"inCodeSet\": \"ISCO-08\", \"name\": \"Laders, lossers en magazijnpersoneel\"},\n"
	    "  \"hiringOrganization\": \"Distributiecentrum Tilburg\",\n"
	    "  \"jobLocation\": [{\"@type\": \"Place\", \"address\": {\"@type\": "
	    "\"PostalAddress\",\n"
	    "    \"addressLocality\": \"Tilburg\"}},\n"
	    "    {\"@type\": \"Place\", \"address\": {\"addressLocality\": \"Waalwijk\"}}],\n"
	    "  \"employmentType\": \"PART_TIME\",\n"
	    "  \"workHours\": \"32,5 uur\",\n"
	    "  \"totalJobOpenings\": \"5\",\n"
	    "  \"validThrough\": \"31-12-2026\"\n"
	    "}, {\n"
	    "  \"@type\": \"JobPosting\",\n"
	    "  \"title\": \"Magazijnmedewerker\",\n"
	    "  \"identifier\": \"MM-2\",\n"
	    "  \"workHours\": 40,\n"
	    "  \"validThrough\": \"30/09/2026\"\n"
	    "}]\n");
	const json_t *v = vd_stub_vacancy(entry, 0, "posting 1");
	json_t *group = vd_expect_isco("9333");

	/* 9333 is several occupations: the title says which. */
	ck_assert_uint_gt(json_array_size(group), 1);
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("orderpicker"));
	ck_assert_str_ne(vd_stub_str(v, "occupation"), json_string_value(json_array_get(group, 0)));
	ck_assert_str_eq(vd_stub_str(v, "employer"), "Distributiecentrum Tilburg");
	ck_assert_str_eq(vd_stub_str(v, "municipality"), "Tilburg");
	ck_assert(json_is_real(json_object_get(v, "hours_per_week")));
	ck_assert_double_eq(json_real_value(json_object_get(v, "hours_per_week")), 32.5);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "openings")), 5);
	ck_assert_str_eq(vd_stub_str(v, "valid_through"), "2026-12-31");

	v = vd_stub_vacancy(entry, 1, "posting 2");
	ck_assert_str_eq(vd_stub_str(v, "occupation"), vd_expect_occupation("magazijnmedewerker"));
	ck_assert_int_eq(json_integer_value(json_object_get(v, "hours_per_week")), 40);
	ck_assert_str_eq(vd_stub_str(v, "valid_through"), "2026-09-30");
	ck_assert_ptr_null(json_object_get(v, "municipality"));
	ck_assert_ptr_null(json_object_get(v, "employer"));
	json_decref(group);
	json_decref(entry);
}
END_TEST

/* One posting with occupationalCategory category and title title (JSON
 * text, quoted): its occupation. */
static char *
occupation_of(const char *category, const char *title)
{
	char text[1000];
	json_t *entry;
	char *code;

	snprintf(text, sizeof(text),
	         "{\"@type\": \"JobPosting\", \"identifier\": \"X-1\", \"title\": %s%s%s}", title,
	         category ? ", \"occupationalCategory\": " : "", category ? category : "");
	entry = read_file("x.json", text);
	code = strdup(vd_stub_str(vd_stub_vacancy(entry, 0, "posting 1"), "occupation"));
	json_decref(entry);
	return code;
}

START_TEST(occupation_from_category_and_title)
{
	json_t *group = vd_expect_isco("8332");
	const char *first = json_string_value(json_array_get(group, 0));
	const char *tank = vd_expect_occupation("tankwagenchauffeur");
	char *got;

	/* The data must make 8332 ambiguous for this test to mean anything. */
	ck_assert_uint_ge(json_array_size(group), 2);
	ck_assert_str_ne(first, tank);

	/* An ISCO code shared by several occupations: the title decides... */
	got = occupation_of("\"8332\"", "\"Tankwagenchauffeur ADR\"");
	ck_assert_str_eq(got, tank);
	free(got);
	got = occupation_of("\"8332 Vrachtwagenchauffeurs\"", "\"Vrachtwagenchauffeur nationaal\"");
	ck_assert_str_eq(got, vd_expect_occupation("vrachtwagenchauffeur"));
	free(got);
	/* ...and where it names none of them, the group's first. */
	got = occupation_of("\"8332\"", "\"Chauffeur (m/v)\"");
	ck_assert_str_eq(got, first);
	free(got);
	/* An ISCO code of one occupation wins over a title naming another. */
	got = occupation_of("{\"@type\": \"CategoryCode\", \"codeValue\": \"8344\"}",
	                    "\"Chauffeur binnendienst\"");
	ck_assert_str_eq(got, vd_expect_occupation("heftruckchauffeur"));
	free(got);
	/* A name, singular or plural, in any case. */
	got = occupation_of("\"Heftruckchauffeur\"", "\"Medewerker (32-40 uur)\"");
	ck_assert_str_eq(got, vd_expect_occupation("heftruckchauffeur"));
	free(got);
	got = occupation_of("[\"schoonmakers\", \"Facilitair\"]", "\"Avondwerk Den Haag\"");
	ck_assert_str_eq(got, vd_expect_occupation("schoonmaker"));
	free(got);
	/* No category: the title alone. */
	got = occupation_of(NULL, "\"Buschauffeur streekvervoer\"");
	ck_assert_str_eq(got, vd_expect_occupation("buschauffeur"));
	free(got);
	json_decref(group);
}
END_TEST

START_TEST(requirements_from_each_field)
{
	json_t *entry = read_file(
	    "taxi.json",
	    "{\n"
	    "  \"@type\": \"JobPosting\",\n"
	    "  \"title\": \"Taxichauffeur (m/v/x) Amsterdam\",\n"
	    "  \"identifier\": \"TX-78\",\n"
	    "  \"occupationalCategory\": \"8322\",\n"
	    "  \"qualifications\": [\"Chauffeurskaart\", \"Rijbewijs B\"],\n"
	    "  \"educationRequirements\": \"Verklaring Omtrent het Gedrag (VOG)\",\n"
	    "  \"skills\": \"Je bent klantgericht en stressbestendig. Een EHBO-diploma is een "
	    "pre.\",\n"
	    "  \"experienceRequirements\": \"Minimaal 1 jaar ervaring als taxichauffeur\"\n"
	    "}\n");
	const json_t *v = vd_stub_vacancy(entry, 0, "posting 1");
	json_t *want = json_array();
	char *term, experience[200];

	json_array_append_new(want, vd_expect_phrase("chauffeurskaart"));
	json_array_append_new(want, vd_expect_phrase("rijbewijs b"));
	term = vd_expect_term("certificate", "Verklaring Omtrent het Gedrag");
	json_array_append_new(want, json_pack("[s]", term));
	free(term);
	vd_expect_same_set(json_object_get(v, "require"), want);

	want = json_array();
	term = vd_expect_term("skill", "klantgericht");
	json_array_append_new(want, json_string(term));
	free(term);
	term = vd_expect_term("skill", "stressbestendig");
	json_array_append_new(want, json_string(term));
	free(term);
	term = vd_expect_term("certificate", "EHBO-diploma");
	json_array_append_new(want, json_string(term));
	free(term);
	snprintf(experience, sizeof(experience), "experience:%s",
	         vd_expect_occupation("taxichauffeur"));
	json_array_append_new(want, json_string(experience));
	vd_expect_same_set(json_object_get(v, "prefer"), want);
	json_decref(entry);
}
END_TEST

/* ---- postings that fail ------------------------------------------------- */

START_TEST(a_failing_posting_is_reported_and_the_rest_kept)
{
	json_t *entry = read_file(
	    "bouw.json",
	    "[\n"
	    "  {\"@type\": \"JobPosting\", \"title\": \"Metselaar\", \"identifier\": \"M-1\"},\n"
	    "  {\"@type\": \"JobPosting\", \"name\": \"Timmerman\", \"identifier\": \"T-1\"},\n"
	    "  {\"@type\": \"JobPosting\", \"title\": \"Dakdekker\", \"identifier\": \"D-1\",\n"
	    "   \"validThrough\": \"z.s.m.\"},\n"
	    "  {\"@type\": \"JobPosting\", \"title\": \"Vrijwilliger dierenasiel\", "
	    "\"identifier\": \"V-1\"},\n"
	    "  {\"@type\": \"JobPosting\", \"title\": \"Stratenmaker\", \"identifier\": \"S-1\"}\n"
	    "]\n");
	const json_t *details, *files;
	const char *problems;

	ck_assert_uint_eq(vd_stub_count(entry), 5);
	ck_assert_ptr_null(json_object_get(entry, "error"));
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 0, "posting 1"), "title"), "Metselaar");
	vd_stub_error(entry, 1, "posting 2", "title", NULL);
	vd_stub_error(entry, 2, "posting 3", "validThrough", "z.s.m.", NULL);
	vd_stub_error(entry, 3, "posting 4", "occupation", NULL);
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 4, "posting 5"), "occupation"),
	                 vd_expect_occupation("stratenmaker"));

	/* Through a poll: the good ones stored, the bad ones in the details. */
	details = vd_stub_poll(stub, entry, "bouw.json");
	ck_assert_uint_eq(json_object_size(stub->emitted), 2);
	ck_assert_ptr_nonnull(json_object_get(stub->emitted, "jsonld-M-1"));
	ck_assert_ptr_nonnull(json_object_get(stub->emitted, "jsonld-S-1"));
	ck_assert_int_eq(json_integer_value(json_object_get(details, "vacancies")), 2);
	files = json_object_get(details, "files");
	problems = json_string_value(json_object_get(files, "bouw.json"));
	ck_assert_ptr_nonnull(problems);
	ck_assert_ptr_nonnull(strstr(problems, "posting 2: "));
	ck_assert_ptr_nonnull(strstr(problems, "posting 3: "));
	ck_assert_ptr_nonnull(strstr(problems, "posting 4: "));
	ck_assert_ptr_null(strstr(problems, "posting 1"));
	ck_assert_ptr_null(strstr(problems, "posting 5"));
	json_decref(entry);
}
END_TEST

START_TEST(a_file_that_fails_as_a_whole)
{
	/* A trailing comma, as a hand-edited export has: line and column. */
	json_t *entry = read_file("kapot.json", "{\n"
	                                        "  \"@type\": \"JobPosting\",\n"
	                                        "  \"title\": \"Productiemedewerker\",\n"
	                                        "  \"identifier\": \"KAPOT-1\",\n"
	                                        "}\n");
	const char text[] = "{\"@type\": \"JobPosting\", \"title\": \"Kok\"}\0{}";

	ck_assert_uint_eq(vd_stub_count(entry), 0);
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "line 5"));
	json_decref(entry);

	entry = read_file("organisatie.json", "{\"@type\": \"Organization\", \"name\": \"Kapper "
	                                      "Knip\"}");
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "no JobPosting"));
	json_decref(entry);

	/* A NUL inside the bytes read: not a text file. */
	entry = vd_jsonld_read(tax, &stub->host, "nul.json", text, sizeof(text) - 1);
	ck_assert_uint_eq(vd_stub_count(entry), 0);
	ck_assert_ptr_nonnull(strstr(vd_stub_str(entry, "error"), "NUL"));
	json_decref(entry);
}
END_TEST

/* ---- ids ---------------------------------------------------------------- */

START_TEST(ids_from_identifiers)
{
	static const char url[] = "https://www.werkenbijdeboer.example/vacatures/logistiek/"
	                          "magazijnmedewerker-nachtdienst-venlo?utm_source=indeed";
	char text[2000], full[300], want[65], hex[65];
	json_t *entry;

	snprintf(text, sizeof(text),
	         "[{\"@type\": \"JobPosting\", \"title\": \"Kok\", \"identifier\": "
	         "{\"@type\": \"PropertyValue\", \"name\": \"Brasserie\", \"value\": "
	         "\"BR-2026/01\"}},\n"
	         " {\"@type\": \"JobPosting\", \"title\": \"Kok\", \"identifier\": "
	         "{\"@type\": \"PropertyValue\", \"value\": 5120017}},\n"
	         " {\"@type\": \"JobPosting\", \"title\": \"Kok\", \"identifier\": \"kok "
	         "zuid#3\"},\n"
	         " {\"@type\": \"JobPosting\", \"title\": \"Kok\"},\n"
	         " {\"@type\": \"JobPosting\", \"title\": \"Kok\", \"identifier\": \"\"},\n"
	         " {\"@type\": \"JobPosting\", \"title\": \"Magazijnmedewerker\", \"identifier\": "
	         "\"%s\"},\n"
	         " {\"@type\": \"JobPosting\", \"title\": \"Magazijnmedewerker\", \"identifier\": "
	         "\"%s2\"}]",
	         url, url);
	entry = read_file("vacatures.json", text);

	/* What the reader passes as the identifier. */
	ck_assert_uint_eq(json_array_size(stub->identifiers), 7);
	ck_assert_str_eq(json_string_value(json_array_get(stub->identifiers, 0)), "BR-2026/01");
	ck_assert_str_eq(json_string_value(json_array_get(stub->identifiers, 1)), "5120017");
	ck_assert_str_eq(json_string_value(json_array_get(stub->identifiers, 2)), "kok zuid#3");
	/* Without an identifier (or an empty one): file and position. */
	ck_assert_str_eq(json_string_value(json_array_get(stub->identifiers, 3)),
	                 "vacatures.json-4");
	ck_assert_str_eq(json_string_value(json_array_get(stub->identifiers, 4)),
	                 "vacatures.json-5");

	/* The ids: the prefix, bad characters as '-'. */
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 0, "posting 1"), "id"),
	                 "jsonld-BR-2026-01");
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 1, "posting 2"), "id"),
	                 "jsonld-5120017");
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 2, "posting 3"), "id"),
	                 "jsonld-kok-zuid-3");
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 3, "posting 4"), "id"),
	                 "jsonld-vacatures.json-4");

	/* Over 64: the first 55 characters, '-', 8 hex digits of the whole. */
	snprintf(full, sizeof(full), "jsonld-%s", url);
	vd_sha256_hex(full, strlen(full), hex);
	snprintf(want, sizeof(want), "%.55s-%.8s",
	         "jsonld-https---www.werkenbijdeboer.example-vacatures-logistiek-", hex);
	ck_assert_str_eq(vd_stub_str(vd_stub_vacancy(entry, 5, "posting 6"), "id"), want);
	ck_assert_uint_eq(strlen(want), 64);
	/* Two identifiers alike in their first 55 characters stay apart. */
	ck_assert_str_ne(vd_stub_str(vd_stub_vacancy(entry, 6, "posting 7"), "id"), want);
	ck_assert_uint_eq(strlen(vd_stub_str(vd_stub_vacancy(entry, 6, "posting 7"), "id")), 64);
	json_decref(entry);
}
END_TEST

static Suite *
source_jsonld_suite(void)
{
	Suite *s = suite_create("source-jsonld");
	TCase *tc;

	tc = tcase_create("shapes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_posting);
	tcase_add_test(tc, an_array_of_postings);
	tcase_add_test(tc, an_item_list);
	tcase_add_test(tc, a_graph);
	suite_add_tcase(s, tc);
	tc = tcase_create("html");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_html_page);
	tcase_add_test(tc, an_html_page_with_a_broken_script);
	suite_add_tcase(s, tc);
	tc = tcase_create("fields");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fields_of_a_full_posting);
	tcase_add_test(tc, fields_in_their_other_forms);
	suite_add_tcase(s, tc);
	tc = tcase_create("occupation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, occupation_from_category_and_title);
	suite_add_tcase(s, tc);
	tc = tcase_create("requirements");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, requirements_from_each_field);
	suite_add_tcase(s, tc);
	tc = tcase_create("failures");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_failing_posting_is_reported_and_the_rest_kept);
	tcase_add_test(tc, a_file_that_fails_as_a_whole);
	suite_add_tcase(s, tc);
	tc = tcase_create("ids");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ids_from_identifiers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(source_jsonld_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

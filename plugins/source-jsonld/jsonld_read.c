/* source-jsonld's reading of one file: see jsonld_read.h. Everything here
 * works on text in memory, so that a fuzzer can drive it without files. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonld_read.h"

/* "JobPosting", "schema:JobPosting", "https://schema.org/JobPosting". */
static bool
type_is(const json_t *node, const char *type)
{
	const json_t *t = json_object_get(node, "@type");
	size_t i, n = json_is_array(t) ? json_array_size(t) : 1;

	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_is_array(t) ? json_array_get(t, i) : t);
		const char *slash = s ? strrchr(s, '/') : NULL, *colon = s ? strrchr(s, ':') : NULL;
		if (slash)
			s = slash + 1;
		else if (colon)
			s = colon + 1;
		if (s && strcmp(s, type) == 0)
			return true;
	}
	return false;
}

/* Every JobPosting in node, appended (borrowed references) to out. */
static void
collect_postings(json_t *node, json_t *out, int depth)
{
	size_t i;
	json_t *v;

	if (depth > 8)
		return;
	if (json_is_array(node)) {
		json_array_foreach(node, i, v) collect_postings(v, out, depth + 1);
	} else if (type_is(node, "JobPosting")) {
		json_array_append(out, node);
	} else if (type_is(node, "ItemList")) {
		json_array_foreach(json_object_get(node, "itemListElement"), i, v)
		{
			json_t *item = json_object_get(v, "item");
			collect_postings(item ? item : v, out, depth + 1);
		}
	} else if (json_object_get(node, "@graph")) {
		collect_postings(json_object_get(node, "@graph"), out, depth + 1);
	}
}

static bool
parse_json(const char *text, size_t len, json_t *postings, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);

	if (!root) {
		snprintf(why, why_len, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return false;
	}
	collect_postings(root, postings, 0);
	json_decref(root);
	return true;
}

/* <script type="application/ld+json">, attribute quoting and case as pages
 * write them. */
static bool
is_ld_script(const char *tag, size_t len)
{
	char *attrs = strndup(tag, len);
	bool yes;

	for (char *c = attrs; c && *c; c++)
		*c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
	yes = attrs && strstr(attrs, "application/ld+json") && strstr(attrs, "type");
	free(attrs);
	return yes;
}

static bool
parse_html(const char *text, json_t *postings, char *why, size_t why_len)
{
	const char *p = text;
	int blocks = 0, bad = 0;
	char one[300];

	why[0] = '\0';
	while ((p = strcasestr(p, "<script"))) {
		const char *tag_end = strchr(p, '>'), *end;
		if (!tag_end)
			break;
		end = strcasestr(tag_end, "</script");
		if (!end)
			break;
		if (is_ld_script(p, (size_t)(tag_end - p))) {
			blocks++;
			if (!parse_json(tag_end + 1, (size_t)(end - tag_end - 1), postings, one,
			                sizeof(one))) {
				bad++;
				snprintf(why + strlen(why), why_len - strlen(why),
				         "%sscript block %d: %s", bad > 1 ? "; " : "", blocks, one);
			}
		}
		p = end;
	}
	if (!blocks)
		snprintf(why, why_len, "no <script type=\"application/ld+json\"> in the page");
	return blocks > bad;
}

/* ---- mapping a posting ------------------------------------------------- */

/* The text of a schema.org value: a string, a number, an object's name or
 * value or description, or an array of these, joined with "; ". New. */
static char *
text_of(const json_t *v)
{
	/* A CategoryCode's code says more than its name ("8322" against
	 * "Chauffeurs van auto's, taxi's en bestelwagens"). */
	static const char *const keys[] = {"codeValue", "name", "value", "credentialCategory",
	                                   "description"};
	size_t i;
	json_t *e;
	char *out = NULL, *part, *joined;

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v) && asprintf(&out, "%lld", (long long)json_integer_value(v)) >= 0)
		return out;
	if (json_is_object(v)) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if ((out = text_of(json_object_get(v, keys[i]))))
				return out;
		return NULL;
	}
	json_array_foreach(v, i, e)
	{
		if (!(part = text_of(e)))
			continue;
		if (!out) {
			out = part;
			continue;
		}
		if (asprintf(&joined, "%s; %s", out, part) < 0)
			joined = NULL;
		free(out);
		free(part);
		out = joined;
	}
	return out;
}

static const json_t *
first_of(const json_t *v)
{
	return json_is_array(v) ? json_array_get(v, 0) : v;
}

/* The identifier for the id: identifier.value, identifier, or file and
 * position. New. */
static char *
identifier_of(const json_t *posting, const char *file, size_t position)
{
	const json_t *id = first_of(json_object_get(posting, "identifier"));
	char *text = json_is_object(id) ? text_of(json_object_get(id, "value")) : text_of(id);

	if (text && *text)
		return text;
	free(text); /* "": an identifier that says nothing */
	if (asprintf(&text, "%s-%zu", file, position) < 0)
		text = NULL;
	return text;
}

static void
map_place(const json_t *posting, json_t *vacancy)
{
	const json_t *place = first_of(json_object_get(posting, "jobLocation"));
	const json_t *address = json_object_get(place, "address");
	const char *locality =
	    json_string_value(json_object_get(first_of(address), "addressLocality"));

	char *clean = vd_src_clean(locality);

	if (clean && *clean)
		json_object_set_new(vacancy, "municipality", json_string(clean));
	free(clean);
}

static void
map_numbers(const json_t *posting, json_t *vacancy)
{
	const json_t *hours = json_object_get(posting, "workHours");
	const json_t *openings = json_object_get(posting, "totalJobOpenings");
	char *text = text_of(hours);
	double n;

	if (text && vd_src_number(text, &n) && n >= 1 && n <= 80)
		json_object_set_new(vacancy, "hours_per_week",
		                    n == (json_int_t)n ? json_integer((json_int_t)n)
		                                       : json_real(n));
	free(text);
	text = text_of(openings);
	if (text && vd_src_number(text, &n) && n >= 1 && n <= 10000)
		json_object_set_new(vacancy, "openings", json_integer((json_int_t)n));
	free(text);
}

static void
map_requirements(const vd_src_tax_t *tax, const json_t *posting, json_t *vacancy)
{
	static const char *const hard[] = {"qualifications", "educationRequirements"};
	json_t *found = json_array();
	const char *occupation = json_string_value(json_object_get(vacancy, "occupation"));
	char *text;
	char term[200];

	for (size_t i = 0; i < 2; i++) {
		text = text_of(json_object_get(posting, hard[i]));
		if (text)
			vd_src_scan(tax, text, found);
		free(text);
	}
	vd_src_add_require(vacancy, found);
	json_array_clear(found);
	text = text_of(json_object_get(posting, "skills"));
	if (text)
		vd_src_scan(tax, text, found);
	free(text);
	if (occupation && json_object_get(posting, "experienceRequirements")) {
		snprintf(term, sizeof(term), "experience:%s", occupation);
		json_array_append_new(found, json_pack("[s]", term));
	}
	vd_src_add_prefer(vacancy, found);
	json_decref(found);
}

/* The vacancy for one posting (new), or NULL with why filled in. */
static json_t *
map_posting(const vd_src_tax_t *tax, const vd_host_t *host, const json_t *posting, const char *file,
            size_t position, char *why, size_t why_len)
{
	char *raw = text_of(json_object_get(posting, "title"));
	char *title = vd_src_clean(raw);
	char *category = text_of(first_of(json_object_get(posting, "occupationalCategory")));
	char *ident = NULL, *employer = NULL, *through = NULL;
	char id[65], date[11];
	const char *occupation;
	json_t *vacancy = NULL;

	if (!title || !*title) {
		snprintf(why, why_len, "a JobPosting needs a title");
		goto out;
	}
	through = text_of(json_object_get(posting, "validThrough"));
	if (through && !vd_src_date(through, date)) {
		snprintf(why, why_len, "validThrough '%.40s' is not a date", through);
		goto out;
	}
	ident = identifier_of(posting, file, position);
	host->vacancy_id(host, ident ? ident : file, id);
	vacancy = json_pack("{s:s, s:o}", "id", id, "title", vd_src_title(title));
	occupation = vd_src_occupation(tax, category, title);
	if (occupation)
		json_object_set_new(vacancy, "occupation", json_string(occupation));
	map_place(posting, vacancy);
	map_numbers(posting, vacancy);
	free(raw);
	raw = text_of(first_of(json_object_get(posting, "hiringOrganization")));
	employer = vd_src_clean(raw);
	if (employer && *employer && strlen(employer) <= 300)
		json_object_set_new(vacancy, "employer", json_string(employer));
	if (through)
		json_object_set_new(vacancy, "valid_through", json_string(date));
	map_requirements(tax, posting, vacancy);
	if (!occupation && !json_object_get(vacancy, "require")) {
		/* The server refuses a vacancy that asks for nothing: say why here. */
		snprintf(
		    why, why_len,
		    "no known occupation in its occupationalCategory or title, and no requirement in its qualifications: nothing to match people on");
		json_decref(vacancy);
		vacancy = NULL;
	}
out:
	free(raw);
	free(title);
	free(category);
	free(ident);
	free(employer);
	free(through);
	return vacancy;
}

json_t *
vd_jsonld_read(const vd_src_tax_t *tax, const vd_host_t *host, const char *name, const char *text,
               size_t len)
{
	char why[600];
	json_t *entry = json_pack("{s:[]}", "items");
	json_t *postings = json_array(), *posting;
	const char *ext = strrchr(name, '.');
	size_t i;

	why[0] = '\0';
	if (strlen(text) != len)
		snprintf(why, sizeof(why), "the file holds a NUL byte: not text");
	else if (ext && strncasecmp(ext, ".htm", 4) == 0)
		parse_html(text, postings, why, sizeof(why));
	else
		parse_json(text, len, postings, why, sizeof(why));
	if (!why[0] && json_array_size(postings) == 0)
		snprintf(why, sizeof(why), "no JobPosting in the file");
	if (why[0])
		json_object_set_new(entry, "error", json_string(why));
	json_array_foreach(postings, i, posting)
	{
		char label[40];
		json_t *vacancy = map_posting(tax, host, posting, name, i + 1, why, sizeof(why));
		snprintf(label, sizeof(label), "posting %zu", i + 1);
		json_array_append_new(
		    json_object_get(entry, "items"),
		    vacancy ? json_pack("{s:s, s:o}", "label", label, "vacancy", vacancy)
		            : json_pack("{s:s, s:s}", "label", label, "error", why));
	}
	json_decref(postings);
	return entry;
}

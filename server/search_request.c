#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

/* Validation and normalisation of a structured search query: the POST
 * /v1/search body, or what vd_query_parse_text made of the employer's text. */

#define MAX_SUGGESTIONS 5
#define MAX_TERM_LEN    200
/* Room for a term of MAX_TERM_LEN and the kind or level written around it. */
#define TERM_BUF (MAX_TERM_LEN + 64)

static const char *const body_fields[] = {"text", "count", "occupation", "require", "prefer",
                                          "near", "in",    "exclude",    "facets"};
/* The kinds of term a search can count among those who qualify. */
static const char *const facet_kinds[] = {"licence", "code95",     "certificate",
                                          "skill",   "experience", "language"};
static const char *const near_fields[] = {"municipality", "km"};
static const char *const term_kinds[] = {"licence",     "code95", "language",
                                         "certificate", "skill",  "experience"};
static const char *const cefr_levels[] = {"A1", "A2", "B1", "B2", "C1", "C2"};

/* Appends {"pointer", "detail", ["word"], ["suggestions"]}; steals suggestions. */
static void
add_error_v(json_t *errors, const char *pointer, const char *word, json_t *suggestions,
            const char *fmt, va_list ap)
{
	char detail[1024];
	size_t len;
	json_t *error;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	len = strlen(detail);
	if (suggestions && json_array_size(suggestions) > 0) {
		size_t i;
		json_t *s;

		len +=
		    (size_t)snprintf(detail + len, len < sizeof(detail) ? sizeof(detail) - len : 0,
		                     " (did you mean: ");
		json_array_foreach(suggestions, i, s)
		{
			if (len >= sizeof(detail))
				break;
			len += (size_t)snprintf(detail + len, sizeof(detail) - len, "%s%s",
			                        i ? ", " : "", json_string_value(s));
		}
		if (len < sizeof(detail))
			snprintf(detail + len, sizeof(detail) - len, ")");
	}
	error = json_pack("{s:s, s:s}", "pointer", pointer, "detail", detail);
	if (!error) {
		json_decref(suggestions);
		return;
	}
	if (word)
		json_object_set_new(error, "word", json_string(word));
	if (suggestions)
		json_object_set_new(error, "suggestions", suggestions);
	json_array_append_new(errors, error);
}

static void add_error(json_t *errors, const char *pointer, const char *word, json_t *suggestions,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
add_error(json_t *errors, const char *pointer, const char *word, json_t *suggestions,
          const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_v(errors, pointer, word, suggestions, fmt, ap);
	va_end(ap);
}

void
vd_query_error(json_t *errors, const char *pointer, const char *word,
               const char *const *suggestions, size_t n, const char *fmt, ...)
{
	json_t *list = NULL;
	va_list ap;

	if (suggestions) {
		list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, json_string(suggestions[i]));
	}
	va_start(ap, fmt);
	add_error_v(errors, pointer, word, list, fmt, ap);
	va_end(ap);
}

static bool
in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static bool
array_has_string(const json_t *array, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(array, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

/* Appends "prefix" + s to list unless it is there or the list is full. */
static void
suggest_add(json_t *list, const char *prefix, const char *s)
{
	char term[TERM_BUF];

	if (json_array_size(list) >= MAX_SUGGESTIONS)
		return;
	snprintf(term, sizeof(term), "%s%s", prefix, s);
	if (!array_has_string(list, term))
		json_array_append_new(list, json_string(term));
}

/* "/require/1" + "/" + key, with ~ and / escaped as RFC 6901 asks. */
static void
pointer_join(char *out, size_t size, const char *base, const char *key)
{
	size_t len = (size_t)snprintf(out, size, "%s/", base);

	for (; *key && len + 3 < size; key++) {
		if (*key == '~' || *key == '/') {
			out[len++] = '~';
			out[len++] = *key == '~' ? '0' : '1';
		} else {
			out[len++] = *key;
		}
	}
	out[len < size ? len : size - 1] = '\0';
}

static void
pointer_index(char *out, size_t size, const char *base, size_t i)
{
	snprintf(out, size, "%s/%zu", base, i);
}

/* Every key of obj must be in allowed; one error per stranger. */
static void
check_fields(const json_t *obj, const char *base, const char *const *allowed, size_t n,
             json_t *errors)
{
	const char *key;
	json_t *v;
	char pointer[256];

	json_object_foreach((json_t *)obj, key, v)
	{
		if (in_list(key, allowed, n))
			continue;
		pointer_join(pointer, sizeof(pointer), base, key);
		add_error(errors, pointer, NULL, NULL, "unknown field '%s'", key);
	}
}

/* ---- requirement terms ---------------------------------------------------- */

/* Suggestions for a code of a kind that has no suggest vocabulary: the
 * taxonomy's licence codes, those with the same first letter first. */
static void
suggest_licences(const vd_taxonomy_t *tax, const char *prefix, const char *code, json_t *list)
{
	size_t n = vd_taxonomy_n_competences(tax);

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const vd_competence_t *c = vd_taxonomy_competence_at(tax, i);
			bool same =
			    toupper((unsigned char)c->code[0]) == toupper((unsigned char)code[0]);

			if (c->kind == VD_KIND_LICENCE && same == (pass == 0))
				suggest_add(list, prefix, c->code);
		}
	}
}

static void
suggest_from_taxonomy(const vd_taxonomy_t *tax, vd_suggest_kind_t kind, const char *prefix,
                      const char *code, const char *suffix, json_t *list)
{
	const char *out[MAX_SUGGESTIONS];
	size_t n = vd_taxonomy_suggest(tax, kind, code, out, MAX_SUGGESTIONS);
	char with_suffix[TERM_BUF];

	for (size_t i = 0; i < n; i++) {
		snprintf(with_suffix, sizeof(with_suffix), "%s%s", out[i], suffix);
		suggest_add(list, prefix, with_suffix);
	}
}

/* Occupation suggestions come as words ("chauffeurs"); experience terms need codes. */
static void
suggest_experience(const vd_taxonomy_t *tax, const char *code, json_t *list)
{
	const char *out[MAX_SUGGESTIONS];
	char *folded = vd_fold(code);
	size_t n = vd_taxonomy_suggest(tax, VD_SUGGEST_OCCUPATION, folded ? folded : code, out,
	                               MAX_SUGGESTIONS);

	for (size_t i = 0; i < n; i++) {
		const vd_occupation_t *occ = vd_taxonomy_occupation_by_words(tax, out[i]);

		if (occ)
			suggest_add(list, "experience:", occ->code);
	}
	free(folded);
}

/* A bare word in place of a term ("VCA"): what "met VCA" would have meant. */
static void
suggest_from_words(const vd_taxonomy_t *tax, const char *term, json_t *list)
{
	char *folded = vd_fold(term);
	const vd_strv_t *group = folded ? vd_taxonomy_competence_by_words(tax, folded) : NULL;

	for (size_t i = 0; group && i < group->n; i++)
		suggest_add(list, "", group->v[i]);
	free(folded);
}

/* The CEFR level for a level as written ("b1", "2F"); NULL when it is none. */
static const char *
canonical_level(const char *level)
{
	static const char *const f_levels[] = {"A2", "B1", "B2", "C1"};

	if (strlen(level) != 2)
		return NULL;
	/* Dutch reference levels 1F..4F are used beside CEFR in the field. */
	if (level[0] >= '1' && level[0] <= '4' && (level[1] == 'f' || level[1] == 'F'))
		return f_levels[level[0] - '1'];
	for (size_t i = 0; i < sizeof(cefr_levels) / sizeof(*cefr_levels); i++)
		if (toupper((unsigned char)level[0]) == cefr_levels[i][0] &&
		    level[1] == cefr_levels[i][1])
			return cefr_levels[i];
	return NULL;
}

static void
str_upper(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

static void
str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Writes language:CODE[:LEVEL] into buf (size TERM_BUF) in
 * its canonical spelling. False after an error about the level. */
static bool
canonical_language(char *buf, const char *code, const char *pointer, json_t *errors)
{
	char lang[MAX_TERM_LEN + 1];
	char *colon;
	const char *level;

	snprintf(lang, sizeof(lang), "%s", code);
	colon = strchr(lang, ':');
	if (colon)
		*colon = '\0';
	str_lower(lang);
	if (!colon) {
		snprintf(buf, TERM_BUF, "language:%s", lang);
		return true;
	}
	level = canonical_level(colon + 1);
	if (!level) {
		json_t *list = json_array();

		for (size_t i = 0; i < sizeof(cefr_levels) / sizeof(*cefr_levels); i++)
			suggest_add(list, "", cefr_levels[i]);
		add_error(errors, pointer, NULL, list,
		          "unknown language level '%s' (CEFR A1..C2, or Dutch 1F..4F)", colon + 1);
		return false;
	}
	snprintf(buf, TERM_BUF, "language:%s:%s", lang, level);
	return true;
}

/* Tries the lower-case spelling, and for experience the occupation's code
 * when an ESCO URI or an occupation word was given. */
static void
canonical_rescue(const vd_taxonomy_t *tax, char *buf, const char *kind, const char *code)
{
	char lower[TERM_BUF];
	const vd_occupation_t *occ;

	if (vd_taxonomy_term_valid(tax, buf))
		return;
	snprintf(lower, sizeof(lower), "%s:%s", kind, code);
	str_lower(lower);
	if (vd_taxonomy_term_valid(tax, lower)) {
		memcpy(buf, lower, strlen(lower) + 1);
		return;
	}
	if (strcmp(kind, "experience") != 0)
		return;
	occ = vd_taxonomy_occupation(tax, code);
	if (!occ) {
		char *folded = vd_fold(code);

		occ = folded ? vd_taxonomy_occupation_by_words(tax, folded) : NULL;
		free(folded);
	}
	if (occ)
		snprintf(buf, TERM_BUF, "experience:%s", occ->code);
}

static void
unknown_term(const vd_taxonomy_t *tax, const char *kind, const char *code, const char *pointer,
             json_t *errors)
{
	json_t *list = json_array();
	char prefix[32];
	const char *level = "";

	snprintf(prefix, sizeof(prefix), "%s:", kind);
	if (strcmp(kind, "licence") == 0 || strcmp(kind, "code95") == 0) {
		suggest_licences(tax, prefix, code, list);
	} else if (strcmp(kind, "language") == 0) {
		char lang[MAX_TERM_LEN + 1];
		char *colon;

		snprintf(lang, sizeof(lang), "%s", code);
		colon = strchr(lang, ':');
		if (colon) {
			level = strchr(code, ':');
			*colon = '\0';
		}
		suggest_from_taxonomy(tax, VD_SUGGEST_LANGUAGE, prefix, lang, level, list);
	} else if (strcmp(kind, "certificate") == 0) {
		suggest_from_taxonomy(tax, VD_SUGGEST_CERTIFICATE, prefix, code, "", list);
	} else if (strcmp(kind, "skill") == 0) {
		suggest_from_taxonomy(tax, VD_SUGGEST_SKILL, prefix, code, "", list);
	} else {
		suggest_experience(tax, code, list);
	}
	add_error(errors, pointer, NULL, list, "unknown %s '%s'", kind, code);
}

static void
unknown_kind(const vd_taxonomy_t *tax, const char *term, const char *code, const char *pointer,
             json_t *errors)
{
	json_t *list = json_array();
	char buf[TERM_BUF];

	/* Perhaps only the kind was misspelt: offer the kinds that know the code. */
	for (size_t i = 0; i < sizeof(term_kinds) / sizeof(*term_kinds); i++) {
		snprintf(buf, sizeof(buf), "%s:%s", term_kinds[i], code);
		if (vd_taxonomy_term_valid(tax, buf))
			suggest_add(list, "", buf);
	}
	if (json_array_size(list) == 0)
		for (size_t i = 0; i < sizeof(term_kinds) / sizeof(*term_kinds); i++)
			suggest_add(list, term_kinds[i], ":...");
	add_error(errors, pointer, NULL, list,
	          "'%s': a term is licence, code95, language, certificate, skill or experience",
	          term);
}

/* The canonical spelling of a requirement term ("language:NL:2f" ->
 * "language:nl:B1", "licence:ce" -> "licence:CE"). Returns a new malloc'd
 * string, or NULL after appending an error for pointer. */
static char *
canonical_term(const vd_taxonomy_t *tax, const char *term, const char *pointer, json_t *errors)
{
	char kind[32];
	char buf[TERM_BUF];
	const char *colon = strchr(term, ':');
	const char *code;

	if (!colon || colon == term || colon[1] == '\0' || (size_t)(colon - term) >= sizeof(kind) ||
	    strlen(term) > MAX_TERM_LEN) {
		json_t *list = json_array();

		suggest_from_words(tax, term, list);
		add_error(
		    errors, pointer, NULL, list,
		    "'%s' is not a requirement term like 'licence:B' or 'certificate:vca-basis'",
		    term);
		return NULL;
	}
	memcpy(kind, term, (size_t)(colon - term));
	kind[colon - term] = '\0';
	str_lower(kind);
	if (strcmp(kind, "license") == 0)
		strcpy(kind, "licence");
	code = colon + 1;
	if (!in_list(kind, term_kinds, sizeof(term_kinds) / sizeof(*term_kinds))) {
		unknown_kind(tax, term, code, pointer, errors);
		return NULL;
	}
	if (strcmp(kind, "language") == 0) {
		if (!canonical_language(buf, code, pointer, errors))
			return NULL;
	} else {
		snprintf(buf, sizeof(buf), "%s:%s", kind, code);
		if (strcmp(kind, "licence") == 0 || strcmp(kind, "code95") == 0)
			str_upper(buf + strlen(kind) + 1);
		canonical_rescue(tax, buf, kind, code);
	}
	if (!vd_taxonomy_term_valid(tax, buf)) {
		unknown_term(tax, kind, code, pointer, errors);
		return NULL;
	}
	return strdup(buf);
}

/* ---- groups ------------------------------------------------------------- */

/* Same terms, in any order (both are free of duplicates). */
static bool
group_equal(const json_t *a, const json_t *b)
{
	size_t i;
	json_t *v;

	if (json_array_size(a) != json_array_size(b))
		return false;
	json_array_foreach(a, i, v) if (!array_has_string(b, json_string_value(v))) return false;
	return true;
}

/* Appends group to groups unless an identical one is there; steals group. */
static void
add_group(json_t *groups, json_t *group)
{
	size_t i;
	json_t *g;

	json_array_foreach(groups, i, g)
	{
		if (group_equal(g, group)) {
			json_decref(group);
			return;
		}
	}
	json_array_append_new(groups, group);
}

/* Canonical term appended to list unless present; false after an error. */
static bool
add_term(const vd_taxonomy_t *tax, json_t *list, const char *term, const char *pointer,
         json_t *errors)
{
	char *canonical = canonical_term(tax, term, pointer, errors);

	if (!canonical)
		return false;
	if (!array_has_string(list, canonical))
		json_array_append_new(list, json_string(canonical));
	free(canonical);
	return true;
}

/* One any-of group from the body: an array of terms (a lone term string is
 * taken as a group of one). Returns a new array, or NULL after errors. */
static json_t *
body_group(const vd_taxonomy_t *tax, const json_t *in, const char *pointer, json_t *errors)
{
	json_t *group = json_array();
	char p[256];
	size_t i;
	json_t *v;
	bool ok = true;

	if (json_is_string(in)) {
		ok = add_term(tax, group, json_string_value(in), pointer, errors);
		goto out;
	}
	if (!json_is_array(in)) {
		add_error(errors, pointer, NULL, NULL,
		          "an any-of group is an array of terms: [\"licence:C\", \"licence:CE\"]");
		ok = false;
		goto out;
	}
	if (json_array_size(in) == 0) {
		add_error(
		    errors, pointer, NULL, NULL,
		    "an any-of group needs at least one term (an empty group can never be met)");
		ok = false;
		goto out;
	}
	json_array_foreach(in, i, v)
	{
		pointer_index(p, sizeof(p), pointer, i);
		if (!json_is_string(v)) {
			add_error(errors, p, NULL, NULL, "a requirement term must be a string");
			ok = false;
		} else if (!add_term(tax, group, json_string_value(v), p, errors)) {
			ok = false;
		}
	}
out:
	if (!ok) {
		json_decref(group);
		return NULL;
	}
	return group;
}

/* The occupation's groups, then the body's own. Returns a new array. */
static json_t *
normalise_require(const vd_taxonomy_t *tax, const vd_occupation_t *occ, const json_t *require,
                  json_t *errors)
{
	json_t *groups = json_array();
	char p[64];
	size_t i;
	json_t *v;

	for (size_t g = 0; occ && g < occ->n_require; g++) {
		json_t *group = json_array();

		for (size_t t = 0; t < occ->require[g].n; t++)
			add_term(tax, group, occ->require[g].v[t], "/occupation", errors);
		if (json_array_size(group) > 0)
			add_group(groups, group);
		else
			json_decref(group);
	}
	if (!require || json_is_null(require))
		return groups;
	if (!json_is_array(require)) {
		add_error(
		    errors, "/require", NULL, NULL,
		    "require is an array of any-of groups: [[\"licence:C\", \"licence:CE\"]]");
		return groups;
	}
	json_array_foreach(require, i, v)
	{
		json_t *group;

		pointer_index(p, sizeof(p), "/require", i);
		group = body_group(tax, v, p, errors);
		if (group)
			add_group(groups, group);
	}
	return groups;
}

/* Appends the terms of the body's array field (prefer, exclude) to list;
 * example shows a valid value in the error for a non-array. */
static void
add_body_terms(const vd_taxonomy_t *tax, json_t *list, const json_t *value, const char *field,
               const char *example, json_t *errors)
{
	char pointer[32], p[64];
	size_t i;
	json_t *v;

	if (!value || json_is_null(value))
		return;
	snprintf(pointer, sizeof(pointer), "/%s", field);
	if (!json_is_array(value)) {
		vd_query_error(errors, pointer, NULL, NULL, 0,
		               "%s must be an array of terms such as %s", field, example);
		return;
	}
	json_array_foreach(value, i, v)
	{
		pointer_index(p, sizeof(p), pointer, i);
		if (!json_is_string(v))
			add_error(errors, p, NULL, NULL, "a term must be a string");
		else
			add_term(tax, list, json_string_value(v), p, errors);
	}
}

/* The occupation's preferences, then the body's own. Returns a new array. */
static json_t *
normalise_prefer(const vd_taxonomy_t *tax, const vd_occupation_t *occ, const json_t *prefer,
                 json_t *errors)
{
	json_t *list = json_array();

	for (size_t t = 0; occ && t < occ->prefer.n; t++)
		add_term(tax, list, occ->prefer.v[t], "/occupation", errors);
	add_body_terms(tax, list, prefer, "prefer", "[\"experience:chauffeur\"]", errors);
	return list;
}

/* The body's "exclude": terms of which holding any one leaves a person
 * out. Returns a new array (empty when absent). */
static json_t *
normalise_exclude(const vd_taxonomy_t *tax, const json_t *exclude, json_t *errors)
{
	json_t *list = json_array();

	add_body_terms(tax, list, exclude, "exclude", "[\"language:nl:B1\"]", errors);
	return list;
}

/* The body's "facets": the kinds of term to count among those who qualify.
 * Returns a new array without duplicates (empty when absent). */
static json_t *
normalise_facets(const json_t *facets, json_t *errors)
{
	size_t n_kinds = sizeof(facet_kinds) / sizeof(*facet_kinds);
	json_t *list = json_array();
	char p[64];
	size_t i;
	json_t *v;

	if (!facets || json_is_null(facets))
		return list;
	if (!json_is_array(facets)) {
		add_error(
		    errors, "/facets", NULL, NULL,
		    "facets must be an array of kinds such as [\"licence\", \"certificate\"]");
		return list;
	}
	json_array_foreach(facets, i, v)
	{
		const char *kind = json_string_value(v);

		pointer_index(p, sizeof(p), "/facets", i);
		if (!kind || !in_list(kind, facet_kinds, n_kinds))
			vd_query_error(errors, p, NULL, facet_kinds, n_kinds,
			               "a facet is one of the kinds of term");
		else if (!array_has_string(list, kind))
			json_array_append(list, v);
	}
	return list;
}

/* ---- the other fields ----------------------------------------------------- */

/* Sets *count; false after an error. */
static bool
normalise_count(const json_t *v, int *count, json_t *errors)
{
	double d;

	*count = VD_QUERY_DEFAULT_COUNT;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_number(v)) {
		add_error(errors, "/count", NULL, NULL, "count must be a whole number");
		return false;
	}
	d = json_number_value(v);
	/* 40.0 is forty; 40.5 people is a typo we do not guess at. */
	if (d != floor(d)) {
		add_error(errors, "/count", NULL, NULL, "count must be a whole number");
		return false;
	}
	if (d < 1) {
		add_error(errors, "/count", NULL, NULL, "count must be at least 1");
		return false;
	}
	*count = d > 2147483647.0 ? 2147483647 : (int)d;
	return true;
}

static json_t *
occupation_suggestions(const vd_taxonomy_t *tax, const char *word)
{
	json_t *list = json_array();

	suggest_experience(tax, word, list);
	/* Those were "experience:CODE"; an occupation is named by its code alone. */
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));

		json_array_set_new(list, i, json_string(s + strlen("experience:")));
	}
	return list;
}

/* By code or ESCO URI, and kindly also by a word ("Chauffeurs"). */
static const vd_occupation_t *
normalise_occupation(const vd_taxonomy_t *tax, const json_t *v, json_t *errors)
{
	const vd_occupation_t *occ;
	char *folded;

	if (!json_is_string(v)) {
		add_error(errors, "/occupation", NULL, NULL,
		          "occupation must be a string: an occupation code or ESCO URI");
		return NULL;
	}
	occ = vd_taxonomy_occupation(tax, json_string_value(v));
	if (occ)
		return occ;
	folded = vd_fold(json_string_value(v));
	occ = folded ? vd_taxonomy_occupation_by_words(tax, folded) : NULL;
	free(folded);
	if (!occ)
		add_error(errors, "/occupation", NULL,
		          occupation_suggestions(tax, json_string_value(v)),
		          "unknown occupation '%s'", json_string_value(v));
	return occ;
}

/* {"municipality": name, "code": code} for a name, alias or CBS code; NULL
 * after an error for pointer. Returns a new object. */
static json_t *
municipality(const vd_places_t *places, const json_t *v, const char *pointer, json_t *errors)
{
	const vd_municipality_t *m;
	const char *out[MAX_SUGGESTIONS];
	size_t n;

	if (!json_is_string(v)) {
		add_error(errors, pointer, NULL, NULL,
		          "a municipality is a string: its name, an alias or its CBS code");
		return NULL;
	}
	m = vd_places_lookup(places, json_string_value(v));
	if (m)
		return json_pack("{s:s, s:s}", "municipality", m->name, "code", m->code);
	n = vd_query_suggest_places(places, json_string_value(v), out, MAX_SUGGESTIONS);
	vd_query_error(errors, pointer, NULL, out, n, "unknown municipality '%s'",
	               json_string_value(v));
	return NULL;
}

size_t
vd_query_suggest_places(const vd_places_t *places, const char *name, const char **out, size_t max)
{
	const vd_municipality_t *best[MAX_SUGGESTIONS];
	size_t n = vd_places_suggest(places, name, out, max);

	if (n > 0)
		return n;
	/* Nothing alike: the largest municipalities are the likeliest meant. */
	max = max < MAX_SUGGESTIONS ? max : MAX_SUGGESTIONS;
	for (size_t i = 0; i < vd_places_count(places); i++) {
		const vd_municipality_t *m = vd_places_at(places, i);
		size_t j = n;

		if (n == max && (max == 0 || best[max - 1]->population >= m->population))
			continue;
		if (n < max)
			n++;
		else
			j = max - 1;
		/* Insertion into the list kept by falling population. */
		for (; j > 0 && best[j - 1]->population < m->population; j--)
			best[j] = best[j - 1];
		best[j] = m;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = best[i]->name;
	return n;
}

/* near: {"municipality": ..., "km": 0 < km <= VD_QUERY_MAX_KM}. New object or NULL. */
static json_t *
normalise_near(const vd_places_t *places, const json_t *v, json_t *errors)
{
	json_t *near, *km;
	size_t before = json_array_size(errors);

	if (!json_is_object(v)) {
		add_error(
		    errors, "/near", NULL, NULL,
		    "near must be an object such as {\"municipality\": \"Utrecht\", \"km\": 20}");
		return NULL;
	}
	check_fields(v, "/near", near_fields, sizeof(near_fields) / sizeof(*near_fields), errors);
	km = json_object_get(v, "km");
	if (!km)
		add_error(errors, "/near/km", NULL, NULL,
		          "near needs km: how far from the municipality candidates may live");
	else if (!json_is_number(km) || !(json_number_value(km) > 0) ||
	         json_number_value(km) > VD_QUERY_MAX_KM)
		add_error(errors, "/near/km", NULL, NULL,
		          "km must be a number above 0 and at most %d", VD_QUERY_MAX_KM);
	if (!json_object_get(v, "municipality")) {
		add_error(errors, "/near/municipality", NULL, NULL,
		          "near needs the municipality to measure from");
		return NULL;
	}
	near =
	    municipality(places, json_object_get(v, "municipality"), "/near/municipality", errors);
	if (near && json_array_size(errors) == before) {
		json_object_set(near, "km", km);
		return near;
	}
	json_decref(near);
	return NULL;
}

/* Appends the fields after count to out: occupation, require, prefer, in, near. */
static void
normalise_criteria(const vd_taxonomy_t *tax, const vd_places_t *places, const json_t *body,
                   json_t *out, json_t *errors)
{
	const vd_occupation_t *occ = NULL;
	const json_t *v;
	json_t *require, *prefer, *extra;
	size_t before = json_array_size(errors);

	v = json_object_get(body, "occupation");
	if (v && !json_is_null(v)) {
		occ = normalise_occupation(tax, v, errors);
		if (occ)
			json_object_set_new(out, "occupation", json_string(occ->code));
	}
	require = normalise_require(tax, occ, json_object_get(body, "require"), errors);
	prefer = normalise_prefer(tax, occ, json_object_get(body, "prefer"), errors);
	json_object_set_new(out, "require", require);
	json_object_set_new(out, "prefer", prefer);
	extra = normalise_exclude(tax, json_object_get(body, "exclude"), errors);
	if (json_array_size(extra) > 0)
		json_object_set(out, "exclude", extra);
	json_decref(extra);
	extra = normalise_facets(json_object_get(body, "facets"), errors);
	if (json_array_size(extra) > 0)
		json_object_set(out, "facets", extra);
	json_decref(extra);
	v = json_object_get(body, "in");
	if (v && !json_is_null(v)) {
		json_t *m = municipality(places, v, "/in", errors);

		if (m)
			json_object_set_new(out, "in", m);
	}
	v = json_object_get(body, "near");
	if (v && !json_is_null(v)) {
		json_t *near = normalise_near(places, v, errors);

		if (near)
			json_object_set_new(out, "near", near);
	}
	/* Without either the search would list everybody: almost surely a mistake. */
	if (!occ && json_array_size(require) == 0 && json_array_size(errors) == before)
		add_error(errors, "", NULL, NULL,
		          "say what the people must be or hold: an occupation or a require group");
}

json_t *
vd_query_normalise(const vd_taxonomy_t *tax, const vd_places_t *places, const json_t *body,
                   int max_count, json_t *errors)
{
	json_t *out = NULL;
	const json_t *text;
	size_t before = json_array_size(errors);
	int count;

	if (!json_is_object(body)) {
		add_error(errors, "", NULL, NULL, "the search must be a JSON object");
		return NULL;
	}
	check_fields(body, "", body_fields, sizeof(body_fields) / sizeof(*body_fields), errors);
	out = json_object();
	text = json_object_get(body, "text");
	if (text && !json_is_string(text))
		add_error(errors, "/text", NULL, NULL, "text must be a string");
	else if (text)
		json_object_set(out, "text", (json_t *)text);
	if (normalise_count(json_object_get(body, "count"), &count, errors))
		json_object_set_new(
		    out, "count",
		    json_integer(max_count > 0 && count > max_count ? max_count : count));
	normalise_criteria(tax, places, body, out, errors);
	if (max_count > 0 && count > max_count)
		json_object_set_new(out, "count_lowered_from", json_integer(count));
	if (json_array_size(errors) != before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

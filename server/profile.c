/* Validation of a jobseeker profile (API.md "Jobseekers") into its canonical
 * form. Every check appends its error and carries on, so that one answer
 * names every fault in the body at once. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dates.h"
#include "profile.h"

#define VD_MAX_DEPTH   32
#define VD_MAX_SUGGEST 3
/* Room for a pointer into the fixed structure ("/languages/12/by_skill/lezen"). */
#define VD_PTR_MAX 96
/* Room for a quoted piece of client input inside a detail. */
#define VD_QUOTE_MAX 80

struct check {
	const vd_taxonomy_t *tax;
	const vd_places_t *places;
	json_t *errors; /* borrowed from the caller */
	size_t count;   /* errors added, even those Jansson failed to append */
};

typedef json_t *(*vd_check_fn)(struct check *c, const json_t *v, const char *ptr);

static const char *const licence_categories[] = {"AM", "A1", "A2", "A",   "B", "BE", "C1", "C1E",
                                                 "C",  "CE", "D1", "D1E", "D", "DE", NULL};
static const char *const code95_categories[] = {"C1",  "C1E", "C",  "CE", "D1",
                                                "D1E", "D",   "DE", NULL};
static const char *const cefr_levels[] = {"A1", "A2", "B1", "B2", "C1", "C2", NULL};
static const char *const dutch_levels[] = {"1F", "2F", "3F", "4F", NULL};
/* The order by_skill keys take in the canonical profile. */
static const char *const dutch_skills[] = {"lezen",   "schrijven",  "luisteren",
                                           "spreken", "gesprekken", NULL};

/* Top-level names a client might use for identifying data; API.md promises
 * that profiles never hold any, so the refusal says why. */
static const char *const personal_fields[] = {"bsn",
                                              "burgerservicenummer",
                                              "name",
                                              "naam",
                                              "voornaam",
                                              "achternaam",
                                              "email",
                                              "e-mail",
                                              "phone",
                                              "telefoon",
                                              "telefoonnummer",
                                              "address",
                                              "adres",
                                              "geboortedatum",
                                              "birth_date",
                                              "birthdate",
                                              NULL};

static size_t
n_errors(const struct check *c)
{
	return c->count;
}

/* Appends {"pointer", "detail"} to the errors. Details stay short (quoted
 * client input is cut by quote()), so the buffer never splits a character. */
static void __attribute__((format(printf, 3, 4)))
add_error(struct check *c, const char *pointer, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;
	json_t *e;

	c->count++;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	e = json_pack("{s:s, s:s}", "pointer", pointer ? pointer : "", "detail", detail);
	if (!e) /* a pointer with a member name Jansson did not check */
		e = json_pack("{s:s, s:s}", "pointer", "", "detail", detail);
	json_array_append_new(c->errors, e);
}

static size_t
list_index(const char *const *list, const char *s, bool nocase)
{
	for (size_t i = 0; list[i]; i++)
		if (nocase ? !strcasecmp(list[i], s) : !strcmp(list[i], s))
			return i;
	return (size_t)-1;
}

static bool
in_list(const char *const *list, const char *s)
{
	return list_index(list, s, false) != (size_t)-1;
}

/* Length of the UTF-8 sequence at s (len bytes left), or 0 when it is not
 * well-formed (overlong forms, surrogates and values past U+10FFFF too). */
static size_t
utf8_char(const unsigned char *s, size_t len, unsigned long *cp)
{
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, *cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* Client input made safe to quote in a detail: at most VD_QUOTE_MAX - 4
 * bytes, cut on a character boundary and marked with "...", control
 * characters and bytes that are not UTF-8 shown as '?'. Returns buf. */
static const char *
quote(const char *s, char *buf)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, j = 0, n;
	unsigned long cp;

	while (i < len) {
		n = utf8_char(u + i, len - i, &cp);
		if (j + (n ? n : 1) > VD_QUOTE_MAX - 4) {
			strcpy(buf + j, "...");
			return buf;
		}
		if (!n || cp < 0x20 || cp == 0x7f) {
			buf[j++] = '?';
			i += n ? n : 1;
			continue;
		}
		memcpy(buf + j, u + i, n);
		i += n;
		j += n;
	}
	buf[j] = '\0';
	return buf;
}

/* True when the len bytes at s (which may hold NUL: the server parses with
 * JSON_ALLOW_NUL) are UTF-8 text without control characters. */
static bool
text_ok(struct check *c, const char *s, size_t len, const char *ptr)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t n;

	for (size_t i = 0; i < len; i += n) {
		n = utf8_char(u + i, len - i, &cp);
		if (!n) {
			add_error(c, ptr, "is not valid UTF-8 text");
			return false;
		}
		if (cp < 0x20 || cp == 0x7f) {
			add_error(c, ptr,
			          "contains the control character U+%04lX; text must be UTF-8 "
			          "without control characters",
			          cp);
			return false;
		}
	}
	return true;
}

/* The string value of v, or NULL after an error when v is not clean text. */
static const char *
want_text(struct check *c, const json_t *v, const char *ptr)
{
	if (!json_is_string(v)) {
		add_error(c, ptr, "must be a string");
		return NULL;
	}
	if (!text_ok(c, json_string_value(v), json_string_length(v), ptr))
		return NULL;
	return json_string_value(v);
}

static bool
want_object(struct check *c, const json_t *v, const char *ptr, const char *example)
{
	if (json_is_object(v))
		return true;
	add_error(c, ptr, "must be an object such as %s", example);
	return false;
}

/* Appends one reference token to a JSON pointer, escaping '~' as "~0" and
 * '/' as "~1" (RFC 6901). Returns a new malloc'd string, NULL when out of memory. */
static char *
ptr_key(const char *base, const char *key)
{
	size_t blen = strlen(base), klen = strlen(key), j = blen + 1;
	char *p = malloc(blen + 2 * klen + 2);

	if (!p)
		return NULL;
	memcpy(p, base, blen);
	p[blen] = '/';
	for (size_t i = 0; i < klen; i++) {
		if (key[i] == '~' || key[i] == '/') {
			p[j++] = '~';
			p[j++] = key[i] == '~' ? '0' : '1';
		} else {
			p[j++] = key[i];
		}
	}
	p[j] = '\0';
	return p;
}

static char *
ptr_index(const char *base, size_t i)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%zu", base, i) < 0)
		return NULL;
	return p;
}

/* Writes ", " separated items of a NULL-terminated list into buf. */
static const char *
join(const char *const *list, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; list[i] && used < size; i++)
		used += snprintf(buf + used, size - used, "%s%s", i ? ", " : "", list[i]);
	return buf;
}

/* Refuses every member of obj whose name is not in allowed. */
static void
refuse_unknown(struct check *c, const json_t *obj, const char *ptr, const char *const *allowed)
{
	const char *key;
	json_t *v;
	char q[VD_QUOTE_MAX], names[160];

	json_object_foreach((json_t *)obj, key, v)
	{
		char *p;

		if (in_list(allowed, key))
			continue;
		p = ptr_key(ptr, key);
		add_error(c, p, "unknown field '%s'; allowed here are %s", quote(key, q),
		          join(allowed, names, sizeof(names)));
		free(p);
	}
}

/* "; did you mean 'a', 'b' or 'c'?" for up to n suggestions, "" for none. */
static const char *
did_you_mean(const char **s, size_t n, char *buf, size_t size)
{
	size_t used;
	char q[VD_QUOTE_MAX];

	buf[0] = '\0';
	if (n == 0)
		return buf;
	used = snprintf(buf, size, "; did you mean ");
	for (size_t i = 0; i < n && used < size; i++)
		used += snprintf(buf + used, size - used, "%s'%s'",
		                 i == 0      ? ""
		                 : i + 1 < n ? ", "
		                             : " or ",
		                 quote(s[i], q));
	if (used < size)
		snprintf(buf + used, size - used, "?");
	return buf;
}

/* Depth of nested arrays and objects in v (a scalar is 0), counted no
 * deeper than limit + 1 so that a hostile body cannot exhaust the stack. */
static size_t
nesting(const json_t *v, size_t limit)
{
	size_t deepest = 0, i, d;
	const char *key;
	json_t *child;

	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	if (limit == 0)
		return 1;
	if (json_is_array(v)) {
		json_array_foreach(v, i, child)
		{
			d = nesting(child, limit - 1);
			if (d > deepest)
				deepest = d;
			if (deepest >= limit)
				break;
		}
	} else {
		json_object_foreach((json_t *)v, key, child)
		{
			d = nesting(child, limit - 1);
			if (d > deepest)
				deepest = d;
			if (deepest >= limit)
				break;
		}
	}
	return 1 + deepest;
}

/* Checks every string and member name inside v (free-form data such as
 * extensions). Recursion stops at depth_left; too deep a body has already
 * been refused as a whole. */
static void
check_texts(struct check *c, const json_t *v, const char *ptr, size_t depth_left)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_string(v)) {
		text_ok(c, json_string_value(v), json_string_length(v), ptr);
		return;
	}
	if (depth_left == 0)
		return;
	if (json_is_array(v)) {
		json_array_foreach(v, i, child)
		{
			char *p = ptr_index(ptr, i);
			check_texts(c, child, p ? p : ptr, depth_left - 1);
			free(p);
		}
		return;
	}
	json_object_foreach((json_t *)v, key, child)
	{
		char *p = ptr_key(ptr, key);
		size_t klen = json_object_iter_key_len(json_object_key_to_iter(key));

		if (text_ok(c, key, klen, p ? p : ptr))
			check_texts(c, child, p ? p : ptr, depth_left - 1);
		free(p);
	}
}

/* A number from min to max; *out is its value. */
static bool
want_number(struct check *c, const json_t *v, const char *ptr, double min, double max,
            const char *unit, double *out)
{
	if (!json_is_number(v)) {
		add_error(c, ptr, "must be a number of %s from %g to %g", unit, min, max);
		return false;
	}
	*out = json_number_value(v);
	if (*out < min || *out > max) {
		add_error(c, ptr, "%g is out of range; must be a number of %s from %g to %g", *out,
		          unit, min, max);
		return false;
	}
	return true;
}

/* True when text has the shape YYYY-MM-DD, whatever the numbers. */
static bool
date_shaped(const char *text)
{
	if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
			return false;
	return true;
}

static json_t *
check_date(struct check *c, const json_t *v, const char *ptr)
{
	const char *s = want_text(c, v, ptr);
	char q[VD_QUOTE_MAX];
	int date;

	if (!s)
		return NULL;
	if (vd_date_parse(s, &date))
		return json_string(s);
	if (date_shaped(s))
		add_error(c, ptr,
		          "'%s' is not an existing calendar date (YYYY-MM-DD, years 1900 to 2999)",
		          quote(s, q));
	else
		add_error(c, ptr, "'%s' is not a date in the form YYYY-MM-DD", quote(s, q));
	return NULL;
}

/* The member key of obj, or NULL when absent; a JSON null counts as absent. */
static const json_t *
member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* p = ptr + tail, cut to VD_PTR_MAX as snprintf would; p may be ptr. Every
 * member and item checked gets its pointer, so they are built without printf:
 * a bulk load checks a dozen for every line. */
static void
ptr_append(char p[VD_PTR_MAX], const char *ptr, const char *tail, size_t tail_len)
{
	size_t n = strnlen(ptr, VD_PTR_MAX - 1);

	memmove(p, ptr, n);
	if (n + tail_len > VD_PTR_MAX - 1)
		tail_len = VD_PTR_MAX - 1 - n;
	memcpy(p + n, tail, tail_len);
	p[n + tail_len] = '\0';
}

/* ptr + "/" + member (a field name: nothing to escape). */
static void
ptr_set_member(char p[VD_PTR_MAX], const char *ptr, const char *member)
{
	ptr_append(p, ptr, "/", 1);
	ptr_append(p, p, member, strlen(member));
}

/* ptr + "/" + index. */
static void
ptr_set_index(char p[VD_PTR_MAX], const char *ptr, size_t index)
{
	char digits[24];
	size_t n = sizeof(digits);

	do
		digits[--n] = (char)('0' + index % 10);
	while ((index /= 10) && n > 1);
	digits[--n] = '/';
	ptr_append(p, ptr, digits + n, sizeof(digits) - n);
}

/* Checks the optional member key with fn and sets it on out when given and
 * valid. Returns false after an error. */
static bool
optional(struct check *c, const json_t *obj, const char *key, const char *ptr, vd_check_fn fn,
         json_t *out)
{
	const json_t *v = member(obj, key);
	char p[VD_PTR_MAX];
	json_t *canon;

	if (!v)
		return true;
	ptr_set_member(p, ptr, key);
	canon = fn(c, v, p);
	if (!canon)
		return false;
	json_object_set_new(out, key, canon);
	return true;
}

/* A new reference to the canonical municipality name. */
static json_t *
check_municipality(struct check *c, const json_t *v, const char *ptr)
{
	const char *name = want_text(c, v, ptr), *near[VD_MAX_SUGGEST];
	const vd_municipality_t *m;
	char q[VD_QUOTE_MAX], hint[256];
	size_t n;

	if (!name)
		return NULL;
	m = vd_places_lookup(c->places, name);
	if (m)
		return json_string(m->name);
	n = vd_places_suggest(c->places, name, near, VD_MAX_SUGGEST);
	add_error(c, ptr,
	          "unknown municipality '%s'; give the official name, a common alias or the CBS "
	          "code (GM0599) of a current Dutch municipality%s",
	          quote(name, q), did_you_mean(near, n, hint, sizeof(hint)));
	return NULL;
}

static json_t *
check_location(struct check *c, const json_t *v, const char *ptr)
{
	static const char *const allowed[] = {"lat", "lon", NULL};
	const json_t *lat, *lon;
	char p[VD_PTR_MAX];
	size_t before = n_errors(c);
	double value;

	if (!want_object(c, v, ptr, "{\"lat\": 51.92, \"lon\": 4.48}"))
		return NULL;
	refuse_unknown(c, v, ptr, allowed);
	lat = member(v, "lat");
	lon = member(v, "lon");
	ptr_set_member(p, ptr, "lat");
	if (!lat)
		add_error(c, p, "is required: the latitude in degrees, from -90 to 90");
	else
		want_number(c, lat, p, -90, 90, "degrees", &value);
	ptr_set_member(p, ptr, "lon");
	if (!lon)
		add_error(c, p, "is required: the longitude in degrees, from -180 to 180");
	else
		want_number(c, lon, p, -180, 180, "degrees", &value);
	if (n_errors(c) != before)
		return NULL;
	return json_pack("{s:o, s:o}", "lat", json_deep_copy(lat), "lon", json_deep_copy(lon));
}

/* Checks a list whose items fn checks, refusing a second item with the same
 * value of key (or the same string, when key is NULL). */
static json_t *
check_list(struct check *c, const json_t *v, const char *ptr, vd_check_fn fn, const char *key,
           const char *what, const char *example)
{
	json_t *out, *item, *canon, *seen;
	char p[VD_PTR_MAX], q[VD_QUOTE_MAX];
	size_t i, j, before = n_errors(c);

	if (!json_is_array(v)) {
		add_error(c, ptr, "must be an array such as %s", example);
		return NULL;
	}
	out = json_array();
	if (!out)
		return NULL;
	json_array_foreach(v, i, item)
	{
		ptr_set_index(p, ptr, i);
		canon = fn(c, item, p);
		if (!canon)
			continue;
		json_array_foreach(out, j, seen)
		{
			const json_t *a = key ? json_object_get(seen, key) : seen;
			const json_t *b = key ? json_object_get(canon, key) : canon;

			if (json_equal(a, b)) {
				if (key)
					ptr_set_member(p, p, key);
				add_error(c, p, "%s '%s' appears twice; give each one once", what,
				          quote(json_string_value(b), q));
				break;
			}
		}
		json_array_append_new(out, canon);
	}
	if (n_errors(c) != before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *
check_licence(struct check *c, const json_t *v, const char *ptr)
{
	static const char *const allowed[] = {"category", "valid_until", "code95_until", NULL};
	const char *s, *category = NULL;
	const json_t *given;
	char p[VD_PTR_MAX], q[VD_QUOTE_MAX], names[160];
	json_t *out;
	size_t before = n_errors(c), i;

	if (!want_object(c, v, ptr, "{\"category\": \"B\", \"valid_until\": \"2031-02-11\"}"))
		return NULL;
	refuse_unknown(c, v, ptr, allowed);
	ptr_set_member(p, ptr, "category");
	given = member(v, "category");
	if (!given) {
		add_error(c, p, "is required: one of %s",
		          join(licence_categories, names, sizeof(names)));
	} else if ((s = want_text(c, given, p))) {
		i = list_index(licence_categories, s, true);
		if (i == (size_t)-1)
			add_error(c, p, "unknown licence category '%s'; allowed are %s",
			          quote(s, q), join(licence_categories, names, sizeof(names)));
		else
			category = licence_categories[i];
	}
	out = json_object();
	if (!out)
		return NULL;
	if (category)
		json_object_set_new(out, "category", json_string(category));
	optional(c, v, "valid_until", ptr, check_date, out);
	if (optional(c, v, "code95_until", ptr, check_date, out) && category &&
	    member(v, "code95_until") && !in_list(code95_categories, category)) {
		ptr_set_member(p, ptr, "code95_until");
		add_error(c, p, "code95_until is only for C and D categories (%s), not for '%s'",
		          join(code95_categories, names, sizeof(names)), category);
	}
	if (n_errors(c) != before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *
check_licences(struct check *c, const json_t *v, const char *ptr)
{
	return check_list(c, v, ptr, check_licence, "category", "licence category",
	                  "[{\"category\": \"B\", \"valid_until\": \"2031-02-11\"}]");
}

/* The canonical spelling of a language level, or NULL after an error.
 * Dutch (code "nl") also takes the reference levels 1F..4F. */
static const char *
check_level(struct check *c, const json_t *v, const char *ptr, const char *code)
{
	const char *s = want_text(c, v, ptr);
	char q[VD_QUOTE_MAX];
	size_t i;

	if (!s)
		return NULL;
	i = list_index(cefr_levels, s, true);
	if (i != (size_t)-1)
		return cefr_levels[i];
	i = list_index(dutch_levels, s, true);
	if (i != (size_t)-1 && code && strcmp(code, "nl") != 0) {
		add_error(c, ptr, "level '%s' is a Dutch reference level; for '%s' use A1..C2",
		          quote(s, q), code);
		return NULL;
	}
	if (i != (size_t)-1)
		return dutch_levels[i];
	add_error(c, ptr, "level '%s' is not a CEFR level (A1..C2) or, for Dutch, 1F..4F",
	          quote(s, q));
	return NULL;
}

/* by_skill of a Dutch language entry, in canonical key order. */
static json_t *
check_by_skill(struct check *c, const json_t *v, const char *ptr)
{
	const json_t *given;
	const char *level;
	char *p;
	json_t *out;
	size_t before = n_errors(c);

	if (!want_object(c, v, ptr, "{\"lezen\": \"1F\", \"spreken\": \"A2\"}"))
		return NULL;
	refuse_unknown(c, v, ptr, dutch_skills);
	out = json_object();
	if (!out)
		return NULL;
	for (size_t i = 0; dutch_skills[i]; i++) {
		given = member(v, dutch_skills[i]);
		if (!given)
			continue;
		p = ptr_key(ptr, dutch_skills[i]);
		level = check_level(c, given, p ? p : ptr, "nl");
		free(p);
		if (level)
			json_object_set_new(out, dutch_skills[i], json_string(level));
	}
	if (n_errors(c) != before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The canonical code of a language, or NULL after an error. */
static const char *
check_language_code(struct check *c, const json_t *v, const char *ptr)
{
	const char *s = want_text(c, v, ptr), *near[VD_MAX_SUGGEST];
	const vd_competence_t *lang = NULL;
	char lower[8], q[VD_QUOTE_MAX], hint[256];
	size_t len, n;

	if (!s)
		return NULL;
	len = strlen(s);
	if (len < sizeof(lower)) {
		for (size_t i = 0; i <= len; i++)
			lower[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i];
		lang = vd_taxonomy_competence(c->tax, VD_KIND_LANGUAGE, lower);
	}
	if (lang)
		return lang->code;
	n = vd_taxonomy_suggest(c->tax, VD_SUGGEST_LANGUAGE, s, near, VD_MAX_SUGGEST);
	add_error(c, ptr,
	          "unknown language code '%s'; use an ISO 639-1 code such as nl, en or ar%s",
	          quote(s, q), did_you_mean(near, n, hint, sizeof(hint)));
	return NULL;
}

static json_t *
check_language(struct check *c, const json_t *v, const char *ptr)
{
	static const char *const allowed[] = {"code", "level", "by_skill", NULL};
	const char *code = NULL, *level = NULL;
	const json_t *given;
	char p[VD_PTR_MAX];
	json_t *out, *by_skill = NULL;
	size_t before = n_errors(c);

	if (!want_object(c, v, ptr, "{\"code\": \"nl\", \"level\": \"B1\"}"))
		return NULL;
	refuse_unknown(c, v, ptr, allowed);
	ptr_set_member(p, ptr, "code");
	given = member(v, "code");
	if (!given)
		add_error(c, p, "is required: an ISO 639-1 language code such as nl");
	else
		code = check_language_code(c, given, p);
	ptr_set_member(p, ptr, "level");
	given = member(v, "level");
	if (!given)
		add_error(c, p, "is required: a CEFR level A1..C2 (for Dutch also 1F..4F)");
	else
		level = check_level(c, given, p, code);
	ptr_set_member(p, ptr, "by_skill");
	given = member(v, "by_skill");
	if (given && code && strcmp(code, "nl") != 0)
		add_error(c, p, "by_skill is only for Dutch (nl), not for '%s'", code);
	else if (given)
		by_skill = check_by_skill(c, given, p);
	if (n_errors(c) != before) {
		json_decref(by_skill);
		return NULL;
	}
	out = json_pack("{s:s, s:s}", "code", code, "level", level);
	if (out && by_skill)
		json_object_set(out, "by_skill", by_skill);
	json_decref(by_skill);
	return out;
}

static json_t *
check_languages(struct check *c, const json_t *v, const char *ptr)
{
	return check_list(c, v, ptr, check_language, "code", "language",
	                  "[{\"code\": \"nl\", \"level\": \"B1\"}]");
}

/* A taxonomy code of kind, tried as given and then lower-cased: codes are
 * lower-case, and "VCA-basis" plainly means vca-basis. */
static const vd_competence_t *
find_code(const vd_taxonomy_t *tax, vd_competence_kind_t kind, const char *s)
{
	const vd_competence_t *found = vd_taxonomy_competence(tax, kind, s);
	char *lower;

	if (found)
		return found;
	lower = vd_fold(s);
	if (!lower)
		return NULL;
	found = vd_taxonomy_competence(tax, kind, lower);
	free(lower);
	return found;
}

/* Adds word to the n suggestions in near unless it is there already or
 * they are full; returns the new n. */
static size_t
suggest_add(const char **near, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(near[i], word))
			return n;
	if (n < VD_MAX_SUGGEST)
		near[n++] = word;
	return n;
}

/* Fills near with the closest codes of kind (borrowed from the taxonomy).
 * What the word means as a query phrase comes first ("vca" is vca-basis or
 * vca-vol), then the codes nearest in spelling. */
static size_t
suggest_codes(const vd_taxonomy_t *tax, vd_competence_kind_t kind, const char *s, const char **near)
{
	const char *prefix = kind == VD_KIND_CERTIFICATE ? "certificate:" : "skill:";
	const char *spelled[VD_MAX_SUGGEST];
	const vd_strv_t *group = NULL;
	size_t n = 0, m, plen = strlen(prefix);
	char *folded = vd_fold(s);

	if (folded)
		group = vd_taxonomy_competence_by_words(tax, folded);
	for (size_t i = 0; group && i < group->n; i++)
		if (!strncmp(group->v[i], prefix, plen))
			n = suggest_add(near, n, group->v[i] + plen);
	m = vd_taxonomy_suggest(
	    tax, kind == VD_KIND_CERTIFICATE ? VD_SUGGEST_CERTIFICATE : VD_SUGGEST_SKILL,
	    folded ? folded : s, spelled, VD_MAX_SUGGEST);
	for (size_t i = 0; i < m; i++)
		n = suggest_add(near, n, spelled[i]);
	free(folded);
	return n;
}

/* A new reference to the canonical code of a certificate or skill. */
static json_t *
check_code(struct check *c, const json_t *v, const char *ptr, vd_competence_kind_t kind)
{
	const char *s = want_text(c, v, ptr), *near[VD_MAX_SUGGEST];
	const vd_competence_t *found;
	bool cert = kind == VD_KIND_CERTIFICATE;
	char q[VD_QUOTE_MAX], hint[256];
	size_t n;

	if (!s)
		return NULL;
	found = find_code(c->tax, kind, s);
	if (found)
		return json_string(found->code);
	n = suggest_codes(c->tax, kind, s, near);
	add_error(c, ptr, "unknown %s '%s'; use a %s code from GET /v1/competences%s",
	          cert ? "certificate" : "skill", quote(s, q), cert ? "certificate" : "skill",
	          did_you_mean(near, n, hint, sizeof(hint)));
	return NULL;
}

static json_t *
check_certificate(struct check *c, const json_t *v, const char *ptr)
{
	static const char *const allowed[] = {"code", "valid_until", NULL};
	const json_t *given;
	char p[VD_PTR_MAX];
	json_t *out = NULL, *code = NULL;
	size_t before = n_errors(c);

	if (!want_object(c, v, ptr, "{\"code\": \"vca-basis\", \"valid_until\": \"2028-03-01\"}"))
		return NULL;
	refuse_unknown(c, v, ptr, allowed);
	ptr_set_member(p, ptr, "code");
	given = member(v, "code");
	if (!given)
		add_error(c, p, "is required: a certificate code such as vca-basis");
	else
		code = check_code(c, given, p, VD_KIND_CERTIFICATE);
	out = json_object();
	if (out && code)
		json_object_set(out, "code", code);
	json_decref(code);
	if (out)
		optional(c, v, "valid_until", ptr, check_date, out);
	if (n_errors(c) != before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *
check_certificates(struct check *c, const json_t *v, const char *ptr)
{
	return check_list(c, v, ptr, check_certificate, "code", "certificate",
	                  "[{\"code\": \"vca-basis\", \"valid_until\": \"2028-03-01\"}]");
}

static json_t *
check_skill(struct check *c, const json_t *v, const char *ptr)
{
	return check_code(c, v, ptr, VD_KIND_SKILL);
}

static json_t *
check_skills(struct check *c, const json_t *v, const char *ptr)
{
	return check_list(c, v, ptr, check_skill, NULL, "skill", "[\"klantgericht\"]");
}

/* A new reference to the code of an occupation given by code or ESCO URI.
 * Words ("Vrachtwagenchauffeurs") are not codes, but are suggested as one. */
static json_t *
check_occupation(struct check *c, const json_t *v, const char *ptr)
{
	const char *s = want_text(c, v, ptr), *near[VD_MAX_SUGGEST], *spelled[VD_MAX_SUGGEST];
	const vd_occupation_t *occ;
	char q[VD_QUOTE_MAX], hint[256], *folded;
	size_t n = 0, m;

	if (!s)
		return NULL;
	occ = vd_taxonomy_occupation(c->tax, s);
	if (occ)
		return json_string(occ->code);
	folded = vd_fold(s);
	if (folded && (occ = vd_taxonomy_occupation(c->tax, folded))) {
		free(folded);
		return json_string(occ->code);
	}
	if (folded && (occ = vd_taxonomy_occupation_by_words(c->tax, folded)))
		n = suggest_add(near, n, occ->code);
	m = vd_taxonomy_suggest(c->tax, VD_SUGGEST_OCCUPATION, folded ? folded : s, spelled,
	                        VD_MAX_SUGGEST);
	for (size_t i = 0; i < m; i++)
		n = suggest_add(near, n, spelled[i]);
	free(folded);
	add_error(c, ptr,
	          "unknown occupation '%s'; use an occupation code from GET /v1/occupations or its "
	          "ESCO URI%s",
	          quote(s, q), did_you_mean(near, n, hint, sizeof(hint)));
	return NULL;
}

/* Months of experience: a whole number (24 or 24.0) from 0 to 720. */
static json_t *
check_months(struct check *c, const json_t *v, const char *ptr)
{
	double months;

	if (!want_number(c, v, ptr, 0, 720, "months", &months))
		return NULL;
	if (months != (double)(long)months) {
		add_error(c, ptr, "%g is not a whole number of months (0 to 720)", months);
		return NULL;
	}
	return json_integer((json_int_t)months);
}

static json_t *
check_experience_item(struct check *c, const json_t *v, const char *ptr)
{
	static const char *const allowed[] = {"occupation", "months", NULL};
	const json_t *given;
	char p[VD_PTR_MAX];
	json_t *out, *occ = NULL;
	size_t before = n_errors(c);

	if (!want_object(c, v, ptr, "{\"occupation\": \"magazijnmedewerker\", \"months\": 24}"))
		return NULL;
	refuse_unknown(c, v, ptr, allowed);
	ptr_set_member(p, ptr, "occupation");
	given = member(v, "occupation");
	if (!given)
		add_error(c, p, "is required: an occupation code such as magazijnmedewerker");
	else
		occ = check_occupation(c, given, p);
	out = json_object();
	if (out && occ)
		json_object_set(out, "occupation", occ);
	json_decref(occ);
	if (out)
		optional(c, v, "months", ptr, check_months, out);
	if (n_errors(c) != before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *
check_experience(struct check *c, const json_t *v, const char *ptr)
{
	return check_list(c, v, ptr, check_experience_item, "occupation", "occupation",
	                  "[{\"occupation\": \"magazijnmedewerker\", \"months\": 24}]");
}

static json_t *
check_hours(struct check *c, const json_t *v, const char *ptr)
{
	double hours;

	if (!want_number(c, v, ptr, 1, 80, "hours per week", &hours))
		return NULL;
	return json_deep_copy(v);
}

static json_t *
check_travel(struct check *c, const json_t *v, const char *ptr)
{
	double km;

	if (!want_number(c, v, ptr, 0, 500, "kilometres", &km))
		return NULL;
	return json_deep_copy(v);
}

/* A plugin name: 1 to 64 characters of a-z 0-9 -. */
static bool
plugin_name_valid(const char *name, size_t len)
{
	if (len < 1 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-'))
			return false;
	return true;
}

/* Plugins' own data, kept as given once every string in it is clean. */
static json_t *
check_extensions(struct check *c, const json_t *v, const char *ptr)
{
	const char *key;
	json_t *data;
	char q[VD_QUOTE_MAX];
	size_t before = n_errors(c);

	if (!want_object(c, v, ptr, "{\"taalhandhaving\": {\"exempt\": \"medisch\"}}"))
		return NULL;
	json_object_foreach((json_t *)v, key, data)
	{
		char *p = ptr_key(ptr, key);
		size_t klen = json_object_iter_key_len(json_object_key_to_iter(key));

		if (!plugin_name_valid(key, klen))
			add_error(c, p,
			          "'%s' is not a plugin name: 1 to 64 characters of a-z, 0-9 and -",
			          quote(key, q));
		else if (!json_is_object(data))
			add_error(c, p, "must be an object: the plugin's own data");
		else
			check_texts(c, data, p ? p : ptr, VD_MAX_DEPTH);
		free(p);
	}
	if (n_errors(c) != before)
		return NULL;
	return json_deep_copy(v);
}

/* The fields after id, in canonical order. */
static const struct field {
	const char *name;
	vd_check_fn check;
} fields[] = {
    {"municipality", check_municipality}, {"location", check_location},
    {"licences", check_licences},         {"languages", check_languages},
    {"certificates", check_certificates}, {"skills", check_skills},
    {"experience", check_experience},     {"hours_per_week", check_hours},
    {"available_from", check_date},       {"max_travel_km", check_travel},
    {"extensions", check_extensions},
};

static bool
known_field(const char *key)
{
	if (!strcmp(key, "id"))
		return true;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(key, fields[i].name))
			return true;
	return false;
}

static void
refuse_unknown_fields(struct check *c, const json_t *body)
{
	const char *key;
	json_t *v;
	char q[VD_QUOTE_MAX];

	json_object_foreach((json_t *)body, key, v)
	{
		char *p;

		if (known_field(key))
			continue;
		p = ptr_key("", key);
		if (list_index(personal_fields, key, true) != (size_t)-1)
			add_error(c, p,
			          "unknown field '%s'; profiles hold no BSN, name or contact data, "
			          "only competences",
			          quote(key, q));
		else
			add_error(c, p,
			          "unknown field '%s'; allowed are id, municipality, location, "
			          "licences, languages, certificates, skills, experience, "
			          "hours_per_week, available_from, max_travel_km and extensions",
			          quote(key, q));
		free(p);
	}
}

static void
check_id(struct check *c, const char *id, const json_t *body)
{
	const json_t *given = member(body, "id");
	const char *s;
	char q[VD_QUOTE_MAX], q2[VD_QUOTE_MAX];

	if (!vd_id_valid(id))
		add_error(
		    c, "",
		    "the id in the path, '%s', is not 1 to 64 characters of A-Z a-z 0-9 . _ -",
		    quote(id, q));
	if (!given)
		return;
	s = want_text(c, given, "/id");
	if (s && strcmp(s, id) != 0)
		add_error(c, "/id", "id '%s' does not match the path id '%s'", quote(s, q),
		          quote(id, q2));
}

bool
vd_id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len < 1 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = id[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

const char *
vd_cefr_level(int rank)
{
	return rank >= 1 && rank <= 6 ? cefr_levels[rank - 1] : NULL;
}

int
vd_level_rank(const char *level)
{
	size_t i;

	if (!level)
		return 0;
	i = list_index(cefr_levels, level, true);
	if (i != (size_t)-1)
		return (int)i + 1;
	i = list_index(dutch_levels, level, true);
	if (i != (size_t)-1)
		return (int)i + 2;
	return 0;
}

bool
vd_profile_validate(const vd_taxonomy_t *tax, const vd_places_t *places, const char *id,
                    json_t *body, json_t **canonical, json_t *errors)
{
	struct check c = {tax, places, errors, 0};
	size_t before = n_errors(&c);
	json_t *out = NULL, *canon;
	char p[VD_PTR_MAX];

	*canonical = NULL;
	if (!json_is_object(body)) {
		add_error(&c, "", "the profile must be a JSON object");
		return false;
	}
	if (nesting(body, VD_MAX_DEPTH) > VD_MAX_DEPTH)
		add_error(&c, "",
		          "nesting deeper than 32 levels; profiles are at most 32 levels deep");
	check_id(&c, id, body);
	refuse_unknown_fields(&c, body);
	out = json_object();
	if (!out || (vd_id_valid(id) && json_object_set_new(out, "id", json_string(id))))
		goto out_oom;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const json_t *v = member(body, fields[i].name);
		size_t here = n_errors(&c);

		if (!v)
			continue;
		ptr_set_member(p, "", fields[i].name);
		canon = fields[i].check(&c, v, p);
		if (canon)
			json_object_set_new(out, fields[i].name, canon);
		else if (n_errors(&c) == here)
			goto out_oom; /* no error said why: Jansson ran out of memory */
	}
	if (n_errors(&c) != before)
		goto out_free;
	*canonical = out;
	return true;

out_oom:
	add_error(&c, "", "the server ran out of memory while checking the profile");
out_free:
	json_decref(out);
	return false;
}

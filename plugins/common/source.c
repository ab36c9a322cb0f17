/* The source plugins' shared part: see source.h. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source.h"

/* ---- text -------------------------------------------------------------- */

/* The ASCII letter for a two-byte UTF-8 Latin-1 letter (U+00C0..U+00FF),
 * 0 when it has none. */
static char
latin1_base(unsigned char lead, unsigned char cont)
{
	static const char map[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"  /* U+00C0..U+00DF */
	                          "aaaaaaaceeeeiiiidnooooo ouuuuyty"; /* U+00E0..U+00FF */
	unsigned cp = ((lead & 0x1fu) << 6) | (cont & 0x3fu);

	if (cp < 0xc0 || cp > 0xff)
		return 0;
	return map[cp - 0xc0] == ' ' ? 0 : map[cp - 0xc0];
}

char *
vd_src_fold(const char *text)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	char *out = malloc(strlen((const char *)s) + 1), *o = out;
	bool space = true; /* no leading space */

	if (!out)
		return NULL;
	while (*s) {
		char c = 0;
		if (isalnum(*s) && *s < 0x80) {
			c = (char)tolower(*s);
			s++;
		} else if ((*s & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
			c = latin1_base(s[0], s[1]);
			s += 2;
		} else {
			s++;
		}
		if (c) {
			*o++ = c;
			space = false;
		} else if (!space) {
			*o++ = ' ';
			space = true;
		}
	}
	if (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

char *
vd_src_clean(const char *text)
{
	char *out = strdup(text ? text : ""), *o = out;
	bool space = true;

	if (!out)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)text; c && *c; c++) {
		if (*c <= ' ' || *c == 0x7f) {
			if (!space)
				*o++ = ' ';
			space = true;
		} else {
			*o++ = (char)*c;
			space = false;
		}
	}
	if (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

json_t *
vd_src_title(const char *title)
{
	size_t n = strlen(title);

	if (n > 300) {
		n = 300;
		while (n > 0 && ((unsigned char)title[n] & 0xc0) == 0x80)
			n--;
	}
	return json_stringn(title, n);
}

bool
vd_src_date(const char *text, char out[11])
{
	int y, m, d, n = 0;

	if (!text)
		return false;
	if (sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 &&
	    (text[10] == '\0' || text[10] == 'T' || text[10] == ' '))
		goto ok;
	if ((sscanf(text, "%2d-%2d-%4d%n", &d, &m, &y, &n) == 3 ||
	     sscanf(text, "%2d/%2d/%4d%n", &d, &m, &y, &n) == 3) &&
	    text[n] == '\0' && n >= 8)
		goto ok;
	return false;
ok:
	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return true;
}

bool
vd_src_number(const char *text, double *out)
{
	for (const char *c = text ? text : ""; *c; c++) {
		if (isdigit((unsigned char)*c)) {
			char buf[32];
			size_t n = 0;
			while (n < sizeof(buf) - 1 &&
			       (isdigit((unsigned char)c[n]) || c[n] == ',' || c[n] == '.'))
				n++;
			memcpy(buf, c, n);
			buf[n] = '\0';
			for (char *b = buf; *b; b++)
				if (*b == ',')
					*b = '.'; /* "36,5 uur" */
			*out = strtod(buf, NULL);
			return true;
		}
	}
	return false;
}

/* The byte offset of phrase as whole words in text (both folded), from
 * offset from; -1 when absent. */
static long
find_words(const char *text, const char *phrase, size_t from)
{
	size_t n = strlen(phrase);
	const char *p = text + from;

	if (!n)
		return -1;
	while ((p = strstr(p, phrase))) {
		if ((p == text || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return p - text;
		p++;
	}
	return -1;
}

/* ---- taxonomy ---------------------------------------------------------- */

struct vd_src_tax {
	json_t *occupations; /* [{"code", "isco", "esco", "words": [folded]}] */
	json_t *phrases;     /* [{"words": folded, "group": [terms]}] */
	json_t *languages;   /* [{"code", "names": [folded]}] */
};

static json_t *
load_file(const char *dir, const char *name, char **error)
{
	char path[4096], text[600];
	json_error_t jerr;
	json_t *v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	v = json_load_file(path, 0, &jerr);
	if (!v) {
		snprintf(text, sizeof(text), "%.400s: %s", path, jerr.text);
		*error = strdup(text);
	}
	return v;
}

static void
add_folded(json_t *words, const char *text)
{
	char *f = vd_src_fold(text);
	if (f && *f)
		json_array_append_new(words, json_string(f));
	free(f);
}

static void
add_phrase(json_t *phrases, const char *words, json_t *group)
{
	char *f = vd_src_fold(words);
	if (f && *f)
		json_array_append_new(phrases, json_pack("{s:s, s:O}", "words", f, "group", group));
	free(f);
}

static void
take_occupations(vd_src_tax_t *tax, json_t *root)
{
	size_t i, j;
	json_t *o, *s;

	json_array_foreach(json_object_get(root, "occupations"), i, o)
	{
		json_t *words = json_array();
		json_t *entry =
		    json_pack("{s:O, s:O, s:O, s:o}", "code", json_object_get(o, "code"), "isco",
		              json_object_get(o, "isco"), "esco", json_object_get(o, "esco_uri"),
		              "words", words);
		add_folded(words, json_string_value(json_object_get(o, "code")));
		add_folded(words, json_string_value(json_object_get(o, "label")));
		add_folded(words, json_string_value(json_object_get(o, "plural")));
		json_array_foreach(json_object_get(o, "synonyms"), j, s)
		    add_folded(words, json_string_value(s));
		if (entry && json_is_string(json_object_get(entry, "code")))
			json_array_append(tax->occupations, entry);
		json_decref(entry);
	}
}

/* A competence's label and synonyms as phrases for term. */
static void
take_named(json_t *phrases, json_t *list, const char *kind)
{
	size_t i, j;
	json_t *c, *s;
	char term[200];

	json_array_foreach(list, i, c)
	{
		const char *code = json_string_value(json_object_get(c, "code"));
		json_t *group;
		if (!code)
			continue;
		snprintf(term, sizeof(term), "%s:%s", kind, code);
		group = json_pack("[s]", term);
		add_phrase(phrases, json_string_value(json_object_get(c, "label")), group);
		if (strcmp(kind, "skill") == 0)
			add_phrase(phrases, code, group);
		json_array_foreach(json_object_get(c, "synonyms"), j, s)
		    add_phrase(phrases, json_string_value(s), group);
		json_decref(group);
	}
}

/* The taxonomy's "met ..." phrases, less the bare licence letters ("b",
 * "ce"): in running text those are words, not licences. */
static void
take_phrases(vd_src_tax_t *tax, json_t *root)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(root, "phrases"), i, p)
	{
		const char *words = json_string_value(json_object_get(p, "words"));
		json_t *group = json_object_get(p, "any_of");
		const char *first = json_string_value(json_array_get(group, 0));
		if (!words || !first)
			continue;
		if (json_array_size(group) == 1 && strncmp(first, "licence:", 8) == 0 &&
		    strcasecmp(first + 8, words) == 0)
			continue;
		add_phrase(tax->phrases, words, group);
	}
	take_named(tax->phrases, json_object_get(root, "certificates"), "certificate");
	take_named(tax->phrases, json_object_get(root, "skills"), "skill");
}

static void
take_languages(vd_src_tax_t *tax, json_t *root)
{
	size_t i, j;
	json_t *l, *s;

	json_array_foreach(json_object_get(root, "languages"), i, l)
	{
		json_t *names = json_array();
		add_folded(names, json_string_value(json_object_get(l, "label")));
		json_array_foreach(json_object_get(l, "synonyms"), j, s)
		    add_folded(names, json_string_value(s));
		json_array_append_new(
		    tax->languages,
		    json_pack("{s:O, s:o}", "code", json_object_get(l, "code"), "names", names));
	}
}

vd_src_tax_t *
vd_src_tax_load(const char *dir, char **error)
{
	vd_src_tax_t *tax = calloc(1, sizeof(*tax));
	json_t *occupations = NULL, *competences = NULL;

	*error = NULL;
	if (!tax)
		return NULL;
	tax->occupations = json_array();
	tax->phrases = json_array();
	tax->languages = json_array();
	occupations = load_file(dir, "occupations.json", error);
	if (occupations)
		competences = load_file(dir, "competences.json", error);
	if (!competences) {
		json_decref(occupations);
		vd_src_tax_free(tax);
		return NULL;
	}
	take_occupations(tax, occupations);
	take_phrases(tax, competences);
	take_languages(tax, competences);
	json_decref(occupations);
	json_decref(competences);
	return tax;
}

void
vd_src_tax_free(vd_src_tax_t *tax)
{
	if (!tax)
		return;
	json_decref(tax->occupations);
	json_decref(tax->phrases);
	json_decref(tax->languages);
	free(tax);
}

/* The occupation among candidates (all when NULL) whose words take the
 * longest stretch of text, when exact: only an equal text counts. */
static const char *
best_by_words(const vd_src_tax_t *tax, const json_t *candidates, const char *folded, bool exact)
{
	size_t i, j, best_len = 0;
	json_t *o, *w;
	const char *best = NULL;

	json_array_foreach(candidates ? candidates : tax->occupations, i, o)
	{
		json_array_foreach(json_object_get(o, "words"), j, w)
		{
			const char *words = json_string_value(w);
			size_t n = strlen(words);
			bool hit =
			    exact ? strcmp(words, folded) == 0 : find_words(folded, words, 0) >= 0;
			if (hit && n > best_len) {
				best_len = n;
				best = json_string_value(json_object_get(o, "code"));
			}
		}
	}
	return best;
}

/* The first run of exactly four digits in text, into isco[5]. */
static bool
isco_in(const char *text, char isco[5])
{
	for (const char *c = text; *c; c++) {
		size_t n = strspn(c, "0123456789");
		if (n == 4) {
			memcpy(isco, c, 4);
			isco[4] = '\0';
			return true;
		}
		if (n)
			c += n - 1;
	}
	return false;
}

static const char *
by_category(const vd_src_tax_t *tax, const char *category, const char *title_folded)
{
	json_t *candidates;
	const char *code = NULL;
	char isco[5], *folded;
	size_t i;
	json_t *o;

	json_array_foreach(tax->occupations, i, o)
	{
		const char *esco = json_string_value(json_object_get(o, "esco"));
		if (esco && strcmp(esco, category) == 0)
			return json_string_value(json_object_get(o, "code"));
	}
	if (isco_in(category, isco)) {
		candidates = json_array();
		json_array_foreach(tax->occupations, i, o)
		{
			const char *v = json_string_value(json_object_get(o, "isco"));
			if (v && strcmp(v, isco) == 0)
				json_array_append(candidates, o);
		}
		/* One ISCO unit group, several of our occupations: the title says
		 * which; if it does not, the group's first (most general) one. */
		if (json_array_size(candidates) > 1)
			code = best_by_words(tax, candidates, title_folded, false);
		if (!code && json_array_size(candidates))
			code = json_string_value(
			    json_object_get(json_array_get(candidates, 0), "code"));
		json_decref(candidates);
		if (code)
			return code;
	}
	folded = vd_src_fold(category);
	if (folded) {
		code = best_by_words(tax, NULL, folded, true);
		if (!code)
			code = best_by_words(tax, NULL, folded, false);
	}
	free(folded);
	return code;
}

const char *
vd_src_occupation(const vd_src_tax_t *tax, const char *category, const char *title)
{
	char *title_folded = vd_src_fold(title);
	const char *code = NULL;

	if (!title_folded)
		return NULL;
	if (category && *category)
		code = by_category(tax, category, title_folded);
	if (!code)
		code = best_by_words(tax, NULL, title_folded, false);
	free(title_folded);
	return code;
}

/* "b1" -> "B1"; Dutch "2f" -> its CEFR level "B1". NULL when not a level. */
static const char *
level_of(const char *word, size_t n)
{
	static const char *const cefr[] = {"a1", "a2", "b1", "b2", "c1", "c2"};
	static const char *const upper[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
	static const char *const f[] = {"1f", "2f", "3f", "4f"};
	static const char *const f_cefr[] = {"A2", "B1", "B2", "C1"};

	if (n != 2)
		return NULL;
	for (size_t i = 0; i < 6; i++)
		if (strncmp(word, cefr[i], 2) == 0)
			return upper[i];
	for (size_t i = 0; i < 4; i++)
		if (strncmp(word, f[i], 2) == 0)
			return f_cefr[i];
	return NULL;
}

/* A level among the three words after pos+len, or the two before pos. */
static const char *
level_near(const char *text, size_t pos, size_t len)
{
	const char *p = text + pos + len;
	const char *level = NULL;

	for (int k = 0; k < 3 && *p && !level; k++) {
		size_t n;
		p += strspn(p, " ");
		n = strcspn(p, " ");
		level = level_of(p, n);
		p += n;
	}
	for (int k = 0; k < 2 && pos > 0 && !level; k++) {
		size_t end = pos - 1, start = end; /* text[end] is the space before */
		while (start > 0 && text[start - 1] != ' ')
			start--;
		level = level_of(text + start, end - start);
		pos = start;
	}
	return level;
}

static void
scan_languages(const vd_src_tax_t *tax, const char *text, json_t *groups)
{
	size_t i, j;
	json_t *l, *name;
	char term[64];

	json_array_foreach(tax->languages, i, l)
	{
		json_array_foreach(json_object_get(l, "names"), j, name)
		{
			const char *words = json_string_value(name);
			long pos = find_words(text, words, 0);
			const char *level =
			    pos >= 0 ? level_near(text, (size_t)pos, strlen(words)) : NULL;
			if (!level)
				continue;
			snprintf(term, sizeof(term), "language:%s:%s",
			         json_string_value(json_object_get(l, "code")), level);
			json_array_append_new(groups, json_pack("[s]", term));
			break;
		}
	}
}

typedef struct span {
	size_t start, end;
	json_t *group; /* borrowed */
} span_t;

static int
longer_first(const void *a, const void *b)
{
	const span_t *x = a, *y = b;
	size_t lx = x->end - x->start, ly = y->end - y->start;
	return lx < ly ? 1 : lx > ly ? -1 : (x->start > y->start) - (x->start < y->start);
}

void
vd_src_scan(const vd_src_tax_t *tax, const char *text, json_t *groups)
{
	char *folded = vd_src_fold(text);
	span_t *spans = NULL, *more;
	size_t n = 0, i;
	json_t *p;

	if (!folded)
		return;
	json_array_foreach(tax->phrases, i, p)
	{
		const char *words = json_string_value(json_object_get(p, "words"));
		long pos = find_words(folded, words, 0);
		if (pos < 0 || !(more = realloc(spans, (n + 1) * sizeof(*spans))))
			continue;
		spans = more;
		spans[n++] =
		    (span_t){(size_t)pos, (size_t)pos + strlen(words), json_object_get(p, "group")};
	}
	/* "code 95 ce" is one requirement, not "code 95" and "ce" besides. */
	if (n)
		qsort(spans, n, sizeof(*spans), longer_first); /* NULL with n 0 is UB */
	for (i = 0; i < n; i++) {
		bool covered = false;
		for (size_t k = 0; k < i && !covered; k++)
			covered = spans[k].group && spans[i].start < spans[k].end &&
			          spans[k].start < spans[i].end;
		if (covered)
			spans[i].group = NULL;
		else
			json_array_append(groups, spans[i].group);
	}
	free(spans);
	scan_languages(tax, folded, groups);
	free(folded);
}

static bool
contains_equal(const json_t *array, const json_t *value)
{
	size_t i;
	json_t *v;

	json_array_foreach(array, i, v) if (json_equal(v, value)) return true;
	return false;
}

static json_t *
member_array(json_t *object, const char *key)
{
	json_t *a = json_object_get(object, key);

	if (!a) {
		a = json_array();
		json_object_set_new(object, key, a);
	}
	return a;
}

void
vd_src_add_require(json_t *vacancy, const json_t *found)
{
	size_t i;
	json_t *g;

	json_array_foreach(found, i, g)
	{
		json_t *require = member_array(vacancy, "require");
		if (!contains_equal(require, g))
			json_array_append(require, g);
	}
}

void
vd_src_add_prefer(json_t *vacancy, const json_t *found)
{
	size_t i;
	json_t *g;

	json_array_foreach(found, i, g)
	{
		json_t *prefer = member_array(vacancy, "prefer");
		json_t *term = json_array_get(g, 0);
		if (term && !contains_equal(prefer, term))
			json_array_append(prefer, term);
	}
}

/* ---- a poll's lifecycle ------------------------------------------------ */

struct vd_src {
	const vd_host_t *host;
	json_t *emitted;   /* {id: true}: what the last poll stored */
	bool first;        /* the stored ones are not known yet */
	json_t *offers;    /* {id: {"vacancy", "file", "label", "mtime"}} this poll */
	json_t *files;     /* {file: "problem; problem"} */
	json_t *conflicts; /* [{"id", "kept", "ignored"}] */
};

vd_src_t *
vd_src_new(const vd_host_t *host)
{
	vd_src_t *src = calloc(1, sizeof(*src));

	if (!src)
		return NULL;
	src->host = host;
	src->emitted = json_object();
	src->first = true;
	return src;
}

void
vd_src_free(vd_src_t *src)
{
	if (!src)
		return;
	json_decref(src->emitted);
	json_decref(src->offers);
	json_decref(src->files);
	json_decref(src->conflicts);
	free(src);
}

void
vd_src_begin(vd_src_t *src)
{
	json_decref(src->offers);
	json_decref(src->files);
	json_decref(src->conflicts);
	src->offers = json_object();
	src->files = json_object();
	src->conflicts = json_array();
}

void
vd_src_problem(vd_src_t *src, const char *file, const char *fmt, ...)
{
	const char *before = json_string_value(json_object_get(src->files, file));
	char text[700], joined[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (before)
		snprintf(joined, sizeof(joined), "%s; %s", before, text);
	else
		snprintf(joined, sizeof(joined), "%s", text);
	json_object_set_new(src->files, file, json_string(joined));
}

void
vd_src_offer(vd_src_t *src, json_t *vacancy, const char *file, const char *label, double mtime)
{
	const char *id = json_string_value(json_object_get(vacancy, "id"));
	json_t *earlier = json_object_get(src->offers, id ? id : "");
	json_t *offer;
	char kept[600], ignored[600];

	if (!id) {
		json_decref(vacancy);
		return;
	}
	offer = json_pack("{s:o, s:s, s:s, s:f}", "vacancy", vacancy, "file", file, "label", label,
	                  "mtime", mtime);
	if (earlier) {
		/* The newer file wins; between equals the later name, so that the
		 * outcome does not depend on the order the folder is read in. */
		double t = json_real_value(json_object_get(earlier, "mtime"));
		const char *f = json_string_value(json_object_get(earlier, "file"));
		bool newer = mtime > t || (mtime == t && strcmp(file, f) > 0);
		json_t *win = newer ? offer : earlier, *lose = newer ? earlier : offer;
		snprintf(kept, sizeof(kept), "%s (%s)",
		         json_string_value(json_object_get(win, "file")),
		         json_string_value(json_object_get(win, "label")));
		snprintf(ignored, sizeof(ignored), "%s (%s)",
		         json_string_value(json_object_get(lose, "file")),
		         json_string_value(json_object_get(lose, "label")));
		json_array_append_new(src->conflicts, json_pack("{s:s, s:s, s:s}", "id", id, "kept",
		                                                kept, "ignored", ignored));
		if (!newer) {
			json_decref(offer);
			return;
		}
	}
	json_object_set_new(src->offers, id, offer);
}

/* At the first poll, what this plugin stored before (another run of the
 * server) is what may have to be withdrawn. */
static void
learn_stored(vd_src_t *src)
{
	char *text = src->host->source_vacancies(src->host);
	json_t *ids = text ? json_loads(text, 0, NULL) : NULL;
	size_t i;
	json_t *id;

	json_array_foreach(ids, i, id) if (json_is_string(id))
	    json_object_set(src->emitted, json_string_value(id), json_true());
	json_decref(ids);
	src->host->free(text);
	src->first = false;
}

int
vd_src_end(vd_src_t *src)
{
	const vd_host_t *host = src->host;
	json_t *now = json_object(), *offer, *v, *details;
	const char *id;
	char *text, *error;
	int rc = 0;

	if (src->first)
		learn_stored(src);
	json_object_foreach(src->offers, id, offer)
	{
		text = json_dumps(json_object_get(offer, "vacancy"), JSON_COMPACT);
		error = NULL;
		if (text && host->emit_vacancy(host, text, &error) == 0) {
			json_object_set(now, id, json_true());
		} else {
			vd_src_problem(src, json_string_value(json_object_get(offer, "file")),
			               "%s: %s", json_string_value(json_object_get(offer, "label")),
			               error ? error : "not stored");
		}
		host->free(error);
		free(text);
	}
	json_object_foreach(src->emitted, id, v)
	{
		if (!json_object_get(now, id) && host->withdraw_vacancy(host, id) != 0)
			rc = -1;
	}
	json_decref(src->emitted);
	src->emitted = now;
	details = json_pack("{s:O, s:O, s:I}", "files", src->files, "conflicts", src->conflicts,
	                    "vacancies", (json_int_t)json_object_size(now));
	text = json_dumps(details, JSON_COMPACT);
	host->set_details(host, text);
	free(text);
	json_decref(details);
	return rc;
}

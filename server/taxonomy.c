/* The competence vocabulary and the occupations, loaded from data/.
 *
 * Both files are checked whole before the server uses them: a term that names
 * nothing, a word that names two occupations or a phrase that means two
 * different things is refused with a message that says where. Look-ups that
 * run per query (occupation and phrase by words, terms by code) are binary
 * searches over arrays sorted once at load time. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxonomy.h"

/* A folded word and what it stands for. */
typedef struct word_entry {
	const char *key; /* folded, owned by the taxonomy's pool */
	const void *val; /* vd_occupation_t, vd_competence_t or vd_strv_t */
	bool listed;     /* phrases: listed in "phrases" (wins over derived words) */
	size_t order;    /* keeps qsort stable */
} word_entry_t;

typedef struct word_table {
	word_entry_t *v;
	size_t n, cap;
} word_table_t;

struct vd_taxonomy {
	json_t *comp_root; /* the parsed files; borrowed strings point into them */
	json_t *occ_root;

	vd_competence_t *comps;
	size_t n_comps;
	vd_occupation_t *occs;
	size_t n_occs;

	const vd_competence_t **comp_by_code; /* sorted by kind, then code */
	const vd_occupation_t **occ_by_code;  /* sorted by code */
	const vd_occupation_t **occ_by_uri;   /* sorted by ESCO URI; only those with one */
	size_t n_occ_by_uri;

	word_table_t occ_words;  /* folded word -> occupation */
	word_table_t phrases;    /* folded phrase -> any-of group (vd_strv_t) */
	word_table_t comp_words; /* folded code/label/synonym -> competence, for suggestions */

	void **pool; /* every malloc'd block the taxonomy owns */
	size_t n_pool, cap_pool;
};

/* The loader's state: which file is being read, and the first error. */
typedef struct loader {
	vd_taxonomy_t *tax;
	const char *path;
	char *comp_path;
	char *occ_path;
	char *error;
} loader_t;

static const char *const kind_names[] = {"licence", "certificate", "skill", "language"};

static const char *const cefr_levels[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
static const char *const nl_levels[] = {"1F", "2F", "3F", "4F"};

__attribute__((format(printf, 2, 3))) static vd_status_t
fail(loader_t *ld, const char *fmt, ...)
{
	va_list ap;
	char *detail = NULL;

	if (ld->error)
		return VD_ERR_INVALID;
	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		detail = NULL;
	va_end(ap);
	if (detail && asprintf(&ld->error, "%s: %s", ld->path, detail) < 0)
		ld->error = NULL;
	free(detail);
	return VD_ERR_INVALID;
}

/* --- folding ------------------------------------------------------------- */

/* ASCII letters for the Latin-1 supplement U+00C0..U+00FF (second byte of
 * C3 xx is 0x80..0xBF); 0 keeps the character as it is. Two letters for
 * "ae" and "ss" fit the two bytes they replace. */
static const char *const latin1_fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o",  0,   "o", "u", "u", "u", "u", "y", 0,   "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o",  0,   "o", "u", "u", "u", "u", "y", 0,   "y",
};

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *
vd_fold(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	char *out, *o;
	bool pending_space = false;

	if (!text)
		return NULL;
	/* Folding never lengthens: every replacement is at most as long as its source. */
	out = malloc(strlen(text) + 1);
	if (!out)
		return NULL;
	o = out;
	while (*s) {
		const char *rep = NULL;
		size_t len = 1;

		if (is_space(*s) || (s[0] == 0xC2 && s[1] == 0xA0)) {
			pending_space = o != out;
			s += *s == 0xC2 ? 2 : 1;
			continue;
		}
		if (s[0] == 0xC3 && s[1] >= 0x80 && s[1] <= 0xBF) {
			rep = latin1_fold[s[1] - 0x80];
			len = 2;
		}
		if (pending_space) {
			*o++ = ' ';
			pending_space = false;
		}
		if (rep) {
			size_t n = strlen(rep);
			memcpy(o, rep, n);
			o += n;
		} else if (len == 2) {
			*o++ = (char)s[0];
			*o++ = (char)s[1];
		} else {
			*o++ = (char)tolower(*s);
		}
		s += len;
	}
	*o = '\0';
	return out;
}

/* --- ownership ----------------------------------------------------------- */

/* Hands p to the taxonomy; returns p, or NULL (and frees p) when out of memory. */
static void *
keep(vd_taxonomy_t *tax, void *p)
{
	if (!p)
		return NULL;
	if (tax->n_pool == tax->cap_pool) {
		size_t cap = tax->cap_pool ? tax->cap_pool * 2 : 256;
		void **v = realloc(tax->pool, cap * sizeof(*v));
		if (!v) {
			free(p);
			return NULL;
		}
		tax->pool = v;
		tax->cap_pool = cap;
	}
	tax->pool[tax->n_pool++] = p;
	return p;
}

static void *
kept_calloc(vd_taxonomy_t *tax, size_t n, size_t size)
{
	return keep(tax, calloc(n ? n : 1, size));
}

static char *
kept_fold(vd_taxonomy_t *tax, const char *text)
{
	return keep(tax, vd_fold(text));
}

static vd_status_t
table_add(word_table_t *t, const char *key, const void *val, bool listed)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		word_entry_t *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return VD_ERR_NOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = (word_entry_t){.key = key, .val = val, .listed = listed, .order = t->n};
	t->n++;
	return VD_OK;
}

static int
entry_cmp(const void *a, const void *b)
{
	const word_entry_t *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->listed != y->listed)
		return x->listed ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static const word_entry_t *
table_find(const word_table_t *t, const char *key)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, t->v[mid].key);
		if (c == 0)
			return &t->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* --- reading the files --------------------------------------------------- */

static vd_status_t
read_json(loader_t *ld, const char *path, json_t **out)
{
	json_error_t jerr;
	FILE *f;

	ld->path = path;
	f = fopen(path, "r");
	if (!f) {
		if (asprintf(&ld->error, "%s: cannot open: %s", path, strerror(errno)) < 0)
			ld->error = NULL;
		return VD_ERR_IO;
	}
	*out = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!*out)
		return fail(ld, "line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(*out))
		return fail(ld, "the top level is not a JSON object");
	return VD_OK;
}

/* A required string member; what names the entry in messages. */
static vd_status_t
need_string(loader_t *ld, json_t *obj, const char *key, const char *what, bool nullable)
{
	json_t *v = json_object_get(obj, key);

	if (nullable && (!v || json_is_null(v)))
		return VD_OK;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(ld, "%s: '%s' must be a non-empty string%s", what, key,
		            nullable ? " or null" : "");
	return VD_OK;
}

/* Every element of array is a non-empty string. */
static vd_status_t
check_strings(loader_t *ld, json_t *array, const char *what, const char *key)
{
	json_t *s;
	size_t i;

	if (!json_is_array(array))
		return fail(ld, "%s: '%s' must be an array of strings", what, key);
	json_array_foreach(array, i, s)
	{
		if (!json_is_string(s) || json_string_length(s) == 0)
			return fail(ld, "%s: '%s' must hold non-empty strings only", what, key);
	}
	return VD_OK;
}

static vd_status_t
need_string_array(loader_t *ld, json_t *obj, const char *key, const char *what, bool optional)
{
	json_t *v = json_object_get(obj, key);

	if (optional && !v)
		return VD_OK;
	return check_strings(ld, v, what, key);
}

/* A borrowed string array as a vd_strv_t whose vector the taxonomy owns. */
static vd_status_t
strv_from(vd_taxonomy_t *tax, json_t *array, vd_strv_t *out)
{
	size_t n = json_array_size(array);

	out->n = n;
	out->v = kept_calloc(tax, n, sizeof(*out->v));
	if (!out->v)
		return VD_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		out->v[i] = json_string_value(json_array_get(array, i));
	return VD_OK;
}

static const char *
member(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* --- competences --------------------------------------------------------- */

/* A new object: "kind" first, then the entry's own members (copied). */
static json_t *
competence_json(vd_competence_kind_t kind, json_t *entry)
{
	json_t *obj = json_pack("{s:s}", "kind", kind_names[kind]);
	const char *key;
	json_t *v;

	if (!obj)
		return NULL;
	json_object_foreach(entry, key, v)
	{
		if (strcmp(key, "kind") != 0 && json_object_set_new(obj, key, json_deep_copy(v))) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

static vd_status_t
check_competence_entry(loader_t *ld, vd_competence_kind_t kind, json_t *e, size_t i)
{
	char what[64];
	const char *code;
	json_t *v;
	vd_status_t st;

	snprintf(what, sizeof(what), "%s %zu", kind_names[kind], i);
	if (!json_is_object(e))
		return fail(ld, "%s is not an object", what);
	if ((st = need_string(ld, e, "code", what, false)) != VD_OK)
		return st;
	code = member(e, "code");
	snprintf(what, sizeof(what), "%s '%.40s'", kind_names[kind], code);
	for (const char *c = code; *c; c++) {
		bool ok = kind == VD_KIND_LICENCE
		              ? (isupper((unsigned char)*c) || isdigit((unsigned char)*c))
		              : (islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
		                 (*c == '-' && kind != VD_KIND_LANGUAGE));
		if (!ok)
			return fail(ld, "%s: the code has a character outside [%s]", what,
			            kind == VD_KIND_LICENCE ? "A-Z0-9" : "a-z0-9-");
	}
	if (kind == VD_KIND_LANGUAGE && strlen(code) != 2)
		return fail(ld, "%s: a language code is a two-letter ISO 639-1 code", what);
	if ((st = need_string(ld, e, "label", what, false)) != VD_OK)
		return st;
	if (kind == VD_KIND_LICENCE && !json_is_boolean(json_object_get(e, "code95")))
		return fail(ld, "%s: 'code95' must be true or false", what);
	if (kind == VD_KIND_CERTIFICATE) {
		v = json_object_get(e, "valid_years");
		if (v && !json_is_null(v) && !(json_is_integer(v) && json_integer_value(v) > 0))
			return fail(ld, "%s: 'valid_years' must be a positive integer or null",
			            what);
	}
	if (kind == VD_KIND_SKILL && (st = need_string(ld, e, "esco_uri", what, true)) != VD_OK)
		return st;
	return need_string_array(ld, e, "synonyms", what, true);
}

static vd_status_t
load_competence_kind(loader_t *ld, json_t *root, vd_competence_kind_t kind, const char *key)
{
	vd_taxonomy_t *tax = ld->tax;
	json_t *list = json_object_get(root, key), *e;
	size_t i;
	vd_status_t st;

	if (!json_is_array(list))
		return fail(ld, "'%s' must be an array", key);
	json_array_foreach(list, i, e)
	{
		vd_competence_t *c = &tax->comps[tax->n_comps];

		if ((st = check_competence_entry(ld, kind, e, i)) != VD_OK)
			return st;
		c->kind = kind;
		c->json = competence_json(kind, e);
		if (!c->json)
			return VD_ERR_NOMEM;
		tax->n_comps++;
		c->code = member(c->json, "code");
		c->label = member(c->json, "label");
	}
	return VD_OK;
}

static int
comp_cmp(const void *a, const void *b)
{
	const vd_competence_t *x = *(const vd_competence_t *const *)a;
	const vd_competence_t *y = *(const vd_competence_t *const *)b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->code, y->code);
}

static vd_status_t
index_competences(loader_t *ld)
{
	vd_taxonomy_t *tax = ld->tax;

	tax->comp_by_code = kept_calloc(tax, tax->n_comps, sizeof(*tax->comp_by_code));
	if (!tax->comp_by_code)
		return VD_ERR_NOMEM;
	for (size_t i = 0; i < tax->n_comps; i++)
		tax->comp_by_code[i] = &tax->comps[i];
	qsort(tax->comp_by_code, tax->n_comps, sizeof(*tax->comp_by_code), comp_cmp);
	for (size_t i = 1; i < tax->n_comps; i++) {
		if (comp_cmp(&tax->comp_by_code[i - 1], &tax->comp_by_code[i]) == 0)
			return fail(ld, "%s '%s' is listed twice",
			            kind_names[tax->comp_by_code[i]->kind],
			            tax->comp_by_code[i]->code);
	}
	return VD_OK;
}

/* --- occupations --------------------------------------------------------- */

static const char *const occ_keys[] = {"code",     "label",       "plural", "synonyms",
                                       "esco_uri", "isco",        "sector", "require",
                                       "prefer",   "dutch_level", "source"};

static bool
is_level(const char *s, bool dutch)
{
	for (size_t i = 0; i < sizeof(cefr_levels) / sizeof(*cefr_levels); i++)
		if (strcmp(s, cefr_levels[i]) == 0)
			return true;
	for (size_t i = 0; dutch && i < sizeof(nl_levels) / sizeof(*nl_levels); i++)
		if (strcmp(s, nl_levels[i]) == 0)
			return true;
	return false;
}

static vd_status_t
check_occupation_entry(loader_t *ld, json_t *e, size_t i)
{
	char what[96];
	const char *s;
	json_t *req, *g;
	size_t k;
	vd_status_t st;

	snprintf(what, sizeof(what), "occupation %zu", i);
	if (!json_is_object(e))
		return fail(ld, "%s is not an object", what);
	if ((st = need_string(ld, e, "code", what, false)) != VD_OK)
		return st;
	snprintf(what, sizeof(what), "occupation '%.60s'", member(e, "code"));
	for (s = member(e, "code"); *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
			return fail(ld, "%s: the code has a character outside [a-z0-9-]", what);
	if ((st = need_string(ld, e, "label", what, false)) != VD_OK ||
	    (st = need_string(ld, e, "plural", what, false)) != VD_OK ||
	    (st = need_string(ld, e, "sector", what, false)) != VD_OK ||
	    (st = need_string(ld, e, "source", what, false)) != VD_OK ||
	    (st = need_string(ld, e, "esco_uri", what, true)) != VD_OK ||
	    (st = need_string(ld, e, "isco", what, true)) != VD_OK ||
	    (st = need_string(ld, e, "dutch_level", what, true)) != VD_OK ||
	    (st = need_string_array(ld, e, "synonyms", what, false)) != VD_OK ||
	    (st = need_string_array(ld, e, "prefer", what, false)) != VD_OK)
		return st;
	s = member(e, "isco");
	if (s && (strlen(s) != 4 || strspn(s, "0123456789") != 4))
		return fail(ld, "%s: 'isco' must be a 4-digit ISCO-08 unit group", what);
	s = member(e, "dutch_level");
	if (s && !is_level(s, false))
		return fail(ld, "%s: 'dutch_level' must be one of A1 A2 B1 B2 C1 C2", what);
	req = json_object_get(e, "require");
	if (!json_is_array(req))
		return fail(ld, "%s: 'require' must be an array of any-of groups", what);
	json_array_foreach(req, k, g)
	{
		if (!json_is_array(g) || json_array_size(g) == 0)
			return fail(ld, "%s: require group %zu must be a non-empty array", what, k);
		if ((st = check_strings(ld, g, what, "require")) != VD_OK)
			return st;
	}
	return VD_OK;
}

/* A new object with the members GET /v1/occupations shows, in that order. */
static json_t *
occupation_json(json_t *e)
{
	json_t *obj = json_object();

	for (size_t i = 0; obj && i < sizeof(occ_keys) / sizeof(*occ_keys); i++) {
		json_t *v = json_object_get(e, occ_keys[i]);
		if (json_object_set_new(obj, occ_keys[i], v ? json_deep_copy(v) : json_null())) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

static vd_status_t
fill_occupation(vd_taxonomy_t *tax, vd_occupation_t *o, json_t *e)
{
	json_t *req;
	vd_strv_t *groups;
	vd_status_t st;

	o->json = occupation_json(e);
	if (!o->json)
		return VD_ERR_NOMEM;
	o->code = member(o->json, "code");
	o->label = member(o->json, "label");
	o->plural = member(o->json, "plural");
	o->esco_uri = member(o->json, "esco_uri");
	o->isco = member(o->json, "isco");
	o->sector = member(o->json, "sector");
	o->dutch_level = member(o->json, "dutch_level");
	if ((st = strv_from(tax, json_object_get(o->json, "synonyms"), &o->synonyms)) != VD_OK ||
	    (st = strv_from(tax, json_object_get(o->json, "prefer"), &o->prefer)) != VD_OK)
		return st;
	req = json_object_get(o->json, "require");
	o->n_require = json_array_size(req);
	groups = kept_calloc(tax, o->n_require, sizeof(*groups));
	if (!groups)
		return VD_ERR_NOMEM;
	for (size_t g = 0; g < o->n_require; g++)
		if ((st = strv_from(tax, json_array_get(req, g), &groups[g])) != VD_OK)
			return st;
	o->require = groups;
	return VD_OK;
}

static int
occ_code_cmp(const void *a, const void *b)
{
	return strcmp((*(const vd_occupation_t *const *)a)->code,
	              (*(const vd_occupation_t *const *)b)->code);
}

static int
occ_uri_cmp(const void *a, const void *b)
{
	return strcmp((*(const vd_occupation_t *const *)a)->esco_uri,
	              (*(const vd_occupation_t *const *)b)->esco_uri);
}

static vd_status_t
load_occupations(loader_t *ld, json_t *root)
{
	vd_taxonomy_t *tax = ld->tax;
	json_t *list = json_object_get(root, "occupations"), *e;
	size_t i;
	vd_status_t st;

	if (!json_is_array(list))
		return fail(ld, "'occupations' must be an array");
	tax->occs = kept_calloc(tax, json_array_size(list), sizeof(*tax->occs));
	tax->occ_by_code = kept_calloc(tax, json_array_size(list), sizeof(*tax->occ_by_code));
	tax->occ_by_uri = kept_calloc(tax, json_array_size(list), sizeof(*tax->occ_by_uri));
	if (!tax->occs || !tax->occ_by_code || !tax->occ_by_uri)
		return VD_ERR_NOMEM;
	json_array_foreach(list, i, e)
	{
		vd_occupation_t *o = &tax->occs[i];

		if ((st = check_occupation_entry(ld, e, i)) != VD_OK)
			return st;
		st = fill_occupation(tax, o, e);
		tax->n_occs = i + 1; /* so that free() releases o->json */
		if (st != VD_OK)
			return st;
		tax->occ_by_code[i] = o;
		if (o->esco_uri)
			tax->occ_by_uri[tax->n_occ_by_uri++] = o;
	}
	qsort(tax->occ_by_code, tax->n_occs, sizeof(*tax->occ_by_code), occ_code_cmp);
	qsort(tax->occ_by_uri, tax->n_occ_by_uri, sizeof(*tax->occ_by_uri), occ_uri_cmp);
	for (i = 1; i < tax->n_occs; i++)
		if (occ_code_cmp(&tax->occ_by_code[i - 1], &tax->occ_by_code[i]) == 0)
			return fail(ld, "occupation '%s' is listed twice",
			            tax->occ_by_code[i]->code);
	for (i = 1; i < tax->n_occ_by_uri; i++)
		if (occ_uri_cmp(&tax->occ_by_uri[i - 1], &tax->occ_by_uri[i]) == 0)
			return fail(ld, "occupations '%s' and '%s' have the same esco_uri %s",
			            tax->occ_by_uri[i - 1]->code, tax->occ_by_uri[i]->code,
			            tax->occ_by_uri[i]->esco_uri);
	return VD_OK;
}

static vd_status_t
check_occupation_terms(loader_t *ld)
{
	vd_taxonomy_t *tax = ld->tax;

	for (size_t i = 0; i < tax->n_occs; i++) {
		const vd_occupation_t *o = &tax->occs[i];

		for (size_t g = 0; g < o->n_require; g++)
			for (size_t t = 0; t < o->require[g].n; t++)
				if (!vd_taxonomy_term_valid(tax, o->require[g].v[t]))
					return fail(ld,
					            "occupation '%s': unknown term '%s' in require",
					            o->code, o->require[g].v[t]);
		for (size_t t = 0; t < o->prefer.n; t++)
			if (!vd_taxonomy_term_valid(tax, o->prefer.v[t]))
				return fail(ld, "occupation '%s': unknown term '%s' in prefer",
				            o->code, o->prefer.v[t]);
	}
	return VD_OK;
}

static vd_status_t
add_occ_word(vd_taxonomy_t *tax, const char *word, const vd_occupation_t *o)
{
	const char *key = kept_fold(tax, word);

	return key ? table_add(&tax->occ_words, key, o, true) : VD_ERR_NOMEM;
}

/* Label, plural, synonyms and code of every occupation; a word may name one only. */
static vd_status_t
index_occupation_words(loader_t *ld)
{
	vd_taxonomy_t *tax = ld->tax;
	word_table_t *t = &tax->occ_words;
	size_t n = 0;
	vd_status_t st;

	for (size_t i = 0; i < tax->n_occs; i++) {
		const vd_occupation_t *o = &tax->occs[i];

		if ((st = add_occ_word(tax, o->code, o)) != VD_OK ||
		    (st = add_occ_word(tax, o->label, o)) != VD_OK ||
		    (st = add_occ_word(tax, o->plural, o)) != VD_OK)
			return st;
		for (size_t s = 0; s < o->synonyms.n; s++)
			if ((st = add_occ_word(tax, o->synonyms.v[s], o)) != VD_OK)
				return st;
	}
	qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
	for (size_t i = 0; i < t->n; i++) {
		const vd_occupation_t *a, *b;

		if (n > 0 && strcmp(t->v[n - 1].key, t->v[i].key) == 0) {
			a = t->v[n - 1].val;
			b = t->v[i].val;
			if (a != b)
				return fail(ld,
				            "the word '%s' names two occupations, '%s' and '%s'",
				            t->v[i].key, a->code, b->code);
			continue;
		}
		t->v[n++] = t->v[i];
	}
	t->n = n;
	return VD_OK;
}

/* --- phrases ------------------------------------------------------------- */

static bool
strv_equal(const vd_strv_t *a, const vd_strv_t *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static vd_status_t
load_listed_phrases(loader_t *ld, json_t *root)
{
	vd_taxonomy_t *tax = ld->tax;
	json_t *list = json_object_get(root, "phrases"), *e;
	size_t i;
	vd_status_t st;

	if (!json_is_array(list))
		return fail(ld, "'phrases' must be an array");
	json_array_foreach(list, i, e)
	{
		char what[64];
		vd_strv_t *group;
		const char *key;

		snprintf(what, sizeof(what), "phrase %zu", i);
		if (!json_is_object(e))
			return fail(ld, "%s is not an object", what);
		if ((st = need_string(ld, e, "words", what, false)) != VD_OK ||
		    (st = need_string_array(ld, e, "any_of", what, false)) != VD_OK)
			return st;
		if (json_array_size(json_object_get(e, "any_of")) == 0)
			return fail(ld, "phrase '%s': 'any_of' is empty", member(e, "words"));
		group = kept_calloc(tax, 1, sizeof(*group));
		key = kept_fold(tax, member(e, "words"));
		if (!group || !key || strv_from(tax, json_object_get(e, "any_of"), group) != VD_OK)
			return VD_ERR_NOMEM;
		for (size_t t = 0; t < group->n; t++)
			if (!vd_taxonomy_term_valid(tax, group->v[t]))
				return fail(ld, "phrase '%s': unknown term '%s'", key, group->v[t]);
		if ((st = table_add(&tax->phrases, key, group, true)) != VD_OK)
			return st;
	}
	return VD_OK;
}

/* A competence's own words: its one-element group as a phrase, and the
 * competence itself for suggestions. */
static vd_status_t
add_own_word(vd_taxonomy_t *tax, const char *word, const vd_competence_t *c, const vd_strv_t *group)
{
	const char *key = kept_fold(tax, word);
	vd_status_t st;

	if (!key)
		return VD_ERR_NOMEM;
	/* A language's ISO code is no phrase: "en", "de" and "is" are Dutch words. */
	if (c->kind != VD_KIND_LICENCE && group &&
	    (st = table_add(&tax->phrases, key, group, false)) != VD_OK)
		return st;
	return table_add(&tax->comp_words, key, c, false);
}

static vd_status_t
add_own_words(vd_taxonomy_t *tax, const vd_competence_t *c)
{
	json_t *syn = json_object_get(c->json, "synonyms"), *s;
	vd_strv_t *group = kept_calloc(tax, 1, sizeof(*group));
	char *term = NULL;
	size_t i;
	vd_status_t st;

	if (!group || asprintf(&term, "%s:%s", kind_names[c->kind], c->code) < 0 ||
	    !keep(tax, term))
		return VD_ERR_NOMEM;
	group->v = kept_calloc(tax, 1, sizeof(*group->v));
	if (!group->v)
		return VD_ERR_NOMEM;
	group->v[0] = term;
	group->n = 1;
	if ((st = add_own_word(tax, c->code, c, c->kind == VD_KIND_LANGUAGE ? NULL : group)) !=
	        VD_OK ||
	    (st = add_own_word(tax, c->label, c, group)) != VD_OK)
		return st;
	json_array_foreach(syn, i, s)
	{
		if ((st = add_own_word(tax, json_string_value(s), c, group)) != VD_OK)
			return st;
	}
	return VD_OK;
}

/* Sorts the phrase table; a listed phrase wins over a competence's own
 * word, two listings of one phrase or two competences with one word are
 * refused. */
static vd_status_t
index_phrases(loader_t *ld)
{
	word_table_t *t = &ld->tax->phrases;
	size_t n = 0;

	qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
	for (size_t i = 0; i < t->n; i++) {
		word_entry_t *prev = n > 0 ? &t->v[n - 1] : NULL;

		if (prev && strcmp(prev->key, t->v[i].key) == 0) {
			if (prev->listed && t->v[i].listed)
				return fail(ld, "phrase '%s' is listed twice", prev->key);
			if (!prev->listed && !strv_equal(prev->val, t->v[i].val))
				return fail(
				    ld,
				    "'%s' names both %s and %s; list it under phrases to say which",
				    prev->key, ((const vd_strv_t *)prev->val)->v[0],
				    ((const vd_strv_t *)t->v[i].val)->v[0]);
			continue;
		}
		t->v[n++] = t->v[i];
	}
	t->n = n;
	qsort(ld->tax->comp_words.v, ld->tax->comp_words.n, sizeof(word_entry_t), entry_cmp);
	return VD_OK;
}

static vd_status_t
load_phrases(loader_t *ld, json_t *root)
{
	vd_taxonomy_t *tax = ld->tax;
	vd_status_t st;

	if ((st = load_listed_phrases(ld, root)) != VD_OK)
		return st;
	for (size_t i = 0; i < tax->n_comps; i++)
		if ((st = add_own_words(tax, &tax->comps[i])) != VD_OK)
			return st;
	return index_phrases(ld);
}

/* --- loading ------------------------------------------------------------- */

static vd_status_t
load_competences(loader_t *ld, json_t *root)
{
	static const char *const keys[] = {"licences", "certificates", "skills", "languages"};
	vd_taxonomy_t *tax = ld->tax;
	size_t n = 0;
	vd_status_t st;

	for (size_t k = 0; k < 4; k++)
		n += json_array_size(json_object_get(root, keys[k]));
	tax->comps = kept_calloc(tax, n, sizeof(*tax->comps));
	if (!tax->comps)
		return VD_ERR_NOMEM;
	for (size_t k = 0; k < 4; k++)
		if ((st = load_competence_kind(ld, root, (vd_competence_kind_t)k, keys[k])) !=
		    VD_OK)
			return st;
	return index_competences(ld);
}

static vd_status_t
load_all(loader_t *ld, const char *data_dir)
{
	vd_taxonomy_t *tax = ld->tax;
	vd_status_t st;

	if (asprintf(&ld->comp_path, "%s/competences.json", data_dir) < 0 ||
	    asprintf(&ld->occ_path, "%s/occupations.json", data_dir) < 0)
		return VD_ERR_NOMEM;
	if ((st = read_json(ld, ld->comp_path, &tax->comp_root)) != VD_OK ||
	    (st = load_competences(ld, tax->comp_root)) != VD_OK)
		return st;
	/* Occupation codes must be known before any term is checked: experience:X. */
	if ((st = read_json(ld, ld->occ_path, &tax->occ_root)) != VD_OK ||
	    (st = load_occupations(ld, tax->occ_root)) != VD_OK ||
	    (st = check_occupation_terms(ld)) != VD_OK ||
	    (st = index_occupation_words(ld)) != VD_OK)
		return st;
	ld->path = ld->comp_path;
	return load_phrases(ld, tax->comp_root);
}

vd_status_t
vd_taxonomy_load(const char *data_dir, vd_taxonomy_t **out, char **error)
{
	loader_t ld = {0};
	vd_status_t st;

	*out = NULL;
	if (error)
		*error = NULL;
	ld.tax = calloc(1, sizeof(*ld.tax));
	if (!ld.tax)
		return VD_ERR_NOMEM;
	ld.path = data_dir;
	st = load_all(&ld, data_dir);
	if (st == VD_OK) {
		*out = ld.tax;
		goto out_free_paths;
	}
	if (!ld.error && asprintf(&ld.error, "%s: %s", ld.path, vd_status_str(st)) < 0)
		ld.error = NULL;
	vd_taxonomy_free(ld.tax);
out_free_paths:
	if (error)
		*error = ld.error;
	else
		free(ld.error);
	free(ld.comp_path);
	free(ld.occ_path);
	return st;
}

void
vd_taxonomy_free(vd_taxonomy_t *tax)
{
	if (!tax)
		return;
	for (size_t i = 0; i < tax->n_occs; i++)
		json_decref(tax->occs[i].json);
	for (size_t i = 0; i < tax->n_comps; i++)
		json_decref(tax->comps[i].json);
	free(tax->occ_words.v);
	free(tax->phrases.v);
	free(tax->comp_words.v);
	for (size_t i = 0; i < tax->n_pool; i++)
		free(tax->pool[i]);
	free(tax->pool);
	json_decref(tax->comp_root);
	json_decref(tax->occ_root);
	free(tax);
}

/* --- look-ups ------------------------------------------------------------ */

const vd_competence_t *
vd_taxonomy_competence(const vd_taxonomy_t *tax, vd_competence_kind_t kind, const char *code)
{
	vd_competence_t key_c = {.kind = kind, .code = code};
	const vd_competence_t *key = &key_c;
	const vd_competence_t **found;

	if (!code)
		return NULL;
	found =
	    bsearch(&key, tax->comp_by_code, tax->n_comps, sizeof(*tax->comp_by_code), comp_cmp);
	return found ? *found : NULL;
}

const vd_occupation_t *
vd_taxonomy_occupation(const vd_taxonomy_t *tax, const char *code_or_uri)
{
	vd_occupation_t key_o = {.code = code_or_uri, .esco_uri = code_or_uri};
	const vd_occupation_t *key = &key_o;
	const vd_occupation_t **found;

	if (!code_or_uri)
		return NULL;
	found =
	    bsearch(&key, tax->occ_by_code, tax->n_occs, sizeof(*tax->occ_by_code), occ_code_cmp);
	if (!found)
		found = bsearch(&key, tax->occ_by_uri, tax->n_occ_by_uri, sizeof(*tax->occ_by_uri),
		                occ_uri_cmp);
	return found ? *found : NULL;
}

size_t
vd_taxonomy_n_occupations(const vd_taxonomy_t *tax)
{
	return tax->n_occs;
}

const vd_occupation_t *
vd_taxonomy_occupation_at(const vd_taxonomy_t *tax, size_t i)
{
	return i < tax->n_occs ? &tax->occs[i] : NULL;
}

size_t
vd_taxonomy_n_competences(const vd_taxonomy_t *tax)
{
	return tax->n_comps;
}

const vd_competence_t *
vd_taxonomy_competence_at(const vd_taxonomy_t *tax, size_t i)
{
	return i < tax->n_comps ? &tax->comps[i] : NULL;
}

/* Words are meant to arrive folded; one that does not (a label with a
 * diaeresis handed back from a suggestion) is folded here and tried again. */
static const word_entry_t *
find_words(const word_table_t *t, const char *words)
{
	const word_entry_t *e;
	char *folded;

	if (!words)
		return NULL;
	if ((e = table_find(t, words)))
		return e;
	folded = vd_fold(words);
	if (folded && strcmp(folded, words) != 0)
		e = table_find(t, folded);
	free(folded);
	return e;
}

const vd_occupation_t *
vd_taxonomy_occupation_by_words(const vd_taxonomy_t *tax, const char *words)
{
	const word_entry_t *e = find_words(&tax->occ_words, words);

	return e ? e->val : NULL;
}

const vd_strv_t *
vd_taxonomy_competence_by_words(const vd_taxonomy_t *tax, const char *words)
{
	const word_entry_t *e = find_words(&tax->phrases, words);

	return e ? e->val : NULL;
}

/* --- terms --------------------------------------------------------------- */

bool
vd_taxonomy_term_valid(const vd_taxonomy_t *tax, const char *term)
{
	const char *colon = term ? strchr(term, ':') : NULL;
	const char *code = colon ? colon + 1 : NULL;
	size_t klen = colon ? (size_t)(colon - term) : 0;
	const vd_competence_t *c;

	if (!colon || !*code)
		return false;
	if (klen == 7 && strncmp(term, "licence", klen) == 0)
		return vd_taxonomy_competence(tax, VD_KIND_LICENCE, code) != NULL;
	if (klen == 6 && strncmp(term, "code95", klen) == 0) {
		c = vd_taxonomy_competence(tax, VD_KIND_LICENCE, code);
		return c && json_is_true(json_object_get(c->json, "code95"));
	}
	if (klen == 11 && strncmp(term, "certificate", klen) == 0)
		return vd_taxonomy_competence(tax, VD_KIND_CERTIFICATE, code) != NULL;
	if (klen == 5 && strncmp(term, "skill", klen) == 0)
		return vd_taxonomy_competence(tax, VD_KIND_SKILL, code) != NULL;
	if (klen == 10 && strncmp(term, "experience", klen) == 0)
		return bsearch(&(const vd_occupation_t *){&(vd_occupation_t){.code = code}},
		               tax->occ_by_code, tax->n_occs, sizeof(*tax->occ_by_code),
		               occ_code_cmp) != NULL;
	if (klen == 8 && strncmp(term, "language", klen) == 0) {
		char lang[3];
		const char *level = strchr(code, ':');
		size_t len = level ? (size_t)(level - code) : strlen(code);

		if (len != 2)
			return false;
		memcpy(lang, code, 2);
		lang[2] = '\0';
		if (!vd_taxonomy_competence(tax, VD_KIND_LANGUAGE, lang))
			return false;
		return !level || is_level(level + 1, strcmp(lang, "nl") == 0);
	}
	return false;
}

/* --- suggestions --------------------------------------------------------- */

#define MAX_DIST_LEN 64

/* Optimal-string-alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), over bytes of folded text; long words are cut. */
static int
edit_distance(const char *a, const char *b)
{
	int rows[3][MAX_DIST_LEN + 1];
	size_t m = strlen(a), n = strlen(b);
	int *pp = rows[0], *p = rows[1], *c = rows[2];

	m = m > MAX_DIST_LEN ? MAX_DIST_LEN : m;
	n = n > MAX_DIST_LEN ? MAX_DIST_LEN : n;
	for (size_t j = 0; j <= n; j++)
		p[j] = (int)j;
	for (size_t i = 1; i <= m; i++) {
		int *t;

		c[0] = (int)i;
		for (size_t j = 1; j <= n; j++) {
			int cost = a[i - 1] != b[j - 1];
			int best = p[j] + 1;

			if (c[j - 1] + 1 < best)
				best = c[j - 1] + 1;
			if (p[j - 1] + cost < best)
				best = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			c[j] = best;
		}
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[n];
}

static int
common_prefix(const char *a, const char *b)
{
	int n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

typedef struct candidate {
	const char *out; /* what is suggested */
	int dist;        /* INT32_MAX: not a candidate */
	int prefix;
} candidate_t;

static int
candidate_cmp(const void *a, const void *b)
{
	const candidate_t *x = a, *y = b;

	if (!x->out || !y->out)
		return x->out ? -1 : y->out ? 1 : 0;
	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix > y->prefix ? -1 : 1;
	return strcmp(x->out, y->out);
}

static void
consider(candidate_t *c, const char *out, const char *word, const char *key)
{
	int d = edit_distance(word, key);
	int p = common_prefix(word, key);

	if (d < c->dist || (d == c->dist && p > c->prefix)) {
		c->dist = d;
		c->prefix = p;
	}
	c->out = out;
}

/* Fills cands (one per suggestable thing) and returns how many there are. */
static size_t
collect(const vd_taxonomy_t *tax, vd_suggest_kind_t kind, const char *word, candidate_t *cands)
{
	static const vd_competence_kind_t comp_kind[] = {
	    [VD_SUGGEST_CERTIFICATE] = VD_KIND_CERTIFICATE,
	    [VD_SUGGEST_SKILL] = VD_KIND_SKILL,
	    [VD_SUGGEST_LANGUAGE] = VD_KIND_LANGUAGE,
	};
	const word_table_t *t;

	switch (kind) {
	case VD_SUGGEST_OCCUPATION:
		/* One suggestion per occupation, its label, scored by its closest word. */
		for (size_t i = 0; i < tax->occ_words.n; i++) {
			const vd_occupation_t *o = tax->occ_words.v[i].val;
			consider(&cands[o - tax->occs], o->label, word, tax->occ_words.v[i].key);
		}
		return tax->n_occs;
	case VD_SUGGEST_COMPETENCE:
		for (size_t i = 0; i < tax->phrases.n; i++)
			consider(&cands[i], tax->phrases.v[i].key, word, tax->phrases.v[i].key);
		return tax->phrases.n;
	case VD_SUGGEST_CERTIFICATE:
	case VD_SUGGEST_SKILL:
	case VD_SUGGEST_LANGUAGE:
		t = &tax->comp_words;
		for (size_t i = 0; i < t->n; i++) {
			const vd_competence_t *c = t->v[i].val;
			if (c->kind == comp_kind[kind])
				consider(&cands[c - tax->comps], c->code, word, t->v[i].key);
		}
		return tax->n_comps;
	}
	return 0;
}

size_t
vd_taxonomy_suggest(const vd_taxonomy_t *tax, vd_suggest_kind_t kind, const char *word,
                    const char **out, size_t max)
{
	size_t n = tax->n_occs > tax->n_comps ? tax->n_occs : tax->n_comps;
	size_t got = 0;
	candidate_t *cands;
	char *folded;

	if (tax->phrases.n > n)
		n = tax->phrases.n;
	if (!word || max == 0 || n == 0)
		return 0;
	folded = vd_fold(word);
	cands = calloc(n, sizeof(*cands));
	if (!folded || !cands)
		goto out_free;
	for (size_t i = 0; i < n; i++)
		cands[i].dist = INT32_MAX;
	n = collect(tax, kind, folded, cands);
	qsort(cands, n, sizeof(*cands), candidate_cmp);
	for (size_t i = 0; i < n && got < max && cands[i].dist != INT32_MAX; i++)
		out[got++] = cands[i].out;
out_free:
	free(cands);
	free(folded);
	return got;
}

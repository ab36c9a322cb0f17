/* The unions of requirement groups, kept.
 *
 * A hard requirement is an any-of group ("chauffeur": one of licence B,
 * C1, C, CE, D1, D). Its union is the same for every search that names the
 * group, and at a million profiles it is the most expensive part of a
 * search (six bitmaps of up to 600,000 ids into one). So it is kept per
 * group, and kept current by writes rather than rebuilt: after a document
 * changed, it is in a kept union exactly when one of the group's terms
 * holds it. The terms are looked up by name each time, so a term that was
 * unknown when the union was built is followed once it appears. Kept and
 * shared between threads as match_kept.h says. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "match_internal.h"
#include "match_kept.h"

struct vd_group {
	vd_kept_t kept; /* first: the cache's part */
	char *key;      /* the terms, each followed by '\n' */
	char **terms;   /* pointers into key */
	size_t n_terms; /* two or more */
	roaring_bitmap_t *docs;
};

struct vd_group_cache {
	vd_kept_set_t set; /* of vd_group_t */
};

static void
entry_free(vd_group_t *e)
{
	if (!e)
		return;
	if (e->docs)
		roaring_bitmap_free(e->docs);
	free(e->terms);
	free(e->key);
	free(e);
}

static void
kept_free(vd_kept_t *kept)
{
	entry_free((vd_group_t *)kept);
}

vd_group_cache_t *
vd_group_cache_new(void)
{
	vd_group_cache_t *c = calloc(1, sizeof(*c));

	if (c)
		vd_kept_init(&c->set, kept_free);
	return c;
}

void
vd_group_cache_free(vd_group_cache_t *c)
{
	if (!c)
		return;
	vd_kept_destroy(&c->set);
	free(c);
}

/* The group's terms, each followed by '\n' (no term holds one: strings
 * with control characters are refused); NULL when out of memory. */
static char *
key_of(const json_t *group)
{
	size_t len = 1, i;
	json_t *term;
	char *key, *p;

	json_array_foreach(group, i, term) len += json_string_length(term) + 1;
	if (!(p = key = malloc(len)))
		return NULL;
	json_array_foreach(group, i, term)
	{
		memcpy(p, json_string_value(term), json_string_length(term));
		p += json_string_length(term);
		*p++ = '\n';
	}
	*p = '\0';
	return key;
}

static vd_group_t *
entry_build(const vd_matcher_t *m, char *key, size_t n_terms)
{
	vd_group_t *e = calloc(1, sizeof(*e));
	const roaring_bitmap_t **parts = calloc(n_terms, sizeof(*parts));
	size_t n_parts = 0;

	if (!e || !parts || !(e->terms = calloc(n_terms, sizeof(*e->terms)))) {
		free(key);
		goto fail;
	}
	e->key = key;
	for (char *p = key; *p; p++) {
		e->terms[e->n_terms++] = p;
		p = strchr(p, '\n');
		*p = '\0';
	}
	for (size_t i = 0; i < e->n_terms; i++) {
		const roaring_bitmap_t *docs = vd_matcher_term(m, e->terms[i]);
		if (docs)
			parts[n_parts++] = docs;
	}
	/* One pass over all parts at once: much cheaper than pairwise ORs. */
	e->docs = n_parts ? roaring_bitmap_or_many(n_parts, parts) : roaring_bitmap_create();
	if (!e->docs)
		goto fail;
	free(parts);
	return e;
fail:
	free(parts);
	entry_free(e);
	return NULL;
}

/* The key as it is kept: the '\n' after each term became '\0'. */
static bool
same_key(const vd_group_t *e, const char *key)
{
	for (size_t i = 0; i < e->n_terms; i++) {
		size_t len = strlen(e->terms[i]);
		if (strncmp(key, e->terms[i], len) != 0 || key[len] != '\n')
			return false;
		key += len + 1;
	}
	return *key == '\0';
}

typedef struct group_key {
	const vd_matcher_t *m;
	char *key; /* key_of the group: entry_build takes it */
	size_t n_terms;
	bool taken;
} group_key_t;

static bool
is_group(const vd_kept_t *kept, const void *key)
{
	return same_key((const vd_group_t *)kept, ((const group_key_t *)key)->key);
}

static vd_kept_t *
build_group(const void *key)
{
	group_key_t *k = (group_key_t *)key;

	k->taken = true;
	return (vd_kept_t *)entry_build(k->m, k->key, k->n_terms);
}

const vd_group_t *
vd_group_cache_get(vd_group_cache_t *c, const vd_matcher_t *m, const json_t *group)
{
	group_key_t key = {m, key_of(group), json_array_size(group), false};
	const vd_group_t *found;

	if (!key.key)
		return NULL;
	found = (const vd_group_t *)vd_kept_get(&c->set, &key, is_group, build_group);
	if (!key.taken)
		free(key.key);
	return found;
}

void
vd_group_cache_release(vd_group_cache_t *c, const vd_group_t *group)
{
	vd_kept_release(&c->set, (vd_kept_t *)group);
}

const roaring_bitmap_t *
vd_group_docs(const vd_group_t *group)
{
	return group->docs;
}

void
vd_group_cache_changed(vd_group_cache_t *c, const vd_matcher_t *m, vd_docid_t docid)
{
	for (size_t i = 0; i < VD_KEPT_SLOTS; i++) {
		vd_group_t *e = (vd_group_t *)c->set.slots[i];
		bool held = false;

		if (!e)
			continue;
		for (size_t t = 0; t < e->n_terms && !held; t++) {
			const roaring_bitmap_t *docs = vd_matcher_term(m, e->terms[t]);
			held = docs && roaring_bitmap_contains(docs, docid);
		}
		if (held)
			roaring_bitmap_add(e->docs, docid);
		else
			roaring_bitmap_remove(e->docs, docid);
	}
}

/* The unions of requirement groups, kept.
 *
 * A hard requirement is an any-of group ("chauffeur": one of licence B,
 * C1, C, CE, D1, D). Its union is the same for every search that names the
 * group, and at a million profiles it is the most expensive part of a
 * search (six bitmaps of up to 600,000 ids into one). So it is kept per
 * group, and kept current by writes rather than rebuilt: after a document
 * changed, it is in a kept union exactly when one of the group's terms
 * holds it. The terms are looked up by name each time, so a term that was
 * unknown when the union was built is followed once it appears. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#define CACHE_ENTRIES 32

struct vd_group {
	char *key;      /* the terms, each followed by '\n' */
	char **terms;   /* pointers into key */
	size_t n_terms; /* two or more */
	roaring_bitmap_t *docs;
	unsigned long used; /* for least-recently-used eviction */
	unsigned users;     /* searches between get and release */
	bool evicted;       /* out of entries[]: the last user frees it */
};

/* Searches on several threads get and release entries under lock; the
 * upkeep (changed) runs while no search does (the matcher's write lock). */
struct vd_group_cache {
	pthread_mutex_t lock;
	vd_group_t *entries[CACHE_ENTRIES];
	unsigned long clock;
};

vd_group_cache_t *
vd_group_cache_new(void)
{
	vd_group_cache_t *c = calloc(1, sizeof(*c));

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

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

void
vd_group_cache_free(vd_group_cache_t *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CACHE_ENTRIES; i++)
		entry_free(c->entries[i]);
	pthread_mutex_destroy(&c->lock);
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

const vd_group_t *
vd_group_cache_get(vd_group_cache_t *c, const vd_matcher_t *m, const json_t *group)
{
	char *key = key_of(group);
	vd_group_t *found = NULL;
	size_t slot = 0;

	if (!key)
		return NULL;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < CACHE_ENTRIES && !found; i++) {
		vd_group_t *e = c->entries[i];
		if (e && same_key(e, key))
			found = e;
		else if (!e || (c->entries[slot] && e->used < c->entries[slot]->used))
			slot = i;
	}
	if (found) {
		free(key);
	} else if ((found = entry_build(m, key, json_array_size(group)))) {
		vd_group_t *old = c->entries[slot];
		if (old && old->users > 0)
			old->evicted = true;
		else
			entry_free(old);
		c->entries[slot] = found;
	}
	if (found) {
		found->used = ++c->clock;
		found->users++;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void
vd_group_cache_release(vd_group_cache_t *c, const vd_group_t *group)
{
	vd_group_t *e = (vd_group_t *)group;

	pthread_mutex_lock(&c->lock);
	if (--e->users == 0 && e->evicted)
		entry_free(e);
	pthread_mutex_unlock(&c->lock);
}

const roaring_bitmap_t *
vd_group_docs(const vd_group_t *group)
{
	return group->docs;
}

void
vd_group_cache_changed(vd_group_cache_t *c, const vd_matcher_t *m, vd_docid_t docid)
{
	for (size_t i = 0; i < CACHE_ENTRIES; i++) {
		vd_group_t *e = c->entries[i];
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

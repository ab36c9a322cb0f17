#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <roaring/roaring.h>

#include "dates.h"
#include "match_internal.h"
#include "profile.h"

#define TERM_BUCKETS    2048
#define NO_MUNICIPALITY UINT16_MAX
#define CBS_CODES       10000 /* GM0000 .. GM9999 */

/* The values a jobseeker's facts come from. */
static const unsigned fact_slots[] = {VD_SLOT_LOCATION,     VD_SLOT_HOURS,       VD_SLOT_AVAILABLE,
                                      VD_SLOT_MUNICIPALITY, VD_SLOT_NEXT_EXPIRY, VD_SLOT_ID};

typedef struct term_bitmap {
	char *term; /* without the "K" prefix: "licence:B" */
	roaring_bitmap_t *docs;
	struct term_bitmap *next;
} term_bitmap_t;

struct vd_matcher {
	/* Search threads hold it for reading. The event loop, the only thread
	 * that changes the bitmaps and facts, holds it for writing while it
	 * applies a batch; its own searches need not take it. */
	pthread_rwlock_t lock;
	unsigned long generation; /* batches applied */
	const vd_places_t *places;
	term_bitmap_t *buckets[TERM_BUCKETS];
	roaring_bitmap_t *jobseekers;
	facts_t *facts;
	size_t n_facts;
	/* Per municipality index: its residents (borrowed from the term
	 * bitmaps) and the farthest of their own locations from its point, so
	 * a radius can take or leave whole municipalities at once. */
	roaring_bitmap_t **residents;
	float *radius;
	roaring_bitmap_t *loose; /* a location but no municipality */
	vd_radius_cache_t *circles;
	vd_group_cache_t *groups;
	uint16_t *by_code; /* "GM0599" -> 599 -> municipality index */
	/* Availability on avail_day: disjoint sets of weight 1, 0.5 and 0.
	 * Rebuilt by the first search that sees a new day, under avail_lock;
	 * the day before's sets are kept for searches begun before midnight. */
	pthread_mutex_t avail_lock;
	int avail_day, avail_soon;
	roaring_bitmap_t *avail[3], *avail_before[3];
};

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % TERM_BUCKETS;
}

static term_bitmap_t *
find_term(const vd_matcher_t *m, const char *term)
{
	for (term_bitmap_t *t = m->buckets[hash(term)]; t; t = t->next)
		if (strcmp(t->term, term) == 0)
			return t;
	return NULL;
}

static term_bitmap_t *
get_term(vd_matcher_t *m, const char *term)
{
	term_bitmap_t *t = find_term(m, term);
	unsigned h;

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->term = strdup(term);
	t->docs = roaring_bitmap_create();
	if (!t->term || !t->docs) {
		free(t->term);
		if (t->docs)
			roaring_bitmap_free(t->docs);
		free(t);
		return NULL;
	}
	h = hash(term);
	t->next = m->buckets[h];
	m->buckets[h] = t;
	if (strncmp(term, "municipality:", 13) == 0) {
		const vd_municipality_t *muni = vd_places_lookup(m->places, term + 13);
		if (muni)
			m->residents[muni->index] = t->docs;
	}
	return t;
}

static facts_t *
facts_of(vd_matcher_t *m, vd_docid_t docid)
{
	if (docid >= m->n_facts) {
		size_t n = m->n_facts ? m->n_facts : 1024;
		facts_t *f;
		while (n <= docid)
			n *= 2;
		f = realloc(m->facts, n * sizeof(*f));
		if (!f)
			return NULL;
		for (size_t i = m->n_facts; i < n; i++)
			f[i] = (facts_t){{NAN, NAN, NAN}, NAN, NAN, 0, 0, 0, NO_MUNICIPALITY, NULL};
		m->facts = f;
		m->n_facts = n;
	}
	return &m->facts[docid];
}

/* The index of the municipality with CBS code ("GM0599"; the value is
 * written so), without vd_places_lookup's folding of names: start-up does
 * this a million times. */
static uint16_t
municipality_of(const vd_matcher_t *m, const char *code)
{
	unsigned n = 0;

	if (code[0] != 'G' || code[1] != 'M')
		return NO_MUNICIPALITY;
	for (int i = 2; i < 6; i++) {
		if (code[i] < '0' || code[i] > '9')
			return NO_MUNICIPALITY;
		n = n * 10 + (unsigned)(code[i] - '0');
	}
	return code[6] == '\0' ? m->by_code[n] : NO_MUNICIPALITY;
}

/* "lat,lon" (VD_SLOT_LOCATION); sscanf costs a tenth of start-up. */
static bool
parse_location(const char *value, float *lat, float *lon)
{
	char *end;

	*lat = strtof(value, &end);
	if (end == value || *end != ',')
		return false;
	value = end + 1;
	*lon = strtof(value, &end);
	return end != value;
}

static void
set_fact(vd_matcher_t *m, vd_docid_t docid, unsigned slot, const char *value)
{
	facts_t *f = facts_of(m, docid);

	if (!f)
		return;
	switch (slot) {
	case VD_SLOT_LOCATION:
		if (!parse_location(value, &f->lat, &f->lon))
			f->lat = f->lon = NAN;
		vd_point_on_sphere(f->lat, f->lon, f->point);
		break;
	case VD_SLOT_HOURS:
		f->hours = strtof(value, NULL);
		break;
	case VD_SLOT_AVAILABLE:
		f->available = (int32_t)strtol(value, NULL, 10);
		break;
	case VD_SLOT_MUNICIPALITY:
		f->municipality = municipality_of(m, value);
		break;
	case VD_SLOT_NEXT_EXPIRY:
		f->lapse = (int32_t)strtol(value, NULL, 10);
		break;
	case VD_SLOT_ID:
		free(f->id);
		f->id = strdup(value);
		break;
	default:
		break;
	}
}

/* Widens the radius of docid's municipality to cover its own location. */
static void
widen_radius(vd_matcher_t *m, vd_docid_t docid)
{
	const facts_t *f = docid < m->n_facts ? &m->facts[docid] : NULL;
	const vd_municipality_t *muni;
	float d;

	if (!f || isnan(f->lat))
		return;
	if (f->municipality == NO_MUNICIPALITY) {
		roaring_bitmap_add(m->loose, docid);
		return;
	}
	muni = vd_places_at(m->places, f->municipality);
	d = (float)vd_distance_km(muni->lat, muni->lon, f->lat, f->lon);
	/* Rounding must never shrink the radius below a true distance. */
	if (d + 0.001f > m->radius[f->municipality]) {
		m->radius[f->municipality] = d + 0.001f;
		vd_radius_cache_clear(m->circles); /* an inside one may now be cut */
	}
}

/* 0: available now; 1: unknown, or within VD_SOON_DAYS; 2: later. */
static int
availability_class(int32_t available, int today, int soon)
{
	if (available == 0)
		return 1;
	if (available <= today)
		return 0;
	return available <= soon ? 1 : 2;
}

static void
classify(vd_matcher_t *m, vd_docid_t docid)
{
	const facts_t *f = docid < m->n_facts ? &m->facts[docid] : NULL;
	int c = availability_class(f ? f->available : 0, m->avail_day, m->avail_soon);
	roaring_bitmap_add(m->avail[c], docid);
}

static bool
classify_cb(uint32_t docid, void *arg)
{
	classify(arg, docid);
	return true;
}

void
vd_matcher_availability(vd_matcher_t *m, int today, const roaring_bitmap_t *out[3])
{
	pthread_mutex_lock(&m->avail_lock);
	if (m->avail_day != today) {
		for (int i = 0; i < 3; i++) {
			/* This CRoaring's free does not accept NULL. */
			if (m->avail_before[i])
				roaring_bitmap_free(m->avail_before[i]);
			m->avail_before[i] = m->avail[i];
			m->avail[i] = roaring_bitmap_create();
		}
		m->avail_day = today;
		m->avail_soon = today;
		for (int i = 0; i < VD_SOON_DAYS; i++)
			m->avail_soon = vd_date_next(m->avail_soon);
		roaring_iterate(m->jobseekers, classify_cb, m);
	}
	for (int i = 0; i < 3; i++)
		out[i] = m->avail[i];
	pthread_mutex_unlock(&m->avail_lock);
}

const roaring_bitmap_t *
vd_matcher_residents(const vd_matcher_t *m, unsigned municipality, float *radius)
{
	*radius = m->radius[municipality];
	return m->residents[municipality];
}

const roaring_bitmap_t *
vd_matcher_loose(const vd_matcher_t *m)
{
	return m->loose;
}

/* ---- building from the store ---- */

/* Postings arrive in docid order; adding them a block at a time is several
 * times cheaper than one by one (start-up reads about 30 million). */
#define POSTING_BLOCK 4096

typedef struct build_ctx {
	vd_matcher_t *m;
	vd_index_t *reader;
	unsigned slot;
	roaring_bitmap_t *target;
	uint32_t block[POSTING_BLOCK];
	size_t n_block;
	bool failed;
} build_ctx_t;

static void
flush_postings(build_ctx_t *ctx)
{
	roaring_bitmap_add_many(ctx->target, ctx->n_block, ctx->block);
	ctx->n_block = 0;
}

static void
add_posting(vd_docid_t docid, void *arg)
{
	build_ctx_t *ctx = arg;

	ctx->block[ctx->n_block++] = docid;
	if (ctx->n_block == POSTING_BLOCK)
		flush_postings(ctx);
}

static void
load_term(const char *term, void *arg)
{
	build_ctx_t *ctx = arg;
	term_bitmap_t *t = get_term(ctx->m, term + 1); /* drop the "K" */

	if (!t) {
		ctx->failed = true;
		return;
	}
	ctx->target = t->docs;
	if (vd_index_postings(ctx->reader, term, add_posting, ctx) != VD_OK)
		ctx->failed = true;
	flush_postings(ctx);
}

/* The requirement terms an "L" term stands for: "Llanguage:nl:B1" holds
 * Dutch at B1 at best, which meets language:nl:A1, :A2 and :B1. Returns how
 * many were put in out (0 for a term that names no CEFR level). */
static size_t
implied_levels(vd_matcher_t *m, const char *level_term, term_bitmap_t *out[6])
{
	const char *term = level_term + 1, *level = strrchr(term, ':');
	int rank = level ? vd_level_rank(level + 1) : 0, len = level ? (int)(level - term) + 1 : 0;
	char implied[256];
	size_t n = 0;

	for (int r = 1; r <= rank && len < 200; r++) {
		snprintf(implied, sizeof(implied), "%.*s%s", len, term, vd_cefr_level(r));
		if ((out[n] = get_term(m, implied)))
			n++;
	}
	return n;
}

static void
load_level_term(const char *term, void *arg)
{
	build_ctx_t *ctx = arg;
	term_bitmap_t *implied[6];
	size_t n = implied_levels(ctx->m, term, implied);
	roaring_bitmap_t *docs = roaring_bitmap_create();

	if (!docs || n == 0) {
		ctx->failed = ctx->failed || !docs;
		if (docs)
			roaring_bitmap_free(docs);
		return;
	}
	ctx->target = docs;
	if (vd_index_postings(ctx->reader, term, add_posting, ctx) != VD_OK)
		ctx->failed = true;
	flush_postings(ctx);
	for (size_t i = 0; i < n; i++)
		roaring_bitmap_or_inplace(implied[i]->docs, docs);
	roaring_bitmap_free(docs);
}

static void
load_value(vd_docid_t docid, const char *value, size_t len, void *arg)
{
	build_ctx_t *ctx = arg;
	(void)len;
	set_fact(ctx->m, docid, ctx->slot, value);
}

static void
init_locks(vd_matcher_t *m)
{
	pthread_rwlockattr_t attr;

	/* A steady stream of searches must not keep a write waiting. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&m->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&m->avail_lock, NULL);
}

vd_status_t
vd_matcher_build(vd_index_t *reader, const vd_places_t *places, vd_matcher_t **out, char **error)
{
	vd_matcher_t *m = calloc(1, sizeof(*m));
	build_ctx_t ctx = {.m = m, .reader = reader};
	vd_status_t status = VD_ERR_NOMEM;

	*out = NULL;
	*error = NULL;
	if (!m)
		goto fail;
	init_locks(m);
	if (!(m->jobseekers = roaring_bitmap_create()) || !(m->loose = roaring_bitmap_create()))
		goto fail;
	m->places = places;
	m->residents = calloc(vd_places_count(places), sizeof(*m->residents));
	m->radius = calloc(vd_places_count(places), sizeof(*m->radius));
	m->circles = vd_radius_cache_new(vd_places_count(places));
	m->groups = vd_group_cache_new();
	m->by_code = malloc(CBS_CODES * sizeof(*m->by_code));
	if (!m->residents || !m->radius || !m->circles || !m->groups || !m->by_code)
		goto fail;
	for (size_t i = 0; i < CBS_CODES; i++)
		m->by_code[i] = NO_MUNICIPALITY;
	for (size_t i = 0; i < vd_places_count(places); i++) {
		const char *code = vd_places_at(places, i)->code;
		if (strlen(code) == 6 && code[0] == 'G' && code[1] == 'M')
			m->by_code[strtoul(code + 2, NULL, 10) % CBS_CODES] = (uint16_t)i;
	}
	ctx.target = m->jobseekers;
	status = vd_index_postings(reader, "Tj", add_posting, &ctx);
	flush_postings(&ctx);
	if (status == VD_OK)
		status = vd_index_terms(reader, "K", load_term, &ctx);
	if (status == VD_OK)
		status = vd_index_terms(reader, "L", load_level_term, &ctx);
	for (size_t i = 0; status == VD_OK && i < sizeof(fact_slots) / sizeof(fact_slots[0]); i++) {
		ctx.slot = fact_slots[i];
		status = vd_index_values(reader, fact_slots[i], load_value, &ctx);
	}
	if (status == VD_OK && ctx.failed)
		status = VD_ERR_NOMEM;
	for (vd_docid_t d = 1; status == VD_OK && d < m->n_facts; d++)
		widen_radius(m, d);
	if (status != VD_OK)
		goto fail;
	*out = m;
	return VD_OK;
fail:
	*error = strdup(status == VD_ERR_NOMEM ? "out of memory" : vd_index_last_error(reader));
	vd_matcher_free(m);
	return status;
}

void
vd_matcher_free(vd_matcher_t *m)
{
	if (!m)
		return;
	for (size_t b = 0; b < TERM_BUCKETS; b++) {
		for (term_bitmap_t *t = m->buckets[b], *next; t; t = next) {
			next = t->next;
			roaring_bitmap_free(t->docs);
			free(t->term);
			free(t);
		}
	}
	if (m->jobseekers)
		roaring_bitmap_free(m->jobseekers);
	if (m->loose)
		roaring_bitmap_free(m->loose);
	for (int i = 0; i < 3; i++) {
		if (m->avail[i])
			roaring_bitmap_free(m->avail[i]);
		if (m->avail_before[i])
			roaring_bitmap_free(m->avail_before[i]);
	}
	pthread_mutex_destroy(&m->avail_lock);
	pthread_rwlock_destroy(&m->lock);
	free(m->residents);
	free(m->radius);
	for (size_t i = 0; i < m->n_facts; i++)
		free(m->facts[i].id);
	free(m->facts);
	vd_radius_cache_free(m->circles);
	vd_group_cache_free(m->groups);
	free(m->by_code);
	free(m);
}

const facts_t *
vd_matcher_facts(const vd_matcher_t *m, vd_docid_t docid)
{
	return docid < m->n_facts ? &m->facts[docid] : NULL;
}

const roaring_bitmap_t *
vd_matcher_term(const vd_matcher_t *m, const char *term)
{
	const term_bitmap_t *t = find_term(m, term);
	return t ? t->docs : NULL;
}

void
vd_matcher_each_term(const vd_matcher_t *m, const char *prefix, vd_matcher_term_cb cb, void *arg)
{
	size_t n = strlen(prefix);

	for (size_t b = 0; b < TERM_BUCKETS; b++)
		for (const term_bitmap_t *t = m->buckets[b]; t; t = t->next)
			if (strncmp(t->term, prefix, n) == 0)
				cb(t->term, t->docs, arg);
}

vd_radius_cache_t *
vd_matcher_radius_cache(vd_matcher_t *m)
{
	return m->circles;
}

vd_group_cache_t *
vd_matcher_group_cache(vd_matcher_t *m)
{
	return m->groups;
}

const roaring_bitmap_t *
vd_matcher_jobseekers(const vd_matcher_t *m)
{
	return m->jobseekers;
}

size_t
vd_matcher_jobseekers_after(const vd_matcher_t *m, vd_docid_t after, vd_docid_t *out, size_t max)
{
	roaring_uint32_iterator_t *it = roaring_create_iterator(m->jobseekers);
	size_t n = 0;

	if (!it)
		return 0;
	if (after < UINT32_MAX && roaring_move_uint32_iterator_equalorlarger(it, after + 1))
		for (; n < max && it->has_value; roaring_advance_uint32_iterator(it))
			out[n++] = it->current_value;
	roaring_free_uint32_iterator(it);
	return n;
}

size_t
vd_matcher_count_jobseekers(const vd_matcher_t *m)
{
	return (size_t)roaring_bitmap_get_cardinality(m->jobseekers);
}

/* ---- keeping up with writes ---- */

static void
forget(vd_matcher_t *m, vd_docid_t docid)
{
	/* A few hundred terms at most: cheaper than remembering each document's. */
	for (size_t b = 0; b < TERM_BUCKETS; b++)
		for (term_bitmap_t *t = m->buckets[b]; t; t = t->next)
			roaring_bitmap_remove(t->docs, docid);
	roaring_bitmap_remove(m->jobseekers, docid);
	roaring_bitmap_remove(m->loose, docid);
	if (docid < m->n_facts)
		vd_radius_cache_moved(m->circles, docid, m->facts[docid].municipality,
		                      NO_MUNICIPALITY);
	for (int i = 0; i < 3; i++)
		if (m->avail[i])
			roaring_bitmap_remove(m->avail[i], docid);
	if (docid < m->n_facts) {
		free(m->facts[docid].id);
		m->facts[docid] =
		    (facts_t){{NAN, NAN, NAN}, NAN, NAN, 0, 0, 0, NO_MUNICIPALITY, NULL};
	}
}

static void
learn(vd_matcher_t *m, vd_docid_t docid, const vd_doc_t *doc)
{

	roaring_bitmap_add(m->jobseekers, docid);
	for (size_t i = 0; i < vd_doc_n_terms(doc); i++) {
		const char *term = vd_doc_term(doc, i);
		term_bitmap_t *t[6];
		size_t n = 0;

		if (term[0] == 'K' && (t[0] = get_term(m, term + 1)))
			n = 1;
		else if (term[0] == 'L')
			n = implied_levels(m, term, t);
		for (size_t j = 0; j < n; j++)
			roaring_bitmap_add(t[j]->docs, docid);
	}
	for (size_t i = 0; i < sizeof(fact_slots) / sizeof(fact_slots[0]); i++) {
		const char *value = vd_doc_value(doc, fact_slots[i]);
		if (value)
			set_fact(m, docid, fact_slots[i], value);
	}
	widen_radius(m, docid);
	if (docid < m->n_facts)
		vd_radius_cache_moved(m->circles, docid, NO_MUNICIPALITY,
		                      m->facts[docid].municipality);
	if (m->avail_day)
		classify(m, docid);
}

void
vd_matcher_apply(vd_write_t *const *writes, size_t n, void *arg)
{
	vd_matcher_t *m = arg;

	pthread_rwlock_wrlock(&m->lock);
	for (size_t i = 0; i < n; i++) {
		const vd_write_t *w = writes[i];
		if (w->status != VD_OK || w->docid == 0 || strncmp(w->unique_term, "Qj", 2) != 0)
			continue;
		forget(m, w->docid);
		if (w->kind == VD_WRITE_REPLACE)
			learn(m, w->docid, w->doc);
		vd_group_cache_changed(m->groups, m, w->docid);
	}
	m->generation++;
	pthread_rwlock_unlock(&m->lock);
}

unsigned long
vd_matcher_generation(const vd_matcher_t *m)
{
	return m->generation;
}

void
vd_matcher_read_lock(vd_matcher_t *m)
{
	pthread_rwlock_rdlock(&m->lock);
}

void
vd_matcher_read_unlock(vd_matcher_t *m)
{
	pthread_rwlock_unlock(&m->lock);
}

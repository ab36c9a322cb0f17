/* Who lives inside a circle, for distance searches.
 *
 * A municipality lies wholly inside (its point's distance plus its radius)
 * or outside, or the circle cuts it and its residents are inside or not by
 * their own locations. The union of the residents inside is the expensive
 * part at a million profiles: hundreds of thousands of ids from dozens of
 * bitmaps, and a distance for every resident of the cut municipalities
 * (tens of thousands; that was most of a search's time). It is the same
 * for every search with the same place and distance, so it is kept per
 * (place, km) and kept current by writes rather than rebuilt: a person who
 * moves in or out of a municipality wholly inside, or of one the circle
 * cuts with an own location inside, is added to or removed from every kept
 * union concerned. A move within one municipality is a move out and back
 * in, so a new own location is measured again. When a municipality's
 * radius grows (somebody's own location lies farther from its point than
 * anyone's before), the inside/border split itself may change and every
 * entry is dropped. People with a location but no municipality are few
 * and not kept here: a search checks them itself. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#define CACHE_ENTRIES 32

struct vd_radius {
	unsigned ref;             /* municipality index of the centre */
	double km;                /* the circle */
	double centre[3];         /* vd_point_on_sphere of ref */
	double max_chord2;        /* vd_chord2_for_km(km) */
	const vd_matcher_t *m;    /* for the locations of the people who move in */
	roaring_bitmap_t *inside; /* residents inside, by municipality or location */
	bool *is_inside;          /* per municipality index: wholly inside */
	bool *is_cut;             /* per municipality index: the circle cuts it */
	unsigned long used;       /* for least-recently-used eviction */
	unsigned users;           /* searches between get and release */
	bool evicted;             /* out of entries[]: the last user frees it */
};

/* Searches on several threads get and release entries under lock; the
 * upkeep (moved, clear) runs while no search does (the matcher's write
 * lock), so it needs none. */
struct vd_radius_cache {
	pthread_mutex_t lock;
	vd_radius_t *entries[CACHE_ENTRIES];
	size_t n_places;
	unsigned long clock;
};

vd_radius_cache_t *
vd_radius_cache_new(size_t n_places)
{
	vd_radius_cache_t *c = calloc(1, sizeof(*c));

	if (c) {
		c->n_places = n_places;
		pthread_mutex_init(&c->lock, NULL);
	}
	return c;
}

static void
entry_free(vd_radius_t *e)
{
	if (!e)
		return;
	if (e->inside)
		roaring_bitmap_free(e->inside);
	free(e->is_inside);
	free(e->is_cut);
	free(e);
}

void
vd_radius_cache_clear(vd_radius_cache_t *c)
{
	for (size_t i = 0; c && i < CACHE_ENTRIES; i++) {
		entry_free(c->entries[i]);
		c->entries[i] = NULL;
	}
}

void
vd_radius_cache_free(vd_radius_cache_t *c)
{
	if (!c)
		return;
	vd_radius_cache_clear(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Whether docid's own location is inside e's circle; the same test as a
 * search's, so that kept and checked answers never differ. NAN compares
 * false: no location, not inside. */
static bool
within(const vd_radius_t *e, vd_docid_t docid)
{
	const facts_t *f = vd_matcher_facts(e->m, docid);

	return f && vd_chord2(e->centre, f->point) <= e->max_chord2;
}

void
vd_radius_cache_moved(vd_radius_cache_t *c, vd_docid_t docid, unsigned from, unsigned to)
{
	for (size_t i = 0; c && i < CACHE_ENTRIES; i++) {
		vd_radius_t *e = c->entries[i];
		if (!e)
			continue;
		if (from < c->n_places && (e->is_inside[from] || e->is_cut[from]))
			roaring_bitmap_remove(e->inside, docid);
		/* The matcher has the new facts by now. */
		if (to < c->n_places && (e->is_inside[to] || (e->is_cut[to] && within(e, docid))))
			roaring_bitmap_add(e->inside, docid);
	}
}

typedef struct edge_check {
	const vd_radius_t *e;
	roaring_bitmap_t *out;
} edge_check_t;

static bool
add_if_within(uint32_t docid, void *arg)
{
	edge_check_t *ec = arg;

	if (within(ec->e, docid))
		roaring_bitmap_add(ec->out, docid);
	return true;
}

static vd_radius_t *
entry_build(const vd_matcher_t *m, const vd_places_t *places, unsigned ref, double km)
{
	const vd_municipality_t *centre = vd_places_at(places, ref);
	size_t n = vd_places_count(places);
	vd_radius_t *e = calloc(1, sizeof(*e));
	const roaring_bitmap_t **parts = calloc(n + 1, sizeof(*parts));
	size_t n_parts = 0;
	edge_check_t ec = {e, roaring_bitmap_create()};

	if (!e || !parts || !ec.out || !(e->is_inside = calloc(n ? n : 1, sizeof(bool))) ||
	    !(e->is_cut = calloc(n ? n : 1, sizeof(bool))))
		goto fail;
	e->ref = ref;
	e->km = km;
	e->m = m;
	vd_point_on_sphere(centre->lat, centre->lon, e->centre);
	e->max_chord2 = vd_chord2_for_km(km);
	for (size_t i = 0; i < n; i++) {
		const vd_municipality_t *muni = vd_places_at(places, i);
		float radius;
		const roaring_bitmap_t *residents = vd_matcher_residents(m, (unsigned)i, &radius);
		double d;

		if (!residents)
			continue;
		d = vd_distance_km(centre->lat, centre->lon, muni->lat, muni->lon);
		if (d - radius > km)
			continue;
		if (d + radius <= km) {
			e->is_inside[i] = true;
			parts[n_parts++] = residents;
		} else {
			e->is_cut[i] = true;
			roaring_iterate(residents, add_if_within, &ec);
		}
	}
	parts[n_parts++] = ec.out;
	/* One pass over all parts at once: much cheaper than pairwise ORs. */
	e->inside = roaring_bitmap_or_many(n_parts, parts);
	if (!e->inside)
		goto fail;
	roaring_bitmap_free(ec.out);
	free(parts);
	return e;
fail:
	if (ec.out)
		roaring_bitmap_free(ec.out);
	free(parts);
	entry_free(e);
	return NULL;
}

const vd_radius_t *
vd_radius_cache_get(vd_radius_cache_t *c, const vd_matcher_t *m, const vd_places_t *places,
                    unsigned ref, double km)
{
	vd_radius_t *found = NULL;
	size_t slot = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < CACHE_ENTRIES && !found; i++) {
		vd_radius_t *e = c->entries[i];
		if (e && e->ref == ref && e->km == km)
			found = e;
		else if (!e || (c->entries[slot] && e->used < c->entries[slot]->used))
			slot = i;
	}
	if (!found && (found = entry_build(m, places, ref, km))) {
		vd_radius_t *old = c->entries[slot];
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
vd_radius_cache_release(vd_radius_cache_t *c, const vd_radius_t *circle)
{
	vd_radius_t *e = (vd_radius_t *)circle;

	pthread_mutex_lock(&c->lock);
	if (--e->users == 0 && e->evicted)
		entry_free(e);
	pthread_mutex_unlock(&c->lock);
}

const roaring_bitmap_t *
vd_radius_inside(const vd_radius_t *r)
{
	return r->inside;
}

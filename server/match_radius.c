/* Which municipalities lie wholly inside a circle, and their residents.
 *
 * A distance search takes or leaves whole municipalities (their point's
 * distance plus their radius) and checks only the people of the ones the
 * circle cuts. The union of the residents of the municipalities wholly
 * inside is the expensive part at a million profiles (hundreds of
 * thousands of ids from dozens of bitmaps), and it is the same for every
 * search with the same place and distance. So it is kept per (place, km)
 * and kept current by writes rather than rebuilt: a person who moves in or
 * out of a municipality is added to or removed from every kept union that
 * holds that municipality. When a municipality's radius grows (somebody's
 * own location lies farther from its point than anyone's before), the
 * inside/border split itself may change and every entry is dropped. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#define CACHE_ENTRIES 32

struct vd_radius {
	unsigned ref;             /* municipality index of the centre */
	double km;                /* the circle */
	roaring_bitmap_t *inside; /* residents of municipalities wholly inside */
	bool *is_inside;          /* per municipality index */
	unsigned *border;         /* municipality indexes the circle cuts */
	size_t n_border;
	unsigned long used; /* for least-recently-used eviction */
};

struct vd_radius_cache {
	vd_radius_t *entries[CACHE_ENTRIES];
	size_t n_places;
	unsigned long clock;
};

vd_radius_cache_t *
vd_radius_cache_new(size_t n_places)
{
	vd_radius_cache_t *c = calloc(1, sizeof(*c));

	if (c)
		c->n_places = n_places;
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
	free(e->border);
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
	vd_radius_cache_clear(c);
	free(c);
}

void
vd_radius_cache_moved(vd_radius_cache_t *c, vd_docid_t docid, unsigned from, unsigned to)
{
	for (size_t i = 0; c && i < CACHE_ENTRIES; i++) {
		vd_radius_t *e = c->entries[i];
		if (!e)
			continue;
		if (from < c->n_places && e->is_inside[from])
			roaring_bitmap_remove(e->inside, docid);
		if (to < c->n_places && e->is_inside[to])
			roaring_bitmap_add(e->inside, docid);
	}
}

static vd_radius_t *
entry_build(const vd_matcher_t *m, const vd_places_t *places, unsigned ref, double km)
{
	const vd_municipality_t *centre = vd_places_at(places, ref);
	size_t n = vd_places_count(places);
	vd_radius_t *e = calloc(1, sizeof(*e));
	const roaring_bitmap_t **parts = calloc(n ? n : 1, sizeof(*parts));
	size_t n_parts = 0;

	if (!e || !parts || !(e->is_inside = calloc(n ? n : 1, sizeof(bool))) ||
	    !(e->border = calloc(n ? n : 1, sizeof(unsigned))))
		goto fail;
	e->ref = ref;
	e->km = km;
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
			e->border[e->n_border++] = (unsigned)i;
		}
	}
	/* One pass over all parts at once: much cheaper than pairwise ORs. */
	e->inside = n_parts ? roaring_bitmap_or_many(n_parts, parts) : roaring_bitmap_create();
	if (!e->inside)
		goto fail;
	free(parts);
	return e;
fail:
	free(parts);
	entry_free(e);
	return NULL;
}

const vd_radius_t *
vd_radius_cache_get(vd_radius_cache_t *c, const vd_matcher_t *m, const vd_places_t *places,
                    unsigned ref, double km)
{
	size_t slot = 0;

	for (size_t i = 0; i < CACHE_ENTRIES; i++) {
		vd_radius_t *e = c->entries[i];
		if (e && e->ref == ref && e->km == km) {
			e->used = ++c->clock;
			return e;
		}
		if (!e || (c->entries[slot] && e->used < c->entries[slot]->used))
			slot = i;
	}
	entry_free(c->entries[slot]);
	c->entries[slot] = entry_build(m, places, ref, km);
	if (c->entries[slot])
		c->entries[slot]->used = ++c->clock;
	return c->entries[slot];
}

const roaring_bitmap_t *
vd_radius_inside(const vd_radius_t *r)
{
	return r->inside;
}

size_t
vd_radius_border(const vd_radius_t *r, const unsigned **out)
{
	*out = r->border;
	return r->n_border;
}

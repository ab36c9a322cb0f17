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

#include <stdlib.h>
#include <string.h>

#include "match_internal.h"
#include "match_kept.h"

struct vd_radius {
	vd_kept_t kept;           /* first: the cache's part */
	unsigned ref;             /* municipality index of the centre */
	double km;                /* the circle */
	double centre[3];         /* vd_point_on_sphere of ref */
	double max_chord2;        /* vd_chord2_for_km(km) */
	const vd_matcher_t *m;    /* for the locations of the people who move in */
	roaring_bitmap_t *inside; /* residents inside, by municipality or location */
	bool *is_inside;          /* per municipality index: wholly inside */
	bool *is_cut;             /* per municipality index: the circle cuts it */
};

struct vd_radius_cache {
	vd_kept_set_t set; /* of vd_radius_t */
	size_t n_places;
};

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

static void
kept_free(vd_kept_t *kept)
{
	entry_free((vd_radius_t *)kept);
}

vd_radius_cache_t *
vd_radius_cache_new(size_t n_places)
{
	vd_radius_cache_t *c = calloc(1, sizeof(*c));

	if (c) {
		c->n_places = n_places;
		vd_kept_init(&c->set, kept_free);
	}
	return c;
}

void
vd_radius_cache_clear(vd_radius_cache_t *c)
{
	vd_kept_clear(&c->set);
}

void
vd_radius_cache_free(vd_radius_cache_t *c)
{
	if (!c)
		return;
	vd_kept_destroy(&c->set);
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
	for (size_t i = 0; i < VD_KEPT_SLOTS; i++) {
		vd_radius_t *e = (vd_radius_t *)c->set.slots[i];
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

typedef struct circle_key {
	const vd_matcher_t *m;
	const vd_places_t *places;
	unsigned ref;
	double km;
} circle_key_t;

static bool
is_circle(const vd_kept_t *kept, const void *key)
{
	const vd_radius_t *e = (const vd_radius_t *)kept;
	const circle_key_t *k = key;

	return e->ref == k->ref && e->km == k->km;
}

static vd_kept_t *
build_circle(const void *key)
{
	const circle_key_t *k = key;

	return (vd_kept_t *)entry_build(k->m, k->places, k->ref, k->km);
}

const vd_radius_t *
vd_radius_cache_get(vd_radius_cache_t *c, const vd_matcher_t *m, const vd_places_t *places,
                    unsigned ref, double km)
{
	circle_key_t key = {m, places, ref, km};

	return (const vd_radius_t *)vd_kept_get(&c->set, &key, is_circle, build_circle);
}

void
vd_radius_cache_release(vd_radius_cache_t *c, const vd_radius_t *circle)
{
	vd_kept_release(&c->set, (vd_kept_t *)circle);
}

const roaring_bitmap_t *
vd_radius_inside(const vd_radius_t *r)
{
	return r->inside;
}

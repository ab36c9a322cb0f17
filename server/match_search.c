/* One search: filter with bitmaps, score the survivors, keep the best in a
 * bounded heap, explain the winners from their stored profiles. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <roaring/roaring.h>

#include "match_internal.h"
#include "profile.h"

/* Closeness counts fully at 0 km and not at all from this distance on. */
#define DISTANCE_SCALE_KM 50.0

typedef struct candidate {
	vd_docid_t docid;
	int tier;        /* 1: lives in the "in" municipality */
	double score;    /* 0..1 */
	double distance; /* km, NAN when no place was asked or none is known */
} candidate_t;

typedef struct preference {
	const roaring_bitmap_t *docs; /* NULL: nobody holds it */
	double weight;
} preference_t;

typedef struct search {
	const vd_matcher_t *m;
	int today;
	const vd_municipality_t *ref; /* distance is measured from here */
	double max_km;                /* hard filter when > 0 */
	int in_municipality;          /* -1 when not asked */
	double hours;                 /* wanted hours per week, 0 when not asked */
	preference_t *prefs;
	size_t n_prefs;
	double max_score;
	candidate_t *heap; /* worst kept candidate at the root */
	size_t n_heap, count;
	uint64_t total;
} search_t;

/* True when a ranks before b: tier, score, distance, then document id. */
static bool
better(const candidate_t *a, const candidate_t *b)
{
	if (a->tier != b->tier)
		return a->tier > b->tier;
	if (a->score != b->score)
		return a->score > b->score;
	if (isnan(a->distance) != isnan(b->distance))
		return !isnan(a->distance);
	if (!isnan(a->distance) && a->distance != b->distance)
		return a->distance < b->distance;
	return a->docid < b->docid;
}

static void
sift_down(candidate_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t worst = i, l = 2 * i + 1, r = l + 1;
		if (l < n && better(&h[worst], &h[l]))
			worst = l;
		if (r < n && better(&h[worst], &h[r]))
			worst = r;
		if (worst == i)
			return;
		candidate_t tmp = h[i];
		h[i] = h[worst];
		h[worst] = tmp;
		i = worst;
	}
}

static void
sift_up(candidate_t *h, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!better(&h[parent], &h[i]))
			return;
		candidate_t tmp = h[i];
		h[i] = h[parent];
		h[parent] = tmp;
		i = parent;
	}
}

static void
keep(search_t *s, const candidate_t *c)
{
	if (s->count == 0)
		return;
	if (s->n_heap < s->count) {
		s->heap[s->n_heap] = *c;
		sift_up(s->heap, s->n_heap++);
	} else if (better(c, &s->heap[0])) {
		s->heap[0] = *c;
		sift_down(s->heap, s->n_heap, 0);
	}
}

static double
availability_points(int32_t available, int today)
{
	if (available == 0)
		return 0.5; /* unknown: neither rewarded nor punished fully */
	if (available <= today)
		return 1.0;
	/* Within about a month still counts for something. */
	return available <= today + 100 ? 0.5 : 0.0;
}

static double
hours_points(float has, double wants)
{
	if (has <= 0)
		return 0.5;
	return has >= wants ? 1.0 : has / wants;
}

static bool
visit(uint32_t docid, void *arg)
{
	search_t *s = arg;
	const facts_t *f = vd_matcher_facts(s->m, docid);
	candidate_t c = {.docid = docid, .distance = NAN};
	double points = 0;

	if (s->ref && f && !isnan(f->lat))
		c.distance = vd_distance_km(s->ref->lat, s->ref->lon, f->lat, f->lon);
	if (s->max_km > 0 && (isnan(c.distance) || c.distance > s->max_km))
		return true;
	s->total++;
	for (size_t i = 0; i < s->n_prefs; i++)
		if (s->prefs[i].docs && roaring_bitmap_contains(s->prefs[i].docs, docid))
			points += s->prefs[i].weight;
	if (s->ref && !isnan(c.distance))
		points += 2.0 * fmax(0.0, 1.0 - c.distance / DISTANCE_SCALE_KM);
	points += availability_points(f ? f->available : 0, s->today);
	if (s->hours > 0)
		points += hours_points(f ? f->hours : 0, s->hours);
	c.score = points / s->max_score;
	c.tier = s->in_municipality >= 0 && f && f->municipality == s->in_municipality;
	keep(s, &c);
	return true;
}

static double
preference_weight(const char *term)
{
	if (strncmp(term, "experience:", 11) == 0)
		return 3.0;
	if (strncmp(term, "language:", 9) == 0)
		return 2.0;
	return 1.0;
}

/* The jobseekers meeting every group: a new bitmap. */
static roaring_bitmap_t *
filter(const vd_matcher_t *m, const json_t *require)
{
	roaring_bitmap_t *result = roaring_bitmap_copy(vd_matcher_jobseekers(m));
	size_t i, j;
	json_t *group, *term;

	json_array_foreach(require, i, group)
	{
		roaring_bitmap_t *any = roaring_bitmap_create();
		json_array_foreach(group, j, term)
		{
			const roaring_bitmap_t *docs = vd_matcher_term(m, json_string_value(term));
			if (docs)
				roaring_bitmap_or_inplace(any, docs);
		}
		roaring_bitmap_and_inplace(result, any);
		roaring_bitmap_free(any);
	}
	return result;
}

static const vd_municipality_t *
place_of(const vd_places_t *places, const json_t *where)
{
	const char *code = json_string_value(json_object_get(where, "code"));
	return code ? vd_places_lookup(places, code) : NULL;
}

static void
setup(search_t *s, const vd_matcher_t *m, const vd_places_t *places, const json_t *query)
{
	const json_t *near = json_object_get(query, "near");
	const json_t *in = json_object_get(query, "in");
	const json_t *prefer = json_object_get(query, "prefer");
	const vd_municipality_t *in_place = place_of(places, in);
	size_t i;
	json_t *term;

	s->m = m;
	s->ref = near ? place_of(places, near) : in_place;
	s->max_km = near ? json_number_value(json_object_get(near, "km")) : 0;
	s->in_municipality = in_place ? (int)in_place->index : -1;
	s->hours = json_number_value(json_object_get(query, "hours_per_week"));
	s->count = (size_t)json_integer_value(json_object_get(query, "count"));
	s->heap = calloc(s->count ? s->count : 1, sizeof(*s->heap));
	s->prefs = calloc(json_array_size(prefer) + 1, sizeof(*s->prefs));
	s->max_score = 1.0 + (s->ref ? 2.0 : 0.0) + (s->hours > 0 ? 1.0 : 0.0);
	json_array_foreach(prefer, i, term)
	{
		const char *t = json_string_value(term);
		s->prefs[s->n_prefs].docs = vd_matcher_term(m, t);
		s->prefs[s->n_prefs].weight = preference_weight(t);
		s->max_score += s->prefs[s->n_prefs++].weight;
	}
}

static int
compare_candidates(const void *a, const void *b)
{
	return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

json_t *
vd_matcher_search(vd_matcher_t *m, vd_index_t *reader, const vd_places_t *places,
                  const json_t *query, int today)
{
	search_t s = {.today = today};
	roaring_bitmap_t *passed;
	json_t *results, *response = NULL;

	setup(&s, m, places, query);
	if (!s.heap || !s.prefs)
		goto out;
	passed = filter(m, json_object_get(query, "require"));
	roaring_iterate(passed, visit, &s);
	roaring_bitmap_free(passed);
	qsort(s.heap, s.n_heap, sizeof(*s.heap), compare_candidates);

	results = json_array();
	for (size_t i = 0; i < s.n_heap; i++) {
		const candidate_t *c = &s.heap[i];
		json_t *result = NULL;
		int rc = vd_matcher_explain(reader, c->docid, query, today, c->score, c->distance,
		                            &result);
		if (rc < 0) {
			json_decref(results);
			goto out;
		}
		if (rc == 0) {
			s.total--; /* lapsed since it was indexed: not a candidate */
			continue;
		}
		json_array_append_new(results, result);
	}
	response = json_pack("{s:O, s:I, s:o}", "query", query, "total", (json_int_t)s.total,
	                     "results", results);
out:
	free(s.prefs);
	free(s.heap);
	return response;
}

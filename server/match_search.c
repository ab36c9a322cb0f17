/* One search, exact and fast at a million profiles.
 *
 * The hard requirements give a bitmap of candidates; a distance limit trims
 * it a municipality at a time (only those straddling the circle are checked
 * person by person). `total` is its cardinality.
 *
 * The score is a sum of discrete parts (preferences held, availability) and
 * continuous ones (closeness, hours). Every combination of discrete parts is
 * a tier, a bitmap computed by ANDs; tiers are visited best first, and the
 * visit stops once the kept candidates beat anything a later tier could
 * score. Without continuous parts a tier's candidates tie and rank by
 * document id, so a tier is read only until the heap is full. The order is
 * the same as scoring every candidate would give. */
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
#define DISTANCE_WEIGHT   2.0
#define HOURS_WEIGHT      1.0
/* More preferences than this still count for the score of the explained
 * results, but only the first ones split tiers (2^6 * 3 tiers at most). */
#define MAX_TIER_PREFERENCES 6
/* A tier with more candidates than this is visited municipality by
 * municipality, nearest first (see visit_nearest); a smaller one is cheaper
 * to read whole than to cut up with an AND per municipality. */
#define NEAREST_MIN_TIER 2048
/* Taken off a municipality's lower bound on distance so that rounding never
 * makes it exceed a resident's computed distance (those differ by far less). */
#define BOUND_SLACK_KM 0.01

typedef struct candidate {
	vd_docid_t docid;
	int tier;        /* 1: lives in the "in" municipality */
	double score;    /* 0..1 */
	double distance; /* km, NAN when no place was asked or none is known */
} candidate_t;

/* One discrete part of the score: options are disjoint, best first. */
typedef struct dimension {
	const roaring_bitmap_t *docs[3];
	bool negate[3]; /* the option is "not in docs[]" */
	double weight[3];
	int n;
} dimension_t;

typedef struct combo {
	int choice[MAX_TIER_PREFERENCES + 1];
	double weight;
	int order; /* makes the sort stable */
} combo_t;

/* A municipality with residents, and how near to the reference any of
 * them can live. */
typedef struct nearby {
	double min_km;
	const roaring_bitmap_t *residents; /* borrowed from the matcher */
} nearby_t;

typedef struct search {
	const vd_matcher_t *m;
	const vd_places_t *places;
	const vd_municipality_t *ref; /* distance is measured from here */
	double ref_point[3];          /* ref on the unit sphere */
	double max_km;                /* hard filter when > 0 */
	const roaring_bitmap_t *in_docs;
	double hours; /* wanted hours per week, 0 when not asked */
	dimension_t dims[MAX_TIER_PREFERENCES + 1];
	int n_dims;
	double max_score, continuous_max;
	double tier_weight; /* discrete part of the tier being visited */
	int in_tier;
	bool tier_full;    /* set when a tier can stop early */
	candidate_t *heap; /* worst kept candidate at the root */
	size_t n_heap, count;
	nearby_t *nearby; /* nearest first; made by the first tier that needs it */
	size_t n_nearby;
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
swap(candidate_t *a, candidate_t *b)
{
	candidate_t tmp = *a;
	*a = *b;
	*b = tmp;
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
		swap(&h[i], &h[worst]);
		i = worst;
	}
}

static void
sift_up(candidate_t *h, size_t i)
{
	while (i > 0 && better(&h[(i - 1) / 2], &h[i])) {
		swap(&h[i], &h[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

/* Offers c to the heap; false when it did not get in. */
static bool
keep(search_t *s, const candidate_t *c)
{
	if (s->n_heap < s->count) {
		s->heap[s->n_heap] = *c;
		sift_up(s->heap, s->n_heap++);
		return true;
	}
	if (s->count == 0 || !better(c, &s->heap[0]))
		return false;
	s->heap[0] = *c;
	sift_down(s->heap, s->n_heap, 0);
	return true;
}

static double
hours_points(float has, double wants)
{
	if (has <= 0)
		return 0.5; /* unknown: neither rewarded nor punished fully */
	return has >= wants ? 1.0 : has / wants;
}

static double
distance_to(const search_t *s, const facts_t *f)
{
	if (!s->ref || !f || isnan(f->lat))
		return NAN;
	return vd_chord2_km(vd_chord2(s->ref_point, f->point));
}

static bool
visit(uint32_t docid, void *arg)
{
	search_t *s = arg;
	const facts_t *f = vd_matcher_facts(s->m, docid);
	candidate_t c = {.docid = docid, .tier = s->in_tier, .distance = distance_to(s, f)};
	double points = s->tier_weight;

	if (!isnan(c.distance))
		points += DISTANCE_WEIGHT * fmax(0.0, 1.0 - c.distance / DISTANCE_SCALE_KM);
	if (s->hours > 0)
		points += HOURS_WEIGHT * hours_points(f ? f->hours : 0, s->hours);
	c.score = points / s->max_score;
	/* Without continuous parts every later candidate of this tier ties
	 * with a higher id: none of them can get in either. */
	return keep(s, &c) || s->continuous_max > 0;
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

/* A requirement group's documents: one term's bitmap, or the kept union
 * of several (match_groups.c). */
typedef struct group_docs {
	const roaring_bitmap_t *docs; /* borrowed; NULL: nobody */
	const vd_group_t *kept;       /* to release; NULL for a single term */
} group_docs_t;

/* False when out of memory. */
static bool
group_get(vd_matcher_t *m, const json_t *group, group_docs_t *out)
{
	*out = (group_docs_t){0};
	if (json_array_size(group) == 1) {
		out->docs = vd_matcher_term(m, json_string_value(json_array_get(group, 0)));
		return true;
	}
	if (json_array_size(group) == 0)
		return true;
	if (!(out->kept = vd_group_cache_get(vd_matcher_group_cache(m), m, group)))
		return false;
	out->docs = vd_group_docs(out->kept);
	return true;
}

static uint64_t
cardinality(const group_docs_t *g)
{
	return g->docs ? roaring_bitmap_get_cardinality(g->docs) : 0;
}

static int
by_cardinality(const void *a, const void *b)
{
	uint64_t x = cardinality(a), y = cardinality(b);
	return x < y ? -1 : x > y;
}

/* The jobseekers meeting every group and holding none of the excluded
 * terms: a new bitmap. The rarest group comes first, so a query with a
 * rare requirement never touches the million-wide sets. */
static roaring_bitmap_t *
filter(vd_matcher_t *m, const json_t *require, const json_t *exclude)
{
	size_t n = json_array_size(require), got = 0, i;
	group_docs_t *groups = calloc(n ? n : 1, sizeof(*groups));
	roaring_bitmap_t *result = NULL;
	json_t *group, *term;

	if (!groups)
		return roaring_bitmap_create(); /* out of memory: nobody rather than anybody */
	json_array_foreach(require, i, group)
	{
		if (!group_get(m, group, &groups[got]))
			goto out;
		got++;
	}
	qsort(groups, n, sizeof(*groups), by_cardinality);
	/* Terms index jobseekers only, but say so: vacancies are never candidates. */
	if (n == 0)
		result = roaring_bitmap_copy(vd_matcher_jobseekers(m));
	else if (groups[0].docs)
		result = roaring_bitmap_and(groups[0].docs, vd_matcher_jobseekers(m));
	else
		result = roaring_bitmap_create();
	for (i = 1; i < n && result && !roaring_bitmap_is_empty(result); i++) {
		if (groups[i].docs)
			roaring_bitmap_and_inplace(result, groups[i].docs);
		else
			roaring_bitmap_clear(result);
	}
	json_array_foreach(exclude, i, term)
	{
		const roaring_bitmap_t *docs = vd_matcher_term(m, json_string_value(term));
		if (docs && result)
			roaring_bitmap_andnot_inplace(result, docs);
	}
out:
	for (i = 0; i < got; i++)
		if (groups[i].kept)
			vd_group_cache_release(vd_matcher_group_cache(m), groups[i].kept);
	free(groups);
	return result ? result : roaring_bitmap_create();
}

typedef struct radius_check {
	const search_t *s;
	double max_chord2; /* vd_chord2_for_km(max_km) */
	roaring_bitmap_t *inside;
} radius_check_t;

static bool
check_one(uint32_t docid, void *arg)
{
	radius_check_t *rc = arg;
	const facts_t *f = vd_matcher_facts(rc->s->m, docid);

	/* NAN compares false: no place, not inside. */
	if (f && vd_chord2(rc->s->ref_point, f->point) <= rc->max_chord2)
		roaring_bitmap_add(rc->inside, docid);
	return true;
}

/* Keeps the candidates within max_km of ref: the residents inside, which
 * match_radius.c keeps per circle (whole municipalities, and the people of
 * the ones the circle cuts by their own locations), and those with a
 * location but no municipality, few, checked one by one. */
static void
limit_distance(const search_t *s, vd_matcher_t *m, const vd_places_t *places,
               roaring_bitmap_t *candidates)
{
	const vd_radius_t *circle =
	    vd_radius_cache_get(vd_matcher_radius_cache(m), m, places, s->ref->index, s->max_km);
	roaring_bitmap_t *inside, *loose;
	radius_check_t rc = {s, vd_chord2_for_km(s->max_km), NULL};

	if (!circle) {
		roaring_bitmap_clear(candidates); /* out of memory: nobody rather than anybody */
		return;
	}
	inside = roaring_bitmap_and(candidates, vd_radius_inside(circle));
	rc.inside = inside;
	loose = roaring_bitmap_and(candidates, vd_matcher_loose(m));
	roaring_iterate(loose, check_one, &rc);
	vd_radius_cache_release(vd_matcher_radius_cache(m), circle);
	roaring_bitmap_overwrite(candidates, inside);
	roaring_bitmap_free(loose);
	roaring_bitmap_free(inside);
}

static const vd_municipality_t *
place_of(const vd_places_t *places, const json_t *where)
{
	const char *code = json_string_value(json_object_get(where, "code"));
	return code ? vd_places_lookup(places, code) : NULL;
}

static void
add_dimensions(search_t *s, vd_matcher_t *m, const json_t *prefer, int today)
{
	const roaring_bitmap_t *avail[3];
	dimension_t *d = &s->dims[s->n_dims++];
	size_t i;
	json_t *term;

	vd_matcher_availability(m, today, avail);
	/* Availability: now 1, unknown or soon 0.5, later 0. */
	*d = (dimension_t){
	    .docs = {avail[0], avail[1], avail[2]}, .weight = {1.0, 0.5, 0.0}, .n = 3};
	s->max_score += 1.0;
	json_array_foreach(prefer, i, term)
	{
		const char *t = json_string_value(term);
		const roaring_bitmap_t *docs = vd_matcher_term(m, t);
		double w = preference_weight(t);

		s->max_score += w;
		if (!docs)
			continue; /* nobody holds it: it splits nothing */
		if (s->n_dims > MAX_TIER_PREFERENCES) {
			s->max_score -= w; /* beyond the tiers: not scored at all */
			continue;
		}
		d = &s->dims[s->n_dims++];
		*d = (dimension_t){
		    .docs = {docs, docs}, .negate = {false, true}, .weight = {w, 0}, .n = 2};
	}
}

static int
by_weight(const void *a, const void *b)
{
	const combo_t *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->order - y->order;
}

/* Every combination of options, best total weight first; returns how many. */
static size_t
make_combos(const search_t *s, combo_t **out)
{
	size_t n = 1;
	combo_t *combos;

	for (int d = 0; d < s->n_dims; d++)
		n *= (size_t)s->dims[d].n;
	combos = calloc(n, sizeof(*combos));
	if (!combos)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t rest = i;
		combos[i].order = (int)i;
		for (int d = 0; d < s->n_dims; d++) {
			combos[i].choice[d] = (int)(rest % (size_t)s->dims[d].n);
			rest /= (size_t)s->dims[d].n;
			combos[i].weight += s->dims[d].weight[combos[i].choice[d]];
		}
	}
	qsort(combos, n, sizeof(*combos), by_weight);
	*out = combos;
	return n;
}

/* True when no candidate of the partition being ranked that scores at
 * most bound can get in any more. A tie may still get in: distance and
 * document id break it. */
static bool
settled(const search_t *s, double bound)
{
	return s->n_heap == s->count &&
	       (s->count == 0 || s->heap[0].tier > s->in_tier || s->heap[0].score > bound);
}

/* The best score a candidate of the tier being visited can have at km or
 * farther: the same sums as visit()'s, so rounding cannot make it lower. */
static double
best_score_from(const search_t *s, double km)
{
	double points = s->tier_weight;

	points += DISTANCE_WEIGHT * fmax(0.0, 1.0 - km / DISTANCE_SCALE_KM);
	if (s->hours > 0)
		points += HOURS_WEIGHT;
	return points / s->max_score;
}

static int
by_min_km(const void *a, const void *b)
{
	const nearby_t *x = a, *y = b;
	return x->min_km < y->min_km ? -1 : x->min_km > y->min_km;
}

/* Lists the municipalities with residents nearest first. No resident lives
 * farther from the municipality's point than its radius, so none is nearer
 * to the reference than the point's distance less the radius. False when
 * out of memory. */
static bool
find_nearby(search_t *s)
{
	size_t n = vd_places_count(s->places);

	s->nearby = calloc(n ? n : 1, sizeof(*s->nearby));
	if (!s->nearby)
		return false;
	for (size_t i = 0; i < n; i++) {
		const vd_municipality_t *muni = vd_places_at(s->places, i);
		float radius;
		const roaring_bitmap_t *residents =
		    vd_matcher_residents(s->m, (unsigned)i, &radius);
		double km;

		if (!residents || roaring_bitmap_is_empty(residents))
			continue;
		km = vd_distance_km(s->ref->lat, s->ref->lon, muni->lat, muni->lon) - radius -
		     BOUND_SLACK_KM;
		s->nearby[s->n_nearby++] = (nearby_t){km > 0 ? km : 0, residents};
	}
	qsort(s->nearby, s->n_nearby, sizeof(*s->nearby), by_min_km);
	return true;
}

/* Visits part of a tier; returns how many candidates it held. */
static uint64_t
visit_part(search_t *s, const roaring_bitmap_t *tier, const roaring_bitmap_t *docs)
{
	roaring_bitmap_t *part = roaring_bitmap_and(tier, docs);
	uint64_t n;

	if (!part)
		return 0;
	n = roaring_bitmap_get_cardinality(part);
	roaring_iterate(part, visit, s);
	roaring_bitmap_free(part);
	return n;
}

/* Visits a large tier a municipality at a time, nearest first, and stops
 * once the worst kept candidate beats the best score anyone left could
 * reach (branch and bound): a tier of a hundred thousand usually ends after
 * a few municipalities. The few with a location but no municipality have
 * no bound and come first; the ones with no location at all (no closeness
 * points, less than any municipality's bound) last. */
static void
visit_nearest(search_t *s, const roaring_bitmap_t *tier, uint64_t left)
{
	roaring_bitmap_t *rest;

	left -= visit_part(s, tier, vd_matcher_loose(s->m));
	for (size_t i = 0; i < s->n_nearby && left > 0; i++) {
		if (settled(s, best_score_from(s, s->nearby[i].min_km)))
			return;
		left -= visit_part(s, tier, s->nearby[i].residents);
	}
	/* Only when every municipality was visited and somebody is left. */
	if (left == 0 || settled(s, best_score_from(s, DISTANCE_SCALE_KM)))
		return;
	rest = roaring_bitmap_andnot(tier, vd_matcher_loose(s->m));
	for (size_t i = 0; rest && i < s->n_nearby; i++)
		roaring_bitmap_andnot_inplace(rest, s->nearby[i].residents);
	if (!rest) {
		roaring_iterate(tier, visit, s); /* out of memory: the plain way */
		return;
	}
	roaring_iterate(rest, visit, s);
	roaring_bitmap_free(rest);
}

/* A partition's share of each dimension's documents, made on first use:
 * a small partition is ANDed with a million-wide set once per dimension
 * rather than once per tier (there may be 3 * 2^6 tiers). */
typedef struct shares {
	const roaring_bitmap_t *part;
	roaring_bitmap_t *docs[MAX_TIER_PREFERENCES + 1][3];
} shares_t;

/* Below this many candidates a partition's tiers are cut from its shares. */
#define SHARES_MAX_PART 1024

static const roaring_bitmap_t *
share_of(const search_t *s, shares_t *sh, int d, int c)
{
	const dimension_t *dim = &s->dims[d];

	if (c > 0 && dim->docs[c] == dim->docs[0])
		c = 0; /* a preference: held, or not held, the same documents */
	if (!sh->docs[d][c])
		sh->docs[d][c] = roaring_bitmap_and(sh->part, dim->docs[c]);
	return sh->docs[d][c] ? sh->docs[d][c] : dim->docs[c];
}

static void
shares_free(shares_t *sh)
{
	for (int d = 0; d <= MAX_TIER_PREFERENCES; d++)
		for (int c = 0; c < 3; c++)
			if (sh->docs[d][c])
				roaring_bitmap_free(sh->docs[d][c]);
}

/* The candidates of part that fall in combo's tier: a new bitmap. */
static roaring_bitmap_t *
cut_tier(const search_t *s, shares_t *sh, const combo_t *combo)
{
	roaring_bitmap_t *tier = roaring_bitmap_copy(sh->part);
	bool small = roaring_bitmap_get_cardinality(sh->part) < SHARES_MAX_PART;

	for (int d = 0; tier && d < s->n_dims; d++) {
		const dimension_t *dim = &s->dims[d];
		int c = combo->choice[d];
		const roaring_bitmap_t *docs = small ? share_of(s, sh, d, c) : dim->docs[c];
		if (dim->negate[c])
			roaring_bitmap_andnot_inplace(tier, docs);
		else
			roaring_bitmap_and_inplace(tier, docs);
	}
	return tier;
}

/* Visits the tiers of one partition of the candidates, best first. */
static void
rank(search_t *s, const roaring_bitmap_t *part, const combo_t *combos, size_t n_combos)
{
	shares_t sh = {.part = part};

	for (size_t i = 0; i < n_combos; i++) {
		double bound = (combos[i].weight + s->continuous_max) / s->max_score;
		roaring_bitmap_t *tier;
		uint64_t n;

		if (settled(s, bound))
			break;
		if (!(tier = cut_tier(s, &sh, &combos[i])))
			break; /* out of memory: the best found so far */
		s->tier_weight = combos[i].weight;
		n = roaring_bitmap_get_cardinality(tier);
		/* The residents of the "in" municipality share its one bound:
		 * nothing to order them by. */
		if (s->ref && s->in_tier == 0 && n > NEAREST_MIN_TIER &&
		    (s->nearby || find_nearby(s)))
			visit_nearest(s, tier, n);
		else
			roaring_iterate(tier, visit, s);
		roaring_bitmap_free(tier);
	}
	shares_free(&sh);
}

static int
compare_candidates(const void *a, const void *b)
{
	return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

typedef struct facet_count {
	const roaring_bitmap_t *candidates;
	size_t skip; /* the length of "kind:" */
	json_t *counts;
} facet_count_t;

static void
count_term(const char *term, const roaring_bitmap_t *docs, void *arg)
{
	facet_count_t *f = arg;
	uint64_t n = roaring_bitmap_and_cardinality(docs, f->candidates);

	if (n > 0)
		json_object_set_new(f->counts, term + f->skip, json_integer((json_int_t)n));
}

/* {"licence": {"B": 812, ...}, ...}: how many candidates hold each term of
 * the kinds asked for; a new reference, NULL when none were asked. */
static json_t *
count_facets(const vd_matcher_t *m, const json_t *kinds, const roaring_bitmap_t *candidates)
{
	json_t *out, *kind;
	size_t i;
	char prefix[32];

	if (json_array_size(kinds) == 0)
		return NULL;
	out = json_object();
	json_array_foreach(kinds, i, kind)
	{
		facet_count_t f = {.candidates = candidates, .counts = json_object()};

		snprintf(prefix, sizeof(prefix), "%s:", json_string_value(kind));
		f.skip = strlen(prefix);
		vd_matcher_each_term(m, prefix, count_term, &f);
		json_object_set_new(out, json_string_value(kind), f.counts);
	}
	return out;
}

/* The best candidates, explained; NULL when the store cannot be read. */
static json_t *
explain_all(search_t *s, vd_index_t *reader, const json_t *query, int today,
            const vd_search_hooks_t *hooks, uint64_t *total)
{
	json_t *results = json_array();

	qsort(s->heap, s->n_heap, sizeof(*s->heap), compare_candidates);
	for (size_t i = 0; i < s->n_heap; i++) {
		const candidate_t *c = &s->heap[i];
		json_t *result = NULL;
		int rc = 0;

		/* Annotating plugins are handed the stored profile: only then read it. */
		if (!hooks || !hooks->annotate)
			rc = vd_matcher_explain_known(s->m, c->docid, query, today, c->score,
			                              c->distance, &result);
		if (rc == 0)
			rc = vd_matcher_explain(reader, c->docid, query, today, c->score,
			                        c->distance, hooks, &result);
		if (rc < 0) {
			json_decref(results);
			return NULL;
		}
		if (rc == 0) {
			(*total)--; /* lapsed since it was indexed: not a candidate */
			continue;
		}
		json_array_append_new(results, result);
	}
	return results;
}

json_t *
vd_matcher_search(vd_matcher_t *m, vd_index_t *reader, const vd_places_t *places,
                  const json_t *query, int today, const vd_search_hooks_t *hooks)
{
	const json_t *near = json_object_get(query, "near");
	const vd_municipality_t *in_place = place_of(places, json_object_get(query, "in"));
	search_t s = {.m = m, .places = places};
	roaring_bitmap_t *candidates = NULL, *in_part = NULL;
	combo_t *combos = NULL;
	size_t n_combos;
	uint64_t total;
	json_t *results, *response = NULL, *facets = NULL;

	s.ref = near ? place_of(places, near) : in_place;
	s.max_km = near ? json_number_value(json_object_get(near, "km")) : 0;
	if (s.ref)
		vd_point_on_sphere(s.ref->lat, s.ref->lon, s.ref_point);
	s.hours = json_number_value(json_object_get(query, "hours_per_week"));
	s.count = (size_t)json_integer_value(json_object_get(query, "count"));
	s.continuous_max = (s.ref ? DISTANCE_WEIGHT : 0) + (s.hours > 0 ? HOURS_WEIGHT : 0);
	s.max_score = s.continuous_max;
	add_dimensions(&s, m, json_object_get(query, "prefer"), today);
	s.heap = calloc(s.count ? s.count : 1, sizeof(*s.heap));
	n_combos = make_combos(&s, &combos);
	if (!s.heap || !n_combos)
		goto out;

	candidates =
	    filter(m, json_object_get(query, "require"), json_object_get(query, "exclude"));
	if (s.ref && s.max_km > 0)
		limit_distance(&s, m, places, candidates);
	total = roaring_bitmap_get_cardinality(candidates);
	facets = count_facets(m, json_object_get(query, "facets"), candidates);
	if (in_place) {
		/* The people who live there first; the others only fill up. */
		float radius;
		const roaring_bitmap_t *residents =
		    vd_matcher_residents(m, in_place->index, &radius);
		in_part =
		    residents ? roaring_bitmap_and(candidates, residents) : roaring_bitmap_create();
		roaring_bitmap_andnot_inplace(candidates, in_part);
		s.in_tier = 1;
		rank(&s, in_part, combos, n_combos);
		s.in_tier = 0;
	}
	rank(&s, candidates, combos, n_combos);

	results = explain_all(&s, reader, query, today, hooks, &total);
	if (results)
		response = json_pack("{s:O, s:I, s:o}", "query", query, "total", (json_int_t)total,
		                     "results", results);
	if (response && facets)
		json_object_set(response, "facets", facets);
out:
	json_decref(facets);
	if (in_part)
		roaring_bitmap_free(in_part);
	if (candidates)
		roaring_bitmap_free(candidates);
	free(combos);
	free(s.nearby);
	free(s.heap);
	return response;
}

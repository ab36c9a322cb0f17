/* vaardig-gen: writes synthetic jobseeker profiles as NDJSON, for tests,
 * benchmarks and demonstrations. No real personal data goes in: every value is
 * drawn from the distributions documented in server/vaardig-gen.md, and the
 * output depends only on the seed, the count, --today and the data files. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dates.h"
#include "places.h"

#define MAX_COUNT  9999999UL /* ids carry a 7-digit number */
#define MAX_PREFIX 57        /* 57 + 7 digits = the 64 characters an id may have */

/* ---- random numbers: xoshiro256** seeded through splitmix64 ---------------- */

typedef struct rng {
	uint64_t s[4];
} rng_t;

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void
rng_seed(rng_t *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(rng_t *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static double
rng_unit(rng_t *rng)
{
	return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

static bool
rng_chance(rng_t *rng, double p)
{
	return rng_unit(rng) < p;
}

/* Uniform integer in [lo, hi], without modulo bias: draws that fall in the
 * incomplete last block of n are rejected. */
static long
rng_range(rng_t *rng, long lo, long hi)
{
	uint64_t n = (uint64_t)(hi - lo) + 1;
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t r;

	do
		r = rng_next(rng);
	while (r >= limit);
	return lo + (long)(r % n);
}

/* Index into weights[0..n-1], chosen with probability proportional to its
 * weight; weights of zero are never chosen. */
static size_t
rng_weighted(rng_t *rng, const double *weights, size_t n)
{
	double total = 0, x;

	for (size_t i = 0; i < n; i++)
		total += weights[i];
	x = rng_unit(rng) * total;
	for (size_t i = 0; i < n; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
	/* Rounding left x at the very end: the last entry with weight. */
	for (size_t i = n; i > 0; i--)
		if (weights[i - 1] > 0)
			return i - 1;
	return 0;
}

/* ---- dates ------------------------------------------------------------------ */

/* Days since 1970-01-01 and back, so that dates can be offset by days. */
static long
date_to_days(int date)
{
	int y = date / 10000, m = date / 100 % 100, d = date % 100;
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int
days_to_date(long z)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	long y = yoe + era * 400 + (m <= 2);
	return (int)(y * 10000 + m * 100 + d);
}

static json_t *
date_json(long days)
{
	char buf[11];

	vd_date_format(days_to_date(days), buf);
	return json_string(buf);
}

/* ---- vocabulary ------------------------------------------------------------- */

/* One list of codes from the taxonomy with a base weight per code. */
typedef struct vocab {
	const char **codes; /* borrowed from the taxonomy JSON */
	json_t **items;     /* borrowed: the taxonomy's entry for each code */
	double *weights;
	size_t n;
} vocab_t;

typedef struct weight {
	const char *code;
	double weight;
} weight_t;

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Certificates by how often they appear in the files of people looking for
 * work in logistics, cleaning, production and hospitality; any other code
 * weighs 1. The three that go with a licence are drawn on their own. */
static const weight_t certificate_weights[] = {
    {"vca-basis", 30},
    {"heftruck", 20},
    {"bhv", 12},
    {"haccp", 10},
    {"ept", 6},
    {"reachtruck", 6},
    {"vca-vol", 5},
    {"ehbo", 5},
    {"vog", 5},
    {"hoogwerker", 3},
    {"sociale-hygiene", 3},
    {"beveiliging", 2},
    {"verkeersregelaar", 2},
    {"vakdiploma-schoonmaak", 2},
    {"chauffeurskaart", 0},
    {"bestuurderskaart", 0},
    {"adr", 0},
};

/* Sectors where people on social assistance most often held work; a
 * sector's weight is shared by its occupations. Any other sector weighs 1. */
static const weight_t sector_weights[] = {
    {"logistiek", 16}, {"schoonmaak", 14}, {"productie", 12},  {"detailhandel", 12},
    {"transport", 10}, {"horeca", 10},     {"bouw", 6},        {"administratie", 5},
    {"groen", 4},      {"zorg", 4},        {"beveiliging", 3}, {"dienstverlening", 2},
    {"techniek", 2},
};

/* Entry-level occupations that weigh double within their sector. */
static const weight_t common_occupations[] = {
    {"magazijnmedewerker", 2}, {"orderpicker", 2},         {"inpakker", 2},
    {"schoonmaker", 2},        {"productiemedewerker", 2}, {"winkelmedewerker", 2},
    {"vakkenvuller", 2},       {"keukenhulp", 2},          {"maaltijdbezorger", 2},
};

/* Languages besides Dutch, roughly by how often they are spoken among people
 * on social assistance in the Netherlands; any other code weighs 1. Frisian
 * is set per profile: only in Fryslân. */
static const weight_t language_weights[] = {
    {"en", 30}, {"ar", 14}, {"tr", 10}, {"pl", 6}, {"ti", 5}, {"so", 4},
    {"fa", 4},  {"uk", 4},  {"ru", 3},  {"es", 3}, {"fr", 3}, {"de", 3},
    {"ro", 3},  {"bg", 3},  {"ku", 2},  {"pt", 2}, {"nl", 0}, {"fy", 0},
};

/* General working skills that weigh 3 among the skills; others weigh 1. */
static const weight_t skill_weights[] = {
    {"klantgericht", 3},    {"teamwerk", 3},   {"zelfstandig", 3},
    {"stressbestendig", 3}, {"nauwkeurig", 3}, {"flexibel", 3},
};

static double
weight_of(const weight_t *table, size_t n, const char *code, double otherwise)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].code, code) == 0)
			return table[i].weight;
	return otherwise;
}

/* Reads the codes of doc[key] (an array of objects with "code"). Returns
 * false and prints why when the list is missing or malformed. */
static bool
vocab_load(vocab_t *v, json_t *doc, const char *file, const char *key, const weight_t *table,
           size_t n_table)
{
	json_t *list = json_object_get(doc, key), *item; /* borrowed */
	size_t i;

	if (!json_is_array(list) || json_array_size(list) == 0) {
		fprintf(stderr, "vaardig-gen: %s: \"%s\" is not a non-empty array\n", file, key);
		return false;
	}
	v->codes = calloc(json_array_size(list), sizeof(*v->codes));
	v->items = calloc(json_array_size(list), sizeof(*v->items));
	v->weights = calloc(json_array_size(list), sizeof(*v->weights));
	if (!v->codes || !v->items || !v->weights) {
		fprintf(stderr, "vaardig-gen: out of memory\n");
		return false;
	}
	json_array_foreach(list, i, item)
	{
		const char *code = json_string_value(json_object_get(item, "code"));
		if (!code) {
			fprintf(stderr, "vaardig-gen: %s: %s[%zu] has no string \"code\"\n", file,
			        key, i);
			return false;
		}
		v->codes[i] = code;
		v->items[i] = item;
		v->weights[i] = weight_of(table, n_table, code, 1);
	}
	v->n = json_array_size(list);
	return true;
}

static void
vocab_free(vocab_t *v)
{
	free(v->codes);
	free(v->items);
	free(v->weights);
}

/* Index of code, or -1. */
static long
vocab_find(const vocab_t *v, const char *code)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->codes[i], code) == 0)
			return (long)i;
	return -1;
}

/* Draws up to k distinct codes by the weights w (one per code of v), which it
 * zeroes as it goes; returns how many were drawn. */
static size_t
draw_distinct(rng_t *rng, const vocab_t *v, double *w, size_t k, const char **out)
{
	size_t drawn;

	for (drawn = 0; drawn < k; drawn++) {
		double left = 0;
		for (size_t i = 0; i < v->n; i++)
			left += w[i];
		if (left <= 0)
			break;
		size_t i = rng_weighted(rng, w, v->n);
		w[i] = 0;
		out[drawn] = v->codes[i];
	}
	return drawn;
}

/* ---- the generator ---------------------------------------------------------- */

typedef struct gen {
	rng_t rng;
	long today; /* days since 1970-01-01 */
	const char *prefix;
	const vd_places_t *places;
	double *population; /* weight per municipality */
	vocab_t certificates, skills, languages, occupations;
	bool *specialised; /* per occupation, see mark_specialised */
	double *scratch;   /* per-profile weights, as long as the longest vocab */
} gen_t;

/* The lists of one profile under construction (new references). */
typedef struct person {
	const vd_municipality_t *m;
	json_t *licences, *languages, *certificates, *skills, *experience;
} person_t;

static json_t *
find_by(json_t *list, const char *key, const char *code)
{
	size_t i;
	json_t *item;

	json_array_foreach(list, i, item)
	{
		const char *v =
		    json_string_value(json_is_object(item) ? json_object_get(item, key) : item);
		if (v && strcmp(v, code) == 0)
			return item;
	}
	return NULL;
}

/* Whether the person holds what a requirement term asks, validity aside:
 * someone who once drove a truck held a truck licence then. Terms on
 * language, skill and experience do not limit who may have worked somewhere. */
static bool
term_met(const person_t *p, const char *term)
{
	json_t *l;

	if (strncmp(term, "licence:", 8) == 0)
		return find_by(p->licences, "category", term + 8) != NULL;
	if (strncmp(term, "code95:", 7) == 0)
		return (l = find_by(p->licences, "category", term + 7)) != NULL &&
		       json_object_get(l, "code95_until") != NULL;
	if (strncmp(term, "certificate:", 12) == 0)
		return find_by(p->certificates, "code", term + 12) != NULL;
	return true;
}

/* Whether p meets every any-of group of an occupation's "require". */
static bool
requirements_met(const person_t *p, json_t *require)
{
	for (size_t i = 0; i < json_array_size(require); i++) {
		json_t *group = json_array_get(require, i); /* borrowed */
		bool any = false;

		for (size_t j = 0; j < json_array_size(group) && !any; j++) {
			const char *term = json_string_value(json_array_get(group, j));
			any = term && term_met(p, term);
		}
		if (!any)
			return false;
	}
	return true;
}

/* A date group: licence categories on one card share their end date. */
typedef struct card {
	long until;
	bool expired;
} card_t;

static card_t
draw_card(gen_t *g, long max_days)
{
	card_t c;

	/* About 12% of licences have run out (documented share). */
	c.expired = rng_chance(&g->rng, 0.12);
	c.until = c.expired ? g->today - rng_range(&g->rng, 1, 5 * 365)
	                    : g->today + rng_range(&g->rng, 1, max_days);
	return c;
}

/* code95_until for a professional category, or -1 for none. It never runs
 * past the licence itself, and on about 10% of valid licences it has lapsed. */
static long
draw_code95(gen_t *g, const card_t *card, double p_has)
{
	if (!rng_chance(&g->rng, p_has))
		return -1;
	if (card->expired)
		return card->until - rng_range(&g->rng, 0, 365);
	if (rng_chance(&g->rng, 0.10))
		return g->today - rng_range(&g->rng, 1, 2 * 365);
	return g->today + rng_range(&g->rng, 1, card->until - g->today);
}

static void
add_licence(json_t *list, const char *category, const card_t *card, long code95)
{
	json_t *l = json_object();

	json_object_set_new(l, "category", json_string(category));
	json_object_set_new(l, "valid_until", date_json(card->until));
	if (code95 >= 0)
		json_object_set_new(l, "code95_until", date_json(code95));
	json_array_append_new(list, l);
}

/* Shares are of all profiles; the conditional probabilities are divided by
 * the 70% share of B, because A, BE, C1, C and D go only to B holders. */
static void
draw_licences(gen_t *g, person_t *p)
{
	card_t card;
	long c95;

	p->licences = json_array();
	if (!rng_chance(&g->rng, 0.70)) {
		/* No car licence: some ride a moped (AM). */
		if (rng_chance(&g->rng, 0.10)) {
			card = draw_card(g, 10 * 365);
			add_licence(p->licences, "AM", &card, -1);
		}
		return;
	}
	card = draw_card(g, 10 * 365);
	if (rng_chance(&g->rng, 0.06 / 0.70))
		add_licence(p->licences, "A", &card, -1);
	add_licence(p->licences, "B", &card, -1);
	if (rng_chance(&g->rng, 0.06 / 0.70))
		add_licence(p->licences, "BE", &card, -1);

	/* Truck: C, or C and CE (CE comes on top of C); 5-year licences. */
	if (rng_chance(&g->rng, 0.08 / 0.70)) {
		card = draw_card(g, 5 * 365);
		c95 = draw_code95(g, &card, 0.85);
		add_licence(p->licences, "C", &card, c95);
		if (rng_chance(&g->rng, 0.55))
			add_licence(p->licences, "CE", &card, c95);
	} else if (rng_chance(&g->rng, 0.02 / 0.70)) {
		/* C1 (light truck) alone; C includes it, so it is not listed with C. */
		card = draw_card(g, 5 * 365);
		add_licence(p->licences, "C1", &card, draw_code95(g, &card, 0.50));
	}
	/* Bus: D, with its own code 95 for passenger transport. */
	if (rng_chance(&g->rng, 0.03 / 0.70)) {
		card = draw_card(g, 5 * 365);
		add_licence(p->licences, "D", &card, draw_code95(g, &card, 0.80));
	}
}

static const char *
pick(rng_t *rng, const char *const *values, const double *weights, size_t n)
{
	return values[rng_weighted(rng, weights, n)];
}

static void
add_language(json_t *list, const char *code, const char *level)
{
	json_t *l = json_object();

	json_object_set_new(l, "code", json_string(code));
	json_object_set_new(l, "level", json_string(level));
	json_array_append_new(list, l);
}

static void
draw_languages(gen_t *g, person_t *p)
{
	static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
	static const char *const nl_f[] = {"1F", "2F", "3F", "4F"};
	static const double nl_cefr_w[] = {12, 20, 25, 18, 15, 10};
	static const double nl_f_w[] = {35, 35, 20, 10};
	static const double en_w[] = {10, 20, 30, 25, 15, 0};
	static const double other_w[] = {5, 10, 10, 15, 15, 45};
	static const double n_other_w[] = {60, 30, 10};
	const vocab_t *v = &g->languages;
	const char *codes[3];
	long fy = vocab_find(v, "fy");
	size_t n;

	p->languages = json_array();
	/* About 10% have no Dutch level recorded (taaleis status "onbekend"). */
	if (rng_chance(&g->rng, 0.90)) {
		if (rng_chance(&g->rng, 0.60))
			add_language(p->languages, "nl", pick(&g->rng, cefr, nl_cefr_w, 6));
		else
			add_language(p->languages, "nl", pick(&g->rng, nl_f, nl_f_w, 4));
	}
	if (!rng_chance(&g->rng, 0.50))
		return;
	memcpy(g->scratch, v->weights, v->n * sizeof(*g->scratch));
	if (fy >= 0 && strcmp(p->m->province, "Fryslân") == 0)
		g->scratch[fy] = 40;
	n = draw_distinct(&g->rng, v, g->scratch, 1 + rng_weighted(&g->rng, n_other_w, 3), codes);
	for (size_t i = 0; i < n; i++) {
		const double *w = strcmp(codes[i], "en") == 0 ? en_w : other_w;
		add_language(p->languages, codes[i], pick(&g->rng, cefr, w, 6));
	}
}

/* Adds a certificate. One with a legal term ("valid_years" in the taxonomy)
 * has run out in 30% of cases, about 15% of all certificate entries; one
 * without a term carries no end date. */
static void
add_certificate(gen_t *g, json_t *list, const char *code)
{
	long i = vocab_find(&g->certificates, code);
	json_int_t years = 0;
	json_t *c;

	if (i < 0)
		return;
	years = json_integer_value(json_object_get(g->certificates.items[i], "valid_years"));
	c = json_object();
	json_object_set_new(c, "code", json_string(code));
	if (years > 0 && rng_chance(&g->rng, 0.30))
		json_object_set_new(c, "valid_until",
		                    date_json(g->today - rng_range(&g->rng, 1, 3 * 365)));
	else if (years > 0)
		json_object_set_new(c, "valid_until",
		                    date_json(g->today + rng_range(&g->rng, 1, (long)years * 365)));
	json_array_append_new(list, c);
}

static void
draw_certificates(gen_t *g, person_t *p)
{
	static const double n_w[] = {45, 30, 17, 8};
	const vocab_t *v = &g->certificates;
	const char *codes[3];
	bool b = term_met(p, "licence:B");
	bool truck = term_met(p, "licence:C") || term_met(p, "licence:CE");
	size_t n;

	p->certificates = json_array();
	memcpy(g->scratch, v->weights, v->n * sizeof(*g->scratch));
	n = draw_distinct(&g->rng, v, g->scratch, rng_weighted(&g->rng, n_w, 4), codes);
	for (size_t i = 0; i < n; i++)
		add_certificate(g, p->certificates, codes[i]);
	/* A taxi driver's card: about 2% of all, only for holders of B. */
	if (b && rng_chance(&g->rng, 0.02 / 0.70))
		add_certificate(g, p->certificates, "chauffeurskaart");
	/* The tachograph card for most professional drivers, ADR for some truck drivers. */
	if ((truck || term_met(p, "licence:D")) && rng_chance(&g->rng, 0.70))
		add_certificate(g, p->certificates, "bestuurderskaart");
	if (truck && rng_chance(&g->rng, 0.15))
		add_certificate(g, p->certificates, "adr");
}

static void
add_experience(gen_t *g, json_t *list, const char *occupation)
{
	json_t *e = json_object();

	json_object_set_new(e, "occupation", json_string(occupation));
	/* Months worked: mostly short spells, some long careers (mean 25). */
	json_object_set_new(e, "months",
	                    json_integer(1 + (long)floor(-24.0 * log(1.0 - rng_unit(&g->rng)))));
	json_array_append_new(list, e);
}

/* Work experience, at most 3 occupations. A person who holds what a
 * specialised occupation needs (a truck licence with code 95, a security
 * diploma) worked in it in half the cases; the rest is drawn by sector among
 * the occupations whose hard requirements the person meets. */
static void
draw_experience(gen_t *g, person_t *p)
{
	static const double n_w[] = {25, 40, 25, 10};
	const vocab_t *v = &g->occupations;
	const char *codes[3];
	size_t want = rng_weighted(&g->rng, n_w, 4), n;

	p->experience = json_array();
	for (size_t i = 0; i < v->n; i++) {
		json_t *require = json_object_get(v->items[i], "require"); /* borrowed */
		g->scratch[i] = requirements_met(p, require) ? v->weights[i] : 0;
		if (g->scratch[i] > 0 && g->specialised[i] && json_array_size(p->experience) < 3 &&
		    rng_chance(&g->rng, 0.50)) {
			add_experience(g, p->experience, v->codes[i]);
			g->scratch[i] = 0;
		}
	}
	if (json_array_size(p->experience) >= want)
		return;
	n = draw_distinct(&g->rng, v, g->scratch, want - json_array_size(p->experience), codes);
	for (size_t i = 0; i < n; i++)
		add_experience(g, p->experience, codes[i]);
}

/* Skills: half of the skills each past occupation prefers, then 0-2 more
 * drawn from all skills. */
static void
draw_skills(gen_t *g, person_t *p)
{
	static const double n_w[] = {40, 35, 25};
	const vocab_t *v = &g->skills;
	const char *codes[2];
	size_t i, j, n;
	json_t *e, *term;

	p->skills = json_array();
	memcpy(g->scratch, v->weights, v->n * sizeof(*g->scratch));
	json_array_foreach(p->experience, i, e)
	{
		const char *occ = json_string_value(json_object_get(e, "occupation"));
		json_t *prefer = json_object_get(
		    g->occupations.items[vocab_find(&g->occupations, occ)], "prefer");
		json_array_foreach(prefer, j, term)
		{
			const char *t = json_string_value(term);
			long k = t && strncmp(t, "skill:", 6) == 0 ? vocab_find(v, t + 6) : -1;
			if (k >= 0 && g->scratch[k] > 0 && rng_chance(&g->rng, 0.50)) {
				json_array_append_new(p->skills, json_string(v->codes[k]));
				g->scratch[k] = 0;
			}
		}
	}
	n = draw_distinct(&g->rng, v, g->scratch, rng_weighted(&g->rng, n_w, 3), codes);
	for (i = 0; i < n; i++)
		json_array_append_new(p->skills, json_string(codes[i]));
}

static json_t *
draw_location(gen_t *g, const vd_municipality_t *m)
{
	/* Uniform in a disc of 5 km around the municipality's point. */
	double r = 5.0 * sqrt(rng_unit(&g->rng));
	double a = 2 * M_PI * rng_unit(&g->rng);
	double lat = m->lat + r * cos(a) / 111.195;
	double lon = m->lon + r * sin(a) / (111.195 * cos(m->lat * M_PI / 180));

	return json_pack("{s:f, s:f}", "lat", round(lat * 1e5) / 1e5, "lon",
	                 round(lon * 1e5) / 1e5);
}

/* Returns a new profile (the caller owns the reference). */
static json_t *
draw_profile(gen_t *g, unsigned long number)
{
	static const long hours[] = {8, 12, 16, 20, 24, 28, 32, 36, 40};
	static const double hours_w[] = {4, 4, 7, 10, 15, 5, 20, 15, 20};
	static const long travel[] = {5, 10, 15, 20, 25, 30, 40, 50};
	static const double travel_w[] = {5, 15, 15, 20, 15, 15, 5, 10};
	json_t *json = json_object();
	person_t p;
	char id[MAX_PREFIX + 16];
	double when;

	snprintf(id, sizeof(id), "%s%07lu", g->prefix, number);
	p.m = vd_places_at(g->places,
	                   rng_weighted(&g->rng, g->population, vd_places_count(g->places)));
	json_object_set_new(json, "id", json_string(id));
	json_object_set_new(json, "municipality", json_string(p.m->name));
	if (rng_chance(&g->rng, 0.30))
		json_object_set_new(json, "location", draw_location(g, p.m));
	/* Drawn in this order because each depends on the ones before. */
	draw_licences(g, &p);
	draw_languages(g, &p);
	draw_certificates(g, &p);
	draw_experience(g, &p);
	draw_skills(g, &p);
	json_object_set_new(json, "licences", p.licences);
	json_object_set_new(json, "languages", p.languages);
	json_object_set_new(json, "certificates", p.certificates);
	json_object_set_new(json, "skills", p.skills);
	json_object_set_new(json, "experience", p.experience);
	json_object_set_new(json, "hours_per_week",
	                    json_integer(hours[rng_weighted(&g->rng, hours_w, 9)]));
	/* 80% within the next 90 days, 10% already available, 10% later. */
	when = rng_unit(&g->rng);
	json_object_set_new(json, "available_from",
	                    date_json(when < 0.80   ? g->today + rng_range(&g->rng, 0, 90)
	                              : when < 0.90 ? g->today - rng_range(&g->rng, 1, 365)
	                                            : g->today + rng_range(&g->rng, 91, 365)));
	/* About 10% have no travel limit recorded. */
	if (rng_chance(&g->rng, 0.90))
		json_object_set_new(json, "max_travel_km",
		                    json_integer(travel[rng_weighted(&g->rng, travel_w, 8)]));
	return json;
}

/* ---- main ------------------------------------------------------------------- */

static void
usage(FILE *out)
{
	fprintf(out,
	        "Usage: vaardig-gen [OPTION]...\n"
	        "Write synthetic jobseeker profiles (API.md, \"Jobseekers\") as NDJSON on "
	        "standard output.\n"
	        "The same seed, count, --today and data files give the same output.\n"
	        "\n"
	        "  --seed N          seed of the random generator (default 1)\n"
	        "  --count N         number of profiles, 0..%lu (default 1000)\n"
	        "  --data DIR        data folder with places/, competences.json and "
	        "occupations.json\n"
	        "                    (default %s)\n"
	        "  --today YYYY-MM-DD  the date validity is measured against (default today)\n"
	        "  --prefix P        id prefix; ids are P + 7 digits (default js-)\n"
	        "  --help            show this help and exit\n",
	        MAX_COUNT, VD_DATADIR);
}

static bool
parse_unsigned(const char *text, uint64_t max, uint64_t *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(text, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

static bool
valid_prefix(const char *p)
{
	if (strlen(p) > MAX_PREFIX)
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

typedef struct options {
	uint64_t seed, count;
	const char *data_dir, *prefix;
	int today;
} options_t;

/* Returns -1 to go on, else the exit status. */
static int
parse_options(int argc, char **argv, options_t *o)
{
	static const struct option longopts[] = {
	    {"seed", required_argument, NULL, 's'},
	    {"count", required_argument, NULL, 'n'},
	    {"data", required_argument, NULL, 'd'},
	    {"today", required_argument, NULL, 't'},
	    {"prefix", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->seed = 1;
	o->count = 1000;
	o->data_dir = VD_DATADIR;
	o->prefix = "js-";
	o->today = vd_date_today();
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!parse_unsigned(optarg, UINT64_MAX, &o->seed)) {
				fprintf(stderr, "vaardig-gen: --seed wants a whole number\n");
				return 2;
			}
			break;
		case 'n':
			if (!parse_unsigned(optarg, MAX_COUNT, &o->count)) {
				fprintf(stderr,
				        "vaardig-gen: --count wants a number from 0 to %lu\n",
				        MAX_COUNT);
				return 2;
			}
			break;
		case 'd':
			o->data_dir = optarg;
			break;
		case 't':
			if (!vd_date_parse(optarg, &o->today)) {
				fprintf(stderr, "vaardig-gen: --today wants a date YYYY-MM-DD\n");
				return 2;
			}
			break;
		case 'p':
			if (!valid_prefix(optarg)) {
				fprintf(stderr,
				        "vaardig-gen: --prefix may hold up to %d of A-Z a-z 0-9 . "
				        "_ -\n",
				        MAX_PREFIX);
				return 2;
			}
			o->prefix = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vaardig-gen: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return -1;
}

static json_t *
load_json(const char *dir, const char *name)
{
	char path[4096];
	json_error_t err;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	doc = json_load_file(path, 0, &err);
	if (!doc)
		fprintf(stderr, "vaardig-gen: %s:%d: %s\n", path, err.line, err.text);
	return doc;
}

/* An occupation is specialised when one of its requirement groups cannot be
 * met with licence B (chauffeur and bezorger are not; vrachtwagenchauffeur,
 * taxichauffeur and beveiliger are). */
static bool
is_specialised(json_t *require)
{
	for (size_t i = 0; i < json_array_size(require); i++) {
		json_t *group = json_array_get(require, i); /* borrowed */
		bool has_b = false;

		for (size_t j = 0; j < json_array_size(group) && !has_b; j++) {
			const char *term = json_string_value(json_array_get(group, j));
			has_b = term && strcmp(term, "licence:B") == 0;
		}
		if (!has_b)
			return true;
	}
	return false;
}

/* Each occupation's weight is its sector's weight shared by the sector's
 * occupations, doubled for the common entry-level ones. */
static bool
weigh_occupations(gen_t *g)
{
	vocab_t *v = &g->occupations;

	g->specialised = calloc(v->n, sizeof(*g->specialised));
	if (!g->specialised)
		return false;
	for (size_t i = 0; i < v->n; i++) {
		const char *sector = json_string_value(json_object_get(v->items[i], "sector"));
		size_t same = 0;

		for (size_t j = 0; j < v->n; j++) {
			const char *other =
			    json_string_value(json_object_get(v->items[j], "sector"));
			same +=
			    (sector && other && strcmp(sector, other) == 0) || (!sector && !other);
		}
		v->weights[i] =
		    weight_of(sector_weights, N_OF(sector_weights), sector ? sector : "", 1) /
		    (double)same *
		    weight_of(common_occupations, N_OF(common_occupations), v->codes[i], 1);
		g->specialised[i] = is_specialised(json_object_get(v->items[i], "require"));
	}
	return true;
}

/* Loads the gazetteer and the taxonomy codes into g; prints what is wrong. */
static bool
gen_load(gen_t *g, const options_t *o, vd_places_t **places, json_t **comp, json_t **occ)
{
	char *error = NULL;
	vd_status_t status = vd_places_load(o->data_dir, places, &error);
	size_t longest;

	if (status != VD_OK) {
		fprintf(stderr, "vaardig-gen: %s\n", error ? error : vd_status_str(status));
		free(error);
		return false;
	}
	g->places = *places;
	g->population = calloc(vd_places_count(*places), sizeof(*g->population));
	if (!g->population)
		return false;
	for (size_t i = 0; i < vd_places_count(*places); i++)
		g->population[i] = (double)vd_places_at(*places, i)->population;

	*comp = load_json(o->data_dir, "competences.json");
	*occ = load_json(o->data_dir, "occupations.json");
	if (!*comp || !*occ)
		return false;
	if (!vocab_load(&g->certificates, *comp, "competences.json", "certificates",
	                certificate_weights, N_OF(certificate_weights)) ||
	    !vocab_load(&g->skills, *comp, "competences.json", "skills", skill_weights,
	                N_OF(skill_weights)) ||
	    !vocab_load(&g->languages, *comp, "competences.json", "languages", language_weights,
	                N_OF(language_weights)) ||
	    !vocab_load(&g->occupations, *occ, "occupations.json", "occupations", NULL, 0) ||
	    !weigh_occupations(g))
		return false;
	longest = g->certificates.n;
	if (g->skills.n > longest)
		longest = g->skills.n;
	if (g->languages.n > longest)
		longest = g->languages.n;
	if (g->occupations.n > longest)
		longest = g->occupations.n;
	g->scratch = calloc(longest, sizeof(*g->scratch));
	return g->scratch != NULL;
}

int
main(int argc, char **argv)
{
	options_t o;
	gen_t g;
	vd_places_t *places = NULL;
	json_t *comp = NULL, *occ = NULL;
	int rc = parse_options(argc, argv, &o);

	if (rc >= 0)
		return rc;
	memset(&g, 0, sizeof(g));
	rc = 1;
	if (!gen_load(&g, &o, &places, &comp, &occ))
		goto out;
	rng_seed(&g.rng, o.seed);
	g.today = date_to_days(o.today);
	g.prefix = o.prefix;
	for (uint64_t i = 0; i < o.count; i++) {
		json_t *p = draw_profile(&g, (unsigned long)(i + 1));
		int failed = json_dumpf(
		    p, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
		json_decref(p);
		if (failed || putchar('\n') == EOF)
			goto out;
	}
	if (fflush(stdout) == 0)
		rc = 0;
out:
	if (rc != 0 && ferror(stdout))
		fprintf(stderr, "vaardig-gen: cannot write the output\n");
	vocab_free(&g.occupations);
	vocab_free(&g.languages);
	vocab_free(&g.skills);
	vocab_free(&g.certificates);
	json_decref(occ);
	json_decref(comp);
	free(g.scratch);
	free(g.specialised);
	free(g.population);
	vd_places_free(places);
	return rc;
}

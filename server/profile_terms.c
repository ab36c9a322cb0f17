/* What a canonical profile holds on a given day, and its index document.
 *
 * Something valid_until D is held through the end of D: held while
 * today <= D, lapsed from D + 1. The document keeps the first such D + 1 in
 * VD_SLOT_NEXT_EXPIRY so that a daily timer can re-index exactly the
 * profiles whose held terms changed.
 *
 * Language terms use CEFR levels only: Dutch 1F..4F are indexed as the CEFR
 * level they compare to (A2, B1, B2, C1). A requirement written as
 * language:nl:2F must therefore be normalised to language:nl:B1 by the
 * query layer before it is looked up.
 *
 * The index holds only the highest level of each language, as an "L" term;
 * the matcher widens it to every level below. Six cumulative terms a language
 * made half of a typical document's terms, and each one costs at every write
 * and every bulk-loaded line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "profile.h"

struct held {
	json_t *terms;   /* new array being filled */
	bool cumulative; /* every language level up to the one held, or that one alone */
	int today;
	int next_expiry; /* 0 while nothing held has an end date */
	bool oom;
};

/* kind + code, and ":" + level when there is one. Terms are built by hand,
 * not with a printf: a bulk load makes a dozen for every line. */
static void
add_term(struct held *h, const char *kind, const char *code, const char *level)
{
	size_t k = strlen(kind), c = strlen(code), l = level ? strlen(level) + 1 : 0;
	char buf[256], *text = k + c + l < sizeof(buf) ? buf : malloc(k + c + l + 1);
	json_t *term;

	if (!text) {
		h->oom = true;
		return;
	}
	memcpy(text, kind, k);
	memcpy(text + k, code, c);
	if (level) {
		text[k + c] = ':';
		memcpy(text + k + c + 1, level, l - 1);
	}
	term = json_stringn(text, k + c + l);
	if (text != buf)
		free(text);
	if (!term || json_array_append_new(h->terms, term))
		h->oom = true;
}

/* True when the optional date member key of item has not passed today.
 * A held item with an end date moves next_expiry to the day after it. A
 * date that does not parse (never in a canonical profile) counts as lapsed. */
static bool
held_until(struct held *h, const json_t *item, const char *key)
{
	const json_t *v = json_object_get(item, key);
	int until, lapses;

	if (!v)
		return true;
	if (!json_is_string(v) || !vd_date_parse(json_string_value(v), &until) || until < h->today)
		return false;
	lapses = vd_date_next(until);
	if (!h->next_expiry || lapses < h->next_expiry)
		h->next_expiry = lapses;
	return true;
}

/* licence:X while the licence is valid; code95:X while both the licence and
 * its code 95 are. Without code95_until the licence has no code 95. */
static void
add_licences(struct held *h, const json_t *licences)
{
	const json_t *item;
	const char *category;
	size_t i;

	json_array_foreach(licences, i, item)
	{
		category = json_string_value(json_object_get(item, "category"));
		if (!category || !held_until(h, item, "valid_until"))
			continue;
		add_term(h, "licence:", category, NULL);
		if (json_object_get(item, "code95_until") && held_until(h, item, "code95_until"))
			add_term(h, "code95:", category, NULL);
	}
}

/* language:CODE for any level, and language:CODE:L for every CEFR level L up
 * to the one held, so that a higher level meets a lower requirement (or,
 * not cumulative, for the level held alone). */
static void
add_languages(struct held *h, const json_t *languages)
{
	const json_t *item;
	const char *code;
	size_t i;
	int rank;

	json_array_foreach(languages, i, item)
	{
		code = json_string_value(json_object_get(item, "code"));
		rank = vd_level_rank(json_string_value(json_object_get(item, "level")));
		if (!code || rank == 0)
			continue;
		add_term(h, "language:", code, NULL);
		for (int r = h->cumulative ? 1 : rank; r <= rank; r++)
			add_term(h, "language:", code, vd_cefr_level(r));
	}
}

static void
add_certificates(struct held *h, const json_t *certificates)
{
	const json_t *item;
	const char *code;
	size_t i;

	json_array_foreach(certificates, i, item)
	{
		code = json_string_value(json_object_get(item, "code"));
		if (code && held_until(h, item, "valid_until"))
			add_term(h, "certificate:", code, NULL);
	}
}

static void
add_skills(struct held *h, const json_t *skills)
{
	const json_t *item;
	size_t i;

	json_array_foreach(skills, i, item) if (json_is_string(item))
	    add_term(h, "skill:", json_string_value(item), NULL);
}

static void
add_experience(struct held *h, const json_t *experience)
{
	const json_t *item;
	const char *occupation;
	size_t i;

	json_array_foreach(experience, i, item)
	{
		occupation = json_string_value(json_object_get(item, "occupation"));
		if (occupation)
			add_term(h, "experience:", occupation, NULL);
	}
}

static json_t *
held_terms(const json_t *canonical, int today, bool cumulative, int *next_expiry)
{
	struct held h = {json_array(), cumulative, today, 0, false};

	*next_expiry = 0;
	if (!h.terms)
		return NULL;
	add_licences(&h, json_object_get(canonical, "licences"));
	add_languages(&h, json_object_get(canonical, "languages"));
	add_certificates(&h, json_object_get(canonical, "certificates"));
	add_skills(&h, json_object_get(canonical, "skills"));
	add_experience(&h, json_object_get(canonical, "experience"));
	if (h.oom) {
		json_decref(h.terms);
		return NULL;
	}
	*next_expiry = h.next_expiry;
	return h.terms;
}

json_t *
vd_profile_held(const json_t *canonical, int today, int *next_expiry)
{
	return held_terms(canonical, today, true, next_expiry);
}

/* "language:nl:B2" but not "language:nl". */
static bool
is_level_term(const char *term)
{
	return strncmp(term, "language:", 9) == 0 && strchr(term + 9, ':');
}

static bool
add_prefixed(vd_doc_t *doc, const char *prefix, const char *text)
{
	size_t p = strlen(prefix), t = strlen(text);
	char buf[256], *term = p + t < sizeof(buf) ? buf : malloc(p + t + 1);
	bool ok;

	if (!term)
		return false;
	memcpy(term, prefix, p);
	memcpy(term + p, text, t + 1);
	ok = vd_doc_add_term(doc, term);
	if (term != buf)
		free(term);
	return ok;
}

static bool
set_date_value(vd_doc_t *doc, unsigned slot, int date)
{
	char text[16];

	snprintf(text, sizeof(text), "%08d", date);
	return vd_doc_set_value(doc, slot, text);
}

/* Location, municipality, hours and availability values, and the
 * municipality term. The person's own location wins over the municipality's. */
static bool
add_place_and_numbers(const vd_places_t *places, const json_t *canonical, vd_doc_t *doc)
{
	const json_t *location = json_object_get(canonical, "location");
	const json_t *hours = json_object_get(canonical, "hours_per_week");
	const char *name = json_string_value(json_object_get(canonical, "municipality"));
	const char *from = json_string_value(json_object_get(canonical, "available_from"));
	const vd_municipality_t *m = name ? vd_places_lookup(places, name) : NULL;
	char text[64];
	int date;

	if (m && (!add_prefixed(doc, "Kmunicipality:", m->code) ||
	          !vd_doc_set_value(doc, VD_SLOT_MUNICIPALITY, m->code)))
		return false;
	text[0] = '\0';
	if (location)
		snprintf(text, sizeof(text), "%.5f,%.5f",
		         json_number_value(json_object_get(location, "lat")),
		         json_number_value(json_object_get(location, "lon")));
	else if (m)
		snprintf(text, sizeof(text), "%.5f,%.5f", m->lat, m->lon);
	if (text[0] && !vd_doc_set_value(doc, VD_SLOT_LOCATION, text))
		return false;
	if (hours) {
		snprintf(text, sizeof(text), "%g", json_number_value(hours));
		if (!vd_doc_set_value(doc, VD_SLOT_HOURS, text))
			return false;
	}
	if (from && vd_date_parse(from, &date) && !set_date_value(doc, VD_SLOT_AVAILABLE, date))
		return false;
	return true;
}

bool
vd_profile_to_doc(const vd_places_t *places, const json_t *canonical, int today, vd_doc_t *doc)
{
	const char *id = json_string_value(json_object_get(canonical, "id"));
	json_t *held = NULL, *term;
	char *data = NULL;
	int next_expiry;
	size_t i;
	bool ok = false;

	if (!id)
		return false;
	held = held_terms(canonical, today, false, &next_expiry);
	if (!held)
		goto out;
	if (!add_prefixed(doc, "Qj", id) || !vd_doc_add_term(doc, "Tj") ||
	    !vd_doc_set_value(doc, VD_SLOT_ID, id))
		goto out_free_held;
	json_array_foreach(held, i, term)
	{
		const char *text = json_string_value(term);
		if (!add_prefixed(doc, is_level_term(text) ? "L" : "K", text))
			goto out_free_held;
	}
	if (!add_place_and_numbers(places, canonical, doc))
		goto out_free_held;
	if (next_expiry && !set_date_value(doc, VD_SLOT_NEXT_EXPIRY, next_expiry))
		goto out_free_held;
	/* 15 significant digits: 51.92 reads back as 51.92, not 51.920000000000002. */
	data = json_dumps(canonical, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	if (!data || !vd_doc_set_data(doc, data, strlen(data)))
		goto out_free_data;
	ok = true;

out_free_data:
	free(data);
out_free_held:
	json_decref(held);
out:
	return ok;
}

bool
vd_profile_holds(const json_t *held, const char *term)
{
	size_t i;
	json_t *h;

	json_array_foreach(held, i, h) if (strcmp(json_string_value(h), term) == 0) return true;
	return false;
}

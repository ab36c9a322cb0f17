#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

/* The employer's query as typed at the desk: "40 chauffeurs in Rotterdam",
 * "veertig chauffeurs met rijbewijs C en code 95", "rijbewijs CE binnen 20 km
 * van Utrecht". The users are busy: the grammar is generous, and a word it
 * cannot place is answered with what it might have meant, never ignored. */

#define MAX_TEXT        1000 /* bytes */
#define MAX_WORDS       80
#define MAX_PHRASE      6 /* words in a competence or municipality name */
#define MAX_OCCUPATION  3 /* words in an occupation name */
#define MAX_SUGGESTIONS 5
#define MAX_COUNT       1000000000L
/* "in de buurt van Utrecht": how near is near. */
#define NEARBY_KM 25

typedef struct parser {
	const vd_taxonomy_t *tax;
	const vd_places_t *places;
	json_t *errors; /* borrowed */
	char *buf;      /* the words, each NUL-terminated */
	const char *w[MAX_WORDS];
	size_t n, i;
	long count; /* 0: not given */
	const vd_occupation_t *occ;
	json_t *require; /* new: the text's own any-of groups */
	const vd_municipality_t *in;
	const vd_municipality_t *near;
	double km;
} parser_t;

/* Words that start a clause; a phrase never runs over them. */
static const char *const clause_words[] = {"met",    "en",  "of",    ",",    "in",
                                           "binnen", "uit", "nabij", "rond", "rondom"};
/* Words for people in general: "10 mensen met heftruck" names no occupation. */
static const char *const people_words[] = {
    "mensen",        "personen",     "persoon",         "kandidaten",      "kandidaat",
    "werkzoekenden", "werkzoekende", "medewerkers",     "medewerker",      "werknemers",
    "werknemer",     "krachten",     "arbeidskrachten", "uitzendkrachten", "man"};
/* Politeness and framing that carries no meaning for the search. */
static const char *const filler_words[] = {"ik",    "wij",   "we",  "zoek", "zoeken",     "gezocht",
                                           "graag", "nodig", "aub", "svp",  "alstublieft"};

static bool
in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

#define IN_LIST(s, list) in_list((s), (list), sizeof(list) / sizeof(*(list)))

static bool
is_clause_word(const char *w)
{
	return IN_LIST(w, clause_words);
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_letter(char c)
{
	return c >= 'a' && c <= 'z';
}

/* ---- numbers ---------------------------------------------------------------- */

static const char *const units[] = {"een", "twee",  "drie", "vier", "vijf",
                                    "zes", "zeven", "acht", "negen"};
static const char *const teens[] = {"tien",     "elf",     "twaalf",    "dertien",  "veertien",
                                    "vijftien", "zestien", "zeventien", "achttien", "negentien"};
static const char *const tens[] = {"twintig", "dertig",   "veertig", "vijftig",
                                   "zestig",  "zeventig", "tachtig", "negentig"};

/* Index of w in list, or -1. */
static int
list_index(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return (int)i;
	return -1;
}

#define LIST_INDEX(w, list) list_index((w), (list), sizeof(list) / sizeof(*(list)))

/* 1..99 in Dutch words ("twaalf", "eenentwintig", "tweeentwintig" folded
 * from "tweeëntwintig"), or -1. */
static int
below_hundred(const char *w)
{
	int k;

	if ((k = LIST_INDEX(w, units)) >= 0)
		return k + 1;
	if ((k = LIST_INDEX(w, teens)) >= 0)
		return k + 10;
	if ((k = LIST_INDEX(w, tens)) >= 0)
		return 10 * k + 20;
	for (size_t u = 0; u < sizeof(units) / sizeof(*units); u++) {
		size_t len = strlen(units[u]);

		if (strncmp(w, units[u], len) == 0 && strncmp(w + len, "en", 2) == 0 &&
		    (k = LIST_INDEX(w + len + 2, tens)) >= 0)
			return (int)u + 1 + 10 * k + 20;
	}
	return -1;
}

/* 1..1000 in Dutch words ("honderd", "tweehonderdvijftig", "duizend"), or -1. */
static long
number_word(const char *w)
{
	const char *h = strstr(w, "honderd");
	char head[16];
	long hundreds = 1, rest = 0;

	if (strcmp(w, "duizend") == 0)
		return 1000;
	if (!h)
		return below_hundred(w);
	if (h > w) {
		if ((size_t)(h - w) >= sizeof(head))
			return -1;
		memcpy(head, w, (size_t)(h - w));
		head[h - w] = '\0';
		hundreds = LIST_INDEX(head, units) + 1;
		if (hundreds == 0)
			return -1;
	}
	h += strlen("honderd");
	if (*h) {
		rest = below_hundred(h);
		/* "honderdentwintig" is heard beside "honderdtwintig". */
		if (rest < 0 && strncmp(h, "en", 2) == 0)
			rest = below_hundred(h + 2);
		if (rest < 0)
			return -1;
	}
	return 100 * hundreds + rest;
}

/* A whole number in digits, or -1; -2 when it has too many digits. */
static long
digits_number(const char *w)
{
	long v = 0;

	if (!*w)
		return -1;
	for (; *w; w++) {
		if (!is_digit(*w))
			return -1;
		v = v * 10 + (*w - '0');
		if (v > MAX_COUNT)
			return -2;
	}
	return v;
}

/* A distance: digits with an optional decimal comma or point, or words. */
static bool
distance_number(const char *w, double *out)
{
	char buf[32];
	char *end;
	long words;

	if (is_digit(w[0]) && strlen(w) < sizeof(buf)) {
		snprintf(buf, sizeof(buf), "%s", w);
		for (char *c = buf; *c; c++)
			if (*c == ',')
				*c = '.';
		*out = strtod(buf, &end);
		return *end == '\0';
	}
	words = number_word(w);
	*out = (double)words;
	return words > 0;
}

/* ---- words ---------------------------------------------------------------- */

/* Ends the word from *start to *pos (if any) and records it. */
static bool
end_word(parser_t *p, char **start, char **pos)
{
	if (*pos == *start)
		return true;
	**pos = '\0';
	(*pos)++;
	/* A dash or apostrophe alone ("chauffeurs - Rotterdam") says nothing. */
	if (strcmp(*start, "-") != 0 && strcmp(*start, "'") != 0) {
		if (p->n == MAX_WORDS)
			return false;
		p->w[p->n++] = *start;
	}
	*start = *pos;
	return true;
}

/* A word of its own: "," for a comma, "of" for a slash ("C/CE"). */
static bool
add_word(parser_t *p, char **start, char **pos, const char *word)
{
	if (!end_word(p, start, pos))
		return false;
	memcpy(*pos, word, strlen(word));
	*pos += strlen(word);
	return end_word(p, start, pos);
}

/* Splits folded text into p->w: punctuation goes, except dashes and
 * apostrophes inside names ("'s-hertogenbosch"), decimal commas ("7,5") and
 * commas between phrases (a word ","). "20km" is two words. p->buf holds at
 * least 4 bytes per byte of text. */
static bool
split_words(parser_t *p, const char *folded)
{
	char *start = p->buf, *pos = p->buf;

	for (const char *c = folded; *c; c++) {
		bool after_digit = pos > start && is_digit(pos[-1]);
		bool ok = true;

		if ((*c == ',' || *c == '.') && after_digit && is_digit(c[1]))
			*pos++ = *c;
		else if (*c == ',' || *c == ';')
			ok = add_word(p, &start, &pos, ",");
		else if (*c == '/')
			ok = add_word(p, &start, &pos, "of");
		else if (*c == ' ' || strchr("?!.:\"()[]+*", *c))
			ok = end_word(p, &start, &pos);
		else if (after_digit && is_letter(c[0]) && is_letter(c[1])) {
			/* "20km", "40chauffeurs", but not the level "2f". */
			ok = end_word(p, &start, &pos);
			*pos++ = *c;
		} else {
			*pos++ = *c;
		}
		if (!ok)
			return false;
	}
	return end_word(p, &start, &pos);
}

/* The words i..i+k joined by spaces, into buf of size size. */
static const char *
phrase(const parser_t *p, size_t i, size_t k, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t j = i; j < i + k && j < p->n; j++)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
		                        j > i ? " " : "", p->w[j]);
	return buf;
}

/* How many words from i on belong to an unknown phrase: up to a clause word. */
static size_t
unknown_extent(const parser_t *p, size_t i, bool over_en)
{
	size_t k = 0;

	while (i + k < p->n && (k == 0 || !is_clause_word(p->w[i + k]) ||
	                        (over_en && strcmp(p->w[i + k], "en") == 0)))
		k++;
	/* A trailing "en" before the next clause is a connector, not a name. */
	while (k > 1 && is_clause_word(p->w[i + k - 1]))
		k--;
	return k;
}

/* How many words from i on a phrase may span: it never runs over a comma or
 * into the next "met" / "binnen". */
static size_t
phrase_limit(const parser_t *p, size_t i)
{
	size_t k = 0;

	while (i + k < p->n && k < MAX_PHRASE && strcmp(p->w[i + k], ",") != 0 &&
	       strcmp(p->w[i + k], "met") != 0 && strcmp(p->w[i + k], "binnen") != 0)
		k++;
	return k;
}

static bool
at(const parser_t *p, size_t i, const char *word)
{
	return i < p->n && strcmp(p->w[i], word) == 0;
}

/* ---- errors --------------------------------------------------------------- */

/* One error for an unknown phrase, with suggestions that are never empty. */
static void
unknown_phrase(parser_t *p, const char *word, const char *what, const char **out, size_t n,
               const char **fallback, size_t n_fallback)
{
	if (n == 0) {
		out = fallback;
		n = n_fallback;
	}
	vd_query_error(p->errors, "/q", word, out, n, "'%s' is not a known %s", word, what);
}

static void
unknown_occupation(parser_t *p, const char *word)
{
	const char *out[MAX_SUGGESTIONS], *fallback[MAX_SUGGESTIONS];
	size_t n = vd_taxonomy_suggest(p->tax, VD_SUGGEST_OCCUPATION, word, out, MAX_SUGGESTIONS);
	size_t nf = 0;

	for (size_t i = 0; i < vd_taxonomy_n_occupations(p->tax) && nf < MAX_SUGGESTIONS; i++)
		fallback[nf++] = vd_taxonomy_occupation_at(p->tax, i)->label;
	unknown_phrase(p, word, "occupation", out, n, fallback, nf);
}

static void
unknown_competence(parser_t *p, const char *word)
{
	const char *out[MAX_SUGGESTIONS], *fallback[MAX_SUGGESTIONS];
	size_t n = vd_taxonomy_suggest(p->tax, VD_SUGGEST_COMPETENCE, word, out, MAX_SUGGESTIONS);
	size_t nf = 0;

	for (size_t i = 0; i < vd_taxonomy_n_competences(p->tax) && nf < MAX_SUGGESTIONS; i++)
		fallback[nf++] = vd_taxonomy_competence_at(p->tax, i)->label;
	if (vd_taxonomy_occupation_by_words(p->tax, word)) {
		vd_query_error(p->errors, "/q", NULL, NULL, 0,
		               "'%s' is an occupation; a search names only one", word);
		return;
	}
	unknown_phrase(p, word, "competence", out, n, fallback, nf);
}

static void
unknown_municipality(parser_t *p, const char *word)
{
	const char *out[MAX_SUGGESTIONS];
	size_t n = vd_query_suggest_places(p->places, word, out, MAX_SUGGESTIONS);

	unknown_phrase(p, word, "municipality", out, n, NULL, 0);
}

static void
problem(parser_t *p, const char *detail)
{
	vd_query_error(p->errors, "/q", NULL, NULL, 0, "%s", detail);
}

/* ---- competences -------------------------------------------------------- */

static bool
level_like(const char *w)
{
	if (strlen(w) != 2)
		return false;
	return (w[0] >= 'a' && w[0] <= 'c' && (w[1] == '1' || w[1] == '2')) ||
	       (w[0] >= '1' && w[0] <= '4' && w[1] == 'f');
}

/* A language may be followed by its level: "engels b1", "nederlands op
 * niveau 2f", "nederlands niveau 1f". Rewrites language:xx in group. */
static void
language_level(parser_t *p, json_t *group)
{
	const char *term = json_string_value(json_array_get(group, 0));
	char buf[128], level[3];
	size_t j = p->i;
	bool announced = false;

	if (json_array_size(group) != 1 || strncmp(term, "language:", 9) != 0 ||
	    strchr(term + 9, ':'))
		return;
	if (at(p, j, "op") && (at(p, j + 1, "niveau") || at(p, j + 1, "level") ||
	                       (j + 1 < p->n && level_like(p->w[j + 1]))))
		j++, announced = true;
	if (at(p, j, "niveau") || at(p, j, "level"))
		j++, announced = true;
	if (j < p->n && level_like(p->w[j])) {
		level[0] = is_letter(p->w[j][0]) ? (char)(p->w[j][0] - 'a' + 'A') : p->w[j][0];
		level[1] = p->w[j][1] == 'f' ? 'F' : p->w[j][1];
		level[2] = '\0';
		snprintf(buf, sizeof(buf), "%s:%s", term, level);
		json_array_set_new(group, 0, json_string(buf));
		p->i = j + 1;
	} else if (announced) {
		const char *levels[] = {"A1", "A2", "B1", "B2", "C1", "C2", "1F", "2F", "3F", "4F"};
		const char *word = j < p->n ? p->w[j] : "niveau";

		vd_query_error(p->errors, "/q", word, levels, sizeof(levels) / sizeof(*levels),
		               "'%s' is not a language level", word);
		p->i = j < p->n ? j + 1 : j;
	}
}

/* "ervaring" (in the occupation searched for) or "ervaring als <occupation>". */
static json_t *
experience(parser_t *p, size_t limit, size_t *len)
{
	const vd_occupation_t *occ = p->occ;
	char buf[512];

	if (!at(p, p->i, "ervaring") && !at(p, p->i, "werkervaring"))
		return NULL;
	*len = 1;
	if (at(p, p->i + 1, "als")) {
		size_t k = limit > 2 ? limit - 2 : 0;

		occ = NULL;
		for (k = k < MAX_OCCUPATION ? k : MAX_OCCUPATION; k > 0 && !occ; k--) {
			phrase(p, p->i + 2, k, buf, sizeof(buf));
			occ = vd_taxonomy_occupation_by_words(p->tax, buf);
			*len = 2 + k;
		}
	}
	if (!occ)
		return NULL;
	snprintf(buf, sizeof(buf), "experience:%s", occ->code);
	return json_pack("[s]", buf);
}

/* The longest competence phrase at p->i, optionally after head ("rijbewijs"
 * before "ce" in "rijbewijs c of ce"). Returns a new group and sets *len, or NULL. */
static json_t *
match_competence(parser_t *p, const char *head, size_t *len)
{
	size_t limit = phrase_limit(p, p->i);
	char words[512], buf[600];
	json_t *group;

	if ((group = experience(p, limit, len)))
		return group;
	for (size_t k = limit; k > 0; k--) {
		const vd_strv_t *terms;

		phrase(p, p->i, k, words, sizeof(words));
		if (head)
			snprintf(buf, sizeof(buf), "%s %s", head, words);
		terms = vd_taxonomy_competence_by_words(p->tax, head ? buf : words);
		if (!terms)
			continue;
		group = json_array();
		for (size_t t = 0; t < terms->n; t++)
			json_array_append_new(group, json_string(terms->v[t]));
		*len = k;
		return group;
	}
	return NULL;
}

/* Adds group's terms to the last group (for "of"), or group as a new one. Steals group. */
static void
add_group(parser_t *p, json_t *group, bool merge)
{
	json_t *last = json_array_get(p->require, json_array_size(p->require) - 1);
	size_t i;
	json_t *t;

	if (!merge || !last) {
		json_array_append_new(p->require, group);
		return;
	}
	json_array_foreach(group, i, t) json_array_append(last, t);
	json_decref(group);
}

/* One competence at p->i; after a connector, merge says "of". Returns false
 * when nothing there is a competence (p->i unchanged). */
static bool
competence(parser_t *p, const char *head, bool merge, char *matched, size_t size)
{
	size_t len = 0;
	json_t *group = match_competence(p, NULL, &len);

	if (!group && head)
		group = match_competence(p, head, &len);
	if (!group)
		return false;
	phrase(p, p->i, len, matched, size);
	p->i += len;
	language_level(p, group);
	add_group(p, group, merge);
	return true;
}

/* The first word of a phrase of two or more ("rijbewijs c" -> "rijbewijs"). */
static void
head_word(const char *matched, char *head, size_t size)
{
	const char *space = strchr(matched, ' ');

	head[0] = '\0';
	if (space && (size_t)(space - matched) < size) {
		memcpy(head, matched, (size_t)(space - matched));
		head[space - matched] = '\0';
	}
}

static const vd_municipality_t *longest_place(parser_t *p, size_t *len);

/* In a Dutch list the last connector tells what the commas mean: "C, CE of
 * D" is one of three, "VCA, BHV en heftruck" all three. */
static bool
comma_means_or(const parser_t *p, size_t i)
{
	for (size_t j = i + 1; j < p->n; j++) {
		if (strcmp(p->w[j], "of") == 0)
			return true;
		if (strcmp(p->w[j], ",") != 0 && is_clause_word(p->w[j]))
			return false;
	}
	return false;
}

/* After a competence: the next words start a clause, or are a competence or
 * a place without their "met" / "in" (which the clause loop takes). */
static bool
trailing_words_understood(parser_t *p)
{
	json_t *group;
	size_t len;

	if (p->i >= p->n || is_clause_word(p->w[p->i]) || IN_LIST(p->w[p->i], filler_words))
		return true;
	group = match_competence(p, NULL, &len);
	json_decref(group);
	return group || longest_place(p, &len);
}

/* "met X", "met X en Y", "met X, Y of Z": p->i is at X. "en" and a comma
 * start a new any-of group, "of" adds to the last one. */
static void
competence_list(parser_t *p)
{
	char matched[512], head[64] = "", buf[512];
	bool merge = false;
	size_t start;

	for (;;) {
		if (p->i >= p->n ||
		    (is_clause_word(p->w[p->i]) && !at(p, p->i, "en") && !at(p, p->i, "of"))) {
			problem(p,
			        "'met' must be followed by a competence, as in 'met rijbewijs C'");
			return;
		}
		start = p->i;
		if (competence(p, head[0] ? head : NULL, merge, matched, sizeof(matched))) {
			head_word(matched, head, sizeof(head));
			if (!trailing_words_understood(p)) {
				/* "rijbewijs x": "rijbewijs" alone is known, the phrase is not. */
				size_t k = p->i - start + unknown_extent(p, p->i, false);

				json_array_remove(p->require, json_array_size(p->require) - 1);
				unknown_competence(p, phrase(p, start, k, buf, sizeof(buf)));
				p->i = start + k;
			}
		} else if (at(p, p->i, "ervaring") || at(p, p->i, "werkervaring")) {
			problem(p, "'met ervaring' needs an occupation: 'chauffeurs met ervaring'");
			p->i += unknown_extent(p, p->i, false);
		} else {
			size_t k = unknown_extent(p, p->i, false);

			unknown_competence(p, phrase(p, p->i, k, buf, sizeof(buf)));
			p->i += k;
		}
		/* A connector goes on with the list unless a new clause follows it. */
		if (!at(p, p->i, "en") && !at(p, p->i, "of") && !at(p, p->i, ","))
			return;
		merge = at(p, p->i, "of") || (at(p, p->i, ",") && comma_means_or(p, p->i));
		p->i++;
		if (at(p, p->i, "en") || at(p, p->i, "of"))
			merge = at(p, p->i, "of"), p->i++;
		if (p->i >= p->n ||
		    (is_clause_word(p->w[p->i]) && !at(p, p->i, "en") && !at(p, p->i, "of")))
			return;
	}
}

/* ---- places ---------------------------------------------------------------- */

/* The longest municipality name at p->i and its length in words, or NULL. */
static const vd_municipality_t *
longest_place(parser_t *p, size_t *len)
{
	char buf[512], quoted[520];

	for (size_t k = phrase_limit(p, p->i); k > 0; k--) {
		const vd_municipality_t *m;

		phrase(p, p->i, k, buf, sizeof(buf));
		m = vd_places_lookup(p->places, buf);
		/* "s-hertogenbosch" typed without its apostrophe. */
		if (!m && strncmp(buf, "s-", 2) == 0) {
			snprintf(quoted, sizeof(quoted), "'%s", buf);
			m = vd_places_lookup(p->places, quoted);
		}
		if (m) {
			*len = k;
			return m;
		}
	}
	return NULL;
}

/* The municipality at p->i; advances p->i. NULL after an error. */
static const vd_municipality_t *
place(parser_t *p)
{
	char buf[512];
	size_t k = 0;
	const vd_municipality_t *m = longest_place(p, &k);

	if (m) {
		p->i += k;
		return m;
	}
	if (p->i >= p->n || is_clause_word(p->w[p->i])) {
		problem(p, "a municipality is missing, as in 'in Rotterdam'");
		return NULL;
	}
	k = unknown_extent(p, p->i, true);
	unknown_municipality(p, phrase(p, p->i, k, buf, sizeof(buf)));
	p->i += k;
	return NULL;
}

static void
set_place(parser_t *p, const vd_municipality_t **slot, const vd_municipality_t *m,
          const char *clause)
{
	if (*slot && *slot != m)
		vd_query_error(p->errors, "/q", NULL, NULL, 0,
		               "the query names two places with '%s': %s and %s", clause,
		               (*slot)->name, m->name);
	*slot = m;
}

/* "binnen 20 km van Utrecht", "binnen een straal van 20 kilometer rond Utrecht". */
static void
radius(parser_t *p)
{
	const vd_municipality_t *m;
	double km = 0;
	bool have_km;

	if (at(p, p->i, "een") && at(p, p->i + 1, "straal") && at(p, p->i + 2, "van"))
		p->i += 3;
	have_km = p->i < p->n && distance_number(p->w[p->i], &km);
	if (have_km)
		p->i++;
	else
		problem(p, "'binnen' needs a distance, as in 'binnen 20 km van Utrecht'");
	if (at(p, p->i, "km") || at(p, p->i, "kilometer") || at(p, p->i, "kilometers") ||
	    at(p, p->i, "kilometre"))
		p->i++;
	if (at(p, p->i, "van") || at(p, p->i, "vanaf") || at(p, p->i, "rond") ||
	    at(p, p->i, "rondom") || at(p, p->i, "om") || at(p, p->i, "uit"))
		p->i++;
	if (have_km && (!(km > 0) || km > VD_QUERY_MAX_KM)) {
		vd_query_error(p->errors, "/q", NULL, NULL, 0,
		               "a distance must be above 0 and at most %d km", VD_QUERY_MAX_KM);
		km = 1;
	}
	m = place(p);
	if (!m || !have_km)
		return;
	set_place(p, &p->near, m, "binnen");
	p->km = km;
}

static void
nearby(parser_t *p)
{
	const vd_municipality_t *m = place(p);

	if (!m)
		return;
	set_place(p, &p->near, m, "in de buurt van");
	p->km = NEARBY_KM;
}

/* ---- the query ------------------------------------------------------------ */

/* An optional count: "40", "veertig", "een"/"één" (1). */
static void
count(parser_t *p)
{
	long v;

	if (p->i >= p->n)
		return;
	v = digits_number(p->w[p->i]);
	if (v == -1)
		v = number_word(p->w[p->i]);
	if (v == -1)
		return;
	if (v == -2) {
		vd_query_error(p->errors, "/q", NULL, NULL, 0,
		               "'%s' is more people than any search", p->w[p->i]);
		v = 1;
	} else if (v == 0) {
		problem(p, "a search asks for at least 1 person");
		v = 1;
	}
	p->count = v;
	p->i++;
}

/* What the people are: an occupation ("chauffeurs"), people in general
 * ("mensen"), or straight away what they hold ("rijbewijs ce"). */
static void
subject(parser_t *p)
{
	char buf[512];
	json_t *group;
	size_t k;

	if (p->i >= p->n || is_clause_word(p->w[p->i]))
		return;
	for (k = MAX_OCCUPATION; k > 0; k--) {
		const vd_occupation_t *occ;

		if (p->i + k > p->n)
			continue;
		occ = vd_taxonomy_occupation_by_words(p->tax, phrase(p, p->i, k, buf, sizeof(buf)));
		if (occ) {
			p->occ = occ;
			p->i += k;
			return;
		}
	}
	if (IN_LIST(p->w[p->i], people_words)) {
		p->i++;
		return;
	}
	group = match_competence(p, NULL, &k);
	if (group) {
		/* Only a probe: the list parses it again, with its level and connectors. */
		json_decref(group);
		competence_list(p);
		return;
	}
	k = unknown_extent(p, p->i, false);
	unknown_occupation(p, phrase(p, p->i, k, buf, sizeof(buf)));
	p->i += k;
}

/* A word where a clause should start: a competence or a place without its
 * "met"/"in" ("chauffeurs rotterdam"), else one error for the phrase. */
static void
bare_words(parser_t *p)
{
	const vd_municipality_t *m;
	json_t *group;
	size_t len, k, n = 0;
	const char *out[2 * MAX_SUGGESTIONS];
	char buf[512];

	if ((group = match_competence(p, NULL, &len))) {
		json_decref(group);
		competence_list(p);
		return;
	}
	m = longest_place(p, &k);
	if (m) {
		set_place(p, &p->in, m, "in");
		p->i += k;
		return;
	}
	k = unknown_extent(p, p->i, false);
	phrase(p, p->i, k, buf, sizeof(buf));
	p->i += k;
	if (vd_taxonomy_occupation_by_words(p->tax, buf)) {
		unknown_competence(p, buf); /* says: one occupation per search */
		return;
	}
	n = vd_taxonomy_suggest(p->tax, VD_SUGGEST_COMPETENCE, buf, out, MAX_SUGGESTIONS);
	n += vd_places_suggest(p->places, buf, out + n, MAX_SUGGESTIONS);
	vd_query_error(p->errors, "/q", buf, out, n,
	               "'%s' is not understood: not a known competence or municipality", buf);
}

static void
clause(parser_t *p)
{
	const char *w = p->w[p->i];

	if (IN_LIST(w, filler_words) || strcmp(w, "woonachtig") == 0 || strcmp(w, "wonend") == 0) {
		p->i++;
	} else if (strcmp(w, "met") == 0) {
		p->i++;
		competence_list(p);
	} else if (strcmp(w, "en") == 0 || strcmp(w, ",") == 0 || strcmp(w, "of") == 0) {
		p->i++;
		if (p->i < p->n && !is_clause_word(p->w[p->i]))
			bare_words(p);
	} else if (strcmp(w, "binnen") == 0) {
		p->i++;
		radius(p);
	} else if (strcmp(w, "in") == 0 && at(p, p->i + 1, "de") &&
	           (at(p, p->i + 2, "buurt") || at(p, p->i + 2, "omgeving") ||
	            at(p, p->i + 2, "regio"))) {
		p->i += 3;
		if (at(p, p->i, "van") || at(p, p->i, "rond"))
			p->i++;
		nearby(p);
	} else if (strcmp(w, "in") == 0 || strcmp(w, "uit") == 0) {
		const vd_municipality_t *m;

		p->i++;
		m = place(p);
		if (m)
			set_place(p, &p->in, m, "in");
	} else if (strcmp(w, "nabij") == 0 || strcmp(w, "rond") == 0 || strcmp(w, "rondom") == 0) {
		p->i++;
		nearby(p);
	} else {
		bare_words(p);
	}
}

/* The parser's findings as the POST /v1/search shape plus "text". New reference. */
static json_t *
structured(const parser_t *p, const char *text)
{
	json_t *out = json_pack("{s:s}", "text", text);

	if (!out)
		return NULL;
	if (p->count)
		json_object_set_new(out, "count", json_integer(p->count));
	if (p->occ)
		json_object_set_new(out, "occupation", json_string(p->occ->code));
	if (json_array_size(p->require) > 0)
		json_object_set(out, "require", p->require);
	/* By CBS code: it names one municipality whatever the aliases. */
	if (p->in)
		json_object_set_new(out, "in", json_string(p->in->code));
	if (p->near) {
		/* "binnen 20 km" stays the integer 20; "binnen 7,5 km" is 7.5. */
		json_t *km = p->km == (double)(json_int_t)p->km ? json_integer((json_int_t)p->km)
		                                                : json_real(p->km);

		json_object_set_new(
		    out, "near", json_pack("{s:s, s:o}", "municipality", p->near->code, "km", km));
	}
	return out;
}

/* Checks text before it is folded; false after an error. */
static bool
text_usable(const char *text, json_t *errors)
{
	json_t *probe;

	if (!text || strlen(text) > MAX_TEXT) {
		vd_query_error(
		    errors, "/q", NULL, NULL, 0,
		    "a query is at most %d characters, as in '40 chauffeurs in Rotterdam'",
		    MAX_TEXT);
		return false;
	}
	probe = json_string(text);
	if (!probe) {
		vd_query_error(errors, "/q", NULL, NULL, 0, "the query is not valid UTF-8");
		return false;
	}
	json_decref(probe);
	return true;
}

/* The typographic apostrophe of "’s-Hertogenbosch" becomes a plain one. */
static void
plain_apostrophes(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
		    ((unsigned char)s[2] == 0x98 || (unsigned char)s[2] == 0x99)) {
			*out++ = '\'';
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

json_t *
vd_query_parse_text(const vd_taxonomy_t *tax, const vd_places_t *places, const char *text,
                    json_t *errors)
{
	parser_t p = {.tax = tax, .places = places, .errors = errors};
	size_t before = json_array_size(errors);
	char *folded = NULL;
	json_t *out = NULL;
	static const char no_subject[] =
	    "say what the people must be or hold: '40 chauffeurs', '10 mensen met VCA'";

	if (!text_usable(text, errors))
		return NULL;
	folded = vd_fold(text);
	if (!folded)
		return NULL;
	plain_apostrophes(folded);
	/* Room for every byte, a NUL after each, and "of" for a "/". */
	p.buf = calloc(1, 4 * strlen(folded) + 8);
	p.require = json_array();
	if (!p.buf || !p.require)
		goto out_free;
	if (!split_words(&p, folded)) {
		problem(&p, "the query has too many words; say it in fewer");
		goto out_free;
	}
	while (p.i < p.n && IN_LIST(p.w[p.i], filler_words))
		p.i++;
	if (p.i >= p.n) {
		problem(&p, "the query is empty; ask for example '40 chauffeurs in Rotterdam'");
		goto out_free;
	}
	count(&p);
	subject(&p);
	while (p.i < p.n)
		clause(&p);
	if (json_array_size(errors) == before && !p.occ && json_array_size(p.require) == 0)
		problem(&p, no_subject);
	if (json_array_size(errors) == before)
		out = structured(&p, text);
out_free:
	json_decref(p.require);
	free(p.buf);
	free(folded);
	return out;
}

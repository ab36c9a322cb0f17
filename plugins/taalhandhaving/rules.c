/* The taaleis rules: from a profile to facts, from facts and today to a
 * status, an action and a due date. Reasons are short Dutch sentences for
 * the caseworker who decides; nothing here applies a sanction. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

const char *const taal_status_names[TAAL_N_STATUS] = {"onbekend", "voldoet_niet", "vrijgesteld",
                                                      "voldoet"};

static const struct {
	const char *code, *label;
} actions[] = {
    [TAAL_ACT_GEEN] = {"geen", "geen actie nodig"},
    [TAAL_ACT_TOETS] = {"toets_afnemen", "taalniveau vaststellen (taaltoets afnemen)"},
    [TAAL_ACT_AANBOD] = {"taalaanbod_doen", "taalaanbod doen"},
    [TAAL_ACT_VOORTGANG] = {"voortgang_beoordelen", "inspanning en voortgang beoordelen"},
    [TAAL_ACT_VERLAGING] = {"verlaging_overwegen",
                            "voorgestelde verlaging beoordelen: de klantmanager beslist"},
    [TAAL_ACT_VRIJSTELLING] = {"vrijstelling_herzien", "vrijstelling loopt af: herzien"},
};

/* The members of extensions.taalhandhaving that hold dates, in the order
 * of taal_facts_t's date fields. */
static const char *const date_keys[] = {"benefit_since", "assessed_on", "exempt_until",
                                        "training_offered_on", "notice_on"};
#define N_DATE_KEYS (sizeof(date_keys) / sizeof(date_keys[0]))

int
taal_status_parse(const char *text)
{
	for (int i = 0; text && i < TAAL_N_STATUS; i++)
		if (strcmp(text, taal_status_names[i]) == 0)
			return i;
	return -1;
}

const char *
taal_action_code(taal_action_t a)
{
	return actions[a].code;
}

const char *
taal_action_label(taal_action_t a)
{
	return actions[a].label;
}

static taal_day_t *
date_field(taal_facts_t *f, size_t i)
{
	taal_day_t *fields[N_DATE_KEYS] = {&f->benefit_since, &f->assessed_on, &f->exempt_until,
	                                   &f->training_offered_on, &f->notice_on};
	return fields[i];
}

static void __attribute__((format(printf, 2, 3))) add_reason(json_t *reasons, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (!reasons)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_array_append_new(reasons, json_string(text));
}

/* The first "nl" entry of languages (borrowed), or NULL. */
static const json_t *
dutch_entry(const json_t *profile)
{
	const json_t *langs = json_object_get(profile, "languages"), *l;
	size_t i;

	json_array_foreach(langs, i, l)
	{
		const char *code = json_string_value(json_object_get(l, "code"));
		if (code && strcasecmp(code, "nl") == 0)
			return l;
	}
	return NULL;
}

static enum taal_dutch
judge_dutch(const json_t *profile, const taal_params_t *p, json_t *reasons)
{
	const json_t *nl = dutch_entry(profile), *by_skill;
	const char *level;
	enum taal_dutch verdict = TAAL_NL_MEETS;

	if (!nl) {
		add_reason(reasons, "geen Nederlands taalniveau vastgelegd (languages: geen nl)");
		return TAAL_NL_NONE;
	}
	by_skill = json_object_get(nl, "by_skill");
	for (size_t s = 0; s < TAAL_N_SKILLS; s++) {
		const char *given =
		    json_string_value(json_object_get(by_skill, taal_skill_names[s]));
		int rank;

		/* A skill by_skill leaves out takes the entry's overall level. */
		level = given ? given : json_string_value(json_object_get(nl, "level"));
		rank = taal_level_rank(p, level);
		if (!rank) {
			add_reason(reasons, "%s: geen bruikbaar niveau vastgelegd",
			           taal_skill_names[s]);
			if (verdict == TAAL_NL_MEETS)
				verdict = TAAL_NL_NONE;
		} else if (rank < p->required[s]) {
			add_reason(reasons, "%s: niveau %s, vereist %s", taal_skill_names[s], level,
			           p->required_text[s]);
			verdict = TAAL_NL_BELOW;
		}
	}
	if (verdict == TAAL_NL_MEETS)
		add_reason(reasons,
		           "Nederlands op of boven het vereiste niveau voor lezen, schrijven, "
		           "luisteren, spreken en gesprekken");
	return verdict;
}

void
taal_facts_from_profile(const json_t *profile, const taal_params_t *p, taal_facts_t *f,
                        json_t *reasons)
{
	const json_t *ext =
	    json_object_get(json_object_get(profile, "extensions"), "taalhandhaving");
	const json_t *exempt = json_object_get(ext, "exempt");

	memset(f, 0, sizeof(*f));
	f->dutch = (uint8_t)judge_dutch(profile, p, reasons);
	for (size_t i = 0; i < N_DATE_KEYS; i++) {
		const json_t *v = json_object_get(ext, date_keys[i]);
		if (v && !taal_day_parse(json_string_value(v), date_field(f, i)))
			add_reason(reasons, "%s is geen datum (JJJJ-MM-DD) en telt niet mee",
			           date_keys[i]);
	}
	if (exempt) {
		int g = taal_ground_index(p, json_string_value(exempt));
		f->exempt = g < 0 ? TAAL_EXEMPT_UNKNOWN : (uint8_t)(g + 1);
	}
}

static bool
exemption_holds(const taal_facts_t *f, const taal_params_t *p, taal_day_t today)
{
	return f->exempt != TAAL_EXEMPT_NONE && f->exempt <= p->n_grounds &&
	       (f->exempt_until == TAAL_NO_DAY || f->exempt_until >= today);
}

/* The reduction step in force on today after the notice, with the start of
 * the next; a notice dated after today has none yet. */
static void
reduction_step(const taal_facts_t *f, const taal_params_t *p, taal_day_t today, taal_result_t *r)
{
	taal_day_t review;

	r->step = -1;
	for (size_t i = 0; i < p->n_steps; i++) {
		taal_day_t from = taal_day_add_months(f->notice_on, (int)p->steps[i].from_months);
		if (from > today) {
			r->next_from = from;
			break;
		}
		r->step = (int)i;
		r->step_from = from;
	}
	if (r->step < 0) {
		r->due = f->notice_on; /* the first step starts then */
		return;
	}
	if (r->next_from != TAAL_NO_DAY) {
		r->due = r->next_from;
		return;
	}
	/* In the last step the proposal is reviewed every review_months. */
	review = r->step_from;
	for (int k = 1; review <= today; k++)
		review = taal_day_add_months(r->step_from, k * (int)p->review_months);
	r->due = review;
}

void
taal_derive(const taal_facts_t *f, const taal_params_t *p, taal_day_t today, taal_result_t *r)
{
	taal_day_t assess_by = f->benefit_since == TAAL_NO_DAY
	                           ? TAAL_NO_DAY
	                           : f->benefit_since + 7 * (taal_day_t)p->assessment_weeks;
	taal_day_t base;

	memset(r, 0, sizeof(*r));
	r->step = -1;
	if (exemption_holds(f, p, today)) {
		r->status = TAAL_VRIJGESTELD;
		r->action = f->exempt_until ? TAAL_ACT_VRIJSTELLING : TAAL_ACT_GEEN;
		r->due = f->exempt_until;
	} else if (f->dutch == TAAL_NL_NONE) {
		r->status = TAAL_ONBEKEND;
		r->action = TAAL_ACT_TOETS;
		r->due = assess_by;
	} else if (f->dutch == TAAL_NL_MEETS) {
		r->status = TAAL_VOLDOET;
		r->action = TAAL_ACT_GEEN;
	} else if (f->notice_on != TAAL_NO_DAY) {
		r->status = TAAL_VOLDOET_NIET;
		r->action = TAAL_ACT_VERLAGING;
		reduction_step(f, p, today, r);
	} else if (f->training_offered_on != TAAL_NO_DAY) {
		r->status = TAAL_VOLDOET_NIET;
		r->action = TAAL_ACT_VOORTGANG;
		r->due = taal_day_add_months(f->training_offered_on, (int)p->review_months);
	} else {
		r->status = TAAL_VOLDOET_NIET;
		r->action = TAAL_ACT_AANBOD;
		base = f->assessed_on != TAAL_NO_DAY ? f->assessed_on : assess_by;
		r->due = base == TAAL_NO_DAY ? TAAL_NO_DAY : base + 7 * (taal_day_t)p->offer_weeks;
	}
}

void
taal_explain(const taal_facts_t *f, const taal_params_t *p, const taal_result_t *r, json_t *reasons)
{
	char d1[11], d2[11];

	if (f->exempt == TAAL_EXEMPT_UNKNOWN)
		add_reason(reasons, "vrijstellingsgrond staat niet (meer) in de parameters: geen "
		                    "vrijstelling");
	else if (f->exempt != TAAL_EXEMPT_NONE && r->status != TAAL_VRIJGESTELD) {
		taal_day_format(f->exempt_until, d1);
		add_reason(reasons, "vrijstelling '%s' liep af op %s", p->grounds[f->exempt - 1],
		           d1);
	} else if (r->status == TAAL_VRIJGESTELD && f->exempt_until) {
		taal_day_format(f->exempt_until, d1);
		add_reason(reasons, "vrijgesteld: %s (tot en met %s)",
		           p->ground_labels[f->exempt - 1], d1);
	} else if (r->status == TAAL_VRIJGESTELD) {
		add_reason(reasons, "vrijgesteld: %s", p->ground_labels[f->exempt - 1]);
	}
	if (r->status == TAAL_ONBEKEND && f->benefit_since == TAAL_NO_DAY)
		add_reason(reasons, "geen benefit_since vastgelegd: de termijn voor de toets is "
		                    "onbekend");
	if (r->action == TAAL_ACT_VERLAGING && r->step < 0) {
		taal_day_format(f->notice_on, d1);
		add_reason(reasons, "schriftelijke mededeling gedateerd %s: nog geen verlaging",
		           d1);
	} else if (r->action == TAAL_ACT_VERLAGING) {
		taal_day_format(f->notice_on, d1);
		taal_day_format(r->step_from, d2);
		add_reason(
		    reasons,
		    "schriftelijke mededeling op %s: voorgestelde verlaging %u%% van de norm "
		    "vanaf %s; de klantmanager beslist",
		    d1, p->steps[r->step].percent, d2);
	}
}

json_t *
taal_result_json(const taal_result_t *r)
{
	char due[11];

	if (r->due != TAAL_NO_DAY)
		taal_day_format(r->due, due);
	return json_pack("{s:s, s:s, s:s, s:s?}", "status", taal_status_names[r->status],
	                 "next_action", actions[r->action].code, "next_action_label",
	                 actions[r->action].label, "due", r->due != TAAL_NO_DAY ? due : NULL);
}

/* Appends {"pointer": "/extensions/taalhandhaving[/key]", "detail"}; key
 * is escaped as RFC 6901 asks (~ as ~0, / as ~1). */
static void
add_error(json_t *errors, const char *key, const char *detail)
{
	static const char prefix[] = "/extensions/taalhandhaving";
	size_t len = key ? strlen(key) : 0, n = sizeof(prefix) - 1;
	char *pointer = malloc(sizeof(prefix) + 1 + 2 * len);

	if (!pointer)
		return;
	memcpy(pointer, prefix, n);
	if (key)
		pointer[n++] = '/';
	for (size_t i = 0; i < len; i++) {
		if (key[i] == '~' || key[i] == '/') {
			pointer[n++] = '~';
			pointer[n++] = key[i] == '~' ? '0' : '1';
		} else {
			pointer[n++] = key[i];
		}
	}
	pointer[n] = '\0';
	json_array_append_new(errors,
	                      json_pack("{s:s, s:s}", "pointer", pointer, "detail", detail));
	free(pointer);
}

void
taal_check_extension(const json_t *profile, const taal_params_t *p, json_t *errors)
{
	const json_t *ext =
	    json_object_get(json_object_get(profile, "extensions"), "taalhandhaving");
	const json_t *v;
	const char *key;
	char detail[256];
	taal_day_t day;
	bool known;

	if (!ext)
		return;
	if (!json_is_object(ext)) {
		add_error(errors, NULL, "must be an object");
		return;
	}
	json_object_foreach((json_t *)ext, key, v)
	{
		known = strcmp(key, "exempt") == 0;
		for (size_t i = 0; i < N_DATE_KEYS && !known; i++)
			known = strcmp(key, date_keys[i]) == 0;
		if (!known)
			add_error(errors, key,
			          "unknown member; allowed: exempt, exempt_until, benefit_since, "
			          "assessed_on, training_offered_on, notice_on");
		else if (strcmp(key, "exempt") != 0 && !taal_day_parse(json_string_value(v), &day))
			add_error(errors, key, "must be a date YYYY-MM-DD");
	}
	v = json_object_get(ext, "exempt");
	if (v && taal_ground_index(p, json_string_value(v)) < 0) {
		int n = snprintf(detail, sizeof(detail), "unknown exemption ground; one of:");
		for (size_t i = 0; i < p->n_grounds && n > 0 && (size_t)n < sizeof(detail); i++)
			n += snprintf(detail + n, sizeof(detail) - (size_t)n, "%s %s", i ? "," : "",
			              p->grounds[i]);
		add_error(errors, "exempt", detail);
	}
	if (json_object_get(ext, "exempt_until") && !v)
		add_error(errors, "exempt_until", "only with exempt: the ground that ends then");
}

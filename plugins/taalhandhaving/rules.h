/* taalhandhaving: the pure part. A profile becomes a few facts (how its
 * Dutch compares with the required level, the exemption, the dates kept
 * under extensions.taalhandhaving); the facts, the parameters and today
 * give the status, the next action and its due date. No host calls here,
 * so the rules are tested on their own. */
#ifndef TAAL_RULES_H
#define TAAL_RULES_H

#include <stdint.h>

#include <jansson.h>

#include "days.h"
#include "params.h"

typedef enum taal_status {
	TAAL_ONBEKEND,     /* no Dutch level recorded */
	TAAL_VOLDOET_NIET, /* below the required level on some skill */
	TAAL_VRIJGESTELD,  /* an exemption holds today */
	TAAL_VOLDOET,      /* at least the required level on every skill */
	TAAL_N_STATUS
} taal_status_t;

typedef enum taal_action {
	TAAL_ACT_GEEN,
	TAAL_ACT_TOETS,       /* assess the level */
	TAAL_ACT_AANBOD,      /* offer language training */
	TAAL_ACT_VOORTGANG,   /* review effort and progress */
	TAAL_ACT_VERLAGING,   /* propose the reduction step; the caseworker decides */
	TAAL_ACT_VRIJSTELLING /* the exemption ends: review it */
} taal_action_t;

/* What the Dutch level says, before exemptions. */
enum taal_dutch { TAAL_NL_NONE, TAAL_NL_BELOW, TAAL_NL_MEETS };

/* extensions.taalhandhaving.exempt: none, a ground's index + 1, or a code
 * the parameters do not (or no longer) list. */
#define TAAL_EXEMPT_NONE    0
#define TAAL_EXEMPT_UNKNOWN 255

/* Everything the rules need of one profile: 24 bytes. */
typedef struct taal_facts {
	taal_day_t benefit_since, assessed_on, exempt_until, training_offered_on, notice_on;
	uint8_t dutch;
	uint8_t exempt;
} taal_facts_t;

typedef struct taal_result {
	taal_status_t status;
	taal_action_t action;
	taal_day_t due;                  /* TAAL_NO_DAY: none */
	int step;                        /* the reduction step proposed today, -1 for none */
	taal_day_t step_from, next_from; /* next_from TAAL_NO_DAY after the last step */
} taal_result_t;

extern const char *const taal_status_names[TAAL_N_STATUS];

/* The status named text, or -1. */
int taal_status_parse(const char *text);

const char *taal_action_code(taal_action_t a);
const char *taal_action_label(taal_action_t a);

/* Reads a stored profile (object, borrowed) into facts. When reasons is
 * not NULL (a borrowed array), appends why the Dutch level counts as it
 * does, one Dutch sentence per finding. */
void taal_facts_from_profile(const json_t *profile, const taal_params_t *p, taal_facts_t *f,
                             json_t *reasons);

/* The status, next action and due date on day today. */
void taal_derive(const taal_facts_t *f, const taal_params_t *p, taal_day_t today, taal_result_t *r);

/* Appends the reasons for the exemption, the status and the action of r
 * to reasons (borrowed array). */
void taal_explain(const taal_facts_t *f, const taal_params_t *p, const taal_result_t *r,
                  json_t *reasons);

/* {"status", "next_action", "next_action_label", "due"} of r; new. */
json_t *taal_result_json(const taal_result_t *r);

/* Checks a profile's extensions.taalhandhaving (profile borrowed) and
 * appends {"pointer", "detail"} for each fault to errors (borrowed). */
void taal_check_extension(const json_t *profile, const taal_params_t *p, json_t *errors);

#endif

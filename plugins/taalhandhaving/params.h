/* taalhandhaving: the rule parameters of data/taaleis.json (required
 * level per skill, exemption grounds, deadlines, reduction steps), loaded
 * once at init. The rules are data, not code: the law changes. */
#ifndef TAAL_PARAMS_H
#define TAAL_PARAMS_H

#include <stddef.h>

/* The five 1F skills, named as server/profile.c names by_skill's keys. */
enum taal_skill {
	TAAL_LEZEN,
	TAAL_SCHRIJVEN,
	TAAL_LUISTEREN,
	TAAL_SPREKEN,
	TAAL_GESPREKKEN,
	TAAL_N_SKILLS
};

extern const char *const taal_skill_names[TAAL_N_SKILLS];

#define TAAL_MAX_GROUNDS 64
#define TAAL_MAX_STEPS   8

typedef struct taal_step {
	unsigned from_months; /* months after the notice the step starts */
	unsigned percent;     /* of the norm */
} taal_step_t;

typedef struct taal_params {
	int required[TAAL_N_SKILLS];          /* CEFR rank (A1 = 1 .. C2 = 6) */
	char required_text[TAAL_N_SKILLS][4]; /* as the file says it: "1F" */
	int ref_rank[4];                      /* CEFR rank of 1F, 2F, 3F, 4F */
	char *grounds[TAAL_MAX_GROUNDS];      /* exemption codes */
	char *ground_labels[TAAL_MAX_GROUNDS];
	size_t n_grounds;
	unsigned assessment_weeks, offer_weeks, review_months;
	taal_step_t steps[TAAL_MAX_STEPS]; /* from_months ascending, the first at 0 */
	size_t n_steps;
	char *path;    /* the file it came from */
	char *law;     /* its "law" text */
	char *version; /* its "version" text */
} taal_params_t;

/* Loads the parameters file at path. Returns NULL with why filled in (one
 * line naming the member at fault) when the file is unreadable or wrong. */
taal_params_t *taal_params_load(const char *path, char *why, size_t why_len);

void taal_params_free(taal_params_t *p);

/* The CEFR rank of a level (A1..C2, or 1F..4F through the file's
 * equivalence), case-insensitive; 0 when it is none of them. */
int taal_level_rank(const taal_params_t *p, const char *level);

/* The index of an exemption ground, or -1. */
int taal_ground_index(const taal_params_t *p, const char *code);

#endif

/* Loading data/taaleis.json. Every refusal names the member, so a wrong
 * edit of the file is found from the plugin's error in GET /v1/plugins. */
#include "config.h"

/* strdup: POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "params.h"

const char *const taal_skill_names[TAAL_N_SKILLS] = {"lezen", "schrijven", "luisteren", "spreken",
                                                     "gesprekken"};

static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
static const char *const refs[] = {"1F", "2F", "3F", "4F"};

static int
cefr_rank(const char *level)
{
	for (size_t i = 0; level && i < 6; i++)
		if (strcasecmp(level, cefr[i]) == 0)
			return (int)i + 1;
	return 0;
}

int
taal_level_rank(const taal_params_t *p, const char *level)
{
	int r = cefr_rank(level);

	for (size_t i = 0; !r && level && i < 4; i++)
		if (strcasecmp(level, refs[i]) == 0)
			r = p->ref_rank[i];
	return r;
}

int
taal_ground_index(const taal_params_t *p, const char *code)
{
	for (size_t i = 0; code && i < p->n_grounds; i++)
		if (strcmp(p->grounds[i], code) == 0)
			return (int)i;
	return -1;
}

void
taal_params_free(taal_params_t *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_grounds; i++) {
		free(p->grounds[i]);
		free(p->ground_labels[i]);
	}
	free(p->path);
	free(p->law);
	free(p->version);
	free(p);
}

/* A whole number member of obj in [lo, hi]; false when missing or out. */
static bool
get_uint(const json_t *obj, const char *key, unsigned lo, unsigned hi, unsigned *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)lo ||
	    json_integer_value(v) > (json_int_t)hi)
		return false;
	*out = (unsigned)json_integer_value(v);
	return true;
}

static bool
load_levels(taal_params_t *p, const json_t *root, char *why, size_t why_len)
{
	const json_t *eq = json_object_get(root, "level_equivalence");
	const json_t *req = json_object_get(root, "required_level");

	for (size_t i = 0; i < 4; i++) {
		p->ref_rank[i] = cefr_rank(json_string_value(json_object_get(eq, refs[i])));
		if (!p->ref_rank[i]) {
			snprintf(why, why_len, "level_equivalence.%s must be a CEFR level A1..C2",
			         refs[i]);
			return false;
		}
	}
	for (size_t i = 0; i < TAAL_N_SKILLS; i++) {
		const char *level = json_string_value(json_object_get(req, taal_skill_names[i]));
		p->required[i] = taal_level_rank(p, level);
		if (!p->required[i]) {
			snprintf(why, why_len,
			         "required_level.%s must be a level (1F..4F or A1..C2)",
			         taal_skill_names[i]);
			return false;
		}
		snprintf(p->required_text[i], sizeof(p->required_text[i]), "%s", level);
	}
	return true;
}

static bool
load_grounds(taal_params_t *p, const json_t *root, char *why, size_t why_len)
{
	const json_t *list = json_object_get(root, "exemptions"), *e;
	size_t i;

	if (!json_is_array(list) || json_array_size(list) > TAAL_MAX_GROUNDS) {
		snprintf(why, why_len, "exemptions must be an array of at most %d grounds",
		         TAAL_MAX_GROUNDS);
		return false;
	}
	json_array_foreach(list, i, e)
	{
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *label = json_string_value(json_object_get(e, "label"));
		if (!code || !*code || !label || taal_ground_index(p, code) >= 0) {
			snprintf(why, why_len,
			         "exemptions[%zu] needs a unique \"code\" and a \"label\"", i);
			return false;
		}
		p->grounds[p->n_grounds] = strdup(code);
		p->ground_labels[p->n_grounds] = strdup(label);
		if (!p->grounds[p->n_grounds] || !p->ground_labels[p->n_grounds++]) {
			snprintf(why, why_len, "out of memory");
			return false;
		}
	}
	return true;
}

static bool
load_steps(taal_params_t *p, const json_t *root, char *why, size_t why_len)
{
	const json_t *steps = json_object_get(json_object_get(root, "reduction"), "steps"), *s;
	size_t i;

	if (!json_is_array(steps) || json_array_size(steps) < 1 ||
	    json_array_size(steps) > TAAL_MAX_STEPS) {
		snprintf(why, why_len, "reduction.steps must hold 1 to %d steps", TAAL_MAX_STEPS);
		return false;
	}
	json_array_foreach(steps, i, s)
	{
		taal_step_t *st = &p->steps[i];
		if (!get_uint(s, "from_months", 0, 1200, &st->from_months) ||
		    !get_uint(s, "percent", 0, 100, &st->percent) ||
		    (i == 0 && st->from_months != 0) ||
		    (i > 0 && st->from_months <= p->steps[i - 1].from_months)) {
			snprintf(
			    why, why_len,
			    "reduction.steps[%zu] needs from_months (0 first, then rising) and "
			    "percent 0..100",
			    i);
			return false;
		}
	}
	p->n_steps = json_array_size(steps);
	return true;
}

taal_params_t *
taal_params_load(const char *path, char *why, size_t why_len)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	const json_t *deadlines = json_object_get(root, "deadlines");
	taal_params_t *p = calloc(1, sizeof(*p));
	bool ok = false;

	if (!p) {
		snprintf(why, why_len, "out of memory");
		goto out;
	}
	if (!root) {
		snprintf(why, why_len, "%s: %s (line %d)", path, err.text, err.line);
		goto out;
	}
	if (!load_levels(p, root, why, why_len) || !load_grounds(p, root, why, why_len) ||
	    !load_steps(p, root, why, why_len))
		goto out;
	if (!get_uint(deadlines, "assessment_weeks", 0, 520, &p->assessment_weeks) ||
	    !get_uint(deadlines, "offer_weeks", 0, 520, &p->offer_weeks) ||
	    !get_uint(deadlines, "review_months", 1, 120, &p->review_months)) {
		snprintf(why, why_len,
		         "deadlines needs assessment_weeks, offer_weeks (0..520) and review_months "
		         "(1..120)");
		goto out;
	}
	p->path = strdup(path);
	p->law = strdup(json_string_value(json_object_get(root, "law"))
	                    ? json_string_value(json_object_get(root, "law"))
	                    : "Participatiewet art. 18b");
	p->version = strdup(json_string_value(json_object_get(root, "version"))
	                        ? json_string_value(json_object_get(root, "version"))
	                        : "");
	ok = p->path && p->law && p->version;
	if (!ok)
		snprintf(why, why_len, "out of memory");
out:
	json_decref(root);
	if (!ok) {
		taal_params_free(p);
		return NULL;
	}
	return p;
}

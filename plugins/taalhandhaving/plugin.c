/* taalhandhaving: the Dutch-language requirement of the Participatiewet
 * (art. 18b). It derives each jobseeker's status from the profile and
 * data/taaleis.json, keeps every status in memory for the caseworkers'
 * worklist, annotates search results and checks what a caseworker writes
 * under extensions.taalhandhaving. It proposes; the caseworker decides:
 * nothing here changes a profile or applies a sanction.
 *
 * Config: {"parameters": "/path/to/taaleis.json"}; by default the file in
 * the server's reference data folder. Needs host ABI 1.1. */
#include "config.h"

/* strdup, clock_gettime: POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "rules.h"
#include "taal.h"

/* Profiles read per host->profiles call, and how long one timer tick may
 * keep the event loop (the server answers nothing meanwhile). */
#define SCAN_PAGE      500
#define SCAN_BUDGET_MS 10

taal_day_t
taal_today(const taal_t *t)
{
	char text[11];
	taal_day_t day = TAAL_NO_DAY;

	t->host->today(t->host, text);
	taal_day_parse(text, &day);
	return day;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
publish_details(const taal_t *t)
{
	json_t *d = json_pack("{s:b, s:I, s:s}", "scan_done", t->scanned, "jobseekers",
	                      (json_int_t)taal_table_size(t->table), "parameters", t->params->path);
	char *s = d ? json_dumps(d, JSON_COMPACT) : NULL;

	if (s)
		t->host->set_details(t->host, s);
	free(s);
	json_decref(d);
}

/* Reads one profile (borrowed) into the table, unless on_profile told
 * about it while the scan ran. */
static int
take_scanned(taal_t *t, const json_t *profile)
{
	const char *id = json_string_value(json_object_get(profile, "id"));
	taal_facts_t f;

	if (!id)
		return 0;
	if (t->touched && taal_table_get(t->touched, id))
		return 0;
	taal_facts_from_profile(profile, t->params, &f, NULL);
	return taal_table_put(t->table, id, &f);
}

/* One page of the scan; -1 when the host or memory fails (the cursor
 * stays, so the next tick tries the page again). */
static int
scan_page(taal_t *t)
{
	unsigned long next = 0;
	char *text = t->host->profiles(t->host, t->cursor, SCAN_PAGE, &next);
	json_t *page, *profile;
	size_t i;
	int rc = 0;

	if (!text) {
		t->host->log(t->host, VD_LOG_ERROR,
		             "could not read the stored profiles after cursor %lu; retrying",
		             t->cursor);
		return -1;
	}
	page = json_loads(text, 0, NULL);
	t->host->free(text);
	if (!json_is_array(page)) {
		t->host->log(t->host, VD_LOG_ERROR, "the host's profile page is not a JSON array");
		json_decref(page);
		return -1;
	}
	json_array_foreach(page, i, profile) if (take_scanned(t, profile) != 0) rc = -1;
	json_decref(page);
	if (rc != 0) {
		t->host->log(t->host, VD_LOG_ERROR, "out of memory while scanning the profiles");
		return -1;
	}
	t->seen += i;
	t->cursor = next;
	if (next == 0) {
		t->scanned = true;
		taal_table_free(t->touched);
		t->touched = NULL;
		t->host->log(t->host, VD_LOG_INFO, "taaleis status known for %zu jobseekers",
		             taal_table_size(t->table));
		publish_details(t);
	}
	return 0;
}

/* A background task: scans pages for a few milliseconds at a time, so that
 * requests are answered in between, until every profile was read. */
static int
scan_tick(void *state)
{
	taal_t *t = state;
	double start = now_ms();

	while (!t->scanned) {
		if (scan_page(t) != 0)
			return -1;
		if (now_ms() - start > SCAN_BUDGET_MS)
			break;
	}
	return t->scanned ? VD_PLUGIN_TIMER_DONE : 0;
}

static int
taal_on_profile(void *state, const char *id, const char *profile_json)
{
	taal_t *t = state;
	taal_facts_t f;
	json_t *profile;
	int rc = 0;

	if (t->touched && taal_table_put(t->touched, id, &(taal_facts_t){0}) != 0)
		return -1;
	if (!profile_json) {
		taal_table_remove(t->table, id);
		return 0;
	}
	profile = json_loads(profile_json, 0, NULL);
	if (!json_is_object(profile)) {
		t->host->log(t->host, VD_LOG_ERROR, "profile %s is not a JSON object", id);
		rc = -1;
	} else {
		taal_facts_from_profile(profile, t->params, &f, NULL);
		rc = taal_table_put(t->table, id, &f);
	}
	json_decref(profile);
	return rc;
}

/* {"status"}, and next_action and due when there is something to do. */
static int
taal_annotate(void *state, const char *id, const char *profile_json, char **annotation)
{
	taal_t *t = state;
	json_t *profile = profile_json ? json_loads(profile_json, 0, NULL) : NULL, *a;
	taal_facts_t f;
	taal_result_t r;

	(void)id;
	*annotation = NULL;
	if (!json_is_object(profile)) {
		json_decref(profile);
		return 0; /* nothing to judge: no annotation rather than a wrong one */
	}
	taal_facts_from_profile(profile, t->params, &f, NULL);
	json_decref(profile);
	taal_derive(&f, t->params, taal_today(t), &r);
	a = taal_result_json(&r);
	if (a && r.action == TAAL_ACT_GEEN) {
		json_object_del(a, "next_action");
		json_object_del(a, "next_action_label");
		json_object_del(a, "due");
	}
	*annotation = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return *annotation ? 0 : -1;
}

static int
taal_check_profile(void *state, const char *profile_json, char **errors)
{
	taal_t *t = state;
	json_t *profile = json_loads(profile_json, 0, NULL), *list = json_array();
	int rc = 0;

	*errors = NULL;
	if (!list) {
		rc = -1;
	} else if (json_is_object(profile)) {
		taal_check_extension(profile, t->params, list);
		if (json_array_size(list) > 0 && !(*errors = json_dumps(list, JSON_COMPACT)))
			rc = -1;
	}
	json_decref(list);
	json_decref(profile);
	return rc;
}

static void
taal_fini(void *state)
{
	taal_t *t = state;

	if (!t)
		return;
	taal_table_free(t->touched);
	taal_table_free(t->table);
	taal_params_free(t->params);
	free(t);
}

/* The parameters file named by config (borrowed), or the default; new. */
static char *
parameters_path(const vd_host_t *host, const json_t *conf)
{
	const json_t *v;
	const char *key;
	char *path = NULL;
	const char *dir;
	size_t len;

	json_object_foreach((json_t *)conf, key, v)
	{
		if (strcmp(key, "parameters") == 0 && json_is_string(v) && *json_string_value(v)) {
			free(path);
			path = strdup(json_string_value(v));
		} else if (strcmp(key, "parameters") == 0) {
			host->log(host, VD_LOG_ERROR, "\"parameters\" must be the path of a file");
			goto fail;
		} else {
			host->log(host, VD_LOG_ERROR, "unknown key '%s' in its config", key);
			goto fail;
		}
	}
	if (path)
		return path;
	dir = host->reference_dir(host);
	len = strlen(dir) + sizeof("/taaleis.json");
	path = malloc(len);
	if (path)
		snprintf(path, len, "%s/taaleis.json", dir);
	return path;
fail:
	free(path);
	return NULL;
}

static int
taal_init(const vd_host_t *host, const char *config, void **state)
{
	json_t *conf = json_loads(config, 0, NULL);
	taal_t *t = NULL;
	char *path = NULL, why[256];

	/* today, profiles and check_profile came with ABI 1.1. */
	if (host->abi_minor < 1 || host->size < offsetof(vd_host_t, search)) {
		host->log(host, VD_LOG_ERROR, "needs a host with plugin ABI 1.1, this one has 1.%u",
		          host->abi_minor);
		goto fail;
	}
	if (!json_is_object(conf)) {
		host->log(host, VD_LOG_ERROR, "its config must be a JSON object");
		goto fail;
	}
	path = parameters_path(host, conf);
	if (!path)
		goto fail;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto fail;
	t->host = host;
	t->params = taal_params_load(path, why, sizeof(why));
	if (!t->params) {
		host->log(host, VD_LOG_ERROR, "parameters %s refused: %s", path, why);
		goto fail;
	}
	t->table = taal_table_new();
	t->touched = taal_table_new();
	if (!t->table || !t->touched || taal_routes_register(host) != 0 ||
	    host->schedule(host, 0, scan_tick) != 0)
		goto fail;
	publish_details(t);
	/* A first slice now: a small population is known before the first
	 * request, a large one is read on by the timer. */
	scan_tick(t);
	host->log(host, VD_LOG_INFO, "parameters from %s (%s)", path, t->params->version);
	free(path);
	json_decref(conf);
	*state = t;
	return 0;
fail:
	taal_fini(t);
	free(path);
	json_decref(conf);
	return -1;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "taalhandhaving",
    .version = "1.0.0",
    .kinds = VD_PLUGIN_RULES,
    .init = taal_init,
    .fini = taal_fini,
    .on_profile = taal_on_profile,
    .annotate = taal_annotate,
    .check_profile = taal_check_profile,
};

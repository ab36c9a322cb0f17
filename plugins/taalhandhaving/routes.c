/* The caseworker routes: GET /v1/taaleis (the worklist, from the table)
 * and GET /v1/taaleis/{id} (one person, from the stored profile). */
#include "config.h"

/* strdup, strndup: POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rules.h"
#include "taal.h"

#define DEFAULT_PER_PAGE 100
#define MAX_PER_PAGE     1000

typedef struct list_query {
	int status; /* -1: every status */
	long page, per_page;
} list_query_t;

static int
problem(char **body, int status, const char *detail)
{
	*body = strdup(detail);
	return status;
}

static int
hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* The form-decoded text of [s, end) (%XX and '+'); new, NULL when out of memory. */
static char *
decode(const char *s, const char *end)
{
	char *out = malloc((size_t)(end - s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; s < end; s++) {
		if (*s == '%' && end - s >= 3 && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
			*o++ = (char)(hex(s[1]) * 16 + hex(s[2]));
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
	return out;
}

static bool
positive(const char *text, long *out)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (!*text || *end || v < 1)
		return false;
	*out = v;
	return true;
}

/* Reads status, page and per_page (other parameters are ignored, as the
 * core routes ignore them). Returns 0, or the 400 to answer with *body. */
static int
parse_list_query(const char *query, list_query_t *q, char **body)
{
	const char *p = query ? query : "";

	*q = (list_query_t){.status = -1, .page = 1, .per_page = DEFAULT_PER_PAGE};
	while (*p) {
		const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		char *key = decode(p, eq ? eq : end),
		     *value = eq ? decode(eq + 1, end) : strdup("");
		int rc = 0;

		if (!key || !value)
			rc = problem(body, 503, "out of memory");
		else if (strcmp(key, "status") == 0 && (q->status = taal_status_parse(value)) < 0)
			rc =
			    problem(body, 400,
			            "query parameter status must be one of onbekend, voldoet_niet, "
			            "vrijgesteld, voldoet");
		else if (strcmp(key, "page") == 0 && !positive(value, &q->page))
			rc = problem(body, 400, "query parameter page must be a positive integer");
		else if (strcmp(key, "per_page") == 0 && !positive(value, &q->per_page))
			rc = problem(body, 400,
			             "query parameter per_page must be a positive integer");
		free(key);
		free(value);
		if (rc)
			return rc;
		p = amp ? amp + 1 : end;
	}
	if (q->per_page > MAX_PER_PAGE)
		q->per_page = MAX_PER_PAGE;
	return 0;
}

static json_t *
row_json(const taal_row_t *row)
{
	taal_result_t r = {.status = row->status, .action = row->action, .due = row->due};
	json_t *j = json_pack("{s:s}", "id", row->id), *res = taal_result_json(&r);

	if (j && res)
		json_object_update(j, res);
	json_decref(res);
	return j;
}

/* GET /v1/taaleis?status=&page=&per_page=: {"total", "page", "per_page",
 * "results": [{"id", "status", "next_action", "next_action_label", "due"}]}. */
static int
worklist(void *state, const vd_plugin_request_t *req, char **body)
{
	taal_t *t = state;
	const taal_row_t *rows;
	json_t *answer, *results;
	list_query_t q;
	size_t n, first = 0, last = 0;
	int rc;
	char detail[160];

	if ((rc = parse_list_query(req->query, &q, body)) != 0)
		return rc;
	if (!t->scanned) {
		snprintf(detail, sizeof(detail),
		         "the taaleis statuses are still being read from the stored profiles (%lu "
		         "so far); try again in a moment",
		         t->seen);
		return problem(body, 503, detail);
	}
	if (taal_table_rows(t->table, t->params, taal_today(t), q.status, &rows, &n) != 0)
		return problem(body, 503, "out of memory");
	results = json_array();
	/* A page past the end is empty (and (page - 1) * per_page cannot overflow). */
	if ((size_t)(q.page - 1) <= n / (size_t)q.per_page) {
		first = (size_t)(q.page - 1) * (size_t)q.per_page;
		last = n - first < (size_t)q.per_page ? n : first + (size_t)q.per_page;
	}
	for (size_t i = first; results && i < last; i++)
		json_array_append_new(results, row_json(&rows[i]));
	answer =
	    json_pack("{s:I, s:I, s:I, s:o?}", "total", (json_int_t)n, "page", (json_int_t)q.page,
	              "per_page", (json_int_t)q.per_page, "results", results);
	*body = answer ? json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(answer);
	return *body ? 200 : 500;
}

/* {"percent", "of", "from", "until"?, "next_percent"?, "next_from"?, ...}
 * of the step r proposes; new. */
static json_t *
reduction_json(const taal_params_t *p, const taal_result_t *r)
{
	char from[11], next[11], until[11];
	json_t *red;

	taal_day_format(r->step_from, from);
	red = json_pack("{s:b, s:s, s:i, s:I, s:s, s:s}", "proposed", 1, "decided_by",
	                "klantmanager", "step", r->step + 1, "percent",
	                (json_int_t)p->steps[r->step].percent, "of", "norm", "from", from);
	if (red && r->next_from != TAAL_NO_DAY) {
		taal_day_format(r->next_from - 1, until);
		taal_day_format(r->next_from, next);
		json_object_set_new(red, "until", json_string(until));
		json_object_set_new(red, "next_percent",
		                    json_integer(p->steps[r->step + 1].percent));
		json_object_set_new(red, "next_from", json_string(next));
	}
	return red;
}

static json_t *
required_json(const taal_params_t *p)
{
	json_t *req = json_object();

	for (size_t s = 0; req && s < TAAL_N_SKILLS; s++)
		json_object_set_new(req, taal_skill_names[s], json_string(p->required_text[s]));
	return req;
}

/* GET /v1/taaleis/{id}: the person's status, with its reasons. */
static int
person(void *state, const vd_plugin_request_t *req, char **body)
{
	taal_t *t = state;
	char *text = t->host->read_profile(t->host, req->params[0]);
	json_t *profile = text ? json_loads(text, 0, NULL) : NULL, *answer, *result, *reasons;
	taal_facts_t f;
	taal_result_t r;
	const char *file;

	if (text)
		t->host->free(text);
	if (!json_is_object(profile)) {
		json_decref(profile);
		return problem(body, 404, "no jobseeker with this id");
	}
	reasons = json_array();
	taal_facts_from_profile(profile, t->params, &f, reasons);
	taal_derive(&f, t->params, taal_today(t), &r);
	taal_explain(&f, t->params, &r, reasons);
	file = strrchr(t->params->path, '/');
	answer = json_pack("{s:s}", "id", req->params[0]);
	result = taal_result_json(&r);
	if (answer && result && reasons) {
		json_object_update(answer, result);
		json_object_set_new(answer, "reasons", reasons);
		reasons = NULL;
		if (r.action == TAAL_ACT_VERLAGING && r.step >= 0)
			json_object_set_new(answer, "reduction", reduction_json(t->params, &r));
		json_object_set_new(answer, "required_level", required_json(t->params));
		json_object_set_new(answer, "parameters_source",
		                    json_pack("{s:s, s:s, s:s}", "file",
		                              file ? file + 1 : t->params->path, "version",
		                              t->params->version, "law", t->params->law));
	}
	*body = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
	json_decref(reasons);
	json_decref(result);
	json_decref(answer);
	json_decref(profile);
	return *body ? 200 : 500;
}

int
taal_routes_register(const vd_host_t *host)
{
	unsigned roles = VD_PLUGIN_ROLE_CASEWORKER | VD_PLUGIN_ROLE_ADMIN;

	if (host->register_route(host, "GET", "/v1/taaleis", roles, worklist) != 0 ||
	    host->register_route(host, "GET", "/v1/taaleis/{}", roles, person) != 0)
		return -1;
	return 0;
}

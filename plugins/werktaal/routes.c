/* werktaal: the trajectory routes (caseworker, admin).
 *   POST  /v1/trajectories         record one; 201 with the record
 *   GET   /v1/trajectories         paged: ?jobseeker=&status=&page=&per_page=
 *   GET   /v1/trajectories/{id}    one, with its estimate
 *   PATCH /v1/trajectories/{id}    a merge patch; "assessment" appends
 * An assessment that reaches the target raises the jobseeker's Dutch level
 * in the profile (host->patch_profile), so the person moves from the
 * werktaal list into the regular results. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "relax.h"
#include "trajectory.h"
#include "werktaal.h"

#define ROLES         (VD_PLUGIN_ROLE_CASEWORKER | VD_PLUGIN_ROLE_ADMIN)
#define PER_PAGE      100
#define MAX_PER_PAGE  1000
#define MAX_QUERY_LEN 512

/* A 4xx/5xx answer: the detail text for the host's problem+json. */
static int
problem(char **body, int status, const char *detail)
{
	*body = strdup(detail);
	return status;
}

/* 422 naming every problem: the detail says "/pointer: reason; ...", and
 * errors[] lists them one by one (the host's problem object, ABI 1.1). */
static int
invalid(char **body, const json_t *errors)
{
	char *detail = vd_wt_errors_text(errors);
	json_t *problem = json_pack("{s:s, s:O}", "detail", detail ? detail : "invalid", "errors",
	                            (json_t *)errors);

	*body = problem ? json_dumps(problem, JSON_COMPACT) : NULL;
	if (!*body)
		*body = detail ? strdup(detail) : NULL;
	json_decref(problem);
	free(detail);
	return 422;
}

/* 2xx with the JSON text of v (stolen). */
static int
answer(char **body, int status, json_t *v)
{
	*body = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(v);
	return *body ? status : 500;
}

/* The request body as JSON, or NULL after answering 400. New reference. */
static json_t *
parse_body(const vd_plugin_request_t *req, char **body, int *status)
{
	json_error_t jerr;
	json_t *v = json_loadb(req->body, req->body_len, 0, &jerr);
	char detail[300];

	if (!v) {
		snprintf(detail, sizeof(detail), "the body is not JSON: %s (at character %d)",
		         jerr.text, jerr.position);
		*status = problem(body, 400, detail);
	}
	return v;
}

/* "trj-" and 16 random hex digits, unused so far. */
static bool
new_id(const vd_wt_t *wt, char out[21])
{
	unsigned char raw[8];
	int fd;

	for (int attempt = 0; attempt < 8; attempt++) {
		ssize_t n;

		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		n = read(fd, raw, sizeof(raw));
		close(fd);
		if (n != (ssize_t)sizeof(raw))
			return false;
		snprintf(out, 21, "trj-%02x%02x%02x%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2],
		         raw[3], raw[4], raw[5], raw[6], raw[7]);
		if (!vd_wt_store_get(wt->store, out))
			return true;
	}
	return false;
}

/* The stored profile of a jobseeker, or NULL when there is none. New. */
static json_t *
profile_of(const vd_wt_t *wt, const char *id)
{
	char *text = wt->host->read_profile(wt->host, id);
	json_t *v;

	if (!text)
		return NULL;
	v = json_loads(text, 0, NULL);
	wt->host->free(text);
	return v;
}

static int
store_and_show(vd_wt_t *wt, json_t *rec, int status, char **body)
{
	char why[300];

	if (vd_wt_store_put(wt->store, rec, why, sizeof(why)) != VD_WT_OK) {
		wt->host->log(wt->host, VD_LOG_ERROR, "trajectory %s not stored: %s",
		              json_string_value(json_object_get(rec, "id")), why);
		return problem(body, 500, "the trajectory could not be stored");
	}
	return answer(body, status, vd_wt_traj_view(rec, &wt->params));
}

static int
create(void *state, const vd_plugin_request_t *req, char **body)
{
	vd_wt_t *wt = state;
	json_t *in, *profile = NULL, *rec = NULL, *errors = json_array();
	const char *js;
	char id[21];
	long today;
	int status;

	if (!(in = parse_body(req, body, &status)))
		goto out;
	if (!vd_wt_today(wt, &today)) {
		status = problem(body, 500, "the server gives no date");
		goto out;
	}
	js = json_string_value(json_object_get(in, "jobseeker"));
	if (js && vd_wt_id_valid(js) && !(profile = profile_of(wt, js))) {
		json_array_append_new(errors, json_pack("{s:s, s:s}", "pointer", "/jobseeker",
		                                        "detail", "no jobseeker has this id"));
	}
	rec = vd_wt_traj_create(in, &wt->params, vd_wt_profile_dutch(profile), today, errors);
	if (json_array_size(errors) > 0) {
		status = invalid(body, errors);
		goto out;
	}
	if (!new_id(wt, id)) {
		status = problem(body, 500, "no trajectory id could be drawn");
		goto out;
	}
	json_object_set_new(rec, "id", json_string(id));
	/* id first: records read well in the file and in answers. */
	{
		json_t *ordered = json_pack("{s:s}", "id", id);
		json_object_update(ordered, rec);
		json_decref(rec);
		rec = ordered;
	}
	status = store_and_show(wt, rec, 201, body);
out:
	json_decref(rec);
	json_decref(profile);
	json_decref(errors);
	json_decref(in);
	return status;
}

static int
show(void *state, const vd_plugin_request_t *req, char **body)
{
	vd_wt_t *wt = state;
	const json_t *rec = vd_wt_store_get(wt->store, req->params[0]);

	if (!rec)
		return problem(body, 404, "no trajectory has this id");
	return answer(body, 200, vd_wt_traj_view(rec, &wt->params));
}

/* The profile's languages with Dutch raised to level (other members of
 * the nl entry, such as by_skill, stay); NULL when it holds as much
 * already. New reference. */
static json_t *
raised_languages(const json_t *profile, const char *level)
{
	json_t *langs = json_deep_copy(json_object_get(profile, "languages")), *item;
	size_t i;
	bool found = false;

	if (!json_is_array(langs))
		langs = json_array();
	if (vd_wt_profile_dutch(profile) >= vd_wt_level_rank(level)) {
		json_decref(langs);
		return NULL;
	}
	json_array_foreach(langs, i, item)
	{
		const char *code = json_string_value(json_object_get(item, "code"));
		if (code && strcmp(code, "nl") == 0) {
			json_object_set_new(item, "level", json_string(level));
			found = true;
		}
	}
	if (!found)
		json_array_append_new(langs, json_pack("{s:s, s:s}", "code", "nl", "level", level));
	return langs;
}

/* Raises the jobseeker's Dutch to the level of rec's last assessment.
 * Returns 0, or an HTTP status after filling *body. */
static int
raise_level(vd_wt_t *wt, const json_t *rec, char **body)
{
	const vd_host_t *host = wt->host;
	const char *js = json_string_value(json_object_get(rec, "jobseeker"));
	const json_t *list = json_object_get(rec, "assessments");
	const char *level = json_string_value(
	    json_object_get(json_array_get(list, json_array_size(list) - 1), "level"));
	json_t *profile = profile_of(wt, js), *langs, *patch;
	char *text = NULL, *error = NULL, detail[600];
	int status = 0;

	if (!profile)
		return problem(body, 409,
		               "the jobseeker's profile is gone: the level cannot be raised");
	langs = raised_languages(profile, level);
	json_decref(profile);
	if (!langs)
		return 0;
	patch = json_pack("{s:o}", "languages", langs);
	text = json_dumps(patch, JSON_COMPACT);
	json_decref(patch);
	if (!text || host->patch_profile(host, js, text, &error) != 0) {
		snprintf(detail, sizeof(detail),
		         "the jobseeker's Dutch level could not be raised: %s",
		         error ? error : "the profile refused the change");
		status = problem(body, 409, detail);
	} else {
		host->log(host, VD_LOG_INFO, "raised Dutch of %s to %s (trajectory %s)", js, level,
		          json_string_value(json_object_get(rec, "id")));
	}
	if (error)
		host->free(error);
	free(text);
	return status;
}

static int
change(void *state, const vd_plugin_request_t *req, char **body)
{
	vd_wt_t *wt = state;
	const json_t *old = vd_wt_store_get(wt->store, req->params[0]);
	json_t *in = NULL, *rec = NULL, *errors = json_array();
	bool reached = false;
	long today;
	int status;

	if (!old) {
		status = problem(body, 404, "no trajectory has this id");
		goto out;
	}
	if (!(in = parse_body(req, body, &status)))
		goto out;
	if (!vd_wt_today(wt, &today)) {
		status = problem(body, 500, "the server gives no date");
		goto out;
	}
	rec = vd_wt_traj_patch(old, in, today, errors, &reached);
	if (!rec) {
		status = invalid(body, errors);
		goto out;
	}
	/* The profile first: a refused raise leaves the trajectory as it was. */
	if (reached && (status = raise_level(wt, rec, body)) != 0)
		goto out;
	status = store_and_show(wt, rec, 200, body);
out:
	json_decref(rec);
	json_decref(errors);
	json_decref(in);
	return status;
}

static int
hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and '+' in place; false on a bad escape. */
static bool
url_decode(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (*s == '+') {
			*out++ = ' ';
		} else if (*s == '%') {
			int hi = hex(s[1]), lo = hi >= 0 ? hex(s[2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			*out++ = (char)(hi * 16 + lo);
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
	return true;
}

typedef struct list_query {
	char jobseeker[65], status[32];
	long page, per_page;
} list_query_t;

static bool
whole(const char *v, long min, long max, long *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* Copies v to out when ok (v fits: it passed the check); returns ok. */
static bool
copy_if(bool ok, char *out, size_t len, const char *v)
{
	if (ok)
		snprintf(out, len, "%s", v);
	return ok;
}

/* Reads ?jobseeker=&status=&page=&per_page=; false with a detail. */
static bool
parse_list_query(const char *query, list_query_t *q, char *why, size_t why_len)
{
	char buf[MAX_QUERY_LEN + 1], *save = NULL;

	*q = (list_query_t){.page = 1, .per_page = PER_PAGE};
	if (!query || !*query)
		return true;
	if (strlen(query) > MAX_QUERY_LEN) {
		snprintf(why, why_len, "the query string is too long");
		return false;
	}
	snprintf(buf, sizeof(buf), "%s", query);
	for (char *kv = strtok_r(buf, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *v = strchr(kv, '=');
		bool ok;

		if (!v || !url_decode(v + 1)) {
			snprintf(why, why_len, "bad query parameter '%.40s'", kv);
			return false;
		}
		*v++ = '\0';
		if (strcmp(kv, "jobseeker") == 0)
			ok = copy_if(vd_wt_id_valid(v), q->jobseeker, sizeof(q->jobseeker), v);
		else if (strcmp(kv, "status") == 0)
			ok = copy_if(strcmp(v, "active") == 0 || strcmp(v, "target_reached") == 0 ||
			                 strcmp(v, "stopped") == 0,
			             q->status, sizeof(q->status), v);
		else if (strcmp(kv, "page") == 0)
			ok = whole(v, 1, 1000000000L, &q->page);
		else if (strcmp(kv, "per_page") == 0)
			ok = whole(v, 1, MAX_PER_PAGE, &q->per_page);
		else {
			snprintf(
			    why, why_len,
			    "unknown query parameter '%.40s' (jobseeker, status, page, per_page)",
			    kv);
			return false;
		}
		if (!ok) {
			snprintf(why, why_len, "bad value for '%s'", kv);
			return false;
		}
	}
	return true;
}

static bool
listed(const json_t *rec, const list_query_t *q)
{
	const char *js = json_string_value(json_object_get(rec, "jobseeker"));
	const char *st = json_string_value(json_object_get(rec, "status"));

	return (!q->jobseeker[0] || (js && strcmp(js, q->jobseeker) == 0)) &&
	       (!q->status[0] || (st && strcmp(st, q->status) == 0));
}

static int
list(void *state, const vd_plugin_request_t *req, char **body)
{
	vd_wt_t *wt = state;
	list_query_t q;
	const char *id;
	json_t *rec, *results;
	long total = 0, first;
	char why[200];

	if (!parse_list_query(req->query, &q, why, sizeof(why)))
		return problem(body, 400, why);
	first = (q.page - 1) * q.per_page;
	results = json_array();
	json_object_foreach((json_t *)vd_wt_store_all(wt->store), id, rec)
	{
		if (!listed(rec, &q))
			continue;
		if (total >= first && total < first + q.per_page)
			json_array_append_new(results, vd_wt_traj_view(rec, &wt->params));
		total++;
	}
	return answer(body, 200,
	              json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)total, "page",
	                        (json_int_t)q.page, "per_page", (json_int_t)q.per_page, "results",
	                        results));
}

int
vd_wt_register_routes(vd_wt_t *wt)
{
	const vd_host_t *h = wt->host;

	if (h->register_route(h, "POST", "/v1/trajectories", ROLES, create) != 0 ||
	    h->register_route(h, "GET", "/v1/trajectories", ROLES, list) != 0 ||
	    h->register_route(h, "GET", "/v1/trajectories/{}", ROLES, show) != 0 ||
	    h->register_route(h, "PATCH", "/v1/trajectories/{}", ROLES, change) != 0)
		return -1;
	return 0;
}

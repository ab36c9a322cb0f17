/* The dispatcher: every request passes here. It refuses ambiguous framing,
 * matches the route table, checks the bearer token and the role, and hands
 * a vd_call_t to the handler. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api_import.h"
#include "api_openapi.h"
#include "audit.h"
#include "conn_guard.h"
#include "http.h"
#include "metrics.h"
#include "profile.h"

/* The call being dispatched (event-loop thread only): the reply helpers
 * are handed only the request, and note its status here for the audit. */
static vd_call_t *dispatching;

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 417:
		return "Expectation Failed";
	case 422:
		return "Unprocessable Content";
	case 428:
		return "Precondition Required";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

static void
send_text(struct evhttp_request *req, int status, const char *type, const char *text,
          const char *etag)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(out, "API-Version", VD_API_VERSION);
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (text) {
		evhttp_add_header(out, "Content-Type", type);
		evbuffer_add(buf, text, strlen(text));
		evbuffer_add(buf, "\n", 1);
	}
	if (etag)
		evhttp_add_header(out, "ETag", etag);
	vd_metrics_request_end(req, status); /* before the send, which may free req */
	if (dispatching && dispatching->req == req)
		dispatching->status = status;
	evhttp_send_reply(req, status, reason(status), buf);
	evbuffer_free(buf);
}

void
vd_reply_json(struct evhttp_request *req, int status, json_t *body, const char *etag)
{
	char *text = json_dumps(body, VD_REPLY_JSON_FLAGS);
	json_decref(body);
	if (!text) {
		vd_reply_problem(req, 500, "the answer could not be encoded", NULL);
		return;
	}
	send_text(req, status, "application/json", text, etag);
	free(text);
}

void
vd_reply_json_text(struct evhttp_request *req, int status, const char *text, const char *etag)
{
	send_text(req, status, "application/json", text, etag);
}

static void
send_problem(struct evhttp_request *req, int status, const char *detail, json_t *errors,
             json_t *members)
{
	json_t *problem = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title",
	                            reason(status), "status", status, "detail", detail);
	char *text;

	if (errors)
		json_object_set_new(problem, "errors", errors);
	if (members)
		json_object_update_missing_new(problem, members);
	text = json_dumps(problem, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(problem);
	send_text(req, status, "application/problem+json", text, NULL);
	free(text);
}

void
vd_reply_problem(struct evhttp_request *req, int status, const char *detail, json_t *errors)
{
	send_problem(req, status, detail, errors, NULL);
}

void
vd_reply_problem_members(struct evhttp_request *req, int status, const char *detail,
                         json_t *members)
{
	send_problem(req, status, detail, NULL, members);
}

void
vd_reply_empty(struct evhttp_request *req, int status)
{
	send_text(req, status, NULL, NULL, NULL);
}

static size_t
json_depth(const json_t *v)
{
	size_t deepest = 0, d, i;
	const char *key;
	json_t *child;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, child)
		{
			d = json_depth(child);
			deepest = d > deepest ? d : deepest;
		}
		return deepest + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, child)
		{
			d = json_depth(child);
			deepest = d > deepest ? d : deepest;
		}
		return deepest + 1;
	}
	return 0;
}

static bool
media_type_is(const char *header, const char *type)
{
	size_t n = strlen(type);
	return strncasecmp(header, type, n) == 0 &&
	       (header[n] == '\0' || header[n] == ';' || header[n] == ' ');
}

bool
vd_json_body(vd_call_t *call, const char *media_type, json_t **out)
{
	struct evbuffer *buf = evhttp_request_get_input_buffer(call->req);
	const char *type =
	    evhttp_find_header(evhttp_request_get_input_headers(call->req), "Content-Type");
	size_t len = evbuffer_get_length(buf);
	json_error_t jerr;
	char detail[300];
	json_t *body;

	*out = NULL;
	if (type && !media_type_is(type, "application/json") &&
	    !(media_type && media_type_is(type, media_type))) {
		snprintf(detail, sizeof(detail), "Content-Type must be application/json%s%s",
		         media_type ? " or " : "", media_type ? media_type : "");
		vd_reply_problem(call->req, 415, detail, NULL);
		return false;
	}
	/* NULs are let through the parser so that validation can name the field. */
	body = json_loadb((const char *)evbuffer_pullup(buf, -1), len,
	                  JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!body) {
		snprintf(detail, sizeof(detail), "malformed JSON at line %d column %d: %s",
		         jerr.line, jerr.column, jerr.text);
		vd_reply_problem(call->req, 400, detail, NULL);
		return false;
	}
	if (json_depth(body) > (size_t)call->srv->config->limits.max_json_depth) {
		snprintf(detail, sizeof(detail), "JSON nested deeper than %d levels",
		         call->srv->config->limits.max_json_depth);
		vd_reply_problem(call->req, 422, detail,
		                 json_pack("[{s:s, s:s}]", "pointer", "", "detail", detail));
		json_decref(body);
		return false;
	}
	*out = body;
	return true;
}

bool
vd_query_int(vd_call_t *call, const char *name, int def, int max, int *out)
{
	const char *text = evhttp_find_header(&call->query, name);
	char *end;
	long v;
	char detail[160];

	*out = def;
	if (!text)
		return true;
	v = strtol(text, &end, 10);
	if (!*text || *end || v < 1) {
		snprintf(detail, sizeof(detail), "query parameter %s must be a positive integer",
		         name);
		vd_reply_problem(call->req, 400, detail, NULL);
		return false;
	}
	*out = v > max ? max : (int)v;
	return true;
}

/* Two Content-Length headers, or Content-Length with Transfer-Encoding, are
 * read differently by different parsers: refuse them (request smuggling). */
static bool
framing_ambiguous(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	int lengths = 0, encodings = 0;

	for (struct evkeyval *h = in->tqh_first; h; h = h->next.tqe_next) {
		if (strcasecmp(h->key, "Content-Length") == 0)
			lengths++;
		else if (strcasecmp(h->key, "Transfer-Encoding") == 0)
			encodings++;
	}
	return lengths > 1 || encodings > 1 || (lengths && encodings);
}

bool
vd_http_match_pattern(const char *pattern, const char *path, char **bufs, size_t max)
{
	size_t n = 0;

	while (*pattern && *path) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t len = strcspn(path, "/"), dlen = 0;
			char *raw = strndup(path, len);
			char *seg = raw ? evhttp_uridecode(raw, 0, &dlen) : NULL;
			free(raw);
			if (!seg || len == 0 || dlen != strlen(seg) || n == max) {
				free(seg);
				return false;
			}
			bufs[n++] = seg;
			pattern += 2;
			path += len;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

static void
free_params(char **bufs)
{
	for (int i = 0; i < VD_MAX_PARAMS; i++) {
		free(bufs[i]);
		bufs[i] = NULL;
	}
}

static const char *
bearer_secret(struct evhttp_request *req)
{
	const char *auth =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return *auth ? auth : NULL;
}

/* Finds the route; sets *method_known false when the path exists with other methods. */
static const vd_route_t *
find_route(enum evhttp_cmd_type method, const char *path, char **bufs, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < vd_n_routes; i++) {
		free_params(bufs);
		if (!vd_http_match_pattern(vd_routes[i].pattern, path, bufs, VD_MAX_PARAMS))
			continue;
		*path_known = true;
		if (vd_routes[i].method == method)
			return &vd_routes[i];
	}
	free_params(bufs);
	return NULL;
}

const char *
vd_http_method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	default:
		return "OTHER";
	}
}

void
vd_call_audit(vd_call_t *call, const char *action)
{
	if (call->audit || !call->token)
		return;
	call->audit = vd_audit_record(call->token->name, vd_role_name(call->token->role), action,
	                              vd_http_method_name(evhttp_request_get_command(call->req)),
	                              evhttp_request_get_uri(call->req));
}

/* Starts the record of an audited route; /v1/jobseekers/{id}... names the
 * person in its path, whatever the answer (a 404 too: someone asked). */
static void
audit_begin(vd_call_t *call, const vd_route_t *route)
{
	const char *action = NULL;

	for (size_t i = 0; i < vd_n_route_audits && !action; i++)
		if (vd_route_audits[i].handler == route->handler)
			action = vd_route_audits[i].action;
	if (!action)
		return;
	vd_call_audit(call, action);
	if (strncmp(route->pattern, "/v1/jobseekers/{}", 17) == 0 && call->param[0] &&
	    vd_id_valid(call->param[0]))
		vd_audit_add_id(call->audit, call->param[0]);
}

/* Appends the record of a call that was answered during dispatch. */
static void
audit_end(vd_call_t *call)
{
	vd_audit_t *audit = vd_store_audit(call->srv->store);

	if (audit && call->audit)
		vd_audit_record_append(audit, call->audit, call->status);
	json_decref(call->audit);
	call->audit = NULL;
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	vd_server_t *srv = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	char *bufs[VD_MAX_PARAMS] = {NULL, NULL};
	const vd_route_t *route;
	const char *secret;
	bool path_known;
	vd_call_t call = {.req = req, .srv = srv};

	TAILQ_INIT(&call.query);
	vd_metrics_request_begin(req);
	/* A request the connection guard refused, standing in for it. */
	if (vd_guard_answer(req))
		return;
	if (framing_ambiguous(req)) {
		vd_reply_problem(
		    req, 400,
		    "ambiguous message framing: duplicate Content-Length or Transfer-Encoding",
		    NULL);
		return;
	}
	dispatching = &call;
	if (!path || (query && evhttp_parse_query_str(query, &call.query) != 0)) {
		vd_reply_problem(req, 400, "malformed request target", NULL);
		goto out;
	}
	route = find_route(evhttp_request_get_command(req), path, bufs, &path_known);
	if (!route) {
		vd_reply_problem(req, path_known ? 405 : 404,
		                 path_known ? "this method is not allowed on this resource"
		                            : "no such resource",
		                 NULL);
		goto out;
	}
	vd_metrics_request_route(req, route->pattern);
	/* A backstop: the guard keeps every body it does not stream (an
	 * import's) to max_body_bytes. */
	if (route->handler != vd_api_import && evbuffer_get_length(evhttp_request_get_input_buffer(
	                                           req)) > srv->config->limits.max_body_bytes) {
		vd_reply_problem(req, 413, "the request body is larger than max_body_bytes", NULL);
		goto out;
	}
	secret = bearer_secret(req);
	call.token = secret ? vd_config_authenticate(srv->config, secret) : NULL;
	for (int i = 0; i < VD_MAX_PARAMS; i++)
		call.param[i] = bufs[i];
	/* A refused attempt on someone's data is recorded too. */
	audit_begin(&call, route);
	if (!(route->roles & VD_ROLE_PUBLIC)) {
		if (!call.token) {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			                  "WWW-Authenticate", "Bearer");
			vd_reply_problem(req, 401,
			                 secret ? "unknown token"
			                        : "missing Authorization: Bearer <token>",
			                 NULL);
			goto out;
		}
		if (!(route->roles & call.token->role)) {
			vd_reply_problem(req, 403, "your role may not do this", NULL);
			goto out;
		}
	}
	route->handler(&call);
out:
	/* A body the guard streams and the handler did not take is not read. */
	vd_guard_stream_refuse(req);
	/* Before returning to the loop, so before a byte of the reply leaves. */
	audit_end(&call);
	dispatching = NULL;
	free_params(bufs);
	evhttp_clear_headers(&call.query);
}

void
vd_http_setup(vd_server_t *srv)
{
	const vd_limits_t *limits = &srv->config->limits;

	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_PUT | EVHTTP_REQ_POST |
	                                          EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE);
	/* The connection guard (conn_guard.c, installed by main.c) enforces
	 * the head and body limits before evhttp sees a request, with
	 * problem+json answers; evhttp's own limits stay as a backstop. An
	 * import's body never reaches evhttp (the guard streams it), and the
	 * head the guard hands on for it has a few fields of its own. */
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)limits->max_body_bytes);
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)limits->max_header_bytes + 256);
	evhttp_set_timeout(srv->http, limits->idle_timeout_s);
	evhttp_set_gencb(srv->http, dispatch, srv);
	vd_api_openapi_load(srv->config->reference_dir);
}

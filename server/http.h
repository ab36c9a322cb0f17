/* HTTP plumbing on libevent's evhttp: routing, authentication, limits and
 * the reply helpers. Every request ends in exactly one reply. */
#ifndef VD_HTTP_H
#define VD_HTTP_H

#include <stdbool.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "server.h"

#define VD_API_VERSION "1.0.0"
#define VD_ROLE_PUBLIC 0x100 /* in a route's roles: no token needed */
#define VD_MAX_PARAMS  2

typedef struct vd_call {
	struct evhttp_request *req;
	vd_server_t *srv;
	const vd_token_t *token;          /* NULL on public routes without a token */
	const char *param[VD_MAX_PARAMS]; /* decoded "{id}" segments of the path */
	struct evkeyvalq query;           /* the decoded query string */
	/* The audit record of this call (audit.h; NULL: not audited): the
	 * dispatcher starts it for a route with an audit action, with the
	 * person a /v1/jobseekers/{id} path names; handlers add the ids their
	 * answer names (vd_audit_add_id, vd_audit_add_answer_ids). Once the
	 * handler has answered, the dispatcher appends it with the status,
	 * before the reply can leave. A handler that answers later (a queued
	 * write) hands it to the write and sets it NULL. */
	json_t *audit;
	int status; /* the status answered during dispatch; 0: none (yet) */
} vd_call_t;

typedef void (*vd_handler_fn)(vd_call_t *call);

typedef struct vd_route {
	enum evhttp_cmd_type method;
	const char *pattern; /* "/v1/jobseekers/{}": {} matches one segment */
	unsigned roles;      /* vd_role_t bits, or VD_ROLE_PUBLIC */
	vd_handler_fn handler;
} vd_route_t;

/* The route table (routes.c): the one place that says who may call what. */
extern const vd_route_t vd_routes[];
extern const size_t vd_n_routes;

/* The routes whose calls the audit log records, by handler (routes.c). */
typedef struct vd_route_audit {
	vd_handler_fn handler;
	const char *action; /* "read", "search", ... */
} vd_route_audit_t;
extern const vd_route_audit_t vd_route_audits[];
extern const size_t vd_n_route_audits;

/* Matches path against pattern ("/v1/jobseekers/{}": {} is one segment),
 * capturing at most max decoded {} segments into bufs as new malloc'd
 * strings (the caller frees them, also on false). */
bool vd_http_match_pattern(const char *pattern, const char *path, char **bufs, size_t max);

/* Starts call's audit record under action when it has none (a handler
 * that learns late that it serves personal data: the plugin routes). */
void vd_call_audit(vd_call_t *call, const char *action);

/* "GET", "PUT", "POST", "PATCH", "DELETE", or "OTHER". */
const char *vd_http_method_name(enum evhttp_cmd_type cmd);

/* Installs the dispatcher and limits on http. */
void vd_http_setup(vd_server_t *srv);

/* How vd_reply_json encodes: for answers encoded elsewhere ahead of time. */
#define VD_REPLY_JSON_FLAGS                                                                        \
	(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(8))

/* Sends body (stolen) as application/json with status; etag may be NULL. */
void vd_reply_json(struct evhttp_request *req, int status, json_t *body, const char *etag);
/* Sends text, already JSON, as application/json. */
void vd_reply_json_text(struct evhttp_request *req, int status, const char *text, const char *etag);
/* Sends an RFC 9457 problem; errors (stolen, may be NULL) is the list of
 * {"pointer", "detail"} objects. */
void vd_reply_problem(struct evhttp_request *req, int status, const char *detail, json_t *errors);
/* The same with members (stolen, may be NULL) added to the problem as
 * extension members (RFC 9457 section 3.2), such as an import's counts. */
void vd_reply_problem_members(struct evhttp_request *req, int status, const char *detail,
                              json_t *members);
/* 204 No Content. */
void vd_reply_empty(struct evhttp_request *req, int status);

/* Parses the request body as JSON into *out (new reference). Replies and
 * returns false when it is not acceptable; media_type is the one required
 * besides application/json (NULL: only JSON). */
bool vd_json_body(vd_call_t *call, const char *media_type, json_t **out);

/* A query-string parameter as a positive integer within [1, max]; def when
 * absent. Replies 400 and returns false when malformed. */
bool vd_query_int(vd_call_t *call, const char *name, int def, int max, int *out);

#endif

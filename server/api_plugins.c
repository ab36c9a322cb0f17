/* GET /v1/plugins, POST /v1/plugins/reload, and the routes plugins serve. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "api_plugins.h"
#include "audit.h"
#include "log.h"
#include "plugin_internal.h"

void
vd_api_plugins_list(vd_call_t *call)
{
	vd_plugins_t *reg = call->srv->plugins;

	vd_reply_json(call->req, 200,
	              json_pack("{s:o}", "plugins", reg ? vd_plugins_list(reg) : json_array()),
	              NULL);
}

void
vd_api_plugins_reload(vd_call_t *call)
{
	vd_plugins_t *reg = call->srv->plugins;

	if (!reg) {
		vd_reply_problem(call->req, 503, "the plugin registry is not available", NULL);
		return;
	}
	vd_log_info("plugins: reload asked by %s", call->token->name);
	vd_plugins_reload(reg);
	vd_reply_json(call->req, 200, json_pack("{s:o}", "plugins", vd_plugins_list(reg)), NULL);
}

static void
free_bufs(char **bufs)
{
	for (size_t i = 0; i < VD_PLUGIN_MAX_PARAMS; i++) {
		free(bufs[i]);
		bufs[i] = NULL;
	}
}

const vd_plugin_route_t *
vd_plugin_route_find(vd_plugins_t *reg, const char *method, const char *path, char **bufs,
                     bool *path_known, vd_plugin_ctx_t **owner)
{
	*path_known = false;
	*owner = NULL;
	for (size_t i = 0; reg && i < reg->n; i++) {
		vd_plugin_ctx_t *ctx = reg->all[i];
		if (ctx->state != VD_PLUGIN_LOADED)
			continue;
		for (size_t r = 0; r < ctx->n_routes; r++) {
			free_bufs(bufs);
			if (!vd_http_match_pattern(ctx->routes[r].pattern, path, bufs,
			                           VD_PLUGIN_MAX_PARAMS))
				continue;
			*path_known = true;
			if (strcmp(ctx->routes[r].method, method) == 0) {
				*owner = ctx;
				return &ctx->routes[r];
			}
		}
	}
	free_bufs(bufs);
	return NULL;
}

/* True when a core route serves path with some method (then the answer to
 * an unserved method is 405, as the dispatcher gives for core paths). */
static bool
core_path_known(const char *path)
{
	char *bufs[VD_PLUGIN_MAX_PARAMS] = {NULL};
	bool known = false;

	for (size_t i = 0; i < vd_n_routes && !known; i++) {
		if (vd_routes[i].handler == vd_api_plugin_route)
			continue;
		known =
		    vd_http_match_pattern(vd_routes[i].pattern, path, bufs, VD_PLUGIN_MAX_PARAMS);
		free_bufs(bufs);
	}
	return known;
}

/* The dispatcher let the request through without a token; the plugin's
 * route decides. Replies and returns false when the caller may not. */
static bool
caller_admitted(vd_call_t *call, const vd_plugin_route_t *route)
{
	const char *auth =
	    evhttp_find_header(evhttp_request_get_input_headers(call->req), "Authorization");

	if (!call->token) {
		evhttp_add_header(evhttp_request_get_output_headers(call->req), "WWW-Authenticate",
		                  "Bearer");
		vd_reply_problem(call->req, 401,
		                 auth && strncasecmp(auth, "Bearer ", 7) == 0
		                     ? "unknown token"
		                     : "missing Authorization: Bearer <token>",
		                 NULL);
		return false;
	}
	if (!(route->roles & call->token->role)) {
		vd_reply_problem(call->req, 403, "your role may not do this", NULL);
		return false;
	}
	return true;
}

/* A core route listed after the catch-all entries (routes.c should keep
 * those last; this keeps a later addition working): serves it, with the
 * checks the dispatcher skipped. Returns false when there is none. */
static bool
late_core_route(vd_call_t *call, const char *method, const char *path)
{
	char *bufs[VD_PLUGIN_MAX_PARAMS] = {NULL};
	const vd_route_t *route = NULL;
	vd_plugin_route_t roles;

	for (size_t i = 0; i < vd_n_routes && !route; i++) {
		if (vd_routes[i].handler == vd_api_plugin_route ||
		    strcmp(vd_http_method_name(vd_routes[i].method), method) != 0)
			continue;
		if (vd_http_match_pattern(vd_routes[i].pattern, path, bufs, VD_MAX_PARAMS))
			route = &vd_routes[i];
		else
			free_bufs(bufs);
	}
	if (!route)
		return false;
	roles.roles = route->roles;
	if ((route->roles & VD_ROLE_PUBLIC) || caller_admitted(call, &roles)) {
		for (size_t i = 0; i < VD_MAX_PARAMS; i++)
			call->param[i] = bufs[i];
		route->handler(call);
	}
	free_bufs(bufs);
	return true;
}

/* Sends what the plugin's handler answered; a malformed answer or a 5xx
 * counts as the plugin's failure. */
/* A plugin's 4xx: its detail as plain text, or (since ABI 1.1) a JSON
 * object {"detail": "...", "errors": [{"pointer", "detail"}, ...]} so that
 * a client sees which field is wrong the way core errors show it. */
static void
reply_plugin_problem(vd_call_t *call, int status, const char *body)
{
	json_t *parsed = body[0] == '{' ? json_loads(body, 0, NULL) : NULL;
	const char *detail = json_string_value(json_object_get(parsed, "detail"));
	json_t *errors = json_object_get(parsed, "errors"), *e, *kept = NULL;
	size_t i;

	if (detail && json_is_array(errors)) {
		kept = json_array();
		json_array_foreach(errors, i, e)
		{
			const char *p = json_string_value(json_object_get(e, "pointer"));
			const char *d = json_string_value(json_object_get(e, "detail"));
			if (p && d)
				json_array_append_new(
				    kept, json_pack("{s:s, s:s}", "pointer", p, "detail", d));
		}
	}
	vd_reply_problem(call->req, status, detail ? detail : body, kept);
	json_decref(parsed);
}

static void
reply_from_plugin(vd_call_t *call, vd_plugin_ctx_t *ctx, int status, char *body)
{
	json_t *parsed = NULL;

	if (status >= 200 && status < 300 && body) {
		parsed = json_loads(body, JSON_DECODE_ANY, NULL);
		if (!parsed && !ctx->log_error)
			ctx->log_error = strdup("its route answered malformed JSON");
		if (!parsed)
			status = 500;
	}
	if (status < 200 || status > 599) {
		if (!ctx->log_error)
			ctx->log_error = strdup("its route answered an invalid HTTP status");
		status = 500;
	}
	vd_plugin_call_end(ctx, "route", status >= 500 ? status : 0);
	if (status >= 400 && status < 500 && body)
		reply_plugin_problem(call, status, body);
	else if (status >= 400)
		vd_reply_problem(call->req, status, "the plugin could not answer", NULL);
	else if (parsed) {
		vd_audit_add_answer_ids(call->audit, parsed); /* the people it names */
		vd_reply_json(call->req, status, parsed, NULL);
	} else
		vd_reply_empty(call->req, status);
	free(body);
}

void
vd_api_plugin_route(vd_call_t *call)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(call->req);
	const char *path = evhttp_uri_get_path(uri);
	const char *method = vd_http_method_name(evhttp_request_get_command(call->req));
	struct evbuffer *in = evhttp_request_get_input_buffer(call->req);
	char *bufs[VD_PLUGIN_MAX_PARAMS] = {NULL};
	const vd_plugin_route_t *route;
	vd_plugin_ctx_t *ctx;
	vd_plugin_request_t req = {.size = sizeof(req)};
	char *body = NULL, *answer = NULL;
	bool known;
	int status;

	if (late_core_route(call, method, path))
		return;
	route = vd_plugin_route_find(call->srv->plugins, method, path, bufs, &known, &ctx);
	if (!route) {
		known = known || core_path_known(path);
		vd_reply_problem(call->req, known ? 405 : 404,
		                 known ? "this method is not allowed on this resource"
		                       : "no such resource",
		                 NULL);
		goto out;
	}
	if (!caller_admitted(call, route))
		goto out;
	/* A plugin's answer may name people (a worklist): recorded like a search. */
	vd_call_audit(call, "plugin_route");
	req.body_len = evbuffer_get_length(in);
	body = malloc(req.body_len + 1);
	if (!body) {
		vd_reply_problem(call->req, 503, "out of memory", NULL);
		goto out;
	}
	evbuffer_copyout(in, body, req.body_len);
	body[req.body_len] = '\0';
	req.method = method;
	req.path = path;
	for (size_t i = 0; i < VD_PLUGIN_MAX_PARAMS; i++)
		req.params[i] = bufs[i];
	req.query = evhttp_uri_get_query(uri);
	req.body = body;
	req.token_name = call->token->name;
	req.role = call->token->role;
	vd_plugin_call_begin(ctx);
	status = route->handler(ctx->plugin_state, &req, &answer);
	reply_from_plugin(call, ctx, status, answer);
out:
	free(body);
	free_bufs(bufs);
}

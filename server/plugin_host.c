/* The host table handed to each plugin (include/vaardig/plugin.h): logging,
 * config, routes, timers, vacancies from sources and profile reads. Each
 * function finds its plugin through host->host_private. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_plugins.h"
#include "dates.h"
#include "http.h"
#include "log.h"
#include "plugin_internal.h"
#include "profile.h"
#include "source_id.h"
#include "vacancy.h"

_Static_assert((int)VD_PLUGIN_ROLE_EMPLOYER == (int)VD_ROLE_EMPLOYER &&
                   (int)VD_PLUGIN_ROLE_CASEWORKER == (int)VD_ROLE_CASEWORKER &&
                   (int)VD_PLUGIN_ROLE_ADMIN == (int)VD_ROLE_ADMIN,
               "plugin.h's role bits are the server's");

static vd_plugin_ctx_t *
ctx_of(const vd_host_t *host)
{
	return host->host_private;
}

static void
host_log(const vd_host_t *host, int level, const char *fmt, ...)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One event per line, whatever the plugin wrote. */
	for (char *c = line; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	if (level <= VD_LOG_ERROR) {
		free(ctx->log_error);
		ctx->log_error = strdup(line);
		level = VD_LOG_ERROR;
	} else if (level != VD_LOG_WARN) {
		level = VD_LOG_INFO;
	}
	vd_log(level, "plugin %s: %s", ctx->name, line);
}

static const char *
host_config(const vd_host_t *host)
{
	return ctx_of(host)->config;
}

static const char *
host_reference_dir(const vd_host_t *host)
{
	return ctx_of(host)->reg->srv->config->reference_dir;
}

static bool
method_known(const char *method)
{
	static const char *const methods[] = {"GET", "PUT", "POST", "PATCH", "DELETE"};
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(method, methods[i]) == 0)
			return true;
	return false;
}

/* Why pattern cannot be a plugin route, or NULL when it can. The catch-all
 * routes reach /v1/ plus one or two segments (VD_MAX_PARAMS). */
static const char *
pattern_refused(vd_plugin_ctx_t *ctx, const char *method, const char *pattern)
{
	size_t segments = 0;
	char *bufs[VD_PLUGIN_MAX_PARAMS] = {NULL};

	if (strncmp(pattern, "/v1/", 4) != 0)
		return "a plugin route starts with /v1/";
	for (const char *c = pattern + 3; *c; c++) {
		if (*c == '/')
			segments++;
		if (*c == '?' || *c == '#' || (*c == '/' && (c[1] == '/' || c[1] == '\0')))
			return "a route pattern is a plain path";
	}
	if (segments > 2)
		return "a plugin route has at most two segments after /v1/";
	for (size_t i = 0; i < vd_n_routes; i++) {
		/* A core route that would take this path comes first in the table. */
		bool clash = vd_http_match_pattern(vd_routes[i].pattern, pattern, bufs,
		                                   VD_PLUGIN_MAX_PARAMS);
		for (size_t b = 0; b < VD_PLUGIN_MAX_PARAMS; b++) {
			free(bufs[b]);
			bufs[b] = NULL;
		}
		if (clash && vd_routes[i].handler != vd_api_plugin_route)
			return "the path belongs to the core API";
	}
	for (size_t i = 0; i < ctx->reg->n; i++) {
		const vd_plugin_ctx_t *other = ctx->reg->all[i];
		if (other->state == VD_PLUGIN_FAILED)
			continue;
		for (size_t r = 0; r < other->n_routes; r++)
			if (strcmp(other->routes[r].pattern, pattern) == 0 &&
			    strcmp(other->routes[r].method, method) == 0)
				return "another plugin serves it already";
	}
	return NULL;
}

static int
host_register_route(const vd_host_t *host, const char *method, const char *pattern, unsigned roles,
                    vd_plugin_route_fn handler)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	const char *why = NULL;
	vd_plugin_route_t *routes;

	if (!method || !method_known(method))
		why = "the method must be GET, PUT, POST, PATCH or DELETE";
	else if (!pattern || !handler)
		why = "a route needs a pattern and a handler";
	else if (!(roles & (VD_ROLE_EMPLOYER | VD_ROLE_CASEWORKER | VD_ROLE_ADMIN)))
		why = "a route admits at least one role";
	else
		why = pattern_refused(ctx, method, pattern);
	if (why) {
		vd_log_error("plugin %s: route %s %s refused: %s", ctx->name, method ? method : "?",
		             pattern ? pattern : "?", why);
		return -1;
	}
	routes = realloc(ctx->routes, (ctx->n_routes + 1) * sizeof(*routes));
	if (!routes)
		return -1;
	ctx->routes = routes;
	routes[ctx->n_routes] = (vd_plugin_route_t){
	    .method = strdup(method),
	    .pattern = strdup(pattern),
	    .roles = roles & (VD_ROLE_EMPLOYER | VD_ROLE_CASEWORKER | VD_ROLE_ADMIN),
	    .handler = handler,
	};
	ctx->n_routes++;
	return 0;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	vd_plugin_timer_t *t = arg;
	vd_plugin_ctx_t *ctx = t->ctx;
	int rc;

	(void)fd;
	(void)what;
	if (ctx->state != VD_PLUGIN_LOADED || ctx->reg->srv->stopping)
		return;
	vd_plugin_call_begin(ctx);
	rc = t->fn(ctx->plugin_state);
	if (t->background && rc == VD_PLUGIN_TIMER_DONE)
		return;
	vd_plugin_call_end(ctx, "timer", rc);
	/* A zero timeout fires on the loop's next turn, after the requests
	 * that are ready now. */
	if (t->background)
		event_add(t->ev, &t->every);
}

static int
host_schedule(const vd_host_t *host, unsigned interval_s, vd_plugin_timer_fn fn)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	vd_plugin_timer_t *t, **timers;

	if (!fn) {
		vd_log_error("plugin %s: a timer needs a function", ctx->name);
		return -1;
	}
	timers = realloc(ctx->timers, (ctx->n_timers + 1) * sizeof(*timers));
	if (!timers)
		return -1;
	ctx->timers = timers;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->every.tv_sec = interval_s;
	t->fn = fn;
	t->ctx = ctx;
	t->background = interval_s == 0;
	t->ev = event_new(ctx->reg->srv->base, -1, t->background ? 0 : EV_PERSIST, on_timer, t);
	if (!t->ev || event_add(t->ev, &t->every) != 0) {
		if (t->ev)
			event_free(t->ev);
		free(t);
		return -1;
	}
	ctx->timers[ctx->n_timers++] = t;
	return 0;
}

static void
host_vacancy_id(const vd_host_t *host, const char *identifier, char out[65])
{
	vd_source_id(ctx_of(host)->id_prefix, identifier, out);
}

static bool
owns_id(const vd_plugin_ctx_t *ctx, const char *id)
{
	size_t n = strlen(ctx->id_prefix);
	return id && vd_id_valid(id) && strncmp(id, ctx->id_prefix, n) == 0 && id[n] == '-' &&
	       id[n + 1];
}

/* The newest state of a vacancy (a queued write wins over the committed
 * one): a new malloc'd JSON text in *out, NULL when there is none. */
static bool
current_vacancy(vd_server_t *srv, const char *term, char **out)
{
	const char *pending;
	vd_status_t status;

	*out = NULL;
	if (vd_store_pending(srv->store, term, &pending)) {
		*out = pending ? strdup(pending) : NULL;
		return true;
	}
	status = vd_index_get(vd_store_reader(srv->store), term, out, NULL, NULL);
	return status == VD_OK || status == VD_ERR_NOT_FOUND;
}

static char *
source_of(const char *data)
{
	json_t *v = json_loads(data, 0, NULL);
	const char *s = json_string_value(json_object_get(v, "source"));
	char *out = strdup(s ? s : "");

	json_decref(v);
	return out;
}

typedef struct emitted {
	vd_plugins_t *reg;
	char name[65];
} emitted_t;

static void
write_done(vd_write_t *write, void *arg)
{
	emitted_t *e = arg;
	char text[400];

	if (write->status == VD_OK) {
		vd_plugins_write_done(e->reg, e->name, NULL);
	} else {
		snprintf(text, sizeof(text), "%s %s was not stored (%s): %s",
		         write->unique_term[1] == 'j' ? "jobseeker" : "vacancy",
		         write->unique_term + 2, vd_status_str(write->status), write->error);
		vd_log_error("plugin %s: %s", e->name, text);
		vd_plugins_write_done(e->reg, e->name, text);
	}
	free(e);
}

int
vd_plugin_submit(vd_plugin_ctx_t *ctx, vd_write_kind_t kind, const char *term, vd_doc_t *doc,
                 json_t *audit)
{
	emitted_t *e = calloc(1, sizeof(*e));
	vd_write_t *write;

	if (!e) {
		vd_doc_free(doc);
		json_decref(audit);
		return -1;
	}
	e->reg = ctx->reg;
	snprintf(e->name, sizeof(e->name), "%s", ctx->name);
	write = vd_write_new(kind, term, doc, write_done, e);
	if (!write) {
		free(e);
		json_decref(audit);
		return -1;
	}
	write->audit = audit;
	write->ok_status = 200;
	ctx->reg->writes_in_flight++;
	vd_store_submit(ctx->reg->srv->store, write);
	return 0;
}

/* Deletes the vacancy behind term when this plugin stored it. */
static int
withdraw(vd_plugin_ctx_t *ctx, const char *id)
{
	char term[80], *current = NULL, *source = NULL;
	int rc = -1;

	snprintf(term, sizeof(term), "Qv%s", id);
	if (!current_vacancy(ctx->reg->srv, term, &current)) {
		vd_log_error("plugin %s: cannot read vacancy %s", ctx->name, id);
		return -1;
	}
	if (!current)
		return 0;
	source = source_of(current);
	if (strcmp(source, ctx->name) != 0)
		vd_log_error("plugin %s: vacancy %s is not this plugin's (its source is '%s')",
		             ctx->name, id, source);
	else
		rc = vd_plugin_submit(ctx, VD_WRITE_DELETE, term, NULL, NULL);
	free(source);
	free(current);
	return rc;
}

static int
host_withdraw_vacancy(const vd_host_t *host, const char *id)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);

	if (!owns_id(ctx, id)) {
		vd_log_error("plugin %s: cannot withdraw '%s': its ids start with '%s-'", ctx->name,
		             id ? id : "", ctx->id_prefix);
		return -1;
	}
	return ctx->reg->srv->store ? withdraw(ctx, id) : -1;
}

/* "/title: a vacancy needs a title; ..." from validation errors. */
static char *
errors_text(const json_t *errors)
{
	size_t i, len = 0;
	json_t *e;
	char *out = calloc(1, 1024);

	if (!out)
		return NULL;
	json_array_foreach(errors, i, e)
	{
		len += snprintf(out + len, len < 1024 ? 1024 - len : 0, "%s%s: %s", i ? "; " : "",
		                json_string_value(json_object_get(e, "pointer")),
		                json_string_value(json_object_get(e, "detail")));
		if (len >= 1024)
			break;
	}
	return out;
}

/* A plugin's vacancy checked as a PUT would check it, then marked with the
 * plugin as its source: a new reference, NULL with *error set. */
static json_t *
validate(vd_plugin_ctx_t *ctx, json_t *body, char **error)
{
	vd_server_t *srv = ctx->reg->srv;
	const char *id = json_string_value(json_object_get(body, "id"));
	json_t *copy, *canonical = NULL, *errors;
	char text[200];

	if (!owns_id(ctx, id)) {
		snprintf(text, sizeof(text), "/id: this plugin's vacancy ids start with '%s-'",
		         ctx->id_prefix);
		*error = strdup(text);
		return NULL;
	}
	/* vd_vacancy_validate admits only "manual": check the rest without it. */
	copy = json_copy(body);
	json_object_del(copy, "source");
	errors = json_array();
	if (vd_vacancy_validate(srv->tax, srv->places, id, copy, &canonical, errors))
		json_object_set_new(canonical, "source", json_string(ctx->name));
	else
		*error = errors_text(errors);
	json_decref(errors);
	json_decref(copy);
	return canonical;
}

static int
emit(vd_plugin_ctx_t *ctx, json_t *canonical)
{
	const char *id = json_string_value(json_object_get(canonical, "id"));
	char term[80], *current = NULL, *text = NULL, *source = NULL;
	vd_doc_t *doc = NULL;
	int rc = -1;

	if (!vd_vacancy_open(canonical, vd_date_today()))
		return withdraw(ctx, id);
	snprintf(term, sizeof(term), "Qv%s", id);
	text = json_dumps(canonical, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text || !current_vacancy(ctx->reg->srv, term, &current))
		goto out;
	source = current ? source_of(current) : NULL;
	if (source && strcmp(source, ctx->name) != 0) {
		vd_log_error("plugin %s: vacancy %s exists with source '%s'; not replaced",
		             ctx->name, id, source);
		goto out;
	}
	/* A poll re-emits what did not change: that is no write at all. */
	if (current && strcmp(current, text) == 0) {
		rc = 0;
		goto out;
	}
	doc = vd_doc_new();
	if (!doc || !vd_vacancy_to_doc(canonical, doc)) {
		vd_doc_free(doc);
		goto out;
	}
	rc = vd_plugin_submit(ctx, VD_WRITE_REPLACE, term, doc, NULL);
out:
	free(source);
	free(current);
	free(text);
	return rc;
}

static int
host_emit_vacancy(const vd_host_t *host, const char *vacancy_json, char **error)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	json_t *body, *canonical;
	json_error_t jerr;
	char *why = NULL;
	int rc = -1;

	body = vacancy_json ? json_loads(vacancy_json, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!json_is_object(body)) {
		why = strdup("the vacancy is not a JSON object");
	} else if (!ctx->reg->srv->store) {
		why = strdup("the server has no store");
	} else if ((canonical = validate(ctx, body, &why))) {
		rc = emit(ctx, canonical);
		if (rc != 0 && !why)
			why = strdup("the vacancy could not be stored (see the log)");
		json_decref(canonical);
	}
	json_decref(body);
	if (error)
		*error = why;
	else
		free(why);
	return rc;
}

typedef struct own_ids {
	vd_index_t *reader;
	const char *name;
	json_t *ids;
} own_ids_t;

static void
collect_own(vd_docid_t docid, void *arg)
{
	own_ids_t *o = arg;
	char *data = NULL;
	json_t *v;

	if (vd_index_get_by_docid(o->reader, docid, &data, NULL) != VD_OK)
		return;
	v = json_loads(data, 0, NULL);
	if (json_is_string(json_object_get(v, "source")) &&
	    strcmp(json_string_value(json_object_get(v, "source")), o->name) == 0)
		json_array_append(o->ids, json_object_get(v, "id"));
	json_decref(v);
	free(data);
}

static char *
host_source_vacancies(const vd_host_t *host)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	own_ids_t o = {.name = ctx->name};
	char *out = NULL;

	if (!ctx->reg->srv->store)
		return NULL;
	o.reader = vd_store_reader(ctx->reg->srv->store);
	o.ids = json_array();
	if (vd_index_postings(o.reader, "Tv", collect_own, &o) == VD_OK)
		out = json_dumps(o.ids, JSON_COMPACT);
	json_decref(o.ids);
	return out;
}

static char *
host_read_profile(const vd_host_t *host, const char *id)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	char term[80], *data = NULL;

	if (!ctx->reg->srv->store || !id || !vd_id_valid(id))
		return NULL;
	snprintf(term, sizeof(term), "Qj%s", id);
	if (vd_index_get(vd_store_reader(ctx->reg->srv->store), term, &data, NULL, NULL) != VD_OK) {
		free(data);
		return NULL;
	}
	return data;
}

static int
host_set_details(const vd_host_t *host, const char *text)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	json_t *details = text ? json_loads(text, 0, NULL) : NULL;

	if (text && !json_is_object(details)) {
		json_decref(details);
		return -1;
	}
	json_decref(ctx->details);
	ctx->details = details;
	return 0;
}

static void
host_free(void *p)
{
	free(p);
}

void
vd_plugin_host_init(vd_plugin_ctx_t *ctx)
{
	ctx->host = (vd_host_t){
	    .size = sizeof(vd_host_t),
	    .abi_major = VD_PLUGIN_ABI_MAJOR,
	    .abi_minor = VD_PLUGIN_ABI_MINOR,
	    .host_private = ctx,
	    .log = host_log,
	    .config = host_config,
	    .reference_dir = host_reference_dir,
	    .register_route = host_register_route,
	    .schedule = host_schedule,
	    .vacancy_id = host_vacancy_id,
	    .emit_vacancy = host_emit_vacancy,
	    .withdraw_vacancy = host_withdraw_vacancy,
	    .source_vacancies = host_source_vacancies,
	    .read_profile = host_read_profile,
	    .set_details = host_set_details,
	    .free = host_free,
	};
	vd_plugin_host_init_data(ctx);
}

void
vd_plugin_host_clear(vd_plugin_ctx_t *ctx)
{
	for (size_t i = 0; i < ctx->n_routes; i++) {
		free(ctx->routes[i].method);
		free(ctx->routes[i].pattern);
	}
	free(ctx->routes);
	ctx->routes = NULL;
	ctx->n_routes = 0;
	for (size_t i = 0; i < ctx->n_timers; i++) {
		event_free(ctx->timers[i]->ev);
		free(ctx->timers[i]);
	}
	free(ctx->timers);
	ctx->timers = NULL;
	ctx->n_timers = 0;
}

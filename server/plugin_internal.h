/* Shared by plugins.c (loader, registry, hooks), plugin_host.c (the host
 * table) and api_plugins.c (routes): one loaded or refused module. Not a
 * public interface. */
#ifndef VD_PLUGIN_INTERNAL_H
#define VD_PLUGIN_INTERNAL_H

#include <stdbool.h>

#include <event2/event.h>
#include <jansson.h>
#include <ltdl.h>

#include "plugins.h"
#include "vaardig/plugin.h"

typedef struct vd_plugin_route {
	char *method; /* "GET" */
	char *pattern;
	unsigned roles; /* vd_role_t bits */
	vd_plugin_route_fn handler;
} vd_plugin_route_t;

typedef struct vd_plugin_ctx vd_plugin_ctx_t;

typedef struct vd_plugin_timer {
	struct event *ev;
	struct timeval every;
	vd_plugin_timer_fn fn;
	vd_plugin_ctx_t *ctx;
	bool background; /* interval 0: again at once until VD_PLUGIN_TIMER_DONE */
} vd_plugin_timer_t;

typedef enum vd_plugin_state {
	VD_PLUGIN_LOADING,
	VD_PLUGIN_LOADED,
	VD_PLUGIN_FAILED
} vd_plugin_state_t;

struct vd_plugin_ctx {
	vd_plugins_t *reg;
	char *file; /* the module's path */
	char *name; /* the descriptor's, or the file's base name when refused before it */
	char *version;
	unsigned kinds;
	char *id_prefix; /* "jsonld" for "source-jsonld" */
	vd_plugin_state_t state;
	char *error;     /* the refusal, or the last hook failure; NULL when none */
	char *log_error; /* the last VD_LOG_ERROR line logged in the current call */
	unsigned long hook_errors;
	json_t *details; /* owned; NULL when unset */
	char *config;    /* the config block as JSON text */
	char *data_dir;  /* host->data_dir(), made on first use */
	lt_dlhandle handle;
	const vd_plugin_t *desc;
	vd_host_t host; /* this plugin's table; host_private points back here */
	void *plugin_state;
	vd_plugin_route_t *routes;
	size_t n_routes;
	vd_plugin_timer_t **timers;
	size_t n_timers;
};

struct vd_plugins {
	vd_server_t *srv;
	vd_plugin_ctx_t **all;
	size_t n;
	unsigned long writes_in_flight; /* vacancy writes whose callback is due */
	bool freed;                     /* vd_plugins_free ran; the last callback frees */
};

/* A vacancy write a plugin queued has completed; error is NULL on success.
 * Frees the registry when it was freed meanwhile and this was the last. */
void vd_plugins_write_done(vd_plugins_t *reg, const char *name, const char *error);

/* Fills ctx->host (plugin_host.c). */
void vd_plugin_host_init(vd_plugin_ctx_t *ctx);
/* Fills the functions ABI 1.1 added to ctx->host (plugin_host_data.c). */
void vd_plugin_host_init_data(vd_plugin_ctx_t *ctx);
/* Queues a write for the plugin (doc taken); its failure is logged under
 * the plugin's name and becomes its error. audit (taken, may be NULL) is the
 * change's audit record (a person's data). Returns 0 when queued. */
int vd_plugin_submit(vd_plugin_ctx_t *ctx, vd_write_kind_t kind, const char *term, vd_doc_t *doc,
                     json_t *audit);
/* Frees ctx's routes and timers (plugin_host.c). */
void vd_plugin_host_clear(vd_plugin_ctx_t *ctx);

/* Begins and ends a call into the plugin, so that an error it logs during
 * the call becomes its error; vd_plugin_call_end counts a failure (rc != 0)
 * under what ("source_poll"). */
void vd_plugin_call_begin(vd_plugin_ctx_t *ctx);
void vd_plugin_call_end(vd_plugin_ctx_t *ctx, const char *what, int rc);

/* The plugin route for method and path (params decoded into bufs, freed by
 * the caller); *path_known tells whether another method would match. */
const vd_plugin_route_t *vd_plugin_route_find(vd_plugins_t *reg, const char *method,
                                              const char *path, char **bufs, bool *path_known,
                                              vd_plugin_ctx_t **owner);

#endif

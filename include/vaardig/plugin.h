/* vaardig plugin ABI: the only header a plugin needs.
 *
 * A plugin is a shared object (a libtool module) in the server's plugins_dir.
 * It exports exactly one symbol, its descriptor:
 *
 *     const vd_plugin_t vaardig_plugin = {
 *         .abi_major = VD_PLUGIN_ABI_MAJOR, .abi_minor = VD_PLUGIN_ABI_MINOR,
 *         .name = "example", .version = "1.0.0", .kinds = 0,
 *         .init = example_init, .fini = example_fini,
 *     };
 *
 * and keeps everything else static (link with -module -avoid-version
 * -export-symbols-regex '^vaardig_plugin$'). The server refuses a module
 * whose abi_major differs from its own, logging the file and both versions.
 *
 * Compatibility rules (SQLite's sqlite3ext.h habit):
 *  - vd_host_t, vd_plugin_t and vd_plugin_request_t only ever grow at their
 *    end; a field is never removed, moved or retyped within one major.
 *  - abi_major and abi_minor stay the first two fields of vd_plugin_t in
 *    every major: that is all the host reads of a descriptor built for
 *    another major, before refusing it.
 *  - A field added later says in its comment which minor brought it. The
 *    host reads a descriptor field only when the plugin's abi_minor is at
 *    least that minor; a plugin calls a host function only when
 *    host->abi_minor is at least the minor that brought it (or checks
 *    host->size), so an old plugin runs on a newer host and a newer plugin
 *    can tell it runs on an older one.
 *
 * Threads: every call in either direction happens on the server's event
 * loop thread. A hook must not block for long: the server answers no
 * request while it runs.
 *
 * Data crosses the boundary as JSON text (UTF-8, NUL-terminated), never as
 * a jansson json_t, so a plugin needs no particular JSON library and no
 * shared jansson ABI with the server. A plugin may link jansson itself.
 *
 * Memory: strings the host hands to a plugin are borrowed for the duration
 * of the call. A string the host returns from a function documented "new"
 * is freed with host->free(). A string a plugin returns through a char **
 * out-parameter is allocated with malloc() and freed by the host.
 *
 * Errors: every hook and callback returns 0 on success and non-zero on
 * failure. The host logs a failure with the plugin's name, counts it
 * (hook_errors in GET /v1/plugins), keeps the plugin loaded and answers the
 * core request without that plugin's contribution. The message shown as the
 * plugin's "error" is the last VD_LOG_ERROR line it logged during the
 * failing call, or the hook's name and return value. (A plugin that crashes
 * the process cannot be contained: plugins run in the server's process.)
 */
#ifndef VAARDIG_PLUGIN_H
#define VAARDIG_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VD_PLUGIN_ABI_MAJOR 1
#define VD_PLUGIN_ABI_MINOR 1

/* The name of the one exported symbol. */
#define VD_PLUGIN_SYMBOL "vaardig_plugin"

/* vd_plugin_t.kinds: which hooks the host calls. */
enum vd_plugin_kind {
	VD_PLUGIN_SOURCE = 1 << 0,    /* produces vacancies: source_poll */
	VD_PLUGIN_RULES = 1 << 1,     /* evaluates profiles: on_profile, annotate */
	VD_PLUGIN_EXPANSION = 1 << 2, /* adds a list to search answers: expand */
};

/* host->log levels (syslog priorities). */
enum vd_plugin_log_level {
	VD_LOG_ERROR = 3,
	VD_LOG_WARN = 4,
	VD_LOG_INFO = 6,
};

/* Roles a plugin route admits (bits, the same values as the server's). */
enum vd_plugin_role {
	VD_PLUGIN_ROLE_EMPLOYER = 1 << 0, /* "employer-service" */
	VD_PLUGIN_ROLE_CASEWORKER = 1 << 1,
	VD_PLUGIN_ROLE_ADMIN = 1 << 2,
};

#define VD_PLUGIN_MAX_PARAMS 4

/* One HTTP request to a plugin route. Grows at its end; size says how much
 * of it the host filled in. */
typedef struct vd_plugin_request {
	size_t size;
	const char *method;                       /* "GET", "POST", ... */
	const char *path;                         /* "/v1/example/hello" */
	const char *params[VD_PLUGIN_MAX_PARAMS]; /* decoded {} segments, NULL-padded */
	const char *query;                        /* raw query string, NULL when none */
	const char *body;                         /* NUL-terminated, "" when none */
	size_t body_len;
	const char *token_name; /* the caller's token name */
	unsigned role;          /* the caller's vd_plugin_role bit */
} vd_plugin_request_t;

/* A route handler returns the HTTP status. For a 2xx, *body is the JSON
 * text to send (malloc'd, taken by the host; NULL for an empty answer). For
 * 4xx/5xx, *body is the problem's detail as plain text (malloc'd, may be
 * NULL); the host sends it as application/problem+json. Since ABI 1.1 a
 * 4xx body may instead be a JSON object {"detail": "...", "errors":
 * [{"pointer": "/start", "detail": "..."}]}: the problem then lists which
 * field is wrong, as the core's errors do. */
typedef int (*vd_plugin_route_fn)(void *state, const vd_plugin_request_t *req, char **body);

/* A timer callback; returns 0, or non-zero to have the failure counted.
 * A background task (interval 0, since ABI 1.1) returns
 * VD_PLUGIN_TIMER_DONE when its work is over: it is not called again. */
typedef int (*vd_plugin_timer_fn)(void *state);
#define VD_PLUGIN_TIMER_DONE 0x444f4e45

typedef struct vd_host vd_host_t;

/* The host's function table. Each plugin gets its own copy; pass it back
 * as the first argument of every call. */
struct vd_host {
	size_t size; /* sizeof(vd_host_t) in the host: fields past it are absent */
	unsigned abi_major;
	unsigned abi_minor;
	void *host_private; /* the host's own; do not touch */

	/* One log line, prefixed with the plugin's name. */
	void (*log)(const vd_host_t *host, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

	/* The plugin's block from the config's "plugins" object as JSON text
	 * ("{}" when it has none); borrowed, valid while the plugin is loaded. */
	const char *(*config)(const vd_host_t *host);

	/* The server's reference data folder (taxonomy: occupations.json,
	 * competences.json); borrowed. */
	const char *(*reference_dir)(const vd_host_t *host);

	/* Serves method + pattern ("/v1/taaleis/{}": {} is one path segment,
	 * at most VD_PLUGIN_MAX_PARAMS) for callers whose role is in roles. The
	 * pattern must start with /v1/ and name no core resource. Removed when
	 * the plugin is unloaded. Returns 0, or -1 when refused (logged). */
	int (*register_route)(const vd_host_t *host, const char *method, const char *pattern,
	                      unsigned roles, vd_plugin_route_fn handler);

	/* Calls fn(state) every interval_s seconds while the plugin is loaded.
	 * Since ABI 1.1, interval_s 0 makes fn a background task: it is called
	 * again as soon as the server has answered what is waiting, until it
	 * returns VD_PLUGIN_TIMER_DONE; each call should do a few milliseconds
	 * of work. Returns 0, or -1 when refused. */
	int (*schedule)(const vd_host_t *host, unsigned interval_s, vd_plugin_timer_fn fn);

	/* Source plugins. A source plugin named "source-X" owns the vacancy
	 * ids "X-..."; a plugin named otherwise owns "<name>-...".
	 *
	 * vacancy_id: the id for a posting's identifier by API.md's "Source
	 * ids" rule (prefix, characters outside A-Za-z0-9._- become '-', cut to
	 * 64 with 8 hex digits of its hash), written to out (65 bytes). */
	void (*vacancy_id)(const vd_host_t *host, const char *identifier, char out[65]);

	/* Stores a vacancy (API.md "Vacancies" shape; "id" must be one this
	 * plugin owns; "source" is set by the host). Validated like a PUT; the
	 * write itself is asynchronous. A vacancy past valid_through is
	 * withdrawn instead. An unchanged vacancy is not written again.
	 * Returns 0 when queued (or unchanged, or withdrawn as expired), -1 when
	 * invalid: *error (may be NULL) is then a new string naming the
	 * problems, freed with host->free. */
	int (*emit_vacancy)(const vd_host_t *host, const char *vacancy_json, char **error);

	/* Deletes a vacancy this plugin stored. Returns 0 (also when there was
	 * none), -1 when the id is not this plugin's. */
	int (*withdraw_vacancy)(const vd_host_t *host, const char *id);

	/* The ids of every stored vacancy whose source is this plugin, as a
	 * JSON array; new, or NULL on failure. Lets a source plugin withdraw
	 * what vanished while the server was down. */
	char *(*source_vacancies)(const vd_host_t *host);

	/* A jobseeker profile as stored (committed), JSON text; new, or NULL
	 * when there is none. */
	char *(*read_profile)(const vd_host_t *host, const char *id);

	/* Sets the plugin's "details" in GET /v1/plugins (a JSON object as text,
	 * for example {"files": {"bad.json": "line 3: ..."}}); NULL clears them.
	 * Returns -1 when the text is not a JSON object. */
	int (*set_details)(const vd_host_t *host, const char *json_object_text);

	/* Frees what a host function returned as new. */
	void (*free)(void *p);

	/* Since ABI 1.1. */

	/* Today's date in Europe/Amsterdam as "YYYY-MM-DD" (the server's
	 * clock, or its VAARDIG_TODAY override), written to out. */
	void (*today)(const vd_host_t *host, char out[11]);

	/* A folder of the plugin's own under the server's data_dir
	 * ("<data_dir>/plugins/<name>"), created when missing; borrowed. NULL
	 * when it cannot be created (logged). Files a plugin keeps there are
	 * its own to make durable (write, fsync, rename). */
	const char *(*data_dir)(const vd_host_t *host);

	/* Reads the stored profiles a page at a time, in a fixed order: a new
	 * JSON array of at most max profiles (as stored) that come after
	 * cursor (0 to begin). *next is the cursor for the following page, 0
	 * after the last. NULL on failure. A rules plugin calls it (a page per
	 * timer tick, so the server keeps answering) to learn the population
	 * it did not see change; on_profile tells it every change after init. */
	char *(*profiles)(const vd_host_t *host, unsigned long cursor, unsigned max,
	                  unsigned long *next);

	/* Runs a structured search (the POST /v1/search body of API.md, plus
	 * "exclude": ["term", ...]: people holding any of those terms are left
	 * out) and returns the response as new JSON text, without other
	 * plugins' lists. NULL when the query is refused: *error (may be NULL)
	 * is then a new string naming the problems, freed with host->free. */
	char *(*search)(const vd_host_t *host, const char *query_json, char **error);

	/* Applies a JSON Merge Patch (RFC 7386) to a stored jobseeker profile,
	 * validated like PATCH /v1/jobseekers/{id}; the write is asynchronous
	 * (durable soon after, not when this returns) and recorded as done by
	 * the plugin. Returns 0 when queued, -1 when the profile is absent or
	 * the result invalid: *error (may be NULL) then names the problem,
	 * freed with host->free. */
	int (*patch_profile)(const vd_host_t *host, const char *id, const char *patch_json,
	                     char **error);
};

/* The descriptor: the one exported symbol, named VD_PLUGIN_SYMBOL. */
typedef struct vd_plugin {
	unsigned abi_major; /* VD_PLUGIN_ABI_MAJOR the plugin was built with */
	unsigned abi_minor; /* VD_PLUGIN_ABI_MINOR the plugin was built with */
	const char *name;   /* unique; the key of its config block */
	const char *version;
	unsigned kinds; /* vd_plugin_kind bits */

	/* Called once after loading. config is the plugin's block as JSON text
	 * (the same as host->config()); the plugin refuses unknown keys by name.
	 * Keep host: it stays valid until fini. Returns 0, or non-zero to be
	 * refused (then fini is not called and everything registered is
	 * removed). *state is handed to every hook. */
	int (*init)(const vd_host_t *host, const char *config, void **state);
	/* Called before unloading (reload, shutdown). May be NULL. */
	void (*fini)(void *state);

	/* VD_PLUGIN_SOURCE: called once after init ("on start"); later polls are
	 * the plugin's own timer (host->schedule). */
	int (*source_poll)(void *state);

	/* VD_PLUGIN_RULES: a profile was stored (profile_json) or deleted
	 * (profile_json NULL). */
	int (*on_profile)(void *state, const char *id, const char *profile_json);
	/* VD_PLUGIN_RULES: the annotation of one search result, as JSON text in
	 * *annotation (malloc'd; NULL for none); the host adds it as
	 * "annotations": {"<plugin>": ...}. */
	int (*annotate)(void *state, const char *id, const char *profile_json, char **annotation);

	/* VD_PLUGIN_EXPANSION: an extra list for a search or vacancy-match
	 * answer. query_json is the normalised query, results_json the answer's
	 * results array. *list is JSON text (malloc'd; NULL for none), added as
	 * "lists": {"<plugin>": ...}. */
	int (*expand)(void *state, const char *query_json, const char *results_json, char **list);

	/* Since ABI 1.1; may be NULL. */

	/* VD_PLUGIN_RULES: checks the plugin's own part of a profile about to
	 * be stored (its "extensions" block, for one). *errors is NULL when
	 * the profile is acceptable, else JSON text of an array of
	 * {"pointer": "/extensions/<plugin>/...", "detail": "..."} (malloc'd);
	 * the write is then refused with 422 and those errors. */
	int (*check_profile)(void *state, const char *profile_json, char **errors);
} vd_plugin_t;

#ifdef __cplusplus
}
#endif

#endif

/* The plugin registry: loads the modules in plugins_dir with libltdl, hands
 * each its config block and its host table (include/vaardig/plugin.h), and
 * dispatches the hooks. A module that is refused or fails in a hook is
 * logged and reported, never fatal: the server keeps serving.
 *
 * Everything here runs on the event-loop thread. */
#ifndef VD_PLUGINS_H
#define VD_PLUGINS_H

#include <stdbool.h>

#include <event2/util.h>
#include <jansson.h>

#include "server.h"

typedef struct vd_plugins vd_plugins_t;

/* An empty registry for srv (which must outlive it); NULL when out of
 * memory. Loads nothing yet. */
vd_plugins_t *vd_plugins_new(vd_server_t *srv);
/* Unloads every plugin and frees the registry. Safe on NULL. Vacancy writes
 * a plugin queued may still complete afterwards (in vd_store_close). */
void vd_plugins_free(vd_plugins_t *reg);

/* Loads every *.so module in srv->config->plugins_dir (none when it is
 * unset), in name order, and runs each source plugin's first poll.
 * Returns how many were loaded; refused ones are logged and listed. */
size_t vd_plugins_load(vd_plugins_t *reg);
/* Calls fini and lt_dlclose on every plugin and forgets them all (routes
 * and timers included). */
void vd_plugins_unload(vd_plugins_t *reg);
/* Unloads all, then loads again (SIGHUP, POST /v1/plugins/reload). */
size_t vd_plugins_reload(vd_plugins_t *reg);
/* An evsignal callback (arg: the registry) that reloads. */
void vd_plugins_on_sighup(evutil_socket_t sig, short what, void *arg);

/* GET /v1/plugins's "plugins" array: {name, version, kinds, state, error,
 * file, hook_errors[, details]} per module, loaded and refused; new
 * reference. */
json_t *vd_plugins_list(const vd_plugins_t *reg);

/* Hooks for the core's call sites. None of them fails the caller: a
 * plugin's error is logged and counted, and its contribution left out. */

/* A profile was stored (profile_json) or deleted (NULL): every rules plugin's
 * on_profile. */
void vd_plugins_profile_changed(vd_plugins_t *reg, const char *id, const char *profile_json);
/* A vd_batch_cb's work: vd_plugins_profile_changed for every jobseeker
 * write of the committed batch. */
void vd_plugins_batch(vd_plugins_t *reg, vd_write_t *const *writes, size_t n);
/* Every rules plugin's check_profile of a profile about to be stored
 * (canonical JSON text): appends their {"pointer", "detail"} objects to
 * errors; returns false when there were any. */
bool vd_plugins_check_profile(vd_plugins_t *reg, const char *profile_json, json_t *errors);
/* Whether id has the prefix of a loaded source plugin ("<prefix>-..."): such
 * ids are that plugin's, and a PUT may not take them. */
bool vd_plugins_owns_vacancy_id(const vd_plugins_t *reg, const char *id);
/* Whether any loaded rules plugin annotates search results (when none
 * does, a search need not read the stored profiles it returns). */
bool vd_plugins_annotating(const vd_plugins_t *reg);
/* True when an expansion plugin is loaded (vd_plugins_expand has work). */
bool vd_plugins_expanding(const vd_plugins_t *reg);
/* The annotations of one search result: {"<plugin>": annotation, ...} from
 * every rules plugin's annotate; new reference, NULL when there are none. */
json_t *vd_plugins_annotate(vd_plugins_t *reg, const char *id, const char *profile_json);
/* Extra lists for a search or vacancy-match answer: {"<plugin>": list, ...}
 * from every expansion plugin's expand; new reference, NULL when none.
 * query and results are borrowed. */
json_t *vd_plugins_expand(vd_plugins_t *reg, const json_t *query, const json_t *results);

#endif

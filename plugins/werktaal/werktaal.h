/* werktaal: work-and-language trajectories (API.md "Plugin settings and
 * plugin routes"). The plugin's state and what its files share:
 *   plugin.c  descriptor, config, init/fini, on_profile (forgetting the
 *             trajectories of a deleted jobseeker)
 *   expand.c  the "werktaal" list added to search and vacancy-match answers
 *   routes.c  POST/GET/PATCH /v1/trajectories
 * with estimate.c (levels, parameters, weeks), relax.c (the relaxed query),
 * trajectory.c (one record checked and shown) and store.c (the file). */
#ifndef VD_WT_WERKTAAL_H
#define VD_WT_WERKTAAL_H

#include <vaardig/plugin.h>

#include "estimate.h"
#include "store.h"

#define VD_WT_MAX_GAP_DEFAULT 1
#define VD_WT_MAX_GAP_LIMIT   3

typedef struct vd_wt {
	const vd_host_t *host;
	int max_gap;           /* CEFR steps below the requirement still listed */
	vd_wt_params_t params; /* from data/werktaal.json or the config's file */
	char *params_path;
	vd_wt_store_t *store;
} vd_wt_t;

/* VD_PLUGIN_EXPANSION's hook (plugin.h). */
int vd_wt_expand(void *state, const char *query_json, const char *results_json, char **list);

/* Registers the trajectory routes; 0, or -1 when one is refused. */
int vd_wt_register_routes(vd_wt_t *wt);

/* Today (host->today) as days; false when the host gives no date. */
bool vd_wt_today(const vd_wt_t *wt, long *days);

#endif

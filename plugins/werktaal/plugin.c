/* werktaal: work-and-language trajectories (werktaal.h). The descriptor,
 * the config, and forgetting a deleted jobseeker's trajectories.
 *
 * Config: {"max_gap": 1, "parameters": "/path/werktaal.json"}. max_gap
 * (1..3, default 1) is how many CEFR steps below the asked Dutch level a
 * person may be to be listed; parameters defaults to werktaal.json in the
 * server's reference folder. Any other key is refused by name. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "werktaal.h"

bool
vd_wt_today(const vd_wt_t *wt, long *days)
{
	char today[11] = {0};

	wt->host->today(wt->host, today);
	return vd_wt_date_parse(today, days);
}

static void
werktaal_fini(void *state)
{
	vd_wt_t *wt = state;

	if (!wt)
		return;
	vd_wt_store_free(wt->store);
	free(wt->params_path);
	free(wt);
}

/* Reads the config block into wt; false after logging what is wrong. */
static bool
read_config(vd_wt_t *wt, const char *config)
{
	const vd_host_t *host = wt->host;
	json_t *conf = json_loads(config ? config : "{}", 0, NULL), *v;
	const char *key, *dir;
	bool ok = json_is_object(conf);
	size_t n;

	if (!ok)
		host->log(host, VD_LOG_ERROR, "its config must be a JSON object");
	wt->max_gap = VD_WT_MAX_GAP_DEFAULT;
	json_object_foreach(conf, key, v)
	{
		if (strcmp(key, "max_gap") == 0) {
			if (json_is_integer(v) && json_integer_value(v) >= 1 &&
			    json_integer_value(v) <= VD_WT_MAX_GAP_LIMIT) {
				wt->max_gap = (int)json_integer_value(v);
			} else {
				host->log(host, VD_LOG_ERROR,
				          "max_gap must be a whole number from 1 to %d",
				          VD_WT_MAX_GAP_LIMIT);
				ok = false;
			}
		} else if (strcmp(key, "parameters") == 0) {
			if (json_is_string(v) && json_string_length(v) > 0) {
				free(wt->params_path);
				wt->params_path = strdup(json_string_value(v));
			} else {
				host->log(host, VD_LOG_ERROR,
				          "parameters must be the path of a parameter file");
				ok = false;
			}
		} else {
			host->log(host, VD_LOG_ERROR, "unknown key '%s' in its config", key);
			ok = false;
		}
	}
	json_decref(conf);
	if (ok && !wt->params_path) {
		dir = host->reference_dir(host);
		n = strlen(dir ? dir : ".") + sizeof("/werktaal.json");
		wt->params_path = malloc(n);
		if (wt->params_path)
			snprintf(wt->params_path, n, "%s/werktaal.json", dir ? dir : ".");
	}
	return ok && wt->params_path;
}

static void
publish_details(const vd_wt_t *wt, size_t skipped)
{
	json_t *d =
	    json_pack("{s:i, s:s, s:I, s:I}", "max_gap", wt->max_gap, "parameters", wt->params_path,
	              "trajectories", (json_int_t)json_object_size(vd_wt_store_all(wt->store)),
	              "skipped_lines", (json_int_t)skipped);
	char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;

	if (text)
		wt->host->set_details(wt->host, text);
	free(text);
	json_decref(d);
}

static int
werktaal_init(const vd_host_t *host, const char *config, void **state)
{
	vd_wt_t *wt = NULL;
	const char *dir;
	char why[512];
	size_t skipped = 0;

	/* today, data_dir, search and patch_profile came with ABI 1.1. */
	if (host->abi_minor < 1 || host->size < sizeof(vd_host_t) || !host->today ||
	    !host->data_dir || !host->search || !host->patch_profile) {
		host->log(host, VD_LOG_ERROR, "needs a host with plugin ABI 1.1 or later");
		return -1;
	}
	wt = calloc(1, sizeof(*wt));
	if (!wt)
		return -1;
	wt->host = host;
	if (!read_config(wt, config))
		goto out_fail;
	if (!vd_wt_params_load(wt->params_path, &wt->params, why, sizeof(why))) {
		host->log(host, VD_LOG_ERROR, "parameters: %s", why);
		goto out_fail;
	}
	dir = host->data_dir(host);
	if (!dir) {
		host->log(host, VD_LOG_ERROR, "has no data folder for its trajectories");
		goto out_fail;
	}
	wt->store = vd_wt_store_open(dir, &skipped, why, sizeof(why));
	if (!wt->store) {
		host->log(host, VD_LOG_ERROR, "trajectories: %s", why);
		goto out_fail;
	}
	if (skipped)
		host->log(host, VD_LOG_WARN, "left out %zu unreadable trajectory lines", skipped);
	if (vd_wt_register_routes(wt) != 0)
		goto out_fail;
	publish_details(wt, skipped);
	host->log(host, VD_LOG_INFO, "%zu trajectories, max_gap %d",
	          json_object_size(vd_wt_store_all(wt->store)), wt->max_gap);
	*state = wt;
	return 0;
out_fail:
	werktaal_fini(wt);
	return -1;
}

/* A deleted jobseeker's trajectories go, from memory and from disk. */
static int
werktaal_on_profile(void *state, const char *id, const char *profile_json)
{
	vd_wt_t *wt = state;
	size_t removed = 0;
	char why[512];

	if (profile_json)
		return 0;
	if (vd_wt_store_remove_jobseeker(wt->store, id, &removed, why, sizeof(why)) != VD_WT_OK) {
		wt->host->log(wt->host, VD_LOG_ERROR, "trajectories of deleted %s not removed: %s",
		              id, why);
		return -1;
	}
	if (removed)
		wt->host->log(wt->host, VD_LOG_INFO, "removed %zu trajectories of deleted %s",
		              removed, id);
	return 0;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "werktaal",
    .version = "1.0.0",
    .kinds = VD_PLUGIN_RULES | VD_PLUGIN_EXPANSION,
    .init = werktaal_init,
    .fini = werktaal_fini,
    .on_profile = werktaal_on_profile,
    .expand = vd_wt_expand,
};

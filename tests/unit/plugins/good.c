/* A test module that does everything right: every hook kind, a route, a
 * timer. Its answers carry its counters so the loader test can see which
 * hooks ran. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vaardig/plugin.h"

typedef struct good {
	const vd_host_t *host;
	char config[200];
	int polls, ticks, profiles;
} good_t;

static char *
counters(const good_t *g, const char *id)
{
	char *out = malloc(400);
	if (out)
		snprintf(out, 400,
		         "{\"id\": \"%s\", \"config\": %s, \"polls\": %d, \"ticks\": %d, "
		         "\"profiles\": %d}",
		         id, g->config, g->polls, g->ticks, g->profiles);
	return out;
}

static int
echo(void *state, const vd_plugin_request_t *req, char **body)
{
	*body = counters(state, req->params[0]);
	return 200;
}

static int
refuse_teapots(void *state, const vd_plugin_request_t *req, char **body)
{
	(void)state;
	(void)req;
	*body = strdup("no teapots here");
	return 418;
}

static int
tick(void *state)
{
	((good_t *)state)->ticks++;
	return 0;
}

static int
good_init(const vd_host_t *host, const char *config, void **state)
{
	good_t *g = calloc(1, sizeof(*g));

	if (!g)
		return -1;
	g->host = host;
	snprintf(g->config, sizeof(g->config), "%s", config);
	if (host->register_route(host, "GET", "/v1/good/{}", VD_PLUGIN_ROLE_ADMIN, echo) != 0 ||
	    host->register_route(host, "POST", "/v1/good/{}", VD_PLUGIN_ROLE_ADMIN,
	                         refuse_teapots) != 0 ||
	    host->schedule(host, 1, tick) != 0) {
		free(g);
		return -1;
	}
	host->log(host, VD_LOG_INFO, "ready");
	*state = g;
	return 0;
}

static void
good_fini(void *state)
{
	free(state);
}

static int
good_poll(void *state)
{
	((good_t *)state)->polls++;
	return 0;
}

static int
good_on_profile(void *state, const char *id, const char *profile)
{
	(void)id;
	(void)profile;
	((good_t *)state)->profiles++;
	return 0;
}

static int
good_annotate(void *state, const char *id, const char *profile, char **annotation)
{
	(void)profile;
	*annotation = counters(state, id);
	return 0;
}

static int
good_expand(void *state, const char *query, const char *results, char **list)
{
	(void)state;
	*list = malloc(strlen(query) + strlen(results) + 40);
	if (*list)
		sprintf(*list, "{\"query\": %s, \"results\": %s}", query, results);
	return 0;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "good",
    .version = "2.3.4",
    .kinds = VD_PLUGIN_SOURCE | VD_PLUGIN_RULES | VD_PLUGIN_EXPANSION,
    .init = good_init,
    .fini = good_fini,
    .source_poll = good_poll,
    .on_profile = good_on_profile,
    .annotate = good_annotate,
    .expand = good_expand,
};

/* A test module that loads but fails in every hook, each in another way:
 * an error return with a log line, malformed JSON, a bare error code. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vaardig/plugin.h"

static const vd_host_t *the_host;

static int
broken_init(const vd_host_t *host, const char *config, void **state)
{
	(void)config;
	the_host = host;
	*state = NULL;
	return 0;
}

static int
broken_poll(void *state)
{
	(void)state;
	the_host->log(the_host, VD_LOG_ERROR, "the feed answered 500");
	return -1;
}

static int
broken_annotate(void *state, const char *id, const char *profile, char **annotation)
{
	(void)state;
	(void)id;
	(void)profile;
	*annotation = strdup("{not json");
	return 0;
}

static int
broken_expand(void *state, const char *query, const char *results, char **list)
{
	(void)state;
	(void)query;
	(void)results;
	*list = NULL;
	return -2;
}

static int
broken_on_profile(void *state, const char *id, const char *profile)
{
	(void)state;
	(void)id;
	(void)profile;
	return 1;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "hook-error",
    .version = "1.0.0",
    .kinds = VD_PLUGIN_SOURCE | VD_PLUGIN_RULES | VD_PLUGIN_EXPANSION,
    .init = broken_init,
    .source_poll = broken_poll,
    .on_profile = broken_on_profile,
    .annotate = broken_annotate,
    .expand = broken_expand,
};

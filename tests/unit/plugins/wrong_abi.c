/* A test module built for another major version of the plugin ABI. */
#include "config.h"

#include <stddef.h>

#include "vaardig/plugin.h"

static int
never(const vd_host_t *host, const char *config, void **state)
{
	(void)host;
	(void)config;
	*state = NULL;
	return 0;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR + 1,
    .abi_minor = 0,
    .name = "wrong-abi",
    .version = "9.0.0",
    .init = never,
};

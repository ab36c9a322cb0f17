/* A test module whose init registers a route and a timer, then fails: the
 * loader must remove both. */
#include "config.h"

#include <stddef.h>

#include "vaardig/plugin.h"

static int
handler(void *state, const vd_plugin_request_t *req, char **body)
{
	(void)state;
	(void)req;
	*body = NULL;
	return 204;
}

static int
tick(void *state)
{
	(void)state;
	return 0;
}

static int
fails_init(const vd_host_t *host, const char *config, void **state)
{
	(void)config;
	*state = NULL;
	host->register_route(host, "GET", "/v1/failing/route", VD_PLUGIN_ROLE_ADMIN, handler);
	host->schedule(host, 1, tick);
	host->log(host, VD_LOG_ERROR, "cannot reach the moon");
	return -1;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "init-fails",
    .version = "0.0.1",
    .init = fails_init,
};

/* The smallest useful vaardig plugin: it reads one setting, logs, and serves
 * GET /v1/example/hello. Build it in the tree (make) or on its own:
 *
 *   cc -shared -fPIC -o example.so example.c \
 *      $(pkg-config --cflags vaardig-plugin jansson) $(pkg-config --libs jansson)
 *
 * See plugins/README.md, "Writing a plugin". */
/* strdup: POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <vaardig/plugin.h>

typedef struct example {
	const vd_host_t *host;
	char *greeting;
	unsigned long calls;
} example_t;

/* GET /v1/example/hello: {"greeting": "...", "caller": "<token name>", "calls": N}. */
static int
hello(void *state, const vd_plugin_request_t *req, char **body)
{
	example_t *ex = state;
	json_t *answer = json_pack("{s:s, s:s, s:I}", "greeting", ex->greeting, "caller",
	                           req->token_name, "calls", (json_int_t)++ex->calls);

	*body = json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(answer);
	ex->host->log(ex->host, VD_LOG_INFO, "said hello to %s", req->token_name);
	return *body ? 200 : 500;
}

static void
example_fini(void *state)
{
	example_t *ex = state;

	if (!ex)
		return;
	free(ex->greeting);
	free(ex);
}

/* Config: {"greeting": "text"}; any other key is refused by name. */
static int
example_init(const vd_host_t *host, const char *config, void **state)
{
	example_t *ex = calloc(1, sizeof(*ex));
	json_t *conf = json_loads(config, 0, NULL), *v;
	const char *key;
	int rc = 0;

	if (!ex || !json_is_object(conf)) {
		rc = -1;
		goto out;
	}
	ex->host = host;
	ex->greeting = strdup("hallo");
	json_object_foreach(conf, key, v)
	{
		if (strcmp(key, "greeting") == 0 && json_is_string(v)) {
			free(ex->greeting);
			ex->greeting = strdup(json_string_value(v));
		} else {
			host->log(host, VD_LOG_ERROR, "unknown key '%s' in its config", key);
			rc = -1;
		}
	}
	if (rc == 0)
		rc = host->register_route(host, "GET", "/v1/example/hello",
		                          VD_PLUGIN_ROLE_EMPLOYER | VD_PLUGIN_ROLE_CASEWORKER |
		                              VD_PLUGIN_ROLE_ADMIN,
		                          hello);
out:
	json_decref(conf);
	if (rc != 0) {
		example_fini(ex);
		return -1;
	}
	host->log(host, VD_LOG_INFO, "ready to say '%s'", ex->greeting);
	*state = ex;
	return 0;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "example",
    .version = "1.0.0",
    .kinds = 0,
    .init = example_init,
    .fini = example_fini,
};

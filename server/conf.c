/* Reads the configuration file and reports every problem in it at once. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "conf.h"

static const struct {
	const char *name;
	vd_role_t role;
} roles[] = {
    {"employer-service", VD_ROLE_EMPLOYER},
    {"caseworker", VD_ROLE_CASEWORKER},
    {"admin", VD_ROLE_ADMIN},
};

const char *
vd_role_name(vd_role_t role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == role)
			return roles[i].name;
	return "none";
}

static void
problem(json_t *problems, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(problems, json_string(buf));
}

void
vd_sha256_hex(const char *text, size_t len, char *hex)
{
	unsigned char digest[32];
	unsigned int n = 0;

	EVP_Digest(text, len, digest, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
}

static bool
parse_hex32(const char *hex, unsigned char *out)
{
	if (strlen(hex) != 64)
		return false;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			return false;
		out[i] = (unsigned char)v;
	}
	return true;
}

static bool
parse_listen(const char *listen, vd_config_t *config)
{
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;

	if (!colon || colon == listen)
		return false;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 || colon[1] == '\0')
		return false;
	config->listen_host = strndup(listen, (size_t)(colon - listen));
	config->listen_port = (int)port;
	return config->listen_host != NULL;
}

static void
load_tokens(json_t *tokens, vd_config_t *config, json_t *problems)
{
	size_t i;
	json_t *t;

	if (!json_is_array(tokens) || json_array_size(tokens) == 0) {
		problem(problems, "tokens: must be a non-empty array of {name, role, sha256}");
		return;
	}
	config->tokens = calloc(json_array_size(tokens), sizeof(vd_token_t));
	json_array_foreach(tokens, i, t)
	{
		vd_token_t *tok = &config->tokens[config->n_tokens];
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *role = json_string_value(json_object_get(t, "role"));
		const char *hash = json_string_value(json_object_get(t, "sha256"));
		const char *key;
		json_t *v;

		if (!json_is_object(t)) {
			/* One problem for it, not one per missing member. */
			problem(problems, "tokens[%zu]: must be an object {name, role, sha256}", i);
			tok->name = strdup("");
			config->n_tokens++;
			continue;
		}
		json_object_foreach(t, key, v)
		{
			if (strcmp(key, "name") && strcmp(key, "role") && strcmp(key, "sha256"))
				problem(problems, "tokens[%zu]: unknown key '%s'", i, key);
		}
		if (!name || !*name)
			problem(problems, "tokens[%zu].name: must be a non-empty string", i);
		tok->role = VD_ROLE_NONE;
		for (size_t r = 0; role && r < sizeof(roles) / sizeof(roles[0]); r++)
			if (strcmp(role, roles[r].name) == 0)
				tok->role = roles[r].role;
		if (tok->role == VD_ROLE_NONE)
			problem(problems,
			        "tokens[%zu].role: must be employer-service, caseworker or admin",
			        i);
		if (!hash || !parse_hex32(hash, tok->sha256))
			problem(problems,
			        "tokens[%zu].sha256: must be 64 hex digits (sha256 of the token)",
			        i);
		tok->name = strdup(name ? name : "");
		config->n_tokens++;
	}
}

static int
int_setting(json_t *obj, const char *key, int def, int min, int max, json_t *problems)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return def;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		problem(problems, "limits.%s: must be an integer from %d to %d", key, min, max);
		return def;
	}
	return (int)json_integer_value(v);
}

/* One search thread per core by default (search_pool.h); 0 answers
 * searches on the event loop. */
static int
search_threads_setting(json_t *root, json_t *problems)
{
	json_t *v = json_object_get(root, "search_threads");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (!v)
		return cores < 1 ? 1 : cores > 16 ? 16 : (int)cores;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 64) {
		problem(problems, "search_threads: must be an integer from 0 to 64");
		return 0;
	}
	return (int)json_integer_value(v);
}

static void
load_limits(json_t *limits, vd_limits_t *l, json_t *problems)
{
	static const char *known[] = {"max_body_bytes",   "max_header_bytes", "request_timeout_s",
	                              "max_count",        "max_per_page",     "max_json_depth",
	                              "max_import_bytes", "max_headers",      "max_connections",
	                              "idle_timeout_s",   "min_free_bytes"};
	const char *key;
	json_t *v;

	if (limits && !json_is_object(limits)) {
		problem(problems, "limits: must be an object");
		limits = NULL;
	}
	json_object_foreach(limits, key, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok)
			problem(problems, "limits: unknown key '%s'", key);
	}
	l->max_body_bytes =
	    (size_t)int_setting(limits, "max_body_bytes", 1 << 20, 1024, 1 << 30, problems);
	l->max_header_bytes =
	    (size_t)int_setting(limits, "max_header_bytes", 16384, 1024, 1 << 20, problems);
	l->request_timeout_s = int_setting(limits, "request_timeout_s", 30, 1, 3600, problems);
	l->max_count = int_setting(limits, "max_count", 1000, 1, 100000, problems);
	l->max_per_page = int_setting(limits, "max_per_page", 1000, 1, 100000, problems);
	l->max_json_depth = int_setting(limits, "max_json_depth", 32, 4, 1000, problems);
	l->max_import_bytes =
	    (size_t)int_setting(limits, "max_import_bytes", 256 << 20, 1024, 1 << 30, problems);
	l->max_headers = int_setting(limits, "max_headers", 100, 1, 10000, problems);
	l->max_connections = int_setting(limits, "max_connections", 1024, 1, 1000000, problems);
	l->idle_timeout_s = int_setting(limits, "idle_timeout_s", 60, 1, 3600, problems);
	l->min_free_bytes =
	    (size_t)int_setting(limits, "min_free_bytes", 64 << 20, 0, 1 << 30, problems);
}

/* The "audit" block: {"max_bytes": N}, 64 MiB by default. */
static void
load_audit(json_t *audit, vd_audit_config_t *a, json_t *problems)
{
	const char *key;
	json_t *v;

	a->max_bytes = 64u << 20;
	if (audit && !json_is_object(audit)) {
		problem(problems, "audit: must be an object");
		return;
	}
	json_object_foreach(audit, key, v)
	{
		if (strcmp(key, "max_bytes") != 0)
			problem(problems, "audit: unknown key '%s'", key);
		else if (!json_is_integer(v) || json_integer_value(v) < 1024 ||
		         json_integer_value(v) > (json_int_t)1 << 40)
			problem(problems, "audit.max_bytes: must be an integer from 1024 to 2^40");
		else
			a->max_bytes = (size_t)json_integer_value(v);
	}
}

static char *
string_setting(json_t *root, const char *key, bool required, json_t *problems)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		if (required)
			problem(problems, "%s: missing", key);
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		problem(problems, "%s: must be a non-empty string", key);
		return NULL;
	}
	return strdup(json_string_value(v));
}

/* The file's JSON, or NULL with one problem. Problems never name the file:
 * the caller puts it in front of each, so it is named once. */
static json_t *
read_json(const char *path, json_t *problems)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	json_error_t jerr;
	json_t *root;

	if (!f) {
		problem(problems, "cannot read: %s", strerror(errno));
		return NULL;
	}
	/* fopen() opens a directory; reading it would only say "end of file". */
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		problem(problems, "cannot read: %s",
		        S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
		fclose(f);
		return NULL;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		problem(problems, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	fclose(f);
	return root;
}

vd_config_t *
vd_config_load(const char *path, json_t *problems)
{
	static const char *known[] = {"listen",        "data_dir", "plugins_dir",
	                              "reference_dir", "tokens",   "plugins",
	                              "limits",        "audit",    "search_threads"};
	size_t before = json_array_size(problems);
	json_t *root = read_json(path, problems);
	vd_config_t *config;
	const char *key;
	json_t *v;
	char *listen;

	if (!root)
		return NULL;
	config = calloc(1, sizeof(*config));
	config->path = strdup(path);
	if (!json_is_object(root)) {
		problem(problems, "(top level): must be a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok)
			problem(problems, "unknown key '%s'", key);
	}
	listen = string_setting(root, "listen", false, problems);
	if (!parse_listen(listen ? listen : "127.0.0.1:8080", config))
		problem(problems, "listen: must be HOST:PORT, for example 127.0.0.1:8080");
	free(listen);
	config->data_dir = string_setting(root, "data_dir", true, problems);
	config->plugins_dir = string_setting(root, "plugins_dir", false, problems);
	config->reference_dir = string_setting(root, "reference_dir", false, problems);
	if (!config->reference_dir)
		config->reference_dir = strdup(VD_DATADIR);
	load_tokens(json_object_get(root, "tokens"), config, problems);
	config->plugins = json_object_get(root, "plugins");
	if (config->plugins && !json_is_object(config->plugins))
		problem(problems, "plugins: must be an object keyed by plugin name");
	config->plugins =
	    json_is_object(config->plugins) ? json_incref(config->plugins) : json_object();
	load_limits(json_object_get(root, "limits"), &config->limits, problems);
	load_audit(json_object_get(root, "audit"), &config->audit, problems);
	config->search_threads = search_threads_setting(root, problems);
out:
	json_decref(root);
	if (json_array_size(problems) > before) {
		vd_config_free(config);
		return NULL;
	}
	return config;
}

void
vd_config_free(vd_config_t *config)
{
	if (!config)
		return;
	for (size_t i = 0; i < config->n_tokens; i++)
		free(config->tokens[i].name);
	free(config->tokens);
	json_decref(config->plugins);
	free(config->reference_dir);
	free(config->plugins_dir);
	free(config->data_dir);
	free(config->listen_host);
	free(config->path);
	free(config);
}

const vd_token_t *
vd_config_authenticate(const vd_config_t *config, const char *secret)
{
	unsigned char digest[32];
	unsigned int n = 0;
	const vd_token_t *found = NULL;

	EVP_Digest(secret, strlen(secret), digest, &n, EVP_sha256(), NULL);
	/* Look at every token whatever matched, so timing tells nothing. */
	for (size_t i = 0; i < config->n_tokens; i++)
		if (CRYPTO_memcmp(digest, config->tokens[i].sha256, 32) == 0)
			found = &config->tokens[i];
	return found;
}

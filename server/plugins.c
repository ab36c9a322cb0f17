/* The plugin loader and registry: libltdl opens each module in plugins_dir,
 * its descriptor is checked, init runs with the plugin's config block, and
 * the hooks are dispatched from here. A refused module is closed again with
 * everything it registered removed, and stays listed with its reason. */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "plugin_internal.h"

vd_plugins_t *
vd_plugins_new(vd_server_t *srv)
{
	vd_plugins_t *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	/* lt_dlinit and lt_dlexit count their callers themselves. */
	if (lt_dlinit() != 0) {
		vd_log_error("plugins: libltdl does not start: %s", lt_dlerror());
		free(reg);
		return NULL;
	}
	reg->srv = srv;
	return reg;
}

static void
ctx_free(vd_plugin_ctx_t *ctx)
{
	if (!ctx)
		return;
	vd_plugin_host_clear(ctx);
	if (ctx->handle)
		lt_dlclose(ctx->handle);
	json_decref(ctx->details);
	free(ctx->file);
	free(ctx->name);
	free(ctx->version);
	free(ctx->id_prefix);
	free(ctx->error);
	free(ctx->log_error);
	free(ctx->config);
	free(ctx->data_dir);
	free(ctx);
}

void
vd_plugins_unload(vd_plugins_t *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++) {
		vd_plugin_ctx_t *ctx = reg->all[i];
		/* Timers and routes go first, so nothing calls into the plugin
		 * while fini tears its state down. */
		vd_plugin_host_clear(ctx);
		if (ctx->state == VD_PLUGIN_LOADED && ctx->desc->fini)
			ctx->desc->fini(ctx->plugin_state);
		ctx_free(ctx);
	}
	free(reg->all);
	reg->all = NULL;
	reg->n = 0;
}

void
vd_plugins_free(vd_plugins_t *reg)
{
	if (!reg)
		return;
	vd_plugins_unload(reg);
	lt_dlexit();
	/* A vacancy write still queued calls back into the registry: the last
	 * such callback frees it (vd_plugins_write_done). */
	reg->freed = true;
	if (reg->writes_in_flight == 0)
		free(reg);
}

void
vd_plugins_write_done(vd_plugins_t *reg, const char *name, const char *error)
{
	reg->writes_in_flight--;
	if (error && !reg->freed) {
		for (size_t i = 0; i < reg->n; i++) {
			vd_plugin_ctx_t *ctx = reg->all[i];
			if (strcmp(ctx->name, name) != 0)
				continue;
			ctx->hook_errors++;
			free(ctx->error);
			ctx->error = strdup(error);
		}
	}
	if (reg->freed && reg->writes_in_flight == 0)
		free(reg);
}

/* Records the refusal: one log line naming the file and the reason, and the
 * module closed again with whatever it registered. */
static void refuse(vd_plugin_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
refuse(vd_plugin_ctx_t *ctx, const char *fmt, ...)
{
	char reason[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vd_log_error("plugin %s refused: %s", ctx->file, reason);
	ctx->state = VD_PLUGIN_FAILED;
	free(ctx->error);
	ctx->error = strdup(reason);
	vd_plugin_host_clear(ctx);
	if (ctx->handle)
		lt_dlclose(ctx->handle);
	ctx->handle = NULL;
	ctx->desc = NULL;
	ctx->plugin_state = NULL;
}

static const vd_plugin_ctx_t *
find_loaded(const vd_plugins_t *reg, const char *name)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->all[i]->state == VD_PLUGIN_LOADED && strcmp(reg->all[i]->name, name) == 0)
			return reg->all[i];
	return NULL;
}

/* The part of the descriptor that must hold before init may run; returns
 * false after refusing. */
static bool
descriptor_acceptable(vd_plugins_t *reg, vd_plugin_ctx_t *ctx)
{
	const vd_plugin_t *d = ctx->desc;
	const vd_plugin_ctx_t *twin;

	if (d->abi_major != VD_PLUGIN_ABI_MAJOR) {
		refuse(ctx, "built for plugin ABI %u.%u, this server has ABI %u.%u", d->abi_major,
		       d->abi_minor, VD_PLUGIN_ABI_MAJOR, VD_PLUGIN_ABI_MINOR);
		return false;
	}
	if (!d->name || !*d->name || strlen(d->name) > 64 || !d->init) {
		refuse(ctx, "the descriptor lacks a name (1 to 64 bytes) or an init function");
		return false;
	}
	free(ctx->name);
	ctx->name = strdup(d->name);
	ctx->version = strdup(d->version ? d->version : "");
	ctx->kinds = d->kinds;
	twin = find_loaded(reg, d->name);
	if (twin) {
		refuse(ctx, "a plugin named '%s' is already loaded from %s", d->name, twin->file);
		return false;
	}
	return true;
}

/* The plugin's config block as JSON text; false after refusing. */
static bool
take_config(vd_plugins_t *reg, vd_plugin_ctx_t *ctx)
{
	json_t *block = json_object_get(reg->srv->config->plugins, ctx->name);

	if (block && !json_is_object(block)) {
		refuse(ctx, "its block in the config's plugins must be a JSON object");
		return false;
	}
	ctx->config = block ? json_dumps(block, JSON_COMPACT | JSON_PRESERVE_ORDER) : strdup("{}");
	return ctx->config != NULL;
}

/* libltdl says only "file not found" of a file that is not a shared object. */
static bool
looks_like_elf(const char *path)
{
	unsigned char magic[4] = {0};
	FILE *f = fopen(path, "rb");
	bool elf = f && fread(magic, 1, 4, f) == 4 &&
	           memcmp(magic,
	                  "\x7f"
	                  "ELF",
	                  4) == 0;

	if (f)
		fclose(f);
	return elf;
}

/* Opens one module; it ends up listed as loaded or failed. */
static void
load_one(vd_plugins_t *reg, vd_plugin_ctx_t *ctx)
{
	const char *prefix;
	int rc;

	if (!looks_like_elf(ctx->file)) {
		refuse(ctx, "not a shared object (no ELF header)");
		return;
	}
	ctx->handle = lt_dlopen(ctx->file);
	if (!ctx->handle) {
		refuse(ctx, "cannot be opened: %s", lt_dlerror());
		return;
	}
	ctx->desc = lt_dlsym(ctx->handle, VD_PLUGIN_SYMBOL);
	if (!ctx->desc) {
		refuse(ctx, "it has no '%s' symbol: %s", VD_PLUGIN_SYMBOL, lt_dlerror());
		return;
	}
	if (!descriptor_acceptable(reg, ctx) || !take_config(reg, ctx))
		return;
	prefix = strncmp(ctx->name, "source-", 7) == 0 && ctx->name[7] ? ctx->name + 7 : ctx->name;
	ctx->id_prefix = strdup(prefix);
	vd_plugin_host_init(ctx);
	vd_plugin_call_begin(ctx);
	rc = ctx->desc->init(&ctx->host, ctx->config, &ctx->plugin_state);
	if (rc != 0) {
		refuse(ctx, "init failed: %s",
		       ctx->log_error ? ctx->log_error : "it returned an error");
		return;
	}
	ctx->state = VD_PLUGIN_LOADED;
	vd_log_info("plugin %s %s loaded from %s", ctx->name, ctx->version, ctx->file);
}

static bool
is_module_name(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && name[0] != '.' && strcmp(name + n - 3, ".so") == 0;
}

static vd_plugin_ctx_t *
ctx_new(vd_plugins_t *reg, const char *dir, const char *file)
{
	vd_plugin_ctx_t *ctx = calloc(1, sizeof(*ctx));
	size_t len = strlen(dir) + strlen(file) + 2;

	if (!ctx)
		return NULL;
	ctx->reg = reg;
	ctx->state = VD_PLUGIN_LOADING;
	ctx->file = malloc(len);
	ctx->name = strndup(file, strlen(file) - 3);
	if (!ctx->file || !ctx->name) {
		ctx_free(ctx);
		return NULL;
	}
	snprintf(ctx->file, len, "%s/%s", dir, file);
	return ctx;
}

static void
first_polls(vd_plugins_t *reg)
{
	for (size_t i = 0; i < reg->n; i++) {
		vd_plugin_ctx_t *ctx = reg->all[i];
		if (ctx->state != VD_PLUGIN_LOADED || !(ctx->kinds & VD_PLUGIN_SOURCE) ||
		    !ctx->desc->source_poll)
			continue;
		vd_plugin_call_begin(ctx);
		vd_plugin_call_end(ctx, "source_poll", ctx->desc->source_poll(ctx->plugin_state));
	}
}

size_t
vd_plugins_load(vd_plugins_t *reg)
{
	const char *dir = reg->srv->config->plugins_dir;
	struct dirent **names = NULL;
	size_t loaded = 0;
	int n;

	if (!dir)
		return 0;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		vd_log_error("plugins: cannot read the folder %s: %m", dir);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		vd_plugin_ctx_t *ctx = NULL, **all;
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (is_module_name(names[i]->d_name) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			ctx = ctx_new(reg, dir, names[i]->d_name);
		free(names[i]);
		if (!ctx)
			continue;
		all = realloc(reg->all, (reg->n + 1) * sizeof(*all));
		if (!all) {
			ctx_free(ctx);
			continue;
		}
		reg->all = all;
		reg->all[reg->n++] = ctx;
		load_one(reg, ctx);
		loaded += ctx->state == VD_PLUGIN_LOADED;
	}
	free(names);
	vd_log_info("plugins: %zu of %zu modules in %s loaded", loaded, reg->n, dir);
	first_polls(reg);
	return loaded;
}

size_t
vd_plugins_reload(vd_plugins_t *reg)
{
	vd_log_info("plugins: reloading");
	vd_plugins_unload(reg);
	return vd_plugins_load(reg);
}

void
vd_plugins_on_sighup(evutil_socket_t sig, short what, void *arg)
{
	vd_plugins_t *reg = arg;

	(void)sig;
	(void)what;
	if (!reg->srv->stopping)
		vd_plugins_reload(reg);
}

void
vd_plugin_call_begin(vd_plugin_ctx_t *ctx)
{
	free(ctx->log_error);
	ctx->log_error = NULL;
}

void
vd_plugin_call_end(vd_plugin_ctx_t *ctx, const char *what, int rc)
{
	char text[600];

	if (rc == 0)
		return;
	ctx->hook_errors++;
	if (ctx->log_error)
		snprintf(text, sizeof(text), "%s failed: %s", what, ctx->log_error);
	else
		snprintf(text, sizeof(text), "%s failed: it returned %d", what, rc);
	free(ctx->error);
	ctx->error = strdup(text);
	vd_log_error("plugin %s: %s", ctx->name, text);
}

static json_t *
kinds_json(unsigned kinds)
{
	json_t *out = json_array();

	if (kinds & VD_PLUGIN_SOURCE)
		json_array_append_new(out, json_string("source"));
	if (kinds & VD_PLUGIN_RULES)
		json_array_append_new(out, json_string("rules"));
	if (kinds & VD_PLUGIN_EXPANSION)
		json_array_append_new(out, json_string("expansion"));
	return out;
}

json_t *
vd_plugins_list(const vd_plugins_t *reg)
{
	json_t *list = json_array();

	for (size_t i = 0; i < reg->n; i++) {
		const vd_plugin_ctx_t *ctx = reg->all[i];
		json_t *entry =
		    json_pack("{s:s, s:o, s:o, s:s, s:o, s:s, s:I}", "name", ctx->name, "version",
		              ctx->version ? json_string(ctx->version) : json_null(), "kinds",
		              kinds_json(ctx->kinds), "state",
		              ctx->state == VD_PLUGIN_LOADED ? "loaded" : "failed", "error",
		              ctx->error ? json_string(ctx->error) : json_null(), "file", ctx->file,
		              "hook_errors", (json_int_t)ctx->hook_errors);
		if (entry && ctx->details)
			json_object_set(entry, "details", ctx->details);
		json_array_append_new(list, entry);
	}
	return list;
}

static bool
hooked(const vd_plugin_ctx_t *ctx, unsigned kind)
{
	return ctx->state == VD_PLUGIN_LOADED && (ctx->kinds & kind);
}

void
vd_plugins_profile_changed(vd_plugins_t *reg, const char *id, const char *profile_json)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++) {
		vd_plugin_ctx_t *ctx = reg->all[i];
		if (!hooked(ctx, VD_PLUGIN_RULES) || !ctx->desc->on_profile)
			continue;
		vd_plugin_call_begin(ctx);
		vd_plugin_call_end(ctx, "on_profile",
		                   ctx->desc->on_profile(ctx->plugin_state, id, profile_json));
	}
}

void
vd_plugins_batch(vd_plugins_t *reg, vd_write_t *const *writes, size_t n)
{
	for (size_t i = 0; reg && i < n; i++) {
		const vd_write_t *w = writes[i];
		const char *data = NULL;

		if (w->status != VD_OK || strncmp(w->unique_term, "Qj", 2) != 0)
			continue;
		if (w->kind == VD_WRITE_REPLACE)
			data = vd_doc_data(w->doc, NULL);
		else if (w->docid == 0)
			continue; /* deleted nothing */
		vd_plugins_profile_changed(reg, w->unique_term + 2, data);
	}
}

/* A plugin's check_profile answer: a JSON array of {"pointer", "detail"}
 * whose pointers lie under /extensions (a plugin judges only its own part).
 * Appends them to errors; false when the answer is malformed. */
static bool
take_problems(const char *text, json_t *errors)
{
	json_t *list = json_loads(text, 0, NULL), *e;
	size_t i;
	bool ok = json_is_array(list) && json_array_size(list) > 0;

	json_array_foreach(list, i, e)
	{
		const char *pointer = json_string_value(json_object_get(e, "pointer"));
		const char *detail = json_string_value(json_object_get(e, "detail"));
		if (!pointer || !detail || strncmp(pointer, "/extensions/", 12) != 0)
			ok = false;
	}
	if (ok)
		json_array_foreach(list, i, e) json_array_append_new(
		    errors, json_pack("{s:O, s:O}", "pointer", json_object_get(e, "pointer"),
		                      "detail", json_object_get(e, "detail")));
	json_decref(list);
	return ok;
}

bool
vd_plugins_check_profile(vd_plugins_t *reg, const char *profile_json, json_t *errors)
{
	size_t before = json_array_size(errors);

	for (size_t i = 0; reg && i < reg->n; i++) {
		vd_plugin_ctx_t *ctx = reg->all[i];
		char *text = NULL;
		int rc;
		/* check_profile came with ABI 1.1: an older descriptor ends before it. */
		if (!hooked(ctx, VD_PLUGIN_RULES) || ctx->desc->abi_minor < 1 ||
		    !ctx->desc->check_profile)
			continue;
		vd_plugin_call_begin(ctx);
		rc = ctx->desc->check_profile(ctx->plugin_state, profile_json, &text);
		if (rc == 0 && text && !take_problems(text, errors)) {
			if (!ctx->log_error)
				ctx->log_error =
				    strdup("it returned errors that are not a JSON array "
				           "of {pointer under /extensions/, detail}");
			rc = -1;
		}
		free(text);
		vd_plugin_call_end(ctx, "check_profile", rc);
	}
	return json_array_size(errors) == before;
}

/* Parses what a hook handed back (malloc'd text, freed here) into out under
 * the plugin's name; a malformed answer counts as the hook's failure. */
static void
take_answer(vd_plugin_ctx_t *ctx, const char *what, int rc, char *text, json_t **out)
{
	json_t *value = NULL;

	if (rc == 0 && text) {
		value = json_loads(text, JSON_DECODE_ANY, NULL);
		if (!value)
			rc = -1;
		if (!value && !ctx->log_error)
			ctx->log_error = strdup("it returned malformed JSON");
	}
	free(text);
	vd_plugin_call_end(ctx, what, rc);
	if (rc != 0 || !value) {
		json_decref(value);
		return;
	}
	if (!*out)
		*out = json_object();
	json_object_set_new(*out, ctx->name, value);
}

bool
vd_plugins_owns_vacancy_id(const vd_plugins_t *reg, const char *id)
{
	for (size_t i = 0; reg && i < reg->n; i++) {
		const vd_plugin_ctx_t *ctx = reg->all[i];
		size_t n = ctx->id_prefix ? strlen(ctx->id_prefix) : 0;
		if (n && hooked(ctx, VD_PLUGIN_SOURCE) && strncmp(id, ctx->id_prefix, n) == 0 &&
		    id[n] == '-')
			return true;
	}
	return false;
}

bool
vd_plugins_annotating(const vd_plugins_t *reg)
{
	for (size_t i = 0; reg && i < reg->n; i++)
		if (hooked(reg->all[i], VD_PLUGIN_RULES) && reg->all[i]->desc->annotate)
			return true;
	return false;
}

json_t *
vd_plugins_annotate(vd_plugins_t *reg, const char *id, const char *profile_json)
{
	json_t *out = NULL;

	if (!reg)
		return NULL;
	for (size_t i = 0; i < reg->n; i++) {
		vd_plugin_ctx_t *ctx = reg->all[i];
		char *text = NULL;
		int rc;
		if (!hooked(ctx, VD_PLUGIN_RULES) || !ctx->desc->annotate)
			continue;
		vd_plugin_call_begin(ctx);
		rc = ctx->desc->annotate(ctx->plugin_state, id, profile_json, &text);
		take_answer(ctx, "annotate", rc, text, &out);
	}
	return out;
}

bool
vd_plugins_expanding(const vd_plugins_t *reg)
{
	for (size_t i = 0; reg && i < reg->n; i++)
		if (hooked(reg->all[i], VD_PLUGIN_EXPANSION) && reg->all[i]->desc->expand)
			return true;
	return false;
}

json_t *
vd_plugins_expand(vd_plugins_t *reg, const json_t *query, const json_t *results)
{
	json_t *out = NULL;
	char *query_text, *results_text;

	/* Encoding a whole answer costs more than many searches: only for a taker. */
	if (!vd_plugins_expanding(reg))
		return NULL;
	query_text = json_dumps(query, JSON_COMPACT | JSON_ENCODE_ANY);
	results_text = json_dumps(results, JSON_COMPACT | JSON_ENCODE_ANY);
	for (size_t i = 0; query_text && results_text && i < reg->n; i++) {
		vd_plugin_ctx_t *ctx = reg->all[i];
		char *text = NULL;
		int rc;
		if (!hooked(ctx, VD_PLUGIN_EXPANSION) || !ctx->desc->expand)
			continue;
		vd_plugin_call_begin(ctx);
		rc = ctx->desc->expand(ctx->plugin_state, query_text, results_text, &text);
		take_answer(ctx, "expand", rc, text, &out);
	}
	free(query_text);
	free(results_text);
	return out;
}

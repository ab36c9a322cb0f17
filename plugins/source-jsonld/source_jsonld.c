/* source-jsonld: vacancies from a folder of schema.org JobPosting JSON-LD, the
 * way vacancy sites publish them: *.json and *.jsonld files (one posting, an
 * array, an ItemList or an @graph) and saved *.html pages with the postings
 * in <script type="application/ld+json">. Changed files are read again on
 * the timer; vacancies of a vanished file are withdrawn; a file that cannot
 * be read is named in the plugin's details and skipped (a file that was
 * good before keeps its vacancies until it is fixed or removed).
 *
 * Config: {"dir": "/var/lib/vaardig/postings", "interval_s": 300}. Without
 * "dir" the plugin is loaded but idle. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "jsonld_read.h"

#define MAX_FILE_BYTES (16 * 1024 * 1024)

typedef struct jsonld {
	const vd_host_t *host;
	char *dir;
	unsigned interval_s;
	vd_src_tax_t *tax;
	vd_src_t *src;
	json_t *cache; /* {file: {"mtime", "size", "items": [...], "error"?}} */
} jsonld_t;

/* ---- reading files ----------------------------------------------------- */

static char *
read_file(const char *path, size_t *len, char *why, size_t why_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f) {
		snprintf(why, why_len, "cannot be opened: %m");
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > MAX_FILE_BYTES ||
	    fseek(f, 0, SEEK_SET) != 0) {
		snprintf(why, why_len, "cannot be read, or larger than %d bytes", MAX_FILE_BYTES);
	} else if ((buf = malloc((size_t)size + 1)) &&
	           fread(buf, 1, (size_t)size, f) == (size_t)size) {
		buf[size] = '\0';
		*len = (size_t)size;
	} else {
		snprintf(why, why_len, "cannot be read");
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Reads and maps one file: {"mtime", "size", "items": [{"label", "vacancy"
 * | "error"}], "error"?}, new. */
static json_t *
read_postings(jsonld_t *p, const char *name, const struct stat *st)
{
	char path[4096], why[600];
	json_t *entry;
	size_t len = 0;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	why[0] = '\0';
	text = read_file(path, &len, why, sizeof(why));
	entry = text ? vd_jsonld_read(p->tax, p->host, name, text, len)
	             : json_pack("{s:[], s:s}", "items", "error", why);
	json_object_set_new(entry, "mtime", json_real((double)st->st_mtime));
	json_object_set_new(entry, "size", json_integer((json_int_t)st->st_size));
	free(text);
	return entry;
}

/* ---- polling ----------------------------------------------------------- */

static bool
wanted(const char *name)
{
	const char *ext = strrchr(name, '.');
	return name[0] != '.' && ext &&
	       (strcasecmp(ext, ".json") == 0 || strcasecmp(ext, ".jsonld") == 0 ||
	        strcasecmp(ext, ".html") == 0 || strcasecmp(ext, ".htm") == 0);
}

/* The file's entry: the cached one while mtime and size hold. A file that
 * turned bad keeps the postings it had, with the new error. New reference. */
static json_t *
entry_for(jsonld_t *p, const char *name, const struct stat *st)
{
	json_t *cached = json_object_get(p->cache, name), *fresh;

	if (cached && json_real_value(json_object_get(cached, "mtime")) == (double)st->st_mtime &&
	    json_integer_value(json_object_get(cached, "size")) == (json_int_t)st->st_size)
		return json_incref(cached);
	fresh = read_postings(p, name, st);
	if (cached && json_object_get(fresh, "error") &&
	    json_array_size(json_object_get(fresh, "items")) == 0)
		json_object_set(fresh, "items", json_object_get(cached, "items"));
	return fresh;
}

static void
offer_entry(jsonld_t *p, const char *name, const json_t *entry)
{
	double mtime = json_real_value(json_object_get(entry, "mtime"));
	const char *error = json_string_value(json_object_get(entry, "error"));
	size_t i;
	json_t *item;

	if (error)
		vd_src_problem(p->src, name, "%s", error);
	json_array_foreach(json_object_get(entry, "items"), i, item)
	{
		const char *label = json_string_value(json_object_get(item, "label"));
		json_t *vacancy = json_object_get(item, "vacancy");
		if (vacancy)
			vd_src_offer(p->src, json_deep_copy(vacancy), name, label, mtime);
		else
			vd_src_problem(p->src, name, "%s: %s", label,
			               json_string_value(json_object_get(item, "error")));
	}
}

static int
poll_dir(void *state)
{
	jsonld_t *p = state;
	struct dirent **names = NULL;
	json_t *cache;
	int n;

	if (!p->dir)
		return 0;
	n = scandir(p->dir, &names, NULL, alphasort);
	if (n < 0) {
		/* Not "every file vanished": a missing mount withdraws nothing. */
		p->host->log(p->host, VD_LOG_ERROR, "cannot read the folder %s: %m", p->dir);
		return -1;
	}
	cache = json_object();
	vd_src_begin(p->src);
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", p->dir, names[i]->d_name);
		if (wanted(names[i]->d_name) && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			json_t *entry = entry_for(p, names[i]->d_name, &st);
			offer_entry(p, names[i]->d_name, entry);
			json_object_set_new(cache, names[i]->d_name, entry);
		}
		free(names[i]);
	}
	free(names);
	json_decref(p->cache);
	p->cache = cache;
	return vd_src_end(p->src);
}

/* ---- life cycle -------------------------------------------------------- */

static int
configure(jsonld_t *p, const char *config)
{
	json_error_t jerr;
	json_t *c = json_loads(config, 0, &jerr), *v;
	const char *key;
	int rc = 0;

	if (!json_is_object(c)) {
		p->host->log(p->host, VD_LOG_ERROR, "its config is not a JSON object");
		json_decref(c);
		return -1;
	}
	json_object_foreach(c, key, v)
	{
		if (strcmp(key, "dir") == 0 && json_is_string(v) && json_string_length(v)) {
			p->dir = strdup(json_string_value(v));
		} else if (strcmp(key, "interval_s") == 0 && json_is_integer(v) &&
		           json_integer_value(v) >= 1 && json_integer_value(v) <= 86400) {
			p->interval_s = (unsigned)json_integer_value(v);
		} else {
			p->host->log(p->host, VD_LOG_ERROR, "%s '%s' in its config",
			             strcmp(key, "dir") == 0 || strcmp(key, "interval_s") == 0
			                 ? "bad value for"
			                 : "unknown key",
			             key);
			rc = -1;
		}
	}
	json_decref(c);
	return rc;
}

static void
jsonld_fini(void *state)
{
	jsonld_t *p = state;

	if (!p)
		return;
	vd_src_free(p->src);
	vd_src_tax_free(p->tax);
	json_decref(p->cache);
	free(p->dir);
	free(p);
}

static int
jsonld_init(const vd_host_t *host, const char *config, void **state)
{
	jsonld_t *p = calloc(1, sizeof(*p));
	char *error = NULL;

	if (!p)
		return -1;
	p->host = host;
	p->interval_s = 300;
	p->cache = json_object();
	if (configure(p, config) != 0)
		goto fail;
	if (!p->dir) {
		host->log(host, VD_LOG_INFO, "no dir in its config: idle");
		*state = p;
		return 0;
	}
	p->tax = vd_src_tax_load(host->reference_dir(host), &error);
	p->src = vd_src_new(host);
	if (!p->tax || !p->src) {
		host->log(host, VD_LOG_ERROR, "cannot read the taxonomy: %s", error ? error : "");
		goto fail;
	}
	if (host->schedule(host, p->interval_s, poll_dir) != 0)
		goto fail;
	host->log(host, VD_LOG_INFO, "reading %s every %u s", p->dir, p->interval_s);
	*state = p;
	return 0;
fail:
	free(error);
	jsonld_fini(p);
	return -1;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "source-jsonld",
    .version = "1.0.0",
    .kinds = VD_PLUGIN_SOURCE,
    .init = jsonld_init,
    .fini = jsonld_fini,
    .source_poll = poll_dir,
};

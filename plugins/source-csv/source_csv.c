/* source-csv: vacancies from one CSV export, as an employer-service desk
 * keeps them in a spreadsheet: a header row, ';' or ',' between fields,
 * UTF-8 with or without a byte-order mark, RFC 4180 quoting (fields in
 * double quotes may hold the delimiter, "" for a quote, and line breaks).
 * The file is read again on the timer when it changed; rows that vanished
 * are withdrawn, bad rows are named in the plugin's details and skipped.
 *
 * Config: {"file": "...", "interval_s": 300, "delimiter": ";",
 *          "columns": {"id": "Vacaturenummer", "title": "Functie", ...}}.
 * Without "file" the plugin is loaded but idle. Without "delimiter" the
 * header row decides (';' when it has more of them than ','). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "csv_read.h"

#define MAX_FILE_BYTES (64 * 1024 * 1024)

typedef struct csv {
	const vd_host_t *host;
	char *file;
	const char *base; /* the file's name, for ids and messages */
	unsigned interval_s;
	vd_csv_layout_t layout; /* delimiter and columns, from the config */
	vd_src_tax_t *tax;
	vd_src_t *src;
	json_t *cache; /* {"mtime", "size", "items": [...], "error"?} or NULL */
} csv_t;

/* Reads one export: {"mtime", "size", "items": [...], "error"?}, new. */
static json_t *
read_rows(csv_t *c, const struct stat *st)
{
	FILE *f = fopen(c->file, "rb");
	char *text = NULL;
	size_t len = 0;
	json_t *entry;

	if (!f || st->st_size > MAX_FILE_BYTES || !(text = malloc((size_t)st->st_size + 1)) ||
	    (len = fread(text, 1, (size_t)st->st_size, f)) != (size_t)st->st_size) {
		char why[200];
		snprintf(why, sizeof(why), "cannot be read (or larger than %d bytes)",
		         MAX_FILE_BYTES);
		entry = json_pack("{s:[], s:s}", "items", "error", why);
	} else {
		text[len] = '\0';
		entry = vd_csv_read(&c->layout, c->tax, c->host, c->base, text, len);
	}
	json_object_set_new(entry, "mtime", json_real((double)st->st_mtime));
	json_object_set_new(entry, "size", json_integer((json_int_t)st->st_size));
	free(text);
	if (f)
		fclose(f);
	return entry;
}

/* ---- polling ------------------------------------------------------------- */

static int
poll_file(void *state)
{
	csv_t *c = state;
	struct stat st;
	json_t *entry, *item;
	size_t i;

	if (!c->file)
		return 0;
	vd_src_begin(c->src);
	if (stat(c->file, &st) != 0) {
		/* The export is gone: so are its vacancies. */
		json_decref(c->cache);
		c->cache = NULL;
		vd_src_problem(c->src, c->base, "the file is not there");
		return vd_src_end(c->src);
	}
	if (c->cache &&
	    json_real_value(json_object_get(c->cache, "mtime")) == (double)st.st_mtime &&
	    json_integer_value(json_object_get(c->cache, "size")) == (json_int_t)st.st_size) {
		entry = json_incref(c->cache);
	} else {
		entry = read_rows(c, &st);
		/* A file that turned unreadable keeps what it had. */
		if (c->cache && json_object_get(entry, "error") &&
		    json_array_size(json_object_get(entry, "items")) == 0)
			json_object_set(entry, "items", json_object_get(c->cache, "items"));
	}
	if (json_object_get(entry, "error"))
		vd_src_problem(c->src, c->base, "%s",
		               json_string_value(json_object_get(entry, "error")));
	json_array_foreach(json_object_get(entry, "items"), i, item)
	{
		const char *label = json_string_value(json_object_get(item, "label"));
		if (json_object_get(item, "vacancy"))
			vd_src_offer(c->src, json_deep_copy(json_object_get(item, "vacancy")),
			             c->base, label,
			             json_real_value(json_object_get(entry, "mtime")));
		else
			vd_src_problem(c->src, c->base, "%s: %s", label,
			               json_string_value(json_object_get(item, "error")));
	}
	json_decref(c->cache);
	c->cache = entry;
	return vd_src_end(c->src);
}

/* ---- life cycle ---------------------------------------------------------- */

static int
configure_columns(csv_t *c, json_t *columns)
{
	const char *key;
	json_t *v;
	int rc = 0;

	if (!json_is_object(columns)) {
		c->host->log(c->host, VD_LOG_ERROR, "columns must map fields to column names");
		return -1;
	}
	json_object_foreach(columns, key, v)
	{
		size_t f = 0;
		while (f < VD_CSV_N_FIELDS && strcmp(vd_csv_fields[f], key) != 0)
			f++;
		if (f == VD_CSV_N_FIELDS || !json_is_string(v) || !json_string_length(v)) {
			c->host->log(c->host, VD_LOG_ERROR, "%s '%s' in columns",
			             f == VD_CSV_N_FIELDS ? "unknown field" : "no column name for",
			             key);
			rc = -1;
			continue;
		}
		free(c->layout.columns[f]);
		c->layout.columns[f] = strdup(json_string_value(v));
		c->layout.explicit_column[f] = true;
	}
	return rc;
}

static int
configure(csv_t *c, const char *config)
{
	json_t *conf = json_loads(config, 0, NULL), *v;
	const char *key;
	int rc = 0;

	if (!json_is_object(conf)) {
		c->host->log(c->host, VD_LOG_ERROR, "its config is not a JSON object");
		json_decref(conf);
		return -1;
	}
	json_object_foreach(conf, key, v)
	{
		const char *s = json_string_value(v);
		if (strcmp(key, "file") == 0 && s && *s) {
			c->file = strdup(s);
		} else if (strcmp(key, "interval_s") == 0 && json_is_integer(v) &&
		           json_integer_value(v) >= 1 && json_integer_value(v) <= 86400) {
			c->interval_s = (unsigned)json_integer_value(v);
		} else if (strcmp(key, "delimiter") == 0 && s && strlen(s) == 1 &&
		           strchr(";,\t|", s[0])) {
			c->layout.delimiter = s[0];
		} else if (strcmp(key, "columns") == 0) {
			rc |= configure_columns(c, v);
		} else {
			c->host->log(c->host, VD_LOG_ERROR, "%s '%s' in its config",
			             strcmp(key, "file") == 0 || strcmp(key, "interval_s") == 0 ||
			                     strcmp(key, "delimiter") == 0
			                 ? "bad value for"
			                 : "unknown key",
			             key);
			rc = -1;
		}
	}
	json_decref(conf);
	return rc;
}

static void
csv_fini(void *state)
{
	csv_t *c = state;

	if (!c)
		return;
	for (size_t f = 0; f < VD_CSV_N_FIELDS; f++)
		free(c->layout.columns[f]);
	vd_src_free(c->src);
	vd_src_tax_free(c->tax);
	json_decref(c->cache);
	free(c->file);
	free(c);
}

static int
csv_init(const vd_host_t *host, const char *config, void **state)
{
	csv_t *c = calloc(1, sizeof(*c));
	char *error = NULL;

	if (!c)
		return -1;
	c->host = host;
	c->interval_s = 300;
	for (size_t f = 0; f < VD_CSV_N_FIELDS; f++)
		c->layout.columns[f] = strdup(vd_csv_fields[f]);
	if (configure(c, config) != 0)
		goto fail;
	if (!c->file) {
		host->log(host, VD_LOG_INFO, "no file in its config: idle");
		*state = c;
		return 0;
	}
	c->base = strrchr(c->file, '/') ? strrchr(c->file, '/') + 1 : c->file;
	c->tax = vd_src_tax_load(host->reference_dir(host), &error);
	c->src = vd_src_new(host);
	if (!c->tax || !c->src) {
		host->log(host, VD_LOG_ERROR, "cannot read the taxonomy: %s", error ? error : "");
		goto fail;
	}
	if (host->schedule(host, c->interval_s, poll_file) != 0)
		goto fail;
	host->log(host, VD_LOG_INFO, "reading %s every %u s", c->file, c->interval_s);
	*state = c;
	return 0;
fail:
	free(error);
	csv_fini(c);
	return -1;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "source-csv",
    .version = "1.0.0",
    .kinds = VD_PLUGIN_SOURCE,
    .init = csv_init,
    .fini = csv_fini,
    .source_poll = poll_file,
};

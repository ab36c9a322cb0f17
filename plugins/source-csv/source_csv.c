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

#include "source.h"

#define MAX_FILE_BYTES (64 * 1024 * 1024)

/* The vacancy fields a column can be mapped to; by default a column named
 * like the field. */
static const char *const fields[] = {
    "id",       "title",         "occupation", "municipality", "hours_per_week",
    "employer", "valid_through", "openings",   "requirements", "skills"};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

typedef struct csv {
	const vd_host_t *host;
	char *file;
	const char *base; /* the file's name, for ids and messages */
	unsigned interval_s;
	char delimiter; /* 0: from the header */
	char *columns[N_FIELDS];
	bool explicit_column[N_FIELDS];
	vd_src_tax_t *tax;
	vd_src_t *src;
	json_t *cache; /* {"mtime", "size", "items": [...], "error"?} or NULL */
} csv_t;

/* ---- RFC 4180 ------------------------------------------------------------ */

typedef struct parser {
	const char *p, *end;
	char delimiter;
	size_t line; /* physical line of p, for messages */
} parser_t;

/* One field into buf (malloc'd, grown); *last is set at the end of a record.
 * Returns false with why on malformed quoting. */
static bool
next_field(parser_t *ps, char **buf, size_t *cap, bool *last, char *why, size_t why_len)
{
	size_t n = 0;
	bool quoted = ps->p < ps->end && *ps->p == '"';
	size_t start_line = ps->line;

	if (quoted)
		ps->p++;
	for (;;) {
		char c;
		if (ps->p >= ps->end) {
			if (quoted) {
				snprintf(why, why_len,
				         "a quoted field from line %zu is never closed",
				         start_line);
				return false;
			}
			*last = true;
			break;
		}
		c = *ps->p;
		if (quoted && c == '"') {
			if (ps->p + 1 < ps->end && ps->p[1] == '"') {
				ps->p++; /* "" is one quote */
			} else {
				quoted = false;
				ps->p++;
				if (ps->p < ps->end && *ps->p != ps->delimiter && *ps->p != '\n' &&
				    *ps->p != '\r') {
					snprintf(why, why_len,
					         "line %zu: text after a closing quote", ps->line);
					return false;
				}
				continue;
			}
		} else if (!quoted && c == ps->delimiter) {
			ps->p++;
			break;
		} else if (!quoted && (c == '\n' || c == '\r')) {
			ps->p += (c == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n') ? 2 : 1;
			ps->line++;
			*last = true;
			break;
		} else if (c == '\n') {
			ps->line++;
		}
		if (n + 2 > *cap) {
			char *more = realloc(*buf, *cap ? *cap * 2 : 256);
			if (!more)
				return false;
			*buf = more;
			*cap = *cap ? *cap * 2 : 256;
		}
		(*buf)[n++] = *ps->p++;
	}
	if (!*buf && !(*buf = malloc(*cap = 256)))
		return false;
	(*buf)[n] = '\0';
	return true;
}

/* One record as an array of strings (new), NULL at the end of the text or
 * on an error (why set). A field that is not UTF-8 becomes null. */
static json_t *
next_record(parser_t *ps, char *why, size_t why_len)
{
	json_t *record;
	char *buf = NULL;
	size_t cap = 0;
	bool last = false;

	if (ps->p >= ps->end)
		return NULL;
	record = json_array();
	while (!last) {
		if (!next_field(ps, &buf, &cap, &last, why, why_len)) {
			json_decref(record);
			record = NULL;
			break;
		}
		json_t *field = json_string(buf);
		json_array_append_new(record, field ? field : json_null());
	}
	free(buf);
	return record;
}

/* ---- mapping a row ------------------------------------------------------- */

static char
guess_delimiter(const char *header, const char *end)
{
	size_t semi = 0, comma = 0;

	for (const char *c = header; c < end && *c != '\n'; c++) {
		semi += *c == ';';
		comma += *c == ',';
	}
	return semi > comma ? ';' : ',';
}

static const char *
cell(const json_t *row, const int *index, size_t field)
{
	const char *v =
	    index[field] >= 0 ? json_string_value(json_array_get(row, (size_t)index[field])) : NULL;
	return v && *v ? v : NULL;
}

static json_t *
map_row(csv_t *c, const json_t *row, const int *index, size_t number, char *why, size_t why_len)
{
	const char *title = cell(row, index, 1), *v;
	char ident[300], id[65], date[11];
	json_t *vacancy, *found;
	const char *occupation;
	double n;

	for (size_t i = 0; i < json_array_size(row); i++) {
		if (json_is_null(json_array_get(row, i))) {
			snprintf(why, why_len, "field %zu is not UTF-8 (save the file as UTF-8)",
			         i + 1);
			return NULL;
		}
	}
	if (!title) {
		snprintf(why, why_len, "no title (column '%s')", c->columns[1]);
		return NULL;
	}
	v = cell(row, index, 6);
	if (v && !vd_src_date(v, date)) {
		snprintf(why, why_len, "'%.40s' is not a date (column '%s')", v, c->columns[6]);
		return NULL;
	}
	if (cell(row, index, 0))
		snprintf(ident, sizeof(ident), "%s", cell(row, index, 0));
	else
		snprintf(ident, sizeof(ident), "%s-%zu", c->base, number);
	c->host->vacancy_id(c->host, ident, id);
	vacancy = json_pack("{s:s, s:s}", "id", id, "title", title);
	if (v)
		json_object_set_new(vacancy, "valid_through", json_string(date));
	occupation = vd_src_occupation(c->tax, cell(row, index, 2), title);
	if (occupation)
		json_object_set_new(vacancy, "occupation", json_string(occupation));
	if ((v = cell(row, index, 3)))
		json_object_set_new(vacancy, "municipality", json_string(v));
	if ((v = cell(row, index, 4)) && vd_src_number(v, &n) && n >= 1 && n <= 80)
		json_object_set_new(vacancy, "hours_per_week",
		                    n == (json_int_t)n ? json_integer((json_int_t)n)
		                                       : json_real(n));
	if ((v = cell(row, index, 5)) && strlen(v) <= 300)
		json_object_set_new(vacancy, "employer", json_string(v));
	if ((v = cell(row, index, 7)) && vd_src_number(v, &n) && n >= 1 && n <= 10000)
		json_object_set_new(vacancy, "openings", json_integer((json_int_t)n));
	found = json_array();
	if ((v = cell(row, index, 8)))
		vd_src_scan(c->tax, v, found);
	vd_src_add_require(vacancy, found);
	json_array_clear(found);
	if ((v = cell(row, index, 9)))
		vd_src_scan(c->tax, v, found);
	vd_src_add_prefer(vacancy, found);
	json_decref(found);
	return vacancy;
}

/* Which column holds each field; false with why when a column the config
 * names is not in the header. */
static bool
map_header(csv_t *c, const json_t *header, int *index, char *why, size_t why_len)
{
	for (size_t f = 0; f < N_FIELDS; f++) {
		index[f] = -1;
		for (size_t i = 0; i < json_array_size(header); i++) {
			const char *name = json_string_value(json_array_get(header, i));
			if (name && strcasecmp(name, c->columns[f]) == 0)
				index[f] = (int)i;
		}
		if (index[f] < 0 && (c->explicit_column[f] || f == 1)) {
			snprintf(why, why_len, "the header has no column '%s' (for %s)",
			         c->columns[f], fields[f]);
			return false;
		}
	}
	return true;
}

static void
add_rows(csv_t *c, parser_t *ps, const int *index, json_t *items)
{
	char why[600], label[40];
	json_t *row;

	for (size_t number = 2;; number++) {
		bool empty = true;
		why[0] = '\0';
		row = next_record(ps, why, sizeof(why));
		snprintf(label, sizeof(label), "row %zu", number);
		if (!row) {
			if (why[0])
				json_array_append_new(
				    items, json_pack("{s:s, s:s}", "label", label, "error", why));
			return; /* the rest of the file cannot be framed */
		}
		for (size_t i = 0; i < json_array_size(row); i++) {
			/* A cell's line breaks are layout, not content. */
			char *v = vd_src_clean(json_string_value(json_array_get(row, i)));
			empty = empty && v && !*v;
			if (v && json_is_string(json_array_get(row, i)))
				json_array_set_new(row, i, json_string(v));
			free(v);
		}
		if (!empty) {
			json_t *vacancy = map_row(c, row, index, number, why, sizeof(why));
			json_array_append_new(
			    items, vacancy
			               ? json_pack("{s:s, s:o}", "label", label, "vacancy", vacancy)
			               : json_pack("{s:s, s:s}", "label", label, "error", why));
		}
		json_decref(row);
	}
}

static json_t *
read_rows(csv_t *c, const struct stat *st)
{
	json_t *entry = json_pack("{s:f, s:I, s:[]}", "mtime", (double)st->st_mtime, "size",
	                          (json_int_t)st->st_size, "items");
	char why[600] = "";
	FILE *f = fopen(c->file, "rb");
	char *text = NULL;
	size_t len = 0;
	parser_t ps;
	json_t *header = NULL;
	int index[N_FIELDS];

	if (!f || st->st_size > MAX_FILE_BYTES || !(text = malloc((size_t)st->st_size + 1)) ||
	    (len = fread(text, 1, (size_t)st->st_size, f)) != (size_t)st->st_size) {
		snprintf(why, sizeof(why), "cannot be read (or larger than %d bytes)",
		         MAX_FILE_BYTES);
		goto out;
	}
	text[len] = '\0';
	ps = (parser_t){.p = text, .end = text + len, .line = 1};
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3; /* the byte-order mark spreadsheets write */
	ps.delimiter = c->delimiter ? c->delimiter : guess_delimiter(ps.p, ps.end);
	header = next_record(&ps, why, sizeof(why));
	if (!header) {
		if (!why[0])
			snprintf(why, sizeof(why), "the file is empty: no header row");
		goto out;
	}
	if (map_header(c, header, index, why, sizeof(why)))
		add_rows(c, &ps, index, json_object_get(entry, "items"));
out:
	if (why[0])
		json_object_set_new(entry, "error", json_string(why));
	json_decref(header);
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
		while (f < N_FIELDS && strcmp(fields[f], key) != 0)
			f++;
		if (f == N_FIELDS || !json_is_string(v) || !json_string_length(v)) {
			c->host->log(c->host, VD_LOG_ERROR, "%s '%s' in columns",
			             f == N_FIELDS ? "unknown field" : "no column name for", key);
			rc = -1;
			continue;
		}
		free(c->columns[f]);
		c->columns[f] = strdup(json_string_value(v));
		c->explicit_column[f] = true;
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
			c->delimiter = s[0];
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
	for (size_t f = 0; f < N_FIELDS; f++)
		free(c->columns[f]);
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
	for (size_t f = 0; f < N_FIELDS; f++)
		c->columns[f] = strdup(fields[f]);
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

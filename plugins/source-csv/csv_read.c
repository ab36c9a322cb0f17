/* source-csv's reading of one export's text: see csv_read.h. Everything
 * here works on text in memory, so that a fuzzer can drive it without files. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv_read.h"

const char *const vd_csv_fields[VD_CSV_N_FIELDS] = {
    "id",       "title",         "occupation", "municipality", "hours_per_week",
    "employer", "valid_through", "openings",   "requirements", "skills"};

/* What one read works with. */
typedef struct reader {
	const vd_csv_layout_t *layout;
	const vd_src_tax_t *tax;
	const vd_host_t *host;
	const char *base; /* the file's name, for ids */
} reader_t;

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
map_row(const reader_t *c, const json_t *row, const int *index, size_t number, char *why,
        size_t why_len)
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
		snprintf(why, why_len, "no title (column '%s')", c->layout->columns[1]);
		return NULL;
	}
	v = cell(row, index, 6);
	if (v && !vd_src_date(v, date)) {
		snprintf(why, why_len, "'%.40s' is not a date (column '%s')", v,
		         c->layout->columns[6]);
		return NULL;
	}
	if (cell(row, index, 0))
		snprintf(ident, sizeof(ident), "%s", cell(row, index, 0));
	else
		snprintf(ident, sizeof(ident), "%s-%zu", c->base, number);
	c->host->vacancy_id(c->host, ident, id);
	vacancy = json_pack("{s:s, s:o}", "id", id, "title", vd_src_title(title));
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
	if (!occupation && !json_object_get(vacancy, "require")) {
		/* The server refuses a vacancy that asks for nothing: say why here. */
		snprintf(
		    why, why_len,
		    "no known occupation (column '%s' or the title) and no requirement (column '%s'): nothing to match people on",
		    c->layout->columns[2], c->layout->columns[8]);
		json_decref(found);
		json_decref(vacancy);
		return NULL;
	}
	if ((v = cell(row, index, 9)))
		vd_src_scan(c->tax, v, found);
	vd_src_add_prefer(vacancy, found);
	json_decref(found);
	return vacancy;
}

/* Which column holds each field; false with why when a column the config
 * names is not in the header. */
static bool
map_header(const reader_t *c, const json_t *header, int *index, char *why, size_t why_len)
{
	for (size_t f = 0; f < VD_CSV_N_FIELDS; f++) {
		index[f] = -1;
		for (size_t i = 0; i < json_array_size(header); i++) {
			const char *name = json_string_value(json_array_get(header, i));
			if (name && strcasecmp(name, c->layout->columns[f]) == 0)
				index[f] = (int)i;
		}
		if (index[f] < 0 && (c->layout->explicit_column[f] || f == 1)) {
			snprintf(why, why_len, "the header has no column '%s' (for %s)",
			         c->layout->columns[f], vd_csv_fields[f]);
			return false;
		}
	}
	return true;
}

static void
add_rows(const reader_t *c, parser_t *ps, const int *index, json_t *items)
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

json_t *
vd_csv_read(const vd_csv_layout_t *layout, const vd_src_tax_t *tax, const vd_host_t *host,
            const char *base, const char *text, size_t len)
{
	const reader_t c = {.layout = layout, .tax = tax, .host = host, .base = base};
	json_t *entry = json_pack("{s:[]}", "items");
	char why[600] = "";
	parser_t ps = {.p = text, .end = text + len, .line = 1};
	json_t *header = NULL;
	int index[VD_CSV_N_FIELDS];

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3; /* the byte-order mark spreadsheets write */
	ps.delimiter = layout->delimiter ? layout->delimiter : guess_delimiter(ps.p, ps.end);
	header = next_record(&ps, why, sizeof(why));
	if (!header) {
		if (!why[0])
			snprintf(why, sizeof(why), "the file is empty: no header row");
	} else if (map_header(&c, header, index, why, sizeof(why))) {
		add_rows(&c, &ps, index, json_object_get(entry, "items"));
	}
	if (why[0])
		json_object_set_new(entry, "error", json_string(why));
	json_decref(header);
	return entry;
}

/* source-csv's reading of one CSV export's text, apart from the plugin's
 * file and timer so that the fuzz target tests/fuzz/fuzz_csv.c can drive it:
 * a header row, ';' or ',' (or the configured delimiter) between fields,
 * UTF-8 with or without a byte-order mark, RFC 4180 quoting. */
#ifndef VD_CSV_READ_H
#define VD_CSV_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "source.h"

/* The vacancy fields a column can be mapped to, in this order; by default a
 * column is named like its field. */
#define VD_CSV_N_FIELDS 10
extern const char *const vd_csv_fields[VD_CSV_N_FIELDS];

/* How the export is laid out (the plugin's config). */
typedef struct vd_csv_layout {
	char delimiter;                        /* 0: the header row decides */
	char *columns[VD_CSV_N_FIELDS];        /* the column for each field; owned by the caller */
	bool explicit_column[VD_CSV_N_FIELDS]; /* named in the config: the header must have it */
} vd_csv_layout_t;

/* Reads text (len bytes plus a terminating NUL) of the export called base.
 * Returns a new {"items": [{"label": "row N", "vacancy": {...}} or {"label",
 * "error"}], "error"?: "what is wrong with the file as a whole"}. Vacancy ids
 * come from host->vacancy_id; nothing else of host is called. */
json_t *vd_csv_read(const vd_csv_layout_t *layout, const vd_src_tax_t *tax, const vd_host_t *host,
                    const char *base, const char *text, size_t len);

#endif

/* Bulk load of NDJSON jobseeker profiles straight into the store, for a first
 * load (vaardigd --import FILE --config FILE). Each line is validated as its
 * PUT would be; valid lines are kept, bad lines are reported by number. */
#ifndef VD_IMPORT_H
#define VD_IMPORT_H

#include <stdio.h>

#include <jansson.h>

#include "places.h"
#include "taxonomy.h"

typedef struct vd_import_report {
	unsigned long lines, created, replaced, failed;
	json_t *errors; /* [{"line", "id", "status", "detail", "errors"}], at most 1000 kept */
} vd_import_report_t;

/* Imports every line of in into the database in data_dir (which no vaardigd
 * may have open). progress: where to draw a progress line (a terminal), or
 * NULL. Returns 0 when the store could be written (bad lines included), -1
 * otherwise with *error set (new malloc'd). */
int vd_import_file(const vd_taxonomy_t *tax, const vd_places_t *places, const char *data_dir,
                   FILE *in, FILE *progress, vd_import_report_t *report, char **error);

#endif

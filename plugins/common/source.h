/* What the source plugins share (linked statically into each module, never
 * exported): the taxonomy as a vacancy site's words meet it, small text
 * helpers, and the lifecycle of a poll (emit what is there, withdraw what
 * vanished, report bad input per file in the plugin's details).
 *
 * json_t values follow jansson's rules; every function says what it takes. */
#ifndef VD_SOURCE_H
#define VD_SOURCE_H

#include <stdbool.h>

#include <jansson.h>

#include "vaardig/plugin.h"

/* ---- taxonomy ---------------------------------------------------------- */

typedef struct vd_src_tax vd_src_tax_t;

/* Reads dir/occupations.json and dir/competences.json. NULL on failure with
 * *error a new malloc'd message. */
vd_src_tax_t *vd_src_tax_load(const char *dir, char **error);
void vd_src_tax_free(vd_src_tax_t *tax);

/* The occupation code for a category given as an ISCO-08 code ("8332",
 * "8332 Vrachtwagenchauffeurs"), an ESCO URI, or a name ("Heftruckchauffeur");
 * where an ISCO code covers several occupations, title decides; without a
 * category (or when it names nothing known) the title alone. NULL when none
 * fits. Borrowed from the taxonomy. */
const char *vd_src_occupation(const vd_src_tax_t *tax, const char *category, const char *title);

/* Requirement terms found in free text ("rijbewijs C", "VCA", "Nederlands op
 * B1-niveau", "klantgericht"): appends each any-of group (an array of terms)
 * to groups. */
void vd_src_scan(const vd_src_tax_t *tax, const char *text, json_t *groups);

/* Adds the groups of `found` (borrowed) to a vacancy's "require" (as groups)
 * or "prefer" (their first terms), without duplicates. */
void vd_src_add_require(json_t *vacancy, const json_t *found);
void vd_src_add_prefer(json_t *vacancy, const json_t *found);

/* ---- text -------------------------------------------------------------- */

/* Lower-case, Latin diacritics folded, every other character a space,
 * spaces collapsed: new malloc'd string. */
char *vd_src_fold(const char *text);
/* text on one line: every run of white space and control characters one
 * space, none at either end (a spreadsheet cell with a line break, a title
 * with a tab). New malloc'd string. */
char *vd_src_clean(const char *text);
/* title cut to what a vacancy holds (300 bytes), on a character boundary:
 * a new JSON string, NULL when title is not UTF-8. */
json_t *vd_src_title(const char *title);
/* "2026-12-31" from "2026-12-31", "2026-12-31T23:59:00+01:00", "31-12-2026"
 * or "31/12/2026" into out[11]; false when it is none of those. */
bool vd_src_date(const char *text, char out[11]);
/* The first number in text ("32-40 uur per week" -> 32); false when none. */
bool vd_src_number(const char *text, double *out);

/* ---- a poll's lifecycle ------------------------------------------------ */

typedef struct vd_src vd_src_t;

/* State across polls for the plugin behind host. */
vd_src_t *vd_src_new(const vd_host_t *host);
void vd_src_free(vd_src_t *src);

/* Starts a poll. */
void vd_src_begin(vd_src_t *src);
/* A vacancy found (taken; its "id" set by host->vacancy_id) in file, the
 * posting named by label ("posting 2", "row 7") for messages; newer files win
 * an id claimed twice. */
void vd_src_offer(vd_src_t *src, json_t *vacancy, const char *file, const char *label,
                  double mtime);
/* A problem with file (or with one posting in it) for the details. */
void vd_src_problem(vd_src_t *src, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends the poll: emits every vacancy offered, withdraws every earlier one not
 * offered now, and publishes {"files": {...}, "conflicts": [...],
 * "vacancies": N} as the plugin's details. Returns 0, or -1 when the host
 * refused a call (logged). */
int vd_src_end(vd_src_t *src);

#endif

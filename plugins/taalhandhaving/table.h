/* taalhandhaving: every jobseeker's facts in memory (id -> 24 bytes), and
 * the worklist sorted from them on demand. A million profiles take about
 * 50 MB with their ids; the sorted worklist 16 bytes a profile more. */
#ifndef TAAL_TABLE_H
#define TAAL_TABLE_H

#include <stddef.h>

#include "rules.h"

typedef struct taal_table taal_table_t;

/* One worklist row; id is borrowed from the table. */
typedef struct taal_row {
	const char *id;
	taal_day_t due;
	uint8_t status; /* taal_status_t */
	uint8_t action; /* taal_action_t */
} taal_row_t;

/* NULL when out of memory. */
taal_table_t *taal_table_new(void);
void taal_table_free(taal_table_t *t);

/* Sets id's facts (adding id). Returns 0, or -1 when out of memory. */
int taal_table_put(taal_table_t *t, const char *id, const taal_facts_t *f);
void taal_table_remove(taal_table_t *t, const char *id);
/* id's facts (borrowed until the next put/remove), or NULL. */
const taal_facts_t *taal_table_get(const taal_table_t *t, const char *id);
size_t taal_table_size(const taal_table_t *t);

/* The worklist on day today: rows of status (or of every status when
 * status is -1; then grouped onbekend, voldoet_niet, vrijgesteld,
 * voldoet), sorted by due date (rows without one last), then id. *rows is
 * borrowed until the next put/remove. The sort is kept and reused until
 * the table or today changes. Returns 0, or -1 when out of memory. */
int taal_table_rows(taal_table_t *t, const taal_params_t *p, taal_day_t today, int status,
                    const taal_row_t **rows, size_t *n);

#endif

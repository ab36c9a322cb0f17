/* Keeps the index true to the calendar: a licence or certificate stops
 * counting for matching on the day after its valid_until. Each document
 * carries the first day one of its competences lapses (VD_SLOT_NEXT_EXPIRY);
 * at start-up and just after every midnight (Europe/Amsterdam) the documents
 * whose day has come are indexed again with that day's competences. */
#ifndef VD_EXPIRY_H
#define VD_EXPIRY_H

#include "server.h"

/* Re-indexes what has lapsed now and schedules the next run. */
void vd_expiry_start(vd_server_t *srv);
/* Re-indexes what has lapsed by today; returns how many were queued. */
unsigned vd_expiry_run(vd_server_t *srv, int today);

#endif

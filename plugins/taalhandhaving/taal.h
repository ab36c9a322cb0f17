/* taalhandhaving: the plugin's state, shared by plugin.c (descriptor,
 * hooks, the scan) and routes.c (the caseworker routes). */
#ifndef TAAL_H
#define TAAL_H

#include <stdbool.h>

#include <vaardig/plugin.h>

#include "params.h"
#include "table.h"

typedef struct taal {
	const vd_host_t *host;
	taal_params_t *params;
	taal_table_t *table;
	/* While the scan runs: the ids on_profile told about, whose page the
	 * scan then skips (what on_profile said is newer). NULL after it. */
	taal_table_t *touched;
	bool scanned; /* every stored profile has been read once */
	unsigned long cursor;
	unsigned long seen; /* profiles the scan read */
} taal_t;

/* Today from the host (its clock or VAARDIG_TODAY). */
taal_day_t taal_today(const taal_t *t);

/* Registers GET /v1/taaleis and GET /v1/taaleis/{id}. Returns 0 or -1. */
int taal_routes_register(const vd_host_t *host);

#endif

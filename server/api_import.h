/* POST /v1/imports: bulk NDJSON through the same validation and store as
 * the single PUTs. */
#ifndef VD_API_IMPORT_H
#define VD_API_IMPORT_H

#include "http.h"

void vd_api_import(vd_call_t *call);

#endif

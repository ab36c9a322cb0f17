/* GET /v1/openapi.json (public): the OpenAPI 3.1 description of the API,
 * data/openapi.json served as it is. */
#ifndef VD_API_OPENAPI_H
#define VD_API_OPENAPI_H

#include "http.h"

/* Reads reference_dir/openapi.json once, at start-up, and checks that it is
 * JSON. On failure the route answers 503 and a line is logged; the rest of
 * the API serves on. Calling it again replaces the document. */
void vd_api_openapi_load(const char *reference_dir);

void vd_api_openapi(vd_call_t *call);

#endif

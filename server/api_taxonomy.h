/* The taxonomy, read-only: GET /v1/occupations and GET /v1/competences. */
#ifndef VD_API_TAXONOMY_H
#define VD_API_TAXONOMY_H

#include "http.h"

void vd_api_occupations(vd_call_t *call);
void vd_api_competences(vd_call_t *call);

#endif

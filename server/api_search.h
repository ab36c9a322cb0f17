#ifndef VD_API_SEARCH_H
#define VD_API_SEARCH_H

#include "http.h"

void vd_api_search_get(vd_call_t *call);
void vd_api_search_post(vd_call_t *call);
/* Runs a normalised query (borrowed) and replies with the search response. */
void vd_search_reply(vd_call_t *call, const json_t *query);

#endif

#ifndef VD_API_SEARCH_H
#define VD_API_SEARCH_H

#include <stdbool.h>

#include "http.h"

void vd_api_search_get(vd_call_t *call);
void vd_api_search_post(vd_call_t *call);
/* Runs a normalised query (borrowed): a new response with every rules
 * plugin's annotations and, with_lists, the expansion plugins' "lists"; NULL
 * when the store cannot be read. */
json_t *vd_search_run(vd_server_t *srv, const json_t *query, bool with_lists,
                      bool with_annotations);
/* Runs a normalised query (borrowed) and replies with the search response. */
void vd_search_reply(vd_call_t *call, const json_t *query);

#endif

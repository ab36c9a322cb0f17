/* The search page: GET / and GET /static/{name}, public, served from the
 * folder <reference_dir>/www that is installed with the server. */
#ifndef VD_API_STATIC_H
#define VD_API_STATIC_H

#include <stdbool.h>

#include "http.h"

/* GET /: the page itself (www/index.html). */
void vd_api_static_index(vd_call_t *call);
/* GET /static/{name}: one of the page's files. */
void vd_api_static_file(vd_call_t *call);

/* Whether name may be served: one plain file name, [a-z0-9_-]+ and one
 * known extension, at most 64 characters. Sets *type to its Content-Type
 * (a static string) when it may. Nothing else reaches the file system, so
 * no path can climb out of the folder. */
bool vd_static_name_ok(const char *name, const char **type);

#endif

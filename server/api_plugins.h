/* Plugin management (GET /v1/plugins, POST /v1/plugins/reload) and the
 * door to the routes plugins register. */
#ifndef VD_API_PLUGINS_H
#define VD_API_PLUGINS_H

#include "http.h"

/* GET /v1/plugins (admin). */
void vd_api_plugins_list(vd_call_t *call);
/* POST /v1/plugins/reload (admin): unloads all, loads again, answers the list. */
void vd_api_plugins_reload(vd_call_t *call);

/* Serves the plugin routes. The route table is static, so routes.c ends
 * with catch-all entries (VD_PLUGIN_ROUTES) for /v1/ plus one or two
 * segments: core routes come first and win; what they leave comes here.
 * The entries are public to http.c's dispatcher so that this handler can
 * answer an unknown path with 404 before asking for a token, as the
 * dispatcher does for core paths; it checks the token and the route's
 * roles itself. */
void vd_api_plugin_route(vd_call_t *call);

#define VD_PLUGIN_ROUTE_ROLES                                                                      \
	(VD_ROLE_PUBLIC | VD_ROLE_EMPLOYER | VD_ROLE_CASEWORKER | VD_ROLE_ADMIN)
#define VD_PLUGIN_ROUTE_1(m)                                                                       \
	{                                                                                          \
		m, "/v1/{}", VD_PLUGIN_ROUTE_ROLES, vd_api_plugin_route                            \
	}
#define VD_PLUGIN_ROUTE_2(m)                                                                       \
	{                                                                                          \
		m, "/v1/{}/{}", VD_PLUGIN_ROUTE_ROLES, vd_api_plugin_route                         \
	}
/* The last entries of vd_routes[]. */
#define VD_PLUGIN_ROUTES                                                                           \
	VD_PLUGIN_ROUTE_1(EVHTTP_REQ_GET), VD_PLUGIN_ROUTE_2(EVHTTP_REQ_GET),                      \
	    VD_PLUGIN_ROUTE_1(EVHTTP_REQ_PUT), VD_PLUGIN_ROUTE_2(EVHTTP_REQ_PUT),                  \
	    VD_PLUGIN_ROUTE_1(EVHTTP_REQ_POST), VD_PLUGIN_ROUTE_2(EVHTTP_REQ_POST),                \
	    VD_PLUGIN_ROUTE_1(EVHTTP_REQ_PATCH), VD_PLUGIN_ROUTE_2(EVHTTP_REQ_PATCH),              \
	    VD_PLUGIN_ROUTE_1(EVHTTP_REQ_DELETE), VD_PLUGIN_ROUTE_2(EVHTTP_REQ_DELETE)

#endif

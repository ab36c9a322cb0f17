/* The state of one running vaardigd, handed to every callback as its arg. */
#ifndef VD_SERVER_H
#define VD_SERVER_H

#include <stdbool.h>

#include <event2/event.h>
#include <event2/http.h>

#include "conf.h"
#include "match.h"
#include "places.h"
#include "store.h"
#include "taxonomy.h"

typedef struct vd_server {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *listener;
	vd_config_t *config;
	vd_taxonomy_t *tax;
	vd_places_t *places;
	vd_store_t *store;
	vd_matcher_t *matcher;
	struct event *expiry_timer;
	struct vd_plugins *plugins;         /* plugins.h */
	struct vd_search_pool *search_pool; /* search_pool.h; NULL: search on the loop */
	bool stopping;
} vd_server_t;

#endif

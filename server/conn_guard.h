/* The connection guard: every byte a client sends passes it before evhttp
 * sees it. It reads each request's framing (request line, header fields,
 * Content-Length or chunked body), holds the request until it is whole and
 * within the limits, and only then hands it to evhttp. A request that
 * breaks a limit never reaches evhttp: the guard hands evhttp a stand-in
 * request instead, which the dispatcher answers with problem+json through
 * vd_guard_answer, and the connection closes after that answer.
 *
 * It also keeps the per-request deadline (request_timeout_s from a
 * request's first byte to its last: 408) and the connection count
 * (max_connections: 503 with Retry-After beyond it). */
#ifndef VD_CONN_GUARD_H
#define VD_CONN_GUARD_H

#include <stdbool.h>

#include <event2/event.h>
#include <event2/http.h>

#include "conf.h"

/* The header field that marks the stand-in request; the guard refuses a
 * client's request that carries it, so only the guard can send it. */
#define VD_GUARD_HEADER "Vaardig-Guard"

typedef struct vd_guard vd_guard_t;

/* Puts a guard in front of every connection http accepts from now on
 * (evhttp_set_bevcb). limits is borrowed and must outlive the guard.
 * Returns NULL when out of memory. */
vd_guard_t *vd_guard_new(struct event_base *base, struct evhttp *http, const vd_limits_t *limits);

/* Call after evhttp_free and before event_base_free: connections evhttp
 * has let go are closed now or, when event_base_free finalizes them, then;
 * the guard's memory goes with the last of them. NULL is fine. */
void vd_guard_free(vd_guard_t *guard);

/* True when req is the guard's stand-in for a refused request; it has
 * then been answered (problem+json, Connection: close). */
bool vd_guard_answer(struct evhttp_request *req);

#endif

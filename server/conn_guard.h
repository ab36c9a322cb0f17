/* The connection guard: every byte a client sends passes it before evhttp
 * sees it. It reads each request's framing (request line, header fields,
 * Content-Length or chunked body), holds the request until it is whole and
 * within the limits, and only then hands it to evhttp. A request that
 * breaks a limit never reaches evhttp: the guard hands evhttp a stand-in
 * request instead, which the dispatcher answers with problem+json through
 * vd_guard_answer, and the connection closes after that answer.
 *
 * The body of POST /v1/imports is the exception: it may be far larger than
 * memory should hold, so the guard streams it. evhttp gets the request's
 * head with an empty body and Connection: close, marked with
 * VD_GUARD_STREAM_HEADER; the guard reads the body itself, de-chunked, into
 * a bounded buffer that the handler drains (vd_guard_stream_*), and stops
 * reading the socket while that buffer is full.
 *
 * It also keeps the per-request deadline (request_timeout_s from a
 * request's first byte to its last, for a streamed body to the end of its
 * head: 408), a streamed body's idle timeout (idle_timeout_s without a
 * byte: the stream fails with 408) and the connection count
 * (max_connections: 503 with Retry-After beyond it). */
#ifndef VD_CONN_GUARD_H
#define VD_CONN_GUARD_H

#include <stdbool.h>

#include <event2/event.h>
#include <event2/http.h>

#include "conf.h"

/* The header fields that mark the stand-in request and a request whose
 * body the guard streams; the guard refuses a client's request that
 * carries either, so only the guard can send them. */
#define VD_GUARD_HEADER        "Vaardig-Guard"
#define VD_GUARD_STREAM_HEADER "Vaardig-Guard-Stream"

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

/* ---- a streamed request body ---- */

typedef struct vd_guard_stream vd_guard_stream_t;

typedef enum vd_guard_stream_state {
	VD_STREAM_OPEN,   /* more of the body may come */
	VD_STREAM_END,    /* the body is complete: the buffer holds the rest of it */
	VD_STREAM_FAILED, /* stopped by a limit, the idle timeout or bad framing */
	VD_STREAM_GONE,   /* the client went away before the body was complete */
} vd_guard_stream_state_t;

/* Called from the event loop when more of the body has arrived or the
 * stream's state changed; never from inside a vd_guard_stream_* call. */
typedef void (*vd_guard_stream_fn)(void *arg);

/* The body stream of req, or NULL when its body came whole with it (every
 * request but POST /v1/imports, and any on a connection without a guard).
 * Borrowed; see vd_guard_stream_take. */
vd_guard_stream_t *vd_guard_stream(struct evhttp_request *req);

/* The handler takes the stream: fn(arg) is called from now on, and a
 * client that asked for 100 Continue gets it now. The stream stays valid,
 * also after the connection is gone, until vd_guard_stream_close. */
void vd_guard_stream_take(vd_guard_stream_t *stream, vd_guard_stream_fn fn, void *arg);

/* The body bytes that have arrived and were not drained yet. Drain it as
 * you use it: while it holds 1 MiB the socket is not read (backpressure). */
struct evbuffer *vd_guard_stream_buffer(vd_guard_stream_t *stream);

/* The stream's state; for VD_STREAM_FAILED *status (408, 413, 400, 431)
 * and *detail (borrowed, valid until close) say why. Either may be NULL. */
vd_guard_stream_state_t vd_guard_stream_state(const vd_guard_stream_t *stream, int *status,
                                              const char **detail);

/* The handler is done with a taken stream: the rest of the body is not
 * read, and the stream is freed. The connection closes after the answer. */
void vd_guard_stream_close(vd_guard_stream_t *stream);

/* For the dispatcher, once req's handler has run: a streamed body that the
 * handler did not take (the route refused the request) is not read any
 * further; the connection closes after the answer. NULL-safe, and a no-op
 * for requests without a stream. */
void vd_guard_stream_refuse(struct evhttp_request *req);

#endif

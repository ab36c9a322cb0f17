/* The connection guard's parts (conn_guard.c: connections, request
 * framing and limits; conn_guard_stream.c: streamed bodies). Not for
 * other modules: conn_guard.h is the guard's interface. Event-loop thread
 * only. */
#ifndef VD_CONN_GUARD_INTERNAL_H
#define VD_CONN_GUARD_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conn_guard.h"

/* A write or read that may succeed later (libevent keeps its own macro private). */
#define RETRIABLE(e) ((e) == EAGAIN || (e) == EWOULDBLOCK || (e) == EINTR)

enum phase {
	READ_HEAD,
	READ_BODY,
	READ_CHUNK_SIZE,
	READ_CHUNK_DATA,
	READ_CHUNK_END,
	READ_TRAILER,
	BODY_STREAMED, /* a streamed body is all in its stream */
	REFUSED,
};

typedef struct conn {
	vd_guard_t *guard;
	struct bufferevent *bev;  /* the filter: evhttp's end */
	struct bufferevent *sock; /* the socket bufferevent underneath */
	evutil_socket_t fd;       /* -1 until evhttp has handed it over */
	struct event *writable;   /* writes evhttp's output to the socket */
	struct event *deadline;   /* the request being read must be whole by then */
	struct event *linger;     /* after a refusal, once evhttp let go */
	size_t lingered;          /* bytes read and dropped while lingering */
	bool writing;             /* the output filter may write now */
	bool write_failed;        /* the socket refused a write */
	bool over_capacity;       /* accepted beyond max_connections */
	/* The request being read; it starts at offset 0 of the socket's input. */
	enum phase phase;
	size_t scan;       /* bytes of it looked at so far */
	size_t head_lines; /* lines of the head (or trailer) so far */
	size_t section;    /* where the trailer starts */
	uint64_t left;     /* body or chunk bytes still to come */
	uint64_t body;     /* body bytes announced so far */
	uint64_t max_body; /* this request's body limit */
	/* The refusal, once there is one. */
	int status;
	char detail[200];
	bool stand_in_sent;
	bool http11;          /* the request line says HTTP/1.1 */
	bool expect_continue; /* and the head asks for 100 Continue */
	bool stream_next;     /* its body is to be streamed */
	/* Once a body is streamed, the guard reads the socket itself, and
	 * evhttp gets nothing more from this connection. */
	bool streamed;
	struct vd_guard_stream *stream; /* NULL once its handler closed it */
	struct event *reader;           /* reads the streamed body */
	struct evbuffer *raw;           /* into here (the socket's input is frozen) */
	LIST_ENTRY(conn) link;
} conn_t;

struct vd_guard {
	struct event_base *base;
	const vd_limits_t *limits;
	size_t n_conns; /* open sockets: evhttp's and lingering ones */
	bool freeing;
	LIST_HEAD(, conn) conns;
};

/* Refuses the request being read: status and detail for the stand-in
 * answer; reading stops. */
void vd_guard_refuse(conn_t *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sends 100 Continue now if the client asked for it and nothing else is
 * on its way out. */
void vd_guard_send_continue(conn_t *c);

/* The chunked framing, from c->scan in src: each moves c->scan past what
 * it took and sets c->phase, or refuses. vd_guard_scan_trailer is true
 * once the trailer is whole. */
void vd_guard_scan_chunk_size(conn_t *c, struct evbuffer *src);
void vd_guard_scan_chunk_end(conn_t *c, struct evbuffer *src);
bool vd_guard_scan_trailer(conn_t *c, struct evbuffer *src);

/* conn_guard_stream.c. The head of a streamed request is whole, the first
 * c->scan bytes of src: evhttp gets a head for it in dst, and the guard
 * reads the body itself from now on. False after refusing. */
bool vd_guard_start_stream(conn_t *c, struct evbuffer *src, struct evbuffer *dst);
/* evhttp has let go of c: its stream, if any, ends with it. */
void vd_guard_stream_release(conn_t *c);

#endif

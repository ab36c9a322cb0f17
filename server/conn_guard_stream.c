/* The streamed body of POST /v1/imports (see conn_guard.h): once its head
 * is whole, evhttp gets the head alone, and the guard reads the socket
 * itself from then on (on_stream_readable), because evhttp stops reading,
 * and so stops the filter, while it handles a request. The body's bytes
 * go, de-chunked, to the stream's buffer, which the handler drains;
 * reading stops while that buffer is full. The connection serves nothing
 * after that request (evhttp was told Connection: close), so the guard
 * never has to hand evhttp what follows the body. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/http.h>

#include "conn_guard_internal.h"

/* A streamed body: the socket is not read while the stream's buffer holds
 * STREAM_HIGH bytes, and read again once the handler has drained it to
 * STREAM_LOW; one read takes at most STREAM_READ (evbuffer_read would take
 * 4 KiB at a time). */
#define STREAM_HIGH (1u << 20)
#define STREAM_LOW  (STREAM_HIGH / 2)
#define STREAM_READ (256u << 10)

struct vd_guard_stream {
	conn_t *conn;          /* NULL once evhttp has let go of the connection */
	unsigned long long id; /* in the marker field of the head evhttp got */
	struct evbuffer *buf;  /* arrived and not yet drained */
	vd_guard_stream_state_t state;
	int status; /* VD_STREAM_FAILED: why */
	char detail[200];
	vd_guard_stream_fn fn; /* the handler's, once it took the stream */
	void *arg;
	bool taken;
	bool paused; /* the socket is not read until buf drains */
	LIST_ENTRY(vd_guard_stream) link;
};

/* Every stream not yet freed. A handler finds its request's stream by the
 * id in the marker field: the guard has no place in vd_server_t, and
 * libevent offers no way from a connection to its filter's context.
 * Event-loop thread only. */
static LIST_HEAD(, vd_guard_stream) live_streams = LIST_HEAD_INITIALIZER(live_streams);
static unsigned long long last_stream_id;

static void on_stream_readable(evutil_socket_t fd, short what, void *arg);

/* The handler drained the buffer: read again once there is room. */
static void
on_stream_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	vd_guard_stream_t *s = arg;
	struct timeval idle;

	if (!info->n_deleted || !s->paused || !s->conn || s->state != VD_STREAM_OPEN ||
	    evbuffer_get_length(buf) > STREAM_LOW)
		return;
	s->paused = false;
	/* The idle clock starts anew: the wait was the server's, not the client's. */
	idle.tv_sec = s->conn->guard->limits->idle_timeout_s;
	idle.tv_usec = 0;
	event_add(s->conn->reader, &idle);
}

static vd_guard_stream_t *
stream_new(conn_t *c)
{
	vd_guard_stream_t *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->buf = evbuffer_new();
	if (!s->buf || !evbuffer_add_cb(s->buf, on_stream_drained, s)) {
		if (s->buf)
			evbuffer_free(s->buf);
		free(s);
		return NULL;
	}
	s->conn = c;
	s->id = ++last_stream_id;
	s->state = VD_STREAM_OPEN;
	LIST_INSERT_HEAD(&live_streams, s, link);
	return s;
}

static void
stream_free(vd_guard_stream_t *s)
{
	LIST_REMOVE(s, link);
	evbuffer_free(s->buf);
	free(s);
}

/* Whether a field line (without its line end) is one that the head
 * handed to evhttp for a streamed body leaves out: the guard frames the
 * body, answers the expectation, and ends the connection. */
static bool
field_left_out(const char *line, size_t len)
{
	static const char *const names[] = {"Content-Length", "Transfer-Encoding", "Expect",
	                                    "Connection"};
	size_t n;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i]);
		if (len > n && line[n] == ':' && strncasecmp(line, names[i], n) == 0)
			return true;
	}
	return false;
}

/* Writes the head evhttp gets for a streamed body to head: the client's
 * request line and fields, less those above, then an empty body, the end
 * of the connection and the stream's id. The client's head is the first
 * c->scan bytes of src, checked (one line end per line, no NUL). */
static bool
stream_head(const conn_t *c, struct evbuffer *src, struct evbuffer *head)
{
	const char *text = (const char *)evbuffer_pullup(src, (ev_ssize_t)c->scan);
	const char *line, *eol, *end = text + c->scan;
	int rc = 0;

	if (!text)
		return false;
	for (line = text; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol || eol == line || (eol == line + 1 && *line == '\r'))
			break; /* the empty line that ends the head */
		if (line == text || !field_left_out(line, (size_t)(eol - line)))
			rc |= evbuffer_add(head, line, (size_t)(eol - line) + 1);
	}
	rc |=
	    evbuffer_add_printf(head, "Content-Length: 0\r\nConnection: close\r\n%s: %llu\r\n\r\n",
	                        VD_GUARD_STREAM_HEADER, c->stream->id) < 0;
	return rc == 0;
}

/* One recv of at most want bytes onto the end of buf. Returns what recv
 * returns; -1 with errno ENOMEM when buf cannot grow. */
static ssize_t
read_some(evutil_socket_t fd, struct evbuffer *buf, size_t want)
{
	struct evbuffer_iovec v;
	ssize_t n;
	int saved;

	if (evbuffer_reserve_space(buf, (ev_ssize_t)want, &v, 1) != 1) {
		errno = ENOMEM;
		return -1;
	}
	n = recv(fd, v.iov_base, want < v.iov_len ? want : v.iov_len, 0);
	if (n > 0) {
		saved = errno;
		v.iov_len = (size_t)n;
		evbuffer_commit_space(buf, &v, 1);
		errno = saved;
	}
	return n;
}

/* Takes the first c->scan bytes of src as read; false when there were none. */
static bool
consume(conn_t *c, struct evbuffer *src)
{
	if (c->scan == 0)
		return false;
	evbuffer_drain(src, c->scan);
	c->scan = c->section = 0;
	return true;
}

/* Moves the body at the start of src, de-chunked, into the stream, as far
 * as it has arrived. The phase then says where it stopped: within the
 * body, BODY_STREAMED at its end, REFUSED at a limit or bad framing. */
static void
stream_scan(conn_t *c, struct evbuffer *src)
{
	size_t n;

	for (;;) {
		switch (c->phase) {
		case READ_BODY:
		case READ_CHUNK_DATA:
			n = evbuffer_get_length(src);
			n = n < c->left ? n : (size_t)c->left;
			evbuffer_remove_buffer(src, c->stream->buf, n);
			c->left -= n;
			if (c->left > 0)
				return;
			c->phase = c->phase == READ_BODY ? BODY_STREAMED : READ_CHUNK_END;
			break;
		case READ_CHUNK_SIZE:
			vd_guard_scan_chunk_size(c, src);
			if (!consume(c, src))
				return;
			break;
		case READ_CHUNK_END:
			vd_guard_scan_chunk_end(c, src);
			if (!consume(c, src))
				return;
			break;
		case READ_TRAILER:
			/* Its lines stay in src (bounded) until it is whole. */
			if (vd_guard_scan_trailer(c, src) && consume(c, src))
				c->phase = BODY_STREAMED;
			return;
		default:
			return;
		}
	}
}

/* After a scan: the body ended, or failed, or there is more to read (when
 * there is room for it). */
static void
stream_settle(conn_t *c)
{
	vd_guard_stream_t *s = c->stream;
	struct timeval idle = {c->guard->limits->idle_timeout_s, 0};

	if (c->phase == BODY_STREAMED || c->phase == REFUSED) {
		event_del(c->reader);
		s->state = c->phase == REFUSED ? VD_STREAM_FAILED : VD_STREAM_END;
		s->status = c->status;
		snprintf(s->detail, sizeof(s->detail), "%s", c->detail);
	} else if (evbuffer_get_length(s->buf) >= STREAM_HIGH) {
		event_del(c->reader);
		s->paused = true;
	} else if (!event_pending(c->reader, EV_READ, NULL)) {
		event_add(c->reader, &idle);
	}
}

static void
on_stream_readable(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;
	vd_guard_stream_t *s = c->stream;
	size_t room = STREAM_HIGH - evbuffer_get_length(s->buf);
	ssize_t n;

	if (what & EV_TIMEOUT) {
		vd_guard_refuse(c, 408,
		                "no part of the body arrived for %d s (limits.idle_timeout_s)",
		                c->guard->limits->idle_timeout_s);
		stream_settle(c);
	} else {
		n = read_some(fd, c->raw, room < STREAM_READ ? room : STREAM_READ);
		if (n < 0 && RETRIABLE(errno))
			return;
		if (n < 0 && errno == ENOMEM) {
			vd_guard_refuse(c, 503, "out of memory");
			stream_settle(c);
		} else if (n <= 0) {
			event_del(c->reader);
			s->state = VD_STREAM_GONE;
		} else {
			stream_scan(c, c->raw);
			stream_settle(c);
		}
	}
	/* Last: the handler may close the stream. */
	if (s->fn)
		s->fn(s->arg);
}

/* The head of a streamed request is whole, the first c->scan bytes of src:
 * evhttp gets its head for it in dst, and the guard reads the body from
 * now on, into c->raw (a bufferevent's input takes bytes only from its
 * own reads). False after refusing (out of memory). */
bool
vd_guard_start_stream(conn_t *c, struct evbuffer *src, struct evbuffer *dst)
{
	struct evbuffer *head = evbuffer_new();

	c->stream = stream_new(c);
	c->reader = event_new(c->guard->base, c->fd, EV_READ | EV_PERSIST, on_stream_readable, c);
	c->raw = evbuffer_new();
	if (!head || !c->stream || !c->reader || !c->raw || !stream_head(c, src, head) ||
	    evbuffer_add_buffer(dst, head) != 0) {
		if (c->reader)
			event_free(c->reader);
		if (c->stream)
			stream_free(c->stream);
		if (c->raw)
			evbuffer_free(c->raw);
		c->reader = NULL;
		c->stream = NULL;
		c->raw = NULL;
		vd_guard_refuse(c, 503, "out of memory");
		if (head)
			evbuffer_free(head);
		return false;
	}
	evbuffer_free(head);
	evbuffer_drain(src, c->scan);
	c->scan = 0;
	c->streamed = true;
	/* request_timeout_s bounds the head; the body has idle_timeout_s
	 * between its bytes instead. */
	evtimer_del(c->deadline);
	bufferevent_disable(c->sock, EV_READ);
	/* What came with the head; the socket's input takes no more. */
	evbuffer_add_buffer(c->raw, src);
	stream_scan(c, c->raw);
	stream_settle(c);
	return true;
}

/* evhttp has let go of the connection: a stream that no handler took goes
 * with it; a taken one lives on, ended, until its handler closes it. */
void
vd_guard_stream_release(conn_t *c)
{
	vd_guard_stream_t *s = c->stream;

	if (!s)
		return;
	c->stream = NULL;
	s->conn = NULL;
	if (!s->taken)
		stream_free(s);
	else if (s->state == VD_STREAM_OPEN)
		s->state = VD_STREAM_GONE;
}

vd_guard_stream_t *
vd_guard_stream(struct evhttp_request *req)
{
	const char *v =
	    evhttp_find_header(evhttp_request_get_input_headers(req), VD_GUARD_STREAM_HEADER);
	struct bufferevent *bev =
	    evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
	unsigned long long id;
	vd_guard_stream_t *s;

	if (!v)
		return NULL;
	id = strtoull(v, NULL, 10);
	LIST_FOREACH(s, &live_streams, link)
	{
		if (s->id == id)
			return s->conn && s->conn->bev == bev ? s : NULL;
	}
	return NULL;
}

void
vd_guard_stream_take(vd_guard_stream_t *stream, vd_guard_stream_fn fn, void *arg)
{
	stream->fn = fn;
	stream->arg = arg;
	stream->taken = true;
	/* Only now that the route has accepted the request is the body welcome. */
	if (stream->conn && stream->conn->expect_continue && stream->state == VD_STREAM_OPEN)
		vd_guard_send_continue(stream->conn);
}

struct evbuffer *
vd_guard_stream_buffer(vd_guard_stream_t *stream)
{
	return stream->buf;
}

vd_guard_stream_state_t
vd_guard_stream_state(const vd_guard_stream_t *stream, int *status, const char **detail)
{
	if (status)
		*status = stream->status;
	if (detail)
		*detail = stream->detail;
	return stream->state;
}

void
vd_guard_stream_close(vd_guard_stream_t *stream)
{
	conn_t *c = stream->conn;

	/* The rest of the body is not read; the connection lingers after the
	 * answer, so that the client still reads it (conn_release). */
	if (c) {
		event_del(c->reader);
		c->stream = NULL;
	}
	stream_free(stream);
}

void
vd_guard_stream_refuse(struct evhttp_request *req)
{
	vd_guard_stream_t *s = req ? vd_guard_stream(req) : NULL;

	if (s && !s->taken)
		vd_guard_stream_close(s);
}

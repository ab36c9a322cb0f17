/* The connection guard (see conn_guard.h): a filter bufferevent under
 * each evhttp connection.
 *
 * Input: a request stays in the socket's input buffer until it is whole;
 * then it is moved to evhttp's buffer in one evbuffer_remove_buffer, which
 * moves the buffer's chains rather than copying the body. evhttp therefore
 * only ever holds whole requests that are within the limits, and none of
 * its own text/html error pages can be reached by a client.
 *
 * A streamed body (POST /v1/imports) is the exception: conn_guard_stream.c.
 *
 * Output: evhttp counts a response as sent, and may shut the socket down,
 * as soon as its bufferevent's output buffer is empty. A filter's buffer
 * empties into the socket bufferevent's buffer, not into the kernel, so the
 * tail of a response to a closing connection would be lost. The output
 * filter therefore writes evhttp's buffer straight to the socket, and only
 * from its own event (a filter run synchronously inside evhttp would call
 * evhttp's write callback in the middle of evhttp's own work). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <linux/sockios.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api_import.h"
#include "conn_guard_internal.h"
#include "http.h"

/* How long, and how much, a refused client may still send before the
 * socket is closed: closing with unread bytes would reset the connection
 * and could destroy the answer before the client reads it. */
#define LINGER_S     2
#define LINGER_BYTES (1u << 20)

/* The longest chunk-size line taken: 16 hex digits and a line end. */
#define CHUNK_LINE_MAX 18

/* True once evhttp has freed the filter (bufferevent_free clears its
 * callbacks; the memory stays until the finalizer runs conn_release). */
static bool
released(const conn_t *c)
{
	bufferevent_event_cb eventcb = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
	return eventcb == NULL;
}

void
vd_guard_refuse(conn_t *c, int status, const char *fmt, ...)
{
	va_list ap;

	c->phase = REFUSED;
	c->status = status;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (c->deadline)
		evtimer_del(c->deadline);
}

/* ---- the request head ---- */

static bool
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* The methods vd_http_setup lets evhttp accept; evhttp answers any other
 * with its own page. */
static bool
method_allowed(const char *m, size_t n)
{
	static const char *const allowed[] = {"GET", "PUT", "POST", "PATCH", "DELETE"};

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strlen(allowed[i]) == n && memcmp(m, allowed[i], n) == 0)
			return true;
	return false;
}

/* Whether path (up to '?') is the bulk import, whose body may be larger. */
static bool
is_import(const char *target)
{
	size_t n = strcspn(target, "?#");
	char *path = strndup(target, n);
	bool found = false;

	for (size_t i = 0; path && i < vd_n_routes && !found; i++)
		found = vd_routes[i].handler == vd_api_import &&
		        vd_http_match_pattern(vd_routes[i].pattern, path, NULL, 0);
	free(path);
	return found;
}

/* "METHOD SP target SP HTTP/1.x"; line is NUL-terminated. */
static bool
check_request_line(conn_t *c, char *line)
{
	const vd_limits_t *l = c->guard->limits;
	char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	struct evhttp_uri *uri;
	size_t mlen;

	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || sp1 == line || sp2 == sp1 + 1) {
		vd_guard_refuse(c, 400, "malformed request line");
		return false;
	}
	mlen = (size_t)(sp1 - line);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)line[i])) {
			vd_guard_refuse(c, 400, "malformed request line");
			return false;
		}
	if (!method_allowed(line, mlen)) {
		vd_guard_refuse(c, 501, "method %.*s is not implemented",
		                (int)(mlen > 20 ? 20 : mlen), line);
		return false;
	}
	if (strcmp(sp2 + 1, "HTTP/1.1") != 0 && strcmp(sp2 + 1, "HTTP/1.0") != 0) {
		vd_guard_refuse(c, 400, "only HTTP/1.0 and HTTP/1.1 are spoken here");
		return false;
	}
	c->http11 = strcmp(sp2 + 1, "HTTP/1.1") == 0;
	*sp2 = '\0';
	uri = sp1[1] == '/' ? evhttp_uri_parse_with_flags(sp1 + 1, EVHTTP_URI_NONCONFORMANT) : NULL;
	if (!uri) {
		vd_guard_refuse(c, 400, "malformed request target");
		return false;
	}
	evhttp_uri_free(uri);
	c->max_body = l->max_body_bytes;
	c->stream_next = mlen == 4 && memcmp(line, "POST", 4) == 0 && is_import(sp1 + 1);
	if (c->stream_next && l->max_import_bytes > l->max_body_bytes)
		c->max_body = l->max_import_bytes;
	return true;
}

/* Splits "name: value" (NUL-terminated) in place; false when malformed.
 * The value loses the blanks around it, as evhttp's parser does. */
static bool
split_field(char *line, char **name, char **value)
{
	char *colon = strchr(line, ':'), *end;

	if (!colon || colon == line)
		return false;
	for (char *p = line; p < colon; p++)
		if (!is_tchar((unsigned char)*p))
			return false;
	*colon = '\0';
	*name = line;
	*value = colon + 1;
	*value += strspn(*value, " \t");
	end = *value + strlen(*value);
	while (end > *value && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return true;
}

typedef struct framing {
	int lengths, encodings;
	uint64_t length;
	bool chunked;
} framing_t;

static bool
check_field(conn_t *c, char *line, framing_t *f)
{
	char *name, *value;

	if (!split_field(line, &name, &value)) {
		vd_guard_refuse(c, 400, "malformed header field line");
		return false;
	}
	if (strcasecmp(name, VD_GUARD_HEADER) == 0 ||
	    strcasecmp(name, VD_GUARD_STREAM_HEADER) == 0) {
		vd_guard_refuse(c, 400, "the header field %s is reserved", name);
		return false;
	}
	if (strcasecmp(name, "Content-Length") == 0) {
		f->lengths++;
		if (!*value || strspn(value, "0123456789") != strlen(value)) {
			vd_guard_refuse(c, 400, "Content-Length must be a decimal number");
			return false;
		}
		f->length = strlen(value) > 18 ? UINT64_MAX : strtoull(value, NULL, 10);
	} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
		f->encodings++;
		if (strcasecmp(value, "chunked") != 0) {
			vd_guard_refuse(c, 501,
			                "Transfer-Encoding other than chunked is not implemented");
			return false;
		}
		f->chunked = true;
	} else if (strcasecmp(name, "Expect") == 0) {
		if (strcasecmp(value, "100-continue") != 0) {
			vd_guard_refuse(c, 417, "the only expectation met is 100-continue");
			return false;
		}
		c->expect_continue = true;
	}
	return true;
}

/* Checks the whole head, head_len bytes at the start of src, and sets the
 * body's framing; false when refused. */
static bool
check_head(conn_t *c, struct evbuffer *src, size_t head_len)
{
	char *head = (char *)evbuffer_pullup(src, (ev_ssize_t)head_len);
	char *copy, *line, *next;
	framing_t f = {0};
	bool ok = false;

	/* evhttp reads the head as C strings: a NUL would cut a line short,
	 * and a bare CR is read differently by different parsers. */
	for (size_t i = 0; i < head_len; i++)
		if (head[i] == '\0' ||
		    (head[i] == '\r' && (i + 1 == head_len || head[i + 1] != '\n'))) {
			vd_guard_refuse(c, 400, "NUL or bare CR in the request head");
			return false;
		}
	copy = strndup(head, head_len);
	if (!copy) {
		vd_guard_refuse(c, 503, "out of memory");
		return false;
	}
	for (line = copy; *line; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (next - line >= 2 && next[-2] == '\r')
			next[-2] = '\0';
		if (line == copy) {
			if (!check_request_line(c, line))
				goto out;
		} else if (*line == ' ' || *line == '\t') {
			vd_guard_refuse(c, 400, "obsolete line folding in a header field");
			goto out;
		} else if (*line && !check_field(c, line, &f)) {
			goto out;
		}
	}
	if (f.lengths > 1 || f.encodings > 1 || (f.lengths && f.encodings)) {
		vd_guard_refuse(
		    c, 400,
		    "ambiguous message framing: duplicate Content-Length or Transfer-Encoding");
		goto out;
	}
	if (f.lengths && f.length > c->max_body) {
		vd_guard_refuse(c, 413, "the request body is larger than %llu bytes",
		                (unsigned long long)c->max_body);
		goto out;
	}
	c->phase = f.chunked ? READ_CHUNK_SIZE : READ_BODY;
	c->left = f.chunked ? 0 : f.length;
	ok = true;
out:
	free(copy);
	return ok;
}

/* Finds the line starting at c->scan; returns its length with the line end
 * (0: not all there yet) and sets *empty when it holds nothing else. */
static size_t
next_line(const conn_t *c, struct evbuffer *src, bool *empty)
{
	struct evbuffer_ptr at, eol;
	size_t eol_len = 0;

	if (evbuffer_ptr_set(src, &at, c->scan, EVBUFFER_PTR_SET) != 0)
		return 0;
	eol = evbuffer_search_eol(src, &at, &eol_len, EVBUFFER_EOL_CRLF);
	if (eol.pos < 0)
		return 0;
	*empty = (size_t)eol.pos == c->scan;
	return (size_t)eol.pos + eol_len - c->scan;
}

/* Reads the head line by line as it arrives; true once it is whole. */
static bool
scan_head(conn_t *c, struct evbuffer *src)
{
	const vd_limits_t *l = c->guard->limits;
	size_t n;
	bool empty = false;

	while ((n = next_line(c, src, &empty)) != 0) {
		if (c->scan + n > l->max_header_bytes) {
			vd_guard_refuse(c, 431, "the request head is longer than %zu bytes",
			                l->max_header_bytes);
			return false;
		}
		if (empty && c->scan == 0) {
			/* An empty line before a request line is skipped (RFC 9112 2.2). */
			evbuffer_drain(src, n);
			continue;
		}
		c->scan += n;
		if (empty)
			return check_head(c, src, c->scan);
		if (++c->head_lines > (size_t)l->max_headers + 1) {
			vd_guard_refuse(c, 431, "more than %d header fields", l->max_headers);
			return false;
		}
	}
	if (evbuffer_get_length(src) > l->max_header_bytes)
		vd_guard_refuse(c, 431, "the request head is longer than %zu bytes",
		                l->max_header_bytes);
	return false;
}

/* A client that asked for 100 Continue waits for it before it sends the
 * body, and evhttp, which only sees whole requests, will not send it. The
 * guard does, straight to the socket, when nothing else is on its way out
 * (so the interim answer cannot land inside another). */
void
vd_guard_send_continue(conn_t *c)
{
	static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
	int unsent = -1;

	c->expect_continue = false;
	if (!c->http11 || evbuffer_get_length(bufferevent_get_output(c->bev)) ||
	    ioctl(c->fd, SIOCOUTQ, &unsent) != 0 || unsent != 0)
		return;
	/* An empty send buffer takes these few bytes whole. */
	(void)send(c->fd, line, sizeof(line) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* ---- the chunked body ---- */

void
vd_guard_scan_chunk_size(conn_t *c, struct evbuffer *src)
{
	char line[CHUNK_LINE_MAX + 1];
	struct evbuffer_ptr at;
	bool empty = false;
	size_t n = next_line(c, src, &empty), digits;
	uint64_t size;

	if (n == 0) {
		if (evbuffer_get_length(src) - c->scan > CHUNK_LINE_MAX)
			vd_guard_refuse(c, 400, "malformed chunk size");
		return;
	}
	if (n > CHUNK_LINE_MAX || evbuffer_ptr_set(src, &at, c->scan, EVBUFFER_PTR_SET) != 0) {
		vd_guard_refuse(c, 400, "malformed chunk size (chunk extensions are not accepted)");
		return;
	}
	evbuffer_copyout_from(src, &at, line, n);
	line[n] = '\0';
	digits = strspn(line, "0123456789abcdefABCDEF");
	if (digits == 0 ||
	    (strcmp(line + digits, "\r\n") != 0 && strcmp(line + digits, "\n") != 0)) {
		vd_guard_refuse(c, 400, "malformed chunk size (chunk extensions are not accepted)");
		return;
	}
	size = strtoull(line, NULL, 16);
	if (size > c->max_body - c->body) {
		vd_guard_refuse(c, 413, "the request body is larger than %llu bytes",
		                (unsigned long long)c->max_body);
		return;
	}
	c->body += size;
	c->scan += n;
	c->left = size;
	c->phase = size ? READ_CHUNK_DATA : READ_TRAILER;
	c->section = c->scan;
}

void
vd_guard_scan_chunk_end(conn_t *c, struct evbuffer *src)
{
	struct evbuffer_ptr at;
	char end[2];
	size_t have = evbuffer_get_length(src) - c->scan;

	if (have == 0 || evbuffer_ptr_set(src, &at, c->scan, EVBUFFER_PTR_SET) != 0)
		return;
	evbuffer_copyout_from(src, &at, end, have < 2 ? have : 2);
	if (end[0] == '\n') {
		c->scan += 1;
	} else if (end[0] == '\r' && have >= 2 && end[1] == '\n') {
		c->scan += 2;
	} else if (end[0] != '\r' || have >= 2) {
		vd_guard_refuse(c, 400, "chunk data not followed by a line end");
		return;
	} else {
		return;
	}
	c->phase = READ_CHUNK_SIZE;
}

/* Trailer fields: header syntax, and the same limits as the head. */
bool
vd_guard_scan_trailer(conn_t *c, struct evbuffer *src)
{
	const vd_limits_t *l = c->guard->limits;
	framing_t f = {0};
	struct evbuffer_ptr at;
	bool empty = false;
	size_t n;
	char *line;

	while ((n = next_line(c, src, &empty)) != 0) {
		if (c->scan + n - c->section > l->max_header_bytes ||
		    ++c->head_lines > (size_t)l->max_headers + 1) {
			vd_guard_refuse(c, 431, "the chunked trailer is too large");
			return false;
		}
		if (empty) {
			c->scan += n;
			return true;
		}
		line = malloc(n + 1);
		if (!line || evbuffer_ptr_set(src, &at, c->scan, EVBUFFER_PTR_SET) != 0) {
			free(line);
			vd_guard_refuse(c, 503, "out of memory");
			return false;
		}
		evbuffer_copyout_from(src, &at, line, n);
		line[n - (n >= 2 && line[n - 2] == '\r' ? 2 : 1)] = '\0';
		if (!check_field(c, line, &f) || f.lengths || f.encodings) {
			if (c->phase != REFUSED)
				vd_guard_refuse(
				    c, 400, "framing header fields are not allowed in a trailer");
			free(line);
			return false;
		}
		free(line);
		c->scan += n;
	}
	/* A trailer line without an end would otherwise be held without limit. */
	if (evbuffer_get_length(src) - c->section > l->max_header_bytes)
		vd_guard_refuse(c, 431, "the chunked trailer is too large");
	return false;
}

/* ---- the input filter ---- */

static void on_deadline(evutil_socket_t fd, short what, void *arg);
static void on_writable(evutil_socket_t fd, short what, void *arg);
static enum bufferevent_filter_result filter_refused(conn_t *c, struct evbuffer *src,
                                                     struct evbuffer *dst);

/* Advances the request being read; true once it is whole (it is then the
 * first c->scan bytes of src). */
static bool
scan_request(conn_t *c, struct evbuffer *src)
{
	size_t have;

	for (;;) {
		have = evbuffer_get_length(src);
		switch (c->phase) {
		case READ_HEAD:
			if (!scan_head(c, src))
				return false;
			if (c->over_capacity) {
				vd_guard_refuse(c, 503, "too many connections; try again shortly");
				return false;
			}
			if (c->stream_next)
				return true; /* the head is whole; the body is streamed */
			if (c->expect_continue &&
			    (c->phase != READ_BODY || have - c->scan < c->left))
				vd_guard_send_continue(c);
			break;
		case READ_BODY:
			if (have - c->scan < c->left)
				return false;
			c->scan += c->left;
			return true;
		case READ_CHUNK_SIZE:
			vd_guard_scan_chunk_size(c, src);
			if (c->phase == READ_CHUNK_SIZE || c->phase == REFUSED)
				return false;
			break;
		case READ_CHUNK_DATA:
			if (have - c->scan < c->left)
				return false;
			c->scan += c->left;
			c->phase = READ_CHUNK_END;
			break;
		case READ_CHUNK_END:
			vd_guard_scan_chunk_end(c, src);
			if (c->phase != READ_CHUNK_SIZE)
				return false;
			break;
		case READ_TRAILER:
			return vd_guard_scan_trailer(c, src);
		case REFUSED:
		default:
			return false;
		}
	}
}

static bool
conn_start(conn_t *c)
{
	struct event_base *base = c->guard->base;

	c->fd = bufferevent_getfd(c->bev);
	if (c->fd < 0)
		return false;
	c->writable = event_new(base, c->fd, EV_WRITE, on_writable, c);
	return c->writable != NULL;
}

static enum bufferevent_filter_result
filter_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
          enum bufferevent_flush_mode mode, void *arg)
{
	conn_t *c = arg;
	struct timeval deadline = {c->guard->limits->request_timeout_s, 0};

	(void)limit;
	(void)mode;
	if (c->streamed)
		return BEV_NEED_MORE; /* the guard reads the socket itself now */
	if (!c->writable && !conn_start(c))
		vd_guard_refuse(c, 503, "out of memory");
	if (c->phase == READ_HEAD && c->scan == 0 && evbuffer_get_length(src) &&
	    !evtimer_pending(c->deadline, NULL))
		evtimer_add(c->deadline, &deadline);
	if (c->phase != REFUSED && scan_request(c, src)) {
		if (c->stream_next)
			return vd_guard_start_stream(c, src, dst) ? BEV_OK
			                                          : filter_refused(c, src, dst);
		evbuffer_remove_buffer(src, dst, c->scan);
		evtimer_del(c->deadline);
		c->phase = READ_HEAD;
		c->scan = c->head_lines = 0;
		c->left = c->body = 0;
		c->expect_continue = false;
		return BEV_OK;
	}
	return c->phase == REFUSED ? filter_refused(c, src, dst) : BEV_NEED_MORE;
}

/* The request being read was refused: evhttp gets the stand-in (once). */
static enum bufferevent_filter_result
filter_refused(conn_t *c, struct evbuffer *src, struct evbuffer *dst)
{
	/* Whatever else comes is dropped; evhttp closes after the answer. */
	evbuffer_drain(src, evbuffer_get_length(src));
	if (c->stand_in_sent)
		return BEV_NEED_MORE;
	c->stand_in_sent = true;
	evbuffer_add_printf(
	    dst, "GET / HTTP/1.1\r\nConnection: close\r\n" VD_GUARD_HEADER ": %d %s\r\n\r\n",
	    c->status, c->detail);
	return BEV_OK;
}

/* The request's deadline passed: evhttp holds no part of it, so the stand-in
 * goes in now and is answered once evhttp is done with what came before. */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;
	bufferevent_data_cb readcb = NULL;

	(void)fd;
	(void)what;
	if (released(c) || c->phase == REFUSED || c->streamed)
		return;
	vd_guard_refuse(c, 408, "the request did not arrive whole within %d s",
	                c->guard->limits->request_timeout_s);
	/* BEV_FLUSH: run the input filter even while evhttp has reading off. */
	bufferevent_flush(c->bev, EV_READ, BEV_FLUSH);
	bufferevent_getcb(c->bev, &readcb, NULL, NULL, NULL);
	/* Only an evhttp waiting for a request has its read callback set and
	 * reading on; at any other time it finds the stand-in itself later. */
	if (readcb && (bufferevent_get_enabled(c->bev) & EV_READ))
		bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
}

/* ---- the output filter ---- */

static enum bufferevent_filter_result
filter_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
           enum bufferevent_flush_mode mode, void *arg)
{
	conn_t *c = arg;
	int n;

	(void)dst;
	(void)limit;
	(void)mode;
	if (!c->writing)
		return BEV_NEED_MORE;
	n = evbuffer_write(src, c->fd);
	if (n > 0)
		return BEV_OK;
	if (n == 0 || RETRIABLE(errno)) {
		event_add(c->writable, NULL);
		return BEV_NEED_MORE;
	}
	c->write_failed = true;
	return BEV_ERROR;
}

/* evhttp added to its output: write it from the loop, not from inside evhttp. */
static void
on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	conn_t *c = arg;

	(void)buf;
	if (info->n_added && c->writable && !c->writing)
		event_active(c->writable, EV_WRITE, 1);
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;

	(void)fd;
	(void)what;
	if (released(c))
		return;
	c->writing = true;
	/* Runs filter_out and, once the buffer is empty, evhttp's write
	 * callback, which may free the connection (c lives on until the
	 * finalizer). */
	bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
	c->writing = false;
	/* evhttp learns of a failed write as it would from a socket bufferevent. */
	if (c->write_failed && !released(c))
		bufferevent_trigger_event(c->bev, BEV_EVENT_WRITING | BEV_EVENT_ERROR, 0);
}

/* ---- connections ---- */

static void
conn_close(conn_t *c)
{
	vd_guard_t *g = c->guard;

	if (c->linger)
		event_free(c->linger);
	if (c->fd >= 0)
		evutil_closesocket(c->fd);
	LIST_REMOVE(c, link);
	free(c);
	g->n_conns--;
	if (g->freeing && LIST_EMPTY(&g->conns))
		free(g);
}

static void
on_linger(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;
	char buf[16384];
	ssize_t n;

	if (what & EV_READ) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0 && (c->lingered += (size_t)n) < LINGER_BYTES)
			return;
		if (n < 0 && RETRIABLE(errno))
			return;
	}
	conn_close(c);
}

/* The filter's free_context: evhttp has let go (it has already shut the
 * socket down for writing). */
static void
conn_release(void *arg)
{
	conn_t *c = arg;
	struct timeval linger = {LINGER_S, 0};

	if (c->fd < 0)
		c->fd = bufferevent_getfd(c->sock);
	/* The socket's events leave the loop before the descriptor is closed,
	 * so that a new connection given the same number is not disturbed. */
	bufferevent_disable(c->sock, EV_READ | EV_WRITE);
	if (c->writable)
		event_free(c->writable);
	if (c->deadline)
		event_free(c->deadline);
	if (c->reader)
		event_free(c->reader);
	if (c->raw)
		evbuffer_free(c->raw);
	c->writable = c->deadline = c->reader = NULL;
	c->raw = NULL;
	c->bev = c->sock = NULL;
	vd_guard_stream_release(c);
	/* A streamed body may not have been read to its end either. */
	if ((c->phase == REFUSED || c->streamed) && c->fd >= 0 && !c->guard->freeing) {
		c->linger = event_new(c->guard->base, c->fd, EV_READ | EV_PERSIST, on_linger, c);
		if (c->linger && event_add(c->linger, &linger) == 0)
			return;
	}
	conn_close(c);
}

/* evhttp's bevcb: a new connection. Returning NULL makes evhttp use a
 * plain bufferevent, so a failure here costs the guard, not the client. */
static struct bufferevent *
new_connection(struct event_base *base, void *arg)
{
	vd_guard_t *g = arg;
	conn_t *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->guard = g;
	c->fd = -1;
	c->deadline = evtimer_new(base, on_deadline, c);
	/* Not BEV_OPT_CLOSE_ON_FREE: conn_release closes, maybe after lingering. */
	c->sock = bufferevent_socket_new(base, -1, 0);
	if (!c->deadline || !c->sock)
		goto out_free;
	c->bev = bufferevent_filter_new(c->sock, filter_in, filter_out, BEV_OPT_CLOSE_ON_FREE,
	                                conn_release, c);
	if (!c->bev)
		goto out_free;
	LIST_INSERT_HEAD(&g->conns, c, link);
	c->over_capacity = ++g->n_conns > (size_t)g->limits->max_connections;
	if (!evbuffer_add_cb(bufferevent_get_output(c->bev), on_output, c)) {
		bufferevent_free(c->bev); /* conn_release frees c */
		return NULL;
	}
	return c->bev;
out_free:
	if (c->sock)
		bufferevent_free(c->sock);
	if (c->deadline)
		event_free(c->deadline);
	free(c);
	return NULL;
}

vd_guard_t *
vd_guard_new(struct event_base *base, struct evhttp *http, const vd_limits_t *limits)
{
	vd_guard_t *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->base = base;
	g->limits = limits;
	LIST_INIT(&g->conns);
	evhttp_set_bevcb(http, new_connection, g);
	return g;
}

void
vd_guard_free(vd_guard_t *guard)
{
	conn_t *c, *next;

	if (!guard)
		return;
	guard->freeing = true;
	/* Lingering sockets close now; the others when their finalizer runs. */
	for (c = LIST_FIRST(&guard->conns); c; c = next) {
		next = LIST_NEXT(c, link);
		if (c->linger)
			conn_close(c);
	}
	if (LIST_EMPTY(&guard->conns))
		free(guard);
}

bool
vd_guard_answer(struct evhttp_request *req)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), VD_GUARD_HEADER);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char *end;
	long status;

	if (!v)
		return false;
	status = strtol(v, &end, 10);
	if (status < 400 || status > 599)
		status = 400;
	evhttp_add_header(out, "Connection", "close");
	if (status == 503)
		evhttp_add_header(out, "Retry-After", "1");
	vd_reply_problem(req, (int)status, *end == ' ' ? end + 1 : "refused", NULL);
	return true;
}

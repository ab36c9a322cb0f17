/* The search page's files. Only names that pass vd_static_name_ok() are
 * opened, and only as regular files directly inside <reference_dir>/www:
 * the page is public (API.md), so this is the one place where an
 * unauthenticated request touches the file system. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "api_static.h"

#define MAX_NAME 64

/* The page loads nothing from elsewhere (it must work on a closed
 * network), so everything but its own origin is refused. */
#define CSP                                                                                        \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "             \
	"frame-ancestors 'none'"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
};

bool
vd_static_name_ok(const char *name, const char **type)
{
	size_t len = name ? strlen(name) : 0;
	size_t stem = strspn(name ? name : "", "abcdefghijklmnopqrstuvwxyz0123456789_-");

	if (len == 0 || len > MAX_NAME || stem == 0 || name[stem] != '.')
		return false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(name + stem, types[i].ext) == 0) {
			*type = types[i].type;
			return true;
		}
	return false;
}

static void
add_security_headers(struct evkeyvalq *out)
{
	evhttp_add_header(out, "Content-Security-Policy", CSP);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
}

/* Whether open() failed because there is no such plain file (a symbolic
 * link is refused as absent), rather than through trouble on our side. */
static bool
absent(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ELOOP;
}

/* Sends www/name, or a problem. The browser revalidates every time
 * (no-cache) and mostly gets 304, so a server upgrade never leaves an old
 * script beside a new page. */
static void
send_file(vd_call_t *call, const char *name)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(call->req);
	const char *type = NULL, *match;
	char path[4096], etag[64];
	struct evbuffer *buf = NULL;
	struct stat st;
	int fd = -1, got = 0;

	if (!vd_static_name_ok(name, &type)) {
		vd_reply_problem(call->req, 404, "no such file", NULL);
		return;
	}
	if (snprintf(path, sizeof(path), "%s/www/%s", call->srv->config->reference_dir, name) >=
	    (int)sizeof(path)) {
		vd_reply_problem(call->req, 500, "the reference folder's path is too long", NULL);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd < 0 && !absent(errno))
			vd_reply_problem(call->req, 500, "the file cannot be read", NULL);
		else
			vd_reply_problem(call->req, 404, "no such file", NULL);
		goto out_close;
	}
	snprintf(etag, sizeof(etag), "\"%jx-%jx-%lx\"", (uintmax_t)st.st_size,
	         (uintmax_t)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	match = evhttp_find_header(evhttp_request_get_input_headers(call->req), "If-None-Match");
	if (!(match && strcmp(match, etag) == 0)) {
		/* The files are small: read them whole rather than hand the
		 * descriptor to evbuffer_add_file, whose failure paths leave its
		 * ownership unclear. */
		buf = evbuffer_new();
		while (buf && (got = evbuffer_read(buf, fd, 65536)) > 0)
			;
		if (!buf || got < 0) {
			vd_reply_problem(call->req, 500, "the file cannot be read", NULL);
			goto out_free_buf;
		}
		evhttp_add_header(out, "Content-Type", type);
	}
	evhttp_add_header(out, "Cache-Control", "no-cache");
	evhttp_add_header(out, "ETag", etag);
	add_security_headers(out);
	if (buf)
		evhttp_send_reply(call->req, 200, "OK", buf);
	else
		evhttp_send_reply(call->req, 304, "Not Modified", NULL);
out_free_buf:
	if (buf)
		evbuffer_free(buf);
out_close:
	if (fd >= 0)
		close(fd);
}

void
vd_api_static_index(vd_call_t *call)
{
	send_file(call, "index.html");
}

void
vd_api_static_file(vd_call_t *call)
{
	send_file(call, call->param[0]);
}

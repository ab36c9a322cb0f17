/* Shared by the write endpoints (jobseekers, vacancies). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_write.h"
#include "profile.h"

void
vd_reply_not_found(struct evhttp_request *req, const char *what)
{
	char detail[64];
	snprintf(detail, sizeof(detail), "no such %s", what);
	vd_reply_problem(req, 404, detail, NULL);
}

void
vd_etag(const char *data, char *tag)
{
	char hex[65];
	vd_sha256_hex(data, strlen(data), hex);
	snprintf(tag, 40, "\"%.32s\"", hex);
}

/* A write waiting for its commit: what the answer needs to say. */
typedef struct pending_reply {
	struct evhttp_request *req;
	int status;       /* on success */
	const char *what; /* "jobseeker", "vacancy": for the 404 text */
} pending_reply_t;

bool
vd_check_id(vd_call_t *call)
{
	if (vd_id_valid(call->param[0]))
		return true;
	vd_reply_problem(call->req, 400, "the id must be 1 to 64 characters of A-Z a-z 0-9 . _ -",
	                 json_pack("[{s:s, s:s}]", "pointer", "/id", "detail",
	                           "the id must be 1 to 64 characters of A-Z a-z 0-9 . _ -"));
	return false;
}

/* The newest state of a profile: a write in flight wins over the committed
 * one. Returns a new malloc'd JSON text, or NULL when there is none. */
bool
vd_current_doc(vd_call_t *call, const char *term, char **out)
{
	vd_index_t *reader = vd_store_reader(call->srv->store);
	const char *pending;
	vd_status_t status;

	*out = NULL;
	if (vd_store_pending(call->srv->store, term, &pending)) {
		*out = pending ? strdup(pending) : NULL;
		return true;
	}
	status = vd_index_get(reader, term, out, NULL, NULL);
	if (status == VD_OK || status == VD_ERR_NOT_FOUND)
		return true;
	vd_reply_problem(call->req, 503, vd_index_last_error(reader), NULL);
	return false;
}

/* Honours If-Match against the current state; replies 412 and returns false
 * when it does not hold. */
bool
vd_if_match_holds(vd_call_t *call, const char *current)
{
	const char *want =
	    evhttp_find_header(evhttp_request_get_input_headers(call->req), "If-Match");
	char tag[40];

	if (!want)
		return true;
	if (current && strcmp(want, "*") == 0)
		return true;
	if (current) {
		vd_etag(current, tag);
		/* If-Match may list several tags. */
		if (strstr(want, tag))
			return true;
	}
	vd_reply_problem(call->req, 412,
	                 current ? "If-Match does not match the current ETag"
	                         : "If-Match given but the resource does not exist",
	                 NULL);
	return false;
}

static void
write_done(vd_write_t *write, void *arg)
{
	pending_reply_t *reply = arg;
	char detail[400];
	char tag[40];

	if (write->status == VD_OK && write->kind == VD_WRITE_DELETE) {
		if (write->docid)
			vd_reply_empty(reply->req, 204);
		else
			vd_reply_not_found(reply->req, reply->what);
	} else if (write->status == VD_OK) {
		const char *data = vd_doc_data(write->doc, NULL);
		vd_etag(data, tag);
		vd_reply_json_text(reply->req, reply->status, data, tag);
	} else {
		snprintf(detail, sizeof(detail), "the change was not stored (%s): %s",
		         vd_status_str(write->status), write->error);
		vd_reply_problem(reply->req, 503, detail, NULL);
	}
	free(reply);
}

void
vd_submit_write(vd_call_t *call, vd_write_kind_t kind, const char *term, vd_doc_t *doc, int status,
                const char *what)
{
	pending_reply_t *reply = malloc(sizeof(*reply));
	vd_write_t *write;

	if (!reply) {
		vd_doc_free(doc);
		vd_reply_problem(call->req, 503, "out of memory", NULL);
		return;
	}
	reply->req = call->req;
	reply->status = status;
	reply->what = what;
	write = vd_write_new(kind, term, doc, write_done, reply);
	if (!write) {
		free(reply);
		vd_reply_problem(call->req, 503, "out of memory", NULL);
		return;
	}
	/* Recorded by the writer thread, durable before the change is. */
	write->audit = call->audit;
	write->ok_status = status;
	call->audit = NULL;
	vd_store_submit(call->srv->store, write);
}

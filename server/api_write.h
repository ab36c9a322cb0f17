/* What the write endpoints share: ids, ETags, If-Match, and queueing a
 * write whose answer is sent once it is durable. */
#ifndef VD_API_WRITE_H
#define VD_API_WRITE_H

#include "http.h"

/* Checks call->param[0] against the id rules; replies 400 and returns false
 * when it breaks them. */
bool vd_check_id(vd_call_t *call);

/* The ETag of a stored document's data (a quoted strong tag) into tag[40]. */
void vd_etag(const char *data, char *tag);

/* The newest state of a document: a write in flight wins over the committed
 * one. *out is a new malloc'd JSON text, or NULL when there is none. Replies
 * 503 and returns false when the store cannot be read. */
bool vd_current_doc(vd_call_t *call, const char *term, char **out);

/* Honours If-Match against current (may be NULL); replies 412 and returns
 * false when it does not hold. */
bool vd_if_match_holds(vd_call_t *call, const char *current);

/* Queues the write (doc taken); answers status with the stored document (or
 * 204 for a delete) once it is committed, 503 when it could not be. what
 * names the resource for a 404 ("jobseeker"). */
void vd_submit_write(vd_call_t *call, vd_write_kind_t kind, const char *term, vd_doc_t *doc,
                     int status, const char *what);

/* 404 "no such <what>". */
void vd_reply_not_found(struct evhttp_request *req, const char *what);

#endif

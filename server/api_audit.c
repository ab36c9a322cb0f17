/* GET /v1/jobseekers/{id}/audit. Finding one person's lines means reading
 * every audit file (0.1-0.5 s at a million lines), so the scan runs on a
 * thread of its own and the answer is sent from the event loop when it is
 * done: other requests are not held up meanwhile. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "api_audit.h"
#include "api_write.h"
#include "audit.h"

typedef struct audit_scan {
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	struct event *done_ev; /* made active by the scanning thread */
	vd_audit_t *audit;
	json_t *record; /* this request's own audit record, appended with its outcome */
	char id[65];
	int page, per_page;
	/* Set by the scanning thread before done_ev is activated. */
	vd_status_t status;
	json_t *results;
	size_t total;
	bool orphaned; /* the client went away: nobody to answer */
} audit_scan_t;

static void
scan_free(audit_scan_t *scan)
{
	if (scan->conn)
		evhttp_connection_set_closecb(scan->conn, NULL, NULL);
	if (scan->done_ev)
		event_free(scan->done_ev);
	json_decref(scan->results);
	json_decref(scan->record);
	free(scan);
}

static void
on_close(struct evhttp_connection *conn, void *arg)
{
	audit_scan_t *scan = arg;

	(void)conn;
	scan->orphaned = true;
	scan->conn = NULL;
}

/* Back on the event loop. */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	audit_scan_t *scan = arg;
	int outcome = scan->status == VD_OK ? 200 : 503;

	(void)fd;
	(void)what;
	/* Recorded before the answer leaves, as every read is. */
	vd_audit_record_append(scan->audit, scan->record, scan->orphaned ? 499 : outcome);
	if (!scan->orphaned && scan->status == VD_OK) {
		vd_reply_json(scan->req, 200,
		              json_pack("{s:I, s:i, s:i, s:O}", "total", (json_int_t)scan->total,
		                        "page", scan->page, "per_page", scan->per_page, "results",
		                        scan->results),
		              NULL);
	} else if (!scan->orphaned) {
		vd_reply_problem(scan->req, 503, "the audit log could not be read", NULL);
	}
	scan_free(scan);
}

static void *
scan_thread(void *arg)
{
	audit_scan_t *scan = arg;

	scan->status =
	    vd_audit_find(scan->audit, scan->id, (size_t)(scan->page - 1) * (size_t)scan->per_page,
	                  (size_t)scan->per_page, &scan->results, &scan->total);
	event_active(scan->done_ev, EV_TIMEOUT, 0);
	return NULL;
}

void
vd_api_jobseeker_audit(vd_call_t *call)
{
	vd_audit_t *audit = vd_store_audit(call->srv->store);
	audit_scan_t *scan;
	pthread_t thread;
	int page, per_page;

	if (!vd_check_id(call) || !vd_query_int(call, "page", 1, 1000000, &page) ||
	    !vd_query_int(call, "per_page", 100, call->srv->config->limits.max_per_page, &per_page))
		return;
	if (!audit) {
		vd_reply_problem(call->req, 503, "the audit log is not open", NULL);
		return;
	}
	scan = calloc(1, sizeof(*scan));
	if (!scan || !(scan->done_ev = event_new(call->srv->base, -1, 0, on_done, scan))) {
		free(scan);
		vd_reply_problem(call->req, 503, "out of memory", NULL);
		return;
	}
	scan->req = call->req;
	scan->audit = audit;
	scan->page = page;
	scan->per_page = per_page;
	snprintf(scan->id, sizeof(scan->id), "%s", call->param[0]);
	if (pthread_create(&thread, NULL, scan_thread, scan) != 0) {
		scan_free(scan);
		vd_reply_problem(call->req, 503, "no thread for the audit scan", NULL);
		return;
	}
	pthread_detach(thread);
	/* The answer comes later: its audit line goes with it. */
	scan->record = call->audit;
	call->audit = NULL;
	scan->conn = evhttp_request_get_connection(call->req);
	evhttp_connection_set_closecb(scan->conn, on_close, scan);
}

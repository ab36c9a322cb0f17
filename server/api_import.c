/* POST /v1/imports?kind=jobseekers|vacancies: NDJSON, one profile (or
 * vacancy) per line, each validated as its PUT would be. Valid lines are
 * written through the store like any PUT (group commit, durable before the
 * answer, one audit line each); bad lines change nothing and are reported
 * with their line number.
 *
 * The body is never held whole: it streams in through the connection guard
 * (conn_guard.h), and the lines are taken from the guard's buffer a slice
 * at a time from a zero-timeout event, so the server keeps answering other
 * requests during a long import. While too many writes wait for their
 * commit no line is taken, the guard's buffer fills, and the guard stops
 * reading the socket. A line is gathered in a buffer of at most
 * max_body_bytes; of a longer one only whether it is longer is kept.
 *
 * A body cut short (a limit, the idle timeout, bad chunk framing) still
 * has its whole lines taken; the answer is then a problem with the
 * counts. A client that went away gets no answer; its lines that arrived
 * whole are still written. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api_import.h"
#include "audit.h"
#include "conn_guard.h"
#include "dates.h"
#include "metrics.h"
#include "plugins.h"
#include "profile.h"
#include "vacancy.h"

#define SLICE_MS      5    /* work per turn of the event loop */
#define MAX_IN_FLIGHT 4096 /* writes waiting for their commit */
#define MAX_ERRORS    1000 /* error entries in the answer; the count goes on */

/* What the input holds next (next_line). */
enum next { LINE, WAIT, DONE };

typedef struct import_job {
	vd_server_t *srv;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	vd_guard_stream_t *stream; /* the body as it arrives; NULL: it came whole */
	struct evbuffer *body;     /* the body that came whole, owned */
	struct evbuffer *input;    /* the stream's buffer, or body */
	struct event *step;
	bool vacancies;
	unsigned long lines, created, replaced, failed, in_flight;
	bool input_done;
	bool orphaned; /* the client went away: finish the writes, answer nobody */
	/* The line being gathered: at most max_body_bytes of it, and whether
	 * more followed (over), and more than blanks (over_text). */
	char *line;
	size_t line_len, line_cap;
	bool over, over_text, line_oom;
	/* Why the body stopped short (0: it did not). */
	int stop_status;
	char stop_detail[200];
	json_t *errors;
	bool errors_truncated;
	char *token, *role, *path; /* for the audit lines */
} import_job_t;

typedef struct import_write {
	import_job_t *job;
	unsigned long line;
	bool existed;
	char id[65];
} import_write_t;

static void schedule_step(import_job_t *job);

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
job_free(import_job_t *job)
{
	if (job->conn)
		evhttp_connection_set_closecb(job->conn, NULL, NULL);
	if (job->stream)
		vd_guard_stream_close(job->stream);
	if (job->step)
		event_free(job->step);
	if (job->body)
		evbuffer_free(job->body);
	free(job->line);
	json_decref(job->errors);
	free(job->token);
	free(job->role);
	free(job->path);
	free(job);
}

/* One bad line: counted always, listed up to MAX_ERRORS. errors (stolen)
 * may be NULL. */
static void
line_failed(import_job_t *job, unsigned long line, const char *id, int status, const char *detail,
            json_t *errors)
{
	json_t *entry;

	job->failed++;
	if (json_array_size(job->errors) >= MAX_ERRORS) {
		job->errors_truncated = true;
		json_decref(errors);
		return;
	}
	entry = json_pack("{s:I, s:o, s:i, s:s}", "line", (json_int_t)line, "id",
	                  id ? json_string(id) : json_null(), "status", status, "detail", detail);
	if (entry && errors)
		json_object_set_new(entry, "errors", errors);
	else
		json_decref(errors);
	json_array_append_new(job->errors, entry);
}

/* The counts of the answer, new. */
static json_t *
counts(const import_job_t *job)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I}", "kind",
	                 job->vacancies ? "vacancies" : "jobseekers", "lines",
	                 (json_int_t)job->lines, "created", (json_int_t)job->created, "replaced",
	                 (json_int_t)job->replaced, "failed", (json_int_t)job->failed);
}

/* The body stopped short: a problem that says why and what was done, with
 * the counts as its extension members. */
static void
reply_stopped(import_job_t *job)
{
	char detail[500];

	snprintf(
	    detail, sizeof(detail),
	    "%s; the %lu lines before that were processed (%lu created, %lu replaced, %lu failed), the rest was not read",
	    job->stop_detail, job->lines, job->created, job->replaced, job->failed);
	vd_reply_problem_members(job->req, job->stop_status, detail, counts(job));
}

static void
finish(import_job_t *job)
{
	json_t *answer;

	if (job->orphaned) {
		job_free(job);
		return;
	}
	if (job->stop_status) {
		reply_stopped(job);
	} else {
		answer = counts(job);
		if (answer)
			json_object_set(answer, "errors", job->errors);
		if (answer && job->errors_truncated)
			json_object_set_new(answer, "errors_truncated", json_true());
		vd_reply_json(job->req, 200, answer, NULL);
	}
	job_free(job);
}

static void
write_done(vd_write_t *write, void *arg)
{
	import_write_t *w = arg;
	import_job_t *job = w->job;
	char detail[400];

	job->in_flight--;
	if (write->status == VD_OK) {
		if (w->existed)
			job->replaced++;
		else
			job->created++;
	} else {
		snprintf(detail, sizeof(detail), "not stored (%s): %s",
		         vd_status_str(write->status), write->error);
		line_failed(job, w->line, w->id, 503, detail, NULL);
	}
	free(w);
	if (job->input_done && job->in_flight == 0)
		finish(job);
	else if (!job->input_done && job->in_flight == MAX_IN_FLIGHT / 2)
		schedule_step(job); /* reading waited for the writes to drain */
}

/* Whether term has a document (a queued write counts); -1 when the store
 * cannot be read. *current (may be NULL) receives its text, new. */
static int
exists(vd_server_t *srv, const char *term, char **current)
{
	const char *pending;
	char *data = NULL;
	vd_status_t status;

	if (vd_store_pending(srv->store, term, &pending)) {
		if (current)
			*current = pending ? strdup(pending) : NULL;
		return pending != NULL;
	}
	status = vd_index_get(vd_store_reader(srv->store), term, &data, NULL, NULL);
	if (status != VD_OK && status != VD_ERR_NOT_FOUND)
		return -1;
	if (current)
		*current = data;
	else
		free(data);
	return status == VD_OK;
}

/* A vacancy line's own refusals, as its PUT would give them. */
static const char *
vacancy_conflict(vd_server_t *srv, const char *id, const char *term, int *existed)
{
	char *current = NULL;
	json_t *stored;
	const char *why = NULL;

	if (vd_vacancy_id_reserved(id) || vd_plugins_owns_vacancy_id(srv->plugins, id))
		return "ids starting with a source plugin's prefix belong to that plugin";
	*existed = exists(srv, term, &current);
	stored = current ? json_loads(current, 0, NULL) : NULL;
	if (stored && strcmp(json_string_value(json_object_get(stored, "source")), "manual") != 0)
		why = "this vacancy comes from a source plugin and cannot be replaced";
	json_decref(stored);
	free(current);
	return why;
}

/* The document for a valid line, or NULL after reporting it. */
static vd_doc_t *
line_doc(import_job_t *job, const char *id, json_t *body, const char *term, int *existed)
{
	vd_server_t *srv = job->srv;
	json_t *errors = json_array(), *canonical = NULL;
	vd_doc_t *doc = NULL;
	const char *conflict = NULL;
	char *text = NULL;
	bool valid;

	if (job->vacancies) {
		conflict = vacancy_conflict(srv, id, term, existed);
		if (conflict) {
			line_failed(job, job->lines, id, 409, conflict, NULL);
			goto out;
		}
		valid = vd_vacancy_validate(srv->tax, srv->places, id, body, &canonical, errors);
	} else {
		*existed = exists(srv, term, NULL);
		valid = vd_profile_validate(srv->tax, srv->places, id, body, &canonical, errors);
		text = valid ? json_dumps(canonical, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (text)
			valid = vd_plugins_check_profile(srv->plugins, text, errors);
	}
	if (*existed < 0) {
		line_failed(job, job->lines, id, 503, "the store cannot be read", NULL);
		goto out;
	}
	if (!valid) {
		line_failed(job, job->lines, id, 422, "not valid; nothing was changed", errors);
		errors = NULL;
		goto out;
	}
	doc = vd_doc_new();
	if (doc &&
	    !(job->vacancies ? vd_vacancy_to_doc(canonical, doc)
	                     : vd_profile_to_doc(srv->places, canonical, vd_date_today(), doc))) {
		vd_doc_free(doc);
		doc = NULL;
	}
	if (!doc)
		line_failed(job, job->lines, id, 503, "out of memory", NULL);
out:
	free(text);
	json_decref(canonical);
	json_decref(errors);
	return doc;
}

static void
submit(import_job_t *job, const char *id, const char *term, vd_doc_t *doc, int existed)
{
	import_write_t *w = calloc(1, sizeof(*w));
	vd_write_t *write;
	char path[96];

	if (!w) {
		vd_doc_free(doc);
		line_failed(job, job->lines, id, 503, "out of memory", NULL);
		return;
	}
	w->job = job;
	w->line = job->lines;
	w->existed = existed > 0;
	snprintf(w->id, sizeof(w->id), "%s", id);
	write = vd_write_new(VD_WRITE_REPLACE, term, doc, write_done, w);
	if (!write) {
		free(w);
		line_failed(job, job->lines, id, 503, "out of memory", NULL);
		return;
	}
	if (!job->vacancies) {
		snprintf(path, sizeof(path), "%s#line=%lu", job->path, job->lines);
		write->audit = vd_audit_record(job->token, job->role, "import", "POST", path);
		vd_audit_add_id(write->audit, id);
		write->ok_status = existed > 0 ? 200 : 201;
	}
	job->in_flight++;
	vd_store_submit(job->srv->store, write);
}

/* What trails a line without making it longer: as the offline import. */
static bool
is_blank(char ch)
{
	return ch == '\r' || ch == ' ' || ch == '\t';
}

/* Takes the gathered line (line, len: without its line end) as a record. */
static void
take_line(import_job_t *job, const char *line, size_t len)
{
	char term[80];
	json_error_t jerr;
	json_t *body;
	const char *id;
	vd_doc_t *doc;
	int existed = 0;
	char detail[300];

	while (len > 0 && is_blank(line[len - 1]))
		len--;
	if (len == 0 && !job->over_text && !job->line_oom)
		return; /* a blank line is no record */
	job->lines++;
	if (job->over_text) {
		line_failed(job, job->lines, NULL, 413, "the line is longer than max_body_bytes",
		            NULL);
		return;
	}
	if (job->line_oom) {
		line_failed(job, job->lines, NULL, 503, "out of memory", NULL);
		return;
	}
	body = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(body)) {
		snprintf(detail, sizeof(detail), "the line is not a JSON object: %s",
		         body ? "another JSON value" : jerr.text);
		line_failed(job, job->lines, NULL, 400, detail, NULL);
		json_decref(body);
		return;
	}
	id = json_string_value(json_object_get(body, "id"));
	if (!id || !vd_id_valid(id)) {
		line_failed(job, job->lines, NULL, 422, "the line needs a valid id",
		            json_pack("[{s:s, s:s}]", "pointer", "/id", "detail",
		                      "the id must be 1 to 64 characters of A-Z a-z 0-9 . _ -"));
		json_decref(body);
		return;
	}
	snprintf(term, sizeof(term), "Q%c%s", job->vacancies ? 'v' : 'j', id);
	doc = line_doc(job, id, body, term, &existed);
	if (doc)
		submit(job, id, term, doc, existed);
	json_decref(body);
}

/* Room for need bytes of the line being gathered. */
static bool
line_room(import_job_t *job, size_t need)
{
	size_t cap = job->line_cap ? job->line_cap : 4096;
	char *bigger;

	if (need <= job->line_cap)
		return true;
	while (cap < need)
		cap *= 2;
	bigger = realloc(job->line, cap);
	if (!bigger)
		return false;
	job->line = bigger;
	job->line_cap = cap;
	return true;
}

/* Moves n bytes from the front of the input to the line being gathered.
 * Past max_body_bytes the bytes are only looked at: a line that is longer
 * than that but for trailing blanks is still taken, as a whole one would. */
static void
gather(import_job_t *job, size_t n)
{
	size_t max = job->srv->config->limits.max_body_bytes;
	size_t keep = job->line_len < max ? max - job->line_len : 0;
	char piece[4096];
	size_t k;

	keep = keep < n ? keep : n;
	if (keep > 0 && line_room(job, job->line_len + keep)) {
		evbuffer_remove(job->input, job->line + job->line_len, keep);
		job->line_len += keep;
	} else if (keep > 0) {
		evbuffer_drain(job->input, keep);
		job->line_oom = true;
	}
	n -= keep;
	job->over = job->over || n > 0;
	while (n > 0 && !job->over_text) {
		k = n < sizeof(piece) ? n : sizeof(piece);
		evbuffer_remove(job->input, piece, k);
		for (size_t i = 0; i < k && !job->over_text; i++)
			job->over_text = !is_blank(piece[i]);
		n -= k;
	}
	evbuffer_drain(job->input, n);
}

/* The input's state; a stream whose connection evhttp let go of gets nothing more. */
static vd_guard_stream_state_t
input_state(const import_job_t *job, int *status, const char **detail)
{
	vd_guard_stream_state_t state = VD_STREAM_END;

	if (job->stream)
		state = vd_guard_stream_state(job->stream, status, detail);
	return state == VD_STREAM_OPEN && job->orphaned ? VD_STREAM_GONE : state;
}

/* Gathers the next line (job->line, without its line end): LINE once it is
 * whole, WAIT until more arrives, DONE at the end of the input. A line cut
 * off by the end of a body that stopped short is no line. */
static enum next
next_line(import_job_t *job)
{
	struct evbuffer_ptr lf = evbuffer_search(job->input, "\n", 1, NULL);

	gather(job, lf.pos < 0 ? evbuffer_get_length(job->input) : (size_t)lf.pos);
	if (lf.pos >= 0) {
		evbuffer_drain(job->input, 1);
		return LINE;
	}
	switch (input_state(job, NULL, NULL)) {
	case VD_STREAM_OPEN:
		return WAIT;
	case VD_STREAM_END:
		/* The last line need not end in a newline. */
		if (job->line_len > 0 || job->over || job->line_oom)
			return LINE;
		return DONE;
	case VD_STREAM_FAILED:
	case VD_STREAM_GONE:
	default:
		return DONE;
	}
}

static void
line_taken(import_job_t *job)
{
	take_line(job, job->line, job->line_len);
	job->line_len = 0;
	job->over = job->over_text = job->line_oom = false;
}

/* The client is gone; evhttp frees the request with its connection: never
 * answer it. Its clock stops under nginx's "client closed request". */
static void
orphan(import_job_t *job)
{
	if (job->orphaned)
		return;
	vd_metrics_request_end(job->req, 499);
	job->orphaned = true;
	job->conn = NULL;
}

static void
on_close(struct evhttp_connection *conn, void *arg)
{
	import_job_t *job = arg;

	(void)conn;
	orphan(job);
	/* A step waiting for more of the body learns that none comes. */
	if (!job->input_done && job->in_flight < MAX_IN_FLIGHT)
		schedule_step(job);
}

/* The body has ended, whole or not: the stream goes, and the answer
 * follows the last write. */
static void
end_input(import_job_t *job)
{
	struct evhttp_connection *conn = job->conn;
	const char *detail = NULL;
	int status = 0;

	switch (input_state(job, &status, &detail)) {
	case VD_STREAM_FAILED:
		job->stop_status = status;
		snprintf(job->stop_detail, sizeof(job->stop_detail), "%s", detail);
		break;
	case VD_STREAM_GONE:
		/* evhttp reads nothing while it handles a request, so it has not
		 * noticed: the connection goes here. */
		if (conn) {
			evhttp_connection_set_closecb(conn, NULL, NULL);
			orphan(job);
			evhttp_connection_free(conn);
		}
		break;
	case VD_STREAM_OPEN:
	case VD_STREAM_END:
	default:
		break;
	}
	job->input_done = true;
	if (job->stream)
		vd_guard_stream_close(job->stream);
	job->stream = NULL;
	job->input = NULL;
	if (job->in_flight == 0)
		finish(job);
}

static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	import_job_t *job = arg;
	double start = now_ms();

	(void)fd;
	(void)what;
	while (job->in_flight < MAX_IN_FLIGHT && now_ms() - start < SLICE_MS) {
		switch (next_line(job)) {
		case LINE:
			line_taken(job);
			break;
		case WAIT:
			return; /* on_more starts the next slice */
		case DONE:
		default:
			end_input(job);
			return;
		}
	}
	/* Out of time: the next slice after what else is waiting. Out of room:
	 * write_done starts it again. */
	if (job->in_flight < MAX_IN_FLIGHT)
		schedule_step(job);
}

static void
schedule_step(import_job_t *job)
{
	static const struct timeval now = {0, 0};
	event_add(job->step, &now);
}

/* More of the body arrived, or it ended. */
static void
on_more(void *arg)
{
	import_job_t *job = arg;

	if (!job->input_done && job->in_flight < MAX_IN_FLIGHT)
		schedule_step(job);
}

/* The query's kind, or NULL after answering 400. */
static const char *
import_kind(vd_call_t *call)
{
	const char *kind = evhttp_find_header(&call->query, "kind");

	if (kind && (strcmp(kind, "jobseekers") == 0 || strcmp(kind, "vacancies") == 0))
		return kind;
	vd_reply_problem(call->req, 400, "kind must be jobseekers or vacancies",
	                 json_pack("[{s:s, s:s}]", "pointer", "/kind", "detail",
	                           "kind must be jobseekers or vacancies"));
	return NULL;
}

static bool
is_ndjson(struct evhttp_request *req)
{
	const char *type =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t n = strlen("application/x-ndjson");

	return type && strncmp(type, "application/x-ndjson", n) == 0 &&
	       (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* The job for call, with the body's stream taken (or the body that came
 * whole taken over); NULL when out of memory. */
static import_job_t *
job_new(vd_call_t *call, const char *kind)
{
	import_job_t *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->srv = call->srv;
	job->req = call->req;
	job->vacancies = strcmp(kind, "vacancies") == 0;
	job->token = strdup(call->token->name);
	job->role = strdup(vd_role_name(call->token->role));
	job->path = strdup(evhttp_request_get_uri(call->req));
	job->errors = json_array();
	job->step = event_new(call->srv->base, -1, 0, on_step, job);
	job->stream = vd_guard_stream(call->req);
	if (!job->stream)
		job->body = evbuffer_new();
	if (!job->token || !job->role || !job->path || !job->errors || !job->step ||
	    (!job->stream && !job->body)) {
		job->stream = NULL; /* not taken: the dispatcher lets it go */
		job_free(job);
		return NULL;
	}
	if (job->stream) {
		job->input = vd_guard_stream_buffer(job->stream);
		vd_guard_stream_take(job->stream, on_more, job);
	} else {
		/* A connection without a guard: the body came whole. Taken
		 * over without copying. */
		evbuffer_add_buffer(job->body, evhttp_request_get_input_buffer(call->req));
		job->input = job->body;
	}
	return job;
}

void
vd_api_import(vd_call_t *call)
{
	const char *kind = import_kind(call);
	import_job_t *job;

	if (!kind)
		return;
	if (!is_ndjson(call->req)) {
		vd_reply_problem(call->req, 415, "the body must be application/x-ndjson", NULL);
		return;
	}
	job = job_new(call, kind);
	if (!job) {
		vd_reply_problem(call->req, 503, "out of memory", NULL);
		return;
	}
	job->conn = evhttp_request_get_connection(call->req);
	evhttp_connection_set_closecb(job->conn, on_close, job);
	schedule_step(job);
}

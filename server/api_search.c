/* GET /v1/search?q=... and POST /v1/search: the employer's question. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_search.h"
#include "audit.h"
#include "dates.h"
#include "match.h"
#include "plugins.h"
#include "query.h"
#include "search_pool.h"

static json_t *
annotate(const char *id, const char *profile_json, void *arg)
{
	return vd_plugins_annotate(arg, id, profile_json);
}

json_t *
vd_search_run(vd_server_t *srv, const json_t *query, bool with_lists, bool with_annotations)
{
	vd_search_hooks_t hooks = {.annotate = annotate, .arg = srv->plugins};
	json_t *response, *lists;

	response = vd_matcher_search(
	    srv->matcher, vd_store_reader(srv->store), srv->places, query, vd_date_today(),
	    with_annotations && vd_plugins_annotating(srv->plugins) ? &hooks : NULL);
	if (!response || !with_lists)
		return response;
	lists = vd_plugins_expand(srv->plugins, query, json_object_get(response, "results"));
	if (lists)
		json_object_set_new(response, "lists", lists);
	return response;
}

/* Rules plugins annotate for caseworkers and admins only: an annotation
 * such as the taaleis status can reveal a benefit sanction in preparation
 * or a medical exemption, and employer-service staff see candidates'
 * competences and ids, nothing more (issue 5). */
static bool
annotations_for(const vd_call_t *call)
{
	return call->token && call->token->role != VD_ROLE_EMPLOYER;
}

/* Sends a search's answer (stolen; NULL: the store could not be read). */
static void
send_answer(struct evhttp_request *req, json_t *response, const char *error)
{
	if (response)
		vd_reply_json(req, 200, response, NULL);
	else
		vd_reply_problem(req, 503, error, NULL);
}

/* A search handed to the search threads, until its answer is sent. */
typedef struct pending_search {
	vd_server_t *srv;
	struct evhttp_request *req;
	struct evhttp_connection *conn; /* NULL once it closed */
	json_t *query;
	json_t *record; /* the call's audit record, appended with the outcome */
	bool expand;    /* an expansion plugin wants the answer as an object */
	char *text;     /* the answer, encoded on the search thread */
} pending_search_t;

static void
pending_free(pending_search_t *p)
{
	if (p->conn)
		evhttp_connection_set_closecb(p->conn, NULL, NULL);
	json_decref(p->query);
	json_decref(p->record);
	free(p->text);
	free(p);
}

/* On a search thread: the event loop's part of the work, where no plugin
 * needs the answer as an object. Encoding a 40-result answer costs more
 * than most searches. */
static json_t *
prepare(json_t *response, void *arg)
{
	pending_search_t *p = arg;

	if (p->expand)
		return response;
	p->text = json_dumps(response, VD_REPLY_JSON_FLAGS);
	if (!p->text)
		return response; /* the event loop tries and says why */
	vd_audit_add_answer_ids(p->record, response);
	json_decref(response);
	return NULL;
}

static void
on_close(struct evhttp_connection *conn, void *arg)
{
	pending_search_t *p = arg;

	(void)conn;
	p->conn = NULL; /* evhttp frees the request with its connection */
}

/* On the event loop, with the pool's answer. */
static void
on_searched(json_t *response, const char *error, bool cancelled, void *arg)
{
	pending_search_t *p = arg;
	vd_audit_t *audit = vd_store_audit(p->srv->store);
	bool answered = response || p->text;
	json_t *lists;

	if (!cancelled && p->conn && response) {
		lists = vd_plugins_expand(p->srv->plugins, p->query,
		                          json_object_get(response, "results"));
		if (lists)
			json_object_set_new(response, "lists", lists);
		vd_audit_add_answer_ids(p->record, response);
	}
	/* Recorded before the answer leaves, as every read is; a client that
	 * went away was told nothing (499). */
	if (audit && p->record && !cancelled)
		vd_audit_record_append(audit, p->record, !p->conn ? 499 : answered ? 200 : 503);
	if (cancelled || !p->conn)
		json_decref(response);
	else if (p->text)
		vd_reply_json_text(p->req, 200, p->text, NULL);
	else
		send_answer(p->req, response, error);
	pending_free(p);
}

/* Hands the search to the search threads; false when it must run here. */
static bool
search_elsewhere(vd_call_t *call, const json_t *query)
{
	vd_server_t *srv = call->srv;
	pending_search_t *p;

	/* Annotating plugins read the stored profile on the event loop. */
	if (!srv->search_pool || (annotations_for(call) && vd_plugins_annotating(srv->plugins)))
		return false;
	if (!(p = calloc(1, sizeof(*p))))
		return false;
	p->srv = srv;
	p->req = call->req;
	p->query = json_incref((json_t *)query);
	p->expand = vd_plugins_expanding(srv->plugins);
	/* The answer comes later: its audit line goes with it. */
	p->record = call->audit;
	if (!vd_search_pool_submit(srv->search_pool, p->query, vd_date_today(), prepare,
	                           on_searched, p)) {
		json_decref(p->query);
		free(p);
		return false;
	}
	call->audit = NULL;
	p->conn = evhttp_request_get_connection(call->req);
	evhttp_connection_set_closecb(p->conn, on_close, p);
	return true;
}

void
vd_search_reply(vd_call_t *call, const json_t *query)
{
	json_t *response;

	if (search_elsewhere(call, query))
		return;
	response = vd_search_run(call->srv, query, true, annotations_for(call));
	if (response)
		vd_audit_add_answer_ids(call->audit, response); /* the people it names */
	send_answer(call->req, response,
	            response ? NULL : vd_index_last_error(vd_store_reader(call->srv->store)));
}

/* ?facets=licence,certificate as the body's "facets" array. */
static void
add_facets(json_t *parsed, const char *list)
{
	json_t *kinds = json_array();
	char *copy = strdup(list), *save = NULL;

	for (char *k = copy ? strtok_r(copy, ",", &save) : NULL; k; k = strtok_r(NULL, ",", &save))
		json_array_append_new(kinds, json_string(k));
	free(copy);
	json_object_set_new(parsed, "facets", kinds);
}

void
vd_api_search_get(vd_call_t *call)
{
	const char *text = evhttp_find_header(&call->query, "q");
	json_t *errors = json_array();
	json_t *parsed = NULL, *query = NULL;

	if (!text || !*text) {
		json_array_append_new(
		    errors,
		    json_pack("{s:s, s:s}", "pointer", "/q", "detail",
		              "q is required: the query as typed, for example '40 chauffeurs'"));
		vd_reply_problem(call->req, 400, "missing query text", errors);
		return;
	}
	parsed = vd_query_parse_text(call->srv->tax, call->srv->places, text, errors);
	if (parsed && evhttp_find_header(&call->query, "facets"))
		add_facets(parsed, evhttp_find_header(&call->query, "facets"));
	if (parsed)
		query = vd_query_normalise(call->srv->tax, call->srv->places, parsed,
		                           call->srv->config->limits.max_count, errors);
	if (!query)
		vd_reply_problem(call->req, 422, "the query was not understood", errors);
	else {
		json_decref(errors);
		vd_search_reply(call, query);
	}
	json_decref(query);
	json_decref(parsed);
}

void
vd_api_search_post(vd_call_t *call)
{
	json_t *errors, *body, *query;

	if (!vd_json_body(call, NULL, &body))
		return;
	errors = json_array();
	query = vd_query_normalise(call->srv->tax, call->srv->places, body,
	                           call->srv->config->limits.max_count, errors);
	if (!query)
		vd_reply_problem(call->req, 422, "the search is not valid", errors);
	else {
		json_decref(errors);
		vd_search_reply(call, query);
	}
	json_decref(query);
	json_decref(body);
}

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

void
vd_search_reply(vd_call_t *call, const json_t *query)
{
	vd_server_t *srv = call->srv;
	json_t *response = vd_search_run(srv, query, true, annotations_for(call));

	if (!response) {
		vd_reply_problem(call->req, 503, vd_index_last_error(vd_store_reader(srv->store)),
		                 NULL);
		return;
	}
	vd_audit_add_answer_ids(call->audit, response); /* the people it names */
	vd_reply_json(call->req, 200, response, NULL);
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

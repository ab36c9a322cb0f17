#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_search.h"
#include "api_vacancies.h"
#include "api_write.h"
#include "dates.h"
#include "plugins.h"
#include "vacancy.h"

static void
vacancy_term(const char *id, char *term)
{
	snprintf(term, 67, "Qv%s", id);
}

/* The committed vacancy, parsed (new reference), or NULL after replying. */
static json_t *
load_vacancy(vd_call_t *call)
{
	vd_index_t *reader = vd_store_reader(call->srv->store);
	char term[67];
	char *data = NULL;
	json_t *vacancy;
	vd_status_t status;

	vacancy_term(call->param[0], term);
	status = vd_index_get(reader, term, &data, NULL, NULL);
	if (status == VD_ERR_NOT_FOUND) {
		vd_reply_not_found(call->req, "vacancy");
		return NULL;
	}
	if (status != VD_OK) {
		vd_reply_problem(call->req, 503, vd_index_last_error(reader), NULL);
		return NULL;
	}
	vacancy = json_loads(data, 0, NULL);
	free(data);
	if (!vacancy)
		vd_reply_problem(call->req, 500, "the stored vacancy could not be read", NULL);
	return vacancy;
}

void
vd_api_vacancy_get(vd_call_t *call)
{
	char term[67], tag[40];
	char *data = NULL;

	if (!vd_check_id(call))
		return;
	vacancy_term(call->param[0], term);
	if (vd_index_get(vd_store_reader(call->srv->store), term, &data, NULL, NULL) != VD_OK) {
		vd_reply_not_found(call->req, "vacancy");
		return;
	}
	vd_etag(data, tag);
	vd_reply_json_text(call->req, 200, data, tag);
	free(data);
}

void
vd_api_vacancy_put(vd_call_t *call)
{
	char term[67];
	char *current = NULL;
	json_t *body = NULL, *canonical = NULL, *stored = NULL, *errors;
	vd_doc_t *doc;

	if (!vd_check_id(call))
		return;
	if (vd_vacancy_id_reserved(call->param[0]) ||
	    vd_plugins_owns_vacancy_id(call->srv->plugins, call->param[0])) {
		vd_reply_problem(
		    call->req, 409,
		    "ids starting with a source plugin's prefix (jsonld-, csv-, or that "
		    "of another loaded source plugin) belong to that plugin",
		    NULL);
		return;
	}
	if (!vd_json_body(call, NULL, &body))
		return;
	vacancy_term(call->param[0], term);
	if (!vd_current_doc(call, term, &current))
		goto out;
	stored = current ? json_loads(current, 0, NULL) : NULL;
	if (stored && strcmp(json_string_value(json_object_get(stored, "source")), "manual") != 0) {
		vd_reply_problem(call->req, 409,
		                 "this vacancy comes from a source plugin and cannot be replaced",
		                 NULL);
		goto out;
	}
	if (!vd_if_match_holds(call, current))
		goto out;
	errors = json_array();
	if (!vd_vacancy_validate(call->srv->tax, call->srv->places, call->param[0], body,
	                         &canonical, errors)) {
		vd_reply_problem(call->req, 422, "the vacancy is not valid; nothing was changed",
		                 errors);
		goto out;
	}
	json_decref(errors);
	doc = vd_doc_new();
	if (!doc || !vd_vacancy_to_doc(canonical, doc)) {
		vd_doc_free(doc);
		vd_reply_problem(call->req, 503, "out of memory", NULL);
		goto out;
	}
	vd_submit_write(call, VD_WRITE_REPLACE, term, doc, current ? 200 : 201, "vacancy");
out:
	json_decref(canonical);
	json_decref(stored);
	json_decref(body);
	free(current);
}

void
vd_api_vacancy_delete(vd_call_t *call)
{
	char term[67];
	char *current;

	if (!vd_check_id(call))
		return;
	vacancy_term(call->param[0], term);
	if (!vd_current_doc(call, term, &current))
		return;
	if (!current)
		vd_reply_not_found(call->req, "vacancy");
	else if (vd_if_match_holds(call, current))
		vd_submit_write(call, VD_WRITE_DELETE, term, NULL, 204, "vacancy");
	free(current);
}

typedef struct docids {
	vd_docid_t *ids;
	size_t n, cap;
} docids_t;

static void
collect(vd_docid_t docid, void *arg)
{
	docids_t *d = arg;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		vd_docid_t *ids = realloc(d->ids, cap * sizeof(*ids));
		if (!ids)
			return;
		d->ids = ids;
		d->cap = cap;
	}
	d->ids[d->n++] = docid;
}

void
vd_api_vacancy_list(vd_call_t *call)
{
	vd_index_t *reader = vd_store_reader(call->srv->store);
	docids_t all = {0};
	int page, per_page;
	json_t *results;

	if (!vd_query_int(call, "page", 1, 1000000, &page) ||
	    !vd_query_int(call, "per_page", 100, call->srv->config->limits.max_per_page, &per_page))
		return;
	if (vd_index_postings(reader, "Tv", collect, &all) != VD_OK) {
		vd_reply_problem(call->req, 503, vd_index_last_error(reader), NULL);
		free(all.ids);
		return;
	}
	results = json_array();
	for (size_t i = (size_t)(page - 1) * per_page; i < all.n && i < (size_t)page * per_page;
	     i++) {
		char *data = NULL;
		if (vd_index_get_by_docid(reader, all.ids[i], &data, NULL) == VD_OK)
			json_array_append_new(results, json_loads(data, 0, NULL));
		free(data);
	}
	vd_reply_json(call->req, 200,
	              json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)all.n, "page", page,
	                        "per_page", per_page, "results", results),
	              NULL);
	free(all.ids);
}

void
vd_api_vacancy_matches(vd_call_t *call)
{
	vd_server_t *srv = call->srv;
	json_t *vacancy, *query, *errors;
	int count, def;

	if (!vd_check_id(call) || !(vacancy = load_vacancy(call)))
		return;
	def = (int)json_integer_value(json_object_get(vacancy, "openings"));
	if (!vd_query_int(call, "count", def > 0 ? 3 * def : 10, srv->config->limits.max_count,
	                  &count))
		goto out;
	errors = json_array();
	query = vd_vacancy_query(srv->tax, srv->places, vacancy, count,
	                         srv->config->limits.max_count, errors);
	if (!query) {
		vd_reply_problem(call->req, 500, "the stored vacancy no longer fits the taxonomy",
		                 errors);
		goto out;
	}
	json_decref(errors);
	if (!vd_vacancy_open(vacancy, vd_date_today()))
		vd_reply_json(call->req, 200,
		              json_pack("{s:O, s:i, s:[]}", "query", query, "total", 0, "results"),
		              NULL);
	else
		vd_search_reply(call, query);
	json_decref(query);
out:
	json_decref(vacancy);
}

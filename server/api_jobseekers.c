/* Profiles are validated and turned into index documents on the event-loop
 * thread; the writer thread only applies and commits them. Each write is
 * answered from its completion callback, that is: once it is durable. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_jobseekers.h"
#include "api_write.h"
#include "dates.h"
#include "plugins.h"
#include "profile.h"

void
vd_jobseeker_term(const char *id, char *term)
{
	snprintf(term, 67, "Qj%s", id);
}

/* The rules plugins' judgement of their own parts of a valid profile. */
static bool
plugins_accept(vd_server_t *srv, const json_t *canonical, json_t *errors)
{
	char *text = json_dumps(canonical, JSON_COMPACT | JSON_PRESERVE_ORDER);
	bool ok = !text || vd_plugins_check_profile(srv->plugins, text, errors);

	free(text);
	return ok;
}

/* Validates profile and queues it; status is 201 or 200 for the answer. */
static void
store_profile(vd_call_t *call, const char *term, json_t *profile, int status)
{
	json_t *errors = json_array();
	json_t *canonical = NULL;
	vd_doc_t *doc;

	if (status == 201) /* the audit's action for a PUT of someone new */
		json_object_set_new(call->audit, "action", json_string("create"));
	if (!vd_profile_validate(call->srv->tax, call->srv->places, call->param[0], profile,
	                         &canonical, errors) ||
	    !plugins_accept(call->srv, canonical, errors)) {
		json_decref(canonical);
		vd_reply_problem(call->req, 422, "the profile is not valid; nothing was changed",
		                 errors);
		return;
	}
	json_decref(errors);
	doc = vd_doc_new();
	if (!doc || !vd_profile_to_doc(call->srv->places, canonical, vd_date_today(), doc)) {
		vd_doc_free(doc);
		json_decref(canonical);
		vd_reply_problem(call->req, 503, "out of memory", NULL);
		return;
	}
	json_decref(canonical);
	vd_submit_write(call, VD_WRITE_REPLACE, term, doc, status, "jobseeker");
}

void
vd_api_jobseeker_get(vd_call_t *call)
{
	char term[67], tag[40];
	char *data = NULL;
	vd_status_t status;

	if (!vd_check_id(call))
		return;
	vd_jobseeker_term(call->param[0], term);
	status = vd_index_get(vd_store_reader(call->srv->store), term, &data, NULL, NULL);
	if (status == VD_ERR_NOT_FOUND) {
		vd_reply_not_found(call->req, "jobseeker");
		return;
	}
	if (status != VD_OK) {
		vd_reply_problem(call->req, 503,
		                 vd_index_last_error(vd_store_reader(call->srv->store)), NULL);
		return;
	}
	vd_etag(data, tag);
	vd_reply_json_text(call->req, 200, data, tag);
	free(data);
}

void
vd_api_jobseeker_put(vd_call_t *call)
{
	char term[67];
	char *current;
	json_t *body;

	if (!vd_check_id(call) || !vd_json_body(call, NULL, &body))
		return;
	vd_jobseeker_term(call->param[0], term);
	if (vd_current_doc(call, term, &current) && vd_if_match_holds(call, current))
		store_profile(call, term, body, current ? 200 : 201);
	free(current);
	json_decref(body);
}

void
vd_api_jobseeker_patch(vd_call_t *call)
{
	char term[67];
	char *current = NULL;
	json_t *patch = NULL, *target = NULL, *merged = NULL;

	if (!vd_check_id(call) || !vd_json_body(call, "application/merge-patch+json", &patch))
		return;
	vd_jobseeker_term(call->param[0], term);
	if (!vd_current_doc(call, term, &current))
		goto out;
	if (!current) {
		vd_reply_not_found(call->req, "jobseeker");
		goto out;
	}
	if (!vd_if_match_holds(call, current))
		goto out;
	target = json_loads(current, JSON_ALLOW_NUL, NULL);
	merged = target ? vd_merge_patch(target, patch) : NULL;
	if (!merged) {
		vd_reply_problem(call->req, 500, "the stored profile could not be read", NULL);
		goto out;
	}
	store_profile(call, term, merged, 200);
out:
	json_decref(merged);
	json_decref(target);
	json_decref(patch);
	free(current);
}

void
vd_api_jobseeker_delete(vd_call_t *call)
{
	char term[67];
	char *current;

	if (!vd_check_id(call))
		return;
	vd_jobseeker_term(call->param[0], term);
	if (!vd_current_doc(call, term, &current))
		return;
	if (!current)
		vd_reply_not_found(call->req, "jobseeker");
	else if (vd_if_match_holds(call, current))
		vd_submit_write(call, VD_WRITE_DELETE, term, NULL, 204, "jobseeker");
	free(current);
}

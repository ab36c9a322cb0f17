/* GET /v1/jobseekers/{id}/audit. The scan runs on the event-loop thread:
 * README.md ("Audit log") gives its cost. */
#include "config.h"

#include "api_audit.h"
#include "api_write.h"
#include "audit.h"

void
vd_api_jobseeker_audit(vd_call_t *call)
{
	vd_audit_t *audit = vd_store_audit(call->srv->store);
	json_t *results = NULL;
	size_t total = 0;
	int page, per_page;

	if (!vd_check_id(call) || !vd_query_int(call, "page", 1, 1000000, &page) ||
	    !vd_query_int(call, "per_page", 100, call->srv->config->limits.max_per_page, &per_page))
		return;
	if (!audit) {
		vd_reply_problem(call->req, 503, "the audit log is not open", NULL);
		return;
	}
	if (vd_audit_find(audit, call->param[0], (size_t)(page - 1) * (size_t)per_page,
	                  (size_t)per_page, &results, &total) != VD_OK) {
		json_decref(results);
		vd_reply_problem(call->req, 503, "the audit log could not be read", NULL);
		return;
	}
	vd_reply_json(call->req, 200,
	              json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)total, "page", page,
	                        "per_page", per_page, "results", results),
	              NULL);
}

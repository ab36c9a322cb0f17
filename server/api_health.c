/* GET /v1/health: no token needed; says whether the store answers. */
#include "config.h"

#include "api_health.h"

void
vd_api_health(vd_call_t *call)
{
	vd_index_t *reader = vd_store_reader(call->srv->store);
	unsigned jobseekers = 0, vacancies = 0;

	if (vd_index_term_count(reader, "Tj", &jobseekers) != VD_OK ||
	    vd_index_term_count(reader, "Tv", &vacancies) != VD_OK) {
		vd_reply_problem(call->req, 503, vd_index_last_error(reader), NULL);
		return;
	}
	vd_reply_json(call->req, 200,
	              json_pack("{s:s, s:I, s:I}", "status",
	                        call->srv->stopping ? "stopping" : "ok", "jobseekers",
	                        (json_int_t)jobseekers, "vacancies", (json_int_t)vacancies),
	              NULL);
}

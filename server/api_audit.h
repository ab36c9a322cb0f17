/* GET /v1/jobseekers/{id}/audit: who has seen or changed this person's data
 * (AVG art. 15), from the audit log; it outlives the profile. */
#ifndef VD_API_AUDIT_H
#define VD_API_AUDIT_H

#include "http.h"

/* Caseworker and admin: {"total", "page", "per_page", "results"}, newest
 * first. An id nobody ever asked about is a 200 with total 0: the question
 * is legitimate, and the answer must not differ for a deleted profile. */
void vd_api_jobseeker_audit(vd_call_t *call);

#endif

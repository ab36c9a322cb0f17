/* /v1/jobseekers/{id}: create, read, change and delete competence profiles. */
#ifndef VD_API_JOBSEEKERS_H
#define VD_API_JOBSEEKERS_H

#include "http.h"

void vd_api_jobseeker_get(vd_call_t *call);
void vd_api_jobseeker_put(vd_call_t *call);
void vd_api_jobseeker_patch(vd_call_t *call);
void vd_api_jobseeker_delete(vd_call_t *call);

/* The unique term of a jobseeker id into term (at least 67 bytes). */
void vd_jobseeker_term(const char *id, char *term);

#endif

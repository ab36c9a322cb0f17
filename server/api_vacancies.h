/* /v1/vacancies and the two match views: candidates for a vacancy, and
 * vacancies for a jobseeker. */
#ifndef VD_API_VACANCIES_H
#define VD_API_VACANCIES_H

#include "http.h"

void vd_api_vacancy_list(vd_call_t *call);
void vd_api_vacancy_get(vd_call_t *call);
void vd_api_vacancy_put(vd_call_t *call);
void vd_api_vacancy_delete(vd_call_t *call);
void vd_api_vacancy_matches(vd_call_t *call);
void vd_api_jobseeker_matches(vd_call_t *call);

#endif

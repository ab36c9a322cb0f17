/* Who may call what: the one table. A test walks every route with every
 * role and without a token (tests/blackbox/test_roles.py).
 * Everything a client may call but the health check needs a token. */
#include "config.h"

#include "api_health.h"
#include "api_jobseekers.h"
#include "api_plugins.h"
#include "api_search.h"
#include "api_taxonomy.h"
#include "api_vacancies.h"
#include "http.h"

#define EMPLOYER   VD_ROLE_EMPLOYER
#define CASEWORKER VD_ROLE_CASEWORKER
#define ADMIN      VD_ROLE_ADMIN

const vd_route_t vd_routes[] = {
    {EVHTTP_REQ_GET, "/v1/health", VD_ROLE_PUBLIC, vd_api_health},
    {EVHTTP_REQ_GET, "/v1/jobseekers/{}", CASEWORKER | ADMIN, vd_api_jobseeker_get},
    {EVHTTP_REQ_PUT, "/v1/jobseekers/{}", CASEWORKER | ADMIN, vd_api_jobseeker_put},
    {EVHTTP_REQ_PATCH, "/v1/jobseekers/{}", CASEWORKER | ADMIN, vd_api_jobseeker_patch},
    {EVHTTP_REQ_DELETE, "/v1/jobseekers/{}", CASEWORKER | ADMIN, vd_api_jobseeker_delete},
    {EVHTTP_REQ_GET, "/v1/jobseekers/{}/matches", CASEWORKER | ADMIN, vd_api_jobseeker_matches},
    {EVHTTP_REQ_GET, "/v1/vacancies", EMPLOYER | CASEWORKER | ADMIN, vd_api_vacancy_list},
    {EVHTTP_REQ_GET, "/v1/vacancies/{}", EMPLOYER | CASEWORKER | ADMIN, vd_api_vacancy_get},
    {EVHTTP_REQ_PUT, "/v1/vacancies/{}", EMPLOYER | CASEWORKER | ADMIN, vd_api_vacancy_put},
    {EVHTTP_REQ_DELETE, "/v1/vacancies/{}", EMPLOYER | CASEWORKER | ADMIN, vd_api_vacancy_delete},
    {EVHTTP_REQ_GET, "/v1/vacancies/{}/matches", EMPLOYER | CASEWORKER | ADMIN,
     vd_api_vacancy_matches},
    {EVHTTP_REQ_GET, "/v1/occupations", EMPLOYER | CASEWORKER | ADMIN, vd_api_occupations},
    {EVHTTP_REQ_GET, "/v1/competences", EMPLOYER | CASEWORKER | ADMIN, vd_api_competences},
    {EVHTTP_REQ_GET, "/v1/search", EMPLOYER | CASEWORKER | ADMIN, vd_api_search_get},
    {EVHTTP_REQ_POST, "/v1/search", EMPLOYER | CASEWORKER | ADMIN, vd_api_search_post},
    {EVHTTP_REQ_GET, "/v1/plugins", ADMIN, vd_api_plugins_list},
    {EVHTTP_REQ_POST, "/v1/plugins/reload", ADMIN, vd_api_plugins_reload},
    /* Last: what no core route serves goes to the plugins' routes. */
    VD_PLUGIN_ROUTES,
};

const size_t vd_n_routes = sizeof(vd_routes) / sizeof(vd_routes[0]);

/* Who may call what: the one table. A test walks every route with every
 * role and without a token (tests/blackbox/test_roles.py).
 * Everything a client may call but the health check needs a token. */
#include "config.h"

#include "api_audit.h"
#include "api_health.h"
#include "api_jobseekers.h"
#include "api_metrics.h"
#include "api_openapi.h"
#include "api_import.h"
#include "api_plugins.h"
#include "api_search.h"
#include "api_static.h"
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
    {EVHTTP_REQ_GET, "/v1/jobseekers/{}/audit", CASEWORKER | ADMIN, vd_api_jobseeker_audit},
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
    {EVHTTP_REQ_POST, "/v1/imports", ADMIN, vd_api_import},
    /* The search page and its files, under their own prefix so that they
     * never shadow a route added later. */
    {EVHTTP_REQ_GET, "/", VD_ROLE_PUBLIC, vd_api_static_index},
    {EVHTTP_REQ_GET, "/static/{}", VD_ROLE_PUBLIC, vd_api_static_file},
    {EVHTTP_REQ_GET, "/v1/openapi.json", VD_ROLE_PUBLIC, vd_api_openapi},
    {EVHTTP_REQ_GET, "/metrics", ADMIN, vd_api_metrics},
    /* Last: what no core route serves goes to the plugins' routes. */
    VD_PLUGIN_ROUTES,
};

const size_t vd_n_routes = sizeof(vd_routes) / sizeof(vd_routes[0]);

/* What the audit log records (server/audit.h): every call that reads or
 * changes a person's data, by handler, with its action. The plugins' routes
 * start their own record (api_plugins.c). */
const vd_route_audit_t vd_route_audits[] = {
    {vd_api_jobseeker_get, "read"},
    {vd_api_jobseeker_put, "replace"}, /* "create" when the id is new */
    {vd_api_jobseeker_patch, "patch"},
    {vd_api_jobseeker_delete, "delete"},
    {vd_api_jobseeker_matches, "jobseeker_matches"},
    {vd_api_jobseeker_audit, "audit_read"},
    {vd_api_vacancy_matches, "vacancy_match"},
    {vd_api_search_get, "search"},
    {vd_api_search_post, "search"},
    {vd_api_plugins_reload, "plugins_reload"},
};

const size_t vd_n_route_audits = sizeof(vd_route_audits) / sizeof(vd_route_audits[0]);

"""Who may call what (API.md "Running", roles): every route with every role,
with an unknown token and with none. The expected table is written here from
API.md, apart from server/routes.c; the test also fails when routes.c has a
route this table does not know, so a new route cannot go unchecked."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

E, C, A = "employer-service", "caseworker", "admin"
PUBLIC = "public"
# (method, path as in routes.c, concrete path, body, roles allowed)
ROUTES = [
    ("GET", "/v1/health", "/v1/health", None, {PUBLIC}),
    ("GET", "/v1/jobseekers/{}", "/v1/jobseekers/r-1", None, {C, A}),
    ("PUT", "/v1/jobseekers/{}", "/v1/jobseekers/r-2", {"hours_per_week": 20}, {C, A}),
    ("PATCH", "/v1/jobseekers/{}", "/v1/jobseekers/r-1", {"hours_per_week": 30}, {C, A}),
    ("DELETE", "/v1/jobseekers/{}", "/v1/jobseekers/r-gone", None, {C, A}),
    ("GET", "/v1/jobseekers/{}/matches", "/v1/jobseekers/r-1/matches", None, {C, A}),
    ("GET", "/v1/jobseekers/{}/audit", "/v1/jobseekers/r-1/audit", None, {C, A}),
    ("GET", "/v1/vacancies", "/v1/vacancies", None, {E, C, A}),
    ("GET", "/v1/vacancies/{}", "/v1/vacancies/v-1", None, {E, C, A}),
    ("PUT", "/v1/vacancies/{}", "/v1/vacancies/v-2", {"title": "Kok", "occupation": "kok"},
     {E, C, A}),
    ("DELETE", "/v1/vacancies/{}", "/v1/vacancies/v-gone", None, {E, C, A}),
    ("GET", "/v1/vacancies/{}/matches", "/v1/vacancies/v-1/matches", None, {E, C, A}),
    ("GET", "/v1/occupations", "/v1/occupations?q=chauf", None, {E, C, A}),
    ("GET", "/v1/competences", "/v1/competences", None, {E, C, A}),
    ("GET", "/v1/search", "/v1/search?q=chauffeurs", None, {E, C, A}),
    ("POST", "/v1/search", "/v1/search", {"occupation": "chauffeur"}, {E, C, A}),
    ("GET", "/v1/plugins", "/v1/plugins", None, {A}),
    ("POST", "/v1/plugins/reload", "/v1/plugins/reload", None, {A}),
    ("POST", "/v1/imports", "/v1/imports?kind=jobseekers", None, {A}),
    ("GET", "/", "/", None, {PUBLIC}),
    ("GET", "/static/{}", "/static/app.js", None, {PUBLIC}),
    ("GET", "/v1/openapi.json", "/v1/openapi.json", None, {PUBLIC}),
    ("GET", "/metrics", "/metrics", None, {A}),
]


def routes_in_source():
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "server",
                       "routes.c")
    with open(src) as f:
        text = f.read()
    return set(re.findall(r'EVHTTP_REQ_(\w+), "(/[^"]*)"', text))


def test_roles(c):
    known = {(m, p) for m, p, _, _, _ in ROUTES}
    missing = routes_in_source() - known
    c.eq(missing, set(), "routes in server/routes.c that this test does not check")
    s = Server().start()
    c.status(s.request("PUT", "/v1/jobseekers/r-1", {"hours_per_week": 20}), 201, "setup")
    c.status(s.request("PUT", "/v1/vacancies/v-1", {"title": "Kok", "occupation": "kok"}), 201,
             "setup")
    for method, _, path, body, allowed in ROUTES:
        for role in (E, C, A):
            if method == "DELETE":  # something to delete for every role that may
                s.request("PUT", path, {"title": "x", "occupation": "kok"} if "vacanc" in path
                          else {}, token=A)
            r = s.request(method, path, body, token=role)
            if role in allowed or PUBLIC in allowed:
                c.check(r.status not in (401, 403),
                        "%s %s as %s must be allowed, got %r" % (method, path, role, r))
            else:
                c.problem(r, 403, "%s %s as %s" % (method, path, role))
        r = s.request(method, path, body, token=None)
        if PUBLIC in allowed:
            c.status(r, 200, "%s %s without a token" % (method, path))
        else:
            c.problem(r, 401, "%s %s without a token" % (method, path))
            c.eq(r.header("WWW-Authenticate"), "Bearer", "401 says how to authenticate")
        r = s.request(method, path, body, headers={"Authorization": "Bearer not-a-known-token"},
                      token=None)
        if PUBLIC not in allowed:
            c.problem(r, 401, "%s %s with an unknown token" % (method, path))


LICENCES = ["AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE"]


def test_taxonomy(c):
    """GET /v1/occupations?q= (autocomplete with requirements) and /v1/competences."""
    s = Server().start()
    r = s.request("GET", "/v1/occupations?q=chauf", token=E)
    c.status(r, 200, "occupations?q=chauf")
    codes = [o["code"] for o in r.json["results"]]
    c.eq(codes[0], "chauffeur", "the word that starts with the text comes first")
    for code in ("vrachtwagenchauffeur", "buschauffeur", "taxichauffeur", "heftruckchauffeur"):
        c.check(code in codes, "%s found by 'chauf'" % code)
    c.eq(r.json["results"][0]["require"],
         [["licence:B", "licence:C1", "licence:C", "licence:CE", "licence:D1", "licence:D"]],
         "chauffeur's requirements as API.md has them")
    c.eq(r.json["total"], len(codes), "total counts the matches")
    everything = s.request("GET", "/v1/occupations?per_page=1000", token=E).json
    c.check(everything["total"] >= 60, "at least 60 occupations, got %d" % everything["total"])
    page2 = s.request("GET", "/v1/occupations?page=2&per_page=10", token=E).json
    c.eq([o["code"] for o in page2["results"]],
         [o["code"] for o in everything["results"][10:20]], "page 2 of 10")
    lic = s.request("GET", "/v1/competences?kind=licence", token=E).json
    c.eq(sorted(x["code"] for x in lic["results"]), sorted(LICENCES), "the 14 licence categories")
    vca = s.request("GET", "/v1/competences?q=vca", token=E).json
    c.check({"vca-basis", "vca-vol"} <= {x["code"] for x in vca["results"]}, "q=vca finds both")
    c.problem(s.request("GET", "/v1/competences?kind=rijbewijs", token=E), 400, "unknown kind")
    c.problem(s.request("GET", "/v1/occupations?page=0", token=E), 400, "page 0")


if __name__ == "__main__":
    harness.run([("roles", test_roles), ("taxonomy look-up", test_taxonomy)])

"""The OpenAPI document (data/openapi.json, served at /v1/openapi.json) tells
the truth: every route in server/routes.c is in it with the roles routes.c
gives; every error answer is a problem+json; and real answers of the real
server to realistic requests, error cases included, validate against the
schema the document gives for their status (Draft 2020-12, $refs resolved
within the document). Realistic request bodies validate against the
request schemas too. Plugin routes (x-vaardig-plugin) are checked for their
documentation only: this test loads no plugin.

Needs python3-jsonschema (4.10 or newer)."""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

import jsonschema  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTES_C = os.path.join(HERE, "..", "..", "server", "routes.c")
DOC_PATH = os.path.join(harness.VAARDIG_DATA, "openapi.json")
PROBLEM = {"$ref": "#/components/schemas/Problem"}
METHODS = ("get", "put", "post", "patch", "delete")
ROLE_MACROS = {"EMPLOYER": "employer-service", "CASEWORKER": "caseworker", "ADMIN": "admin",
               "VD_ROLE_EMPLOYER": "employer-service", "VD_ROLE_CASEWORKER": "caseworker",
               "VD_ROLE_ADMIN": "admin"}


def load_doc():
    with open(DOC_PATH) as f:
        return json.load(f)


def routes_in_source():
    """{(METHOD, "/v1/jobseekers/{}"): set of roles ([] = public)} from routes.c."""
    with open(ROUTES_C) as f:
        text = f.read()
    out = {}
    for method, pattern, roles in re.findall(r'\{\s*EVHTTP_REQ_(\w+),\s*"(/[^"]*)",\s*([^,]+),',
                                             text):
        words = [w.strip() for w in roles.split("|")]
        if "VD_ROLE_PUBLIC" in words:
            out[(method, pattern)] = set()
        else:
            out[(method, pattern)] = {ROLE_MACROS[w] for w in words}
    return out


def template_of(doc_path):
    """"/v1/jobseekers/{id}" -> "/v1/jobseekers/{}", the routes.c spelling."""
    return re.sub(r"\{[^}]+\}", "{}", doc_path)


def operations(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def deref(doc, obj):
    """Follows a $ref to components (responses, parameters) within the document."""
    while isinstance(obj, dict) and "$ref" in obj:
        node = doc
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj


def validator_for(doc, schema):
    """A Draft 2020-12 validator of schema whose #/components/... refs resolve
    within the document: the schema sits in a root that holds the components."""
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": doc["components"], "target": schema, "$ref": "#/target"}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


def errors_of(doc, schema, instance):
    return ["%s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path))
            for e in validator_for(doc, schema).iter_errors(instance)]


# -- the document itself ----------------------------------------------------

def test_document(c):
    doc = load_doc()
    c.eq(doc.get("openapi", "")[:4], "3.1.", "an OpenAPI 3.1 document")
    for name, schema in doc["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            c.check(False, "components.schemas.%s is no valid schema: %s" % (name, e.message))
    c.eq(doc["components"]["securitySchemes"].get("bearerAuth", {}).get("scheme"), "bearer",
         "bearerAuth is an HTTP bearer scheme")
    documented = {}
    for path, method, o in operations(doc):
        where = "%s %s" % (method.upper(), path)
        roles = o.get("x-vaardig-roles")
        if not c.check(isinstance(roles, list), where + ": no x-vaardig-roles"):
            continue
        documented[(method.upper(), template_of(path))] = (set(roles), o)
        if roles:
            c.eq(o.get("security"), [{"bearerAuth": []}], where + ": security")
            c.check(", ".join(roles) in o.get("description", ""),
                    where + ": the description names the roles %r" % roles)
            for status in ("401", "403"):
                c.check(status in o["responses"], where + ": documents " + status)
        else:
            c.eq(o.get("security"), [], where + ": public, so no security")
            c.check("no token" in o.get("description", ""),
                    where + ": the description says no token is needed")
        for status, resp in o["responses"].items():
            if status[0] not in "45":
                continue
            content = deref(doc, resp).get("content", {})
            c.eq(list(content), ["application/problem+json"], where + " " + status + " media type")
            schema = content.get("application/problem+json", {}).get("schema")
            # A Problem, or one with extension members (RFC 9457 3.2): allOf
            # the Problem and an object of its own.
            if schema != PROBLEM:
                schema = deref(doc, schema).get("allOf", [None])[0]
            c.eq(schema, PROBLEM, where + " " + status + " schema")
    # Every core route, with the roles routes.c gives it.
    for (method, pattern), roles in sorted(routes_in_source().items()):
        got = documented.get((method, pattern))
        if c.check(got is not None, "route %s %s of routes.c is not in data/openapi.json"
                   % (method, pattern)):
            c.eq(got[0], roles, "%s %s: x-vaardig-roles against routes.c" % (method, pattern))
            c.check("x-vaardig-plugin" not in got[1],
                    "%s %s is a core route, not a plugin's" % (method, pattern))
    # The shipped plugins' routes, named as theirs.
    for method, path, plugin in (("GET", "/v1/taaleis", "taalhandhaving"),
                                 ("GET", "/v1/taaleis/{}", "taalhandhaving"),
                                 ("POST", "/v1/trajectories", "werktaal"),
                                 ("GET", "/v1/trajectories/{}", "werktaal"),
                                 ("PATCH", "/v1/trajectories/{}", "werktaal")):
        got = documented.get((method, path))
        if c.check(got is not None, "plugin route %s %s is documented" % (method, path)):
            c.eq(got[1].get("x-vaardig-plugin"), plugin, "%s %s: x-vaardig-plugin" % (method, path))
    # Operations neither in routes.c nor a plugin's are promises nobody keeps,
    # except those API.md names that are being built (listed here by name).
    pending = {("GET", "/v1/jobseekers/{}/audit"), ("POST", "/v1/imports")}
    for key, (_, o) in documented.items():
        if "x-vaardig-plugin" not in o and key not in routes_in_source():
            c.check(key in pending, "%s %s is documented but routes.c has no such route" % key)
    search = doc["components"]["schemas"]["SearchResponse"]["properties"]
    for member in ("facets", "lists"):
        c.check(member in search, "search responses document %r" % member)
    c.check("annotations" in doc["components"]["schemas"]["SearchResult"]["properties"],
            "search results document annotations")


# -- real answers ----------------------------------------------------------

PROFILE = {
    "id": "rtm-000123", "municipality": "Rotterdam", "location": {"lat": 51.92, "lon": 4.48},
    "licences": [{"category": "B", "valid_until": "2031-02-11"},
                 {"category": "CE", "valid_until": "2029-05-01", "code95_until": "2027-01-31"}],
    "languages": [{"code": "nl", "level": "A2"}, {"code": "ar", "level": "C2"}],
    "certificates": [{"code": "vca-basis", "valid_until": "2028-03-01"}, {"code": "heftruck"}],
    "skills": ["klantgericht"],
    "experience": [{"occupation": "magazijnmedewerker", "months": 24}],
    "hours_per_week": 32, "available_from": "2026-12-01", "max_travel_km": 25,
}
VACANCY = {
    "id": "wsp-2026-0042", "title": "Vrachtwagenchauffeur nationaal",
    "occupation": "vrachtwagenchauffeur", "openings": 3, "require": [["language:nl:A2"]],
    "prefer": ["experience:vrachtwagenchauffeur", "certificate:vca-basis"],
    "municipality": "Rotterdam", "max_distance_km": 30, "hours_per_week": 40,
    "employer": "Transport Rijnmond BV", "valid_through": "2027-01-31", "source": "manual",
}
SEARCH = {"count": 40, "occupation": "chauffeur",
          "require": [["licence:C", "licence:CE"], ["language:nl:A2"]],
          "prefer": ["experience:chauffeur", "certificate:vca-basis"],
          "near": {"municipality": "Rotterdam", "km": 25}, "facets": ["licence", "certificate"]}
JS, VC = "/v1/jobseekers/rtm-000123", "/v1/vacancies/wsp-2026-0042"
MERGE = "application/merge-patch+json"
NDJSON = "application/x-ndjson"

# (method, path, body, token, extra headers, content type, expected status,
#  whether the body must satisfy the request schema). Order matters: later
# requests build on earlier ones.
CASES = [
    ("GET", "/v1/health", None, None, None, None, 200, False),
    ("GET", "/v1/openapi.json", None, None, None, None, 200, False),
    ("GET", "/", None, None, None, None, 200, False),
    ("GET", "/static/nope.css", None, None, None, None, 404, False),
    ("PUT", JS, PROFILE, "caseworker", None, None, 201, True),
    ("PUT", JS, PROFILE, "admin", None, None, 200, True),
    ("PUT", "/v1/jobseekers/rtm-000124", {"municipality": "Den Haag", "licences": [
        {"category": "C", "code95_until": "2028-01-01"}], "languages": [
        {"code": "nl", "level": "1F", "by_skill": {"lezen": "1F", "spreken": "2F"}}]},
     "caseworker", None, None, 201, True),
    ("PUT", JS, dict(PROFILE, licences=[{"category": "Z"}]), "caseworker", None, None, 422,
     False),
    ("PUT", JS, dict(PROFILE, naam="Jan"), "caseworker", None, None, 422, False),
    ("PUT", JS, dict(PROFILE, skills=["vliegen-xyz"]), "caseworker", None, None, 422, False),
    ("PUT", JS, "{not json", "caseworker", None, None, 400, False),
    ("PUT", JS, "<profile/>", "caseworker", None, "application/xml", 415, False),
    ("PUT", "/v1/jobseekers/" + "x" * 65, PROFILE, "caseworker", None, None, 400, False),
    ("PUT", JS, PROFILE, None, None, None, 401, False),
    ("PUT", JS, PROFILE, "employer-service", None, None, 403, False),
    ("GET", JS, None, "caseworker", None, None, 200, False),
    ("GET", "/v1/jobseekers/rtm-absent", None, "caseworker", None, None, 404, False),
    ("PATCH", JS, {"hours_per_week": 24, "skills": None}, "caseworker", None, MERGE, 200, True),
    ("PATCH", JS, {"hours_per_week": 20}, "caseworker", {"If-Match": '"stale"'}, MERGE, 412,
     False),
    ("PATCH", JS, {"licences": [{"category": "Q"}]}, "caseworker", None, MERGE, 422, False),
    ("PATCH", "/v1/jobseekers/rtm-absent", {"hours_per_week": 20}, "caseworker", None, MERGE,
     404, False),
    ("GET", JS + "/matches", None, "caseworker", None, None, 200, False),
    ("GET", "/v1/jobseekers/rtm-absent/matches", None, "caseworker", None, None, 404, False),
    ("GET", JS + "/audit", None, "caseworker", None, None, 200, False),
    ("PUT", VC, VACANCY, "employer-service", None, None, 201, True),
    ("PUT", VC, VACANCY, "employer-service", None, None, 200, True),
    ("PUT", "/v1/vacancies/wsp-kok", {"title": "Kok", "occupation": "kok"}, "employer-service",
     None, None, 201, True),
    ("PUT", VC, dict(VACANCY, occupation="astronaut-xyz"), "employer-service", None, None, 422,
     False),
    ("PUT", "/v1/vacancies/jsonld-ACC-1", {"title": "Kok", "occupation": "kok"},
     "employer-service", None, None, 409, False),
    ("GET", VC, None, "employer-service", None, None, 200, False),
    ("GET", "/v1/vacancies/absent", None, "employer-service", None, None, 404, False),
    ("GET", "/v1/vacancies?page=1&per_page=10", None, "employer-service", None, None, 200, False),
    ("GET", "/v1/vacancies?per_page=nul", None, "employer-service", None, None, 400, False),
    ("GET", VC + "/matches?count=5", None, "employer-service", None, None, 200, False),
    ("GET", "/v1/vacancies/absent/matches", None, "employer-service", None, None, 404, False),
    ("GET", "/v1/search?q=40+chauffeurs+in+Rotterdam", None, "employer-service", None, None, 200,
     False),
    ("GET", "/v1/search?q=vrachtwagenchauffeurs+met+code+95+binnen+30+km+van+Den+Haag", None,
     "employer-service", None, None, 200, False),
    ("GET", "/v1/search?q=chauffeurs&facets=licence,certificate", None, "employer-service", None,
     None, 200, False),
    ("GET", "/v1/search?q=piloten", None, "employer-service", None, None, 422, False),
    ("GET", "/v1/search", None, "employer-service", None, None, 400, False),
    ("POST", "/v1/search", SEARCH, "employer-service", None, None, 200, True),
    ("POST", "/v1/search", {"occupation": "heftruckchauffeur", "count": 5000,
                            "in": "GM0599"}, "caseworker", None, None, 200,
     True),
    ("POST", "/v1/search", {"require": [["licence:ZZ"]]}, "employer-service", None, None, 422,
     False),
    ("POST", "/v1/search", "[1,", "employer-service", None, None, 400, False),
    ("POST", "/v1/search", SEARCH, None, None, None, 401, False),
    ("GET", "/v1/occupations?q=chauf", None, "employer-service", None, None, 200, False),
    ("GET", "/v1/occupations?per_page=-1", None, "employer-service", None, None, 400, False),
    ("GET", "/v1/competences", None, "employer-service", None, None, 200, False),
    ("GET", "/v1/competences?kind=licence&per_page=1000", None, "employer-service", None, None,
     200, False),
    ("GET", "/v1/plugins", None, "admin", None, None, 200, False),
    ("GET", "/v1/plugins", None, "caseworker", None, None, 403, False),
    ("POST", "/v1/plugins/reload", None, "admin", None, None, 200, False),
    ("GET", "/metrics", None, "admin", None, None, 200, False),
    ("GET", "/metrics", None, "caseworker", None, None, 403, False),
    ("GET", "/metrics", None, None, None, None, 401, False),
    ("POST", "/v1/imports?kind=jobseekers",
     "\n".join(json.dumps(p) for p in (
         dict(PROFILE, id="imp-1"), {"id": "imp-2", "skills": ["klantgericht"]},
         {"id": "imp-3", "licences": [{"category": "Z"}]})) + "\n",
     "admin", None, NDJSON, 200, False),
    ("POST", "/v1/imports?kind=onzin", "{}\n", "admin", None, NDJSON, 400, False),
    ("POST", "/v1/imports?kind=jobseekers", "{}\n", "caseworker", None, NDJSON, 403, False),
    ("DELETE", "/v1/jobseekers/rtm-000124", None, "caseworker", None, None, 204, False),
    ("DELETE", "/v1/jobseekers/rtm-000124", None, "caseworker", None, None, 404, False),
    ("DELETE", "/v1/vacancies/wsp-kok", None, "employer-service", None, None, 204, False),
    ("DELETE", "/v1/vacancies/wsp-kok", None, "employer-service", None, None, 404, False),
]


def find_operation(doc, method, path):
    """(doc path, operation) whose template matches the request path."""
    bare = path.split("?")[0]
    for doc_path, item in doc["paths"].items():
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(doc_path)) + "$"
        if re.match(rx, bare) and method.lower() in item:
            return doc_path, item[method.lower()]
    return None, None


def test_responses(c):
    doc = load_doc()
    in_source = routes_in_source()
    exercised = set()
    with Server() as s:
        for method, path, body, token, headers, ctype, want, check_request in CASES:
            what = "%s %s as %s" % (method, path[:60], token)
            doc_path, o = find_operation(doc, method, path)
            if not c.check(o is not None, what + ": no operation in the document"):
                continue
            key = (method, template_of(doc_path))
            if key not in in_source:
                # Documented ahead of its route (API.md "Other", imports): it
                # is checked as soon as routes.c serves it.
                print("note: %s %s is not in routes.c yet; not called" % key)
                continue
            if check_request:
                media = ctype or "application/json"
                schema = o["requestBody"]["content"][media]["schema"]
                errs = errors_of(doc, schema, body)
                c.eq(errs, [], what + ": the request body against the document's request schema")
            r = s.request(method, path, body, token=token, headers=headers, content_type=ctype)
            c.status(r, want, what)
            exercised.add(key)
            resp = o["responses"].get(str(r.status))
            if not c.check(resp is not None, "%s: status %d is not documented" % (what, r.status)):
                continue
            content = deref(doc, resp).get("content")
            if r.status == 204 or not content:
                c.eq(r.raw, b"", what + ": no body where the document has none")
                continue
            media = {k.split(";")[0].strip(): v for k, v in content.items()}
            if not c.check(r.content_type in media, "%s: Content-Type %s is not one of %s"
                           % (what, r.content_type, sorted(media))):
                continue
            if r.content_type.endswith("json"):
                if c.check(r.json is not None, what + ": the body is JSON"):
                    c.eq(errors_of(doc, media[r.content_type]["schema"], r.json), [],
                         what + ": the answer against the document's schema for %d" % r.status)
            for name in deref(doc, resp).get("headers", {}):
                c.check(r.header(name) is not None, "%s: header %s" % (what, name))
        served = s.request("GET", "/v1/openapi.json", token=None)
        c.eq(served.json, doc, "/v1/openapi.json serves data/openapi.json as it is")
    for key in sorted(in_source):
        c.check(key in exercised, "route %s %s is never called by this test" % key)


def test_fails_when_wrong(c):
    """The validation can fail: a changed answer no longer validates."""
    doc = load_doc()
    schema = {"$ref": "#/components/schemas/SearchResponse"}
    good = {"query": {"count": 10}, "total": 1,
            "results": [{"id": "a", "score": 1.0, "met": [], "preferred": []}]}
    c.eq(errors_of(doc, schema, good), [], "a well-formed search answer validates")
    bad = json.loads(json.dumps(good))
    bad["results"][0]["met"] = [{"require": "zero", "by": "licence:B"}]
    c.check(errors_of(doc, schema, bad), "a malformed search answer does not validate")
    c.check(errors_of(doc, {"$ref": "#/components/schemas/Problem"}, {"status": 422}),
            "a problem without type, title and detail does not validate")


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([("document", test_document), ("responses", test_responses),
                 ("fails when wrong", test_fails_when_wrong)])

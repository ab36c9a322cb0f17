#!/usr/bin/env python3
"""Black-box tests of the vacancy endpoints (API.md, "Vacancies") against
the real vaardigd: PUT/GET/DELETE, paging, validation, roles, a vacancy's
matches and a jobseeker's matches. Expected answers come from oracle.py,
which scans every profile (and every vacancy); none is copied from the
server. The server runs with a fixed VAARDIG_TODAY."""

import os

import harness
import oracle

TODAY = "2026-06-01"
YESTERDAY = oracle.shift_date(TODAY, -1)
LATER = oracle.shift_date(TODAY, 90)
SEED = 4242
COUNT = 1500

ORACLE = oracle.Oracle(harness.VAARDIG_DATA, TODAY)
PEOPLE = []
BY_ID = {}
SERVER = None

# A jobseeker in Rotterdam (no own location): CE with code 95, licence B,
# Dutch B1, VCA basis, no chauffeurskaart, no code 95 behind D.
PERSON = {
    "id": "vac-person", "municipality": "Rotterdam",
    "licences": [{"category": "B", "valid_until": oracle.shift_date(TODAY, 3000)},
                 {"category": "CE", "valid_until": oracle.shift_date(TODAY, 700),
                  "code95_until": oracle.shift_date(TODAY, 600)},
                 {"category": "D", "valid_until": oracle.shift_date(TODAY, 700)}],
    "languages": [{"code": "nl", "level": "B1"}, {"code": "en", "level": "A2"}],
    "certificates": [{"code": "vca-basis", "valid_until": oracle.shift_date(TODAY, 2000)},
                     {"code": "heftruck", "valid_until": YESTERDAY}],
    "skills": ["klantgericht"],
    "experience": [{"occupation": "vrachtwagenchauffeur", "months": 36}],
    "hours_per_week": 40,
}


def vacancy(id, occupation, require=None, municipality="Rotterdam", km=None,
            valid_through=LATER, **extra):
    v = {"id": id, "title": "Test %s" % occupation, "occupation": occupation, "openings": 2,
         "municipality": municipality, "hours_per_week": 32, "employer": "Proef BV",
         "valid_through": valid_through}
    if require is not None:
        v["require"] = require
    if km is not None:
        v["max_distance_km"] = km
    v.update(extra)
    return v


# The vacancies the matching tests use. Expected outcomes for PERSON are
# computed by vacancy_outcome(), not written here.
VACANCIES = [
    vacancy("wsp-vw-rtm", "vrachtwagenchauffeur", [["language:nl:A2"]], km=30,
            prefer=["experience:vrachtwagenchauffeur", "certificate:vca-basis"]),
    vacancy("wsp-vw-today", "vrachtwagenchauffeur", valid_through=TODAY),
    vacancy("wsp-bus", "buschauffeur", [["language:nl:A2"]]),
    vacancy("wsp-taxi", "taxichauffeur", municipality="Schiedam", km=25),
    vacancy("wsp-heftruck-en", "heftruckchauffeur", [["language:en:C1"]]),
    vacancy("wsp-schoon-c1", "schoonmaker", [["language:nl:C1"]], municipality="Den Haag"),
    vacancy("wsp-kok", "kok", [["skill:koken"], ["certificate:haccp"]]),
    vacancy("wsp-chauffeur-vca-utrecht", "chauffeur",
            [["certificate:vca-basis", "certificate:vca-vol"]], municipality="Utrecht", km=20),
    vacancy("wsp-orderpicker", "orderpicker", [["certificate:heftruck",
                                                "certificate:reachtruck"]], municipality="GM0599"),
    vacancy("wsp-vw-expired", "vrachtwagenchauffeur", valid_through=YESTERDAY),
    vacancy("wsp-bezorger-b1", "bezorger", [["language:nl:B1"]], municipality="Den Bosch",
            km=15),
]


def requirement_groups(v):
    return ORACLE.occupation_require(v["occupation"]) + [list(g) for g in v.get("require") or []]


def is_open(v):
    return v.get("valid_through") is None or v["valid_through"] >= TODAY


def within(p, v):
    if v.get("max_distance_km") is None:
        return True
    d = ORACLE.distance(p, v["municipality"])
    return d is not None and d <= v["max_distance_km"]


def vacancy_outcome(p, v):
    """'match', ('near', [missing group]) or None (absent) for person p."""
    if not is_open(v):
        return None
    groups = requirement_groups(v)
    unmet = ORACLE.unmet_groups(p, groups)
    if not unmet and within(p, v):
        return "match"
    if len(unmet) == 1:
        return ("near", groups[unmet[0]])
    return None


# -- tests --------------------------------------------------------------------

def test_load(c):
    c.eq(oracle.load(SERVER, PEOPLE), [], "every PUT of the population answered 201")
    for v in VACANCIES:
        r = SERVER.request("PUT", "/v1/vacancies/" + v["id"], v, token="employer-service")
        c.status(r, 201, "PUT vacancy %s (employer-service)" % v["id"])
    # Self-checks of the set-up: each kind of outcome occurs.
    outcomes = {v["id"]: vacancy_outcome(PERSON, v) for v in VACANCIES}
    c.eq(outcomes["wsp-vw-rtm"], "match", "set-up: wsp-vw-rtm matches the person")
    c.eq(outcomes["wsp-bus"], ("near", ["code95:D"]), "set-up: wsp-bus is a near miss")
    c.eq(outcomes["wsp-heftruck-en"], None, "set-up: wsp-heftruck-en misses two groups")
    c.eq(outcomes["wsp-vw-expired"], None, "set-up: wsp-vw-expired is closed")


def test_crud(c):
    v = vacancy("wsp-crud-1", "magazijnmedewerker", [["certificate:heftruck"]],
                municipality="Den Haag")
    path = "/v1/vacancies/wsp-crud-1"
    c.status(SERVER.request("GET", path, token="employer-service"), 404, "GET before PUT")
    c.status(SERVER.request("PUT", path, v, token="employer-service"), 201, "PUT new")
    r = SERVER.request("GET", path, token="employer-service")
    if c.status(r, 200, "GET after PUT") and c.check(isinstance(r.json, dict), "GET: JSON"):
        for k in ("id", "title", "occupation", "employer", "valid_through", "hours_per_week",
                  "openings", "max_distance_km"):
            if k in v:
                c.eq(r.json.get(k), v[k], "GET: " + k)
        c.eq(r.json.get("municipality"), "'s-Gravenhage", "GET: municipality by official name")
        c.eq(r.json.get("source"), "manual", "GET: source of a vacancy entered by PUT")
    v2 = dict(v, title="Magazijnmedewerker nacht")
    c.status(SERVER.request("PUT", path, v2, token="employer-service"), 200, "PUT replace")
    r = SERVER.request("GET", path, token="caseworker")
    if c.status(r, 200, "GET after replace (caseworker)"):
        c.eq(r.json.get("title"), "Magazijnmedewerker nacht", "GET after replace: title")
    c.status(SERVER.request("DELETE", path, token="employer-service"), 204, "DELETE")
    c.status(SERVER.request("GET", path, token="employer-service"), 404, "GET after DELETE")
    c.status(SERVER.request("DELETE", path, token="employer-service"), 404, "DELETE again")
    c.status(SERVER.request("GET", "/v1/vacancies/wsp-crud-1/matches", token="employer-service"),
             404, "matches of a deleted vacancy")

    # Validation: nothing is stored when it fails.
    bad = [
        ("unknown field", vacancy("wsp-bad-1", "kok", salaris=3000), "/salaris"),
        ("bad occupation", vacancy("wsp-bad-2", "astronaut"), "/occupation"),
        ("bad require term", vacancy("wsp-bad-3", "kok", [["licence:Z"]]), None),
        ("bad municipality", vacancy("wsp-bad-4", "kok", municipality="Atlantis"),
         "/municipality"),
    ]
    for what, body, pointer in bad:
        r = SERVER.request("PUT", "/v1/vacancies/" + body["id"], body, token="employer-service")
        c.problem(r, 422, "PUT with " + what, pointer=pointer)
        c.status(SERVER.request("GET", "/v1/vacancies/" + body["id"], token="employer-service"),
                 404, "GET after a refused PUT (%s)" % what)
    r = SERVER.request("PUT", "/v1/vacancies/jsonld-x", vacancy("jsonld-x", "kok"),
                       token="employer-service")
    c.problem(r, 409, "PUT of a source id (jsonld-x)")
    c.status(SERVER.request("GET", "/v1/vacancies/jsonld-x", token="employer-service"), 404,
             "GET jsonld-x after the refused PUT")

    # Roles: no token 401; employer-service may not see a jobseeker's matches.
    c.status(SERVER.request("GET", "/v1/vacancies", token=None), 401, "GET /v1/vacancies "
             "without a token")
    c.status(SERVER.request("GET", "/v1/jobseekers/vac-person/matches",
                            token="employer-service"), 403,
             "employer-service GET /v1/jobseekers/{id}/matches")


def test_paging(c):
    want = sorted(v["id"] for v in VACANCIES)
    r = SERVER.request("GET", "/v1/vacancies", token="employer-service")
    if c.status(r, 200, "GET /v1/vacancies"):
        b = r.json or {}
        c.eq(b.get("total"), len(want), "list: total")
        c.eq(b.get("page"), 1, "list: default page")
        c.eq(b.get("per_page"), 100, "list: default per_page")
        c.eq(sorted(x.get("id") for x in b.get("results") or []), want, "list: every vacancy")
        closed = [x for x in b.get("results") or [] if x.get("id") == "wsp-vw-expired"]
        c.check(closed, "list: a vacancy past valid_through stays listed")
    seen = []
    for page in (1, 2, 3, 4, 5):
        r = SERVER.request("GET", "/v1/vacancies?page=%d&per_page=3" % page,
                           token="employer-service")
        if not c.status(r, 200, "page %d" % page):
            break
        b = r.json or {}
        c.eq(b.get("total"), len(want), "page %d: total" % page)
        c.eq(b.get("page"), page, "page %d: page" % page)
        c.eq(b.get("per_page"), 3, "page %d: per_page" % page)
        n = max(0, min(3, len(want) - 3 * (page - 1)))
        c.eq(len(b.get("results") or []), n, "page %d: number of results" % page)
        seen.extend(x.get("id") for x in b.get("results") or [])
    c.eq(sorted(seen), want, "pages 1-5 of 3: every vacancy exactly once")
    r = SERVER.request("GET", "/v1/vacancies/wsp-vw-expired", token="employer-service")
    if c.status(r, 200, "GET a vacancy past valid_through"):
        c.eq(r.json.get("valid_through"), YESTERDAY, "closed vacancy: valid_through")


def test_vacancy_matches(c):
    for v in VACANCIES:
        for count in (5, 1000):
            path = "/v1/vacancies/%s/matches?count=%d" % (v["id"], count)
            r = SERVER.request("GET", path, token="employer-service")
            what = "GET " + path
            if not is_open(v):
                if c.status(r, 200, what):
                    c.eq(r.json.get("total"), 0, what + ": total of a closed vacancy")
                    c.eq(r.json.get("results"), [], what + ": results of a closed vacancy")
                continue
            # With max_distance_km the vacancy's municipality is a hard
            # distance filter; without it, it is read as the query's "in
            # <municipality>": residents first, everyone counted.
            km = v.get("max_distance_km")
            got = oracle.check_answer(c, what, r, ORACLE, PEOPLE, BY_ID, requirement_groups(v),
                                      count, near=v["municipality"] if km is not None else None,
                                      km=km,
                                      in_place=v["municipality"] if km is None else None)
            if got is not None and count == 1000 and len(got[1]) <= 1000:
                want_person = vacancy_outcome(PERSON, v) == "match"
                c.eq("vac-person" in {x.get("id") for x in got[0]}, want_person,
                     what + ": vac-person among the candidates")


def test_jobseeker_matches(c):
    people = [PERSON] + [BY_ID[i] for i in ("plant-ce-c95-today", "plant-d-95",
                                            "plant-taxi-ok", "plant-heftruck-vca-basis",
                                            "plant-rtm-in-groningen", "plant-nl-1f")]
    for p in people:
        what = "GET /v1/jobseekers/%s/matches" % p["id"]
        r = SERVER.request("GET", "/v1/jobseekers/%s/matches" % p["id"], token="caseworker")
        if not c.status(r, 200, what):
            continue
        b = r.json if isinstance(r.json, dict) else {}
        c.eq(b.get("jobseeker"), p["id"], what + ": jobseeker")
        results = b.get("results")
        misses = b.get("near_misses")
        if not c.check(isinstance(results, list) and isinstance(misses, list),
                       what + ": results and near_misses are lists: %r" % (b,)):
            continue
        want_match = {v["id"] for v in VACANCIES if vacancy_outcome(p, v) == "match"}
        want_near = {v["id"]: vacancy_outcome(p, v)[1] for v in VACANCIES
                     if isinstance(vacancy_outcome(p, v), tuple)}
        got_match = [x.get("vacancy") for x in results]
        c.eq(sorted(got_match), sorted(want_match), what + ": results (vacancies met)")
        c.eq(b.get("total"), len(want_match), what + ": total")
        scores = [x.get("score") for x in results]
        c.check(all(isinstance(s, (int, float)) for s in scores) and
                all(scores[k] <= scores[k - 1] for k in range(1, len(scores))),
                what + ": results best first by score: %r" % (scores,))
        for x in results:
            v = next((v for v in VACANCIES if v["id"] == x.get("vacancy")), None)
            if v is not None and v.get("max_distance_km") is not None:
                d = ORACLE.distance(p, v["municipality"])
                got_d = x.get("distance_km")
                c.check(isinstance(got_d, (int, float)) and
                        abs(got_d - d) <= oracle.DIST_TOLERANCE_KM,
                        "%s: %s distance_km %r, expected %.3f" % (what, v["id"], got_d, d))
        got_near = {x.get("vacancy"): x.get("missing") for x in misses}
        # A vacancy beyond its max_distance_km from the person cannot be a
        # result (a hard filter); whether it is a near miss when one group
        # is unmet (or none) API.md does not say, so it is left out of the
        # comparison rather than guessed.
        far = {v["id"] for v in VACANCIES if is_open(v) and not within(p, v)}
        c.eq(sorted(set(got_near) - far), sorted(set(want_near) - far),
             what + ": near_misses (vacancies within reach)")
        for vid, group in want_near.items():
            if vid in got_near:
                c.eq(oracle.groups_as_sets(got_near[vid] or []), oracle.groups_as_sets([group]),
                     "%s: near miss %s: missing" % (what, vid))
        c.check("wsp-vw-expired" not in got_match and "wsp-vw-expired" not in got_near,
                what + ": a closed vacancy is offered")
    r = SERVER.request("GET", "/v1/jobseekers/nobody-here/matches", token="caseworker")
    c.status(r, 404, "matches of an unknown jobseeker")


def main():
    global SERVER
    harness.require_binaries()
    os.environ["VAARDIG_TODAY"] = TODAY
    PEOPLE.extend(oracle.generate(SEED, COUNT, TODAY))
    PEOPLE.extend(oracle.planted(TODAY))
    PEOPLE.append(PERSON)
    BY_ID.update((p["id"], p) for p in PEOPLE)
    # One server for every test of this file (run() only stops the servers
    # a test starts itself).
    SERVER = harness.Server(label="vaardigd (vacancies)").start()
    try:
        harness.run([
            ("load population and vacancies", test_load),
            ("vacancy CRUD, validation, roles", test_crud),
            ("vacancy paging", test_paging),
            ("vacancy matches", test_vacancy_matches),
            ("jobseeker matches", test_jobseeker_matches),
        ])
    except SystemExit as e:
        if e.code:
            print("-- shared server: %s; stderr (%s):\n%s"
                  % ("running" if SERVER.alive() else
                     "exited with status %r (negative: killed by that signal)"
                     % SERVER.proc.returncode, SERVER.tmp, SERVER.stderr_text()[-4000:]))
        raise


if __name__ == "__main__":
    main()

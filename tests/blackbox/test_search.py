#!/usr/bin/env python3
"""Black-box tests of GET/POST /v1/search (API.md, "Search") against the real
vaardigd. Population: 3000 profiles from vaardig-gen plus a planted set at
the edges of the rules (oracle.planted). Every expected answer comes from
oracle.py, which scans every profile; none is copied from the server.

The server runs with a fixed VAARDIG_TODAY and the generator with the same
--today, so the test does not depend on the wall-clock date."""

import json
import os
import urllib.parse

import harness
import oracle

TODAY = "2026-06-01"
SEED = 20260601
COUNT = 3000

# API.md, "Search": the five occupations whose requirements hold exactly.
TABLE = {
    "chauffeur": [["licence:B", "licence:C1", "licence:C", "licence:CE", "licence:D1",
                   "licence:D"]],
    "vrachtwagenchauffeur": [["code95:C", "code95:CE"]],
    "buschauffeur": [["code95:D"]],
    "taxichauffeur": [["licence:B"], ["certificate:chauffeurskaart"]],
    "heftruckchauffeur": [["certificate:heftruck"]],
}
PLURAL = {"chauffeur": "chauffeurs", "vrachtwagenchauffeur": "vrachtwagenchauffeurs",
          "buschauffeur": "buschauffeurs", "taxichauffeur": "taxichauffeurs",
          "heftruckchauffeur": "heftruckchauffeurs"}
VCA = ["certificate:vca-basis", "certificate:vca-vol"]  # "met VCA"

ORACLE = oracle.Oracle(harness.VAARDIG_DATA, TODAY)
PEOPLE = []
BY_ID = {}
SERVER = None


def q(text):
    return "/v1/search?q=" + urllib.parse.quote_plus(text)


def search_text(text, token="employer-service"):
    return SERVER.request("GET", q(text), token=token)


def search_body(body, token="employer-service"):
    return SERVER.request("POST", "/v1/search", body, token=token)


def check_search(c, what, r, require, count, near=None, km=None, in_place=None):
    return oracle.check_answer(c, what, r, ORACLE, PEOPLE, BY_ID, require, count, near=near,
                               km=km, in_place=in_place)


check_planted = oracle.check_planted


def require_of(occupation, extra=()):
    base = TABLE.get(occupation)
    if base is None:
        base = ORACLE.occupation_require(occupation)
    return [list(g) for g in base] + [list(g) for g in extra]


# -- tests --------------------------------------------------------------------

def test_load(c):
    c.eq(oracle.load(SERVER, PEOPLE), [], "every PUT of the population answered 201")
    r = SERVER.request("GET", "/v1/health", token=None)
    c.eq(r.json and r.json.get("jobseekers"), len(PEOPLE), "health: jobseekers")
    # The oracle itself: the planted edge cases sit where the rules put them.
    o = ORACLE
    c.check(o.holds(BY_ID["plant-b-today"], "licence:B"), "oracle: licence valid through today")
    c.check(not o.holds(BY_ID["plant-b-expired"], "licence:B"), "oracle: expired yesterday")
    c.check(o.holds(BY_ID["plant-nl-2f"], "language:nl:B1"), "oracle: 2F meets B1")
    c.check(not o.holds(BY_ID["plant-nl-1f"], "language:nl:B1"), "oracle: 1F fails B1")
    c.check(not o.holds(BY_ID["plant-c95-d-no95"], "code95:D"), "oracle: C code 95 is not D's")


def test_text_queries(c):
    cases = [
        ("40 chauffeurs", require_of("chauffeur"), 40, {}),
        ("veertig chauffeurs", require_of("chauffeur"), 40, {}),
        ("10 vrachtwagenchauffeurs in Rotterdam", require_of("vrachtwagenchauffeur"), 10,
         {"in_place": "Rotterdam"}),
        ("5 heftruckchauffeurs met VCA", require_of("heftruckchauffeur", [VCA]), 5, {}),
        ("buschauffeurs", require_of("buschauffeur"), 10, {}),
        ("taxichauffeurs", require_of("taxichauffeur"), 10, {}),
        ("chauffeurs binnen 20 km van Utrecht", require_of("chauffeur"), 10,
         {"near": "Utrecht", "km": 20}),
        ("schoonmakers met Engels B1", require_of("schoonmaker", [["language:en:B1"]]), 10, {}),
        ("12 orderpickers met heftruck", require_of("orderpicker", [["certificate:heftruck"]]),
         12, {}),
        ("twaalf schoonmakers", require_of("schoonmaker"), 12, {}),
        ("30 chauffeurs met rijbewijs C", require_of("chauffeur", [["licence:C"]]), 30, {}),
        ("25 chauffeurs in Den Haag", require_of("chauffeur"), 25, {"in_place": "Den Haag"}),
        ("500 vrachtwagenchauffeurs in Rotterdam", require_of("vrachtwagenchauffeur"), 500,
         {"in_place": "Rotterdam"}),
        ("300 heftruckchauffeurs binnen 35 km van Amsterdam", require_of("heftruckchauffeur"),
         300, {"near": "Amsterdam", "km": 35}),
    ]
    for text, req, count, kw in cases:
        r1 = search_text(text)
        got = check_search(c, repr(text), r1, req, count, **kw)
        if got is None:
            continue
        r2 = search_text(text)
        if c.status(r2, 200, repr(text) + " again"):
            c.eq([x.get("id") for x in r2.json["results"]], [x.get("id") for x in got[0]],
                 repr(text) + ": same order the second time")


def test_planted(c):
    s = "Schiermonnikoog"
    cases = [
        ("1000 chauffeurs binnen 10 km van " + s, require_of("chauffeur"), s, 10,
         ["plant-b-noexp", "plant-b-today", "plant-ce-c95-expired", "plant-ce-c95-today",
          "plant-taxi-ok"],
         ["plant-b-expired", "plant-taxi-b-expired", "plant-heftruck-expired"]),
        ("1000 vrachtwagenchauffeurs binnen 10 km van " + s,
         require_of("vrachtwagenchauffeur"), s, 10,
         ["plant-ce-c95-today", "plant-c95-d-no95", "plant-nl-2f", "plant-nl-1f"],
         ["plant-ce-c95-expired", "plant-ce-expired-c95", "plant-d-95"]),
        ("1000 buschauffeurs binnen 10 km van " + s, require_of("buschauffeur"), s, 10,
         ["plant-d-95"], ["plant-c95-d-no95", "plant-ce-c95-today"]),
        ("1000 taxichauffeurs binnen 10 km van " + s, require_of("taxichauffeur"), s, 10,
         ["plant-taxi-ok"], ["plant-taxi-kaart-expired", "plant-taxi-b-expired",
                             "plant-b-noexp"]),
        ("1000 heftruckchauffeurs binnen 10 km van " + s, require_of("heftruckchauffeur"), s, 10,
         ["plant-heftruck-vca-basis", "plant-heftruck-vca-vol", "plant-heftruck-vca-expired",
          "plant-heftruck-vca-vil"], ["plant-heftruck-expired"]),
        ("1000 heftruckchauffeurs met VCA binnen 10 km van " + s,
         require_of("heftruckchauffeur", [VCA]), s, 10,
         ["plant-heftruck-vca-basis", "plant-heftruck-vca-vol"],
         ["plant-heftruck-expired", "plant-heftruck-vca-expired", "plant-heftruck-vca-vil"]),
        ("1000 schoonmakers met Engels B1 binnen 10 km van " + s,
         require_of("schoonmaker", [["language:en:B1"]]), s, 10,
         ["plant-en-b1"], ["plant-en-a2"]),
        ("1000 chauffeurs binnen 20 km van Utrecht", require_of("chauffeur"), "Utrecht", 20,
         ["plant-loc-utrecht"], ["plant-loc-groningen"]),
        ("1000 heftruckchauffeurs binnen 5 km van Maastricht", require_of("heftruckchauffeur"),
         "Maastricht", 5, [], ["plant-loc-utrecht"]),
    ]
    for text, req, near, km, inside, outside in cases:
        got = check_search(c, repr(text), search_text(text), req, 1000, near=near, km=km)
        if got is not None:
            c.check(len(got[1]) <= 1000, "%r: test set-up: more than 1000 qualify" % text)
            check_planted(c, repr(text), got[0], got[1], inside, outside)

    # "in Rotterdam": a resident by municipality comes first, and her
    # distance is measured from her own location (in Groningen, ~190 km).
    text = "1000 vrachtwagenchauffeurs in Rotterdam"
    got = check_search(c, repr(text), search_text(text), require_of("vrachtwagenchauffeur"),
                       1000, in_place="Rotterdam")
    if got is not None:
        res = {x.get("id"): x for x in got[0]}
        c.check("plant-rtm-in-groningen" in res, "%r: planted Rotterdam resident with a "
                "location in Groningen missing" % text)
        if "plant-rtm-in-groningen" in res:
            d = res["plant-rtm-in-groningen"].get("distance_km")
            c.check(isinstance(d, (int, float)) and d > 150,
                    "%r: distance of plant-rtm-in-groningen is %r, expected the distance "
                    "from its own location (%.1f km)" % (text, d, ORACLE.distance(
                        BY_ID["plant-rtm-in-groningen"], "Rotterdam")))


def test_structured(c):
    cases = [
        ({"count": 25, "occupation": "chauffeur",
          "require": [["licence:C", "licence:CE"], ["language:nl:B1"]],
          "prefer": ["experience:chauffeur", "certificate:vca-basis"],
          "near": {"municipality": "Rotterdam", "km": 25}},
         require_of("chauffeur", [["licence:C", "licence:CE"], ["language:nl:B1"]]), 25,
         {"near": "Rotterdam", "km": 25}),
        ({"count": 1000, "occupation": "vrachtwagenchauffeur", "require": [["language:nl:2F"]],
          "near": {"municipality": "GM0088", "km": 10}},
         require_of("vrachtwagenchauffeur", [["language:nl:B1"]]), 1000,
         {"near": "Schiermonnikoog", "km": 10}),
        ({"count": 40, "occupation": "orderpicker",
          "require": [["certificate:heftruck", "certificate:reachtruck"], ["language:nl:2F"]]},
         require_of("orderpicker", [["certificate:heftruck", "certificate:reachtruck"],
                                    ["language:nl:B1"]]), 40, {}),
        ({"occupation": "heftruckchauffeur", "near": {"municipality": "Den Haag", "km": 15}},
         require_of("heftruckchauffeur"), 10, {"near": "Den Haag", "km": 15}),
        ({"count": 5000, "occupation": "taxichauffeur"}, require_of("taxichauffeur"), 1000, {}),
        ({"count": 60, "occupation": "buschauffeur", "require": [["language:nl:A2"]],
          "near": {"municipality": "Den Bosch", "km": 40}},
         require_of("buschauffeur", [["language:nl:A2"]]), 60, {"near": "Den Bosch", "km": 40}),
    ]
    for body, req, count, kw in cases:
        what = "POST " + json.dumps(body)
        r = search_body(body)
        got = check_search(c, what, r, req, count, **kw)
        if got is None:
            continue
        if r.json["query"].get("require"):
            flat = [t for g in r.json["query"]["require"] for t in g]
            c.check("language:nl:2F" not in flat, what + ": 2F not normalised to B1 in "
                    "query.require: %r" % (r.json["query"]["require"],))
        if body.get("near", {}).get("municipality") == "GM0088":
            check_planted(c, what, got[0], got[1], ["plant-nl-2f"], ["plant-nl-1f"])
        r2 = search_body(body)
        if c.status(r2, 200, what + " again"):
            c.eq([x.get("id") for x in r2.json["results"]], [x.get("id") for x in got[0]],
                 what + ": same order the second time")


def test_table(c):
    """The five occupations of API.md's table, by text and by code."""
    for code, groups in TABLE.items():
        for what, r in (("q=" + PLURAL[code], search_text(PLURAL[code])),
                        ("POST occupation " + code, search_body({"occupation": code}))):
            if c.status(r, 200, what):
                qy = r.json.get("query", {})
                c.eq(qy.get("occupation"), code, what + ": query.occupation")
                c.eq(oracle.groups_as_sets(qy.get("require") or []),
                     oracle.groups_as_sets(groups), what + ": query.require (API.md table)")
                c.eq(r.json.get("total"), len(ORACLE.qualifying(PEOPLE, groups)),
                     what + ": total (oracle count)")


def test_counts(c):
    r = search_text("chauffeurs")
    if c.status(r, 200, "chauffeurs"):
        c.eq(r.json["query"].get("count"), 10, "no number: query.count")
        c.eq(len(r.json["results"]), 10, "no number: 10 results")
    r = search_text("5000 chauffeurs")
    if c.status(r, 200, "5000 chauffeurs"):
        total = len(ORACLE.qualifying(PEOPLE, TABLE["chauffeur"]))
        c.eq(r.json["query"].get("count"), 1000, "5000 chauffeurs: query.count lowered")
        c.eq(r.json.get("total"), total, "5000 chauffeurs: total")
        c.eq(len(r.json["results"]), min(1000, total), "5000 chauffeurs: len(results)")
        # With a thousand results the planted B holder without experience may
        # still rank beyond them; she must be found when count >= total,
        # which test_planted checks. Here: everyone returned qualifies.
        qual = ORACLE.qualifying(PEOPLE, TABLE["chauffeur"])
        bad = [x.get("id") for x in r.json["results"] if x.get("id") not in qual]
        c.eq(bad, [], "5000 chauffeurs: results the oracle does not qualify")


def replace_person(person):
    """PUTs person (a profile dict) and keeps PEOPLE/BY_ID in step."""
    r = SERVER.request("PUT", "/v1/jobseekers/" + person["id"], person, token="caseworker")
    if person["id"] in BY_ID:
        PEOPLE[:] = [person if p["id"] == person["id"] else p for p in PEOPLE]
    else:
        PEOPLE.append(person)
    BY_ID[person["id"]] = person
    return r


def test_distance_after_moves(c):
    """A distance search keeps the circles it computed (per place and km);
    people moving in and out, and an own location that widens a
    municipality's radius, must show in the next identical search."""
    text = "1000 chauffeurs binnen 20 km van Utrecht"
    req = require_of("chauffeur")

    def again(what):
        check_search(c, text + " " + what, search_text(text), req, 1000,
                     near="Utrecht", km=20)

    again("(first)")
    again("(second, from the kept circle)")
    mover = dict(id="move-into-utrecht", municipality="Groningen",
                 licences=[{"category": "B"}])
    c.status(replace_person(mover), 201, "PUT a chauffeur in Groningen")
    again("after a chauffeur was added far away")
    # Bunnik lies whole inside the circle (about 7 km from Utrecht's point):
    # its residents come from the kept circle, not from a check per person.
    mover = dict(mover, municipality="Bunnik")
    c.status(replace_person(mover), 200, "move the chauffeur to Bunnik")
    again("after a move into the circle")
    # Own location 19.9 km east of Utrecht's point, registered in Utrecht:
    # Utrecht's radius grows, so whole-municipality decisions change.
    far = dict(id="far-in-utrecht", municipality="Utrecht",
               location={"lat": 52.0907, "lon": 5.4127}, licences=[{"category": "CE"}])
    c.status(replace_person(far), 201, "PUT a chauffeur with a far own location")
    again("after a municipality's radius grew")
    mover = dict(mover, municipality="Maastricht")
    c.status(replace_person(mover), 200, "move the chauffeur out to Maastricht")
    again("after a move out of the circle")
    r = SERVER.request("DELETE", "/v1/jobseekers/far-in-utrecht", token="caseworker")
    c.status(r, 204, "DELETE the far chauffeur")
    PEOPLE[:] = [p for p in PEOPLE if p["id"] != "far-in-utrecht"]
    del BY_ID["far-in-utrecht"]
    again("after a delete")


def facet_oracle(ids, kind):
    """{rest: n} over the people in ids for every term of kind they hold today."""
    counts = {}
    for i in ids:
        p = BY_ID[i]
        terms = set()
        if kind == "licence":
            terms = {"licence:" + l["category"].upper() for l in p.get("licences") or []}
        elif kind == "certificate":
            terms = {"certificate:" + x["code"].lower() for x in p.get("certificates") or []}
        for t in terms:
            if ORACLE.holds(p, t):
                counts[t.split(":", 1)[1]] = counts.get(t.split(":", 1)[1], 0) + 1
    return counts


def test_exclude_and_facets(c):
    """"exclude" leaves out everyone holding any of its terms; "facets" counts
    terms among all who qualify (not only the returned page)."""
    excluded = ["licence:CE", "certificate:vca-basis"]
    body = {"count": 1000, "occupation": "chauffeur", "exclude": excluded,
            "facets": ["licence", "certificate"]}
    r = search_body(body)
    if not c.status(r, 200, "POST exclude+facets"):
        return
    want = {i for i in ORACLE.qualifying(PEOPLE, TABLE["chauffeur"])
            if not any(ORACLE.holds(BY_ID[i], t) for t in excluded)}
    c.eq(r.json.get("total"), len(want), "exclude: total (oracle)")
    got = [x["id"] for x in r.json["results"]]
    c.eq(sorted(set(got) - want), [], "exclude: results outside the oracle's set")
    c.eq(len(got), min(1000, len(want)), "exclude: len(results)")
    c.eq(r.json["query"].get("exclude"), excluded, "exclude echoed in query")
    for kind in ("licence", "certificate"):
        c.eq(r.json.get("facets", {}).get(kind), facet_oracle(want, kind),
             "facets[%s] over all who qualify" % kind)
    r = search_text("40 heftruckchauffeurs")
    if c.status(r, 200, "no facets asked"):
        c.check("facets" not in r.json, "facets only when asked: %r" % r.json.get("facets"))
    r = SERVER.request("GET", q("40 heftruckchauffeurs") + "&facets=licence",
                       token="employer-service")
    if c.status(r, 200, "GET ?facets=licence"):
        c.eq(r.json.get("facets", {}).get("licence"),
             facet_oracle(ORACLE.qualifying(PEOPLE, TABLE["heftruckchauffeur"]), "licence"),
             "GET facets[licence]")
    for bad, pointer in (({"occupation": "kok", "facets": ["hobby"]}, "/facets/0"),
                         ({"occupation": "kok", "exclude": ["licence:Q"]}, "/exclude/0"),
                         ({"occupation": "kok", "exclude": "licence:B"}, "/exclude")):
        c.problem(search_body(bad), 422, "POST %s" % json.dumps(bad), pointer=pointer)


def find_word(body, word):
    return word.lower() in json.dumps(body, ensure_ascii=False).lower()


def suggestions_of(body):
    """Every list under a key named 'suggestions', anywhere in the problem."""
    out = []
    if isinstance(body, dict):
        for k, v in body.items():
            if k == "suggestions" and isinstance(v, list):
                out.extend(v)
            else:
                out.extend(suggestions_of(v))
    elif isinstance(body, list):
        for v in body:
            out.extend(suggestions_of(v))
    return out


def test_unknown_words(c):
    for text, word, suggest in (("40 astronauten", "astronauten", True),
                                ("chauffeurs met vliegbrevet", "vliegbrevet", False),
                                ("chauffeurs in Atlantis", "Atlantis", False)):
        r = search_text(text)
        if c.problem(r, 422, repr(text)):
            c.check(find_word(r.json, word), "%r: the problem does not name %r: %r"
                    % (text, word, r.json))
            if suggest:
                c.check(len(suggestions_of(r.json)) > 0,
                        "%r: no suggestions in the problem: %r" % (text, r.json))


def test_after_restart(c):
    """A restart builds the match index from the database, not from the
    writes: the language levels (one "L" term each in the index, widened to
    those below by the matcher) and everything else must answer the same."""
    c.eq(SERVER.stop(), 0, "exit status after SIGTERM")
    SERVER.start()
    test_planted(c)
    test_structured(c)
    test_table(c)


def main():
    global SERVER
    harness.require_binaries()
    os.environ["VAARDIG_TODAY"] = TODAY
    PEOPLE.extend(oracle.generate(SEED, COUNT, TODAY))
    PEOPLE.extend(oracle.planted(TODAY))
    BY_ID.update((p["id"], p) for p in PEOPLE)
    # One server for every test of this file (run() only stops the servers
    # a test starts itself).
    SERVER = harness.Server(label="vaardigd (search)").start()
    try:
        harness.run([
            ("load population", test_load),
            ("text queries", test_text_queries),
            ("planted edge cases", test_planted),
            ("structured search", test_structured),
            ("API.md occupation table", test_table),
            ("count default and limit", test_counts),
            ("unknown words", test_unknown_words),
            ("exclude and facets", test_exclude_and_facets),
            ("distance after moves", test_distance_after_moves),
            ("after a restart", test_after_restart),
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

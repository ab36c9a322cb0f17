#!/usr/bin/env python3
"""Black-box tests of the werktaal plugin (API.md "Plugin settings and
plugin routes") against the real vaardigd with the real module.

A generated population (vaardig-gen) and a planted set are loaded; for
searches and a vacancy that ask for Dutch, the expected werktaal list is
computed here by scanning every profile with oracle.py: exactly the people
who meet every other requirement (distance included) and whose Dutch is
1..max_gap CEFR steps below the asked level, leaving out the steps whose
trajectory would take longer than max_weeks (data/werktaal.json). Then a
trajectory is recorded, an assessment that reaches the target moves the
person from the werktaal list into the regular results, and trajectories
survive a hard restart. The server runs with a fixed VAARDIG_TODAY."""

import json
import math
import os
import time

import harness
import oracle

TODAY = "2026-06-01"
SEED = 7171
COUNT = 1500
MAX_GAP = 1
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(harness.VAARDIGD)))

ORACLE = oracle.Oracle(harness.VAARDIG_DATA, TODAY)
with open(os.path.join(harness.VAARDIG_DATA, "werktaal.json"), encoding="utf-8") as f:
    PARAMS = json.load(f)
PEOPLE = []
BY_ID = {}
SERVER = None

LATER = oracle.shift_date(TODAY, 700)
YESTERDAY = oracle.shift_date(TODAY, -1)


def truck(id, nl, code95_until=LATER, place="Schiermonnikoog"):
    """A vrachtwagenchauffeur (CE with code 95) with the given Dutch level."""
    p = {"id": id, "municipality": place,
         "licences": [{"category": "CE", "valid_until": LATER, "code95_until": code95_until}]}
    if nl:
        p["languages"] = [{"code": "en", "level": "B2"}, {"code": "nl", "level": nl}]
    return p


# Planted at the edges of the rule; the expected lists still come from the
# oracle, these only make sure the edges are there.
PLANTED = [
    truck("wt-a2", "A2"),                          # one step below B1: listed
    truck("wt-1f", "1F"),                          # 1F is A2: listed
    truck("wt-a1", "A1"),                          # two steps below: not with max_gap 1
    truck("wt-b1", "B1"),                          # meets B1: a regular result
    truck("wt-none", None),                        # no Dutch recorded: not listed
    truck("wt-a2-c95-expired", "A2", YESTERDAY),   # fails another requirement
    {"id": "wt-a2-b-only", "municipality": "Schiermonnikoog",
     "licences": [{"category": "B", "valid_until": LATER}],
     "languages": [{"code": "nl", "level": "A2"}]},
    truck("wt-a2-delete", "A2"),                   # gets a trajectory, then is deleted
]

CEFR = oracle.CEFR


def weeks(has, needs, hours_per_week):
    h = PARAMS["hours_to"]
    return math.ceil((h[needs] - h[has]) / hours_per_week - 1e-9)


def lowest_listed(need):
    """Rank (0 = A1) of the lowest Dutch level listed for a need, or None."""
    lowest = None
    for r in range(need - 1, -1, -1):
        if need - r > MAX_GAP or weeks(CEFR[r], CEFR[need], PARAMS["hours_per_week"]) \
                > PARAMS["max_weeks"]:
            break
        lowest = r
    return lowest


def dutch_rank(p):
    ranks = [oracle.level_rank("nl", l["level"]) for l in p.get("languages") or []
             if l["code"] == "nl"]
    ranks = [r for r in ranks if r is not None]
    return max(ranks) if ranks else None


def expected_list(people, other_groups, need_level, near=None, km=None):
    """{id: rank of Dutch held} of everyone the werktaal list must hold."""
    need = CEFR.index(need_level)
    lowest = lowest_listed(need)
    qualifying = ORACLE.qualifying(people, other_groups, near, km)
    out = {}
    for p in people:
        nl = dutch_rank(p)
        if p["id"] in qualifying and nl is not None and lowest is not None \
                and lowest <= nl < need:
            out[p["id"]] = nl
    return out


def check_list(c, what, body, want, need_level, count):
    """body: a search-shaped answer; want: expected_list()."""
    lists = body.get("lists") if isinstance(body, dict) else None
    wt = lists.get("werktaal") if isinstance(lists, dict) else None
    if not c.check(isinstance(wt, dict) and isinstance(wt.get("results"), list),
                   "%s: no werktaal list: %r" % (what, (lists or {}).keys()
                                                 if isinstance(lists, dict) else lists)):
        return None
    c.eq(wt.get("total"), len(want), what + ": werktaal total (oracle count)")
    results = wt["results"]
    c.eq(len(results), min(count, len(want)), what + ": werktaal results = min(count, total)")
    regular = {x.get("id") for x in body.get("results") or []}
    ids = [x.get("id") for x in results]
    c.eq(len(set(ids)), len(ids), what + ": werktaal ids are distinct")
    for x in results:
        rid = x.get("id")
        if not c.check(rid in want, "%s: %s is listed but is no near miss" % (what, rid)):
            continue
        c.check(rid not in regular, "%s: %s is in the regular results too" % (what, rid))
        has = CEFR[want[rid]]
        c.eq(x.get("has"), has, "%s: %s has" % (what, rid))
        c.eq(x.get("needs"), need_level, "%s: %s needs" % (what, rid))
        traj = x.get("trajectory") or {}
        c.eq(traj.get("hours_per_week"), PARAMS["hours_per_week"],
             "%s: %s trajectory hours_per_week" % (what, rid))
        c.eq(traj.get("weeks"), weeks(has, need_level, PARAMS["hours_per_week"]),
             "%s: %s trajectory weeks" % (what, rid))
    if len(want) <= count:
        c.eq(set(ids), set(want), what + ": the werktaal list is exactly the near misses")
    return wt


def search(body, token="employer-service"):
    return SERVER.request("POST", "/v1/search", body, token=token)


# -- tests ------------------------------------------------------------------

def test_load(c):
    failures = oracle.load(SERVER, PEOPLE)
    c.eq(failures[:3], [], "every profile is stored")
    r = SERVER.request("GET", "/v1/plugins", token="admin")
    entry = {p.get("name"): p for p in (r.json or {}).get("plugins", [])}.get("werktaal")
    c.check(entry is not None and entry.get("state") == "loaded",
            "werktaal is loaded: %r" % (entry,))


def test_search_lists(c):
    occ = ORACLE.occupation_require("vrachtwagenchauffeur")
    want = expected_list(PEOPLE, occ, "B1")
    for pid in ("wt-a2", "wt-1f", "wt-a2-delete"):
        c.check(pid in want, "oracle self-check: %s is a near miss" % pid)
    for pid in ("wt-a1", "wt-b1", "wt-none", "wt-a2-c95-expired", "wt-a2-b-only"):
        c.check(pid not in want, "oracle self-check: %s is no near miss" % pid)
    c.check(len(want) > 10, "the population holds near misses: %d" % len(want))
    body = {"count": 1000, "occupation": "vrachtwagenchauffeur", "require": [["language:nl:B1"]]}
    r = search(body)
    if c.status(r, 200, "search vrachtwagenchauffeur + Dutch B1"):
        check_list(c, "vrachtwagenchauffeur B1", r.json, want, "B1", 1000)
        c.eq(r.json.get("total"), len(ORACLE.qualifying(PEOPLE, occ + [["language:nl:B1"]])),
             "the regular total is unchanged by the list")

    # A narrower count, a distance filter and Dutch as 3F (= B2).
    occ = ORACLE.occupation_require("chauffeur")
    want = expected_list(PEOPLE, occ, "B2", "Rotterdam", 40)
    r = search({"count": 5, "occupation": "chauffeur", "require": [["language:nl:3F"]],
                "near": {"municipality": "Rotterdam", "km": 40}})
    if c.status(r, 200, "search chauffeur + Dutch 3F within 40 km of Rotterdam"):
        check_list(c, "chauffeur 3F near Rotterdam", r.json, want, "B2", 5)

    # Text: "met Nederlands B1" is a Dutch requirement too.
    want = expected_list(PEOPLE, ORACLE.occupation_require("heftruckchauffeur"), "B1")
    r = SERVER.request("GET", "/v1/search?q=1000+heftruckchauffeurs+met+Nederlands+B1",
                       token="employer-service")
    if c.status(r, 200, "text search with Nederlands B1"):
        check_list(c, "text heftruckchauffeurs B1", r.json, want, "B1", 1000)

    # No Dutch asked: no werktaal list.
    r = search({"count": 5, "occupation": "vrachtwagenchauffeur"})
    if c.status(r, 200, "search without Dutch"):
        c.check("werktaal" not in (r.json.get("lists") or {}),
                "no werktaal list without a Dutch requirement: %r" % (r.json.get("lists"),))


def test_vacancy_list(c):
    v = {"id": "wt-vac-1", "title": "Heftruckchauffeur", "occupation": "heftruckchauffeur",
         "openings": 2, "require": [["language:nl:B1"]], "municipality": "Rotterdam",
         "max_distance_km": 50, "hours_per_week": 32, "employer": "Proef BV",
         "valid_through": oracle.shift_date(TODAY, 90)}
    c.status(SERVER.request("PUT", "/v1/vacancies/wt-vac-1", v, token="employer-service"),
             201, "PUT the vacancy")
    want = expected_list(PEOPLE, ORACLE.occupation_require("heftruckchauffeur"), "B1",
                         "Rotterdam", 50)
    c.check(len(want) > 0, "the vacancy has near misses: %d" % len(want))
    r = SERVER.request("GET", "/v1/vacancies/wt-vac-1/matches?count=1000",
                       token="employer-service")
    if c.status(r, 200, "the vacancy's matches"):
        check_list(c, "vacancy wt-vac-1", r.json, want, "B1", 1000)


def trajectory_body(**over):
    body = {"jobseeker": "wt-a2", "vacancy": "wt-vac-1", "start": TODAY,
            "hours_per_week": 8, "start_level": "A2", "target_level": "B1"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def test_trajectory_validation(c):
    r = SERVER.request("POST", "/v1/trajectories", trajectory_body(), token="employer-service")
    c.problem(r, 403, "employer-service may not record trajectories")
    r = SERVER.request("GET", "/v1/trajectories", token=None)
    c.problem(r, 401, "no token")
    cases = [
        ({"start": "2026-02-30"}, "/start"),
        ({"hours_per_week": 0}, "/hours_per_week"),
        ({"target_level": "A1"}, "/target_level"),
        ({"target_level": "Z9"}, "/target_level"),
        ({"jobseeker": "nobody-here"}, "/jobseeker"),
        ({"jobseeker": "bad id!"}, "/jobseeker"),
        ({"vacancy": None}, "/vacancy"),
        ({"employer": "\u0001"}, "/employer"),
        ({"colour": "red"}, "/colour"),
    ]
    for over, pointer in cases:
        body = trajectory_body(**over)
        if over == {"vacancy": None}:
            body.pop("vacancy", None)
        r = SERVER.request("POST", "/v1/trajectories", body)
        if c.problem(r, 422, "POST with %r" % (over,), pointer=pointer):
            c.check(pointer + ":" in r.json.get("detail", ""),
                    "POST with %r: the detail names %s: %r" % (over, pointer, r.json))
    r = SERVER.request("POST", "/v1/trajectories", "{not json")
    c.problem(r, 400, "POST with a body that is not JSON")
    r = SERVER.request("GET", "/v1/trajectories", token="caseworker")
    if c.status(r, 200, "list after refused POSTs"):
        c.eq(r.json.get("total"), 0, "refused POSTs stored nothing")
    c.problem(SERVER.request("GET", "/v1/trajectories/trj-none"), 404, "an unknown trajectory")


def werktaal_of(body):
    return ((body or {}).get("lists") or {}).get("werktaal") or {}


def wait_for(predicate, timeout=30.0):
    """predicate's first true value, polling; None when it stays false. The
    profile write behind an assessment is asynchronous (plugin.h)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value or None
        time.sleep(0.1)


def test_trajectory_moves_person(c):
    query = {"count": 1000, "occupation": "vrachtwagenchauffeur",
             "require": [["language:nl:B1"]]}
    before = search(query).json
    wt_before = werktaal_of(before)
    c.check("wt-a2" in {x["id"] for x in wt_before.get("results", [])},
            "wt-a2 is on the werktaal list before")

    r = SERVER.request("POST", "/v1/trajectories", trajectory_body())
    if not c.status(r, 201, "POST a trajectory"):
        return
    t = r.json
    tid = t.get("id")
    c.check(isinstance(tid, str) and tid, "the trajectory has an id: %r" % (t,))
    c.eq(t.get("status"), "active", "a new trajectory is active")
    c.eq(t.get("weeks"), weeks("A2", "B1", 8), "the estimate in weeks at 8 hours a week")
    c.eq(t.get("estimated_end"), oracle.shift_date(TODAY, 7 * weeks("A2", "B1", 8)),
         "the estimated end")
    r = SERVER.request("GET", "/v1/trajectories/" + tid)
    if c.status(r, 200, "GET the trajectory"):
        c.eq({k: r.json.get(k) for k in trajectory_body()}, trajectory_body(),
             "the trajectory as recorded")
    r = SERVER.request("GET", "/v1/trajectories?jobseeker=wt-a2")
    if c.status(r, 200, "list by jobseeker"):
        c.eq([x.get("id") for x in r.json.get("results", [])], [tid], "the jobseeker's list")

    r = SERVER.request("PATCH", "/v1/trajectories/" + tid,
                       {"assessment": {"on": oracle.shift_date(TODAY, 1), "level": "B1"}})
    c.problem(r, 422, "an assessment dated tomorrow")
    r = SERVER.request("PATCH", "/v1/trajectories/" + tid,
                       {"assessment": {"on": TODAY, "level": "B1"}})
    if not c.status(r, 200, "PATCH an assessment reaching B1"):
        return
    c.eq(r.json.get("status"), "target_reached", "the trajectory reached its target")
    c.eq(r.json.get("assessments"), [{"on": TODAY, "level": "B1"}], "the assessments")

    # The profile's Dutch is raised (the write is asynchronous: poll).
    def raised():
        p = SERVER.request("GET", "/v1/jobseekers/wt-a2").json or {}
        nl = [l for l in p.get("languages") or [] if l.get("code") == "nl"]
        return nl and nl[0].get("level") == "B1" and p
    p = wait_for(raised)
    if c.check(p, "the jobseeker's Dutch is raised to B1"):
        c.eq([l for l in p["languages"] if l["code"] != "nl"], [{"code": "en", "level": "B2"}],
             "the other languages stay")
    after = wait_for(lambda: (lambda b: b if "wt-a2" in {x["id"] for x in b["results"]}
                              else None)(search(query).json))
    if c.check(after, "wt-a2 moves into the regular results"):
        c.eq(after["total"], before["total"] + 1, "the regular total grows by one")
        wt_after = werktaal_of(after)
        c.eq(wt_after.get("total"), wt_before.get("total") - 1, "the werktaal total drops by one")
        c.check("wt-a2" not in {x["id"] for x in wt_after.get("results", [])},
                "wt-a2 left the werktaal list")
        people = [dict(p, languages=[{"code": "en", "level": "B2"},
                                     {"code": "nl", "level": "B1"}])
                  if p["id"] == "wt-a2" else p for p in PEOPLE]
        check_list(c, "after the assessment", after,
                   expected_list(people, ORACLE.occupation_require("vrachtwagenchauffeur"),
                                 "B1"), "B1", 1000)


def test_restart_and_delete(c):
    r = SERVER.request("POST", "/v1/trajectories",
                       trajectory_body(jobseeker="wt-a2-delete", vacancy=None,
                                       employer="Transport Noord BV"))
    if not c.status(r, 201, "POST a second trajectory"):
        return
    gone_id = r.json["id"]
    listed = SERVER.request("GET", "/v1/trajectories?per_page=1000").json
    SERVER.kill()       # no clean stop: what was answered must be on disk
    SERVER.start()
    again = SERVER.request("GET", "/v1/trajectories?per_page=1000")
    if c.status(again, 200, "list after a hard restart"):
        c.eq(again.json, listed, "trajectories survive a hard restart")
    c.status(SERVER.request("DELETE", "/v1/jobseekers/wt-a2-delete"), 204, "delete the jobseeker")
    c.problem(SERVER.request("GET", "/v1/trajectories/" + gone_id), 404,
              "a deleted jobseeker's trajectory is gone")
    path = os.path.join(SERVER.data_dir, "plugins", "werktaal")
    text = ""
    for root, _dirs, files in os.walk(path):
        for name in files:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                text += f.read()
    c.check("wt-a2-delete" not in text, "the deleted jobseeker is gone from the plugin's files")
    c.check("wt-a2" in text, "the other trajectory is still on disk")


def main():
    global SERVER
    harness.require_binaries()
    os.environ["VAARDIG_TODAY"] = TODAY
    PEOPLE.extend(oracle.generate(SEED, COUNT, TODAY, prefix="wt-gen-"))
    PEOPLE.extend(PLANTED)
    BY_ID.update((p["id"], p) for p in PEOPLE)
    so = os.path.join(BUILD, "plugins", "werktaal", ".libs", "werktaal.so")
    if not os.path.exists(so):
        raise SystemExit("FAIL: %s is not built" % so)
    SERVER = harness.Server(label="vaardigd (werktaal)")
    plugins = os.path.join(SERVER.tmp, "plugins")
    os.mkdir(plugins)
    os.symlink(so, os.path.join(plugins, "werktaal.so"))
    SERVER.config_extra = {"plugins_dir": plugins,
                           "plugins": {"werktaal": {"max_gap": MAX_GAP}}}
    SERVER.start()
    harness.run([
        ("load", test_load),
        ("werktaal lists of searches", test_search_lists),
        ("werktaal list of a vacancy", test_vacancy_list),
        ("trajectory validation and roles", test_trajectory_validation),
        ("an assessment moves the person", test_trajectory_moves_person),
        ("restart and delete", test_restart_and_delete),
    ])


if __name__ == "__main__":
    main()

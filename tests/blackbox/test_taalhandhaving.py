#!/usr/bin/env python3
"""Black-box test of the taalhandhaving plugin (API.md "Plugin settings and
plugin routes") through the real vaardigd with the built module.

A planted population covers every status and edge (by_skill with one skill
below 1F, 2F counting as at least 1F, an exemption that holds, one that ends
today, one that has ended, no Dutch entry, written notices 3, 7 and 13 months
before today), and vaardig-gen adds generated profiles. The expected status,
next action and due date of every profile are computed here from
data/taaleis.json with the rules written out below, never copied from what
the server said. The server runs with a fixed VAARDIG_TODAY."""

import calendar
import datetime
import json
import os
import subprocess
import time

import harness

TODAY = "2026-06-15"
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(harness.VAARDIGD)))
SKILLS = ("lezen", "schrijven", "luisteren", "spreken", "gesprekken")
CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")
STATUSES = ("onbekend", "voldoet_niet", "vrijgesteld", "voldoet")
EXT = "taalhandhaving"

with open(os.path.join(harness.VAARDIG_DATA, "taaleis.json")) as _f:
    PARAMS = json.load(_f)


# -- the rules, written out from API.md and data/taaleis.json ---------------

def date(text):
    return datetime.date.fromisoformat(text)


def add_months(d, months):
    total = d.year * 12 + d.month - 1 + months
    y, m = divmod(total, 12)
    last = calendar.monthrange(y, m + 1)[1]
    return datetime.date(y, m + 1, min(d.day, last))


def rank(level):
    level = level.upper()
    level = PARAMS["level_equivalence"].get(level, level)
    return CEFR.index(level) + 1


def dutch(profile):
    """'none', 'below' or 'meets' for the profile's first nl entry."""
    nl = [l for l in profile.get("languages", []) if l["code"].lower() == "nl"]
    if not nl:
        return "none"
    by_skill = nl[0].get("by_skill", {})
    for s in SKILLS:
        if rank(by_skill.get(s, nl[0]["level"])) < rank(PARAMS["required_level"][s]):
            return "below"
    return "meets"


def expected(profile, today=TODAY):
    """{"status", "next_action", "due", "percent"} the rules give."""
    today = date(today)
    ext = profile.get("extensions", {}).get(EXT, {})
    d = {k: date(v) for k, v in ext.items() if k != "exempt"}
    grounds = [g["code"] for g in PARAMS["exemptions"]]
    deadlines = PARAMS["deadlines"]
    assess_by = (d["benefit_since"] + datetime.timedelta(weeks=deadlines["assessment_weeks"])
                 if "benefit_since" in d else None)
    out = {"percent": None}
    if ext.get("exempt") in grounds and ("exempt_until" not in d or d["exempt_until"] >= today):
        out.update(status="vrijgesteld", due=d.get("exempt_until"),
                   next_action="vrijstelling_herzien" if "exempt_until" in d else "geen")
    elif dutch(profile) == "none":
        out.update(status="onbekend", next_action="toets_afnemen", due=assess_by)
    elif dutch(profile) == "meets":
        out.update(status="voldoet", next_action="geen", due=None)
    elif "notice_on" in d:
        out.update(status="voldoet_niet", next_action="verlaging_overwegen")
        steps = PARAMS["reduction"]["steps"]
        starts = [add_months(d["notice_on"], s["from_months"]) for s in steps]
        current = [i for i, s in enumerate(starts) if s <= today]
        if not current:
            out["due"] = d["notice_on"]
        else:
            i = current[-1]
            out["percent"] = steps[i]["percent"]
            if i + 1 < len(steps):
                out["due"] = starts[i + 1]
            else:
                k = 1
                while add_months(starts[i], k * deadlines["review_months"]) <= today:
                    k += 1
                out["due"] = add_months(starts[i], k * deadlines["review_months"])
    elif "training_offered_on" in d:
        out.update(status="voldoet_niet", next_action="voortgang_beoordelen",
                   due=add_months(d["training_offered_on"], deadlines["review_months"]))
    else:
        base = d.get("assessed_on", assess_by)
        out.update(status="voldoet_niet", next_action="taalaanbod_doen",
                   due=base + datetime.timedelta(weeks=deadlines["offer_weeks"])
                   if base else None)
    out["due"] = out["due"].isoformat() if out["due"] else None
    return out


# -- the population ---------------------------------------------------------

def months_ago(n):
    return add_months(date(TODAY), -n).isoformat()


def nl(level, **by_skill):
    entry = {"code": "nl", "level": level}
    if by_skill:
        entry["by_skill"] = by_skill
    return [entry]


PLANTED = {
    "t-a2": {"languages": nl("A2")},
    "t-2f": {"languages": nl("2F"), "extensions": {EXT: {"notice_on": months_ago(3)}}},
    "t-schrijven-a1": {"languages": nl("B1", lezen="1F", schrijven="A1", luisteren="2F",
                                       spreken="B1", gesprekken="1F"),
                       "extensions": {EXT: {"assessed_on": "2026-05-20"}}},
    "t-lezen-2f": {"languages": nl("A1", lezen="2F"),
                   "extensions": {EXT: {"benefit_since": "2026-02-02"}}},
    "t-alles-1f": {"languages": nl("A1", lezen="1F", schrijven="1F", luisteren="1F",
                                   spreken="1F", gesprekken="1F")},
    "t-geen-nl": {"languages": [{"code": "en", "level": "C1"}],
                  "extensions": {EXT: {"benefit_since": "2026-05-04"}}},
    "t-leeg": {},
    "t-medisch": {"languages": nl("A1"), "extensions": {EXT: {"exempt": "medisch"}}},
    "t-vrij-vandaag": {"extensions": {EXT: {"exempt": "dringende-redenen",
                                            "exempt_until": TODAY}}},
    "t-vrij-verlopen": {"languages": nl("A1"),
                        "extensions": {EXT: {"exempt": "medisch",
                                             "exempt_until": "2026-06-14"}}},
    "t-notice-3": {"languages": nl("A1"),
                   "extensions": {EXT: {"training_offered_on": "2025-01-10",
                                        "notice_on": months_ago(3)}}},
    "t-notice-7": {"languages": nl("1F", spreken="A1"),
                   "extensions": {EXT: {"notice_on": months_ago(7)}}},
    "t-notice-13": {"languages": nl("A1"), "extensions": {EXT: {"notice_on": months_ago(13)}}},
    "t-aanbod": {"languages": nl("A1"), "extensions": {EXT: {"training_offered_on": "2026-04-30"}}},
}


def generated(n):
    out = subprocess.run([harness.VAARDIG_GEN, "--seed", "11", "--count", str(n), "--data",
                          harness.VAARDIG_DATA, "--today", TODAY, "--prefix", "g-"],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    people = [json.loads(line) for line in out.splitlines()]
    # Give some of them the dates a caseworker records.
    for i, p in enumerate(people):
        if i % 4 == 1:
            p["extensions"] = {EXT: {"benefit_since": (date(TODAY) - datetime.timedelta(
                days=3 * i)).isoformat()}}
        elif i % 4 == 2:
            p["extensions"] = {EXT: {"assessed_on": (date(TODAY) - datetime.timedelta(
                days=i)).isoformat()}}
    return people


def setup_plugins(tmp):
    plugins = os.path.join(tmp, "plugins")
    os.mkdir(plugins)
    so = os.path.join(BUILD, "plugins", "taalhandhaving", ".libs", "taalhandhaving.so")
    if not os.path.exists(so):
        raise SystemExit("FAIL: %s is not built" % so)
    os.symlink(so, os.path.join(plugins, "taalhandhaving.so"))
    return plugins


def wait_scanned(c, server, timeout=60.0):
    """Waits until the worklist answers (the scan of stored profiles is done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = server.request("GET", "/v1/taaleis")
        if r.status != 503:
            return c.status(r, 200, "worklist after the scan")
        time.sleep(0.1)
    return c.check(False, "the worklist still answered 503 after %gs" % timeout)


def worklist(c, server, status=None, per_page=1000):
    """Every row of the worklist (all pages), and the total it reported."""
    rows, page, total = [], 1, None
    while True:
        q = "/v1/taaleis?per_page=%d&page=%d" % (per_page, page)
        if status:
            q += "&status=" + status
        r = server.request("GET", q)
        if not c.status(r, 200, "GET " + q):
            return rows, total
        total = r.json["total"]
        c.eq(r.json["page"], page, q + ": page")
        if not r.json["results"]:
            return rows, total
        rows += r.json["results"]
        page += 1


def sort_key(row):
    return (STATUSES.index(row["status"]), row["due"] or "9999-99-99", row["id"])


def check_worklists(c, server, people, what):
    """Every status filter holds exactly the expected people, sorted by due
    date (none last) then id, each with its expected action and due date."""
    want = {pid: expected(p) for pid, p in people.items()}
    for status in STATUSES + (None,):
        rows, total = worklist(c, server, status)
        ids = {pid for pid, e in want.items() if status is None or e["status"] == status}
        label = "%s: worklist status=%s" % (what, status)
        c.eq(total, len(ids), label + ": total")
        c.eq(sorted(r["id"] for r in rows), sorted(ids), label + ": ids")
        c.eq([r["id"] for r in rows], [r["id"] for r in sorted(rows, key=sort_key)],
             label + ": order (due date, then id)")
        for r in rows:
            e = want.get(r["id"])
            if e is None:
                continue
            c.eq((r["status"], r["next_action"], r["due"]),
                 (e["status"], e["next_action"], e["due"]), label + ": row of " + r["id"])


def test_taaleis(c):
    harness.require_binaries()
    tmp_server = harness.Server(label="taal")
    plugins = setup_plugins(tmp_server.tmp)
    tmp_server.config_extra = {"plugins_dir": plugins, "plugins": {"taalhandhaving": {}}}
    server = tmp_server.start()
    people = {}
    for pid, body in PLANTED.items():
        r = server.request("PUT", "/v1/jobseekers/" + pid, dict(body, id=pid))
        if c.status(r, 201, "PUT " + pid):
            people[pid] = dict(body, id=pid)
    for p in generated(240):
        r = server.request("PUT", "/v1/jobseekers/" + p["id"], p)
        if c.status(r, 201, "PUT " + p["id"]):
            people[p["id"]] = p
    c.check(len({expected(p)["status"] for p in people.values()}) == 4,
            "the population covers every status")
    if not wait_scanned(c, server):
        return
    check_worklists(c, server, people, "planted")

    # Paging: pages of 7 tile the list of pages of 1000.
    big, _ = worklist(c, server, "voldoet_niet", 1000)
    small, _ = worklist(c, server, "voldoet_niet", 7)
    c.eq(small, big, "pages of 7 and of 1000 hold the same rows in the same order")
    r = server.request("GET", "/v1/taaleis?status=voldoet_niet&per_page=5000")
    c.eq(r.json and r.json.get("per_page"), 1000, "per_page is lowered to 1000")

    # The per-person view.
    for pid in PLANTED:
        e = expected(people[pid])
        r = server.request("GET", "/v1/taaleis/" + pid)
        if not c.status(r, 200, "GET /v1/taaleis/" + pid):
            continue
        c.eq((r.json["id"], r.json["status"], r.json["next_action"], r.json["due"]),
             (pid, e["status"], e["next_action"], e["due"]), "person view of " + pid)
        c.check(isinstance(r.json.get("reasons"), list) and r.json["reasons"],
                "person view of %s has reasons" % pid)
        red = r.json.get("reduction")
        if e["percent"] is None:
            c.check(red is None, "no reduction for %s: %r" % (pid, red))
        elif c.check(isinstance(red, dict), "a reduction for " + pid):
            c.eq(red.get("percent"), e["percent"], pid + ": proposed percent")
            c.eq(red.get("proposed"), True, pid + ": only proposed")
            c.eq(red.get("decided_by"), "klantmanager", pid + ": decided by the caseworker")
    c.eq(expected(people["t-notice-3"])["percent"], 20, "notice 3 months ago: 20% (test data)")
    c.eq(expected(people["t-notice-7"])["percent"], 40, "notice 7 months ago: 40% (test data)")
    c.eq(expected(people["t-notice-13"])["percent"], 100, "notice 13 months ago: 100% (test data)")
    r = server.request("GET", "/v1/taaleis/t-schrijven-a1")
    c.check(r.json and any("schrijven" in x for x in r.json["reasons"]),
            "the reasons name the skill below 1F: %r" % (r.json,))

    # Errors and roles.
    c.problem(server.request("GET", "/v1/taaleis/niemand"), 404, "unknown jobseeker")
    r = server.request("GET", "/v1/taaleis?status=misschien")
    c.problem(r, 400, "unknown status")
    c.check(r.json and "status" in r.json.get("detail", ""), "the 400 names status: %r" % r)
    c.problem(server.request("GET", "/v1/taaleis?page=0"), 400, "page 0")
    c.problem(server.request("GET", "/v1/taaleis", token="employer-service"), 403,
              "employer-service may not see the worklist")
    c.problem(server.request("GET", "/v1/taaleis", token=None), 401, "no token")
    c.status(server.request("GET", "/v1/taaleis", token="admin"), 200, "admin sees the worklist")

    # Search results carry the status.
    r = server.request("POST", "/v1/search", {"count": 1000, "require": [["language:nl:A1"]]})
    if c.status(r, 200, "search for Dutch speakers"):
        c.check(r.json["results"], "the search finds people")
        for res in r.json["results"]:
            e = expected(people[res["id"]])
            ann = res.get("annotations", {}).get(EXT)
            want = {"status": e["status"]}
            if e["next_action"] != "geen":
                want.update(next_action=e["next_action"], due=e["due"])
            got = {k: ann.get(k) for k in want} if isinstance(ann, dict) else ann
            c.eq(got, want, "annotation of " + res["id"])
            if isinstance(ann, dict) and e["next_action"] == "geen":
                c.check("next_action" not in ann, "no next_action for %s" % res["id"])

    # Employer-service staff see competences and ids, nothing more: no
    # taaleis status (it can reveal a medical exemption or a sanction).
    r = server.request("POST", "/v1/search", {"count": 1000, "require": [["language:nl:A1"]]},
                       token="employer-service")
    if c.status(r, 200, "the same search as employer-service"):
        c.check(r.json["results"], "the search finds people")
        c.eq([x["id"] for x in r.json["results"] if "annotations" in x], [],
             "results with annotations for employer-service")

    # A PATCH that meets the level: the worklist follows.
    r = server.request("PATCH", "/v1/jobseekers/t-schrijven-a1",
                       {"languages": nl("B1", schrijven="1F")},
                       content_type="application/merge-patch+json")
    if c.status(r, 200, "PATCH t-schrijven-a1"):
        people["t-schrijven-a1"] = harness.merge_patch(people["t-schrijven-a1"],
                                                       {"languages": nl("B1", schrijven="1F")})
        c.eq(expected(people["t-schrijven-a1"])["status"], "voldoet", "the patch meets 1F")
    # A DELETE: gone from the worklist.
    c.status(server.request("DELETE", "/v1/jobseekers/t-medisch"), 204, "DELETE t-medisch")
    del people["t-medisch"]
    c.problem(server.request("GET", "/v1/taaleis/t-medisch"), 404, "deleted jobseeker")
    check_worklists(c, server, people, "after PATCH and DELETE")

    # Bad extensions: 422 naming the members, nothing stored.
    bad = dict(PLANTED["t-a2"], id="t-a2",
               extensions={EXT: {"exempt": "geen-zin", "notice_on": "2026-02-30",
                                 "hobby": "x"}})
    r = server.request("PUT", "/v1/jobseekers/t-a2", bad)
    c.problem(r, 422, "bad exemption ground", pointer="/extensions/taalhandhaving/exempt")
    c.problem(r, 422, "bad date", pointer="/extensions/taalhandhaving/notice_on")
    c.problem(r, 422, "unknown member", pointer="/extensions/taalhandhaving/hobby")
    r = server.request("PATCH", "/v1/jobseekers/t-a2",
                       {"extensions": {EXT: {"exempt_until": "2027-01-01"}}},
                       content_type="application/merge-patch+json")
    c.problem(r, 422, "exempt_until without exempt",
              pointer="/extensions/taalhandhaving/exempt_until")
    r = server.request("GET", "/v1/jobseekers/t-a2")
    c.check(r.status == 200 and "extensions" not in r.json, "a refused write changes nothing")

    # A restart: the scan rebuilds the same worklist.
    before, _ = worklist(c, server)
    server.stop()
    server.start()
    if wait_scanned(c, server):
        after, _ = worklist(c, server)
        c.eq(after, before, "the worklist after a restart")
        check_worklists(c, server, people, "after restart")


def main():
    os.environ["VAARDIG_TODAY"] = TODAY
    harness.run([("taaleis", test_taaleis)])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The audit log (README.md "Audit log", API.md "Other"): every read, change
and deletion of a person's data, every search and match with the ids it
returned, every plugin reload is one JSON line in data_dir/audit/audit.log;
GET /v1/jobseekers/{id}/audit answers who has seen or changed a person's
data, newest first, also after the profile is deleted; the files rotate by
size and on SIGHUP without losing the trail; an acknowledged write has its
line even when the server is killed right after.

The expected lines are built here from the requests this test sends (token
names from harness.make_config) and from the answers' own ids."""

import glob
import json
import os
import signal
import threading
import time

import harness
from harness import Server

E, C, A = "employer-service", "caseworker", "admin"
TOKEN = {E: "wsp-test", C: "km-test", A: "beheer"}
HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(harness.VAARDIGD)))


def driver(n, municipality="Rotterdam"):
    """A profile that a "chauffeurs" search finds: licence B."""
    return {"municipality": municipality, "licences": [{"category": "B"}],
            "hours_per_week": 20 + n}


def walker():
    """A profile without any licence: no chauffeur."""
    return {"municipality": "Rotterdam", "hours_per_week": 12}


def log_files(s):
    """audit.log.N, highest N (oldest) first, then audit.log."""
    d = os.path.join(s.data_dir, "audit")
    rotated = [p for p in glob.glob(os.path.join(d, "audit.log.*"))
               if p.rsplit(".", 1)[1].isdigit()]
    rotated.sort(key=lambda p: int(p.rsplit(".", 1)[1]), reverse=True)
    return rotated + [os.path.join(d, "audit.log")]


def lines(s):
    """Every line of the trail, oldest first, parsed."""
    out = []
    for path in log_files(s):
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            for raw in f.read().split(b"\n"):
                if raw:
                    out.append(json.loads(raw.decode("utf-8")))
    return out


class Trail:
    """Reads what the server appended since the last look."""

    def __init__(self, s):
        self.s = s
        self.seen = len(lines(s))

    def new(self):
        now = lines(self.s)
        fresh = now[self.seen:]
        self.seen = len(now)
        return fresh


def expect_one(c, trail, what, role, action, method, path, ids, outcome):
    got = trail.new()
    if not c.eq(len(got), 1, "%s: lines appended (%r)" % (what, got)):
        return
    line = got[0]
    want = {"token": TOKEN[role], "role": role, "action": action, "method": method,
            "path": path, "ids": ids, "outcome": outcome}
    for key, value in want.items():
        c.eq(line.get(key), value, "%s: line's %s" % (what, key))
    at = line.get("at", "")
    c.check(len(at) == 25 and at[10] == "T" and at[19] in "+-" and at[22] == ":",
            "%s: at is RFC 3339 with an offset: %r" % (what, at))


def returned_ids(answer):
    """The person ids an answer shows: results and the plugins' lists."""
    ids = [r["id"] for r in answer.get("results", [])]
    for lst in (answer.get("lists") or {}).values():
        ids += [r["id"] for r in lst.get("results", []) if r["id"] not in ids]
    return ids


def test_every_action_one_line(c):
    s = Server().start()
    t = Trail(s)
    c.eq(t.new(), [], "a fresh server has an empty trail")

    r = s.request("PUT", "/v1/jobseekers/p-1", driver(1))
    c.status(r, 201, "create")
    expect_one(c, t, "create", C, "create", "PUT", "/v1/jobseekers/p-1", ["p-1"], 201)
    c.status(s.request("PUT", "/v1/jobseekers/p-1", driver(2), token=A), 200, "replace")
    expect_one(c, t, "replace", A, "replace", "PUT", "/v1/jobseekers/p-1", ["p-1"], 200)
    c.status(s.request("PATCH", "/v1/jobseekers/p-1", {"hours_per_week": 32},
                       content_type="application/merge-patch+json"), 200, "patch")
    expect_one(c, t, "patch", C, "patch", "PATCH", "/v1/jobseekers/p-1", ["p-1"], 200)
    c.status(s.request("GET", "/v1/jobseekers/p-1"), 200, "read")
    expect_one(c, t, "read", C, "read", "GET", "/v1/jobseekers/p-1", ["p-1"], 200)
    c.status(s.request("GET", "/v1/jobseekers/ghost"), 404, "read of nobody")
    expect_one(c, t, "read of nobody", C, "read", "GET", "/v1/jobseekers/ghost", ["ghost"], 404)
    c.status(s.request("PUT", "/v1/jobseekers/bad-1", {"licences": [{"category": "Z"}]}), 422,
             "invalid create")
    expect_one(c, t, "invalid create", C, "create", "PUT", "/v1/jobseekers/bad-1", ["bad-1"],
               422)
    c.status(s.request("PUT", "/v1/jobseekers/p-1", driver(3), headers={"If-Match": '"nope"'}),
             412, "stale If-Match")
    expect_one(c, t, "stale If-Match", C, "replace", "PUT", "/v1/jobseekers/p-1", ["p-1"], 412)

    for i in range(2, 7):
        s.request("PUT", "/v1/jobseekers/p-%d" % i, driver(i))
    s.request("PUT", "/v1/jobseekers/w-1", walker())
    t.new()

    r = s.request("GET", "/v1/search?q=3+chauffeurs", token=E)
    c.status(r, 200, "search")
    ids = returned_ids(r.json)
    c.eq(len(ids), 3, "the search returned 3 people")
    expect_one(c, t, "search", E, "search", "GET", "/v1/search?q=3+chauffeurs", ids, 200)
    r = s.request("POST", "/v1/search", {"occupation": "chauffeur", "count": 4}, token=C)
    c.status(r, 200, "structured search")
    expect_one(c, t, "structured search", C, "search", "POST", "/v1/search",
               returned_ids(r.json), 200)
    r = s.request("GET", "/v1/search?q=50+heftruckchauffeurs", token=E)
    c.eq(r.json["total"], 0, "nobody holds a forklift certificate")
    expect_one(c, t, "empty search", E, "search", "GET", "/v1/search?q=50+heftruckchauffeurs",
               [], 200)
    r = s.request("GET", "/v1/search?q=chauffeurs+met+rijbewijs+Q", token=E)
    c.status(r, 422, "a search that is not understood")
    expect_one(c, t, "refused search", E, "search", "GET",
               "/v1/search?q=chauffeurs+met+rijbewijs+Q", [], 422)

    c.status(s.request("PUT", "/v1/vacancies/v-1", {"title": "Chauffeur", "occupation":
                                                      "chauffeur", "openings": 1}, token=E),
             201, "vacancy")
    c.eq(t.new(), [], "a vacancy holds no personal data: no line")
    r = s.request("GET", "/v1/vacancies/v-1/matches?count=2", token=E)
    c.status(r, 200, "vacancy matches")
    expect_one(c, t, "vacancy matches", E, "vacancy_match", "GET",
               "/v1/vacancies/v-1/matches?count=2", returned_ids(r.json), 200)
    s.request("GET", "/v1/vacancies", token=E)
    s.request("GET", "/v1/occupations?q=chauf", token=E)
    c.eq(t.new(), [], "vacancy lists and the taxonomy: no line")

    c.status(s.request("GET", "/v1/jobseekers/p-2/matches"), 200, "jobseeker matches")
    expect_one(c, t, "jobseeker matches", C, "jobseeker_matches", "GET",
               "/v1/jobseekers/p-2/matches", ["p-2"], 200)
    c.status(s.request("DELETE", "/v1/jobseekers/p-1"), 204, "delete")
    expect_one(c, t, "delete", C, "delete", "DELETE", "/v1/jobseekers/p-1", ["p-1"], 204)
    c.status(s.request("DELETE", "/v1/jobseekers/p-1"), 404, "delete again")
    expect_one(c, t, "delete again", C, "delete", "DELETE", "/v1/jobseekers/p-1", ["p-1"], 404)
    c.status(s.request("GET", "/v1/jobseekers/p-1/audit"), 200, "audit read")
    expect_one(c, t, "audit read", C, "audit_read", "GET", "/v1/jobseekers/p-1/audit", ["p-1"],
               200)
    c.status(s.request("POST", "/v1/plugins/reload", token=A), 200, "plugin reload")
    expect_one(c, t, "plugin reload", A, "plugins_reload", "POST", "/v1/plugins/reload", [],
               200)
    # A refused attempt on someone's data is on their trail too; no token, no line.
    c.problem(s.request("GET", "/v1/jobseekers/p-2", token=E), 403, "employer reads a profile")
    expect_one(c, t, "refused read", E, "read", "GET", "/v1/jobseekers/p-2", ["p-2"], 403)
    c.problem(s.request("GET", "/v1/jobseekers/p-2", token=None), 401, "no token")
    c.eq(t.new(), [], "an anonymous request names nobody: no line")


def audit(s, id, token=C, query=""):
    return s.request("GET", "/v1/jobseekers/%s/audit%s" % (id, query), token=token)


def expected_trail(s, id):
    """The answer's results computed from the files: newest first, no ids."""
    out = []
    for line in reversed(lines(s)):
        if id in line.get("ids", []):
            out.append({k: v for k, v in line.items() if k != "ids"})
    return out


def test_persons_trail(c):
    s = Server().start()
    for i in range(1, 4):
        s.request("PUT", "/v1/jobseekers/t-%d" % i, driver(i))
    r = s.request("GET", "/v1/search?q=2+chauffeurs", token=E)
    found = returned_ids(r.json)
    c.eq(len(found), 2, "the search returned two of the three")
    missed = ({"t-1", "t-2", "t-3"} - set(found)).pop()
    who = found[0]

    want = expected_trail(s, who)
    r = audit(s, who)
    c.status(r, 200, "audit of a person")
    c.eq(r.json.get("total"), 2, "their create and the search")
    c.eq(r.json.get("results"), want, "the trail as the files hold it, newest first")
    top = r.json["results"][0] if r.json.get("results") else {}
    c.eq((top.get("token"), top.get("role"), top.get("action"), top.get("path")),
         ("wsp-test", E, "search", "/v1/search?q=2+chauffeurs"),
         "the employer-service search that returned them is on top")
    r = audit(s, missed)
    c.eq([x["action"] for x in r.json["results"]], ["create"],
         "a person the search did not return: only their create")

    c.status(s.request("DELETE", "/v1/jobseekers/%s" % who), 204, "delete")
    c.status(s.request("GET", "/v1/jobseekers/%s" % who), 404, "gone")
    r = audit(s, who, token=A)
    c.status(r, 200, "the trail outlives the profile")
    c.eq([x["action"] for x in r.json["results"]],
         ["read", "delete", "audit_read", "search", "create"], "every step, newest first")
    c.eq(r.json["results"], expected_trail(s, who)[1:], "as the files hold it (this read aside)")

    r = audit(s, "never-seen")
    c.status(r, 200, "an id nobody asked about is a fair question")
    c.eq((r.json["total"], r.json["results"]), (0, []), "with an empty answer")
    c.problem(audit(s, "no%20spaces"), 400, "an impossible id", pointer="/id")
    c.problem(audit(s, who, query="?page=0"), 400, "page 0")
    c.problem(audit(s, who, token=E), 403, "employer-service may not read a trail")
    c.problem(audit(s, who, token=None), 401, "nor may anyone without a token")


def test_paging(c):
    s = Server().start()
    s.request("PUT", "/v1/jobseekers/pg", driver(1))
    for _ in range(9):
        s.request("GET", "/v1/jobseekers/pg")
    c.eq(len(expected_trail(s, "pg")), 10, "ten lines about pg")
    for page in range(1, 6):
        # Each read of the trail joins it (after its own scan): expect what
        # the files hold just before the request.
        want = expected_trail(s, "pg")
        r = audit(s, "pg", query="?page=%d&per_page=3" % page)
        c.status(r, 200, "page %d" % page)
        c.eq((r.json["total"], r.json["page"], r.json["per_page"]), (len(want), page, 3),
             "page %d's total, page and per_page" % page)
        c.eq(r.json["results"], want[3 * (page - 1):3 * page], "page %d, newest first" % page)
    r = audit(s, "pg", query="?page=99&per_page=3")
    c.eq(r.json["results"], [], "a page past the end is empty")
    r = audit(s, "pg", query="?per_page=100000")
    c.eq(r.json["per_page"], 1000, "per_page is lowered to the server's max_per_page")


def max_rotated(s):
    return max([int(p.rsplit(".", 1)[1]) for p in log_files(s)[:-1]] or [0])


def test_rotation(c):
    s = Server(config_extra={"audit": {"max_bytes": 2048}}).start()
    s.request("PUT", "/v1/jobseekers/rot", driver(1))
    for _ in range(40):
        s.request("GET", "/v1/jobseekers/rot")
    s.request("GET", "/v1/search?q=chauffeurs", token=E)
    c.check(max_rotated(s) >= 3, "40 lines of ~170 bytes in files of 2 KiB: several rotations")
    for path in log_files(s):
        c.check(os.path.getsize(path) <= 2048, "%s is at most max_bytes" % path)
    r = audit(s, "rot", query="?per_page=1000")
    c.eq(r.json["total"], 42, "every line is still answered: create, 40 reads, search")
    c.eq(r.json["results"], expected_trail(s, "rot")[1:], "in order across the files")

    before = max_rotated(s)
    s.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while max_rotated(s) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    c.eq(max_rotated(s), before + 1, "SIGHUP rotates")
    c.check(s.alive(), "and the server lives on")
    r = audit(s, "rot", query="?per_page=1000")
    c.eq(r.json["total"], 43, "the trail after SIGHUP: one more (the audit read)")
    c.eq(r.json["results"], expected_trail(s, "rot")[1:], "still newest first")
    s.stop()
    s.start()
    r = audit(s, "rot", query="?per_page=1000")
    c.eq(r.json["total"], 44, "and after a restart")


def test_acknowledged_writes_survive_sigkill(c):
    s = Server().start()
    acknowledged, lock = [], threading.Lock()

    def put(i):
        r = s.request("PUT", "/v1/jobseekers/k-%d" % i, driver(i))
        if r.status == 201:
            with lock:
                acknowledged.append("k-%d" % i)

    threads = [threading.Thread(target=put, args=(i,)) for i in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    c.eq(len(acknowledged), 40, "every write was acknowledged")
    r = s.request("GET", "/v1/jobseekers/k-1")
    c.status(r, 200, "a read just before the kill")
    s.kill()
    s.start()
    trail = lines(s)
    created = {l["ids"][0] for l in trail if l["action"] == "create" and l["outcome"] == 201}
    c.eq(sorted(set(acknowledged) - created), [], "acknowledged writes without a line")
    c.check(any(l["action"] == "read" and l["ids"] == ["k-1"] for l in trail),
            "the read answered before the kill is there (written before its reply)")
    r = audit(s, "k-7")
    c.eq([x["action"] for x in r.json["results"]], ["create"], "and answered after a restart")


def test_plugin_route_names_people(c):
    so = os.path.join(BUILD, "plugins", "taalhandhaving", ".libs", "taalhandhaving.so")
    if not os.path.exists(so):
        raise SystemExit("FAIL: %s is not built" % so)
    s = Server()
    plugins = os.path.join(s.tmp, "plugins")
    os.mkdir(plugins)
    os.symlink(so, os.path.join(plugins, "taalhandhaving.so"))
    s.config_extra = {"plugins_dir": plugins}
    s.start()
    s.request("PUT", "/v1/jobseekers/tl-1",
              {"municipality": "Rotterdam", "languages": [{"code": "nl", "level": "A1"}]})
    s.request("PUT", "/v1/jobseekers/tl-2",
              {"municipality": "Rotterdam", "languages": [{"code": "nl", "level": "B2"}]})
    t = Trail(s)
    r = s.request("GET", "/v1/taaleis")
    c.status(r, 200, "the taaleis worklist")
    ids = [x["id"] for x in r.json.get("results", [])]
    c.check(ids, "the worklist names people: %r" % (r.json,))
    expect_one(c, t, "plugin route", C, "plugin_route", "GET", "/v1/taaleis", ids, 200)
    s.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while not lines(s)[-1:] or lines(s)[-1].get("signal") != "SIGHUP":
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    got = t.new()
    c.eq([(l["action"], l["token"], l.get("signal")) for l in got],
         [("plugins_reload", None, "SIGHUP")], "a reload by SIGHUP is recorded")


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([
        ("every action is one line", test_every_action_one_line),
        ("a person's trail", test_persons_trail),
        ("paging, newest first", test_paging),
        ("rotation by size and SIGHUP", test_rotation),
        ("acknowledged writes survive SIGKILL", test_acknowledged_writes_survive_sigkill),
        ("plugin routes name people", test_plugin_route_names_people),
    ])

"""POST /v1/imports (API.md "Bulk import"): NDJSON lines validated as their
PUT would be, valid lines kept and durable before the answer, bad lines
reported by number and changing nothing, the 1 MiB limit per line rather
than per body; the server keeps answering while an import runs."""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, canonical  # noqa: E402
from test_import import generated  # noqa: E402

NDJSON = "application/x-ndjson"


def post_import(s, lines, kind="jobseekers", token="admin", crlf=False, final_newline=True):
    sep = "\r\n" if crlf else "\n"
    body = sep.join(lines) + (sep if final_newline else "")
    return s.request("POST", "/v1/imports?kind=" + kind, body.encode("utf-8"), token=token,
                     content_type=NDJSON, timeout=300)


def test_jobseekers(c):
    s = Server(label="vaardigd (imports)").start()
    people = generated(4000, 23)
    changed = dict(people[7], hours_per_week=11)
    lines = [json.dumps(p) for p in people[:2000]]
    bad = {2001: "not json at all", 2002: json.dumps({"licences": []}),
           2003: json.dumps({"id": "x-1", "licences": [{"category": "Z"}]}),
           2004: "[1, 2]"}
    lines += [bad[n] for n in sorted(bad)] + [""]
    lines += [json.dumps(p) for p in people[2000:]] + [json.dumps(changed)]
    body_bytes = sum(len(x) + 1 for x in lines)
    c.check(body_bytes > (1 << 20), "the body is over 1 MiB (%d bytes): the limit is per line"
            % body_bytes)
    # A search while the import runs must be answered too.
    searches = []

    def search_soon():
        time.sleep(0.3)
        searches.append(s.request("GET", "/v1/search?q=chauffeurs", token="employer-service"))

    t = threading.Thread(target=search_soon)
    t.start()
    r = post_import(s, lines, crlf=True, final_newline=False)
    t.join()
    if not c.status(r, 200, "POST /v1/imports"):
        return
    a = r.json
    c.eq(a.get("kind"), "jobseekers", "kind")
    c.eq(a.get("lines"), len([x for x in lines if x]), "non-blank lines counted")
    c.eq(a.get("created"), 4000, "created")
    c.eq(a.get("replaced"), 1, "replaced (a later line for the same id)")
    c.eq(a.get("failed"), len(bad), "failed")
    c.eq(sorted(e["line"] for e in a.get("errors", [])), sorted(bad), "bad lines by number")
    by_line = {e["line"]: e for e in a.get("errors", [])}
    c.eq(by_line.get(2001, {}).get("status"), 400, "not JSON: 400")
    c.eq(by_line.get(2002, {}).get("status"), 422, "no id: 422")
    c.eq([x.get("pointer") for x in by_line.get(2003, {}).get("errors", [])],
         ["/licences/0/category"], "an invalid line names the field")
    c.eq(by_line.get(2003, {}).get("id"), "x-1", "the refused line's id")
    c.eq(searches and searches[0].status, 200, "a search during the import")

    h = s.request("GET", "/v1/health", token=None)
    c.eq(h.json and h.json.get("jobseekers"), 4000, "health counts the imported profiles")
    r = s.request("GET", "/v1/jobseekers/x-1")
    c.status(r, 404, "the invalid line stored nothing")
    expected = {p["id"]: p for p in people}
    expected[changed["id"]] = changed
    # Durable before the answer: kill at once and look.
    s.kill()
    s.start()
    for pid in [people[0]["id"], people[7]["id"], people[3999]["id"]]:
        r = s.request("GET", "/v1/jobseekers/" + pid)
        if c.status(r, 200, "GET %s after SIGKILL" % pid):
            c.eq(r.json, canonical(expected[pid], pid), "%s as imported" % pid)
    # Every imported profile has its audit line.
    r = s.request("GET", "/v1/jobseekers/%s/audit" % people[5]["id"])
    if c.status(r, 200, "audit of an imported profile"):
        c.check(any(x.get("action") == "import" and x.get("token") == "beheer"
                    for x in r.json.get("results", [])),
                "the import is on the person's audit trail: %r" % r.json)


def test_refusals(c):
    s = Server(label="vaardigd (import refusals)").start()
    one = json.dumps({"id": "r-1", "hours_per_week": 20})
    c.problem(post_import(s, [one], token="caseworker"), 403, "caseworker may not import")
    c.problem(post_import(s, [one], kind="people"), 400, "unknown kind", pointer="/kind")
    r = s.request("POST", "/v1/imports?kind=jobseekers", one, token="admin",
                  content_type="application/json")
    c.problem(r, 415, "not application/x-ndjson")
    long_line = json.dumps({"id": "long", "skills": ["klantgericht"] * 120000})
    c.check(len(long_line) > (1 << 20), "the long line is over 1 MiB")
    r = post_import(s, [one, long_line, json.dumps({"id": "r-2"})])
    if c.status(r, 200, "an import with an over-long line"):
        c.eq((r.json["created"], r.json["failed"]), (2, 1), "the long line alone is refused")
        c.eq([(e["line"], e["status"]) for e in r.json["errors"]], [(2, 413)],
             "the long line is a 413 by number")
    c.status(s.request("GET", "/v1/jobseekers/long"), 404, "the long line stored nothing")
    r = post_import(s, [json.dumps({"id": "v-1", "title": "Kok", "occupation": "kok"}),
                        json.dumps({"id": "jsonld-x", "title": "Kok", "occupation": "kok"})],
                    kind="vacancies")
    if c.status(r, 200, "a vacancy import"):
        c.eq((r.json["created"], r.json["failed"]), (1, 1), "vacancies: created, failed")
        c.eq([e["status"] for e in r.json["errors"]], [409], "a source prefix is a 409")
    c.status(s.request("GET", "/v1/vacancies/v-1", token="employer-service"), 200,
             "the imported vacancy")


def main():
    harness.require_binaries()
    harness.run([
        ("jobseekers by POST /v1/imports", test_jobseekers),
        ("refusals", test_refusals),
    ])


if __name__ == "__main__":
    main()

"""GET /metrics (API.md "Other"): admin only, the Prometheus text format
0.0.4 parsed strictly here (every family with # HELP and # TYPE before its
samples, no series twice, histogram buckets cumulative and ending in +Inf
equal to _count), and the figures move as requests are made: requests per
route and status, searches, commits, writes and batch sizes, and the
latency histogram's _count equal to the requests it timed."""

import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(\{(.*)\})? (\S+)$" % NAME)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
FAMILIES = {
    "vaardig_http_requests_total": "counter",
    "vaardig_http_request_duration_seconds": "histogram",
    "vaardig_searches_total": "counter",
    "vaardig_jobseekers": "gauge",
    "vaardig_vacancies": "gauge",
    "vaardig_index_bytes": "gauge",
    "vaardig_commits_total": "counter",
    "vaardig_commit_duration_seconds": "histogram",
    "vaardig_commit_batch_size": "histogram",
    "vaardig_plugin_hook_errors_total": "counter",
    "vaardig_audit_lines_total": "counter",
}


class ParseError(Exception):
    pass


def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        if not m:
            raise ParseError("bad labels %r" % text)
        value = m.group(2).replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        if m.group(1) in labels:
            raise ParseError("label %s twice in %r" % (m.group(1), text))
        labels[m.group(1)] = value
        pos = m.end()
    return labels


def parse(text):
    """{family: {"type", "help", "samples": {(name, frozenset(labels)): value}}};
    raises ParseError on anything the format does not allow."""
    families, current = {}, None
    if not text.endswith("\n"):
        raise ParseError("the exposition does not end in a newline")
    for n, line in enumerate(text[:-1].split("\n"), 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) != 4 or not re.fullmatch(NAME, parts[2]):
                raise ParseError("line %d: %r" % (n, line))
            fam = families.setdefault(parts[2], {"samples": {}})
            key = parts[1].lower()
            if key in fam:
                raise ParseError("line %d: second %s for %s" % (n, parts[1], parts[2]))
            if fam["samples"]:
                raise ParseError("line %d: %s after samples of %s" % (n, parts[1], parts[2]))
            if key == "type" and parts[3] not in ("counter", "gauge", "histogram", "summary",
                                                  "untyped"):
                raise ParseError("line %d: unknown type %r" % (n, parts[3]))
            fam[key] = parts[3]
            current = parts[2]
            continue
        if line.startswith("#") or not line:
            raise ParseError("line %d: %r is neither a HELP/TYPE line nor a sample" % (n, line))
        m = SAMPLE.match(line)
        if not m:
            raise ParseError("line %d: malformed sample %r" % (n, line))
        name, labels, value = m.group(1), parse_labels(m.group(3) or ""), m.group(4)
        base = current if current and name in (current, current + "_bucket", current + "_sum",
                                               current + "_count") else None
        if base is None:
            raise ParseError("line %d: sample %s outside its family's block" % (n, name))
        fam = families[base]
        if "help" not in fam or "type" not in fam:
            raise ParseError("line %d: %s has no # HELP and # TYPE before it" % (n, base))
        if name != base and fam["type"] != "histogram":
            raise ParseError("line %d: %s in a %s family" % (n, name, fam["type"]))
        key = (name, frozenset(labels.items()))
        if key in fam["samples"]:
            raise ParseError("line %d: series %s%r twice" % (n, name, labels))
        v = float(value)  # accepts +Inf, NaN as the format does
        if fam["type"] == "counter" and not v >= 0:
            raise ParseError("line %d: counter %s is %r" % (n, name, value))
        fam["samples"][key] = v
    return families


def histograms(fam, name):
    """{labels without le: {"buckets": [(le, v)], "sum", "count"}}, checked."""
    out = {}
    for (sname, labels), v in fam["samples"].items():
        d = dict(labels)
        le = d.pop("le", None)
        h = out.setdefault(frozenset(d.items()), {"buckets": []})
        if sname == name + "_bucket":
            h["buckets"].append((float(le), v))
        elif sname == name + "_sum":
            h["sum"] = v
        elif sname == name + "_count":
            h["count"] = v
    for labels, h in out.items():
        h["buckets"].sort()
        counts = [v for _, v in h["buckets"]]
        if not h["buckets"] or not math.isinf(h["buckets"][-1][0]):
            raise ParseError("%s%r has no +Inf bucket" % (name, dict(labels)))
        if counts != sorted(counts):
            raise ParseError("%s%r buckets are not cumulative: %r" % (name, dict(labels), counts))
        if "count" not in h or "sum" not in h or counts[-1] != h["count"]:
            raise ParseError("%s%r: +Inf bucket %r, _count %r" % (name, dict(labels), counts[-1],
                                                                  h.get("count")))
    return out


def scrape(c, s):
    r = s.request("GET", "/metrics", token="admin")
    if not c.status(r, 200, "GET /metrics as admin"):
        return None
    c.eq(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8", "Content-Type")
    try:
        fams = parse(r.raw.decode("utf-8"))
        for name, fam in fams.items():
            if fam.get("type") == "histogram":
                fam["histograms"] = histograms(fam, name)
    except ParseError as e:
        c.check(False, "the exposition does not parse: %s" % e)
        return None
    for name, want in FAMILIES.items():
        if c.check(name in fams, "family %s is exposed" % name):
            c.eq(fams[name].get("type"), want, name + " type")
    return fams


def value(fams, name, **labels):
    fam = fams.get(name.rsplit("_bucket", 1)[0], {"samples": {}})
    return fam["samples"].get((name, frozenset(labels.items())), 0.0)


def requests(fams, route, method, status):
    return value(fams, "vaardig_http_requests_total", route=route, method=method,
                 status=str(status))


def hist(fams, name, **labels):
    return fams[name]["histograms"].get(frozenset(labels.items()),
                                        {"buckets": [], "sum": 0.0, "count": 0.0})


def check_latency_counts(c, fams, what):
    """Every timed route's _count equals the replies counted for it."""
    per = {}
    for (sname, labels), v in fams["vaardig_http_requests_total"]["samples"].items():
        d = dict(labels)
        per[(d["route"], d["method"])] = per.get((d["route"], d["method"]), 0) + v
    timed = fams["vaardig_http_request_duration_seconds"]["histograms"]
    c.check(timed, what + ": some route is timed")
    for labels, h in timed.items():
        d = dict(labels)
        c.eq(h["count"], per.get((d["route"], d["method"])),
             "%s: duration _count of %s %s against its requests" % (what, d["method"], d["route"]))


def test_access(c):
    with Server() as s:
        c.problem(s.request("GET", "/metrics", token=None), 401, "without a token")
        for role in ("employer-service", "caseworker"):
            c.problem(s.request("GET", "/metrics", token=role), 403, "as " + role)
        c.status(s.request("GET", "/metrics", token="admin"), 200, "as admin")


def test_requests_move(c):
    with Server() as s:
        before = scrape(c, s)
        if before is None:
            return
        n = 7
        for _ in range(n):
            c.status(s.request("GET", "/v1/health", token=None), 200, "health")
        c.status(s.request("GET", "/nergens/ook-niet", token=None), 404, "unknown path")
        c.status(s.request("GET", "/v1/jobseekers/absent"), 404, "absent jobseeker")
        after = scrape(c, s)
        if after is None:
            return
        c.eq(requests(after, "/v1/health", "GET", 200) - requests(before, "/v1/health", "GET", 200),
             n, "health 200 count moved by the requests made")
        c.eq(requests(after, "unmatched", "GET", 404) - requests(before, "unmatched", "GET", 404),
             1, "a path no route serves is counted as unmatched 404")
        c.eq(requests(after, "/v1/jobseekers/{}", "GET", 404)
             - requests(before, "/v1/jobseekers/{}", "GET", 404), 1,
             "a 404 on a route is counted under its pattern and status")
        c.eq(requests(after, "/metrics", "GET", 200), 1, "the first scrape is counted by the second")
        h0 = hist(before, "vaardig_http_request_duration_seconds", route="/v1/health", method="GET")
        h1 = hist(after, "vaardig_http_request_duration_seconds", route="/v1/health", method="GET")
        c.eq(h1["count"] - h0["count"], n, "health latency _count moved by the requests made")
        c.check(h1["sum"] > h0["sum"], "health latency _sum grew")
        check_latency_counts(c, after, "after requests")


def audit_lines(s):
    """Lines in the server's audit log files, counted on disk."""
    folder = os.path.join(s.data_dir, "audit")
    n = 0
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        with open(os.path.join(folder, name), "rb") as f:
            n += f.read().count(b"\n")
    return n


def test_searches_and_commits(c):
    with Server() as s:
        before = scrape(c, s)
        if before is None:
            return
        lines_before = audit_lines(s)
        profiles = 3
        for i in range(profiles):
            c.status(s.request("PUT", "/v1/jobseekers/m-%d" % i, {
                "municipality": "Utrecht", "licences": [{"category": "B"}]}), 201, "put")
        c.status(s.request("GET", "/v1/search?q=chauffeurs"), 200, "search")
        c.status(s.request("POST", "/v1/search", {"occupation": "chauffeur"}), 200, "search")
        c.status(s.request("GET", "/v1/search?q=astronauten"), 422, "a refused search")
        after = scrape(c, s)
        if after is None:
            return
        c.eq(value(after, "vaardig_searches_total") - value(before, "vaardig_searches_total"), 2,
             "searches_total counts answered searches, not refused ones")
        c.eq(value(after, "vaardig_audit_lines_total") - value(before, "vaardig_audit_lines_total"),
             audit_lines(s) - lines_before, "audit_lines_total moved by the lines on disk")
        commits = value(after, "vaardig_commits_total") - value(before, "vaardig_commits_total")
        writes = value(after, "vaardig_writes_total") - value(before, "vaardig_writes_total")
        # One PUT at a time: each is acknowledged after its own commit.
        c.eq(writes, profiles, "writes_total moved by the PUTs")
        c.check(1 <= commits <= profiles, "commits_total moved by 1..%d, got %r" % (profiles,
                                                                                  commits))
        b0 = hist(before, "vaardig_commit_batch_size")
        b1 = hist(after, "vaardig_commit_batch_size")
        c.eq(b1["count"] - b0["count"], commits, "one batch-size observation per commit")
        c.eq(b1["sum"] - b0["sum"], writes, "batch sizes add up to the writes")
        d1 = hist(after, "vaardig_commit_duration_seconds")
        c.eq(d1["count"], value(after, "vaardig_commits_total"), "one duration per commit")
        c.check(d1["sum"] > 0, "commits take some time")
        health = s.request("GET", "/v1/health", token=None).json
        c.eq(value(after, "vaardig_jobseekers"), health["jobseekers"], "jobseekers gauge")
        c.eq(value(after, "vaardig_vacancies"), health["vacancies"], "vacancies gauge")
        index = os.path.join(s.data_dir, "index")
        size = sum(os.path.getsize(os.path.join(index, f)) for f in os.listdir(index)
                   if os.path.isfile(os.path.join(index, f)))
        c.eq(value(after, "vaardig_index_bytes"), size, "index_bytes is the index folder's size")
        check_latency_counts(c, after, "after writes")


def test_parser_is_strict(c):
    """The parser above refuses what the format refuses (so a pass means something)."""
    good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n"
    c.eq(parse(good)["a_total"]["samples"], {("a_total", frozenset({("x", "1")})): 3.0},
         "a well-formed family parses")
    bad = [good.replace("# HELP a_total A.\n", ""), good.replace("# TYPE a_total counter\n", ""),
           good + "a_total{x=\"1\"} 4\n", good.replace(" 3\n", " drie\n"),
           good.replace('x="1"', "x=1"), good.rstrip("\n")]
    for text in bad:
        try:
            parse(text)
            c.check(False, "accepted %r" % text)
        except (ParseError, ValueError):
            pass
    h = ("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
         "h_sum 3\nh_count 1\n")
    try:
        histograms(parse(h)["h"], "h")
        c.check(False, "accepted buckets that are not cumulative")
    except ParseError:
        pass


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([("parser is strict", test_parser_is_strict), ("access", test_access),
                 ("requests move", test_requests_move),
                 ("searches and commits", test_searches_and_commits)])

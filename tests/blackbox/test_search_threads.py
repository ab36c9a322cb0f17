#!/usr/bin/env python3
"""Searches on the search threads (README.md, "search_threads"): the answers
are the same bytes as when the event loop searches itself; searches running
while profiles change never fail and, once the writes are acknowledged,
count what the oracle counts; clients that hang up mid-search leave the
server serving and every search its audit line (200, or 499 when the
connection was gone before the answer); SIGTERM with searches in flight ends
cleanly.

The ranking of a big tier by distance stops early (branch and bound,
server/match_search.c), so every answer with count N is also checked to be
the first N of the same search ranked in full, where nothing stops early.
Totals come from oracle.py, which scans every profile."""

import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time

import harness
import oracle

# The generator makes most people available some months after its day;
# searching a year later puts most chauffeurs in one tier, bigger than the
# size from which the ranking visits municipalities nearest first
# (NEAREST_MIN_TIER, 2048).
GEN_TODAY = "2026-06-01"
TODAY = "2027-06-01"
SEED = 20261207
COUNT = 6000
BIG = 10000  # limits.max_count: a ranking in full

ORACLE = oracle.Oracle(harness.VAARDIG_DATA, TODAY)
PEOPLE = []
BY_ID = {}
DATA_DIR = None

CHAUFFEUR = [["licence:B", "licence:C1", "licence:C", "licence:CE", "licence:D1", "licence:D"]]
PLACES = ["Utrecht", "Rotterdam", "Amsterdam", "Groningen", "Vlieland", "Eindhoven"]
PREFER = ["experience:chauffeur", "certificate:vca-basis", "language:nl:B1", "licence:C",
          "language:en:B1", "certificate:heftruck"]


def searches():
    """[(what, body)]: structured searches over the shapes ranking takes."""
    rnd = random.Random(SEED)
    out = []
    for i in range(24):
        body = {"count": rnd.choice([1, 10, 40, 200, 1000])}
        body["occupation"] = rnd.choice(["chauffeur", "chauffeur", "schoonmaker",
                                         "magazijnmedewerker"])
        if rnd.random() < 0.7:
            body["prefer"] = rnd.sample(PREFER, rnd.randint(1, 3))
        shape = i % 4
        if shape == 0:
            body["near"] = {"municipality": rnd.choice(PLACES), "km": rnd.choice([15, 60, 300])}
        elif shape == 1:
            body["in"] = rnd.choice(PLACES)
        elif shape == 2:
            body["in"] = rnd.choice(PLACES)
            body["near"] = {"municipality": body["in"], "km": rnd.choice([40, 250])}
        out.append(("search %d %s" % (i, json.dumps(body)), body))
    return out


def vacancies():
    """Vacancies whose matches rank by distance and hours too."""
    rnd = random.Random(SEED + 1)
    out = []
    for i in range(6):
        v = {"id": "threads-%d" % i, "title": "Chauffeur %d" % i, "occupation": "chauffeur",
             "openings": 1, "municipality": rnd.choice(PLACES), "employer": "Test BV",
             "hours_per_week": rnd.choice([16, 32, 40]),
             "prefer": rnd.sample(PREFER, 2)}
        if i % 2:
            v["max_distance_km"] = rnd.choice([30, 120])
        out.append(v)
    return out


def ask(s, what, body=None, path=None, token="employer-service"):
    if body is not None:
        return s.request("POST", "/v1/search", body, token=token)
    return s.request("GET", path, token=token)


def questions():
    """[(what, body or None, path or None)] this file asks every server."""
    out = [(what, body, None) for what, body in searches()]
    for v in vacancies():
        for count in (5, 40, 500):
            out.append(("matches of %s, count %d" % (v["id"], count), None,
                        "/v1/vacancies/%s/matches?count=%d" % (v["id"], count)))
    out.append(("text, in", None, "/v1/search?q=40+chauffeurs+in+Utrecht"))
    out.append(("text, distance", None, "/v1/search?q=chauffeurs+binnen+25+km+van+Rotterdam"))
    return out


def server(threads, **extra):
    config = dict(extra)
    if threads is not None:
        config["search_threads"] = threads
    return harness.Server(data_dir=DATA_DIR, limits={"max_count": BIG}, config_extra=config,
                          label="vaardigd (search_threads %r)" % (threads,))


def full_ranking(body=None, path=None):
    """The same question with count BIG, where nothing is cut off early;
    None when it has no count to raise."""
    if body is not None:
        return dict(body, count=BIG), None
    base, _, query = path.partition("?")
    if query.startswith("count="):
        return None, base + "?count=%d" % BIG
    if query.startswith("q=40+"):
        return None, "%s?q=%d+%s" % (base, BIG, query[5:])
    return None


# -- tests --------------------------------------------------------------------

def test_load(c):
    with server(2) as s:
        c.eq(oracle.load(s, PEOPLE), [], "every PUT of the population answered 201")
        for v in vacancies():
            c.status(s.request("PUT", "/v1/vacancies/" + v["id"], v, token="caseworker"), 201,
                     "PUT vacancy " + v["id"])


def test_same_answers(c):
    """Threads and the event loop give the same bytes; each count-N answer
    is the head of the full ranking."""
    answers = {}
    with server(2) as s:
        for what, body, path in questions():
            r = ask(s, what, body, path)
            if not c.status(r, 200, what):
                continue
            answers[what] = r.raw
            full = full_ranking(body, path)
            if full is None:
                continue
            full = ask(s, what, *full)
            if not c.status(full, 200, what + " in full"):
                continue
            n = len(r.json["results"])
            c.eq(r.json["total"], full.json["total"], what + ": total, count N and in full")
            c.check(full.json["total"] <= BIG, what + ": the full ranking is whole")
            got = [x["id"] for x in r.json["results"]]
            want = [x["id"] for x in full.json["results"][:n]]
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
            c.check(len(got) == len(want) and at is None,
                    "%s: not the first %d of the full ranking: at %r %r instead of %r"
                    % (what, n, at, got[at] if at is not None else None,
                       want[at] if at is not None else None))
    with server(0) as s:
        for what, body, path in questions():
            r = ask(s, what, body, path)
            if c.status(r, 200, what + " (on the loop)") and what in answers:
                c.check(r.raw == answers[what], "%s: threads and loop differ:\n%s\n%s"
                        % (what, answers[what][:300], r.raw[:300]))


def check_totals(c, s, what):
    for place, km in (("Utrecht", 20), ("Rotterdam", 60), ("Groningen", 300)):
        body = {"count": 10, "occupation": "chauffeur",
                "near": {"municipality": place, "km": km}}
        r = s.request("POST", "/v1/search", body, token="employer-service")
        oracle.check_answer(c, "%s: chauffeurs within %d km of %s" % (what, km, place), r,
                            ORACLE, PEOPLE, BY_ID, CHAUFFEUR, 10, near=place, km=km)
    r = s.request("POST", "/v1/search", {"count": 10, "occupation": "chauffeur",
                                         "in": "Utrecht"}, token="employer-service")
    oracle.check_answer(c, what + ": chauffeurs in Utrecht", r, ORACLE, PEOPLE, BY_ID,
                        CHAUFFEUR, 10, in_place="Utrecht")


def moved(p, rnd):
    """p with a new home, sometimes an own location, sometimes a licence more or less."""
    p = json.loads(json.dumps(p))
    p["municipality"] = rnd.choice(PLACES + ["Bunnik", "Houten", "Zeist"])
    if rnd.random() < 0.3:
        lat, lon = ORACLE.place_point(p["municipality"])
        p["location"] = {"lat": round(lat + rnd.uniform(-0.05, 0.05), 5),
                         "lon": round(lon + rnd.uniform(-0.05, 0.05), 5)}
    else:
        p.pop("location", None)
    if rnd.random() < 0.3:
        p["licences"] = [] if p.get("licences") else [{"category": "B"}]
    return p


def test_searches_during_writes(c):
    """Six clients search without pause while another moves 300 people."""
    rnd = random.Random(SEED + 2)
    qs = questions()
    stop = threading.Event()
    bad = []
    done = [0]
    lock = threading.Lock()

    with server(2) as s:
        def searcher(k):
            i = k
            while not stop.is_set():
                what, body, path = qs[i % len(qs)]
                i += 1
                try:
                    r = ask(s, what, body, path)
                    ok = r.status == 200
                except OSError as e:
                    r, ok = e, False
                with lock:
                    done[0] += 1
                    if not ok:
                        bad.append((what, r))

        ts = [threading.Thread(target=searcher, args=(k,)) for k in range(6)]
        for t in ts:
            t.start()
        try:
            for p in rnd.sample(PEOPLE, 300):
                q = moved(p, rnd)
                r = s.request("PUT", "/v1/jobseekers/" + q["id"], q, token="caseworker")
                if c.status(r, 200, "PUT " + q["id"] + " while searching"):
                    PEOPLE[PEOPLE.index(BY_ID[q["id"]])] = q
                    BY_ID[q["id"]] = q
        finally:
            stop.set()
            for t in ts:
                t.join()
        c.eq(bad[:5], [], "searches during writes all answered 200")
        c.check(done[0] >= 60, "searches ran while writing: %d" % done[0])
        check_totals(c, s, "after the writes")
    with server(0) as s:
        check_totals(c, s, "after the writes, on the loop")


def audit_lines(data_dir):
    path = os.path.join(data_dir, "audit", "audit.log")
    with open(path, "rb") as f:
        return [json.loads(l) for l in f.read().split(b"\n") if l]


def test_hang_ups(c):
    """Clients that send a search and close at once: the server goes on,
    and every search has its audit line, 200 or 499."""
    body = json.dumps({"count": BIG, "occupation": "chauffeur",
                       "near": {"municipality": "Utrecht", "km": 300}}).encode()
    with server(2) as s:
        before = len(audit_lines(DATA_DIR))
        head = ("POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n"
                % (s.secrets["employer-service"], len(body))).encode()
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
                sock.sendall(head + body)
                # RST rather than FIN: gone at once, as a killed client is.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        r = s.request("POST", "/v1/search", {"count": 5, "occupation": "chauffeur"},
                      token="employer-service")
        c.status(r, 200, "a search after 40 hang-ups")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            fresh = [l for l in audit_lines(DATA_DIR)[before:] if l.get("action") == "search"]
            if len(fresh) >= 41:
                break
            time.sleep(0.1)
        c.eq(len(fresh), 41, "audit lines of the 41 searches")
        outcomes = sorted({l.get("outcome") for l in fresh[:-1]})
        print("   outcomes of the hung-up searches: %r"
              % {o: sum(l.get("outcome") == o for l in fresh[:-1]) for o in outcomes})
        c.check(set(outcomes) <= {200, 499}, "outcomes of hung-up searches: %r" % outcomes)
        c.eq(fresh[-1].get("outcome"), 200, "outcome of the last search")


def test_stop_in_flight(c):
    """SIGTERM while eight clients wait for big searches: exit status 0."""
    body = {"count": BIG, "occupation": "chauffeur", "prefer": PREFER[:3],
            "near": {"municipality": "Rotterdam", "km": 300}}
    s = server(2).start()
    answered, wrong = [], []
    first = threading.Event()

    def client():
        try:
            for _ in range(50):
                r = s.request("POST", "/v1/search", body, token="employer-service", timeout=60)
                (answered if r.status == 200 else wrong).append(r)
                first.set()
        except (OSError, harness.http.client.HTTPException):
            pass  # refused, reset or cut off once it stopped: expected

    ts = [threading.Thread(target=client) for _ in range(8)]
    for t in ts:
        t.start()
    # Once one answer came, the other seven clients are waiting for theirs
    # (however slow the build: sanitizers make these searches slow).
    c.check(first.wait(60), "a first answer within 60 s")
    c.eq(s.stop(signal.SIGTERM, timeout=30), 0, "exit status after SIGTERM mid-search")
    for t in ts:
        t.join()
    c.check(len(answered) > 0, "searches answered before the stop")
    c.eq(wrong[:3], [], "answers other than 200")


def test_config(c):
    """search_threads must be an integer from 0 to 64; --check-config says so."""
    tmp = tempfile.mkdtemp(prefix="vd-threads-")
    for value in (-1, 65, "two", 1.5):
        path = os.path.join(tmp, "bad.json")
        config = harness.make_config(8080, DATA_DIR, {r: "x" for r in harness.ROLES},
                                     search_threads=value)
        with open(path, "w") as f:
            json.dump(config, f)
        out = subprocess.run([harness.VAARDIGD, "--check-config", path], capture_output=True,
                             text=True)
        c.check(out.returncode != 0, "search_threads %r: refused" % (value,))
        c.check("search_threads" in out.stderr + out.stdout,
                "search_threads %r: the problem names the field: %r" % (value, out.stderr))


def main():
    global DATA_DIR
    harness.require_binaries()
    os.environ["VAARDIG_TODAY"] = TODAY
    PEOPLE.extend(oracle.generate(SEED, COUNT, GEN_TODAY))
    BY_ID.update((p["id"], p) for p in PEOPLE)
    DATA_DIR = os.path.join(tempfile.mkdtemp(prefix="vd-threads-"), "data")
    os.mkdir(DATA_DIR)
    harness.run([
        ("load population", test_load),
        ("threads and loop give the same answers", test_same_answers),
        ("searches while profiles change", test_searches_during_writes),
        ("clients that hang up", test_hang_ups),
        ("SIGTERM with searches in flight", test_stop_in_flight),
        ("search_threads in the config", test_config),
    ])


if __name__ == "__main__":
    main()

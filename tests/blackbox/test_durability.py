"""Acknowledged means durable (issue 2, item 6; API.md "Jobseekers").

Eight writer threads create, replace, patch and delete profiles of their own
ids while the test kills vaardigd with SIGKILL in mid-stream, three times on
the same data dir. After each restart every write that was answered 2xx must
be there exactly as last acknowledged; a write whose answer never arrived may
or may not be there, but nothing else. Then the same under SIGTERM, which
must finish the writes in flight and exit 0, and a quiet clean restart."""

import http.client
import os
import random
import signal
import sys
import threading
import time

# No __pycache__ in the source tree (it may be read-only, as in distcheck).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, canonical, merge_patch  # noqa: E402

N_WRITERS = 8
KILL_AFTER_ACKS = 1000  # acknowledged writes per cycle before the kill...
KILL_AFTER_S = 4.0      # ...or this long, whichever comes first
ABSENT = "absent"

MUNICIPALITIES = ["Rotterdam", "Utrecht", "Groningen", "Almere", "Den Haag", "GM0363",
                  "Eindhoven", "Tilburg"]
CATEGORIES = ["B", "BE", "C1", "C", "CE", "D", "AM"]
PRO = {"C1", "C", "CE", "D"}
SKILLS = ["klantgericht", "teamwerk", "orderpicken", "schoonmaken", "koken", "tillen",
          "inpakken", "kassawerk"]
CERTIFICATES = ["vca-basis", "heftruck", "bhv", "haccp", "reachtruck", "chauffeurskaart"]
OCCUPATIONS = ["chauffeur", "vrachtwagenchauffeur", "magazijnmedewerker", "kok", "schoonmaker",
               "orderpicker", "beveiliger", "bezorger"]


def make_profile(rnd, id, version):
    """A valid profile that differs with every version."""
    p = {"id": id, "municipality": rnd.choice(MUNICIPALITIES),
         "hours_per_week": rnd.randint(8, 40),
         "extensions": {"blackbox": {"version": version}}}
    lic = []
    for cat in rnd.sample(CATEGORIES, rnd.randint(0, 3)):
        l = {"category": cat, "valid_until": "20%02d-0%d-1%d" % (rnd.randint(27, 40),
                                                                rnd.randint(1, 9),
                                                                rnd.randint(0, 9))}
        if cat in PRO and rnd.random() < 0.5:
            l["code95_until"] = "2029-05-01"
        lic.append(l)
    if lic:
        p["licences"] = lic
    p["languages"] = [{"code": "nl", "level": rnd.choice(["A1", "A2", "B1", "1F", "2F", "C2"])}]
    if rnd.random() < 0.4:
        p["languages"].append({"code": rnd.choice(["en", "ar", "pl", "tr"]),
                               "level": rnd.choice(["A2", "B2", "C1"])})
    if rnd.random() < 0.7:
        p["skills"] = rnd.sample(SKILLS, rnd.randint(1, 3))
    if rnd.random() < 0.5:
        p["certificates"] = [{"code": c} for c in rnd.sample(CERTIFICATES, rnd.randint(1, 2))]
    if rnd.random() < 0.6:
        p["experience"] = [{"occupation": o, "months": rnd.randint(1, 120)}
                           for o in rnd.sample(OCCUPATIONS, rnd.randint(1, 2))]
    if rnd.random() < 0.3:
        p["location"] = {"lat": round(51 + rnd.random() * 2, 4),
                         "lon": round(4 + rnd.random() * 2, 4)}
    return p


class Entry:
    """What is known of one id: the last acknowledged state (a canonical
    profile or ABSENT) and the state of a write that was sent but never
    answered (None when there is none)."""

    def __init__(self):
        self.acked = ABSENT
        self.unanswered = None
        self.version = 0


class Ledger:
    def __init__(self):
        self.entries = {}  # id -> Entry; each id is written by one thread only
        self.lock = threading.Lock()
        self.acks = 0
        self.problems = []  # unexpected answers, reported by the test

    def entry(self, id):
        with self.lock:
            return self.entries.setdefault(id, Entry())

    def ack(self):
        with self.lock:
            self.acks += 1

    def problem(self, text):
        with self.lock:
            self.problems.append(text)


class Writer(threading.Thread):
    """Writes only ids starting with w<k>-, one request at a time, so the
    order of its writes per id is the order they were answered."""

    def __init__(self, server, k, cycle, ledger, stop, allow_503=False):
        super().__init__(daemon=True)
        self.s, self.k, self.cycle, self.ledger, self.stop = server, k, cycle, ledger, stop
        self.allow_503 = allow_503
        self.rnd = random.Random("%d-%d" % (k, cycle))
        self.n = 0
        self.writes = 0

    def mine(self, present):
        prefix = "w%d-" % self.k
        with self.ledger.lock:
            return [i for i, e in self.ledger.entries.items()
                    if i.startswith(prefix) and (e.acked != ABSENT) == present
                    and e.unanswered is None]

    def next_write(self):
        """(method, id, body, content type, expected state, expected status)."""
        rnd = self.rnd
        roll = rnd.random()
        present = self.mine(True) if roll < 0.5 else []
        if roll < 0.25 and present:
            id = rnd.choice(present)
            e = self.ledger.entry(id)
            p = make_profile(rnd, id, e.version + 1)
            return "PUT", id, p, None, canonical(p, id), 200
        if roll < 0.35 and present:
            id = rnd.choice(present)
            e = self.ledger.entry(id)
            patch = {"hours_per_week": rnd.randint(1, 80), "max_travel_km": rnd.randint(0, 99),
                     "skills": None if rnd.random() < 0.5 else ["teamwerk"],
                     "extensions": {"blackbox": {"version": e.version + 1}}}
            return ("PATCH", id, patch, "application/merge-patch+json",
                    canonical(merge_patch(e.acked, patch), id), 200)
        if roll < 0.5 and present:
            return "DELETE", rnd.choice(present), None, None, ABSENT, 204
        gone = self.mine(False)
        if gone and rnd.random() < 0.2:
            id = rnd.choice(gone)  # deleted earlier: created again
        else:
            self.n += 1
            id = "w%d-c%d-%d" % (self.k, self.cycle, self.n)
        p = make_profile(rnd, id, self.ledger.entry(id).version + 1)
        return "PUT", id, p, None, canonical(p, id), 201

    def run(self):
        while not self.stop.is_set():
            method, id, body, ctype, want, status = self.next_write()
            e = self.ledger.entry(id)
            e.unanswered = want
            try:
                r = self.s.request(method, "/v1/jobseekers/" + id, body, content_type=ctype,
                                   timeout=15)
            except ConnectionRefusedError:
                e.unanswered = None  # nothing was sent
                return
            except (OSError, http.client.HTTPException):
                return  # sent, never answered: it may or may not be there
            e.unanswered = None
            if 200 <= r.status < 300:
                # Acknowledged, so durable, even when the status is not the
                # one expected (that is a fault of its own, reported).
                if r.status != status:
                    self.ledger.problem("%s %s (acknowledged before as %s): expected %d, got %r"
                                        % (method, id, "absent" if e.acked == ABSENT
                                           else "present", status, r))
                if want != ABSENT and r.json != want:
                    self.ledger.problem("%s %s answered %r, expected %r" % (method, id, r.json,
                                                                          want))
                e.acked = want
                e.version += 1
                self.writes += 1
                self.ledger.ack()
            elif r.status == 503 and self.allow_503:
                pass  # refused while shutting down: not written
            else:
                # Refused, so not written; the test goes on writing.
                self.ledger.problem("%s %s (acknowledged before as %s): expected %d, got %r"
                                    % (method, id, "absent" if e.acked == ABSENT else "present",
                                       status, r))


def run_writers(s, ledger, cycle, stop_when, allow_503=False):
    """Starts the writers and calls stop_when() once KILL_AFTER_ACKS writes
    of this cycle are acknowledged (or KILL_AFTER_S passed), with writes
    still in flight; then waits for the writers to notice."""
    stop = threading.Event()
    start_acks = ledger.acks
    writers = [Writer(s, k, cycle, ledger, stop, allow_503) for k in range(N_WRITERS)]
    for w in writers:
        w.start()
    deadline = time.monotonic() + KILL_AFTER_S
    while ledger.acks - start_acks < KILL_AFTER_ACKS and time.monotonic() < deadline:
        if not any(w.is_alive() for w in writers):
            break
        time.sleep(0.01)
    busy = sum(w.is_alive() for w in writers)
    stop_when()
    stop.set()
    for w in writers:
        w.join(30)
    return ledger.acks - start_acks, busy


def verify(c, s, ledger, what):
    """Every id is in its acknowledged state, or in the state of its one
    unanswered write; health counts what is there. Resolves the unanswered
    writes to what was found."""
    present = 0
    checked = 0
    bad = 0
    for id, e in sorted(ledger.entries.items()):
        r = s.request("GET", "/v1/jobseekers/" + id)
        if r.status == 200:
            got = r.json
        elif r.status == 404:
            got = ABSENT
        else:
            c.check(False, "%s: GET %s answered %r" % (what, id, r))
            continue
        allowed = [e.acked] + ([e.unanswered] if e.unanswered is not None else [])
        checked += 1
        if got not in allowed:
            bad += 1
            if bad <= 10:
                c.check(False, "%s: %s holds %r; acknowledged %r%s" % (
                    what, id, got, e.acked,
                    "" if e.unanswered is None else " (or unanswered %r)" % (e.unanswered,)))
        if e.unanswered is not None and got == e.unanswered and got != e.acked:
            e.acked = got
            e.version += 1
        e.unanswered = None
        if got != ABSENT:
            present += 1
    c.eq(bad, 0, "%s: ids not in an acknowledged state (of %d)" % (what, checked))
    h = s.request("GET", "/v1/health", token=None)
    c.status(h, 200, what + ": health")
    c.eq((h.json or {}).get("jobseekers"), present, what + ": health counts what is stored")
    return present


def test_sigkill_cycles(c):
    ledger = Ledger()
    s = Server(label="vaardigd (SIGKILL cycles)")
    s.start()
    for cycle in range(1, 4):
        acks, busy = run_writers(s, ledger, cycle, s.kill)
        print("cycle %d: %d writes acknowledged, %d writers busy at SIGKILL; %d ids so far"
              % (cycle, acks, busy, len(ledger.entries)), flush=True)
        c.check(acks >= 50, "cycle %d: only %d writes were acknowledged before the kill"
                % (cycle, acks))
        c.eq(busy, N_WRITERS, "cycle %d: writers still writing when killed" % cycle)
        for p in ledger.problems:
            c.check(False, "cycle %d: %s" % (cycle, p))
        del ledger.problems[:]
        s.start()  # same data dir
        present = verify(c, s, ledger, "after SIGKILL %d" % cycle)
        print("cycle %d: %d ids verified, %d present" % (cycle, len(ledger.entries), present),
              flush=True)
    # After recovering, the store takes writes as before.
    r = s.request("PUT", "/v1/jobseekers/after-recovery", {"skills": ["teamwerk"]})
    c.status(r, 201, "PUT after three SIGKILL recoveries")
    s.kill()


def test_sigterm(c):
    ledger = Ledger()
    s = Server(label="vaardigd (SIGTERM)")
    s.start()
    codes = []

    def term():
        codes.append(s.stop(signal.SIGTERM, timeout=20))

    t0 = time.monotonic()
    acks, busy = run_writers(s, ledger, 1, term, allow_503=True)
    print("SIGTERM under load: %d acknowledged, %d writers busy, exit %r after %.2fs"
          % (acks, busy, codes, time.monotonic() - t0), flush=True)
    c.eq(codes, [0], "exit status after SIGTERM under load")
    c.eq(busy, N_WRITERS, "writers still writing at SIGTERM")
    for p in ledger.problems:
        c.check(False, "SIGTERM: " + p)
    text = s.stderr_text()
    c.check("exiting" in text or "committed" in text,
            "SIGTERM: no word of the shutdown on stderr")
    s.start()
    # A clean stop commits what was answered, and more: no write in flight is
    # lost either, it was answered or refused before the exit.
    present = verify(c, s, ledger, "after SIGTERM")
    # A quiet clean restart keeps everything, twice over.
    for n in (1, 2):
        c.eq(s.stop(signal.SIGTERM), 0, "exit status of quiet SIGTERM %d" % n)
        s.start()
        c.eq(verify(c, s, ledger, "after quiet restart %d" % n), present,
             "profiles after quiet restart %d" % n)
    # SIGINT is a clean stop too.
    c.eq(s.stop(signal.SIGINT), 0, "exit status after SIGINT")
    s.start()
    verify(c, s, ledger, "after SIGINT")
    s.kill()


def test_reads_during_writes(c):
    """Profiles acknowledged before stay readable and writable while other
    clients write: GET is 200 with the same body, PATCH finds them (200),
    never a 404 or 503 because the reader's revision moved on."""
    with Server(label="vaardigd (reads during writes)") as s:
        rnd = random.Random(5)
        seeded = {}
        for n in range(40):
            id = "seed-%d" % n
            p = make_profile(rnd, id, 1)
            r = s.request("PUT", "/v1/jobseekers/" + id, p)
            c.status(r, 201, "seeding " + id)
            seeded[id] = canonical(p, id)
        stop = threading.Event()
        faults = []
        counts = {"get": 0, "patch": 0, "put": 0}
        lock = threading.Lock()

        def writer(k):
            n = 0
            while not stop.is_set():
                n += 1
                id = "bulk-%d-%d" % (k, n)
                r = s.request("PUT", "/v1/jobseekers/" + id,
                              make_profile(random.Random(id), id, 1))
                with lock:
                    counts["put"] += 1
                    if r.status != 201:
                        faults.append("PUT %s: expected 201, got %r" % (id, r))

        def reader(k):
            mine = sorted(seeded)[k::4]
            i = 0
            while not stop.is_set():
                i += 1
                id = mine[i % len(mine)]
                if i % 3:
                    r = s.request("GET", "/v1/jobseekers/" + id)
                    ok = r.status == 200 and r.json == seeded[id]
                    kind = "get"
                else:
                    patch = {"hours_per_week": 1 + i % 80}
                    want = canonical(merge_patch(seeded[id], patch), id)
                    r = s.request("PATCH", "/v1/jobseekers/" + id, patch,
                                  content_type="application/merge-patch+json")
                    ok = r.status == 200 and r.json == want
                    if r.status == 200:
                        seeded[id] = want
                    kind = "patch"
                with lock:
                    counts[kind] += 1
                    if not ok:
                        faults.append("%s %s during writes: got %r" % (kind.upper(), id, r))

        threads = [threading.Thread(target=writer, args=(k,), daemon=True) for k in range(4)]
        threads += [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(3.0)
        stop.set()
        for t in threads:
            t.join(30)
        print("reads during writes: %r, %d faults" % (counts, len(faults)), flush=True)
        for f in faults[:10]:
            c.check(False, f)
        c.eq(len(faults), 0, "requests that failed while others wrote")


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([("SIGKILL cycles", test_sigkill_cycles), ("SIGTERM", test_sigterm),
                 ("reads during writes", test_reads_during_writes)])

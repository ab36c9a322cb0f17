"""A full disk (issue 5, item 4; DESIGN.md "Commit durability").

The data dir is a small tmpfs that the test mounts (the tests run as root;
where mount is refused the test fails and says so: it is not skipped). A
filler file takes part of it. Profiles are written until the disk is full:

- every refused write is a 503 application/problem+json whose detail says
  the disk is full, and it changes nothing (a replaced profile keeps its
  acknowledged content, a new one stays absent);
- reads (GET of a profile, a search, the health check) keep answering 200
  while the disk is full, and the server keeps running;
- every write acknowledged before, during and after reads back as it was
  acknowledged;
- once space returns (the filler is deleted) writes succeed again, without
  a restart;
- after SIGTERM and a restart on the same data dir, every acknowledged
  write is there and nothing refused is."""

import hashlib
import os
import random
import subprocess
import sys
import tempfile
import threading

# No __pycache__ in the source tree (it may be read-only, as in distcheck).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, canonical  # noqa: E402

MIB = 1 << 20
TMPFS_MIB = 12
FILLER_MIB = 4
RESERVE_KIB = 2048  # limits.min_free_bytes
SPARE_KIB = 256  # freed once the disk is full: small writes fit, large ones do not
PAD_BYTES = 48 * 1024  # per large profile: the disk fills in a few hundred writes
MAX_WRITES = 3000      # a disk that never fills within these is a failure
ABSENT = "absent"

SKILLS = ["klantgericht", "teamwerk", "orderpicken", "schoonmaken", "koken", "tillen"]


class Tmpfs:
    """A tmpfs of size_mib mounted on a fresh directory; unmounted by close()."""

    def __init__(self, size_mib):
        self.dir = tempfile.mkdtemp(prefix="vd-diskfull-")
        self.mounted = False
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0755" % size_mib,
                            "tmpfs", self.dir], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise RuntimeError(
                "this test needs to mount a tmpfs (run it as root, or in a container "
                "allowed to mount): mount said %r" % r.stdout.decode("utf-8", "replace"))
        self.mounted = True

    def free_bytes(self):
        st = os.statvfs(self.dir)
        return st.f_bavail * st.f_frsize

    def close(self):
        if self.mounted:
            r = subprocess.run(["umount", self.dir], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            if r.returncode != 0:
                subprocess.run(["umount", "-l", self.dir])
            self.mounted = False
        try:
            os.rmdir(self.dir)
        except OSError:
            pass


def profile(rnd, version, pad):
    """A valid profile; pad random hex characters (incompressible, as Xapian
    compresses what it can) make it large."""
    p = {"municipality": rnd.choice(["Rotterdam", "Utrecht", "Groningen", "Den Haag"]),
         "skills": rnd.sample(SKILLS, rnd.randint(1, 3)),
         "hours_per_week": rnd.randint(8, 40),
         "extensions": {"blackbox": {"version": version}}}
    if pad:
        p["extensions"]["blackbox"]["pad"] = "%0*x" % (pad, rnd.getrandbits(pad * 4))
    return p


def brief(p):
    """A profile in a line: its version and a digest of its padding."""
    if not isinstance(p, dict):
        return repr(p)[:200]
    ext = (p.get("extensions") or {}).get("blackbox") or {}
    return "{id %r, version %r, pad %s}" % (p.get("id"), ext.get("version"),
                                              hashlib.sha256(ext.get("pad", "").encode())
                                              .hexdigest()[:12])


class Ledger:
    """The acknowledged state of every id (a canonical profile or ABSENT),
    and counts of what was answered how. Each id is written by one thread."""

    def __init__(self, c):
        self.c = c
        self.state = {}
        self.version = {}
        self.lock = threading.Lock()
        self.acked = 0
        self.refused = 0

    def want(self, id):
        with self.lock:
            return self.state.get(id, ABSENT)

    def write(self, s, method, id, body, what):
        """One write; checks its answer and, when refused, that nothing
        changed. Returns True when acknowledged."""
        r = s.request(method, "/v1/jobseekers/" + id, body, timeout=60)
        before = self.want(id)
        if 200 <= r.status < 300:
            with self.lock:
                self.state[id] = ABSENT if method == "DELETE" else canonical(body, id)
                self.acked += 1
            if method == "PUT":
                self.c.check(r.json == canonical(body, id), "%s: %s %s answered %s, sent %s"
                             % (what, method, id, brief(r.json), brief(body)))
            return True
        with self.lock:
            self.refused += 1
        if self.c.problem(r, 503, "%s: %s %s refused" % (what, method, id)):
            detail = r.json["detail"].lower()
            self.c.check("space" in detail or "full" in detail,
                         "%s: the 503 does not say the disk is full: %r" % (what, detail))
        self.check_one(s, id, "%s: after the refused %s %s" % (what, method, id), before)
        return False

    def check_one(self, s, id, what, want=None):
        want = self.want(id) if want is None else want
        r = s.request("GET", "/v1/jobseekers/" + id, timeout=60)
        if want == ABSENT:
            return self.c.status(r, 404, what + ": GET of an id not acknowledged")
        return self.c.status(r, 200, what + ": GET") and \
            self.c.check(r.json == want, "%s: read back %s, acknowledged %s"
                         % (what, brief(r.json), brief(want)))

    def check_all(self, s, what):
        bad = 0
        for id in sorted(self.state):
            if not self.check_one(s, id, "%s: %s" % (what, id)):
                bad += 1
                if bad > 5:
                    self.c.check(False, "%s: more than 5 ids wrong; stopped checking" % what)
                    return


def reads_answer(c, s, ledger, what, pick_from=None):
    """Reads do not need the disk: they answer 200 while it is full.
    pick_from: the ids no writer touches meanwhile (all acknowledged ones
    when no writer runs)."""
    c.status(s.request("GET", "/v1/health", token=None, timeout=60), 200, what + ": health")
    r = s.request("GET", "/v1/search?q=10+chauffeurs+in+Rotterdam", token="employer-service",
                  timeout=60)
    c.status(r, 200, what + ": search")
    r = s.request("POST", "/v1/search", {"count": 5, "require": [["skill:teamwerk"]]},
                  token="employer-service", timeout=60)
    c.status(r, 200, what + ": structured search")
    with ledger.lock:
        present = [i for i, v in ledger.state.items() if v != ABSENT
                   and (pick_from is None or i in pick_from)]
    if present:
        ledger.check_one(s, random.choice(present), what + ": a stored profile")
    c.check(s.alive(), what + ": vaardigd is no longer running")


def fill(c, s, ledger, rnd):
    """Writes large new profiles until the disk refuses one; returns the
    number written."""
    for n in range(MAX_WRITES):
        id = "big-%04d" % n
        if not ledger.write(s, "PUT", id, profile(rnd, 1, PAD_BYTES), "filling"):
            print("disk full after %d acknowledged writes (%d bytes free)"
                  % (ledger.acked, fs.free_bytes()), flush=True)
            return n
        if n % 25 == 0:
            reads_answer(c, s, ledger, "filling, write %d" % n)
    c.check(False, "the disk never filled in %d writes of %d bytes" % (MAX_WRITES, PAD_BYTES))
    return MAX_WRITES


class FullWriter(threading.Thread):
    """While the disk is full: creates, replaces and deletes its own ids
    (small and large), so some writes may fit where others do not."""

    def __init__(self, c, s, ledger, k, present):
        super().__init__(daemon=True)
        self.c, self.s, self.ledger, self.k = c, s, ledger, k
        self.present = present
        self.rnd = random.Random("full-%d" % k)

    def run(self):
        try:
            for n in range(15):
                roll = self.rnd.random()
                pad = self.rnd.choice([0, 0, 1024, PAD_BYTES, 4 * PAD_BYTES])
                if roll < 0.4 and self.present:
                    id = self.rnd.choice(self.present)
                    self.ledger.write(self.s, "PUT", id, profile(self.rnd, 2, pad), "disk full")
                elif roll < 0.5 and self.present:
                    id = self.present.pop()
                    self.ledger.write(self.s, "DELETE", id, None, "disk full")
                else:
                    id = "full-%d-%d" % (self.k, n)
                    self.ledger.write(self.s, "PUT", id, profile(self.rnd, 1, pad), "disk full")
        except Exception as e:
            self.c.check(False, "disk-full writer %d: %r" % (self.k, e))


def test_disk_full(c):
    global fs
    fs = Tmpfs(TMPFS_MIB)
    s = None
    try:
        filler = os.path.join(fs.dir, "filler")
        with open(filler, "wb") as f:
            f.write(os.urandom(FILLER_MIB * MIB))
        spare = os.path.join(fs.dir, "spare")
        with open(spare, "wb") as f:
            f.write(os.urandom(SPARE_KIB * 1024))
        data_dir = os.path.join(fs.dir, "data")
        os.mkdir(data_dir)
        # A reserve of 2 MiB (the default, 64 MiB, is more than this disk):
        # the store refuses a batch before Xapian meets ENOSPC.
        s = Server(data_dir=data_dir, limits={"min_free_bytes": RESERVE_KIB * 1024},
                   label="vaardigd on a %d MiB tmpfs" % TMPFS_MIB)
        s.start()
        ledger = Ledger(c)
        rnd = random.Random(5)

        written = fill(c, s, ledger, rnd)
        c.check(written > 10, "the disk filled after only %d writes" % written)
        reads_answer(c, s, ledger, "disk full")

        # Nearly full: some writes fit, others do not. Several writers at
        # once, readers alongside.
        os.remove(spare)
        ids = sorted(i for i, v in ledger.state.items() if v != ABSENT)
        # The readers' own ids: no writer replaces or deletes these meanwhile.
        untouched, ids = set(ids[:8]), ids[8:]
        writers = [FullWriter(c, s, ledger, k, ids[k::4]) for k in range(4)]
        refused_before, acked_before = ledger.refused, ledger.acked
        for w in writers:
            w.start()
        for _ in range(5):
            reads_answer(c, s, ledger, "disk full, writers busy", untouched)
        for w in writers:
            w.join(300)
            c.check(not w.is_alive(), "a disk-full writer did not finish")
        print("while nearly full: %d writes refused, %d acknowledged"
              % (ledger.refused - refused_before, ledger.acked - acked_before), flush=True)
        c.check(ledger.refused - refused_before > 0,
                "no write was refused while the disk was full")
        reads_answer(c, s, ledger, "disk full, after the writers")
        ledger.check_all(s, "disk full")

        # Space returns: writes succeed again, without a restart.
        os.remove(filler)
        print("space freed: %d bytes free" % fs.free_bytes(), flush=True)
        for n in range(20):
            id = "after-%02d" % n
            c.check(ledger.write(s, "PUT", id, profile(rnd, 1, PAD_BYTES), "space returned"),
                    "space returned: write %d of large profile %s refused" % (n, id))
        big = sorted(i for i, v in ledger.state.items() if v != ABSENT)[0]
        c.check(ledger.write(s, "PUT", big, profile(rnd, 3, 1024), "space returned"),
                "space returned: replacing %s refused" % big)
        reads_answer(c, s, ledger, "space returned")
        ledger.check_all(s, "space returned")

        # A clean stop and a restart keep every acknowledged write.
        c.eq(s.stop(), 0, "exit status after SIGTERM")
        s.start()
        ledger.check_all(s, "after a restart")
        present = sum(1 for v in ledger.state.values() if v != ABSENT)
        print("acknowledged %d writes, %d refused; %d profiles present after the restart"
              % (ledger.acked, ledger.refused, present), flush=True)
        c.eq(s.stop(), 0, "exit status after the second SIGTERM")
    finally:
        if s:
            s.kill()
        fs.close()


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([("disk full", test_disk_full)])

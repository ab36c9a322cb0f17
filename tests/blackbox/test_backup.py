"""Online backup and restore (issue 7, item 5; scripts/backup.sh and
scripts/restore.sh): while one client PUTs and DELETEs profiles without
pause, a backup is taken, restored into a new data dir, and a server
started on it. Every write acknowledged before the backup started is there
(a profile with the very body sent, a deleted one gone), nothing is there
that was never sent, the index opens and a search works, and the live
server's data is unharmed. Both ways of scripts/backup.sh are taken:
xapian-compact of the live index (retried when a commit races it), and the
copy while vaardigd is paused (-p)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# No __pycache__ in the source tree (it may be read-only, as in distcheck).
sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import Server  # noqa: E402

SRCDIR = os.environ.get("VAARDIG_SRCDIR", os.path.normpath(os.path.join(HERE, "..", "..")))
BACKUP = os.path.join(SRCDIR, "scripts", "backup.sh")
RESTORE = os.path.join(SRCDIR, "scripts", "restore.sh")
PRELOAD = 1500


def profile(n):
    """The n-th profile the writer sends: its fields follow from n, so what
    a restored server must hold is known without asking the live one."""
    towns = ("Rotterdam", "Utrecht", "Groningen", "Tilburg")
    p = {"municipality": towns[n % len(towns)], "hours_per_week": 8 + n % 33,
         "skills": ["teamwerk"]}
    if n % 2 == 0:
        p["licences"] = [{"category": "B"}]
    return p


class Writer(threading.Thread):
    """PUTs new profiles and DELETEs preloaded ones, one after the other,
    and notes when each was acknowledged. gap: seconds between requests."""

    def __init__(self, srv, gap=0.0):
        super().__init__(daemon=True)
        self.srv, self.gap = srv, gap
        self.stop = threading.Event()
        self.acked = []  # (time acknowledged, op, id, n)
        self.sent = set()  # every id ever sent
        self.errors = []
        self.n = 0

    def run(self):
        while not self.stop.is_set():
            n = self.n
            self.n += 1
            if n % 3 == 2:
                op, id = "DELETE", "pre-%d" % (n % PRELOAD)
                r = self.srv.request("DELETE", "/v1/jobseekers/" + id)
                ok = r.status in (204, 404)
            else:
                op, id = "PUT", "w-%d" % n
                self.sent.add(id)
                r = self.srv.request("PUT", "/v1/jobseekers/" + id, profile(n))
                ok = r.status == 201
            if ok:
                self.acked.append((time.monotonic(), op, id, n))
            else:
                self.errors.append((op, id, r))
            if self.gap:
                time.sleep(self.gap)

    def finish(self):
        self.stop.set()
        self.join(60)


def preload(srv):
    """PRELOAD profiles imported offline before the server starts."""
    lines = []
    for i in range(PRELOAD):
        p = profile(10 ** 6 + i)
        p["id"] = "pre-%d" % i
        lines.append(json.dumps(p))
    path = os.path.join(srv.tmp, "pre.ndjson")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    config = srv.write_config(harness.free_port())
    p = subprocess.run([harness.VAARDIGD, "--import", path, "--config", config],
                       capture_output=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("import failed: %r" % p.stderr[-2000:])


def backup(args, timeout=600):
    p = subprocess.run(["sh", BACKUP] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stderr


def check_restored(c, what, srv_restored, writer, t_start, t_end):
    """The restored server holds every write acknowledged before t_start,
    no id never sent, and a search works."""
    before = [a for a in writer.acked if a[0] < t_start]
    c.check(len(before) > 10, "%s: only %d writes acknowledged before the backup"
            % (what, len(before)))
    # Deletes acknowledged before the start are gone unless written again;
    # profiles put before the start are there with the body sent.
    deleted = {a[2] for a in before if a[1] == "DELETE"}
    missing, wrong, present = [], [], []
    for _t, op, id, n in before:
        if op != "PUT":
            continue
        r = srv_restored.request("GET", "/v1/jobseekers/" + id)
        if r.status != 200:
            missing.append(id)
        elif r.json != harness.canonical(profile(n), id):
            wrong.append((id, r.json))
    for id in sorted(deleted)[:200]:
        r = srv_restored.request("GET", "/v1/jobseekers/" + id)
        if r.status != 404:
            present.append(id)
    c.eq(missing, [], "%s: acknowledged PUTs missing from the backup" % what)
    c.eq(wrong[:3], [], "%s: profiles with another body than sent" % what)
    c.eq(present, [], "%s: acknowledged DELETEs undone by the backup" % what)

    # Nothing that was never sent; a writer id past the end is not there.
    r = srv_restored.request("GET", "/v1/jobseekers/w-%d" % (writer.n + 1))
    c.status(r, 404, "%s: an id never sent" % what)
    # A search works on the restored index, and counts what it should:
    # every even-numbered profile holds licence B.
    r = srv_restored.request("GET", "/v1/search?q=chauffeurs", token="employer-service")
    if c.status(r, 200, "%s: search on the restored server" % what):
        total = r.json.get("total")
        pre_left = sum(1 for i in range(PRELOAD) if i % 2 == 0 and "pre-%d" % i not in deleted)
        put_before = sum(1 for a in before if a[1] == "PUT" and a[3] % 2 == 0)
        # At least what was acknowledged before; at most what was sent by the end.
        put_by_end = sum(1 for a in writer.acked if a[0] < t_end and a[1] == "PUT"
                         and a[3] % 2 == 0) + 1
        c.check(isinstance(total, int) and total >= put_before + pre_left - len(
            [1 for a in writer.acked if t_start <= a[0] and a[1] == "DELETE"]),
            "%s: search total %r below what was acknowledged before the backup" % (what, total))
        c.check(isinstance(total, int) and total <= PRELOAD // 2 + put_by_end,
                "%s: search total %r above what was ever sent" % (what, total))


def restore_and_check(c, what, dest, writer, t_start, t_end, tmp):
    data = os.path.join(tmp, "restored-" + what.replace(" ", "-"))
    p = subprocess.run(["sh", RESTORE, dest, data], capture_output=True, text=True, timeout=600)
    if not c.eq(p.returncode, 0, "%s: restore.sh exit status (%s)" % (what, p.stderr)):
        return
    c.check(os.path.isdir(os.path.join(data, "index")), "%s: no index restored" % what)
    with Server(data_dir=data, label="restored from " + what) as restored:
        check_restored(c, what, restored, writer, t_start, t_end)
        c.eq(restored.stop(), 0, "%s: restored server stops cleanly" % what)


def test_backup_while_writing(c):
    tmp = tempfile.mkdtemp(prefix="vd-backup-")
    live = Server(label="live vaardigd")
    writer = None
    try:
        preload(live)
        live.start()
        writer = Writer(live)
        writer.start()
        while len(writer.acked) < 50 and writer.is_alive():
            time.sleep(0.05)

        # 1. Paused copy: -t 0 skips xapian-compact of the live index.
        dest1 = os.path.join(tmp, "backup-paused")
        t_start = time.monotonic()
        rc, err = backup(["-t", "0", "-p", str(live.proc.pid), live.data_dir, dest1])
        t_end = time.monotonic()
        c.eq(rc, 0, "backup.sh -p exit status (%s)" % err)
        c.check("paused" in err, "backup.sh -p says it paused: %r" % err)
        c.check(live.alive(), "the live server survives the paused backup")
        acked_during = sum(1 for a in writer.acked if t_start <= a[0] < t_end)
        c.check(os.path.isfile(os.path.join(dest1, "BACKUP_INFO")), "no BACKUP_INFO")
        c.check(not os.path.exists(dest1 + ".partial"), "a .partial left behind")

        # 2. xapian-compact of the live index, retried when a commit races
        # it; the writer slowed down so that a try can win on a busy machine.
        writer.gap = 0.1
        dest2 = os.path.join(tmp, "backup-compact")
        t_start2 = time.monotonic()
        rc, err2 = backup(["-t", "100", live.data_dir, dest2])
        t_end2 = time.monotonic()
        c.eq(rc, 0, "backup.sh (xapian-compact) exit status (%s)" % err2)
        c.check("xapian-compact, try" in err2, "backup.sh compacted: %r" % err2)
        time.sleep(0.3)
        writer.finish()
        c.eq(writer.errors[:3], [], "writes refused during the backups")
        print("paused backup: %s; %d writes acknowledged during it" % (err.strip(), acked_during))
        print("compact backup: %s" % err2.strip())

        # A backup is never written over; a second name is needed.
        rc, err = backup([live.data_dir, dest1])
        c.check(rc == 1 and "exists" in err, "backup over an existing one refused: %r" % err)
        # An index that changes under every try, without -p, fails plainly:
        # never a half copy.
        rc, err = backup(["-t", "0", live.data_dir, os.path.join(tmp, "never")])
        c.check(rc == 1 and not os.path.exists(os.path.join(tmp, "never")),
                "no tries and no -p: refused, nothing left (%r)" % err)

        # The audit log: whole lines only, a prefix of the live log (which
        # only grows; 64 MiB before it would rotate).
        live_audit = os.path.join(live.data_dir, "audit", "audit.log")
        if os.path.exists(live_audit):
            with open(live_audit, "rb") as f:
                live_lines = f.read().split(b"\n")
            for dest in (dest1, dest2):
                path = os.path.join(dest, "audit", "audit.log")
                if not c.check(os.path.isfile(path), "no audit log in %s" % dest):
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                c.check(data.endswith(b"\n"), "%s: the audit copy ends mid-line" % dest)
                lines = data.split(b"\n")[:-1]
                c.check(len(lines) > 0, "%s: empty audit copy" % dest)
                c.check(lines == live_lines[:len(lines)],
                        "%s: the audit copy is not a prefix of the live log" % dest)
                c.check(all(isinstance(json.loads(l), dict) for l in lines),
                        "%s: an audit line that is not a JSON object" % dest)

        restore_and_check(c, "paused copy", dest1, writer, t_start, t_end, tmp)
        restore_and_check(c, "compact", dest2, writer, t_start2, t_end2, tmp)

        # The live server's data is unharmed: every acknowledged write is
        # there, and still after a restart.
        for round in ("live", "live after restart"):
            last = {}
            for _t, op, id, n in writer.acked:
                last[id] = (op, n)
            bad = []
            for id, (op, n) in sorted(last.items()):
                r = live.request("GET", "/v1/jobseekers/" + id)
                if op == "PUT" and (r.status != 200 or r.json != harness.canonical(profile(n), id)):
                    bad.append((id, r.status))
                if op == "DELETE" and r.status != 404:
                    bad.append((id, r.status))
            c.eq(bad[:5], [], "%s: acknowledged writes not as acknowledged" % round)
            if round == "live":
                c.eq(live.stop(), 0, "live server stops cleanly")
                live.start()

        # Restore refuses to replace an index without -f, keeps it with -f.
        data = os.path.join(tmp, "restored-paused-copy")
        p = subprocess.run(["sh", RESTORE, dest2, data], capture_output=True, text=True,
                           timeout=600)
        c.check(p.returncode == 1 and "-f" in p.stderr, "restore over an index without -f: %r"
                % p.stderr)
        p = subprocess.run(["sh", RESTORE, "-f", dest2, data], capture_output=True, text=True,
                           timeout=600)
        c.eq(p.returncode, 0, "restore -f exit status (%s)" % p.stderr)
        kept = [f for f in os.listdir(data) if f.startswith("index.before-restore-")]
        c.eq(len(kept), 1, "the replaced index kept beside the new one: %r" % os.listdir(data))
        # Not a backup: refused.
        p = subprocess.run(["sh", RESTORE, tmp, os.path.join(tmp, "x")], capture_output=True,
                           text=True, timeout=60)
        c.check(p.returncode == 1, "restore of a folder that is no backup: %r" % p.stderr)
    finally:
        if writer:
            writer.finish()
        live.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    harness.require_binaries()
    for tool in ("xapian-compact", "xapian-check", "xapian-delve"):
        if not shutil.which(tool):
            print("FAIL: %s not found (Debian: xapian-tools; scripts/install-deps.sh)" % tool)
            sys.exit(1)
    harness.run([("backup while writing", test_backup_while_writing)])

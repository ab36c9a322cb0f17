"""Start-up and configuration (issue 2, items 3 and 6; API.md "Running"):
a second vaardigd on the same data dir, a missing or unwritable data dir,
a bad config naming every problem, --check-config, --help, a port in use.
Each failure must come at once, with a message that says what is wrong,
and a non-zero exit status; never a server that starts and fails later."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# No __pycache__ in the source tree (it may be read-only, as in distcheck).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import VAARDIGD, VAARDIG_DATA, Server, free_port, make_config  # noqa: E402

AT_ONCE = 5.0  # seconds within which a refused start must have exited


class Scratch:
    """A temporary directory with a config writer."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vd-startup-")
        self.secrets = {r: "secret-" + r for r in harness.ROLES}

    def config(self, name="vaardigd.json", **changes):
        data_dir = changes.pop("data_dir", os.path.join(self.dir, "data"))
        config = make_config(changes.pop("port", free_port()), data_dir, self.secrets)
        config.update(changes)
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        return path

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def run(args, timeout=AT_ONCE, **kw):
    """Runs vaardigd to its exit; returns (exit status, stdout, stderr, seconds).
    A process still running after timeout is killed and reported as None."""
    t0 = time.monotonic()
    p = subprocess.Popen([VAARDIGD] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rc = None
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), \
        time.monotonic() - t0


def refused(c, what, args, words, timeout=AT_ONCE, **kw):
    """vaardigd exits non-zero within timeout and its stderr holds each of
    words (case-insensitive; a tuple means any one of them)."""
    rc, out, err, dt = run(args, timeout, **kw)
    c.check(rc is not None, "%s: still running after %gs" % (what, timeout))
    c.check(rc not in (None, 0), "%s: exit status %r, expected non-zero" % (what, rc))
    c.check(rc is None or rc > 0, "%s: died of signal %r (a crash, not an error)" % (what, rc))
    low = err.lower()
    for w in words:
        alts = w if isinstance(w, tuple) else (w,)
        c.check(any(a.lower() in low for a in alts),
                "%s: stderr does not mention %s:\n%s" % (what, " or ".join(map(repr, alts)),
                                                          err))
    return rc, out, err


def test_options(c):
    rc, out, err, _ = run(["--help"])
    c.eq(rc, 0, "--help exit status")
    for opt in ("--config", "--check-config"):
        c.check(opt in out, "--help does not list %s:\n%s" % (opt, out))
    rc, out, err, _ = run(["--version"])
    c.eq(rc, 0, "--version exit status")
    c.check("vaardigd" in out, "--version output: %r" % out)
    refused(c, "no arguments", [], ["--config"])
    refused(c, "an unknown option", ["--frobnicate"], ["--config"])


def test_check_config(c):
    sc = Scratch()
    try:
        os.mkdir(os.path.join(sc.dir, "data"))
        good = sc.config()
        rc, out, err, _ = run(["--check-config", good])
        c.eq(rc, 0, "--check-config of a good config: exit status (stderr %r)" % err)
        c.check(not err.strip(), "--check-config of a good config complains: %r" % err)
        c.eq(os.listdir(os.path.join(sc.dir, "data")), [],
             "--check-config leaves the data dir alone")

        # Every problem named, not just the first.
        config = make_config(free_port(), os.path.join(sc.dir, "data"), sc.secrets,
                             limits={"max_bodybytes": 5})
        config["lissten"] = "127.0.0.1:1"
        config["listen"] = "localhost"
        config["tokens"][1]["sha256"] = "not-a-hash"
        config["tokens"][2]["role"] = "boss"
        config["tokens"][0]["colour"] = "blue"
        bad = sc.write("bad.json", json.dumps(config, indent=1))
        words = ["lissten", "listen", "max_bodybytes", "colour",
                 ("tokens[1].sha256", "km-test"), ("tokens[2].role", "boss")]
        for mode in ("--check-config", "--config"):
            rc, out, err = refused(c, "%s of a config with six faults" % mode, [mode, bad], words)
            # Each fault on its own line, so an operator can grep them.
            lines = [l for l in err.splitlines() if l.strip()]
            c.check(len(lines) >= 6, "%s: expected at least 6 lines, got:\n%s" % (mode, err))
            sha_lines = [l for l in lines if "sha256" in l]
            c.check(sha_lines and all("[1]" in l or "km-test" in l for l in sha_lines),
                    "%s: the sha256 fault does not say which token: %r" % (mode, sha_lines))

        # A hash that is 64 characters but not hex, and upper-case hex (fine).
        config = make_config(free_port(), os.path.join(sc.dir, "data"), sc.secrets)
        config["tokens"][0]["sha256"] = "g" * 64
        config["tokens"][1]["sha256"] = config["tokens"][1]["sha256"].upper()
        path = sc.write("hex.json", json.dumps(config))
        refused(c, "a 64-character hash with a non-hex digit", ["--check-config", path],
                ["sha256", ("tokens[0]", "wsp-test")])
        config["tokens"][0]["sha256"] = harness.sha256_hex("x")
        path = sc.write("upper.json", json.dumps(config))
        rc, out, err, _ = run(["--check-config", path])
        c.eq(rc, 0, "upper-case hex hash accepted (stderr %r)" % err)

        # Missing essentials, broken JSON, no file at all.
        path = sc.write("empty.json", "{}")
        refused(c, "an empty config", ["--check-config", path], ["data_dir", "tokens"])
        path = sc.write("broken.json", '{"listen": "127.0.0.1:1",\n "data_dir": }')
        refused(c, "a config that is not JSON", ["--check-config", path], ["broken.json"])
        path = os.path.join(sc.dir, "nowhere.json")
        refused(c, "a config file that does not exist", ["--config", path], ["nowhere.json"])
        path = sc.write("dup.json", '{"data_dir": "/tmp", "data_dir": "/var"}')
        refused(c, "a config with a duplicate key", ["--check-config", path], ["data_dir"])
    finally:
        sc.cleanup()


def test_second_server(c):
    with Server(label="first vaardigd") as first:
        r = first.request("PUT", "/v1/jobseekers/keep-me", {"skills": ["teamwerk"]})
        c.status(r, 201, "PUT on the first server")
        sc = Scratch()
        try:
            path = sc.config(data_dir=first.data_dir)
            t0 = time.monotonic()
            rc, out, err = refused(c, "a second vaardigd on the same data dir",
                                   ["--config", path],
                                   [("lock", "another vaardigd", "in use")])
            print("second vaardigd refused in %.2fs: %s" % (time.monotonic() - t0,
                                                            err.strip()[:200]))
        finally:
            sc.cleanup()
        c.check(first.alive(), "the first vaardigd died when the second one started")
        r = first.request("GET", "/v1/jobseekers/keep-me")
        c.status(r, 200, "the first server still serves its data")
        r = first.request("PUT", "/v1/jobseekers/still-writing", {"skills": ["teamwerk"]})
        c.status(r, 201, "the first server still takes writes")
        # Once the first has stopped cleanly the data dir is free again.
        c.eq(first.stop(), 0, "first server's exit status after SIGTERM")
        first.start()
        c.status(first.request("GET", "/v1/jobseekers/still-writing"), 200,
                 "data dir usable again after the first server stopped")


def drop_to_nobody():
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def test_data_dir(c):
    sc = Scratch()
    try:
        missing = os.path.join(sc.dir, "no-such-dir")
        refused(c, "a missing data dir", ["--config", sc.config(data_dir=missing)],
                ["no-such-dir", ("no such file", "does not exist", "missing")])
        c.check(not os.path.exists(missing), "a missing data dir was created")

        a_file = sc.write("plain-file", "not a directory\n")
        refused(c, "a data dir that is a regular file",
                ["--config", sc.config(data_dir=a_file)],
                ["plain-file", ("not a directory",)])
        # Under a regular file: no process, root included, can create it.
        under = os.path.join(a_file, "data")
        refused(c, "a data dir under a regular file",
                ["--config", sc.config(data_dir=under)],
                ["plain-file/data", ("not a directory",)])

        # Unwritable. chmod does not stop root, so when the tests run as root
        # vaardigd runs as nobody (uid 65534) against a root-owned 0555
        # directory, which really refuses its writes.
        ro = os.path.join(sc.dir, "read-only")
        os.mkdir(ro)
        os.chmod(ro, 0o555)
        os.chmod(sc.dir, 0o755)
        kw = {}
        reference = VAARDIG_DATA
        if os.geteuid() == 0:
            kw["preexec_fn"] = drop_to_nobody
            probe = run(["--version"], **kw)
            if probe[0] != 0:
                # nobody cannot reach the build tree: run a copy from our
                # scratch directory, with a copy of the reference data.
                binary = os.path.join(sc.dir, "vaardigd")
                shutil.copy2(VAARDIGD, binary)
                os.chmod(binary, 0o755)
                ref = os.path.join(sc.dir, "reference")
                shutil.copytree(VAARDIG_DATA, ref)
                for root, dirs, files in os.walk(ref):
                    os.chmod(root, 0o755)
                    for f in files:
                        os.chmod(os.path.join(root, f), 0o644)
                kw["executable"] = binary
                reference = ref
        path = sc.config(data_dir=ro, reference_dir=reference)
        os.chmod(path, 0o644)
        rc, out, err = refused(c, "an unwritable data dir%s" % (" (run as nobody)" if kw else ""),
                               ["--config", path], ["read-only"], **kw)
        c.check(any(w in err.lower() for w in ("permission", "writ", "denied", "cannot create",
                                                "couldn't create", "read-only")),
                "an unwritable data dir: stderr does not say it cannot write: %r" % err)
        c.eq(os.listdir(ro), [], "nothing was written into the unwritable data dir")
    finally:
        try:
            os.chmod(os.path.join(sc.dir, "read-only"), 0o755)
        except OSError:
            pass
        sc.cleanup()


def test_corrupt_data_dir(c):
    """A damaged database (a truncated or overwritten Xapian file) stops the
    start with one message that names the data dir, and is left as it was."""
    s = Server(label="vaardigd that fills the data dir")
    s.start()
    for i in range(300):
        r = s.request("PUT", "/v1/jobseekers/corrupt-%03d" % i,
                      {"municipality": "Utrecht", "skills": ["teamwerk"]})
        if not c.status(r, 201, "PUT corrupt-%03d" % i):
            return
    c.eq(s.stop(), 0, "exit status after SIGTERM")
    index = os.path.join(s.data_dir, "index")
    pristine = os.path.join(s.tmp, "pristine")
    shutil.copytree(index, pristine)
    names = sorted(os.listdir(index))
    c.check("iamglass" in names and "postlist.glass" in names,
            "expected a glass database in %s, found %r" % (index, names))

    def truncate(name, size):
        def damage(path):
            with open(path, "r+b") as f:
                f.truncate(size(os.path.getsize(path)))
        return name, damage

    def overwrite(name, offset, length):
        def damage(path):
            n = os.path.getsize(path) if length is None else length
            with open(path, "r+b") as f:
                f.seek(offset)
                f.write(os.urandom(n))
        return name, damage

    cases = [("the version file overwritten", overwrite("iamglass", 0, 64)),
             ("the version file emptied", truncate("iamglass", lambda n: 0)),
             ("the posting table cut in half", truncate("postlist.glass", lambda n: n // 2)),
             ("the posting table overwritten", overwrite("postlist.glass", 0, None)),
             ("the term table emptied", truncate("termlist.glass", lambda n: 0))]
    sc = Scratch()
    try:
        path = sc.config(data_dir=s.data_dir)
        for what, (name, damage) in cases:
            shutil.rmtree(index)
            shutil.copytree(pristine, index)
            damage(os.path.join(index, name))
            with open(os.path.join(index, name), "rb") as f:
                damaged = f.read()
            rc, out, err = refused(c, "a data dir with %s" % what, ["--config", path],
                                   [s.data_dir, ("damaged", "corrupt")])
            lines = [l for l in err.splitlines() if s.data_dir in l]
            c.check(len(lines) == 1, "%s: expected one line naming the data dir, got %r"
                    % (what, err))
            with open(os.path.join(index, name), "rb") as f:
                c.check(f.read() == damaged, "%s: the refused start changed %s" % (what, name))
        # The same data dir, undamaged, starts and serves.
        shutil.rmtree(index)
        shutil.copytree(pristine, index)
        s.start()
        c.status(s.request("GET", "/v1/jobseekers/corrupt-123"), 200,
                 "the undamaged copy serves its profiles")
        c.eq(s.stop(), 0, "exit status after SIGTERM")
    finally:
        sc.cleanup()


def test_other_start_failures(c):
    sc = Scratch()
    try:
        os.mkdir(os.path.join(sc.dir, "data"))
        # A port someone else holds.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen(1)
            port = holder.getsockname()[1]
            refused(c, "a port in use", ["--config", sc.config(port=port)],
                    [str(port), ("listen", "bind", "in use")])
        # Reference data that is not there.
        empty_ref = os.path.join(sc.dir, "no-reference")
        os.mkdir(empty_ref)
        refused(c, "no reference data", ["--config", sc.config(reference_dir=empty_ref)],
                ["no-reference", ("taxonomy", "competences", "occupations")])
        # A good config starts, answers and stops cleanly on SIGTERM and SIGINT.
        for sig in (signal.SIGTERM, signal.SIGINT):
            s = Server(label="clean stop %d" % sig)
            s.start()
            t0 = time.monotonic()
            c.eq(s.stop(sig), 0, "exit status after signal %d" % sig)
            c.check(time.monotonic() - t0 < AT_ONCE, "signal %d took %.1fs to stop"
                    % (sig, time.monotonic() - t0))
            c.check("listening on 127.0.0.1:%d" % s.port in s.stderr_text(),
                    "no 'listening on' line on stderr: %r" % s.stderr_text())
    finally:
        sc.cleanup()


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([
        ("options", test_options),
        ("check-config", test_check_config),
        ("second server", test_second_server),
        ("data dir", test_data_dir),
        ("corrupt data dir", test_corrupt_data_dir),
        ("other start failures", test_other_start_failures),
    ])

"""vaardigd --check-config (issue 7, item 5): a good config passes with "OK";
a config with many faults lists every one of them at once, one line each,
each naming its field and the file exactly once; a file that is not JSON
names the place; a missing file or a directory says so plainly. The same
config given to --config is refused with the same faults, one log line
each, every line with a journald priority prefix."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# No __pycache__ in the source tree (it may be read-only, as in distcheck).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import VAARDIGD, free_port, make_config  # noqa: E402

TIMEOUT = 30


def run(args):
    p = subprocess.run([VAARDIGD] + args, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


class Scratch:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vd-checkconf-")
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data)
        self.plugins = os.path.join(self.dir, "plugins")
        os.mkdir(self.plugins)
        self.secrets = {r: "secret-" + r for r in harness.ROLES}

    def good(self):
        config = make_config(free_port(), self.data, self.secrets)
        config["plugins_dir"] = self.plugins
        return config

    def write(self, name, config):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config, indent=1))
        return path

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def test_good(c):
    sc = Scratch()
    try:
        path = sc.write("good.json", sc.good())
        rc, out, err = run(["--check-config", path])
        c.eq(rc, 0, "good config: exit status (stderr %r)" % err)
        c.eq(out.strip(), path + ": OK", "good config: standard output")
        c.eq(err, "", "good config: standard error")
        c.eq(os.listdir(sc.data), [], "--check-config leaves data_dir alone")
    finally:
        sc.cleanup()


# Each fault: (how to make it, the field the line must name).
def faults(sc):
    missing_ref = os.path.join(sc.dir, "no-reference-data")
    os.mkdir(missing_ref)
    not_a_dir = sc.write("a-file", "x")
    return [
        (lambda cf: cf.__setitem__("listenn", "127.0.0.1:1"), "listenn"),
        (lambda cf: cf.__setitem__("listen", "localhost"), "listen"),
        (lambda cf: cf.__setitem__("data_dir", 42), "data_dir"),
        (lambda cf: cf["tokens"][0].__setitem__("role", "boss"), "tokens[0].role"),
        (lambda cf: cf["tokens"][1].__setitem__("sha256", "abc"), "tokens[1].sha256"),
        (lambda cf: cf["tokens"][2].__setitem__("colour", "blue"), "colour"),
        (lambda cf: cf["tokens"].append("not an object"), "tokens[3]"),
        (lambda cf: cf.__setitem__("plugins", ["example"]), "plugins"),
        (lambda cf: cf.__setitem__("limits", {"max_count": 0, "max_bodybytes": 1}),
         "limits.max_count"),
        (lambda cf: None, "max_bodybytes"),  # made by the line above
        (lambda cf: cf.__setitem__("plugins_dir", not_a_dir), "plugins_dir"),
        (lambda cf: cf.__setitem__("reference_dir", missing_ref), "reference_dir"),
    ]


def test_every_problem(c):
    sc = Scratch()
    try:
        config = sc.good()
        made = faults(sc)
        for make, _field in made:
            make(config)
        path = sc.write("bad.json", config)
        for mode in ("--check-config", "--config"):
            rc, out, err = run([mode, path])
            c.check(rc not in (0, None) and rc > 0, "%s: exit status %r" % (mode, rc))
            c.check("OK" not in out, "%s of a bad config says OK: %r" % (mode, out))
            lines = [l for l in err.split("\n") if l]
            for _make, field in made:
                hits = [l for l in lines if field in l]
                c.check(hits, "%s: no line names %r:\n%s" % (mode, field, err))
            # Each line names the file once and says what is wrong after it.
            for l in lines:
                c.eq(l.count(path), 1, "%s: the file named once in %r" % (mode, l))
                if mode == "--config":
                    c.check(l.startswith("<3>vaardigd: "),
                            "--config: a problem line without priority prefix: %r" % l)
                else:
                    c.check(l.startswith(path + ": "), "--check-config: line %r" % l)
            # The reference data: the taxonomy and the gazetteer both missing.
            # Every other fault is one line.
            c.check(len(lines) >= len(made), "%s: %d faults, %d lines:\n%s"
                    % (mode, len(made), len(lines), err))
            c.check(len(lines) <= len(made) + 1, "%s: more lines than faults:\n%s"
                    % (mode, err))
        c.eq(os.listdir(sc.data), [], "a refused config leaves data_dir alone")
    finally:
        sc.cleanup()


def test_each_fault_alone(c):
    """Each fault on its own is enough to refuse the config, and is named."""
    sc = Scratch()
    try:
        for i, (make, field) in enumerate(faults(sc)):
            if field == "max_bodybytes":
                continue
            config = sc.good()
            make(config)
            path = sc.write("one-%d.json" % i, config)
            rc, out, err = run(["--check-config", path])
            c.check(rc == 1, "%s alone: exit status %r" % (field, rc))
            c.check(field in err, "%s alone is not named:\n%s" % (field, err))
    finally:
        sc.cleanup()


def test_not_json(c):
    sc = Scratch()
    try:
        text = '{\n  "listen": "127.0.0.1:1",\n  "data_dir": ,\n}\n'
        path = sc.write("broken.json", text)
        # The first character JSON cannot take: line 3, after "data_dir": .
        bad_line = 3
        rc, out, err = run(["--check-config", path])
        c.eq(rc, 1, "not JSON: exit status")
        lines = [l for l in err.split("\n") if l]
        c.eq(len(lines), 1, "not JSON: one line (%r)" % err)
        if lines:
            c.eq(lines[0].count(path), 1, "not JSON: the file named once: %r" % lines[0])
            c.check(lines[0].startswith(path + ": line %d " % bad_line),
                    "not JSON: the place is not line %d: %r" % (bad_line, lines[0]))
        # A top level that is JSON but not an object.
        path = sc.write("array.json", "[]")
        rc, out, err = run(["--check-config", path])
        c.eq(rc, 1, "array config: exit status")
        c.check(err.count(path) == 1 and "object" in err, "array config: %r" % err)
    finally:
        sc.cleanup()


def test_missing_file(c):
    sc = Scratch()
    try:
        path = os.path.join(sc.dir, "nowhere.json")
        for mode in ("--check-config", "--config"):
            rc, out, err = run([mode, path])
            c.eq(rc, 1, "%s missing file: exit status" % mode)
            lines = [l for l in err.split("\n") if l]
            c.eq(len(lines), 1, "%s missing file: one line (%r)" % (mode, err))
            c.check(path in err and os.strerror(2) in err,
                    "%s missing file: says %r" % (mode, err))
            # Not "-1" alone: the random temp dir name may hold it.
            c.check(not re.search(r"-1:-1|line -1|column -1|position -1", err),
                    "%s missing file: a meaningless position: %r" % (mode, err))
            c.eq(err.count(path), 1, "%s missing file: the file named once" % mode)
        rc, out, err = run(["--check-config", sc.dir])
        c.eq(rc, 1, "a directory: exit status")
        c.check(os.strerror(21) in err, "a directory: says %r" % err)
    finally:
        sc.cleanup()


def test_one_line_per_problem(c):
    """A key with a newline in its name still makes one line per problem."""
    sc = Scratch()
    try:
        config = sc.good()
        config["bad\nkey"] = 1
        config["limits"] = {"evil\r\nkey": 2}
        path = sc.write("newline.json", config)
        for mode in ("--check-config", "--config"):
            rc, out, err = run([mode, path])
            c.eq(rc, 1, "%s: exit status" % mode)
            lines = [l for l in err.split("\n") if l]
            c.eq(len(lines), 2, "%s: two problems, two lines (%r)" % (mode, err))
            c.check(all(path in l for l in lines), "%s: a line without the file: %r"
                    % (mode, lines))
    finally:
        sc.cleanup()


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([
        ("good config", test_good),
        ("every problem at once", test_every_problem),
        ("each fault alone", test_each_fault_alone),
        ("not JSON", test_not_json),
        ("missing file", test_missing_file),
        ("one line per problem", test_one_line_per_problem),
    ])

"""vaardigd --import (issue 6, item 2): valid lines are kept, bad lines are
reported with their line numbers and change nothing, the answer counts
created and replaced, and the server then serves exactly what the file held."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, canonical  # noqa: E402


def generated(n, seed):
    out = subprocess.run([harness.VAARDIG_GEN, "--data", harness.VAARDIG_DATA, "--seed",
                          str(seed), "--count", str(n)], check=True, capture_output=True,
                         text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def import_file(s, path):
    config = s.write_config(harness.free_port())
    p = subprocess.run([harness.VAARDIGD, "--import", path, "--config", config],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def test_import(c):
    s = Server(label="vaardigd --import")
    # More lines than a few of the import's batches of 1,024, so that batches
    # come back from the writer and are filled again.
    people = generated(3000, 11)
    changed = dict(people[3], hours_per_week=13)  # a later line replaces an earlier one
    lines = [json.dumps(p) for p in people[:250]]
    bad = {251: '{"id": "no spaces allowed"}', 252: "not json at all",
           253: json.dumps({"id": "x-1", "licences": [{"category": "Z"}]})}
    lines += [bad[251], bad[252], bad[253], ""]
    lines += [json.dumps(p) for p in people[250:]] + [json.dumps(changed)]
    path = os.path.join(s.tmp, "people.ndjson")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")

    rc, out, err = import_file(s, path)
    c.eq(rc, 3, "exit status when lines were refused (stderr: %s)" % err[-500:])
    answer = json.loads(out)
    c.eq(answer["lines"], len(lines), "lines counted")
    c.eq(answer["created"], len(people), "created")
    c.eq(answer["replaced"], 1, "replaced")
    c.eq(answer["failed"], 3, "failed")
    c.eq(sorted(e["line"] for e in answer["errors"]), sorted(bad), "the bad lines by number")
    z = [e for e in answer["errors"] if e["line"] == 253][0]
    c.eq([x["pointer"] for x in z.get("errors", [])], ["/licences/0/category"],
         "a refused line names the field")

    s.start()
    h = s.request("GET", "/v1/health", token=None)
    c.eq(h.json["jobseekers"], len(people), "health counts the imported profiles")
    expected = {p["id"]: p for p in people}
    expected[changed["id"]] = changed
    wrong = [pid for pid in expected
             if s.request("GET", "/v1/jobseekers/" + pid).json != canonical(expected[pid], pid)]
    c.eq(wrong, [], "every profile GETs as its (last) line in the file")
    c.status(s.request("GET", "/v1/jobseekers/x-1"), 404, "a refused line stored nothing")
    s.stop()

    # Into a store that already holds these profiles every line replaces
    # (the first load's shortcut of adding without a look-up must not apply):
    # no profile is stored twice and the later line still wins.
    rc, out, err = import_file(s, path)
    c.eq(rc, 3, "exit status of the second import (stderr: %s)" % err[-500:])
    again = json.loads(out)
    valid = len(people) + 1
    c.eq((again["created"], again["replaced"]), (0, valid), "created, replaced on a full store")
    s.start()
    h = s.request("GET", "/v1/health", token=None)
    c.eq(h.json["jobseekers"], len(people), "no profile is stored twice")
    r = s.request("GET", "/v1/jobseekers/" + changed["id"])
    c.eq(r.json, canonical(changed, changed["id"]), "the later line still wins")
    s.stop()

    # A second import while the server runs is refused by the database lock.
    s.start()
    rc, out, err = import_file(s, path)
    c.check(rc not in (0, 3), "import while vaardigd runs must fail, got %d" % rc)
    c.check("lock" in err or "another vaardigd" in err, "the lock is named: %s" % err[-300:])


if __name__ == "__main__":
    harness.run([("import", test_import)])

"""An expired licence or certificate stays in the profile but stops counting
for matching on the day after its valid_until (API.md: "held through the end
of that date"). The server re-indexes what lapsed at start-up and after each
midnight; this test moves the server's day with VAARDIG_TODAY and restarts."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

DAY = "2027-03-10"
NEXT = "2027-03-11"
# keeps-b is stored first, so it ranks first among equals: a one-result search
# then shows the index's own total, not one corrected while explaining.
PEOPLE = {
    "keeps-b": {"licences": [{"category": "B", "valid_until": NEXT}]},
    "exp-b": {"licences": [{"category": "B", "valid_until": DAY}]},
    "exp-ce95": {"licences": [{"category": "CE", "valid_until": "2030-01-01",
                               "code95_until": DAY}]},
    "exp-heftruck": {"certificates": [{"code": "heftruck", "valid_until": DAY}]},
}


def ids(s, text):
    r = s.request("GET", "/v1/search?q=" + text.replace(" ", "+"), token="employer-service")
    return r, {x["id"] for x in (r.json or {}).get("results", [])}


def test_expiry(c):
    os.environ["VAARDIG_TODAY"] = DAY
    s = Server(label="vaardigd (expiry)").start()
    for pid, body in PEOPLE.items():
        c.status(s.request("PUT", "/v1/jobseekers/" + pid, body), 201, "PUT " + pid)
    r, found = ids(s, "100 chauffeurs")
    c.eq(found, {"exp-b", "exp-ce95", "keeps-b"}, "on %s every licence still counts" % DAY)
    c.eq(r.json["total"], 3, "total on the last valid day")
    r, found = ids(s, "1 chauffeur")
    c.eq((found, r.json["total"]), ({"keeps-b"}, 3), "one result, the whole total")
    _, found = ids(s, "vrachtwagenchauffeurs")
    c.eq(found, {"exp-ce95"}, "code 95 counts through its last day")
    _, found = ids(s, "heftruckchauffeurs")
    c.eq(found, {"exp-heftruck"}, "the certificate counts through its last day")

    s.stop()
    os.environ["VAARDIG_TODAY"] = NEXT
    s.start()
    # The start-up run queues the re-indexing; it is committed within moments.
    deadline = time.monotonic() + 10
    while True:
        r, found = ids(s, "100 chauffeurs")
        if found == {"exp-ce95", "keeps-b"} or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    c.eq(found, {"exp-ce95", "keeps-b"}, "on %s the lapsed B licence no longer counts" % NEXT)
    c.eq(r.json["total"], 2, "total counts only valid licences")
    r, found = ids(s, "1 chauffeur")
    c.eq((found, r.json["total"]), ({"keeps-b"}, 2), "the index itself no longer holds it")
    _, found = ids(s, "vrachtwagenchauffeurs")
    c.eq(found, set(), "code 95 lapsed: no longer a vrachtwagenchauffeur")
    _, found = ids(s, "heftruckchauffeurs")
    c.eq(found, set(), "the lapsed heftruck certificate no longer counts")
    g = s.request("GET", "/v1/jobseekers/exp-b")
    c.eq(g.json.get("licences"), PEOPLE["exp-b"]["licences"],
         "the expired licence stays in the profile")
    del os.environ["VAARDIG_TODAY"]


if __name__ == "__main__":
    harness.run([("expiry", test_expiry)])

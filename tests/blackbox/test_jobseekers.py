"""Black-box tests of /v1/jobseekers/{id} (API.md "Jobseekers", "Errors",
"Running"): create, replace, read, merge-patch, delete, ETag/If-Match, every
kind of bad input, the roles, and /v1/health's counts. After every refused
request the stored profile must be byte-for-byte the same (body and ETag)
and the server must still answer."""

import json
import os
import socket
import subprocess
import sys

# No __pycache__ in the source tree (it may be read-only, as in distcheck).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, canonical, merge_patch  # noqa: E402

MIB = 1 << 20

# A full profile in the shape of API.md's example, with the keys shuffled and
# the municipality given by its common alias.
FULL = {
    "hours_per_week": 32,
    "licences": [
        {"category": "B", "valid_until": "2031-02-11"},
        {"valid_until": "2029-05-01", "code95_until": "2027-01-31", "category": "CE"},
    ],
    "id": "rtm-000123",
    "municipality": "Den Haag",
    "location": {"lon": 4.48, "lat": 51.92},
    "languages": [{"code": "nl", "level": "A2"}, {"code": "ar", "level": "C2"}],
    "certificates": [
        {"code": "vca-basis", "valid_until": "2028-03-01"},
        {"code": "heftruck"},
        {"code": "chauffeurskaart", "valid_until": "2030-06-30"},
    ],
    "skills": ["klantgericht"],
    "experience": [{"occupation": "magazijnmedewerker", "months": 24}],
    "available_from": "2026-12-01",
    "max_travel_km": 25,
    "extensions": {"taalhandhaving": {"exempt": "medisch", "sinds": ["2026-01-01"]}},
}

# A smaller one, without an id in the body (the path gives it).
SMALL = {
    "municipality": "Rotterdam",
    "licences": [{"category": "C", "code95_until": "2030-01-01"}],
    "languages": [{"code": "nl", "level": "1F"}],
    "skills": ["orderpicken", "teamwerk"],
    "experience": [{"occupation": "orderpicker"}],
    "hours_per_week": 24.5,
}

JS = "/v1/jobseekers/"
PATCH_TYPE = "application/merge-patch+json"


def body_of(r):
    return r.json if isinstance(r.json, dict) else None


def check_profile_answer(c, r, want, what, status):
    """r answers a write or read with the canonical profile want."""
    c.status(r, status, what)
    c.eq(r.content_type, "application/json", what + ": Content-Type")
    c.check(r.header("API-Version"), what + ": no API-Version header")
    c.check(r.header("ETag"), what + ": no ETag")
    got = body_of(r)
    c.eq(got, want, what + ": body")
    if got is not None:
        c.eq(list(got.keys()), list(want.keys()), what + ": canonical key order")


def health(server):
    r = server.request("GET", "/v1/health", token=None)
    return r


def jobseeker_count(c, server, what):
    r = health(server)
    c.status(r, 200, what + ": health")
    return (r.json or {}).get("jobseekers")


def test_crud(c):
    with Server() as s:
        r = health(s)
        c.status(r, 200, "health without token")
        c.eq(r.content_type, "application/json", "health Content-Type")
        c.check(r.header("API-Version"), "health: no API-Version header")
        c.eq(r.json, {"status": "ok", "jobseekers": 0, "vacancies": 0}, "health of an empty server")

        want = canonical(FULL, "rtm-000123")
        c.eq(want["municipality"], "'s-Gravenhage", "reference data: Den Haag's official name")
        r = s.request("PUT", JS + "rtm-000123", FULL)
        check_profile_answer(c, r, want, "PUT creates", 201)
        etag = r.header("ETag")
        c.check(etag and etag.startswith('"') and etag.endswith('"'),
                "ETag %r is not a quoted strong tag" % etag)
        c.eq(jobseeker_count(c, s, "after create"), 1, "health count after one PUT")

        r = s.request("GET", JS + "rtm-000123")
        check_profile_answer(c, r, want, "GET after PUT", 200)
        c.eq(r.header("ETag"), etag, "GET ETag equals the PUT's")
        c.eq(s.request("GET", JS + "rtm-000123").raw, r.raw, "two GETs give the same bytes")

        # The canonical form is itself a valid input and changes nothing.
        r = s.request("PUT", JS + "rtm-000123", want)
        check_profile_answer(c, r, want, "PUT of the canonical form replaces", 200)
        c.eq(r.header("ETag"), etag, "same content, same ETag")

        # Replace with a different profile: nothing of the old one survives.
        want2 = canonical(SMALL, "rtm-000123")
        r = s.request("PUT", JS + "rtm-000123", SMALL)
        check_profile_answer(c, r, want2, "PUT replaces", 200)
        etag2 = r.header("ETag")
        c.check(etag2 != etag, "ETag must change with the content")
        r = s.request("GET", JS + "rtm-000123")
        check_profile_answer(c, r, want2, "GET after replace", 200)
        c.eq(r.header("ETag"), etag2, "GET ETag after replace")
        c.eq(jobseeker_count(c, s, "after replace"), 1, "replacing does not add a jobseeker")

        # Null members count as absent; only the id is required.
        r = s.request("PUT", JS + "min_1.x", {"id": "min_1.x", "skills": None})
        check_profile_answer(c, r, {"id": "min_1.x"}, "PUT of a minimal profile", 201)
        r = s.request("PUT", JS + "empty-body-obj", {})
        check_profile_answer(c, r, {"id": "empty-body-obj"}, "PUT {} takes the id from the path",
                             201)
        c.eq(jobseeker_count(c, s, "after three creates"), 3, "health count after 3 ids")

        # Absent ids.
        for method in ("GET", "DELETE"):
            r = s.request(method, JS + "nobody-here")
            c.problem(r, 404, "%s of an absent id" % method)
        r = s.request("PATCH", JS + "nobody-here", {"skills": ["teamwerk"]},
                      content_type=PATCH_TYPE)
        c.problem(r, 404, "PATCH of an absent id")
        c.eq(jobseeker_count(c, s, "after 404s"), 3, "404s change no count")

        # DELETE: 204 without a body, then it is gone.
        r = s.request("DELETE", JS + "min_1.x")
        c.status(r, 204, "DELETE")
        c.eq(r.raw, b"", "204 has no body")
        c.check(r.header("API-Version"), "DELETE: no API-Version header")
        r = s.request("GET", JS + "min_1.x")
        c.problem(r, 404, "GET after DELETE")
        r = s.request("DELETE", JS + "min_1.x")
        c.problem(r, 404, "second DELETE")
        c.eq(jobseeker_count(c, s, "after delete"), 2, "health count after one DELETE")

        # A deleted id can be created again (201, not 200).
        r = s.request("PUT", JS + "min_1.x", {"municipality": "GM0599"})
        check_profile_answer(c, r, {"id": "min_1.x", "municipality": "Rotterdam"},
                             "PUT after DELETE creates again (CBS code accepted)", 201)
        c.eq(jobseeker_count(c, s, "after re-create"), 3, "health count after re-create")
        r = s.request("GET", JS + "rtm-000123")
        check_profile_answer(c, r, want2, "other profiles untouched", 200)


def test_patch(c):
    with Server() as s:
        base = canonical(FULL, "p1")
        full = dict(FULL, id="p1")
        r = s.request("PUT", JS + "p1", full)
        c.status(r, 201, "PUT for PATCH")
        steps = [
            ("a field changed", {"hours_per_week": 38}),
            ("a field removed with null", {"max_travel_km": None, "available_from": None}),
            ("a nested object merged", {"location": {"lat": 52.5}}),
            ("nested arrays replaced, not merged",
             {"licences": [{"category": "D", "code95_until": "2029-01-01"}],
              "languages": [{"code": "en", "level": "B2"}]}),
            ("extensions merged member by member",
             {"extensions": {"taalhandhaving": {"exempt": None, "plan": "2026"},
                             "werk-taal": {"traject": True}}}),
            ("several at once, with the id repeated",
             {"id": "p1", "skills": ["teamwerk", "klantgericht"], "certificates": None,
              "municipality": "Utrecht"}),
        ]
        state = base
        for what, patch in steps:
            merged = merge_patch(state, patch)
            want = canonical(merged, "p1")
            r = s.request("PATCH", JS + "p1", patch, content_type=PATCH_TYPE)
            check_profile_answer(c, r, want, "PATCH: " + what, 200)
            g = s.request("GET", JS + "p1")
            check_profile_answer(c, g, want, "GET after PATCH: " + what, 200)
            c.eq(g.header("ETag"), r.header("ETag"), "ETag of PATCH and GET: " + what)
            state = want
        # The nested-object step kept lon and the arrays step dropped the old entries.
        c.eq(state.get("location"), {"lat": 52.5, "lon": 4.48}, "location after merge")
        c.eq([l["category"] for l in state.get("licences", [])], ["D"], "licences replaced")

        # PATCH also takes plain application/json (a JSON object is a merge patch).
        r = s.request("PATCH", JS + "p1", {"max_travel_km": 10})
        state = canonical(merge_patch(state, {"max_travel_km": 10}), "p1")
        check_profile_answer(c, r, state, "PATCH as application/json", 200)
        c.eq(jobseeker_count(c, s, "after patches"), 1, "PATCH adds no jobseeker")


def test_if_match(c):
    with Server() as s:
        r = s.request("PUT", JS + "m1", SMALL)
        c.status(r, 201, "PUT m1")
        etag = r.header("ETag")
        want = canonical(SMALL, "m1")
        bad = '"0000000000000000"'

        def unchanged(what):
            g = s.request("GET", JS + "m1")
            check_profile_answer(c, g, want, what + ": profile unchanged", 200)
            c.eq(g.header("ETag"), etag, what + ": ETag unchanged")

        r = s.request("PUT", JS + "m1", FULL | {"id": "m1"}, headers={"If-Match": bad})
        c.problem(r, 412, "PUT with a stale If-Match")
        unchanged("after 412 PUT")
        r = s.request("PATCH", JS + "m1", {"hours_per_week": 40}, content_type=PATCH_TYPE,
                      headers={"If-Match": bad})
        c.problem(r, 412, "PATCH with a stale If-Match")
        unchanged("after 412 PATCH")
        r = s.request("DELETE", JS + "m1", headers={"If-Match": bad})
        c.problem(r, 412, "DELETE with a stale If-Match")
        unchanged("after 412 DELETE")
        r = s.request("PUT", JS + "not-there", SMALL, headers={"If-Match": etag})
        c.problem(r, 412, "PUT with If-Match on an absent id")
        c.problem(s.request("GET", JS + "not-there"), 404, "If-Match PUT created nothing")

        # The right tag lets each write through, and each answer's tag is the next one's.
        r = s.request("PATCH", JS + "m1", {"hours_per_week": 40}, content_type=PATCH_TYPE,
                      headers={"If-Match": etag})
        want = canonical(merge_patch(want, {"hours_per_week": 40}), "m1")
        check_profile_answer(c, r, want, "PATCH with the current If-Match", 200)
        etag = r.header("ETag")
        r = s.request("PUT", JS + "m1", SMALL, headers={"If-Match": bad + ", " + etag})
        want = canonical(SMALL, "m1")
        check_profile_answer(c, r, want, "PUT with If-Match listing the current tag", 200)
        old = etag
        etag = r.header("ETag")
        r = s.request("DELETE", JS + "m1", headers={"If-Match": old})
        c.problem(r, 412, "DELETE with the previous (now stale) tag")
        r = s.request("PUT", JS + "m1", SMALL, headers={"If-Match": "*"})
        check_profile_answer(c, r, want, "PUT with If-Match: * on an existing id", 200)
        r = s.request("DELETE", JS + "m1", headers={"If-Match": etag})
        c.status(r, 204, "DELETE with the current If-Match")
        c.problem(s.request("GET", JS + "m1"), 404, "gone after conditional DELETE")


def nested(levels, leaf=1):
    v = leaf
    for i in range(levels):
        v = {"n": v} if i % 2 else [v]
    return v


def bad_requests():
    """(what, method, body, content type, expected status, pointers that must be named)."""
    p = PATCH_TYPE
    j = "application/json"
    ok = dict(SMALL)
    return [
        ("malformed JSON", "PUT", '{"id": "ref", "skills": [', j, 400, []),
        ("trailing garbage after JSON", "PUT", '{"id": "ref"} x', j, 400, []),
        ("empty body", "PUT", b"", j, (400, 422), []),
        ("a JSON array, not an object", "PUT", [ok], j, 422, [""]),
        ("hours as a string", "PUT", dict(ok, hours_per_week="32"), j, 422, ["/hours_per_week"]),
        ("licences as an object", "PUT", dict(ok, licences={"category": "B"}), j, 422,
         ["/licences"]),
        ("a skill as a number", "PUT", dict(ok, skills=[1]), j, 422, ["/skills/0"]),
        ("lat as a string", "PUT", dict(ok, location={"lat": "52", "lon": 4}), j, 422,
         ["/location/lat"]),
        ("months as a string", "PUT",
         dict(ok, experience=[{"occupation": "kok", "months": "24"}]), j, 422,
         ["/experience/0/months"]),
        ("municipality as a number", "PUT", dict(ok, municipality=599), j, 422,
         ["/municipality"]),
        ("id as a number", "PUT", dict(ok, id=7), j, 422, ["/id"]),
        ("unknown licence category Z", "PUT",
         dict(ok, licences=[{"category": "Z"}]), j, 422, ["/licences/0/category"]),
        ("licence category given twice", "PUT",
         dict(ok, licences=[{"category": "B"}, {"category": "B"}]), j, 422,
         ["/licences/1/category"]),
        ("code95 on a B licence", "PUT",
         dict(ok, licences=[{"category": "B", "code95_until": "2030-01-01"}]), j, 422,
         ["/licences/0/code95_until"]),
        ("level D9", "PUT", dict(ok, languages=[{"code": "nl", "level": "D9"}]), j, 422,
         ["/languages/0/level"]),
        ("Dutch reference level for English", "PUT",
         dict(ok, languages=[{"code": "en", "level": "2F"}]), j, 422, ["/languages/0/level"]),
        ("unknown language code", "PUT",
         dict(ok, languages=[{"code": "xx", "level": "B1"}]), j, 422, ["/languages/0/code"]),
        ("date 31-12-2029", "PUT",
         dict(ok, licences=[{"category": "B", "valid_until": "31-12-2029"}]), j, 422,
         ["/licences/0/valid_until"]),
        ("date 2029-02-30", "PUT", dict(ok, available_from="2029-02-30"), j, 422,
         ["/available_from"]),
        ("certificate date 2028-13-01", "PUT",
         dict(ok, certificates=[{"code": "bhv", "valid_until": "2028-13-01"}]), j, 422,
         ["/certificates/0/valid_until"]),
        ("a bsn field", "PUT", dict(ok, bsn="123456782"), j, 422, ["/bsn"]),
        ("a name field", "PUT", dict(ok, naam="Jansen"), j, 422, ["/naam"]),
        ("id mismatch between path and body", "PUT", dict(ok, id="other-id"), j, 422, ["/id"]),
        ("negative hours", "PUT", dict(ok, hours_per_week=-8), j, 422, ["/hours_per_week"]),
        ("negative travel distance", "PUT", dict(ok, max_travel_km=-1), j, 422,
         ["/max_travel_km"]),
        ("negative months", "PUT",
         dict(ok, experience=[{"occupation": "kok", "months": -3}]), j, 422,
         ["/experience/0/months"]),
        ("latitude out of range", "PUT", dict(ok, location={"lat": 91, "lon": 4}), j, 422,
         ["/location/lat"]),
        ("unknown top-level field", "PUT", dict(ok, favourite_colour="blue"), j, 422,
         ["/favourite_colour"]),
        ("unknown field in a licence", "PUT",
         dict(ok, licences=[{"category": "B", "colour": "roze"}]), j, 422,
         ["/licences/0/colour"]),
        ("unknown certificate", "PUT", dict(ok, certificates=[{"code": "vca-basiss"}]), j, 422,
         ["/certificates/0/code"]),
        ("unknown skill", "PUT", dict(ok, skills=["teamwerk", "jongleren"]), j, 422,
         ["/skills/1"]),
        ("unknown occupation", "PUT", dict(ok, experience=[{"occupation": "astronaut"}]), j,
         422, ["/experience/0/occupation"]),
        ("unknown municipality", "PUT", dict(ok, municipality="Atlantis"), j, 422,
         ["/municipality"]),
        ("every fault named at once", "PUT",
         dict(ok, bsn="1", licences=[{"category": "Z"}],
              languages=[{"code": "nl", "level": "D9"}], hours_per_week=-1), j, 422,
         ["/bsn", "/licences/0/category", "/languages/0/level", "/hours_per_week"]),
        ("a NUL inside a skill", "PUT", '{"skills": ["klant\\u0000gericht"]}', j, 422,
         ["/skills/0"]),
        ("a NUL inside the municipality", "PUT", '{"municipality": "Rotter\\u0000dam"}', j, 422,
         ["/municipality"]),
        ("a NUL inside an extension string", "PUT",
         '{"extensions": {"taalhandhaving": {"note": "a\\u0000b"}}}', j, 422,
         ["/extensions/taalhandhaving/note"]),
        ("a control character in an extension string", "PUT",
         '{"extensions": {"taalhandhaving": {"note": "bel\\u0007"}}}', j, 422,
         ["/extensions/taalhandhaving/note"]),
        ("a NUL inside the body id", "PUT", '{"id": "ref\\u0000"}', j, 422, ["/id"]),
        ("100 levels of nesting inside extensions", "PUT",
         dict(ok, extensions={"diep": {"x": nested(100)}}), j, (400, 422), None),
        ("100000 levels of nesting", "PUT", "[" * 100000 + "]" * 100000, j, (400, 413, 422),
         None),
        ("duplicate member names", "PUT", '{"hours_per_week": 20, "hours_per_week": 30}', j,
         (400, 422), []),
        ("bytes that are not UTF-8", "PUT", b'{"municipality": "Rotterd\xe9m"}', j, (400, 422),
         []),
        ("text/plain body", "PUT", json.dumps(ok), "text/plain", 415, []),
        # PATCH: a merge that would make the profile invalid changes nothing.
        ("PATCH malformed JSON", "PATCH", '{"hours_per_week": ', p, 400, []),
        ("PATCH negative hours", "PATCH", {"hours_per_week": -1}, p, 422, ["/hours_per_week"]),
        ("PATCH unknown licence category", "PATCH", {"licences": [{"category": "Z"}]}, p, 422,
         ["/licences/0/category"]),
        ("PATCH adds a bsn", "PATCH", {"bsn": "123456782"}, p, 422, ["/bsn"]),
        ("PATCH changes the id", "PATCH", {"id": "someone-else"}, p, 422, ["/id"]),
        ("PATCH with a non-object patch", "PATCH", [1, 2], p, 422, [""]),
        ("PATCH with a NUL", "PATCH", '{"skills": ["a\\u0000"]}', p, 422, ["/skills/0"]),
        ("PATCH with text/plain", "PATCH", {"hours_per_week": 20}, "text/plain", 415, []),
    ]


class Reference:
    """A stored profile that every bad request must leave alone."""

    def __init__(self, c, server, id="ref"):
        self.c, self.s, self.id = c, server, id
        r = server.request("PUT", JS + id, FULL | {"id": id})
        c.status(r, 201, "PUT the reference profile")
        self.body = r.raw
        self.json = canonical(FULL, id)
        self.etag = r.header("ETag")
        self.count = jobseeker_count(c, server, "reference")

    def unchanged(self, what):
        c, s = self.c, self.s
        c.check(s.alive(), what + ": vaardigd is no longer running")
        if not s.alive():
            return False
        h = health(s)
        ok = c.status(h, 200, what + ": health afterwards")
        ok = c.eq((h.json or {}).get("jobseekers"), self.count,
                  what + ": jobseeker count afterwards") and ok
        g = s.request("GET", JS + self.id)
        ok = c.status(g, 200, what + ": GET afterwards") and ok
        ok = c.eq(g.json, self.json, what + ": profile afterwards") and ok
        ok = c.eq(g.raw, self.body, what + ": profile bytes afterwards") and ok
        ok = c.eq(g.header("ETag"), self.etag, what + ": ETag afterwards") and ok
        return ok


def test_bad_requests(c):
    with Server() as s:
        ref = Reference(c, s)
        for what, method, body, ctype, status, pointers in bad_requests():
            r = s.request(method, JS + "ref", body, content_type=ctype)
            if pointers is None:
                # Too deep: refused as a whole or at the deep member.
                c.problem(r, status, what)
                if r.status == 422:
                    ptrs = [e.get("pointer") for e in (r.json or {}).get("errors", [])]
                    c.check(any(p == "" or p.startswith("/extensions") for p in ptrs),
                            "%s: errors[] should point at the body or into /extensions: %r"
                            % (what, r.json))
            elif pointers:
                for ptr in pointers:
                    c.problem(r, status, what, pointer=ptr)
                if what == "unknown licence category Z" and r.json:
                    details = " ".join(e.get("detail", "") for e in r.json.get("errors", []))
                    c.check("Z" in details, "%s: detail should quote 'Z': %r" % (what, details))
            else:
                c.problem(r, status, what)
            ref.unchanged(what)


def test_ids(c):
    with Server() as s:
        ref = Reference(c, s)
        bad = [("a slash (%2F)", "a%2Fb"), ("a space (%20)", "a%20b"), ("65 characters", "x" * 65),
               ("a plus", "a+b"), ("a non-ASCII letter", "caf%C3%A9"), ("a NUL (%00)", "a%00b"),
               ("a colon", "a:b"), ("a percent sign (%25)", "a%25b")]
        for what, id in bad:
            for method, body, ctype in (("PUT", {"skills": ["teamwerk"]}, None),
                                        ("GET", None, None), ("DELETE", None, None),
                                        ("PATCH", {"hours_per_week": 20}, PATCH_TYPE)):
                r = s.request(method, JS + id, body, content_type=ctype)
                c.problem(r, (400, 404), "%s of an id with %s" % (method, what))
            ref.unchanged("ids with " + what)
        # An unencoded slash is another path altogether.
        r = s.request("PUT", JS + "ref/x", SMALL)
        c.problem(r, (400, 404, 405), "PUT /v1/jobseekers/ref/x")
        ref.unchanged("PUT to a longer path")
        # The boundaries of the alphabet and the length are accepted.
        for id in ("y" * 64, "A-Z.a_z-0.9", "0"):
            r = s.request("PUT", JS + id, SMALL)
            check_profile_answer(c, r, canonical(SMALL, id), "PUT of id %r" % id, 201)
            r = s.request("GET", JS + id)
            check_profile_answer(c, r, canonical(SMALL, id), "GET of id %r" % id, 200)
            c.status(s.request("DELETE", JS + id), 204, "DELETE of id %r" % id)
        ref.unchanged("after the valid ids")


def test_body_limits(c):
    with Server() as s:
        ref = Reference(c, s)
        # Just under the 1 MiB default: accepted.
        pad_under = MIB - 200
        body = json.dumps({"extensions": {"notities": {"tekst": "x" * pad_under}}})
        c.check(len(body) < MIB, "test body under the limit")
        r = s.request("PUT", JS + "big", body)
        c.status(r, 201, "PUT of a body just under 1 MiB")
        if r.status == 201:
            c.eq(len(((r.json or {}).get("extensions") or {}).get("notities", {}).get("tekst", "")),
                 pad_under, "the big profile comes back whole")
            c.status(s.request("DELETE", JS + "big"), 204, "DELETE big")
        ref = Reference(c, s, "ref2")

        # Over the limit, read whole.
        body = json.dumps(dict(SMALL, extensions={"notities": {"tekst": "x" * MIB}}))
        # The connection guard refuses it before evhttp sees it, as problem+json.
        r = s.request("PUT", JS + "ref2", body)
        c.problem(r, 413, "PUT of a body over 1 MiB")
        ref.unchanged("after an oversized body")
        r = s.request("PATCH", JS + "ref2", body, content_type=PATCH_TYPE)
        c.problem(r, 413, "PATCH of a body over 1 MiB")
        ref.unchanged("after an oversized PATCH")

        # Over the limit, announced by Content-Length: the server may answer as
        # soon as it sees the header, or after reading the body.
        head = ("PUT %sref2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n"
                "\r\n" % (JS, s.secrets["caseworker"], 4 * MIB)).encode()
        with socket.create_connection(("127.0.0.1", s.port), timeout=3) as sock:
            sock.sendall(head + b'{"hours_per_week": 40, "x": "')
            r = harness.read_response(sock)
            if r is None:
                try:
                    sock.settimeout(10)
                    sock.sendall(b"y" * (4 * MIB - 40) + b'"}')
                except OSError:
                    pass
                r = harness.read_response(sock)
        c.problem(r, 413, "Content-Length of 4 MiB")
        ref.unchanged("after a Content-Length over the limit")

    # A configured limit is honoured too.
    with Server(limits={"max_body_bytes": 4096}) as s:
        ref = Reference(c, s)
        body = json.dumps(dict(SMALL, extensions={"notities": {"tekst": "x" * 5000}}))
        c.problem(s.request("PUT", JS + "ref", body), 413, "PUT over a 4096-byte limit")
        ref.unchanged("after a body over the configured limit")
        body = json.dumps(dict(SMALL, extensions={"notities": {"tekst": "x" * 3000}}))
        c.status(s.request("PUT", JS + "ok", body), 201, "PUT under a 4096-byte limit")


def raw_put(s, id, body, extra_headers, token="caseworker"):
    data = body.encode()
    lines = ["PUT %s%s HTTP/1.1" % (JS, id), "Host: 127.0.0.1",
             "Authorization: Bearer %s" % s.secrets[token], "Content-Type: application/json",
             "Connection: close"] + extra_headers
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def test_framing(c):
    with Server() as s:
        ref = Reference(c, s)
        body = json.dumps(dict(FULL, id="ref", hours_per_week=40))
        n = len(body)
        chunked = "%x\r\n%s\r\n0\r\n\r\n" % (n, body)
        cases = [
            ("duplicate Content-Length", body, ["Content-Length: %d" % n] * 2),
            ("two different Content-Lengths", body,
             ["Content-Length: %d" % n, "Content-Length: %d" % (n - 5)]),
            ("Content-Length with Transfer-Encoding", chunked,
             ["Content-Length: %d" % len(chunked), "Transfer-Encoding: chunked"]),
            ("Transfer-Encoding with Content-Length", chunked,
             ["Transfer-Encoding: chunked", "Content-Length: %d" % len(chunked)]),
        ]
        for what, data, headers in cases:
            r = s.raw(raw_put(s, "ref", data, headers))
            c.problem(r, 400, what)
            ref.unchanged(what)
        # The same body with sound framing goes through, so the cases above
        # were refused for their framing alone.
        body2 = body.replace('"ref"', '"ref2"')
        r = s.raw(raw_put(s, "ref2", body2, ["Content-Length: %d" % len(body2)]))
        c.status(r, 201, "single Content-Length")
        ref.count = jobseeker_count(c, s, "after ref2")
        # Garbage on the wire is refused and leaves the server serving.
        for what, data in (("a request line of garbage", b"\x00\x01\x02 nonsense\r\n\r\n"),
                           ("a non-numeric Content-Length",
                            raw_put(s, "ref", body, ["Content-Length: 12abc"])),
                           ("a header without a colon", raw_put(s, "ref", body,
                                                                ["Content-Length: %d" % n,
                                                                 "NoColonHere"]))):
            r = s.raw(data, shutdown_write=True)
            c.check(r is None or 400 <= r.status < 500,
                    "%s: expected a 4xx or a closed connection, got %r" % (what, r))
            ref.unchanged(what)


def test_roles(c):
    with Server() as s:
        ref = Reference(c, s)
        calls = [("GET", None, None), ("PUT", SMALL, None),
                 ("PATCH", {"hours_per_week": 12}, PATCH_TYPE), ("DELETE", None, None)]
        wrong = [("no token", None, {}, 401),
                 ("an unknown token", None, {"Authorization": "Bearer not-a-known-secret"}, 401),
                 ("a Basic credential", None, {"Authorization": "Basic a2V5OnNlY3JldA=="}, 401),
                 ("an empty bearer", None, {"Authorization": "Bearer "}, 401),
                 ("the employer-service token", "employer-service", {}, 403)]
        for method, body, ctype in calls:
            for who, token, headers, status in wrong:
                what = "%s with %s" % (method, who)
                r = s.request(method, JS + "ref", body, token=token, headers=headers,
                              content_type=ctype)
                c.problem(r, status, what)
                if status == 401:
                    c.check(r.header("WWW-Authenticate"),
                            what + ": 401 without WWW-Authenticate")
                ref.unchanged(what)
        # The token is checked before the body: a bad body without a token is a 401.
        r = s.request("PUT", JS + "ref", "{not json", token=None)
        c.problem(r, 401, "malformed PUT without a token")
        r = s.request("PUT", JS + "new-one", SMALL, token="employer-service")
        c.problem(r, 403, "employer-service may not create")
        c.problem(s.request("GET", JS + "new-one"), 404, "the refused PUT created nothing")
        ref.unchanged("role checks")

        # caseworker and admin may do everything; the bearer scheme is case-insensitive.
        for token, headers in (("caseworker", {}), ("admin", {}),
                               (None, {"Authorization": "bearer " + s.secrets["caseworker"]})):
            id = "by-%s" % (token or "lowercase-scheme")
            want = canonical(SMALL, id)
            r = s.request("PUT", JS + id, SMALL, token=token, headers=headers)
            check_profile_answer(c, r, want, "PUT as %s" % id, 201)
            r = s.request("GET", JS + id, token=token, headers=headers)
            check_profile_answer(c, r, want, "GET as %s" % id, 200)
            want = canonical(merge_patch(want, {"hours_per_week": 16}), id)
            r = s.request("PATCH", JS + id, {"hours_per_week": 16}, token=token,
                          headers=headers, content_type=PATCH_TYPE)
            check_profile_answer(c, r, want, "PATCH as %s" % id, 200)
            r = s.request("DELETE", JS + id, token=token, headers=headers)
            c.status(r, 204, "DELETE as %s" % id)
        # Health needs no token but takes one.
        c.status(s.request("GET", "/v1/health", token="employer-service"), 200,
                 "health with a token")
        # Unknown paths and methods are problems too.
        c.problem(s.request("GET", "/v1/nothing-here"), 404, "unknown path")
        c.problem(s.request("POST", JS + "ref", SMALL), 405, "POST on a jobseeker")


def test_generated(c):
    """Every profile the project's generator makes is accepted as it is
    written, comes back in its canonical form, and that form is a fixed point."""
    if not c.check(os.access(harness.VAARDIG_GEN, os.X_OK),
                   "no vaardig-gen at %s (set VAARDIG_GEN)" % harness.VAARDIG_GEN):
        return
    gen = subprocess.run([harness.VAARDIG_GEN, "--seed", "7", "--count", "300", "--data",
                          harness.VAARDIG_DATA, "--prefix", "gen-"],
                         capture_output=True, timeout=60)
    c.eq(gen.returncode, 0, "vaardig-gen exit status (stderr %r)" % gen.stderr[-300:])
    profiles = [json.loads(line) for line in gen.stdout.splitlines() if line.strip()]
    c.eq(len(profiles), 300, "profiles generated")
    with Server() as s:
        bad = 0
        for p in profiles:
            id = p["id"]
            want = canonical(p, id)
            r = s.request("PUT", JS + id, p)
            ok = r.status == 201 and r.json == want
            g = s.request("GET", JS + id)
            ok = ok and g.status == 200 and g.raw == r.raw and g.header("ETag") == r.header("ETag")
            again = s.request("PUT", JS + id, g.json)
            ok = ok and again.status == 200 and again.raw == r.raw and \
                again.header("ETag") == r.header("ETag")
            if not ok:
                bad += 1
                if bad <= 5:
                    c.check(False, "generated profile %s: PUT %r, GET %r, PUT again %r; "
                            "expected %r" % (id, r, g, again, want))
        c.eq(bad, 0, "generated profiles not round-tripping")
        c.eq(jobseeker_count(c, s, "after generated"), len(profiles),
             "health counts the generated profiles")


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([
        ("crud", test_crud),
        ("patch", test_patch),
        ("if-match", test_if_match),
        ("bad requests", test_bad_requests),
        ("ids", test_ids),
        ("body limits", test_body_limits),
        ("framing", test_framing),
        ("roles", test_roles),
        ("generated profiles", test_generated),
    ])

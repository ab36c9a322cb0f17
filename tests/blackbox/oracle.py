"""An independent reading of the matching rules of API.md ("Jobseekers",
"Search", "Vacancies"), used by the search and vacancy black-box tests to
compute the expected answer by scanning every profile.

Written from API.md and the taxonomy in data/ (occupations.json,
competences.json, places/), never from the server's C code, so that the
tests and the server can disagree.

The rules, as API.md states them:
- `licence:X` is held while the profile lists category X and its
  `valid_until` (if any) is today or later ("held through the end of that
  date"). No category implies another: the terms name categories.
- `code95:X` is held while licence X is held and its `code95_until` is
  present and today or later.
- `certificate:X` is held while listed with no `valid_until` or one today or
  later.
- `language:CODE:LEVEL`: the profile's level for CODE is at least LEVEL;
  for nl, 1F 2F 3F 4F count as A2 B1 B2 C1 (on either side).
- `skill:X`: listed in skills. `experience:X`: listed in experience.
- A profile's point is its own `location`, else its municipality's point
  in places/gemeenten.csv. Distances are great-circle (haversine) with the
  mean Earth radius 6371.0088 km.

Also here, shared by both test files: the population (the project's
generator plus a hand-written planted set) and loading it through PUT.
"""

import csv
import datetime
import json
import math
import os
import subprocess
import threading

import harness

EARTH_RADIUS_KM = 6371.0088
CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")
DIST_TOLERANCE_KM = 0.2
NL_REFERENCE = {"1F": "A2", "2F": "B1", "3F": "B2", "4F": "C1"}


def level_rank(code, level):
    """Rank of a language level (0 = A1), or None when it is not a level."""
    level = level.upper()
    if code == "nl" and level in NL_REFERENCE:
        level = NL_REFERENCE[level]
    return CEFR.index(level) if level in CEFR else None


def haversine(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def shift_date(iso, days):
    return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=days)).isoformat()


class Oracle:
    """The rules above, for one `today` (ISO date)."""

    def __init__(self, data_dir, today):
        self.today = today
        with open(os.path.join(data_dir, "occupations.json"), encoding="utf-8") as f:
            self.occupations = {o["code"]: o for o in json.load(f)["occupations"]}
        with open(os.path.join(data_dir, "competences.json"), encoding="utf-8") as f:
            self.competences = json.load(f)
        self.points = {}
        self.codes = {}
        with open(os.path.join(data_dir, "places", "gemeenten.csv"), newline="",
                  encoding="utf-8") as f:
            for row in csv.DictReader(f):
                self.points[row["name"]] = (float(row["lat"]), float(row["lon"]))
                self.codes[row["code"]] = row["name"]
        self.aliases = {}
        with open(os.path.join(data_dir, "places", "aliases.csv"), newline="",
                  encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["gemeente_code"] in self.codes:
                    self.aliases[row["alias"]] = self.codes[row["gemeente_code"]]

    # -- places -----------------------------------------------------------

    def municipality(self, given):
        """Official name for an official name, alias or CBS code."""
        for table in (self.points, self.aliases, self.codes):
            if given in table:
                return given if table is self.points else table[given]
        raise KeyError("unknown municipality %r" % (given,))

    def place_point(self, given):
        return self.points[self.municipality(given)]

    def person_point(self, p):
        loc = p.get("location")
        if loc and loc.get("lat") is not None and loc.get("lon") is not None:
            return (float(loc["lat"]), float(loc["lon"]))
        if p.get("municipality"):
            return self.place_point(p["municipality"])
        return None

    def distance(self, p, place):
        """km from person p to the municipality named place; None when p has
        no place at all."""
        point = self.person_point(p)
        if point is None:
            return None
        return haversine(point, self.place_point(place))

    def lives_in(self, p, place):
        return bool(p.get("municipality")) and \
            self.municipality(p["municipality"]) == self.municipality(place)

    # -- terms ------------------------------------------------------------

    def _valid(self, until):
        return until is None or until >= self.today

    def holds(self, p, term):
        kind, _, rest = term.partition(":")
        if kind in ("licence", "code95"):
            for l in p.get("licences") or []:
                if l["category"].upper() != rest.upper():
                    continue
                if not self._valid(l.get("valid_until")):
                    return False
                if kind == "licence":
                    return True
                c95 = l.get("code95_until")
                return c95 is not None and c95 >= self.today
            return False
        if kind == "certificate":
            return any(c["code"].lower() == rest and self._valid(c.get("valid_until"))
                       for c in p.get("certificates") or [])
        if kind == "skill":
            return rest in [s.lower() for s in p.get("skills") or []]
        if kind == "experience":
            return any(e["occupation"] == rest for e in p.get("experience") or [])
        if kind == "language":
            code, _, level = rest.partition(":")
            need = level_rank(code, level)
            for l in p.get("languages") or []:
                if l["code"].lower() == code:
                    have = level_rank(code, l["level"])
                    if have is not None and have >= need:
                        return True
            return False
        raise ValueError("unknown term kind in %r" % (term,))

    def unmet_groups(self, p, groups):
        """Indices of the groups p meets no term of."""
        return [i for i, g in enumerate(groups) if not any(self.holds(p, t) for t in g)]

    def meets(self, p, groups):
        return not self.unmet_groups(p, groups)

    def occupation_require(self, code):
        return [list(g) for g in self.occupations[code]["require"]]

    def qualifying(self, people, groups, near=None, km=None):
        """ids (set) of people meeting every group, and when km is given,
        within km of the municipality near."""
        out = set()
        for p in people:
            if not self.meets(p, groups):
                continue
            if km is not None:
                d = self.distance(p, near)
                if d is None or d > km:
                    continue
            out.add(p["id"])
        return out


def normalise_term(term):
    """language:nl:2F -> language:nl:B1 (the form API.md's examples use)."""
    parts = term.split(":")
    if parts[0] == "language" and len(parts) == 3:
        lvl = parts[2].upper()
        if parts[1].lower() == "nl" and lvl in NL_REFERENCE:
            lvl = NL_REFERENCE[lvl]
        return "language:%s:%s" % (parts[1].lower(), lvl)
    return term


def groups_as_sets(groups):
    """A requirement list compared without regard to order."""
    return sorted(sorted(set(g)) for g in groups)


# -- population -------------------------------------------------------------

def generate(seed, count, today, prefix="js-"):
    """Profiles from the project's generator (vaardig-gen), as dicts."""
    out = subprocess.run([harness.VAARDIG_GEN, "--seed", str(seed), "--count", str(count),
                          "--today", today, "--data", harness.VAARDIG_DATA,
                          "--prefix", prefix],
                         check=True, stdout=subprocess.PIPE).stdout
    return [json.loads(line) for line in out.decode("utf-8").splitlines() if line.strip()]


def planted(today):
    """Hand-written profiles at the edges of the rules, relative to today.
    Their municipalities are small or far away so that a narrow query finds
    them all (count >= total)."""
    y = shift_date(today, -1)      # expired yesterday
    later = shift_date(today, 800)
    far = shift_date(today, 2000)
    nl_b1 = [{"code": "nl", "level": "B1"}]
    s = "Schiermonnikoog"
    return [
        # Licence B, no chauffeur experience at all: a chauffeur.
        {"id": "plant-b-noexp", "municipality": s, "licences": [{"category": "B",
         "valid_until": far}], "languages": nl_b1,
         "experience": [{"occupation": "schoonmaker", "months": 12}]},
        # Licence B expired yesterday: not a chauffeur.
        {"id": "plant-b-expired", "municipality": s, "licences": [{"category": "B",
         "valid_until": y}], "languages": nl_b1,
         "experience": [{"occupation": "chauffeur", "months": 60}]},
        # Licence B valid through today: a chauffeur.
        {"id": "plant-b-today", "municipality": s, "licences": [{"category": "B",
         "valid_until": today}]},
        # CE with code 95 expired yesterday: chauffeur, not vrachtwagenchauffeur.
        {"id": "plant-ce-c95-expired", "municipality": s, "licences": [
            {"category": "B", "valid_until": far},
            {"category": "C", "valid_until": later, "code95_until": y},
            {"category": "CE", "valid_until": later, "code95_until": y}],
         "experience": [{"occupation": "vrachtwagenchauffeur", "months": 100}]},
        # CE with valid code 95 (through today): vrachtwagenchauffeur.
        {"id": "plant-ce-c95-today", "municipality": s, "licences": [
            {"category": "CE", "valid_until": later, "code95_until": today}]},
        # Code 95 still valid on an expired CE licence: not a vrachtwagenchauffeur.
        {"id": "plant-ce-expired-c95", "municipality": s, "licences": [
            {"category": "B", "valid_until": far},
            {"category": "CE", "valid_until": y, "code95_until": later}]},
        # Code 95 behind C, D without code 95: vrachtwagen- but not buschauffeur.
        {"id": "plant-c95-d-no95", "municipality": s, "licences": [
            {"category": "B", "valid_until": far},
            {"category": "C", "valid_until": later, "code95_until": later},
            {"category": "D", "valid_until": later}],
         "experience": [{"occupation": "buschauffeur", "months": 40}]},
        # D with code 95: buschauffeur.
        {"id": "plant-d-95", "municipality": s, "licences": [
            {"category": "B", "valid_until": far},
            {"category": "D", "valid_until": later, "code95_until": later}],
         "languages": nl_b1},
        # Taxi: B + valid chauffeurskaart.
        {"id": "plant-taxi-ok", "municipality": s, "licences": [{"category": "B",
         "valid_until": far}], "certificates": [{"code": "chauffeurskaart",
                                                 "valid_until": later}]},
        # Taxi: chauffeurskaart expired yesterday.
        {"id": "plant-taxi-kaart-expired", "municipality": s, "licences": [
            {"category": "B", "valid_until": far}], "certificates": [
            {"code": "chauffeurskaart", "valid_until": y}],
         "experience": [{"occupation": "taxichauffeur", "months": 30}]},
        # Taxi: chauffeurskaart valid, licence B expired.
        {"id": "plant-taxi-b-expired", "municipality": s, "licences": [
            {"category": "B", "valid_until": y}], "certificates": [
            {"code": "chauffeurskaart", "valid_until": later}]},
        # Heftruck certificate expired yesterday, with VCA.
        {"id": "plant-heftruck-expired", "municipality": s, "certificates": [
            {"code": "heftruck", "valid_until": y}, {"code": "vca-basis"}],
         "experience": [{"occupation": "heftruckchauffeur", "months": 50}]},
        # Heftruck (no end date) + VCA basis valid through today.
        {"id": "plant-heftruck-vca-basis", "municipality": s, "certificates": [
            {"code": "heftruck"}, {"code": "vca-basis", "valid_until": today}]},
        # Heftruck + VCA VOL.
        {"id": "plant-heftruck-vca-vol", "municipality": s, "certificates": [
            {"code": "heftruck", "valid_until": later}, {"code": "vca-vol"}]},
        # Heftruck + VCA basis expired: not "met VCA".
        {"id": "plant-heftruck-vca-expired", "municipality": s, "certificates": [
            {"code": "heftruck"}, {"code": "vca-basis", "valid_until": y}]},
        # Heftruck + VCA VIL (not VCA basis or VOL).
        {"id": "plant-heftruck-vca-vil", "municipality": s, "certificates": [
            {"code": "heftruck"}, {"code": "vca-vil"}]},
        # Languages: English B1, English A2, Dutch 2F (= B1), Dutch 1F (= A2).
        {"id": "plant-en-b1", "municipality": s, "languages": [
            {"code": "nl", "level": "1F"}, {"code": "en", "level": "B1"}],
         "experience": [{"occupation": "schoonmaker", "months": 5}]},
        {"id": "plant-en-a2", "municipality": s, "languages": [{"code": "en", "level": "A2"}],
         "experience": [{"occupation": "schoonmaker", "months": 50}]},
        {"id": "plant-nl-2f", "municipality": s, "licences": [
            {"category": "CE", "valid_until": later, "code95_until": later}],
         "languages": [{"code": "nl", "level": "2F"}]},
        {"id": "plant-nl-1f", "municipality": s, "licences": [
            {"category": "CE", "valid_until": later, "code95_until": later}],
         "languages": [{"code": "nl", "level": "1F"}]},
        # Own location in Utrecht, municipality Maastricht: near Utrecht.
        {"id": "plant-loc-utrecht", "municipality": "Maastricht",
         "location": {"lat": 52.0950, "lon": 5.1300},
         "licences": [{"category": "B", "valid_until": far}],
         "certificates": [{"code": "heftruck"}]},
        # Municipality Utrecht, own location in Groningen: not near Utrecht.
        {"id": "plant-loc-groningen", "municipality": "Utrecht",
         "location": {"lat": 53.2150, "lon": 6.5600},
         "licences": [{"category": "B", "valid_until": far}],
         "certificates": [{"code": "heftruck"}]},
        # Lives in Rotterdam (by municipality) but is in Groningen: a
        # vrachtwagenchauffeur "in Rotterdam" whose distance is ~200 km.
        {"id": "plant-rtm-in-groningen", "municipality": "Rotterdam",
         "location": {"lat": 53.2200, "lon": 6.5700},
         "licences": [{"category": "B", "valid_until": far},
                      {"category": "C", "valid_until": later, "code95_until": later},
                      {"category": "CE", "valid_until": later, "code95_until": later}],
         "languages": [{"code": "nl", "level": "B2"}]},
    ]


def load(server, people, threads=8):
    """PUTs every profile (8 threads). Returns the list of failures
    (id, response) — empty when every PUT answered 201."""
    failures = []
    lock = threading.Lock()
    chunks = [people[i::threads] for i in range(threads)]

    def work(chunk):
        for p in chunk:
            try:
                r = server.request("PUT", "/v1/jobseekers/" + p["id"], p, token="caseworker")
                ok = r.status == 201
            except OSError as e:
                r, ok = e, False
            if not ok:
                with lock:
                    failures.append((p["id"], r))

    ts = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return failures


# -- checking answers ---------------------------------------------------------

def check_answer(c, what, r, o, people, by_id, require, count, near=None, km=None,
                 in_place=None):
    """Checks a search-shaped answer r (a search, or a vacancy's matches)
    against the oracle o over people (by_id: the same profiles by id).

    require: the expected requirement groups; count: the expected (lowered)
    count; near/km: hard distance filter; in_place: "in <municipality>".
    Returns (results, qualifying ids) for further checks, or None."""
    if not c.status(r, 200, what):
        return None
    body = r.json
    if not c.check(isinstance(body, dict) and isinstance(body.get("results"), list)
                   and isinstance(body.get("query"), dict), "%s: not a search answer: %r"
                   % (what, r)):
        return None
    query = body["query"]
    got_req = query.get("require")
    want_req = [[normalise_term(t) for t in g] for g in require]
    if not c.check(isinstance(got_req, list) and all(isinstance(g, list) for g in got_req),
                   "%s: query.require is not a list of groups: %r" % (what, got_req)):
        return None
    c.eq(groups_as_sets(got_req), groups_as_sets(want_req),
         what + ": query.require (as sets)")
    c.eq(query.get("count"), count, what + ": query.count")

    place = near if near is not None else in_place
    qualifying = o.qualifying(people, want_req, near, km)
    total = body.get("total")
    if not c.eq(total, len(qualifying), what + ": total (oracle count)"):
        got_ids = {x.get("id") for x in body["results"]}
        print("   %s: oracle qualifies %d; results not qualifying: %r; qualifying, "
              "not in results: %r" % (what, len(qualifying), sorted(got_ids - qualifying)[:10],
                                      sorted(qualifying - got_ids)[:10]))
        if km is not None:
            edge = [p["id"] for p in people if o.meets(p, want_req)
                    and abs(o.distance(p, near) - km) < 0.5]
            print("   %s: qualifying people within 0.5 km of the %g km edge: %r"
                  % (what, km, edge[:20]))
    results = body["results"]
    c.eq(len(results), min(count, len(qualifying)), what + ": len(results) = min(count, total)")
    ids = [x.get("id") for x in results]
    c.eq(len(set(ids)), len(ids), what + ": result ids are distinct")

    for pos, res in enumerate(results):
        rid = res.get("id")
        where = "%s: result %d (%s)" % (what, pos, rid)
        if not c.check(rid in qualifying, where + ": not in the oracle's qualifying set"):
            p = by_id.get(rid)
            if p is not None:
                print("   unmet groups %r of %r; distance %r" % (
                    o.unmet_groups(p, want_req), want_req,
                    o.distance(p, near) if near else None))
            continue
        p = by_id[rid]
        c.check(isinstance(res.get("score"), (int, float)) and
                not isinstance(res.get("score"), bool), where + ": score is not a number")
        met = res.get("met")
        if c.check(isinstance(met, list), where + ": met is not a list: %r" % (met,)):
            for i, group in enumerate(got_req):
                bys = [m.get("by") for m in met if isinstance(m, dict) and m.get("require") == i]
                c.check(any(b in group and o.holds(p, b) for b in bys if isinstance(b, str)),
                        "%s: met names no held term of group %d %r: %r" % (where, i, group, met))
            for m in met:
                b = m.get("by") if isinstance(m, dict) else None
                i = m.get("require") if isinstance(m, dict) else None
                c.check(isinstance(i, int) and 0 <= i < len(got_req) and b in got_req[i]
                        and o.holds(p, b),
                        "%s: met entry %r is not a held term of its group" % (where, m))
        for term in res.get("preferred") or []:
            try:
                held = o.holds(p, term)
            except ValueError:
                held = False
            c.check(held, "%s: preferred %r is not held by the person" % (where, term))
        if place is not None:
            want_d = o.distance(p, place)
            got_d = res.get("distance_km")
            if c.check(isinstance(got_d, (int, float)), where + ": no distance_km"):
                c.check(abs(got_d - want_d) <= DIST_TOLERANCE_KM,
                        "%s: distance_km %r, expected %.3f" % (where, got_d, want_d))
            if km is not None:
                c.check(want_d <= km, "%s: %.3f km from %s, beyond %g km" % (where, want_d,
                                                                             near, km))

    # Best first by score, within the same "in" tier.
    tiers = [o.lives_in(by_id[i], in_place) if in_place and i in by_id else True
             for i in ids]
    scores = [x.get("score") for x in results]
    for k in range(1, len(results)):
        if tiers[k] == tiers[k - 1] and isinstance(scores[k], (int, float)) \
                and isinstance(scores[k - 1], (int, float)):
            c.check(scores[k] <= scores[k - 1], "%s: score rises at position %d (%r after %r)"
                    % (what, k, scores[k], scores[k - 1]))

    if in_place is not None:
        residents = {i for i in qualifying if o.lives_in(by_id[i], in_place)}
        if len(residents) >= count:
            c.check(all(tiers), "%s: %d qualifying people live in %s, yet results hold "
                    "others: %r" % (what, len(residents), in_place,
                                    [i for i, t in zip(ids, tiers) if not t]))
        else:
            n = len(residents)
            c.eq(set(ids[:n]), residents, "%s: the first %d results are everyone qualifying "
                 "who lives in %s" % (what, n, in_place))
            c.check(not any(tiers[n:]), "%s: a resident of %s after a non-resident"
                    % (what, in_place))
    return results, qualifying


def check_planted(c, what, results, qualifying, inside, outside):
    """inside: planted ids the oracle qualifies and results (count >= total)
    must hold; outside: planted ids that must not appear."""
    ids = {x.get("id") for x in results}
    for i in inside:
        c.check(i in qualifying, "%s: oracle self-check: %s should qualify" % (what, i))
        c.check(i in ids, "%s: planted %s missing from results" % (what, i))
    for i in outside:
        c.check(i not in qualifying, "%s: oracle self-check: %s should not qualify" % (what, i))
        c.check(i not in ids, "%s: planted %s must not be a result" % (what, i))

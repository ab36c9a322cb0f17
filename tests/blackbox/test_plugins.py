#!/usr/bin/env python3
"""Black-box tests of the plugin system (API.md "Plugin settings and plugin
routes", "Source ids") against the real vaardigd with the real modules of
plugins/ (source-jsonld, source-csv, example) and a module that is no shared
object at all.

The postings in fixtures/postings are written the way vacancy sites publish
them (an ItemList, a single JobPosting with a CategoryCode, a Yoast-style
@graph in a saved HTML page, an array with an expired and an impossible
posting, a broken file); fixtures/vacatures.csv is a spreadsheet export with
a byte-order mark, ';' between fields, CRLF line ends and quoted fields that
hold ';', '""' and line breaks. The vacancies expected from them are written
out below from the files and the taxonomy in data/, never copied from what
the server said. The server runs with a fixed VAARDIG_TODAY."""

import json
import os
import shutil
import signal
import time

import harness

TODAY = "2026-06-01"
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(harness.VAARDIGD)))
MODULES = ("example", "source-jsonld", "source-csv")
CODE95_ANY = ["code95:C1", "code95:C1E", "code95:C", "code95:CE", "code95:D1", "code95:D1E",
              "code95:D", "code95:DE"]
COLUMNS = {"id": "Vacaturenummer", "title": "Functie", "occupation": "Beroep",
           "municipality": "Plaats", "hours_per_week": "Uren", "employer": "Werkgever",
           "valid_through": "Sluitingsdatum", "openings": "Aantal", "requirements": "Eisen",
           "skills": "Vaardigheden"}

# What each posting must become. require/prefer are compared as sets.
EXPECTED = {
    # ItemList, identifier.value, "8332 ..." (two occupations: the title decides).
    "jsonld-ACC-1": {
        "title": "Vrachtwagenchauffeur C/CE nationaal", "occupation": "vrachtwagenchauffeur",
        "municipality": "Rotterdam", "hours_per_week": 40, "openings": 3,
        "employer": "Transport Rijnmond BV", "valid_through": "2026-12-31",
        "require": [["licence:CE"], CODE95_ANY, ["language:nl:A2"]],
        "prefer": ["certificate:vca-basis", "skill:laden-en-lossen",
                   "experience:vrachtwagenchauffeur"]},
    # An occupation by name, a woonplaats for a locality, "32-40 uur".
    "jsonld-ACC-2": {
        "title": "Heftruckchauffeur (32-40 uur)", "occupation": "heftruckchauffeur",
        "municipality": "Rotterdam", "hours_per_week": 32, "employer": "Transport Rijnmond BV",
        "valid_through": "2026-10-15"},
    # A CategoryCode 8322 (taxichauffeur and bezorger): the title decides.
    "jsonld-TX-77": {
        "title": "Taxichauffeur (m/v/x) Amsterdam", "occupation": "taxichauffeur",
        "municipality": "Amsterdam", "openings": 4, "employer": "Taxi Centrale Amsterdam",
        "valid_through": "2026-09-30",
        "require": [["certificate:chauffeurskaart"], ["licence:B"], ["language:nl:B1"]],
        "prefer": ["skill:klantgericht", "skill:navigeren"]},
    # JSON-LD in a saved page, no identifier: the file's name and position.
    "jsonld-schoonmaak-denhaag.html-1": {
        "title": "Schoonmaker kantoren (avond)", "occupation": "schoonmaker",
        "municipality": "'s-Gravenhage", "hours_per_week": 20, "employer": "Schoon & Co",
        "valid_through": "2026-08-31", "prefer": ["skill:zelfstandig", "skill:nauwkeurig"]},
    # A numeric identifier and a bare ISCO code.
    "jsonld-5120017": {
        "title": "Kok à la carte", "occupation": "kok", "municipality": "Utrecht",
        "hours_per_week": 36, "employer": "Brasserie De Dom", "valid_through": "2026-07-31",
        "require": [["certificate:haccp"]]},
    # CSV: ';' and '""' inside quotes, a line break inside the requirements.
    "csv-4711": {
        "title": "Orderpicker; koel- en vriesvers", "occupation": "orderpicker",
        "municipality": "Tilburg", "hours_per_week": 38, "openings": 5,
        "employer": 'Distributie "Zuid" BV', "valid_through": "2026-12-31",
        "require": [["certificate:heftruck"], ["certificate:vca-basis"]],
        "prefer": ["skill:orderpicken"]},
    "csv-4712": {
        "title": "Buschauffeur streekvervoer", "occupation": "buschauffeur",
        "municipality": "Groningen", "hours_per_week": 32.5, "openings": 2,
        "employer": "OV Noord", "valid_through": "2026-09-30",
        "require": [["code95:D"], ["language:nl:B1"]], "prefer": ["skill:klantgericht"]},
    # No id: the file's name and the spreadsheet row.
    "csv-vacatures.csv-5": {
        "title": "Kok", "occupation": "kok", "municipality": "Utrecht", "hours_per_week": 40,
        "openings": 1, "employer": "Restaurant \"'t Hoekje\"", "valid_through": "2026-08-31",
        "require": [["certificate:haccp"]]},
    # A line break inside the quoted title.
    "csv-4716": {
        "title": "Magazijnmedewerker (nachtdienst)", "occupation": "magazijnmedewerker",
        "municipality": "Venlo", "hours_per_week": 40, "employer": 'Logistiek "Noord"'},
}
# Past validThrough, a municipality that does not exist, a broken file, bad rows.
NEVER = ["jsonld-AFW-2026-01", "jsonld-MAAN-1", "jsonld-KAPOT-1", "csv-4713", "csv-4715"]

SERVER = None
POSTINGS = None
CSV_FILE = None


def setup_dirs(tmp):
    """Copies of the fixtures (the tests change them) and a plugins folder
    with the built modules and one file that is no shared object."""
    postings = os.path.join(tmp, "postings")
    shutil.copytree(os.path.join(FIXTURES, "postings"), postings)
    csv_file = os.path.join(tmp, "vacatures.csv")
    shutil.copy(os.path.join(FIXTURES, "vacatures.csv"), csv_file)
    plugins = os.path.join(tmp, "plugins")
    os.mkdir(plugins)
    for name in MODULES:
        so = os.path.join(BUILD, "plugins", name, ".libs", name + ".so")
        if not os.path.exists(so):
            raise SystemExit("FAIL: %s is not built" % so)
        os.symlink(so, os.path.join(plugins, name + ".so"))
    with open(os.path.join(plugins, "kapot.so"), "w") as f:
        f.write("this is not a shared object\n")
    return postings, csv_file, plugins


def plugin_config(postings, csv_file, plugins):
    return {"plugins_dir": plugins,
            "plugins": {"source-jsonld": {"dir": postings, "interval_s": 1},
                        "source-csv": {"file": csv_file, "interval_s": 1, "delimiter": ";",
                                       "columns": COLUMNS},
                        "example": {"greeting": "goedemorgen"}}}


def wait_for(what, predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return None


def vacancy(id):
    r = SERVER.request("GET", "/v1/vacancies/" + id, token="employer-service")
    return r.json if r.status == 200 else None


def plugin_entry(name):
    r = SERVER.request("GET", "/v1/plugins", token="admin")
    for p in (r.json or {}).get("plugins", []):
        if p.get("name") == name:
            return p
    return None


def as_set(groups):
    return {json.dumps(sorted(g)) if isinstance(g, list) else g for g in groups or []}


def test_postings_become_vacancies(c):
    got = wait_for("all vacancies", lambda: all(vacancy(i) for i in EXPECTED))
    c.check(got, "every expected vacancy is stored within 15 s")
    for id, want in EXPECTED.items():
        v = vacancy(id)
        if not c.check(v is not None, "%s is stored" % id):
            continue
        c.eq(v.get("source"), "source-jsonld" if id.startswith("jsonld-") else "source-csv",
             "%s: source" % id)
        for key in ("title", "occupation", "municipality", "hours_per_week", "openings",
                    "employer", "valid_through"):
            c.eq(v.get(key), want.get(key), "%s: %s" % (id, key))
        for key in ("require", "prefer"):
            c.eq(as_set(v.get(key)), as_set(want.get(key)), "%s: %s" % (id, key))
    for id in NEVER:
        c.status(SERVER.request("GET", "/v1/vacancies/" + id), 404, "%s is not stored" % id)
    r = SERVER.request("GET", "/v1/vacancies?per_page=1000", token="employer-service")
    c.eq(sorted(v["id"] for v in r.json["results"]), sorted(EXPECTED), "the vacancy list")


def test_plugins_listed_with_their_problems(c):
    r = SERVER.request("GET", "/v1/plugins", token="admin")
    c.status(r, 200, "GET /v1/plugins")
    by_name = {p["name"]: p for p in r.json["plugins"]}
    c.eq(sorted(by_name), ["example", "kapot", "source-csv", "source-jsonld"], "plugins listed")
    for name in MODULES:
        p = by_name.get(name, {})
        c.eq(p.get("state"), "loaded", "%s: state" % name)
        c.eq(p.get("error"), None, "%s: error" % name)
        c.eq(p.get("version"), "1.0.0", "%s: version" % name)
        c.eq(p.get("hook_errors"), 0, "%s: hook_errors" % name)
    c.eq(by_name["source-jsonld"].get("kinds"), ["source"], "source-jsonld: kinds")
    bad = by_name.get("kapot", {})
    c.eq(bad.get("state"), "failed", "a file that is no shared object: state")
    c.check("no ELF header" in (bad.get("error") or ""), "its error says why: %r" % bad)
    c.check(bad.get("file", "").endswith("/kapot.so"), "its file is named: %r" % bad)
    c.check("kapot.so refused: not a shared object" in SERVER.stderr_text(),
            "one log line names the file and the reason")

    files = by_name["source-jsonld"].get("details", {}).get("files", {})
    c.check("line 6" in files.get("kapot.json", ""), "the broken file is named with its line: %r"
            % files)
    c.check("posting 3" in files.get("horeca-utrecht.json", "")
            and "/municipality" in files.get("horeca-utrecht.json", ""),
            "the impossible posting is named: %r" % files)
    c.eq(sorted(files), ["horeca-utrecht.json", "kapot.json"], "only the bad files are named")
    rows = by_name["source-csv"].get("details", {}).get("files", {}).get("vacatures.csv", "")
    c.check("row 4: /municipality" in rows, "CSV row 4 (no such place) is named: %r" % rows)
    c.check("row 7: '31-13-2026' is not a date" in rows, "CSV row 7 (bad date): %r" % rows)

    for role in ("employer-service", "caseworker"):
        c.status(SERVER.request("GET", "/v1/plugins", token=role), 403, "GET /v1/plugins as " + role)
        c.status(SERVER.request("POST", "/v1/plugins/reload", token=role), 403,
                 "POST /v1/plugins/reload as " + role)
    c.status(SERVER.request("GET", "/v1/plugins", token=None), 401, "GET /v1/plugins without token")


def test_source_ids_are_reserved(c):
    body = {"title": "Overschrijven", "occupation": "kok"}
    c.problem(SERVER.request("PUT", "/v1/vacancies/jsonld-ACC-1", body), 409,
              "PUT of a jsonld- id")
    c.problem(SERVER.request("PUT", "/v1/vacancies/csv-4711", body), 409, "PUT of a csv- id")
    c.eq(vacancy("jsonld-ACC-1")["title"], EXPECTED["jsonld-ACC-1"]["title"], "unchanged")


def test_example_route(c):
    r = SERVER.request("GET", "/v1/example/hello", token="employer-service")
    c.status(r, 200, "GET /v1/example/hello")
    c.eq((r.json or {}).get("greeting"), "goedemorgen", "the greeting from the config")
    c.eq((r.json or {}).get("caller"), "wsp-test", "the caller's token name")
    c.problem(SERVER.request("GET", "/v1/example/hello", token=None), 401, "without token")
    r = SERVER.raw(b"GET /v1/example/hello HTTP/1.1\r\nHost: x\r\n"
                   b"Authorization: Bearer nope\r\nConnection: close\r\n\r\n")
    c.problem(r, 401, "with an unknown token")
    c.problem(SERVER.request("POST", "/v1/example/hello", {}), 405, "another method")
    c.problem(SERVER.request("GET", "/v1/example/goodbye", token=None), 404, "an unknown path")
    c.problem(SERVER.request("PUT", "/v1/health", {}), 405, "a core path, another method")
    c.status(SERVER.request("GET", "/v1/health", token=None), 200, "health still public")


def test_lifecycle(c):
    # A file disappears: its vacancy is withdrawn.
    os.remove(os.path.join(POSTINGS, "taxi-tx77.jsonld"))
    c.check(wait_for("TX-77 withdrawn", lambda: vacancy("jsonld-TX-77") is None),
            "the vacancy of a removed file is withdrawn")
    # A newer file claims ACC-2: it wins, and the other is named.
    newer = {"@context": "https://schema.org", "@type": "JobPosting",
             "title": "Heftruckchauffeur dagdienst",
             "identifier": {"@type": "PropertyValue", "value": "ACC-2"},
             "occupationalCategory": "Heftruckchauffeur",
             "jobLocation": {"@type": "Place", "address": {"addressLocality": "Schiedam"}}}
    path = os.path.join(POSTINGS, "update-acc2.json")
    with open(path, "w") as f:
        json.dump(newer, f)
    later = os.stat(os.path.join(POSTINGS, "transport-rijnmond.json")).st_mtime + 60
    os.utime(path, (later, later))
    v = wait_for("ACC-2 replaced", lambda: (vacancy("jsonld-ACC-2") or {}).get("title")
                 == "Heftruckchauffeur dagdienst" and vacancy("jsonld-ACC-2"))
    c.check(v, "the newer file's posting wins the id")
    c.eq((v or {}).get("municipality"), "Schiedam", "with its own fields")
    conflicts = plugin_entry("source-jsonld").get("details", {}).get("conflicts", [])
    c.check(any(x.get("id") == "jsonld-ACC-2" and "transport-rijnmond.json" in x.get("ignored", "")
                for x in conflicts), "the other claim is named: %r" % conflicts)
    # A CSV row removed: withdrawn; the rest stays.
    with open(CSV_FILE, "rb") as f:
        text = f.read()
    start = text.index(b"4711;")
    end = text.index(b"\r\n4712;") + 2
    with open(CSV_FILE, "wb") as f:
        f.write(text[:start] + text[end:])
    c.check(wait_for("csv-4711 withdrawn", lambda: vacancy("csv-4711") is None),
            "a removed CSV row is withdrawn")
    c.check(vacancy("csv-4712") is not None, "the other rows stay")
    c.eq(plugin_entry("source-csv").get("hook_errors"), 0, "no hook errors")


def test_reload(c):
    r = SERVER.request("POST", "/v1/plugins/reload", token="admin")
    c.status(r, 200, "POST /v1/plugins/reload")
    c.eq(sorted(p["name"] for p in (r.json or {}).get("plugins", [])),
         ["example", "kapot", "source-csv", "source-jsonld"], "the reloaded list")
    c.status(SERVER.request("GET", "/v1/example/hello"), 200, "the example route is back")
    c.check(vacancy("jsonld-ACC-1") is not None, "vacancies survive a reload")
    SERVER.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    c.check(SERVER.alive(), "SIGHUP does not stop the server")
    c.check(wait_for("reload logged", lambda: SERVER.stderr_text().count("plugins: reloading") >= 2),
            "SIGHUP reloads the plugins")
    c.status(SERVER.request("GET", "/v1/example/hello"), 200, "the example route after SIGHUP")


def test_restart_withdraws_what_vanished(c):
    SERVER.stop()
    os.remove(os.path.join(POSTINGS, "horeca-utrecht.json"))
    SERVER.start()
    c.check(wait_for("5120017 withdrawn", lambda: vacancy("jsonld-5120017") is None),
            "a posting removed while the server was down is withdrawn after the restart")
    c.check(vacancy("jsonld-ACC-1") is not None, "the others stay")


def test_idle_without_dir(c):
    tmp = os.path.join(SERVER.tmp, "idle")
    os.mkdir(tmp)
    _, _, plugins = setup_dirs(tmp)
    config = {"plugins_dir": plugins, "plugins": {"source-jsonld": {"interval_s": 5}}}
    with harness.Server(config_extra=config, label="vaardigd (idle)") as s:
        r = s.request("GET", "/v1/plugins", token="admin")
        by_name = {p["name"]: p for p in r.json["plugins"]}
        c.eq(by_name["source-jsonld"]["state"], "loaded", "source-jsonld without dir: loaded")
        c.eq(by_name["source-csv"]["state"], "loaded", "source-csv without block: loaded")
        c.eq(s.request("GET", "/v1/vacancies").json["total"], 0, "and idle")
    bad = {"plugins_dir": plugins, "plugins": {"source-csv": {"file": "/x", "colums": {}}}}
    with harness.Server(config_extra=bad, label="vaardigd (bad key)") as s:
        r = s.request("GET", "/v1/plugins", token="admin")
        p = {p["name"]: p for p in r.json["plugins"]}["source-csv"]
        c.eq(p["state"], "failed", "an unknown config key refuses the plugin")
        c.check("colums" in (p.get("error") or ""), "the key is named: %r" % p)
        c.status(s.request("GET", "/v1/health", token=None), 200, "the server keeps serving")


def main():
    global SERVER, POSTINGS, CSV_FILE
    harness.require_binaries()
    os.environ["VAARDIG_TODAY"] = TODAY
    SERVER = harness.Server(label="vaardigd (plugins)")
    POSTINGS, CSV_FILE, plugins = setup_dirs(SERVER.tmp)
    SERVER.config_extra = plugin_config(POSTINGS, CSV_FILE, plugins)
    SERVER.start()
    try:
        harness.run([
            ("postings become vacancies", test_postings_become_vacancies),
            ("plugins listed with their problems", test_plugins_listed_with_their_problems),
            ("source ids are reserved", test_source_ids_are_reserved),
            ("example route", test_example_route),
            ("file lifecycle", test_lifecycle),
            ("reload", test_reload),
            ("restart", test_restart_withdraws_what_vanished),
            ("idle and refused source plugins", test_idle_without_dir),
        ])
    except SystemExit as e:
        if e.code:
            print("-- server stderr:\n%s" % SERVER.stderr_text()[-4000:])
        raise


if __name__ == "__main__":
    main()

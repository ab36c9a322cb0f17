"""Packaging (issue 7, item 5): `make install DESTDIR=...` from the build
dir puts the daemon, plugins, reference data, a sample config, the systemd
unit, the man pages and the backup scripts in their places; the INSTALLED
vaardigd starts with the installed sample config, changed only in data_dir,
listen and tokens (and its paths moved under DESTDIR), answers /v1/health
and a search, and loads every installed plugin.

The build dir comes from VAARDIG_BUILDDIR (tests/blackbox/blackbox.am)."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

# No __pycache__ in the source tree (it may be read-only, as in distcheck).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

BUILDDIR = os.environ.get("VAARDIG_BUILDDIR", "/tmp/build-blackbox")
MAKE = os.environ.get("VAARDIG_MAKE", "make").split()

# What the issue asks of the unit: key -> the value it must have.
UNIT_MUST = {
    "DynamicUser": "yes",
    "StateDirectory": "vaardig",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "NoNewPrivileges": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "MemoryDenyWriteExecute": "yes",
    "CapabilityBoundingSet": "",
    "ExecReload": "/bin/kill -HUP $MAINPID",
}


class Installed:
    """One make install into a temporary DESTDIR, and where things went."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="vd-install-")
        self.dest = os.path.join(self.tmp, "root")
        env = {k: v for k, v in os.environ.items()
               if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DESTDIR")}
        p = subprocess.run(MAKE + ["-C", BUILDDIR, "install", "DESTDIR=" + self.dest],
                           stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=900)
        self.rc = p.returncode
        self.log = (p.stdout + p.stderr).decode("utf-8", "replace")
        self.files = {}
        for root, _dirs, files in os.walk(self.dest):
            for f in files:
                full = os.path.join(root, f)
                self.files.setdefault(f, []).append("/" + os.path.relpath(full, self.dest))

    def one(self, name):
        paths = self.files.get(name, [])
        return paths[0] if len(paths) == 1 else None

    def real(self, path):
        """path as installed (under DESTDIR)."""
        return os.path.join(self.dest, path.lstrip("/"))

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def parse_unit(text):
    """{section: {key: [values]}} from systemd unit text."""
    units, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        m = re.match(r"\[(\w+)\]$", line)
        if m:
            section = units.setdefault(m.group(1), {})
            continue
        key, eq, value = line.partition("=")
        if eq and section is not None:
            section.setdefault(key.strip(), []).append(value.strip())
    return units


def test_layout(c, inst):
    c.eq(inst.rc, 0, "make install exit status:\n%s" % inst.log[-3000:])
    where = {
        "vaardigd": r"/sbin/vaardigd$",
        "vaardig-backup": r"/sbin/vaardig-backup$",
        "vaardig-restore": r"/sbin/vaardig-restore$",
        "vaardigd.json.sample": r"/etc/vaardig/vaardigd\.json\.sample$",
        "vaardigd.service": r"/lib/systemd/system/vaardigd\.service$",
        "vaardigd.8": r"/share/man/man8/vaardigd\.8$",
        "vaardig-plugins.7": r"/share/man/man7/vaardig-plugins\.7$",
        "competences.json": r"/share/vaardig/competences\.json$",
        "gemeenten.csv": r"/share/vaardig/places/gemeenten\.csv$",
        "plugin.h": r"/include/vaardig/plugin\.h$",
    }
    for name, pattern in where.items():
        path = inst.one(name)
        c.check(path and re.search(pattern, path),
                "%s installed once, at ...%s: %r" % (name, pattern, inst.files.get(name)))
    for name in ("vaardigd", "vaardig-backup", "vaardig-restore"):
        path = inst.one(name)
        c.check(path and os.access(inst.real(path), os.X_OK), "%s is not executable" % name)
    # Every plugin built in the tree is installed.
    built = sorted(f for f in os.listdir(os.path.join(BUILDDIR, "plugins"))
                   if os.path.isdir(os.path.join(BUILDDIR, "plugins", f, ".libs"))
                   and any(x.endswith(".so") for x in
                           os.listdir(os.path.join(BUILDDIR, "plugins", f, ".libs"))))
    for name in built:
        path = inst.one(name + ".so")
        c.check(path and path.endswith("/plugins/%s.so" % name),
                "plugin %s installed in a plugins folder: %r" % (name, path))


def sample_config(c, inst):
    path = inst.one("vaardigd.json.sample")
    if not c.check(path, "no sample config installed"):
        return None
    with open(inst.real(path)) as f:
        config = json.load(f)
    c.eq(config.get("data_dir"), "/var/lib/vaardig", "sample data_dir (the unit's StateDirectory)")
    c.eq(config.get("listen"), "127.0.0.1:8080", "sample listen")
    so = inst.one("example.so")
    c.check(so and config.get("plugins_dir") == os.path.dirname(so),
            "sample plugins_dir %r is where the plugins went (%r)" % (config.get("plugins_dir"), so))
    comp = inst.one("competences.json")
    c.check(comp and config.get("reference_dir") == os.path.dirname(comp),
            "sample reference_dir %r is where the data went (%r)"
            % (config.get("reference_dir"), comp))
    c.check(isinstance(config.get("tokens"), list) and len(config["tokens"]) == 1,
            "sample has one example token: %r" % config.get("tokens"))
    return config


def relocated(inst, config):
    """The sample's installed paths, moved under DESTDIR (make install put
    them there instead of at the prefix)."""
    config = json.loads(json.dumps(config))
    for key in ("plugins_dir", "reference_dir"):
        config[key] = inst.real(config[key])
    return config


def test_sample_config(c, inst, tmp):
    config = sample_config(c, inst)
    vaardigd = inst.one("vaardigd")
    if not config or not vaardigd:
        return
    vaardigd = inst.real(vaardigd)
    # As shipped, only the placeholder token is wrong: it must be replaced.
    as_shipped = relocated(inst, config)
    data = os.path.join(tmp, "data-check")
    os.mkdir(data)
    as_shipped["data_dir"] = data
    path = os.path.join(tmp, "as-shipped.json")
    with open(path, "w") as f:
        json.dump(as_shipped, f)
    p = subprocess.run([vaardigd, "--check-config", path], capture_output=True, text=True,
                       timeout=60)
    c.eq(p.returncode, 1, "the sample as shipped is refused until its token is replaced")
    lines = [l for l in p.stderr.splitlines() if l]
    c.check(len(lines) == 1 and "tokens[0].sha256" in lines[0],
            "the sample's only problem is its placeholder token: %r" % lines)


def test_installed_server(c, inst, tmp):
    config = sample_config(c, inst)
    vaardigd = inst.one("vaardigd")
    if not config or not vaardigd:
        return
    harness.VAARDIGD = inst.real(vaardigd)
    base = relocated(inst, config)
    names = {"admin": config["tokens"][0]["name"], "caseworker": "km-test",
             "employer-service": "wsp-test"}

    class InstalledServer(harness.Server):
        def write_config(self, port):
            cf = dict(base, listen="127.0.0.1:%d" % port, data_dir=self.data_dir,
                      tokens=[{"name": names[r], "role": r,
                               "sha256": harness.sha256_hex(self.secrets[r])}
                              for r in harness.ROLES])
            path = os.path.join(self.tmp, "vaardigd.json")
            with open(path, "w") as f:
                json.dump(cf, f, indent=1)
            return path

    srv = InstalledServer(label="installed vaardigd")
    srv.start()
    # --check-config of what it runs with says OK.
    p = subprocess.run([harness.VAARDIGD, "--check-config", os.path.join(srv.tmp, "vaardigd.json")],
                       capture_output=True, text=True, timeout=60)
    c.eq((p.returncode, p.stderr), (0, ""), "--check-config of the adjusted sample")

    r = srv.request("GET", "/v1/health", token=None)
    c.status(r, 200, "GET /v1/health")
    profile = {"municipality": "Rotterdam", "licences": [{"category": "B"}],
               "languages": [{"code": "nl", "level": "B1"}]}
    c.status(srv.request("PUT", "/v1/jobseekers/inst-1", profile), 201, "PUT a profile")
    c.status(srv.request("PUT", "/v1/jobseekers/inst-2", {"municipality": "Utrecht"}), 201,
             "PUT a profile without licence")
    r = srv.request("GET", "/v1/search?q=chauffeurs", token="employer-service")
    if c.status(r, 200, "search on the installed server"):
        c.eq(r.json.get("total"), 1, "search total: only the licence holder")
        c.eq([x.get("id") for x in r.json.get("results", [])], ["inst-1"], "search results")

    # Every installed plugin loads from the installed folder.
    so_files = sorted(p for p in inst.files if p.endswith(".so"))
    r = srv.request("GET", "/v1/plugins", token="admin")
    if c.status(r, 200, "GET /v1/plugins"):
        listed = {os.path.basename(p.get("file", "")): p for p in r.json.get("plugins", [])}
        c.eq(sorted(listed), so_files, "the installed plugins listed")
        for f, p in listed.items():
            c.eq(p.get("state"), "loaded", "plugin %s state (error %r)" % (f, p.get("error")))
            c.check(p.get("file", "").startswith(base["plugins_dir"] + "/"),
                    "plugin %s loaded from the installed folder: %r" % (f, p.get("file")))

    # systemctl reload sends SIGHUP: the server keeps serving, plugins reload.
    srv.proc.send_signal(signal.SIGHUP)
    r = srv.request("GET", "/v1/plugins", token="admin")
    if c.status(r, 200, "GET /v1/plugins after SIGHUP"):
        c.eq(sorted(p.get("state") for p in r.json.get("plugins", [])),
             ["loaded"] * len(so_files), "plugins after SIGHUP")
    c.eq(srv.stop(), 0, "SIGTERM: clean exit")
    # Every log line is one event with a priority journald reads.
    text = srv.stderr_text()
    lines = [l for l in text.splitlines() if l and not l.startswith("---- start")]
    c.check(lines, "the installed server logged nothing")
    bad = [l for l in lines if not re.match(r"<[0-7]>vaardigd: \S", l)]
    c.eq(bad, [], "log lines without a '<N>vaardigd: ' prefix")


def test_unit(c, inst, tmp):
    path = inst.one("vaardigd.service")
    vaardigd = inst.one("vaardigd")
    sample = inst.one("vaardigd.json.sample")
    if not c.check(path and vaardigd and sample, "no unit, daemon or sample installed"):
        return
    with open(inst.real(path)) as f:
        text = f.read()
    c.check(not re.search(r"@[a-z_]+@", text), "unsubstituted @...@ left in the unit")
    unit = parse_unit(text)
    service = unit.get("Service", {})
    for key, want in UNIT_MUST.items():
        c.eq(service.get(key, [None])[-1], want, "[Service] %s" % key)
    c.check(service.get("SystemCallFilter", [None])[0] == "@system-service",
            "SystemCallFilter starts from @system-service: %r" % service.get("SystemCallFilter"))
    c.check(service.get("Type", ["simple"])[-1] == "simple",
            "Type is simple (vaardigd does not call sd_notify)")
    c.eq(unit.get("Install", {}).get("WantedBy"), ["multi-user.target"], "[Install] WantedBy")
    start = service.get("ExecStart", [""])[-1].split()
    c.eq(start[:2], [vaardigd, "--config"], "ExecStart runs the installed vaardigd")
    c.check(len(start) == 3 and os.path.dirname(start[2]) == os.path.dirname(sample),
            "ExecStart's config lies beside the sample: %r" % start)
    docs = " ".join(unit.get("Unit", {}).get("Documentation", []))
    c.check("man:vaardigd(8)" in docs and "man:vaardig-plugins(7)" in docs,
            "Documentation names both man pages: %r" % docs)

    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("note: no systemd-analyze here; checked the unit's keys only")
        return
    # The unit as it would be at the prefix: its daemon moved under DESTDIR
    # (verify wants the binary), its man pages found there.
    copy = os.path.join(tmp, "vaardigd.service")
    with open(copy, "w") as f:
        f.write(text.replace(vaardigd, inst.real(vaardigd)))
    man = inst.one("vaardigd.8")
    env = dict(os.environ, MANPATH=inst.real(os.path.dirname(os.path.dirname(man))))
    p = subprocess.run([analyze, "verify", copy], capture_output=True, text=True, env=env,
                       timeout=120)
    # verify exits 0 on unknown keys and bad values too: any word is a fault.
    c.check(p.returncode == 0 and not p.stderr.strip() and not p.stdout.strip(),
            "systemd-analyze verify: rc %d\n%s%s" % (p.returncode, p.stdout, p.stderr))


def test_man_pages(c, inst):
    groff = shutil.which("groff")
    for name in ("vaardigd.8", "vaardig-plugins.7"):
        path = inst.one(name)
        if not c.check(path, "%s not installed" % name):
            continue
        if not groff:
            continue
        p = subprocess.run([groff, "-man", "-wall", "-Tutf8", "-P-cbou", inst.real(path)],
                           capture_output=True, timeout=60)
        c.eq(p.stderr.decode("utf-8", "replace"), "", "groff warnings for %s" % name)
        text = p.stdout.decode("utf-8", "replace")
        c.check("NAME" in text and "SEE ALSO" in text, "%s renders with its sections" % name)
        if name == "vaardigd.8":
            for word in ("--check-config", "vaardig-backup", "journal", "SIGHUP"):
                c.check(word in text.replace("\u2010", "-"), "vaardigd(8) covers %s" % word)


def main():
    harness.require_binaries()
    inst = Installed()
    tmp = tempfile.mkdtemp(prefix="vd-install-work-")
    try:
        harness.run([
            ("installed layout", lambda c: test_layout(c, inst)),
            ("sample config", lambda c: test_sample_config(c, inst, tmp)),
            ("installed server", lambda c: test_installed_server(c, inst, tmp)),
            ("systemd unit", lambda c: test_unit(c, inst, tmp)),
            ("man pages", lambda c: test_man_pages(c, inst)),
        ])
    finally:
        inst.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Shared helpers for the black-box tests: start the real vaardigd on a free
loopback port, talk HTTP to it, and report failures the way automake's test
driver reads them (exit 0 = pass, anything else = fail).

Standard library only. The paths come from the environment that
tests/blackbox/blackbox.am sets; by hand they default to /tmp/build-blackbox.

Expected answers are always computed here, from the request and the
reference data, never copied from what the server said.
"""

import atexit
import csv
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
VAARDIGD = os.environ.get("VAARDIGD", "/tmp/build-blackbox/server/vaardigd")
VAARDIG_GEN = os.environ.get("VAARDIG_GEN", "/tmp/build-blackbox/server/vaardig-gen")
VAARDIG_DATA = os.environ.get(
    "VAARDIG_DATA", os.path.normpath(os.path.join(HERE, "..", "..", "data")))

ROLES = ("employer-service", "caseworker", "admin")
START_TIMEOUT = 30.0

# Every server started by any test, so that none outlives the test process.
_live = []
# Every server started during the current test (their stderr is shown when it fails).
_started_in_test = []


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def free_port():
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_config(port, data_dir, tokens, limits=None, **extra):
    """The config as a dict; tokens maps role -> secret (only hashes are kept)."""
    names = {"employer-service": "wsp-test", "caseworker": "km-test", "admin": "beheer"}
    config = {
        "listen": "127.0.0.1:%d" % port,
        "data_dir": data_dir,
        "reference_dir": VAARDIG_DATA,
        "tokens": [{"name": names[r], "role": r, "sha256": sha256_hex(tokens[r])}
                   for r in ROLES],
    }
    if limits:
        config["limits"] = limits
    config.update(extra)
    return config


class Response:
    """One HTTP answer: status, headers (case-insensitive get), raw body and,
    when the body is JSON, the parsed body in .json (else None)."""

    def __init__(self, status, headers, raw):
        self.status = status
        self._headers = [(k.lower(), v) for k, v in headers]
        self.raw = raw
        self.json = None
        ctype = self.header("content-type") or ""
        if raw and ("json" in ctype):
            try:
                self.json = json.loads(raw.decode("utf-8"))
            except ValueError:
                self.json = None

    def header(self, name):
        name = name.lower()
        for k, v in self._headers:
            if k == name:
                return v
        return None

    def headers_named(self, name):
        name = name.lower()
        return [v for k, v in self._headers if k == name]

    @property
    def content_type(self):
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    # So that `status, headers, body = server.request(...)` works too.
    def __iter__(self):
        return iter((self.status, self, self.json if self.json is not None else self.raw))

    def __repr__(self):
        text = self.raw[:300].decode("utf-8", "replace") if self.raw else ""
        return "<%d %s %s>" % (self.status, self.content_type, text)


class ServerFailed(Exception):
    pass


class Server:
    """The real vaardigd in a temporary directory (context manager).

    secrets: role -> bearer secret, freshly random; the config holds only
    their sha256."""

    def __init__(self, data_dir=None, limits=None, config_extra=None, label="vaardigd"):
        self.tmp = tempfile.mkdtemp(prefix="vd-blackbox-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        if not data_dir:
            os.mkdir(self.data_dir)
        self.limits = limits
        self.config_extra = config_extra or {}
        self.label = label
        self.secrets = {r: secrets.token_urlsafe(24) for r in ROLES}
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.tmp, "stderr.log")
        self.starts = 0
        _live.append(self)
        _started_in_test.append(self)

    # -- life cycle ------------------------------------------------------

    def write_config(self, port):
        path = os.path.join(self.tmp, "vaardigd.json")
        with open(path, "w") as f:
            json.dump(make_config(port, self.data_dir, self.secrets, self.limits,
                                  **self.config_extra), f, indent=1)
        return path

    def start(self):
        """Starts vaardigd and waits until /v1/health answers 200."""
        last = None
        for _attempt in range(3):
            self.port = free_port()
            config = self.write_config(self.port)
            self.starts += 1
            log = open(self.log_path, "ab")
            log.write(("---- start %d on port %d ----\n" % (self.starts, self.port)).encode())
            log.flush()
            offset = log.tell()
            self.proc = subprocess.Popen([VAARDIGD, "--config", config], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log)
            log.close()
            try:
                self.wait_ready()
                return self
            except ServerFailed as e:
                last = e
                # Someone took the port between our probe and the bind: try another.
                if "cannot listen" in self.stderr_text()[offset:]:
                    continue
                raise
        raise last

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise ServerFailed("vaardigd exited with %d while starting" % rc)
            try:
                r = self.request("GET", "/v1/health", token=None, timeout=2)
                if r.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise ServerFailed("vaardigd did not answer /v1/health within %gs" % timeout)

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Sends sig (SIGTERM: clean stop) and returns the exit status."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise ServerFailed("vaardigd did not exit within %gs of signal %d" % (timeout, sig))

    def kill(self):
        """SIGKILL: no chance to clean up."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self):
        """Starts again on the same data dir (after stop() or kill())."""
        self.kill()
        return self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        # SIGTERM, so that a sanitizer build reports leaks at exit.
        try:
            self.stop(timeout=60)
        except ServerFailed:
            pass  # killed; run() reports what its stderr says
        return False

    def stderr_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- HTTP -------------------------------------------------------------

    def auth_header(self, token):
        """token: a role name, None for no header."""
        if token is None:
            return {}
        if token not in self.secrets:
            raise ValueError("token must be a role name or None, not %r" % (token,))
        return {"Authorization": "Bearer " + self.secrets[token]}

    def request(self, method, path, body=None, token="caseworker", headers=None,
                content_type=None, timeout=30):
        """One request on a fresh connection. body: dict/list (sent as JSON),
        str or bytes (sent as is) or None. Returns a Response."""
        hdrs = dict(self.auth_header(token))
        data = None
        if body is not None:
            if isinstance(body, (bytes, bytearray)):
                data = bytes(body)
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = content_type or "application/json"
        elif content_type:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            send_error = None
            try:
                conn.request(method, path, body=data, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError) as e:
                # The server may answer (413) and close before the body is
                # all sent; its answer is still there to read, as curl would.
                send_error = e
            try:
                resp = conn.getresponse()
            except Exception:
                if send_error is not None:
                    raise send_error
                raise
            raw = resp.read()
            return Response(resp.status, resp.getheaders(), raw)
        finally:
            conn.close()

    def raw(self, data, timeout=10, shutdown_write=False):
        """Sends data (bytes) as is on a new connection and reads one answer.
        Returns a Response, or None when the server closed without one."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            try:
                s.sendall(data)
                if shutdown_write:
                    s.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server may answer and close before reading everything
            return read_response(s)


def read_response(sock):
    """Reads one HTTP/1.x response from sock; None if it closes first."""
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            buf += chunk
    except (socket.timeout, ConnectionResetError):
        return None
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1])
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k.strip(), v.strip()))
    length = None
    for k, v in headers:
        if k.lower() == "content-length":
            length = int(v)
    try:
        if length is None:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
        else:
            while len(rest) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return Response(status, headers, rest)


def _kill_all():
    for s in _live:
        try:
            s.kill()
        except Exception:
            pass
        shutil.rmtree(s.tmp, ignore_errors=True)


atexit.register(_kill_all)


# -- checking -------------------------------------------------------------

class Checks:
    """Soft assertions: every failed check is printed and counted, and the
    test carries on so that one run names every fault."""

    def __init__(self):
        self.failures = []

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL: " + what, flush=True)
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, "%s: expected %r, got %r" % (what, want, got))

    def status(self, r, want, what):
        wants = want if isinstance(want, (tuple, list, set)) else (want,)
        return self.check(r is not None and r.status in wants,
                          "%s: expected status %s, got %r" % (what, "/".join(map(str, wants)), r))

    def problem(self, r, want_status, what, pointer=None, pointer_prefix=None):
        """r is an RFC 9457 problem with the given status; when pointer (or a
        prefix) is given, errors[] holds an entry whose pointer names it."""
        if not self.status(r, want_status, what):
            return False
        ok = self.eq(r.content_type, "application/problem+json", what + ": Content-Type")
        p = r.json if isinstance(r.json, dict) else None
        ok = self.check(p is not None, "%s: body is not a JSON object: %r" % (what, r)) and ok
        if p is None:
            return False
        ok = self.eq(p.get("status"), r.status, what + ": problem status member") and ok
        for member in ("type", "title", "detail"):
            ok = self.check(isinstance(p.get(member), str) and p.get(member),
                            "%s: problem has no %s: %r" % (what, member, p)) and ok
        ok = self.check(r.header("API-Version"), what + ": no API-Version header") and ok
        if pointer is not None or pointer_prefix is not None:
            errors = p.get("errors")
            if not self.check(isinstance(errors, list) and errors,
                              "%s: problem has no errors[]: %r" % (what, p)):
                return False
            ptrs = [e.get("pointer") for e in errors if isinstance(e, dict)]
            for e in errors:
                ok = self.check(isinstance(e, dict) and isinstance(e.get("detail"), str)
                                and e.get("detail"),
                                "%s: errors[] entry without detail: %r" % (what, e)) and ok
            if pointer is not None:
                ok = self.check(pointer in ptrs, "%s: expected an error with pointer %r, got %r"
                                % (what, pointer, errors)) and ok
            if pointer_prefix is not None:
                ok = self.check(any(isinstance(x, str) and x.startswith(pointer_prefix)
                                    for x in ptrs),
                                "%s: expected an error pointer under %r, got %r"
                                % (what, pointer_prefix, errors)) and ok
        return ok


def run(tests):
    """Runs [(name, fn(checks))] in order and exits 0 only if all passed.
    A failed test shows the stderr of every server it started."""
    failed = []
    for name, fn in tests:
        del _started_in_test[:]
        c = Checks()
        t0 = time.monotonic()
        print("== %s" % name, flush=True)
        try:
            fn(c)
        except Exception:
            c.failures.append("exception")
            print("FAIL: %s raised:\n%s" % (name, traceback.format_exc()), flush=True)
        _stop_and_check(c, _started_in_test)
        dt = time.monotonic() - t0
        if c.failures:
            failed.append(name)
            print("-- %s FAILED (%d checks, %.1fs)" % (name, len(c.failures), dt), flush=True)
            for s in _started_in_test:
                text = s.stderr_text()
                print("-- stderr of %s (%s):\n%s" % (s.label, s.tmp, text[-6000:]), flush=True)
        else:
            print("-- %s ok (%.1fs)" % (name, dt), flush=True)
    print("%d of %d tests failed%s" % (len(failed), len(tests),
                                       (": " + ", ".join(failed)) if failed else ""))
    sys.exit(1 if failed else 0)


# What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer write
# when they find something (scripts/sanitize.sh runs the tests on such a build).
SANITIZER_MARKS = ("Sanitizer", "runtime error:")


def _stop_and_check(c, servers):
    """Stops every server a test started with SIGTERM (a clean exit, so that
    LeakSanitizer gets to report; servers a test killed stay killed) and
    fails the test when a server's stderr holds a sanitizer report."""
    for s in servers:
        try:
            s.stop(timeout=60)
        except ServerFailed as e:
            c.check(False, "%s: %s" % (s.label, e))
    for s in servers:
        text = s.stderr_text()
        marks = [m for m in SANITIZER_MARKS if m in text]
        if marks:
            at = min(text.find(m) for m in marks)
            c.check(False, "%s: a sanitizer report on stderr:\n%s"
                    % (s.label, text[max(0, at - 200):at + 3000]))


def require_binaries():
    if not os.access(VAARDIGD, os.X_OK):
        print("FAIL: no vaardigd at %s (set VAARDIGD)" % VAARDIGD)
        sys.exit(1)


# -- reference data and the expected canonical profile ---------------------

_places = None


def places():
    """(by name, by alias, by CBS code) -> official name, from the CSVs in data/."""
    global _places
    if _places is None:
        names, codes = {}, {}
        with open(os.path.join(VAARDIG_DATA, "places", "gemeenten.csv"), newline="") as f:
            for row in csv.DictReader(f):
                codes[row["code"]] = row["name"]
                names[row["name"]] = row["name"]
        aliases = {}
        with open(os.path.join(VAARDIG_DATA, "places", "aliases.csv"), newline="") as f:
            for row in csv.DictReader(f):
                if row["gemeente_code"] in codes:
                    aliases[row["alias"]] = codes[row["gemeente_code"]]
        _places = (names, aliases, codes)
    return _places


def municipality_name(given):
    names, aliases, codes = places()
    for table in (names, aliases, codes):
        if given in table:
            return table[given]
    raise KeyError("test data uses a municipality the reference data lacks: %r" % given)


FIELD_ORDER = ("id", "municipality", "location", "licences", "languages", "certificates",
               "skills", "experience", "hours_per_week", "available_from", "max_travel_km",
               "extensions")


def _without_nulls(obj, order):
    return {k: obj[k] for k in order if k in obj and obj[k] is not None}


def canonical(profile, id):
    """The canonical form API.md and profile.h describe, computed from the
    input: fixed key order, codes normalised (licence categories and levels
    upper case, language and taxonomy codes lower case), municipality by its
    official name, null members dropped. Covers what the tests send."""
    out = {"id": id}
    for key in FIELD_ORDER[1:]:
        v = profile.get(key)
        if v is None:
            continue
        if key == "municipality":
            v = municipality_name(v)
        elif key == "location":
            v = _without_nulls(v, ("lat", "lon"))
        elif key == "licences":
            v = [_without_nulls(dict(l, category=l["category"].upper()),
                                ("category", "valid_until", "code95_until")) for l in v]
        elif key == "languages":
            langs = []
            for l in v:
                e = {"code": l["code"].lower(), "level": l["level"].upper()}
                if l.get("by_skill") is not None:
                    e["by_skill"] = {k: s.upper() for k, s in _without_nulls(
                        l["by_skill"], ("lezen", "schrijven", "luisteren", "spreken",
                                        "gesprekken")).items()}
                langs.append(e)
            v = langs
        elif key == "certificates":
            v = [_without_nulls(dict(c, code=c["code"].lower()), ("code", "valid_until"))
                 for c in v]
        elif key == "skills":
            v = [s.lower() for s in v]
        elif key == "experience":
            v = [_without_nulls(dict(e, months=None if e.get("months") is None
                                     else int(e["months"])), ("occupation", "months"))
                 for e in v]
        out[key] = v
    return out


def merge_patch(target, patch):
    """RFC 7386, section 2, written out from the RFC."""
    if not isinstance(patch, dict):
        return json.loads(json.dumps(patch))
    result = json.loads(json.dumps(target)) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result

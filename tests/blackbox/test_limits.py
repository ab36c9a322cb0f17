"""Black-box tests of the limits (README "Limits", API.md): every limit the
connection guard keeps is answered with application/problem+json, on raw
sockets so that the framing is exactly what the test says. Each case is
also sent, in a sound form, to show that the limit and nothing else
refused it. After all of it the server answers normally and the stored
profile is unchanged."""

import json
import os
import select
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Response, Server, read_response  # noqa: E402

JS = "/v1/jobseekers/"
PROFILE = {
    "municipality": "Rotterdam",
    "licences": [{"category": "C", "code95_until": "2030-01-01"}],
    "languages": [{"code": "nl", "level": "1F"}],
    "skills": ["orderpicken", "teamwerk"],
    "experience": [{"occupation": "orderpicker"}],
    "hours_per_week": 24.5,
}

# Small limits, so the tests send little; the defaults are in conf.c.
LIMITS = {"max_body_bytes": 4096, "max_header_bytes": 2048, "max_headers": 20,
          "request_timeout_s": 2, "max_connections": 4}


def head(s, method, path, headers=(), token="caseworker"):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    if token:
        lines.append("Authorization: Bearer %s" % s.secrets[token])
    return ("\r\n".join(lines + list(headers)) + "\r\n\r\n").encode()


def put(s, id, body, extra=(), connection="close"):
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return head(s, "PUT", JS + id, ["Content-Type: application/json",
                                    "Content-Length: %d" % len(data),
                                    "Connection: %s" % connection] + list(extra)) + data


def chunked(data, size):
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def closed_after(sock):
    """True when the server closes the connection after its answer."""
    try:
        sock.settimeout(10)
        while True:
            d = sock.recv(65536)
            if not d:
                return True
    except ConnectionResetError:
        return True
    except OSError:
        return False


class Reader:
    """Reads answers one after another from one connection, keeping what
    arrives beyond an answer for the next (pipelined answers may share a
    recv)."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _fill(self):
        d = self.sock.recv(65536)
        self.buf += d
        return bool(d)

    def next(self):
        try:
            while b"\r\n\r\n" not in self.buf:
                if not self._fill():
                    return None
            head, _, rest = self.buf.partition(b"\r\n\r\n")
            lines = head.decode("iso-8859-1").split("\r\n")
            headers = [(k.strip(), v.strip()) for k, _, v in
                       (line.partition(":") for line in lines[1:])]
            length = int(dict((k.lower(), v) for k, v in headers).get("content-length", 0))
            self.buf = rest
            while len(self.buf) < length:
                if not self._fill():
                    return None
            body, self.buf = self.buf[:length], self.buf[length:]
            return Response(int(lines[0].split(" ", 2)[1]), headers, body)
        except (socket.timeout, ConnectionResetError):
            return None


class Reference:
    """A stored profile every refused request must leave alone."""

    def __init__(self, c, s):
        self.c, self.s = c, s
        c.status(s.request("PUT", JS + "ref", PROFILE), 201, "PUT ref")
        self.snapshot = self.read()

    def read(self):
        r = self.s.request("GET", JS + "ref")
        h = self.s.request("GET", "/v1/health", token=None)
        return (r.status, r.raw, r.header("ETag"), (h.json or {}).get("jobseekers"))

    def unchanged(self, what):
        self.c.eq(self.read(), self.snapshot, "stored data after " + what)


def refused(c, s, data, status, what, shutdown=False):
    """Sends data on its own connection: status as problem+json, then close."""
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
        try:
            sock.sendall(data)
            if shutdown:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        r = read_response(sock)
        c.problem(r, status, what)
        c.check(r is None or (r.header("connection") or "").lower() == "close",
                "%s: answer without Connection: close: %r" % (what, r))
        c.check(closed_after(sock), what + ": connection not closed after the answer")
    return r


def test_body(c):
    with Server(limits=LIMITS) as s:
        ref = Reference(c, s)
        limit = LIMITS["max_body_bytes"]
        # Announced by Content-Length and not sent: answered at once.
        data = head(s, "PUT", JS + "ref", ["Content-Type: application/json",
                                           "Content-Length: %d" % (limit + 1)])
        refused(c, s, data, 413, "Content-Length one over the limit, body not sent")
        ref.unchanged("an oversized Content-Length")
        # A chunked body over the limit, in small chunks.
        body = json.dumps(dict(PROFILE, extensions={"x": {"t": "y" * limit}})).encode()
        c.check(len(body) > limit, "the chunked test body is over the limit")
        data = head(s, "PUT", JS + "ref", ["Content-Type: application/json",
                                           "Transfer-Encoding: chunked"]) + chunked(body, 500)
        refused(c, s, data, 413, "chunked body over the limit")
        ref.unchanged("an oversized chunked body")
        # The same framing under the limit goes through.
        small = json.dumps(dict(PROFILE, hours_per_week=30)).encode()
        data = head(s, "PUT", JS + "chunky", ["Content-Type: application/json",
                                              "Transfer-Encoding: chunked",
                                              "Connection: close"]) + chunked(small, 7)
        c.status(s.raw(data), 201, "chunked body under the limit")
        r = s.request("GET", JS + "chunky")
        c.eq((r.json or {}).get("hours_per_week"), 30, "the chunked profile was stored whole")
        c.status(s.request("DELETE", JS + "chunky"), 204, "DELETE chunky")
        # Exactly at the limit by Content-Length: not refused for its size.
        at = json.dumps(dict(PROFILE, extensions={"x": {"t": ""}})).encode()
        at = at.replace(b'"t": ""', b'"t": "' + b"y" * (limit - len(at)) + b'"')
        c.eq(len(at), limit, "the test body is exactly at the limit")
        c.status(s.raw(put(s, "atlimit", at)), 201, "a body exactly at the limit")
        c.status(s.request("DELETE", JS + "atlimit"), 204, "DELETE atlimit")
        ref.unchanged("the body tests")


def test_framing(c):
    with Server(limits=LIMITS) as s:
        ref = Reference(c, s)
        body = json.dumps(PROFILE).encode()
        te = chunked(body, 50)
        cases = [
            ("Content-Length with Transfer-Encoding", 400,
             ["Content-Length: %d" % len(te), "Transfer-Encoding: chunked"], te),
            ("Transfer-Encoding with Content-Length", 400,
             ["Transfer-Encoding: chunked", "Content-Length: %d" % len(te)], te),
            ("two Content-Lengths", 400, ["Content-Length: %d" % len(body)] * 2, body),
            ("a Transfer-Encoding other than chunked", 501, ["Transfer-Encoding: gzip"], body),
            ("a Content-Length that is not a number", 400, ["Content-Length: 12abc"], body),
            ("an expectation other than 100-continue", 417,
             ["Expect: teapot", "Content-Length: %d" % len(body)], body),
            ("the guard's own header field", 400,
             ["%s: 200 fine" % "Vaardig-Guard", "Content-Length: %d" % len(body)], body),
            ("a header line without a colon", 400,
             ["NoColonHere", "Content-Length: %d" % len(body)], body),
        ]
        for what, status, headers, data in cases:
            raw = head(s, "PUT", JS + "ref", ["Content-Type: application/json"] + headers) + data
            refused(c, s, raw, status, what)
            ref.unchanged(what)
        refused(c, s, b"PUT /v1/jobseekers/ref HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5;ext=1\r\nhello\r\n0\r\n\r\n", 400, "a chunk extension")
        refused(c, s, head(s, "OPTIONS", "/v1/health", token=None), 501, "method OPTIONS")
        refused(c, s, b"\x00\x01\x02 nonsense\r\n\r\n", 400, "a request line of garbage")
        refused(c, s, b"GET /v1/health\r\n\r\n", 400, "a request line without a version")
        ref.unchanged("the framing tests")
        # 100-continue: the interim answer comes before the body is sent.
        body = json.dumps(dict(PROFILE, hours_per_week=12)).encode()
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
            sock.sendall(head(s, "PUT", JS + "cont", ["Content-Type: application/json",
                                                      "Content-Length: %d" % len(body),
                                                      "Expect: 100-continue"]))
            reader = Reader(sock)
            interim = reader.next()
            c.status(interim, 100, "100 Continue before the body")
            sock.sendall(body)
            c.status(reader.next(), 201, "the PUT after 100 Continue")
        r = s.request("GET", JS + "cont")
        c.eq((r.json or {}).get("hours_per_week"), 12, "the profile sent after 100 Continue")
        c.status(s.request("DELETE", JS + "cont"), 204, "DELETE cont")


def test_head(c):
    with Server(limits=LIMITS) as s:
        ref = Reference(c, s)
        n = LIMITS["max_headers"]
        # head() sends Host and Authorization: with these, n fields in all.
        fields = ["X-Field-%d: %d" % (i, i) for i in range(n - 3)] + ["Connection: close"]
        r = s.raw(head(s, "GET", JS + "ref", fields))
        c.status(r, 200, "exactly max_headers header fields")
        refused(c, s, head(s, "GET", JS + "ref", fields + ["X-One-Too-Many: 1"]), 431,
                "one header field over max_headers")
        big = "X-Big: " + "b" * LIMITS["max_header_bytes"]
        refused(c, s, head(s, "GET", JS + "ref", [big]), 431, "a head over max_header_bytes")
        # Without its end in sight, too: refused before the head is whole.
        refused(c, s, b"GET /v1/health HTTP/1.1\r\nX-Long: " + b"a" * 4 * LIMITS[
            "max_header_bytes"], 431, "an endless header line")
        ref.unchanged("the head tests")


def test_trickle(c):
    with Server(limits=LIMITS) as s:
        ref = Reference(c, s)
        timeout = LIMITS["request_timeout_s"]
        request = head(s, "GET", "/v1/health", token=None)
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
            t0 = time.monotonic()
            sent = 0
            answered = False
            # One byte a second: well within the idle timeout, never whole.
            while sent < len(request) - 1 and not answered:
                try:
                    sock.sendall(request[sent:sent + 1])
                except OSError:
                    break
                sent += 1
                answered = bool(select.select([sock], [], [], 1.0)[0])
            elapsed = time.monotonic() - t0
            c.check(answered, "a trickling client was not cut off (sent %d of %d bytes)"
                    % (sent, len(request)))
            r = read_response(sock)
            c.problem(r, 408, "the trickled request")
            c.check(elapsed >= timeout - 0.5, "cut off after %.1fs, before request_timeout_s %d"
                    % (elapsed, timeout))
            c.check(closed_after(sock), "the trickling connection was closed")
        # A slow but whole request within the deadline is answered.
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
            half = len(request) // 2
            sock.sendall(request[:half])
            time.sleep(timeout / 4)
            sock.sendall(request[half:])
            c.status(read_response(sock), 200, "a request sent in two parts within the deadline")
        ref.unchanged("the trickle tests")


def test_connections(c):
    with Server(limits=LIMITS) as s:
        ref = Reference(c, s)
        n = LIMITS["max_connections"]
        keep = []
        ping = head(s, "GET", "/v1/health", token=None)
        try:
            for i in range(n):
                sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
                keep.append(sock)
                sock.sendall(ping)
                c.status(read_response(sock), 200, "keep-alive connection %d of %d" % (i + 1, n))
            r = refused(c, s, ping, 503, "a connection over max_connections")
            c.check(r is not None and (r.header("retry-after") or "").isdigit(),
                    "503 without Retry-After: %r" % r)
            # The connections held still serve.
            keep[0].sendall(ping)
            c.status(read_response(keep[0]), 200, "a held connection still serves")
        finally:
            for sock in keep:
                sock.close()
        # Once they are gone, new connections are served again (the server
        # notices the closes asynchronously: ask until it has).
        deadline = time.monotonic() + 30
        r = None
        while time.monotonic() < deadline:
            r = s.raw(ping, shutdown_write=False)
            if r is not None and r.status == 200:
                break
            time.sleep(0.2)
        c.status(r, 200, "served again after the held connections closed")
        ref.unchanged("the connection tests")


def test_keepalive(c):
    with Server(limits=LIMITS) as s:
        ref = Reference(c, s)
        one = dict(PROFILE, hours_per_week=10)
        two = dict(PROFILE, hours_per_week=20)
        data = (head(s, "GET", "/v1/health", token=None)
                + put(s, "ka1", one, connection="keep-alive")
                + head(s, "PUT", JS + "ka2", ["Content-Type: application/json",
                                             "Transfer-Encoding: chunked"])
                + chunked(json.dumps(two).encode(), 16)
                + head(s, "GET", JS + "ka1")
                + head(s, "DELETE", JS + "ka1")
                + head(s, "GET", JS + "ka2", ["Connection: close"]))
        want = [200, 201, 201, 200, 204, 200]
        got = []
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
            sock.sendall(data)  # all at once: pipelined
            reader = Reader(sock)
            for _ in want:
                r = reader.next()
                if r is None:
                    break
                got.append(r)
        c.eq([r.status for r in got], want, "pipelined statuses in order")
        if len(got) == len(want):
            c.eq((got[3].json or {}).get("hours_per_week"), 10, "GET ka1 on the same connection")
            c.eq((got[5].json or {}).get("hours_per_week"), 20, "GET ka2 on the same connection")
        # Requests split at awkward places, one connection.
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
            for piece in (data[:7], data[7:300], data[300:-3], data[-3:]):
                sock.sendall(piece)
                time.sleep(0.05)
            reader = Reader(sock)
            got = [reader.next() for _ in want]
        c.eq([r.status if r else None for r in got], [200, 201, 200, 200, 204, 200],
             "the same requests again, split (ka1 created anew, ka2 replaced)")
        c.status(s.request("DELETE", JS + "ka2"), 204, "DELETE ka2")
        ref.unchanged("the keep-alive tests")


def test_big_answer(c):
    """A large answer on a closing connection to a slow reader arrives whole
    (the guard writes evhttp's output to the socket itself)."""
    with Server() as s:
        text = "z" * (900 * 1024)
        c.status(s.request("PUT", JS + "big", dict(PROFILE, extensions={"x": {"t": text}})),
                 201, "PUT big")
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            sock.sendall(head(s, "GET", JS + "big", ["Connection: close"]))
            time.sleep(1.0)
            r = read_response(sock)
        c.status(r, 200, "GET big on a closing connection")
        c.check(r is not None and len(r.raw) == int(r.header("content-length") or -1),
                "the big answer was cut short")
        got = (((r.json if r else None) or {}).get("extensions") or {}).get("x", {}).get("t")
        c.check(got == text, "the big answer's body differs (%d characters)" % len(got or ""))


def test_still_serving(c):
    with Server(limits=LIMITS) as s:
        ref = Reference(c, s)
        for data, status in ((head(s, "PUT", JS + "ref", ["Content-Length: 999999"]), 413),
                             (b"GET / HTTP/1.1\r\nX: " + b"a" * 5000, 431)):
            refused(c, s, data, status, "refused %d" % status)
        r = s.request("GET", "/v1/health", token=None)
        c.status(r, 200, "health after the refusals")
        ref.unchanged("every refusal")


if __name__ == "__main__":
    harness.require_binaries()
    harness.run([
        ("body", test_body),
        ("framing", test_framing),
        ("head", test_head),
        ("trickle", test_trickle),
        ("connections", test_connections),
        ("keep-alive", test_keepalive),
        ("big answer", test_big_answer),
        ("still serving", test_still_serving),
    ])

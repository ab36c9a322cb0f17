"""POST /v1/imports streams its body (README "While vaardigd runs"): the
server's memory does not grow with the body, lines split anywhere (mid-line,
mid-UTF-8, mid-chunk) give the same answer as one piece, a body cut short
(max_import_bytes passed by a chunked body, a client stalled longer than
idle_timeout_s) keeps the lines that arrived whole and answers a problem
with the counts, a client that hangs up has its whole lines written and
gets no answer, and a refused import is not read.

Every request here goes over a raw socket, with the body sent from the
test while the answer is read, because the server may answer before the
body is all sent."""

import json
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, canonical, read_response  # noqa: E402
from test_import import generated  # noqa: E402
from test_limits import Reader  # noqa: E402

NDJSON = "application/x-ndjson"
MIB = 1 << 20


# -- sending ------------------------------------------------------------------

def import_head(s, framing, token="admin", kind="jobseekers", content_type=NDJSON,
                expect=False):
    lines = ["POST /v1/imports?kind=%s HTTP/1.1" % kind, "Host: 127.0.0.1",
             "Content-Type: " + content_type] + list(framing)
    if token:
        lines.append("Authorization: Bearer " + s.secrets[token])
    if expect:
        lines.append("Expect: 100-continue")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def length(n):
    return ["Content-Length: %d" % n]


CHUNKED = ["Transfer-Encoding: chunked"]


def chunked(pieces):
    """The chunked framing of pieces (an iterable of bytes), last chunk included."""
    for p in pieces:
        if p:
            yield b"%x\r\n" % len(p) + p + b"\r\n"
    yield b"0\r\n\r\n"


class Upload:
    """One request on its own connection: the head, then the body from an
    iterable of byte strings (each sent whole, pause seconds apart), while
    a thread reads the answer."""

    def __init__(self, s, head, pieces, pause=0.0, timeout=300):
        self.sock = socket.create_connection(("127.0.0.1", s.port), timeout=timeout)
        self.answer = None
        self.sent = 0
        self.send_error = None
        self.sock.sendall(head)
        self.reader = threading.Thread(target=self._read)
        self.reader.start()
        try:
            for p in pieces:
                self.sock.sendall(p)
                self.sent += len(p)
                if pause:
                    time.sleep(pause)
        except OSError as e:
            self.send_error = e  # the server answered and closed first

    def _read(self):
        try:
            self.answer = read_response(self.sock)
        except OSError:
            pass  # closed by hang_up

    def finish(self, timeout=300):
        """Waits for the answer (None: the server closed without one)."""
        self.reader.join(timeout)
        self.sock.close()
        return self.answer

    def hang_up(self):
        """Closes without waiting for an answer."""
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.reader.join(30)


def pieces_of(data, sizes):
    """data cut into consecutive pieces of the given sizes (cycled)."""
    out, at, i = [], 0, 0
    while at < len(data):
        out.append(data[at:at + sizes[i % len(sizes)]])
        at += sizes[i % len(sizes)]
        i += 1
    return out


# -- the server's memory --------------------------------------------------------

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def sanitized(pid):
    """Whether the server runs with AddressSanitizer (scripts/sanitize.sh),
    whose quarantine keeps freed memory resident: its RSS says nothing."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


class PeakRss:
    """Samples the server's resident set every 10 ms while running."""

    def __init__(self, s):
        self.pid = s.proc.pid
        self.asan = sanitized(self.pid)
        self.base = rss_kib(self.pid)
        self.peak = self.base
        self.running = True
        self.thread = threading.Thread(target=self._sample)
        self.thread.start()

    def _sample(self):
        while self.running:
            try:
                self.peak = max(self.peak, rss_kib(self.pid))
            except (OSError, RuntimeError):
                return
            time.sleep(0.01)

    def stop(self):
        """The growth in bytes; 0 under AddressSanitizer."""
        self.running = False
        self.thread.join()
        if self.asan:
            print("AddressSanitizer build: the resident set is not checked", flush=True)
            return 0
        return (self.peak - self.base) * 1024


def health_count(s):
    r = s.request("GET", "/v1/health", token=None)
    return (r.json or {}).get("jobseekers")


def wait_for_count(s, want, timeout=60):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = health_count(s)
        if got == want:
            return got
        time.sleep(0.1)
    return got


def profile_line(pid, hours=20):
    return json.dumps({"id": pid, "hours_per_week": hours})


# -- the tests ------------------------------------------------------------------

def test_memory(c):
    """~200 MB of lines, by Content-Length and chunked, with the resident
    set sampled: it must not grow with the body. A fresh server for each,
    so that memory a run freed does not hide the next run's growth."""
    # Lines refused at once (no id), so that nothing is written: ~100 bytes each.
    bad = json.dumps({"pad": "x" * 80}).encode() + b"\n"
    block = bad * (MIB // len(bad))
    blocks = 200
    n_lines = blocks * (MIB // len(bad))
    total = len(block) * blocks
    for how in ("Content-Length", "chunked"):
        s = Server(label="vaardigd (stream memory, %s)" % how).start()
        rss = PeakRss(s)
        t0 = time.monotonic()
        if how == "chunked":
            up = Upload(s, import_head(s, CHUNKED), chunked(block for _ in range(blocks)))
        else:
            up = Upload(s, import_head(s, length(total)), (block for _ in range(blocks)))
        r = up.finish()
        growth = rss.stop()
        print("%s: %d MB in %.1fs, peak RSS growth %.1f MB" % (
            how, total >> 20, time.monotonic() - t0, growth / MIB), flush=True)
        if c.status(r, 200, "200 MB of refused lines by %s" % how):
            c.eq((r.json["lines"], r.json["failed"], r.json["created"]), (n_lines, n_lines, 0),
                 how + ": lines, failed, created")
            c.eq([e["line"] for e in r.json["errors"]], list(range(1, 1001)),
                 how + ": the first 1000 errors by line number")
            c.eq(r.json.get("errors_truncated"), True, how + ": errors_truncated")
        c.check(growth < 64 * MIB, "%s: the server grew by %.1f MB while reading %d MB"
                % (how, growth / MIB, total >> 20))
    # Valid lines too: written, so fewer, but still many times the bound.
    # Ids repeat so that the index, not the import, stays small.
    s = Server(label="vaardigd (stream memory, valid lines)").start()
    people = generated(500, 31)
    valid = "".join(json.dumps(p) + "\n" for p in people).encode()
    rounds = max(1, (48 * MIB) // len(valid))
    rss = PeakRss(s)
    t0 = time.monotonic()
    up = Upload(s, import_head(s, CHUNKED), chunked(valid for _ in range(rounds)))
    r = up.finish()
    growth = rss.stop()
    print("valid lines: %d MB in %.1fs, peak RSS growth %.1f MB" % (
        len(valid) * rounds >> 20, time.monotonic() - t0, growth / MIB), flush=True)
    if c.status(r, 200, "valid lines, chunked"):
        c.eq((r.json["lines"], r.json["created"], r.json["replaced"], r.json["failed"]),
             (500 * rounds, 500, 500 * (rounds - 1), 0), "valid lines: the counts")
    c.check(growth < 32 * MIB, "valid lines: the server grew by %.1f MB while reading %d MB"
            % (growth / MIB, len(valid) * rounds >> 20))
    c.eq(health_count(s), 500, "health after the valid lines")


def split_body():
    """A body with multi-byte UTF-8, CRLF and LF line ends, blank lines, bad
    lines and a last line without a line end; with its profiles, the number
    of lines (blank ones are not counted) and the numbers of the bad ones."""
    texts = ["Zoë — café", "naïve ☕ straße", "𝄞 muziek", "ĳsselmeer ﬁets", "laatste 🚲"]
    people = [{"id": "u-%d" % i, "hours_per_week": 10 + i,
               "extensions": {"notes": {"text": texts[i % len(texts)] * (i + 1)}}}
              for i in range(13)]
    bad = [b"not json \xc3\xa9", json.dumps({"id": "bad id \u00e9"}).encode(),
           b"\xff\xfe not UTF-8"]
    records = []  # (line, True: bad, False: good, None: blank)
    for i, p in enumerate(people):
        records.append((json.dumps(p, ensure_ascii=False).encode(), False))
        if i in (3, 7, 10):
            records.append((bad.pop(0), True))
        if i == 5:
            records += [(b"", None), (b"  \t", None)]
    body, number, bad_numbers = b"", 0, []
    for k, (line, is_bad) in enumerate(records):
        last = k == len(records) - 1
        body += line + (b"" if last else b"\r\n" if k % 2 else b"\n")
        if is_bad is not None:
            number += 1
            if is_bad:
                bad_numbers.append(number)
    return body, people, number, bad_numbers


def test_split(c):
    s = Server(label="vaardigd (split lines)").start()
    body, people, want_lines, bad_numbers = split_body()
    multibyte = [i for i in range(1, len(body)) if 0x80 <= body[i] <= 0xBF]
    one = Upload(s, import_head(s, length(len(body))), [body]).finish()
    if not c.status(one, 200, "the body in one piece"):
        return
    a = one.json
    c.eq((a["lines"], a["created"], a["replaced"], a["failed"]),
         (want_lines, len(people), 0, len(bad_numbers)), "one piece: the counts")
    c.eq([e["line"] for e in a["errors"]], bad_numbers, "one piece: the bad lines by number")
    pieces = pieces_of(body, [1, 2, 3, 5, 7, 11, 13])
    cuts, at = set(), 0
    for p in pieces:
        at += len(p)
        cuts.add(at)
    c.check(cuts & set(multibyte), "the pieces cut some UTF-8 sequence")
    c.check(any(body[x - 1:x + 1] == b"\r\n" for x in cuts), "the pieces cut some CRLF")
    wire = b"".join(chunked(pieces_of(body, [3, 17, 1, 40])))
    for what, head, sent in (
            ("Content-Length, in pieces", import_head(s, length(len(body))), pieces),
            ("chunked, chunk framing in pieces", import_head(s, CHUNKED),
             pieces_of(wire, [1, 4, 9, 2, 6]))):
        r = Upload(s, head, sent, pause=0.002).finish()
        if not c.status(r, 200, what):
            continue
        b = r.json
        c.eq((b["lines"], b["created"], b["replaced"], b["failed"]),
             (a["lines"], 0, a["created"] + a["replaced"], a["failed"]),
             what + ": the counts (every profile now replaced)")
        c.eq(b["errors"], a["errors"], what + ": the same errors")
    for p in (people[3], people[-1]):
        r = s.request("GET", "/v1/jobseekers/" + p["id"])
        if c.status(r, 200, "GET " + p["id"]):
            c.eq(r.json, canonical(p, p["id"]), p["id"] + " with its UTF-8 text whole")


def test_backpressure(c):
    """More lines than writes may wait for their commit (4,096): all stored."""
    s = Server(label="vaardigd (backpressure)").start()
    people = generated(9000, 41)
    body = "".join(json.dumps(p) + "\n" for p in people).encode()
    c.check(len(body) > 2 * MIB, "the body (%d bytes) is larger than the guard's buffer"
            % len(body))
    r = Upload(s, import_head(s, length(len(body))), pieces_of(body, [65536])).finish()
    if c.status(r, 200, "9000 profiles"):
        c.eq((r.json["lines"], r.json["created"], r.json["replaced"], r.json["failed"]),
             (9000, 9000, 0, 0), "the counts")
    c.eq(health_count(s), 9000, "health counts every profile")
    for p in (people[0], people[4500], people[8999]):
        r = s.request("GET", "/v1/jobseekers/" + p["id"])
        if c.status(r, 200, "GET " + p["id"]):
            c.eq(r.json, canonical(p, p["id"]), p["id"] + " as imported")


LIMITS = {"max_body_bytes": 4096, "max_import_bytes": 65536, "idle_timeout_s": 2,
          "request_timeout_s": 2}


def test_too_large(c):
    s = Server(limits=LIMITS, label="vaardigd (import limit)").start()
    limit = LIMITS["max_import_bytes"]
    lines = [profile_line("c-%d" % i) for i in range(3000)]
    body = ("\n".join(lines) + "\n").encode()
    c.check(len(body) > limit, "the body is over max_import_bytes")
    # By Content-Length: refused before anything is read or written.
    r = Upload(s, import_head(s, length(len(body))), []).finish()
    c.problem(r, 413, "Content-Length over max_import_bytes")
    c.eq(health_count(s), 0, "nothing written for an announced oversize body")
    # Chunked: the chunks that fit are taken, the one that passes the limit is not.
    size = 1000
    fits = (limit // size) * size
    whole = body[:fits].count(b"\n")
    up = Upload(s, import_head(s, CHUNKED), chunked(pieces_of(body, [size])))
    r = up.finish()
    if c.problem(r, 413, "a chunked body over max_import_bytes"):
        p = r.json
        c.eq((p.get("lines"), p.get("created"), p.get("replaced"), p.get("failed")),
             (whole, whole, 0, 0), "the counts of the lines that arrived whole")
        c.check(str(limit) in p["detail"] and ("%d lines" % whole) in p["detail"],
                "the detail names the limit and the lines processed: %r" % p["detail"])
        c.eq((r.header("connection") or "").lower(), "close", "Connection: close")
    c.eq(health_count(s), whole, "health counts the lines that arrived whole")
    c.status(s.request("GET", "/v1/jobseekers/c-%d" % (whole - 1)), 200, "the last whole line")
    c.status(s.request("GET", "/v1/jobseekers/c-%d" % whole), 404, "the line cut off")
    # Malformed chunk framing mid-body stops it the same way, with 400.
    good = "".join(profile_line("m-%d" % i) + "\n" for i in range(10)).encode()
    wire = b"".join(chunked([good, b'{"id": "m-x"'])).replace(b"\r\n0\r\n", b"\r\nzz\r\n")
    r = Upload(s, import_head(s, CHUNKED), [wire]).finish()
    if c.problem(r, 400, "malformed chunk framing mid-body"):
        c.eq((r.json.get("lines"), r.json.get("created")), (10, 10), "the lines before it")
    c.eq(health_count(s), whole + 10, "health after the malformed chunk")


def test_long_lines(c):
    """max_body_bytes holds per line, counted without trailing blanks, also
    for lines far longer than the guard's buffer."""
    limit = 4096
    s = Server(limits={"max_body_bytes": limit}, label="vaardigd (long lines)").start()

    def padded(pid, size):
        line = json.dumps({"id": pid, "extensions": {"notes": {"text": ""}}})
        return line.replace('"text": ""', '"text": "%s"' % ("y" * (size - len(line))))

    exact = padded("l-exact", limit)
    over = padded("l-over", limit + 1)
    c.eq((len(exact), len(over)), (limit, limit + 1), "the test lines' lengths")
    lines = [exact, over, padded("l-blanks", limit) + " \t" * (3 * MIB),
             "x" * (5 * MIB), profile_line("l-after")]
    body = "\r\n".join(lines).encode()
    r = Upload(s, import_head(s, CHUNKED), chunked(pieces_of(body, [65536]))).finish()
    if c.status(r, 200, "an import with long lines"):
        c.eq((r.json["lines"], r.json["created"], r.json["failed"]), (5, 3, 2), "the counts")
        c.eq([(e["line"], e["status"]) for e in r.json["errors"]], [(2, 413), (4, 413)],
             "the lines over max_body_bytes")
    for pid, status in (("l-exact", 200), ("l-over", 404), ("l-blanks", 200), ("l-after", 200)):
        c.status(s.request("GET", "/v1/jobseekers/" + pid), status, "GET " + pid)


def test_hang_up(c):
    s = Server(label="vaardigd (hang-up)").start()
    sent = 0
    for what, prefix, framing in (("Content-Length", "h", length(10 * MIB)),
                                  ("chunked", "k", CHUNKED)):
        n = 700
        body = "".join(profile_line("%s-%d" % (prefix, i)) + "\n" for i in range(n)).encode()
        body += profile_line("%s-cut" % prefix).encode()[:15]  # half a line
        pieces = pieces_of(body, [4096])
        if framing == CHUNKED:
            pieces = list(chunked(pieces))[:-1]  # no last chunk
        up = Upload(s, import_head(s, framing), pieces)
        time.sleep(0.2)
        up.hang_up()
        sent += n
        c.eq(wait_for_count(s, sent), sent, what + ": the whole lines are stored")
        c.status(s.request("GET", "/v1/jobseekers/%s-cut" % prefix), 404,
                 what + ": the cut line is not")
        c.check(s.alive(), what + ": the server is alive")
    r = s.request("GET", "/v1/jobseekers/h-5/audit")
    if c.status(r, 200, "audit of a line written after the hang-up"):
        c.check(any(x.get("action") == "import" for x in r.json.get("results", [])),
                "the write is on the audit trail: %r" % r.json)


def test_stall(c):
    s = Server(limits=LIMITS, label="vaardigd (stalled body)").start()
    idle = LIMITS["idle_timeout_s"]
    n = 40
    body = "".join(profile_line("s-%d" % i) + "\n" for i in range(n)).encode()
    body += b'{"id": "s-cut"'  # half a line, then nothing: no further chunk
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    sock.sendall(import_head(s, CHUNKED) + b"%x\r\n" % len(body) + body + b"\r\n")
    t0 = time.monotonic()
    r = read_response(sock)
    elapsed = time.monotonic() - t0
    sock.close()
    if c.problem(r, 408, "a body stalled for longer than idle_timeout_s"):
        p = r.json
        c.eq((p.get("lines"), p.get("created"), p.get("failed")), (n, n, 0),
             "the lines that arrived before the stall")
    c.check(elapsed >= idle - 0.5, "cut off after %.1fs, before idle_timeout_s %d"
            % (elapsed, idle))
    c.eq(health_count(s), n, "the lines before the stall are stored")
    # A slow body that never stalls that long outlives request_timeout_s.
    lines = [(profile_line("t-%d" % i) + "\n").encode() for i in range(6)]
    t0 = time.monotonic()
    r = Upload(s, import_head(s, CHUNKED), chunked(lines), pause=idle / 2.5).finish()
    elapsed = time.monotonic() - t0
    c.check(elapsed > LIMITS["request_timeout_s"], "the slow body took %.1fs" % elapsed)
    if c.status(r, 200, "a slow body that never stalls past idle_timeout_s"):
        c.eq(r.json["created"], 6, "its lines")


def test_refused(c):
    """A refused import with a large body: answered, and the body not read."""
    s = Server(label="vaardigd (refused imports)").start()
    big = 100 * MIB
    block = (profile_line("x-1") + "\n").encode() * 4096
    cases = (("a caseworker", dict(token="caseworker"), 403),
             ("no token", dict(token=None), 401),
             ("application/json", dict(content_type="application/json"), 415),
             ("an unknown kind", dict(kind="people"), 400))
    for what, args, status in cases:
        rss = PeakRss(s)
        for expect in (False, True):
            up = Upload(s, import_head(s, length(big), expect=expect, **args),
                        (block for _ in range(big // len(block))), timeout=60)
            r = up.finish()
            c.problem(r, status, "%s%s" % (what, " with Expect: 100-continue" if expect else ""))
            c.check(up.sent < 16 * MIB, "%s: the server read %d MB of a refused body"
                    % (what, up.sent >> 20))
        growth = rss.stop()
        c.check(growth < 16 * MIB, "%s: the server grew by %.1f MB" % (what, growth / MIB))
    c.eq(health_count(s), 0, "nothing stored")


def test_continue(c):
    s = Server(label="vaardigd (100-continue)").start()
    body = "".join(profile_line("e-%d" % i) + "\n" for i in range(50)).encode()
    with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
        sock.sendall(import_head(s, length(len(body)), expect=True))
        reader = Reader(sock)
        c.status(reader.next(), 100, "100 Continue before the body")
        sock.sendall(body)
        r = reader.next()
    if c.status(r, 200, "the import after 100 Continue"):
        c.eq(r.json["created"], 50, "its lines")
    with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
        sock.sendall(import_head(s, length(len(body)), expect=True, token="caseworker"))
        c.problem(read_response(sock), 403, "a refused import gets no 100 Continue")


def main():
    harness.require_binaries()
    harness.run([
        ("memory stays bounded", test_memory),
        ("lines split anywhere", test_split),
        ("backpressure", test_backpressure),
        ("chunked body over max_import_bytes", test_too_large),
        ("long lines", test_long_lines),
        ("hang-up mid-body", test_hang_up),
        ("stalled body", test_stall),
        ("refused imports are not read", test_refused),
        ("100-continue", test_continue),
    ])


if __name__ == "__main__":
    main()

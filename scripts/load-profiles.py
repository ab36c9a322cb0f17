#!/usr/bin/env python3
"""PUTs NDJSON profiles into a running vaardigd over HTTP, 8 at a time.

Usage: load-profiles.py URL TOKEN FILE
Prints how many were stored and exits non-zero if any was refused."""
import http.client
import json
import sys
import threading
import urllib.parse


def main():
    url, token, path = sys.argv[1:4]
    u = urllib.parse.urlsplit(url)
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    failures = []
    lock = threading.Lock()
    next_line = [0]

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        while True:
            with lock:
                i = next_line[0]
                next_line[0] += 1
            if i >= len(lines):
                break
            pid = json.loads(lines[i])["id"]
            conn.request("PUT", "/v1/jobseekers/" + urllib.parse.quote(pid), body=lines[i].encode(),
                         headers={"Authorization": "Bearer " + token,
                                  "Content-Type": "application/json"})
            resp = conn.getresponse()
            body = resp.read()
            if resp.status not in (200, 201):
                with lock:
                    failures.append((i + 1, resp.status, body[:300]))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for line, status, body in failures[:10]:
        print(f"line {line}: {status} {body.decode(errors='replace')}", file=sys.stderr)
    print(f"loaded {len(lines) - len(failures)} of {len(lines)} profiles")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

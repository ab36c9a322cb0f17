"""The HTTP half of `make bench` (standard library only): start-up time,
resident memory, per-query latency from a sequential keep-alive client,
throughput with wrk, and PUT latency while wrk searches."""

import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values, p):
    import math
    rank = int(math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[max(rank, 1) - 1]


def vm_status(pid):
    """VmRSS and VmHWM of pid in bytes."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


class Server:
    """vaardigd on a data dir, with one admin token."""

    def __init__(self, vaardigd, data_dir, reference_dir, work, today):
        self.vaardigd = vaardigd
        self.token = "bench-" + hashlib.sha256(os.urandom(16)).hexdigest()[:24]
        self.port = free_port()
        self.config = os.path.join(work, "vaardigd.json")
        self.log_path = os.path.join(work, "vaardigd.log")
        self.env = dict(os.environ, VAARDIG_TODAY=today)
        with open(self.config, "w") as f:
            json.dump({"listen": "127.0.0.1:%d" % self.port, "data_dir": data_dir,
                       "reference_dir": reference_dir,
                       "tokens": [{"name": "bench", "role": "admin",
                                   "sha256": hashlib.sha256(self.token.encode()).hexdigest()}]},
                      f)
        self.proc = None

    def start(self, timeout=120.0):
        """Starts vaardigd; returns seconds until /v1/health answered 200."""
        log = open(self.log_path, "w")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([self.vaardigd, "--config", self.config], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("vaardigd exited with %d; see %s"
                                   % (self.proc.returncode, self.log_path))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/v1/health")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.002)
        raise RuntimeError("vaardigd did not answer /v1/health within %.0f s" % timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def connect(self):
        return Client(self.port, self.token)


class Client:
    """One keep-alive connection."""

    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": "Bearer " + token}

    def request(self, method, path, body=None):
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        return response.status, raw

    def close(self):
        self.conn.close()


def request_of(entry):
    """(method, path, body) that asks vaardig the entry's question over HTTP."""
    if "text" in entry:
        return "GET", "/v1/search?" + urllib.parse.urlencode({"q": entry["text"]}), None
    if "body" in entry:
        return "POST", "/v1/search", entry["body"]
    vacancy = entry["vacancy"]
    return ("GET", "/v1/vacancies/%s/matches?count=%d"
            % (urllib.parse.quote(vacancy["id"]), entry.get("count", 10)), None)


def put_vacancies(client, queries):
    for entry in queries:
        if "vacancy" in entry:
            body = dict(entry["vacancy"])
            status, raw = client.request("PUT", "/v1/vacancies/" + body["id"], body)
            if status not in (200, 201):
                raise RuntimeError("PUT vacancy: %d %s" % (status, raw[:300]))


def latencies(client, queries, reps, warmup):
    """Per query: total, ids of the results and latency percentiles (ms)."""
    results = []
    for entry in queries:
        method, path, body = request_of(entry)
        samples, first = [], None
        for k in range(warmup + reps):
            t0 = time.perf_counter()
            status, raw = client.request(method, path, body)
            dt = (time.perf_counter() - t0) * 1000.0
            if status != 200:
                raise RuntimeError("%s %s: %d %s" % (method, path, status, raw[:300]))
            if first is None:
                first = json.loads(raw)
            if k >= warmup:
                samples.append(dt)
        samples.sort()
        results.append({"name": entry["name"], "total": first["total"],
                        "ids": [r["id"] for r in first["results"]], "reps": reps,
                        "p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99),
                        "mean_ms": sum(samples) / len(samples)})
    return results


def parse_wrk(text):
    out = {"text": text}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors:(.*)", text)
    out["socket_errors"] = m.group(1).strip() if m else ""
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for pct in ("50", "99"):
        m = re.search(r"^\s+%s(?:\.000)?%%\s+([\d.]+)(us|ms|s)" % pct, text, re.M)
        out["p%s_ms" % pct] = float(m.group(1)) * units[m.group(2)] if m else None
    return out


class PutLoad(threading.Thread):
    """Replaces profiles one after another (a second client) until stopped."""

    def __init__(self, server, profiles):
        super().__init__(daemon=True)
        self.server = server
        self.profiles = profiles
        self.stop_event = threading.Event()
        self.samples = []
        self.statuses = {}

    def run(self):
        client = self.server.connect()
        i = 0
        while not self.stop_event.is_set():
            profile = dict(self.profiles[i % len(self.profiles)])
            # A real change, so that the index is rewritten, not skipped.
            profile["hours_per_week"] = 8 + (i * 4) % 33
            path = "/v1/jobseekers/" + urllib.parse.quote(profile["id"])
            t0 = time.perf_counter()
            status, _ = client.request("PUT", path, profile)
            self.samples.append((time.perf_counter() - t0) * 1000.0)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            i += 1
        client.close()


def run_wrk(server, seconds, paths_file, puts=None):
    """One wrk -c16 -t2 run over the paths; puts (a PutLoad) writes meanwhile."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "search.lua")
    env = dict(os.environ, BENCH_PATHS=paths_file, BENCH_TOKEN=server.token)
    proc = subprocess.Popen(["wrk", "-c16", "-t2", "-d%ds" % seconds, "--latency", "-s", script,
                             "http://127.0.0.1:%d" % server.port], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if puts:
        time.sleep(1.0)  # let wrk reach its stride before writes start
        puts.start()
    out, _ = proc.communicate()
    result = parse_wrk(out)
    if puts:
        puts.stop_event.set()
        puts.join()
        samples = sorted(puts.samples)
        result["put"] = {"count": len(samples), "statuses": puts.statuses,
                         "p50_ms": percentile(samples, 50) if samples else None,
                         "p99_ms": percentile(samples, 99) if samples else None,
                         "max_ms": samples[-1] if samples else None}
    return result


def throughput(server, queries, seconds, work, profiles):
    """wrk -c16 -t2 on the GET queries alone (searches/s); then again with a
    second client PUTting meanwhile (write latency while searches run, and
    what the writes cost the searches)."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    paths_file = os.path.join(work, "wrk-paths.txt")
    with open(paths_file, "w") as f:
        for entry in queries:
            method, path, _ = request_of(entry)
            if method == "GET":
                f.write(path + "\n")
    result = run_wrk(server, seconds, paths_file)
    result["with_puts"] = run_wrk(server, seconds, paths_file, PutLoad(server, profiles))
    return result

#!/usr/bin/env python3
"""`make bench`: issue 6's benchmark in one run (standard library only).

1. generate N profiles (vaardig-gen, fixed seed and day) and load them with
   vaardigd --import into a fresh data dir: load rate, disk size;
2. in-process latency per query (tests/bench/bench_search), matcher build time;
3. over HTTP: start-up time, resident memory, per-query latency, wrk
   throughput at 16 connections, PUT latency while wrk searches;
4. the same queries with the same semantics in PostgreSQL 15 (GIN), totals
   and result order cross-checked against vaardig's;
5. a side-by-side table, the targets met or not, and a markdown report;
6. a perf profile of the slowest in-process query.

See BENCHMARKS.md for what each number means.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)

import bench_http  # noqa: E402
import bench_pg  # noqa: E402

SEED = 42
TODAY = "2026-06-01"
WARMUP = 20

TARGETS = {
    "p50_ms": 2.0, "p99_ms": 10.0, "rps": 5000.0, "ratio": 20.0, "load_rate": 30000.0,
    "put_p99_ms": 25.0, "rss_bytes": 1 << 30, "startup_s": 1.0,
}


def say(text):
    print(text, flush=True)


def run(args, **kw):
    return subprocess.run(args, check=True, **kw)


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def mib(n):
    return "%.0f MiB" % (n / 1048576.0)


def ensure_tools(need_pg, need_perf):
    """Installs what the bench needs and is missing (Debian packages)."""
    wanted = []
    if not shutil.which("wrk"):
        wanted.append("wrk")
    if need_pg and not (shutil.which("pgbench") and shutil.which("psql")
                        and os.path.exists(os.path.join(bench_pg.pg_bindir(), "initdb"))):
        wanted += ["postgresql-15", "postgresql-client-15"]
    if need_perf and not shutil.which("perf"):
        wanted.append("linux-perf")
    if not wanted:
        return
    say("installing %s" % " ".join(wanted))
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    run(sudo + ["apt-get", "install", "-y", "--no-install-recommends"] + wanted,
        env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def generate_and_load(opts, work):
    ndjson = os.path.join(work, "people-%d.ndjson" % opts.n)
    data_dir = os.path.join(work, "vaardig-data")
    gen = os.path.join(opts.build, "server", "vaardig-gen")
    vaardigd = os.path.join(opts.build, "server", "vaardigd")
    reference = os.path.join(opts.src, "data")

    say("== 1. generate %d profiles and load them" % opts.n)
    t0 = time.monotonic()
    with open(ndjson, "w") as out:
        run([gen, "--seed", str(SEED), "--count", str(opts.n), "--today", TODAY,
             "--data", reference], stdout=out)
    gen_s = time.monotonic() - t0
    shutil.rmtree(data_dir, ignore_errors=True)
    os.makedirs(data_dir)
    # The kernel would otherwise write the NDJSON back, and free the blocks
    # of an earlier run's data dir, during the timed load.
    os.sync()
    config = os.path.join(work, "import.json")
    with open(config, "w") as f:
        json.dump({"data_dir": data_dir, "reference_dir": reference,
                   "tokens": [{"name": "bench", "role": "admin", "sha256": "0" * 64}]}, f)
    t0 = time.monotonic()
    out = subprocess.run([vaardigd, "--import", ndjson, "--config", config],
                         capture_output=True, text=True, env=dict(os.environ, VAARDIG_TODAY=TODAY))
    load_s = time.monotonic() - t0
    if out.returncode != 0:
        raise RuntimeError("vaardigd --import failed (%d): %s %s"
                           % (out.returncode, out.stderr[-2000:], out.stdout[-2000:]))
    # Xapian fsyncs its commits, but the pages of the tables it wrote may
    # still be going out: let them, before anything else is timed.
    os.sync()
    answer = json.loads(out.stdout)
    if answer["created"] != opts.n or answer["failed"]:
        raise RuntimeError("import: %s" % out.stdout[:2000])
    result = {"generate_s": gen_s, "ndjson_bytes": os.path.getsize(ndjson), "load_s": load_s,
              "load_rate": opts.n / load_s, "disk_bytes": du(data_dir)}
    say("   generated in %.1f s (%s); loaded in %.1f s: %.0f profiles/s; data dir %s"
        % (gen_s, mib(result["ndjson_bytes"]), load_s, result["load_rate"],
           mib(result["disk_bytes"])))
    return ndjson, data_dir, result


def in_process(opts, data_dir, work):
    say("== 2. in-process latency (%d runs per query after %d warm-up runs)"
        % (opts.reps, WARMUP))
    out = os.path.join(work, "inprocess.json")
    run([os.path.join(opts.build, "tests", "bench", "bench_search"),
         "--index", os.path.join(data_dir, "index"), "--reference",
         os.path.join(opts.src, "data"), "--queries", opts.queries, "--today", TODAY,
         "--reps", str(opts.reps), "--warmup", str(WARMUP), "--out", out])
    with open(out) as f:
        return json.load(f)


def over_http(opts, data_dir, ndjson, queries, work):
    say("== 3. over HTTP")
    server = bench_http.Server(os.path.join(opts.build, "server", "vaardigd"), data_dir,
                               os.path.join(opts.src, "data"), work, TODAY)
    result = {}
    try:
        result["startup_s"] = server.start()
        say("   start-up (process start to /v1/health 200): %.3f s" % result["startup_s"])
        client = server.connect()
        bench_http.put_vacancies(client, queries)
        result["queries"] = bench_http.latencies(client, queries, opts.reps, WARMUP)
        client.close()
        result["rss_after_warmup"] = bench_http.vm_status(server.proc.pid)
        for q in result["queries"]:
            say("  %-50s total %8d  p50 %8.3f ms  p99 %8.3f ms"
                % (q["name"], q["total"], q["p50_ms"], q["p99_ms"]))
        profiles = []
        with open(ndjson) as f:
            for line in f:
                profiles.append(json.loads(line))
                if len(profiles) == 5000:
                    break
        say("   wrk -c16 -t2 -d%ds on the GET queries; then again with PUTs from a second client"
            % opts.wrk_seconds)
        result["wrk"] = bench_http.throughput(server, queries, opts.wrk_seconds, work, profiles)
        result["rss_after_load"] = bench_http.vm_status(server.proc.pid)
        w, wp = result["wrk"], result["wrk"]["with_puts"]
        say("   %.0f searches/s (p50 %s ms, p99 %s ms, non-2xx %d)"
            % (w["rps"], w["p50_ms"], w["p99_ms"], w["non_2xx"]))
        say("   with PUTs: %.0f searches/s (non-2xx %d); PUT p50 %.2f ms, p99 %.2f ms over %d PUTs %s"
            % (wp["rps"], wp["non_2xx"], wp["put"]["p50_ms"] or 0, wp["put"]["p99_ms"] or 0,
               wp["put"]["count"], wp["put"]["statuses"]))
        say("   VmRSS %s after warm-up, %s after the load (peak %s)"
            % (mib(result["rss_after_warmup"]["VmRSS"]), mib(result["rss_after_load"]["VmRSS"]),
               mib(result["rss_after_load"]["VmHWM"])))
        if opts.perf:
            result["profile"] = profile_server(opts, server, queries, work)
    finally:
        server.stop()
    return result


def postgres(opts, ndjson, inproc, work):
    say("== 4. PostgreSQL 15 baseline (GIN)")
    places = bench_pg.Places(os.path.join(opts.src, "data", "places", "gemeenten.csv"))
    today = int(TODAY.replace("-", ""))
    cluster = bench_pg.Cluster(work, bench_http.free_port())
    result = {"queries": []}
    tmpdir = tempfile.mkdtemp(prefix="pgbench-", dir=work)
    try:
        cluster.start()
        result["version"] = cluster.psql("SHOW server_version").strip()
        result["load"] = bench_pg.load(cluster, HERE, ndjson,
                                       places_csv(opts), today, opts.n)
        load = result["load"]
        say("   PostgreSQL %s: loaded in %.1f s (%.0f profiles/s); table+indexes %s, GIN %s"
            % (result["version"], load["seconds"], load["rate"], mib(load["table_bytes"]),
               mib(load["gin_bytes"])))
        for q in inproc["queries"]:
            total, rows = bench_pg.answer(cluster, q["query"], places, today)
            timing = bench_pg.time_query(cluster, q["query"], places, today, opts.reps,
                                         min(WARMUP, 5), tmpdir)
            ids = [r[0] for r in rows]
            entry = dict(timing, name=q["name"], total=total, ids=ids,
                         totals_equal=total == q["total"], order_equal=ids == q["ids"])
            if not entry["totals_equal"]:
                say("   !!! MISMATCH %s: PostgreSQL total %d, vaardig %d"
                    % (q["name"], total, q["total"]))
            if not entry["order_equal"]:
                first = next((i for i in range(max(len(ids), len(q["ids"])))
                              if i >= len(ids) or i >= len(q["ids"]) or ids[i] != q["ids"][i]),
                             None)
                entry["first_difference"] = first
                say("   !!! ORDER DIFFERS %s at rank %s: PostgreSQL %s, vaardig %s"
                    % (q["name"], first, ids[first:first + 3], q["ids"][first:first + 3]))
            say("  %-50s total %8d  p50 %8.1f ms  p99 %8.1f ms"
                % (q["name"], total, timing["p50_ms"], timing["p99_ms"]))
            result["queries"].append(entry)
        slowest = max(inproc["queries"], key=lambda q: q["p50_ms"])
        result["explain_slowest"] = bench_pg.explain(cluster, slowest["query"], places, today)
    finally:
        cluster.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)
    return result


def places_csv(opts):
    return os.path.join(opts.src, "data", "places", "gemeenten.csv")


def profile(opts, data_dir, inproc, work):
    """perf record of the slowest in-process query; the top of perf report."""
    slowest = max(inproc["queries"], key=lambda q: q["p50_ms"])
    say("== 6. profile of the slowest in-process query: %s" % slowest["name"])
    perf_data = os.path.join(work, "perf.data")
    proc = subprocess.Popen([os.path.join(opts.build, "tests", "bench", "bench_search"),
                             "--index", os.path.join(data_dir, "index"), "--reference",
                             os.path.join(opts.src, "data"), "--queries", opts.queries,
                             "--today", TODAY, "--profile", slowest["name"], "--seconds", "12"],
                            stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        proc.wait()
        raise RuntimeError("bench_search --profile did not start")
    rec = perf_record(perf_data, proc.pid, 10)
    proc.wait()
    if rec:
        return {"query": slowest["name"], "error": rec}
    result = dict(perf_report(perf_data), query=slowest["name"])
    for ln in result["self"][:15]:
        say("   " + ln)
    return result


def perf_record(perf_data, pid, seconds):
    """Samples pid for seconds with call graphs; None, or why it failed."""
    rec = subprocess.run(["perf", "record", "-F", "499", "--call-graph", "dwarf,16384", "-o",
                          perf_data, "-p", str(pid), "--", "sleep", str(seconds)],
                         capture_output=True, text=True)
    return None if rec.returncode == 0 else rec.stderr.strip()[-500:]


def perf_lines(args):
    out = subprocess.run(["perf", "report", "--stdio", "-g", "none"] + args,
                         capture_output=True, text=True)
    lines = []
    for ln in out.stdout.splitlines():
        words = ln.split()
        while words and words[-1] == "-":
            words.pop()  # empty columns of --sort
        # Frames perf could not name (no unwind information) say nothing.
        if ln.strip() and not ln.startswith("#") and not words[-1].startswith("0x0000"):
            lines.append(" ".join(words))
    return lines


def perf_report(perf_data):
    """The top of perf report: self time by function, and time including callees."""
    return {"self": perf_lines(["-i", perf_data, "--no-children", "--percent-limit", "0.8",
                                "--sort", "dso,symbol"])[:25],
            "children": perf_lines(["-i", perf_data, "--children", "--percent-limit", "4",
                                    "--sort", "symbol"])[:30]}


def profile_server(opts, server, queries, work):
    """perf record of vaardigd while wrk searches (not the measured wrk run)."""
    say("== 6b. profile of vaardigd under wrk (a second, unmeasured wrk run)")
    perf_data = os.path.join(work, "perf-server.data")
    paths_file = os.path.join(work, "wrk-paths.txt")
    env = dict(os.environ, BENCH_PATHS=paths_file, BENCH_TOKEN=server.token)
    wrk = subprocess.Popen(["wrk", "-c16", "-t2", "-d12s", "-s",
                            os.path.join(HERE, "search.lua"), "http://127.0.0.1:%d" % server.port],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    rec = perf_record(perf_data, server.proc.pid, 8)
    wrk.wait()
    if rec:
        return {"error": rec}
    result = perf_report(perf_data)
    for ln in result["self"][:10]:
        say("   " + ln)
    return result


def verdict(ok):
    return "met" if ok else "NOT met"


def summarise(opts, load, inproc, http, pg, prof):
    """The side-by-side table and the targets, as markdown."""
    pgq = {q["name"]: q for q in (pg or {}).get("queries", [])}
    hq = {q["name"]: q for q in http.get("queries", [])}
    lines = []
    lines.append("| query | total | vaardig in-process p50 / p99 ms | vaardig HTTP p50 / p99 ms "
                 "| PostgreSQL p50 / p99 ms | PG p50 / vaardig p50 | totals equal | "
                 "top-N order equal |")
    lines.append("|---|---:|---:|---:|---:|---:|---|---|")
    ratios = []
    for q in inproc["queries"]:
        h, p = hq.get(q["name"]), pgq.get(q["name"])
        ratio = p["p50_ms"] / q["p50_ms"] if p and q["p50_ms"] > 0 else None
        if ratio is not None:
            ratios.append((q["name"], ratio))
        http_total_ok = h is None or (h["total"] == q["total"] and h["ids"] == q["ids"])
        lines.append("| %s | %d | %.3f / %.3f | %s | %s | %s | %s | %s |" % (
            q["name"], q["total"], q["p50_ms"], q["p99_ms"],
            "%.3f / %.3f" % (h["p50_ms"], h["p99_ms"]) if h else "-",
            "%.1f / %.1f" % (p["p50_ms"], p["p99_ms"]) if p else "-",
            "%.0f×" % ratio if ratio is not None else "-",
            ("yes" if p["totals_equal"] else "**NO (%d)**" % p["total"]) if p else "-",
            ("yes" if p["order_equal"] else "**NO** (from rank %s)" % p.get("first_difference"))
            if p else "-") + ("" if http_total_ok else " **HTTP answer differs from in-process**"))
    w = http.get("wrk", {})
    wp = w.get("with_puts", {})
    put = wp.get("put", {})
    rss = max(http["rss_after_warmup"]["VmRSS"], http["rss_after_load"]["VmRSS"])
    lines.append("")
    lines.append("| measure | value |")
    lines.append("|---|---|")
    lines.append("| load (vaardigd --import) | %.1f s, %.0f profiles/s |"
                 % (load["load_s"], load["load_rate"]))
    lines.append("| data dir on disk | %s (NDJSON %s) |"
                 % (mib(load["disk_bytes"]), mib(load["ndjson_bytes"])))
    lines.append("| matcher build (in-process) | %.0f ms (index open %.0f ms) |"
                 % (inproc["build_ms"], inproc["open_ms"]))
    lines.append("| start-up (process start to /v1/health 200) | %.3f s |" % http["startup_s"])
    lines.append("| VmRSS after warm-up / after wrk+PUT (peak) | %s / %s (%s) |"
                 % (mib(http["rss_after_warmup"]["VmRSS"]), mib(http["rss_after_load"]["VmRSS"]),
                    mib(http["rss_after_load"]["VmHWM"])))
    lines.append("| wrk -c16 -t2 -d%ds, GET mix of %d queries | %.0f req/s, p50 %s ms, p99 %s ms, "
                 "non-2xx %d %s |" % (opts.wrk_seconds,
                                      sum(1 for q in json.load(open(opts.queries)) if "body" not in q),
                                      w.get("rps", 0), w.get("p50_ms"), w.get("p99_ms"),
                                      w.get("non_2xx", 0), w.get("socket_errors", "")))
    lines.append("| the same wrk run while a second client PUTs | %.0f req/s, p50 %s ms, p99 %s ms, "
                 "non-2xx %d |" % (wp.get("rps", 0), wp.get("p50_ms"), wp.get("p99_ms"),
                                   wp.get("non_2xx", 0)))
    lines.append("| PUT under search load (sequential client) | p50 %.2f ms, p99 %.2f ms, max %.1f ms, "
                 "%d PUTs %s |" % (put.get("p50_ms") or 0, put.get("p99_ms") or 0,
                                   put.get("max_ms") or 0, put.get("count", 0),
                                   put.get("statuses", {})))
    if pg:
        lines.append("| PostgreSQL %s load (COPY, held terms, GIN, ANALYZE) | %.1f s, %.0f "
                     "profiles/s; table+indexes %s, of which GIN %s |"
                     % (pg["version"], pg["load"]["seconds"], pg["load"]["rate"],
                        mib(pg["load"]["table_bytes"]), mib(pg["load"]["gin_bytes"])))

    # Targets of issue 6.
    worst_p50 = max(inproc["queries"], key=lambda q: q["p50_ms"])
    worst_p99 = max(inproc["queries"], key=lambda q: q["p99_ms"])
    all_equal = pg and all(q["totals_equal"] for q in pg["queries"])
    t = []
    t.append("| target (issue 6, at 1,000,000) | measured | |")
    t.append("|---|---|---|")
    t.append("| every search p50 ≤ 2 ms in-process | worst %.3f ms (%s) | %s |"
             % (worst_p50["p50_ms"], worst_p50["name"],
                verdict(worst_p50["p50_ms"] <= TARGETS["p50_ms"])))
    t.append("| every search p99 ≤ 10 ms in-process | worst %.3f ms (%s) | %s |"
             % (worst_p99["p99_ms"], worst_p99["name"],
                verdict(worst_p99["p99_ms"] <= TARGETS["p99_ms"])))
    if pg:
        t.append("| exact totals (equal to PostgreSQL's count) | %s | %s |"
                 % ("all %d equal" % len(pg["queries"]) if all_equal else "mismatches",
                    verdict(all_equal)))
    t.append("| ≥ 5,000 searches/s over HTTP (wrk -c16) | %.0f/s | %s |"
             % (w.get("rps", 0), verdict(w.get("rps", 0) >= TARGETS["rps"] and not w.get("non_2xx"))))
    if ratios:
        worst = min(ratios, key=lambda r: r[1])
        t.append("| each query ≥ 20× faster than PostgreSQL GIN | lowest %.0f× (%s) | %s |"
                 % (worst[1], worst[0], verdict(worst[1] >= TARGETS["ratio"])))
    t.append("| load ≥ 30,000 profiles/s | %.0f/s | %s |"
             % (load["load_rate"], verdict(load["load_rate"] >= TARGETS["load_rate"])))
    t.append("| PUT p99 ≤ 25 ms while searches run | %.2f ms | %s |"
             % (put.get("p99_ms") or 0, verdict(put.get("p99_ms") is not None
                                                and put["p99_ms"] <= TARGETS["put_p99_ms"])))
    t.append("| resident memory ≤ 1 GiB | %s | %s |" % (mib(rss), verdict(rss <= TARGETS["rss_bytes"])))
    t.append("| start-up ≤ 1 s | %.3f s | %s |"
             % (http["startup_s"], verdict(http["startup_s"] <= TARGETS["startup_s"])))

    rev = subprocess.run(["git", "-C", opts.src, "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip() or "unknown"
    head = ["## Run of %s (source %s)" % (datetime.date.today().isoformat(), rev), "",
            "`make bench BENCH_N=%d` (seed %d, day %s, %d timed runs per query after %d "
            "warm-up runs); %s, %d cores, %s."
            % (opts.n, SEED, TODAY, opts.reps, WARMUP, platform.machine(), os.cpu_count(),
               platform.platform()), ""]
    out = head + lines + ["", "### Targets", ""] + t
    if prof:
        out += ["", "### Profile of the slowest in-process query: %s" % prof["query"], ""]
        if "error" in prof:
            out += ["perf failed: " + prof["error"]]
        else:
            out += ["Self time (perf report --no-children):", "", "```"] + prof["self"] + \
                   ["```", "", "Including callees (perf report --children):", "", "```"] + \
                   prof["children"] + ["```"]
    sp = http.get("profile")
    if sp:
        out += ["", "### Profile of vaardigd under the wrk search mix", ""]
        if "error" in sp:
            out += ["perf failed: " + sp["error"]]
        else:
            out += ["Self time:", "", "```"] + sp["self"] + ["```", "",
                    "Including callees:", "", "```"] + sp["children"] + ["```"]
    if pg and pg.get("explain_slowest"):
        out += ["", "### PostgreSQL plan of the slowest query's top-N statement", "", "```"] + \
               pg["explain_slowest"].rstrip().splitlines() + ["```"]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--wrk-seconds", type=int, default=20)
    ap.add_argument("--pg", type=int, default=1)
    ap.add_argument("--perf", type=int, default=1)
    ap.add_argument("--work", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--queries")
    opts = ap.parse_args()
    opts.queries = opts.queries or os.path.join(HERE, "queries.json")
    os.makedirs(opts.work, exist_ok=True)
    with open(opts.queries) as f:
        queries = json.load(f)

    ensure_tools(opts.pg, opts.perf)
    started = time.monotonic()
    ndjson, data_dir, load = generate_and_load(opts, opts.work)
    inproc = in_process(opts, data_dir, opts.work)
    http = over_http(opts, data_dir, ndjson, queries, opts.work)
    pg = postgres(opts, ndjson, inproc, opts.work) if opts.pg else None
    prof = profile(opts, data_dir, inproc, opts.work) if opts.perf else None

    report = summarise(opts, load, inproc, http, pg, prof)
    results = {"n": opts.n, "seed": SEED, "today": TODAY, "load": load, "inprocess": inproc,
               "http": http, "postgres": pg, "profile": prof,
               "seconds": time.monotonic() - started}
    with open(os.path.join(opts.work, "bench-results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(opts.work, "bench-report.md"), "w") as f:
        f.write(report)
    say("")
    say(report)
    say("(report in %s, raw numbers in %s; the bench took %.0f s)"
        % (os.path.join(opts.work, "bench-report.md"),
           os.path.join(opts.work, "bench-results.json"), results["seconds"]))
    mismatch = pg and not all(q["totals_equal"] for q in pg["queries"])
    return 2 if mismatch else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())

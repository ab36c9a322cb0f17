"""The PostgreSQL 15 baseline of `make bench` (standard library only).

Starts a throw-away cluster of its own (initdb + pg_ctl, as the postgres user
when run as root) on a loopback port, loads the same NDJSON with schema.sql,
and answers vaardig's normalised queries (bench_search's output) with the
same semantics:

- hard filters: every require group is `held && ARRAY[...]` on a GIN index of
  the terms held on the bench's day; `near` is the exact great-circle distance
  (vaardig's formula and float4 positions) after a bounding box on an index;
- the exact total is count(*) of that;
- the top `count` are ordered as server/match_search.c orders them: the
  residents of `in` first, then the score (availability and preferences, then
  closeness, then hours, over the maximum), then distance, then document id
  (the import order).

Latency is measured with pgbench (one client, simple protocol, one
transaction = the count and the top-N statements, as an application would
send them), whose per-transaction log gives honest percentiles.
"""

import datetime
import os
import shutil
import subprocess
import tempfile
import time

# Mirrors server/match_search.c and server/match_internal.h.
DISTANCE_SCALE_KM = 50.0
DISTANCE_WEIGHT = 2.0
HOURS_WEIGHT = 1.0
SOON_DAYS = 30
MAX_TIER_PREFERENCES = 6

SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockdir}'
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 1GB
effective_cache_size = 4GB
random_page_cost = 1.1
jit = off
max_wal_size = 8GB
checkpoint_timeout = 30min
# A throw-away cluster that only answers reads after its load.
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
"""


def pg_bindir():
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
    bindir = out.stdout.strip()
    if out.returncode == 0 and os.path.exists(os.path.join(bindir, "initdb")):
        return bindir
    return "/usr/lib/postgresql/15/bin"


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


def sql_array(terms):
    return "ARRAY[%s]::text[]" % ", ".join(sql_literal(t) for t in terms)


def preference_weight(term):
    if term.startswith("experience:"):
        return 3.0
    if term.startswith("language:"):
        return 2.0
    return 1.0


def yyyymmdd(date):
    return date.year * 10000 + date.month * 100 + date.day


class Places:
    """The gazetteer's CSV, coordinates kept as text (see schema.sql)."""

    def __init__(self, path):
        import csv
        self.by_code = {}
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                self.by_code[row["code"]] = row


def distance_sql(ref, lat="lat", lon="lon"):
    """vd_distance_km(ref, person) with the same operations in the same order."""
    lat1, lon1 = "%s::float8" % ref["lat"], "%s::float8" % ref["lon"]
    rad = "(pi() / 180.0::float8)"
    dlat = "((%s::float8 - %s) * %s)" % (lat, lat1, rad)
    dlon = "((%s::float8 - %s) * %s)" % (lon, lon1, rad)
    s1 = "sin(%s / 2::float8)" % dlat
    s2 = "sin(%s / 2::float8)" % dlon
    a = "((%s * %s) + (((cos(%s * %s) * cos(%s::float8 * %s)) * %s) * %s))" % (
        s1, s1, lat1, rad, lat, rad, s2, s2)
    return "((2.0::float8 * 6371.0088::float8) * asin(sqrt(least(1.0::float8, %s))))" % a


def bounding_box_sql(ref, km):
    """A box that holds the circle with room to spare, for the lat index."""
    import math
    lat, lon = float(ref["lat"]), float(ref["lon"])
    dlat = km / 110.0 + 0.01
    dlon = km / (110.0 * math.cos(math.radians(min(abs(lat) + dlat, 89.0)))) + 0.01
    return "lat BETWEEN %r AND %r AND lon BETWEEN %r AND %r" % (
        lat - dlat, lat + dlat, lon - dlon, lon + dlon)


def query_sql(query, places, today):
    """(count_sql, top_sql) for a normalised query (query.h)."""
    near, where_in = query.get("near"), query.get("in")
    ref = places.by_code[(near or where_in)["code"]] if (near or where_in) else None
    km = float(near["km"]) if near and near.get("km") else 0.0
    hours = float(query.get("hours_per_week") or 0)
    count = int(query.get("count", 10))
    today_date = datetime.date(today // 10000, today // 100 % 100, today % 100)
    soon = yyyymmdd(today_date + datetime.timedelta(days=SOON_DAYS))

    filters = ["held && %s" % sql_array(group) for group in query.get("require", [])]
    if ref and km > 0:
        filters.append(bounding_box_sql(ref, km))
    where = " AND ".join(filters) if filters else "true"
    dist = distance_sql(ref) if ref else "NULL::float8"
    dist_filter = "dist <= %r" % km if ref and km > 0 else "true"

    # The discrete part first (availability, then preferences: exact
    # multiples of 0.5), then closeness, then hours, as the matcher adds them.
    max_score = DISTANCE_WEIGHT if ref else 0.0
    max_score += HOURS_WEIGHT if hours > 0 else 0.0
    max_score += 1.0
    discrete = ("(CASE WHEN available IS NULL THEN 0.5::float8 WHEN available <= %d "
                "THEN 1.0::float8 WHEN available <= %d THEN 0.5::float8 ELSE 0.0::float8 END)"
                % (today, soon))
    n_dims = 1
    for term in query.get("prefer", []):
        w = preference_weight(term)
        if n_dims > MAX_TIER_PREFERENCES:
            continue  # beyond the matcher's tiers: not scored at all
        max_score += w
        discrete = "(%s + CASE WHEN held @> %s THEN %r::float8 ELSE 0.0::float8 END)" % (
            discrete, sql_array([term]), w)
        n_dims += 1
    points = discrete
    if ref:
        points = ("(%s + CASE WHEN dist IS NULL THEN 0.0::float8 ELSE %r::float8 * "
                  "greatest(0.0::float8, 1.0::float8 - dist / %r::float8) END)"
                  % (points, DISTANCE_WEIGHT, DISTANCE_SCALE_KM))
    if hours > 0:
        points = ("(%s + %r::float8 * CASE WHEN hours IS NULL OR hours <= 0 THEN 0.5::float8 "
                  "WHEN hours >= %r::float8 THEN 1.0::float8 ELSE hours::float8 / %r::float8 END)"
                  % (points, HOURS_WEIGHT, hours, hours))
    score = "(%s / %r::float8)" % (points, max_score)
    tier = ("(municipality = %s)::int" % sql_literal(where_in["code"])) if where_in else "0"
    order = "tier DESC, score DESC" + (", dist ASC NULLS LAST" if ref else "") + ", docid"

    inner = ("SELECT docid, id, held, hours, available, municipality, %s AS dist "
             "FROM jobseekers WHERE %s OFFSET 0" % (dist, where))
    count_sql = "SELECT count(*) FROM (%s) c WHERE %s" % (inner, dist_filter)
    top_sql = ("SELECT id, score FROM (SELECT docid, id, dist, %s AS tier, %s AS score "
               "FROM (%s) c WHERE %s) s ORDER BY %s LIMIT %d"
               % (tier, score, inner, dist_filter, order, count))
    return count_sql, top_sql


def percentile(sorted_values, p):
    import math
    rank = int(math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[max(rank, 1) - 1]


class Cluster:
    """A PostgreSQL cluster in a temporary folder, on a loopback port."""

    def __init__(self, work, port):
        self.bindir = pg_bindir()
        self.port = port
        self.root = tempfile.mkdtemp(prefix="vaardig-bench-pg-", dir=work)
        os.chmod(self.root, 0o755)
        self.datadir = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "server.log")
        self.as_postgres = os.geteuid() == 0
        self.started = False
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run_server_tool(self, args, **kw):
        if self.as_postgres:
            args = ["runuser", "-u", "postgres", "--"] + args
        return subprocess.run(args, check=True, **kw)

    def start(self):
        self._run_server_tool([os.path.join(self.bindir, "initdb"), "-D", self.datadir,
                               "-U", "postgres", "--auth=trust", "-E", "UTF8",
                               "--locale=C"], stdout=subprocess.DEVNULL)
        conf = os.path.join(self.datadir, "postgresql.conf")
        settings = SETTINGS.format(port=self.port, sockdir=self.root)
        self._run_server_tool(["sh", "-c", "cat >> '%s'" % conf], input=settings.encode())
        self._run_server_tool([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir,
                               "-l", self.log, "-w", "-t", "60", "start"],
                              stdout=subprocess.DEVNULL)
        self.started = True

    def stop(self):
        if self.started:
            self._run_server_tool([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir,
                                   "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL)
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def conn_args(self):
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]

    def psql(self, sql=None, file=None, variables=None, db="postgres"):
        args = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
        args += self.conn_args() + ["-d", db]
        for k, v in (variables or {}).items():
            args += ["-v", "%s=%s" % (k, v)]
        args += ["-f", file] if file else ["-c", sql]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("psql failed: %s" % out.stderr.strip())
        return out.stdout


def load(cluster, here, ndjson, places_csv, today, n):
    """schema.sql, the two copies, load.sql; returns load statistics."""
    t0 = time.monotonic()
    cluster.psql(file=os.path.join(here, "schema.sql"))
    cluster.psql("\\copy places FROM %s WITH (FORMAT csv, HEADER true)" % sql_literal(places_csv))
    cluster.psql("\\copy raw (doc) FROM %s WITH (FORMAT csv, QUOTE E'\\x01', "
                 "DELIMITER E'\\x02')" % sql_literal(ndjson))
    cluster.psql(file=os.path.join(here, "load.sql"), variables={"today": today})
    seconds = time.monotonic() - t0
    rows = int(cluster.psql("SELECT count(*) FROM jobseekers").strip())
    if rows != n:
        raise RuntimeError("PostgreSQL holds %d profiles, not %d" % (rows, n))
    sizes = cluster.psql(
        "SELECT pg_total_relation_size('jobseekers'), pg_relation_size('jobseekers_held'), "
        "pg_database_size('postgres')").split()
    return {"seconds": seconds, "rows": rows, "rate": n / seconds,
            "table_bytes": int(sizes[0]), "gin_bytes": int(sizes[1]),
            "database_bytes": int(sizes[2])}


def answer(cluster, query, places, today):
    """(total, [(id, score)]) from PostgreSQL for a normalised query."""
    count_sql, top_sql = query_sql(query, places, today)
    total = int(cluster.psql(count_sql).strip())
    rows = [line.split("\t") for line in cluster.psql(top_sql).splitlines() if line]
    return total, [(r[0], float(r[1])) for r in rows]


def time_query(cluster, query, places, today, reps, warmup, tmpdir):
    """Latency percentiles (ms) of the count + top-N transaction, from pgbench's log."""
    count_sql, top_sql = query_sql(query, places, today)
    script = os.path.join(tmpdir, "query.sql")
    with open(script, "w") as f:
        f.write(count_sql + ";\n" + top_sql + ";\n")
    base = ["pgbench", "-n", "-M", "simple", "-c", "1", "-j", "1", "-f", script]
    base += cluster.conn_args() + ["postgres"]
    subprocess.run(base[:1] + ["-t", str(warmup)] + base[1:], check=True,
                   capture_output=True, cwd=tmpdir)
    for name in os.listdir(tmpdir):
        if name.startswith("pgbench_log"):
            os.unlink(os.path.join(tmpdir, name))
    subprocess.run(base[:1] + ["-t", str(reps), "--log", "--log-prefix=pgbench_log"] + base[1:],
                   check=True, capture_output=True, cwd=tmpdir)
    latencies = []
    for name in os.listdir(tmpdir):
        if name.startswith("pgbench_log"):
            with open(os.path.join(tmpdir, name)) as f:
                # client_id transaction_no time_us script_no epoch_s epoch_us
                latencies += [int(line.split()[2]) / 1000.0 for line in f if line.strip()]
            os.unlink(os.path.join(tmpdir, name))
    latencies.sort()
    return {"reps": len(latencies), "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99), "mean_ms": sum(latencies) / len(latencies)}


def explain(cluster, query, places, today):
    """EXPLAIN (ANALYZE) of the top-N statement, for the report's notes."""
    _, top_sql = query_sql(query, places, today)
    return cluster.psql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + top_sql)

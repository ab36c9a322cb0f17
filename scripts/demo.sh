#!/bin/sh
# Quick start: installs what the build needs, builds, writes a demo config
# with a fresh token (printed once; the config keeps only its sha256), loads
# a synthetic population and starts vaardigd on 127.0.0.1:8080.
#
#   scripts/demo.sh           set up and leave vaardigd running
#   scripts/demo.sh --smoke   set up, run the printed examples, stop (tests use this)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
port=${VAARDIG_PORT:-8080}
count=${VAARDIG_DEMO_PROFILES:-5000}
demo=${VAARDIG_DEMO_DIR:-$top/demo}

"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"

# A demo left running from an earlier call holds the port and the database.
if [ -f "$demo/vaardigd.pid" ]; then
	kill "$(cat "$demo/vaardigd.pid")" 2>/dev/null || true
	sleep 1
fi
rm -rf "$demo"
mkdir -p "$demo/data"

token=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
cat >"$demo/vaardig.json" <<JSON
{
  "listen": "127.0.0.1:$port",
  "data_dir": "$demo/data",
  "reference_dir": "$top/data",
  "tokens": [
    {"name": "demo-beheer", "role": "admin", "sha256": "$hash"}
  ]
}
JSON

"$top/build/server/vaardig-gen" --data "$top/data" --seed 2026 --count "$count" >"$demo/profiles.ndjson"
setsid "$top/build/server/vaardigd" --config "$demo/vaardig.json" >"$demo/vaardigd.log" 2>&1 &
echo $! >"$demo/vaardigd.pid"
tries=0
until curl -fs "http://127.0.0.1:$port/v1/health" >/dev/null; do
	tries=$((tries + 1))
	if [ $tries -gt 100 ]; then
		cat "$demo/vaardigd.log" >&2
		exit 1
	fi
	sleep 0.1
done
python3 "$top/scripts/load-profiles.py" "http://127.0.0.1:$port" "$token" "$demo/profiles.ndjson"
id=$(head -n1 "$demo/profiles.ndjson" | sed 's/^{"id":"\([^"]*\)".*/\1/')

cat <<TXT

vaardigd is running on http://127.0.0.1:$port (pid $(cat "$demo/vaardigd.pid"), log: $demo/vaardigd.log).
Your admin token, shown only now (the config keeps its sha256): $token

Try:
  curl -s http://127.0.0.1:$port/v1/health
  curl -s -H 'Authorization: Bearer $token' http://127.0.0.1:$port/v1/jobseekers/$id
  curl -s -X PATCH -H 'Authorization: Bearer $token' -H 'Content-Type: application/merge-patch+json' \\
       -d '{"hours_per_week": 24}' http://127.0.0.1:$port/v1/jobseekers/$id

Stop it with: kill \$(cat $demo/vaardigd.pid)
TXT

if [ "${1:-}" = "--smoke" ]; then
	curl -fsS "http://127.0.0.1:$port/v1/health" | grep -q '"jobseekers":'"$count"
	curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/jobseekers/$id" | grep -q "\"id\":\"$id\""
	curl -fsS -X PATCH -H "Authorization: Bearer $token" -H 'Content-Type: application/merge-patch+json' \
		-d '{"hours_per_week": 24}' "http://127.0.0.1:$port/v1/jobseekers/$id" | grep -q '"hours_per_week":24'
	kill "$(cat "$demo/vaardigd.pid")"
	echo "demo smoke test: the printed examples work"
fi

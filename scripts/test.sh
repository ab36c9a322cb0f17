#!/bin/sh
# Quick start, second command: the same set-up as demo.sh, then the whole
# test suite (unit tests, black-box tests against the real server, the demo's
# own examples, and make distcheck).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"

status=0
cd "$top/build"
make -j"$(nproc)" check || status=1
# Automake's summary, restated as the plain line CI reads.
pass=0
fail=0
for trs in $(find . -name '*.trs'); do
	case "$(sed -n 's/^:test-result: //p' "$trs")" in
	PASS) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
VAARDIG_PORT=${VAARDIG_DEMO_PORT:-18080} VAARDIG_DEMO_PROFILES=2000 VAARDIG_DEMO_DIR="$top/build/demo-smoke" \
	"$top/scripts/demo.sh" --smoke && pass=$((pass + 1)) || fail=$((fail + 1))
# data/openapi.json linted by a real OpenAPI validator (Redocly's CLI from npm).
"$top/scripts/openapi-lint.sh" "$top/build/openapi-lint" >"$top/build/openapi-lint.log" 2>&1 && pass=$((pass + 1)) || {
	tail -40 "$top/build/openapi-lint.log"
	fail=$((fail + 1))
}
# The search page in Debian's chromium (playwright-core), against the real vaardigd.
"$top/scripts/browser-test.sh" >"$top/build/browser-test.log" 2>&1 && pass=$((pass + 1)) || {
	tail -60 "$top/build/browser-test.log"
	fail=$((fail + 1))
}
make -j"$(nproc)" distcheck >"$top/build/distcheck.log" 2>&1 && pass=$((pass + 1)) || {
	tail -40 "$top/build/distcheck.log"
	fail=$((fail + 1))
}
# The suite again under ASan+UBSan with leak checking, and each fuzz target
# briefly (its regression inputs first).
"$top/scripts/sanitize.sh" >"$top/build/sanitize.log" 2>&1 && pass=$((pass + 1)) || {
	tail -40 "$top/build/sanitize.log"
	fail=$((fail + 1))
}
# The tests where search threads, the event loop and the store's writer
# share the matcher, under ThreadSanitizer.
SANITIZE=thread "$top/scripts/sanitize.sh" TESTS="tests/blackbox/test_search_threads.py \
	tests/blackbox/test_search.py tests/blackbox/test_vacancies.py" \
	>"$top/build/tsan.log" 2>&1 && pass=$((pass + 1)) || {
	tail -40 "$top/build/tsan.log"
	fail=$((fail + 1))
}
"$top/scripts/fuzz.sh" 20 >"$top/build/fuzz.log" 2>&1 && pass=$((pass + 1)) || {
	tail -40 "$top/build/fuzz.log"
	fail=$((fail + 1))
}
[ $fail -eq 0 ] || status=1
echo "$pass passed, $fail failed"
exit $status

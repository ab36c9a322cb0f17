#!/bin/sh
# Browser tests of the search page (tests/browser): playwright-core drives
# Debian's chromium, headless, against the real vaardigd built in build/
# (or in $VAARDIG_BUILD). Installs the test's npm packages when needed.
#   scripts/browser-test.sh                the tests
#   scripts/browser-test.sh --screenshot   also writes tests/browser/zoekpagina.png
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/tests/browser"
build=${VAARDIG_BUILD:-$top/build}
chromium=${CHROMIUM:-/usr/bin/chromium}

for tool in node npm; do
	command -v "$tool" >/dev/null || {
		echo "browser-test: $tool is missing (scripts/install-deps.sh installs it)" >&2
		exit 1
	}
done
[ -x "$chromium" ] || {
	echo "browser-test: $chromium is missing (scripts/install-deps.sh installs Debian's chromium)" >&2
	exit 1
}
[ -x "$build/server/vaardigd" ] || {
	echo "browser-test: $build/server/vaardigd is not built (scripts/build.sh)" >&2
	exit 1
}

# npm ci installs exactly what package-lock.json pins; only when the
# installed tree is missing or older than the lock file.
if [ ! -f "$dir/node_modules/playwright-core/package.json" ] ||
	[ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "${1:-}" = "--screenshot" ]; then
	VAARDIG_SCREENSHOT="$dir/zoekpagina.png"
	export VAARDIG_SCREENSHOT
fi
VAARDIG_BUILD=$build CHROMIUM=$chromium
export VAARDIG_BUILD CHROMIUM
cd "$dir"
exec node --test search-page.test.mjs

#!/bin/sh
# Lints data/openapi.json with Redocly's CLI, pinned in tests/openapi
# (package.json and package-lock.json). The packages are installed with
# `npm ci` into a folder outside the source tree (default build/openapi-lint,
# or $1), again only when the lock file changed. Exits non-zero on any error.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build/openapi-lint}

command -v npm >/dev/null || {
	echo "openapi-lint: npm is missing (scripts/install-deps.sh installs it)" >&2
	exit 1
}
mkdir -p "$dir"
if ! cmp -s "$top/tests/openapi/package-lock.json" "$dir/package-lock.json" ||
	[ ! -x "$dir/node_modules/.bin/redocly" ]; then
	cp "$top/tests/openapi/package.json" "$top/tests/openapi/package-lock.json" "$dir/"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
cp "$top/tests/openapi/redocly.yaml" "$dir/"
# Redocly prints a notice on Node releases near their end; it is no finding.
"$dir/node_modules/.bin/redocly" lint --format=stylish --config "$dir/redocly.yaml" \
	"$top/data/openapi.json"

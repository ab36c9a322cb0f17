#!/bin/sh
# Installs the Debian 12 packages that building and testing vaardig need.
# Idempotent: packages already present are left as they are.
set -eu

packages="build-essential autoconf automake libtool libtool-bin pkg-config
  libxapian-dev xapian-tools libevent-dev libjansson-dev libltdl-dev check
  libssl-dev libroaring-dev python3 python3-jsonschema curl ca-certificates
  chromium"
# npm for the OpenAPI lint (scripts/openapi-lint.sh) and, with chromium, the
# browser tests (scripts/browser-test.sh); a Node.js from elsewhere
# (NodeSource) brings its own npm, and Debian's would conflict with it.
command -v npm >/dev/null || packages="$packages nodejs npm"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root to install:$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

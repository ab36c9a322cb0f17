#!/bin/sh
# Runs `make check` in a second build with AddressSanitizer, UndefinedBehavior-
# Sanitizer and LeakSanitizer, out of tree:
#
#   scripts/sanitize.sh [MAKE ARGUMENTS...]     e.g. TESTS=tests/unit/test_profile
#
# or, with SANITIZE=thread, with ThreadSanitizer (the search threads and the
# store's writer share the matcher; TSan and ASan cannot share a build):
#
#   SANITIZE=thread scripts/sanitize.sh TESTS="tests/blackbox/test_search_threads.py"
#
# Environment:
#   SANITIZE            address (default: ASan + UBSan + LSan) or thread
#   SANITIZE_BUILD_DIR  the build directory (default: build-asan/ or build-tsan/
#                       in the source tree, which .gitignore's /build*/ keeps out of git)
#   CC, CXX             the compilers (default gcc, g++; clang, clang++ work too)
#   SANITIZE_JOBS       make -j (default 2)
#
# Every sanitizer report is fatal: ASan aborts, UBSan halts on the first
# report, LeakSanitizer fails the process at exit. A unit test (Check forks
# one process per test) then fails, and a black-box test fails because the
# server it drives dies. Xapian and libstdc++ are not instrumented; the
# suppressions in tests/fuzz/lsan.supp cover their one-time allocations.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
mode=${SANITIZE:-address}
case "$mode" in
address)
	san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
	marks='ERROR: (Address|Leak)Sanitizer|runtime error:'
	build=${SANITIZE_BUILD_DIR:-$srcdir/build-asan}
	;;
thread)
	san="-fsanitize=thread -fno-omit-frame-pointer -g -O1"
	marks='WARNING: ThreadSanitizer|ERROR: ThreadSanitizer'
	build=${SANITIZE_BUILD_DIR:-$srcdir/build-tsan}
	;;
*)
	echo "sanitize: SANITIZE must be address or thread, not '$mode'" >&2
	exit 2
	;;
esac
jobs=${SANITIZE_JOBS:-2}
CC=${CC:-gcc}
CXX=${CXX:-g++}

if [ -f "$srcdir/config.status" ]; then
	echo "sanitize: $srcdir is configured in place; run 'make distclean' there first (configure refuses a second, out-of-tree build of a configured tree)" >&2
	exit 2
fi
if [ ! -x "$srcdir/configure" ]; then
	(cd "$srcdir" && autoreconf -fi)
fi

mkdir -p "$build"
cd "$build"
# Reconfigure only when the flags or the compilers changed.
stamp="$CC|$CXX|$san"
if [ ! -f Makefile ] || [ "$(cat .sanitize-flags 2>/dev/null)" != "$stamp" ]; then
	"$srcdir/configure" -q CC="$CC" CXX="$CXX" CFLAGS="$san" CXXFLAGS="$san" LDFLAGS="$san"
	echo "$stamp" >.sanitize-flags
fi

# halt_on_error/abort_on_error: the first report ends the process with a
# non-zero status. detect_leaks=1: LeakSanitizer runs at every exit.
ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
LSAN_OPTIONS="suppressions=$srcdir/tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# A data race is reported and the process goes on; it exits 66 at the end.
TSAN_OPTIONS="second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
# Check's forked test processes report through the same channels.
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS

rc=0
make -j"$jobs" check "$@" || rc=$?

# A report in a test's log even where the test itself passed (a server that
# died after its last checked answer, a leak in a helper process) is a failure.
reports=$(find . -name '*.log' ! -name config.log ! -name test-suite.log \
	-exec grep -lE "$marks" {} + 2>/dev/null || true)
if [ -n "$reports" ]; then
	echo "sanitize: sanitizer reports in:" >&2
	for f in $reports; do
		echo "  $build/${f#./}" >&2
		grep -E -A 12 "$marks" "$f" | head -n 40 >&2
	done
	[ "$rc" -ne 0 ] || rc=1
fi
if [ "$rc" -eq 0 ]; then
	echo "sanitize: make check passed under $san in $build"
else
	echo "sanitize: FAILED (see $build/test-suite.log)" >&2
fi
exit "$rc"

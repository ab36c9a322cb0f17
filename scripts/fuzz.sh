#!/bin/sh
# Builds the libFuzzer targets in tests/fuzz/ with clang (ASan + UBSan + LSan)
# and runs them: first every saved crash input in tests/fuzz/regressions/ as a
# regression check, then each target in turn for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS]
#
# Environment:
#   FUZZ_BUILD_DIR  where objects, binaries, the growing corpus and new crash
#                   inputs go (default: build-fuzz/ in the source tree, which
#                   .gitignore's /build*/ keeps out of git)
#   FUZZ_TARGETS    the targets to run, space-separated (default: all of them)
#   FUZZ_JOBS       parallel compile jobs (default 2)
#   CC              a clang (default clang)
#
# One target runs at a time: the machines this runs on are shared. Exits
# non-zero when a regression input or a fuzzing run crashes, leaks, hits
# undefined behaviour or breaks one of the targets' invariants; the input is
# left in $FUZZ_BUILD_DIR/crashes/<target>/ and should be copied to
# tests/fuzz/regressions/<target>/ once the bug is fixed.
set -eu

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS]" >&2
	exit 2
	;;
esac

srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$srcdir/build-fuzz}
targets=${FUZZ_TARGETS:-fuzz_profile fuzz_merge_patch fuzz_query_text fuzz_search_body fuzz_vacancy fuzz_jsonld fuzz_csv}
jobs=${FUZZ_JOBS:-2}
CC=${CC:-clang}

# The server sources the targets need: validation, the taxonomy and gazetteer,
# the query parser and index documents. All plain C; nothing here needs
# Xapian (index_doc.c builds documents in C, index.cc is not linked).
server_sources="status.c dates.c taxonomy.c places.c profile.c profile_terms.c merge_patch.c
	query.c search_request.c vacancy.c index_doc.c"
# The source plugins' readers (fuzz_jsonld, fuzz_csv), apart from their glue.
plugin_sources="common/source.c source-jsonld/jsonld_read.c source-csv/csv_read.c"

# clang with libFuzzer's runtime; installed from Debian when missing.
have_libfuzzer() {
	command -v "$CC" >/dev/null 2>&1 || return 1
	echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)n & 0; }' |
		"$CC" -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1
}
if ! have_libfuzzer; then
	echo "fuzz: $CC with libFuzzer not found; installing clang and libclang-rt-14-dev" >&2
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y clang libclang-rt-14-dev llvm >&2
	have_libfuzzer || {
		echo "fuzz: $CC still cannot link -fsanitize=fuzzer" >&2
		exit 2
	}
fi

mkdir -p "$build/obj"
# The sources need no autoconf results beyond these; a config.h of their own
# keeps this build independent of any configured tree. It also names the
# reference data the targets load ($VAARDIG_DATA overrides it at run time).
version=$(sed -n 's/^AC_INIT(\[vaardig\], \[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")
printf '#define _GNU_SOURCE 1\n#define PACKAGE_VERSION "%s"\n#define VD_FUZZ_DATADIR "%s"\n' \
	"$version" "$srcdir/data" >"$build/config.h.new"
if cmp -s "$build/config.h.new" "$build/config.h"; then
	rm "$build/config.h.new"
else
	mv "$build/config.h.new" "$build/config.h"
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-std=c11 -g -O1 $san -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
	-I$build -I$srcdir/server -I$srcdir/include -I$srcdir/tests/fuzz
	-I$srcdir/plugins/common -I$srcdir/plugins/source-jsonld -I$srcdir/plugins/source-csv
	$(pkg-config --cflags jansson)"
libs="$(pkg-config --libs jansson) -lm"

# Compiles one source to obj/<name>.o unless neither it nor any header it
# could include changed since.
compile() {
	src=$1
	extra=$2
	obj=$build/obj/$(basename "$src" .c).o
	if [ -f "$obj" ] && [ -z "$(find "$src" "$srcdir"/server/*.h "$srcdir"/tests/fuzz/*.h \
		"$srcdir"/plugins/*/*.h "$srcdir"/include/vaardig/*.h "$build/config.h" -newer "$obj")" ]; then
		return 0
	fi
	# shellcheck disable=SC2086 # the flags are word lists
	"$CC" $cflags $extra -c "$src" -o "$obj"
}

echo "fuzz: building in $build"
objects=
pids=
for f in $server_sources ../tests/fuzz/fuzz_common.c ../tests/fuzz/fuzz_source.c \
	$(for p in $plugin_sources; do echo "../plugins/$p"; done); do
	compile "$srcdir/server/$f" "-fsanitize=fuzzer-no-link" &
	pids="$pids $!"
	objects="$objects $build/obj/$(basename "$f" .c).o"
	# At most $jobs compilers at once; a failed compile stops the script.
	if [ "$(echo "$pids" | wc -w)" -ge "$jobs" ]; then
		for pid in $pids; do wait "$pid"; done
		pids=
	fi
done
for pid in $pids; do wait "$pid"; done
for t in $targets; do
	compile "$srcdir/tests/fuzz/$t.c" "-fsanitize=fuzzer-no-link"
	# shellcheck disable=SC2086
	"$CC" -g $san -fsanitize=fuzzer "$build/obj/$t.o" $objects $libs -o "$build/$t"
done

# LeakSanitizer stays on; UBSan stops at the first report, with a stack.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

failed=0

# Every input that once crashed a target must pass now.
for t in $targets; do
	dir=$srcdir/tests/fuzz/regressions/$t
	[ -d "$dir" ] || continue
	n=$(find "$dir" -type f | wc -l)
	[ "$n" -gt 0 ] || continue
	if find "$dir" -type f -print0 | xargs -0 "$build/$t" >"$build/$t.regressions.log" 2>&1; then
		echo "fuzz: $t: $n regression input(s) pass"
	else
		echo "fuzz: $t: a regression input fails; see $build/$t.regressions.log" >&2
		tail -n 40 "$build/$t.regressions.log" >&2
		failed=1
	fi
done
[ "$failed" -eq 0 ] || exit 1

[ "$seconds" -gt 0 ] || exit 0
summary=
for t in $targets; do
	# New inputs go to the first corpus dir (in the build); the checked-in seeds
	# are read only.
	mkdir -p "$build/corpus/$t" "$build/crashes/$t"
	seeds=$srcdir/tests/fuzz/corpus/$t
	dict=
	[ -f "$srcdir/tests/fuzz/$t.dict" ] && dict=-dict=$srcdir/tests/fuzz/$t.dict
	before=$(find "$build/crashes/$t" -type f | wc -l)
	echo "fuzz: $t for ${seconds}s"
	rc=0
	# shellcheck disable=SC2086
	"$build/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/crashes/$t/" $dict \
		"$build/corpus/$t" "$seeds" >"$build/$t.log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$t.log" | tail -n 1)
	after=$(find "$build/crashes/$t" -type f | wc -l)
	crashes=$((after - before))
	corpus=$(find "$build/corpus/$t" -type f | wc -l)
	line="$t: ${execs:-?} executions in ${seconds}s, corpus $corpus, crashes $crashes, exit $rc"
	echo "fuzz: $line"
	summary="$summary$line
"
	if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
		failed=1
		grep -E 'ERROR|runtime error|invariant|^first|^second|SUMMARY|^ *#[0-9]+ |Test unit written' \
			"$build/$t.log" | head -n 40 >&2 || tail -n 20 "$build/$t.log" >&2
	fi
done
printf '\nfuzz: summary\n%s' "$summary"
exit "$failed"

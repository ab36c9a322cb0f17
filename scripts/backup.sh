#!/bin/sh
# Online backup of a vaardigd data_dir while the server serves and writes.
#
#   vaardig-backup [-t TRIES] [-p PID] DATA_DIR BACKUP_DIR
#
# BACKUP_DIR must not exist; it is made whole or not at all (built as
# BACKUP_DIR.partial, checked, synced, then renamed). It holds:
#   index/       a compacted copy of DATA_DIR/index at one committed revision
#   audit/       a copy of DATA_DIR/audit, if there is one
#   BACKUP_INFO  when, from where, how many documents, how it was taken
#
# Every write vaardigd had acknowledged when the backup started is in the
# copy: vaardigd answers a write only after the commit that holds it, and
# the copy is of a revision committed after that.
#
# First way, the server untouched: xapian-compact opens the index read-only
# at its newest committed revision and writes every table anew from it.
# Xapian keeps a revision's blocks only until the writer has committed twice
# after it; when that happens during the copy, xapian-compact stops with
# DatabaseModifiedError and is tried again, up to TRIES times (default 5).
# That works while writes are sparse; under steady writes (one client
# writing flat out commits a few hundred times a second) it never does.
#
# Second way, when every try failed and -p names vaardigd's process id:
# the server is paused (SIGSTOP) while the index files are copied as they
# are, then resumed (SIGCONT, also when this script is interrupted). A
# paused writer is either between commits or in the middle of one; glass
# writes a commit's blocks where the last revision's are not and switches
# to them by renaming its version file last, so the files copied hold the
# last committed revision whole. The pause lasts as long as a plain copy of
# the index (page-cache speed), not as long as a compaction; that copy is
# then compacted and checked offline. Requests wait during the pause and
# are answered after it; none is lost.
#
#   vaardig-backup -p "$(systemctl show -p MainPID --value vaardigd)" \
#       /var/lib/vaardig /srv/backup/vaardig-$(date +%F)
#
# Restore with vaardig-restore (scripts/restore.sh). Needs xapian-compact,
# xapian-check and xapian-delve (Debian: xapian-tools). Run it as a user
# that may read DATA_DIR and signal vaardigd (root for the systemd unit).
# Exit status: 0 done, 1 failed, 2 usage.
set -eu

prog=${0##*/}
tries=5
pid=

usage() {
	echo "usage: $prog [-t TRIES] [-p PID] DATA_DIR BACKUP_DIR" >&2
	exit 2
}

log() {
	echo "$prog: $*" >&2
}

while getopts t:p: opt; do
	case $opt in
	t) tries=$OPTARG ;;
	p) pid=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
case $tries in
'' | *[!0-9]*) usage ;;
esac
case $pid in
*[!0-9]*) usage ;;
esac
data_dir=$1
dest=${2%/}

for tool in xapian-compact xapian-check xapian-delve; do
	command -v "$tool" >/dev/null 2>&1 || {
		log "$tool not found (Debian: apt-get install xapian-tools)"
		exit 1
	}
done
if [ ! -f "$data_dir/index/iamglass" ]; then
	log "$data_dir/index is not a Xapian glass database"
	exit 1
fi
if [ -e "$dest" ]; then
	log "$dest exists; give a new name (a backup is never written over)"
	exit 1
fi
if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
	log "no process $pid to pause (give vaardigd's process id)"
	exit 1
fi
partial="$dest.partial"
rm -rf "$partial"
mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# The index, at one committed revision.
how=
n=0
pause=0.05
while [ "$n" -lt "$tries" ]; do
	n=$((n + 1))
	rm -rf "$partial/index"
	if err=$(xapian-compact --no-renumber "$data_dir/index" "$partial/index" 2>&1 >/dev/null); then
		how="xapian-compact, try $n"
		break
	fi
	case $err in
	*DatabaseModifiedError*) ;;
	*)
		log "xapian-compact: $err"
		exit 1
		;;
	esac
	sleep "$pause"
	pause=$(awk "BEGIN { p = $pause * 2; print (p > 1 ? 1 : p) }")
done
if [ -z "$how" ]; then
	if [ -z "$pid" ]; then
		log "the index changed under each of $n tries; give -p PID to pause vaardigd for a copy"
		exit 1
	fi
	rm -rf "$partial/index" "$partial/frozen"
	kill -STOP "$pid"
	trap 'kill -CONT "$pid" 2>/dev/null; rm -rf "$partial"' EXIT
	trap 'exit 1' INT TERM HUP
	t0=$(date +%s.%N)
	copied=yes
	cp -R "$data_dir/index" "$partial/frozen" || copied=no
	kill -CONT "$pid"
	t1=$(date +%s.%N)
	trap 'rm -rf "$partial"' EXIT
	[ "$copied" = yes ] || exit 1
	paused=$(awk "BEGIN { printf \"%.3f\", $t1 - $t0 }")
	if ! err=$(xapian-compact --no-renumber "$partial/frozen" "$partial/index" 2>&1 >/dev/null); then
		log "xapian-compact of the paused copy: $err"
		exit 1
	fi
	rm -rf "$partial/frozen"
	how="copy while vaardigd was paused for ${paused}s, after $n tries of xapian-compact"
fi
if ! err=$(xapian-check "$partial/index" 2>&1); then
	log "the copy does not check out: $err"
	exit 1
fi
docs=$(xapian-delve "$partial/index" 2>/dev/null | sed -n 's/^number of documents = //p')

# The audit log, after the index, so that it covers at least what the index
# holds. Its files only grow: a copy is a prefix of each, and a line being
# written at that moment is cut off rather than kept half.
if [ -d "$data_dir/audit" ]; then
	cp -R "$data_dir/audit" "$partial/audit"
	find "$partial/audit" -type f | while IFS= read -r f; do
		if [ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
			truncate -s "-$(tail -n 1 "$f" | wc -c)" "$f"
		fi
	done
fi

cat >"$partial/BACKUP_INFO" <<EOF
started: $started
source: $data_dir
documents: ${docs:-unknown}
how: $how
EOF
# Durable before it is given its name.
find "$partial" -type f -exec sync {} +
sync "$partial"
mv "$partial" "$dest"
trap - EXIT
sync "$(dirname "$dest")"
log "backup of $data_dir in $dest: ${docs:-?} documents, $how"

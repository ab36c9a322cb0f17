#!/bin/sh
# Puts a backup made by vaardig-backup (scripts/backup.sh) into a data_dir.
#
#   vaardig-restore [-f] BACKUP_DIR DATA_DIR
#
# Stop vaardigd on DATA_DIR first (systemctl stop vaardigd): a running
# server keeps its own open index and would not see the restored one.
# DATA_DIR is created if missing. If it already holds an index (or audit
# log), -f is needed, and the old ones are kept beside it as
# index.before-restore-<time> (audit.before-restore-<time>), never deleted.
# Under systemd, start the unit afterwards: StateDirectory= hands the
# restored files to the service's dynamic user.
# Exit status: 0 done, 1 failed, 2 usage.
set -eu

prog=${0##*/}
force=no

usage() {
	echo "usage: $prog [-f] BACKUP_DIR DATA_DIR" >&2
	exit 2
}

log() {
	echo "$prog: $*" >&2
}

while getopts f opt; do
	case $opt in
	f) force=yes ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
backup=${1%/}
data_dir=${2%/}

if [ ! -f "$backup/index/iamglass" ] || [ ! -f "$backup/BACKUP_INFO" ]; then
	log "$backup is not a backup made by vaardig-backup"
	exit 1
fi
if command -v xapian-check >/dev/null 2>&1; then
	if ! err=$(xapian-check "$backup/index" 2>&1); then
		log "the backup's index does not check out: $err"
		exit 1
	fi
fi
if [ -e "$data_dir/index" ] && [ "$force" = no ]; then
	log "$data_dir already holds an index; stop vaardigd and give -f to set it aside"
	exit 1
fi
mkdir -p "$data_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)

# Copy beside, make durable, then swap in by rename: an interrupted restore
# leaves the old index or the new one, never half of one.
rm -rf "$data_dir/index.restoring" "$data_dir/audit.restoring"
cp -R "$backup/index" "$data_dir/index.restoring"
[ ! -d "$backup/audit" ] || cp -R "$backup/audit" "$data_dir/audit.restoring"
find "$data_dir/index.restoring" -type f -exec sync {} +
[ ! -d "$data_dir/audit.restoring" ] || find "$data_dir/audit.restoring" -type f -exec sync {} +
for part in index audit; do
	[ -d "$data_dir/$part.restoring" ] || continue
	if [ -e "$data_dir/$part" ]; then
		mv "$data_dir/$part" "$data_dir/$part.before-restore-$stamp"
		log "kept the old $part as $data_dir/$part.before-restore-$stamp"
	fi
	mv "$data_dir/$part.restoring" "$data_dir/$part"
done
sync "$data_dir"
log "restored $backup into $data_dir ($(sed -n 's/^documents: //p' "$backup/BACKUP_INFO") documents)"

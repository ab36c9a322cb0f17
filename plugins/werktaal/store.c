/* werktaal: the durable trajectory store (store.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

#define FILE_NAME "trajectories.jsonl"

struct vd_wt_store {
	char *dir;
	char *path;
	int fd;      /* open for appending; -1 when closed */
	json_t *all; /* {"id": record}: insertion order is jansson's iteration order */
};

static vd_wt_status_t
io_error(char *why, size_t why_len, const char *what, const char *path)
{
	snprintf(why, why_len, "%s %s: %s", what, path, strerror(errno));
	return VD_WT_ERR_IO;
}

static bool
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* fsync of the folder, so that a rename in it survives a crash. */
static bool
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	bool ok;

	if (fd < 0)
		return false;
	ok = fsync(fd) == 0;
	close(fd);
	return ok;
}

/* One record as a line: compact JSON and '\n'. malloc'd. */
static char *
line_of(const json_t *record)
{
	char *text = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER), *line;
	size_t n;

	if (!text)
		return NULL;
	n = strlen(text);
	line = realloc(text, n + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

/* Rewrites the file with one line per record (tmp, fsync, rename, fsync of
 * the folder) and reopens it for appending. */
static vd_wt_status_t
compact(vd_wt_store_t *st, char *why, size_t why_len)
{
	size_t n = strlen(st->path) + 5;
	char *tmp = malloc(n), *line;
	const char *id;
	json_t *rec;
	int fd = -1;
	vd_wt_status_t status = VD_WT_ERR_IO;

	if (!tmp)
		return VD_WT_ERR_NOMEM;
	snprintf(tmp, n, "%s.tmp", st->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		status = io_error(why, why_len, "cannot create", tmp);
		goto out_free;
	}
	json_object_foreach(st->all, id, rec)
	{
		bool ok;

		line = line_of(rec);
		ok = line && write_all(fd, line, strlen(line));
		free(line);
		if (!ok) {
			status = io_error(why, why_len, "cannot write", tmp);
			goto out_unlink;
		}
	}
	if (fsync(fd) != 0) {
		status = io_error(why, why_len, "cannot fsync", tmp);
		goto out_unlink;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, st->path) != 0) {
		status = io_error(why, why_len, "cannot rename to", st->path);
		goto out_unlink;
	}
	if (!sync_dir(st->dir)) {
		status = io_error(why, why_len, "cannot fsync", st->dir);
		goto out_free;
	}
	if (st->fd >= 0)
		close(st->fd);
	st->fd = open(st->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (st->fd < 0)
		status = io_error(why, why_len, "cannot open", st->path);
	else
		status = VD_WT_OK;
	goto out_free;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out_free:
	free(tmp);
	return status;
}

/* Reads every line of the file into st->all, the last per id winning. */
static vd_wt_status_t
load(vd_wt_store_t *st, size_t *skipped, char *why, size_t why_len)
{
	FILE *f = fopen(st->path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return errno == ENOENT ? VD_WT_OK : io_error(why, why_len, "cannot read", st->path);
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *rec;
		const char *id;

		if (line[n - 1] != '\n') {
			(*skipped)++; /* torn by a crash mid-write: never acknowledged */
			break;
		}
		rec = json_loadb(line, (size_t)n, 0, NULL);
		id = json_string_value(json_object_get(rec, "id"));
		if (!json_is_object(rec) || !id) {
			(*skipped)++;
			json_decref(rec);
			continue;
		}
		/* Deleted first, so that the id moves to where its latest line is. */
		json_object_del(st->all, id);
		json_object_set_new(st->all, id, rec);
	}
	free(line);
	if (ferror(f)) {
		fclose(f);
		return io_error(why, why_len, "cannot read", st->path);
	}
	fclose(f);
	return VD_WT_OK;
}

vd_wt_store_t *
vd_wt_store_open(const char *dir, size_t *skipped, char *why, size_t why_len)
{
	vd_wt_store_t *st = calloc(1, sizeof(*st));
	size_t n = strlen(dir) + sizeof(FILE_NAME) + 2;

	*skipped = 0;
	if (!st)
		goto out_nomem;
	st->fd = -1;
	st->dir = strdup(dir);
	st->path = malloc(n);
	st->all = json_object();
	if (!st->dir || !st->path || !st->all)
		goto out_nomem;
	snprintf(st->path, n, "%s/%s", dir, FILE_NAME);
	if (load(st, skipped, why, why_len) != VD_WT_OK || compact(st, why, why_len) != VD_WT_OK)
		goto out_free;
	return st;
out_nomem:
	snprintf(why, why_len, "out of memory");
out_free:
	vd_wt_store_free(st);
	return NULL;
}

void
vd_wt_store_free(vd_wt_store_t *st)
{
	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	json_decref(st->all);
	free(st->path);
	free(st->dir);
	free(st);
}

const json_t *
vd_wt_store_get(const vd_wt_store_t *st, const char *id)
{
	return json_object_get(st->all, id);
}

const json_t *
vd_wt_store_all(const vd_wt_store_t *st)
{
	return st->all;
}

vd_wt_status_t
vd_wt_store_put(vd_wt_store_t *st, json_t *record, char *why, size_t why_len)
{
	const char *id = json_string_value(json_object_get(record, "id"));
	char *line;
	off_t end;
	vd_wt_status_t status = VD_WT_OK;

	if (!id || st->fd < 0) {
		snprintf(why, why_len, "%s", id ? "the store is closed" : "a record without id");
		return VD_WT_ERR_IO;
	}
	line = line_of(record);
	if (!line)
		return VD_WT_ERR_NOMEM;
	end = lseek(st->fd, 0, SEEK_END);
	if (end < 0 || !write_all(st->fd, line, strlen(line)) || fsync(st->fd) != 0) {
		status = io_error(why, why_len, "cannot write", st->path);
		/* Leave no torn line behind for the next record to follow. */
		if (end >= 0 && ftruncate(st->fd, end) != 0) {
			close(st->fd);
			st->fd = -1;
		}
	} else {
		json_object_set(st->all, id, record);
	}
	free(line);
	return status;
}

vd_wt_status_t
vd_wt_store_remove_jobseeker(vd_wt_store_t *st, const char *jobseeker, size_t *removed, char *why,
                             size_t why_len)
{
	const char *id;
	json_t *rec, *old, *keep = json_object();
	vd_wt_status_t status;

	*removed = 0;
	if (!keep)
		return VD_WT_ERR_NOMEM;
	json_object_foreach(st->all, id, rec)
	{
		const char *js = json_string_value(json_object_get(rec, "jobseeker"));
		if (js && strcmp(js, jobseeker) == 0)
			(*removed)++;
		else
			json_object_set(keep, id, rec);
	}
	if (*removed == 0) {
		json_decref(keep);
		return VD_WT_OK;
	}
	/* Swapped in for the rewrite; back out when it fails, so that memory
	 * keeps telling what the disk holds. */
	old = st->all;
	st->all = keep;
	status = compact(st, why, why_len);
	if (status == VD_WT_OK) {
		json_decref(old);
	} else {
		st->all = old;
		json_decref(keep);
		*removed = 0;
	}
	return status;
}

/* The append-only audit log (audit.h): one write(2) per batch of lines under
 * a mutex, fdatasync on demand, rotation by renaming, and the scan that
 * answers "who has seen or changed this person's data". */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"

#define FILE_NAME "audit.log"

struct vd_audit {
	pthread_mutex_t lock; /* guards every member below */
	char *dir;            /* data_dir/audit */
	char *path;           /* dir/audit.log */
	int fd;               /* audit.log, O_APPEND */
	size_t size;          /* of audit.log */
	size_t max_bytes;
	unsigned max_rotated;     /* the highest N of an audit.log.N (0: none) */
	unsigned long generation; /* rotations since open: each shifts every N by one */
	unsigned long appended;   /* appends so far */
	unsigned long synced;     /* appends known to be on disk */
	unsigned long lines;      /* lines written since open */
};

/* Europe/Amsterdam's offset from UTC at t, in seconds. The EU rule (summer
 * time from 01:00 UTC on the last Sunday of March to the last Sunday of
 * October) is the one dates.c keeps private; it is repeated here rather
 * than depend on tzdata being installed. */
static time_t
last_sunday_0100_utc(int year, int month)
{
	struct tm tm = {.tm_year = year - 1900, .tm_mon = month, .tm_mday = 31, .tm_hour = 1};
	time_t t = timegm(&tm);
	struct tm check;

	gmtime_r(&t, &check);
	return t - (time_t)check.tm_wday * 86400;
}

static long
amsterdam_offset(time_t t)
{
	struct tm utc;
	int year;

	gmtime_r(&t, &utc);
	year = utc.tm_year + 1900;
	return t >= last_sunday_0100_utc(year, 2) && t < last_sunday_0100_utc(year, 9) ? 7200
	                                                                               : 3600;
}

void
vd_audit_format_time(time_t t, char *buf)
{
	long offset = amsterdam_offset(t);
	time_t local = t + offset;
	struct tm tm;

	gmtime_r(&local, &tm);
	/* The moduli only tell the compiler that every field fits. */
	snprintf(buf, 26, "%04u-%02u-%02uT%02u:%02u:%02u+%02u:00",
	         (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
	         (unsigned)tm.tm_mday % 100, (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
	         (unsigned)tm.tm_sec % 100, (unsigned)(offset / 3600) % 100);
}

/* dir/audit.log.n (n = 0: audit.log) into buf. */
static void
file_name(const vd_audit_t *audit, unsigned long n, char *buf, size_t size)
{
	if (n == 0)
		snprintf(buf, size, "%s", audit->path);
	else
		snprintf(buf, size, "%s.%lu", audit->path, n);
}

static vd_status_t
io_status(int err)
{
	return err == ENOSPC || err == EDQUOT ? VD_ERR_NO_SPACE : VD_ERR_IO;
}

static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 ? fsync(fd) : -1;

	if (fd >= 0)
		close(fd);
	return rc;
}

/* The highest N of the audit.log.N files in dir (0: none). */
static unsigned
highest_rotated(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned highest = 0;

	while (d && (e = readdir(d))) {
		char *end;
		unsigned long n;

		if (strncmp(e->d_name, FILE_NAME ".", sizeof(FILE_NAME)) != 0)
			continue;
		n = strtoul(e->d_name + sizeof(FILE_NAME), &end, 10);
		if (*end == '\0' && n > highest && n < 1000000)
			highest = (unsigned)n;
	}
	if (d)
		closedir(d);
	return highest;
}

vd_status_t
vd_audit_open(const char *data_dir, size_t max_bytes, vd_audit_t **out, char **error)
{
	vd_audit_t *audit = calloc(1, sizeof(*audit));
	struct stat st;
	vd_status_t status = VD_ERR_NOMEM;

	*out = NULL;
	*error = NULL;
	if (!audit)
		return VD_ERR_NOMEM;
	audit->fd = -1;
	pthread_mutex_init(&audit->lock, NULL);
	audit->max_bytes = max_bytes;
	if (asprintf(&audit->dir, "%s/audit", data_dir) < 0) {
		audit->dir = NULL;
		goto out_free;
	}
	if (asprintf(&audit->path, "%s/" FILE_NAME, audit->dir) < 0) {
		audit->path = NULL;
		goto out_free;
	}
	status = VD_ERR_IO;
	if (mkdir(audit->dir, 0750) != 0 && errno != EEXIST)
		goto out_error;
	audit->fd = open(audit->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (audit->fd < 0 || fstat(audit->fd, &st) != 0)
		goto out_error;
	/* A new folder or file must survive a power loss like the lines in it. */
	if (sync_dir(audit->dir) != 0 || sync_dir(data_dir) != 0)
		goto out_error;
	audit->size = (size_t)st.st_size;
	audit->max_rotated = highest_rotated(audit->dir);
	*out = audit;
	return VD_OK;

out_error:
	if (asprintf(error, "audit log %s: %s", audit->path, strerror(errno)) < 0)
		*error = NULL;
out_free:
	vd_audit_close(audit);
	return status;
}

void
vd_audit_close(vd_audit_t *audit)
{
	if (!audit)
		return;
	if (audit->fd >= 0) {
		if (fdatasync(audit->fd) != 0)
			vd_log_error("audit log %s: %s", audit->path, strerror(errno));
		close(audit->fd);
	}
	pthread_mutex_destroy(&audit->lock);
	free(audit->path);
	free(audit->dir);
	free(audit);
}

/* The request target as it came, with control and non-ASCII bytes
 * percent-encoded so that the line stays valid UTF-8 JSON. New malloc'd. */
static char *
clean_path(const char *path)
{
	size_t n = strlen(path);
	char *out = malloc(3 * n + 1), *o = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			o += sprintf(o, "%%%02X", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

json_t *
vd_audit_record(const char *token, const char *role, const char *action, const char *method,
                const char *path)
{
	char at[26];
	char *clean = path ? clean_path(path) : NULL;
	json_t *record;

	vd_audit_format_time(time(NULL), at);
	record = json_pack("{s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:[]}", "at", at, "token", token,
	                   "role", role, "action", action, "method", method, "path", clean, "ids");
	free(clean);
	return record;
}

void
vd_audit_add_id(json_t *record, const char *id)
{
	json_t *ids = json_object_get(record, "ids");
	size_t i;
	json_t *v;

	if (!ids || !id)
		return;
	json_array_foreach(ids, i, v) if (strcmp(json_string_value(v), id) == 0) return;
	json_array_append_new(ids, json_string(id));
}

/* Adds results[].id of list to ids, once each (seen: the set so far). */
static void
add_result_ids(json_t *ids, json_t *seen, const json_t *list)
{
	size_t i;
	json_t *item;

	json_array_foreach(json_object_get(list, "results"), i, item)
	{
		const char *id = json_string_value(json_object_get(item, "id"));
		if (id && !json_object_get(seen, id)) {
			json_object_set_new(seen, id, json_true());
			json_array_append_new(ids, json_string(id));
		}
	}
}

void
vd_audit_add_answer_ids(json_t *record, const json_t *answer)
{
	json_t *ids = json_object_get(record, "ids");
	json_t *seen, *list, *v;
	const char *key;
	size_t i;

	if (!ids || !json_is_object(answer))
		return;
	vd_audit_add_id(record, json_string_value(json_object_get(answer, "id")));
	vd_audit_add_id(record, json_string_value(json_object_get(answer, "jobseeker")));
	/* A set beside the array: a search may name a thousand people. */
	seen = json_object();
	json_array_foreach(ids, i, v) json_object_set_new(seen, json_string_value(v), json_true());
	add_result_ids(ids, seen, answer);
	json_object_foreach((json_t *)json_object_get(answer, "lists"), key, list)
	    add_result_ids(ids, seen, list);
	json_decref(seen);
}

char *
vd_audit_line(json_t *record, int outcome)
{
	char *text, *line;
	size_t len;

	if (json_object_set_new(record, "outcome", json_integer(outcome)) != 0)
		return NULL;
	text = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return NULL;
	len = strlen(text);
	line = realloc(text, len + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	return line;
}

/* Renames audit.log.N to N+1 from the highest down, audit.log to .1, and
 * opens a new audit.log. On failure the old file stays open and in use: the
 * lines still land in the trail. The caller holds the lock. */
static vd_status_t
rotate_locked(vd_audit_t *audit)
{
	char from[4096], to[4096];
	int fd;

	if (fdatasync(audit->fd) != 0)
		goto fail;
	audit->synced = audit->appended;
	for (unsigned long n = audit->max_rotated; n >= 1; n--) {
		file_name(audit, n, from, sizeof(from));
		file_name(audit, n + 1, to, sizeof(to));
		/* A crash between two renames leaves a gap; gaps are skipped. */
		if (rename(from, to) != 0 && errno != ENOENT)
			goto fail;
	}
	file_name(audit, 1, to, sizeof(to));
	if (rename(audit->path, to) != 0)
		goto fail;
	audit->max_rotated++;
	audit->generation++;
	fd = open(audit->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail; /* keeps appending to what is now audit.log.1 */
	close(audit->fd);
	audit->fd = fd;
	audit->size = 0;
	if (sync_dir(audit->dir) != 0)
		goto fail;
	return VD_OK;
fail:
	vd_log_error("audit log %s: rotation failed: %s", audit->path, strerror(errno));
	return io_status(errno);
}

vd_status_t
vd_audit_rotate(vd_audit_t *audit)
{
	vd_status_t status;

	pthread_mutex_lock(&audit->lock);
	status = audit->size > 0 ? rotate_locked(audit) : VD_OK;
	pthread_mutex_unlock(&audit->lock);
	if (status == VD_OK)
		vd_log_info("audit log rotated: %s.1 holds the previous lines", audit->path);
	return status;
}

vd_status_t
vd_audit_append(vd_audit_t *audit, const char *lines, size_t len)
{
	vd_status_t status = VD_OK;
	size_t done = 0;

	pthread_mutex_lock(&audit->lock);
	if (audit->size > 0 && audit->size + len > audit->max_bytes)
		rotate_locked(audit); /* logged; the lines go to the old file then */
	while (done < len) {
		ssize_t n = write(audit->fd, lines + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : ENOSPC;
			vd_log_error("audit log %s: %s", audit->path, strerror(err));
			/* No torn line in front of the next append. */
			if (done > 0 && ftruncate(audit->fd, (off_t)audit->size) != 0)
				vd_log_error("audit log %s: %s", audit->path, strerror(errno));
			status = io_status(err);
			goto out;
		}
		done += (size_t)n;
	}
	audit->size += len;
	audit->appended++;
	for (const char *c = memchr(lines, '\n', len); c;
	     c = memchr(c + 1, '\n', lines + len - c - 1))
		audit->lines++;
out:
	pthread_mutex_unlock(&audit->lock);
	return status;
}

vd_status_t
vd_audit_record_append(vd_audit_t *audit, json_t *record, int outcome)
{
	char *line = vd_audit_line(record, outcome);
	vd_status_t status;

	if (!line)
		return VD_ERR_NOMEM;
	status = vd_audit_append(audit, line, strlen(line));
	free(line);
	return status;
}

vd_status_t
vd_audit_sync(vd_audit_t *audit)
{
	unsigned long target;
	int fd, err = 0;

	pthread_mutex_lock(&audit->lock);
	target = audit->appended;
	/* A duplicate, so the sync runs outside the lock (appends go on) and a
	 * rotation meanwhile cannot close it under us. */
	fd = audit->synced < target ? dup(audit->fd) : -2;
	if (fd == -1)
		err = errno;
	pthread_mutex_unlock(&audit->lock);
	if (fd == -2)
		return VD_OK;
	if (fd >= 0 && fdatasync(fd) != 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err) {
		vd_log_error("audit log %s: %s", audit->path, strerror(err));
		return io_status(err);
	}
	pthread_mutex_lock(&audit->lock);
	if (audit->synced < target)
		audit->synced = target;
	pthread_mutex_unlock(&audit->lock);
	return VD_OK;
}

/* Where the lines about one person are in one file. */
typedef struct hits {
	size_t *start, *len;
	size_t n, cap;
} hits_t;

static bool
hits_add(hits_t *h, size_t start, size_t len)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		size_t *s = realloc(h->start, cap * sizeof(*s));
		if (!s)
			return false;
		h->start = s;
		s = realloc(h->len, cap * sizeof(*s));
		if (!s)
			return false;
		h->len = s;
		h->cap = cap;
	}
	h->start[h->n] = start;
	h->len[h->n++] = len;
	return true;
}

static bool
line_names(const char *line, size_t len, const char *id)
{
	json_t *record = json_loadb(line, len, 0, NULL);
	json_t *v;
	size_t i;
	bool found = false;

	json_array_foreach(json_object_get(record, "ids"), i, v) found =
	    found || (json_is_string(v) && strcmp(json_string_value(v), id) == 0);
	json_decref(record);
	return found;
}

/* The lines of text[0, size) whose ids hold id: a memmem for the quoted id
 * finds the few candidates, only they are parsed. Ids are of the id
 * alphabet (no character JSON escapes), so the quoted form is exact. */
static bool
scan(const char *text, size_t size, const char *id, hits_t *hits)
{
	char needle[80];
	size_t nlen = (size_t)snprintf(needle, sizeof(needle), "\"%s\"", id);
	const char *p = text, *end = text + size;

	while ((p = memmem(p, (size_t)(end - p), needle, nlen))) {
		const char *start = memrchr(text, '\n', (size_t)(p - text));
		const char *stop = memchr(p, '\n', (size_t)(end - p));
		start = start ? start + 1 : text;
		stop = stop ? stop : end;
		if (line_names(start, (size_t)(stop - start), id) &&
		    !hits_add(hits, (size_t)(start - text), (size_t)(stop - start)))
			return false;
		p = stop;
	}
	return true;
}

/* The answer's form of a line: the record without other people's ids. */
static json_t *
result_of(const char *line, size_t len)
{
	static const char *keys[] = {"at", "token", "role", "action", "method", "path", "outcome"};
	json_t *record = json_loadb(line, len, 0, NULL);
	json_t *out = json_object();

	for (size_t i = 0; record && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(record, keys[i]);
		if (v)
			json_object_set(out, keys[i], v);
	}
	json_decref(record);
	return out;
}

/* Opens the file that was number k when the scan began (rotations since
 * shift it up); -1 when it is gone (a gap). */
static int
open_as_of(vd_audit_t *audit, unsigned long k, unsigned long generation)
{
	char name[4096];
	int fd;

	pthread_mutex_lock(&audit->lock);
	file_name(audit, k + (audit->generation - generation), name, sizeof(name));
	fd = open(name, O_RDONLY | O_CLOEXEC);
	pthread_mutex_unlock(&audit->lock);
	return fd;
}

vd_status_t
vd_audit_find(vd_audit_t *audit, const char *id, size_t skip, size_t limit, json_t **results,
              size_t *total)
{
	unsigned long generation, files;
	size_t current_size, seen = 0;
	vd_status_t status = VD_OK;

	*results = json_array();
	*total = 0;
	pthread_mutex_lock(&audit->lock);
	generation = audit->generation;
	files = audit->max_rotated;
	current_size = audit->size;
	pthread_mutex_unlock(&audit->lock);

	/* Newest file first; in each file, the last line first. */
	for (unsigned long k = 0; k <= files && status == VD_OK; k++) {
		int fd = open_as_of(audit, k, generation);
		hits_t hits = {0};
		struct stat st;
		size_t size;
		char *text;

		if (fd < 0)
			continue;
		size = fstat(fd, &st) == 0 ? (size_t)st.st_size : 0;
		if (k == 0 && size > current_size)
			size = current_size; /* what was there when the scan began */
		text = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
		close(fd);
		if (text == MAP_FAILED)
			continue;
		if (!scan(text, size, id, &hits))
			status = VD_ERR_NOMEM;
		for (size_t i = hits.n; i-- > 0; seen++)
			if (seen >= skip && seen < skip + limit)
				json_array_append_new(*results,
				                      result_of(text + hits.start[i], hits.len[i]));
		*total += hits.n;
		munmap(text, size);
		free(hits.start);
		free(hits.len);
	}
	return status;
}

unsigned long
vd_audit_lines_written(vd_audit_t *audit)
{
	unsigned long n;

	if (!audit)
		return 0;
	pthread_mutex_lock(&audit->lock);
	n = audit->lines;
	pthread_mutex_unlock(&audit->lock);
	return n;
}

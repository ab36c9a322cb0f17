/* Group commit: handlers queue writes from the event-loop thread; the writer
 * thread takes everything that waits, applies it, commits once, fsyncs, and
 * hands the batch back to the event loop, which answers each request. While
 * one batch commits the next one gathers, so throughput grows with
 * concurrency instead of collapsing to one fsync per request. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "store.h"

#define MAX_BATCH       4096
#define PENDING_BUCKETS 4096

/* The newest queued-but-uncommitted state of one document (event-loop thread). */
typedef struct pending {
	char *term;
	const char *data; /* borrowed from the write with sequence seq; NULL = delete */
	unsigned long seq;
	struct pending *next;
} pending_t;

struct vd_store {
	struct event_base *base;
	struct event *done_ev;
	vd_index_t *writer; /* writer thread only */
	vd_audit_t *audit;  /* borrowed, thread-safe; set under lock */
	char *data_dir;
	unsigned long long min_free; /* bytes the disk must keep free for a commit */
	vd_index_t *reader;          /* event-loop thread only */
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock; /* guards everything down to `exited` */
	pthread_cond_t wake;
	vd_write_t *queue_head, *queue_tail;
	vd_write_t *done_head, *done_tail;
	bool stopping;
	bool exited;
	vd_store_stats_t stats;

	/* Event-loop thread only. */
	unsigned long next_seq;
	pending_t *pending[PENDING_BUCKETS];
	vd_batch_cb batch_cb;
	void *batch_arg;
	void (*stopped_cb)(void *arg);
	void *stopped_arg;
};

static unsigned
hash_term(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % PENDING_BUCKETS;
}

static pending_t **
pending_slot(vd_store_t *store, const char *term)
{
	pending_t **slot = &store->pending[hash_term(term)];
	while (*slot && strcmp((*slot)->term, term) != 0)
		slot = &(*slot)->next;
	return slot;
}

static void
pending_set(vd_store_t *store, vd_write_t *write)
{
	pending_t **slot = pending_slot(store, write->unique_term);
	pending_t *p = *slot;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p || !(p->term = strdup(write->unique_term))) {
			/* Without the entry a read-modify-write may miss this write;
			 * it is still committed and answered correctly. */
			free(p);
			return;
		}
		*slot = p;
	}
	p->data = write->kind == VD_WRITE_REPLACE ? vd_doc_data(write->doc, NULL) : NULL;
	p->seq = write->seq;
}

static void
pending_clear(vd_store_t *store, const vd_write_t *write)
{
	pending_t **slot = pending_slot(store, write->unique_term);
	pending_t *p = *slot;

	if (p && p->seq == write->seq) {
		*slot = p->next;
		free(p->term);
		free(p);
	}
}

bool
vd_store_pending(const vd_store_t *store, const char *unique_term, const char **data)
{
	const pending_t *p = *pending_slot((vd_store_t *)store, unique_term);
	if (!p)
		return false;
	*data = p->data;
	return true;
}

vd_write_t *
vd_write_new(vd_write_kind_t kind, const char *unique_term, vd_doc_t *doc, vd_write_done_cb done,
             void *arg)
{
	vd_write_t *write = calloc(1, sizeof(*write));
	if (!write)
		goto fail;
	write->unique_term = strdup(unique_term);
	if (!write->unique_term)
		goto fail;
	write->kind = kind;
	write->doc = doc;
	write->done = done;
	write->arg = arg;
	return write;
fail:
	free(write);
	vd_doc_free(doc);
	return NULL;
}

static void
write_free(vd_write_t *write)
{
	json_decref(write->audit);
	vd_doc_free(write->doc);
	free(write->unique_term);
	free(write);
}

static void
fail_writes(vd_write_t *head, vd_status_t status, const char *why)
{
	for (vd_write_t *w = head; w; w = w->next) {
		w->status = status;
		snprintf(w->error, sizeof(w->error), "%s", why);
	}
}

static void
apply_write(vd_store_t *store, vd_write_t *w)
{
	if (w->kind == VD_WRITE_REPLACE)
		w->status = vd_index_replace(store->writer, w->unique_term, w->doc, &w->docid);
	else
		w->status = vd_index_delete(store->writer, w->unique_term, &w->docid);
	if (w->status != VD_OK)
		snprintf(w->error, sizeof(w->error), "%s", vd_index_last_error(store->writer));
}

/* Takes up to MAX_BATCH queued writes; the caller holds the lock. */
static vd_write_t *
take_batch(vd_store_t *store, size_t *n)
{
	vd_write_t *head = store->queue_head, *last = head;

	*n = 1;
	while (last->next && *n < MAX_BATCH) {
		last = last->next;
		(*n)++;
	}
	store->queue_head = last->next;
	if (!store->queue_head)
		store->queue_tail = NULL;
	last->next = NULL;
	return head;
}

static void
append(vd_write_t **head, vd_write_t **tail, vd_write_t *list)
{
	if (!list)
		return;
	if (*tail)
		(*tail)->next = list;
	else
		*head = list;
	while (list->next)
		list = list->next;
	*tail = list;
}

/* Appends the batch's audit lines, as if every write will succeed, and
 * makes them durable: before anything is applied, because an applied write
 * cannot be taken back out of the writer (it would go with the next
 * commit), while a line too many is corrected by the next one. */
static vd_status_t
audit_batch(vd_store_t *store, vd_write_t *batch)
{
	char *text = NULL;
	size_t len = 0;
	FILE *buf;
	vd_status_t status = VD_ERR_NOMEM;
	bool any = false;

	for (vd_write_t *w = batch; w; w = w->next)
		any = any || w->audit;
	if (!store->audit || !any)
		return VD_OK;
	buf = open_memstream(&text, &len);
	if (!buf)
		return VD_ERR_NOMEM;
	for (vd_write_t *w = batch; w; w = w->next) {
		char *line = w->audit ? vd_audit_line(w->audit, w->ok_status) : NULL;
		if (w->audit && !line)
			goto out;
		if (line)
			fputs(line, buf);
		free(line);
	}
	if (fclose(buf) != 0) {
		buf = NULL;
		goto out;
	}
	buf = NULL;
	status = len ? vd_audit_append(store->audit, text, len) : VD_OK;
	if (status == VD_OK)
		status = vd_audit_sync(store->audit);
	for (vd_write_t *w = batch; w && status == VD_OK; w = w->next)
		w->audited = w->audit != NULL;
out:
	if (buf)
		fclose(buf);
	free(text);
	return status;
}

/* Records once more the writes of the batch that did not do what their
 * line said. */
static void
audit_failures(vd_store_t *store, vd_write_t *batch, vd_status_t commit)
{
	bool any = false;

	for (vd_write_t *w = batch; w; w = w->next) {
		int outcome = commit != VD_OK || w->status != VD_OK     ? 503
		              : w->kind == VD_WRITE_DELETE && !w->docid ? 404
		                                                        : 0;
		if (w->audited && outcome) {
			vd_audit_record_append(store->audit, w->audit, outcome);
			any = true;
		}
	}
	if (any)
		vd_audit_sync(store->audit);
}

/* Whether the disk has min_free bytes left for a commit. Xapian 1.4.22 can
 * end the process (std::terminate inside commit_transaction) when the disk
 * fills during a commit, so a batch is refused before it reaches Xapian
 * instead; seen in 2 of 12 runs of test_diskfull.py without this check. */
static vd_status_t
space_for_commit(vd_store_t *store, char *why, size_t len)
{
	struct statvfs st;
	unsigned long long avail, min_free;

	pthread_mutex_lock(&store->lock);
	min_free = store->min_free;
	pthread_mutex_unlock(&store->lock);
	if (min_free == 0 || statvfs(store->data_dir, &st) != 0)
		return VD_OK; /* no reserve asked, or nothing to tell: let Xapian try */
	avail = (unsigned long long)st.f_bavail * st.f_frsize;
	if (avail >= min_free)
		return VD_OK;
	snprintf(why, len,
	         "the disk is full: %llu KiB free in %s, below min_free_bytes (%llu KiB); "
	         "nothing was changed",
	         avail / 1024, store->data_dir, min_free / 1024);
	return VD_ERR_NO_SPACE;
}

static void
commit_batch(vd_store_t *store, vd_write_t *batch, size_t n)
{
	vd_write_t *cascade = NULL, *last;
	vd_status_t status;
	struct timespec t0 = {0}, t1 = {0};
	bool audit_failed, space_failed;
	char why[256];

	status = space_for_commit(store, why, sizeof(why));
	space_failed = status != VD_OK;
	if (!space_failed)
		status = audit_batch(store, batch);
	audit_failed = !space_failed && status != VD_OK;
	if (status == VD_OK) {
		for (vd_write_t *w = batch; w; w = w->next)
			apply_write(store, w);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		status = vd_index_commit(store->writer);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		audit_failures(store, batch, status);
	}

	pthread_mutex_lock(&store->lock);
	if (status != VD_OK) {
		fail_writes(batch, status,
		            space_failed ? why
		            : audit_failed
		                ? "the audit log could not be written; nothing was changed"
		                : vd_index_last_error(store->writer));
		/* Writes queued meanwhile may have been built on this batch's
		 * uncommitted state (a PATCH on a PUT): fail them too. */
		cascade = store->queue_head;
		store->queue_head = store->queue_tail = NULL;
		fail_writes(cascade, status, "an earlier write in flight failed");
		store->stats.failed_commits++;
	} else {
		store->stats.commits++;
		store->stats.writes += n;
		store->stats.last_batch = n;
		if (n > store->stats.max_batch)
			store->stats.max_batch = n;
		vd_histogram_observe(&store->stats.batch_size, (double)n);
		vd_histogram_observe(&store->stats.commit_seconds,
		                     (double)(t1.tv_sec - t0.tv_sec) +
		                         (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	for (last = batch; last->next; last = last->next)
		;
	last->next = cascade;
	append(&store->done_head, &store->done_tail, batch);
	pthread_mutex_unlock(&store->lock);
	event_active(store->done_ev, EV_READ, 0);
}

/* Waits up to a second for work; on the way, makes the audit lines of
 * reads durable (a commit does that too), so a power loss loses at most
 * about a second of them. Called and returns with the lock held. */
static void
idle_wait(vd_store_t *store)
{
	struct timespec until;
	vd_audit_t *audit = store->audit;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	if (pthread_cond_timedwait(&store->wake, &store->lock, &until) == ETIMEDOUT && audit) {
		pthread_mutex_unlock(&store->lock);
		vd_audit_sync(audit);
		pthread_mutex_lock(&store->lock);
	}
}

static void *
writer_main(void *arg)
{
	vd_store_t *store = arg;

	for (;;) {
		vd_write_t *batch;
		size_t n;

		pthread_mutex_lock(&store->lock);
		while (!store->queue_head && !store->stopping)
			idle_wait(store);
		if (!store->queue_head) {
			store->exited = true;
			pthread_mutex_unlock(&store->lock);
			event_active(store->done_ev, EV_READ, 0);
			return NULL;
		}
		batch = take_batch(store, &n);
		pthread_mutex_unlock(&store->lock);
		commit_batch(store, batch, n);
	}
}

/* Event-loop thread: answers the writes of every committed batch. */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	vd_store_t *store = arg;
	vd_write_t *done, *next;
	bool exited;
	size_t n = 0;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&store->lock);
	done = store->done_head;
	store->done_head = store->done_tail = NULL;
	exited = store->exited;
	pthread_mutex_unlock(&store->lock);

	if (done) {
		vd_write_t *list[MAX_BATCH];
		/* Reopen once, so every callback below reads the new revision. */
		if (vd_index_reopen(store->reader) != VD_OK)
			vd_log_error("cannot reopen the store's reader: %s; a read may not show "
			             "a write just answered",
			             vd_index_last_error(store->reader));
		for (vd_write_t *w = done; w; w = next) {
			next = w->next;
			list[n++] = w;
			if (n == MAX_BATCH || !next) {
				if (store->batch_cb)
					store->batch_cb(list, n, store->batch_arg);
				for (size_t i = 0; i < n; i++) {
					/* Refused at shutdown, or failed with an
					 * earlier write: never recorded yet. */
					if (list[i]->audit && !list[i]->audited && store->audit)
						vd_audit_record_append(store->audit, list[i]->audit,
						                       503);
					pending_clear(store, list[i]);
					if (list[i]->done)
						list[i]->done(list[i], list[i]->arg);
					write_free(list[i]);
				}
				n = 0;
			}
		}
	}
	if (exited && store->stopped_cb) {
		void (*cb)(void *) = store->stopped_cb;
		store->stopped_cb = NULL;
		cb(store->stopped_arg);
	}
}

void
vd_store_submit(vd_store_t *store, vd_write_t *write)
{
	write->seq = ++store->next_seq;
	write->next = NULL;
	pthread_mutex_lock(&store->lock);
	if (store->stopping) {
		fail_writes(write, VD_ERR_SHUTDOWN, "the server is shutting down");
		append(&store->done_head, &store->done_tail, write);
		pthread_mutex_unlock(&store->lock);
		event_active(store->done_ev, EV_READ, 0);
		return;
	}
	append(&store->queue_head, &store->queue_tail, write);
	pthread_cond_signal(&store->wake);
	pthread_mutex_unlock(&store->lock);
	pending_set(store, write);
}

static vd_status_t
check_data_dir(const char *data_dir, char **error)
{
	struct stat st;

	if (stat(data_dir, &st) != 0) {
		if (asprintf(error, "data_dir %s: %s", data_dir, strerror(errno)) < 0)
			*error = NULL;
		return VD_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (asprintf(error, "data_dir %s: not a directory", data_dir) < 0)
			*error = NULL;
		return VD_ERR_IO;
	}
	return VD_OK;
}

static vd_status_t
sync_path(const char *path, char **error)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		if (asprintf(error, "data_dir %s: %s", path, strerror(errno)) < 0)
			*error = NULL;
		if (fd >= 0)
			close(fd);
		return VD_ERR_IO;
	}
	close(fd);
	return VD_OK;
}

vd_status_t
vd_store_open(struct event_base *base, const char *data_dir, vd_store_t **out, char **error)
{
	vd_store_t *store = NULL;
	char *dir = NULL;
	char *xerr = NULL;
	vd_status_t status;

	*out = NULL;
	*error = NULL;
	status = check_data_dir(data_dir, error);
	if (status != VD_OK)
		return status;
	if (asprintf(&dir, "%s/index", data_dir) < 0)
		return VD_ERR_NOMEM;
	store = calloc(1, sizeof(*store));
	if (!store) {
		status = VD_ERR_NOMEM;
		goto out_free_dir;
	}
	store->base = base;
	store->data_dir = strdup(data_dir);
	if (!store->data_dir) {
		status = VD_ERR_NOMEM;
		goto out_free_store;
	}
	vd_histogram_init(&store->stats.commit_seconds, vd_metrics_latency_bounds,
	                  vd_metrics_n_latency_bounds);
	vd_histogram_init(&store->stats.batch_size, vd_metrics_batch_bounds,
	                  vd_metrics_n_batch_bounds);
	pthread_mutex_init(&store->lock, NULL);
	pthread_cond_init(&store->wake, NULL);

	status = vd_index_open_writer(dir, &store->writer, &xerr);
	if (status == VD_ERR_CORRUPT || status == VD_ERR_XAPIAN) {
		/* Xapian read a file it did not expect: truncated, overwritten. */
		if (asprintf(
		        error,
		        "the database in %s is damaged or unreadable (%s): restore data_dir %s from a backup, or move it aside to start empty",
		        dir, xerr ? xerr : vd_status_str(status), data_dir) < 0)
			*error = NULL;
		goto out_free_store;
	} else if (status != VD_OK) {
		if (asprintf(error, "cannot open the database in %s: %s", dir,
		             status == VD_ERR_LOCKED
		                 ? "it is locked: is another vaardigd using this data_dir?"
		             : xerr ? xerr
		                    : vd_status_str(status)) < 0)
			*error = NULL;
		goto out_free_store;
	}
	/* The first open creates data_dir/index: make that entry durable too. */
	status = sync_path(data_dir, error);
	if (status != VD_OK)
		goto out_free_store;
	status = vd_index_open_reader(dir, &store->reader, &xerr);
	if (status != VD_OK) {
		if (asprintf(error, "cannot read the database in %s: %s", dir, xerr ? xerr : "") <
		    0)
			*error = NULL;
		goto out_free_store;
	}
	store->done_ev = event_new(base, -1, 0, on_done, store);
	if (!store->done_ev || pthread_create(&store->thread, NULL, writer_main, store) != 0) {
		status = VD_ERR_NOMEM;
		*error = strdup("cannot start the writer thread");
		goto out_free_store;
	}
	store->thread_started = true;
	free(dir);
	*out = store;
	return VD_OK;

out_free_store:
	free(xerr);
	if (store->done_ev)
		event_free(store->done_ev);
	vd_index_close(store->reader);
	vd_index_close(store->writer);
	free(store->data_dir);
	free(store);
out_free_dir:
	free(dir);
	return status;
}

void
vd_store_stop(vd_store_t *store, void (*stopped_cb)(void *arg), void *arg)
{
	store->stopped_cb = stopped_cb;
	store->stopped_arg = arg;
	pthread_mutex_lock(&store->lock);
	store->stopping = true;
	pthread_cond_signal(&store->wake);
	pthread_mutex_unlock(&store->lock);
}

void
vd_store_close(vd_store_t *store)
{
	if (!store)
		return;
	if (store->thread_started) {
		vd_store_stop(store, NULL, NULL);
		pthread_join(store->thread, NULL);
		on_done(-1, 0, store); /* answer whatever the last batch held */
	}
	for (size_t b = 0; b < PENDING_BUCKETS; b++) {
		for (pending_t *p = store->pending[b], *next; p; p = next) {
			next = p->next;
			free(p->term);
			free(p);
		}
	}
	event_free(store->done_ev);
	vd_index_close(store->reader);
	vd_index_close(store->writer);
	free(store->data_dir);
	pthread_cond_destroy(&store->wake);
	pthread_mutex_destroy(&store->lock);
	free(store);
}

void
vd_store_set_audit(vd_store_t *store, vd_audit_t *audit)
{
	pthread_mutex_lock(&store->lock);
	store->audit = audit;
	pthread_mutex_unlock(&store->lock);
}

void
vd_store_set_min_free(vd_store_t *store, unsigned long long bytes)
{
	pthread_mutex_lock(&store->lock);
	store->min_free = bytes;
	pthread_mutex_unlock(&store->lock);
}

vd_audit_t *
vd_store_audit(vd_store_t *store)
{
	vd_audit_t *audit;
	pthread_mutex_lock(&store->lock);
	audit = store->audit;
	pthread_mutex_unlock(&store->lock);
	return audit;
}

vd_index_t *
vd_store_reader(vd_store_t *store)
{
	return store->reader;
}

void
vd_store_on_batch(vd_store_t *store, vd_batch_cb cb, void *arg)
{
	store->batch_cb = cb;
	store->batch_arg = arg;
}

vd_store_stats_t
vd_store_stats(vd_store_t *store)
{
	vd_store_stats_t stats;
	pthread_mutex_lock(&store->lock);
	stats = store->stats;
	pthread_mutex_unlock(&store->lock);
	return stats;
}

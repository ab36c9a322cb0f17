/* The durable store: one writer thread owns the Xapian WritableDatabase and
 * commits waiting writes together (group commit); the event-loop thread reads
 * through its own reader, reopened after every commit.
 *
 * A write's completion callback runs on the event-loop thread only after the
 * commit that holds it is on disk, so answering from it is answering durably. */
#ifndef VD_STORE_H
#define VD_STORE_H

#include <stdbool.h>

#include <event2/event.h>

#include <jansson.h>

#include "audit.h"
#include "index.h"
#include "metrics.h"

typedef struct vd_store vd_store_t;

typedef enum vd_write_kind { VD_WRITE_REPLACE, VD_WRITE_DELETE } vd_write_kind_t;

typedef struct vd_write vd_write_t;
typedef void (*vd_write_done_cb)(vd_write_t *write, void *arg);

struct vd_write {
	vd_write_kind_t kind;
	char *unique_term;     /* owned */
	vd_doc_t *doc;         /* owned; REPLACE only */
	vd_write_done_cb done; /* may be NULL; runs on the event-loop thread */
	void *arg;
	/* The request's audit record (audit.h; owned, NULL: not audited)
	 * without its outcome. The writer thread appends it with ok_status and
	 * fsyncs it before it applies the write, so no change is ever without
	 * its line. A write that then fails is recorded once more with its
	 * failure (503; 404 for a delete that found nothing): the later line
	 * of a request is its outcome. */
	json_t *audit;
	int ok_status;
	/* Filled in by the writer thread before done runs. */
	vd_status_t status;
	vd_docid_t docid; /* the document written, or deleted (0: there was none) */
	char error[256];
	/* Store-private. */
	vd_write_t *next;
	unsigned long seq;
	bool audited; /* its line is in the audit log */
};

typedef struct vd_store_stats {
	unsigned long commits;
	unsigned long writes;
	unsigned long failed_commits;
	unsigned long last_batch;
	unsigned long max_batch;
	vd_histogram_t commit_seconds; /* vd_index_commit, fsyncs included */
	vd_histogram_t batch_size;     /* writes per successful commit */
} vd_store_stats_t;

/* Opens data_dir/index (creating it), starts the writer thread. data_dir must
 * exist and be writable. *error is a new malloc'd message on failure. */
vd_status_t vd_store_open(struct event_base *base, const char *data_dir, vd_store_t **out,
                          char **error);
/* Stops accepting writes, commits what is queued, joins the writer. */
void vd_store_close(vd_store_t *store);

/* A new write of the given kind; term is copied, doc is taken. */
vd_write_t *vd_write_new(vd_write_kind_t kind, const char *unique_term, vd_doc_t *doc,
                         vd_write_done_cb done, void *arg);
/* Queues the write (taking it); done runs later on the event-loop thread,
 * after which the write is freed. After vd_store_stop the write fails with
 * VD_ERR_SHUTDOWN. */
void vd_store_submit(vd_store_t *store, vd_write_t *write);

/* The newest state of a document whose write is queued but not yet
 * committed: true when there is one; *data is then borrowed (NULL for a
 * pending delete). Lets read-modify-write requests build on writes in flight. */
bool vd_store_pending(const vd_store_t *store, const char *unique_term, const char **data);

/* The audit log that the writer thread records writes in (borrowed: it
 * must outlive the store; NULL: none). The writer also fsyncs it within
 * a second of any append while no writes come. Set before any write. */
void vd_store_set_audit(vd_store_t *store, vd_audit_t *audit);
/* The audit log set, or NULL. */
vd_audit_t *vd_store_audit(vd_store_t *store);

/* The event-loop thread's reader (committed state only). */
vd_index_t *vd_store_reader(vd_store_t *store);

/* Called on the event-loop thread after each committed batch (for caches
 * such as the match bitmaps), before the writes' own callbacks. */
typedef void (*vd_batch_cb)(vd_write_t *const *writes, size_t n, void *arg);
void vd_store_on_batch(vd_store_t *store, vd_batch_cb cb, void *arg);

/* Begins shutdown: writes already queued are committed and answered; then
 * stopped_cb runs on the event-loop thread. */
void vd_store_stop(vd_store_t *store, void (*stopped_cb)(void *arg), void *arg);

vd_store_stats_t vd_store_stats(vd_store_t *store);
/* A batch is refused (VD_ERR_NO_SPACE) rather than committed while the data
 * dir's disk has fewer than bytes free (0: no reserve). */
void vd_store_set_min_free(vd_store_t *store, unsigned long long bytes);

#endif

/* Matching: hard requirements as bitmap algebra, preferences as a score.
 *
 * At start-up every competence term's posting list is read from Xapian into
 * a Roaring bitmap of document ids, and each jobseeker's location, hours,
 * availability and municipality into an array indexed by document id. After
 * every committed batch the changed documents are updated in place. A query's
 * hard requirements are then an AND of ORs of bitmaps: the exact total is a
 * cardinality, never a count of ranked matches. Only the candidates that pass
 * are scored, and only the best `count` are read back from Xapian to explain
 * themselves.
 *
 * Threads: the event loop builds, applies batches and may search. Search
 * threads may search too, each with its own reader, between
 * vd_matcher_read_lock and vd_matcher_read_unlock; vd_matcher_apply waits
 * for them. */
#ifndef VD_MATCH_H
#define VD_MATCH_H

#include <jansson.h>

#include "index.h"
#include "places.h"
#include "store.h"

typedef struct vd_matcher vd_matcher_t;

/* Builds the bitmaps and facts from the committed state of reader. */
vd_status_t vd_matcher_build(vd_index_t *reader, const vd_places_t *places, vd_matcher_t **out,
                             char **error);
void vd_matcher_free(vd_matcher_t *matcher);

/* A vd_batch_cb: brings the matcher up to date with committed writes. */
void vd_matcher_apply(vd_write_t *const *writes, size_t n, void *matcher);

/* What a caller adds to each explained result. */
typedef struct vd_search_hooks {
	/* The "annotations" object of the result for jobseeker id whose stored
	 * profile is profile_json: a new reference, or NULL for none. */
	json_t *(*annotate)(const char *id, const char *profile_json, void *arg);
	void *arg;
} vd_search_hooks_t;

/* Runs a normalised query (query.h) on day today. Returns a new response
 * {"query": ..., "total": N, "results": [...][, "facets": {...}]}, or NULL when
 * the store could not be read (vd_index_last_error(reader) says why). hooks
 * may be NULL. */
json_t *vd_matcher_search(vd_matcher_t *matcher, vd_index_t *reader, const vd_places_t *places,
                          const json_t *query, int today, const vd_search_hooks_t *hooks);

/* Held by a search thread around vd_matcher_search. */
void vd_matcher_read_lock(vd_matcher_t *matcher);
void vd_matcher_read_unlock(vd_matcher_t *matcher);
/* How many batches were applied: a reader reopened after the count changed
 * holds every document the bitmaps name. Under the read lock. */
unsigned long vd_matcher_generation(const vd_matcher_t *matcher);

/* Up to max jobseeker document ids greater than after, ascending, into out;
 * returns how many. */
size_t vd_matcher_jobseekers_after(const vd_matcher_t *matcher, vd_docid_t after, vd_docid_t *out,
                                   size_t max);
/* Jobseekers known to the matcher. */
size_t vd_matcher_count_jobseekers(const vd_matcher_t *matcher);

#endif

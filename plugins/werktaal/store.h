/* werktaal: the durable trajectory store, a JSON-lines file in the
 * plugin's data folder (host->data_dir): one full record per line, one
 * line per create or change, fsync'd before the route answers. At open the
 * last line per id wins and the file is rewritten compactly (tmp file,
 * fsync, rename, fsync of the folder); removing a jobseeker's trajectories
 * rewrites it the same way, so their data leaves the disk too. */
#ifndef VD_WT_STORE_H
#define VD_WT_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef enum vd_wt_status {
	VD_WT_OK = 0,
	VD_WT_ERR_IO,    /* a read, write, fsync or rename failed; errno-based text in why */
	VD_WT_ERR_NOMEM, /* out of memory */
} vd_wt_status_t;

typedef struct vd_wt_store vd_wt_store_t;

/* Opens (creating when absent) dir/trajectories.jsonl. *skipped counts the
 * unreadable lines left out (a torn last line after a crash). NULL on
 * failure, with why filled in. */
vd_wt_store_t *vd_wt_store_open(const char *dir, size_t *skipped, char *why, size_t why_len);

void vd_wt_store_free(vd_wt_store_t *store);

/* The record with this id, borrowed (valid until the next change), or NULL. */
const json_t *vd_wt_store_get(const vd_wt_store_t *store, const char *id);

/* Every record, {"id": record, ...} in the order first stored; borrowed. */
const json_t *vd_wt_store_all(const vd_wt_store_t *store);

/* Writes record (its "id" names it) durably, then keeps it (takes its own
 * reference). Nothing changes on failure. */
vd_wt_status_t vd_wt_store_put(vd_wt_store_t *store, json_t *record, char *why, size_t why_len);

/* Forgets every trajectory of jobseeker and rewrites the file without
 * them; *removed counts them (no rewrite when 0). */
vd_wt_status_t vd_wt_store_remove_jobseeker(vd_wt_store_t *store, const char *jobseeker,
                                            size_t *removed, char *why, size_t why_len);

#endif

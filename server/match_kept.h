/* A few costly parts of searches kept for the next search that needs them
 * (the circles of distance searches, the unions of requirement groups): at
 * most VD_KEPT_SLOTS, the least recently used out.
 *
 * Searches on several threads get and release entries under the set's
 * lock; an entry pushed out while a search still holds it is freed by the
 * last release. Writes keep the entries current, and vd_kept_clear drops
 * them, while no search runs (the matcher's write lock), without the lock. */
#ifndef VD_MATCH_KEPT_H
#define VD_MATCH_KEPT_H

#include <pthread.h>
#include <stdbool.h>

#define VD_KEPT_SLOTS 32

/* The first member of every kept entry. */
typedef struct vd_kept {
	unsigned long used; /* the set's clock when last got */
	unsigned users;     /* searches between get and release */
	bool evicted;       /* out of the slots: the last user frees it */
} vd_kept_t;

typedef void (*vd_kept_free_fn)(vd_kept_t *entry);
/* True when entry is the one key asks for. */
typedef bool (*vd_kept_match_fn)(const vd_kept_t *entry, const void *key);
/* A new entry for key; NULL when out of memory. */
typedef vd_kept_t *(*vd_kept_build_fn)(const void *key);

typedef struct vd_kept_set {
	pthread_mutex_t lock;
	vd_kept_t *slots[VD_KEPT_SLOTS]; /* NULL: free */
	unsigned long clock;
	vd_kept_free_fn free_entry;
} vd_kept_set_t;

void vd_kept_init(vd_kept_set_t *set, vd_kept_free_fn free_entry);
/* Frees every entry; none may be held. */
void vd_kept_destroy(vd_kept_set_t *set);
void vd_kept_clear(vd_kept_set_t *set);
/* The entry for key, built when not kept; held until vd_kept_release.
 * NULL when out of memory. */
vd_kept_t *vd_kept_get(vd_kept_set_t *set, const void *key, vd_kept_match_fn match,
                       vd_kept_build_fn build);
void vd_kept_release(vd_kept_set_t *set, vd_kept_t *entry);

#endif

/* Searches answered on threads of their own.
 *
 * The event loop parses requests, writes and replies; a search at a million
 * profiles takes it 0.1-2 ms of CPU, so with every search on the loop one
 * core answers them all and writes queue behind them. The pool's threads
 * each own a Xapian reader and search the shared matcher under its read
 * lock; the answer comes back to the event loop, which sends it. */
#ifndef VD_SEARCH_POOL_H
#define VD_SEARCH_POOL_H

#include <stdbool.h>

#include <event2/event.h>
#include <jansson.h>

#include "match.h"
#include "places.h"
#include "status.h"

typedef struct vd_search_pool vd_search_pool_t;

/* The outcome of a submitted search, called on the event-loop thread:
 * response is a new reference, or NULL when the store could not be read
 * (error says why). cancelled: the pool stopped first; nobody is to be
 * answered, only arg to be freed. */
typedef void (*vd_search_done_cb)(json_t *response, const char *error, bool cancelled, void *arg);
/* Optional work on the search thread once response (stolen, not NULL) is
 * there, so that the event loop need not do it: returns what done is to
 * get (NULL when prepare consumed it). */
typedef json_t *(*vd_search_prepare_cb)(json_t *response, void *arg);

/* Starts n_threads threads (at least 1) reading index_dir. places and
 * matcher must outlive the pool. *error is a new message on failure. */
vd_status_t vd_search_pool_start(struct event_base *base, vd_matcher_t *matcher,
                                 const vd_places_t *places, const char *index_dir,
                                 unsigned n_threads, vd_search_pool_t **out, char **error);

/* Queues a normalised query (a reference is taken) for day today; prepare
 * (may be NULL) and then done run later with arg. False when out of memory
 * (neither will run). */
bool vd_search_pool_submit(vd_search_pool_t *pool, json_t *query, int today,
                           vd_search_prepare_cb prepare, vd_search_done_cb done, void *arg);

/* Joins the threads and cancels what they had not answered. On the
 * event-loop thread, after the loop has stopped. */
void vd_search_pool_stop(vd_search_pool_t *pool);

#endif

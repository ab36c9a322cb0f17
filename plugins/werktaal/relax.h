/* werktaal: the relaxed query behind the werktaal list.
 *
 * A "Dutch group" is a require group whose terms are all language:nl:LEVEL.
 * A person meets it at the lowest level it names (any-of), and meets all
 * Dutch groups at the highest of those: that is the level the query needs.
 * Groups that mix Dutch with anything else ("language:nl:B1" or
 * "language:en:B2") are ordinary requirements and stay as they are.
 *
 * The relaxed query is the same search with every Dutch group replaced by
 * one group [language:nl:LOWEST] and with language:nl:NEED excluded, so it
 * finds exactly the people who meet every other requirement and hold
 * Dutch from LOWEST up to just below NEED. */
#ifndef VD_WT_RELAX_H
#define VD_WT_RELAX_H

#include <jansson.h>

#include "estimate.h"

typedef enum vd_wt_relax_status {
	VD_WT_RELAXED = 0, /* *relaxed holds the query to run */
	VD_WT_NO_DUTCH,    /* the query asks nothing of Dutch: no list */
	VD_WT_NONE_BELOW,  /* Dutch is asked, but no level below it is admissible: an empty list */
	VD_WT_BAD_QUERY,   /* not a normalised query (no require array) */
} vd_wt_relax_status_t;

/* Builds the relaxed POST /v1/search body from a normalised query (the
 * "query" of a search answer): count, require, prefer, exclude and the
 * places of "in" and "near" by their CBS code. *need is the level the
 * query asks (rank, 0 without Dutch) and *lowest the lowest level listed.
 * *relaxed is a new reference on VD_WT_RELAXED, else NULL. */
vd_wt_relax_status_t vd_wt_relax(const json_t *query, const vd_wt_params_t *params, int max_gap,
                                 json_t **relaxed, int *need, int *lowest);

/* The Dutch level a profile (as stored) records, as a rank; 0 when none. */
int vd_wt_profile_dutch(const json_t *profile);

#endif

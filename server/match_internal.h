/* Shared between the parts of the matcher; not for other modules. */
#ifndef VD_MATCH_INTERNAL_H
#define VD_MATCH_INTERNAL_H

#include <stdint.h>

#include <roaring/roaring.h>

#include "match.h"

/* What ranking needs of a jobseeker without reading its document. */
typedef struct facts {
	float lat, lon;    /* NAN when unknown */
	float hours;       /* 0 when unknown */
	int32_t available; /* YYYYMMDD, 0 when unknown */
	uint16_t municipality;
} facts_t;

/* Borrowed; NULL when docid is unknown. */
const facts_t *vd_matcher_facts(const vd_matcher_t *m, vd_docid_t docid);
/* The documents holding a requirement term ("licence:B"), borrowed; NULL when none. */
const roaring_bitmap_t *vd_matcher_term(const vd_matcher_t *m, const char *term);
const roaring_bitmap_t *vd_matcher_jobseekers(const vd_matcher_t *m);
/* Calls cb for every term starting with prefix ("licence:"), in no order. */
typedef void (*vd_matcher_term_cb)(const char *term, const roaring_bitmap_t *docs, void *arg);
void vd_matcher_each_term(const vd_matcher_t *m, const char *prefix, vd_matcher_term_cb cb,
                          void *arg);

/* Available within this many days still counts half. */
#define VD_SOON_DAYS 30

/* Jobseekers by availability on today: [0] available (weight 1), [1] unknown
 * or within VD_SOON_DAYS (0.5), [2] later (0); disjoint. Rebuilt when the day
 * changes, kept up to date by writes. Borrowed. */
const roaring_bitmap_t *const *vd_matcher_availability(vd_matcher_t *m, int today);

/* The residents of a municipality (by index; NULL when none) and the
 * farthest distance of their own locations from its point. */
const roaring_bitmap_t *vd_matcher_residents(const vd_matcher_t *m, unsigned municipality,
                                             float *radius);
/* Jobseekers with their own location but no municipality. */
const roaring_bitmap_t *vd_matcher_loose(const vd_matcher_t *m);

/* Reads docid's profile and says which competence met which requirement
 * group and which preferences it holds, as of today, with the annotations
 * hooks (may be NULL) give for it. Returns 1 and sets *out
 * to a new {"id", "score", "met", "preferred"[, "distance_km"]}; 0 when the
 * profile does not meet every group after all (the index lags the calendar
 * by at most the expiry timer's delay); -1 when the store cannot be read. */
int vd_matcher_explain(vd_index_t *reader, vd_docid_t docid, const json_t *query, int today,
                       double score, double distance, const vd_search_hooks_t *hooks, json_t **out);

#endif

/* Shared between the parts of the matcher; not for other modules. */
#ifndef VD_MATCH_INTERNAL_H
#define VD_MATCH_INTERNAL_H

#include <stdint.h>

#include <roaring/roaring.h>

#include "match.h"

/* What ranking needs of a jobseeker without reading its document. */
typedef struct facts {
	double point[3];   /* vd_point_on_sphere of lat, lon; NAN when unknown */
	float lat, lon;    /* NAN when unknown */
	float hours;       /* 0 when unknown */
	int32_t available; /* YYYYMMDD, 0 when unknown */
	int32_t lapse;     /* YYYYMMDD a held competence lapses, 0 when none */
	uint16_t municipality;
	char *id; /* the jobseeker's id (owned); NULL when not indexed with it */
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

/* Jobseekers by availability on today into out: [0] available (weight 1),
 * [1] unknown or within VD_SOON_DAYS (0.5), [2] later (0); disjoint. Rebuilt
 * when the day changes, kept up to date by writes. Borrowed, valid until the
 * day after next rebuilds them (any thread may call it). */
void vd_matcher_availability(vd_matcher_t *m, int today, const roaring_bitmap_t *out[3]);

/* The residents of a municipality (by index; NULL when none) and the
 * farthest distance of their own locations from its point. */
const roaring_bitmap_t *vd_matcher_residents(const vd_matcher_t *m, unsigned municipality,
                                             float *radius);
/* Jobseekers with their own location but no municipality. */
const roaring_bitmap_t *vd_matcher_loose(const vd_matcher_t *m);

/* The circles of distance searches, kept (match_radius.c). */
typedef struct vd_radius vd_radius_t;
typedef struct vd_radius_cache vd_radius_cache_t;
vd_radius_cache_t *vd_radius_cache_new(size_t n_places);
void vd_radius_cache_free(vd_radius_cache_t *cache);
/* Forgets every circle (a municipality's radius grew). */
void vd_radius_cache_clear(vd_radius_cache_t *cache);
/* docid moved from municipality index from to to (either may be out of
 * range: none). */
void vd_radius_cache_moved(vd_radius_cache_t *cache, vd_docid_t docid, unsigned from, unsigned to);
/* The circle of km around municipality index ref, built when not kept;
 * borrowed until vd_radius_cache_release; NULL when out of memory. */
const vd_radius_t *vd_radius_cache_get(vd_radius_cache_t *cache, const vd_matcher_t *m,
                                       const vd_places_t *places, unsigned ref, double km);
void vd_radius_cache_release(vd_radius_cache_t *cache, const vd_radius_t *circle);
/* The residents inside: of the municipalities wholly inside, and of the
 * ones the circle cuts by their own locations. */
const roaring_bitmap_t *vd_radius_inside(const vd_radius_t *r);
/* The matcher's cache of circles. */
vd_radius_cache_t *vd_matcher_radius_cache(vd_matcher_t *m);

/* The unions of requirement groups of two or more terms, kept
 * (match_groups.c). */
typedef struct vd_group vd_group_t;
typedef struct vd_group_cache vd_group_cache_t;
vd_group_cache_t *vd_group_cache_new(void);
void vd_group_cache_free(vd_group_cache_t *cache);
/* The union of group's terms (a JSON array of strings), built when not
 * kept; borrowed until vd_group_cache_release; NULL when out of memory. */
const vd_group_t *vd_group_cache_get(vd_group_cache_t *cache, const vd_matcher_t *m,
                                     const json_t *group);
void vd_group_cache_release(vd_group_cache_t *cache, const vd_group_t *group);
const roaring_bitmap_t *vd_group_docs(const vd_group_t *group);
/* docid's terms changed: every kept union follows. */
void vd_group_cache_changed(vd_group_cache_t *cache, const vd_matcher_t *m, vd_docid_t docid);
/* The matcher's cache of group unions. */
vd_group_cache_t *vd_matcher_group_cache(vd_matcher_t *m);

/* Says from the bitmaps alone which competence met which requirement group
 * and which preferences docid holds: 1 with *out as vd_matcher_explain's;
 * 0 when only the stored profile can tell (its id is not known, or a
 * competence lapsed since it was indexed). */
int vd_matcher_explain_known(const vd_matcher_t *m, vd_docid_t docid, const json_t *query,
                             int today, double score, double distance, json_t **out);

/* Reads docid's profile and says which competence met which requirement
 * group and which preferences it holds, as of today, with the annotations
 * hooks (may be NULL) give for it. Returns 1 and sets *out
 * to a new {"id", "score", "met", "preferred"[, "distance_km"]}; 0 when the
 * profile does not meet every group after all (the index lags the calendar
 * by at most the expiry timer's delay); -1 when the store cannot be read. */
int vd_matcher_explain(vd_index_t *reader, vd_docid_t docid, const json_t *query, int today,
                       double score, double distance, const vd_search_hooks_t *hooks, json_t **out);

#endif

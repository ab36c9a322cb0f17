/* werktaal: CEFR levels, the trajectory parameters from data/werktaal.json
 * and the arithmetic on them (how many weeks a language gap takes), plus
 * the calendar dates a trajectory record carries.
 *
 * Levels are ranks: 1 = A1 .. 6 = C2, 0 = not a level. Dutch reference
 * levels 1F..4F compare as A2, B1, B2, C1 (API.md "Jobseekers"). */
#ifndef VD_WT_ESTIMATE_H
#define VD_WT_ESTIMATE_H

#include <stdbool.h>
#include <stddef.h>

#define VD_WT_LEVELS 6

typedef struct vd_wt_params {
	/* Guided learning hours from no Dutch at all to each level (cumulative),
	 * index 0 = A1. Strictly increasing. */
	double hours_to[VD_WT_LEVELS];
	/* Language hours per week on the job when nothing else is said. */
	double hours_per_week;
	/* A near miss whose trajectory would take longer is not proposed. */
	unsigned max_weeks;
} vd_wt_params_t;

/* Rank of a level ("B1", "2F"; case-insensitive), 0 when it is none. */
int vd_wt_level_rank(const char *level);

/* "A1".."C2" for rank 1..6; NULL otherwise. Static string. */
const char *vd_wt_level_name(int rank);

/* Reads the parameters from path. Returns true, or false with why filled
 * in ("werktaal.json: hours_to.B1 must be ..."). */
bool vd_wt_params_load(const char *path, vd_wt_params_t *p, char *why, size_t why_len);

/* Weeks to go from level rank from to level rank to at hours_per_week
 * (> 0), rounded up; 0 when from >= to. */
unsigned vd_wt_weeks(const vd_wt_params_t *p, int from, int to, double hours_per_week);

/* The lowest level a near miss for a requirement of level need may have:
 * at most max_gap steps below need and with a trajectory at the default
 * hours per week within max_weeks. 0 when there is none (need is A1, or
 * even one step takes too long). */
int vd_wt_lowest_level(const vd_wt_params_t *p, int need, int max_gap);

/* Days since 1970-01-01 of a "YYYY-MM-DD" date; false when it is not a
 * real calendar date in that exact form. */
bool vd_wt_date_parse(const char *text, long *days);

/* days as "YYYY-MM-DD" into out. */
void vd_wt_date_format(long days, char out[11]);

#endif

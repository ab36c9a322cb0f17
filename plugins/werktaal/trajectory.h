/* werktaal: one work-and-language trajectory record, checked and shown.
 *
 * A record as stored:
 *   {"id": "trj-…", "jobseeker": "rtm-1", "vacancy": "wsp-7" and/or
 *    "employer": "Transport BV", "start": "2026-06-01", "hours_per_week": 6,
 *    "start_level": "A2", "target_level": "B1",
 *    "assessments": [{"on": "2026-09-01", "level": "B1"}],
 *    "status": "active" | "target_reached" | "stopped",
 *    "created": "2026-06-01", "updated": "2026-09-01"}
 *
 * Problems go to an errors array as {"pointer": "/start", "detail": "..."}
 * (pointers into the request body). */
#ifndef VD_WT_TRAJECTORY_H
#define VD_WT_TRAJECTORY_H

#include <stdbool.h>

#include <jansson.h>

#include "estimate.h"

/* The record a POST body asks for (without id, created, updated), or NULL
 * after appending problems to errors. dutch: the jobseeker's recorded
 * Dutch level (rank, 0 when none), the default start_level. today: days
 * (vd_wt_date_parse). New reference. */
json_t *vd_wt_traj_create(const json_t *body, const vd_wt_params_t *params, int dutch, long today,
                          json_t *errors);

/* record changed by patch: a JSON Merge Patch of vacancy, employer, start,
 * hours_per_week, start_level, target_level and status ("active" or
 * "stopped"), and "assessment": {"on": date, "level": L}, which is
 * appended to assessments (dated no later than today, not before start
 * or the previous assessment). *reached is set when this patch's
 * assessment reaches target_level; the record's status then becomes
 * "target_reached". New reference, or NULL after appending problems. */
json_t *vd_wt_traj_patch(const json_t *record, const json_t *patch, long today, json_t *errors,
                         bool *reached);

/* The record as answered: a copy with "current_level" (the last
 * assessment's, else start_level), "weeks" (the whole estimate from
 * start_level), "weeks_left" (from current_level; 0 once reached) and
 * "estimated_end" (the last assessment's date, else start, plus
 * weeks_left). New reference. */
json_t *vd_wt_traj_view(const json_t *record, const vd_wt_params_t *params);

/* "/ptr: detail; /ptr2: detail" from an errors array; malloc'd. */
char *vd_wt_errors_text(const json_t *errors);

/* True for 1..64 characters of A-Z a-z 0-9 . _ - (API.md ids). */
bool vd_wt_id_valid(const char *id);

#endif

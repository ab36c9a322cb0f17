/* The audit log: who read or changed which person's data, when, and with
 * what outcome (NEN 7513 / BIO practice; AVG art. 15 lets the person ask).
 *
 * One JSON object per line in data_dir/audit/audit.log:
 *   {"at": "2026-11-25T10:01:02+01:00", "token": "wsp-rotterdam",
 *    "role": "employer-service", "action": "search", "method": "GET",
 *    "path": "/v1/search?q=...", "ids": ["rtm-1", ...], "outcome": 200}
 * The file only grows; at max_bytes (and on SIGHUP) it is renamed to
 * audit.log.1 (older ones shift up to .2, .3, ...) and a new one begins.
 * Rotated files are never deleted here: they are the trail.
 *
 * Appends come from the event-loop thread (reads) and the store's writer
 * thread (writes, fsync'd before their commit): every function here is
 * thread-safe. */
#ifndef VD_AUDIT_H
#define VD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "status.h"

#define VD_AUDIT_DEFAULT_MAX_BYTES (64u << 20)

typedef struct vd_audit vd_audit_t;

/* Opens data_dir/audit/audit.log for appending, creating the folder and
 * the file (and making their entries durable). max_bytes: an append that
 * would grow the file past it rotates first. *error is a new malloc'd
 * message on failure. */
vd_status_t vd_audit_open(const char *data_dir, size_t max_bytes, vd_audit_t **out, char **error);
/* fsyncs and closes; safe on NULL. */
void vd_audit_close(vd_audit_t *audit);

/* A new record (new reference) without ids and outcome yet: at (now), token
 * and role (NULL: the server itself, written as null), action, method and
 * path (the path with its query string; NULL for null). */
json_t *vd_audit_record(const char *token, const char *role, const char *action, const char *method,
                        const char *path);
/* Adds a person's id to record's "ids" once; NULL record or id: nothing. */
void vd_audit_add_id(json_t *record, const char *id);
/* Adds the person ids an answer (borrowed) names: its "id" and "jobseeker"
 * members, results[].id, and results[].id of every list under "lists" (the
 * plugins' extra lists of people). NULL record: nothing. */
void vd_audit_add_answer_ids(json_t *record, const json_t *answer);

/* The record with "outcome" set, as one line ending in '\n': a new
 * malloc'd string, NULL when out of memory. */
char *vd_audit_line(json_t *record, int outcome);

/* Appends whole lines with one write(2): in the kernel when it returns, so
 * they survive a crash of the process, though not yet a power loss. */
vd_status_t vd_audit_append(vd_audit_t *audit, const char *lines, size_t len);
/* vd_audit_line + vd_audit_append. */
vd_status_t vd_audit_record_append(vd_audit_t *audit, json_t *record, int outcome);
/* Makes every line appended so far durable (fdatasync); cheap when there is
 * nothing new. */
vd_status_t vd_audit_sync(vd_audit_t *audit);
/* audit.log becomes audit.log.1 (older files shift up), a new audit.log
 * begins, and the folder is fsync'd. */
vd_status_t vd_audit_rotate(vd_audit_t *audit);

/* One person's trail, newest first, from the current and every rotated
 * file: *total lines name id in their "ids"; *results (new reference) holds
 * up to limit of them after skipping skip, each without "ids" (a search's
 * other people are not this person's business). Lines appended while it
 * reads are not counted. */
vd_status_t vd_audit_find(vd_audit_t *audit, const char *id, size_t skip, size_t limit,
                          json_t **results, size_t *total);

/* Lines appended since vd_audit_open (for /metrics); 0 for NULL. */
unsigned long vd_audit_lines_written(vd_audit_t *audit);
/* t as RFC 3339 in Europe/Amsterdam time with its offset,
 * "2026-11-25T10:01:02+01:00", into buf (at least 26 bytes). */
void vd_audit_format_time(time_t t, char *buf);

#endif

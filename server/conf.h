/* The configuration file (JSON, see API.md "Running"). */
#ifndef VD_CONF_H
#define VD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "status.h"

typedef enum vd_role {
	VD_ROLE_NONE = 0,
	VD_ROLE_EMPLOYER = 1 << 0, /* "employer-service" */
	VD_ROLE_CASEWORKER = 1 << 1,
	VD_ROLE_ADMIN = 1 << 2,
} vd_role_t;

typedef struct vd_token {
	char *name;
	vd_role_t role;
	unsigned char sha256[32];
} vd_token_t;

typedef struct vd_limits {
	size_t max_body_bytes;   /* 413 above it */
	size_t max_header_bytes; /* all header lines together */
	int request_timeout_s;   /* a request must arrive whole within it */
	int max_count;           /* a search's count is lowered to it */
	int max_per_page;
	int max_json_depth;
	size_t max_import_bytes; /* a POST /v1/imports body (its lines: max_body_bytes each) */
	size_t min_free_bytes;   /* writes are refused (503) below this much free disk */
	int max_headers;         /* header fields in one request (431 above it) */
	int max_connections;     /* open connections; beyond it 503 and close */
	int idle_timeout_s;      /* a connection silent this long is closed */
} vd_limits_t;

/* The "audit" block: the audit log (audit.h). */
typedef struct vd_audit_config {
	size_t max_bytes; /* audit.log is rotated before it grows past this */
} vd_audit_config_t;

typedef struct vd_config {
	char *path;
	char *listen_host;
	int listen_port;
	char *data_dir;
	char *plugins_dir;   /* may be NULL */
	char *reference_dir; /* taxonomy and places; default the installed data */
	vd_token_t *tokens;
	size_t n_tokens;
	json_t *plugins; /* owned; {} when absent */
	vd_limits_t limits;
	vd_audit_config_t audit;
	int search_threads; /* search_pool.h; 0: searches run on the event loop */
} vd_config_t;

/* Reads and checks path. Every problem found is appended to problems (an
 * array of strings), not just the first; returns NULL when there was any. */
vd_config_t *vd_config_load(const char *path, json_t *problems);
void vd_config_free(vd_config_t *config);

const char *vd_role_name(vd_role_t role);

/* The token whose sha256 matches the presented secret, or NULL. Compares
 * against every configured hash in constant time. */
const vd_token_t *vd_config_authenticate(const vd_config_t *config, const char *secret);

/* Lower-case hex sha256 of text into hex (65 bytes). */
void vd_sha256_hex(const char *text, size_t len, char *hex);

#endif

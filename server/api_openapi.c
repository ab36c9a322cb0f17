/* GET /v1/openapi.json: data/openapi.json, the one source of the API's
 * description, read once at start-up and served as it is. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "api_openapi.h"
#include "log.h"

/* Process-wide like the document itself: vd_server_t has no slot for it,
 * and it never changes while the server runs. Compact JSON text, owned. */
static char *document;

void
vd_api_openapi_load(const char *reference_dir)
{
	json_error_t jerr;
	json_t *doc;
	char *path = NULL;

	free(document);
	document = NULL;
	if (asprintf(&path, "%s/openapi.json", reference_dir) < 0) {
		vd_log_error("openapi: out of memory");
		return;
	}
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		vd_log_error("openapi: %s line %d: %s; /v1/openapi.json will answer 503", path,
		             jerr.line, jerr.text);
		goto out_free_path;
	}
	/* Compact and in the file's order: the file is the source, kept readable. */
	document = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
out_free_path:
	free(path);
}

void
vd_api_openapi(vd_call_t *call)
{
	if (!document) {
		vd_reply_problem(call->req, 503,
		                 "the OpenAPI document could not be read at start-up", NULL);
		return;
	}
	vd_reply_json_text(call->req, 200, document, NULL);
}

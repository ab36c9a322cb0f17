#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dates.h"
#include "import.h"
#include "index.h"
#include "profile.h"

/* Lines per commit: large enough to amortise the fsync, small enough that
 * an interrupted load keeps most of its work. */
#define IMPORT_BATCH      20000
#define IMPORT_MAX_ERRORS 1000

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
line_error(vd_import_report_t *r, unsigned long line, const char *id, int status,
           const char *detail, json_t *errors)
{
	r->failed++;
	if (json_array_size(r->errors) >= IMPORT_MAX_ERRORS) {
		json_decref(errors);
		return;
	}
	json_t *e = json_pack("{s:I, s:s?, s:i, s:s}", "line", (json_int_t)line, "id", id, "status",
	                      status, "detail", detail);
	if (errors)
		json_object_set_new(e, "errors", errors);
	json_array_append_new(r->errors, e);
}

/* Validates one line and writes it; bad lines become report errors. */
static int
import_line(const vd_taxonomy_t *tax, const vd_places_t *places, vd_index_t *index, int today,
            const char *text, size_t len, unsigned long line, vd_import_report_t *r)
{
	json_error_t jerr;
	json_t *body = json_loadb(text, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	json_t *errors = NULL, *canonical = NULL;
	const char *id;
	char term[80];
	vd_doc_t *doc = NULL;
	unsigned found = 0;
	int rc = 0;

	if (!body) {
		line_error(r, line, NULL, 400, jerr.text, NULL);
		return 0;
	}
	id = json_string_value(json_object_get(body, "id"));
	if (!id || !vd_id_valid(id)) {
		line_error(r, line, NULL, 422,
		           "each line needs an id of 1 to 64 characters of A-Z a-z 0-9 . _ -",
		           NULL);
		goto out;
	}
	errors = json_array();
	if (!vd_profile_validate(tax, places, id, body, &canonical, errors)) {
		line_error(r, line, id, 422, "the profile is not valid", errors);
		errors = NULL;
		goto out;
	}
	snprintf(term, sizeof(term), "Qj%s", id);
	doc = vd_doc_new();
	if (!doc || !vd_profile_to_doc(places, canonical, today, doc) ||
	    vd_index_term_count(index, term, &found) != VD_OK ||
	    vd_index_replace(index, term, doc, NULL) != VD_OK) {
		rc = -1;
		goto out;
	}
	if (found)
		r->replaced++;
	else
		r->created++;
out:
	vd_doc_free(doc);
	json_decref(canonical);
	json_decref(errors);
	json_decref(body);
	return rc;
}

static void
show_progress(FILE *progress, const vd_import_report_t *r, double started, bool last)
{
	double elapsed = now_s() - started;
	if (!progress)
		return;
	fprintf(progress, "\r%lu lines, %lu failed, %.0f lines/s%s", r->lines, r->failed,
	        elapsed > 0 ? r->lines / elapsed : 0.0, last ? "\n" : "");
	fflush(progress);
}

int
vd_import_file(const vd_taxonomy_t *tax, const vd_places_t *places, const char *data_dir, FILE *in,
               FILE *progress, vd_import_report_t *report, char **error)
{
	vd_index_t *index = NULL;
	char *dir = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int today = vd_date_today(), rc = -1;
	double started = now_s();
	vd_status_t status;

	memset(report, 0, sizeof(*report));
	report->errors = json_array();
	*error = NULL;
	if (asprintf(&dir, "%s/index", data_dir) < 0)
		return -1;
	status = vd_index_open_writer(dir, &index, error);
	if (status != VD_OK)
		goto out;
	while ((len = getline(&line, &cap, in)) > 0) {
		report->lines++;
		if (len == 1 && line[0] == '\n')
			continue;
		if (import_line(tax, places, index, today, line, (size_t)len, report->lines,
		                report) != 0)
			goto fail;
		if (report->lines % IMPORT_BATCH == 0) {
			if (vd_index_commit(index) != VD_OK)
				goto fail;
			show_progress(progress, report, started, false);
		}
	}
	if (vd_index_commit(index) != VD_OK)
		goto fail;
	show_progress(progress, report, started, true);
	rc = 0;
	goto out;
fail:
	if (asprintf(error, "line %lu: %s", report->lines, vd_index_last_error(index)) < 0)
		*error = NULL;
out:
	vd_index_close(index);
	free(line);
	free(dir);
	return rc;
}

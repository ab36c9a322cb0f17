/* GET /metrics: the HTTP registry (metrics.c) plus what is read here at
 * scrape time: document counts, the index's size on disk, the store's commit
 * figures and the plugins' hook errors. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api_metrics.h"
#include "audit.h"
#include "metrics.h"
#include "plugins.h"

/* Bytes in the files of data_dir/index (the glass backend keeps it flat). */
static double
index_bytes(const char *data_dir)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	double total = 0;
	DIR *dir;
	int n;

	n = snprintf(path, sizeof(path), "%s/index", data_dir);
	if (n < 0 || (size_t)n >= sizeof(path) || !(dir = opendir(path)))
		return 0;
	while ((de = readdir(dir))) {
		n = snprintf(path, sizeof(path), "%s/index/%s", data_dir, de->d_name);
		if (n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			total += (double)st.st_size;
	}
	closedir(dir);
	return total;
}

static void
render_documents(struct evbuffer *out, vd_server_t *srv)
{
	vd_index_t *reader = vd_store_reader(srv->store);
	unsigned jobseekers, vacancies;

	/* A count the index cannot give is left out rather than shown as 0. */
	vd_metrics_family(out, "vaardig_jobseekers", "gauge", "Jobseeker profiles in the index.");
	if (vd_index_term_count(reader, "Tj", &jobseekers) == VD_OK)
		vd_metrics_sample(out, "vaardig_jobseekers", NULL, jobseekers);
	vd_metrics_family(out, "vaardig_vacancies", "gauge",
	                  "Vacancies in the index, from the API and from source plugins.");
	if (vd_index_term_count(reader, "Tv", &vacancies) == VD_OK)
		vd_metrics_sample(out, "vaardig_vacancies", NULL, vacancies);
	vd_metrics_family(out, "vaardig_index_bytes", "gauge",
	                  "Size of the files in the index directory, in bytes.");
	vd_metrics_sample(out, "vaardig_index_bytes", NULL, index_bytes(srv->config->data_dir));
}

static void
render_store(struct evbuffer *out, vd_server_t *srv)
{
	vd_store_stats_t st = vd_store_stats(srv->store);

	vd_metrics_family(out, "vaardig_commits_total", "counter",
	                  "Index commits that succeeded (each holds one batch of writes).");
	vd_metrics_sample(out, "vaardig_commits_total", NULL, (double)st.commits);
	vd_metrics_family(out, "vaardig_commit_failures_total", "counter",
	                  "Index commits that failed; their writes were answered 503.");
	vd_metrics_sample(out, "vaardig_commit_failures_total", NULL, (double)st.failed_commits);
	vd_metrics_family(out, "vaardig_writes_total", "counter",
	                  "Writes (puts and deletes) made durable by a commit.");
	vd_metrics_sample(out, "vaardig_writes_total", NULL, (double)st.writes);
	vd_metrics_family(out, "vaardig_commit_duration_seconds", "histogram",
	                  "Time one index commit takes, fsyncs included.");
	vd_metrics_histogram(out, "vaardig_commit_duration_seconds", NULL, &st.commit_seconds);
	vd_metrics_family(out, "vaardig_commit_batch_size", "histogram",
	                  "Writes per commit (group commit).");
	vd_metrics_histogram(out, "vaardig_commit_batch_size", NULL, &st.batch_size);
}

static void
render_plugins(struct evbuffer *out, vd_server_t *srv)
{
	json_t *list = srv->plugins ? vd_plugins_list(srv->plugins) : NULL; /* new */
	char labels[300];
	json_t *entry;
	size_t i;

	vd_metrics_family(out, "vaardig_plugin_hook_errors_total", "counter",
	                  "Errors returned by a plugin's hooks since it was loaded.");
	json_array_foreach(list, i, entry)
	{
		const char *name = json_string_value(json_object_get(entry, "name"));
		json_t *errors = json_object_get(entry, "hook_errors");
		if (!name || !json_is_integer(errors))
			continue;
		labels[0] = '\0';
		vd_metrics_label(labels, sizeof(labels), "plugin", name);
		vd_metrics_sample(out, "vaardig_plugin_hook_errors_total", labels,
		                  (double)json_integer_value(errors));
	}
	json_decref(list);
}

void
vd_api_metrics(vd_call_t *call)
{
	struct evkeyvalq *headers = evhttp_request_get_output_headers(call->req);
	struct evbuffer *buf = evbuffer_new();

	if (!buf) {
		vd_reply_problem(call->req, 503, "out of memory", NULL);
		return;
	}
	vd_metrics_render_http(buf);
	render_documents(buf, call->srv);
	render_store(buf, call->srv);
	render_plugins(buf, call->srv);
	vd_metrics_family(buf, "vaardig_audit_lines_total", "counter",
	                  "Lines appended to the audit log since the server started.");
	vd_metrics_sample(buf, "vaardig_audit_lines_total", NULL,
	                  (double)vd_audit_lines_written(vd_store_audit(call->srv->store)));
	evhttp_add_header(headers, "API-Version", VD_API_VERSION);
	evhttp_add_header(headers, "Cache-Control", "no-store");
	evhttp_add_header(headers, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	/* http.c's reply helpers send JSON only: observe this reply here. */
	vd_metrics_request_end(call->req, 200);
	evhttp_send_reply(call->req, 200, "OK", buf);
	evbuffer_free(buf);
}

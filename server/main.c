/* vaardigd: options, configuration, signals and the event loop. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>

#include "audit.h"
#include "conn_guard.h"
#include "expiry.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "plugins.h"
#include "search_pool.h"
#include "server.h"

/* libevent's own warnings go through vd_log, so they too are one line with
 * a priority journald understands rather than a bare "[warn] ...". */
static void
on_libevent_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_ERR)
		vd_log_error("libevent: %s", msg);
	else if (severity == EVENT_LOG_WARN)
		vd_log_warn("libevent: %s", msg);
	else
		vd_log_info("libevent: %s", msg);
}

static void
usage(FILE *out)
{
	fprintf(out, "Usage: vaardigd --config FILE\n"
	             "       vaardigd --import FILE --config FILE\n"
	             "       vaardigd --check-config FILE\n"
	             "\n"
	             "Serves the vaardig skills-matching API (see README.md).\n"
	             "\n"
	             "  -c, --config FILE        run with this configuration (JSON)\n"
	             "      --check-config FILE  report every problem in FILE and exit\n"
	             "      --import FILE        load NDJSON profiles (- for stdin) into the\n"
	             "                           config's data_dir while no vaardigd runs on it\n"
	             "  -h, --help               show this help\n"
	             "  -V, --version            show the version\n");
}

/* What vd_config_load cannot see from the text alone: that plugins_dir is a
 * folder and that reference_dir holds data the server can load. Read from
 * the JSON itself, so these are listed even when other settings are bad. */
static void
check_paths(const char *path, json_t *problems)
{
	json_t *root = json_load_file(path, 0, NULL);
	const char *plugins = json_string_value(json_object_get(root, "plugins_dir"));
	const char *ref = json_string_value(json_object_get(root, "reference_dir"));
	vd_taxonomy_t *tax = NULL;
	vd_places_t *places = NULL;
	char *error = NULL;
	struct stat st;

	if (!json_is_object(root))
		goto out;
	if (plugins && *plugins && stat(plugins, &st) != 0)
		json_array_append_new(
		    problems, json_sprintf("plugins_dir: %s: %s", plugins, strerror(errno)));
	else if (plugins && *plugins && !S_ISDIR(st.st_mode))
		json_array_append_new(problems,
		                      json_sprintf("plugins_dir: %s: not a directory", plugins));
	if (ref && !*ref)
		goto out; /* already a problem of its own */
	ref = ref ? ref : VD_DATADIR;
	if (vd_taxonomy_load(ref, &tax, &error) != VD_OK)
		json_array_append_new(problems,
		                      json_sprintf("reference_dir: %s", error ? error : ref));
	free(error);
	error = NULL;
	if (vd_places_load(ref, &places, &error) != VD_OK)
		json_array_append_new(problems,
		                      json_sprintf("reference_dir: %s", error ? error : ref));
	free(error);
out:
	vd_places_free(places);
	vd_taxonomy_free(tax);
	json_decref(root);
}

static int
check_config(const char *path)
{
	json_t *problems = json_array();
	vd_config_t *config = vd_config_load(path, problems);
	size_t i;
	json_t *p;

	check_paths(path, problems);
	if (config && json_array_size(problems) > 0) {
		vd_config_free(config);
		config = NULL;
	}
	/* One problem per line, whatever a key in the file holds. */
	json_array_foreach(problems, i, p)
	{
		char *line = strdup(json_string_value(p));
		for (char *c = line; c && *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = ' ';
		fprintf(stderr, "%s: %s\n", path, line ? line : "out of memory");
		free(line);
	}
	if (config)
		printf("%s: OK\n", path);
	vd_config_free(config);
	json_decref(problems);
	return config ? 0 : 1;
}

/* After each committed batch: first the match bitmaps, so that a rules
 * plugin told of a change already finds it in a search. */
static void
on_batch(vd_write_t *const *writes, size_t n, void *arg)
{
	vd_server_t *srv = arg;

	vd_matcher_apply(writes, n, srv->matcher);
	vd_plugins_batch(srv->plugins, writes, n);
}

static void
on_stopped(void *arg)
{
	vd_server_t *srv = arg;
	/* A moment for the last replies to leave their buffers. */
	struct timeval grace = {0, 200000};
	vd_log_info("all acknowledged writes are committed; exiting");
	event_base_loopexit(srv->base, &grace);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	vd_server_t *srv = arg;

	(void)what;
	if (srv->stopping)
		return;
	srv->stopping = true;
	vd_log_info("signal %d: no new connections; finishing writes in flight", (int)sig);
	if (srv->listener) {
		evhttp_del_accept_socket(srv->http, srv->listener);
		srv->listener = NULL;
	}
	vd_store_stop(srv->store, on_stopped, srv);
}

/* SIGHUP: a new audit log file (logrotate's habit), then the plugins
 * reload, which the new file records. */
static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	vd_server_t *srv = arg;
	vd_audit_t *audit = vd_store_audit(srv->store);
	json_t *record;

	if (srv->stopping || !audit)
		return;
	vd_audit_rotate(audit);
	if (!srv->plugins)
		return;
	record = vd_audit_record(NULL, NULL, "plugins_reload", NULL, NULL);
	json_object_set_new(record, "signal", json_string("SIGHUP"));
	vd_plugins_on_sighup(sig, what, srv->plugins);
	vd_audit_record_append(audit, record, 200);
	json_decref(record);
}

static int
load_reference_data(vd_server_t *srv)
{
	char *error = NULL;

	if (vd_taxonomy_load(srv->config->reference_dir, &srv->tax, &error) != VD_OK) {
		vd_log_error("taxonomy: %s", error ? error : "cannot load");
		free(error);
		return -1;
	}
	if (vd_places_load(srv->config->reference_dir, &srv->places, &error) != VD_OK) {
		vd_log_error("places: %s", error ? error : "cannot load");
		free(error);
		return -1;
	}
	return 0;
}

/* Offline bulk load: the answer of POST /v1/imports on stdout, progress on
 * a terminal's stderr. */
static int
import(const char *config_path, const char *file)
{
	vd_server_t srv = {0};
	json_t *problems = json_array();
	vd_import_report_t report;
	FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char *error = NULL;
	int rc = 1;

	srv.config = vd_config_load(config_path, problems);
	for (size_t i = 0; i < json_array_size(problems); i++)
		vd_log_error("%s: %s", config_path, json_string_value(json_array_get(problems, i)));
	json_decref(problems);
	if (!in)
		vd_log_error("cannot read %s: %s", file, strerror(errno));
	if (!srv.config || !in || load_reference_data(&srv) != 0)
		goto out;
	if (vd_import_file(srv.tax, srv.places, srv.config->data_dir, in,
	                   isatty(STDERR_FILENO) ? stderr : NULL, &report, &error) != 0) {
		vd_log_error("import stopped: %s", error ? error : "cannot open the store");
	} else {
		json_t *answer =
		    json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "kind", "jobseekers", "lines",
		              (json_int_t)report.lines, "created", (json_int_t)report.created,
		              "replaced", (json_int_t)report.replaced, "failed",
		              (json_int_t)report.failed, "errors", report.errors);
		report.errors = NULL;
		json_dumpf(answer, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(answer);
		rc = report.failed ? 3 : 0;
	}
	json_decref(report.errors);
out:
	free(error);
	if (in && in != stdin)
		fclose(in);
	vd_places_free(srv.places);
	vd_taxonomy_free(srv.tax);
	vd_config_free(srv.config);
	return rc;
}

static int
start_search_pool(vd_server_t *srv)
{
	char *dir = NULL, *error = NULL;

	if (srv->config->search_threads == 0)
		return 0;
	if (asprintf(&dir, "%s/index", srv->config->data_dir) < 0)
		return -1;
	if (vd_search_pool_start(srv->base, srv->matcher, srv->places, dir,
	                         (unsigned)srv->config->search_threads, &srv->search_pool,
	                         &error) != VD_OK)
		vd_log_error("%s", error ? error : "cannot start the search threads");
	free(dir);
	free(error);
	return srv->search_pool ? 0 : -1;
}

static int
serve(const char *config_path)
{
	vd_server_t srv = {0};
	json_t *problems = json_array();
	struct event *sigterm = NULL, *sigint = NULL, *sighup = NULL;
	vd_guard_t *guard = NULL; /* outlives evhttp, see conn_guard.h */
	vd_audit_t *audit = NULL;
	char *error = NULL;
	vd_status_t status;
	int rc = 1;
	size_t i;
	json_t *p;

	srv.config = vd_config_load(config_path, problems);
	/* A refused config names its folder problems too, as --check-config
	 * does; a good one finds them while loading below. */
	if (!srv.config)
		check_paths(config_path, problems);
	json_array_foreach(problems, i, p)
	    vd_log_error("%s: %s", config_path, json_string_value(p));
	json_decref(problems);
	if (!srv.config)
		return 1;
	if (load_reference_data(&srv) != 0)
		goto out;
	evthread_use_pthreads();
	srv.base = event_base_new();
	if (!srv.base)
		goto out;
	if (vd_store_open(srv.base, srv.config->data_dir, &srv.store, &error) != VD_OK) {
		vd_log_error("%s", error ? error : "cannot open the store");
		goto out;
	}
	/* No trail, no service: reads and writes of people's data are recorded. */
	if (vd_audit_open(srv.config->data_dir, srv.config->audit.max_bytes, &audit, &error) !=
	    VD_OK) {
		vd_log_error("%s", error ? error : "cannot open the audit log");
		goto out;
	}
	vd_store_set_audit(srv.store, audit);
	vd_store_set_min_free(srv.store, srv.config->limits.min_free_bytes);
	status = vd_matcher_build(vd_store_reader(srv.store), srv.places, &srv.matcher, &error);
	if (status == VD_ERR_CORRUPT || status == VD_ERR_XAPIAN) {
		/* Damage past the blocks that opening reads shows up here. */
		vd_log_error("cannot build the match index: the database in %s/index is damaged or "
		             "unreadable (%s): restore data_dir %s from a backup, or move it aside "
		             "to start empty",
		             srv.config->data_dir, error ? error : "", srv.config->data_dir);
		goto out;
	} else if (status != VD_OK) {
		vd_log_error("cannot build the match index: %s", error ? error : "");
		goto out;
	}
	vd_store_on_batch(srv.store, on_batch, &srv);
	if (start_search_pool(&srv) != 0)
		goto out;
	srv.plugins = vd_plugins_new(&srv);
	if (srv.plugins)
		vd_plugins_load(srv.plugins);
	srv.http = evhttp_new(srv.base);
	srv.listener = evhttp_bind_socket_with_handle(srv.http, srv.config->listen_host,
	                                              (ev_uint16_t)srv.config->listen_port);
	if (!srv.listener) {
		vd_log_error("cannot listen on %s:%d (in use, or no permission)",
		             srv.config->listen_host, srv.config->listen_port);
		goto out;
	}
	vd_http_setup(&srv);
	guard = vd_guard_new(srv.base, srv.http, &srv.config->limits);
	if (!guard)
		goto out;
	vd_expiry_start(&srv);
	sigterm = evsignal_new(srv.base, SIGTERM, on_signal, &srv);
	sigint = evsignal_new(srv.base, SIGINT, on_signal, &srv);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	sighup = evsignal_new(srv.base, SIGHUP, on_sighup, &srv);
	evsignal_add(sighup, NULL);
	vd_log_info("listening on %s:%d, data in %s", srv.config->listen_host,
	            srv.config->listen_port, srv.config->data_dir);
	event_base_dispatch(srv.base);
	rc = 0;
out:
	free(error);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (sighup)
		event_free(sighup);
	if (srv.expiry_timer)
		event_free(srv.expiry_timer);
	/* Before evhttp: a search not yet answered refers to its request. */
	vd_search_pool_stop(srv.search_pool);
	if (srv.http)
		evhttp_free(srv.http);
	vd_guard_free(guard);
	vd_plugins_free(srv.plugins);
	vd_store_close(srv.store);
	vd_audit_close(audit); /* after the store: its last batch is recorded */
	vd_matcher_free(srv.matcher);
	if (srv.base)
		event_base_free(srv.base);
	vd_places_free(srv.places);
	vd_taxonomy_free(srv.tax);
	vd_config_free(srv.config);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", required_argument, NULL, 'k'},
	    {"import", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *import_file = NULL;
	int opt;

	signal(SIGPIPE, SIG_IGN);
	event_set_log_callback(on_libevent_log);
	while ((opt = getopt_long(argc, argv, "c:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'k':
			return check_config(optarg);
		case 'i':
			import_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vaardigd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!config || optind != argc) {
		usage(stderr);
		return 2;
	}
	return import_file ? import(config, import_file) : serve(config);
}

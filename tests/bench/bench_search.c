/* bench_search: in-process search latency, the lower bound under HTTP.
 *
 * Opens a data dir's index read-only, builds the matcher as vaardigd does at
 * start-up (timed: it is most of the start-up), then runs each query of a
 * queries file (tests/bench/queries.json) many times through the same calls
 * a request makes: parse the text (or take the structured body, or turn a
 * vacancy into its query), normalise, search. Writes per query the
 * normalised query, the exact total, the ids of the results in order and the
 * latency percentiles as JSON, so that bench.py can compare them with
 * PostgreSQL's answers to the same normalised queries.
 *
 * With --profile NAME it runs only that query in a loop for --seconds after
 * printing "ready" on stdout, for perf record -p to attach to. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dates.h"
#include "index.h"
#include "match.h"
#include "places.h"
#include "query.h"
#include "taxonomy.h"
#include "vacancy.h"

/* As the server's default limit: a count above it is lowered. */
#define MAX_COUNT 1000

typedef struct options {
	const char *index_dir, *reference_dir, *queries_path, *out_path, *profile;
	int today, reps, warmup;
	double seconds;
} options_t;

typedef struct bench {
	vd_taxonomy_t *tax;
	vd_places_t *places;
	vd_index_t *reader;
	vd_matcher_t *matcher;
	int today;
} bench_t;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: bench_search --index DIR --reference DIR --queries FILE --today YYYY-MM-DD\n"
	    "                    [--reps N] [--warmup N] [--out FILE]\n"
	    "                    [--profile NAME --seconds S]\n");
}

static int
parse_options(int argc, char **argv, options_t *o)
{
	static const struct option longopts[] = {{"index", required_argument, NULL, 'i'},
	                                         {"reference", required_argument, NULL, 'r'},
	                                         {"queries", required_argument, NULL, 'q'},
	                                         {"today", required_argument, NULL, 't'},
	                                         {"reps", required_argument, NULL, 'n'},
	                                         {"warmup", required_argument, NULL, 'w'},
	                                         {"out", required_argument, NULL, 'o'},
	                                         {"profile", required_argument, NULL, 'p'},
	                                         {"seconds", required_argument, NULL, 's'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	int c;

	*o = (options_t){.reps = 200, .warmup = 20, .seconds = 10};
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->index_dir = optarg;
			break;
		case 'r':
			o->reference_dir = optarg;
			break;
		case 'q':
			o->queries_path = optarg;
			break;
		case 'o':
			o->out_path = optarg;
			break;
		case 'p':
			o->profile = optarg;
			break;
		case 'n':
			o->reps = atoi(optarg);
			break;
		case 'w':
			o->warmup = atoi(optarg);
			break;
		case 's':
			o->seconds = atof(optarg);
			break;
		case 't':
			if (!vd_date_parse(optarg, &o->today)) {
				fprintf(stderr,
				        "bench_search: --today wants YYYY-MM-DD, not '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!o->index_dir || !o->reference_dir || !o->queries_path || !o->today || o->reps < 1) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Loads the reference data and the index and builds the matcher; adds the
 * time each took to stats. */
static int
bench_open(bench_t *b, const options_t *o, json_t *stats)
{
	char *error = NULL;
	double t0 = now_ms(), t1, t2;

	if (vd_taxonomy_load(o->reference_dir, &b->tax, &error) != VD_OK ||
	    vd_places_load(o->reference_dir, &b->places, &error) != VD_OK)
		goto fail;
	t1 = now_ms();
	if (vd_index_open_reader(o->index_dir, &b->reader, &error) != VD_OK)
		goto fail;
	t2 = now_ms();
	if (vd_matcher_build(b->reader, b->places, &b->matcher, &error) != VD_OK)
		goto fail;
	json_object_set_new(stats, "reference_ms", json_real(t1 - t0));
	json_object_set_new(stats, "open_ms", json_real(t2 - t1));
	json_object_set_new(stats, "build_ms", json_real(now_ms() - t2));
	json_object_set_new(stats, "jobseekers",
	                    json_integer((json_int_t)vd_matcher_count_jobseekers(b->matcher)));
	b->today = o->today;
	return 0;
fail:
	fprintf(stderr, "bench_search: %s\n", error ? error : "cannot start");
	free(error);
	return -1;
}

static void
bench_close(bench_t *b)
{
	vd_matcher_free(b->matcher);
	if (b->reader)
		vd_index_close(b->reader);
	vd_places_free(b->places);
	vd_taxonomy_free(b->tax);
}

/* The normalised query for one entry of the queries file, as the server
 * builds it per request: new reference, NULL after printing why. A vacancy
 * entry carries the canonical vacancy in *vacancy (new), validated once as a
 * PUT would; its query is built per request from it. */
static json_t *
normalise(const bench_t *b, const json_t *entry, const json_t *vacancy)
{
	json_t *errors = json_array(), *parsed = NULL, *query = NULL;
	const char *text = json_string_value(json_object_get(entry, "text"));
	const json_t *body = json_object_get(entry, "body");

	if (vacancy) {
		int count = (int)json_integer_value(json_object_get(entry, "count"));
		query = vd_vacancy_query(b->tax, b->places, vacancy, count ? count : 10, MAX_COUNT,
		                         errors);
	} else if (text) {
		parsed = vd_query_parse_text(b->tax, b->places, text, errors);
		if (parsed)
			query = vd_query_normalise(b->tax, b->places, parsed, MAX_COUNT, errors);
	} else if (body) {
		query = vd_query_normalise(b->tax, b->places, body, MAX_COUNT, errors);
	}
	if (!query) {
		char *why = json_dumps(errors, JSON_COMPACT);
		fprintf(stderr, "bench_search: query %s not understood: %s\n",
		        json_string_value(json_object_get(entry, "name")), why ? why : "");
		free(why);
	}
	json_decref(parsed);
	json_decref(errors);
	return query;
}

/* One request's work: normalise and search. Returns the response (new) or NULL. */
static json_t *
run_once(bench_t *b, const json_t *entry, const json_t *vacancy)
{
	json_t *query = normalise(b, entry, vacancy);
	json_t *response = NULL;

	if (query) {
		response =
		    vd_matcher_search(b->matcher, b->reader, b->places, query, b->today, NULL);
		if (!response)
			fprintf(stderr, "bench_search: search failed: %s\n",
			        vd_index_last_error(b->reader));
	}
	json_decref(query);
	return response;
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples. */
static double
percentile(const double *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	return sorted[rank ? rank - 1 : 0];
}

/* The canonical vacancy of a vacancy entry (new), NULL for other entries or
 * on an invalid vacancy (*bad set). */
static json_t *
entry_vacancy(const bench_t *b, const json_t *entry, int *bad)
{
	json_t *body = json_object_get(entry, "vacancy"), *canonical = NULL, *errors;

	*bad = 0;
	if (!body)
		return NULL;
	errors = json_array();
	body = json_deep_copy(body);
	if (!vd_vacancy_validate(b->tax, b->places, json_string_value(json_object_get(body, "id")),
	                         body, &canonical, errors)) {
		char *why = json_dumps(errors, JSON_COMPACT);
		fprintf(stderr, "bench_search: vacancy not valid: %s\n", why ? why : "");
		free(why);
		*bad = 1;
	}
	json_decref(body);
	json_decref(errors);
	return canonical;
}

/* Runs one entry warmup + reps times; returns its result object (new) or NULL. */
static json_t *
bench_query(bench_t *b, const options_t *o, const json_t *entry)
{
	double *samples = calloc((size_t)o->reps, sizeof(*samples)), sum = 0;
	json_t *vacancy, *first = NULL, *result = NULL, *ids = json_array(), *r;
	int bad;
	size_t i;

	vacancy = entry_vacancy(b, entry, &bad);
	if (bad || !samples)
		goto out;
	for (int k = 0; k < o->warmup + o->reps; k++) {
		double t0 = now_ms();
		json_t *response = run_once(b, entry, vacancy);
		double dt = now_ms() - t0;

		if (!response)
			goto out;
		if (k >= o->warmup) {
			samples[k - o->warmup] = dt;
			sum += dt;
		}
		if (first)
			json_decref(response);
		else
			first = response;
	}
	qsort(samples, (size_t)o->reps, sizeof(*samples), compare_double);
	json_array_foreach(json_object_get(first, "results"), i, r)
	    json_array_append(ids, json_object_get(r, "id"));
	result = json_pack("{s:O, s:O, s:O, s:O, s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "name",
	                   json_object_get(entry, "name"), "query", json_object_get(first, "query"),
	                   "total", json_object_get(first, "total"), "ids", ids, "reps", o->reps,
	                   "p50_ms", percentile(samples, (size_t)o->reps, 50), "p99_ms",
	                   percentile(samples, (size_t)o->reps, 99), "mean_ms", sum / o->reps,
	                   "min_ms", samples[0], "max_ms", samples[o->reps - 1], "sum_ms", sum);
	fprintf(stderr, "  %-50s total %8lld  p50 %8.3f ms  p99 %8.3f ms\n",
	        json_string_value(json_object_get(entry, "name")),
	        (long long)json_integer_value(json_object_get(first, "total")),
	        percentile(samples, (size_t)o->reps, 50), percentile(samples, (size_t)o->reps, 99));
out:
	json_decref(first);
	json_decref(ids);
	json_decref(vacancy);
	free(samples);
	return result;
}

/* --profile: loop one query for perf record, after saying "ready". */
static int
profile_loop(bench_t *b, const options_t *o, const json_t *queries)
{
	const json_t *entry = NULL, *e;
	json_t *vacancy;
	unsigned long runs = 0;
	double start;
	size_t i;
	int bad;

	json_array_foreach(queries, i, e) if (strcmp(json_string_value(json_object_get(e, "name")),
	                                             o->profile) == 0) entry = e;
	if (!entry) {
		fprintf(stderr, "bench_search: no query named '%s'\n", o->profile);
		return -1;
	}
	vacancy = entry_vacancy(b, entry, &bad);
	if (bad)
		return -1;
	printf("ready\n");
	fflush(stdout);
	start = now_ms();
	while (now_ms() - start < o->seconds * 1e3) {
		json_t *response = run_once(b, entry, vacancy);
		if (!response) {
			json_decref(vacancy);
			return -1;
		}
		json_decref(response);
		runs++;
	}
	fprintf(stderr, "bench_search: %lu runs of '%s' in %.1f s\n", runs, o->profile, o->seconds);
	json_decref(vacancy);
	return 0;
}

static int
write_report(const options_t *o, json_t *report)
{
	FILE *out = o->out_path ? fopen(o->out_path, "w") : stdout;
	int rc;

	if (!out) {
		perror(o->out_path);
		return -1;
	}
	rc = json_dumpf(report, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	if (out != stdout && fclose(out) != 0)
		rc = -1;
	return rc;
}

int
main(int argc, char **argv)
{
	options_t o;
	bench_t b = {0};
	json_error_t jerr;
	json_t *queries = NULL, *report = json_object(), *results = json_array(), *entry;
	size_t i;
	int rc = 1;

	if (parse_options(argc, argv, &o) != 0)
		goto out;
	queries = json_load_file(o.queries_path, 0, &jerr);
	if (!json_is_array(queries)) {
		fprintf(stderr, "bench_search: %s:%d: %s\n", o.queries_path, jerr.line, jerr.text);
		goto out;
	}
	if (bench_open(&b, &o, report) != 0)
		goto out;
	fprintf(stderr, "bench_search: %lld jobseekers, matcher built in %.0f ms\n",
	        json_integer_value(json_object_get(report, "jobseekers")),
	        json_real_value(json_object_get(report, "build_ms")));
	if (o.profile) {
		rc = profile_loop(&b, &o, queries) == 0 ? 0 : 1;
		goto out;
	}
	json_array_foreach(queries, i, entry)
	{
		json_t *result = bench_query(&b, &o, entry);
		if (!result)
			goto out;
		json_array_append_new(results, result);
	}
	json_object_set(report, "queries", results);
	rc = write_report(&o, report) == 0 ? 0 : 1;
out:
	bench_close(&b);
	json_decref(results);
	json_decref(report);
	json_decref(queries);
	return rc;
}

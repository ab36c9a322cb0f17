/* Counters, histograms and their text exposition; the process-wide HTTP
 * registry that http.c feeds from its one reply path. */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "metrics.h"

const double vd_metrics_latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,     10};
const size_t vd_metrics_n_latency_bounds =
    sizeof(vd_metrics_latency_bounds) / sizeof(vd_metrics_latency_bounds[0]);
const double vd_metrics_batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
const size_t vd_metrics_n_batch_bounds =
    sizeof(vd_metrics_batch_bounds) / sizeof(vd_metrics_batch_bounds[0]);

/* The label of replies sent before a route was found (404, bad framing). */
static const char unmatched[] = "unmatched";

/* Routes whose 2xx answer is a search run by the matcher. */
static const char *const search_patterns[] = {"/v1/search", "/v1/vacancies/{}/matches",
                                              "/v1/jobseekers/{}/matches"};

#define INFLIGHT_BUCKETS 1024

/* A request between begin and end, keyed by its address: evhttp keeps a
 * request alive until its reply, even when the client has gone. */
typedef struct inflight {
	const struct evhttp_request *req;
	const char *pattern;
	struct timespec start;
	struct inflight *next;
} inflight_t;

typedef struct series {
	const char *pattern; /* static storage: compared by address */
	enum evhttp_cmd_type method;
	int status;
	unsigned long count;
} series_t;

typedef struct route_hist {
	const char *pattern;
	enum evhttp_cmd_type method;
	vd_histogram_t hist;
} route_hist_t;

/* The reply path runs on the event-loop thread today; the lock keeps it
 * correct should a reply ever leave from another thread. */
static struct {
	pthread_mutex_t lock;
	inflight_t *inflight[INFLIGHT_BUCKETS];
	series_t *series;
	size_t n_series, cap_series;
	route_hist_t *hists;
	size_t n_hists, cap_hists;
	unsigned long searches;
} reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

void
vd_histogram_init(vd_histogram_t *h, const double *bounds, size_t n_bounds)
{
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->n_bounds = n_bounds < VD_HIST_MAX_BOUNDS ? n_bounds : VD_HIST_MAX_BOUNDS;
}

void
vd_histogram_observe(vd_histogram_t *h, double value)
{
	size_t i = 0;

	while (i < h->n_bounds && value > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += value;
}

static size_t
slot_of(const struct evhttp_request *req)
{
	uintptr_t p = (uintptr_t)req;
	return (size_t)((p >> 4) ^ (p >> 14)) % INFLIGHT_BUCKETS;
}

/* Removes and returns req's entry (the caller frees it), NULL when none. */
static inflight_t *
inflight_take(const struct evhttp_request *req)
{
	inflight_t **link = &reg.inflight[slot_of(req)];

	for (inflight_t *e = *link; e; link = &e->next, e = e->next) {
		if (e->req == req) {
			*link = e->next;
			return e;
		}
	}
	return NULL;
}

void
vd_metrics_request_begin(const struct evhttp_request *req)
{
	inflight_t *e = calloc(1, sizeof(*e));
	size_t slot = slot_of(req);

	/* Without memory the request is still counted, only not timed. */
	if (!e)
		return;
	e->req = req;
	e->pattern = unmatched;
	clock_gettime(CLOCK_MONOTONIC, &e->start);
	pthread_mutex_lock(&reg.lock);
	e->next = reg.inflight[slot];
	reg.inflight[slot] = e;
	pthread_mutex_unlock(&reg.lock);
}

void
vd_metrics_request_route(const struct evhttp_request *req, const char *pattern)
{
	pthread_mutex_lock(&reg.lock);
	for (inflight_t *e = reg.inflight[slot_of(req)]; e; e = e->next) {
		if (e->req == req) {
			e->pattern = pattern;
			break;
		}
	}
	pthread_mutex_unlock(&reg.lock);
}

/* Grows *items (of size item) to hold one more; false when out of memory. */
static bool
grow(void **items, size_t n, size_t *cap, size_t item)
{
	void *bigger;

	if (n < *cap)
		return true;
	bigger = realloc(*items, (*cap ? *cap * 2 : 32) * item);
	if (!bigger)
		return false;
	*items = bigger;
	*cap = *cap ? *cap * 2 : 32;
	return true;
}

static void
count_reply(const char *pattern, enum evhttp_cmd_type method, int status)
{
	series_t *s = NULL;

	for (size_t i = 0; i < reg.n_series && !s; i++) {
		if (reg.series[i].pattern == pattern && reg.series[i].method == method &&
		    reg.series[i].status == status)
			s = &reg.series[i];
	}
	if (!s) {
		if (!grow((void **)&reg.series, reg.n_series, &reg.cap_series, sizeof(*s)))
			return;
		s = &reg.series[reg.n_series++];
		*s = (series_t){.pattern = pattern, .method = method, .status = status};
	}
	s->count++;
	if (status >= 200 && status < 300) {
		for (size_t i = 0; i < sizeof(search_patterns) / sizeof(search_patterns[0]); i++)
			if (strcmp(pattern, search_patterns[i]) == 0)
				reg.searches++;
	}
}

static void
time_reply(const char *pattern, enum evhttp_cmd_type method, double seconds)
{
	route_hist_t *h = NULL;

	for (size_t i = 0; i < reg.n_hists && !h; i++) {
		if (reg.hists[i].pattern == pattern && reg.hists[i].method == method)
			h = &reg.hists[i];
	}
	if (!h) {
		if (!grow((void **)&reg.hists, reg.n_hists, &reg.cap_hists, sizeof(*h)))
			return;
		h = &reg.hists[reg.n_hists++];
		h->pattern = pattern;
		h->method = method;
		vd_histogram_init(&h->hist, vd_metrics_latency_bounds, vd_metrics_n_latency_bounds);
	}
	vd_histogram_observe(&h->hist, seconds);
}

void
vd_metrics_request_end(const struct evhttp_request *req, int status)
{
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	struct timespec now;
	inflight_t *e;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&reg.lock);
	e = inflight_take(req);
	count_reply(e ? e->pattern : unmatched, method, status);
	if (e)
		time_reply(e->pattern, method,
		           (double)(now.tv_sec - e->start.tv_sec) +
		               (double)(now.tv_nsec - e->start.tv_nsec) / 1e9);
	pthread_mutex_unlock(&reg.lock);
	free(e);
}

void
vd_metrics_label(char *buf, size_t size, const char *key, const char *value)
{
	size_t len = strlen(buf);

	if (len + 1 >= size)
		return;
	len += (size_t)snprintf(buf + len, size - len, "%s%s=\"", len ? "," : "", key);
	for (; *value && len + 3 < size; value++) {
		/* The format escapes exactly these three in label values. */
		if (*value == '\\' || *value == '"') {
			buf[len++] = '\\';
			buf[len++] = *value;
		} else if (*value == '\n') {
			buf[len++] = '\\';
			buf[len++] = 'n';
		} else {
			buf[len++] = *value;
		}
	}
	if (len + 1 < size)
		buf[len++] = '"';
	buf[len < size ? len : size - 1] = '\0';
}

void
vd_metrics_family(struct evbuffer *out, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
add_value(struct evbuffer *out, double value)
{
	if (isinf(value))
		evbuffer_add_printf(out, "%s\n", value > 0 ? "+Inf" : "-Inf");
	else if (value == floor(value) && fabs(value) < 1e15)
		evbuffer_add_printf(out, "%.0f\n", value);
	else
		evbuffer_add_printf(out, "%.9g\n", value);
}

void
vd_metrics_sample(struct evbuffer *out, const char *name, const char *labels, double value)
{
	if (labels && *labels)
		evbuffer_add_printf(out, "%s{%s} ", name, labels);
	else
		evbuffer_add_printf(out, "%s ", name);
	add_value(out, value);
}

void
vd_metrics_histogram(struct evbuffer *out, const char *name, const char *labels,
                     const vd_histogram_t *h)
{
	unsigned long cumulative = 0;
	const char *sep = labels && *labels ? "," : "";

	labels = labels ? labels : "";
	for (size_t i = 0; i <= h->n_bounds; i++) {
		cumulative += h->counts[i];
		if (i < h->n_bounds)
			evbuffer_add_printf(out, "%s_bucket{%s%sle=\"%g\"} %lu\n", name, labels,
			                    sep, h->bounds[i], cumulative);
		else
			evbuffer_add_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name, labels,
			                    sep, cumulative);
	}
	evbuffer_add_printf(out, "%s_sum%s%s%s ", name, *labels ? "{" : "", labels,
	                    *labels ? "}" : "");
	add_value(out, h->sum);
	evbuffer_add_printf(out, "%s_count%s%s%s %lu\n", name, *labels ? "{" : "", labels,
	                    *labels ? "}" : "", h->count);
}

void
vd_metrics_render_http(struct evbuffer *out)
{
	char labels[512], status[16];

	pthread_mutex_lock(&reg.lock);
	vd_metrics_family(out, "vaardig_http_requests_total", "counter",
	                  "HTTP requests answered, by route pattern, method and status.");
	for (size_t i = 0; i < reg.n_series; i++) {
		const series_t *s = &reg.series[i];
		labels[0] = '\0';
		snprintf(status, sizeof(status), "%d", s->status);
		vd_metrics_label(labels, sizeof(labels), "route", s->pattern);
		vd_metrics_label(labels, sizeof(labels), "method", vd_http_method_name(s->method));
		vd_metrics_label(labels, sizeof(labels), "status", status);
		vd_metrics_sample(out, "vaardig_http_requests_total", labels, (double)s->count);
	}
	vd_metrics_family(out, "vaardig_http_request_duration_seconds", "histogram",
	                  "Time from a dispatched request to its reply, by route pattern and "
	                  "method.");
	for (size_t i = 0; i < reg.n_hists; i++) {
		const route_hist_t *h = &reg.hists[i];
		labels[0] = '\0';
		vd_metrics_label(labels, sizeof(labels), "route", h->pattern);
		vd_metrics_label(labels, sizeof(labels), "method", vd_http_method_name(h->method));
		vd_metrics_histogram(out, "vaardig_http_request_duration_seconds", labels,
		                     &h->hist);
	}
	vd_metrics_family(out, "vaardig_searches_total", "counter",
	                  "Searches answered: 2xx replies of /v1/search and of the match routes.");
	vd_metrics_sample(out, "vaardig_searches_total", NULL, (double)reg.searches);
	pthread_mutex_unlock(&reg.lock);
}

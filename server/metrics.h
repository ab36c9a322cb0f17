/* Prometheus metrics without a client library: counters and fixed-bucket
 * histograms kept in memory, rendered in the text exposition format 0.0.4
 * (# HELP and # TYPE before every family).
 *
 * The HTTP figures live in one process-wide registry, because the reply
 * helpers that observe them (http.c) are handed only the request, never the
 * server. Everything else is read when /metrics is rendered (api_metrics.c). */
#ifndef VD_METRICS_H
#define VD_METRICS_H

#include <stddef.h>

#include <event2/buffer.h>
#include <event2/http.h>

#define VD_HIST_MAX_BOUNDS 16

/* A histogram with fixed upper bounds; +Inf is implied after the last. A
 * plain value: whoever holds one guards it (store.c under its lock). */
typedef struct vd_histogram {
	const double *bounds;                         /* ascending, static storage */
	size_t n_bounds;                              /* at most VD_HIST_MAX_BOUNDS */
	unsigned long counts[VD_HIST_MAX_BOUNDS + 1]; /* per bucket, not cumulative */
	unsigned long count;
	double sum;
} vd_histogram_t;

/* Bucket bounds for durations in seconds and for batch sizes. */
extern const double vd_metrics_latency_bounds[];
extern const size_t vd_metrics_n_latency_bounds;
extern const double vd_metrics_batch_bounds[];
extern const size_t vd_metrics_n_batch_bounds;

void vd_histogram_init(vd_histogram_t *h, const double *bounds, size_t n_bounds);
void vd_histogram_observe(vd_histogram_t *h, double value);

/* A dispatched request begins (its clock starts); its route pattern is
 * known (static storage, from routes.c); its reply leaves with status. A
 * reply without a begin is counted under route "unmatched" without a
 * duration. Safe from any thread. */
void vd_metrics_request_begin(const struct evhttp_request *req);
void vd_metrics_request_route(const struct evhttp_request *req, const char *pattern);
void vd_metrics_request_end(const struct evhttp_request *req, int status);

/* Exposition helpers. A family's # HELP and # TYPE lines; one sample, with
 * labels already formatted ("" or {k="v",...}); a whole histogram. */
void vd_metrics_family(struct evbuffer *out, const char *name, const char *type, const char *help);
void vd_metrics_sample(struct evbuffer *out, const char *name, const char *labels, double value);
void vd_metrics_histogram(struct evbuffer *out, const char *name, const char *labels,
                          const vd_histogram_t *h);
/* Appends key="value" to buf (size bytes, NUL-terminated), escaping the
 * value as the format asks; a leading comma when buf is not empty. */
void vd_metrics_label(char *buf, size_t size, const char *key, const char *value);

/* The HTTP families and vaardig_searches_total. */
void vd_metrics_render_http(struct evbuffer *out);

#endif

#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dates.h"
#include "import.h"
#include "index.h"
#include "profile.h"

/* Lines per commit: large enough to amortise the fsync, small enough that
 * an interrupted load keeps most of its work. Xapian holds a batch's changes
 * in memory until its commit; smaller maps cost less CPU per document, so
 * 5,000 loads faster than 20,000 (1M lines: 66 s CPU instead of 71 s) with
 * less memory, while 200 commits per million add little fsync time. */
#define IMPORT_BATCH      5000
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

/* A validated line on its way to the writer. */
typedef struct item {
	vd_xdoc_t *doc;
	char term[80];
} item_t;

#define ITEMS_PER_BATCH   1024
#define BATCHES_IN_FLIGHT 8

typedef struct batch {
	item_t items[ITEMS_PER_BATCH];
	size_t n;
	unsigned long last_line;
	struct batch *next; /* on the spent list */
} batch_t;

/* Parsing and validating take as long as indexing, so one thread does
 * each: the reader thread fills batches, the caller's thread writes them.
 * The one writer thread Xapian allows is the bottleneck, so the reader
 * also builds the Xapian documents, and frees them once written: the
 * writer hands its batches back on the spent list. */
typedef struct pipeline {
	const vd_taxonomy_t *tax;
	const vd_places_t *places;
	FILE *in;
	int today;
	vd_import_report_t *report; /* lines, failed, errors: reader thread only */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	batch_t *queue[BATCHES_IN_FLIGHT];
	size_t head, count;
	batch_t *spent; /* written, for the reader to free or fill again */
	bool done, abort;
} pipeline_t;

static void
empty_batch(batch_t *b)
{
	for (size_t i = 0; i < b->n; i++)
		vd_xdoc_free(b->items[i].doc);
	b->n = 0;
	b->last_line = 0;
}

/* Validates one line into item; false (and a report error) when it is bad. */
static bool
parse_line(pipeline_t *p, const char *text, size_t len, unsigned long line, item_t *item)
{
	vd_import_report_t *r = p->report;
	json_error_t jerr;
	json_t *body = json_loadb(text, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	json_t *errors = NULL, *canonical = NULL;
	vd_doc_t *doc = NULL;
	const char *id;
	bool ok = false;

	if (!body) {
		line_error(r, line, NULL, 400, jerr.text, NULL);
		return false;
	}
	id = json_string_value(json_object_get(body, "id"));
	if (!id || !vd_id_valid(id)) {
		line_error(r, line, NULL, 422,
		           "each line needs an id of 1 to 64 characters of A-Z a-z 0-9 . _ -",
		           NULL);
		goto out;
	}
	errors = json_array();
	if (!vd_profile_validate(p->tax, p->places, id, body, &canonical, errors)) {
		line_error(r, line, id, 422, "the profile is not valid", errors);
		errors = NULL;
		goto out;
	}
	snprintf(item->term, sizeof(item->term), "Qj%s", id);
	doc = vd_doc_new();
	item->doc =
	    doc && vd_profile_to_doc(p->places, canonical, p->today, doc) ? vd_xdoc_new(doc) : NULL;
	vd_doc_free(doc);
	if (!item->doc) {
		line_error(r, line, id, 500, "out of memory", NULL);
		goto out;
	}
	ok = true;
out:
	json_decref(canonical);
	json_decref(errors);
	json_decref(body);
	return ok;
}

static bool
push(pipeline_t *p, batch_t *b)
{
	pthread_mutex_lock(&p->lock);
	while (p->count == BATCHES_IN_FLIGHT && !p->abort)
		pthread_cond_wait(&p->changed, &p->lock);
	if (!p->abort) {
		p->queue[(p->head + p->count++) % BATCHES_IN_FLIGHT] = b;
		b = NULL;
	}
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	if (b) {
		empty_batch(b);
		free(b);
		return false;
	}
	return true;
}

/* A written batch emptied, or a new one. */
static batch_t *
next_batch(pipeline_t *p)
{
	batch_t *b;

	pthread_mutex_lock(&p->lock);
	b = p->spent;
	if (b)
		p->spent = b->next;
	pthread_mutex_unlock(&p->lock);
	if (!b)
		return calloc(1, sizeof(*b));
	empty_batch(b);
	return b;
}

static void
give_back(pipeline_t *p, batch_t *b)
{
	pthread_mutex_lock(&p->lock);
	b->next = p->spent;
	p->spent = b;
	pthread_mutex_unlock(&p->lock);
}

static void *
reader_main(void *arg)
{
	pipeline_t *p = arg;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	batch_t *b = next_batch(p);

	while (b && (len = getline(&line, &cap, p->in)) > 0) {
		unsigned long n = ++p->report->lines;
		if (len == 1 && line[0] == '\n')
			continue;
		if (parse_line(p, line, (size_t)len, n, &b->items[b->n]))
			b->n++;
		b->last_line = n;
		if (b->n == ITEMS_PER_BATCH) {
			if (!push(p, b))
				break;
			b = next_batch(p);
		}
	}
	if (b && !push(p, b))
		b = NULL;
	free(line);
	pthread_mutex_lock(&p->lock);
	p->done = true;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The next batch, or NULL when the reader is done. */
static batch_t *
pop(pipeline_t *p)
{
	batch_t *b = NULL;

	pthread_mutex_lock(&p->lock);
	while (p->count == 0 && !p->done)
		pthread_cond_wait(&p->changed, &p->lock);
	if (p->count) {
		b = p->queue[p->head];
		p->head = (p->head + 1) % BATCHES_IN_FLIGHT;
		p->count--;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return b;
}

static void
show_progress(FILE *progress, unsigned long lines, unsigned long failed, double started, bool last)
{
	double elapsed = now_s() - started;
	if (!progress)
		return;
	fprintf(progress, "\r%lu lines, %lu failed, %.0f lines/s%s", lines, failed,
	        elapsed > 0 ? lines / elapsed : 0.0, last ? "\n" : "");
	fflush(progress);
}

/* The unique terms this import has written, kept as 64-bit hashes (an
 * open-addressing table, 0 marks a free slot). On a load into an empty store
 * a term not in the set cannot be in the database, so its document is added
 * without Xapian's look-up of the term. A term in the set (a repeated id, or
 * very rarely a hash collision) takes the look-up path, which is right either
 * way; so is running out of memory here. */
typedef struct seen {
	uint64_t *slots;
	size_t cap, n; /* cap is a power of two */
} seen_t;

static uint64_t
term_hash(const char *term)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, then a mixer for the low bits */
	for (const unsigned char *c = (const unsigned char *)term; *c; c++)
		h = (h ^ *c) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h ? h : 1;
}

static void
seen_put(seen_t *s, uint64_t h)
{
	size_t i = h & (s->cap - 1);
	while (s->slots[i])
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = h;
	s->n++;
}

/* True when term was not in the set (it is now); false when it was, or when
 * the set cannot grow. */
static bool
seen_add(seen_t *s, const char *term)
{
	uint64_t h = term_hash(term);
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		seen_t bigger = {calloc(s->cap ? 2 * s->cap : 1 << 16, sizeof(uint64_t)),
		                 s->cap ? 2 * s->cap : 1 << 16, 0};
		if (!bigger.slots)
			return false;
		for (i = 0; i < s->cap; i++)
			if (s->slots[i])
				seen_put(&bigger, s->slots[i]);
		free(s->slots);
		*s = bigger;
	}
	for (i = h & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == h)
			return false;
	s->slots[i] = h;
	s->n++;
	return true;
}

/* Writes a batch; false when the store failed. seen: the set of terms
 * written so far when the store was empty at the start, else NULL. */
static bool
write_batch(vd_index_t *index, seen_t *seen, batch_t *b, vd_import_report_t *r)
{
	for (size_t i = 0; i < b->n; i++) {
		unsigned found = 0;
		if (seen && seen_add(seen, b->items[i].term)) {
			if (vd_index_add_prepared(index, b->items[i].doc, NULL) != VD_OK)
				return false;
			r->created++;
			continue;
		}
		if (vd_index_term_count(index, b->items[i].term, &found) != VD_OK ||
		    vd_index_replace_prepared(index, b->items[i].term, b->items[i].doc, NULL) !=
		        VD_OK)
			return false;
		if (found)
			r->replaced++;
		else
			r->created++;
	}
	return true;
}

int
vd_import_file(const vd_taxonomy_t *tax, const vd_places_t *places, const char *data_dir, FILE *in,
               FILE *progress, vd_import_report_t *report, char **error)
{
	vd_index_t *index = NULL;
	seen_t seen = {0};
	unsigned docs = 1;
	pipeline_t p = {
	    .tax = tax, .places = places, .in = in, .today = vd_date_today(), .report = report};
	pthread_t reader;
	char *dir = NULL;
	unsigned long since_commit = 0, written_line = 0;
	double started = now_s();
	bool ok = true;
	batch_t *b;
	int rc = -1;

	memset(report, 0, sizeof(*report));
	report->errors = json_array();
	*error = NULL;
	if (asprintf(&dir, "%s/index", data_dir) < 0)
		return -1;
	if (vd_index_open_writer(dir, &index, error) != VD_OK)
		goto out;
	if (vd_index_doc_count(index, &docs) != VD_OK) {
		*error = strdup(vd_index_last_error(index));
		goto out;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	pthread_create(&reader, NULL, reader_main, &p);
	while ((b = pop(&p))) {
		if (ok)
			ok = write_batch(index, docs == 0 ? &seen : NULL, b, report);
		written_line = b->last_line;
		since_commit += b->n;
		give_back(&p, b);
		if (ok && since_commit >= IMPORT_BATCH) {
			ok = vd_index_commit(index) == VD_OK;
			since_commit = 0;
			show_progress(progress, written_line, report->failed, started, false);
		}
		if (!ok) {
			pthread_mutex_lock(&p.lock);
			p.abort = true;
			pthread_cond_broadcast(&p.changed);
			pthread_mutex_unlock(&p.lock);
		}
	}
	pthread_join(reader, NULL);
	while ((b = p.spent)) {
		p.spent = b->next;
		empty_batch(b);
		free(b);
	}
	pthread_cond_destroy(&p.changed);
	pthread_mutex_destroy(&p.lock);
	if (ok)
		ok = vd_index_commit(index) == VD_OK;
	if (!ok) {
		if (asprintf(error, "near line %lu: %s", written_line, vd_index_last_error(index)) <
		    0)
			*error = NULL;
		goto out;
	}
	show_progress(progress, report->lines, report->failed, started, true);
	rc = 0;
out:
	vd_index_close(index);
	free(seen.slots);
	free(dir);
	return rc;
}

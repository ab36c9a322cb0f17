#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "search_pool.h"

typedef struct job {
	vd_search_pool_t *pool;
	json_t *query;
	int today;
	vd_search_prepare_cb prepare;
	vd_search_done_cb done;
	void *arg;
	struct event *answered_ev; /* made active by the thread that ran it */
	json_t *response;
	char error[256];
	struct job *next_queued;           /* waiting for a thread */
	struct job *prev_open, *next_open; /* not yet handed to done */
} job_t;

typedef struct worker {
	vd_search_pool_t *pool;
	pthread_t thread;
	bool started;
	vd_index_t *reader;
	unsigned long generation; /* of the matcher the reader was reopened for */
} worker_t;

struct vd_search_pool {
	struct event_base *base;
	vd_matcher_t *matcher;
	const vd_places_t *places;
	pthread_mutex_t lock;
	pthread_cond_t queued;
	job_t *head, *tail; /* FIFO */
	job_t *open;        /* every job done has not run for */
	bool stopping;
	worker_t *workers;
	unsigned n_workers;
};

static void
job_free(job_t *job)
{
	if (job->answered_ev)
		event_free(job->answered_ev);
	json_decref(job->query);
	json_decref(job->response);
	free(job);
}

static void
unlink_open(vd_search_pool_t *pool, job_t *job)
{
	if (job->prev_open)
		job->prev_open->next_open = job->next_open;
	else
		pool->open = job->next_open;
	if (job->next_open)
		job->next_open->prev_open = job->prev_open;
}

/* On the event loop. */
static void
on_answered(evutil_socket_t fd, short what, void *arg)
{
	job_t *job = arg;
	vd_search_pool_t *pool = job->pool;
	json_t *response = job->response;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&pool->lock);
	unlink_open(pool, job);
	pthread_mutex_unlock(&pool->lock);
	job->response = NULL;
	job->done(response, job->error, false, job->arg);
	job_free(job);
}

static void
run(worker_t *w, job_t *job)
{
	vd_search_pool_t *pool = w->pool;
	unsigned long generation;

	vd_matcher_read_lock(pool->matcher);
	/* Documents the bitmaps name may be newer than the reader's revision. */
	generation = vd_matcher_generation(pool->matcher);
	if (generation != w->generation && vd_index_reopen(w->reader) == VD_OK)
		w->generation = generation;
	job->response =
	    vd_matcher_search(pool->matcher, w->reader, pool->places, job->query, job->today, NULL);
	vd_matcher_read_unlock(pool->matcher);
	if (!job->response)
		snprintf(job->error, sizeof(job->error), "%s", vd_index_last_error(w->reader));
	else if (job->prepare)
		job->response = job->prepare(job->response, job->arg);
}

static void *
worker_main(void *arg)
{
	worker_t *w = arg;
	vd_search_pool_t *pool = w->pool;

	for (;;) {
		job_t *job;

		pthread_mutex_lock(&pool->lock);
		while (!pool->head && !pool->stopping)
			pthread_cond_wait(&pool->queued, &pool->lock);
		if (pool->stopping) {
			pthread_mutex_unlock(&pool->lock);
			return NULL;
		}
		job = pool->head;
		pool->head = job->next_queued;
		if (!pool->head)
			pool->tail = NULL;
		pthread_mutex_unlock(&pool->lock);
		run(w, job);
		event_active(job->answered_ev, EV_TIMEOUT, 0);
	}
}

vd_status_t
vd_search_pool_start(struct event_base *base, vd_matcher_t *matcher, const vd_places_t *places,
                     const char *index_dir, unsigned n_threads, vd_search_pool_t **out,
                     char **error)
{
	vd_search_pool_t *pool = calloc(1, sizeof(*pool));
	vd_status_t status = VD_ERR_NOMEM;

	*out = NULL;
	*error = NULL;
	if (n_threads == 0)
		n_threads = 1;
	if (!pool || !(pool->workers = calloc(n_threads, sizeof(*pool->workers)))) {
		free(pool);
		*error = strdup("out of memory");
		return VD_ERR_NOMEM;
	}
	pool->base = base;
	pool->matcher = matcher;
	pool->places = places;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->queued, NULL);
	for (unsigned i = 0; i < n_threads; i++) {
		worker_t *w = &pool->workers[i];
		char *xerr = NULL;

		w->pool = pool;
		pool->n_workers++;
		status = vd_index_open_reader(index_dir, &w->reader, &xerr);
		if (status != VD_OK) {
			if (asprintf(error, "search thread %u cannot read %s: %s", i + 1, index_dir,
			             xerr ? xerr : vd_status_str(status)) < 0)
				*error = NULL;
			free(xerr);
			goto fail;
		}
		w->generation = vd_matcher_generation(matcher);
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			status = VD_ERR_NOMEM;
			*error = strdup("cannot start a search thread");
			goto fail;
		}
		w->started = true;
	}
	*out = pool;
	return VD_OK;
fail:
	vd_search_pool_stop(pool);
	return status;
}

bool
vd_search_pool_submit(vd_search_pool_t *pool, json_t *query, int today,
                      vd_search_prepare_cb prepare, vd_search_done_cb done, void *arg)
{
	job_t *job = calloc(1, sizeof(*job));

	if (!job || !(job->answered_ev = event_new(pool->base, -1, 0, on_answered, job))) {
		free(job);
		return false;
	}
	job->pool = pool;
	job->query = json_incref(query);
	job->today = today;
	job->prepare = prepare;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&pool->lock);
	if (pool->tail)
		pool->tail->next_queued = job;
	else
		pool->head = job;
	pool->tail = job;
	job->next_open = pool->open;
	if (pool->open)
		pool->open->prev_open = job;
	pool->open = job;
	pthread_cond_signal(&pool->queued);
	pthread_mutex_unlock(&pool->lock);
	return true;
}

void
vd_search_pool_stop(vd_search_pool_t *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->queued);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->n_workers; i++) {
		if (pool->workers[i].started)
			pthread_join(pool->workers[i].thread, NULL);
		vd_index_close(pool->workers[i].reader);
	}
	/* Queued, running when the loop stopped, or answered but not delivered. */
	while (pool->open) {
		job_t *job = pool->open;
		unlink_open(pool, job);
		job->done(NULL, NULL, true, job->arg);
		job_free(job);
	}
	pthread_cond_destroy(&pool->queued);
	pthread_mutex_destroy(&pool->lock);
	free(pool->workers);
	free(pool);
}

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "dates.h"
#include "expiry.h"
#include "log.h"
#include "profile.h"

typedef struct lapsed {
	vd_docid_t *ids;
	size_t n, cap;
} lapsed_t;

static void
collect(vd_docid_t docid, void *arg)
{
	lapsed_t *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		vd_docid_t *ids = realloc(l->ids, cap * sizeof(*ids));
		if (!ids)
			return; /* the rest is picked up by the next run */
		l->ids = ids;
		l->cap = cap;
	}
	l->ids[l->n++] = docid;
}

static bool
reindex(vd_server_t *srv, vd_docid_t docid, int today)
{
	vd_index_t *reader = vd_store_reader(srv->store);
	char *data = NULL;
	const char *pending;
	json_t *profile = NULL;
	vd_doc_t *doc = NULL;
	vd_write_t *write;
	char term[80];
	bool queued = false;

	if (vd_index_get_by_docid(reader, docid, &data, NULL) != VD_OK)
		goto out;
	profile = json_loads(data, JSON_ALLOW_NUL, NULL);
	if (!profile)
		goto out;
	snprintf(term, sizeof(term), "Qj%s", json_string_value(json_object_get(profile, "id")));
	/* A write in flight re-indexes this profile with today's date anyway. */
	if (vd_store_pending(srv->store, term, &pending))
		goto out;
	doc = vd_doc_new();
	if (!doc || !vd_profile_to_doc(srv->places, profile, today, doc))
		goto out;
	write = vd_write_new(VD_WRITE_REPLACE, term, doc, NULL, NULL);
	doc = NULL;
	if (write) {
		vd_store_submit(srv->store, write);
		queued = true;
	}
out:
	vd_doc_free(doc);
	json_decref(profile);
	free(data);
	return queued;
}

unsigned
vd_expiry_run(vd_server_t *srv, int today)
{
	lapsed_t lapsed = {0};
	char max[16];
	unsigned queued = 0;

	snprintf(max, sizeof(max), "%08d", today);
	if (vd_index_value_at_most(vd_store_reader(srv->store), "Tj", VD_SLOT_NEXT_EXPIRY, max,
	                           collect, &lapsed) != VD_OK)
		vd_log_error("expiry: %s", vd_index_last_error(vd_store_reader(srv->store)));
	for (size_t i = 0; i < lapsed.n; i++)
		queued += reindex(srv, lapsed.ids[i], today);
	free(lapsed.ids);
	if (queued)
		vd_log_info("expiry: re-indexing %u profiles whose licences or certificates lapsed",
		            queued);
	return queued;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	vd_server_t *srv = arg;
	/* A second past midnight, so the new date is certain. */
	struct timeval next = {vd_date_seconds_to_midnight() + 1, 0};

	(void)fd;
	(void)what;
	if (!srv->stopping)
		vd_expiry_run(srv, vd_date_today());
	evtimer_add(srv->expiry_timer, &next);
}

void
vd_expiry_start(vd_server_t *srv)
{
	struct timeval now = {0, 0};
	srv->expiry_timer = evtimer_new(srv->base, on_timer, srv);
	evtimer_add(srv->expiry_timer, &now);
}

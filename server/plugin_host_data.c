/* The host functions ABI 1.1 added (include/vaardig/plugin.h): the date,
 * a folder of the plugin's own, the population a page at a time, searches
 * and profile patches. What rules and expansion plugins need to see and
 * change people's data, through the same checks as the HTTP API. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api_search.h"
#include "audit.h"
#include "dates.h"
#include "log.h"
#include "plugin_internal.h"
#include "profile.h"
#include "query.h"

/* Profiles per page at most: a page is read on the event-loop thread. */
#define MAX_PAGE 10000

static vd_plugin_ctx_t *
ctx_of(const vd_host_t *host)
{
	return host->host_private;
}

static void
host_today(const vd_host_t *host, char out[11])
{
	(void)host;
	vd_date_format(vd_date_today(), out);
}

static bool
make_dir(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST;
}

static const char *
host_data_dir(const vd_host_t *host)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	char base[4096], path[4200];

	if (ctx->data_dir)
		return ctx->data_dir;
	snprintf(base, sizeof(base), "%s/plugins", ctx->reg->srv->config->data_dir);
	snprintf(path, sizeof(path), "%s/%s", base, ctx->name);
	if (!make_dir(base) || !make_dir(path)) {
		vd_log_error("plugin %s: cannot create %s: %s", ctx->name, path, strerror(errno));
		return NULL;
	}
	ctx->data_dir = strdup(path);
	return ctx->data_dir;
}

static char *
host_profiles(const vd_host_t *host, unsigned long cursor, unsigned max, unsigned long *next)
{
	vd_server_t *srv = ctx_of(host)->reg->srv;
	vd_docid_t *ids;
	size_t n;
	json_t *page = NULL;
	char *out = NULL;

	*next = 0;
	if (!srv->store || !srv->matcher || cursor > UINT32_MAX)
		return NULL;
	if (max == 0 || max > MAX_PAGE)
		max = MAX_PAGE;
	ids = calloc(max, sizeof(*ids));
	if (!ids)
		return NULL;
	n = vd_matcher_jobseekers_after(srv->matcher, (vd_docid_t)cursor, ids, max);
	page = json_array();
	for (size_t i = 0; i < n; i++) {
		char *data = NULL;
		vd_status_t status =
		    vd_index_get_by_docid(vd_store_reader(srv->store), ids[i], &data, NULL);
		json_t *profile;

		if (status == VD_ERR_NOT_FOUND)
			continue; /* deleted meanwhile: on_profile said so */
		if (status != VD_OK)
			goto out;
		profile = json_loads(data, JSON_ALLOW_NUL, NULL);
		free(data);
		if (profile)
			json_array_append_new(page, profile);
	}
	/* A full page may have more after it; a short one was the last. */
	*next = n == max ? ids[n - 1] : 0;
	out = json_dumps(page, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(page);
	free(ids);
	return out;
}

/* "/require/0: ...; ..." from query errors. */
static char *
problems_text(const json_t *errors)
{
	size_t i;
	json_t *e;
	char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	json_array_foreach(errors, i, e)
	{
		int n = snprintf(buf + len, sizeof(buf) - len, "%s%s: %s", i ? "; " : "",
		                 json_string_value(json_object_get(e, "pointer")),
		                 json_string_value(json_object_get(e, "detail")));
		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += (size_t)n;
	}
	return strdup(buf);
}

static char *
host_search(const vd_host_t *host, const char *query_json, char **error)
{
	vd_server_t *srv = ctx_of(host)->reg->srv;
	json_t *body, *query = NULL, *errors = json_array(), *response = NULL;
	char *out = NULL, *why = NULL;

	body = query_json ? json_loads(query_json, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!body)
		why = strdup("the query is not JSON");
	else if (!srv->matcher)
		why = strdup("the server has no index");
	else if (!(query = vd_query_normalise(srv->tax, srv->places, body,
	                                      srv->config->limits.max_count, errors)))
		why = problems_text(errors);
	else if (!(response = vd_search_run(srv, query, false, false)))
		why = strdup(vd_index_last_error(vd_store_reader(srv->store)));
	else
		out = json_dumps(response, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(response);
	json_decref(query);
	json_decref(errors);
	json_decref(body);
	if (error)
		*error = why;
	else
		free(why);
	return out;
}

/* The newest state of a profile (a queued write wins over the committed
 * one) as a new JSON value; NULL when there is none or it cannot be read. */
static json_t *
current_profile(vd_server_t *srv, const char *term)
{
	const char *pending;
	char *data = NULL;
	json_t *out;

	if (vd_store_pending(srv->store, term, &pending))
		return pending ? json_loads(pending, JSON_ALLOW_NUL, NULL) : NULL;
	if (vd_index_get(vd_store_reader(srv->store), term, &data, NULL, NULL) != VD_OK) {
		free(data);
		return NULL;
	}
	out = json_loads(data, JSON_ALLOW_NUL, NULL);
	free(data);
	return out;
}

/* The patched profile, validated and queued; *why is set on refusal. The
 * patching plugin answers for its own change: rules plugins' check_profile
 * is not asked (it would re-enter plugins from inside one). */
static int
patch(vd_plugin_ctx_t *ctx, const char *id, const json_t *patch_doc, char **why)
{
	vd_server_t *srv = ctx->reg->srv;
	json_t *current = NULL, *merged = NULL, *canonical = NULL, *errors = json_array();
	vd_doc_t *doc = NULL;
	json_t *record;
	char term[80], who[80], path[96];
	int rc = -1;

	snprintf(term, sizeof(term), "Qj%s", id);
	current = current_profile(srv, term);
	if (!current) {
		*why = strdup("there is no such jobseeker");
		goto out;
	}
	merged = vd_merge_patch(current, patch_doc);
	if (!merged ||
	    !vd_profile_validate(srv->tax, srv->places, id, merged, &canonical, errors)) {
		*why = problems_text(errors);
		goto out;
	}
	doc = vd_doc_new();
	if (!doc || !vd_profile_to_doc(srv->places, canonical, vd_date_today(), doc)) {
		vd_doc_free(doc);
		*why = strdup("out of memory");
		goto out;
	}
	/* On the person's audit trail as a change by this plugin. */
	snprintf(who, sizeof(who), "plugin:%s", ctx->name);
	snprintf(path, sizeof(path), "/v1/jobseekers/%s", id);
	record = vd_audit_record(who, NULL, "patch", "PATCH", path);
	vd_audit_add_id(record, id);
	rc = vd_plugin_submit(ctx, VD_WRITE_REPLACE, term, doc, record);
	if (rc == 0)
		vd_log_info("plugin %s: patched jobseeker %s", ctx->name, id);
out:
	json_decref(canonical);
	json_decref(merged);
	json_decref(current);
	json_decref(errors);
	return rc;
}

static int
host_patch_profile(const vd_host_t *host, const char *id, const char *patch_json, char **error)
{
	vd_plugin_ctx_t *ctx = ctx_of(host);
	json_t *patch_doc = NULL;
	char *why = NULL;
	int rc = -1;

	if (!ctx->reg->srv->store)
		why = strdup("the server has no store");
	else if (!id || !vd_id_valid(id))
		why = strdup("not a jobseeker id");
	else if (!(patch_doc = patch_json ? json_loads(patch_json, 0, NULL) : NULL))
		why = strdup("the patch is not JSON");
	else
		rc = patch(ctx, id, patch_doc, &why);
	json_decref(patch_doc);
	if (error)
		*error = why;
	else
		free(why);
	return rc;
}

void
vd_plugin_host_init_data(vd_plugin_ctx_t *ctx)
{
	ctx->host.today = host_today;
	ctx->host.data_dir = host_data_dir;
	ctx->host.profiles = host_profiles;
	ctx->host.search = host_search;
	ctx->host.patch_profile = host_patch_profile;
}

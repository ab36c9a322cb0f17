/* Autocomplete for the search page and for client authors: ?q=chauf finds
 * chauffeur before vrachtwagenchauffeur (a word that starts with the text
 * ranks above one that only contains it), each with its requirements. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_taxonomy.h"

/* How well folded text q matches a folded word: 3 equal, 2 prefix, 1 inside. */
static int
word_rank(const char *word, const char *q)
{
	char *folded = vd_fold(word);
	int rank = 0;

	if (folded && strcmp(folded, q) == 0)
		rank = 3;
	else if (folded && strncmp(folded, q, strlen(q)) == 0)
		rank = 2;
	else if (folded && strstr(folded, q))
		rank = 1;
	free(folded);
	return rank;
}

static int
max_rank(int a, int b)
{
	return a > b ? a : b;
}

static int
occupation_rank(const vd_occupation_t *o, const char *q)
{
	int rank = max_rank(word_rank(o->code, q), word_rank(o->label, q));

	rank = max_rank(rank, word_rank(o->plural, q));
	for (size_t i = 0; i < o->synonyms.n; i++)
		rank = max_rank(rank, word_rank(o->synonyms.v[i], q) - 1); /* labels first */
	return rank;
}

typedef struct ranked {
	json_t *item; /* borrowed */
	int rank;
	size_t order;
} ranked_t;

static int
by_rank(const void *a, const void *b)
{
	const ranked_t *x = a, *y = b;
	if (x->rank != y->rank)
		return y->rank - x->rank;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Replies with the page of items asked for, best ranked first. */
static void
reply_page(vd_call_t *call, ranked_t *items, size_t n)
{
	int page, per_page;
	json_t *results;

	if (!vd_query_int(call, "page", 1, 1000000, &page) ||
	    !vd_query_int(call, "per_page", 100, call->srv->config->limits.max_per_page, &per_page))
		return;
	qsort(items, n, sizeof(*items), by_rank);
	results = json_array();
	for (size_t i = (size_t)(page - 1) * per_page; i < n && i < (size_t)page * per_page; i++)
		json_array_append(results, items[i].item);
	vd_reply_json(call->req, 200,
	              json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)n, "page", page,
	                        "per_page", per_page, "results", results),
	              NULL);
}

/* The folded ?q= text, new; "" when absent. */
static char *
folded_query(vd_call_t *call)
{
	const char *q = evhttp_find_header(&call->query, "q");
	return vd_fold(q ? q : "");
}

void
vd_api_occupations(vd_call_t *call)
{
	const vd_taxonomy_t *tax = call->srv->tax;
	size_t total = vd_taxonomy_n_occupations(tax), n = 0;
	ranked_t *items = calloc(total ? total : 1, sizeof(*items));
	char *q = folded_query(call);

	for (size_t i = 0; items && q && i < total; i++) {
		const vd_occupation_t *o = vd_taxonomy_occupation_at(tax, i);
		int rank = *q ? occupation_rank(o, q) : 1;
		if (rank > 0)
			items[n++] = (ranked_t){o->json, rank, i};
	}
	if (!items || !q)
		vd_reply_problem(call->req, 503, "out of memory", NULL);
	else
		reply_page(call, items, n);
	free(q);
	free(items);
}

static const char *const kind_names[] = {"licence", "certificate", "skill", "language"};

void
vd_api_competences(vd_call_t *call)
{
	const vd_taxonomy_t *tax = call->srv->tax;
	const char *kind = evhttp_find_header(&call->query, "kind");
	size_t total = vd_taxonomy_n_competences(tax), n = 0;
	ranked_t *items = calloc(total ? total : 1, sizeof(*items));
	char *q = folded_query(call);
	int want = -1;

	for (int k = 0; kind && k < 4; k++)
		if (strcmp(kind, kind_names[k]) == 0)
			want = k;
	if (kind && want < 0) {
		vd_reply_problem(call->req, 400,
		                 "kind must be licence, certificate, skill or language", NULL);
		goto out;
	}
	for (size_t i = 0; items && q && i < total; i++) {
		const vd_competence_t *c = vd_taxonomy_competence_at(tax, i);
		int rank = *q ? max_rank(word_rank(c->code, q), word_rank(c->label, q)) : 1;
		if (rank > 0 && (want < 0 || (int)c->kind == want))
			items[n++] = (ranked_t){c->json, rank, i};
	}
	if (!items || !q)
		vd_reply_problem(call->req, 503, "out of memory", NULL);
	else
		reply_page(call, items, n);
out:
	free(q);
	free(items);
}

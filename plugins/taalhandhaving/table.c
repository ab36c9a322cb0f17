/* An open-addressing hash table of entries (facts + id in one allocation)
 * and a worklist sorted by (status, due, id), so that a status filter is a
 * slice of it and paging is an offset.
 *
 * Sorting a million rows with strcmp on every tie took 0.6 s of the event
 * loop. Instead the entries are also kept in id order (new ids are sorted
 * among themselves and merged in; removed ones are dropped then), and a
 * stable radix sort on (status, due) over that order gives the same
 * result in linear time. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "table.h"

typedef struct entry {
	taal_facts_t f;
	uint8_t dead; /* removed: freed when the id order is next rebuilt */
	char id[];
} entry_t;

struct taal_table {
	entry_t **slots;
	size_t cap;  /* a power of two */
	size_t n;    /* live entries */
	size_t used; /* live entries and tombstones */
	unsigned long gen;
	/* Every entry in id order (dead ones included), and those added since. */
	entry_t **by_id, **added;
	size_t n_by_id, n_added, cap_added;
	size_t n_dead; /* removed entries not yet freed */
	/* The sorted worklist of generation sorted_gen on day sorted_today. */
	taal_row_t *rows;
	size_t n_rows;
	size_t start[TAAL_N_STATUS + 1]; /* rows of status s: [start[s], start[s + 1]) */
	unsigned long sorted_gen;
	taal_day_t sorted_today;
	const taal_params_t *sorted_params;
};

/* Marks a slot whose entry was removed, so probing goes on past it. */
static entry_t tombstone_entry;
#define TOMBSTONE (&tombstone_entry)

static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

taal_table_t *
taal_table_new(void)
{
	taal_table_t *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 1024;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	t->gen = 1;
	return t;
}

void
taal_table_free(taal_table_t *t)
{
	if (!t)
		return;
	/* Every entry, live or dead, is in by_id or added exactly once. */
	for (size_t i = 0; i < t->n_by_id; i++)
		free(t->by_id[i]);
	for (size_t i = 0; i < t->n_added; i++)
		free(t->added[i]);
	free(t->by_id);
	free(t->added);
	free(t->slots);
	free(t->rows);
	free(t);
}

/* The slot holding id, or (when absent) the first free or tombstone slot
 * on its probe path, for an insert. */
static size_t
find(const taal_table_t *t, const char *id, bool *found)
{
	size_t mask = t->cap - 1, i = hash(id) & mask, insert = (size_t)-1;

	for (;; i = (i + 1) & mask) {
		entry_t *e = t->slots[i];
		if (!e) {
			*found = false;
			return insert != (size_t)-1 ? insert : i;
		}
		if (e == TOMBSTONE) {
			if (insert == (size_t)-1)
				insert = i;
		} else if (strcmp(e->id, id) == 0) {
			*found = true;
			return i;
		}
	}
}

/* Doubles the slots (or rebuilds them in place of tombstones). */
static int
grow(taal_table_t *t)
{
	size_t cap = t->n * 2 >= t->cap ? t->cap * 2 : t->cap;
	entry_t **old = t->slots;
	size_t old_cap = t->cap;
	bool found;

	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -1;
	}
	t->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i] && old[i] != TOMBSTONE)
			t->slots[find(t, old[i]->id, &found)] = old[i];
	t->used = t->n;
	free(old);
	return 0;
}

static int merge_added(taal_table_t *t);

int
taal_table_put(taal_table_t *t, const char *id, const taal_facts_t *f)
{
	bool found;
	size_t i, len;
	entry_t *e;

	/* Keep at least a quarter of the slots empty, so probes stay short. */
	if ((t->used + 1) * 4 > t->cap * 3 && grow(t) != 0)
		return -1;
	i = find(t, id, &found);
	t->gen++;
	if (found) {
		t->slots[i]->f = *f;
		return 0;
	}
	if (t->n_added == t->cap_added) {
		size_t cap = t->cap_added ? t->cap_added * 2 : 256;
		entry_t **more = realloc(t->added, cap * sizeof(*more));
		if (!more)
			return -1;
		t->added = more;
		t->cap_added = cap;
	}
	len = strlen(id);
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -1;
	e->f = *f;
	e->dead = 0;
	t->added[t->n_added++] = e;
	memcpy(e->id, id, len + 1);
	if (!t->slots[i])
		t->used++;
	t->slots[i] = e;
	t->n++;
	return 0;
}

void
taal_table_remove(taal_table_t *t, const char *id)
{
	bool found;
	size_t i = find(t, id, &found);

	if (!found)
		return;
	t->slots[i]->dead = 1; /* by_id or added still points to it */
	t->slots[i] = TOMBSTONE;
	t->n--;
	t->gen++;
	/* Without worklist requests nothing else would free the dead. */
	if (++t->n_dead > 65536 && t->n_dead > t->n)
		merge_added(t);
}

const taal_facts_t *
taal_table_get(const taal_table_t *t, const char *id)
{
	bool found;
	size_t i = find(t, id, &found);

	return found ? &t->slots[i]->f : NULL;
}

size_t
taal_table_size(const taal_table_t *t)
{
	return t->n;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp((*(entry_t *const *)a)->id, (*(entry_t *const *)b)->id);
}

/* Merges the added entries (sorted here) into by_id and frees the dead. */
static int
merge_added(taal_table_t *t)
{
	entry_t **out = malloc((t->n_by_id + t->n_added + 1) * sizeof(*out));
	size_t i = 0, j = 0, n = 0;

	if (!out)
		return -1;
	qsort(t->added, t->n_added, sizeof(*t->added), entry_cmp);
	while (i < t->n_by_id || j < t->n_added) {
		entry_t *e;
		if (j == t->n_added ||
		    (i < t->n_by_id && strcmp(t->by_id[i]->id, t->added[j]->id) <= 0))
			e = t->by_id[i++];
		else
			e = t->added[j++];
		if (e->dead) {
			free(e);
			t->n_dead--;
		} else
			out[n++] = e;
	}
	free(t->by_id);
	t->by_id = out;
	t->n_by_id = n;
	t->n_added = 0;
	return 0;
}

/* The radix key: status, then due (none after every date). */
static uint32_t
row_key(const taal_row_t *r)
{
	uint32_t due = r->due == TAAL_NO_DAY ? (1u << 30) - 1 : (uint32_t)r->due;

	return (uint32_t)r->status << 30 | due;
}

/* Stable LSD radix sort of rows by row_key, two passes of 16 bits. */
static int
radix_sort(taal_row_t *rows, size_t n)
{
	taal_row_t *tmp = malloc((n ? n : 1) * sizeof(*tmp)), *from = rows, *to = tmp, *swap;
	size_t *count = calloc(65536, sizeof(*count));

	if (!tmp || !count) {
		free(tmp);
		free(count);
		return -1;
	}
	for (unsigned shift = 0; shift < 32; shift += 16) {
		size_t sum = 0;
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(row_key(&from[i]) >> shift) & 0xffff]++;
		for (size_t b = 0; b < 65536; b++) {
			size_t c = count[b];
			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[(row_key(&from[i]) >> shift) & 0xffff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	/* after an even number of passes the result is back in rows */
	free(tmp);
	free(count);
	return 0;
}

static int
sort_rows(taal_table_t *t, const taal_params_t *p, taal_day_t today)
{
	taal_row_t *rows;
	taal_result_t r;
	size_t n = 0;

	if (merge_added(t) != 0)
		return -1;
	rows = realloc(t->rows, (t->n_by_id ? t->n_by_id : 1) * sizeof(*rows));
	if (!rows)
		return -1;
	t->rows = rows;
	for (size_t i = 0; i < t->n_by_id; i++) {
		const entry_t *e = t->by_id[i];
		taal_derive(&e->f, p, today, &r);
		rows[n++] = (taal_row_t){.id = e->id,
		                         .due = r.due,
		                         .status = (uint8_t)r.status,
		                         .action = (uint8_t)r.action};
	}
	if (radix_sort(rows, n) != 0)
		return -1;
	t->n_rows = n;
	for (size_t s = 0, i = 0; s <= TAAL_N_STATUS; s++) {
		while (i < n && rows[i].status < s)
			i++;
		t->start[s] = i;
	}
	t->start[TAAL_N_STATUS] = n;
	t->sorted_gen = t->gen;
	t->sorted_today = today;
	t->sorted_params = p;
	return 0;
}

int
taal_table_rows(taal_table_t *t, const taal_params_t *p, taal_day_t today, int status,
                const taal_row_t **rows, size_t *n)
{
	if ((t->sorted_gen != t->gen || t->sorted_today != today || t->sorted_params != p) &&
	    sort_rows(t, p, today) != 0)
		return -1;
	if (status < 0) {
		*rows = t->rows;
		*n = t->n_rows;
	} else {
		*rows = t->rows + t->start[status];
		*n = t->start[status + 1] - t->start[status];
	}
	return 0;
}

#include "config.h"

#include <stddef.h>

#include "match_kept.h"

void
vd_kept_init(vd_kept_set_t *set, vd_kept_free_fn free_entry)
{
	for (size_t i = 0; i < VD_KEPT_SLOTS; i++)
		set->slots[i] = NULL;
	set->clock = 0;
	set->free_entry = free_entry;
	pthread_mutex_init(&set->lock, NULL);
}

void
vd_kept_clear(vd_kept_set_t *set)
{
	for (size_t i = 0; i < VD_KEPT_SLOTS; i++) {
		if (set->slots[i])
			set->free_entry(set->slots[i]);
		set->slots[i] = NULL;
	}
}

void
vd_kept_destroy(vd_kept_set_t *set)
{
	vd_kept_clear(set);
	pthread_mutex_destroy(&set->lock);
}

vd_kept_t *
vd_kept_get(vd_kept_set_t *set, const void *key, vd_kept_match_fn match, vd_kept_build_fn build)
{
	vd_kept_t *found = NULL;
	size_t slot = 0;

	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < VD_KEPT_SLOTS && !found; i++) {
		vd_kept_t *e = set->slots[i];
		if (e && match(e, key))
			found = e;
		else if (!e || (set->slots[slot] && e->used < set->slots[slot]->used))
			slot = i;
	}
	/* Built under the lock: two searches wanting the same new entry
	 * build it once. */
	if (!found && (found = build(key))) {
		vd_kept_t *old = set->slots[slot];
		if (old && old->users > 0)
			old->evicted = true;
		else if (old)
			set->free_entry(old);
		set->slots[slot] = found;
	}
	if (found) {
		found->used = ++set->clock;
		found->users++;
	}
	pthread_mutex_unlock(&set->lock);
	return found;
}

void
vd_kept_release(vd_kept_set_t *set, vd_kept_t *entry)
{
	pthread_mutex_lock(&set->lock);
	if (--entry->users == 0 && entry->evicted)
		set->free_entry(entry);
	pthread_mutex_unlock(&set->lock);
}

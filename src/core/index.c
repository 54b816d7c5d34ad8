// SPDX-License-Identifier: MIT
#include "index.h"

#include <errno.h>
#include <stdlib.h>

#include "crypto.h"

enum { INITIAL_BUCKETS = 64 };

static size_t bucket_of(const struct wgc_index_table *t, uint32_t index)
{
	/* indices are random already; the seed only spoils precomputed collisions */
	uint32_t h = (index ^ t->seed) * 0x9e3779b1U;

	return (h ^ (h >> 16)) & (t->n_buckets - 1);
}

int wgc_index_init(struct wgc_index_table *t)
{
	t->buckets = calloc(INITIAL_BUCKETS, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->n_buckets = INITIAL_BUCKETS;
	t->count = 0;
	t->seed = wgc_random_u32();
	return 0;
}

void wgc_index_free(struct wgc_index_table *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->n_buckets = t->count = 0;
}

static void grow(struct wgc_index_table *t)
{
	size_t old_n = t->n_buckets, i;
	struct wgc_index_entry **old = t->buckets;
	struct wgc_index_entry **fresh = calloc(old_n * 2, sizeof(*fresh));

	if (!fresh)
		return; /* a fuller table still works, only slower */
	t->buckets = fresh;
	t->n_buckets = old_n * 2;
	for (i = 0; i < old_n; i++) {
		struct wgc_index_entry *e = old[i], *next;
		for (; e; e = next) {
			size_t b = bucket_of(t, e->index);
			next = e->next;
			e->next = fresh[b];
			fresh[b] = e;
		}
	}
	free(old);
}

static bool in_use(const struct wgc_index_table *t, uint32_t index)
{
	const struct wgc_index_entry *e;

	for (e = t->buckets[bucket_of(t, index)]; e; e = e->next)
		if (e->index == index)
			return true;
	return false;
}

int wgc_index_insert(struct wgc_index_table *t, struct wgc_index_entry *entry)
{
	uint32_t index;
	size_t b;

	if (entry->linked)
		wgc_index_remove(t, entry);
	if (t->count >= t->n_buckets)
		grow(t);
	do
		index = wgc_random_u32();
	while (in_use(t, index));
	entry->index = index;
	b = bucket_of(t, index);
	entry->next = t->buckets[b];
	t->buckets[b] = entry;
	entry->linked = true;
	t->count++;
	return 0;
}

static struct wgc_index_entry **slot_of(struct wgc_index_table *t, const struct wgc_index_entry *entry)
{
	struct wgc_index_entry **p = &t->buckets[bucket_of(t, entry->index)];

	for (; *p; p = &(*p)->next)
		if (*p == entry)
			return p;
	return NULL;
}

void wgc_index_replace(struct wgc_index_table *t, struct wgc_index_entry *old_entry,
		       struct wgc_index_entry *new_entry)
{
	struct wgc_index_entry **p;

	if (!old_entry->linked)
		return;
	if (new_entry->linked)
		wgc_index_remove(t, new_entry);
	p = slot_of(t, old_entry);
	if (!p)
		return;
	new_entry->index = old_entry->index;
	new_entry->next = old_entry->next;
	new_entry->linked = true;
	*p = new_entry;
	old_entry->next = NULL;
	old_entry->linked = false;
}

void wgc_index_remove(struct wgc_index_table *t, struct wgc_index_entry *entry)
{
	struct wgc_index_entry **p;

	if (!entry->linked)
		return;
	p = slot_of(t, entry);
	if (p) {
		*p = entry->next;
		t->count--;
	}
	entry->next = NULL;
	entry->linked = false;
}

struct wgc_index_entry *wgc_index_lookup(const struct wgc_index_table *t, uint32_t index,
					 unsigned kind_mask)
{
	struct wgc_index_entry *e;

	for (e = t->buckets[bucket_of(t, index)]; e; e = e->next)
		if (e->index == index)
			return (e->kind & kind_mask) ? e : NULL;
	return NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * Session indices: the random 32-bit numbers a peer puts in receiver_index
 * to name one of our handshakes or keypairs. Entries are embedded in the
 * handshake or keypair that owns them, so the table never allocates per
 * session; it only grows its bucket array.
 */
#ifndef WGC_INDEX_H
#define WGC_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wgc_index_kind {
	WGC_INDEX_HANDSHAKE = 1U << 0,
	WGC_INDEX_KEYPAIR = 1U << 1,
};

struct wgc_index_entry {
	struct wgc_index_entry *next;
	uint32_t index;
	uint8_t kind;
	bool linked;
	void *owner; /* the wgc_handshake or wgc_keypair */
	void *peer;  /* the wgc_peer the session belongs to */
};

struct wgc_index_table {
	struct wgc_index_entry **buckets;
	size_t n_buckets; /* a power of two */
	size_t count;
	uint32_t seed;    /* random, so bucket choice cannot be steered from outside */
};

int wgc_index_init(struct wgc_index_table *t);
void wgc_index_free(struct wgc_index_table *t);
/* Gives entry a fresh random index unused in the table; 0 or -ENOMEM. */
int wgc_index_insert(struct wgc_index_table *t, struct wgc_index_entry *entry);
/* Puts new_entry in old's place under the same index (handshake -> keypair). */
void wgc_index_replace(struct wgc_index_table *t, struct wgc_index_entry *old_entry,
		       struct wgc_index_entry *new_entry);
void wgc_index_remove(struct wgc_index_table *t, struct wgc_index_entry *entry);
/* The entry with that index whose kind is in kind_mask, or NULL. */
struct wgc_index_entry *wgc_index_lookup(const struct wgc_index_table *t, uint32_t index,
					 unsigned kind_mask);

#endif

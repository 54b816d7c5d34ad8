// SPDX-License-Identifier: MIT
/* A binary min-heap of peers by deadline; each peer knows its slot (heap_pos, 1-based, 0: absent). */
#include "timerheap.h"

#include <errno.h>
#include <stdlib.h>

#include "device_impl.h"

static void place(struct wgc_timerheap *h, size_t i, struct wgc_peer *p)
{
	h->items[i] = p;
	p->heap_pos = i + 1;
}

static void sift_up(struct wgc_timerheap *h, size_t i)
{
	struct wgc_peer *p = h->items[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->items[parent]->heap_key <= p->heap_key)
			break;
		place(h, i, h->items[parent]);
		i = parent;
	}
	place(h, i, p);
}

static void sift_down(struct wgc_timerheap *h, size_t i)
{
	struct wgc_peer *p = h->items[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->items[c + 1]->heap_key < h->items[c]->heap_key)
			c++;
		if (p->heap_key <= h->items[c]->heap_key)
			break;
		place(h, i, h->items[c]);
		i = c;
	}
	place(h, i, p);
}

int wgc_timerheap_lower(struct wgc_timerheap *h, struct wgc_peer *peer, uint64_t deadline)
{
	if (peer->heap_pos) {
		if (deadline >= peer->heap_key)
			return 0;
		peer->heap_key = deadline;
		sift_up(h, peer->heap_pos - 1);
		return 0;
	}
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 64;
		struct wgc_peer **items = realloc(h->items, ncap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		h->items = items;
		h->cap = ncap;
	}
	peer->heap_key = deadline;
	place(h, h->n++, peer);
	sift_up(h, h->n - 1);
	return 0;
}

uint64_t wgc_timerheap_peek(const struct wgc_timerheap *h)
{
	return h->n ? h->items[0]->heap_key : 0;
}

void wgc_timerheap_remove(struct wgc_timerheap *h, struct wgc_peer *peer)
{
	size_t i;
	struct wgc_peer *last;

	if (!peer->heap_pos)
		return;
	i = peer->heap_pos - 1;
	peer->heap_pos = 0;
	last = h->items[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	if (i > 0 && h->items[(i - 1) / 2]->heap_key > last->heap_key)
		sift_up(h, i);
	else
		sift_down(h, i);
}

struct wgc_peer *wgc_timerheap_pop(struct wgc_timerheap *h)
{
	struct wgc_peer *top = h->n ? h->items[0] : NULL;

	if (top)
		wgc_timerheap_remove(h, top);
	return top;
}

void wgc_timerheap_free(struct wgc_timerheap *h)
{
	free(h->items);
	h->items = NULL;
	h->n = h->cap = 0;
}

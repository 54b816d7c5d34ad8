/* SPDX-License-Identifier: MIT */
/*
 * The device's deadline heap: peers ordered by the earliest deadline of
 * their timers, so that running timers costs O(log n) per peer that is
 * due, not a walk over every peer.
 *
 * Keys are lower bounds: arming a timer earlier than a peer's key moves
 * the peer up at once (the timers' arm hook); cancelling or arming later
 * leaves the key alone, and the peer is simply found not due when its key
 * passes and re-filed under its real next deadline. So the per-packet
 * cost is one comparison. Under the device lock, like the peers.
 */
#ifndef WGC_TIMERHEAP_H
#define WGC_TIMERHEAP_H

#include <stddef.h>
#include <stdint.h>

struct wgc_peer;

struct wgc_timerheap {
	struct wgc_peer **items;
	size_t n, cap;
};

/* Files peer under deadline, or moves it earlier; a later deadline is ignored. 0 or -ENOMEM. */
int wgc_timerheap_lower(struct wgc_timerheap *h, struct wgc_peer *peer, uint64_t deadline);
/* The earliest key, 0 when empty. */
uint64_t wgc_timerheap_peek(const struct wgc_timerheap *h);
/* Takes the peer with the earliest key out; NULL when empty. */
struct wgc_peer *wgc_timerheap_pop(struct wgc_timerheap *h);
/* Takes peer out wherever it is (peer removal). */
void wgc_timerheap_remove(struct wgc_timerheap *h, struct wgc_peer *peer);
void wgc_timerheap_free(struct wgc_timerheap *h);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Receive-side replay protection for one keypair: the sliding window of
 * RFC 6479. A bitmap of WGC_COUNTER_BITS_TOTAL bits, kept as a ring of
 * 64-bit blocks, remembers which of the last WGC_COUNTER_WINDOW_SIZE + 1
 * counters arrived; moving forward clears whole blocks instead of shifting
 * bits, so a check costs O(1) apart from a large jump's block clearing.
 *
 * Call wgc_replay_check only after the packet has authenticated, or a
 * forger could move the window. Not thread-safe: the caller serialises
 * checks on one window.
 */
#ifndef WGC_REPLAY_H
#define WGC_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"

struct wgc_replay {
	/* one more than the greatest counter accepted; 0 before the first */
	uint64_t next;
	uint64_t bitmap[WGC_COUNTER_BITS_TOTAL / 64];
};

void wgc_replay_init(struct wgc_replay *r);

/*
 * True, and counter recorded, when counter is below reject_after (callers
 * pass WGC_REJECT_AFTER_MESSAGES; larger values are clamped to it), has not
 * been seen, and is at most WGC_COUNTER_WINDOW_SIZE behind the greatest
 * counter accepted so far. False otherwise, with the window unchanged.
 */
bool wgc_replay_check(struct wgc_replay *r, uint64_t counter, uint64_t reject_after);

#endif

// SPDX-License-Identifier: MIT
/*
 * RFC 6479 replay window, with the same acceptance rule as the Linux
 * WireGuard module so that both ends agree on which packets count.
 *
 * Counters are handled plus one so that next == 0 can mean "nothing yet".
 * Bit (c + 1) % 64 of block ((c + 1) / 64) % BLOCKS records counter c. The
 * ring has one block more than the window needs: when the window advances
 * into a new block, that block (and any skipped ones) is cleared, and the
 * blocks it overwrites all lie below the window's lower edge.
 */
#include <string.h>

#include "replay.h"

enum {
	BLOCK_BITS = 64,
	BLOCKS = WGC_COUNTER_BITS_TOTAL / BLOCK_BITS,
};

_Static_assert((BLOCKS & (BLOCKS - 1)) == 0, "block count must be a power of two");
_Static_assert(WGC_COUNTER_WINDOW_SIZE <= WGC_COUNTER_BITS_TOTAL - BLOCK_BITS,
	       "the ring needs one spare block beyond the window");

void wgc_replay_init(struct wgc_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool wgc_replay_check(struct wgc_replay *r, uint64_t counter, uint64_t reject_after)
{
	uint64_t n, block, bit;

	if (reject_after > WGC_REJECT_AFTER_MESSAGES)
		reject_after = WGC_REJECT_AFTER_MESSAGES;
	if (counter >= reject_after)
		return false;
	n = counter + 1;
	/* too old: more than the window behind the greatest seen */
	if (r->next > WGC_COUNTER_WINDOW_SIZE && n < r->next - WGC_COUNTER_WINDOW_SIZE)
		return false;
	block = n / BLOCK_BITS;
	if (n > r->next) {
		uint64_t current = r->next / BLOCK_BITS;
		uint64_t steps = block - current;

		if (steps > BLOCKS)
			steps = BLOCKS;
		for (uint64_t i = 1; i <= steps; i++)
			r->bitmap[(current + i) & (BLOCKS - 1)] = 0;
		r->next = n;
	}
	bit = 1ULL << (n % BLOCK_BITS);
	block &= BLOCKS - 1;
	if (r->bitmap[block] & bit)
		return false;
	r->bitmap[block] |= bit;
	return true;
}

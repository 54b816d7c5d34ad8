/* SPDX-License-Identifier: MIT */
/*
 * Per-source token buckets for handshake work under load: each source
 * address (an IPv4 address, or the /64 of an IPv6 one, since a host holds a
 * whole /64) may cost us WGC_RATELIMIT_PER_SECOND handshakes a second with
 * bursts of WGC_RATELIMIT_BURST. Time comes in as milliseconds; entries idle
 * for a second are forgotten, and the table has a hard size limit so a flood
 * from many addresses cannot grow it without bound.
 */
#ifndef WGC_RATELIMITER_H
#define WGC_RATELIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
	WGC_RATELIMIT_PER_SECOND = 20,
	WGC_RATELIMIT_BURST = 5,
	WGC_RATELIMIT_MAX_ENTRIES = 1 << 16,
};

struct wgc_ratelimit_entry;

struct wgc_ratelimiter {
	struct wgc_ratelimit_entry **buckets;
	size_t n_buckets;
	size_t count;
	uint64_t last_gc_ms;
	uint64_t seed[2];
};

int wgc_ratelimiter_init(struct wgc_ratelimiter *rl);
void wgc_ratelimiter_free(struct wgc_ratelimiter *rl);
/* True when the source may have one more handshake processed now. */
bool wgc_ratelimiter_allow(struct wgc_ratelimiter *rl, const struct sockaddr *src, uint64_t now_ms);

#endif

// SPDX-License-Identifier: MIT
/* Named drop and event counters; the recent sources of rejected handshakes. */
#include "counters.h"

#include <string.h>

#define WGC_COUNTER_NAME(e, name) name,
static const char *const device_names[] = { WGC_DEVICE_COUNTERS(WGC_COUNTER_NAME) };
static const char *const peer_names[] = { WGC_PEER_COUNTERS(WGC_COUNTER_NAME) };
#undef WGC_COUNTER_NAME

const char *wgc_device_counter_name(enum wgc_device_counter c)
{
	return (unsigned)c < WGC_DEVICE_COUNTER_COUNT ? device_names[c] : NULL;
}

const char *wgc_peer_counter_name(enum wgc_peer_counter c)
{
	return (unsigned)c < WGC_PEER_COUNTER_COUNT ? peer_names[c] : NULL;
}

void wgc_device_counters_init(struct wgc_device_counters *c)
{
	memset(c, 0, sizeof(*c));
	atomic_flag_clear(&c->sources_lock);
}

/* A spin lock: held for a copy of one address, never across anything that blocks. */
static void sources_lock(struct wgc_device_counters *c)
{
	while (atomic_flag_test_and_set_explicit(&c->sources_lock, memory_order_acquire))
		;
}

static void sources_unlock(struct wgc_device_counters *c)
{
	atomic_flag_clear_explicit(&c->sources_lock, memory_order_release);
}

/*
 * Records src as the most recent source of reason k. A source already
 * listed moves to the front instead of taking a second slot, so one client
 * retrying with a wrong key cannot push every other source out (the list
 * is for telling which clients misbehave). Call with sources_lock held.
 */
static void remember_source(struct wgc_device_counters *c, unsigned k, const struct sockaddr *src)
{
	union wgc_sockaddr list[WGC_REJECTED_SOURCES_PER_REASON], add;
	unsigned i, n = 0;

	memset(&add, 0, sizeof(add));
	memcpy(&add, src, src->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	for (i = 0; i < c->sources_n[k]; i++) {
		const union wgc_sockaddr *e = &c->sources[k][(c->sources_head[k] + i) % WGC_REJECTED_SOURCES_PER_REASON];

		if (memcmp(e, &add, sizeof(add)))
			list[n++] = *e;
	}
	if (n == WGC_REJECTED_SOURCES_PER_REASON) {
		/* full: the oldest goes */
		memmove(list, list + 1, (n - 1) * sizeof(list[0]));
		n--;
	}
	list[n++] = add;
	memcpy(c->sources[k], list, n * sizeof(list[0]));
	c->sources_head[k] = 0;
	c->sources_n[k] = (unsigned char)n;
}

void wgc_counters_reject(struct wgc_device_counters *c, wgc_drop_reason r, const struct sockaddr *src)
{
	if ((unsigned)r >= WGC_DEVICE_COUNTER_COUNT)
		return;
	wgc_counters_add(c, r, 1);
	if (!wgc_drop_is_handshake(r) || !src || (src->sa_family != AF_INET && src->sa_family != AF_INET6))
		return;
	sources_lock(c);
	remember_source(c, r - WGC_DEV_REJECTED_INVALID_LENGTH, src);
	sources_unlock(c);
}

unsigned wgc_counters_rejected_sources(struct wgc_device_counters *c, wgc_drop_reason r,
				       union wgc_sockaddr out[WGC_REJECTED_SOURCES_PER_REASON])
{
	unsigned k, i, n;

	if (!wgc_drop_is_handshake(r))
		return 0;
	k = r - WGC_DEV_REJECTED_INVALID_LENGTH;
	sources_lock(c);
	n = c->sources_n[k];
	for (i = 0; i < n; i++) {
		unsigned slot = (c->sources_head[k] + n - 1 - i) % WGC_REJECTED_SOURCES_PER_REASON;
		out[i] = c->sources[k][slot];
	}
	sources_unlock(c);
	return n;
}

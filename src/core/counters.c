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

void wgc_counters_reject(struct wgc_device_counters *c, wgc_drop_reason r, const struct sockaddr *src)
{
	unsigned k, slot;

	if ((unsigned)r >= WGC_DEVICE_COUNTER_COUNT)
		return;
	wgc_counters_add(c, r, 1);
	if (!wgc_drop_is_handshake(r) || !src || (src->sa_family != AF_INET && src->sa_family != AF_INET6))
		return;
	k = r - WGC_DEV_REJECTED_INVALID_LENGTH;
	sources_lock(c);
	slot = (c->sources_head[k] + c->sources_n[k]) % WGC_REJECTED_SOURCES_PER_REASON;
	if (c->sources_n[k] == WGC_REJECTED_SOURCES_PER_REASON) {
		/* full: the oldest goes */
		slot = c->sources_head[k];
		c->sources_head[k] = (unsigned char)((slot + 1) % WGC_REJECTED_SOURCES_PER_REASON);
	} else {
		c->sources_n[k]++;
	}
	memset(&c->sources[k][slot], 0, sizeof(c->sources[k][slot]));
	memcpy(&c->sources[k][slot], src,
	       src->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
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

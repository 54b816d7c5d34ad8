// SPDX-License-Identifier: MIT
#include "ratelimiter.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

/* Tokens are counted in microseconds of allowance, as the kernel counts nanoseconds. */
enum { PACKET_COST_US = 1000000 / WGC_RATELIMIT_PER_SECOND };
#define TOKEN_MAX_US ((uint64_t)PACKET_COST_US * WGC_RATELIMIT_BURST)

struct wgc_ratelimit_entry {
	struct wgc_ratelimit_entry *next;
	uint64_t last_ms;
	uint64_t tokens_us;
	uint8_t family;
	uint8_t key[8]; /* IPv4 address, or the IPv6 /64 */
};

enum { BUCKETS = 4096, GC_INTERVAL_MS = 1000 };

int wgc_ratelimiter_init(struct wgc_ratelimiter *rl)
{
	memset(rl, 0, sizeof(*rl));
	rl->buckets = calloc(BUCKETS, sizeof(*rl->buckets));
	if (!rl->buckets)
		return -ENOMEM;
	rl->n_buckets = BUCKETS;
	wgc_random_bytes(rl->seed, sizeof(rl->seed));
	return 0;
}

void wgc_ratelimiter_free(struct wgc_ratelimiter *rl)
{
	size_t i;

	for (i = 0; i < rl->n_buckets; i++) {
		struct wgc_ratelimit_entry *e = rl->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(rl->buckets);
	memset(rl, 0, sizeof(*rl));
}

/* A keyed hash, so that a flood cannot aim every source at one chain. */
static size_t bucket_of(const struct wgc_ratelimiter *rl, uint8_t family, const uint8_t key[8])
{
	uint64_t h = rl->seed[0] ^ family, k;

	memcpy(&k, key, sizeof(k));
	h ^= k;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 31;
	h += rl->seed[1];
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	return (size_t)h & (rl->n_buckets - 1);
}

static void collect_garbage(struct wgc_ratelimiter *rl, uint64_t now_ms)
{
	size_t i;

	for (i = 0; i < rl->n_buckets; i++) {
		struct wgc_ratelimit_entry **pp = &rl->buckets[i];
		while (*pp) {
			struct wgc_ratelimit_entry *e = *pp;
			/* idle for a second: its bucket is full again, so forgetting it changes nothing */
			if (now_ms - e->last_ms >= 1000) {
				*pp = e->next;
				free(e);
				rl->count--;
			} else {
				pp = &e->next;
			}
		}
	}
	rl->last_gc_ms = now_ms;
}

static bool source_key(const struct sockaddr *src, uint8_t *family, uint8_t key[8])
{
	memset(key, 0, 8);
	if (src->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)src)->sin_addr, 4);
		*family = 4;
		return true;
	}
	if (src->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)src)->sin6_addr, 8);
		*family = 6;
		return true;
	}
	return false;
}

bool wgc_ratelimiter_allow(struct wgc_ratelimiter *rl, const struct sockaddr *src, uint64_t now_ms)
{
	struct wgc_ratelimit_entry *e;
	uint8_t family, key[8];
	size_t b;

	if (!source_key(src, &family, key))
		return false;
	if (now_ms - rl->last_gc_ms >= GC_INTERVAL_MS)
		collect_garbage(rl, now_ms);
	b = bucket_of(rl, family, key);
	for (e = rl->buckets[b]; e; e = e->next) {
		if (e->family == family && !memcmp(e->key, key, sizeof(key))) {
			uint64_t tokens = e->tokens_us + (now_ms - e->last_ms) * 1000;
			if (tokens > TOKEN_MAX_US)
				tokens = TOKEN_MAX_US;
			e->last_ms = now_ms;
			if (tokens < PACKET_COST_US) {
				e->tokens_us = tokens;
				return false;
			}
			e->tokens_us = tokens - PACKET_COST_US;
			return true;
		}
	}
	/* a full table refuses new sources rather than growing: memory stays bounded */
	if (rl->count >= WGC_RATELIMIT_MAX_ENTRIES)
		return false;
	e = calloc(1, sizeof(*e));
	if (!e)
		return false;
	e->family = family;
	memcpy(e->key, key, sizeof(key));
	e->last_ms = now_ms;
	e->tokens_us = TOKEN_MAX_US - PACKET_COST_US;
	e->next = rl->buckets[b];
	rl->buckets[b] = e;
	rl->count++;
	return true;
}

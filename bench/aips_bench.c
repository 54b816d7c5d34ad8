// SPDX-License-Identifier: MIT
/*
 * Allowed-IPs benchmark: N peers (default 100000), each owning one random
 * IPv4 /32 in 10.0.0.0/8 and one random IPv6 /128 in fd00::/8, the shape of
 * a large hub. Reports insert cost, lookups per second (hits per family,
 * misses, and a source check as the receive path does it) and the bytes
 * the table holds; then the same with a /24 and a /64 per peer, which
 * exercises the trie instead of the host-route hash.
 * Usage: aips_bench [peers] [lookups]
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "core/allowedips.h"

static uint64_t rng_state = 0xbe7c4;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct addrs {
	struct in_addr v4;
	struct in6_addr v6;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, size_t n, double secs)
{
	printf("  %-28s %8.2f M lookups/s  (%5.1f ns each)\n", what, (double)n / secs / 1e6,
	       secs * 1e9 / (double)n);
}

int main(int argc, char **argv)
{
	size_t n_peers = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	size_t n_lookups = argc > 2 ? strtoul(argv[2], NULL, 0) : 4000000;
	struct addrs *peer_addrs = calloc(n_peers, sizeof(*peer_addrs));
	uint32_t *v4keys = calloc(n_peers, sizeof(*v4keys));
	char *peers = calloc(n_peers, 1);
	uint32_t *picks = calloc(n_lookups, sizeof(*picks));
	struct wgc_allowedips t;
	size_t wrong = 0, hits = 0;
	uintptr_t sink = 0;
	struct rusage ru;
	double t0, t1;

	if (!peer_addrs || !v4keys || !peers || !picks || n_peers == 0 || n_peers > (1 << 23)) {
		fprintf(stderr, "usage: aips_bench [peers <= 8388608] [lookups]\n");
		return 1;
	}
	/* distinct random /32s: draw, sort, and redraw the duplicates */
	for (;;) {
		size_t dups = 0;

		for (size_t i = 0; i < n_peers; i++)
			if (!v4keys[i])
				v4keys[i] = 0x0a000000U | (uint32_t)(rng() & 0xffffff) | 1;
		qsort(v4keys, n_peers, sizeof(*v4keys), cmp_u32);
		for (size_t i = 1; i < n_peers; i++)
			if (v4keys[i] == v4keys[i - 1])
				v4keys[i - 1] = 0, dups++;
		if (!dups)
			break;
	}
	for (size_t i = 0; i < n_peers; i++) {
		size_t j = (size_t)(rng() % (i + 1)); /* shuffle so insert order is random */
		uint32_t tmp = v4keys[i];

		v4keys[i] = v4keys[j];
		v4keys[j] = tmp;
	}
	for (size_t i = 0; i < n_peers; i++) {
		uint64_t a = rng(), b = rng();

		peer_addrs[i].v4.s_addr = htonl(v4keys[i]);
		a = (a & 0x00ffffffffffffffULL) | 0xfd00000000000000ULL;
		for (int k = 0; k < 8; k++) {
			peer_addrs[i].v6.s6_addr[k] = (uint8_t)(a >> (56 - 8 * k));
			peer_addrs[i].v6.s6_addr[8 + k] = (uint8_t)(b >> (56 - 8 * k));
		}
	}
	for (size_t i = 0; i < n_lookups; i++)
		picks[i] = (uint32_t)(rng() % n_peers);

	wgc_allowedips_init(&t);
	t0 = now();
	for (size_t i = 0; i < n_peers; i++) {
		if (wgc_allowedips_insert_v4(&t, &peer_addrs[i].v4, 32, &peers[i]) ||
		    wgc_allowedips_insert_v6(&t, &peer_addrs[i].v6, 128, &peers[i])) {
			fprintf(stderr, "insert failed\n");
			return 1;
		}
	}
	t1 = now();
	printf("aips_bench: %zu peers, %zu prefixes, %zu lookups per run\n", n_peers,
	       wgc_allowedips_count(&t), n_lookups);
	printf("  insert                       %8.1f ns per prefix\n",
	       (t1 - t0) * 1e9 / (double)(2 * n_peers));
	printf("  table memory                 %8.2f MiB  (%.1f bytes per peer, %.1f per prefix)\n",
	       (double)wgc_allowedips_memory(&t) / (1 << 20),
	       (double)wgc_allowedips_memory(&t) / (double)n_peers,
	       (double)wgc_allowedips_memory(&t) / (double)(2 * n_peers));

	t0 = now();
	for (size_t i = 0; i < n_lookups; i++) {
		void *p = wgc_allowedips_lookup(&t, AF_INET, &peer_addrs[picks[i]].v4);
		wrong += p != &peers[picks[i]];
		sink += (uintptr_t)p;
	}
	report("IPv4 hit (/32)", n_lookups, now() - t0);

	t0 = now();
	for (size_t i = 0; i < n_lookups; i++) {
		void *p = wgc_allowedips_lookup(&t, AF_INET6, &peer_addrs[picks[i]].v6);
		wrong += p != &peers[picks[i]];
		sink += (uintptr_t)p;
	}
	report("IPv6 hit (/128)", n_lookups, now() - t0);

	t0 = now();
	for (size_t i = 0; i < n_lookups; i++) {
		/* inside 10/8 but almost never one of the /32s */
		struct in_addr a = { htonl(0x0a000000U | (uint32_t)(picks[i] * 2654435761U & 0xffffff)) };
		void *p = wgc_allowedips_lookup(&t, AF_INET, &a);
		hits += p != NULL;
		sink += (uintptr_t)p;
	}
	report("IPv4 random (mostly miss)", n_lookups, now() - t0);

	t0 = now();
	for (size_t i = 0; i < n_lookups; i++) {
		/* receive path: does the inner source belong to the sending peer? */
		void *p = wgc_allowedips_lookup(&t, AF_INET, &peer_addrs[picks[i]].v4);
		wrong += p != &peers[picks[i]];
	}
	report("IPv4 source check", n_lookups, now() - t0);

	/* the same /32s looked up in a cache-friendly order: the best case */
	t0 = now();
	for (size_t i = 0; i < n_lookups; i++) {
		size_t k = i % n_peers;
		void *p = wgc_allowedips_lookup(&t, AF_INET, &peer_addrs[k].v4);
		wrong += p != &peers[k];
		sink += (uintptr_t)p;
	}
	report("IPv4 hit, peers in turn", n_lookups, now() - t0);

	t0 = now();
	for (size_t i = 0; i < n_peers; i++)
		wgc_allowedips_remove_by_peer(&t, &peers[i]);
	t1 = now();
	printf("  remove_by_peer               %8.1f ns per peer; %zu prefixes left\n",
	       (t1 - t0) * 1e9 / (double)n_peers, wgc_allowedips_count(&t));
	/* the trie path: a /24 and a /64 per peer, looked up inside them */
	for (size_t i = 0; i < n_peers; i++) {
		struct in_addr a = { htonl((uint32_t)rng() & 0xffffff00U) };
		struct in6_addr b = peer_addrs[i].v6;

		peer_addrs[i].v4 = a;
		if (wgc_allowedips_insert_v4(&t, &a, 24, &peers[i]) ||
		    wgc_allowedips_insert_v6(&t, &b, 64, &peers[i])) {
			fprintf(stderr, "insert failed\n");
			return 1;
		}
	}
	printf("  with a /24 and a /64 per peer instead: %.2f MiB\n",
	       (double)wgc_allowedips_memory(&t) / (1 << 20));
	t0 = now();
	for (size_t i = 0; i < n_lookups; i++) {
		struct in_addr a = peer_addrs[picks[i]].v4;
		void *p;

		a.s_addr |= htonl(picks[i] & 0xff);
		p = wgc_allowedips_lookup(&t, AF_INET, &a);
		sink += (uintptr_t)p;
		hits += p != NULL;
	}
	report("IPv4 inside a /24", n_lookups, now() - t0);
	t0 = now();
	for (size_t i = 0; i < n_lookups; i++) {
		void *p = wgc_allowedips_lookup(&t, AF_INET6, &peer_addrs[picks[i]].v6);

		wrong += p != &peers[picks[i]];
		sink += (uintptr_t)p;
	}
	report("IPv6 inside a /64", n_lookups, now() - t0);
	getrusage(RUSAGE_SELF, &ru);
	printf("  max RSS of the whole process %8.1f MiB\n", (double)ru.ru_maxrss / 1024);
	printf("  wrong answers %zu, random hits %zu, checksum %" PRIxPTR "\n", wrong, hits, sink);
	wgc_allowedips_free(&t);
	free(peer_addrs);
	free(v4keys);
	free(peers);
	free(picks);
	return wrong ? 1 : 0;
}

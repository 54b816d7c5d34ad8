// SPDX-License-Identifier: MIT
/*
 * Allowed-IPs trie tests: hand-written routing cases, then a long random
 * run against a deliberately naive model (a flat array scanned for the
 * longest match), compared after every operation. Set WGC_TEST_QUICK to cut
 * the random run to a tenth (for sanitizer builds), WGC_TEST_SEED to replay
 * a failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/allowedips.h"
#include "harness.h"

static char peer_objs[16];
#define P(i) ((void *)&peer_objs[i])

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static int ins4(struct wgc_allowedips *t, const char *s, uint8_t cidr, void *peer)
{
	struct in_addr a = ip4(s);
	return wgc_allowedips_insert_v4(t, &a, cidr, peer);
}

static int ins6(struct wgc_allowedips *t, const char *s, uint8_t cidr, void *peer)
{
	struct in6_addr a = ip6(s);
	return wgc_allowedips_insert_v6(t, &a, cidr, peer);
}

static int rm4(struct wgc_allowedips *t, const char *s, uint8_t cidr, void *peer)
{
	struct in_addr a = ip4(s);
	return wgc_allowedips_remove_v4(t, &a, cidr, peer);
}

static int rm6(struct wgc_allowedips *t, const char *s, uint8_t cidr, void *peer)
{
	struct in6_addr a = ip6(s);
	return wgc_allowedips_remove_v6(t, &a, cidr, peer);
}

static void *get4(const struct wgc_allowedips *t, const char *s)
{
	struct in_addr a = ip4(s);
	return wgc_allowedips_lookup(t, AF_INET, &a);
}

static void *get6(const struct wgc_allowedips *t, const char *s)
{
	struct in6_addr a = ip6(s);
	return wgc_allowedips_lookup(t, AF_INET6, &a);
}

/* Collects a walk as text, "a.b.c.d/n a::b/n ...", for easy comparison. */
struct text {
	char buf[4096];
	size_t len;
	int calls, stop_after;
};

static int collect(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct text *tx = ctx;
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, s, sizeof(s));
	tx->len += (size_t)snprintf(tx->buf + tx->len, sizeof(tx->buf) - tx->len, "%s%s/%u",
				    tx->len ? " " : "", s, cidr);
	if (tx->len >= sizeof(tx->buf))
		tx->len = sizeof(tx->buf) - 1;
	return ++tx->calls == tx->stop_after ? 77 : 0;
}

static bool walk_is(const struct wgc_allowedips *t, void *peer, const char *want)
{
	struct text tx = { .len = 0 };

	tx.buf[0] = 0;
	if (wgc_allowedips_walk_by_peer(t, peer, collect, &tx) != 0)
		return false;
	if (strcmp(tx.buf, want)) {
		fprintf(stderr, "walk: got \"%s\" want \"%s\"\n", tx.buf, want);
		return false;
	}
	return true;
}

static void test_overlapping_v4(void)
{
	struct wgc_allowedips t;

	wgc_allowedips_init(&t);
	CHECK(ins4(&t, "10.0.0.0", 8, P(0)) == 0);
	CHECK(ins4(&t, "10.1.0.0", 16, P(1)) == 0);
	CHECK(ins4(&t, "10.1.2.3", 32, P(2)) == 0);
	CHECK(ins4(&t, "10.1.2.0", 24, P(3)) == 0);
	CHECK(ins4(&t, "10.128.0.0", 9, P(4)) == 0);
	CHECK(get4(&t, "10.1.2.3") == P(2));
	CHECK(get4(&t, "10.1.2.4") == P(3));
	CHECK(get4(&t, "10.1.3.4") == P(1));
	CHECK(get4(&t, "10.2.0.0") == P(0));
	CHECK(get4(&t, "10.127.255.255") == P(0));
	CHECK(get4(&t, "10.128.0.0") == P(4));
	CHECK(get4(&t, "10.255.255.255") == P(4));
	CHECK(get4(&t, "11.0.0.0") == NULL);
	CHECK(get4(&t, "9.255.255.255") == NULL);
	CHECK(get6(&t, "a01:203::") == NULL);
	CHECK(wgc_allowedips_count(&t) == 5);
	CHECK(wgc_allowedips_selfcheck(&t));

	/* removing a middle prefix exposes the shorter one beneath */
	CHECK(rm4(&t, "10.1.2.0", 24, P(3)) == 0);
	CHECK(get4(&t, "10.1.2.4") == P(1));
	CHECK(get4(&t, "10.1.2.3") == P(2));
	CHECK(rm4(&t, "10.0.0.0", 8, P(0)) == 0);
	CHECK(get4(&t, "10.2.0.0") == NULL);
	CHECK(get4(&t, "10.1.9.9") == P(1));
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

/* Cases in the spirit of the Linux module's own trie self-test. */
static void test_mixed_table(void)
{
	struct wgc_allowedips t;

	wgc_allowedips_init(&t);
	CHECK(ins4(&t, "192.168.4.0", 24, P(0)) == 0);
	CHECK(ins4(&t, "192.168.4.4", 32, P(1)) == 0);
	CHECK(ins4(&t, "192.168.0.0", 16, P(2)) == 0);
	CHECK(ins4(&t, "192.95.5.64", 27, P(3)) == 0);
	CHECK(ins4(&t, "192.95.5.65", 32, P(2)) == 0); /* one peer, disjoint prefixes */
	CHECK(ins6(&t, "2607:5300:60:6b0::c05f:543", 128, P(3)) == 0);
	CHECK(ins6(&t, "2001:db8::", 32, P(4)) == 0);
	CHECK(ins6(&t, "2001:db8:1::", 48, P(5)) == 0);
	CHECK(ins6(&t, "2001:db8:1:2::", 63, P(6)) == 0);
	CHECK(ins6(&t, "2001:db8:1:2::", 64, P(7)) == 0);
	CHECK(ins6(&t, "2001:db8:1:2:8000::", 65, P(8)) == 0);
	CHECK(ins4(&t, "10.0.0.0", 25, P(5)) == 0);
	CHECK(ins4(&t, "10.0.0.128", 25, P(6)) == 0);

	CHECK(get4(&t, "192.168.4.20") == P(0));
	CHECK(get4(&t, "192.168.4.0") == P(0));
	CHECK(get4(&t, "192.168.4.4") == P(1));
	CHECK(get4(&t, "192.168.200.182") == P(2));
	CHECK(get4(&t, "192.95.5.68") == P(3));
	CHECK(get4(&t, "192.95.5.65") == P(2));
	CHECK(get4(&t, "192.95.5.96") == NULL);
	CHECK(get4(&t, "10.0.0.127") == P(5));
	CHECK(get4(&t, "10.0.0.128") == P(6));
	CHECK(get4(&t, "10.0.1.0") == NULL);
	CHECK(get6(&t, "2607:5300:60:6b0::c05f:543") == P(3));
	CHECK(get6(&t, "2607:5300:60:6b0::c05f:544") == NULL);
	CHECK(get6(&t, "2001:db8:ffff::1") == P(4));
	CHECK(get6(&t, "2001:db8:1:ffff::1") == P(5));
	CHECK(get6(&t, "2001:db8:1:3::1") == P(6));      /* inside /63, outside /64 */
	CHECK(get6(&t, "2001:db8:1:2::1") == P(7));      /* bit 64 clear */
	CHECK(get6(&t, "2001:db8:1:2:8000::1") == P(8)); /* bit 64 set */
	CHECK(get6(&t, "2001:db9::") == NULL);
	CHECK(walk_is(&t, P(2), "192.95.5.65/32 192.168.0.0/16"));
	CHECK(walk_is(&t, P(3), "192.95.5.64/27 2607:5300:60:6b0::c05f:543/128"));
	CHECK(wgc_allowedips_selfcheck(&t));

	/* /128 and /32 exact ends, both neighbours */
	CHECK(ins6(&t, "::", 128, P(9)) == 0);
	CHECK(ins6(&t, "::1", 128, P(10)) == 0);
	CHECK(get6(&t, "::") == P(9));
	CHECK(get6(&t, "::1") == P(10));
	CHECK(get6(&t, "::2") == NULL);
	CHECK(ins4(&t, "255.255.255.255", 32, P(9)) == 0);
	CHECK(get4(&t, "255.255.255.255") == P(9));
	CHECK(get4(&t, "255.255.255.254") == NULL);
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

static void test_default_routes(void)
{
	struct wgc_allowedips t;

	wgc_allowedips_init(&t);
	CHECK(ins4(&t, "1.2.3.4", 0, P(0)) == 0); /* host bits of a /0 are all ignored */
	CHECK(get4(&t, "0.0.0.0") == P(0));
	CHECK(get4(&t, "255.255.255.255") == P(0));
	CHECK(get6(&t, "::") == NULL);
	CHECK(ins6(&t, "::", 0, P(1)) == 0);
	CHECK(ins4(&t, "192.168.0.0", 16, P(2)) == 0);
	CHECK(ins6(&t, "fd00::", 8, P(3)) == 0);
	CHECK(get4(&t, "192.168.1.1") == P(2));
	CHECK(get4(&t, "192.169.1.1") == P(0));
	CHECK(get6(&t, "fd12::1") == P(3));
	CHECK(get6(&t, "fe80::1") == P(1));
	CHECK(walk_is(&t, P(0), "0.0.0.0/0"));
	/* replacing the default route */
	CHECK(ins4(&t, "0.0.0.0", 0, P(4)) == 0);
	CHECK(get4(&t, "8.8.8.8") == P(4));
	CHECK(walk_is(&t, P(0), ""));
	CHECK(rm4(&t, "0.0.0.0", 0, P(4)) == 0);
	CHECK(get4(&t, "8.8.8.8") == NULL);
	CHECK(get4(&t, "192.168.1.1") == P(2));
	CHECK(wgc_allowedips_count(&t) == 3);
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

static void test_families_independent(void)
{
	struct wgc_allowedips t;

	wgc_allowedips_init(&t);
	/* the same leading bytes in both families */
	CHECK(ins4(&t, "10.0.0.0", 8, P(0)) == 0);
	CHECK(ins6(&t, "a00::", 8, P(1)) == 0);
	CHECK(get4(&t, "10.1.1.1") == P(0));
	CHECK(get6(&t, "a01:101::") == P(1));
	CHECK(get6(&t, "::ffff:10.1.1.1") == NULL); /* mapped addresses are v6 */
	CHECK(rm4(&t, "10.0.0.0", 8, P(1)) == -ENOENT);
	CHECK(rm6(&t, "a00::", 8, P(0)) == -ENOENT);
	CHECK(rm4(&t, "10.0.0.0", 8, P(0)) == 0);
	CHECK(get4(&t, "10.1.1.1") == NULL);
	CHECK(get6(&t, "a01:101::") == P(1));
	CHECK(wgc_allowedips_lookup(&t, AF_UNIX, "\x0a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0") == NULL);
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

static void test_host_bits_masked(void)
{
	struct wgc_allowedips t;

	wgc_allowedips_init(&t);
	CHECK(ins4(&t, "10.1.2.3", 8, P(0)) == 0);
	CHECK(ins6(&t, "2001:db8:1:2:3:4:5:6", 64, P(0)) == 0);
	CHECK(ins6(&t, "2001:db8:1:2:3:4:5:6", 67, P(0)) == 0);
	CHECK(walk_is(&t, P(0), "10.0.0.0/8 2001:db8:1:2::/64 2001:db8:1:2::/67"));
	CHECK(get4(&t, "10.200.0.1") == P(0));
	CHECK(get6(&t, "2001:db8:1:2:ffff::") == P(0));
	/* the same prefix spelled with other host bits is the same prefix */
	CHECK(ins4(&t, "10.9.9.9", 8, P(1)) == 0);
	CHECK(wgc_allowedips_count(&t) == 3);
	CHECK(get4(&t, "10.0.0.0") == P(1));
	CHECK(rm4(&t, "10.255.255.255", 8, P(1)) == 0);
	CHECK(rm6(&t, "2001:db8:1:2:1fff::", 67, P(0)) == 0);
	CHECK(walk_is(&t, P(0), "2001:db8:1:2::/64"));
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

static void test_reassign(void)
{
	struct wgc_allowedips t;

	wgc_allowedips_init(&t);
	CHECK(ins4(&t, "172.16.0.0", 12, P(0)) == 0);
	CHECK(ins4(&t, "172.16.5.0", 24, P(0)) == 0);
	CHECK(ins4(&t, "172.16.5.0", 24, P(1)) == 0);
	CHECK(get4(&t, "172.16.5.1") == P(1));
	CHECK(get4(&t, "172.16.6.1") == P(0));
	CHECK(walk_is(&t, P(0), "172.16.0.0/12"));
	CHECK(walk_is(&t, P(1), "172.16.5.0/24"));
	CHECK(ins4(&t, "172.16.5.0", 24, P(1)) == 0); /* same owner again: nothing changes */
	CHECK(wgc_allowedips_count(&t) == 2);
	/* the old owner can no longer remove it */
	CHECK(rm4(&t, "172.16.5.0", 24, P(0)) == -ENOENT);
	CHECK(get4(&t, "172.16.5.1") == P(1));
	/* a peer that loses its only prefix is forgotten */
	CHECK(ins4(&t, "172.16.0.0", 12, P(1)) == 0);
	CHECK(walk_is(&t, P(0), ""));
	CHECK(walk_is(&t, P(1), "172.16.0.0/12 172.16.5.0/24"));
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

static void test_remove_by_owner(void)
{
	struct wgc_allowedips t;

	wgc_allowedips_init(&t);
	CHECK(ins6(&t, "fd00::", 64, P(0)) == 0);
	CHECK(ins6(&t, "fd00::1", 128, P(1)) == 0);
	CHECK(rm6(&t, "fd00::1", 128, P(0)) == -ENOENT);
	CHECK(rm6(&t, "fd00::", 64, P(1)) == -ENOENT);
	CHECK(rm6(&t, "fd00::", 63, P(0)) == -ENOENT); /* not an exact prefix in the table */
	CHECK(rm6(&t, "fd00::", 65, P(0)) == -ENOENT);
	CHECK(rm6(&t, "fd00::2", 128, P(1)) == -ENOENT);
	CHECK(get6(&t, "fd00::1") == P(1));
	CHECK(rm6(&t, "fd00::1", 128, P(1)) == 0);
	CHECK(get6(&t, "fd00::1") == P(0));
	CHECK(rm6(&t, "fd00::1", 128, P(1)) == -ENOENT);
	CHECK(rm6(&t, "fd00::", 64, P(0)) == 0);
	CHECK(get6(&t, "fd00::1") == NULL);
	CHECK(wgc_allowedips_count(&t) == 0);
	CHECK(rm6(&t, "fd00::", 64, P(0)) == -ENOENT);
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

static void test_remove_by_peer(void)
{
	struct wgc_allowedips t;

	wgc_allowedips_init(&t);
	/* interleaved so that removal must rebuild glue nodes in several places */
	CHECK(ins4(&t, "10.0.0.0", 8, P(0)) == 0);
	CHECK(ins4(&t, "10.0.0.0", 16, P(1)) == 0);
	CHECK(ins4(&t, "10.0.0.0", 24, P(0)) == 0);
	CHECK(ins4(&t, "10.0.1.0", 24, P(1)) == 0);
	CHECK(ins4(&t, "10.0.0.1", 32, P(1)) == 0);
	CHECK(ins4(&t, "10.0.0.2", 32, P(0)) == 0);
	CHECK(ins6(&t, "fd00::", 16, P(0)) == 0);
	CHECK(ins6(&t, "fd00::1", 128, P(1)) == 0);
	CHECK(ins6(&t, "fd00::2", 128, P(0)) == 0);
	CHECK(wgc_allowedips_count(&t) == 9);
	wgc_allowedips_remove_by_peer(&t, P(0));
	CHECK(wgc_allowedips_selfcheck(&t));
	CHECK(wgc_allowedips_count(&t) == 4);
	CHECK(get4(&t, "10.0.0.2") == P(1));
	CHECK(get4(&t, "10.0.0.1") == P(1));
	CHECK(get4(&t, "10.1.0.0") == NULL);
	CHECK(get6(&t, "fd00::2") == NULL);
	CHECK(get6(&t, "fd00::1") == P(1));
	CHECK(walk_is(&t, P(0), ""));
	CHECK(walk_is(&t, P(1), "10.0.0.0/16 10.0.0.1/32 10.0.1.0/24 fd00::1/128"));
	wgc_allowedips_remove_by_peer(&t, P(0)); /* twice, and unknown or NULL peers: no-ops */
	wgc_allowedips_remove_by_peer(&t, P(9));
	wgc_allowedips_remove_by_peer(&t, NULL);
	CHECK(wgc_allowedips_count(&t) == 4);
	wgc_allowedips_remove_by_peer(&t, P(1));
	CHECK(wgc_allowedips_count(&t) == 0);
	CHECK(get4(&t, "10.0.0.1") == NULL);
	CHECK(wgc_allowedips_selfcheck(&t));
	/* and the emptied table works as new */
	CHECK(ins4(&t, "10.0.0.1", 32, P(2)) == 0);
	CHECK(get4(&t, "10.0.0.1") == P(2));
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

static void test_invalid(void)
{
	struct wgc_allowedips t;
	struct in_addr a = ip4("1.2.3.4");
	struct in6_addr b = ip6("::1");

	wgc_allowedips_init(&t);
	CHECK(wgc_allowedips_insert_v4(&t, &a, 33, P(0)) == -EINVAL);
	CHECK(wgc_allowedips_insert_v6(&t, &b, 129, P(0)) == -EINVAL);
	CHECK(wgc_allowedips_insert_v6(&t, &b, 255, P(0)) == -EINVAL);
	CHECK(wgc_allowedips_insert_v4(&t, &a, 32, NULL) == -EINVAL);
	CHECK(wgc_allowedips_remove_v4(&t, &a, 33, P(0)) == -EINVAL);
	CHECK(wgc_allowedips_remove_v6(&t, &b, 129, P(0)) == -EINVAL);
	CHECK(wgc_allowedips_remove_v4(&t, &a, 32, NULL) == -ENOENT);
	CHECK(wgc_allowedips_count(&t) == 0);
	CHECK(wgc_allowedips_lookup(&t, AF_INET, &a) == NULL);
	CHECK(walk_is(&t, P(0), ""));
	CHECK(walk_is(&t, NULL, ""));
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
	wgc_allowedips_free(&t); /* freeing twice is harmless */
}

static void test_walk_order_and_stop(void)
{
	struct wgc_allowedips t;
	struct text tx = { .stop_after = 2 };
	char want[4096] = "";
	size_t len = 0;

	wgc_allowedips_init(&t);
	CHECK(ins6(&t, "fd00::", 8, P(0)) == 0);
	CHECK(ins4(&t, "10.0.0.0", 8, P(0)) == 0);
	CHECK(ins6(&t, "::", 0, P(0)) == 0);
	CHECK(ins4(&t, "10.0.0.0", 24, P(0)) == 0);
	CHECK(ins4(&t, "9.0.0.0", 32, P(0)) == 0);
	CHECK(walk_is(&t, P(0), "9.0.0.0/32 10.0.0.0/8 10.0.0.0/24 ::/0 fd00::/8"));
	CHECK(wgc_allowedips_walk_by_peer(&t, P(0), collect, &tx) == 77);
	CHECK(tx.calls == 2);

	/* more prefixes than walk's stack buffer, inserted in descending order */
	wgc_allowedips_remove_by_peer(&t, P(0));
	for (int i = 199; i >= 0; i--) {
		struct in_addr a = { htonl(0x0a000000U | (uint32_t)i << 8) };
		CHECK(wgc_allowedips_insert_v4(&t, &a, 24, P(1)) == 0);
	}
	for (int i = 0; i < 200; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s10.0.%d.0/24",
					i ? " " : "", i);
	CHECK(walk_is(&t, P(1), want));
	CHECK(wgc_allowedips_selfcheck(&t));
	wgc_allowedips_free(&t);
}

static void test_memory_accounting(void)
{
	struct wgc_allowedips t;
	size_t empty, full;

	wgc_allowedips_init(&t);
	empty = wgc_allowedips_memory(&t);
	CHECK(empty == 0);
	for (uint32_t i = 0; i < 5000; i++) {
		struct in_addr a = { htonl(0x0a000000U + i * 7919) };
		CHECK(wgc_allowedips_insert_v4(&t, &a, 32, P(i % 16)) == 0);
	}
	full = wgc_allowedips_memory(&t);
	CHECK(full > 5000 * 32 && full < 5000 * 200);
	CHECK(wgc_allowedips_count(&t) == 5000);
	for (int i = 0; i < 16; i++)
		wgc_allowedips_remove_by_peer(&t, P(i));
	CHECK(wgc_allowedips_count(&t) == 0);
	CHECK(wgc_allowedips_selfcheck(&t));
	/* freed nodes are reused, not added */
	for (uint32_t i = 0; i < 5000; i++) {
		struct in_addr a = { htonl(0x0b000000U + i * 104729) };
		CHECK(wgc_allowedips_insert_v4(&t, &a, 32, P(i % 16)) == 0);
	}
	CHECK(wgc_allowedips_memory(&t) == full);
	wgc_allowedips_free(&t);
	CHECK(wgc_allowedips_memory(&t) == 0);
}

/* ---- differential test against a naive model ---- */

enum { NPEERS = 6, MAX_ENTRIES = 8192 };

struct entry {
	int family;
	uint8_t addr[16]; /* network order, zero past cidr */
	uint8_t cidr;
	int peer;
};

static struct entry model[MAX_ENTRIES];
static size_t n_model;

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(rng() % n);
}

static void mask_bytes(uint8_t *a, unsigned bytes, unsigned cidr)
{
	for (unsigned i = 0; i < bytes; i++) {
		if (cidr >= 8 * (i + 1))
			continue;
		a[i] &= cidr <= 8 * i ? 0 : (uint8_t)(0xff << (8 - (cidr - 8 * i)));
	}
}

static bool prefix_covers(const uint8_t *prefix, unsigned cidr, const uint8_t *addr, unsigned len)
{
	uint8_t tmp[16];

	memcpy(tmp, addr, len);
	mask_bytes(tmp, len, cidr);
	return memcmp(tmp, prefix, len) == 0;
}

static unsigned addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void *model_lookup(int family, const uint8_t *addr)
{
	int best = -1, best_cidr = -1;

	for (size_t i = 0; i < n_model; i++) {
		if (model[i].family == family && model[i].cidr > best_cidr &&
		    prefix_covers(model[i].addr, model[i].cidr, addr, addr_len(family))) {
			best = model[i].peer;
			best_cidr = model[i].cidr;
		}
	}
	return best < 0 ? NULL : P(best);
}

static struct entry *model_find(int family, const uint8_t *prefix, unsigned cidr)
{
	for (size_t i = 0; i < n_model; i++)
		if (model[i].family == family && model[i].cidr == cidr &&
		    !memcmp(model[i].addr, prefix, addr_len(family)))
			return &model[i];
	return NULL;
}

static void model_delete(size_t i)
{
	model[i] = model[--n_model];
}

/* Addresses share long prefixes with a few fixed bases, so prefixes nest and overlap. */
static const uint8_t bases[6][16] = {
	{ 10, 0, 0, 0 },
	{ 10, 0, 255, 1, 0x20, 1, 0x0d, 0xb8 },
	{ 192, 168, 77, 0x80, 0xfd, 0 },
	{ 0, 0, 0, 0 },
	{ 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};

static void random_addr(int family, uint8_t *out)
{
	unsigned len = addr_len(family), bits = 8 * len;
	unsigned keep = below(bits + 1);
	uint8_t noise[16];

	memcpy(out, bases[below(6)], len);
	for (unsigned i = 0; i < len; i++)
		noise[i] = (uint8_t)rng();
	/* keep the first `keep` bits of the base, take the rest from noise */
	for (unsigned i = 0; i < len; i++) {
		uint8_t keepmask = 0xff;

		if (keep < 8 * (i + 1))
			keepmask = keep <= 8 * i ? 0 : (uint8_t)(0xff << (8 - (keep - 8 * i)));
		out[i] = (uint8_t)((out[i] & keepmask) | (noise[i] & ~keepmask));
	}
}

/* true: prefixes take only five lengths per family, so lookups go through
 * the prefix hash (at most HASHED_LENGTHS lengths) rather than the trie */
static bool few_lengths;

static unsigned random_cidr(int family)
{
	unsigned bits = 8 * addr_len(family), r = below(10);

	if (few_lengths) {
		static const unsigned v4[] = { 32, 24, 16, 1, 0 }, v6[] = { 128, 64, 63, 48, 2 };
		return family == AF_INET ? v4[below(5)] : v6[below(5)];
	}

	if (r == 0)
		return bits; /* host routes are common in practice */
	if (r == 1)
		return below(3); /* /0 .. /2 catch everything */
	if (r == 2 && family == AF_INET6)
		return 62 + below(5); /* the word boundary */
	return below(bits + 1);
}

static int tree_insert(struct wgc_allowedips *t, int family, const uint8_t *addr, unsigned cidr,
		       void *peer)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (family == AF_INET) {
		memcpy(&a4, addr, 4);
		return wgc_allowedips_insert_v4(t, &a4, (uint8_t)cidr, peer);
	}
	memcpy(&a6, addr, 16);
	return wgc_allowedips_insert_v6(t, &a6, (uint8_t)cidr, peer);
}

static int tree_remove(struct wgc_allowedips *t, int family, const uint8_t *addr, unsigned cidr,
		       void *peer)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (family == AF_INET) {
		memcpy(&a4, addr, 4);
		return wgc_allowedips_remove_v4(t, &a4, (uint8_t)cidr, peer);
	}
	memcpy(&a6, addr, 16);
	return wgc_allowedips_remove_v6(t, &a6, (uint8_t)cidr, peer);
}

struct walk_list {
	struct entry e[MAX_ENTRIES];
	size_t n;
};

static int collect_entries(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct walk_list *w = ctx;

	if (w->n == MAX_ENTRIES)
		return -1;
	w->e[w->n] = (struct entry){ .family = family, .cidr = cidr };
	memcpy(w->e[w->n].addr, addr, addr_len(family));
	w->n++;
	return 0;
}

/* Documented walk order: IPv4 first, then address, then cidr. */
static int entry_order(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	c = memcmp(a->addr, b->addr, addr_len(a->family));
	return c ? c : (int)a->cidr - (int)b->cidr;
}

static bool walks_match(const struct wgc_allowedips *t)
{
	static struct walk_list got, want;

	for (int p = 0; p <= NPEERS; p++) {
		got.n = want.n = 0;
		if (wgc_allowedips_walk_by_peer(t, P(p), collect_entries, &got) != 0)
			return false;
		for (size_t i = 0; i < n_model; i++)
			if (model[i].peer == p)
				want.e[want.n++] = model[i];
		qsort(want.e, want.n, sizeof(want.e[0]), entry_order);
		if (got.n != want.n)
			return false;
		for (size_t i = 0; i < got.n; i++)
			if (got.e[i].family != want.e[i].family || got.e[i].cidr != want.e[i].cidr ||
			    memcmp(got.e[i].addr, want.e[i].addr, addr_len(got.e[i].family)))
				return false;
	}
	return true;
}

/* One random operation on both; false (after printing why) on any disagreement. */
static bool random_op(struct wgc_allowedips *t, long op, size_t *inserted, size_t *removed)
{
	int family = below(2) ? AF_INET : AF_INET6;
	unsigned r = below(1000), cidr;
	uint8_t addr[16] = { 0 }, prefix[16];
	int peer = (int)below(NPEERS), got, want;

	if (r < 450 && n_model < MAX_ENTRIES) {
		struct entry *e;

		random_addr(family, addr);
		cidr = random_cidr(family);
		if (below(100) == 0) {
			cidr = 8 * addr_len(family) + 1 + below(3);
			if (tree_insert(t, family, addr, cidr, P(peer)) != -EINVAL) {
				fprintf(stderr, "op %ld: insert with cidr %u accepted\n", op, cidr);
				return false;
			}
			return true;
		}
		memcpy(prefix, addr, 16);
		mask_bytes(prefix, addr_len(family), cidr);
		if (tree_insert(t, family, addr, cidr, P(peer)) != 0) {
			fprintf(stderr, "op %ld: insert failed\n", op);
			return false;
		}
		e = model_find(family, prefix, cidr);
		if (e) {
			e->peer = peer;
		} else {
			model[n_model] = (struct entry){ .family = family, .cidr = (uint8_t)cidr,
							 .peer = peer };
			memcpy(model[n_model++].addr, prefix, 16);
		}
		++*inserted;
	} else if (r < 750) {
		struct entry *e = NULL;

		if (n_model && below(10) < 7) {
			/* an existing prefix, with noise in its host bits, owner or not */
			e = &model[below((unsigned)n_model)];
			family = e->family;
			cidr = e->cidr;
			random_addr(family, addr);
			for (unsigned i = 0; i < addr_len(family); i++) {
				uint8_t m = 0xff;
				if (cidr < 8 * (i + 1))
					m = cidr <= 8 * i ? 0 : (uint8_t)(0xff << (8 - (cidr - 8 * i)));
				addr[i] = (uint8_t)((e->addr[i] & m) | (addr[i] & ~m));
			}
			if (below(10) < 7)
				peer = e->peer;
		} else {
			random_addr(family, addr);
			cidr = random_cidr(family);
		}
		memcpy(prefix, addr, 16);
		mask_bytes(prefix, addr_len(family), cidr);
		e = model_find(family, prefix, cidr);
		want = e && e->peer == peer ? 0 : -ENOENT;
		if (!want) {
			model_delete((size_t)(e - model));
			++*removed;
		}
		got = tree_remove(t, family, addr, cidr, P(peer));
		if (got != want) {
			fprintf(stderr, "op %ld: remove /%u for peer %d: got %d want %d\n", op, cidr,
				peer, got, want);
			return false;
		}
	} else if (r < 754) {
		wgc_allowedips_remove_by_peer(t, P(peer));
		for (size_t i = n_model; i-- > 0;)
			if (model[i].peer == peer) {
				model_delete(i);
				++*removed;
			}
	}

	/* lookups after every operation, one per family */
	for (int f = 0; f < 2; f++) {
		int fam = f ? AF_INET6 : AF_INET;
		void *g, *w;

		if (n_model && below(3) == 0) {
			/* inside a known prefix, so deep matches are exercised */
			const struct entry *e = &model[below((unsigned)n_model)];
			fam = e->family;
			random_addr(fam, addr);
			for (unsigned i = 0; i < e->cidr / 8; i++)
				addr[i] = e->addr[i];
			if (e->cidr % 8) {
				uint8_t m = (uint8_t)(0xff << (8 - e->cidr % 8));
				unsigned i = e->cidr / 8;
				addr[i] = (uint8_t)((e->addr[i] & m) | (addr[i] & ~m));
			}
		} else {
			random_addr(fam, addr);
		}
		g = wgc_allowedips_lookup(t, fam, addr);
		w = model_lookup(fam, addr);
		if (g != w) {
			char s[INET6_ADDRSTRLEN];

			inet_ntop(fam, addr, s, sizeof(s));
			fprintf(stderr, "op %ld: lookup %s: got %p want %p\n", op, s, g, w);
			return false;
		}
	}
	if (wgc_allowedips_count(t) != n_model) {
		fprintf(stderr, "op %ld: count %zu, model %zu\n", op, wgc_allowedips_count(t),
			n_model);
		return false;
	}
	return true;
}

static void differential(void)
{
	const char *seed_env = getenv("WGC_TEST_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0xa1100ed1;
	long ops = getenv("WGC_TEST_QUICK") ? 100000 : 1000000;
	size_t inserted = 0, removed = 0, peak = 0;
	struct wgc_allowedips t;
	bool ok = true;

	rng_state = seed;
	n_model = 0;
	wgc_allowedips_init(&t);
	for (long op = 0; op < ops && ok; op++) {
		ok = random_op(&t, op, &inserted, &removed);
		if (n_model > peak)
			peak = n_model;
		if (ok && op % 1000 == 999) {
			if (!wgc_allowedips_selfcheck(&t)) {
				fprintf(stderr, "op %ld: selfcheck failed\n", op);
				ok = false;
			} else if (!walks_match(&t)) {
				fprintf(stderr, "op %ld: walk differs from model\n", op);
				ok = false;
			}
		}
		if (op % 250000 == 249999) {
			/* start over now and then, so freeing a full table is exercised too */
			wgc_allowedips_free(&t);
			n_model = 0;
		}
	}
	if (!ok)
		fprintf(stderr, "allowedips differential failed; rerun with WGC_TEST_SEED=0x%" PRIx64
				"\n", seed);
	CHECK(ok);
	printf("# allowedips differential%s: %ld ops, %zu inserts, %zu removals, peak %zu prefixes,"
	       " seed 0x%" PRIx64 "\n", few_lengths ? " (five lengths: hashed lookups)" : "", ops, inserted,
	       removed, peak, seed);
	wgc_allowedips_free(&t);
}

static void test_differential(void)
{
	few_lengths = false;
	differential();
}

static void test_differential_few_lengths(void)
{
	few_lengths = true;
	differential();
	few_lengths = false;
}

int main(void)
{
	RUN_TEST(test_overlapping_v4);
	RUN_TEST(test_mixed_table);
	RUN_TEST(test_default_routes);
	RUN_TEST(test_families_independent);
	RUN_TEST(test_host_bits_masked);
	RUN_TEST(test_reassign);
	RUN_TEST(test_remove_by_owner);
	RUN_TEST(test_remove_by_peer);
	RUN_TEST(test_invalid);
	RUN_TEST(test_walk_order_and_stop);
	RUN_TEST(test_memory_accounting);
	RUN_TEST(test_differential);
	RUN_TEST(test_differential_few_lengths);
	return harness_exit_code();
}

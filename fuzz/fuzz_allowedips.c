// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the allowed-IPs trie, driven by a byte stream of
 * operations and checked after each one against a deliberately naive model
 * (a flat list scanned for the longest match). Any disagreement aborts, so
 * the fuzzer hunts logic bugs as well as memory errors.
 *
 * Stream: an opcode byte, then its operands. Opcode low 3 bits pick the
 * operation; bits 3..5 pick the peer (0..3, 4 and up: NULL, which insert
 * must refuse). Insert/remove read a cidr byte then 4 or 16 address bytes;
 * lookups read only the address. IPv6 addresses may be "short" (opcode bit
 * 6): two bytes spread into a fixed base, so that prefixes overlap often.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/allowedips.h"

enum { MAX_ENTRIES = 512, N_PEERS = 4 };

struct entry {
	int family;
	uint8_t addr[16]; /* masked to cidr */
	uint8_t cidr;
	void *peer;
};

static char peer_objs[N_PEERS];
static struct entry model[MAX_ENTRIES];
static size_t n_model;

static void mask(uint8_t *addr, size_t len, uint8_t cidr)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned bits = cidr > 8 * i ? cidr - 8 * i : 0;
		if (bits < 8)
			addr[i] &= (uint8_t)(0xff00U >> bits);
	}
}

static bool prefix_matches(const struct entry *e, const uint8_t *addr)
{
	uint8_t tmp[16];
	size_t len = e->family == AF_INET ? 4 : 16;

	memcpy(tmp, addr, len);
	mask(tmp, len, e->cidr);
	return memcmp(tmp, e->addr, len) == 0;
}

static void *model_lookup(int family, const uint8_t *addr)
{
	const struct entry *best = NULL;
	size_t i;

	for (i = 0; i < n_model; i++)
		if (model[i].family == family && prefix_matches(&model[i], addr) &&
		    (!best || model[i].cidr > best->cidr))
			best = &model[i];
	return best ? best->peer : NULL;
}

static struct entry *model_find(int family, const uint8_t *masked, uint8_t cidr)
{
	size_t i;

	for (i = 0; i < n_model; i++)
		if (model[i].family == family && model[i].cidr == cidr &&
		    !memcmp(model[i].addr, masked, family == AF_INET ? 4 : 16))
			return &model[i];
	return NULL;
}

static void model_delete(struct entry *e)
{
	*e = model[--n_model];
}

static void *lookup(const struct wgc_allowedips *t, int family, const uint8_t *addr)
{
	return wgc_allowedips_lookup(t, family, addr);
}

/* Every prefix's own address and its neighbours just past either end must route as the model says. */
static void check_all(const struct wgc_allowedips *t)
{
	size_t i;

	if (wgc_allowedips_count(t) != n_model || !wgc_allowedips_selfcheck(t))
		abort();
	for (i = 0; i < n_model; i++) {
		const struct entry *e = &model[i];
		size_t len = e->family == AF_INET ? 4 : 16;
		uint8_t probe[16];
		unsigned bit;

		memcpy(probe, e->addr, len);
		if (lookup(t, e->family, probe) != model_lookup(e->family, probe))
			abort();
		/* the last bit inside the prefix, then the first bit past it */
		for (bit = e->cidr ? e->cidr - 1U : 0; bit <= e->cidr && bit < 8 * len; bit++) {
			memcpy(probe, e->addr, len);
			probe[bit / 8] ^= (uint8_t)(0x80U >> (bit % 8));
			if (lookup(t, e->family, probe) != model_lookup(e->family, probe))
				abort();
		}
		memcpy(probe, e->addr, len);
		memset(probe + len - 1, 0xff, 1);
		if (lookup(t, e->family, probe) != model_lookup(e->family, probe))
			abort();
	}
}

struct walk_state {
	void *peer;
	size_t seen;
	int last_family;
	uint8_t last_addr[16];
	uint8_t last_cidr;
};

static int walk_one(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct walk_state *w = ctx;
	size_t len = family == AF_INET ? 4 : 16;
	struct entry *e;
	uint8_t masked[16];

	memcpy(masked, addr, len);
	mask(masked, len, cidr);
	/* host bits zero, owned by this peer, and in the documented order */
	if (memcmp(masked, addr, len) || !(e = model_find(family, masked, cidr)) || e->peer != w->peer)
		abort();
	if (w->seen) {
		int c = family == w->last_family ? memcmp(w->last_addr, addr, len) : 0;
		if ((family == AF_INET && w->last_family == AF_INET6) ||
		    (family == w->last_family && (c > 0 || (c == 0 && w->last_cidr >= cidr))))
			abort();
	}
	w->seen++;
	w->last_family = family;
	memcpy(w->last_addr, addr, len);
	w->last_cidr = cidr;
	return 0;
}

static void check_walk(const struct wgc_allowedips *t, void *peer)
{
	struct walk_state w = { .peer = peer };
	size_t i, want = 0;

	for (i = 0; i < n_model; i++)
		want += model[i].peer == peer;
	if (wgc_allowedips_walk_by_peer(t, peer, walk_one, &w) != 0 || w.seen != want)
		abort();
}

/* Reads an address of the family; false when the stream ran out. */
static bool take_addr(const uint8_t **p, const uint8_t *end, int family, bool compact, uint8_t addr[16])
{
	static const uint8_t base6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1 };
	size_t need = family == AF_INET ? 4 : compact ? 2 : 16;

	if ((size_t)(end - *p) < need)
		return false;
	if (family == AF_INET6 && compact) {
		memcpy(addr, base6, 16);
		addr[(*p)[0] & 15] ^= (*p)[1];
	} else {
		memcpy(addr, *p, need);
	}
	*p += need;
	return true;
}

static int insert(struct wgc_allowedips *t, int family, const uint8_t *addr, uint8_t cidr, void *peer)
{
	if (family == AF_INET) {
		struct in_addr a;
		memcpy(&a, addr, 4);
		return wgc_allowedips_insert_v4(t, &a, cidr, peer);
	}
	struct in6_addr a6;
	memcpy(&a6, addr, 16);
	return wgc_allowedips_insert_v6(t, &a6, cidr, peer);
}

static int remove_one(struct wgc_allowedips *t, int family, const uint8_t *addr, uint8_t cidr, void *peer)
{
	if (family == AF_INET) {
		struct in_addr a;
		memcpy(&a, addr, 4);
		return wgc_allowedips_remove_v4(t, &a, cidr, peer);
	}
	struct in6_addr a6;
	memcpy(&a6, addr, 16);
	return wgc_allowedips_remove_v6(t, &a6, cidr, peer);
}

static void do_insert(struct wgc_allowedips *t, int family, const uint8_t *addr, uint8_t cidr, void *peer)
{
	size_t len = family == AF_INET ? 4 : 16;
	uint8_t masked[16];
	struct entry *e;
	int r = insert(t, family, addr, cidr, peer);

	if (cidr > 8 * len || !peer) {
		if (r != -EINVAL)
			abort();
		return;
	}
	if (r == -ENOMEM)
		return;
	if (r != 0)
		abort();
	memcpy(masked, addr, len);
	mask(masked, len, cidr);
	e = model_find(family, masked, cidr);
	if (!e) {
		if (n_model == MAX_ENTRIES) /* the stream is bounded far below this */
			abort();
		e = &model[n_model++];
		e->family = family;
		memset(e->addr, 0, sizeof(e->addr));
		memcpy(e->addr, masked, len);
		e->cidr = cidr;
	}
	e->peer = peer;
}

static void do_remove(struct wgc_allowedips *t, int family, const uint8_t *addr, uint8_t cidr, void *peer)
{
	size_t len = family == AF_INET ? 4 : 16;
	uint8_t masked[16];
	struct entry *e;
	int r = remove_one(t, family, addr, cidr, peer), want;

	if (cidr > 8 * len) {
		if (r != -EINVAL)
			abort();
		return;
	}
	memcpy(masked, addr, len);
	mask(masked, len, cidr);
	e = model_find(family, masked, cidr);
	want = e && e->peer == peer ? 0 : -ENOENT;
	if (r != want)
		abort();
	if (r == 0)
		model_delete(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct wgc_allowedips t;
	unsigned ops = 0;

	wgc_allowedips_init(&t);
	n_model = 0;
	while (p < end && ops++ < 256) {
		uint8_t op = *p++, cidr = 0, addr[16] = { 0 };
		unsigned pi = (op >> 3) & 7;
		void *peer = pi < N_PEERS ? &peer_objs[pi] : NULL;
		bool compact = op & 0x40;
		int family = op & 1 ? AF_INET6 : AF_INET;

		switch (op & 7) {
		case 0: case 1: /* insert */
		case 2: case 3: /* remove */
			if (p == end)
				goto out;
			cidr = *p++;
			/* mostly valid lengths; with the top bit set the raw byte, mostly -EINVAL */
			if (!(cidr & 0x80))
				cidr %= family == AF_INET ? 33 : 129;
			if (!take_addr(&p, end, family, compact, addr))
				goto out;
			if ((op & 7) < 2)
				do_insert(&t, family, addr, cidr, peer);
			else
				do_remove(&t, family, addr, cidr, peer);
			break;
		case 4: /* lookup v4 */
		case 5: /* lookup v6 */
			family = (op & 7) == 4 ? AF_INET : AF_INET6;
			if (!take_addr(&p, end, family, compact, addr))
				goto out;
			if (lookup(&t, family, addr) != model_lookup(family, addr))
				abort();
			break;
		case 6: /* remove every prefix of a peer */
			wgc_allowedips_remove_by_peer(&t, peer);
			for (size_t i = 0; i < n_model;)
				if (model[i].peer == peer)
					model_delete(&model[i]);
				else
					i++;
			break;
		case 7: /* walk, and a bogus family must find nothing */
			check_walk(&t, peer);
			if (wgc_allowedips_lookup(&t, AF_UNIX, addr))
				abort();
			break;
		}
		check_all(&t);
	}
out:
	for (unsigned i = 0; i < N_PEERS; i++)
		check_walk(&t, &peer_objs[i]);
	wgc_allowedips_free(&t);
	/* freed means empty and usable again */
	if (wgc_allowedips_count(&t) != 0)
		abort();
	return 0;
}

// SPDX-License-Identifier: MIT
/* TSO/USO splitting and TCP coalescing (offload.c), checked with an independent checksum. */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "core/checksum.h"
#include "daemon/offload.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

enum { NSLOT = 64, HEADROOM = 16, SLOTCAP = 2048, BIG = 65535 + 64 };

static uint8_t slot_mem[NSLOT][SLOTCAP];
static uint8_t *slots[NSLOT];
static size_t slot_len[NSLOT];

static void init_slots(void)
{
	for (unsigned i = 0; i < NSLOT; i++)
		slots[i] = slot_mem[i];
	memset(slot_mem, 0xee, sizeof(slot_mem));
}

/* ---- a reference implementation, written separately from offload.c ---- */

static uint32_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static size_t ip_hlen(const uint8_t *p)
{
	return p[0] >> 4 == 4 ? (size_t)(p[0] & 15) * 4 : 40;
}

static uint32_t ref_pseudo(const uint8_t *p, uint8_t proto, size_t l4len)
{
	uint32_t s = p[0] >> 4 == 4 ? ref_sum(p + 12, 8, 0) : ref_sum(p + 8, 32, 0);
	return s + proto + (uint32_t)l4len;
}

/* Whether a packet's IP header and TCP/UDP checksums are all valid. */
static bool ref_valid(const uint8_t *p, size_t len)
{
	size_t h = ip_hlen(p);
	uint8_t proto = p[0] >> 4 == 4 ? p[9] : p[6];

	if (p[0] >> 4 == 4 && (ref_fold(ref_sum(p, h, 0)) != 0xffff || rd16(p + 2) != len))
		return false;
	if (p[0] >> 4 == 6 && rd16(p + 4) + 40u != len)
		return false;
	if (proto == IPPROTO_UDP && rd16(p + h + 4) != len - h)
		return false;
	return ref_fold(ref_sum(p + h, len - h, ref_pseudo(p, proto, len - h))) == 0xffff;
}

static void ref_fix(uint8_t *p, size_t len)
{
	size_t h = ip_hlen(p);
	uint8_t proto = p[0] >> 4 == 4 ? p[9] : p[6];
	size_t off = h + (proto == IPPROTO_TCP ? 16 : 6);

	if (p[0] >> 4 == 4) {
		wr16(p + 10, 0);
		wr16(p + 10, (uint16_t)~ref_fold(ref_sum(p, h, 0)));
	}
	wr16(p + off, 0);
	wr16(p + off, (uint16_t)~ref_fold(ref_sum(p + h, len - h, ref_pseudo(p, proto, len - h))));
}

/* ---- packet builders ---- */

struct flow {
	int ver;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t src_last; /* varies the source address */
	size_t ip_opts;   /* IPv4 option bytes (NOPs) */
	size_t tcp_opts;  /* TCP option bytes (timestamp-like) */
};

static size_t build(uint8_t *b, const struct flow *f, uint32_t seq, uint8_t flags, size_t payload, uint16_t id,
		    unsigned seed)
{
	size_t h, l4h, len;

	if (f->ver == 4) {
		h = 20 + f->ip_opts;
		memset(b, 0, h);
		b[0] = (uint8_t)(0x40 | h / 4);
		wr16(b + 4, id);
		b[6] = 0x40; /* DF */
		b[8] = 64;
		b[9] = f->proto;
		b[12] = 10, b[13] = 7, b[14] = 0, b[15] = f->src_last;
		b[16] = 10, b[17] = 7, b[18] = 0, b[19] = 200;
		memset(b + 20, 1, f->ip_opts);
	} else {
		h = 40;
		memset(b, 0, h);
		b[0] = 0x60;
		b[6] = f->proto;
		b[7] = 64;
		b[8] = 0xfd, b[23] = f->src_last;
		b[24] = 0xfd, b[39] = 200;
	}
	l4h = f->proto == IPPROTO_TCP ? 20 + f->tcp_opts : 8;
	memset(b + h, 0, l4h);
	wr16(b + h, f->sport);
	wr16(b + h + 2, f->dport);
	if (f->proto == IPPROTO_TCP) {
		wr32(b + h + 4, seq);
		wr32(b + h + 8, 0x11223344);
		b[h + 12] = (uint8_t)((l4h / 4) << 4);
		b[h + 13] = flags;
		wr16(b + h + 14, 502);
		for (size_t i = 0; i < f->tcp_opts; i++)
			b[h + 20 + i] = (uint8_t)(i < 2 ? 1 : 0x40 + i);
	}
	for (size_t i = 0; i < payload; i++)
		b[h + l4h + i] = (uint8_t)(seed + i * 7 + (i >> 8));
	len = h + l4h + payload;
	if (f->ver == 4)
		wr16(b + 2, (uint16_t)len);
	else
		wr16(b + 4, (uint16_t)(len - 40));
	if (f->proto == IPPROTO_UDP)
		wr16(b + h + 4, (uint16_t)(len - h));
	ref_fix(b, len);
	return len;
}

/* The virtio header the kernel gives a GSO super-packet. */
static struct virtio_net_hdr gso_hdr(const uint8_t *p, size_t gso_size)
{
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM };
	size_t ih = ip_hlen(p);
	uint8_t proto = p[0] >> 4 == 4 ? p[9] : p[6];

	if (proto == IPPROTO_UDP)
		h.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	else
		h.gso_type = p[0] >> 4 == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	h.gso_size = (uint16_t)gso_size;
	h.csum_start = (uint16_t)ih;
	h.csum_offset = proto == IPPROTO_UDP ? 6 : 16;
	h.hdr_len = (uint16_t)(ih + (proto == IPPROTO_UDP ? 8 : (p[ih + 12] >> 4) * 4));
	return h;
}

/* ---- splitting ---- */

static uint8_t big[BIG], big2[BIG];

/* Splits a super-packet and checks every segment against the original. */
static void check_split(const struct flow *f, size_t payload, size_t gso, uint8_t flags)
{
	size_t len = build(big, f, 1000000, flags, payload, 0xfffe, 3);
	struct virtio_net_hdr h = gso_hdr(big, gso);
	size_t ih = ip_hlen(big), hl = h.hdr_len, off = hl;
	unsigned want = (unsigned)((payload + gso - 1) / gso);
	int n;

	init_slots();
	CHECK(wgc_offload_count(&h, big, len) == (int)want);
	n = wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, NSLOT);
	CHECK(n == (int)want);
	for (int k = 0; k < n; k++) {
		const uint8_t *s = slots[k] + HEADROOM;
		size_t chunk = payload - (size_t)k * gso < gso ? payload - (size_t)k * gso : gso;
		bool last = k == n - 1;

		CHECK(slots[k][HEADROOM - 1] == 0xee); /* headroom untouched */
		CHECK(slot_len[k] == hl + chunk);
		CHECK(ref_valid(s, slot_len[k]));
		CHECK_MEM(s + hl, big + off, chunk);
		off += chunk;
		if (f->ver == 4)
			CHECK(rd16(s + 4) == (uint16_t)(0xfffe + k)); /* the id wraps */
		if (f->proto == IPPROTO_TCP) {
			uint8_t fl = s[ih + 13];
			CHECK(rd32(s + ih + 4) == 1000000 + (uint32_t)k * gso);
			CHECK(!!(fl & 0x01) == (last && (flags & 0x01)));
			CHECK(!!(fl & 0x08) == (last && (flags & 0x08)));
			CHECK(!!(fl & 0x80) == (k == 0 && (flags & 0x80)));
			CHECK(fl & 0x10);
			CHECK_MEM(s + ih + 20, big + ih + 20, hl - ih - 20); /* options copied */
		}
	}
	CHECK(off == len || n < 0);
}

static void test_split_tcp4(void)
{
	struct flow f = { .ver = 4, .proto = IPPROTO_TCP, .sport = 443, .dport = 50000, .src_last = 1 };

	check_split(&f, 1380 * 3, 1380, 0x10);        /* exactly divisible */
	check_split(&f, 1380 * 3 + 17, 1380, 0x18);   /* a short last segment keeps PSH */
	check_split(&f, 900, 1380, 0x19);             /* a single segment keeps everything */
	check_split(&f, 1380 * 47, 1380, 0x98);       /* 64 KiB, CWR on the first only */
	f.tcp_opts = 12;
	f.ip_opts = 4;
	check_split(&f, 5000, 1000, 0x11);            /* options on both layers, FIN on the last */
}

static void test_split_tcp6(void)
{
	struct flow f = { .ver = 6, .proto = IPPROTO_TCP, .sport = 22, .dport = 40000, .src_last = 1, .tcp_opts = 12 };

	check_split(&f, 1368 * 2, 1368, 0x10);
	check_split(&f, 1368 * 5 + 1, 1368, 0x18);
	check_split(&f, 1, 1368, 0x18);
	check_split(&f, 65535 - 72, 1368, 0x10);
}

static void test_split_udp(void)
{
	struct flow f4 = { .ver = 4, .proto = IPPROTO_UDP, .sport = 5000, .dport = 6000, .src_last = 1 };
	struct flow f6 = { .ver = 6, .proto = IPPROTO_UDP, .sport = 5000, .dport = 6000, .src_last = 1 };

	check_split(&f4, 1400 * 4, 1400, 0);
	check_split(&f4, 1400 * 4 + 3, 1400, 0);
	check_split(&f6, 1200 * 3 - 5, 1200, 0);
}

/* Splitting into the buffer the super-packet was read into. */
static void test_split_in_place(void)
{
	struct flow f = { .ver = 4, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .src_last = 1 };
	static uint8_t first[BIG];
	uint8_t *bufs[NSLOT];
	size_t len = build(big, &f, 7, 0x18, 1300 * 10 + 5, 100, 9), lens[NSLOT];
	struct virtio_net_hdr h = gso_hdr(big, 1300);
	int n1, n2;

	init_slots();
	n1 = wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, NSLOT);
	memcpy(first + HEADROOM, big, len);
	bufs[0] = first;
	for (unsigned i = 1; i < NSLOT; i++)
		bufs[i] = slots[i - 1] + 0; /* reuse as scratch; compared against copies below */
	{
		static uint8_t ref[11][SLOTCAP];
		for (int k = 0; k < n1 && k < 11; k++)
			memcpy(ref[k], slots[k] + HEADROOM, slot_len[k]);
		n2 = wgc_offload_split(&h, first + HEADROOM, len, bufs, BIG, HEADROOM, lens, NSLOT);
		CHECK(n1 == 11 && n2 == 11);
		CHECK(lens[0] == slot_len[0] && !memcmp(first + HEADROOM, ref[0], lens[0]));
		for (int k = 1; k < n2 && k < 11; k++)
			CHECK(lens[k] == slot_len[k] && !memcmp(bufs[k] + HEADROOM, ref[k], lens[k]));
	}
}

static void test_no_gso(void)
{
	struct flow f = { .ver = 6, .proto = IPPROTO_UDP, .sport = 53, .dport = 5353, .src_last = 1 };
	struct flow t = { .ver = 4, .proto = IPPROTO_TCP, .sport = 53, .dport = 5353, .src_last = 1 };
	struct virtio_net_hdr h = { 0 };
	size_t len = build(big, &f, 0, 0, 333, 0, 1);
	uint8_t *s = slots[0] + HEADROOM;

	init_slots();
	/* no flags: a verbatim copy, even of junk */
	memcpy(big2, big, len);
	big2[0] = 0x00;
	CHECK(wgc_offload_split(&h, big2, len, slots, SLOTCAP, HEADROOM, slot_len, 1) == 1);
	CHECK(slot_len[0] == len && !memcmp(s, big2, len));
	CHECK(wgc_offload_split(&h, big2, 0, slots, SLOTCAP, HEADROOM, slot_len, 1) == 1 && slot_len[0] == 0);

	/* NEEDS_CSUM: the field holds the pseudo-header sum, the rest is ours to add */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 40;
	h.csum_offset = 6;
	wr16(big + 46, ref_fold(ref_pseudo(big, IPPROTO_UDP, len - 40)));
	CHECK(!ref_valid(big, len));
	CHECK(wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, 1) == 1);
	CHECK(slot_len[0] == len && ref_valid(s, len));
	CHECK(!memcmp(s, big, 46) && !memcmp(s + 48, big + 48, len - 48));

	len = build(big, &t, 5, 0x18, 100, 1, 1);
	h.csum_start = 20;
	h.csum_offset = 16;
	wr16(big + 36, ref_fold(ref_pseudo(big, IPPROTO_TCP, len - 20)));
	CHECK(wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, 1) == 1 && ref_valid(s, len));

	/* the field must lie inside the transport part */
	h.csum_start = 10;
	CHECK(wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, 1) == -EINVAL);
	h.csum_start = 20;
	h.csum_offset = (uint16_t)(len - 21);
	CHECK(wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, 1) == -EINVAL);
	h.csum_offset = (uint16_t)(len - 22);
	CHECK(wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, 1) == 1);
	/* too small a slot */
	h.flags = 0;
	CHECK(wgc_offload_split(&h, big, len, slots, len + HEADROOM - 1, HEADROOM, slot_len, 1) == -ENOBUFS);
	CHECK(wgc_offload_split(&h, big, len, slots, len + HEADROOM, HEADROOM, slot_len, 1) == 1);
}

static void test_split_rejects(void)
{
	struct flow f = { .ver = 4, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .src_last = 1 };
	struct flow f6 = { .ver = 6, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .src_last = 1 };
	size_t len = build(big, &f, 1, 0x10, 4000, 1, 1);
	struct virtio_net_hdr good = gso_hdr(big, 1000), h;

#define SPLIT(l) wgc_offload_split(&h, big, (l), slots, SLOTCAP, HEADROOM, slot_len, NSLOT)
	init_slots();
	h = good;
	CHECK(SPLIT(len) == 4);
	h.csum_start = (uint16_t)(len + 10);
	CHECK(SPLIT(len) == -EINVAL);
	h = good;
	h.csum_start = 24;
	CHECK(SPLIT(len) == -EINVAL);
	h = good;
	h.csum_offset = 6;
	CHECK(SPLIT(len) == -EINVAL);
	h = good;
	h.hdr_len = (uint16_t)(len + 1);
	CHECK(SPLIT(len) == -EINVAL);
	h = good;
	h.hdr_len = (uint16_t)len; /* the kernel may report the whole linear part: fine */
	CHECK(SPLIT(len) == 4);
	h = good;
	h.gso_size = 0;
	CHECK(SPLIT(len) == -EINVAL);
	h = good;
	h.gso_size = 65535;
	CHECK(SPLIT(len) == -EINVAL);
	h = good;
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	CHECK(SPLIT(len) == -EINVAL);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	CHECK(SPLIT(len) == -EINVAL);
	h.gso_type = 3; /* UFO */
	CHECK(SPLIT(len) == -EPROTONOSUPPORT);
	h = good;
	h.flags |= 0x40;
	CHECK(SPLIT(len) == -EINVAL);
	h = good;
	h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	CHECK(SPLIT(len) == 4);
	/* truncations: headers only, part of the headers, nothing */
	h = good;
	CHECK(SPLIT(40) == -EINVAL);
	CHECK(SPLIT(39) == -EINVAL);
	CHECK(SPLIT(19) == -EINVAL);
	CHECK(SPLIT(0) == -EINVAL);
	CHECK(SPLIT(41) == 1);
	CHECK(wgc_offload_split(&h, big, 65536, slots, SLOTCAP, HEADROOM, slot_len, NSLOT) == -EINVAL);
	/* not enough slots, or too small ones */
	CHECK(wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, 3) == -ENOBUFS);
	CHECK(wgc_offload_split(&h, big, len, slots, 1039, HEADROOM, slot_len, NSLOT) == -ENOBUFS);
	CHECK(wgc_offload_split(&h, big, len, slots, 1040 + HEADROOM, HEADROOM, slot_len, NSLOT) == 4);
	CHECK(wgc_offload_split(&h, big, len, slots, 10, 11, slot_len, NSLOT) == -ENOBUFS);
	/* bad IP headers */
	big[0] = 0x44;
	CHECK(SPLIT(len) == -EINVAL);
	big[0] = 0x4f; /* 60 bytes of IP header; the TCP header then lies in the payload */
	CHECK(SPLIT(len) == -EINVAL); /* csum_start no longer matches */
	big[0] = 0x55;
	CHECK(SPLIT(len) == -EINVAL);
	big[0] = 0x45;
	big[6] = 0x20; /* MF */
	CHECK(SPLIT(len) == -EINVAL);
	big[6] = 0x40;
	big[9] = IPPROTO_UDP;
	CHECK(SPLIT(len) == -EINVAL);
	big[9] = IPPROTO_TCP;
	big[32] = 0x40; /* TCP data offset 4 */
	CHECK(SPLIT(len) == -EINVAL);
	big[32] = 0x50;
	CHECK(SPLIT(len) == 4);
	/* IPv6 with an extension header */
	len = build(big, &f6, 1, 0x10, 3000, 0, 1);
	h = gso_hdr(big, 1000);
	CHECK(SPLIT(len) == 3);
	big[6] = 0; /* hop-by-hop */
	CHECK(SPLIT(len) == -EINVAL);
#undef SPLIT
}

/* Random corruption of headers and packets: never a crash, never an out-of-bounds access (ASan). */
static void test_split_fuzz(void)
{
	struct flow fl[4] = {
		{ .ver = 4, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .tcp_opts = 12 },
		{ .ver = 6, .proto = IPPROTO_TCP, .sport = 1, .dport = 2 },
		{ .ver = 4, .proto = IPPROTO_UDP, .sport = 1, .dport = 2 },
		{ .ver = 6, .proto = IPPROTO_UDP, .sport = 1, .dport = 2 },
	};
	static uint8_t pkt[9000];
	unsigned accepted = 0;

	srand(7);
	for (unsigned it = 0; it < 30000; it++) {
		const struct flow *f = &fl[it % 4];
		size_t payload = (size_t)rand() % 5000, len, cut;
		size_t plen = build(big, f, (uint32_t)rand(), 0x10, payload, 1, it);
		struct virtio_net_hdr h = gso_hdr(big, 1 + (size_t)rand() % 1500);
		uint8_t *hb = (uint8_t *)&h;
		int n, c;

		/* a few random byte flips in the header and the first 80 bytes */
		for (int m = rand() % 4; m > 0; m--)
			hb[rand() % sizeof(h)] = (uint8_t)rand();
		for (int m = rand() % 4; m > 0; m--)
			big[rand() % 80] = (uint8_t)rand();
		cut = (size_t)rand() % 8 == 0 ? (size_t)rand() % (plen + 1) : plen;
		/* an exact-size heap copy, so ASan sees any read past the end */
		len = cut;
		memcpy(pkt, big, len);
		{
			uint8_t *exact = malloc(len ? len : 1);
			memcpy(exact, pkt, len);
			c = wgc_offload_count(&h, exact, len);
			n = wgc_offload_split(&h, exact, len, slots, SLOTCAP, HEADROOM, slot_len, NSLOT);
			free(exact);
		}
		CHECK(n == c || n == -ENOBUFS);
		if (n > 0) {
			accepted++;
			for (int k = 0; k < n; k++)
				CHECK(slot_len[k] <= SLOTCAP - HEADROOM);
		}
	}
	CHECK(accepted > 1000); /* the mutations leave many inputs valid */
}

/*
 * wgc_csum_add (32 bytes a step in vectors, then 8, then 2, then an odd
 * byte) against the byte-wise reference at every alignment and length
 * around the step sizes, on random bytes and on all-ones (largest carries).
 */
static void test_csum_against_reference(void)
{
	static uint8_t buf[4200];
	int bad = 0;

	srand(5);
	for (int pattern = 0; pattern < 2; pattern++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = pattern ? 0xff : (uint8_t)rand();
		for (size_t off = 0; off < 40; off++) {
			for (size_t len = 0; len < 4100; len += len < 130 ? 1 : 1 + (size_t)rand() % 97) {
				uint16_t want = ref_fold(ref_sum(buf + off, len, 0x1234));
				bad += wgc_csum_fold(wgc_csum_add(0x1234, buf + off, len)) != want;
			}
		}
	}
	CHECK(bad == 0);
}

/* ---- splitting without copying the payload ---- */

static uint8_t hslot_mem[NSLOT][SLOTCAP];
static uint8_t *hslots[NSLOT];
static size_t hlen[NSLOT], tail_len[NSLOT];
static const uint8_t *tails[NSLOT];

/*
 * wgc_offload_split_headers on pkt against wgc_offload_split on a copy:
 * the same return value and, per segment, headers + tail byte for byte
 * what the copying split built; pkt itself untouched. Returns the count.
 */
static int compare_header_split(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len)
{
	uint8_t *before = malloc(len ? len : 1);
	int n, m;

	memcpy(before, pkt, len);
	init_slots();
	for (unsigned i = 0; i < NSLOT; i++)
		hslots[i] = hslot_mem[i];
	memset(hslot_mem, 0xdd, sizeof(hslot_mem));
	n = wgc_offload_split(h, before, len, slots, SLOTCAP, HEADROOM, slot_len, NSLOT);
	memcpy(before, pkt, len);
	m = wgc_offload_split_headers(h, pkt, len, hslots, SLOTCAP, HEADROOM, hlen, tails, tail_len, NSLOT);
	/* not a super-packet: refused unless malformed, for the copying split to handle */
	if ((h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_NONE)
		CHECK(m == (n == -EINVAL ? -EINVAL : -EOPNOTSUPP));
	else
		CHECK(m == n);
	for (int k = 0; k < m && m == n; k++) {
		CHECK(hslots[k][HEADROOM - 1] == 0xdd);       /* headroom untouched */
		CHECK(hslots[k][HEADROOM + hlen[k]] == 0xdd); /* nothing past the headers */
		CHECK(hlen[k] + tail_len[k] == slot_len[k]);
		CHECK(tails[k] >= pkt && tails[k] + tail_len[k] <= pkt + len);
		CHECK_MEM(hslots[k] + HEADROOM, slots[k] + HEADROOM, hlen[k]);
		CHECK_MEM(tails[k], slots[k] + HEADROOM + hlen[k], tail_len[k]);
	}
	CHECK_MEM(before, pkt, len); /* read only */
	free(before);
	return m;
}

static void test_split_headers_same_bytes(void)
{
	static const struct flow fl[] = {
		{ .ver = 4, .proto = IPPROTO_TCP, .sport = 443, .dport = 50000, .src_last = 1 },
		{ .ver = 4, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .ip_opts = 4, .tcp_opts = 12 },
		{ .ver = 6, .proto = IPPROTO_TCP, .sport = 22, .dport = 40000, .src_last = 3, .tcp_opts = 12 },
		{ .ver = 4, .proto = IPPROTO_UDP, .sport = 5000, .dport = 6000, .src_last = 1 },
		{ .ver = 6, .proto = IPPROTO_UDP, .sport = 5000, .dport = 6000, .src_last = 1 },
	};
	/* exact multiples, a shorter last segment, one segment, odd sizes, one byte */
	static const size_t cases[][2] = { { 1380 * 3, 1380 }, { 1380 * 3 + 17, 1380 }, { 900, 1380 },
					   { 1379 * 5 + 1, 1379 }, { 1, 1368 }, { 1200 * 3 - 5, 1200 },
					   { 1371 * 47, 1371 }, { 777, 13 }, { 64, 1 } };
	int total = 0;

	for (size_t f = 0; f < sizeof(fl) / sizeof(fl[0]); f++) {
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			size_t len = build(big, &fl[f], 4000000000u, 0x99, cases[c][0], 0xfffd, (unsigned)(f * 31 + c));
			struct virtio_net_hdr h = gso_hdr(big, cases[c][1]);
			int n = compare_header_split(&h, big, len);

			CHECK(n == (int)((cases[c][0] + cases[c][1] - 1) / cases[c][1]));
			total += n;
		}
	}
	CHECK(total > 300);
}

/* Mutated headers and packets: both splits agree on what they accept and on every byte. */
static void test_split_headers_fuzz(void)
{
	struct flow fl[4] = {
		{ .ver = 4, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .tcp_opts = 12 },
		{ .ver = 6, .proto = IPPROTO_TCP, .sport = 1, .dport = 2 },
		{ .ver = 4, .proto = IPPROTO_UDP, .sport = 1, .dport = 2 },
		{ .ver = 6, .proto = IPPROTO_UDP, .sport = 1, .dport = 2 },
	};
	unsigned accepted = 0;

	srand(11);
	for (unsigned it = 0; it < 6000; it++) {
		const struct flow *f = &fl[it % 4];
		size_t payload = (size_t)rand() % 5000;
		size_t plen = build(big, f, (uint32_t)rand(), 0x18, payload, (uint16_t)rand(), it);
		struct virtio_net_hdr h = gso_hdr(big, 100 + (size_t)rand() % 1500);
		uint8_t *hb = (uint8_t *)&h, *exact;
		size_t len;

		for (int m = rand() % 3; m > 0; m--)
			hb[rand() % sizeof(h)] = (uint8_t)rand();
		for (int m = rand() % 3; m > 0; m--)
			big[rand() % 80] = (uint8_t)rand();
		len = (size_t)rand() % 8 == 0 ? (size_t)rand() % (plen + 1) : plen;
		/* an exact-size heap copy, so ASan sees any read past the end */
		exact = malloc(len ? len : 1);
		memcpy(exact, big, len);
		accepted += compare_header_split(&h, exact, len) > 0;
		free(exact);
	}
	CHECK(accepted > 1000);
}

/* ---- coalescing ---- */

static uint8_t pool[80][2048];
static uint8_t *pkts[80];
static size_t lens[80];
static struct wgc_offload_unit units[80];
static struct iovec iovs[80];

/* Flattens a unit into buf (as writev would), returns the length. */
static size_t flatten(const struct wgc_offload_unit *u, uint8_t *buf)
{
	size_t off = 0;

	for (unsigned i = 0; i < u->iovcnt; i++) {
		memcpy(buf + off, u->iov[i].iov_base, u->iov[i].iov_len);
		off += u->iov[i].iov_len;
	}
	return off;
}

/* The merged packet as the kernel would finish it: the partial checksum completed. */
static bool merged_valid(const struct wgc_offload_unit *u, uint8_t *buf, size_t len)
{
	const struct virtio_net_hdr *h = &u->hdr;
	size_t cs = h->csum_start, off = cs + h->csum_offset;

	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || off + 2 > len)
		return false;
	/* the field must be exactly the pseudo-header sum */
	if (rd16(buf + off) != ref_fold(ref_pseudo(buf, IPPROTO_TCP, len - cs)))
		return false;
	wr16(buf + off, (uint16_t)~ref_fold(ref_sum(buf + cs, len - cs, 0)));
	return ref_valid(buf, len);
}

static void test_coalesce_roundtrip(void)
{
	static const struct flow fs[] = {
		{ .ver = 4, .proto = IPPROTO_TCP, .sport = 80, .dport = 33000, .src_last = 1 },
		{ .ver = 6, .proto = IPPROTO_TCP, .sport = 80, .dport = 33000, .src_last = 1, .tcp_opts = 12 },
	};
	static const size_t payloads[] = { 1380 * 3, 1380 * 10 + 99, 1380 * 47 };
	static uint8_t first_seg[SLOTCAP];

	for (size_t fi = 0; fi < 2; fi++) {
		for (size_t pi = 0; pi < 3; pi++) {
			size_t len = build(big, &fs[fi], 42, 0x18, payloads[pi], 77, 5), flen;
			struct virtio_net_hdr h = gso_hdr(big, 1380);
			int n;
			unsigned nu;

			init_slots();
			n = wgc_offload_split(&h, big, len, slots, SLOTCAP, HEADROOM, slot_len, NSLOT);
			CHECK(n > 1);
			for (int k = 0; k < n; k++) {
				pkts[k] = slots[k] + HEADROOM;
				lens[k] = slot_len[k];
			}
			/* the first segment's headers are rewritten in place: keep a copy */
			memcpy(first_seg, slots[0] + HEADROOM, slot_len[0]);
			nu = wgc_offload_coalesce(pkts, lens, (unsigned)n, units, iovs);
			CHECK(nu == 1 && units[0].iovcnt == (unsigned)n);
			CHECK(units[0].hdr.gso_type == (fs[fi].ver == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6));
			CHECK(units[0].hdr.gso_size == 1380 && units[0].hdr.hdr_len == h.hdr_len);
			CHECK(units[0].hdr.csum_start == h.csum_start && units[0].hdr.csum_offset == 16);
			flen = flatten(&units[0], big2);
			CHECK(flen == len);
			/* the payload and the headers but checksums and the IPv4 id equal the original */
			CHECK(!memcmp(big2 + h.hdr_len, big + h.hdr_len, len - h.hdr_len));
			CHECK(big2[ip_hlen(big) + 13] == 0x18); /* PSH from the last segment */
			/* splitting the merged packet gives the same segments back */
			{
				static uint8_t again[NSLOT][SLOTCAP];
				uint8_t *ab[NSLOT];
				size_t al[NSLOT];
				int n2;
				for (int k = 0; k < NSLOT; k++)
					ab[k] = again[k];
				n2 = wgc_offload_split(&units[0].hdr, big2, flen, ab, SLOTCAP, 0, al, NSLOT);
				CHECK(n2 == n);
				for (int k = 0; k < n && k < n2; k++)
					CHECK(al[k] == slot_len[k] &&
					      !memcmp(again[k], k ? slot_mem[k] + HEADROOM : first_seg, al[k]));
			}
			CHECK(merged_valid(&units[0], big2, flen));
		}
	}
}

/* Builds consecutive segments of a flow into the pool from index at. */
static unsigned seq_run(unsigned at, const struct flow *f, uint32_t *seq, unsigned count, size_t payload, uint8_t flags)
{
	for (unsigned i = 0; i < count; i++) {
		pkts[at + i] = pool[at + i];
		lens[at + i] = build(pool[at + i], f, *seq, flags, payload, (uint16_t)(at + i), at + i);
		*seq += (uint32_t)payload;
	}
	return at + count;
}

static void test_coalesce_mixes(void)
{
	struct flow a = { .ver = 4, .proto = IPPROTO_TCP, .sport = 1000, .dport = 2000, .src_last = 1 };
	struct flow b = { .ver = 4, .proto = IPPROTO_TCP, .sport = 1001, .dport = 2000, .src_last = 1 };
	struct flow c = { .ver = 6, .proto = IPPROTO_TCP, .sport = 1000, .dport = 2000, .src_last = 2 };
	struct flow u = { .ver = 4, .proto = IPPROTO_UDP, .sport = 1000, .dport = 2000, .src_last = 1 };
	struct flow ao = a;
	uint32_t sa = 100, sb = 5000, sc = 9;
	unsigned n, nu;

	for (unsigned i = 0; i < 80; i++)
		pkts[i] = pool[i];
	/* interleaved flows: a a b a b c udp c -> units a(3) b(2) c(2) udp, in first-packet order */
	n = seq_run(0, &a, &sa, 2, 1000, 0x10);
	n = seq_run(n, &b, &sb, 1, 1000, 0x10);
	n = seq_run(n, &a, &sa, 1, 1000, 0x18);
	n = seq_run(n, &b, &sb, 1, 500, 0x10);
	n = seq_run(n, &c, &sc, 1, 800, 0x10);
	lens[n] = build(pool[n], &u, 0, 0, 100, 0, 0);
	n++;
	n = seq_run(n, &c, &sc, 1, 800, 0x10);
	nu = wgc_offload_coalesce(pkts, lens, n, units, iovs);
	CHECK(nu == 4);
	CHECK(units[0].iovcnt == 3 && units[0].iov[0].iov_base == pool[0] && units[0].iov[2].iov_base == pool[3] + 40);
	CHECK(units[1].iovcnt == 2 && units[1].iov[0].iov_base == pool[2] && units[1].hdr.gso_size == 1000);
	CHECK(units[2].iovcnt == 2 && units[2].hdr.gso_type == VIRTIO_NET_HDR_GSO_TCPV6);
	CHECK(units[3].iovcnt == 1 && units[3].hdr.gso_type == 0 && units[3].hdr.flags == 0 &&
	      units[3].iov[0].iov_len == lens[6]);
	for (unsigned i = 0; i < 3; i++) {
		size_t l = flatten(&units[i], big2);
		CHECK(merged_valid(&units[i], big2, l));
	}

	/* separators: SYN, FIN, RST, a gap in sequence, IPv4 options, a short middle, PSH in the middle */
	{
		static const struct {
			uint8_t flags;      /* of the middle packet */
			int seq_skip;       /* added before the middle one */
			size_t mid_payload;
			bool opts;          /* middle one has IPv4 options */
			unsigned units;     /* expected */
		} cases[] = {
			{ 0x12, 0, 1000, false, 3 },   /* SYN|ACK: alone, the flow restarts after it */
			{ 0x11, 0, 1000, false, 3 },   /* FIN */
			{ 0x14, 0, 1000, false, 3 },   /* RST */
			{ 0x10, 1, 1000, false, 2 },   /* gap: a new unit from there */
			{ 0x10, 0, 1000, true, 3 },    /* IPv4 options */
			{ 0x10, 0, 600, false, 2 },    /* short one ends its unit */
			{ 0x18, 0, 1000, false, 2 },   /* PSH ends its unit */
			{ 0x50, 0, 1000, false, 3 },   /* URG-less but ECE */
		};
		for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
			uint32_t s = 1;
			ao.ip_opts = cases[ci].opts ? 4 : 0;
			n = seq_run(0, &a, &s, 2, 1000, 0x10);
			s += (uint32_t)cases[ci].seq_skip;
			n = seq_run(n, cases[ci].opts ? &ao : &a, &s, 1, cases[ci].mid_payload, cases[ci].flags);
			n = seq_run(n, &a, &s, 2, 1000, 0x10);
			nu = wgc_offload_coalesce(pkts, lens, n, units, iovs);
			CHECK(nu == cases[ci].units);
			/* order within the flow: the iovs, flattened, follow the packets' order */
			{
				unsigned k = 0;
				for (unsigned ui = 0; ui < nu; ui++)
					for (unsigned v = 0; v < units[ui].iovcnt; v++, k++)
						CHECK((uint8_t *)units[ui].iov[v].iov_base >= pool[k] &&
						      (uint8_t *)units[ui].iov[v].iov_base < pool[k] + 2048);
				CHECK(k == n);
			}
			if (nu != cases[ci].units)
				fprintf(stderr, "case %zu: %u units\n", ci, nu);
		}
	}

	/* different ack numbers or TTL do not merge */
	sa = 1;
	n = seq_run(0, &a, &sa, 3, 1000, 0x10);
	wr32(pool[1] + 28, 1);
	ref_fix(pool[1], lens[1]);
	pool[2][8] = 3;
	ref_fix(pool[2], lens[2]);
	CHECK(wgc_offload_coalesce(pkts, lens, n, units, iovs) == 3);

	/* the segment limit and the 64 KiB limit */
	sa = 1;
	n = seq_run(0, &a, &sa, 70, 100, 0x10);
	nu = wgc_offload_coalesce(pkts, lens, n, units, iovs);
	CHECK(nu == 2 && units[0].iovcnt == WGC_OFFLOAD_MAX_SEGS && units[1].iovcnt == 6);
	sa = 1;
	n = seq_run(0, &a, &sa, 50, 1400, 0x10);
	nu = wgc_offload_coalesce(pkts, lens, n, units, iovs);
	CHECK(nu == 2 && units[0].iovcnt == 46 && units[1].iovcnt == 4); /* 40 + 46 * 1400 <= 65535 */
	{
		size_t l = flatten(&units[0], big2);
		CHECK(l == 40 + 46 * 1400 && merged_valid(&units[0], big2, l));
	}

	/* junk and empty packets pass through alone */
	pool[0][0] = 0x45;
	lens[0] = 3;
	lens[1] = 0;
	memset(pool[2], 0xff, 100);
	lens[2] = 100;
	CHECK(wgc_offload_coalesce(pkts, lens, 3, units, iovs) == 3);
	CHECK(units[1].iov[0].iov_len == 0 && units[2].iov[0].iov_len == 100);
}

/* Random batches of segments from a few flows, some corrupted: never a crash, and every byte accounted for. */
static void test_coalesce_fuzz(void)
{
	struct flow fl[3] = {
		{ .ver = 4, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .src_last = 1 },
		{ .ver = 6, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .src_last = 1 },
		{ .ver = 4, .proto = IPPROTO_TCP, .sport = 3, .dport = 2, .src_last = 1 },
	};
	uint32_t seq[3] = { 0, 0, 0 };

	srand(11);
	for (unsigned it = 0; it < 3000; it++) {
		unsigned n = 1 + (unsigned)rand() % 64, nu, total = 0;
		size_t bytes = 0, ubytes = 0;

		for (unsigned i = 0; i < n; i++) {
			unsigned w = (unsigned)rand() % 3;
			size_t pl = rand() % 4 ? 1000 : (size_t)rand() % 1500;
			pkts[i] = pool[i];
			lens[i] = build(pool[i], &fl[w], seq[w], rand() % 8 ? 0x10 : (uint8_t)rand(), pl, 0, i);
			seq[w] += (uint32_t)pl;
			if (rand() % 10 == 0)
				pool[i][rand() % 60] = (uint8_t)rand();
			if (rand() % 20 == 0)
				lens[i] = (size_t)rand() % (lens[i] + 1);
			bytes += lens[i];
		}
		nu = wgc_offload_coalesce(pkts, lens, n, units, iovs);
		CHECK(nu >= 1 && nu <= n);
		for (unsigned ui = 0; ui < nu; ui++) {
			total += units[ui].iovcnt;
			for (unsigned v = 0; v < units[ui].iovcnt; v++)
				ubytes += units[ui].iov[v].iov_len;
			if (units[ui].iovcnt > 1) {
				size_t l = flatten(&units[ui], big2);
				CHECK(l <= 65535 && merged_valid(&units[ui], big2, l));
			}
		}
		CHECK(total == n && ubytes <= bytes);
	}
}

static void test_config_from_env(void)
{
	struct wgc_offload_config c;

	unsetenv("WGC_NO_GSO");
	unsetenv("WGC_NO_GRO");
	unsetenv("WGC_NO_TUN_OFFLOAD");
	c = wgc_offload_config_from_env();
	CHECK(c.udp_gso && c.udp_gro && c.tun_offload && c.tx_zerocopy);
	setenv("WGC_NO_GSO", "1", 1);
	setenv("WGC_NO_GRO", "0", 1);
	setenv("WGC_NO_TUN_OFFLOAD", "yes", 1);
	setenv("WGC_NO_TX_ZEROCOPY", "1", 1);
	c = wgc_offload_config_from_env();
	CHECK(!c.udp_gso && c.udp_gro && !c.tun_offload && !c.tx_zerocopy);
	unsetenv("WGC_NO_TX_ZEROCOPY");
	unsetenv("WGC_NO_GSO");
	unsetenv("WGC_NO_GRO");
	unsetenv("WGC_NO_TUN_OFFLOAD");
}

int main(void)
{
	RUN_TEST(test_split_tcp4);
	RUN_TEST(test_split_tcp6);
	RUN_TEST(test_split_udp);
	RUN_TEST(test_split_in_place);
	RUN_TEST(test_no_gso);
	RUN_TEST(test_split_rejects);
	RUN_TEST(test_split_fuzz);
	RUN_TEST(test_csum_against_reference);
	RUN_TEST(test_split_headers_same_bytes);
	RUN_TEST(test_split_headers_fuzz);
	RUN_TEST(test_coalesce_roundtrip);
	RUN_TEST(test_coalesce_mixes);
	RUN_TEST(test_coalesce_fuzz);
	RUN_TEST(test_config_from_env);
	return harness_exit_code();
}

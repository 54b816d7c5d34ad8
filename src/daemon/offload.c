// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/byteorder.h"
#include "core/checksum.h"
#include "daemon/offload.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

enum {
	IPV4_MIN_HDR = 20,
	IPV6_HDR = 40,
	TCP_MIN_HDR = 20,
	UDP_HDR = 8,
	TCP_CSUM_OFF = 16,
	UDP_CSUM_OFF = 6,
	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_PSH = 0x08,
	TCP_ACK = 0x10,
	TCP_CWR = 0x80,
	/* packets per coalescing pass; larger batches are done in chunks */
	COALESCE_CHUNK = 256,
};

static bool env_off(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

struct wgc_offload_config wgc_offload_config_from_env(void)
{
	struct wgc_offload_config c = {
		.udp_gso = !env_off("WGC_NO_GSO"),
		.udp_gro = !env_off("WGC_NO_GRO"),
		.tun_offload = !env_off("WGC_NO_TUN_OFFLOAD"),
		.tx_zerocopy = !env_off("WGC_NO_TX_ZEROCOPY"),
	};
	return c;
}

/* The TCP/UDP pseudo-header of an IPv4 or IPv6 packet, not folded. */
static uint64_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint64_t sum;

	if (ip[0] >> 4 == 4)
		sum = wgc_csum_add(0, ip + 12, 8);
	else
		sum = wgc_csum_add(0, ip + 8, 32);
	return sum + proto + (uint32_t)l4len;
}

static void ipv4_fix_csum(uint8_t *ip, size_t iphlen)
{
	ip[10] = ip[11] = 0;
	wgc_store_be16(ip + 10, (uint16_t)~wgc_csum_fold(wgc_csum_add(0, ip, iphlen)));
}

/* The layout of a packet read from the TUN device. */
struct layout {
	unsigned version;
	size_t iphlen;  /* where the transport header starts */
	size_t hdrlen;  /* IP + transport headers */
	uint8_t proto;
	unsigned gso;   /* VIRTIO_NET_HDR_GSO_* without the ECN bit */
	size_t gso_size;
	unsigned segs;
};

/* The IP header: version, header length, protocol; no fragments, no IPv6 extension headers. */
static int parse_ip(const uint8_t *pkt, size_t len, struct layout *l)
{
	if (len < 1)
		return -EINVAL;
	l->version = pkt[0] >> 4;
	if (l->version == 4) {
		if (len < IPV4_MIN_HDR)
			return -EINVAL;
		l->iphlen = (size_t)(pkt[0] & 0x0f) * 4;
		if (l->iphlen < IPV4_MIN_HDR || l->iphlen > len)
			return -EINVAL;
		l->proto = pkt[9];
		return 0;
	}
	if (l->version == 6) {
		if (len < IPV6_HDR)
			return -EINVAL;
		l->iphlen = IPV6_HDR;
		l->proto = pkt[6];
		return 0;
	}
	return -EINVAL;
}

static int analyse(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len, struct layout *l)
{
	bool csum = h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	size_t payload, csum_off;
	int r;

	memset(l, 0, sizeof(*l));
	if (len > WGC_OFFLOAD_MAX_PACKET || (h->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)))
		return -EINVAL;
	l->gso = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	if (l->gso == VIRTIO_NET_HDR_GSO_NONE) {
		l->segs = 1;
		if (!csum)
			return 0; /* passed through untouched: not ours to judge */
		r = parse_ip(pkt, len, l);
		if (r < 0)
			return r;
		/* the checksum field must lie in the transport part of the packet */
		if (h->csum_start < l->iphlen || (size_t)h->csum_start + h->csum_offset + 2 > len)
			return -EINVAL;
		return 0;
	}
	if (l->gso != VIRTIO_NET_HDR_GSO_TCPV4 && l->gso != VIRTIO_NET_HDR_GSO_TCPV6 &&
	    l->gso != VIRTIO_NET_HDR_GSO_UDP_L4)
		return -EPROTONOSUPPORT;
	r = parse_ip(pkt, len, l);
	if (r < 0)
		return r;
	if ((l->gso == VIRTIO_NET_HDR_GSO_TCPV4 && l->version != 4) ||
	    (l->gso == VIRTIO_NET_HDR_GSO_TCPV6 && l->version != 6))
		return -EINVAL;
	if (l->version == 4 && (wgc_load_be16(pkt + 6) & 0x3fff)) /* MF or a fragment offset */
		return -EINVAL;
	if (l->gso == VIRTIO_NET_HDR_GSO_UDP_L4) {
		if (l->proto != IPPROTO_UDP)
			return -EINVAL;
		l->hdrlen = l->iphlen + UDP_HDR;
		csum_off = UDP_CSUM_OFF;
	} else {
		if (l->proto != IPPROTO_TCP || len < l->iphlen + TCP_MIN_HDR)
			return -EINVAL;
		l->hdrlen = l->iphlen + (size_t)(pkt[l->iphlen + 12] >> 4) * 4;
		if (l->hdrlen < l->iphlen + TCP_MIN_HDR)
			return -EINVAL;
		csum_off = TCP_CSUM_OFF;
	}
	if (l->hdrlen >= len || h->gso_size == 0 || h->hdr_len > len)
		return -EINVAL;
	if (csum && (h->csum_start != l->iphlen || h->csum_offset != csum_off))
		return -EINVAL;
	l->gso_size = h->gso_size;
	if (l->hdrlen + l->gso_size > WGC_OFFLOAD_MAX_PACKET)
		return -EINVAL;
	payload = len - l->hdrlen;
	l->segs = (unsigned)((payload + l->gso_size - 1) / l->gso_size);
	return 0;
}

int wgc_offload_count(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len)
{
	struct layout l;
	int r = analyse(hdr, pkt, len, &l);

	return r < 0 ? r : (int)l.segs;
}

static int copy_single(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len, uint8_t *out)
{
	uint64_t sum;
	uint16_t c;
	size_t off;

	memmove(out, pkt, len);
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 1;
	/* the field holds the pseudo-header sum; the rest of the packet completes it */
	off = (size_t)h->csum_start + h->csum_offset;
	sum = wgc_csum_add(0, out + h->csum_start, len - h->csum_start);
	c = (uint16_t)~wgc_csum_fold(sum);
	wgc_store_be16(out + off, c ? c : 0xffff);
	return 1;
}

/*
 * Copies len bytes from src to dst (equal, or not overlapping) and returns
 * what wgc_csum_add(sum, dst, len) would: one pass over the payload
 * instead of a copy and then a checksum pass (the two were 10 % of a sending
 * lane's CPU in the profile).
 */
static uint64_t copy_csum(uint8_t *dst, const uint8_t *src, size_t len, uint64_t sum)
{
	/* 32 bytes a step in generic vectors, as wgc_csum_add does */
	typedef uint64_t v2u64 __attribute__((vector_size(16)));
	const v2u64 lo = { 0xffffffffu, 0xffffffffu };
	v2u64 a0 = { 0, 0 }, a1 = { 0, 0 };
	uint64_t acc;
	uint16_t folded;
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		v2u64 x, y;
		memcpy(&x, src + i, 16);
		memcpy(&y, src + i + 16, 16);
		memcpy(dst + i, &x, 16);
		memcpy(dst + i + 16, &y, 16);
		a0 += (x & lo) + (x >> 32);
		a1 += (y & lo) + (y >> 32);
	}
	a0 += a1;
	acc = a0[0] + a0[1];
	for (; i + 8 <= len; i += 8) {
		uint64_t v;
		memcpy(&v, src + i, 8);
		memcpy(dst + i, &v, 8);
		acc += (uint32_t)v;
		acc += v >> 32;
	}
	for (; i + 2 <= len; i += 2) {
		uint16_t w;
		memcpy(&w, src + i, 2);
		memcpy(dst + i, &w, 2);
		acc += w;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	folded = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	folded = (uint16_t)(folded >> 8 | folded << 8);
#endif
	sum += folded;
	if (i < len) {
		dst[i] = src[i];
		sum += (uint32_t)src[i] << 8;
	}
	return sum;
}

/* Where segment k's payload lies in the super-packet, and how long it is. */
static size_t segment_payload(const struct layout *l, size_t len, unsigned k, size_t *chunk)
{
	size_t start = l->hdrlen + (size_t)k * l->gso_size;

	*chunk = len - start < l->gso_size ? len - start : l->gso_size;
	return start;
}

/*
 * Segment k's headers into out (pkt's headers copied and fixed up), with
 * the L4 checksum from the pseudo-header, the L4 header (even length) and
 * payload_sum, the payload's unfolded wgc_csum_add sum. out may be pkt.
 */
static void segment_headers(const struct layout *l, const uint8_t *pkt, unsigned k, size_t chunk, uint64_t payload_sum,
			    uint8_t *out)
{
	size_t seglen = l->hdrlen + chunk;
	bool last = k + 1 == l->segs;
	uint8_t *l4 = out + l->iphlen;
	size_t off = l->iphlen + (l->proto == IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF);
	uint16_t c;

	memmove(out, pkt, l->hdrlen);
	if (l->version == 4) {
		wgc_store_be16(out + 2, (uint16_t)seglen);
		wgc_store_be16(out + 4, (uint16_t)(wgc_load_be16(pkt + 4) + k));
		ipv4_fix_csum(out, l->iphlen);
	} else {
		wgc_store_be16(out + 4, (uint16_t)(seglen - IPV6_HDR));
	}
	if (l->proto == IPPROTO_TCP) {
		wgc_store_be32(l4 + 4, wgc_load_be32(pkt + l->iphlen + 4) + (uint32_t)(k * l->gso_size));
		if (!last)
			l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (k)
			l4[13] &= (uint8_t)~TCP_CWR;
	} else {
		wgc_store_be16(l4 + 4, (uint16_t)(seglen - l->iphlen));
	}
	out[off] = out[off + 1] = 0;
	c = (uint16_t)~wgc_csum_fold(
		wgc_csum_add(pseudo_sum(out, l->proto, seglen - l->iphlen), l4, l->hdrlen - l->iphlen) +
		payload_sum);
	/* zero means "no checksum" for UDP; ones' complement has two zeros */
	if (c == 0 && l->proto == IPPROTO_UDP)
		c = 0xffff;
	wgc_store_be16(out + off, c);
}

/*
 * Segment k of a TSO/USO super-packet into out: the payload copied and
 * summed in one pass, then the headers. For segment 0 out may be pkt (the
 * payload is then already in place and the headers are rewritten over
 * pkt's own, after every other segment was built from them).
 */
static void build_segment(const struct layout *l, const uint8_t *pkt, size_t len, unsigned k, uint8_t *out,
			  size_t *out_len)
{
	size_t chunk, start = segment_payload(l, len, k, &chunk);
	uint64_t payload_sum = copy_csum(out + l->hdrlen, pkt + start, chunk, 0);

	segment_headers(l, pkt, k, chunk, payload_sum, out);
	*out_len = l->hdrlen + chunk;
}

/* Whether n slots of cap bytes, headroom reserved in each, hold every segment (the first is the largest). */
static bool segments_fit(const struct layout *l, size_t len, size_t cap, size_t headroom, unsigned n)
{
	size_t first = l->segs > 1 ? l->hdrlen + l->gso_size : len;

	return l->segs <= n && headroom <= cap && first <= cap - headroom;
}

int wgc_offload_split(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len, uint8_t *const bufs[],
		      size_t cap, size_t headroom, size_t lens[], unsigned n)
{
	struct layout l;
	unsigned k;
	int r;

	r = analyse(hdr, pkt, len, &l);
	if (r < 0)
		return r;
	if (!segments_fit(&l, len, cap, headroom, n))
		return -ENOBUFS;
	if (l.gso == VIRTIO_NET_HDR_GSO_NONE) {
		lens[0] = len;
		return copy_single(hdr, pkt, len, bufs[0] + headroom);
	}
	/* segment 0 last: pkt may live where it goes */
	for (k = 1; k < l.segs; k++)
		build_segment(&l, pkt, len, k, bufs[k] + headroom, &lens[k]);
	build_segment(&l, pkt, len, 0, bufs[0] + headroom, &lens[0]);
	return (int)l.segs;
}

/* ---- coalescing ---- */

enum candidate { NOT_TCP, TCP_OTHER, TCP_DATA };

struct seg {
	enum candidate kind;
	size_t iphlen, hdrlen, payload;
	uint32_t hash;
	int unit;
};

struct unit_state {
	unsigned first, last, count;
	size_t total; /* bytes of the merged packet */
	bool open;
};

static enum candidate classify(const uint8_t *p, size_t len, struct seg *s)
{
	uint8_t flags;
	size_t i;

	if (len < IPV4_MIN_HDR)
		return NOT_TCP;
	if (p[0] >> 4 == 4) {
		s->iphlen = (size_t)(p[0] & 0x0f) * 4;
		if (p[9] != IPPROTO_TCP || s->iphlen < IPV4_MIN_HDR || len < s->iphlen + TCP_MIN_HDR ||
		    (wgc_load_be16(p + 6) & 0x3fff))
			return NOT_TCP;
	} else if (p[0] >> 4 == 6) {
		s->iphlen = IPV6_HDR;
		if (p[6] != IPPROTO_TCP || len < IPV6_HDR + TCP_MIN_HDR)
			return NOT_TCP;
	} else {
		return NOT_TCP;
	}
	/* addresses and ports: the flow */
	s->hash = 2166136261u;
	for (i = p[0] >> 4 == 4 ? 12 : 8; i < s->iphlen && i < (p[0] >> 4 == 4 ? 20u : 40u); i++)
		s->hash = (s->hash ^ p[i]) * 16777619u;
	for (i = 0; i < 4; i++)
		s->hash = (s->hash ^ p[s->iphlen + i]) * 16777619u;
	s->hdrlen = s->iphlen + (size_t)(p[s->iphlen + 12] >> 4) * 4;
	flags = p[s->iphlen + 13];
	if (s->hdrlen < s->iphlen + TCP_MIN_HDR || s->hdrlen >= len)
		return TCP_OTHER;
	if (p[0] >> 4 == 4 ? (s->iphlen != IPV4_MIN_HDR || wgc_load_be16(p + 2) != len) : (size_t)wgc_load_be16(p + 4) + IPV6_HDR != len)
		return TCP_OTHER;
	if ((flags & ~TCP_PSH) != TCP_ACK)
		return TCP_OTHER;
	s->payload = len - s->hdrlen;
	return TCP_DATA;
}

static bool same_flow(const uint8_t *a, const struct seg *sa, const uint8_t *b, const struct seg *sb)
{
	/* not the header lengths: a packet with IPv4 options still belongs to the flow */
	if (sa->hash != sb->hash || a[0] >> 4 != b[0] >> 4)
		return false;
	if (a[0] >> 4 == 4 ? memcmp(a + 12, b + 12, 8) : memcmp(a + 8, b + 8, 32))
		return false;
	return !memcmp(a + sa->iphlen, b + sb->iphlen, 4);
}

/* Whether p (already known to be of f's flow) may follow last in f's unit. */
static bool can_join(const uint8_t *f, const struct seg *sf, const uint8_t *last, const struct seg *sl,
		     const uint8_t *p, const struct seg *sp, const struct unit_state *u)
{
	const uint8_t *tf = f + sf->iphlen, *tl = last + sl->iphlen, *tp = p + sp->iphlen;

	if (sp->kind != TCP_DATA || u->count >= WGC_OFFLOAD_MAX_SEGS || u->total + sp->payload > WGC_OFFLOAD_MAX_PACKET)
		return false;
	if (f[0] >> 4 == 4) {
		/* TOS, DF and TTL (the fragment bits are zero in both) */
		if (f[1] != p[1] || f[6] != p[6] || f[8] != p[8])
			return false;
	} else if (memcmp(f, p, 4) || f[7] != p[7]) {
		return false; /* traffic class, flow label, hop limit */
	}
	if (sf->hdrlen != sp->hdrlen || tl[13] & TCP_PSH || sl->payload != sf->payload || sp->payload > sf->payload)
		return false;
	/* ack, data offset, window, urgent pointer and options as the first */
	if (memcmp(tf + 8, tp + 8, 5) || memcmp(tf + 14, tp + 14, 2) || memcmp(tf + 18, tp + 18, 2) ||
	    memcmp(tf + TCP_MIN_HDR, tp + TCP_MIN_HDR, sf->hdrlen - sf->iphlen - TCP_MIN_HDR))
		return false;
	return wgc_load_be32(tp + 4) == wgc_load_be32(tl + 4) + (uint32_t)sl->payload;
}

static void finish_merged(uint8_t *f, const struct seg *sf, const uint8_t *last, const struct seg *sl,
			  const struct unit_state *u, struct virtio_net_hdr *h)
{
	uint8_t *t = f + sf->iphlen;

	if (f[0] >> 4 == 4) {
		wgc_store_be16(f + 2, (uint16_t)u->total);
		ipv4_fix_csum(f, sf->iphlen);
	} else {
		wgc_store_be16(f + 4, (uint16_t)(u->total - IPV6_HDR));
	}
	t[13] |= last[sl->iphlen + 13] & TCP_PSH;
	/* CHECKSUM_PARTIAL: the kernel adds the data to the pseudo-header sum */
	wgc_store_be16(t + TCP_CSUM_OFF, wgc_csum_fold(pseudo_sum(f, IPPROTO_TCP, u->total - sf->iphlen)));
	memset(h, 0, sizeof(*h));
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = f[0] >> 4 == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	h->hdr_len = (uint16_t)sf->hdrlen;
	h->gso_size = (uint16_t)sf->payload;
	h->csum_start = (uint16_t)sf->iphlen;
	h->csum_offset = TCP_CSUM_OFF;
}

static unsigned coalesce_chunk(uint8_t *const pkts[], const size_t lens[], unsigned n,
			       struct wgc_offload_unit units[], struct iovec iov[])
{
	struct seg seg[COALESCE_CHUNK];
	struct unit_state us[COALESCE_CHUNK];
	unsigned i, nu = 0, pos = 0;

	for (i = 0; i < n; i++) {
		struct seg *s = &seg[i];
		int j, found = -1;

		memset(s, 0, sizeof(*s));
		s->kind = classify(pkts[i], lens[i], s);
		if (s->kind != NOT_TCP) {
			/* the newest open unit of this flow, if any */
			for (j = (int)nu - 1; j >= 0; j--) {
				unsigned f = us[j].first;
				if (us[j].open && same_flow(pkts[f], &seg[f], pkts[i], s)) {
					found = j;
					break;
				}
			}
		}
		if (found >= 0) {
			struct unit_state *u = &us[found];
			if (can_join(pkts[u->first], &seg[u->first], pkts[u->last], &seg[u->last], pkts[i], s, u)) {
				u->last = i;
				u->count++;
				u->total += s->payload;
				s->unit = found;
				continue;
			}
			u->open = false; /* later packets of the flow must not overtake this one */
		}
		us[nu] = (struct unit_state){ .first = i, .last = i, .count = 1, .total = lens[i],
					      .open = s->kind == TCP_DATA };
		s->unit = (int)nu++;
	}
	for (i = 0; i < nu; i++) {
		units[i].iov = &iov[pos];
		units[i].iovcnt = 0;
		pos += us[i].count;
		if (us[i].count > 1)
			finish_merged(pkts[us[i].first], &seg[us[i].first], pkts[us[i].last], &seg[us[i].last], &us[i],
				      &units[i].hdr);
		else
			memset(&units[i].hdr, 0, sizeof(units[i].hdr));
	}
	for (i = 0; i < n; i++) {
		struct wgc_offload_unit *u = &units[seg[i].unit];
		struct iovec *v = &u->iov[u->iovcnt];

		if (u->iovcnt == 0) {
			v->iov_base = pkts[i];
			v->iov_len = us[seg[i].unit].count > 1 ? seg[i].hdrlen + seg[i].payload : lens[i];
		} else {
			v->iov_base = pkts[i] + seg[i].hdrlen;
			v->iov_len = seg[i].payload;
		}
		u->iovcnt++;
	}
	return nu;
}

unsigned wgc_offload_coalesce(uint8_t *const pkts[], const size_t lens[], unsigned n,
			      struct wgc_offload_unit units[], struct iovec iov[])
{
	unsigned done = 0, nu = 0;

	while (done < n) {
		unsigned c = n - done < COALESCE_CHUNK ? n - done : COALESCE_CHUNK;
		nu += coalesce_chunk(pkts + done, lens + done, c, units + nu, iov + done);
		done += c;
	}
	return nu;
}

int wgc_offload_split_headers(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len,
			      uint8_t *const bufs[], size_t cap, size_t headroom, size_t lens[],
			      const uint8_t *tails[], size_t tail_lens[], unsigned n)
{
	struct layout l;
	unsigned k;
	int r;

	r = analyse(hdr, pkt, len, &l);
	if (r < 0)
		return r;
	if (l.gso == VIRTIO_NET_HDR_GSO_NONE)
		return -EOPNOTSUPP;
	/* room for the whole first segment, as wgc_offload_split: the caller's slot gets its payload's ciphertext */
	if (!segments_fit(&l, len, cap, headroom, n))
		return -ENOBUFS;
	for (k = 0; k < l.segs; k++) {
		size_t chunk, start = segment_payload(&l, len, k, &chunk);

		/* the payload is only summed where it lies: the AEAD reads it from there */
		segment_headers(&l, pkt, k, chunk, wgc_csum_add(0, pkt + start, chunk), bufs[k] + headroom);
		lens[k] = l.hdrlen;
		tails[k] = pkt + start;
		tail_lens[k] = chunk;
	}
	return (int)l.segs;
}

// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the segmentation offloads (src/daemon/offload.c). A
 * TUN read carries a virtio header and a packet that local sockets or
 * forwarded traffic shaped; wgc_offload_coalesce sees inner packets a peer
 * chose. Input: a struct virtio_net_hdr (host order, 10 bytes), then the
 * packet. Beyond not crashing or reading outside the heap copy (ASan):
 *  - wgc_offload_split returns what wgc_offload_count announced;
 *  - wgc_offload_split_headers plus each tail is byte for byte the copying
 *    split's segment, and leaves the super-packet untouched (the send path
 *    seals from it);
 *  - coalescing the segments (a real flow) and the raw packet accounts for
 *    every packet exactly once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/offload.h"

enum { HEADROOM = 16, CAP = WGC_OFFLOAD_MAX_PACKET + 64, N = WGC_OFFLOAD_MAX_SEGS };

static uint8_t copied[N][CAP], headers[N][CAP];

static void check_coalesce(uint8_t *const pkts[], const size_t lens[], unsigned n)
{
	struct wgc_offload_unit units[N + 1];
	struct iovec iov[N + 1];
	unsigned u, i, total = 0;

	u = wgc_offload_coalesce(pkts, lens, n, units, iov);
	if (u > n || (n && !u))
		abort();
	for (i = 0; i < u; i++) {
		if (!units[i].iovcnt || units[i].iov < iov || units[i].iov + units[i].iovcnt > iov + n)
			abort();
		total += units[i].iovcnt;
	}
	if (total != n)
		abort();
}

/* Headers-only split against the copying one; returns the copying split's count, its lengths in cl. */
static int compare_splits(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len, size_t cl[N])
{
	uint8_t *cb[N], *hb[N];
	size_t hl[N], tl[N];
	const uint8_t *tails[N];
	int k = wgc_offload_count(h, pkt, len), r1, r2, i;

	for (i = 0; i < N; i++) {
		cb[i] = copied[i];
		hb[i] = headers[i];
	}
	r1 = wgc_offload_split(h, pkt, len, cb, CAP, HEADROOM, cl, N);
	if (r1 > 0 && r1 != k)
		abort();
	r2 = wgc_offload_split_headers(h, pkt, len, hb, CAP, HEADROOM, hl, tails, tl, N);
	if (r2 == -EOPNOTSUPP || (r1 < 0 && r2 < 0))
		return r1;
	if (r1 != r2)
		abort();
	for (i = 0; i < r1; i++) {
		if (hl[i] + tl[i] != cl[i] || tails[i] < pkt || tails[i] + tl[i] > pkt + len ||
		    memcmp(headers[i] + HEADROOM, copied[i] + HEADROOM, hl[i]) ||
		    memcmp(tails[i], copied[i] + HEADROOM + hl[i], tl[i]))
			abort();
	}
	return r1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr h;
	uint8_t *pkt, *pkts[N + 1];
	size_t len, lens[N + 1];
	int r, i;

	if (size < sizeof(h) || size - sizeof(h) > WGC_OFFLOAD_MAX_PACKET)
		return 0;
	memcpy(&h, data, sizeof(h));
	len = size - sizeof(h);
	/* a heap copy of the exact length, so ASan catches any over-read */
	pkt = malloc(len ? len : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data + sizeof(h), len);
	r = compare_splits(&h, pkt, len, lens);
	if (memcmp(pkt, data + sizeof(h), len))
		abort();
	/* the segments of one super-packet are a flow GRO should merge back */
	for (i = 0; i < r; i++)
		pkts[i] = copied[i] + HEADROOM;
	if (r > 0)
		check_coalesce(pkts, lens, (unsigned)r);
	/* and the packet as a peer could send it, twice in a row */
	if (len) {
		uint8_t *again = malloc(len);

		if (again) {
			memcpy(again, pkt, len);
			pkts[0] = pkt;
			pkts[1] = again;
			lens[0] = lens[1] = len;
			check_coalesce(pkts, lens, 2);
			free(again);
		}
	}
	free(pkt);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The data path: run-to-completion lanes.
 *
 * A lane owns one TUN queue. It reads a batch of packets, and under the
 * device lock routes each, reserves a nonce and does the accounting; then,
 * with no lock held, encrypts the batch in place and hands it to
 * sendmmsg. A TSO/USO super-packet is cut into segments whose rebuilt
 * headers get slots of their own while their payload is sealed straight
 * from the super-packet (wgc_tx_item.tail), never copied (unless
 * WGC_NO_TX_ZEROCOPY=1). A UDP reader owns one socket: it takes a batch
 * with recvmmsg, looks the keypairs up under the lock, decrypts with no
 * lock held, then under the lock runs the replay window and the rest of
 * the receive bookkeeping in arrival order, and writes the inner packets
 * to the TUN.
 *
 * Per-peer order holds because one thread handles a given flow in each
 * direction (the kernel spreads TUN flows over queues by hash), and all
 * crypto happens outside the lock, so lanes and readers use every core.
 * Nothing is allocated per packet: batches live in per-thread buffers.
 */
#include "daemon/wgcd.h"
#include "core/cookie.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/byteorder.h"
#include "core/crypto.h"
#include "core/endpoint_candidates.h"
#include "daemon/candidates.h"
#include "daemon/log.h"
#include "daemon/offload.h"
#include "daemon/pktbuf.h"

enum {
	/*
	 * Packets per batch: one TSO super-packet from the TUN or one GRO
	 * datagram from UDP may carry dozens of segments. Slots are sized for
	 * the largest IP packet, but only the bytes used are ever touched, so
	 * the untouched tail of each slot costs no resident memory.
	 */
	BATCH = 256,
	SLOT = 65535 + WGC_DATA_OVERHEAD + WGC_MESSAGE_PADDING_MULTIPLE,
};
_Static_assert(WGCD_TUN_MAX_SEGS + 1 <= BATCH, "a whole super-packet and its own slot fit one batch");

uint64_t wgcd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The thread's collector for packets the core delivers during a receive batch. */
struct delivery {
	uint8_t *pkt[BATCH];
	size_t len[BATCH];
	unsigned n;
};
static __thread struct delivery *current_delivery;

static void send_one(struct wgcd *d, const union wgc_endpoint *to, struct wgc_udp_source *src, const uint8_t *msg,
		     size_t len, bool *ok)
{
	struct wgc_udp_tx tx = { .buf = msg, .len = len, .to = *to, .src = *src };

	pthread_rwlock_rdlock(&d->udp_lock);
	*ok = wgc_udp_send(&d->udp, &tx, 1) == 1;
	pthread_rwlock_unlock(&d->udp_lock);
	if (tx.src_rejected)
		memset(src, 0, sizeof(*src));
}

static wgc_drop_reason core_send_to_peer(void *ctx, struct wgc_peer *peer, const uint8_t *msg, size_t len)
{
	struct wgcd_peer *wp = wgc_peer_user(peer);
	bool ok = false;

	if (!wp || !wp->endpoint.addr.sa_family)
		return WGC_DEV_DATA_DROPPED_NO_ENDPOINT;
	send_one(ctx, &wp->endpoint, &wp->src, msg, len, &ok);
	return ok ? WGC_DROP_NONE : WGC_DEV_DATA_DROPPED_SEND_FAILED;
}

static __thread struct wgcd_reply_batch *current_replies;

void wgcd_replies_collect(struct wgcd_reply_batch *b)
{
	b->n = 0;
	current_replies = b;
}

void wgcd_replies_flush(struct wgcd *d)
{
	struct wgcd_reply_batch *b = current_replies;

	current_replies = NULL;
	if (!b || !b->n)
		return;
	/* a refused sticky source needs no clearing: each reply's source is a copy of its origin's */
	pthread_rwlock_rdlock(&d->udp_lock);
	wgc_udp_send(&d->udp, b->tx, b->n);
	pthread_rwlock_unlock(&d->udp_lock);
	b->n = 0;
}

static void core_send_reply(void *ctx, const void *src_info, const uint8_t *msg, size_t len)
{
	const struct wgcd_origin *o = src_info;
	struct wgcd_reply_batch *b = current_replies;
	struct wgc_udp_source src = o->local;
	bool ok;

	if (b && b->n < WGC_UDP_BATCH_MAX && len <= sizeof(b->msg[0])) {
		memcpy(b->msg[b->n], msg, len);
		b->tx[b->n] = (struct wgc_udp_tx){ .buf = b->msg[b->n], .len = len, .to = o->from, .src = src };
		b->n++;
		return;
	}
	send_one(ctx, &o->from, &src, msg, len, &ok);
}

int wgcd_tun_write(struct wgcd *d, unsigned q, const uint8_t *pkt, size_t len)
{
	return d->vnet ? wgc_tun_write_vnet(&d->tun, q, pkt, len) : wgc_tun_write(&d->tun, q, pkt, len);
}

static void core_deliver(void *ctx, struct wgc_peer *peer, const uint8_t *packet, size_t len)
{
	struct wgcd *d = ctx;
	struct delivery *dl = current_delivery;

	(void)peer;
	if (dl && dl->n < BATCH) {
		/* the packet lies in this thread's own receive slot: writable, for coalescing */
		dl->pkt[dl->n] = (uint8_t *)(uintptr_t)packet;
		dl->len[dl->n] = len;
		dl->n++;
		return;
	}
	wgcd_tun_write(d, 0, packet, len);
}

static void core_set_endpoint(void *ctx, struct wgc_peer *peer, const void *src_info)
{
	const struct wgcd_origin *o = src_info;
	struct wgcd_peer *wp = wgc_peer_user(peer);

	(void)ctx;
	if (!wp || !o)
		return;
	wp->endpoint = o->from;
	wp->src = o->local;
	/* only an authenticated handshake message: that is what doctor compares with a ping's TTL */
	if (o->handshake && o->ttl > 0)
		wgc_peer_counter_set(peer, WGC_PEER_LAST_HANDSHAKE_TTL, (uint64_t)o->ttl);
	if (wp->cands)
		wgcd_candidates_note_reply(ctx, wp, &o->from);
}

static void core_clear_src_cache(void *ctx, struct wgc_peer *peer)
{
	struct wgcd_peer *wp = wgc_peer_user(peer);

	(void)ctx;
	if (wp)
		memset(&wp->src, 0, sizeof(wp->src));
}

static void core_wall_time(void *ctx, int64_t *sec, uint32_t *nsec)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*nsec = (uint32_t)ts.tv_nsec;
}

static void core_peer_removed(void *ctx, struct wgc_peer *peer)
{
	struct wgcd_peer *wp = wgc_peer_user(peer);

	/* the core wipes and frees wp with its peer (peer_user_size) */
	if (wp)
		wgcd_candidates_peer_removed(ctx, wp);
}

static bool own_looped_packet(const uint8_t *pkt, size_t len, const union wgc_endpoint *ep, uint16_t our_port);

/* The listen port the current send batch goes out from (a lane sets it before wgc_tx_prepare). */
static __thread uint16_t lane_port;

/* For wgc_tx_prepare: where the packet goes, and whether it may (no endpoint: staged; a loop: dropped). */
static wgc_drop_reason core_tx_check(void *ctx, struct wgc_peer *peer, const uint8_t *pkt, size_t len, void *user)
{
	struct wgcd_peer *wp = wgc_peer_user(peer);
	struct wgc_udp_tx *tx = user;

	(void)ctx;
	if (!wp || !wp->endpoint.addr.sa_family)
		return WGC_DEV_DATA_DROPPED_NO_ENDPOINT;
	if (own_looped_packet(pkt, len, &wp->endpoint, lane_port))
		return WGC_DEV_DATA_DROPPED_ROUTING_LOOP;
	if (tx) {
		tx->to = wp->endpoint;
		tx->src = wp->src;
	}
	return WGC_DROP_NONE;
}

const struct wgc_device_ops wgcd_core_ops = {
	.tx_check = core_tx_check,
	.deadline_changed = wgcd_deadline_changed,
	.event = wgcd_log_event,
	.send_to_peer = core_send_to_peer,
	.send_reply = core_send_reply,
	.deliver = core_deliver,
	.set_endpoint = core_set_endpoint,
	.clear_src_cache = core_clear_src_cache,
	.wall_time = core_wall_time,
	.peer_removed = core_peer_removed,
	.peer_user_size = sizeof(struct wgcd_peer),
	.send_initiation = wgcd_candidates_send_initiation,
};

/* ---- TUN -> network ---- */

void wgcd_datapath_lock(struct wgcd *d)
{
	struct timespec t0, t1;

	if (!pthread_mutex_trylock(&d->lock))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&d->lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	atomic_fetch_add_explicit(&d->datapath_lock_waits, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&d->datapath_lock_wait_ns,
				  (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)),
				  memory_order_relaxed);
}

/*
 * A send batch. Each item (a packet, or a segment of a TSO/USO
 * super-packet) has a slot of its own, which becomes its data message. A
 * super-packet read from the TUN keeps the slot it was read into as well:
 * its segments' items hold only their rebuilt headers and point at their
 * payload in it (wgc_tx_item.tail), so it must stay unchanged until
 * wgc_tx_encrypt returns; no slot is reused before the next batch.
 */
struct lane_buffers {
	uint8_t slot[BATCH][SLOT];
	uint8_t *slot_ptr[BATCH];
	unsigned slots; /* slots taken by the batch being filled */
	/* one super-packet's split, before it becomes items */
	size_t seg_len[BATCH];
	const uint8_t *seg_tail[BATCH];
	size_t seg_tail_len[BATCH];
	/*
	 * A super-packet that did not fit the previous batch. Two buffers:
	 * the segments taken from one may still point into it when the next
	 * one that does not fit is saved, into the other.
	 */
	uint8_t pending[2][65535];
	unsigned pending_idx;
	struct virtio_net_hdr pending_hdr;
	size_t pending_len;
	bool has_pending;
	struct wgc_tx_item items[BATCH];
	struct wgc_udp_tx tx[BATCH];
	uint8_t icmp[1280];
};

/*
 * Whether pkt, read from our TUN and routed to a peer, is one of our own
 * UDP datagrams to that very peer's endpoint: the endpoint is reachable
 * only through the tunnel to it. Encrypting it again would feed it back to
 * us forever (and, once fragments appear, multiply it), so like the
 * kernel's "Avoiding routing loop" it is dropped. Only the unfragmented
 * first pass needs catching: dropping it ends the loop.
 */
static bool own_looped_packet(const uint8_t *pkt, size_t len, const union wgc_endpoint *ep, uint16_t our_port)
{
	const uint8_t *udp;

	if (!our_port || len < 1)
		return false;
	if (pkt[0] >> 4 == 4 && ep->addr.sa_family == AF_INET) {
		size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
		if (len < 20 || ihl < 20 || len < ihl + 8 || pkt[9] != IPPROTO_UDP || (wgc_load_be16(pkt + 6) & 0x1fff) ||
		    memcmp(pkt + 16, &ep->addr4.sin_addr, 4))
			return false;
		udp = pkt + ihl;
		return wgc_load_be16(udp) == our_port && wgc_load_be16(udp + 2) == ntohs(ep->addr4.sin_port);
	}
	if (pkt[0] >> 4 == 6 && ep->addr.sa_family == AF_INET6) {
		if (len < 40 + 8 || pkt[6] != IPPROTO_UDP || memcmp(pkt + 24, &ep->addr6.sin6_addr, 16))
			return false;
		udp = pkt + 40;
		return wgc_load_be16(udp) == our_port && wgc_load_be16(udp + 2) == ntohs(ep->addr6.sin6_port);
	}
	return false;
}

/* A TUN packet dropped before the core saw it: counted all the same (issue 11: every drop has a reason). */
static void count_tun_drop(struct wgcd *d, enum wgc_device_counter reason)
{
	wgc_device_counter_add(d->core, reason, 1);
}

static void set_item(struct wgc_tx_item *it, uint8_t *buf, size_t len, const uint8_t *tail, size_t tail_len)
{
	it->buf = buf;
	it->len = len;
	it->tail = tail;
	it->tail_len = tail_len;
}

/*
 * A TSO/USO super-packet as segments whose payload is sealed where it lies
 * (no copy): the headers of segment j go to their own slot, the payload
 * stays in pkt. pkt is in slot b->slots when in_slot (that slot then stays
 * the super-packet's), else in a pending buffer. Returns the new count, or
 * -1 when this is not a super-packet or needs more slots than are free.
 */
static int take_segments(struct wgcd *d, struct lane_buffers *b, int n, const struct virtio_net_hdr *hdr,
			 const uint8_t *pkt, size_t len, unsigned segs, bool in_slot)
{
	unsigned first = b->slots + in_slot;
	int r, j;

	if (first + segs > BATCH)
		return -1;
	r = wgc_offload_split_headers(hdr, pkt, len, &b->slot_ptr[first], SLOT, WGC_MSG_DATA_HEADER_LEN, b->seg_len,
				      b->seg_tail, b->seg_tail_len, BATCH - first);
	if (r == -EOPNOTSUPP)
		return -1;
	if (r <= 0) {
		count_tun_drop(d, WGC_DEV_DATA_DROPPED_MALFORMED);
		return n;
	}
	for (j = 0; j < r; j++)
		set_item(&b->items[n + j], b->slot[first + j], b->seg_len[j], b->seg_tail[j], b->seg_tail_len[j]);
	b->slots = first + (unsigned)r;
	return n + r;
}

/*
 * Places one packet read from the TUN (at b->slot[b->slots] + header room
 * when in_slot, else in a pending buffer) into the batch, cut into segments
 * when it is a TSO/USO super-packet and with its checksum completed when
 * the kernel left it partial. Returns the new count of items, or -1 when
 * it does not fit the batch.
 */
static int take_packet(struct wgcd *d, struct lane_buffers *b, int n, const struct virtio_net_hdr *hdr,
		       const uint8_t *pkt, size_t len, bool in_slot)
{
	unsigned free_slots = BATCH - b->slots;
	int k, r, j;

	if (!d->vnet) {
		set_item(&b->items[n], b->slot[b->slots++], len, NULL, 0);
		return n + 1;
	}
	k = wgc_offload_count(hdr, pkt, len);
	if (k <= 0) {
		count_tun_drop(d, WGC_DEV_DATA_DROPPED_MALFORMED);
		return n;
	}
	if (d->tx_zerocopy && (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE) {
		r = take_segments(d, b, n, hdr, pkt, len, (unsigned)k, in_slot);
		if (r >= 0)
			return r;
	}
	/* not a super-packet, or room for its segments only: copied out (in place for segment 0 when in_slot) */
	if ((unsigned)k > free_slots) {
		if (b->slots)
			return -1;
		count_tun_drop(d, WGC_DEV_DATA_DROPPED_TOO_MANY_SEGMENTS); /* more than a whole batch holds */
		return n;
	}
	r = wgc_offload_split(hdr, pkt, len, &b->slot_ptr[b->slots], SLOT, WGC_MSG_DATA_HEADER_LEN, b->seg_len,
			      free_slots);
	if (r <= 0) {
		count_tun_drop(d, WGC_DEV_DATA_DROPPED_MALFORMED);
		return n;
	}
	for (j = 0; j < r; j++)
		set_item(&b->items[n + j], b->slot[b->slots + (unsigned)j], b->seg_len[j], NULL, 0);
	b->slots += (unsigned)r;
	return n + r;
}

/* Keeps a packet that did not fit this batch for the next, away from the buffers this batch still reads. */
static void save_pending(struct lane_buffers *b, const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len)
{
	b->pending_idx ^= 1;
	memcpy(b->pending[b->pending_idx], pkt, len);
	b->pending_hdr = *hdr;
	b->pending_len = len;
	b->has_pending = true;
}

/* Reads up to BATCH packets, waiting at most a second for the first. Returns count or -errno. */
static int read_tun_batch(struct wgcd *d, unsigned q, struct lane_buffers *b)
{
	/* the stop eventfd stays readable once written, so every lane wakes at shutdown */
	struct pollfd pfd[2] = { { .fd = d->tun.fds[q], .events = POLLIN }, { .fd = d->stop_fd, .events = POLLIN } };
	struct virtio_net_hdr hdr;
	int n = 0, r;

	b->slots = 0;
	if (b->has_pending) {
		b->has_pending = false;
		n = take_packet(d, b, 0, &b->pending_hdr, b->pending[b->pending_idx], b->pending_len, false);
		if (n < 0)
			n = 0;
	}
	if (!n) {
		r = poll(pfd, 2, 1000);
		if (r <= 0)
			return r < 0 ? -errno : 0;
		if (pfd[1].revents)
			return 0;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			return -EBADFD;
	}
	while (b->slots < BATCH) {
		uint8_t *dst = b->slot[b->slots] + WGC_MSG_DATA_HEADER_LEN;
		ssize_t len = d->vnet ? wgc_tun_read_vnet(&d->tun, q, &hdr, dst, 65535)
				      : wgc_tun_read(&d->tun, q, dst, 65535);
		if (len == -EAGAIN || len == -EINTR)
			break;
		if (len < 0)
			return n ? n : (int)len;
		if (len == 0)
			continue;
		r = take_packet(d, b, n, &hdr, dst, (size_t)len, true);
		if (r < 0) {
			save_pending(b, &hdr, dst, (size_t)len);
			break;
		}
		n = r;
	}
	return n;
}

/* Hands the encrypted packets of a batch to the UDP socket, GSO-batched when it can. */
static void send_batch(struct wgcd *d, struct lane_buffers *b, unsigned n)
{
	unsigned i, m = 0, off, chunk;

	for (i = 0; i < n; i++) {
		struct wgc_udp_tx *tx = &b->tx[m];

		if (!b->items[i].wire_len)
			continue;
		if (tx != &b->tx[i])
			*tx = b->tx[i];
		tx->buf = b->items[i].buf;
		tx->len = b->items[i].wire_len;
		tx->src_rejected = false;
		m++;
	}
	if (!m)
		return;
	pthread_rwlock_rdlock(&d->udp_lock);
	for (off = 0; off < m; off += chunk) {
		chunk = m - off < WGC_UDP_BATCH_MAX ? m - off : WGC_UDP_BATCH_MAX;
		if (d->udp.gso)
			wgc_udp_send_gso(&d->udp, b->tx + off, chunk);
		else
			wgc_udp_send(&d->udp, b->tx + off, chunk);
	}
	pthread_rwlock_unlock(&d->udp_lock);
}

/* The core decides (wgc_tx_prepare under the lock, wgc_tx_encrypt outside); the lane does I/O. */
static void process_tun_batch(struct wgcd *d, unsigned q, struct lane_buffers *b, unsigned n)
{
	unsigned i;

	pthread_rwlock_rdlock(&d->udp_lock);
	lane_port = d->udp.port;
	pthread_rwlock_unlock(&d->udp_lock);
	for (i = 0; i < n; i++)
		b->items[i].user = &b->tx[i];
	wgcd_datapath_lock(d);
	wgc_tx_prepare(d->core, b->items, n, wgcd_now_ms());
	pthread_mutex_unlock(&d->lock);
	wgc_tx_encrypt(d->core, b->items, n);
	atomic_fetch_add_explicit(&d->data_packets, n, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		struct wgc_tx_item *it = &b->items[i];

		if (it->reason == WGC_DEV_DATA_DROPPED_NO_ROUTE) {
			uint8_t *pkt = it->buf + WGC_MSG_DATA_HEADER_LEN;
			size_t il;

			/* the quote needs the packet in one piece; the slot has room, and it was not encrypted */
			if (it->tail_len)
				memcpy(pkt + it->len, it->tail, it->tail_len);
			il = wgcd_icmp_unreachable(b->icmp, sizeof(b->icmp), pkt, it->len + it->tail_len);
			if (il)
				wgcd_tun_write(d, q, b->icmp, il);
		}
	}
	send_batch(d, b, n);
}

static void *lane_main(void *arg)
{
	struct wgcd_lane *lane = arg;
	struct wgcd *d = lane->d;
	struct lane_buffers *b = wgcd_pktbuf_alloc(sizeof(*b));
	char name[8];
	unsigned i;

	snprintf(name, sizeof(name), "lane%u", lane->index);
	wgcd_name_thread(name);

	if (!b) {
		wgc_log(WGC_LOG_ERROR, "lane %u: out of memory", lane->index);
		wgcd_request_stop(d);
		return NULL;
	}
	for (i = 0; i < BATCH; i++)
		b->slot_ptr[i] = b->slot[i];
	b->has_pending = false;
	b->pending_idx = 0;
	while (!atomic_load(&d->stopping)) {
		int n = read_tun_batch(d, lane->index, b);
		if (n == -EBADFD || n == -ENODEV) {
			wgc_log(WGC_LOG_VERBOSE, "TUN interface is gone");
			wgcd_request_stop(d);
			break;
		}
		if (n > 0)
			process_tun_batch(d, lane->index, b, (unsigned)n);
	}
	wgcd_pktbuf_free(b, sizeof(*b));
	return NULL;
}

int wgcd_start_lanes(struct wgcd *d)
{
	unsigned i;

	for (i = 0; i < d->n_lanes; i++) {
		d->lanes[i].d = d;
		d->lanes[i].index = i;
		if (pthread_create(&d->lanes[i].thread, NULL, lane_main, &d->lanes[i]))
			return -EAGAIN;
		d->lanes[i].started = true;
	}
	return 0;
}

void wgcd_stop_lanes(struct wgcd *d)
{
	unsigned i;

	for (i = 0; i < d->n_lanes; i++) {
		if (d->lanes[i].started)
			pthread_join(d->lanes[i].thread, NULL);
		d->lanes[i].started = false;
	}
}

/* ---- network -> TUN ---- */

struct reader_buffers {
	uint8_t slot[BATCH][SLOT];
	struct wgc_udp_rx rx[BATCH];
	struct wgcd_origin origin[BATCH];
	struct wgc_rx_item items[BATCH];
	struct delivery delivered;
	struct wgc_offload_unit units[BATCH];
	struct iovec iov[BATCH];
};

/* Writes what the core delivered during a batch to the TUN, coalesced when offloads are on. */
static void write_delivered(struct wgcd *d, struct reader_buffers *b)
{
	unsigned i;

	if (d->vnet) {
		/* consecutive segments of one TCP flow go to the TUN as one write */
		unsigned units = wgc_offload_coalesce(b->delivered.pkt, b->delivered.len, b->delivered.n, b->units, b->iov);
		for (i = 0; i < units; i++)
			wgc_tun_writev(&d->tun, 0, &b->units[i]);
	} else {
		for (i = 0; i < b->delivered.n; i++)
			wgc_tun_write(&d->tun, 0, b->delivered.pkt[i], b->delivered.len[i]);
	}
}

/* A message the core queued for the handshake workers; a full queue's drop is counted, under its source. */
static void enqueue_handshake(struct wgcd *d, const uint8_t *msg, size_t len, const struct wgcd_origin *origin,
			      uint64_t now)
{
	struct wgcd_origin evicted;

	switch (wgcd_handshake_enqueue(&d->handshakes, msg, len, origin, now, wgc_cookie_claims_mac2(msg, len),
				       &evicted)) {
	case WGCD_ENQUEUE_DROPPED:
		wgc_device_count_drop(d->core, WGC_DEV_REJECTED_HANDSHAKE_QUEUE_FULL, &origin->from.addr);
		break;
	case WGCD_ENQUEUE_REPLACED:
		wgc_device_count_drop(d->core, WGC_DEV_REJECTED_HANDSHAKE_QUEUE_FULL, &evicted.from.addr);
		break;
	case WGCD_ENQUEUED:
		break;
	}
}

/* The core decides (classify and commit under the lock, decrypt outside); the reader does I/O. */
static void process_udp_batch(struct wgcd *d, struct reader_buffers *b, unsigned n)
{
	uint64_t now = wgcd_now_ms();
	unsigned i, n_data = 0;

	for (i = 0; i < n; i++) {
		b->origin[i].from = b->rx[i].from;
		b->origin[i].local = b->rx[i].local;
		b->origin[i].ttl = b->rx[i].ttl;
		b->origin[i].handshake = false;
		/* a truncated datagram is junk whatever its first bytes say: length 0 */
		b->items[i] = (struct wgc_rx_item){ .msg = b->slot[i], .len = b->rx[i].truncated ? 0 : b->rx[i].len,
						    .src = &b->origin[i].from.addr, .src_info = &b->origin[i] };
	}
	wgcd_datapath_lock(d);
	wgc_rx_classify(d->core, b->items, n);
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < n; i++) {
		if (b->items[i].verdict == WGC_RX_QUEUED)
			enqueue_handshake(d, b->slot[i], b->items[i].len, &b->origin[i], now);
		n_data += b->items[i].kp != NULL;
	}
	if (!n_data)
		return;
	atomic_fetch_add_explicit(&d->data_packets, n_data, memory_order_relaxed);
	wgc_rx_decrypt(b->items, n, now);
	b->delivered.n = 0;
	current_delivery = &b->delivered;
	wgcd_datapath_lock(d);
	wgc_rx_commit(d->core, b->items, n, now);
	pthread_mutex_unlock(&d->lock);
	current_delivery = NULL;
	write_delivered(d, b);
}

static bool endpoint_equal(const union wgc_endpoint *a, const union wgc_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_port == b->addr4.sin_port && a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	return a->addr.sa_family == AF_INET6 && a->addr6.sin6_port == b->addr6.sin6_port &&
	       !memcmp(&a->addr6.sin6_addr, &b->addr6.sin6_addr, sizeof(a->addr6.sin6_addr));
}

/* The error-queue drain of one reader: how many peer walks it may still make. */
struct icmp_drain {
	struct wgcd *d;
	unsigned walks_left;
};

/*
 * An ICMP port unreachable for dst: counted on every peer whose endpoint or
 * candidate it is. The walk holds the device lock, and ICMP errors can be
 * forged in bulk, so a drain walks for its first few errors only and the
 * reader drains with walks at most every ICMP_WALK_INTERVAL_MS (the rest
 * are read off the queue and dropped): a diagnostic, not worth a lock storm.
 */
static void note_port_unreachable(void *ctx, const union wgc_endpoint *dst)
{
	struct icmp_drain *drain = ctx;
	struct wgcd *d = drain->d;
	struct timespec ts;
	struct wgc_peer *peer;

	if (!drain->walks_left)
		return;
	drain->walks_left--;
	clock_gettime(CLOCK_REALTIME, &ts);
	wgcd_datapath_lock(d);
	for (peer = wgc_device_first_peer(d->core); peer; peer = wgc_peer_next(peer)) {
		struct wgcd_peer *wp = wgc_peer_user(peer);

		if (!wp || !(endpoint_equal(&wp->endpoint, dst) ||
			     (wp->cands && wgc_candidates_find(wp->cands, &dst->addr) >= 0)))
			continue;
		wgc_peer_counter_add(peer, WGC_PEER_ICMP_PORT_UNREACHABLE, 1);
		wgc_peer_counter_set(peer, WGC_PEER_LAST_ICMP_PORT_UNREACHABLE, (uint64_t)(ts.tv_sec > 0 ? ts.tv_sec : 0));
	}
	pthread_mutex_unlock(&d->lock);
}

enum { ICMP_WALK_INTERVAL_MS = 100, ICMP_WALKS_PER_DRAIN = 4 };

static void drain_icmp_errors(struct wgcd_udp_reader *r, uint64_t *last_walk_ms)
{
	struct icmp_drain drain = { .d = r->d, .walks_left = 0 };
	uint64_t now = wgcd_now_ms();

	if (now - *last_walk_ms >= ICMP_WALK_INTERVAL_MS) {
		drain.walks_left = ICMP_WALKS_PER_DRAIN;
		*last_walk_ms = now;
	}
	wgc_udp_read_errors(r->fd, note_port_unreachable, &drain);
}

static void *reader_main(void *arg)
{
	struct wgcd_udp_reader *r = arg;
	struct wgcd *d = r->d;
	struct reader_buffers *b = wgcd_pktbuf_alloc(sizeof(*b));
	uint64_t last_walk_ms = 0;
	unsigned i;

	wgcd_name_thread(r->fd == d->udp.fd6 ? "rx6" : "rx4");

	if (!b) {
		wgc_log(WGC_LOG_ERROR, "UDP reader: out of memory");
		wgcd_request_stop(d);
		return NULL;
	}
	for (i = 0; i < BATCH; i++) {
		b->rx[i].buf = b->slot[i];
		b->rx[i].cap = SLOT - WGC_MESSAGE_PADDING_MULTIPLE;
	}
	while (!atomic_load(&d->stopping) && r->generation == d->udp_generation) {
		int n = d->udp.gro ? wgc_udp_recv_gro(r->fd, b->rx, BATCH, true)
				   : wgc_udp_recv(r->fd, b->rx, WGC_UDP_BATCH_MAX, true);
		if (n == 0)
			break; /* woken: the socket is being replaced or we stop */
		if (n < 0) {
			if (n == -EINTR || n == -EAGAIN)
				continue;
			if (n == -EBADF || n == -ENOTSOCK)
				break;
			/* ICMP errors surface as ECONNREFUSED and the like: read them off the error queue */
			drain_icmp_errors(r, &last_walk_ms);
			continue;
		}
		process_udp_batch(d, b, (unsigned)n);
	}
	wgcd_pktbuf_free(b, sizeof(*b));
	return NULL;
}

int wgcd_start_udp_readers(struct wgcd *d)
{
	int fds[2] = { d->udp.fd4, d->udp.fd6 };
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct wgcd_udp_reader *r = &d->readers[i];
		r->d = d;
		r->fd = fds[i];
		r->generation = d->udp_generation;
		r->started = false;
		if (r->fd < 0)
			continue;
		if (pthread_create(&r->thread, NULL, reader_main, r))
			return -EAGAIN;
		r->started = true;
	}
	return 0;
}

void wgcd_stop_udp_readers(struct wgcd *d)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		if (d->readers[i].started)
			pthread_join(d->readers[i].thread, NULL);
		d->readers[i].started = false;
	}
}

int wgcd_set_listen_port(struct wgcd *d, uint16_t port)
{
	struct wgc_udp old;
	int ret;

	pthread_rwlock_wrlock(&d->udp_lock);
	if (port && port == d->udp.port) {
		pthread_rwlock_unlock(&d->udp_lock);
		return 0;
	}
	ret = wgc_udp_rebind(&d->udp, port, &old);
	if (!ret)
		d->udp_generation++;
	pthread_rwlock_unlock(&d->udp_lock);
	if (ret)
		return ret;
	wgcd_stop_udp_readers(d);
	wgc_udp_close(&old);
	return wgcd_start_udp_readers(d);
}

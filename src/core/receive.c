// SPDX-License-Identifier: MIT
/*
 * The receiving direction. Every message type has an exact length (data: a
 * minimum) that is checked before any other byte is looked at; handshake
 * messages must carry a valid mac1 (and under load mac2) before any
 * Diffie-Hellman is spent on them; data must authenticate, pass the replay
 * window and carry an inner packet whose source the sending peer may use.
 * Whatever is dropped is dropped for a reason, and the reason is counted
 * (counters.h), as the kernel's receive.c gives each its own label.
 */
#include "device.h"
#include "device_impl.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

bool wgc_message_length_ok(enum wgc_message_type type, size_t len)
{
	switch (type) {
	case WGC_MSG_HANDSHAKE_INITIATION:
		return len == WGC_MSG_INITIATION_LEN;
	case WGC_MSG_HANDSHAKE_RESPONSE:
		return len == WGC_MSG_RESPONSE_LEN;
	case WGC_MSG_HANDSHAKE_COOKIE:
		return len == WGC_MSG_COOKIE_LEN;
	case WGC_MSG_DATA:
		return len >= WGC_MSG_DATA_MIN_LEN;
	default:
		return false;
	}
}

void wgc_device_event(struct wgc_device *dev, struct wgc_peer *peer, enum wgc_event_kind kind, unsigned attempt,
		      const struct sockaddr *src)
{
	struct wgc_event ev = { .kind = kind, .reason = WGC_DROP_NONE, .attempt = attempt, .src = src };

	if (dev->ops->event)
		dev->ops->event(dev->ops_ctx, peer, &ev);
}

enum wgc_rx_verdict wgc_device_reject(struct wgc_device *dev, struct wgc_peer *peer, wgc_drop_reason reason,
				  const struct sockaddr *src, wgc_drop_reason *out)
{
	wgc_counters_reject(&dev->counters, reason, src);
	if (out)
		*out = reason;
	if (peer) {
		if (reason == WGC_DEV_REJECTED_STALE_TIMESTAMP)
			wgc_peer_counter_add(peer, WGC_PEER_REJECTED_STALE_TIMESTAMP, 1);
		else if (reason == WGC_DEV_REJECTED_DUPLICATE_INITIATION)
			wgc_peer_counter_add(peer, WGC_PEER_REJECTED_DUPLICATE_INITIATION, 1);
		else if (reason == WGC_DEV_REJECTED_INITIATION_FLOOD)
			wgc_peer_counter_add(peer, WGC_PEER_REJECTED_INITIATION_FLOOD, 1);
		else if (reason == WGC_DEV_DATA_REJECTED_REPLAY)
			wgc_peer_counter_add(peer, WGC_PEER_DATA_REJECTED_REPLAY, 1);
		else if (reason == WGC_DEV_DATA_REJECTED_SOURCE_NOT_ALLOWED)
			wgc_peer_counter_add(peer, WGC_PEER_DATA_REJECTED_SOURCE_NOT_ALLOWED, 1);
	}
	if (dev->ops->event && wgc_drop_is_handshake(reason)) {
		struct wgc_event ev = { .kind = WGC_EVENT_REJECTED, .reason = reason, .src = src };
		dev->ops->event(dev->ops_ctx, peer, &ev);
	}
	return WGC_RX_DROP;
}

void wgc_device_count_drop(struct wgc_device *dev, wgc_drop_reason reason, const struct sockaddr *src)
{
	wgc_counters_reject(&dev->counters, reason, src);
}

void wgc_peer_handshake_complete(struct wgc_peer *peer)
{
	struct wgc_device *dev = peer->device;
	int64_t sec;
	uint32_t nsec;

	wgc_timers_handshake_complete(&peer->timers);
	dev->ops->wall_time(dev->ops_ctx, &sec, &nsec);
	peer->last_handshake_sec = sec;
	peer->last_handshake_nsec = nsec;
	wgc_device_event(dev, peer, WGC_EVENT_HANDSHAKE_COMPLETE, 0, NULL);
}

static void keep_key_fresh_receive(struct wgc_peer *peer, uint64_t now_ms)
{
	struct wgc_keypair *kp = peer->keypairs.current;

	if (kp && atomic_load(&kp->send_valid) &&
	    wgc_timers_rekey_on_receive(&peer->timers, kp->i_am_initiator, kp->birth_ms, now_ms))
		wgc_peer_initiate_handshake(peer, false, now_ms);
}

static const void *inner_source(const uint8_t *packet, int *family)
{
	if (packet[0] >> 4 == 4) {
		*family = AF_INET;
		return packet + 12;
	}
	*family = AF_INET6;
	return packet + 8;
}

/* After decryption and the replay window: everything a data message does to its peer. */
static enum wgc_rx_verdict receive_data(struct wgc_peer *peer, struct wgc_rx_item *it, uint64_t now_ms)
{
	struct wgc_device *dev = peer->device;
	const uint8_t *plain = it->msg + WGC_MSG_DATA_HEADER_LEN;
	const void *inner_src;
	size_t inner;
	int family;

	if (dev->ops->set_endpoint)
		dev->ops->set_endpoint(dev->ops_ctx, peer, it->src_info);
	if (wgc_keypairs_received_with(&peer->keypairs, it->kp, &dev->indices)) {
		wgc_peer_handshake_complete(peer);
		wgc_peer_send_staged(peer, now_ms);
	}
	keep_key_fresh_receive(peer, now_ms);
	wgc_timers_any_authenticated_packet_received(&peer->timers);
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	if (!it->plain_len) {
		peer->rx_bytes += WGC_DATA_OVERHEAD;
		wgc_peer_counter_add(peer, WGC_PEER_KEEPALIVES_RECEIVED, 1);
		return WGC_RX_KEEPALIVE;
	}
	wgc_timers_data_received(&peer->timers, now_ms);
	inner = wgc_transport_inner_len(plain, it->plain_len);
	if (!inner)
		return wgc_device_reject(dev, peer, WGC_DEV_DATA_REJECTED_INVALID_INNER_PACKET, it->src, &it->reason);
	/* cryptokey routing, inbound: the source must be one this peer may use */
	inner_src = inner_source(plain, &family);
	if (wgc_allowedips_lookup(&dev->allowedips, family, inner_src) != peer)
		return wgc_device_reject(dev, peer, WGC_DEV_DATA_REJECTED_SOURCE_NOT_ALLOWED, it->src, &it->reason);
	dev->ops->deliver(dev->ops_ctx, peer, plain, inner);
	peer->rx_bytes += it->plain_len + WGC_DATA_OVERHEAD;
	return WGC_RX_DATA;
}

static enum wgc_rx_verdict classify_one(struct wgc_device *dev, struct wgc_rx_item *it)
{
	enum wgc_message_type type = wgc_message_type(it->msg, it->len);
	struct wgc_index_entry *entry;

	if (!wgc_message_length_ok(type, it->len))
		return wgc_device_reject(dev, NULL, WGC_DEV_REJECTED_INVALID_LENGTH, it->src, &it->reason);
	if (type != WGC_MSG_DATA)
		return WGC_RX_QUEUED;
	if (!dev->up)
		return wgc_device_reject(dev, NULL, WGC_DEV_REJECTED_DEVICE_DOWN, it->src, &it->reason);
	if (it->len - WGC_DATA_OVERHEAD > WGC_MAX_INNER_PACKET)
		return wgc_device_reject(dev, NULL, WGC_DEV_DATA_REJECTED_TOO_LONG, it->src, &it->reason);
	entry = wgc_index_lookup(&dev->indices, wgc_load_le32(it->msg + offsetof(struct wgc_msg_data, receiver_index)),
				 WGC_INDEX_KEYPAIR);
	if (!entry)
		return wgc_device_reject(dev, NULL, WGC_DEV_DATA_REJECTED_UNKNOWN_INDEX, it->src, &it->reason);
	it->kp = wgc_keypair_get(entry->owner);
	return WGC_RX_DATA;
}

void wgc_rx_classify(struct wgc_device *dev, struct wgc_rx_item *items, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		items[i].kp = NULL;
		items[i].reason = WGC_DROP_NONE;
		items[i].verdict = classify_one(dev, &items[i]);
	}
}

void wgc_rx_decrypt(struct wgc_rx_item *items, unsigned n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++) {
		struct wgc_rx_item *it = &items[i];
		enum wgc_transport_status st;

		if (!it->kp)
			continue;
		st = wgc_transport_decrypt(it->kp, it->msg, it->len, it->msg + WGC_MSG_DATA_HEADER_LEN, &it->plain_len,
					   &it->counter, now_ms);
		if (st == WGC_TRANSPORT_OK)
			continue;
		it->verdict = WGC_RX_DROP;
		it->reason = st == WGC_TRANSPORT_EXPIRED ? WGC_DEV_DATA_REJECTED_EXPIRED_KEYPAIR
							 : WGC_DEV_DATA_REJECTED_DECRYPT;
	}
}

static enum wgc_rx_verdict commit_one(struct wgc_device *dev, struct wgc_rx_item *it, uint64_t now_ms)
{
	struct wgc_keypair *kp = it->kp;
	struct wgc_peer *peer = kp->entry.peer;

	/* an unlinked keypair was rotated out or its peer removed meanwhile */
	if (!kp->entry.linked)
		return wgc_device_reject(dev, NULL, WGC_DEV_DATA_REJECTED_EXPIRED_KEYPAIR, it->src, &it->reason);
	if (it->verdict == WGC_RX_DROP)
		return wgc_device_reject(dev, peer, it->reason, it->src, &it->reason);
	if (!wgc_transport_accept_counter(kp, it->counter))
		return wgc_device_reject(dev, peer, WGC_DEV_DATA_REJECTED_REPLAY, it->src, &it->reason);
	return receive_data(peer, it, now_ms);
}

void wgc_rx_commit(struct wgc_device *dev, struct wgc_rx_item *items, unsigned n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++) {
		struct wgc_rx_item *it = &items[i];

		if (!it->kp)
			continue;
		it->verdict = commit_one(dev, it, now_ms);
		wgc_keypair_put(it->kp);
		it->kp = NULL;
	}
}

enum wgc_rx_verdict wgc_device_receive(struct wgc_device *dev, const uint8_t *msg, size_t len,
				       const struct sockaddr *src, const void *src_info, bool under_load,
				       uint64_t now_ms)
{
	static __thread uint8_t buf[WGC_MAX_INNER_PACKET + WGC_DATA_OVERHEAD];
	struct wgc_rx_item it = { .msg = buf, .len = len, .src = src, .src_info = src_info };

	if (len > sizeof(buf))
		return wgc_device_reject(dev, NULL, WGC_DEV_REJECTED_INVALID_LENGTH, src, NULL);
	memcpy(buf, msg, len);
	wgc_rx_classify(dev, &it, 1);
	if (it.verdict == WGC_RX_QUEUED)
		return wgc_device_receive_handshake(dev, msg, len, src, src_info, under_load, now_ms, NULL);
	wgc_rx_decrypt(&it, 1, now_ms);
	wgc_rx_commit(dev, &it, 1, now_ms);
	return it.verdict;
}

uint64_t wgc_device_counter_get(struct wgc_device *dev, enum wgc_device_counter c)
{
	return (unsigned)c < WGC_DEVICE_COUNTER_COUNT ? atomic_load_explicit(&dev->counters.v[c], memory_order_relaxed)
						       : 0;
}

/*
 * The peer's counter block, allocated at its first count (a hub's idle
 * peers never count anything: 136 bytes each saved). Any thread: the
 * first to install it wins. NULL only when memory ran out, and then the
 * count is lost (nothing else is).
 */
static struct wgc_peer_counters *peer_counters(struct wgc_peer *peer)
{
	struct wgc_peer_counters *c = atomic_load_explicit(&peer->counters, memory_order_acquire), *none = NULL;

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (c && !atomic_compare_exchange_strong_explicit(&peer->counters, &none, c, memory_order_acq_rel,
							  memory_order_acquire)) {
		free(c);
		c = none;
	}
	return c;
}

uint64_t wgc_peer_counter_get(struct wgc_peer *peer, enum wgc_peer_counter c)
{
	struct wgc_peer_counters *pc = atomic_load_explicit(&peer->counters, memory_order_acquire);

	return pc && (unsigned)c < WGC_PEER_COUNTER_COUNT ? atomic_load_explicit(&pc->v[c], memory_order_relaxed) : 0;
}

void wgc_peer_counter_set(struct wgc_peer *peer, enum wgc_peer_counter c, uint64_t v)
{
	struct wgc_peer_counters *pc;

	/* a value never set reads 0: no block needed for that */
	if ((unsigned)c >= WGC_PEER_COUNTER_COUNT ||
	    !(pc = v ? peer_counters(peer) : atomic_load_explicit(&peer->counters, memory_order_acquire)))
		return;
	wgc_peer_counters_set(pc, c, v);
}

void wgc_device_counter_add(struct wgc_device *dev, enum wgc_device_counter c, uint64_t n)
{
	if ((unsigned)c < WGC_DEVICE_COUNTER_COUNT && n)
		wgc_counters_add(&dev->counters, c, n);
}

void wgc_peer_counter_add(struct wgc_peer *peer, enum wgc_peer_counter c, uint64_t n)
{
	struct wgc_peer_counters *pc;

	if ((unsigned)c < WGC_PEER_COUNTER_COUNT && n && (pc = peer_counters(peer)))
		wgc_peer_counters_add(pc, c, n);
}

void wgc_peer_counters_release(struct wgc_peer *peer)
{
	free(atomic_exchange_explicit(&peer->counters, NULL, memory_order_acq_rel));
}

unsigned wgc_device_rejected_sources(struct wgc_device *dev, wgc_drop_reason reason,
				     union wgc_sockaddr out[WGC_REJECTED_SOURCES_PER_REASON])
{
	return wgc_counters_rejected_sources(&dev->counters, reason, out);
}

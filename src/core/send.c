// SPDX-License-Identifier: MIT
/*
 * The sending direction: initiations (rate limited to one per
 * REKEY_TIMEOUT), staging of packets while no session exists, encryption of
 * staged packets and keepalives, the send-side rekey rule, and the phased
 * batch API the daemon's lanes use (wgc_tx_prepare / wgc_tx_encrypt).
 */
#include "device.h"
#include "device_impl.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

/* An initiation may go to several endpoint candidates (ops->send_initiation). */
static bool send_message(struct wgc_peer *peer, const uint8_t *msg, size_t len, bool initiation)
{
	struct wgc_device *dev = peer->device;
	wgc_drop_reason r = initiation && dev->ops->send_initiation
				    ? dev->ops->send_initiation(dev->ops_ctx, peer, msg, len)
				    : dev->ops->send_to_peer(dev->ops_ctx, peer, msg, len);

	if (r != WGC_DROP_NONE) {
		wgc_counters_add(&dev->counters, r, 1);
		return false;
	}
	peer->tx_bytes += len;
	return true;
}

bool wgc_peer_send_message(struct wgc_peer *peer, const uint8_t *msg, size_t len)
{
	return send_message(peer, msg, len, false);
}

static void note_attempt(struct wgc_peer *peer, int64_t sec)
{
	wgc_peer_counter_add(peer, WGC_PEER_HANDSHAKE_INITIATIONS_SENT, 1);
	wgc_peer_counter_set(peer, WGC_PEER_LAST_HANDSHAKE_ATTEMPT, (uint64_t)(sec > 0 ? sec : 0));
	wgc_device_event(peer->device, peer, WGC_EVENT_INITIATION_SENT, peer->timers.handshake_attempts + 1, NULL);
}

void wgc_peer_initiate_handshake(struct wgc_peer *peer, bool is_retry, uint64_t now_ms)
{
	struct wgc_device *dev = peer->device;
	struct wgc_msg_initiation msg;
	uint8_t timestamp[WGC_TAI64N_LEN];
	int64_t sec;
	uint32_t nsec;

	if (!dev->up || !wgc_timers_initiation_allowed(&peer->timers, now_ms, is_retry))
		return;
	dev->ops->wall_time(dev->ops_ctx, &sec, &nsec);
	/* coarse nanoseconds, as the kernel sends: the timestamp must not reveal the clock finely */
	wgc_tai64n(timestamp, sec, nsec & ~0xffffffU);
	if (!wgc_noise_create_initiation(&peer->handshake, &dev->indices, &msg, timestamp))
		return;
	wgc_cookie_add_macs(&peer->cookie, peer->handshake.remote_static, (uint8_t *)&msg, sizeof(msg), now_ms);
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	wgc_timers_any_authenticated_packet_sent(&peer->timers);
	if (send_message(peer, (const uint8_t *)&msg, sizeof(msg), true))
		note_attempt(peer, sec);
	wgc_timers_handshake_initiated(&peer->timers, now_ms);
}

void wgc_peer_keep_key_fresh_send(struct wgc_peer *peer, uint64_t now_ms)
{
	struct wgc_keypair *kp = peer->keypairs.current;

	if (kp && atomic_load(&kp->send_valid) &&
	    wgc_timers_rekey_on_send(kp->i_am_initiator, kp->birth_ms, now_ms, atomic_load(&kp->send_counter)))
		wgc_peer_initiate_handshake(peer, false, now_ms);
}

void wgc_peer_sent_data(struct wgc_peer *peer, size_t inner_len, size_t wire_len, uint64_t now_ms)
{
	peer->tx_bytes += wire_len;
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	wgc_timers_any_authenticated_packet_sent(&peer->timers);
	if (inner_len)
		wgc_timers_data_sent(&peer->timers, now_ms);
	else
		wgc_peer_counter_add(peer, WGC_PEER_KEEPALIVES_SENT, 1);
}

/* A copy of head then tail, contiguous and owned by the staging queue: nothing points into the caller's buffers. */
static void stage(struct wgc_peer *peer, const uint8_t *packet, size_t head_len, const uint8_t *rest,
		  size_t rest_len)
{
	struct wgc_staged *s = peer->staged;
	size_t len = head_len + rest_len;
	unsigned tail;
	uint8_t *copy;

	if (!s) {
		s = peer->staged = calloc(1, sizeof(*s));
		if (!s)
			return;
	}
	copy = malloc(len ? len : 1);
	if (!copy)
		return;
	if (head_len)
		memcpy(copy, packet, head_len);
	if (rest_len)
		memcpy(copy + head_len, rest, rest_len);
	if (s->count == WGC_MAX_STAGED_PACKETS) {
		/* the oldest goes: by the time a session exists it is the stalest */
		free(s->packets[s->head]);
		s->head = (s->head + 1) % WGC_MAX_STAGED_PACKETS;
		s->count--;
		wgc_counters_add(&peer->device->counters, WGC_DEV_DATA_DROPPED_STAGED_OVERFLOW, 1);
	}
	tail = (s->head + s->count) % WGC_MAX_STAGED_PACKETS;
	s->packets[tail] = copy;
	s->lens[tail] = (uint16_t)len;
	s->count++;
}

void wgc_peer_send_staged(struct wgc_peer *peer, uint64_t now_ms)
{
	struct wgc_device *dev = peer->device;
	struct wgc_staged *s = peer->staged;
	struct wgc_keypair *kp;
	static __thread uint8_t buf[WGC_MAX_INNER_PACKET + WGC_DATA_OVERHEAD + WGC_MESSAGE_PADDING_MULTIPLE];

	if (!dev->up || !s || !s->count)
		return;
	kp = wgc_keypairs_current_for_send(&peer->keypairs, now_ms);
	if (!kp) {
		wgc_peer_initiate_handshake(peer, false, now_ms);
		return;
	}
	while (s->count) {
		uint64_t counter;
		size_t len = s->lens[s->head], wire;

		if (!wgc_transport_next_counter(kp, &counter)) {
			/* nonces ran out: the packets wait for the new session */
			wgc_keypair_put(kp);
			wgc_peer_initiate_handshake(peer, false, now_ms);
			return;
		}
		wire = wgc_transport_encrypt(kp, counter, buf, s->packets[s->head], len, dev->mtu);
		free(s->packets[s->head]);
		s->packets[s->head] = NULL;
		s->head = (s->head + 1) % WGC_MAX_STAGED_PACKETS;
		s->count--;
		if (!wire)
			wgc_counters_add(&dev->counters, WGC_DEV_DATA_DROPPED_ENCRYPT, 1);
		else if (wgc_peer_send_message(peer, buf, wire))
			wgc_peer_sent_data(peer, len, 0, now_ms);
	}
	wgc_keypair_put(kp);
	wgc_peer_keep_key_fresh_send(peer, now_ms);
}

/* A packet in two parts (head, tail) through the staging queue: copied whole, then sent if a session allows. */
static void send_packet_parts(struct wgc_peer *peer, const uint8_t *head, size_t len, const uint8_t *tail,
			      size_t tail_len, uint64_t now_ms)
{
	if (len + tail_len > 65535) {
		wgc_counters_add(&peer->device->counters, WGC_DEV_DATA_DROPPED_MALFORMED, 1);
		return;
	}
	stage(peer, head, len, tail, tail_len);
	wgc_peer_send_staged(peer, now_ms);
}

void wgc_peer_send_packet(struct wgc_peer *peer, const uint8_t *packet, size_t len, uint64_t now_ms)
{
	send_packet_parts(peer, packet, len, NULL, 0, now_ms);
}

void wgc_peer_send_keepalive(struct wgc_peer *peer, uint64_t now_ms)
{
	/* with packets waiting, those carry the keepalive's meaning already */
	if (!wgc_peer_staged_count(peer))
		stage(peer, NULL, 0, NULL, 0);
	wgc_peer_send_staged(peer, now_ms);
}

struct wgc_peer *wgc_device_route(const struct wgc_device *dev, const uint8_t *packet, size_t len)
{
	if (len >= 20 && packet[0] >> 4 == 4)
		return wgc_allowedips_lookup(&dev->allowedips, AF_INET, packet + 16);
	if (len >= 40 && packet[0] >> 4 == 6)
		return wgc_allowedips_lookup(&dev->allowedips, AF_INET6, packet + 24);
	return NULL;
}

/*
 * Routing reads the IP header from the head alone: a head too short for its
 * version's header (not expected from the daemon, whose heads hold all
 * headers) gets the tail appended, as buf has room for the whole message.
 */
static void join_short_head(struct wgc_tx_item *it, uint8_t *pkt)
{
	size_t need = it->len && pkt[0] >> 4 == 4 ? 20 : 40;

	if (!it->tail_len || it->len >= need)
		return;
	memcpy(pkt + it->len, it->tail, it->tail_len);
	it->len += it->tail_len;
	it->tail = NULL;
	it->tail_len = 0;
}

/* One packet of a send batch, under the lock: routed, then sent now (kp set), staged or dropped. */
static wgc_drop_reason prepare_one(struct wgc_device *dev, struct wgc_tx_item *it, uint64_t now_ms)
{
	uint8_t *pkt = it->buf + WGC_MSG_DATA_HEADER_LEN;
	struct wgc_peer *peer;
	wgc_drop_reason r;
	size_t inner;

	join_short_head(it, pkt);
	inner = it->len + it->tail_len;
	peer = it->peer = wgc_device_route(dev, pkt, it->len);
	if (!dev->up)
		return WGC_DEV_DATA_DROPPED_DEVICE_DOWN;
	if (!peer)
		return WGC_DEV_DATA_DROPPED_NO_ROUTE;
	r = dev->ops->tx_check ? dev->ops->tx_check(dev->ops_ctx, peer, pkt, it->len, it->user) : WGC_DROP_NONE;
	if (r == WGC_DEV_DATA_DROPPED_ROUTING_LOOP)
		return r;
	/* packets already waiting for a session go first, to keep order; with
	 * no endpoint yet they wait too (a roaming peer may bring one) */
	if (r != WGC_DROP_NONE || wgc_peer_staged_count(peer) ||
	    !(it->kp = wgc_keypairs_current_for_send(&peer->keypairs, now_ms))) {
		send_packet_parts(peer, pkt, it->len, it->tail, it->tail_len, now_ms);
		return WGC_DROP_NONE;
	}
	if (!wgc_transport_next_counter(it->kp, &it->counter)) {
		wgc_keypair_put(it->kp);
		it->kp = NULL;
		send_packet_parts(peer, pkt, it->len, it->tail, it->tail_len, now_ms);
		return WGC_DROP_NONE;
	}
	it->mtu = dev->mtu;
	it->wire_len = wgc_transport_message_len(inner, it->mtu);
	wgc_peer_sent_data(peer, inner, it->wire_len, now_ms);
	wgc_peer_keep_key_fresh_send(peer, now_ms);
	return WGC_DROP_NONE;
}

void wgc_tx_prepare(struct wgc_device *dev, struct wgc_tx_item *items, unsigned n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++) {
		struct wgc_tx_item *it = &items[i];

		it->kp = NULL;
		it->wire_len = 0;
		it->reason = prepare_one(dev, it, now_ms);
		if (it->reason != WGC_DROP_NONE)
			wgc_counters_add(&dev->counters, it->reason, 1);
	}
}

void wgc_tx_encrypt(struct wgc_device *dev, struct wgc_tx_item *items, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct wgc_tx_item *it = &items[i];

		if (!it->kp)
			continue;
		if (it->tail_len)
			it->wire_len = wgc_transport_encrypt_gather(it->kp, it->counter, it->buf,
								    it->buf + WGC_MSG_DATA_HEADER_LEN, it->len, it->tail,
								    it->tail_len, it->mtu);
		else
			it->wire_len = wgc_transport_encrypt(it->kp, it->counter, it->buf,
							     it->buf + WGC_MSG_DATA_HEADER_LEN, it->len, it->mtu);
		wgc_keypair_put(it->kp);
		it->kp = NULL;
		if (!it->wire_len) {
			it->reason = WGC_DEV_DATA_DROPPED_ENCRYPT;
			wgc_counters_add(&dev->counters, it->reason, 1);
		}
	}
}

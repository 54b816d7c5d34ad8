// SPDX-License-Identifier: MIT
/*
 * The sending direction: initiations (rate limited to one per
 * REKEY_TIMEOUT), staging of packets while no session exists, encryption of
 * staged packets and keepalives, and the send-side rekey rule.
 */
#include "device.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

static bool send_message(struct wgc_peer *peer, const uint8_t *msg, size_t len)
{
	struct wgc_device *dev = peer->device;

	if (!dev->ops->send_to_peer(dev->ops_ctx, peer, msg, len))
		return false;
	peer->tx_bytes += len;
	return true;
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
	wgc_cookie_add_macs(&peer->cookie, (uint8_t *)&msg, sizeof(msg), now_ms);
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	wgc_timers_any_authenticated_packet_sent(&peer->timers);
	send_message(peer, (const uint8_t *)&msg, sizeof(msg));
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
}

static void stage(struct wgc_peer *peer, const uint8_t *packet, size_t len)
{
	struct wgc_staged *s = peer->staged;
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
	if (len)
		memcpy(copy, packet, len);
	if (s->count == WGC_MAX_STAGED_PACKETS) {
		/* the oldest goes: by the time a session exists it is the stalest */
		free(s->packets[s->head]);
		s->head = (s->head + 1) % WGC_MAX_STAGED_PACKETS;
		s->count--;
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
	uint8_t buf[65536 + WGC_DATA_OVERHEAD + WGC_MESSAGE_PADDING_MULTIPLE];

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
		if (wire && dev->ops->send_to_peer(dev->ops_ctx, peer, buf, wire))
			wgc_peer_sent_data(peer, len, wire, now_ms);
	}
	wgc_keypair_put(kp);
	wgc_peer_keep_key_fresh_send(peer, now_ms);
}

void wgc_peer_send_packet(struct wgc_peer *peer, const uint8_t *packet, size_t len, uint64_t now_ms)
{
	if (len > 65535)
		return;
	stage(peer, packet, len);
	wgc_peer_send_staged(peer, now_ms);
}

void wgc_peer_send_keepalive(struct wgc_peer *peer, uint64_t now_ms)
{
	/* with packets waiting, those carry the keepalive's meaning already */
	if (!wgc_peer_staged_count(peer))
		stage(peer, NULL, 0);
	wgc_peer_send_staged(peer, now_ms);
}

struct wgc_peer *wgc_device_route(const struct wgc_device *dev, const uint8_t *packet, size_t len)
{
	if (len >= 20 && packet[0] >> 4 == 4)
		return wgc_allowedips_lookup_dst(&dev->allowedips, AF_INET, packet + 16);
	if (len >= 40 && packet[0] >> 4 == 6)
		return wgc_allowedips_lookup_dst(&dev->allowedips, AF_INET6, packet + 24);
	return NULL;
}

// SPDX-License-Identifier: MIT
/*
 * The receiving direction. Every message type has an exact length (data: a
 * minimum) that is checked before any other byte is looked at; handshake
 * messages must carry a valid mac1 (and under load mac2) before any
 * Diffie-Hellman is spent on them; data must authenticate, pass the replay
 * window and carry an inner packet whose source the sending peer may use.
 */
#include "device.h"

#include <string.h>

#include "crypto.h"

static struct wgc_handshake *lookup_handshake(void *ctx, const uint8_t key[WGC_KEY_LEN])
{
	struct wgc_peer *peer = wgc_device_find_peer(ctx, key);

	return peer ? &peer->handshake : NULL;
}

static bool exact_length_ok(enum wgc_message_type type, size_t len)
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

static void complete_handshake(struct wgc_peer *peer)
{
	struct wgc_device *dev = peer->device;
	int64_t sec;
	uint32_t nsec;

	wgc_timers_handshake_complete(&peer->timers);
	dev->ops->wall_time(dev->ops_ctx, &sec, &nsec);
	peer->last_handshake_sec = sec;
	peer->last_handshake_nsec = nsec;
}

static void send_response(struct wgc_peer *peer, uint64_t now_ms)
{
	struct wgc_device *dev = peer->device;
	struct wgc_msg_response msg;

	wgc_timers_handshake_sent(&peer->timers, now_ms);
	if (!wgc_noise_create_response(&peer->handshake, &dev->indices, &msg))
		return;
	wgc_cookie_add_macs(&peer->cookie, (uint8_t *)&msg, sizeof(msg), now_ms);
	if (!wgc_noise_begin_session(&peer->handshake, &peer->keypairs, &dev->indices, now_ms))
		return;
	wgc_timers_session_derived(&peer->timers, now_ms);
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	wgc_timers_any_authenticated_packet_sent(&peer->timers);
	if (dev->ops->send_to_peer(dev->ops_ctx, peer, (const uint8_t *)&msg, sizeof(msg)))
		peer->tx_bytes += sizeof(msg);
}

static enum wgc_rx_verdict receive_cookie(struct wgc_device *dev, const uint8_t *msg, uint64_t now_ms)
{
	const struct wgc_msg_cookie *cookie = (const struct wgc_msg_cookie *)msg;
	struct wgc_index_entry *entry = wgc_index_lookup(&dev->indices, wgc_load_le32(cookie->receiver_index),
							 WGC_INDEX_HANDSHAKE | WGC_INDEX_KEYPAIR);
	struct wgc_peer *peer;

	if (!entry)
		return WGC_RX_DROP;
	peer = entry->peer;
	return wgc_cookie_consume_reply(&peer->cookie, cookie, now_ms) ? WGC_RX_HANDSHAKE : WGC_RX_DROP;
}

static enum wgc_rx_verdict receive_handshake(struct wgc_device *dev, enum wgc_message_type type,
					     const uint8_t *msg, size_t len, const struct sockaddr *src,
					     const void *src_info, bool under_load, uint64_t now_ms)
{
	struct wgc_handshake *hs = NULL;
	struct wgc_peer *peer;
	enum wgc_mac_state mac;
	bool needs_cookie;

	if (type == WGC_MSG_HANDSHAKE_COOKIE)
		return receive_cookie(dev, msg, now_ms);

	mac = wgc_cookie_validate(&dev->cookie_checker, msg, len, src, under_load, now_ms);
	if ((under_load && mac == WGC_MAC_VALID_WITH_COOKIE) || (!under_load && mac == WGC_MAC_VALID_NO_COOKIE))
		needs_cookie = false;
	else if (under_load && mac == WGC_MAC_VALID_NO_COOKIE)
		needs_cookie = true;
	else
		return WGC_RX_DROP;
	/* a source that proved its address still gets only its share of our DH work */
	if (under_load && !needs_cookie && !wgc_ratelimiter_allow(&dev->ratelimiter, src, now_ms))
		return WGC_RX_DROP;

	if (needs_cookie) {
		struct wgc_msg_cookie reply;
		/* sender_index sits at the same offset in both handshake messages */
		uint32_t sender = wgc_load_le32(msg + offsetof(struct wgc_msg_initiation, sender_index));

		if (!dev->ops->send_reply ||
		    !wgc_cookie_create_reply(&dev->cookie_checker, &reply, msg, len, sender, src, now_ms))
			return WGC_RX_DROP;
		dev->ops->send_reply(dev->ops_ctx, src_info, (const uint8_t *)&reply, sizeof(reply));
		return WGC_RX_COOKIE_SENT;
	}

	if (type == WGC_MSG_HANDSHAKE_INITIATION) {
		hs = wgc_noise_consume_initiation((const struct wgc_msg_initiation *)msg, &dev->identity,
						  lookup_handshake, dev, now_ms);
		if (!hs)
			return WGC_RX_DROP;
		peer = hs->entry.peer;
		if (dev->ops->set_endpoint)
			dev->ops->set_endpoint(dev->ops_ctx, peer, src_info);
		send_response(peer, now_ms);
	} else {
		hs = wgc_noise_consume_response((const struct wgc_msg_response *)msg, &dev->identity, &dev->indices);
		if (!hs)
			return WGC_RX_DROP;
		peer = hs->entry.peer;
		if (dev->ops->set_endpoint)
			dev->ops->set_endpoint(dev->ops_ctx, peer, src_info);
		if (wgc_noise_begin_session(&peer->handshake, &peer->keypairs, &dev->indices, now_ms)) {
			wgc_timers_session_derived(&peer->timers, now_ms);
			complete_handshake(peer);
			/* confirms the session to the responder, carrying staged packets if any */
			wgc_peer_send_keepalive(peer, now_ms);
		}
	}
	peer->rx_bytes += len;
	wgc_timers_any_authenticated_packet_received(&peer->timers);
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	return WGC_RX_HANDSHAKE;
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

enum wgc_rx_verdict wgc_peer_receive_data(struct wgc_peer *peer, struct wgc_keypair *kp, const uint8_t *plain,
					  size_t plain_len, const void *src_info, uint64_t now_ms)
{
	struct wgc_device *dev = peer->device;
	const void *inner_src;
	size_t inner;
	int family;

	if (dev->ops->set_endpoint)
		dev->ops->set_endpoint(dev->ops_ctx, peer, src_info);
	if (wgc_keypairs_received_with(&peer->keypairs, kp, &dev->indices)) {
		complete_handshake(peer);
		wgc_peer_send_staged(peer, now_ms);
	}
	keep_key_fresh_receive(peer, now_ms);
	wgc_timers_any_authenticated_packet_received(&peer->timers);
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	if (!plain_len) {
		peer->rx_bytes += WGC_DATA_OVERHEAD;
		return WGC_RX_KEEPALIVE;
	}
	wgc_timers_data_received(&peer->timers, now_ms);
	inner = wgc_transport_inner_len(plain, plain_len);
	if (!inner)
		return WGC_RX_DROP;
	/* cryptokey routing, inbound: the source must be one this peer may use */
	inner_src = inner_source(plain, &family);
	if (wgc_allowedips_lookup_dst(&dev->allowedips, family, inner_src) != peer)
		return WGC_RX_DROP;
	dev->ops->deliver(dev->ops_ctx, peer, plain, inner);
	peer->rx_bytes += plain_len + WGC_DATA_OVERHEAD;
	return WGC_RX_DATA;
}

static enum wgc_rx_verdict receive_data(struct wgc_device *dev, const uint8_t *msg, size_t len,
					const void *src_info, uint64_t now_ms)
{
	struct wgc_index_entry *entry =
		wgc_index_lookup(&dev->indices, wgc_load_le32(msg + 4), WGC_INDEX_KEYPAIR);
	uint8_t plain[65536];
	size_t plain_len;
	uint64_t counter;
	struct wgc_keypair *kp;

	if (!entry || len - WGC_DATA_OVERHEAD > sizeof(plain))
		return WGC_RX_DROP;
	kp = entry->owner;
	if (!wgc_transport_decrypt(kp, msg, len, plain, &plain_len, &counter, now_ms))
		return WGC_RX_DROP;
	if (!wgc_transport_accept_counter(kp, counter))
		return WGC_RX_DROP;
	return wgc_peer_receive_data(entry->peer, kp, plain, plain_len, src_info, now_ms);
}

enum wgc_rx_verdict wgc_device_receive(struct wgc_device *dev, const uint8_t *msg, size_t len,
				       const struct sockaddr *src, const void *src_info, bool under_load,
				       uint64_t now_ms)
{
	enum wgc_message_type type = wgc_message_type(msg, len);

	if (!exact_length_ok(type, len) || !dev->up)
		return WGC_RX_DROP;
	if (type == WGC_MSG_DATA)
		return receive_data(dev, msg, len, src_info, now_ms);
	return receive_handshake(dev, type, msg, len, src, src_info, under_load, now_ms);
}

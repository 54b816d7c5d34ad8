// SPDX-License-Identifier: MIT
/*
 * Received handshake messages, in phases (device.h): the device lock is
 * held for lookups, mac checks and bookkeeping only; every X25519 and
 * AEAD of an initiation or response runs without it, on copies of the
 * state it needs, and the result is installed only after that state is
 * checked again under the lock. Rejections found without the lock are
 * counted at the commit.
 */
#include "device.h"
#include "device_impl.h"

#include <assert.h>
#include <string.h>

#include "crypto.h"

enum stage {
	STAGE_DONE,         /* verdict final */
	STAGE_REJECTED,     /* reason set without the lock: counted at the commit */
	STAGE_INIT_OPEN,    /* initiation: e, es, s next */
	STAGE_INIT_MATCH,   /* initiation: find the peer by its static key */
	STAGE_INIT_ANSWER,  /* initiation: ss, {t}, the response */
	STAGE_INIT_COMMIT,
	STAGE_RESP_OPEN,    /* response: the Noise step */
	STAGE_RESP_COMMIT,
	STAGE_SCREENED,     /* answered with a cookie reply by phase 0: phase 1 skips it */
};

/* What the core keeps in an item between phases. */
struct hs_work {
	struct wgc_noise_work w;
	struct wgc_msg_response response; /* the one we answer an initiation with */
	enum stage stage;
	bool peer_known;                  /* w.remote_static names a peer (for counters) */
};
static_assert(sizeof(struct hs_work) <= WGC_HS_WORK_SIZE, "WGC_HS_WORK_SIZE too small");

static struct hs_work *work_of(struct wgc_hs_item *it)
{
	return (struct hs_work *)(void *)it->work;
}

static const struct sockaddr *src_of(const struct wgc_hs_item *it)
{
	return &it->src.sa;
}

/* A final rejection, under the lock. */
static void reject(struct wgc_device *dev, struct wgc_hs_item *it, struct wgc_peer *peer, wgc_drop_reason r)
{
	it->verdict = wgc_device_reject(dev, peer, r, src_of(it), &it->reason);
	work_of(it)->stage = STAGE_DONE;
}

/* A rejection found with no lock held: recorded, counted at the commit. */
static void defer_reject(struct wgc_hs_item *it, wgc_drop_reason r)
{
	it->reason = r;
	work_of(it)->stage = STAGE_REJECTED;
}

static void receive_cookie(struct wgc_device *dev, struct wgc_hs_item *it, uint64_t now_ms)
{
	const struct wgc_msg_cookie *cookie = (const struct wgc_msg_cookie *)it->msg;
	struct wgc_index_entry *entry = wgc_index_lookup(&dev->indices, wgc_load_le32(cookie->receiver_index),
							 WGC_INDEX_HANDSHAKE | WGC_INDEX_KEYPAIR);
	struct wgc_peer *peer = entry ? entry->peer : NULL;

	if (!peer || !wgc_cookie_consume_reply(&peer->cookie, peer->handshake.remote_static, cookie, now_ms)) {
		reject(dev, it, peer, WGC_DEV_REJECTED_INVALID_COOKIE_REPLY);
		return;
	}
	wgc_counters_add(&dev->counters, WGC_DEV_COOKIE_REPLIES_RECEIVED, 1);
	wgc_peer_counter_add(peer, WGC_PEER_COOKIE_REPLIES_RECEIVED, 1);
	wgc_device_event(dev, peer, WGC_EVENT_COOKIE_RECEIVED, 0, src_of(it));
	it->verdict = WGC_RX_HANDSHAKE;
}

/* Under load, a message without a valid mac2 is answered with a cookie instead of processed. */
static void answer_with_cookie_from(struct wgc_device *dev, struct wgc_cookie_checker *checker,
				    struct wgc_hs_item *it, uint64_t now_ms)
{
	struct wgc_msg_cookie reply;
	/* sender_index sits at the same offset in both handshake messages */
	uint32_t sender = wgc_load_le32(it->msg + offsetof(struct wgc_msg_initiation, sender_index));

	wgc_counters_reject(&dev->counters, WGC_DEV_REJECTED_INVALID_MAC2, src_of(it));
	it->reason = WGC_DEV_REJECTED_INVALID_MAC2;
	it->verdict = WGC_RX_DROP;
	if (!dev->ops->send_reply ||
	    !wgc_cookie_create_reply(checker, &reply, it->msg, it->len, sender, src_of(it), now_ms))
		return;
	/* sent by wgc_handshake_send_replies, after the lock: a flood's system calls never hold it */
	memcpy(it->reply, &reply, sizeof(reply));
	wgc_counters_add(&dev->counters, WGC_DEV_COOKIE_REPLIES_SENT, 1);
	wgc_device_event(dev, NULL, WGC_EVENT_COOKIE_SENT, 0, src_of(it));
	it->verdict = WGC_RX_COOKIE_SENT;
}

static void answer_with_cookie(struct wgc_device *dev, struct wgc_hs_item *it, uint64_t now_ms)
{
	answer_with_cookie_from(dev, &dev->cookie_checker, it, now_ms);
}

/* mac1 always, and under load mac2 and the per-source rate limit: WGC_DROP_NONE when it may go on. */
static wgc_drop_reason check_macs(struct wgc_device *dev, struct wgc_hs_item *it, uint64_t now_ms,
				  bool *needs_cookie)
{
	enum wgc_mac_state mac =
		wgc_cookie_validate(&dev->cookie_checker, it->msg, it->len, src_of(it), it->under_load, now_ms);

	*needs_cookie = false;
	if (mac == WGC_MAC_INVALID)
		return WGC_DEV_REJECTED_INVALID_MAC1;
	if (it->under_load && mac == WGC_MAC_VALID_NO_COOKIE) {
		*needs_cookie = true;
		return WGC_DROP_NONE;
	}
	/* a source that proved its address still gets only its share of our DH work */
	if (it->under_load && !wgc_ratelimiter_allow(&dev->ratelimiter, src_of(it), now_ms))
		return WGC_DEV_REJECTED_RATE_LIMITED;
	return WGC_DROP_NONE;
}

/* The message type's own preparation, once the macs passed. */
static void begin_noise(struct wgc_device *dev, struct wgc_hs_item *it, enum wgc_message_type type)
{
	struct hs_work *hw = work_of(it);
	struct wgc_index_entry *entry;

	if (!dev->identity.has_identity) {
		reject(dev, it, NULL, WGC_DEV_REJECTED_NO_PRIVATE_KEY);
		return;
	}
	if (type == WGC_MSG_HANDSHAKE_INITIATION) {
		wgc_counters_add(&dev->counters, WGC_DEV_HANDSHAKE_INITIATIONS_RECEIVED, 1);
		memcpy(hw->w.static_private, dev->identity.static_private, WGC_KEY_LEN);
		memcpy(hw->w.static_public, dev->identity.static_public, WGC_KEY_LEN);
		hw->stage = STAGE_INIT_OPEN;
		return;
	}
	wgc_counters_add(&dev->counters, WGC_DEV_HANDSHAKE_RESPONSES_RECEIVED, 1);
	entry = wgc_index_lookup(&dev->indices, wgc_load_le32(((const struct wgc_msg_response *)it->msg)->receiver_index),
				 WGC_INDEX_HANDSHAKE);
	if (!entry || !wgc_noise_response_pending(entry->owner, &hw->w)) {
		reject(dev, it, NULL, WGC_DEV_REJECTED_UNKNOWN_RESPONSE_INDEX);
		return;
	}
	hw->peer_known = true;
	hw->stage = STAGE_RESP_OPEN;
}

/* Length, state and macs: the reason the message goes no further, or WGC_DROP_NONE. */
static wgc_drop_reason precheck(struct wgc_device *dev, struct wgc_hs_item *it, enum wgc_message_type type)
{
	if (type == WGC_MSG_DATA || it->len > sizeof(it->msg) || !wgc_message_length_ok(type, it->len))
		return WGC_DEV_REJECTED_INVALID_LENGTH;
	if (!dev->up)
		return WGC_DEV_REJECTED_DEVICE_DOWN;
	return WGC_DROP_NONE;
}

static void begin_one(struct wgc_device *dev, struct wgc_hs_item *it, uint64_t now_ms)
{
	enum wgc_message_type type = wgc_message_type(it->msg, it->len);
	wgc_drop_reason r;
	bool needs_cookie = false;

	if (work_of(it)->stage == STAGE_SCREENED)
		return;
	memset(it->work, 0, sizeof(it->work));
	it->verdict = WGC_RX_QUEUED;
	it->reason = WGC_DROP_NONE;
	r = precheck(dev, it, type);
	if (r == WGC_DROP_NONE && type == WGC_MSG_HANDSHAKE_COOKIE) {
		receive_cookie(dev, it, now_ms);
		return;
	}
	if (r == WGC_DROP_NONE)
		r = check_macs(dev, it, now_ms, &needs_cookie);
	if (r != WGC_DROP_NONE)
		reject(dev, it, NULL, r);
	else if (needs_cookie)
		answer_with_cookie(dev, it, now_ms);
	else
		begin_noise(dev, it, type);
}

void wgc_handshake_begin(struct wgc_device *dev, struct wgc_hs_item *items, unsigned n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++)
		begin_one(dev, &items[i], now_ms);
}

/* Phase 0's state: the batch's copy of the cookie checker and whether the device was up. */
struct hs_screen {
	struct wgc_cookie_checker checker;
	bool up, has_identity;
};
static_assert(sizeof(struct hs_screen) <= WGC_HS_SCREEN_SIZE, "WGC_HS_SCREEN_SIZE too small");

void wgc_handshake_screen_begin(struct wgc_device *dev, struct wgc_hs_screen *s, uint64_t now_ms)
{
	struct hs_screen *hs = (struct hs_screen *)(void *)s->opaque;

	wgc_cookie_checker_refresh(&dev->cookie_checker, now_ms);
	hs->checker = dev->cookie_checker;
	hs->up = dev->up;
	hs->has_identity = dev->identity.has_identity;
}

/* Phase 0 for one item: true when it is settled (a cookie reply, or dropped when none could be made). */
static bool screen_one(struct wgc_device *dev, struct hs_screen *hs, struct wgc_hs_item *it, uint64_t now_ms)
{
	enum wgc_message_type type = wgc_message_type(it->msg, it->len);

	if (!it->under_load || !hs->up || !hs->has_identity || !dev->ops->send_reply ||
	    (type != WGC_MSG_HANDSHAKE_INITIATION && type != WGC_MSG_HANDSHAKE_RESPONSE) ||
	    it->len > sizeof(it->msg) || !wgc_message_length_ok(type, it->len) ||
	    wgc_cookie_validate(&hs->checker, it->msg, it->len, src_of(it), true, now_ms) != WGC_MAC_VALID_NO_COOKIE)
		return false;
	answer_with_cookie_from(dev, &hs->checker, it, now_ms);
	return true;
}

unsigned wgc_handshake_screen(struct wgc_device *dev, struct wgc_hs_screen *s, struct wgc_hs_item *items, unsigned n,
			      uint64_t now_ms)
{
	struct hs_screen *hs = (struct hs_screen *)(void *)s->opaque;
	unsigned left = 0;

	for (unsigned i = 0; i < n; i++) {
		struct wgc_hs_item *it = &items[i];

		if (screen_one(dev, hs, it, now_ms)) {
			work_of(it)->stage = STAGE_SCREENED;
		} else {
			left++;
			it->verdict = WGC_RX_QUEUED;
			it->reason = WGC_DROP_NONE;
			work_of(it)->stage = STAGE_DONE;
		}
	}
	wgc_wipe(hs, sizeof(*hs));
	return left;
}

void wgc_handshake_send_replies(const struct wgc_device *dev, const struct wgc_hs_item *items, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (items[i].verdict == WGC_RX_COOKIE_SENT)
			dev->ops->send_reply(dev->ops_ctx, items[i].src_info, items[i].reply, sizeof(items[i].reply));
}

void wgc_handshake_open(struct wgc_hs_item *items, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct hs_work *hw = work_of(&items[i]);
		wgc_drop_reason r;

		if (hw->stage == STAGE_INIT_OPEN) {
			r = wgc_noise_initiation_open(&hw->w, (const struct wgc_msg_initiation *)items[i].msg);
			hw->stage = STAGE_INIT_MATCH;
		} else if (hw->stage == STAGE_RESP_OPEN) {
			r = wgc_noise_response_open(&hw->w, (const struct wgc_msg_response *)items[i].msg);
			hw->stage = STAGE_RESP_COMMIT;
		} else {
			continue;
		}
		if (r != WGC_DROP_NONE)
			defer_reject(&items[i], r);
	}
}

void wgc_handshake_match(struct wgc_device *dev, struct wgc_hs_item *items, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct hs_work *hw = work_of(&items[i]);
		struct wgc_peer *peer;

		if (hw->stage != STAGE_INIT_MATCH)
			continue;
		peer = wgc_device_find_peer(dev, hw->w.remote_static);
		if (!peer) {
			reject(dev, &items[i], NULL, WGC_DEV_REJECTED_UNKNOWN_PEER);
			continue;
		}
		hw->peer_known = true;
		/* first handshake of this peer (lazy ss): one X25519 here, under the lock, once per peer */
		memcpy(hw->w.precomputed_ss, wgc_handshake_static_static(&peer->handshake), WGC_KEY_LEN);
		memcpy(hw->w.psk, peer->handshake.preshared_key, WGC_KEY_LEN);
		wgc_noise_seen_copy(&hw->w.seen, &peer->handshake);
		hw->stage = STAGE_INIT_ANSWER;
	}
}

void wgc_handshake_compute(struct wgc_hs_item *items, unsigned n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++) {
		struct hs_work *hw = work_of(&items[i]);
		wgc_drop_reason r;

		if (hw->stage != STAGE_INIT_ANSWER)
			continue;
		r = wgc_noise_initiation_answer(&hw->w, (const struct wgc_msg_initiation *)items[i].msg, now_ms,
						&hw->response);
		hw->stage = STAGE_INIT_COMMIT;
		if (r != WGC_DROP_NONE)
			defer_reject(&items[i], r);
	}
}

/* The peer was authenticated at the message's source: it roams there. */
static void roam(struct wgc_peer *peer, struct wgc_hs_item *it)
{
	struct wgc_device *dev = peer->device;

	if (dev->ops->set_endpoint)
		dev->ops->set_endpoint(dev->ops_ctx, peer, it->src_info);
}

/*
 * Last, after the answer went out, as in the kernel's receive path: a
 * received packet cancels the new-handshake timer that sending staged
 * data just armed.
 */
static void authenticated(struct wgc_peer *peer, struct wgc_hs_item *it, uint64_t now_ms)
{
	peer->rx_bytes += it->len;
	wgc_timers_any_authenticated_packet_received(&peer->timers);
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	it->verdict = WGC_RX_HANDSHAKE;
}

static void send_response(struct wgc_peer *peer, struct wgc_hs_item *it, struct hs_work *hw,
			  const struct wgc_keypair *kp, uint64_t now_ms);

static void commit_initiation(struct wgc_device *dev, struct wgc_hs_item *it, struct hs_work *hw, uint64_t now_ms)
{
	const struct wgc_msg_initiation *init = (const struct wgc_msg_initiation *)it->msg;
	struct wgc_peer *peer = wgc_device_find_peer(dev, hw->w.remote_static);
	struct wgc_keypair *kp;
	wgc_drop_reason r;

	r = peer ? wgc_noise_initiation_accept(&peer->handshake, &hw->w, now_ms) : WGC_DEV_REJECTED_UNKNOWN_PEER;
	if (r != WGC_DROP_NONE) {
		reject(dev, it, peer, r);
		return;
	}
	wgc_peer_counter_add(peer, WGC_PEER_HANDSHAKE_INITIATIONS_RECEIVED, 1);
	wgc_device_event(dev, peer, WGC_EVENT_INITIATION_RECEIVED, 0, src_of(it));
	roam(peer, it);
	wgc_timers_handshake_sent(&peer->timers, now_ms);
	kp = wgc_noise_install_session(&peer->handshake, &hw->w, false, wgc_load_le32(init->sender_index),
				       &peer->keypairs, &dev->indices, now_ms);
	if (kp)
		send_response(peer, it, hw, kp, now_ms);
	authenticated(peer, it, now_ms);
}

static void send_response(struct wgc_peer *peer, struct wgc_hs_item *it, struct hs_work *hw,
			  const struct wgc_keypair *kp, uint64_t now_ms)
{
	const struct wgc_msg_initiation *init = (const struct wgc_msg_initiation *)it->msg;
	struct wgc_device *dev = peer->device;

	wgc_store_le32(hw->response.sender_index, kp->entry.index);
	memcpy(hw->response.receiver_index, init->sender_index, sizeof(init->sender_index));
	wgc_cookie_add_macs(&peer->cookie, peer->handshake.remote_static, (uint8_t *)&hw->response, sizeof(hw->response), now_ms);
	wgc_timers_session_derived(&peer->timers, now_ms);
	wgc_timers_any_authenticated_packet_traversal(&peer->timers, now_ms);
	wgc_timers_any_authenticated_packet_sent(&peer->timers);
	if (wgc_peer_send_message(peer, (const uint8_t *)&hw->response, sizeof(hw->response))) {
		wgc_peer_counter_add(peer, WGC_PEER_HANDSHAKE_RESPONSES_SENT, 1);
		wgc_device_event(dev, peer, WGC_EVENT_RESPONSE_SENT, 0, NULL);
	}
}

static void commit_response(struct wgc_device *dev, struct wgc_hs_item *it, struct hs_work *hw, uint64_t now_ms)
{
	const struct wgc_msg_response *resp = (const struct wgc_msg_response *)it->msg;
	struct wgc_index_entry *entry =
		wgc_index_lookup(&dev->indices, wgc_load_le32(resp->receiver_index), WGC_INDEX_HANDSHAKE);
	struct wgc_peer *peer;

	/* our initiation was answered, retried or abandoned meanwhile */
	if (!entry || !wgc_noise_response_still_pending(entry->owner, &hw->w)) {
		reject(dev, it, NULL, WGC_DEV_REJECTED_UNKNOWN_RESPONSE_INDEX);
		return;
	}
	peer = entry->peer;
	wgc_peer_counter_add(peer, WGC_PEER_HANDSHAKE_RESPONSES_RECEIVED, 1);
	wgc_device_event(dev, peer, WGC_EVENT_RESPONSE_RECEIVED, 0, src_of(it));
	roam(peer, it);
	if (wgc_noise_install_session(&peer->handshake, &hw->w, true, wgc_load_le32(resp->sender_index),
				      &peer->keypairs, &dev->indices, now_ms)) {
		wgc_timers_session_derived(&peer->timers, now_ms);
		wgc_peer_handshake_complete(peer);
		/* confirms the session to the responder, carrying staged packets if any */
		wgc_peer_send_keepalive(peer, now_ms);
	}
	authenticated(peer, it, now_ms);
}

void wgc_handshake_commit(struct wgc_device *dev, struct wgc_hs_item *items, unsigned n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++) {
		struct wgc_hs_item *it = &items[i];
		struct hs_work *hw = work_of(it);

		if (hw->stage == STAGE_REJECTED)
			reject(dev, it, hw->peer_known ? wgc_device_find_peer(dev, hw->w.remote_static) : NULL, it->reason);
		else if (hw->stage == STAGE_INIT_COMMIT)
			commit_initiation(dev, it, hw, now_ms);
		else if (hw->stage == STAGE_RESP_COMMIT)
			commit_response(dev, it, hw, now_ms);
		hw->stage = STAGE_DONE;
		wgc_noise_work_wipe(&hw->w);
	}
}

enum wgc_rx_verdict wgc_device_receive_handshake(struct wgc_device *dev, const uint8_t *msg, size_t len,
						 const struct sockaddr *src, const void *src_info,
						 bool under_load, uint64_t now_ms, wgc_drop_reason *reason)
{
	struct wgc_hs_item it = { .len = len, .src_info = src_info, .under_load = under_load };

	memcpy(it.msg, msg, len < sizeof(it.msg) ? len : sizeof(it.msg));
	if (src && (src->sa_family == AF_INET || src->sa_family == AF_INET6))
		memcpy(&it.src, src, src->sa_family == AF_INET ? sizeof(it.src.in4) : sizeof(it.src.in6));
	wgc_handshake_begin(dev, &it, 1, now_ms);
	wgc_handshake_send_replies(dev, &it, 1);
	wgc_handshake_open(&it, 1);
	wgc_handshake_match(dev, &it, 1);
	wgc_handshake_compute(&it, 1, now_ms);
	wgc_handshake_commit(dev, &it, 1, now_ms);
	if (reason)
		*reason = it.reason;
	return it.verdict;
}

// SPDX-License-Identifier: MIT
#include "cookie.h"

#include <netinet/in.h>
#include <string.h>

#include "crypto.h"

/* HASH(label || public key): the mac1 and cookie keys of one identity */
static void derive_key(uint8_t key[WGC_KEY_LEN], const char *label, const uint8_t public_key[WGC_KEY_LEN])
{
	wgc_blake2s_concat(key, label, strlen(label), public_key, WGC_KEY_LEN);
}

static void compute_mac1(uint8_t mac[WGC_MAC_LEN], const uint8_t *msg, size_t msg_len,
			 const uint8_t key[WGC_KEY_LEN])
{
	wgc_blake2s_mac(mac, key, WGC_KEY_LEN, msg, WGC_MAC1_OFFSET(msg_len));
}

static void compute_mac2(uint8_t mac[WGC_MAC_LEN], const uint8_t *msg, size_t msg_len,
			 const uint8_t cookie[WGC_COOKIE_LEN])
{
	wgc_blake2s_mac(mac, cookie, WGC_COOKIE_LEN, msg, WGC_MAC2_OFFSET(msg_len));
}

static bool expired(uint64_t birth_ms, uint64_t seconds, uint64_t now_ms)
{
	return now_ms >= birth_ms + seconds * 1000;
}

/* cookie = MAC(secret, source address || source port), secret renewed every 2 minutes */
static bool make_cookie(struct wgc_cookie_checker *c, uint8_t cookie[WGC_COOKIE_LEN],
			const struct sockaddr *src, uint64_t now_ms)
{
	uint8_t input[sizeof(struct in6_addr) + sizeof(in_port_t)];
	size_t len;

	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)src;
		memcpy(input, &sin->sin_addr, sizeof(sin->sin_addr));
		memcpy(input + sizeof(sin->sin_addr), &sin->sin_port, sizeof(sin->sin_port));
		len = sizeof(sin->sin_addr) + sizeof(sin->sin_port);
	} else if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)src;
		memcpy(input, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
		memcpy(input + sizeof(sin6->sin6_addr), &sin6->sin6_port, sizeof(sin6->sin6_port));
		len = sizeof(sin6->sin6_addr) + sizeof(sin6->sin6_port);
	} else {
		return false;
	}
	wgc_cookie_checker_refresh(c, now_ms);
	wgc_blake2s_mac(cookie, c->secret, sizeof(c->secret), input, len);
	return true;
}

void wgc_cookie_checker_refresh(struct wgc_cookie_checker *c, uint64_t now_ms)
{
	if (!c->has_secret || expired(c->secret_birth_ms, WGC_COOKIE_SECRET_MAX_AGE, now_ms)) {
		wgc_random_bytes(c->secret, sizeof(c->secret));
		c->secret_birth_ms = now_ms;
		c->has_secret = true;
	}
}

void wgc_cookie_checker_init(struct wgc_cookie_checker *c, const uint8_t our_public[WGC_KEY_LEN])
{
	derive_key(c->mac1_key, WGC_LABEL_MAC1, our_public);
	derive_key(c->encryption_key, WGC_LABEL_COOKIE, our_public);
}

void wgc_cookie_checker_wipe(struct wgc_cookie_checker *c)
{
	wgc_wipe(c, sizeof(*c));
}

bool wgc_cookie_claims_mac2(const uint8_t *msg, size_t msg_len)
{
	const struct wgc_msg_macs *macs;

	if (!((msg_len == WGC_MSG_INITIATION_LEN && msg[0] == WGC_MSG_HANDSHAKE_INITIATION) ||
	      (msg_len == WGC_MSG_RESPONSE_LEN && msg[0] == WGC_MSG_HANDSHAKE_RESPONSE)))
		return false;
	macs = (const struct wgc_msg_macs *)(msg + WGC_MAC1_OFFSET(msg_len));
	return !wgc_is_zero(macs->mac2, WGC_MAC_LEN);
}

enum wgc_mac_state wgc_cookie_validate(struct wgc_cookie_checker *c, const uint8_t *msg, size_t msg_len,
				       const struct sockaddr *src, bool check_cookie, uint64_t now_ms)
{
	uint8_t computed[WGC_MAC_LEN], cookie[WGC_COOKIE_LEN];
	const struct wgc_msg_macs *macs = (const struct wgc_msg_macs *)(msg + WGC_MAC1_OFFSET(msg_len));
	enum wgc_mac_state state = WGC_MAC_INVALID;

	if (msg_len < sizeof(struct wgc_msg_header) + sizeof(*macs))
		goto out;
	compute_mac1(computed, msg, msg_len, c->mac1_key);
	if (!wgc_equal(computed, macs->mac1, WGC_MAC_LEN))
		goto out;
	state = WGC_MAC_VALID_NO_COOKIE;
	/*
	 * An initiator with no cookie sends mac2 as zeros (whitepaper 5.4.4):
	 * there is nothing to check, and a flood's messages, all of that kind,
	 * skip two of the four keyed hashes each costs. A computed mac2 of all
	 * zeros has probability 2^-128, so no valid mac2 is refused.
	 */
	if (!check_cookie || wgc_is_zero(macs->mac2, WGC_MAC_LEN) || !make_cookie(c, cookie, src, now_ms))
		goto out;
	compute_mac2(computed, msg, msg_len, cookie);
	if (wgc_equal(computed, macs->mac2, WGC_MAC_LEN))
		state = WGC_MAC_VALID_WITH_COOKIE;
out:
	wgc_wipe(cookie, sizeof(cookie));
	return state;
}

bool wgc_cookie_create_reply(struct wgc_cookie_checker *c, struct wgc_msg_cookie *dst, const uint8_t *msg,
			     size_t msg_len, uint32_t sender_index, const struct sockaddr *src,
			     uint64_t now_ms)
{
	const uint8_t *mac1 = msg + WGC_MAC1_OFFSET(msg_len);
	uint8_t cookie[WGC_COOKIE_LEN];
	bool ok = false;

	memset(dst, 0, sizeof(*dst));
	wgc_store_le32(dst->header.type_le, WGC_MSG_HANDSHAKE_COOKIE);
	wgc_store_le32(dst->receiver_index, sender_index);
	wgc_random_nonce(dst->nonce, sizeof(dst->nonce));
	if (!make_cookie(c, cookie, src, now_ms))
		goto out;
	/* the sender's mac1 is the AD, binding the reply to the message it answers */
	ok = wgc_xaead_seal(dst->encrypted_cookie, cookie, WGC_COOKIE_LEN, mac1, WGC_MAC_LEN, dst->nonce,
			    c->encryption_key);
out:
	wgc_wipe(cookie, sizeof(cookie));
	return ok;
}

void wgc_cookie_maker_init(struct wgc_cookie_maker *m)
{
	memset(m, 0, sizeof(*m));
}

void wgc_cookie_maker_wipe(struct wgc_cookie_maker *m)
{
	wgc_wipe(m, sizeof(*m));
}

void wgc_cookie_add_macs(struct wgc_cookie_maker *m, const uint8_t peer_public[WGC_KEY_LEN], uint8_t *msg,
			 size_t msg_len, uint64_t now_ms)
{
	struct wgc_msg_macs *macs = (struct wgc_msg_macs *)(msg + WGC_MAC1_OFFSET(msg_len));
	uint8_t mac1_key[WGC_KEY_LEN];

	derive_key(mac1_key, WGC_LABEL_MAC1, peer_public);
	compute_mac1(macs->mac1, msg, msg_len, mac1_key);
	memcpy(m->last_mac1_sent, macs->mac1, WGC_MAC_LEN);
	m->have_sent_mac1 = true;
	/* a cookie is only trusted for a little less than the responder keeps its secret */
	if (m->cookie_valid &&
	    !expired(m->cookie_birth_ms, WGC_COOKIE_SECRET_MAX_AGE - WGC_COOKIE_SECRET_LATENCY, now_ms))
		compute_mac2(macs->mac2, msg, msg_len, m->cookie);
	else
		memset(macs->mac2, 0, WGC_MAC_LEN);
}

bool wgc_cookie_consume_reply(struct wgc_cookie_maker *m, const uint8_t peer_public[WGC_KEY_LEN],
			      const struct wgc_msg_cookie *src, uint64_t now_ms)
{
	uint8_t cookie[WGC_COOKIE_LEN], key[WGC_KEY_LEN];
	bool ok = false;

	if (!m->have_sent_mac1)
		goto out;
	derive_key(key, WGC_LABEL_COOKIE, peer_public);
	if (!wgc_xaead_open(cookie, src->encrypted_cookie, sizeof(src->encrypted_cookie), m->last_mac1_sent,
			    WGC_MAC_LEN, src->nonce, key))
		goto out;
	memcpy(m->cookie, cookie, sizeof(cookie));
	m->cookie_birth_ms = now_ms;
	m->cookie_valid = true;
	m->have_sent_mac1 = false;
	ok = true;
out:
	wgc_wipe(cookie, sizeof(cookie));
	wgc_wipe(key, sizeof(key));
	return ok;
}

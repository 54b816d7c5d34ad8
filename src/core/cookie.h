/* SPDX-License-Identifier: MIT */
/*
 * mac1, mac2 and cookie replies: WireGuard's defence against handshake
 * floods. mac1 (keyed by the receiver's public key) proves the sender knows
 * whom it is talking to; under load, a responder also demands mac2, keyed by
 * a cookie that only a sender able to receive at its claimed source address
 * can hold. The checker is the receiving side, the maker the sending side.
 */
#ifndef WGC_COOKIE_H
#define WGC_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "messages.h"

struct wgc_cookie_checker {
	uint8_t secret[WGC_HASH_LEN];
	uint64_t secret_birth_ms;
	bool has_secret;
	uint8_t mac1_key[WGC_KEY_LEN];
	uint8_t encryption_key[WGC_KEY_LEN];
};

/*
 * The mac1 and cookie decryption keys derive from the peer's public key,
 * which the caller passes in: they are computed when needed (one BLAKE2s
 * per handshake message) instead of kept, 64 bytes less per peer.
 */
struct wgc_cookie_maker {
	uint8_t cookie[WGC_COOKIE_LEN];
	uint8_t last_mac1_sent[WGC_MAC_LEN];
	uint64_t cookie_birth_ms;
	bool cookie_valid;
	bool have_sent_mac1;
};

enum wgc_mac_state {
	WGC_MAC_INVALID,
	WGC_MAC_VALID_NO_COOKIE,
	WGC_MAC_VALID_WITH_COOKIE,
};

/*
 * Whether msg, an initiation or a response of its exact length (else
 * false), carries a mac2: its sender holds a cookie of ours (whitepaper
 * 5.4.4 sends zeros otherwise). Only a claim, not checked: no key is
 * needed, so a receive path may use it to order what it queues, never to
 * accept anything.
 */
bool wgc_cookie_claims_mac2(const uint8_t *msg, size_t msg_len);

/* Keys derive from our public key; call again when the identity changes. */
void wgc_cookie_checker_init(struct wgc_cookie_checker *c, const uint8_t our_public[WGC_KEY_LEN]);
void wgc_cookie_checker_wipe(struct wgc_cookie_checker *c);
/*
 * Renews the cookie secret when it is older than two minutes or unset
 * (whitepaper 5.4.7); validate and create_reply do it themselves. A copy
 * refreshed at now_ms is used unchanged by both at that same now_ms.
 */
void wgc_cookie_checker_refresh(struct wgc_cookie_checker *c, uint64_t now_ms);
/*
 * Checks mac1 of a handshake message (msg_len is its exact size) and, when
 * check_cookie is set, mac2 against the cookie for `src` (an AF_INET or
 * AF_INET6 sockaddr).
 */
enum wgc_mac_state wgc_cookie_validate(struct wgc_cookie_checker *c, const uint8_t *msg, size_t msg_len,
				       const struct sockaddr *src, bool check_cookie, uint64_t now_ms);
/* A cookie reply to a message from `src` that we do not process under load. */
bool wgc_cookie_create_reply(struct wgc_cookie_checker *c, struct wgc_msg_cookie *dst, const uint8_t *msg,
			     size_t msg_len, uint32_t sender_index, const struct sockaddr *src,
			     uint64_t now_ms);

void wgc_cookie_maker_init(struct wgc_cookie_maker *m);
void wgc_cookie_maker_wipe(struct wgc_cookie_maker *m);
/* Fills mac1 and (with a fresh cookie) mac2 of an outgoing handshake message. */
void wgc_cookie_add_macs(struct wgc_cookie_maker *m, const uint8_t peer_public[WGC_KEY_LEN], uint8_t *msg,
			 size_t msg_len, uint64_t now_ms);
/* Accepts a cookie reply answering our last message; false if not authentic. */
bool wgc_cookie_consume_reply(struct wgc_cookie_maker *m, const uint8_t peer_public[WGC_KEY_LEN],
			      const struct wgc_msg_cookie *src, uint64_t now_ms);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Noise_IKpsk2 as WireGuard uses it: handshake state per peer, the four
 * message operations, and the derivation of a transport keypair. Nothing
 * here performs I/O or reads a clock; callers pass times in and look peers
 * up through a callback, so the whole handshake runs in memory in tests.
 */
#ifndef WGC_NOISE_H
#define WGC_NOISE_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"
#include "index.h"
#include "keypair.h"
#include "messages.h"

struct wgc_identity {
	uint8_t static_private[WGC_KEY_LEN];
	uint8_t static_public[WGC_KEY_LEN];
	bool has_identity;
};

enum wgc_handshake_state {
	WGC_HANDSHAKE_ZEROED,
	WGC_HANDSHAKE_CREATED_INITIATION,
	WGC_HANDSHAKE_CONSUMED_INITIATION,
	WGC_HANDSHAKE_CREATED_RESPONSE,
	WGC_HANDSHAKE_CONSUMED_RESPONSE,
};

struct wgc_handshake {
	struct wgc_index_entry entry; /* entry.peer is the owner's peer */
	enum wgc_handshake_state state;
	const struct wgc_identity *identity;
	uint8_t remote_static[WGC_KEY_LEN];
	uint8_t remote_ephemeral[WGC_KEY_LEN];
	uint8_t precomputed_static_static[WGC_KEY_LEN]; /* zero when unusable */
	uint8_t ephemeral_private[WGC_KEY_LEN];
	uint8_t preshared_key[WGC_KEY_LEN];
	uint8_t latest_timestamp[WGC_TAI64N_LEN];
	/* public: the ephemeral of the initiation that set latest_timestamp, to tell a duplicate */
	uint8_t latest_initiation_ephemeral[WGC_KEY_LEN];
	uint8_t hash[WGC_HASH_LEN];
	uint8_t chaining_key[WGC_HASH_LEN];
	uint32_t remote_index;
	uint64_t last_initiation_consumption_ms;
	bool has_consumed_initiation;
};

/* Finds the handshake of the peer whose static public key is `key`. */
typedef struct wgc_handshake *(*wgc_handshake_lookup_fn)(void *ctx, const uint8_t key[WGC_KEY_LEN]);

/* An all-zero private key clears the identity. */
void wgc_identity_set(struct wgc_identity *id, const uint8_t private_key[WGC_KEY_LEN]);
void wgc_identity_clear(struct wgc_identity *id);

void wgc_handshake_init(struct wgc_handshake *hs, const struct wgc_identity *id,
			const uint8_t peer_public[WGC_KEY_LEN], const uint8_t *preshared_key, void *peer);
/* Recomputes DH(our static, their static); call after the identity changes. */
void wgc_handshake_precompute(struct wgc_handshake *hs);
void wgc_handshake_set_psk(struct wgc_handshake *hs, const uint8_t *preshared_key);
/* Forgets any handshake in progress and frees its index. */
void wgc_handshake_clear(struct wgc_handshake *hs, struct wgc_index_table *indices);
/* Also wipes the long-term secrets (peer removal). */
void wgc_handshake_destroy(struct wgc_handshake *hs, struct wgc_index_table *indices);

bool wgc_noise_create_initiation(struct wgc_handshake *hs, struct wgc_index_table *indices,
				 struct wgc_msg_initiation *dst, const uint8_t timestamp[WGC_TAI64N_LEN]);
/* Why a handshake message was refused, and whose it was when that is known. */
struct wgc_noise_reject {
	wgc_drop_reason reason;
	struct wgc_handshake *hs; /* the peer's handshake, or NULL (unknown peer, bad index) */
};

/*
 * The peer's handshake, now CONSUMED_INITIATION, or NULL when rejected (why
 * says: REJECTED_NO_PRIVATE_KEY, _HANDSHAKE_DECRYPT, _UNKNOWN_PEER,
 * _HANDSHAKE_FAILED (unusable key pair), _STALE_TIMESTAMP,
 * _DUPLICATE_INITIATION (a byte-identical copy of the last one accepted)
 * or _INITIATION_FLOOD (the whitepaper's per-peer initiation spacing)).
 */
struct wgc_handshake *wgc_noise_consume_initiation(const struct wgc_msg_initiation *src,
						   const struct wgc_identity *id,
						   wgc_handshake_lookup_fn lookup, void *lookup_ctx,
						   uint64_t now_ms, struct wgc_noise_reject *why);
bool wgc_noise_create_response(struct wgc_handshake *hs, struct wgc_index_table *indices,
			       struct wgc_msg_response *dst);
/* NULL when rejected: REJECTED_NO_PRIVATE_KEY, _UNKNOWN_RESPONSE_INDEX, _HANDSHAKE_DECRYPT. */
struct wgc_handshake *wgc_noise_consume_response(const struct wgc_msg_response *src,
						 const struct wgc_identity *id,
						 const struct wgc_index_table *indices, struct wgc_noise_reject *why);
/*
 * Derives the transport keypair from a completed handshake, installs it in
 * `keypairs` (current for the initiator, next for the responder) and zeroes
 * the handshake. Returns the new keypair (owned by `keypairs`) or NULL.
 */
struct wgc_keypair *wgc_noise_begin_session(struct wgc_handshake *hs, struct wgc_keypairs *keypairs,
					    struct wgc_index_table *indices, uint64_t now_ms);

#endif

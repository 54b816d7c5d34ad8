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

/*
 * An initiation of ours in flight: what its response needs. Allocated from
 * the secret slab (secmem.h) when an initiation is created (a retry reuses
 * it), wiped and freed as soon as it is answered, cleared or destroyed, so
 * a peer with no handshake running carries none of it (128 bytes).
 */
struct wgc_handshake_pending {
	struct wgc_index_entry entry; /* our sender index; entry.owner: the wgc_handshake */
	uint8_t ephemeral_private[WGC_KEY_LEN];
	uint8_t hash[WGC_HASH_LEN];
	uint8_t chaining_key[WGC_HASH_LEN];
};

struct wgc_handshake {
	struct wgc_handshake_pending *pending; /* NULL: no initiation of ours in flight */
	const struct wgc_identity *identity;
	void *peer;                            /* the owner's peer, for the index entry */
	uint8_t remote_static[WGC_KEY_LEN];
	/* DH(our static, their static), computed lazily on first use (see
	 * wgc_handshake_static_static): zero when unusable or not yet computed */
	uint8_t precomputed_static_static[WGC_KEY_LEN];
	uint8_t preshared_key[WGC_KEY_LEN];
	uint8_t latest_timestamp[WGC_TAI64N_LEN];
	bool static_static_ready;
	bool has_consumed_initiation;
	/* public: the ephemeral of the initiation that set latest_timestamp, to tell a duplicate */
	uint8_t latest_initiation_ephemeral[WGC_KEY_LEN];
	uint64_t last_initiation_consumption_ms;
};

/* Finds the handshake of the peer whose static public key is `key`. */
typedef struct wgc_handshake *(*wgc_handshake_lookup_fn)(void *ctx, const uint8_t key[WGC_KEY_LEN]);

/* An all-zero private key clears the identity. */
void wgc_identity_set(struct wgc_identity *id, const uint8_t private_key[WGC_KEY_LEN]);
void wgc_identity_clear(struct wgc_identity *id);

void wgc_handshake_init(struct wgc_handshake *hs, const struct wgc_identity *id,
			const uint8_t peer_public[WGC_KEY_LEN], const uint8_t *preshared_key, void *peer);
/* Forgets DH(our static, their static) (wiped); call after the identity changes.
 * The next wgc_handshake_static_static computes it again. Lazy so that
 * configuring 100,000 peers costs no X25519 per peer (wg setconf in well
 * under 5 s): each peer pays one X25519 at its first handshake instead. */
void wgc_handshake_precompute(struct wgc_handshake *hs);
/* DH(our static, their static), 32 bytes, computed on first call after
 * init or wgc_handshake_precompute (one X25519, ~50 us); all zero when there
 * is no identity or the result is unusable (low-order point). Caller holds
 * whatever lock protects hs (the device lock); the pointer stays valid
 * while it is held. */
const uint8_t *wgc_handshake_static_static(struct wgc_handshake *hs);
void wgc_handshake_set_psk(struct wgc_handshake *hs, const uint8_t *preshared_key);
/* Forgets any handshake in progress: frees its index and wipes and frees hs->pending. */
void wgc_handshake_clear(struct wgc_handshake *hs, struct wgc_index_table *indices);
/* Also wipes the long-term secrets (peer removal). */
void wgc_handshake_destroy(struct wgc_handshake *hs, struct wgc_index_table *indices);

/*
 * Our initiation into dst, its state in hs->pending (allocated unless a
 * retry's is there) under a fresh index. False when there is no identity,
 * the keys are unusable or memory ran out (ENOMEM from the slab): then
 * nothing is in flight and hs->pending is NULL.
 */
bool wgc_noise_create_initiation(struct wgc_handshake *hs, struct wgc_index_table *indices,
				 struct wgc_msg_initiation *dst, const uint8_t timestamp[WGC_TAI64N_LEN]);
/* What a peer's handshake has accepted so far: the replay and flood checks compare against it. */
struct wgc_noise_seen {
	uint8_t latest_timestamp[WGC_TAI64N_LEN];
	uint8_t latest_initiation_ephemeral[WGC_KEY_LEN];
	bool has_consumed_initiation;
	uint64_t last_initiation_consumption_ms;
};
void wgc_noise_seen_copy(struct wgc_noise_seen *out, const struct wgc_handshake *hs);

/*
 * The state of one received handshake message while it is processed in
 * phases: copied out of the peer under the device lock, computed on with
 * no lock (every X25519 and AEAD), and committed under the lock after the
 * peer's state is checked again. Holds secrets: wgc_noise_work_wipe it.
 */
struct wgc_noise_work {
	uint8_t static_private[WGC_KEY_LEN];  /* our identity, as it was at lookup */
	uint8_t static_public[WGC_KEY_LEN];
	uint8_t chaining_key[WGC_HASH_LEN];
	uint8_t hash[WGC_HASH_LEN];
	uint8_t remote_static[WGC_KEY_LEN];
	uint8_t remote_ephemeral[WGC_KEY_LEN];
	uint8_t ephemeral_private[WGC_KEY_LEN];
	uint8_t timestamp[WGC_TAI64N_LEN];
	uint8_t precomputed_ss[WGC_KEY_LEN];  /* the peer's, copied at lookup */
	uint8_t psk[WGC_KEY_LEN];
	struct wgc_noise_seen seen;           /* the peer's, copied at lookup */
	uint8_t send_key[WGC_KEY_LEN], recv_key[WGC_KEY_LEN];
};
void wgc_noise_work_wipe(struct wgc_noise_work *w);

/*
 * Initiation, responder side.
 *  open (no lock; w has our identity): e, es, s -> w->remote_static.
 *    REJECTED_HANDSHAKE_DECRYPT or WGC_DROP_NONE.
 *  answer (no lock; w also has the peer's precomputed ss, PSK and seen
 *    state): ss, {t}, the timestamp checks, then the whole response in dst
 *    (its sender_index and macs left to the caller) and the transport keys.
 *    REJECTED_HANDSHAKE_FAILED, _HANDSHAKE_DECRYPT, _STALE_TIMESTAMP,
 *    _DUPLICATE_INITIATION, _INITIATION_FLOOD or WGC_DROP_NONE.
 *  accept (device lock): the same checks against the peer's state now, and
 *    the timestamp recorded. A rejection reason or WGC_DROP_NONE.
 */
wgc_drop_reason wgc_noise_initiation_open(struct wgc_noise_work *w, const struct wgc_msg_initiation *src);
wgc_drop_reason wgc_noise_initiation_answer(struct wgc_noise_work *w, const struct wgc_msg_initiation *src,
					    uint64_t now_ms, struct wgc_msg_response *dst);
wgc_drop_reason wgc_noise_initiation_accept(struct wgc_handshake *hs, const struct wgc_noise_work *w,
					    uint64_t now_ms);

/*
 * Response, initiator side: pending (device lock) copies the state of our
 * initiation in flight into w (false: none is waiting); open (no lock):
 * e, ee, se, psk, {} and the transport keys (REJECTED_HANDSHAKE_DECRYPT or
 * WGC_DROP_NONE); still_pending (device lock): the same initiation still
 * waits, so the result may be installed.
 */
bool wgc_noise_response_pending(const struct wgc_handshake *hs, struct wgc_noise_work *w);
wgc_drop_reason wgc_noise_response_open(struct wgc_noise_work *w, const struct wgc_msg_response *src);
bool wgc_noise_response_still_pending(const struct wgc_handshake *hs, const struct wgc_noise_work *w);

/*
 * Installs the session derived in w (device lock): a keypair with w's keys
 * in `keypairs` (current for the initiator, next for the responder), under
 * our initiation's index (initiator) or a fresh one (responder); the
 * handshake is zeroed. Returns the keypair (owned by `keypairs`) or NULL.
 */
struct wgc_keypair *wgc_noise_install_session(struct wgc_handshake *hs, const struct wgc_noise_work *w,
					      bool initiator, uint32_t remote_index, struct wgc_keypairs *keypairs,
					      struct wgc_index_table *indices, uint64_t now_ms);

#endif

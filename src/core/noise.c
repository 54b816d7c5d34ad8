// SPDX-License-Identifier: MIT
/*
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, the WireGuard handshake:
 *
 *   IKpsk2:
 *     <- s
 *     ...
 *     -> e, es, s, ss, {t}
 *     <- e, ee, se, psk, {}
 *
 * The initiator knows the responder's static key in advance; the first
 * message carries the initiator's static key and a TAI64N timestamp (replay
 * protection), the second completes the key agreement with the optional
 * preshared key mixed in last. Each step below is marked with its token.
 *
 * Every function keeps intermediate keys on its stack and wipes them at its
 * single exit label, whatever path reached it.
 */
#include "noise.h"

#include <string.h>

#include "crypto.h"

/* h = HASH(h || data) */
static void mix_hash(uint8_t hash[WGC_HASH_LEN], const void *data, size_t len)
{
	wgc_blake2s_concat(hash, hash, WGC_HASH_LEN, data, len);
}

/* ck0 = HASH(CONSTRUCTION); h = HASH(HASH(ck0 || IDENTIFIER) || responder static) */
static void init_chain(uint8_t ck[WGC_HASH_LEN], uint8_t hash[WGC_HASH_LEN],
		       const uint8_t responder_static[WGC_KEY_LEN])
{
	wgc_blake2s(ck, WGC_CONSTRUCTION, sizeof(WGC_CONSTRUCTION) - 1);
	wgc_blake2s_concat(hash, ck, WGC_HASH_LEN, WGC_IDENTIFIER, sizeof(WGC_IDENTIFIER) - 1);
	mix_hash(hash, responder_static, WGC_KEY_LEN);
}

/* (ck, key) = KDF2(ck, DH(private, public)); key may be NULL for KDF1 */
static bool mix_dh(uint8_t ck[WGC_HASH_LEN], uint8_t *key, const uint8_t private_key[WGC_KEY_LEN],
		   const uint8_t public_key[WGC_KEY_LEN])
{
	uint8_t dh[WGC_KEY_LEN];
	bool ok = wgc_x25519(dh, private_key, public_key);

	if (ok)
		wgc_kdf(ck, key, NULL, ck, dh, sizeof(dh));
	wgc_wipe(dh, sizeof(dh));
	return ok;
}

/* ss was computed once per peer; zero means the pair of keys is unusable */
static bool mix_precomputed_dh(uint8_t ck[WGC_HASH_LEN], uint8_t key[WGC_KEY_LEN],
			       const uint8_t precomputed[WGC_KEY_LEN])
{
	if (wgc_is_zero(precomputed, WGC_KEY_LEN))
		return false;
	wgc_kdf(ck, key, NULL, ck, precomputed, WGC_KEY_LEN);
	return true;
}

/* Copies the ephemeral to the wire, h = HASH(h || e), ck = KDF1(ck, e) */
static void mix_ephemeral(uint8_t ck[WGC_HASH_LEN], uint8_t hash[WGC_HASH_LEN],
			  const uint8_t ephemeral_public[WGC_KEY_LEN])
{
	mix_hash(hash, ephemeral_public, WGC_KEY_LEN);
	wgc_kdf(ck, NULL, NULL, ck, ephemeral_public, WGC_KEY_LEN);
}

/* (ck, tau, key) = KDF3(ck, psk); h = HASH(h || tau) */
static void mix_psk(uint8_t ck[WGC_HASH_LEN], uint8_t hash[WGC_HASH_LEN], uint8_t key[WGC_KEY_LEN],
		    const uint8_t psk[WGC_KEY_LEN])
{
	uint8_t tau[WGC_HASH_LEN];

	wgc_kdf(ck, tau, key, ck, psk, WGC_KEY_LEN);
	mix_hash(hash, tau, sizeof(tau));
	wgc_wipe(tau, sizeof(tau));
}

/* AEAD(key, 0, plain, h), then h = HASH(h || ciphertext) */
static bool seal_and_hash(uint8_t *dst, const uint8_t *plain, size_t len, const uint8_t key[WGC_KEY_LEN],
			  uint8_t hash[WGC_HASH_LEN])
{
	if (!wgc_aead_seal(dst, plain, len, hash, WGC_HASH_LEN, 0, key))
		return false;
	mix_hash(hash, dst, WGC_SEALED_LEN(len));
	return true;
}

static bool open_and_hash(uint8_t *dst, const uint8_t *sealed, size_t plain_len,
			  const uint8_t key[WGC_KEY_LEN], uint8_t hash[WGC_HASH_LEN])
{
	if (!wgc_aead_open(dst, sealed, WGC_SEALED_LEN(plain_len), hash, WGC_HASH_LEN, 0, key))
		return false;
	mix_hash(hash, sealed, WGC_SEALED_LEN(plain_len));
	return true;
}

static bool new_ephemeral(uint8_t private_key[WGC_KEY_LEN], uint8_t public_key[WGC_KEY_LEN])
{
	wgc_x25519_generate(private_key);
	return wgc_x25519_public(public_key, private_key);
}

/* Forgets the ephemeral state of a handshake but not the peer's long-term keys. */
static void handshake_zero(struct wgc_handshake *hs)
{
	wgc_wipe(hs->ephemeral_private, sizeof(hs->ephemeral_private));
	wgc_wipe(hs->remote_ephemeral, sizeof(hs->remote_ephemeral));
	wgc_wipe(hs->hash, sizeof(hs->hash));
	wgc_wipe(hs->chaining_key, sizeof(hs->chaining_key));
	hs->remote_index = 0;
	hs->state = WGC_HANDSHAKE_ZEROED;
}

void wgc_identity_set(struct wgc_identity *id, const uint8_t private_key[WGC_KEY_LEN])
{
	/* kept as given, like wireguard-go; X25519 clamps on every use */
	memcpy(id->static_private, private_key, WGC_KEY_LEN);
	id->has_identity = !wgc_is_zero(private_key, WGC_KEY_LEN) &&
			   wgc_x25519_public(id->static_public, id->static_private);
	if (!id->has_identity)
		wgc_identity_clear(id);
}

void wgc_identity_clear(struct wgc_identity *id)
{
	wgc_wipe(id->static_private, sizeof(id->static_private));
	memset(id->static_public, 0, sizeof(id->static_public));
	id->has_identity = false;
}

void wgc_handshake_init(struct wgc_handshake *hs, const struct wgc_identity *id,
			const uint8_t peer_public[WGC_KEY_LEN], const uint8_t *preshared_key, void *peer)
{
	memset(hs, 0, sizeof(*hs));
	hs->entry.kind = WGC_INDEX_HANDSHAKE;
	hs->entry.owner = hs;
	hs->entry.peer = peer;
	hs->identity = id;
	memcpy(hs->remote_static, peer_public, WGC_KEY_LEN);
	wgc_handshake_set_psk(hs, preshared_key);
	wgc_handshake_precompute(hs);
}

void wgc_handshake_precompute(struct wgc_handshake *hs)
{
	if (!hs->identity->has_identity ||
	    !wgc_x25519(hs->precomputed_static_static, hs->identity->static_private, hs->remote_static))
		wgc_wipe(hs->precomputed_static_static, sizeof(hs->precomputed_static_static));
}

void wgc_handshake_set_psk(struct wgc_handshake *hs, const uint8_t *preshared_key)
{
	if (preshared_key)
		memcpy(hs->preshared_key, preshared_key, WGC_KEY_LEN);
	else
		wgc_wipe(hs->preshared_key, sizeof(hs->preshared_key));
}

void wgc_handshake_clear(struct wgc_handshake *hs, struct wgc_index_table *indices)
{
	wgc_index_remove(indices, &hs->entry);
	handshake_zero(hs);
}

void wgc_handshake_destroy(struct wgc_handshake *hs, struct wgc_index_table *indices)
{
	wgc_handshake_clear(hs, indices);
	wgc_wipe(hs->precomputed_static_static, sizeof(hs->precomputed_static_static));
	wgc_wipe(hs->preshared_key, sizeof(hs->preshared_key));
	wgc_wipe(hs->latest_timestamp, sizeof(hs->latest_timestamp));
	wgc_wipe(hs->latest_initiation_ephemeral, sizeof(hs->latest_initiation_ephemeral));
}

bool wgc_noise_create_initiation(struct wgc_handshake *hs, struct wgc_index_table *indices,
				 struct wgc_msg_initiation *dst, const uint8_t timestamp[WGC_TAI64N_LEN])
{
	uint8_t key[WGC_KEY_LEN];
	const struct wgc_identity *id = hs->identity;
	bool ok = false;

	if (!id->has_identity)
		goto out;
	memset(dst, 0, sizeof(*dst));
	wgc_store_le32(dst->header.type_le, WGC_MSG_HANDSHAKE_INITIATION);
	init_chain(hs->chaining_key, hs->hash, hs->remote_static);

	/* e */
	if (!new_ephemeral(hs->ephemeral_private, dst->unencrypted_ephemeral))
		goto out;
	mix_ephemeral(hs->chaining_key, hs->hash, dst->unencrypted_ephemeral);
	/* es */
	if (!mix_dh(hs->chaining_key, key, hs->ephemeral_private, hs->remote_static))
		goto out;
	/* s */
	if (!seal_and_hash(dst->encrypted_static, id->static_public, WGC_KEY_LEN, key, hs->hash))
		goto out;
	/* ss */
	if (!mix_precomputed_dh(hs->chaining_key, key, hs->precomputed_static_static))
		goto out;
	/* {t} */
	if (!seal_and_hash(dst->encrypted_timestamp, timestamp, WGC_TAI64N_LEN, key, hs->hash))
		goto out;

	if (wgc_index_insert(indices, &hs->entry))
		goto out;
	wgc_store_le32(dst->sender_index, hs->entry.index);
	hs->state = WGC_HANDSHAKE_CREATED_INITIATION;
	ok = true;
out:
	wgc_wipe(key, sizeof(key));
	if (!ok)
		handshake_zero(hs);
	return ok;
}

/* Timestamp order, then duplicate, then spacing: the reason a valid initiation is refused. */
static wgc_drop_reason initiation_verdict(const struct wgc_handshake *found, const uint8_t t[WGC_TAI64N_LEN],
					  const uint8_t e[WGC_KEY_LEN], uint64_t now_ms)
{
	/* TAI64N is big-endian, so byte order is time order. */
	int order = memcmp(t, found->latest_timestamp, WGC_TAI64N_LEN);

	/* the same timestamp and ephemeral: a copy of the accepted one (the network duplicated it) */
	if (!order && !memcmp(e, found->latest_initiation_ephemeral, WGC_KEY_LEN))
		return WGC_DEV_REJECTED_DUPLICATE_INITIATION;
	if (order <= 0)
		return WGC_DEV_REJECTED_STALE_TIMESTAMP;
	if (found->has_consumed_initiation &&
	    now_ms < found->last_initiation_consumption_ms + 1000 / WGC_INITIATIONS_PER_SECOND)
		return WGC_DEV_REJECTED_INITIATION_FLOOD;
	return WGC_DROP_NONE;
}

static void accept_initiation(struct wgc_handshake *found, const struct wgc_msg_initiation *src,
			      const uint8_t e[WGC_KEY_LEN], const uint8_t t[WGC_TAI64N_LEN],
			      const uint8_t hash[WGC_HASH_LEN], const uint8_t chaining_key[WGC_HASH_LEN], uint64_t now_ms)
{
	memcpy(found->remote_ephemeral, e, WGC_KEY_LEN);
	memcpy(found->latest_initiation_ephemeral, e, WGC_KEY_LEN);
	memcpy(found->latest_timestamp, t, WGC_TAI64N_LEN);
	memcpy(found->hash, hash, WGC_HASH_LEN);
	memcpy(found->chaining_key, chaining_key, WGC_HASH_LEN);
	found->remote_index = wgc_load_le32(src->sender_index);
	if (!found->has_consumed_initiation || now_ms > found->last_initiation_consumption_ms)
		found->last_initiation_consumption_ms = now_ms;
	found->has_consumed_initiation = true;
	found->state = WGC_HANDSHAKE_CONSUMED_INITIATION;
}

struct wgc_handshake *wgc_noise_consume_initiation(const struct wgc_msg_initiation *src,
						   const struct wgc_identity *id,
						   wgc_handshake_lookup_fn lookup, void *lookup_ctx,
						   uint64_t now_ms, struct wgc_noise_reject *why)
{
	uint8_t key[WGC_KEY_LEN], chaining_key[WGC_HASH_LEN], hash[WGC_HASH_LEN];
	uint8_t s[WGC_KEY_LEN], e[WGC_KEY_LEN], t[WGC_TAI64N_LEN];
	struct wgc_handshake *hs = NULL, *found = NULL;
	wgc_drop_reason reason = WGC_DEV_REJECTED_NO_PRIVATE_KEY;

	if (!id->has_identity)
		goto out;
	reason = WGC_DEV_REJECTED_HANDSHAKE_DECRYPT;
	init_chain(chaining_key, hash, id->static_public);

	/* e */
	memcpy(e, src->unencrypted_ephemeral, sizeof(e));
	mix_ephemeral(chaining_key, hash, e);
	/* es */
	if (!mix_dh(chaining_key, key, id->static_private, e))
		goto out;
	/* s */
	if (!open_and_hash(s, src->encrypted_static, WGC_KEY_LEN, key, hash))
		goto out;
	found = lookup(lookup_ctx, s);
	reason = WGC_DEV_REJECTED_UNKNOWN_PEER;
	if (!found)
		goto out;
	/* ss */
	reason = WGC_DEV_REJECTED_HANDSHAKE_FAILED;
	if (!mix_precomputed_dh(chaining_key, key, found->precomputed_static_static))
		goto out;
	/* {t} */
	reason = WGC_DEV_REJECTED_HANDSHAKE_DECRYPT;
	if (!open_and_hash(t, src->encrypted_timestamp, WGC_TAI64N_LEN, key, hash))
		goto out;
	reason = initiation_verdict(found, t, e, now_ms);
	if (reason != WGC_DROP_NONE)
		goto out;
	accept_initiation(found, src, e, t, hash, chaining_key, now_ms);
	hs = found;
out:
	if (why) {
		why->reason = reason;
		why->hs = found;
	}
	wgc_wipe(key, sizeof(key));
	wgc_wipe(chaining_key, sizeof(chaining_key));
	wgc_wipe(hash, sizeof(hash));
	wgc_wipe(e, sizeof(e));
	wgc_wipe(t, sizeof(t));
	return hs;
}

bool wgc_noise_create_response(struct wgc_handshake *hs, struct wgc_index_table *indices,
			       struct wgc_msg_response *dst)
{
	uint8_t key[WGC_KEY_LEN];
	bool ok = false;

	if (hs->state != WGC_HANDSHAKE_CONSUMED_INITIATION)
		goto out;
	memset(dst, 0, sizeof(*dst));
	wgc_store_le32(dst->header.type_le, WGC_MSG_HANDSHAKE_RESPONSE);
	wgc_store_le32(dst->receiver_index, hs->remote_index);

	/* e */
	if (!new_ephemeral(hs->ephemeral_private, dst->unencrypted_ephemeral))
		goto out;
	mix_ephemeral(hs->chaining_key, hs->hash, dst->unencrypted_ephemeral);
	/* ee */
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_ephemeral))
		goto out;
	/* se */
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_static))
		goto out;
	/* psk */
	mix_psk(hs->chaining_key, hs->hash, key, hs->preshared_key);
	/* {} */
	if (!seal_and_hash(dst->encrypted_nothing, NULL, 0, key, hs->hash))
		goto out;

	if (wgc_index_insert(indices, &hs->entry))
		goto out;
	wgc_store_le32(dst->sender_index, hs->entry.index);
	hs->state = WGC_HANDSHAKE_CREATED_RESPONSE;
	ok = true;
out:
	wgc_wipe(key, sizeof(key));
	if (!ok)
		handshake_zero(hs);
	return ok;
}

struct wgc_handshake *wgc_noise_consume_response(const struct wgc_msg_response *src,
						 const struct wgc_identity *id,
						 const struct wgc_index_table *indices, struct wgc_noise_reject *why)
{
	uint8_t key[WGC_KEY_LEN], chaining_key[WGC_HASH_LEN], hash[WGC_HASH_LEN];
	uint8_t e[WGC_KEY_LEN], ephemeral_private[WGC_KEY_LEN];
	struct wgc_handshake *hs = NULL, *found = NULL;
	struct wgc_index_entry *entry;
	wgc_drop_reason reason = WGC_DEV_REJECTED_NO_PRIVATE_KEY;

	if (!id->has_identity)
		goto out;
	reason = WGC_DEV_REJECTED_UNKNOWN_RESPONSE_INDEX;
	entry = wgc_index_lookup(indices, wgc_load_le32(src->receiver_index), WGC_INDEX_HANDSHAKE);
	if (!entry || ((struct wgc_handshake *)entry->owner)->state != WGC_HANDSHAKE_CREATED_INITIATION)
		goto out;
	found = entry->owner;
	reason = WGC_DEV_REJECTED_HANDSHAKE_DECRYPT;
	memcpy(hash, found->hash, sizeof(hash));
	memcpy(chaining_key, found->chaining_key, sizeof(chaining_key));
	memcpy(ephemeral_private, found->ephemeral_private, sizeof(ephemeral_private));

	/* e */
	memcpy(e, src->unencrypted_ephemeral, sizeof(e));
	mix_ephemeral(chaining_key, hash, e);
	/* ee */
	if (!mix_dh(chaining_key, NULL, ephemeral_private, e))
		goto out;
	/* se */
	if (!mix_dh(chaining_key, NULL, id->static_private, e))
		goto out;
	/* psk */
	mix_psk(chaining_key, hash, key, found->preshared_key);
	/* {} */
	if (!open_and_hash(NULL, src->encrypted_nothing, 0, key, hash))
		goto out;

	memcpy(found->remote_ephemeral, e, sizeof(e));
	memcpy(found->hash, hash, sizeof(hash));
	memcpy(found->chaining_key, chaining_key, sizeof(chaining_key));
	found->remote_index = wgc_load_le32(src->sender_index);
	found->state = WGC_HANDSHAKE_CONSUMED_RESPONSE;
	hs = found;
	reason = WGC_DROP_NONE;
out:
	if (why) {
		why->reason = reason;
		why->hs = found;
	}
	wgc_wipe(key, sizeof(key));
	wgc_wipe(chaining_key, sizeof(chaining_key));
	wgc_wipe(hash, sizeof(hash));
	wgc_wipe(ephemeral_private, sizeof(ephemeral_private));
	wgc_wipe(e, sizeof(e));
	return hs;
}

struct wgc_keypair *wgc_noise_begin_session(struct wgc_handshake *hs, struct wgc_keypairs *keypairs,
					    struct wgc_index_table *indices, uint64_t now_ms)
{
	struct wgc_keypair *kp;

	if (hs->state != WGC_HANDSHAKE_CREATED_RESPONSE && hs->state != WGC_HANDSHAKE_CONSUMED_RESPONSE)
		return NULL;
	kp = wgc_keypair_new(hs->entry.peer, now_ms);
	if (!kp)
		return NULL;
	kp->i_am_initiator = hs->state == WGC_HANDSHAKE_CONSUMED_RESPONSE;
	kp->remote_index = hs->remote_index;
	/* T_send, T_recv = KDF2(ck, empty), the initiator's view */
	if (kp->i_am_initiator)
		wgc_kdf(kp->send_key, kp->recv_key, NULL, hs->chaining_key, NULL, 0);
	else
		wgc_kdf(kp->recv_key, kp->send_key, NULL, hs->chaining_key, NULL, 0);
	atomic_store(&kp->send_valid, true);
	atomic_store(&kp->recv_valid, true);
	/* the session keeps the index the peer already knows */
	wgc_index_replace(indices, &hs->entry, &kp->entry);
	handshake_zero(hs);
	wgc_keypairs_add(keypairs, kp, indices);
	return kp;
}

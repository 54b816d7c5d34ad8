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
#include "secmem.h"

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
	bool ok = wgc_aead_seal(dst, plain, len, hash, WGC_HASH_LEN, 0, key);

	/* the key is the handshake's, wiped when it returns: no cached copy either */
	wgc_aead_forget_thread_key();
	if (!ok)
		return false;
	mix_hash(hash, dst, WGC_SEALED_LEN(len));
	return true;
}

static bool open_and_hash(uint8_t *dst, const uint8_t *sealed, size_t plain_len,
			  const uint8_t key[WGC_KEY_LEN], uint8_t hash[WGC_HASH_LEN])
{
	bool ok = wgc_aead_open(dst, sealed, WGC_SEALED_LEN(plain_len), hash, WGC_HASH_LEN, 0, key);

	wgc_aead_forget_thread_key();
	if (!ok)
		return false;
	mix_hash(hash, sealed, WGC_SEALED_LEN(plain_len));
	return true;
}

static bool new_ephemeral(uint8_t private_key[WGC_KEY_LEN], uint8_t public_key[WGC_KEY_LEN])
{
	wgc_x25519_generate(private_key);
	return wgc_x25519_public(public_key, private_key);
}

/*
 * Forgets our initiation in flight but not the peer's long-term keys: its
 * index (if still linked) and its state, wiped and freed.
 */
static void handshake_zero(struct wgc_handshake *hs, struct wgc_index_table *indices)
{
	if (!hs->pending)
		return;
	wgc_index_remove(indices, &hs->pending->entry);
	wgc_secret_free(hs->pending, sizeof(*hs->pending));
	hs->pending = NULL;
}

/* hs->pending, fresh or a retry's (still under its old index until a new one is drawn). */
static struct wgc_handshake_pending *pending_get(struct wgc_handshake *hs)
{
	if (!hs->pending) {
		hs->pending = wgc_secret_alloc(sizeof(*hs->pending));
		if (!hs->pending)
			return NULL;
		hs->pending->entry.kind = WGC_INDEX_HANDSHAKE;
		hs->pending->entry.owner = hs;
		hs->pending->entry.peer = hs->peer;
	}
	return hs->pending;
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
	hs->peer = peer;
	hs->identity = id;
	memcpy(hs->remote_static, peer_public, WGC_KEY_LEN);
	wgc_handshake_set_psk(hs, preshared_key);
	wgc_handshake_precompute(hs);
}

void wgc_handshake_precompute(struct wgc_handshake *hs)
{
	wgc_wipe(hs->precomputed_static_static, sizeof(hs->precomputed_static_static));
	hs->static_static_ready = false;
}

const uint8_t *wgc_handshake_static_static(struct wgc_handshake *hs)
{
	if (!hs->static_static_ready) {
		if (!hs->identity->has_identity ||
		    !wgc_x25519(hs->precomputed_static_static, hs->identity->static_private, hs->remote_static))
			wgc_wipe(hs->precomputed_static_static, sizeof(hs->precomputed_static_static));
		hs->static_static_ready = true;
	}
	return hs->precomputed_static_static;
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
	handshake_zero(hs, indices);
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
	struct wgc_handshake_pending *p;
	bool ok = false;

	if (!id->has_identity || !(p = pending_get(hs)))
		goto out;
	memset(dst, 0, sizeof(*dst));
	wgc_store_le32(dst->header.type_le, WGC_MSG_HANDSHAKE_INITIATION);
	init_chain(p->chaining_key, p->hash, hs->remote_static);

	/* e */
	if (!new_ephemeral(p->ephemeral_private, dst->unencrypted_ephemeral))
		goto out;
	mix_ephemeral(p->chaining_key, p->hash, dst->unencrypted_ephemeral);
	/* es */
	if (!mix_dh(p->chaining_key, key, p->ephemeral_private, hs->remote_static))
		goto out;
	/* s */
	if (!seal_and_hash(dst->encrypted_static, id->static_public, WGC_KEY_LEN, key, p->hash))
		goto out;
	/* ss */
	if (!mix_precomputed_dh(p->chaining_key, key, wgc_handshake_static_static(hs)))
		goto out;
	/* {t} */
	if (!seal_and_hash(dst->encrypted_timestamp, timestamp, WGC_TAI64N_LEN, key, p->hash))
		goto out;

	if (wgc_index_insert(indices, &p->entry))
		goto out;
	wgc_store_le32(dst->sender_index, p->entry.index);
	ok = true;
out:
	wgc_wipe(key, sizeof(key));
	if (!ok)
		handshake_zero(hs, indices);
	return ok;
}

/* Timestamp order, then duplicate, then spacing: the reason a valid initiation is refused. */
static wgc_drop_reason initiation_verdict(const struct wgc_noise_seen *seen, const uint8_t t[WGC_TAI64N_LEN],
					  const uint8_t e[WGC_KEY_LEN], uint64_t now_ms)
{
	/* TAI64N is big-endian, so byte order is time order. */
	int order = memcmp(t, seen->latest_timestamp, WGC_TAI64N_LEN);

	/* the same timestamp and ephemeral: a copy of the accepted one (the network duplicated it) */
	if (!order && !memcmp(e, seen->latest_initiation_ephemeral, WGC_KEY_LEN))
		return WGC_DEV_REJECTED_DUPLICATE_INITIATION;
	if (order <= 0)
		return WGC_DEV_REJECTED_STALE_TIMESTAMP;
	if (seen->has_consumed_initiation &&
	    now_ms < seen->last_initiation_consumption_ms + 1000 / WGC_INITIATIONS_PER_SECOND)
		return WGC_DEV_REJECTED_INITIATION_FLOOD;
	return WGC_DROP_NONE;
}

void wgc_noise_seen_copy(struct wgc_noise_seen *out, const struct wgc_handshake *hs)
{
	memcpy(out->latest_timestamp, hs->latest_timestamp, WGC_TAI64N_LEN);
	memcpy(out->latest_initiation_ephemeral, hs->latest_initiation_ephemeral, WGC_KEY_LEN);
	out->has_consumed_initiation = hs->has_consumed_initiation;
	out->last_initiation_consumption_ms = hs->last_initiation_consumption_ms;
}

void wgc_noise_work_wipe(struct wgc_noise_work *w)
{
	wgc_wipe(w, sizeof(*w));
}

wgc_drop_reason wgc_noise_initiation_open(struct wgc_noise_work *w, const struct wgc_msg_initiation *src)
{
	uint8_t key[WGC_KEY_LEN];
	wgc_drop_reason r = WGC_DEV_REJECTED_HANDSHAKE_DECRYPT;

	init_chain(w->chaining_key, w->hash, w->static_public);
	/* e */
	memcpy(w->remote_ephemeral, src->unencrypted_ephemeral, WGC_KEY_LEN);
	mix_ephemeral(w->chaining_key, w->hash, w->remote_ephemeral);
	/* es */
	if (!mix_dh(w->chaining_key, key, w->static_private, w->remote_ephemeral))
		goto out;
	/* s */
	if (!open_and_hash(w->remote_static, src->encrypted_static, WGC_KEY_LEN, key, w->hash))
		goto out;
	r = WGC_DROP_NONE;
out:
	wgc_wipe(key, sizeof(key));
	return r;
}

/* The responder's half: e, ee, se, psk, {} into dst (indices and macs are the caller's), then the keys. */
static bool build_response(struct wgc_noise_work *w, struct wgc_msg_response *dst)
{
	uint8_t key[WGC_KEY_LEN];
	bool ok = false;

	memset(dst, 0, sizeof(*dst));
	wgc_store_le32(dst->header.type_le, WGC_MSG_HANDSHAKE_RESPONSE);
	/* e */
	if (!new_ephemeral(w->ephemeral_private, dst->unencrypted_ephemeral))
		goto out;
	mix_ephemeral(w->chaining_key, w->hash, dst->unencrypted_ephemeral);
	/* ee */
	if (!mix_dh(w->chaining_key, NULL, w->ephemeral_private, w->remote_ephemeral))
		goto out;
	/* se */
	if (!mix_dh(w->chaining_key, NULL, w->ephemeral_private, w->remote_static))
		goto out;
	/* psk */
	mix_psk(w->chaining_key, w->hash, key, w->psk);
	/* {} */
	if (!seal_and_hash(dst->encrypted_nothing, NULL, 0, key, w->hash))
		goto out;
	/* T_recv, T_send = KDF2(ck, empty): the responder's view */
	wgc_kdf(w->recv_key, w->send_key, NULL, w->chaining_key, NULL, 0);
	ok = true;
out:
	wgc_wipe(key, sizeof(key));
	return ok;
}

wgc_drop_reason wgc_noise_initiation_answer(struct wgc_noise_work *w, const struct wgc_msg_initiation *src,
					    uint64_t now_ms, struct wgc_msg_response *dst)
{
	uint8_t key[WGC_KEY_LEN];
	wgc_drop_reason r = WGC_DEV_REJECTED_HANDSHAKE_FAILED;

	/* ss */
	if (!mix_precomputed_dh(w->chaining_key, key, w->precomputed_ss))
		goto out;
	/* {t} */
	r = WGC_DEV_REJECTED_HANDSHAKE_DECRYPT;
	if (!open_and_hash(w->timestamp, src->encrypted_timestamp, WGC_TAI64N_LEN, key, w->hash))
		goto out;
	/* a replay costs no more DH: checked against the state seen at lookup (again at commit) */
	r = initiation_verdict(&w->seen, w->timestamp, w->remote_ephemeral, now_ms);
	if (r != WGC_DROP_NONE)
		goto out;
	r = build_response(w, dst) ? WGC_DROP_NONE : WGC_DEV_REJECTED_HANDSHAKE_FAILED;
out:
	wgc_wipe(key, sizeof(key));
	return r;
}

wgc_drop_reason wgc_noise_initiation_accept(struct wgc_handshake *hs, const struct wgc_noise_work *w,
					    uint64_t now_ms)
{
	struct wgc_noise_seen seen;
	wgc_drop_reason r;

	/* the identity changed meanwhile (or the peer was re-created under another one) */
	if (!wgc_equal(wgc_handshake_static_static(hs), w->precomputed_ss, WGC_KEY_LEN))
		return WGC_DEV_REJECTED_HANDSHAKE_FAILED;
	wgc_noise_seen_copy(&seen, hs);
	r = initiation_verdict(&seen, w->timestamp, w->remote_ephemeral, now_ms);
	if (r != WGC_DROP_NONE)
		return r;
	memcpy(hs->latest_initiation_ephemeral, w->remote_ephemeral, WGC_KEY_LEN);
	memcpy(hs->latest_timestamp, w->timestamp, WGC_TAI64N_LEN);
	if (!hs->has_consumed_initiation || now_ms > hs->last_initiation_consumption_ms)
		hs->last_initiation_consumption_ms = now_ms;
	hs->has_consumed_initiation = true;
	return WGC_DROP_NONE;
}

wgc_drop_reason wgc_noise_response_open(struct wgc_noise_work *w, const struct wgc_msg_response *src)
{
	uint8_t key[WGC_KEY_LEN];
	wgc_drop_reason r = WGC_DEV_REJECTED_HANDSHAKE_DECRYPT;

	/* e */
	memcpy(w->remote_ephemeral, src->unencrypted_ephemeral, WGC_KEY_LEN);
	mix_ephemeral(w->chaining_key, w->hash, w->remote_ephemeral);
	/* ee */
	if (!mix_dh(w->chaining_key, NULL, w->ephemeral_private, w->remote_ephemeral))
		goto out;
	/* se */
	if (!mix_dh(w->chaining_key, NULL, w->static_private, w->remote_ephemeral))
		goto out;
	/* psk */
	mix_psk(w->chaining_key, w->hash, key, w->psk);
	/* {} */
	if (!open_and_hash(NULL, src->encrypted_nothing, 0, key, w->hash))
		goto out;
	/* T_send, T_recv = KDF2(ck, empty): the initiator's view */
	wgc_kdf(w->send_key, w->recv_key, NULL, w->chaining_key, NULL, 0);
	r = WGC_DROP_NONE;
out:
	wgc_wipe(key, sizeof(key));
	return r;
}

bool wgc_noise_response_pending(const struct wgc_handshake *hs, struct wgc_noise_work *w)
{
	if (!hs->pending || !hs->identity->has_identity)
		return false;
	memcpy(w->hash, hs->pending->hash, WGC_HASH_LEN);
	memcpy(w->chaining_key, hs->pending->chaining_key, WGC_HASH_LEN);
	memcpy(w->ephemeral_private, hs->pending->ephemeral_private, WGC_KEY_LEN);
	memcpy(w->psk, hs->preshared_key, WGC_KEY_LEN);
	memcpy(w->remote_static, hs->remote_static, WGC_KEY_LEN);
	memcpy(w->static_private, hs->identity->static_private, WGC_KEY_LEN);
	return true;
}

bool wgc_noise_response_still_pending(const struct wgc_handshake *hs, const struct wgc_noise_work *w)
{
	return hs->pending && wgc_equal(hs->pending->ephemeral_private, w->ephemeral_private, WGC_KEY_LEN);
}

struct wgc_keypair *wgc_noise_install_session(struct wgc_handshake *hs, const struct wgc_noise_work *w,
					      bool initiator, uint32_t remote_index, struct wgc_keypairs *keypairs,
					      struct wgc_index_table *indices, uint64_t now_ms)
{
	struct wgc_keypair *kp = wgc_keypair_new(hs->peer, now_ms);

	if (!kp)
		return NULL;
	kp->i_am_initiator = initiator;
	kp->remote_index = remote_index;
	memcpy(kp->send_key, w->send_key, WGC_KEY_LEN);
	memcpy(kp->recv_key, w->recv_key, WGC_KEY_LEN);
	if (initiator) {
		/* the session keeps the index the peer already knows */
		if (hs->pending)
			wgc_index_replace(indices, &hs->pending->entry, &kp->entry);
		handshake_zero(hs, indices);
	} else {
		/* an initiation of ours in flight is superseded, as in the kernel */
		wgc_handshake_clear(hs, indices);
		if (wgc_index_insert(indices, &kp->entry)) {
			wgc_keypair_put(kp);
			return NULL;
		}
	}
	atomic_store(&kp->send_valid, true);
	atomic_store(&kp->recv_valid, true);
	wgc_keypairs_add(keypairs, kp, indices);
	return kp;
}

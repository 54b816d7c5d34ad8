// SPDX-License-Identifier: MIT
#include "keypair.h"

#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "crypto.h"
#include "secmem.h"

struct wgc_keypair *wgc_keypair_new(void *peer, uint64_t now_ms)
{
	struct wgc_keypair *kp = wgc_secret_alloc(sizeof(*kp));

	if (!kp)
		return NULL;
	kp->entry.kind = WGC_INDEX_KEYPAIR;
	kp->entry.owner = kp;
	kp->entry.peer = peer;
	atomic_init(&kp->send_counter, 0);
	atomic_init(&kp->send_valid, false);
	atomic_init(&kp->recv_valid, false);
	atomic_init(&kp->refcount, 1);
	wgc_replay_init(&kp->replay);
	kp->birth_ms = now_ms;
	return kp;
}

struct wgc_keypair *wgc_keypair_get(struct wgc_keypair *kp)
{
	if (kp)
		atomic_fetch_add_explicit(&kp->refcount, 1, memory_order_relaxed);
	return kp;
}

void wgc_keypair_put(struct wgc_keypair *kp)
{
	if (!kp || atomic_fetch_sub_explicit(&kp->refcount, 1, memory_order_acq_rel) != 1)
		return;
	/* no thread's cipher context may keep these keys past the keypair */
	wgc_aead_forget_key(kp->send_key);
	wgc_aead_forget_key(kp->recv_key);
	wgc_secret_free(kp, sizeof(*kp));
}

/* Out of the slots: unreachable by index at once, freed when unused. */
static void drop(struct wgc_keypair *kp, struct wgc_index_table *indices)
{
	if (!kp)
		return;
	wgc_index_remove(indices, &kp->entry);
	wgc_keypair_put(kp);
}

void wgc_keypairs_add(struct wgc_keypairs *kps, struct wgc_keypair *kp, struct wgc_index_table *indices)
{
	if (!kp->i_am_initiator) {
		/* the initiator must confirm with its first data packet before we send */
		drop(kps->next, indices);
		kps->next = kp;
		return;
	}
	if (kps->next) {
		/*
		 * An unconfirmed session as responder is demoted rather than
		 * dropped, so packets the other side already sent under it still
		 * decrypt.
		 */
		drop(kps->previous, indices);
		drop(kps->current, indices);
		kps->previous = kps->next;
		kps->next = NULL;
	} else {
		drop(kps->previous, indices);
		kps->previous = kps->current;
	}
	kps->current = kp;
}

bool wgc_keypairs_received_with(struct wgc_keypairs *kps, struct wgc_keypair *kp,
				struct wgc_index_table *indices)
{
	if (!kp || kp != kps->next)
		return false;
	drop(kps->previous, indices);
	kps->previous = kps->current;
	kps->current = kps->next;
	kps->next = NULL;
	return true;
}

void wgc_keypairs_clear(struct wgc_keypairs *kps, struct wgc_index_table *indices)
{
	drop(kps->previous, indices);
	drop(kps->current, indices);
	drop(kps->next, indices);
	kps->previous = kps->current = kps->next = NULL;
}

void wgc_keypairs_expire_current(struct wgc_keypairs *kps)
{
	if (kps->next)
		atomic_store(&kps->next->send_valid, false);
	if (kps->current)
		atomic_store(&kps->current->send_valid, false);
}

static bool expired(uint64_t birth_ms, uint64_t seconds, uint64_t now_ms)
{
	return now_ms >= birth_ms + seconds * 1000;
}

struct wgc_keypair *wgc_keypairs_current_for_send(struct wgc_keypairs *kps, uint64_t now_ms)
{
	struct wgc_keypair *kp = kps->current;

	if (!kp || !atomic_load(&kp->send_valid))
		return NULL;
	if (expired(kp->birth_ms, WGC_REJECT_AFTER_TIME, now_ms)) {
		atomic_store(&kp->send_valid, false);
		return NULL;
	}
	return wgc_keypair_get(kp);
}

size_t wgc_transport_padded_len(size_t len, size_t mtu)
{
	size_t last_unit = len, padded;

	if (!mtu)
		return (len + WGC_MESSAGE_PADDING_MULTIPLE - 1) & ~(size_t)(WGC_MESSAGE_PADDING_MULTIPLE - 1);
	/* an oversized packet must not make the padding arithmetic wrap */
	if (last_unit > mtu)
		last_unit %= mtu;
	padded = (last_unit + WGC_MESSAGE_PADDING_MULTIPLE - 1) & ~(size_t)(WGC_MESSAGE_PADDING_MULTIPLE - 1);
	if (padded > mtu)
		padded = mtu;
	return len + (padded - last_unit);
}

bool wgc_transport_next_counter(struct wgc_keypair *kp, uint64_t *counter)
{
	uint64_t c = atomic_fetch_add_explicit(&kp->send_counter, 1, memory_order_relaxed);

	if (c >= WGC_REJECT_AFTER_MESSAGES) {
		atomic_store(&kp->send_valid, false);
		return false;
	}
	*counter = c;
	return true;
}

size_t wgc_transport_encrypt(const struct wgc_keypair *kp, uint64_t counter, uint8_t *dst,
			     const uint8_t *plain, size_t len, size_t mtu)
{
	size_t padded = wgc_transport_padded_len(len, mtu);
	uint8_t *payload = dst + WGC_MSG_DATA_HEADER_LEN;

	if (payload != plain)
		memmove(payload, plain, len);
	memset(payload + len, 0, padded - len);
	if (!wgc_aead_seal(payload, payload, padded, NULL, 0, counter, kp->send_key))
		return 0;
	wgc_store_le32(dst, WGC_MSG_DATA);
	wgc_store_le32(dst + 4, kp->remote_index);
	wgc_store_le64(dst + 8, counter);
	return WGC_DATA_OVERHEAD + padded;
}

size_t wgc_transport_encrypt_gather(const struct wgc_keypair *kp, uint64_t counter, uint8_t *dst,
				    const uint8_t *plain, size_t len, const uint8_t *tail, size_t tail_len,
				    size_t mtu)
{
	static const uint8_t zeros[WGC_MESSAGE_PADDING_MULTIPLE];
	size_t padded = wgc_transport_padded_len(len + tail_len, mtu);
	uint8_t *payload = dst + WGC_MSG_DATA_HEADER_LEN;
	struct wgc_aead_part parts[3] = {
		{ payload, len },
		{ tail, tail_len },
		{ zeros, padded - len - tail_len },
	};

	if (parts[2].len > sizeof(zeros))
		return 0; /* cannot happen: padding stays below one multiple */
	if (payload != plain)
		memmove(payload, plain, len);
	if (!wgc_aead_seal_gather(payload, parts, 3, NULL, 0, counter, kp->send_key))
		return 0;
	wgc_store_le32(dst, WGC_MSG_DATA);
	wgc_store_le32(dst + 4, kp->remote_index);
	wgc_store_le64(dst + 8, counter);
	return WGC_DATA_OVERHEAD + padded;
}

enum wgc_transport_status wgc_transport_decrypt(struct wgc_keypair *kp, const uint8_t *msg, size_t msg_len,
						uint8_t *dst, size_t *plain_len, uint64_t *counter, uint64_t now_ms)
{
	uint64_t c;

	if (msg_len < WGC_MSG_DATA_MIN_LEN)
		return WGC_TRANSPORT_INVALID;
	if (!atomic_load(&kp->recv_valid))
		return WGC_TRANSPORT_EXPIRED;
	if (expired(kp->birth_ms, WGC_REJECT_AFTER_TIME, now_ms)) {
		atomic_store(&kp->recv_valid, false);
		return WGC_TRANSPORT_EXPIRED;
	}
	c = wgc_load_le64(msg + 8);
	if (c >= WGC_REJECT_AFTER_MESSAGES)
		return WGC_TRANSPORT_EXPIRED;
	if (!wgc_aead_open(dst, msg + WGC_MSG_DATA_HEADER_LEN, msg_len - WGC_MSG_DATA_HEADER_LEN, NULL, 0, c,
			   kp->recv_key))
		return WGC_TRANSPORT_INVALID;
	*plain_len = msg_len - WGC_DATA_OVERHEAD;
	*counter = c;
	return WGC_TRANSPORT_OK;
}

bool wgc_transport_accept_counter(struct wgc_keypair *kp, uint64_t counter)
{
	return wgc_replay_check(&kp->replay, counter, WGC_REJECT_AFTER_MESSAGES);
}

size_t wgc_transport_inner_len(const uint8_t *plain, size_t plain_len)
{
	size_t len;

	if (plain_len < 1)
		return 0;
	switch (plain[0] >> 4) {
	case 4:
		if (plain_len < 20)
			return 0;
		len = wgc_load_be16(plain + 2);
		if (len < 20)
			return 0;
		break;
	case 6:
		if (plain_len < 40)
			return 0;
		len = (size_t)wgc_load_be16(plain + 4) + 40;
		break;
	default:
		return 0;
	}
	return len <= plain_len ? len : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Transport keypairs and their rotation. A peer holds up to three: `next`
 * (derived as responder, not yet confirmed by the initiator's first data
 * packet), `current` (used to send) and `previous` (still accepted while
 * packets sent under it drain).
 *
 * Keypairs are reference counted so data-path threads can keep using one
 * while the control path rotates it out; keys are wiped when the last
 * reference goes. Rotation and the index table are the control path's:
 * callers serialise those calls. Counters and validity flags are atomic.
 */
#ifndef WGC_KEYPAIR_H
#define WGC_KEYPAIR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "messages.h"
#include "replay.h"

struct wgc_keypair {
	struct wgc_index_entry entry; /* local index; entry.peer is the owner */
	uint8_t send_key[WGC_KEY_LEN];
	uint8_t recv_key[WGC_KEY_LEN];
	atomic_uint_fast64_t send_counter;
	atomic_bool send_valid;
	atomic_bool recv_valid;
	atomic_int refcount;
	struct wgc_replay replay;     /* touched only by the peer's in-order receive stage */
	uint64_t birth_ms;
	uint32_t remote_index;
	bool i_am_initiator;
};

struct wgc_keypairs {
	struct wgc_keypair *current, *previous, *next;
};

struct wgc_keypair *wgc_keypair_new(void *peer, uint64_t now_ms);
struct wgc_keypair *wgc_keypair_get(struct wgc_keypair *kp);
void wgc_keypair_put(struct wgc_keypair *kp);

/* Installs a freshly derived keypair (takes the caller's reference). */
void wgc_keypairs_add(struct wgc_keypairs *kps, struct wgc_keypair *kp, struct wgc_index_table *indices);
/*
 * Called for every authenticated data packet: if it arrived under `next`,
 * the initiator has confirmed that session, so it becomes current. Returns
 * true on that transition (the handshake is then complete for the timers).
 */
bool wgc_keypairs_received_with(struct wgc_keypairs *kps, struct wgc_keypair *kp,
				struct wgc_index_table *indices);
/* Drops all three (zero-key timer, peer removal). */
void wgc_keypairs_clear(struct wgc_keypairs *kps, struct wgc_index_table *indices);
/* Stops sending under current and next (our identity changed). */
void wgc_keypairs_expire_current(struct wgc_keypairs *kps);
/* A reference to current if it may still send at now_ms, else NULL. */
struct wgc_keypair *wgc_keypairs_current_for_send(struct wgc_keypairs *kps, uint64_t now_ms);

/* Bytes added to an inner packet of `len` bytes padded for `mtu` (0: no cap). */
size_t wgc_transport_padded_len(size_t len, size_t mtu);
/* Size of the data message that carries an inner packet of `len` bytes. */
static inline size_t wgc_transport_message_len(size_t len, size_t mtu)
{
	return WGC_DATA_OVERHEAD + wgc_transport_padded_len(len, mtu);
}

/*
 * Takes the next send counter: false (and the keypair marked unusable)
 * once it reaches REJECT_AFTER_MESSAGES.
 */
bool wgc_transport_next_counter(struct wgc_keypair *kp, uint64_t *counter);
/*
 * Builds a data message in dst (room for wgc_transport_message_len bytes):
 * header, inner packet, zero padding, tag. dst may equal plain + 16 for
 * in-place use. Returns the message length, or 0 on a crypto failure.
 */
size_t wgc_transport_encrypt(const struct wgc_keypair *kp, uint64_t counter, uint8_t *dst,
			     const uint8_t *plain, size_t len, size_t mtu);
/*
 * As wgc_transport_encrypt for an inner packet given in two parts: the head
 * (len bytes at plain, which may equal dst + 16) and then the tail
 * (tail_len bytes, may be NULL when 0), which must overlap nothing of dst's
 * wgc_transport_message_len(len + tail_len, mtu) bytes. The tail is read
 * in place, never copied (a TSO segment's payload in its super-packet).
 */
size_t wgc_transport_encrypt_gather(const struct wgc_keypair *kp, uint64_t counter, uint8_t *dst,
				    const uint8_t *plain, size_t len, const uint8_t *tail, size_t tail_len,
				    size_t mtu);
enum wgc_transport_status {
	WGC_TRANSPORT_OK,
	WGC_TRANSPORT_EXPIRED,   /* the keypair may no longer receive (age, counter limit, invalidated) */
	WGC_TRANSPORT_INVALID,   /* not authentic */
};

/*
 * Authenticates and decrypts a data message of msg_len bytes into dst
 * (room for msg_len - WGC_DATA_OVERHEAD). Checks validity and age of the
 * keypair, but not the replay window: the caller does that in order with
 * wgc_transport_accept_counter.
 */
enum wgc_transport_status wgc_transport_decrypt(struct wgc_keypair *kp, const uint8_t *msg, size_t msg_len, uint8_t *dst,
			   size_t *plain_len, uint64_t *counter, uint64_t now_ms);
bool wgc_transport_accept_counter(struct wgc_keypair *kp, uint64_t counter);
/* Length of the IP packet inside a decrypted payload, or 0 when it is not one. */
size_t wgc_transport_inner_len(const uint8_t *plain, size_t plain_len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The core's device, peer and staging structs. Only the core's own files
 * and its unit tests (tests/unit, fuzz) include this; embedders see the
 * opaque types of device.h.
 */
#ifndef WGC_DEVICE_IMPL_H
#define WGC_DEVICE_IMPL_H

#include "cookie.h"
#include "device.h"
#include "index.h"
#include "keypair.h"
#include "noise.h"
#include "ratelimiter.h"
#include "timerheap.h"
#include "timers.h"

enum { WGC_MAX_STAGED_PACKETS = 128 };

struct wgc_staged {
	uint8_t *packets[WGC_MAX_STAGED_PACKETS];
	uint16_t lens[WGC_MAX_STAGED_PACKETS];
	unsigned head, count;
};

struct wgc_peer {
	struct wgc_device *device;
	struct wgc_handshake handshake; /* handshake.remote_static: the peer's public key */
	struct wgc_keypairs keypairs;
	struct wgc_cookie_maker cookie;
	struct wgc_timers timers;
	struct wgc_staged *staged;     /* allocated when a packet first waits: most peers never need it */
	/* allocated at the first count (wgc_peer_counter_add/_set): most peers of a hub never count */
	_Atomic(struct wgc_peer_counters *) counters;
	uint64_t rx_bytes, tx_bytes;
	int64_t last_handshake_sec;
	uint32_t last_handshake_nsec;
	uint16_t persistent_keepalive;
	size_t heap_pos;               /* slot in the device's deadline heap + 1; 0: not filed */
	uint64_t heap_key;             /* a lower bound of the peer's next deadline */
	void *user;                    /* the embedding program's per-peer state */
	struct wgc_peer *hash_next;
	struct wgc_peer *list_prev, *list_next;
};

struct wgc_device {
	struct wgc_identity identity;
	struct wgc_cookie_checker cookie_checker;
	struct wgc_index_table indices;
	struct wgc_allowedips allowedips;
	struct wgc_ratelimiter ratelimiter; /* handshake work per source, under load */
	struct wgc_device_counters counters;
	struct wgc_timerheap timerheap;     /* peers by next deadline */
	struct wgc_peer **peer_buckets;
	size_t n_peer_buckets, n_peers;
	struct wgc_peer *peers_head, *peers_tail; /* creation order */
	struct wgc_peer_walk *walks;              /* walks in progress (wgc_device_walk_begin) */
	uint32_t hash_seed;
	size_t mtu;                    /* inner MTU for padding; 0: pad to 16 only */
	bool up;
	const struct wgc_device_ops *ops;
	void *ops_ctx;
};

/* Exact length (data: minimum) for the message type. */
bool wgc_message_length_ok(enum wgc_message_type type, size_t len);
/*
 * Counts a rejected message under its reason (and its source, and the
 * peer's own counter when there is one), tells ops->event, and returns
 * WGC_RX_DROP; *out (may be NULL) gets the reason.
 */
enum wgc_rx_verdict wgc_device_reject(struct wgc_device *dev, struct wgc_peer *peer, wgc_drop_reason reason,
				      const struct sockaddr *src, wgc_drop_reason *out);
/* Frees the peer's counter block (peer removal). */
void wgc_peer_counters_release(struct wgc_peer *peer);
/* A session is confirmed: timers, the latest handshake time, the event. */
void wgc_peer_handshake_complete(struct wgc_peer *peer);
/* Reports a handshake event to ops->event, if any. */
void wgc_device_event(struct wgc_device *dev, struct wgc_peer *peer, enum wgc_event_kind kind, unsigned attempt,
		      const struct sockaddr *src);
/* Sends a message to the peer (tx_bytes counted); a failure is counted by its reason. */
bool wgc_peer_send_message(struct wgc_peer *peer, const uint8_t *msg, size_t len);

/* Embedding by value, for the core's tests (memnet): as wgc_device_new / _delete. */
int wgc_device_init(struct wgc_device *dev, const struct wgc_device_ops *ops, void *ctx);
void wgc_device_free(struct wgc_device *dev);

#endif

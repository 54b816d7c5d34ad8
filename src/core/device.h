/* SPDX-License-Identifier: MIT */
/*
 * One WireGuard interface's protocol state, without I/O: our identity, the
 * peers, session indices, cryptokey routing and cookies. Output leaves
 * through callbacks and time comes in as arguments, so two devices can talk
 * to each other in memory (tests) or through sockets and a TUN (wgcd).
 *
 * Not thread-safe: the caller serialises every call on one device. The data
 * path of wgcd uses the lower layers (keypair.h) from worker threads and
 * only reports back here through the serialised peer_* functions.
 */
#ifndef WGC_DEVICE_H
#define WGC_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "allowedips.h"
#include "cookie.h"
#include "index.h"
#include "keypair.h"
#include "noise.h"
#include "ratelimiter.h"
#include "timers.h"

struct wgc_peer;

struct wgc_device_ops {
	/* Sends a message to the peer's endpoint; false when it could not. */
	bool (*send_to_peer)(void *ctx, struct wgc_peer *peer, const uint8_t *msg, size_t len);
	/* Answers the sender of a datagram (cookie replies); src_info as given to receive. */
	void (*send_reply)(void *ctx, const void *src_info, const uint8_t *msg, size_t len);
	/* An authenticated inner IP packet from peer, for the TUN. */
	void (*deliver)(void *ctx, struct wgc_peer *peer, const uint8_t *packet, size_t len);
	/* The peer was authenticated at src_info: its endpoint roams there. */
	void (*set_endpoint)(void *ctx, struct wgc_peer *peer, const void *src_info);
	/* Forget the local address replies left from (a handshake is retried). */
	void (*clear_src_cache)(void *ctx, struct wgc_peer *peer);
	/* Wall-clock time, for TAI64N timestamps and the latest handshake. */
	void (*wall_time)(void *ctx, int64_t *sec, uint32_t *nsec);
	/* The peer is about to be freed (also when a key change removes it). */
	void (*peer_removed)(void *ctx, struct wgc_peer *peer);
};

enum { WGC_MAX_STAGED_PACKETS = 128 };

struct wgc_staged {
	uint8_t *packets[WGC_MAX_STAGED_PACKETS];
	uint16_t lens[WGC_MAX_STAGED_PACKETS];
	unsigned head, count;
};

struct wgc_peer {
	struct wgc_device *device;
	uint8_t public_key[WGC_KEY_LEN];
	struct wgc_handshake handshake;
	struct wgc_keypairs keypairs;
	struct wgc_cookie_maker cookie;
	struct wgc_timers timers;
	struct wgc_staged *staged;     /* allocated when a packet first waits: most peers never need it */
	uint64_t rx_bytes, tx_bytes;
	int64_t last_handshake_sec;
	uint32_t last_handshake_nsec;
	uint16_t persistent_keepalive;
	uint64_t serial;               /* creation order, for stable listings */
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
	struct wgc_peer **peer_buckets;
	size_t n_peer_buckets, n_peers;
	struct wgc_peer *peers_head, *peers_tail; /* creation order */
	uint64_t next_serial;
	uint32_t hash_seed;
	size_t mtu;                    /* inner MTU for padding; 0: pad to 16 only */
	bool up;
	const struct wgc_device_ops *ops;
	void *ops_ctx;
};

int wgc_device_init(struct wgc_device *dev, const struct wgc_device_ops *ops, void *ctx);
/* Removes every peer and wipes every secret. */
void wgc_device_free(struct wgc_device *dev);
/*
 * Sets (all-zero: clears) the private key. Sessions under the old key stop
 * sending, and a peer whose public key equals our new one is removed.
 */
void wgc_device_set_private_key(struct wgc_device *dev, const uint8_t key[WGC_KEY_LEN]);
/* Interface up: timers run and staged packets go. Down: all sessions dropped. */
void wgc_device_set_up(struct wgc_device *dev, bool up, uint64_t now_ms);

/* NULL and errno EEXIST / ENOMEM / EINVAL (our own public key). */
struct wgc_peer *wgc_device_add_peer(struct wgc_device *dev, const uint8_t public_key[WGC_KEY_LEN]);
struct wgc_peer *wgc_device_find_peer(const struct wgc_device *dev, const uint8_t public_key[WGC_KEY_LEN]);
void wgc_device_remove_peer(struct wgc_device *dev, struct wgc_peer *peer);
void wgc_peer_set_psk(struct wgc_peer *peer, const uint8_t *psk);
void wgc_peer_set_persistent_keepalive(struct wgc_peer *peer, uint16_t seconds, uint64_t now_ms);

enum wgc_rx_verdict {
	WGC_RX_DROP,         /* malformed, unauthentic, replayed or not allowed */
	WGC_RX_HANDSHAKE,    /* a handshake message was processed */
	WGC_RX_COOKIE_SENT,  /* under load: answered with a cookie reply */
	WGC_RX_KEEPALIVE,
	WGC_RX_DATA,         /* an inner packet was delivered */
};

/*
 * A datagram from the network. src is its source address (for cookies),
 * src_info whatever the embedder needs to answer it (passed back to the
 * send_reply and set_endpoint callbacks). under_load demands mac2.
 */
enum wgc_rx_verdict wgc_device_receive(struct wgc_device *dev, const uint8_t *msg, size_t len,
				       const struct sockaddr *src, const void *src_info, bool under_load,
				       uint64_t now_ms);
/*
 * The steps of a data message's receipt after decryption and the replay
 * check, for embedders that decrypt on other threads: roaming, keypair
 * confirmation, timers, the inner source check, delivery and accounting.
 */
enum wgc_rx_verdict wgc_peer_receive_data(struct wgc_peer *peer, struct wgc_keypair *kp, const uint8_t *plain,
					  size_t plain_len, const void *src_info, uint64_t now_ms);

/* An IP packet from the TUN for this peer: sent now or staged for a handshake. */
void wgc_peer_send_packet(struct wgc_peer *peer, const uint8_t *packet, size_t len, uint64_t now_ms);
/* The peer routed for an inner destination, or NULL. */
struct wgc_peer *wgc_device_route(const struct wgc_device *dev, const uint8_t *packet, size_t len);
void wgc_peer_send_keepalive(struct wgc_peer *peer, uint64_t now_ms);
/* Sends whatever is staged once a session exists, else asks for a handshake. */
void wgc_peer_send_staged(struct wgc_peer *peer, uint64_t now_ms);
void wgc_peer_initiate_handshake(struct wgc_peer *peer, bool is_retry, uint64_t now_ms);
/* Accounting and timers after a data message (keepalive: len 0) left for the peer. */
void wgc_peer_sent_data(struct wgc_peer *peer, size_t inner_len, size_t wire_len, uint64_t now_ms);
/* The send-side rekey check of the current keypair. */
void wgc_peer_keep_key_fresh_send(struct wgc_peer *peer, uint64_t now_ms);

void wgc_peer_purge_staged(struct wgc_peer *peer);
static inline unsigned wgc_peer_staged_count(const struct wgc_peer *peer)
{
	return peer->staged ? peer->staged->count : 0;
}

/* Runs due timers of one peer / all peers; returns the earliest next deadline (0: none). */
uint64_t wgc_peer_tick(struct wgc_peer *peer, uint64_t now_ms);
uint64_t wgc_device_tick(struct wgc_device *dev, uint64_t now_ms);

#endif

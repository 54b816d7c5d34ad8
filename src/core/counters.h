/* SPDX-License-Identifier: MIT */
/*
 * Named counters of a device and of each peer. Every packet the core drops
 * has a reason, and each reason is a device counter (the names are the ones
 * `wgc show --json`, the UAPI extension and the docs use, see doc/uapi.md).
 * Values are 64-bit, wrap never in practice, and are updated with relaxed
 * atomics so that the daemon may count from any thread; a reader sees each
 * counter exactly, but two counters are not a consistent snapshot.
 *
 * The lists are X-macros: X(ENUM_SUFFIX, "name"); one place to add a counter.
 */
#ifndef WGC_COUNTERS_H
#define WGC_COUNTERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define WGC_DEVICE_COUNTERS(X)                                                                  \
	X(HANDSHAKE_INITIATIONS_RECEIVED, "handshake_initiations_received")                     \
	X(HANDSHAKE_RESPONSES_RECEIVED, "handshake_responses_received")                         \
	X(COOKIE_REPLIES_SENT, "cookie_replies_sent")                                           \
	X(COOKIE_REPLIES_RECEIVED, "cookie_replies_received")                                   \
	/* handshake-side rejections: their sources are remembered */                           \
	X(REJECTED_INVALID_LENGTH, "rejected_invalid_length")                                   \
	X(REJECTED_INVALID_MAC1, "rejected_invalid_mac1")                                       \
	X(REJECTED_INVALID_MAC2, "rejected_invalid_mac2")                                       \
	X(REJECTED_UNKNOWN_PEER, "rejected_unknown_peer")                                       \
	X(REJECTED_STALE_TIMESTAMP, "rejected_stale_timestamp")                                 \
	X(REJECTED_DUPLICATE_INITIATION, "rejected_duplicate_initiation")                       \
	X(REJECTED_INITIATION_FLOOD, "rejected_initiation_flood")                               \
	X(REJECTED_RATE_LIMITED, "rejected_rate_limited")                                       \
	X(REJECTED_HANDSHAKE_QUEUE_FULL, "rejected_handshake_queue_full")                       \
	X(REJECTED_HANDSHAKE_DECRYPT, "rejected_handshake_decrypt")                             \
	X(REJECTED_UNKNOWN_RESPONSE_INDEX, "rejected_unknown_response_index")                   \
	X(REJECTED_INVALID_COOKIE_REPLY, "rejected_invalid_cookie_reply")                       \
	X(REJECTED_NO_PRIVATE_KEY, "rejected_no_private_key")                                   \
	X(REJECTED_DEVICE_DOWN, "rejected_device_down")                                         \
	X(REJECTED_HANDSHAKE_FAILED, "rejected_handshake_failed")                               \
	/* data messages in */                                                                  \
	X(DATA_REJECTED_UNKNOWN_INDEX, "data_rejected_unknown_index")                           \
	X(DATA_REJECTED_EXPIRED_KEYPAIR, "data_rejected_expired_keypair")                       \
	X(DATA_REJECTED_DECRYPT, "data_rejected_decrypt")                                       \
	X(DATA_REJECTED_REPLAY, "data_rejected_replay")                                         \
	X(DATA_REJECTED_INVALID_INNER_PACKET, "data_rejected_invalid_inner_packet")             \
	X(DATA_REJECTED_SOURCE_NOT_ALLOWED, "data_rejected_source_not_allowed")                 \
	X(DATA_REJECTED_TOO_LONG, "data_rejected_too_long")                                     \
	/* packets out */                                                                       \
	X(DATA_DROPPED_NO_ROUTE, "data_dropped_no_route")                                       \
	X(DATA_DROPPED_NO_ENDPOINT, "data_dropped_no_endpoint")                                 \
	X(DATA_DROPPED_DEVICE_DOWN, "data_dropped_device_down")                                 \
	X(DATA_DROPPED_ROUTING_LOOP, "data_dropped_routing_loop")                               \
	X(DATA_DROPPED_STAGED_OVERFLOW, "data_dropped_staged_overflow")                         \
	X(DATA_DROPPED_GAVE_UP, "data_dropped_handshake_gave_up")                               \
	X(DATA_DROPPED_MALFORMED, "data_dropped_malformed")                                     \
	X(DATA_DROPPED_ENCRYPT, "data_dropped_encrypt_failed")                                  \
	X(DATA_DROPPED_SEND_FAILED, "data_dropped_send_failed")                                 \
	X(DATA_DROPPED_TOO_MANY_SEGMENTS, "data_dropped_too_many_segments")

#define WGC_PEER_COUNTERS(X)                                                                    \
	X(HANDSHAKE_INITIATIONS_SENT, "handshake_initiations_sent")                             \
	X(HANDSHAKE_INITIATIONS_RECEIVED, "handshake_initiations_received")                     \
	X(HANDSHAKE_RESPONSES_SENT, "handshake_responses_sent")                                 \
	X(HANDSHAKE_RESPONSES_RECEIVED, "handshake_responses_received")                         \
	X(HANDSHAKE_ATTEMPTS_EXPIRED, "handshake_attempts_expired")                             \
	X(LAST_HANDSHAKE_ATTEMPT, "last_handshake_attempt")                                     \
	X(COOKIE_REPLIES_RECEIVED, "cookie_replies_received")                                   \
	X(REJECTED_STALE_TIMESTAMP, "rejected_stale_timestamp")                                 \
	X(REJECTED_DUPLICATE_INITIATION, "rejected_duplicate_initiation")                       \
	X(REJECTED_INITIATION_FLOOD, "rejected_initiation_flood")                               \
	X(DATA_REJECTED_REPLAY, "data_rejected_replay")                                         \
	X(DATA_REJECTED_SOURCE_NOT_ALLOWED, "data_rejected_source_not_allowed")                 \
	X(KEEPALIVES_SENT, "keepalives_sent")                                                   \
	X(KEEPALIVES_RECEIVED, "keepalives_received")                                           \
	X(LAST_HANDSHAKE_TTL, "last_handshake_ttl")                                             \
	X(ICMP_PORT_UNREACHABLE, "icmp_port_unreachable")                                       \
	X(LAST_ICMP_PORT_UNREACHABLE, "last_icmp_port_unreachable")

#define WGC_COUNTER_ENUM_DEV(e, name) WGC_DEV_##e,
#define WGC_COUNTER_ENUM_PEER(e, name) WGC_PEER_##e,
enum wgc_device_counter { WGC_DEVICE_COUNTERS(WGC_COUNTER_ENUM_DEV) WGC_DEVICE_COUNTER_COUNT };
enum wgc_peer_counter { WGC_PEER_COUNTERS(WGC_COUNTER_ENUM_PEER) WGC_PEER_COUNTER_COUNT };
#undef WGC_COUNTER_ENUM_DEV
#undef WGC_COUNTER_ENUM_PEER

/* A drop reason is the device counter it feeds; WGC_DROP_NONE: not dropped. */
typedef enum wgc_device_counter wgc_drop_reason;
#define WGC_DROP_NONE WGC_DEVICE_COUNTER_COUNT

/* "rejected_invalid_mac1" etc.; NULL outside the enum. Static strings. */
const char *wgc_device_counter_name(enum wgc_device_counter c);
const char *wgc_peer_counter_name(enum wgc_peer_counter c);

/* Whether a reason concerns a handshake message (its sources are remembered). */
static inline bool wgc_drop_is_handshake(wgc_drop_reason r)
{
	return r >= WGC_DEV_REJECTED_INVALID_LENGTH && r <= WGC_DEV_REJECTED_HANDSHAKE_FAILED;
}

enum {
	WGC_REJECTED_SOURCES_PER_REASON = 8,
	WGC_REJECTED_REASONS = WGC_DEV_REJECTED_HANDSHAKE_FAILED - WGC_DEV_REJECTED_INVALID_LENGTH + 1,
};

/* An IPv4 or IPv6 socket address (sa_family 0: empty). */
union wgc_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

struct wgc_device_counters {
	atomic_uint_fast64_t v[WGC_DEVICE_COUNTER_COUNT];
	/* per handshake reason, a ring of the most recent sources: see wgc_counters_reject */
	atomic_flag sources_lock;
	union wgc_sockaddr sources[WGC_REJECTED_REASONS][WGC_REJECTED_SOURCES_PER_REASON];
	unsigned char sources_head[WGC_REJECTED_REASONS], sources_n[WGC_REJECTED_REASONS];
};

struct wgc_peer_counters {
	atomic_uint_fast64_t v[WGC_PEER_COUNTER_COUNT];
};

void wgc_device_counters_init(struct wgc_device_counters *c);
static inline void wgc_counters_add(struct wgc_device_counters *c, enum wgc_device_counter i, uint64_t n)
{
	atomic_fetch_add_explicit(&c->v[i], n, memory_order_relaxed);
}
static inline void wgc_peer_counters_add(struct wgc_peer_counters *c, enum wgc_peer_counter i, uint64_t n)
{
	atomic_fetch_add_explicit(&c->v[i], n, memory_order_relaxed);
}
/* Sets a value counter (a last_* time or TTL) of a peer. Any thread. */
static inline void wgc_peer_counters_set(struct wgc_peer_counters *c, enum wgc_peer_counter i, uint64_t v)
{
	atomic_store_explicit(&c->v[i], v, memory_order_relaxed);
}
/*
 * Counts one rejection; for a handshake reason also remembers src (may be
 * NULL) as its most recent source, each source once. Any thread.
 */
void wgc_counters_reject(struct wgc_device_counters *c, wgc_drop_reason r, const struct sockaddr *src);
/*
 * Copies the remembered sources of one handshake reason, distinct, most
 * recent first, into out (room for WGC_REJECTED_SOURCES_PER_REASON). Returns the count.
 */
unsigned wgc_counters_rejected_sources(struct wgc_device_counters *c, wgc_drop_reason r,
				       union wgc_sockaddr out[WGC_REJECTED_SOURCES_PER_REASON]);

#endif

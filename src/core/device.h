/* SPDX-License-Identifier: MIT */
/*
 * One WireGuard interface's protocol state, without I/O: our identity, the
 * peers, session indices, cryptokey routing and cookies. Output leaves
 * through callbacks and time comes in as arguments, so two devices can talk
 * to each other in memory (tests) or through sockets and a TUN (wgcd).
 * Every protocol decision is made here; the embedder moves bytes.
 *
 * Locking design. The core has no lock of its own; the embedder holds one
 * "device lock" around every call unless a function says otherwise.
 *
 *  - The device lock protects: the peer table and list, the identity and
 *    cookie checker, the index table, the allowed-IPs trie, the rate
 *    limiter, and per peer its handshake, timers, staged packets, keypair
 *    slots (current / previous / next), the replay windows, byte counts and
 *    the latest handshake time. Callbacks (ops) run with it held, except
 *    send_reply from wgc_handshake_send_replies and the cookie events of
 *    wgc_handshake_screen (peer NULL), which run without it.
 *  - Per keypair, lock-free: the keys (written once when the session is
 *    derived, wiped when the last reference goes), the send counter, the
 *    validity flags and the reference count (atomics). A thread that holds
 *    a reference may encrypt or decrypt with no lock at all.
 *  - Counters (counters.h) are relaxed atomics: any thread, no lock.
 *  - No lock held: wgc_rx_decrypt, wgc_tx_encrypt (they touch only the
 *    keypairs they hold references to and the packets they were given),
 *    wgc_handshake_screen, _open, _compute and _send_replies (the items
 *    they were given), wgc_device_count_drop and the counter readers.
 *
 * The data path is phased so that the work under the lock is short and
 * free of crypto: a batch is classified (receive: index lookup, a
 * reference taken) or prepared (send: route, nonce reserved) under the
 * lock, en/decrypted outside it, and (receive) committed under it again,
 * in arrival order: replay window, timers, source check, delivery. Each
 * locked step is O(batch) table lookups and bookkeeping, so several lanes
 * and readers can share one device lock now and a later split (per-peer
 * locks for timers/replay, a read-mostly lock for the tables) changes no
 * caller. Handshake messages go through their own phases (below), where
 * the locked steps are lookups, mac checks and bookkeeping, and a flood
 * under load is settled with no lock at all.
 */
#ifndef WGC_DEVICE_H
#define WGC_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "allowedips.h"
#include "counters.h"
#include "messages.h"

struct wgc_peer;

/* Handshake events, for a log (LOG_LEVEL=verbose). Never carries key material. */
enum wgc_event_kind {
	WGC_EVENT_INITIATION_SENT,      /* attempt: 1, then 2, 3... for retries */
	WGC_EVENT_INITIATION_RECEIVED,
	WGC_EVENT_RESPONSE_SENT,
	WGC_EVENT_RESPONSE_RECEIVED,
	WGC_EVENT_COOKIE_SENT,          /* under load, to src */
	WGC_EVENT_COOKIE_RECEIVED,
	WGC_EVENT_HANDSHAKE_COMPLETE,   /* a session is confirmed */
	WGC_EVENT_GAVE_UP,              /* attempt: how many initiations went unanswered */
	WGC_EVENT_REJECTED,             /* a handshake message from src, for reason */
};

struct wgc_event {
	enum wgc_event_kind kind;
	wgc_drop_reason reason;         /* WGC_EVENT_REJECTED only */
	unsigned attempt;
	const struct sockaddr *src;     /* may be NULL */
};

struct wgc_device_ops {
	/*
	 * Sends a message to the peer's endpoint: WGC_DROP_NONE, or why not
	 * (WGC_DEV_DATA_DROPPED_NO_ENDPOINT, WGC_DEV_DATA_DROPPED_SEND_FAILED).
	 */
	wgc_drop_reason (*send_to_peer)(void *ctx, struct wgc_peer *peer, const uint8_t *msg, size_t len);
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
	/*
	 * Bytes of the embedder's per-peer state allocated, zeroed, in the
	 * same secret-slab object as each peer (at most 1 KiB; 0: none):
	 * wgc_peer_user points there from creation, no malloc and no
	 * allocator header per peer. Wiped and freed with the peer.
	 */
	size_t peer_user_size;
	/*
	 * Optional, for the send batch: may pkt (routed to peer) go out now?
	 * WGC_DROP_NONE, WGC_DEV_DATA_DROPPED_ROUTING_LOOP (dropped) or
	 * WGC_DEV_DATA_DROPPED_NO_ENDPOINT (staged until a handshake from the
	 * peer tells where it is). user is the batch item's; the embedder may
	 * note there where to send. Under the device lock.
	 */
	wgc_drop_reason (*tx_check)(void *ctx, struct wgc_peer *peer, const uint8_t *pkt, size_t len, void *user);
	/*
	 * Optional: sends a handshake initiation (same result as send_to_peer,
	 * which is used when NULL). wgcd sends it to every endpoint candidate
	 * of the peer (core/endpoint_candidates.h). Under the device lock.
	 */
	wgc_drop_reason (*send_initiation)(void *ctx, struct wgc_peer *peer, const uint8_t *msg, size_t len);
	/*
	 * Optional: the earliest timer deadline (monotonic ms, as now_ms) moved
	 * earlier, to `deadline`: a thread sleeping until the old one should
	 * call wgc_device_tick sooner. Under the device lock.
	 */
	void (*deadline_changed)(void *ctx, uint64_t deadline);
	/*
	 * Optional: a handshake event; peer is NULL when not known. Under the
	 * device lock, except the cookie replies of wgc_handshake_screen
	 * (peer NULL), which come from a thread that does not hold it.
	 */
	void (*event)(void *ctx, struct wgc_peer *peer, const struct wgc_event *ev);
};

/*
 * The device, its peers and their keypairs are opaque outside the core
 * (core/device_impl.h defines them for the core and its unit tests):
 * embedders reach them only through the functions below.
 */
struct wgc_device;
struct wgc_keypair;

/* A new device (down, no identity, no peers), or NULL when out of memory. */
struct wgc_device *wgc_device_new(const struct wgc_device_ops *ops, void *ctx);
/* Removes every peer, wipes every secret and frees the device; NULL is fine. */
void wgc_device_delete(struct wgc_device *dev);

/* ---- reading a device and its peers (all under the device lock) ---- */
/* Copies the key pair when there is an identity; false (outputs zeroed) without one. */
bool wgc_device_identity(const struct wgc_device *dev, uint8_t private_key[WGC_KEY_LEN],
			 uint8_t public_key[WGC_KEY_LEN]);
bool wgc_device_is_up(const struct wgc_device *dev);
/* Inner MTU used to pad data messages (0: pad to 16 only). */
void wgc_device_set_mtu(struct wgc_device *dev, size_t mtu);
/* The cryptokey routing table; entries point at struct wgc_peer. Under the device lock. */
struct wgc_allowedips *wgc_device_allowedips(struct wgc_device *dev);
/* Peers in creation order: the first, then each one's next; NULL at the end. */
struct wgc_peer *wgc_device_first_peer(const struct wgc_device *dev);
struct wgc_peer *wgc_peer_next(const struct wgc_peer *peer);

/*
 * A walk over the peers in creation order that may drop the device lock
 * between steps (a large `wg show` formats its text unlocked): a peer
 * removed meanwhile moves the walk on to its successor, peers added
 * meanwhile are reached at the end. begin, next and end under the device
 * lock; end before the walk goes out of scope. Fields are the core's.
 */
struct wgc_peer_walk {
	struct wgc_peer *next;
	struct wgc_peer_walk *link;
};
void wgc_device_walk_begin(struct wgc_device *dev, struct wgc_peer_walk *w);
/* The next peer, or NULL at the end. */
struct wgc_peer *wgc_device_walk_next(struct wgc_peer_walk *w);
void wgc_device_walk_end(struct wgc_device *dev, struct wgc_peer_walk *w);
/* The peer's static public key (32 bytes, owned by the peer). */
const uint8_t *wgc_peer_public_key(const struct wgc_peer *peer);

/* What a configuration reader sees of a peer (wg's fields). Holds the PSK: wipe it. */
struct wgc_peer_info {
	uint8_t preshared_key[WGC_KEY_LEN]; /* all zero: none */
	uint16_t persistent_keepalive;      /* seconds, 0: off */
	int64_t last_handshake_sec;         /* wall clock; 0/0: never */
	uint32_t last_handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
};
void wgc_peer_get_info(const struct wgc_peer *peer, struct wgc_peer_info *out);
/* The embedding program's per-peer pointer (NULL at creation, or its ops->peer_user_size bytes). */
void *wgc_peer_user(const struct wgc_peer *peer);
void wgc_peer_set_user(struct wgc_peer *peer, void *user);
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
	WGC_RX_DROP,         /* malformed, unauthentic, replayed or not allowed: see the reason */
	WGC_RX_HANDSHAKE,    /* a handshake message was processed */
	WGC_RX_COOKIE_SENT,  /* under load: answered with a cookie reply */
	WGC_RX_KEEPALIVE,
	WGC_RX_DATA,         /* an inner packet was delivered */
	WGC_RX_QUEUED,       /* batch API: a handshake message, for wgc_device_receive_handshake */
};

/*
 * One datagram of a receive batch. The caller fills the first four fields;
 * the core the rest. msg must be writable: a data message is decrypted in
 * place, its plaintext at msg + WGC_MSG_DATA_HEADER_LEN.
 */
struct wgc_rx_item {
	uint8_t *msg;
	size_t len;
	const struct sockaddr *src;   /* source address (cookies, rejected-source list) */
	const void *src_info;         /* passed back to send_reply / set_endpoint */
	/* set by the core */
	enum wgc_rx_verdict verdict;
	wgc_drop_reason reason;       /* WGC_DROP_NONE unless verdict is WGC_RX_DROP */
	struct wgc_keypair *kp;       /* a reference, between classify and commit */
	uint64_t counter;
	size_t plain_len;
};

/*
 * The receive path in three phases, so that crypto runs with no lock:
 *  1. wgc_rx_classify, under the device lock: exact lengths and types,
 *     handshake messages marked WGC_RX_QUEUED, data messages matched to a
 *     keypair (a reference is taken). Drops are counted here.
 *  2. wgc_rx_decrypt, no lock, any thread: authenticates and decrypts the
 *     data items in place.
 *  3. wgc_rx_commit, under the device lock, in arrival order: replay
 *     window, roaming, keypair confirmation, timers, the inner source check
 *     (cryptokey routing), delivery through ops->deliver, accounting; every
 *     reference taken in phase 1 is released.
 * Each item ends with a verdict and, when dropped, the reason (a device
 * counter, already counted). Any batch size; items are independent.
 */
void wgc_rx_classify(struct wgc_device *dev, struct wgc_rx_item *items, unsigned n);
void wgc_rx_decrypt(struct wgc_rx_item *items, unsigned n, uint64_t now_ms);
void wgc_rx_commit(struct wgc_device *dev, struct wgc_rx_item *items, unsigned n, uint64_t now_ms);

enum { WGC_HS_WORK_SIZE = 640 };

/*
 * One handshake message of a batch (initiation, response or cookie reply,
 * classified WGC_RX_QUEUED). The caller fills msg, len, src, src_info and
 * under_load (demand mac2 and rate-limit per source); the core sets
 * verdict (WGC_RX_QUEUED while in progress) and reason, and keeps its
 * intermediate secrets in work (wiped by the commit).
 */
struct wgc_hs_item {
	uint8_t msg[WGC_MSG_INITIATION_LEN];
	size_t len;
	union wgc_sockaddr src;
	const void *src_info;
	bool under_load;
	enum wgc_rx_verdict verdict;
	wgc_drop_reason reason;
	uint8_t reply[WGC_MSG_COOKIE_LEN]; /* the cookie reply, when verdict is WGC_RX_COOKIE_SENT */
	_Alignas(16) unsigned char work[WGC_HS_WORK_SIZE];
};

/*
 * Handshake processing in five phases, so that no X25519 and no AEAD of an
 * initiation or a response runs under the device lock:
 *  1. wgc_handshake_begin (lock): exact length, mac1, under load mac2 (a
 *     cookie reply is made instead, into the item, and sent with
 *     wgc_handshake_send_replies after the lock is released, so a flood's
 *     send system calls never hold it) and the per-source rate limit; a
 *     received cookie reply is consumed here whole (one 16-byte XChaCha20 open);
 *     our identity, or the state of our initiation a response answers,
 *     is copied into the item.
 *  2. wgc_handshake_open (no lock): initiation: e, es and the sender's
 *     static key; response: the whole Noise step and the session keys.
 *  3. wgc_handshake_match (lock): the initiator's peer is looked up by its
 *     static key and its precomputed ss, PSK and replay state copied.
 *  4. wgc_handshake_compute (no lock): ss, the timestamp, and the whole
 *     response with the session keys.
 *  5. wgc_handshake_commit (lock): the peer's state is checked again
 *     (replay, flood, identity or initiation changed meanwhile), the
 *     session installed, the response or keepalive sent, timers and
 *     counters updated; every rejection is counted here; work is wiped.
 * Every item gets its verdict; the locked phases do table lookups, mac
 * checks and bookkeeping only.
 */
void wgc_handshake_begin(struct wgc_device *dev, struct wgc_hs_item *items, unsigned n, uint64_t now_ms);
/*
 * Optional phase 0, for floods: under load most handshake messages need
 * only their macs checked and a cookie reply, which depend on the cookie
 * checker alone, so they need not hold the device lock at all.
 * wgc_handshake_screen_begin (lock; constant time) copies the checker into
 * *s, renewing its secret when due. wgc_handshake_screen (no lock) then
 * answers every under-load initiation or response that has a valid mac1
 * but no valid mac2 with a cookie reply made in the item (verdict
 * WGC_RX_COOKIE_SENT, counted, sent by wgc_handshake_send_replies); phase
 * 1 leaves those alone and checks every other item from scratch. *s holds
 * the cookie secret: wgc_handshake_screen wipes it before returning. It
 * returns the items left for phases 1-5; with 0 left the caller may skip
 * them (only wgc_handshake_send_replies remains). A zeroed *s settles
 * nothing (no lock needed then). Phase 1 trusts the marks of phase 0, so
 * items reused across batches go through phase 0 or phase 5 each time.
 */
enum { WGC_HS_SCREEN_SIZE = 160 };
struct wgc_hs_screen {
	_Alignas(16) unsigned char opaque[WGC_HS_SCREEN_SIZE];
};
void wgc_handshake_screen_begin(struct wgc_device *dev, struct wgc_hs_screen *s, uint64_t now_ms);
unsigned wgc_handshake_screen(struct wgc_device *dev, struct wgc_hs_screen *s, struct wgc_hs_item *items, unsigned n,
			      uint64_t now_ms);
/* No lock: sends, through ops->send_reply, the cookie replies phases 0 and 1 made (verdict WGC_RX_COOKIE_SENT). */
void wgc_handshake_send_replies(const struct wgc_device *dev, const struct wgc_hs_item *items, unsigned n);
void wgc_handshake_open(struct wgc_hs_item *items, unsigned n);
void wgc_handshake_match(struct wgc_device *dev, struct wgc_hs_item *items, unsigned n);
void wgc_handshake_compute(struct wgc_hs_item *items, unsigned n, uint64_t now_ms);
void wgc_handshake_commit(struct wgc_device *dev, struct wgc_hs_item *items, unsigned n, uint64_t now_ms);

/*
 * One handshake message through the five phases in turn (the caller holds
 * the device lock throughout: tests, fuzzing). Returns the verdict;
 * *reason (may be NULL) gets the drop reason.
 */
enum wgc_rx_verdict wgc_device_receive_handshake(struct wgc_device *dev, const uint8_t *msg, size_t len,
						 const struct sockaddr *src, const void *src_info,
						 bool under_load, uint64_t now_ms, wgc_drop_reason *reason);

/*
 * One datagram through all of the above (tests, fuzzing): src is its
 * source address (for cookies), src_info whatever the embedder needs to
 * answer it. under_load demands mac2. Under the device lock.
 */
enum wgc_rx_verdict wgc_device_receive(struct wgc_device *dev, const uint8_t *msg, size_t len,
				       const struct sockaddr *src, const void *src_info, bool under_load,
				       uint64_t now_ms);

/* Counts a drop the embedder saw (handshake queue full, ...); any thread, no lock. */
void wgc_device_count_drop(struct wgc_device *dev, wgc_drop_reason reason, const struct sockaddr *src);
/* A counter's value; any thread (relaxed: not a snapshot across counters). */
uint64_t wgc_device_counter_get(struct wgc_device *dev, enum wgc_device_counter c);
uint64_t wgc_peer_counter_get(struct wgc_peer *peer, enum wgc_peer_counter c);
/* Facts only the embedder sees (a handshake's TTL, ICMP errors); any thread, no lock. */
void wgc_peer_counter_set(struct wgc_peer *peer, enum wgc_peer_counter c, uint64_t v);
void wgc_peer_counter_add(struct wgc_peer *peer, enum wgc_peer_counter c, uint64_t n);
/* A drop only the embedder sees (a TUN packet it could not split); any thread, no lock. */
void wgc_device_counter_add(struct wgc_device *dev, enum wgc_device_counter c, uint64_t n);
/* The recent sources of one rejection reason, most recent first; returns the count. */
unsigned wgc_device_rejected_sources(struct wgc_device *dev, wgc_drop_reason reason,
				     union wgc_sockaddr out[WGC_REJECTED_SOURCES_PER_REASON]);

/* One packet of a send batch: the caller fills buf, len, tail, tail_len and user; the core the rest. */
struct wgc_tx_item {
	/*
	 * The inner packet is the len bytes at buf + WGC_MSG_DATA_HEADER_LEN
	 * (the head) followed by the tail_len bytes at tail (none: NULL, 0).
	 * buf has room for wgc_transport_message_len(len + tail_len, mtu)
	 * bytes and becomes the data message: the head is encrypted in place,
	 * the tail read where it lies and its ciphertext written after the
	 * head's, so a TSO segment's payload is sealed straight from its
	 * super-packet without a copy.
	 *
	 * The tail is the caller's, read-only: it must stay valid and
	 * unchanged until wgc_tx_encrypt returns, and overlap nothing of buf's
	 * message. The core keeps no pointer into it past the batch: a packet
	 * staged for a handshake is copied whole (head and tail) into one
	 * buffer of its own. Routing and ops->tx_check see the head only
	 * (pkt, len), so it should hold the IP and transport headers (a head
	 * shorter than its IP header gets the tail copied after it first);
	 * everything else (padding, MTU, accounting, counters, staging) counts
	 * the whole packet, len + tail_len bytes.
	 */
	uint8_t *buf;
	size_t len;
	const uint8_t *tail;
	size_t tail_len;
	void *user;                   /* passed to ops->tx_check */
	/* set by the core */
	struct wgc_peer *peer;        /* the route, or NULL */
	struct wgc_keypair *kp;       /* a reference, between prepare and encrypt */
	uint64_t counter;
	size_t mtu;
	size_t wire_len;              /* after wgc_tx_encrypt: >0 means send buf, wire_len bytes */
	wgc_drop_reason reason;       /* dropped (and counted) when not WGC_DROP_NONE */
};

/*
 * The send path in two phases:
 *  1. wgc_tx_prepare, under the device lock: cryptokey routing of each
 *     packet, ops->tx_check, staging while no session can send (which
 *     starts a handshake), otherwise a nonce is reserved and accounting,
 *     timers and the send-side rekey rule run. Drops are counted
 *     (DATA_DROPPED_NO_ROUTE: the caller may answer with ICMP).
 *  2. wgc_tx_encrypt, no lock, any thread: encrypts the packets that got a
 *     nonce, in place; releases the references.
 * Order per peer is kept as long as one thread handles a flow.
 */
void wgc_tx_prepare(struct wgc_device *dev, struct wgc_tx_item *items, unsigned n, uint64_t now_ms);
void wgc_tx_encrypt(struct wgc_device *dev, struct wgc_tx_item *items, unsigned n);

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
/* Packets waiting for a session. */
unsigned wgc_peer_staged_count(const struct wgc_peer *peer);

/*
 * Runs the timers that are due: only the peers whose deadline passed are
 * touched (a deadline heap, timerheap.h), so an idle device with many
 * peers costs nothing between deadlines. Returns the earliest deadline
 * still pending (monotonic ms; 0: none): sleep until then, or until
 * ops->deadline_changed reports an earlier one.
 */
uint64_t wgc_device_tick(struct wgc_device *dev, uint64_t now_ms);
/* Runs one peer's due timers; returns its next deadline (0: none). */
uint64_t wgc_peer_tick(struct wgc_peer *peer, uint64_t now_ms);

#endif

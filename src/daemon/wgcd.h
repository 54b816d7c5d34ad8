/* SPDX-License-Identifier: MIT */
/*
 * The daemon's device: the protocol core plus a TUN interface, the UDP
 * sockets and the threads that move packets between them.
 *
 * Locking, in the order they may be taken:
 *   cfg_lock   serialises configuration changes that restart threads
 *              (a listen-port change), never held by the data path;
 *   lock       the protocol core (peers, handshakes, timers, indices,
 *              replay windows) and every wgcd_peer;
 *   udp_lock   read-held while sending, write-held to swap sockets.
 * Crypto runs with no lock held: keypairs are reference counted, and a
 * keypair found unlinked from the index afterwards is simply dropped.
 */
#ifndef WGCD_H
#define WGCD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/model.h"
#include "common/strbuf.h"
#include "core/device.h"
#include "daemon/tun.h"
#include "daemon/udp.h"

/* Per-peer state of the daemon, hung on wgc_peer.user. */
/*
 * The daemon's state of a peer, allocated by the core with its own peer
 * (wgc_device_ops.peer_user_size: 64 bytes, one slab object for both).
 */
struct wgcd_peer {
	union wgc_endpoint endpoint;  /* sa_family 0: not known yet */
	struct wgc_udp_source src;    /* sticky source: where the peer last reached us */
	bool handshake_owed;          /* a candidate's address changed: initiate as soon as allowed */
	struct wgc_candidates *cands; /* endpoint candidates (daemon/candidates.c), NULL: none */
};

/* What the receive path knows of a datagram's origin (the core's src_info). */
struct wgcd_origin {
	union wgc_endpoint from;
	struct wgc_udp_source local;
	int ttl;        /* IPv4 TTL / IPv6 hop limit it arrived with; -1: unknown */
	bool handshake; /* set by the handshake workers: roaming here means an authenticated handshake */
};

enum {
	WGCD_MAX_LANES = 8,
	WGCD_MAX_QUEUED_HANDSHAKES = 4096,
	WGCD_MAX_HANDSHAKE_WORKERS = 8,
	/* the workers' nice over the data path's: measured in bench/RESULTS.md (issue 11) */
	WGCD_HANDSHAKE_NICE = 19,
};

struct wgcd_handshake_item {
	uint8_t msg[WGC_MSG_INITIATION_LEN]; /* the largest handshake message */
	uint16_t len;
	bool claims_cookie;                  /* wgc_cookie_claims_mac2: may take a full queue's newest place */
	struct wgcd_origin origin;
};

/* The handshake workers' classes (handshake.c): only one takes batches at a time. */
enum { WGCD_HS_LEVEL, WGCD_HS_LOWERED, WGCD_HS_CLASSES };

struct wgcd_handshake_queue {
	pthread_mutex_t mu;
	pthread_cond_t cv[WGCD_HS_CLASSES];
	struct wgcd_handshake_item *items;
	unsigned capacity, head, count;
	unsigned napping[WGCD_HS_CLASSES]; /* workers gathering a batch under load (see wgcd_handshake_main) */
	uint64_t dropped;
	bool stopping;
	/* the tunnels' busyness (wgcd_handshake_queue_track; NULL: the level class always takes) */
	const _Atomic uint64_t *data_packets;
	uint64_t sampled_ms, sampled_packets;
	bool busy;
};

struct wgcd;

/* A handshake worker's thread and class (WGCD_HS_*). */
struct wgcd_handshake_worker {
	struct wgcd *d;
	pthread_t thread;
	unsigned cls;
};

struct wgcd_cand;
struct wgc_candidates;

struct wgcd_lane {
	struct wgcd *d;
	unsigned index;
	pthread_t thread;
	bool started;
};

struct wgcd_udp_reader {
	struct wgcd *d;
	int fd;
	unsigned generation;
	pthread_t thread;
	bool started;
};

struct wgcd {
	char ifname[16];
	pthread_mutex_t cfg_lock;
	pthread_mutex_t lock;
	pthread_rwlock_t udp_lock;
	struct wgc_device *core;      /* the protocol core: opaque, reached through core/device.h */
	struct wgc_tun tun;
	struct wgc_udp udp;
	unsigned udp_generation;
	uint16_t listen_port;         /* as configured; udp.port is what is bound */
	bool vnet;                    /* TUN frames carry a virtio_net_hdr (offloads on) */
	bool tx_zerocopy;             /* super-packets' segments sealed in place (else copied out first) */
	atomic_bool stopping;
	int stop_fd;                  /* eventfd: a thread asks main to shut down */
	unsigned n_lanes;
	struct wgcd_lane lanes[WGCD_MAX_LANES];
	struct wgcd_udp_reader readers[2];
	pthread_t timer_thread;
	bool timer_started;
	pthread_cond_t timer_cv;      /* with lock: the timer thread sleeps on it */
	uint64_t timer_wake_ms;       /* when it will wake by itself (under lock) */
	struct wgcd_handshake_queue handshakes;
	/* WGCD_HS_LEVEL ones, then as many WGCD_HS_LOWERED ones (none with WGC_HANDSHAKE_NICE=0) */
	struct wgcd_handshake_worker handshake_workers[WGCD_HS_CLASSES * WGCD_MAX_HANDSHAKE_WORKERS];
	unsigned n_handshake_threads; /* started */
	_Atomic uint64_t last_under_load_ms; /* handshake workers */
	/* data packets the lanes and UDP readers handled, added per batch: the workers' "tunnels busy" */
	_Atomic uint64_t data_packets;
	/* the data path's contended takes of `lock' and the time they waited (wgcd_datapath_lock) */
	_Atomic uint64_t datapath_lock_waits, datapath_lock_wait_ns;
	struct wgcd_cand *cand;       /* endpoint candidates' intervals and threads (candidates.c) */
};

uint64_t wgcd_now_ms(void);

int wgcd_init(struct wgcd *d, const char *ifname);
/* Starts every thread; 0 or -errno. */
int wgcd_start(struct wgcd *d);
/* Stops the data path and closes the UDP sockets; idempotent. */
void wgcd_stop(struct wgcd *d);
/* Stops every thread and frees everything; wipes every secret. */
void wgcd_destroy(struct wgcd *d);
/* Asks the main loop to shut down (from any thread). */
void wgcd_request_stop(struct wgcd *d);
/* The interface went up or down, or its MTU changed. */
void wgcd_link_changed(struct wgcd *d, bool up, int mtu);

/* UAPI: one complete request in, the reply appended; the uapi_server handler. */
int wgcd_uapi_handle(void *ctx, const char *req, size_t len, struct wgc_strbuf *reply);

/* Data path (datapath.c) */
/*
 * Takes d->lock for a data-path thread (lane or UDP reader), counting the
 * takes that had to wait and the nanoseconds waited: the part of what a
 * handshake flood costs the data path that is lock waiting rather than CPU
 * share (issue 11). A trylock comes first, so an uncontended take costs
 * what pthread_mutex_lock costs. Released with pthread_mutex_unlock.
 */
void wgcd_datapath_lock(struct wgcd *d);
/* Names the calling thread "wgcd-WHAT" (15 bytes at most, truncated), as top -H and /proc show it. */
void wgcd_name_thread(const char *what);
/*
 * The calling thread's cookie replies (ops->send_reply) are collected in *b
 * from wgcd_replies_collect until wgcd_replies_flush, which sends them with
 * one sendmmsg per address family instead of one system call each: under a
 * flood that call, not the cookie's crypto, was most of a reply's cost.
 * Without a collector (or once it is full) a reply is sent at once.
 */
struct wgcd_reply_batch {
	struct wgc_udp_tx tx[WGC_UDP_BATCH_MAX];
	uint8_t msg[WGC_UDP_BATCH_MAX][WGC_MSG_COOKIE_LEN];
	unsigned n;
};
void wgcd_replies_collect(struct wgcd_reply_batch *b);
void wgcd_replies_flush(struct wgcd *d);
/* One packet to the TUN, with an empty virtio header when offloads are on. */
int wgcd_tun_write(struct wgcd *d, unsigned q, const uint8_t *pkt, size_t len);
extern const struct wgc_device_ops wgcd_core_ops;
int wgcd_start_udp_readers(struct wgcd *d);
void wgcd_stop_udp_readers(struct wgcd *d);
int wgcd_start_lanes(struct wgcd *d);
void wgcd_stop_lanes(struct wgcd *d);
/* Moves to another listen port, restarting the receive threads; 0 or -errno. */
int wgcd_set_listen_port(struct wgcd *d, uint16_t port);

/* Handshake queue (handshake.c) */
int wgcd_handshake_queue_init(struct wgcd_handshake_queue *q, unsigned capacity);
void wgcd_handshake_queue_free(struct wgcd_handshake_queue *q);
enum wgcd_enqueue_result { WGCD_ENQUEUED, WGCD_ENQUEUE_DROPPED, WGCD_ENQUEUE_REPLACED };
/*
 * Queues a copy of msg (len bytes) and its origin. When the queue is full
 * the message is dropped (DROPPED), unless it claims a cookie
 * (wgc_cookie_claims_mac2) and the newest queued message does not: then it
 * takes that one's place and *evicted gets that one's origin (REPLACED).
 * Under a flood of cookie-less initiations a peer that got a cookie reply
 * thus gets its next attempt in, instead of facing the same odds twice;
 * a flood that sets mac2 too only meets the plain drop-when-full. now_ms:
 * wgcd_now_ms(), when the class that takes batches is next decided.
 */
enum wgcd_enqueue_result wgcd_handshake_enqueue(struct wgcd_handshake_queue *q, const uint8_t *msg, size_t len,
						const struct wgcd_origin *origin, uint64_t now_ms, bool claims_cookie,
						struct wgcd_origin *evicted);
/*
 * From now on the lowered class takes batches while *data_packets (the data
 * path's count of packets, kept by the caller, which outlives the queue)
 * rises by 10,000 a second or more, decided as messages are enqueued, at
 * most every 100 ms; the level class otherwise. Without it, always the
 * level class.
 */
void wgcd_handshake_queue_track(struct wgcd_handshake_queue *q, const _Atomic uint64_t *data_packets, uint64_t now_ms);
/* The class taking batches now (WGCD_HS_*). */
unsigned wgcd_handshake_active_class(struct wgcd_handshake_queue *q);
void wgcd_handshake_queue_wake(struct wgcd_handshake_queue *q);
/*
 * The most segments a TUN super-packet may carry (the link's gso_max_segs,
 * set at start): the read batch must hold them all, beside the slot of the
 * super-packet itself. Without the cap a TCP flow with an MSS under ~256
 * bytes got 64 KiB super-packets of more segments, dropped whole.
 */
enum { WGCD_TUN_MAX_SEGS = 255 };
enum { WGCD_HANDSHAKE_BATCH = 32 };
/*
 * A worker's next batch: up to WGCD_HANDSHAKE_BATCH messages into batch,
 * waiting for the first and for its class (cls, WGCD_HS_*) to be the one
 * taking batches; when loaded (the device is under load), waiting up to a
 * millisecond more for a whole batch. 0 only once the queue is woken for
 * stopping. *depth: the queue's depth before the batch was taken.
 */
unsigned wgcd_handshake_take(struct wgcd_handshake_queue *q, struct wgcd_handshake_item *batch, unsigned *depth,
			     bool loaded, unsigned cls);
/* One handshake worker (pthread start routine, arg: struct wgcd_handshake_worker *);
 * several run on one queue. Returns when the queue is woken for stopping. */
void *wgcd_handshake_main(void *arg);
/* How many workers to start: WGC_HANDSHAKE_WORKERS (1..WGCD_MAX_HANDSHAKE_WORKERS)
 * when set, else one per online CPU, at most WGCD_MAX_HANDSHAKE_WORKERS. */
unsigned wgcd_handshake_workers(void);
/* How much the lowered workers raise their nice value over the process's
 * (Linux nice units, 0..19; the result is capped at 19): WGC_HANDSHAKE_NICE
 * when set, else WGCD_HANDSHAKE_NICE. 0: no lowered workers. */
int wgcd_handshake_nice(void);

/* The core's ops->deadline_changed: wakes the timer thread for a nearer deadline (control.c). */
void wgcd_deadline_changed(void *ctx, uint64_t deadline);

/* The core's handshake events as verbose log lines, rate limited (events.c); an ops->event. */
void wgcd_log_event(void *ctx, struct wgc_peer *peer, const struct wgc_event *ev);

/* ICMP "unreachable" for a packet that no peer routes (icmp.c); 0 if none is due. */
size_t wgcd_icmp_unreachable(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The daemon's UDP sockets: one per address family, both on the same port,
 * the IPv6 one with IPV6_V6ONLY so that IPv4 traffic always uses the IPv4
 * socket. A host without IPv6 (or IPv4) simply gets fd6 (fd4) == -1.
 *
 * Every received datagram reports the local address and interface it
 * arrived on (IP_PKTINFO / IPV6_RECVPKTINFO). The device keeps that as the
 * peer's "sticky source" and passes it back when sending, so replies leave
 * from the address the peer talked to, as the kernel implementation does.
 * When that address has gone away the kernel refuses the send (EINVAL for
 * IPv6, ENETUNREACH for IPv4); wgc_udp_send then resends without a source and flags the message so the
 * caller can clear its cache.
 *
 * Threading: the struct is plain data. Receiving on fd4/fd6 and sending may
 * run in parallel from any number of threads. Changing the port, fwmark or
 * closing must be excluded from concurrent use by the caller (e.g. with a
 * rwlock around the struct); wgc_udp_wake unblocks receivers first.
 */
#ifndef WGC_DAEMON_UDP_H
#define WGC_DAEMON_UDP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/model.h"

enum {
	WGC_UDP_BATCH_MAX = 64, /* messages per wgc_udp_recv / wgc_udp_send call */
	WGC_UDP_BIND_TRIES = 100, /* random-port attempts to get the same port on both families */
};

/* The local end a datagram arrived on / should leave from. */
struct wgc_udp_source {
	sa_family_t family; /* AF_INET, AF_INET6, or 0: none, the kernel picks */
	int ifindex;        /* interface it arrived on (needed for link-local v6) */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	};
};

struct wgc_udp {
	int fd4, fd6;    /* -1 when that family is not available */
	uint16_t port;   /* the bound port, also when 0 was asked for */
	uint32_t fwmark; /* SO_MARK on both sockets; 0 = none */
	bool gso;        /* wgc_udp_send_gso may use UDP_SEGMENT (cleared if the kernel fails it) */
	bool gro;        /* UDP_GRO is on: receive with wgc_udp_recv_gro */
};

/*
 * Opens and binds both sockets on port (0: a random port free on both
 * families, retried up to WGC_UDP_BIND_TRIES times, like wireguard-go) and
 * applies fwmark. Sockets are close-on-exec and blocking; use
 * wgc_udp_recv's wait flag or MSG_DONTWAIT semantics for non-blocking use.
 * Returns 0, -EADDRINUSE (port taken on either family), -EAFNOSUPPORT (no
 * family at all), or another -errno. On failure u holds no sockets.
 */
int wgc_udp_open(struct wgc_udp *u, uint16_t port, uint32_t fwmark);

/* Closes both sockets (fds become -1). Idempotent. */
void wgc_udp_close(struct wgc_udp *u);

/* shutdown(2)s both sockets so threads blocked in recv return at once. */
void wgc_udp_wake(struct wgc_udp *u);

/*
 * Moves to a new port without ever being left with no sockets: the new
 * pair is opened first (same fwmark); only when both families succeed are
 * they swapped into u, and the old pair is handed back in *old, already
 * woken, for the caller to wgc_udp_close once no thread uses it. On
 * failure u is untouched and *old holds no sockets.
 */
int wgc_udp_rebind(struct wgc_udp *u, uint16_t port, struct wgc_udp *old);

/* SO_MARK on both sockets; 0 clears. Needs CAP_NET_ADMIN. */
int wgc_udp_set_fwmark(struct wgc_udp *u, uint32_t fwmark);

/* Called for each ICMP port unreachable; dst: where the refused datagram went. */
typedef void (*wgc_udp_unreachable_fn)(void *ctx, const union wgc_endpoint *dst);

/*
 * Drains fd's error queue (IP_RECVERR / IPV6_RECVERR, set by
 * wgc_udp_open) with MSG_DONTWAIT, never blocking; calls cb for each
 * ICMP (type 3 code 3) or ICMPv6 (type 1 code 4) port unreachable, and
 * drops other errors. Returns the number of port unreachables.
 */
unsigned wgc_udp_read_errors(int fd, wgc_udp_unreachable_fn cb, void *ctx);

struct wgc_udp_rx {
	uint8_t *buf;                /* in: caller's buffer */
	size_t cap;                  /* in: its size */
	size_t len;                  /* out: datagram length */
	bool truncated;              /* out: datagram was longer than cap (drop it) */
	union wgc_endpoint from;     /* out: the remote address */
	struct wgc_udp_source local; /* out: where it arrived (family 0 if unknown) */
	int ttl;                     /* out: IPv4 TTL / IPv6 hop limit (IP_RECVTTL,
				      * IPV6_RECVHOPLIMIT); -1 if unknown */
};

/*
 * Receives up to n (<= WGC_UDP_BATCH_MAX) datagrams from fd (u->fd4 or
 * u->fd6) with one recvmmsg. wait: block until at least one arrives, then
 * take what is queued; otherwise never block. Returns the count (>= 1), or
 * -EAGAIN (nothing queued, !wait), -EINTR, or another -errno. After
 * wgc_udp_wake a blocked call returns 0.
 */
int wgc_udp_recv(int fd, struct wgc_udp_rx *msgs, unsigned n, bool wait);

struct wgc_udp_tx {
	const uint8_t *buf;        /* in */
	size_t len;                /* in */
	union wgc_endpoint to;     /* in: AF_INET goes out fd4, AF_INET6 fd6 */
	struct wgc_udp_source src; /* in: sticky source, family 0 for none */
	bool src_rejected;         /* out: src was refused (address gone) and the
				    * message was resent without it: clear the cache */
	int err;                   /* out: 0 sent, else -errno for this message */
};

/*
 * Sends n (<= WGC_UDP_BATCH_MAX) datagrams, in order, with sendmmsg per run
 * of messages for the same family. Every message is attempted; failures are
 * reported in its err. Returns the number sent.
 */
unsigned wgc_udp_send(const struct wgc_udp *u, struct wgc_udp_tx *msgs, unsigned n);

/* ---- segmentation offloads (UDP_SEGMENT / UDP_GRO) ---- */

enum {
	WGC_UDP_GSO_MAX_SEGS = 64,      /* datagrams per GSO send, and per GRO datagram */
	WGC_UDP_GRO_BATCH_MAX = 1024,   /* entries per wgc_udp_recv_gro call */
};

/*
 * Probes UDP_SEGMENT on both sockets and sets u->gso when every open
 * socket supports it. 0, or -errno (u->gso stays false). Survives
 * wgc_udp_rebind (the new sockets get it again).
 */
int wgc_udp_enable_gso(struct wgc_udp *u);

/* Turns UDP_GRO on for both sockets and sets u->gro. 0 or -errno (then off). */
int wgc_udp_enable_gro(struct wgc_udp *u);

/*
 * Like wgc_udp_send, but each run of consecutive messages with the same
 * destination and sticky source and equal lengths (the last of a run may
 * be shorter) leaves in one sendmsg with UDP_SEGMENT: at most
 * WGC_UDP_GSO_MAX_SEGS datagrams and 64 KiB per send. Everything else goes
 * through wgc_udp_send. A run the kernel refuses is resent that way too;
 * EIO (a device that cannot checksum for us) also clears u->gso for good.
 * Without u->gso it is wgc_udp_send. Safe to call concurrently (u->gso is
 * accessed atomically).
 */
unsigned wgc_udp_send_gso(struct wgc_udp *u, struct wgc_udp_tx *msgs, unsigned n);

/*
 * For a socket with UDP_GRO on: like wgc_udp_recv (n up to
 * WGC_UDP_GRO_BATCH_MAX), but a coalesced datagram is split into its
 * segments, each reported as its own entry with the same from/local, in
 * order. The data is copied so that entry i's data is in msgs[i].buf as
 * usual. As GRO may merge up to WGC_UDP_GSO_MAX_SEGS datagrams into one,
 * each call reads at most max(1, n / WGC_UDP_GSO_MAX_SEGS) datagrams (into
 * the last entries' buffers): pass n >= 64 and cap >= 65535 for every
 * entry, or segments that do not fit are dropped (n too small) or the
 * datagram reported truncated (cap too small).
 */
int wgc_udp_recv_gro(int fd, struct wgc_udp_rx *msgs, unsigned n, bool wait);

#endif

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

struct wgc_udp_rx {
	uint8_t *buf;                /* in: caller's buffer */
	size_t cap;                  /* in: its size */
	size_t len;                  /* out: datagram length */
	bool truncated;              /* out: datagram was longer than cap (drop it) */
	union wgc_endpoint from;     /* out: the remote address */
	struct wgc_udp_source local; /* out: where it arrived (family 0 if unknown) */
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

#endif

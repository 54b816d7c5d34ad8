// SPDX-License-Identifier: MIT
/* UDP sockets: binding, batches, sticky sources, fwmark, rebind; in a private netns. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "daemon_test_util.h"
#include "daemon/udp.h"

static int run(const char *cmd)
{
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static uint16_t bound_port(int fd)
{
	union wgc_endpoint sa;
	socklen_t l = sizeof(sa);

	if (getsockname(fd, &sa.addr, &l) < 0)
		return 0;
	return ntohs(sa.addr.sa_family == AF_INET ? sa.addr4.sin_port : sa.addr6.sin6_port);
}

static union wgc_endpoint ep(const char *ip, uint16_t port)
{
	union wgc_endpoint e;

	memset(&e, 0, sizeof(e));
	if (inet_pton(AF_INET, ip, &e.addr4.sin_addr) == 1) {
		e.addr4.sin_family = AF_INET;
		e.addr4.sin_port = htons(port);
	} else {
		e.addr6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &e.addr6.sin6_addr);
		e.addr6.sin6_port = htons(port);
	}
	return e;
}

/* Receives until n datagrams arrived or a second passed. */
static unsigned recv_n(int fd, struct wgc_udp_rx *rx, unsigned n)
{
	unsigned got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r;

		if (poll(&p, 1, 1000) != 1)
			break;
		r = wgc_udp_recv(fd, rx + got, n - got, false);
		if (r <= 0)
			break;
		got += (unsigned)r;
	}
	return got;
}

static void test_open_random_port(void)
{
	struct wgc_udp u;
	int v6only = 0;
	socklen_t l = sizeof(v6only);

	CHECK(wgc_udp_open(&u, 0, 0) == 0);
	CHECK(u.fd4 >= 0 && u.fd6 >= 0 && u.port != 0);
	CHECK(bound_port(u.fd4) == u.port && bound_port(u.fd6) == u.port);
	CHECK(getsockopt(u.fd6, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l) == 0 && v6only == 1);
	wgc_udp_close(&u);
	CHECK(u.fd4 == -1 && u.fd6 == -1);
	wgc_udp_close(&u);
}

static void test_open_fixed_port(void)
{
	struct wgc_udp u, u2;
	uint16_t port;

	CHECK(wgc_udp_open(&u, 0, 0) == 0);
	port = u.port;
	CHECK(wgc_udp_open(&u2, port, 0) == -EADDRINUSE);
	CHECK(u2.fd4 == -1 && u2.fd6 == -1);
	wgc_udp_close(&u);
	CHECK(wgc_udp_open(&u2, port, 0) == 0 && u2.port == port);
	wgc_udp_close(&u2);

	/* Taken on IPv6 only: fails, and leaves the IPv4 port free again. */
	{
		int s6 = socket(AF_INET6, SOCK_DGRAM, 0), one = 1;
		union wgc_endpoint a = ep("::", port);
		setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		CHECK(bind(s6, &a.addr, sizeof(a.addr6)) == 0);
		CHECK(wgc_udp_open(&u, port, 0) == -EADDRINUSE);
		{
			int s4 = socket(AF_INET, SOCK_DGRAM, 0);
			union wgc_endpoint b = ep("0.0.0.0", port);
			CHECK(bind(s4, &b.addr, sizeof(b.addr4)) == 0);
			close(s4);
		}
		close(s6);
	}
}

static void exchange(const char *ip, int family)
{
	struct wgc_udp a, b;
	struct wgc_udp_tx tx[40];
	struct wgc_udp_rx rx[40];
	uint8_t bufs[40][64], data[40][8];
	unsigned i, got;

	CHECK(wgc_udp_open(&a, 0, 0) == 0);
	CHECK(wgc_udp_open(&b, 0, 0) == 0);
	memset(tx, 0, sizeof(tx));
	for (i = 0; i < 40; i++) {
		memset(data[i], (int)i, sizeof(data[i]));
		tx[i].buf = data[i];
		tx[i].len = 1 + i % 8;
		tx[i].to = ep(ip, b.port);
		rx[i].buf = bufs[i];
		rx[i].cap = sizeof(bufs[i]);
	}
	CHECK(wgc_udp_send(&a, tx, 40) == 40);
	for (i = 0; i < 40; i++)
		CHECK(tx[i].err == 0 && !tx[i].src_rejected);
	got = recv_n(family == AF_INET ? b.fd4 : b.fd6, rx, 40);
	CHECK(got == 40);
	for (i = 0; i < got; i++) {
		CHECK(rx[i].len == 1 + i % 8 && rx[i].buf[0] == i && !rx[i].truncated);
		CHECK(rx[i].from.addr.sa_family == family);
		CHECK(rx[i].local.family == family);
		CHECK(rx[i].local.ifindex == (int)if_nametoindex("lo"));
		if (family == AF_INET) {
			CHECK(ntohs(rx[i].from.addr4.sin_port) == a.port);
			CHECK(rx[i].local.ip4.s_addr == htonl(INADDR_LOOPBACK));
		} else {
			CHECK(ntohs(rx[i].from.addr6.sin6_port) == a.port);
			CHECK(IN6_IS_ADDR_LOOPBACK(&rx[i].local.ip6));
		}
	}
	/* Nothing more queued: a non-waiting receive says so. */
	CHECK(wgc_udp_recv(family == AF_INET ? b.fd4 : b.fd6, rx, 4, false) == -EAGAIN);
	wgc_udp_close(&a);
	wgc_udp_close(&b);
}

static void test_batch_v4(void)
{
	exchange("127.0.0.1", AF_INET);
}

static void test_batch_v6(void)
{
	exchange("::1", AF_INET6);
}

static void test_mixed_and_truncated(void)
{
	struct wgc_udp a, b;
	struct wgc_udp_tx tx[3];
	struct wgc_udp_rx rx[2];
	uint8_t small[4], big[64];
	static const uint8_t payload[32] = "0123456789abcdef0123456789abcdef";

	CHECK(wgc_udp_open(&a, 0, 0) == 0);
	CHECK(wgc_udp_open(&b, 0, 0) == 0);
	memset(tx, 0, sizeof(tx));
	tx[0] = (struct wgc_udp_tx){ .buf = payload, .len = 32, .to = ep("127.0.0.1", b.port) };
	tx[1] = (struct wgc_udp_tx){ .buf = payload, .len = 16, .to = ep("::1", b.port) };
	tx[2] = (struct wgc_udp_tx){ .buf = payload, .len = 8 }; /* no address family */
	CHECK(wgc_udp_send(&a, tx, 3) == 2);
	CHECK(tx[0].err == 0 && tx[1].err == 0 && tx[2].err == -EINVAL);
	rx[0] = (struct wgc_udp_rx){ .buf = small, .cap = sizeof(small) };
	rx[1] = (struct wgc_udp_rx){ .buf = big, .cap = sizeof(big) };
	CHECK(recv_n(b.fd4, rx, 1) == 1 && rx[0].truncated);
	CHECK(recv_n(b.fd6, rx + 1, 1) == 1 && rx[1].len == 16 && !rx[1].truncated);
	wgc_udp_close(&a);
	wgc_udp_close(&b);
}

/* Replies leave from the address the peer talked to, until that address is removed. */
static void test_sticky_source(void)
{
	struct wgc_udp a, b;
	struct wgc_udp_tx tx;
	struct wgc_udp_rx rx;
	uint8_t buf[64];
	struct wgc_udp_source src;

	CHECK(run("ip addr add 10.77.0.1/32 dev lo") == 0);
	CHECK(wgc_udp_open(&a, 0, 0) == 0);
	CHECK(wgc_udp_open(&b, 0, 0) == 0);

	memset(&tx, 0, sizeof(tx));
	tx.buf = (const uint8_t *)"hello";
	tx.len = 5;
	tx.to = ep("10.77.0.1", b.port);
	CHECK(wgc_udp_send(&a, &tx, 1) == 1);
	rx = (struct wgc_udp_rx){ .buf = buf, .cap = sizeof(buf) };
	CHECK(recv_n(b.fd4, &rx, 1) == 1);
	CHECK(rx.local.family == AF_INET && rx.local.ip4.s_addr == inet_addr("10.77.0.1"));
	src = rx.local;

	/* Reply to 127.0.0.1 pinned to 10.77.0.1: a arrives from 10.77.0.1. */
	tx = (struct wgc_udp_tx){ .buf = (const uint8_t *)"back", .len = 4, .to = ep("127.0.0.1", a.port), .src = src };
	CHECK(wgc_udp_send(&b, &tx, 1) == 1 && tx.err == 0 && !tx.src_rejected);
	rx = (struct wgc_udp_rx){ .buf = buf, .cap = sizeof(buf) };
	CHECK(recv_n(a.fd4, &rx, 1) == 1);
	CHECK(rx.from.addr4.sin_addr.s_addr == inet_addr("10.77.0.1"));

	/* The address disappears: the send still goes out, from the default, flagged. */
	CHECK(run("ip addr del 10.77.0.1/32 dev lo") == 0);
	tx = (struct wgc_udp_tx){ .buf = (const uint8_t *)"again", .len = 5, .to = ep("127.0.0.1", a.port), .src = src };
	CHECK(wgc_udp_send(&b, &tx, 1) == 1 && tx.err == 0 && tx.src_rejected);
	rx = (struct wgc_udp_rx){ .buf = buf, .cap = sizeof(buf) };
	CHECK(recv_n(a.fd4, &rx, 1) == 1);
	CHECK(rx.len == 5 && rx.from.addr4.sin_addr.s_addr == htonl(INADDR_LOOPBACK));

	/* The same for IPv6. */
	/* nodad: a tentative address (duplicate address detection) refuses to be a source for a moment */
	CHECK(run("ip addr add fd77::1/128 dev lo nodad") == 0);
	memset(&src, 0, sizeof(src));
	src.family = AF_INET6;
	inet_pton(AF_INET6, "fd77::1", &src.ip6);
	tx = (struct wgc_udp_tx){ .buf = (const uint8_t *)"v6", .len = 2, .to = ep("::1", a.port), .src = src };
	CHECK(wgc_udp_send(&b, &tx, 1) == 1 && !tx.src_rejected);
	rx = (struct wgc_udp_rx){ .buf = buf, .cap = sizeof(buf) };
	CHECK(recv_n(a.fd6, &rx, 1) == 1 && !memcmp(&rx.from.addr6.sin6_addr, &src.ip6, 16));
	CHECK(run("ip addr del fd77::1/128 dev lo") == 0);
	tx = (struct wgc_udp_tx){ .buf = (const uint8_t *)"v6", .len = 2, .to = ep("::1", a.port), .src = src };
	CHECK(wgc_udp_send(&b, &tx, 1) == 1 && tx.src_rejected && tx.err == 0);
	rx = (struct wgc_udp_rx){ .buf = buf, .cap = sizeof(buf) };
	CHECK(recv_n(a.fd6, &rx, 1) == 1 && IN6_IS_ADDR_LOOPBACK(&rx.from.addr6.sin6_addr));
	wgc_udp_close(&a);
	wgc_udp_close(&b);
}

static void test_fwmark(void)
{
	struct wgc_udp u;
	uint32_t m = 0;
	socklen_t l = sizeof(m);

	CHECK(wgc_udp_open(&u, 0, 0x51820) == 0);
	CHECK(getsockopt(u.fd4, SOL_SOCKET, SO_MARK, &m, &l) == 0 && m == 0x51820);
	CHECK(getsockopt(u.fd6, SOL_SOCKET, SO_MARK, &m, &l) == 0 && m == 0x51820);
	CHECK(wgc_udp_set_fwmark(&u, 0) == 0 && u.fwmark == 0);
	CHECK(getsockopt(u.fd4, SOL_SOCKET, SO_MARK, &m, &l) == 0 && m == 0);
	CHECK(getsockopt(u.fd6, SOL_SOCKET, SO_MARK, &m, &l) == 0 && m == 0);
	wgc_udp_close(&u);
}

struct waiter {
	int fd;
	int result;
};

static void *blocked_recv(void *arg)
{
	struct waiter *w = arg;
	uint8_t buf[16];
	struct wgc_udp_rx rx = { .buf = buf, .cap = sizeof(buf) };

	w->result = wgc_udp_recv(w->fd, &rx, 1, true);
	return NULL;
}

static void test_wake_and_rebind(void)
{
	struct wgc_udp u, old, blocker;
	struct waiter w4 = { .result = 99 }, w6 = { .result = 99 };
	pthread_t t4, t6;
	uint16_t before;

	CHECK(wgc_udp_open(&u, 0, 7) == 0);
	before = u.port;
	w4.fd = u.fd4;
	w6.fd = u.fd6;
	pthread_create(&t4, NULL, blocked_recv, &w4);
	pthread_create(&t6, NULL, blocked_recv, &w6);
	usleep(100000);

	/* A taken port: nothing changes. */
	CHECK(wgc_udp_open(&blocker, 0, 0) == 0);
	CHECK(wgc_udp_rebind(&u, blocker.port, &old) == -EADDRINUSE);
	CHECK(u.port == before && bound_port(u.fd4) == before && old.fd4 == -1 && old.fd6 == -1);
	CHECK(w4.result == 99);
	/* The same port: nothing to do. */
	CHECK(wgc_udp_rebind(&u, before, &old) == 0 && old.fd4 == -1 && u.port == before);

	CHECK(wgc_udp_rebind(&u, 0, &old) == 0);
	CHECK(u.port != before && bound_port(u.fd4) == u.port && bound_port(u.fd6) == u.port);
	CHECK(u.fwmark == 7);
	CHECK(old.fd4 >= 0 && old.port == before);
	pthread_join(t4, NULL);
	pthread_join(t6, NULL);
	CHECK(w4.result == 0 && w6.result == 0); /* woken, not traffic */
	wgc_udp_close(&old);
	wgc_udp_close(&blocker);
	wgc_udp_close(&u);
}

/* ---- UDP_SEGMENT / UDP_GRO ---- */

static uint8_t gso_data[41][1000];
static uint8_t rx_mem[64][65536];

static void fill_gso_tx(struct wgc_udp_tx *tx, unsigned n, const union wgc_endpoint *to, size_t last_len)
{
	for (unsigned i = 0; i < n; i++) {
		for (size_t j = 0; j < sizeof(gso_data[i]); j++)
			gso_data[i][j] = (uint8_t)(i * 31 + j);
		tx[i] = (struct wgc_udp_tx){ .buf = gso_data[i], .len = i + 1 == n ? last_len : 1000, .to = *to };
	}
}

static void init_rx(struct wgc_udp_rx *rx, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rx[i] = (struct wgc_udp_rx){ .buf = rx_mem[i], .cap = sizeof(rx_mem[i]) };
}

/* 40 datagrams of 1000 bytes and a short one, in one GSO send, reach a plain receiver as 41. */
static void test_gso_send(void)
{
	static const char *const addrs[] = { "127.0.0.1", "::1" };
	struct wgc_udp a, b;
	struct wgc_udp_tx tx[41];
	struct wgc_udp_rx rx[64];

	CHECK(wgc_udp_open(&a, 0, 0) == 0);
	CHECK(wgc_udp_open(&b, 0, 0) == 0);
	CHECK(!a.gso && !a.gro);
	CHECK(wgc_udp_enable_gso(&a) == 0 && a.gso);
	for (int f = 0; f < 2; f++) {
		union wgc_endpoint to = ep(addrs[f], b.port);
		unsigned got;

		fill_gso_tx(tx, 41, &to, 123);
		CHECK(wgc_udp_send_gso(&a, tx, 41) == 41);
		for (unsigned i = 0; i < 41; i++)
			CHECK(tx[i].err == 0 && !tx[i].src_rejected);
		init_rx(rx, 64);
		got = recv_n(f ? b.fd6 : b.fd4, rx, 41);
		CHECK(got == 41);
		for (unsigned i = 0; i < got; i++)
			CHECK(rx[i].len == (i == 40 ? 123u : 1000u) && !memcmp(rx[i].buf, gso_data[i], rx[i].len) &&
			      rx[i].from.addr.sa_family == (f ? AF_INET6 : AF_INET));
	}
	CHECK(a.gso); /* loopback checksums: no reason to give up */
	wgc_udp_close(&a);
	wgc_udp_close(&b);
}

/* The GSO send really is one datagram: a raw UDP_GRO receiver on loopback sees it whole. */
static void test_gso_is_one_send(void)
{
	struct wgc_udp a, b;
	struct wgc_udp_tx tx[41];
	union wgc_endpoint to;
	uint8_t buf[65536];
	union {
		struct cmsghdr align;
		uint8_t b[256];
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
	struct pollfd p;
	struct cmsghdr *c;
	int seg = 0;
	ssize_t r;

	CHECK(wgc_udp_open(&a, 0, 0) == 0 && wgc_udp_open(&b, 0, 0) == 0);
	CHECK(wgc_udp_enable_gso(&a) == 0 && wgc_udp_enable_gro(&b) == 0 && b.gro);
	to = ep("127.0.0.1", b.port);
	fill_gso_tx(tx, 41, &to, 123);
	CHECK(wgc_udp_send_gso(&a, tx, 41) == 41);
	p = (struct pollfd){ .fd = b.fd4, .events = POLLIN };
	CHECK(poll(&p, 1, 1000) == 1);
	r = recvmsg(b.fd4, &mh, MSG_DONTWAIT);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO)
			memcpy(&seg, CMSG_DATA(c), sizeof(seg));
	CHECK(r == 40 * 1000 + 123 && seg == 1000);
	wgc_udp_close(&a);
	wgc_udp_close(&b);
}

/* GRO receive splits what loopback delivers coalesced, back into the exact datagrams. */
static void test_gro_recv(void)
{
	struct wgc_udp a, b;
	struct wgc_udp_tx tx[64];
	struct wgc_udp_rx rx[128];
	static uint8_t rx2_mem[64][65536];
	unsigned got = 0;

	CHECK(wgc_udp_open(&a, 0, 0) == 0 && wgc_udp_open(&b, 0, 0) == 0);
	CHECK(wgc_udp_enable_gso(&a) == 0 && wgc_udp_enable_gro(&b) == 0);
	for (int f = 0; f < 2; f++) {
		union wgc_endpoint to = ep(f ? "::1" : "127.0.0.1", b.port);
		int fd = f ? b.fd6 : b.fd4;

		/* two GSO runs (to the same place, one short, one sized apart) and a plain datagram */
		fill_gso_tx(tx, 41, &to, 123);
		tx[41] = (struct wgc_udp_tx){ .buf = gso_data[0], .len = 7, .to = to };
		CHECK(wgc_udp_send_gso(&a, tx, 42) == 42);
		got = 0;
		while (got < 42) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int r;
			if (poll(&p, 1, 1000) != 1)
				break;
			init_rx(rx, 64);
			r = wgc_udp_recv_gro(fd, rx, 64, false);
			CHECK(r > 0);
			if (r <= 0)
				break;
			for (int i = 0; i < r; i++, got++) {
				size_t want = got == 41 ? 7 : got == 40 ? 123 : 1000;
				CHECK(rx[i].len == want && !rx[i].truncated &&
				      !memcmp(rx[i].buf, gso_data[got == 41 ? 0 : got], want));
				CHECK(rx[i].from.addr.sa_family == (f ? AF_INET6 : AF_INET) &&
				      rx[i].local.family == (f ? AF_INET6 : AF_INET));
			}
		}
		CHECK(got == 42);
	}

	/* 128 entries: two datagrams per call; data lands in order across both */
	{
		union wgc_endpoint to = ep("127.0.0.1", b.port);
		int r;
		fill_gso_tx(tx, 41, &to, 1000);
		CHECK(wgc_udp_send_gso(&a, tx, 41) == 41);
		CHECK(wgc_udp_send_gso(&a, tx, 20) == 20);
		usleep(20000);
		for (unsigned i = 0; i < 128; i++)
			rx[i] = (struct wgc_udp_rx){ .buf = i < 64 ? rx_mem[i] : rx2_mem[i - 64], .cap = 65536 };
		r = wgc_udp_recv_gro(b.fd4, rx, 128, false);
		CHECK(r == 61);
		for (int i = 0; i < r && i < 61; i++)
			CHECK(rx[i].len == 1000 && !memcmp(rx[i].buf, gso_data[i < 41 ? i : i - 41], 1000));
	}

	/* too few entries: what fits is returned, the rest of that datagram dropped, never overrun */
	{
		union wgc_endpoint to = ep("127.0.0.1", b.port);
		fill_gso_tx(tx, 41, &to, 1000);
		CHECK(wgc_udp_send_gso(&a, tx, 41) == 41);
		init_rx(rx, 16);
		CHECK(wgc_udp_recv_gro(b.fd4, rx, 16, true) == 16);
		for (unsigned i = 0; i < 16; i++)
			CHECK(rx[i].len == 1000 && !memcmp(rx[i].buf, gso_data[i], 1000));
		CHECK(wgc_udp_recv_gro(b.fd4, rx, 16, false) == -EAGAIN);
		CHECK(wgc_udp_recv_gro(b.fd4, rx, 0, false) == -EINVAL);
	}
	wgc_udp_close(&a);
	wgc_udp_close(&b);
}

/* Runs break at every change of destination, source or size; order holds. */
static void test_gso_runs(void)
{
	struct wgc_udp a, b, c;
	struct wgc_udp_tx tx[12];
	struct wgc_udp_rx rx[64];
	union wgc_endpoint tb, tc, t6;
	struct wgc_udp_source src = { .family = AF_INET };
	static const size_t lens[12] = { 500, 500, 500, 500, 500, 500, 400, 400, 300, 500, 500, 200 };
	unsigned got;

	CHECK(run("ip addr add 10.77.0.2/32 dev lo") == 0);
	src.ip4.s_addr = inet_addr("10.77.0.2");
	CHECK(wgc_udp_open(&a, 0, 0) == 0 && wgc_udp_open(&b, 0, 0) == 0 && wgc_udp_open(&c, 0, 0) == 0);
	CHECK(wgc_udp_enable_gso(&a) == 0);
	tb = ep("127.0.0.1", b.port);
	tc = ep("127.0.0.1", c.port);
	t6 = ep("::1", b.port);
	/* b b b(src) b(src) c c b b b 6 6 6 */
	for (unsigned i = 0; i < 12; i++) {
		for (size_t j = 0; j < lens[i]; j++)
			gso_data[i][j] = (uint8_t)(i * 17 + j);
		tx[i] = (struct wgc_udp_tx){ .buf = gso_data[i], .len = lens[i],
					     .to = i < 4 || (i >= 6 && i < 9) ? tb : i < 6 ? tc : t6 };
		if (i == 2 || i == 3)
			tx[i].src = src;
	}
	CHECK(wgc_udp_send_gso(&a, tx, 12) == 12);
	init_rx(rx, 64);
	got = recv_n(b.fd4, rx, 7);
	CHECK(got == 7);
	{
		static const unsigned order[7] = { 0, 1, 2, 3, 6, 7, 8 };
		for (unsigned i = 0; i < got; i++) {
			CHECK(rx[i].len == lens[order[i]] && !memcmp(rx[i].buf, gso_data[order[i]], rx[i].len));
			CHECK(rx[i].from.addr4.sin_addr.s_addr ==
			      (i == 2 || i == 3 ? src.ip4.s_addr : htonl(INADDR_LOOPBACK)));
		}
	}
	init_rx(rx, 64);
	CHECK(recv_n(c.fd4, rx, 2) == 2 && rx[0].len == 500 && !memcmp(rx[1].buf, gso_data[5], 500));
	init_rx(rx, 64);
	CHECK(recv_n(b.fd6, rx, 3) == 3 && rx[2].len == 200 && !memcmp(rx[2].buf, gso_data[11], 200));

	/* a run with a vanished source: resent one by one without it, flagged */
	CHECK(run("ip addr del 10.77.0.2/32 dev lo") == 0);
	for (unsigned i = 0; i < 3; i++)
		tx[i] = (struct wgc_udp_tx){ .buf = gso_data[i], .len = 500, .to = tb, .src = src };
	CHECK(wgc_udp_send_gso(&a, tx, 3) == 3);
	CHECK(tx[0].src_rejected && tx[2].src_rejected && tx[1].err == 0);
	init_rx(rx, 64);
	CHECK(recv_n(b.fd4, rx, 3) == 3 && rx[0].from.addr4.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	CHECK(a.gso);

	/* GSO off: the same contract through sendmmsg */
	a.gso = false;
	fill_gso_tx(tx, 5, &tb, 10);
	CHECK(wgc_udp_send_gso(&a, tx, 5) == 5);
	init_rx(rx, 64);
	CHECK(recv_n(b.fd4, rx, 5) == 5 && rx[4].len == 10);
	wgc_udp_close(&a);
	wgc_udp_close(&b);
	wgc_udp_close(&c);
}

/* The offload switches survive a port change. */
static void test_offload_rebind(void)
{
	struct wgc_udp u, old;
	int v = 0;
	socklen_t l = sizeof(v);

	CHECK(wgc_udp_open(&u, 0, 0) == 0);
	CHECK(wgc_udp_enable_gso(&u) == 0 && wgc_udp_enable_gro(&u) == 0);
	CHECK(wgc_udp_rebind(&u, 0, &old) == 0);
	CHECK(u.gso && u.gro);
	CHECK(getsockopt(u.fd4, SOL_UDP, UDP_GRO, &v, &l) == 0 && v == 1);
	wgc_udp_close(&old);
	wgc_udp_close(&u);
	CHECK(wgc_udp_enable_gso(&u) == -EBADF && !u.gso);
}

int main(void)
{
	if (!test_enter_private_netns()) {
		printf("not ok - private network namespace (run as root)\n");
		return 1;
	}
	RUN_TEST(test_open_random_port);
	RUN_TEST(test_open_fixed_port);
	RUN_TEST(test_batch_v4);
	RUN_TEST(test_batch_v6);
	RUN_TEST(test_mixed_and_truncated);
	RUN_TEST(test_sticky_source);
	RUN_TEST(test_fwmark);
	RUN_TEST(test_wake_and_rebind);
	RUN_TEST(test_gso_send);
	RUN_TEST(test_gso_is_one_send);
	RUN_TEST(test_gro_recv);
	RUN_TEST(test_gso_runs);
	RUN_TEST(test_offload_rebind);
	return harness_exit_code();
}

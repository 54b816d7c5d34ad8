// SPDX-License-Identifier: MIT
/* UDP sockets: binding, batches, sticky sources, fwmark, rebind; in a private netns. */
#include <arpa/inet.h>
#include <errno.h>
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
	CHECK(run("ip addr add fd77::1/128 dev lo") == 0);
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
	return harness_exit_code();
}

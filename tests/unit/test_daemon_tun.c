// SPDX-License-Identifier: MIT
/* TUN device and rtnetlink watch, inside a private network namespace. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "daemon_test_util.h"
#include "common/ifname.h"
#include "core/checksum.h"
#include "core/messages.h"
#include "daemon/offload.h"
#include "daemon/tun.h"

static int run(const char *cmd)
{
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static void test_name_validation(void)
{
	static const char *good[] = { "wg0", "a", "wgc-test_1.x", "123456789012345" };
	static const char *bad[] = { "", ".", "..", "a/b", "a:1", "wg%d", "a b", "tab\there",
				     "1234567890123456" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(wgc_ifname_valid(good[i]) == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(wgc_ifname_valid(bad[i]) == -EINVAL);
	CHECK(wgc_ifname_valid(NULL) == -EINVAL);
}

static void test_open_defaults(void)
{
	struct wgc_tun t, t2;
	int flags;

	CHECK(wgc_tun_open(&t, "wgct0", 1, 0, 0) == 0);
	CHECK(!strcmp(t.name, "wgct0"));
	CHECK(t.ifindex > 0 && (unsigned)t.ifindex == if_nametoindex("wgct0"));
	CHECK(t.n_queues == 1 && t.fds[0] >= 0 && t.fds[1] == -1);
	CHECK(wgc_tun_get_mtu(&t) == WGC_DEFAULT_MTU);
	flags = wgc_tun_get_flags(&t);
	CHECK(flags >= 0 && !(flags & IFF_UP)); /* like wireguard-go: not brought up */
	CHECK(wgc_tun_set_mtu(&t, 1380) == 0);
	CHECK(wgc_tun_get_mtu(&t) == 1380);
	CHECK(wgc_tun_set_mtu(&t, 0) == -EINVAL);

	/* A second process (here: a second open) cannot take a held device. */
	CHECK(wgc_tun_open(&t2, "wgct0", 1, 0, 0) == -EBUSY);
	CHECK(t2.n_queues == 0 && t2.fds[0] == -1);
	wgc_tun_close(&t);
	wgc_tun_close(&t); /* idempotent */
	CHECK(if_nametoindex("wgct0") == 0);

	CHECK(wgc_tun_open(&t, "wgct1", 1, 0, 1280) == 0);
	CHECK(wgc_tun_get_mtu(&t) == 1280);
	wgc_tun_close(&t);
}

static void test_open_errors(void)
{
	struct wgc_tun t;

	CHECK(wgc_tun_open(&t, "lo", 1, 0, 0) == -EBUSY); /* exists, not a TUN */
	CHECK(run("ip link add wgcdum0 type veth peer name wgcdum1") == 0);
	CHECK(wgc_tun_open(&t, "wgcdum0", 1, 0, 0) == -EBUSY);
	run("ip link del wgcdum0 2>/dev/null");
	CHECK(wgc_tun_open(&t, "bad/name", 1, 0, 0) == -EINVAL);
	CHECK(wgc_tun_open(&t, "wgct2", 2, 0, 0) == -EINVAL);  /* 2 queues need MULTI_QUEUE */
	CHECK(wgc_tun_open(&t, "wgct2", 0, 0, 0) == -EINVAL);
	CHECK(wgc_tun_open(&t, "wgct2", WGC_TUN_MAX_QUEUES + 1, WGC_TUN_MULTI_QUEUE, 0) == -EINVAL);
	CHECK(if_nametoindex("wgct2") == 0);
}

static void test_multi_queue(void)
{
	struct wgc_tun t;
	unsigned i;

	CHECK(wgc_tun_open(&t, "wgcmq", 4, WGC_TUN_MULTI_QUEUE | WGC_TUN_NONBLOCK, 0) == 0);
	CHECK(t.n_queues == 4);
	for (i = 0; i < 4; i++)
		CHECK(t.fds[i] >= 0);
	CHECK(t.fds[0] != t.fds[1] && t.fds[2] != t.fds[3]);
	{
		uint8_t buf[2000];
		CHECK(wgc_tun_read(&t, 0, buf, sizeof(buf)) == -EAGAIN);
		CHECK(wgc_tun_read(&t, 4, buf, sizeof(buf)) == -EINVAL);
	}
	wgc_tun_close(&t);
	CHECK(if_nametoindex("wgcmq") == 0);
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Packets in both directions: kernel -> tun fd (read) and tun fd -> kernel socket (write). */
static void test_packet_path(void)
{
	struct wgc_tun t;
	uint8_t buf[2048];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4000) };
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(5000) };
	int s, got = 0;
	ssize_t n;

	CHECK(wgc_tun_open(&t, "wgcio", 1, 0, 0) == 0);
	CHECK(run("ip addr add 10.99.0.1/24 dev wgcio && ip link set wgcio up") == 0);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "10.99.0.1", &me.sin_addr);
	CHECK(bind(s, (struct sockaddr *)&me, sizeof(me)) == 0);
	inet_pton(AF_INET, "10.99.0.2", &to.sin_addr);
	CHECK(sendto(s, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)) == 4);
	/* The kernel may queue IPv6 router solicitations first; find our UDP packet. */
	for (int i = 0; i < 10 && !got; i++) {
		struct pollfd p = { .fd = t.fds[0], .events = POLLIN };
		if (poll(&p, 1, 1000) != 1)
			break;
		n = wgc_tun_read(&t, 0, buf, sizeof(buf));
		if (n == 20 + 8 + 4 && (buf[0] >> 4) == 4 && buf[9] == IPPROTO_UDP &&
		    !memcmp(buf + 16, &to.sin_addr, 4) && !memcmp(buf + 28, "ping", 4))
			got = 1;
	}
	CHECK(got);

	/* Inject 10.99.0.2:4000 -> 10.99.0.1:5000 "pong" (UDP checksum 0 is allowed on IPv4). */
	{
		uint8_t pkt[32] = { 0x45, 0, 0, 32, 0, 1, 0x40, 0, 64, IPPROTO_UDP };
		char rx[16];
		struct pollfd p = { .fd = s, .events = POLLIN };

		memcpy(pkt + 12, &to.sin_addr, 4);
		memcpy(pkt + 16, &me.sin_addr, 4);
		wgc_store_be32(pkt + 20, 4000u << 16 | 5000u);
		pkt[24] = 0; pkt[25] = 12;
		memcpy(pkt + 28, "pong", 4);
		{
			uint16_t c = ip_checksum(pkt, 20);
			pkt[10] = (uint8_t)(c >> 8);
			pkt[11] = (uint8_t)c;
		}
		CHECK(wgc_tun_write(&t, 0, pkt, sizeof(pkt)) == 0);
		CHECK(poll(&p, 1, 1000) == 1);
		CHECK(recv(s, rx, sizeof(rx), MSG_DONTWAIT) == 4 && !memcmp(rx, "pong", 4));
	}
	close(s);
	wgc_tun_close(&t);
}

/* `ip link del` and `ip link set` as seen through the fd and the watch socket. */
static void test_delete_and_watch(void)
{
	struct wgc_tun t;
	struct wgc_tun_event ev;
	struct wgc_tun_where where = { .nsid = WGC_TUN_NSID_LOCAL };
	struct pollfd p;
	uint8_t buf[2048] = { 0 };
	int w, r;

	CHECK(wgc_tun_open(&t, "wgcdel", 1, 0, 0) == 0);
	w = wgc_tun_watch_open();
	CHECK(w >= 0);
	where.ifindex = t.ifindex;
	CHECK(wgc_tun_attached(&t) == 0);

	CHECK(run("ip link set wgcdel mtu 1300 up") == 0);
	p = (struct pollfd){ .fd = w, .events = POLLIN };
	CHECK(poll(&p, 1, 1000) == 1);
	usleep(50000);
	r = wgc_tun_watch_read(w, &where, &ev);
	CHECK(r > 0);
	CHECK(ev.events & WGC_TUN_EV_MTU && ev.mtu == 1300);
	CHECK(ev.events & WGC_TUN_EV_LINK && (ev.ifflags & IFF_UP));
	CHECK(!(ev.events & WGC_TUN_EV_DELETED));
	CHECK(wgc_tun_get_mtu(&t) == 1300);

	CHECK(run("ip link del wgcdel") == 0);
	p = (struct pollfd){ .fd = w, .events = POLLIN };
	CHECK(poll(&p, 1, 1000) == 1);
	usleep(50000);
	r = wgc_tun_watch_read(w, &where, &ev);
	CHECK(r > 0 && (ev.events & WGC_TUN_EV_DELETED));

	/* The fd itself: poll reports an error and read/write fail with EBADFD. */
	p = (struct pollfd){ .fd = t.fds[0], .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLERR));
	CHECK(wgc_tun_read(&t, 0, buf, sizeof(buf)) == -EBADFD);
	CHECK(wgc_tun_write(&t, 0, buf, 40) == -EBADFD);
	CHECK(wgc_tun_get_mtu(&t) == -ENODEV);
	CHECK(wgc_tun_get_flags(&t) == -ENODEV);
	CHECK(wgc_tun_attached(&t) == -EBADFD);
	wgc_tun_close(&t);
	close(w);
}

static size_t put_link_msg(uint8_t *p, uint16_t type, int ifindex, unsigned flags, int mtu)
{
	struct nlmsghdr nh = { .nlmsg_type = type };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = flags };
	struct rtattr rta = { .rta_type = IFLA_MTU, .rta_len = RTA_LENGTH(4) };
	size_t off = NLMSG_HDRLEN;
	uint32_t m = (uint32_t)mtu;

	memcpy(p + off, &ifi, sizeof(ifi));
	off += NLMSG_ALIGN(sizeof(ifi));
	if (mtu) {
		memcpy(p + off, &rta, sizeof(rta));
		memcpy(p + off + RTA_LENGTH(0), &m, 4);
		off += RTA_ALIGN(rta.rta_len);
	}
	nh.nlmsg_len = (uint32_t)off;
	memcpy(p, &nh, sizeof(nh));
	return NLMSG_ALIGN(off);
}

static void test_watch_parse(void)
{
	uint8_t buf[512];
	struct wgc_tun_event ev;
	size_t len = 0;
	unsigned i;

	len += put_link_msg(buf + len, RTM_NEWLINK, 9, IFF_UP, 1400);  /* other interface */
	len += put_link_msg(buf + len, RTM_NEWLINK, 7, IFF_UP | IFF_RUNNING, 1500);
	len += put_link_msg(buf + len, RTM_NEWLINK, 7, IFF_UP, 0);      /* no MTU attribute */
	CHECK(wgc_tun_watch_parse(buf, len, 7, &ev) == 2);
	CHECK(ev.events == (WGC_TUN_EV_MTU | WGC_TUN_EV_LINK));
	CHECK(ev.mtu == 1500 && ev.ifflags == IFF_UP);
	CHECK(wgc_tun_watch_parse(buf, len, 9, &ev) == 1 && ev.mtu == 1400);
	CHECK(wgc_tun_watch_parse(buf, len, 3, &ev) == 0 && ev.events == 0);
	len += put_link_msg(buf + len, RTM_DELLINK, 7, 0, 0);
	CHECK(wgc_tun_watch_parse(buf, len, 7, &ev) == 3 && (ev.events & WGC_TUN_EV_DELETED));

	/* Hostile input: lengths that lie. */
	{
		struct nlmsghdr nh = { .nlmsg_len = 4096, .nlmsg_type = RTM_NEWLINK };
		memcpy(buf, &nh, sizeof(nh));
		CHECK(wgc_tun_watch_parse(buf, 64, 7, &ev) == -EPROTO);
		nh.nlmsg_len = 3;
		memcpy(buf, &nh, sizeof(nh));
		CHECK(wgc_tun_watch_parse(buf, 64, 7, &ev) == -EPROTO);
		CHECK(wgc_tun_watch_parse(buf, 5, 7, &ev) == 0);
	}
	len = put_link_msg(buf, RTM_NEWLINK, 7, IFF_UP, 1500);
	{
		struct rtattr bad = { .rta_type = IFLA_MTU, .rta_len = 200 };
		memcpy(buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)), &bad, sizeof(bad));
		CHECK(wgc_tun_watch_parse(buf, len, 7, &ev) == -EPROTO);
	}
	/* Random bytes never crash it, and every truncation of a valid buffer is safe. */
	srand(1);
	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)rand() % sizeof(buf), j;
		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rand();
		if (i & 1)
			((struct nlmsghdr *)(void *)buf)->nlmsg_type = RTM_NEWLINK;
		(void)wgc_tun_watch_parse(buf, n, 7, &ev);
	}
	len = put_link_msg(buf, RTM_NEWLINK, 7, IFF_UP, 1500);
	for (i = 0; i <= len; i++)
		CHECK(wgc_tun_watch_parse(buf, i, 7, &ev) >= -EPROTO);
}

/* A DELLINK that carries IFLA_NEW_NETNSID is a move to another namespace, not a deletion. */
static void test_watch_parse_move(void)
{
	uint8_t buf[256];
	struct wgc_tun_event ev;
	size_t len = put_link_msg(buf, RTM_DELLINK, 7, 0, 0), off = len;
	struct rtattr a = { .rta_len = RTA_LENGTH(4) };
	int32_t nsid = 3, idx = 12;

	a.rta_type = IFLA_NEW_NETNSID;
	memcpy(buf + off, &a, sizeof(a));
	memcpy(buf + off + RTA_LENGTH(0), &nsid, 4);
	off += RTA_ALIGN(a.rta_len);
	a.rta_type = IFLA_NEW_IFINDEX;
	memcpy(buf + off, &a, sizeof(a));
	memcpy(buf + off + RTA_LENGTH(0), &idx, 4);
	off += RTA_ALIGN(a.rta_len);
	((struct nlmsghdr *)(void *)buf)->nlmsg_len = (uint32_t)off;
	CHECK(wgc_tun_watch_parse(buf, off, 7, &ev) == 1);
	CHECK(ev.events == WGC_TUN_EV_MOVED && ev.new_nsid == 3 && ev.new_ifindex == 12);
}

/* `ip link set IF netns B': the fd stays attached and B's link events keep coming; deletion there is seen */
static void test_watch_follows_move(void)
{
	struct wgc_tun_where where = { .nsid = WGC_TUN_NSID_LOCAL };
	char ns[32], cmd[160], ifn[16];
	struct wgc_tun_event ev = { 0 };
	struct wgc_tun t;
	int w, r = 0;
	unsigned seen = 0;

	snprintf(ns, sizeof(ns), "wgcmv%d", (int)getpid());
	snprintf(ifn, sizeof(ifn), "wgm%d", (int)getpid() % 1000000);
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
	if (run(cmd)) {
		CHECK(!"ip netns add");
		return;
	}
	CHECK(wgc_tun_open(&t, ifn, 1, 0, 0) == 0);
	w = wgc_tun_watch_open();
	where.ifindex = t.ifindex;
	snprintf(cmd, sizeof(cmd), "ip link set %s netns %s && ip -n %s link set %s up", ifn, ns, ns, ifn);
	CHECK(run(cmd) == 0);
	/* poll until the up from B has arrived (bounded: 5 s) */
	for (int i = 0; i < 500 && !((seen & WGC_TUN_EV_LINK) && (ev.ifflags & IFF_UP)); i++) {
		struct pollfd p = { .fd = w, .events = POLLIN };

		poll(&p, 1, 10);
		r = wgc_tun_watch_read(w, &where, &ev);
		if (r > 0)
			seen |= ev.events;
	}
	CHECK(seen & WGC_TUN_EV_MOVED);
	CHECK(!(seen & WGC_TUN_EV_DELETED));
	CHECK((seen & WGC_TUN_EV_LINK) && (ev.ifflags & IFF_UP));
	CHECK(where.nsid >= 0);
	CHECK(wgc_tun_attached(&t) == 0);
	snprintf(cmd, sizeof(cmd), "ip -n %s link del %s", ns, ifn);
	CHECK(run(cmd) == 0);
	seen = 0;
	for (int i = 0; i < 500 && !(seen & WGC_TUN_EV_DELETED); i++) {
		struct pollfd p = { .fd = w, .events = POLLIN };

		poll(&p, 1, 10);
		if (wgc_tun_watch_read(w, &where, &ev) > 0)
			seen |= ev.events;
	}
	CHECK(seen & WGC_TUN_EV_DELETED);
	CHECK(wgc_tun_attached(&t) == -EBADFD);
	wgc_tun_close(&t);
	close(w);
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
	run(cmd);
}

/* No automatic IPv6 link-local address on our interface, as on kernel WireGuard ones. */
static void test_no_ipv6_autoconf(void)
{
	struct wgc_tun t;
	char path[128], cmd[128], ifn[16], mode = 0;
	FILE *f;

	snprintf(ifn, sizeof(ifn), "wgl%d", (int)getpid() % 1000000);
	CHECK(wgc_tun_open(&t, ifn, 1, 0, 0) == 0);
	CHECK(wgc_tun_disable_ipv6_autoconf(&t) == 0);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/addr_gen_mode", ifn);
	f = fopen(path, "r");
	if (f) {
		mode = (char)fgetc(f);
		fclose(f);
	}
	CHECK(mode == '1');
	snprintf(cmd, sizeof(cmd), "ip link set %s up", ifn);
	CHECK(run(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "ip -6 addr show dev %s | grep -q fe80", ifn);
	CHECK(run(cmd) != 0);
	wgc_tun_close(&t);
}

/* ---- offloads: the kernel takes our super-packets and gives us its own ---- */

static const uint8_t off_me[4] = { 10, 98, 0, 1 }, off_peer[4] = { 10, 98, 0, 2 };

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 + TCP (flags, MSS option on SYN) or UDP from the fake peer to us, checksums complete. */
static size_t peer_packet(uint8_t *b, uint8_t proto, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			  uint8_t flags, const uint8_t *data, size_t dlen)
{
	size_t l4h = proto == IPPROTO_TCP ? (flags & 0x02 ? 24 : 20) : 8, len = 20 + l4h + dlen;
	uint8_t *t = b + 20;
	uint64_t sum;

	memset(b, 0, 20 + l4h);
	b[0] = 0x45;
	wr16(b + 2, (uint16_t)len);
	b[6] = 0x40;
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, off_peer, 4);
	memcpy(b + 16, off_me, 4);
	wr16(b + 10, (uint16_t)~wgc_csum_fold(wgc_csum_add(0, b, 20)));
	wr16(t, sport);
	wr16(t + 2, dport);
	if (proto == IPPROTO_TCP) {
		wgc_store_be32(t + 4, seq);
		wgc_store_be32(t + 8, ack);
		t[12] = (uint8_t)((l4h / 4) << 4);
		t[13] = flags;
		wr16(t + 14, 65535);
		if (flags & 0x02) {
			t[20] = 2, t[21] = 4;
			wr16(t + 22, 1380); /* MSS */
		}
	} else {
		wr16(t + 4, (uint16_t)(8 + dlen));
	}
	if (dlen)
		memcpy(t + l4h, data, dlen);
	sum = wgc_csum_add(0, b + 12, 8) + proto + l4h + dlen;
	sum = wgc_csum_add(sum, t, l4h + dlen);
	wr16(t + (proto == IPPROTO_TCP ? 16 : 6), (uint16_t)~wgc_csum_fold(sum));
	return len;
}

/* Reads from the TUN until a TCP packet from port sport arrives; its length, 0 on timeout. */
static ssize_t read_tcp_from(struct wgc_tun *t, uint16_t sport, struct virtio_net_hdr *h, uint8_t *buf, size_t cap)
{
	for (int i = 0; i < 50; i++) {
		struct pollfd p = { .fd = t->fds[0], .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 1000) != 1)
			return 0;
		n = wgc_tun_read_vnet(t, 0, h, buf, cap);
		if (n >= 40 && buf[0] == 0x45 && buf[9] == IPPROTO_TCP && rd16(buf + 20) == sport)
			return n;
	}
	return 0;
}

static uint8_t off_big[65536 + 64];
static uint8_t off_segs[64][2048];

static void test_offload_tcp(void)
{
	struct wgc_tun t;
	struct virtio_net_hdr h;
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(7777) };
	uint8_t pkt[2048];
	int ls, cs = -1, got;
	uint32_t isn, next;
	ssize_t n;
	size_t len;

	CHECK(wgc_tun_open(&t, "wgcoff", 1, WGC_TUN_VNET_HDR, 0) == 0);
	got = wgc_tun_enable_offloads(&t, true);
	printf("# TUN offloads accepted: %#x\n", got);
	CHECK(got > 0 && (got & WGC_TUN_OFF_TSO) && (got & WGC_TUN_OFF_CSUM));
	CHECK(run("ip addr add 10.98.0.1/24 dev wgcoff && ip link set wgcoff up") == 0);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(&me.sin_addr, off_me, 4);
	CHECK(bind(ls, (struct sockaddr *)&me, sizeof(me)) == 0 && listen(ls, 1) == 0);

	/* The handshake, played by the fake peer 10.98.0.2:40000. */
	len = peer_packet(pkt, IPPROTO_TCP, 40000, 7777, 1000, 0, 0x02, NULL, 0);
	CHECK(wgc_tun_write_vnet(&t, 0, pkt, len) == 0);
	n = read_tcp_from(&t, 7777, &h, off_big, sizeof(off_big));
	CHECK(n > 0 && off_big[33] == 0x12 && rd32(off_big + 28) == 1001);
	isn = rd32(off_big + 24);
	len = peer_packet(pkt, IPPROTO_TCP, 40000, 7777, 1001, isn + 1, 0x10, NULL, 0);
	CHECK(wgc_tun_write_vnet(&t, 0, pkt, len) == 0);
	{
		struct pollfd p = { .fd = ls, .events = POLLIN };
		CHECK(poll(&p, 1, 2000) == 1);
		cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		CHECK(cs >= 0);
	}
	if (cs < 0)
		goto out;

	/* GRO: 20 segments of 1000 bytes, coalesced into one write with a virtio header. */
	{
		uint8_t *pk[20];
		size_t pl[20];
		struct wgc_offload_unit units[20];
		struct iovec iov[20];
		uint8_t data[20000], rx[20001];
		size_t have = 0;
		unsigned nu;

		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)(i * 13 + (i >> 9));
		for (unsigned i = 0; i < 20; i++) {
			pk[i] = off_segs[i];
			pl[i] = peer_packet(off_segs[i], IPPROTO_TCP, 40000, 7777, 1001 + i * 1000, isn + 1,
					    i == 19 ? 0x18 : 0x10, data + i * 1000, 1000);
		}
		nu = wgc_offload_coalesce(pk, pl, 20, units, iov);
		CHECK(nu == 1 && units[0].iovcnt == 20 && units[0].hdr.gso_type == VIRTIO_NET_HDR_GSO_TCPV4);
		CHECK(wgc_tun_writev(&t, 0, &units[0]) == 0);
		while (have < sizeof(data)) {
			struct pollfd p = { .fd = cs, .events = POLLIN };
			ssize_t r;
			if (poll(&p, 1, 2000) != 1)
				break;
			r = recv(cs, rx + have, sizeof(rx) - have, MSG_DONTWAIT);
			if (r <= 0)
				break;
			have += (size_t)r;
		}
		CHECK(have == sizeof(data) && !memcmp(rx, data, sizeof(data)));
		/* the kernel acknowledges all of it */
		next = 0;
		for (int i = 0; i < 20 && next != 1001 + 20000; i++) {
			if (read_tcp_from(&t, 7777, &h, off_big, sizeof(off_big)) <= 0)
				break;
			next = rd32(off_big + 28);
		}
		CHECK(next == 1001 + 20000);
	}

	/* TSO: a large send reaches us as super-packets, which split into valid segments. */
	{
		static uint8_t data[60000], rx[60000];
		size_t have = 0, gso_seen = 0;
		uint8_t *bufs[64];
		size_t lens[64];

		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)(i * 7 + (i >> 10));
		for (int i = 0; i < 64; i++)
			bufs[i] = off_segs[i];
		CHECK(send(cs, data, sizeof(data), MSG_DONTWAIT) > 0);
		while (have < sizeof(data)) {
			int k;
			n = read_tcp_from(&t, 7777, &h, off_big, sizeof(off_big));
			if (n <= 0)
				break;
			if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
				CHECK(h.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && h.gso_size == 1380);
				gso_seen++;
			}
			k = wgc_offload_split(&h, off_big, (size_t)n, bufs, sizeof(off_segs[0]), 16, lens, 64);
			CHECK(k >= 1);
			for (int j = 0; j < k; j++) {
				const uint8_t *s = bufs[j] + 16;
				size_t dl = lens[j] - 40;
				uint32_t off = rd32(s + 24) - (isn + 1);
				uint64_t sum = wgc_csum_add(0, s + 12, 8) + IPPROTO_TCP + lens[j] - 20;

				CHECK(wgc_csum_fold(wgc_csum_add(0, s, 20)) == 0xffff);
				CHECK(wgc_csum_fold(wgc_csum_add(sum, s + 20, lens[j] - 20)) == 0xffff);
				CHECK(lens[j] <= 1420 && off + dl <= sizeof(rx));
				if (off + dl <= sizeof(rx) && off == have) {
					memcpy(rx + off, s + 40, dl);
					have += dl;
				}
			}
			/* acknowledge what we have, opening the window */
			len = peer_packet(pkt, IPPROTO_TCP, 40000, 7777, 1001 + 20000, isn + 1 + (uint32_t)have, 0x10,
					  NULL, 0);
			CHECK(wgc_tun_write_vnet(&t, 0, pkt, len) == 0);
		}
		printf("# %zu super-packets among the reads\n", gso_seen);
		CHECK(have == sizeof(data) && !memcmp(rx, data, sizeof(data)));
		CHECK(gso_seen > 0);
	}
out:
	if (cs >= 0)
		close(cs);
	close(ls);
	wgc_tun_close(&t);
}

/* A UDP super-packet (USO) is segmented by the kernel into separate datagrams. */
static void test_offload_udp(void)
{
	struct wgc_tun t;
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(7778) };
	uint8_t pkt[8192], data[500 * 6 + 77], rx[2048];
	struct iovec iov;
	struct wgc_offload_unit u = { .iov = &iov, .iovcnt = 1 };
	int s, got, i;
	size_t len;

	CHECK(wgc_tun_open(&t, "wgcuso", 1, WGC_TUN_VNET_HDR, 0) == 0);
	got = wgc_tun_enable_offloads(&t, true);
	if (!(got & WGC_TUN_OFF_USO)) {
		printf("# kernel refused USO on TUN (%d): skipped\n", got);
		wgc_tun_close(&t);
		return;
	}
	CHECK(run("ip addr add 10.98.0.1/24 dev wgcuso && ip link set wgcuso up") == 0);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memcpy(&me.sin_addr, off_me, 4);
	CHECK(bind(s, (struct sockaddr *)&me, sizeof(me)) == 0);
	for (size_t k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k * 3);
	len = peer_packet(pkt, IPPROTO_UDP, 40001, 7778, 0, 0, 0, data, sizeof(data));
	/* partial checksum: the pseudo-header sum only, as the kernel expects */
	wr16(pkt + 26, wgc_csum_fold(wgc_csum_add(0, pkt + 12, 8) + IPPROTO_UDP + len - 20));
	memset(&u.hdr, 0, sizeof(u.hdr));
	u.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	u.hdr.gso_type = 5; /* VIRTIO_NET_HDR_GSO_UDP_L4 */
	u.hdr.gso_size = 500;
	u.hdr.hdr_len = 28;
	u.hdr.csum_start = 20;
	u.hdr.csum_offset = 6;
	iov = (struct iovec){ pkt, len };
	CHECK(wgc_tun_writev(&t, 0, &u) == 0);
	for (i = 0; i < 7; i++) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		ssize_t r;
		size_t want = i < 6 ? 500 : 77;
		if (poll(&p, 1, 2000) != 1)
			break;
		r = recv(s, rx, sizeof(rx), MSG_DONTWAIT);
		CHECK(r == (ssize_t)want && !memcmp(rx, data + i * 500, want));
	}
	CHECK(i == 7);
	close(s);
	wgc_tun_close(&t);
}

static void test_offload_errors(void)
{
	struct wgc_tun t;
	struct virtio_net_hdr h;
	uint8_t buf[64];

	/* offloads need the virtio header */
	CHECK(wgc_tun_open(&t, "wgcnov", 1, 0, 0) == 0);
	CHECK(wgc_tun_enable_offloads(&t, false) == -EINVAL);
	CHECK(wgc_tun_read_vnet(&t, 0, &h, buf, sizeof(buf)) == -EINVAL);
	CHECK(wgc_tun_write_vnet(&t, 0, buf, 20) == -EINVAL);
	wgc_tun_close(&t);
	CHECK(wgc_tun_open(&t, "wgcnov", 1, WGC_TUN_VNET_HDR | WGC_TUN_NONBLOCK, 0) == 0);
	CHECK(wgc_tun_enable_offloads(&t, false) == (WGC_TUN_OFF_CSUM | WGC_TUN_OFF_TSO));
	CHECK(wgc_tun_read_vnet(&t, 0, &h, buf, sizeof(buf)) == -EAGAIN);
	CHECK(wgc_tun_read_vnet(&t, 1, &h, buf, sizeof(buf)) == -EINVAL);
	wgc_tun_close(&t);
}

int main(void)
{
	RUN_TEST(test_name_validation);
	RUN_TEST(test_watch_parse);
	RUN_TEST(test_watch_parse_move);
	RUN_TEST(test_watch_follows_move);
	RUN_TEST(test_no_ipv6_autoconf);
	if (!test_enter_private_netns()) {
		printf("not ok - private network namespace (run as root)\n");
		return 1;
	}
	RUN_TEST(test_open_defaults);
	RUN_TEST(test_open_errors);
	RUN_TEST(test_multi_queue);
	RUN_TEST(test_packet_path);
	RUN_TEST(test_delete_and_watch);
	RUN_TEST(test_offload_errors);
	RUN_TEST(test_offload_tcp);
	RUN_TEST(test_offload_udp);
	return harness_exit_code();
}

// SPDX-License-Identifier: MIT
/*
 * The kernel WireGuard netlink codec against messages written here byte by
 * byte from the kernel's layout (include/uapi/linux/wireguard.h), with the
 * attribute numbers as literals so a wrong enum in the codec shows up:
 *   WG_CMD_GET_DEVICE 0, WG_CMD_SET_DEVICE 1
 *   WGDEVICE_A_ IFINDEX 1 IFNAME 2 PRIVATE_KEY 3 PUBLIC_KEY 4 FLAGS 5 LISTEN_PORT 6 FWMARK 7 PEERS 8
 *   WGPEER_A_ PUBLIC_KEY 1 PRESHARED_KEY 2 FLAGS 3 ENDPOINT 4 PERSISTENT_KEEPALIVE_INTERVAL 5
 *            LAST_HANDSHAKE_TIME 6 RX_BYTES 7 TX_BYTES 8 ALLOWEDIPS 9 PROTOCOL_VERSION 10
 *   WGALLOWEDIP_A_ FAMILY 1 IPADDR 2 CIDR_MASK 3 FLAGS 4
 *   flags: WGDEVICE_F_REPLACE_PEERS 1; WGPEER_F_ REMOVE_ME 1 REPLACE_ALLOWEDIPS 2 UPDATE_ONLY 4;
 *          WGALLOWEDIP_F_REMOVE_ME 1; NLA_F_NESTED 0x8000
 * Netlink integers are in host order; these vectors are little-endian.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/model.h"
#include "common/wgnl.h"
#include "harness.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the byte vectors below are little-endian"
#endif

enum { FAMILY = 0x1d, SEQ = 0x01020304 };

struct wr {
	uint8_t b[1 << 16];
	size_t n, stack[8];
	int depth;
};

static void put8(struct wr *w, uint8_t v) { w->b[w->n++] = v; }
static void put16(struct wr *w, uint16_t v) { put8(w, v & 0xff); put8(w, v >> 8); }
static void put32(struct wr *w, uint32_t v) { put16(w, v & 0xffff); put16(w, v >> 16); }
static void put64(struct wr *w, uint64_t v) { put32(w, (uint32_t)v); put32(w, (uint32_t)(v >> 32)); }
static void pad(struct wr *w) { while (w->n % 4) put8(w, 0); }

static void attr(struct wr *w, uint16_t type, const void *p, size_t len)
{
	put16(w, (uint16_t)(4 + len));
	put16(w, type);
	memcpy(w->b + w->n, p, len);
	w->n += len;
	pad(w);
}
static void attr16(struct wr *w, uint16_t type, uint16_t v) { put16(w, 6); put16(w, type); put16(w, v); pad(w); }
static void attr32(struct wr *w, uint16_t type, uint32_t v) { put16(w, 8); put16(w, type); put32(w, v); }
static void attr8(struct wr *w, uint16_t type, uint8_t v) { put16(w, 5); put16(w, type); put8(w, v); pad(w); }
static void attr64(struct wr *w, uint16_t type, uint64_t v) { put16(w, 12); put16(w, type); put64(w, v); }

static void nest(struct wr *w, uint16_t type)
{
	w->stack[w->depth++] = w->n;
	put16(w, 0);
	put16(w, type | 0x8000);
}
static void end(struct wr *w)
{
	size_t at = w->stack[--w->depth], len = w->n - at;

	w->b[at] = len & 0xff;
	w->b[at + 1] = (uint8_t)(len >> 8);
}

/* nlmsghdr (len, type, flags, seq, pid) + genlmsghdr (cmd, version 1, reserved) */
static void msg(struct wr *w, uint8_t cmd, uint16_t flags)
{
	w->n = 0;
	w->depth = 0;
	put32(w, 0);
	put16(w, FAMILY);
	put16(w, flags);
	put32(w, SEQ);
	put32(w, 0);
	put8(w, cmd);
	put8(w, 1);
	put16(w, 0);
}
static void msg_end(struct wr *w)
{
	w->b[0] = w->n & 0xff;
	w->b[1] = (uint8_t)(w->n >> 8);
	w->b[2] = (uint8_t)(w->n >> 16);
}

static void aip(struct wr *w, uint16_t family, const char *addr, uint8_t cidr, bool remove)
{
	uint8_t a[16];

	inet_pton(family, addr, a);
	nest(w, 0);
	attr16(w, 1, family);
	attr(w, 2, a, family == AF_INET ? 4 : 16);
	attr8(w, 3, cidr);
	if (remove)
		attr32(w, 4, 1);
	end(w);
}

static void key(uint8_t k[32], uint8_t v)
{
	memset(k, v, 32);
}

static void test_build_get(void)
{
	static struct wr w;
	uint8_t buf[256];
	int n = wgc_wgnl_build_get(buf, sizeof(buf), FAMILY, SEQ, "wg0");

	msg(&w, 0, 0x1 | 0x4 | 0x300); /* NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP */
	attr(&w, 2, "wg0", 4);
	msg_end(&w);
	CHECK(n == 28 && (size_t)n == w.n);
	CHECK(n > 0 && !memcmp(buf, w.b, w.n));
	CHECK(wgc_wgnl_build_get(buf, 24, FAMILY, SEQ, "wg0") == -EINVAL);
}

static void sample_change(struct wgc_device_model *d)
{
	struct wgc_peer_model *p;
	struct wgc_allowed_ip *ip;

	memset(d, 0, sizeof(*d));
	d->flags = WGC_DEVICE_HAS_PRIVATE_KEY | WGC_DEVICE_HAS_LISTEN_PORT | WGC_DEVICE_HAS_FWMARK |
		   WGC_DEVICE_REPLACE_PEERS;
	key(d->private_key, 0xa1);
	d->listen_port = 51820;
	d->fwmark = 0x1234;
	p = wgc_model_add_peer(d);
	p->flags = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_PRESHARED_KEY | WGC_PEER_HAS_ENDPOINT |
		   WGC_PEER_HAS_PERSISTENT_KEEPALIVE | WGC_PEER_REPLACE_ALLOWEDIPS;
	key(p->public_key, 0xb2);
	key(p->preshared_key, 0xc3);
	p->endpoint.addr4.sin_family = AF_INET;
	p->endpoint.addr4.sin_port = htons(51820);
	inet_pton(AF_INET, "192.0.2.1", &p->endpoint.addr4.sin_addr);
	p->persistent_keepalive = 25;
	ip = wgc_model_add_allowed_ip(p);
	ip->family = AF_INET, ip->cidr = 8;
	inet_pton(AF_INET, "10.0.0.0", &ip->ip4);
	ip = wgc_model_add_allowed_ip(p);
	ip->family = AF_INET6, ip->cidr = 64, ip->remove = true;
	inet_pton(AF_INET6, "fd00::", &ip->ip6);
	p = wgc_model_add_peer(d);
	p->flags = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_REMOVE_ME;
	key(p->public_key, 0xd4);
}

static void test_build_set_bytes(void)
{
	static struct wr w;
	struct wgc_device_model d;
	struct wgc_wgnl_cursor cur = { 0 };
	uint8_t buf[4096], k[32];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(51820) };
	int n;

	sample_change(&d);
	n = wgc_wgnl_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", &d, &cur);
	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	msg(&w, 1, 0x1 | 0x4);
	attr(&w, 2, "wg0", 4);
	key(k, 0xa1);
	attr(&w, 3, k, 32);
	attr16(&w, 6, 51820);
	attr32(&w, 7, 0x1234);
	attr32(&w, 5, 1);
	nest(&w, 8);
	nest(&w, 0);
	key(k, 0xb2);
	attr(&w, 1, k, 32);
	key(k, 0xc3);
	attr(&w, 2, k, 32);
	attr(&w, 4, &sin, sizeof(sin));
	attr16(&w, 5, 25);
	attr32(&w, 3, 2);
	nest(&w, 9);
	aip(&w, AF_INET, "10.0.0.0", 8, false);
	aip(&w, AF_INET6, "fd00::", 64, true);
	end(&w);
	end(&w);
	nest(&w, 0);
	key(k, 0xd4);
	attr(&w, 1, k, 32);
	attr32(&w, 3, 1);
	end(&w);
	end(&w);
	msg_end(&w);
	CHECK(n > 0 && (size_t)n == w.n);
	CHECK(n > 0 && !memcmp(buf, w.b, w.n));
	CHECK(cur.done);
	CHECK(wgc_wgnl_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", &d, &cur) == 0);
	wgc_model_free(&d);
}

static void test_build_set_no_peers(void)
{
	static struct wr w;
	struct wgc_device_model d = { .flags = WGC_DEVICE_HAS_LISTEN_PORT, .listen_port = 7 };
	struct wgc_wgnl_cursor cur = { 0 };
	uint8_t buf[128];
	int n = wgc_wgnl_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", &d, &cur);

	msg(&w, 1, 0x5);
	attr(&w, 2, "wg0", 4);
	attr16(&w, 6, 7);
	msg_end(&w);
	CHECK(n > 0 && (size_t)n == w.n && !memcmp(buf, w.b, w.n));
	CHECK(cur.done);
}

/* A SET message read back as a GET reply: the attribute layout is the same. */
static int read_back(struct wgc_device_model *out, uint8_t *buf, int n)
{
	buf[16] = 0; /* genl cmd: WG_CMD_GET_DEVICE */
	return wgc_wgnl_parse_get(out, buf, (size_t)n);
}

static void big_change(struct wgc_device_model *d, size_t peers, size_t aips)
{
	memset(d, 0, sizeof(*d));
	d->flags = WGC_DEVICE_REPLACE_PEERS | WGC_DEVICE_HAS_LISTEN_PORT;
	d->listen_port = 1;
	for (size_t i = 0; i < peers; i++) {
		struct wgc_peer_model *p = wgc_model_add_peer(d);

		p->flags = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_PRESHARED_KEY | WGC_PEER_REPLACE_ALLOWEDIPS;
		memcpy(p->public_key, &i, sizeof(i));
		p->public_key[31] = 0x80;
		key(p->preshared_key, 0x55);
		for (size_t j = 0; j < aips; j++) {
			struct wgc_allowed_ip *ip = wgc_model_add_allowed_ip(p);
			uint32_t a = htonl((uint32_t)(0x0a000000u + i * aips + j));

			ip->family = AF_INET, ip->cidr = 32;
			memcpy(&ip->ip4, &a, 4);
		}
	}
}

/* Splits into messages of at most size bytes, reads them all back merged, compares. */
static size_t split_round_trip(const struct wgc_device_model *d, size_t size)
{
	static uint8_t buf[65536];
	struct wgc_wgnl_cursor cur = { 0 };
	struct wgc_device_model back = { 0 };
	size_t msgs = 0, aips_total = 0;
	bool same;

	while (!cur.done) {
		struct wgc_device_model one = { 0 };
		int n = wgc_wgnl_build_set(buf, size, FAMILY, SEQ, "wg0", d, &cur);

		CHECK(n > 0 && (size_t)n <= size);
		if (n <= 0)
			break;
		msgs++;
		CHECK(read_back(&one, buf, n) == 0);
		/* device attributes in the first message only */
		CHECK(!!(one.flags & WGC_DEVICE_HAS_LISTEN_PORT) == (msgs == 1));
		for (size_t i = 0; i < one.n_peers; i++)
			aips_total += one.peers[i].n_allowed_ips;
		wgc_model_free(&one);
		CHECK(read_back(&back, buf, n) == 0);
	}
	same = back.n_peers == d->n_peers;
	for (size_t i = 0; same && i < d->n_peers; i++) {
		const struct wgc_peer_model *a = &d->peers[i], *b = &back.peers[i];

		same = !memcmp(a->public_key, b->public_key, 32) && !memcmp(a->preshared_key, b->preshared_key, 32) &&
		       a->n_allowed_ips == b->n_allowed_ips &&
		       !memcmp(a->allowed_ips, b->allowed_ips, a->n_allowed_ips * sizeof(*a->allowed_ips));
	}
	CHECK(same);
	CHECK(back.listen_port == 1);
	wgc_model_free(&back);
	(void)aips_total;
	return msgs;
}

static void test_split_many_peers(void)
{
	struct wgc_device_model d;

	big_change(&d, 1000, 3);
	CHECK(split_round_trip(&d, 4096) > 20);
	CHECK(split_round_trip(&d, 65535) > 1);
	wgc_model_free(&d);
}

static void test_split_one_big_peer(void)
{
	static uint8_t buf[4096];
	struct wgc_device_model d;
	struct wgc_wgnl_cursor cur = { 0 };
	int n;

	big_change(&d, 3, 1000);
	CHECK(split_round_trip(&d, 4096) > 3);
	CHECK(split_round_trip(&d, 200) > 100);
	/* the continuation of a peer repeats its key, never its flags or preshared key */
	n = wgc_wgnl_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", &d, &cur);
	CHECK(n > 0 && !cur.done && cur.peer == 0 && cur.in_peer);
	n = wgc_wgnl_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", &d, &cur);
	if (n > 0) {
		struct wgc_device_model one = { 0 };

		CHECK(read_back(&one, buf, n) == 0);
		CHECK(one.n_peers == 1 && !(one.peers[0].flags & WGC_PEER_HAS_PRESHARED_KEY));
		CHECK(!memcmp(one.peers[0].public_key, d.peers[0].public_key, 32));
		wgc_model_free(&one);
	}
	wgc_model_free(&d);
}

static void test_split_too_small(void)
{
	uint8_t buf[80];
	struct wgc_device_model d;
	struct wgc_wgnl_cursor cur = { 0 };
	int n;

	big_change(&d, 1, 1);
	/* header and device attributes fit, the peer's key does not: refused before anything is sent */
	n = wgc_wgnl_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", &d, &cur);
	CHECK(n == -E2BIG && !cur.done);
	CHECK(wgc_wgnl_build_set(buf, 16, FAMILY, SEQ, "wg0", &d, &(struct wgc_wgnl_cursor){ 0 }) == -E2BIG);
	wgc_model_free(&d);
}

/* A two-part dump as the kernel sends it: peer A's allowed IPs cut across messages. */
static void dump_part1(struct wr *w)
{
	uint8_t k[32];
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(4242) };

	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	msg(w, 0, 0x2); /* NLM_F_MULTI */
	attr16(w, 6, 51820);
	attr32(w, 7, 0);
	attr32(w, 1, 7);
	attr(w, 2, "wg0", 4);
	key(k, 0x11);
	attr(w, 3, k, 32);
	key(k, 0x22);
	attr(w, 4, k, 32);
	nest(w, 8);
	nest(w, 0);
	key(k, 0x33);
	attr(w, 1, k, 32);
	key(k, 0);
	attr(w, 2, k, 32);
	put16(w, 4); /* nla_put_64bit's alignment pad: an empty WGPEER_A_UNSPEC */
	put16(w, 0);
	attr(w, 6, (int64_t[2]){ 1700000000, 123 }, 16);
	attr16(w, 5, 0);
	attr64(w, 7, 1000);
	attr64(w, 8, 2000);
	attr32(w, 10, 1);
	attr(w, 4, &sin6, sizeof(sin6));
	nest(w, 9);
	aip(w, AF_INET, "10.0.0.0", 8, false);
	end(w);
	end(w);
	end(w);
	msg_end(w);
}

static void dump_part2(struct wr *w)
{
	uint8_t k[32];

	msg(w, 0, 0x2);
	nest(w, 8);
	nest(w, 0);
	key(k, 0x33);
	attr(w, 1, k, 32);
	nest(w, 9);
	aip(w, AF_INET6, "fd00::", 64, false);
	end(w);
	end(w);
	nest(w, 0);
	key(k, 0x44);
	attr(w, 1, k, 32);
	attr(w, 99, "future", 6); /* unknown attribute from a newer kernel: skipped */
	end(w);
	end(w);
	msg_end(w);
}

static void test_parse_dump(void)
{
	static struct wr w;
	struct wgc_device_model d = { 0 };
	uint8_t k[32];

	dump_part1(&w);
	CHECK(wgc_wgnl_parse_get(&d, w.b, w.n) == 0);
	dump_part2(&w);
	CHECK(wgc_wgnl_parse_get(&d, w.b, w.n) == 0);
	CHECK(!strcmp(d.name, "wg0") && d.listen_port == 51820 && d.fwmark == 0);
	key(k, 0x11);
	CHECK((d.flags & WGC_DEVICE_HAS_PRIVATE_KEY) && !memcmp(d.private_key, k, 32));
	key(k, 0x22);
	CHECK((d.flags & WGC_DEVICE_HAS_PUBLIC_KEY) && !memcmp(d.public_key, k, 32));
	CHECK(d.n_peers == 2);
	if (d.n_peers == 2) {
		const struct wgc_peer_model *a = &d.peers[0], *b = &d.peers[1];

		CHECK(a->public_key[0] == 0x33 && b->public_key[0] == 0x44);
		CHECK(!(a->flags & WGC_PEER_HAS_PRESHARED_KEY)); /* all zero: none, as wg shows it */
		CHECK(a->last_handshake_sec == 1700000000 && a->last_handshake_nsec == 123);
		CHECK(a->rx_bytes == 1000 && a->tx_bytes == 2000 && a->persistent_keepalive == 0);
		CHECK((a->flags & WGC_PEER_HAS_ENDPOINT) && a->endpoint.addr.sa_family == AF_INET6 &&
		      ntohs(a->endpoint.addr6.sin6_port) == 4242);
		CHECK(a->n_allowed_ips == 2);
		if (a->n_allowed_ips == 2)
			CHECK(a->allowed_ips[0].family == AF_INET && a->allowed_ips[0].cidr == 8 &&
			      a->allowed_ips[1].family == AF_INET6 && a->allowed_ips[1].cidr == 64);
		CHECK(b->n_allowed_ips == 0 && !(b->flags & WGC_PEER_HAS_ENDPOINT));
	}
	wgc_model_free(&d);
}

/* Each malformed message: -EINVAL, nothing read past its end. */
static void test_parse_rejects(void)
{
	static struct wr w;
	struct wgc_device_model d = { 0 };
	uint8_t k[32];

	key(k, 1);
	dump_part1(&w);
	CHECK(wgc_wgnl_parse_get(&d, w.b, w.n - 1) == -EINVAL); /* nlmsg_len beyond the buffer */
	wgc_model_free(&d);
	CHECK(wgc_wgnl_parse_get(&d, w.b, 10) == -EINVAL);
	/* fuzz_wgnl found it: nlmsg_len >= 2^31 passed libmnl's int comparison */
	w.b[3] = 0x80;
	CHECK(wgc_wgnl_parse_get(&d, w.b, w.n) == -EINVAL);
	w.b[3] = 0;
	w.b[16] = 1; /* WG_CMD_SET_DEVICE is not a reply */
	CHECK(wgc_wgnl_parse_get(&d, w.b, w.n) == -EINVAL);
	wgc_model_free(&d);

	msg(&w, 0, 2); /* peer without public key */
	nest(&w, 8);
	nest(&w, 0);
	attr16(&w, 5, 1);
	end(&w);
	end(&w);
	msg_end(&w);
	CHECK(wgc_wgnl_parse_get(&d, w.b, w.n) == -EINVAL);
	wgc_model_free(&d);

	for (int bad = 0; bad < 3; bad++) {
		uint8_t a16[16] = { 0 };

		msg(&w, 0, 2);
		nest(&w, 8);
		nest(&w, 0);
		attr(&w, 1, k, 32);
		nest(&w, 9);
		nest(&w, 0);
		attr16(&w, 1, bad == 2 ? 7 : AF_INET);         /* unknown family */
		attr(&w, 2, a16, bad == 0 ? 16 : 4);            /* v4 family, v6-sized address */
		attr8(&w, 3, bad == 1 ? 33 : 8);                /* mask beyond /32 */
		end(&w);
		end(&w);
		end(&w);
		end(&w);
		msg_end(&w);
		CHECK(wgc_wgnl_parse_get(&d, w.b, w.n) == -EINVAL);
		wgc_model_free(&d);
	}

	msg(&w, 0, 2); /* an attribute claiming more than the message holds */
	nest(&w, 8);
	put16(&w, 200);
	put16(&w, 0x8000);
	end(&w);
	msg_end(&w);
	CHECK(wgc_wgnl_parse_get(&d, w.b, w.n) == -EINVAL);
	wgc_model_free(&d);
}

static void write_seed(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

/* WGC_FUZZ_WRITE_SEEDS=fuzz/corpus/wgnl build/tests/test_wgnl writes fuzz_wgnl's seeds. */
static void write_seeds(const char *dir)
{
	static struct wr w;
	static uint8_t both[1 << 16], buf[4096];
	struct wgc_device_model d;
	struct wgc_wgnl_cursor cur = { 0 };
	size_t n = 0;

	dump_part1(&w);
	memcpy(both, w.b, w.n);
	n = w.n;
	write_seed(dir, "dump_part1", both, n);
	dump_part2(&w);
	memcpy(both + n, w.b, w.n);
	write_seed(dir, "dump_two_parts", both, n + w.n);
	sample_change(&d);
	n = (size_t)wgc_wgnl_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", &d, &cur);
	buf[16] = 0;
	write_seed(dir, "set_as_get", buf, n);
	wgc_model_free(&d);
	big_change(&d, 2, 40);
	memset(&cur, 0, sizeof(cur));
	for (n = 0; !cur.done;) {
		int len = wgc_wgnl_build_set(both + n, 512, FAMILY, SEQ, "wg0", &d, &cur);

		if (len <= 0)
			abort();
		both[n + 16] = 0;
		n += (size_t)len;
	}
	write_seed(dir, "split_peers", both, n);
	wgc_model_free(&d);
}

int main(void)
{
	if (getenv("WGC_FUZZ_WRITE_SEEDS")) {
		write_seeds(getenv("WGC_FUZZ_WRITE_SEEDS"));
		return 0;
	}
	RUN_TEST(test_build_get);
	RUN_TEST(test_build_set_bytes);
	RUN_TEST(test_build_set_no_peers);
	RUN_TEST(test_split_many_peers);
	RUN_TEST(test_split_one_big_peer);
	RUN_TEST(test_split_too_small);
	RUN_TEST(test_parse_dump);
	RUN_TEST(test_parse_rejects);
	return harness_exit_code();
}

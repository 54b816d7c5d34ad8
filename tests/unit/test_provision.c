// SPDX-License-Identifier: MIT
/*
 * The pure provisioning code: the address pool (fill, refuse, reuse), the
 * hub file scanner and its byte-exact edits, names and MACs, the wake
 * request and magic packet, the QR renderers (the half blocks read back
 * into the module matrix), and the rendered hub and profile texts.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "core/crypto.h"
#include "harness.h"
#include "provision/hubfile.h"
#include "provision/pool.h"
#include "provision/qr.h"
#include "provision/render.h"
#include "provision/wake.h"

static const char sample[] =
	"# wgc hub\n"
	"# wgc endpoint = vpn.example.com:51820\n"
	"# wgc subnet = 10.13.13.0/24\n"
	"# wgc lan = eth1\n"
	"# wgc lan = 192.168.1.0/24\n"
	"[Interface]\n"
	"Address = 10.13.13.1/24, fd13::1/64\n"
	"ListenPort = 51820\n"
	"PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
	"PostUp = echo a very long hook line that is nobody's business here but wg-quick's, however long it grows, "
	"and it grows well past two hundred and fifty-six characters so that a scanner with a fixed buffer would "
	"choke on it, which ours must not\n"
	"\n"
	"[Peer]\n"
	"# friendly_name = phone\n"
	"# mac = 02:00:00:00:00:01\n"
	"PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
	"AllowedIPs = 10.13.13.2/32, fd13::2/128\n"
	"\n"
	"# a comment that belongs to nobody\n"
	"[Peer]\n"
	"# friendly_name = laptop\n"
	"PublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\n"
	"AllowedIPs = 10.13.13.3/32\n";

static struct wgc_allowed_ip pfx(const char *s)
{
	struct wgc_allowed_ip ip;

	if (!wgc_prefix_parse(&ip, s, true))
		abort();
	return ip;
}

static void test_pool_fill_refuse_reuse(void)
{
	struct wgc_allowed_ip net = pfx("10.77.0.0/24"), used[260], out;
	size_t n = 0;

	used[n] = pfx("10.77.0.1/32"); /* the hub */
	n++;
	for (int i = 0; i < 253; i++) {
		CHECK(wgc_pool_next(&net, used, n, &out));
		CHECK(out.cidr == 32 && ntohl(out.ip4.s_addr) == (0x0a4d0000u | (uint32_t)(i + 2)));
		used[n++] = out;
	}
	CHECK(!wgc_pool_next(&net, used, n, &out)); /* .255 is the broadcast address */
	used[100] = used[--n];                         /* remove 10.77.0.101 */
	CHECK(wgc_pool_next(&net, used, n, &out) && ntohl(out.ip4.s_addr) == 0x0a4d0065u);
}

static void test_pool_sizes(void)
{
	struct wgc_allowed_ip n30 = pfx("10.0.0.0/30"), n31 = pfx("10.0.0.0/31"), n6 = pfx("fd00::/64"), out;
	struct wgc_allowed_ip hub = pfx("10.0.0.1/32"), hub6 = pfx("fd00::1/128");
	char s[WGC_PREFIX_STRLEN];

	CHECK(wgc_pool_usable(&n30) && !wgc_pool_usable(&n31));
	CHECK(wgc_pool_next(&n30, &hub, 1, &out));
	wgc_prefix_format(s, &out);
	CHECK(!strcmp(s, "10.0.0.2/32"));
	{
		struct wgc_allowed_ip both[2] = { hub, out };

		CHECK(!wgc_pool_next(&n30, both, 2, &out));
	}
	CHECK(wgc_pool_next(&n6, &hub6, 1, &out));
	wgc_prefix_format(s, &out);
	CHECK(!strcmp(s, "fd00::2/128"));
	wgc_pool_first(&n6, &out);
	wgc_prefix_format(s, &out);
	CHECK(!strcmp(s, "fd00::1/128"));
	n6 = pfx("fd00::/127");
	CHECK(!wgc_pool_usable(&n6));
}

static void test_prefix_relations(void)
{
	struct wgc_allowed_ip a = pfx("192.168.0.0/16"), b = pfx("192.168.7.0/24"), c = pfx("10.0.0.0/8");
	struct wgc_allowed_ip h = pfx("192.168.7.9/32"), v6 = pfx("fd00::/8");

	CHECK(wgc_prefix_overlaps(&a, &b) && wgc_prefix_overlaps(&b, &a));
	CHECK(!wgc_prefix_overlaps(&a, &c) && !wgc_prefix_overlaps(&a, &v6));
	CHECK(wgc_prefix_contains(&b, &h) && !wgc_prefix_contains(&c, &h));
}

static void test_scan(void)
{
	struct wgc_hub_file hf;
	char err[WGC_HUB_ERRLEN], s[WGC_PREFIX_STRLEN];
	const struct wgc_hub_peer *p;

	CHECK(wgc_hub_file_parse(&hf, sample, strlen(sample), err));
	CHECK(hf.is_hub && hf.has_private_key && hf.listen_port == 51820);
	CHECK(!strcmp(hf.endpoint, "vpn.example.com:51820"));
	CHECK(hf.n_lan == 2 && !strcmp(hf.lan[0], "eth1") && !strcmp(hf.lan[1], "192.168.1.0/24"));
	CHECK(hf.n_addrs == 2 && hf.n_subnets == 2);
	wgc_prefix_format(s, &hf.subnets[1]);
	CHECK(!strcmp(s, "fd13::/64")); /* derived from Address: no `# wgc subnet' for v6 */
	CHECK(hf.n_peers == 2);
	p = wgc_hub_find(&hf, "phone");
	CHECK(p && p->has_mac && p->mac[5] == 1 && p->n_ips == 2 && p->has_public_key && p->line == 12);
	CHECK(!strncmp(sample + p->start, "\n[Peer]", 7));
	p = wgc_hub_find(&hf, "laptop");
	CHECK(p && !p->has_mac && p->end == strlen(sample));
	CHECK(!strncmp(sample + p->start, "[Peer]\n# friendly_name = laptop", 31)); /* the comment stays above */
	CHECK(!wgc_hub_find(&hf, "Phone"));
	/* peer add's clash test ignores case; a lookup's second match is none here */
	CHECK(wgc_hub_find_next(&hf, "PHONE", NULL, true) == wgc_hub_find(&hf, "phone"));
	CHECK(!wgc_hub_find_next(&hf, "phone", wgc_hub_find(&hf, "phone"), false));
	CHECK(!wgc_hub_find_next(&hf, "laptop", wgc_hub_find(&hf, "laptop"), true));
	wgc_hub_file_free(&hf);
	/* two sections with one name (a file edited by hand): the second is found after the first */
	{
		static const char twins[] = "[Peer]\n# friendly_name = pc\n\n[Peer]\n# friendly_name = other\n\n"
					    "[Peer]\n# friendly_name = PC\n\n[Peer]\n# friendly_name = pc\n";

		CHECK(wgc_hub_file_parse(&hf, twins, strlen(twins), err));
		p = wgc_hub_find(&hf, "pc");
		CHECK(p && p->line == 1);
		p = p ? wgc_hub_find_next(&hf, "pc", p, false) : NULL;
		CHECK(p && p->line == 10 && !wgc_hub_find_next(&hf, "pc", p, false));
		p = wgc_hub_find_next(&hf, "pc", wgc_hub_find(&hf, "pc"), true);
		CHECK(p && p->line == 7);
		wgc_hub_file_free(&hf);
	}
	CHECK(!wgc_hub_file_parse(&hf, "[Peer]\nAllowedIPs = 10.0.0.300/32\n", 34, err));
	CHECK(strstr(err, "line 2") && strstr(err, "AllowedIPs"));
	CHECK(!wgc_hub_file_parse(&hf, "[Peer]\n# friendly_name = a b\n", 29, err));
	CHECK(wgc_hub_file_parse(&hf, "[Interface]\nPrivateKey = x\n", 27, err) == false);
}

static void test_sections_other(void)
{
	static const char text[] = "# wgc hub\n[Interface]\n\n[Peer]\n# friendly_name = a\n\n[Other]\nx = y\n\n[Peer]\n"
				   "# friendly_name = b\n";
	struct wgc_hub_file hf;
	char err[WGC_HUB_ERRLEN];

	CHECK(wgc_hub_file_parse(&hf, text, strlen(text), err));
	CHECK(hf.n_peers == 2);
	CHECK(hf.peers[0].end == (size_t)(strstr(text, "\n[Other]") - text));
	CHECK(hf.peers[1].start == (size_t)(strstr(text, "\n[Peer]\n# friendly_name = b") - text));
	CHECK(hf.peers[1].end == strlen(text));
	wgc_hub_file_free(&hf);
}

static void test_edits_byte_exact(void)
{
	struct wgc_strbuf added = { 0 }, removed = { 0 }, mac = { 0 }, mac2 = { 0 };
	static const uint8_t m[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	struct wgc_hub_file hf, hf2;
	char err[WGC_HUB_ERRLEN];

	wgc_hub_append(&added, sample, strlen(sample), "[Peer]\n# friendly_name = new\nAllowedIPs = 10.13.13.4/32\n");
	CHECK(wgc_hub_file_parse(&hf, added.data, added.len, err) && hf.n_peers == 3);
	wgc_hub_splice_out(&removed, added.data, added.len, wgc_hub_find(&hf, "new"));
	CHECK(removed.len == strlen(sample) && !memcmp(removed.data, sample, removed.len));
	/* set a MAC where there is none (after the name), then replace it */
	wgc_hub_set_mac(&mac, added.data, added.len, wgc_hub_find(&hf, "laptop"), m);
	CHECK(strstr(mac.data, "# friendly_name = laptop\n# mac = aa:bb:cc:dd:ee:ff\nPublicKey"));
	CHECK(mac.len == added.len + strlen("# mac = aa:bb:cc:dd:ee:ff\n"));
	CHECK(wgc_hub_file_parse(&hf2, mac.data, mac.len, err));
	wgc_hub_set_mac(&mac2, mac.data, mac.len, wgc_hub_find(&hf2, "phone"), m);
	CHECK(mac2.len == mac.len && strstr(mac2.data, "# friendly_name = phone\n# mac = aa:bb:cc:dd:ee:ff\n"));
	CHECK(!strstr(mac2.data, "02:00:00:00:00:01"));
	wgc_hub_file_free(&hf);
	wgc_hub_file_free(&hf2);
	wgc_strbuf_free(&added);
	wgc_strbuf_free(&removed);
	wgc_strbuf_free(&mac);
	wgc_strbuf_free(&mac2);
}

static void test_names_and_macs(void)
{
	static const char *const good[] = { "phone", "Anna.laptop", "a_b-c+d@e", "x", "12345678901234567890123456789012" };
	static const char *const bad[] = { "", "-x", ".x", "a b", "a/b", "a;b", "\xc3\xbc", "123456789012345678901234567890123" };
	uint8_t mac[6];
	char s[18];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(wgc_hub_name_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!wgc_hub_name_valid(bad[i]));
	CHECK(wgc_mac_parse(mac, "AA-bb-cc-dd-ee-0F"));
	wgc_mac_format(s, mac);
	CHECK(!strcmp(s, "aa:bb:cc:dd:ee:0f"));
	CHECK(!wgc_mac_parse(mac, "aa:bb:cc:dd:ee") && !wgc_mac_parse(mac, "aa:bb:cc:dd:ee:fg") &&
	      !wgc_mac_parse(mac, "aabb:cc:dd:ee:ff:") && !wgc_mac_parse(mac, "aa:bb:cc:dd:ee:ff:"));
}

static void test_wake(void)
{
	static const uint8_t m[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t pkt[WGC_WOL_LEN];
	char req[WGC_WAKE_MSG_MAX], name[WGC_HUB_NAME_MAX + 1];
	size_t n;

	wgc_wol_magic(pkt, m);
	for (int i = 0; i < 6; i++)
		CHECK(pkt[i] == 0xff);
	for (int i = 0; i < 16; i++)
		CHECK(!memcmp(pkt + 6 + 6 * i, m, 6));
	n = wgc_wake_request_format(req, "nas");
	CHECK(n == 15 && !memcmp(req, "wgc-wake 1 nas\n", 15));
	CHECK(wgc_wake_request_parse(req, n, name) && !strcmp(name, "nas"));
	CHECK(!wgc_wake_request_parse(req, n - 1, name));               /* no newline */
	CHECK(!wgc_wake_request_parse("wgc-wake 1 \n", 12, name));      /* no name */
	CHECK(!wgc_wake_request_parse("wgc-wake 2 nas\n", 15, name));   /* other version */
	CHECK(!wgc_wake_request_parse("wgc-wake 1 ../x\n", 16, name));  /* not a name */
	CHECK(!wgc_wake_request_parse("wgc-wake 1 a\0b\n", 15, name));  /* embedded NUL */
}

/* A typical profile: PSK, dual stack, DNS, a hostname endpoint, full tunnel, keepalive. */
static void typical_profile(struct wgc_strbuf *out)
{
	uint8_t k1[32], k2[32], k3[32];
	struct wgc_allowed_ip ips[2] = { pfx("10.13.13.2/32"), pfx("fd13:13:13::2/128") };
	struct wgc_profile p = { .private_key = k1, .hub_public_key = k2, .preshared_key = k3, .ips = ips, .n_ips = 2,
				 .dns = "10.13.13.1", .endpoint = "vpn.example-home.net:51820",
				 .allowed_ips = "0.0.0.0/0, ::/0", .keepalive = 25 };

	memset(k1, 0x11, 32);
	memset(k2, 0x22, 32);
	memset(k3, 0x33, 32);
	wgc_profile_render(out, &p);
}

static void test_qr(void)
{
	struct wgc_strbuf prof = { 0 }, utf8 = { 0 }, png = { 0 };
	struct wgc_qr qr;
	int side, rows = 0, cols;

	typical_profile(&prof);
	CHECK(prof.len > 250 && strstr(prof.data, "PersistentKeepalive = 25\n"));
	CHECK(wgc_qr_encode(&qr, prof.data, prof.len));
	cols = wgc_qr_utf8_columns(&qr, 2);
	CHECK(qr.width >= 21 && cols <= 80);
	wgc_qr_render_utf8(&utf8, &qr, 2);
	side = qr.width + 4;
	/* read the half blocks back: every module must come out as it went in */
	for (const char *p = utf8.data; *p; rows++) {
		for (int x = 0; x < side; x++) {
			int up, down, y = rows * 2;

			if (!strncmp(p, "\xe2\x96\x88", 3))
				up = 1, down = 1, p += 3;
			else if (!strncmp(p, "\xe2\x96\x80", 3))
				up = 1, down = 0, p += 3;
			else if (!strncmp(p, "\xe2\x96\x84", 3))
				up = 0, down = 1, p += 3;
			else
				up = 0, down = 0, p += 1;
			for (int k = 0; k < 2; k++) {
				int yy = y + k - 2, xx = x - 2, light = k ? down : up;
				int dark = xx >= 0 && yy >= 0 && xx < qr.width && yy < qr.width &&
					   qr.modules[yy * qr.width + xx];

				if (y + k < side)
					CHECK(light == !dark);
			}
		}
		CHECK(*p == '\n');
		p++;
	}
	CHECK(rows == (side + 1) / 2);
	CHECK(wgc_qr_render_png(&png, &qr, 8, 4));
	CHECK(png.len > 8 && !memcmp(png.data, "\x89PNG\r\n\x1a\n", 8));
	CHECK(!wgc_qr_render_png(&png, &qr, 0, 4));
	wgc_qr_free(&qr);
	CHECK(!wgc_qr_encode(&qr, "", 0));
	wgc_strbuf_free(&prof);
	wgc_strbuf_free(&utf8);
	wgc_strbuf_free(&png);
}

static void test_render_hub(void)
{
	struct wgc_hub_params hp = { .subnet4 = pfx("10.13.13.0/24"), .subnet6 = pfx("fd13::/64"), .port = 51820,
				     .endpoint = "h.example:51820", .dns = "10.13.13.1", .lan = { "eth1", "192.168.1.0/24" },
				     .n_lan = 2, .allowed_ips = "10.13.13.0/24", .keepalive_peers = "all" };
	struct wgc_strbuf out = { 0 }, sec = { 0 };
	struct wgc_hub_file hf;
	char err[WGC_HUB_ERRLEN];
	uint8_t pub[32];

	memset(hp.private_key, 0x42, 32);
	wgc_hub_render(&out, &hp);
	CHECK(!strncmp(out.data, "# wgc hub\n", 10));
	CHECK(strstr(out.data, "\nAddress = 10.13.13.1/24, fd13::1/64\n"));
	CHECK(strstr(out.data, "oifname eth1 masquerade"));
	CHECK(strstr(out.data, "ip saddr 10.13.13.0/24 ip daddr 192.168.1.0/24 masquerade"));
	CHECK(!strstr(out.data, "ip6 saddr fd13::/64 ip daddr")); /* a v4 LAN prefix gets no v6 rule */
	CHECK(strstr(out.data, "\nPostDown = nft delete table inet wgc-hub-%i\n"));
	CHECK(!strstr(out.data, "\nSaveConfig") && !strchr(strstr(out.data, "[Interface]"), '#'));
	CHECK(wgc_hub_file_parse(&hf, out.data, out.len, err) && hf.is_hub && hf.n_subnets == 2 && hf.n_lan == 2);
	CHECK(!strcmp(hf.keepalive_peers, "all") && !strcmp(hf.dns, "10.13.13.1"));
	wgc_hub_file_free(&hf);
	memset(pub, 0x24, 32);
	{
		struct wgc_allowed_ip ips[1] = { pfx("10.13.13.2/32") };

		wgc_hub_peer_render(&sec, "phone", pub, NULL, ips, 1);
	}
	CHECK(!strcmp(sec.data, "[Peer]\n# friendly_name = phone\nPublicKey = JCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQ=\n"
				"AllowedIPs = 10.13.13.2/32\n"));
	wgc_strbuf_free(&out);
	wgc_strbuf_free(&sec);
}

int main(void)
{
	wgc_crypto_init();
	RUN_TEST(test_pool_fill_refuse_reuse);
	RUN_TEST(test_pool_sizes);
	RUN_TEST(test_prefix_relations);
	RUN_TEST(test_scan);
	RUN_TEST(test_sections_other);
	RUN_TEST(test_edits_byte_exact);
	RUN_TEST(test_names_and_macs);
	RUN_TEST(test_wake);
	RUN_TEST(test_qr);
	RUN_TEST(test_render_hub);
	return harness_exit_code();
}

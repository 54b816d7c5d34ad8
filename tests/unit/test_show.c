// SPDX-License-Identifier: MIT
/* wg show formatting: times, byte counts, colour stripping, peer order and the whole layouts. */
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/show_format.h"
#include "core/crypto.h"
#include "harness.h"

static bool plain_eq(void (*fn)(struct wgc_strbuf *, uint64_t), uint64_t v, const char *want)
{
	struct wgc_strbuf sb = { 0 };
	bool ok;

	fn(&sb, v);
	wgc_show_strip_ansi(&sb, 0);
	ok = !strcmp(sb.data ? sb.data : "", want);
	if (!ok)
		fprintf(stderr, "%llu: got '%s', want '%s'\n", (unsigned long long)v, sb.data ? sb.data : "", want);
	wgc_strbuf_free(&sb);
	return ok;
}

static void test_pretty_time(void)
{
	CHECK(plain_eq(wgc_show_pretty_time, 0, ""));
	CHECK(plain_eq(wgc_show_pretty_time, 1, "1 second"));
	CHECK(plain_eq(wgc_show_pretty_time, 25, "25 seconds"));
	CHECK(plain_eq(wgc_show_pretty_time, 60, "1 minute"));
	CHECK(plain_eq(wgc_show_pretty_time, 61, "1 minute, 1 second"));
	CHECK(plain_eq(wgc_show_pretty_time, 3723, "1 hour, 2 minutes, 3 seconds"));
	CHECK(plain_eq(wgc_show_pretty_time, 86400, "1 day"));
	CHECK(plain_eq(wgc_show_pretty_time, 65535, "18 hours, 12 minutes, 15 seconds"));
	CHECK(plain_eq(wgc_show_pretty_time, 365ULL * 86400 + 86400 + 1, "1 year, 1 day, 1 second"));
	CHECK(plain_eq(wgc_show_pretty_time, 2 * 365ULL * 86400 + 7200, "2 years, 2 hours"));
}

static void test_bytes(void)
{
	CHECK(plain_eq(wgc_show_bytes, 0, "0 B"));
	CHECK(plain_eq(wgc_show_bytes, 1023, "1023 B"));
	CHECK(plain_eq(wgc_show_bytes, 1024, "1.00 KiB"));
	CHECK(plain_eq(wgc_show_bytes, 1048575, "1024.00 KiB"));
	CHECK(plain_eq(wgc_show_bytes, 1048576, "1.00 MiB"));
	CHECK(plain_eq(wgc_show_bytes, 536891392, "512.02 MiB"));
	CHECK(plain_eq(wgc_show_bytes, 128345292, "122.40 MiB"));
	CHECK(plain_eq(wgc_show_bytes, 1073741824, "1.00 GiB"));
	CHECK(plain_eq(wgc_show_bytes, 1099511627776ULL, "1.00 TiB"));
	CHECK(plain_eq(wgc_show_bytes, UINT64_MAX, "16777216.00 TiB"));
}

static void test_colour_codes(void)
{
	struct wgc_strbuf sb = { 0 };

	wgc_show_bytes(&sb, 5);
	CHECK(!strcmp(sb.data, "5 \x1b[36mB\x1b[0m"));
	wgc_strbuf_free(&sb);
	/* wg's filter: ESC[ through the next letter goes; a bare trailing ESC[ stays. */
	wgc_strbuf_printf(&sb, "a\x1b[1;32mb\x1b[0mc\x1b[");
	wgc_show_strip_ansi(&sb, 0);
	CHECK(!strcmp(sb.data, "abc\x1b["));
	wgc_strbuf_free(&sb);
}

static void test_ago(void)
{
	struct wgc_strbuf sb = { 0 };

	wgc_show_ago(&sb, 1000, 1000);
	CHECK(!strcmp(sb.data, "Now"));
	sb.len = 0;
	wgc_show_ago(&sb, 1001, 1000);
	wgc_show_strip_ansi(&sb, 0);
	CHECK(!strcmp(sb.data, "(System clock wound backward; connection problems may ensue.)"));
	sb.len = 0;
	wgc_show_ago(&sb, 1000, 1000 + 3723);
	wgc_show_strip_ansi(&sb, 0);
	CHECK(!strcmp(sb.data, "1 hour, 2 minutes, 3 seconds ago"));
	wgc_strbuf_free(&sb);
}

static void build(struct wgc_device_model *d)
{
	static const int64_t hs[][2] = { { 0, 0 }, { 100, 5 }, { 0, 0 }, { 200, 0 }, { 100, 9 } };
	struct wgc_peer_model *p;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "wg0");
	for (size_t i = 0; i < 5; i++) {
		p = wgc_model_add_peer(d);
		memset(p->public_key, (int)i + 1, 32);
		p->flags = WGC_PEER_HAS_PUBLIC_KEY;
		p->last_handshake_sec = hs[i][0];
		p->last_handshake_nsec = hs[i][1];
	}
}

static void test_sort(void)
{
	struct wgc_device_model d;
	size_t *order;

	build(&d);
	CHECK(wgc_show_sorted_peers(&d, &order));
	/* newest first, nsec breaks ties, never-handshaked keep their order at the end */
	CHECK(order[0] == 3 && order[1] == 4 && order[2] == 1 && order[3] == 0 && order[4] == 2);
	free(order);
	wgc_model_free(&d);
}

static void test_layouts(void)
{
	struct wgc_device_model d = { 0 };
	struct wgc_peer_model *p;
	struct wgc_strbuf sb = { 0 };

	snprintf(d.name, sizeof(d.name), "wg0");
	d.flags = WGC_DEVICE_HAS_PRIVATE_KEY | WGC_DEVICE_HAS_PUBLIC_KEY;
	memset(d.private_key, 0x11, 32);
	memset(d.public_key, 0x22, 32);
	d.listen_port = 51820;
	d.fwmark = 0x2a;
	p = wgc_model_add_peer(&d);
	memset(p->public_key, 0x33, 32);
	p->flags = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_PRESHARED_KEY;
	memset(p->preshared_key, 0x44, 32);
	CHECK(wgc_endpoint_parse_numeric(&p->endpoint, "[fd00::1]:51820"));
	CHECK(wgc_prefix_parse(wgc_model_add_allowed_ip(p), "10.0.0.0/24", true));
	CHECK(wgc_prefix_parse(wgc_model_add_allowed_ip(p), "fd00::/64", true));
	p->last_handshake_sec = 1000;
	p->rx_bytes = 536891392;
	p->tx_bytes = 128345292;
	p->persistent_keepalive = 25;
	p = wgc_model_add_peer(&d);
	memset(p->public_key, 0x55, 32);
	p->flags = WGC_PEER_HAS_PUBLIC_KEY;

	wgc_show_pretty(&sb, &d, 1000 + 3723, false, true);
	CHECK(!strcmp(sb.data, "interface: wg0\n"
			       "  public key: IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=\n"
			       "  private key: (hidden)\n"
			       "  listening port: 51820\n"
			       "  fwmark: 0x2a\n"
			       "\n"
			       "peer: MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=\n"
			       "  preshared key: (hidden)\n"
			       "  endpoint: [fd00::1]:51820\n"
			       "  allowed ips: 10.0.0.0/24, fd00::/64\n"
			       "  latest handshake: 1 hour, 2 minutes, 3 seconds ago\n"
			       "  transfer: 512.02 MiB received, 122.40 MiB sent\n"
			       "  persistent keepalive: every 25 seconds\n"
			       "\n"
			       "peer: VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU=\n"
			       "  allowed ips: (none)\n"));
	sb.len = 0;
	wgc_show_pretty(&sb, &d, 1000, true, false);
	CHECK(strstr(sb.data, "\x1b[0m\x1b[32m\x1b[1minterface\x1b[0m: \x1b[32mwg0\x1b[0m\n") == sb.data);
	CHECK(strstr(sb.data, "  \x1b[1mprivate key\x1b[0m: ERERERERERERERERERERERERERERERERERERERERERE=\n"));
	CHECK(strstr(sb.data, "  \x1b[1mlatest handshake\x1b[0m: Now\n"));
	CHECK(strstr(sb.data, "10.0.0.0\x1b[36m/\x1b[0m24, fd00::\x1b[36m/\x1b[0m64\n"));
	sb.len = 0;
	CHECK(wgc_show_field(&sb, &d, "dump", true));
	CHECK(!strcmp(sb.data, "wg0\tERERERERERERERERERERERERERERERERERERERERERE=\tIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=\t51820\t0x2a\n"
			       "wg0\tMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=\tREREREREREREREREREREREREREREREREREREREREREQ=\t[fd00::1]:51820\t10.0.0.0/24,fd00::/64\t1000\t536891392\t128345292\t25\n"
			       "wg0\tVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU=\t(none)\t(none)\t(none)\t0\t0\t0\toff\n"));
	sb.len = 0;
	CHECK(wgc_show_field(&sb, &d, "allowed-ips", false));
	CHECK(!strcmp(sb.data, "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=\t10.0.0.0/24 fd00::/64\n"
			       "VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU=\t(none)\n"));
	sb.len = 0;
	CHECK(wgc_show_field(&sb, &d, "endpoints", true));
	CHECK(!strcmp(sb.data, "wg0\tMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=\t[fd00::1]:51820\n"
			       "wg0\tVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU=\t(none)\n"));
	sb.len = 0;
	CHECK(wgc_show_field(&sb, &d, "persistent-keepalive", false));
	CHECK(!strcmp(sb.data, "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=\t25\nVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU=\toff\n"));
	sb.len = 0;
	CHECK(!wgc_show_field(&sb, &d, "bogus", false) && sb.len == 0);
	sb.len = 0;
	wgc_show_json(&sb, &d, 1000 + 179);
	CHECK(!strcmp(sb.data, "{\"interface\": \"wg0\", \"public_key\": \"IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=\", "
			       "\"private_key\": \"ERERERERERERERERERERERERERERERERERERERERERE=\", \"listen_port\": 51820, \"fwmark\": 42, "
			       "\"peers\": [{\"public_key\": \"MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=\", "
			       "\"preshared_key\": \"REREREREREREREREREREREREREREREREREREREREREQ=\", \"endpoint\": \"[fd00::1]:51820\", "
			       "\"allowed_ips\": [\"10.0.0.0/24\", \"fd00::/64\"], \"latest_handshake\": 1000, \"latest_handshake_nsec\": 0, "
			       "\"seconds_since_handshake\": 179, \"up\": true, \"transfer_rx\": 536891392, \"transfer_tx\": 128345292, "
			       "\"persistent_keepalive\": 25}, "
			       "{\"public_key\": \"VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU=\", \"preshared_key\": null, \"endpoint\": null, "
			       "\"allowed_ips\": [], \"latest_handshake\": 0, \"latest_handshake_nsec\": 0, "
			       "\"seconds_since_handshake\": null, \"up\": false, \"transfer_rx\": 0, \"transfer_tx\": 0, "
			       "\"persistent_keepalive\": 0}]}"));
	sb.len = 0;
	wgc_show_json(&sb, &d, 1000 + 180);
	CHECK(strstr(sb.data, "\"seconds_since_handshake\": 180, \"up\": false"));
	/* counters and rejected sources only when the backend reported them */
	CHECK(!strstr(sb.data, "counters") && !strstr(sb.data, "rejected_sources"));
	{
		union wgc_endpoint ep;
		CHECK(wgc_endpoint_parse_numeric(&ep, "10.0.0.9:7"));
		CHECK(!wgc_model_add_counter(&d.counters, "rejected_invalid_mac1", 3));
		CHECK(!wgc_model_add_counter(&d.peers[1].counters, "keepalives_sent", 5));
		CHECK(!wgc_model_add_rejected_source(&d, "rejected_invalid_mac1", &ep));
		CHECK(!wgc_model_add_rejected_source(&d, "rejected_invalid_mac1", &ep));
		CHECK(!wgc_model_add_rejected_source(&d, "rejected_unknown_peer", &ep));
	}
	sb.len = 0;
	wgc_show_json(&sb, &d, 1000 + 180);
	CHECK(strstr(sb.data, "\"fwmark\": 42, \"counters\": {\"rejected_invalid_mac1\": 3}, \"rejected_sources\": "
			      "{\"rejected_invalid_mac1\": [\"10.0.0.9:7\", \"10.0.0.9:7\"], \"rejected_unknown_peer\": "
			      "[\"10.0.0.9:7\"]}, \"peers\""));
	CHECK(strstr(sb.data, "\"persistent_keepalive\": 25}, "));
	CHECK(strstr(sb.data, "\"persistent_keepalive\": 0, \"counters\": {\"keepalives_sent\": 5}}]}"));
	wgc_strbuf_free(&sb);
	wgc_model_free(&d);
}

int main(void)
{
	if (!wgc_crypto_init())
		return 1;
	RUN_TEST(test_pretty_time);
	RUN_TEST(test_bytes);
	RUN_TEST(test_colour_codes);
	RUN_TEST(test_ago);
	RUN_TEST(test_sort);
	RUN_TEST(test_layouts);
	return harness_exit_code();
}

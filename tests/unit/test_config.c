// SPDX-License-Identifier: MIT
/* The config-file and `set` argument parsers: valid input, every error path, warnings, round trips. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/config.h"
#include "common/show_format.h"
#include "common/strbuf.h"
#include "common/uapi.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "harness.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define K2 "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
#define K3 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="

static char warnings[4096];

static void collect(void *arg, const char *msg)
{
	(void)arg;
	strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

/* Numeric endpoints only: no DNS from unit tests. */
static bool fake_resolve(union wgc_endpoint *ep, const char *host, const char *port, const char *text, char *err,
			 size_t errlen, const struct wgc_config_hooks *hooks)
{
	char buf[128];

	(void)hooks;
	snprintf(buf, sizeof(buf), strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
	if (wgc_endpoint_parse_numeric(ep, buf))
		return true;
	snprintf(err, errlen, "'%s': Name or service not known", text);
	return false;
}

static bool fake_keyfile(uint8_t key[WGC_KEY_LEN], const char *path, char *err, size_t errlen,
			 const struct wgc_config_hooks *hooks)
{
	(void)hooks;
	if (!strcmp(path, "/dev/null"))
		return wgc_config_parse_keyfile(key, "", 0, err, errlen);
	if (!strcmp(path, "k1"))
		return wgc_config_parse_keyfile(key, K1 "\n", strlen(K1) + 1, err, errlen);
	snprintf(err, errlen, "No such file or directory");
	return false;
}

static const struct wgc_config_hooks hooks = { .resolve = fake_resolve, .read_keyfile = fake_keyfile, .warn = collect };

static bool parse(struct wgc_device_model *dev, const char *text, bool append, char *err)
{
	warnings[0] = '\0';
	return wgc_config_parse(dev, text, strlen(text), "wg0.conf", append, &hooks, err);
}

static void test_valid_file(void)
{
	static const char text[] =
		"# a comment\n"
		"[interface]\n"
		"  privatekey = " K1 "   # trailing comment\n"
		"ListenPort=51820\r\n"
		"FwMark = 0x10\n"
		"\n"
		"[Peer]\n"
		"PublicKey = " K2 "\n"
		"PresharedKey = " K3 "\n"
		"Allowed IPs = 10.0.0.0/24, fd00::/64\n"  /* whitespace anywhere is ignored, as in wg */
		"AllowedIPs = 192.168.1.1\n"
		"Endpoint = [fd00::1]:51820\n"
		"PersistentKeepalive = off\n"
		"[PEER]\n"
		"publickey=" K3 "\n"
		"endpoint=10.1.2.3:9\n"
		"persistentkeepalive=25";
	struct wgc_device_model dev;
	uint8_t key[WGC_KEY_LEN];
	char err[WGC_CONFIG_ERRLEN];

	CHECK(parse(&dev, text, false, err));
	CHECK(dev.flags == (WGC_DEVICE_REPLACE_PEERS | WGC_DEVICE_HAS_PRIVATE_KEY | WGC_DEVICE_HAS_FWMARK |
			    WGC_DEVICE_HAS_LISTEN_PORT));
	CHECK(wgc_key_from_base64(key, K1) && !memcmp(key, dev.private_key, WGC_KEY_LEN));
	CHECK(dev.listen_port == 51820 && dev.fwmark == 16);
	CHECK(dev.n_peers == 2);
	if (dev.n_peers == 2) {
		struct wgc_peer_model *p = &dev.peers[0];

		CHECK(p->flags & WGC_PEER_REPLACE_ALLOWEDIPS);
		CHECK(p->flags & WGC_PEER_HAS_PRESHARED_KEY);
		CHECK(p->flags & WGC_PEER_HAS_PERSISTENT_KEEPALIVE && p->persistent_keepalive == 0);
		CHECK(p->n_allowed_ips == 3);
		CHECK(p->allowed_ips[0].family == AF_INET && p->allowed_ips[0].cidr == 24);
		CHECK(p->allowed_ips[1].family == AF_INET6 && p->allowed_ips[1].cidr == 64);
		CHECK(p->allowed_ips[2].cidr == 32);
		CHECK(p->endpoint.addr.sa_family == AF_INET6 && ntohs(p->endpoint.addr6.sin6_port) == 51820);
		CHECK(dev.peers[1].persistent_keepalive == 25);
		CHECK(ntohs(dev.peers[1].endpoint.addr4.sin_port) == 9);
	}
	CHECK(warnings[0] == '\0');
	wgc_model_free(&dev);

	CHECK(parse(&dev, "[Peer]\nPublicKey=" K2 "\n", true, err));
	CHECK(dev.flags == 0 && dev.n_peers == 1);
	wgc_model_free(&dev);
	CHECK(parse(&dev, "", false, err) && dev.n_peers == 0);
	wgc_model_free(&dev);
}

static void test_incremental_allowed_ips(void)
{
	struct wgc_device_model dev;
	char err[WGC_CONFIG_ERRLEN];

	CHECK(parse(&dev, "[Peer]\nPublicKey=" K2 "\nAllowedIPs=+10.0.0.0/8,-10.1.0.0/16\n", true, err));
	CHECK(dev.n_peers == 1 && !(dev.peers[0].flags & WGC_PEER_REPLACE_ALLOWEDIPS));
	CHECK(dev.peers[0].n_allowed_ips == 2 && !dev.peers[0].allowed_ips[0].remove && dev.peers[0].allowed_ips[1].remove);
	wgc_model_free(&dev);
	CHECK(parse(&dev, "[Peer]\nPublicKey=" K2 "\nAllowedIPs=\n", true, err));
	CHECK(dev.peers[0].n_allowed_ips == 0 && (dev.peers[0].flags & WGC_PEER_REPLACE_ALLOWEDIPS));
	wgc_model_free(&dev);
}

static void test_fwmark_and_port_forms(void)
{
	static const struct {
		const char *line;
		uint32_t fwmark;
		uint16_t port;
	} ok[] = {
		{ "FwMark = off", 0, 0 }, { "FwMark = 0", 0, 0 }, { "FwMark = 4294967295", 4294967295u, 0 },
		{ "FwMark = 0xffffffff", 4294967295u, 0 }, { "ListenPort = 0", 0, 0 }, { "ListenPort = 65535", 0, 65535 },
	};
	struct wgc_device_model dev;
	char err[WGC_CONFIG_ERRLEN], text[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "[Interface]\n%s\n", ok[i].line);
		CHECK(parse(&dev, text, true, err));
		CHECK(dev.fwmark == ok[i].fwmark && dev.listen_port == ok[i].port);
		wgc_model_free(&dev);
	}
}

static void test_errors(void)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "[Interface]\n[Foo]\n", "wg0.conf:2: unknown section '[Foo]'" },
		{ "[Interface]\nListenPort\n", "wg0.conf:2: not a 'Key = Value' line: 'ListenPort'" },
		/* quoted as written, not with its blanks removed */
		{ "[Interface]\n  List en  Port  # c\n", "wg0.conf:2: not a 'Key = Value' line: 'List en  Port'" },
		/* 44 characters ending in '=', but bits a 32-byte key cannot have */
		{ "[Peer]\nPublicKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBml=\n",
		  "wg0.conf:2: PublicKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBml=' does not decode to a valid 32-byte key" },
		{ "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBml=\n",
		  "wg0.conf:2: PrivateKey: does not decode to a valid 32-byte key" },
		{ "[Interface]\nDNS = 1.1.1.1\n", "DNS: a wg-quick key, not understood here (use `wgc strip')" },
		{ "\xef\xbb\xbf\xef\xbb\xbf[Interface]\n", "wg0.conf:1: not a 'Key = Value' line" },
		{ "ListenPort = 1\n", "wg0.conf:1: ListenPort: key outside of an [Interface] or [Peer] section" },
		{ "[Interface]\nListenPort =\n", "wg0.conf:2: ListenPort: empty value" },
		{ "[Interface]\nListenPort = 70000\n", "wg0.conf:2: ListenPort: '70000' is not a port number" },
		{ "[Interface]\nListenPort = no-such-service\n", "wg0.conf:2: ListenPort: 'no-such-service' is not a port" },
		{ "[Interface]\nListenPort = -1\n", "wg0.conf:2: ListenPort: '-1' is not a port" },
		{ "[Interface]\nFwMark = 0x\n", "wg0.conf:2: FwMark: '0x' is neither 0/off nor 0-0xffffffff" },
		{ "[Interface]\nFwMark = -1\n", "FwMark: '-1' is neither" },
		{ "[Interface]\nFwMark = 0x1ffffffff\n", "FwMark: '0x1ffffffff' is neither" },
		{ "[Interface]\nFwMark = 4294967296\n", "FwMark: '4294967296' is neither" },
		{ "[Interface]\nFwMark = 12a\n", "FwMark: '12a' is neither" },
		{ "[Interface]\nPrivateKey = abc\n", "wg0.conf:2: PrivateKey: not a valid key" },
		{ "[Interface]\nAddress = 10.0.0.1/24\n", "wg0.conf:2: Address: a wg-quick key" },
		{ "[Interface]\nFoo = 1\n", "wg0.conf:2: Foo: unknown key in [Interface] section" },
		{ "[Interface]\nPublicKey = " K1 "\n", "PublicKey: unknown key in [Interface] section" },
		{ "[Peer]\nPublicKey = xyz\n", "wg0.conf:2: PublicKey: 'xyz' is not a valid key" },
		{ "[Peer]\nPublicKey = " K1 "\nPresharedKey = " K1 "A\n", "wg0.conf:3: PresharedKey: not a valid key" },
		{ "[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.300/24\n",
		  "wg0.conf:3: AllowedIPs: '10.0.0.300/24' is not an IP prefix" },
		{ "[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.0/33\n", "AllowedIPs: '10.0.0.0/33' is not an IP prefix" },
		{ "[Peer]\nPublicKey = " K1 "\nAllowedIPs = fd00::/129\n", "AllowedIPs: 'fd00::/129' is not an IP prefix" },
		{ "[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.0/\n", "AllowedIPs: '10.0.0.0/' is not an IP prefix" },
		{ "[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.0/x\n", "AllowedIPs: '10.0.0.0/x' is not an IP prefix" },
		{ "[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.1/32,\n", "AllowedIPs: '' is not an IP prefix" },
		{ "[Peer]\nPublicKey = " K1 "\nAllowedIPs = -\n", "AllowedIPs: '-' is not an IP prefix" },
		{ "[Peer]\nPublicKey = " K1 "\nAllowedIPs = "
		  "1111111111111111111111111111111111111111111111111111111111111111111111/8\n",
		  "AllowedIPs: '1111111111" },
		{ "[Peer]\nPublicKey = " K1 "\nEndpoint = 10.0.0.1\n", "wg0.conf:3: Endpoint: '10.0.0.1' has no port" },
		{ "[Peer]\nPublicKey = " K1 "\nEndpoint = 10.0.0.1:\n", "Endpoint: '10.0.0.1:' has no port" },
		{ "[Peer]\nPublicKey = " K1 "\nEndpoint = [fd00::1:51820\n", "Endpoint: '[fd00::1:51820' has no matching ']'" },
		{ "[Peer]\nPublicKey = " K1 "\nEndpoint = [fd00::1]51820\n", "Endpoint: '[fd00::1]51820' has no port" },
		{ "[Peer]\nPublicKey = " K1 "\nEndpoint = nowhere.invalid:1\n",
		  "wg0.conf:3: Endpoint: 'nowhere.invalid:1': Name or service not known" },
		{ "[Peer]\nPublicKey = " K1 "\nPersistentKeepalive = 65536\n",
		  "wg0.conf:3: PersistentKeepalive: '65536' is neither 0/off nor 1-65535" },
		{ "[Peer]\nPublicKey = " K1 "\nPersistentKeepalive = x\n", "PersistentKeepalive: 'x' is neither" },
		{ "[Peer]\nPublicKey = " K1 "\nListenPort = 1\n", "wg0.conf:3: ListenPort: unknown key in [Peer] section" },
		{ "[Interface]\n\n[Peer]\nAllowedIPs = 10.0.0.1/32\n", "wg0.conf:3: [Peer] section without a PublicKey" },
	};
	struct wgc_device_model dev;
	char err[WGC_CONFIG_ERRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok = parse(&dev, cases[i].text, false, err);

		CHECK(!ok);
		if (ok || !strstr(err, cases[i].error))
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err, cases[i].error);
		/* A failed parse leaves nothing behind. */
		CHECK(dev.peers == NULL && dev.n_peers == 0);
	}
	CHECK(!wgc_config_parse(&dev, "[Interface]\nListen\0Port=1\n", 25, "x.conf", false, &hooks, err));
	CHECK(strstr(err, "x.conf:2: NUL byte in line") != NULL);
	/* Secrets are never quoted back. */
	CHECK(!parse(&dev, "[Interface]\nPrivateKey = secretsecret\n", false, err) && !strstr(err, "secretsecret"));
}

static void test_warnings(void)
{
	struct wgc_device_model dev;
	char err[WGC_CONFIG_ERRLEN];

	CHECK(parse(&dev, "[Peer]\nPublicKey=" K1 "\nAllowedIPs=10.0.0.1/24,fd00::1/64\n", true, err));
	CHECK(strstr(warnings, "wg0.conf:3: warning: AllowedIPs: '10.0.0.1/24' has a non-zero host part; it means 10.0.0.0/24"));
	CHECK(strstr(warnings, "'fd00::1/64' has a non-zero host part; it means fd00::/64"));
	wgc_model_free(&dev);

	CHECK(parse(&dev, "[Peer]\nPublicKey=" K1 "\nAllowedIPs=10.0.0.0/24\n[Peer]\nPublicKey=" K2
			  "\nAllowedIPs=10.0.0.7/24\n", true, err));
	CHECK(strstr(warnings, "wg0.conf:6: warning: AllowedIPs: 10.0.0.0/24 is also claimed by the peer of line 1"));
	wgc_model_free(&dev);

	/* One peer naming a prefix twice, or different prefixes: no claim warning. */
	CHECK(parse(&dev, "[Peer]\nPublicKey=" K1 "\nAllowedIPs=10.0.0.0/24,10.0.0.0/24\n[Peer]\nPublicKey=" K2
			  "\nAllowedIPs=10.0.0.0/25\n", true, err));
	CHECK(warnings[0] == '\0');
	wgc_model_free(&dev);
}

static void test_keyfile(void)
{
	uint8_t key[WGC_KEY_LEN], want[WGC_KEY_LEN];
	char err[128];

	CHECK(wgc_key_from_base64(want, K1));
	CHECK(wgc_config_parse_keyfile(key, K1, 44, err, sizeof(err)) && !memcmp(key, want, 32));
	CHECK(wgc_config_parse_keyfile(key, K1 " \n\t", 47, err, sizeof(err)) && !memcmp(key, want, 32));
	memset(key, 1, sizeof(key));
	CHECK(wgc_config_parse_keyfile(key, "", 0, err, sizeof(err)) && wgc_is_zero(key, 32));
	CHECK(!wgc_config_parse_keyfile(key, "abc\n", 4, err, sizeof(err)) && strstr(err, "invalid length"));
	CHECK(!wgc_config_parse_keyfile(key, K1 "x", 45, err, sizeof(err)) && strstr(err, "trailing character in key file: 'x'"));
	CHECK(!wgc_config_parse_keyfile(key, " " K1, 44, err, sizeof(err)) && strstr(err, "not a valid key"));
	CHECK(!wgc_config_parse_keyfile(key, "\n" K1, 45, err, sizeof(err)) && strstr(err, "trailing character"));
	CHECK(!wgc_config_parse_keyfile(key, K1 "\xff", 45, err, sizeof(err)) &&
	      strstr(err, "trailing character in key file: '\\xff'"));
}

static bool args(struct wgc_device_model *dev, char *err, int argc, const char *const *argv)
{
	warnings[0] = '\0';
	return wgc_config_parse_args(dev, argc, argv, &hooks, err);
}

static void test_set_args(void)
{
	static const char *const good[] = { "listen-port", "51820", "fwmark", "off", "private-key", "k1",
					    "peer", K2, "preshared-key", "/dev/null", "endpoint", "1.2.3.4:5",
					    "allowed-ips", " 10.0.0.0/8 , fd00::/8", "persistent-keepalive", "25",
					    "peer", K3, "remove" };
	struct wgc_device_model dev;
	char err[WGC_CONFIG_ERRLEN];

	CHECK(args(&dev, err, sizeof(good) / sizeof(good[0]), good));
	CHECK(dev.flags == (WGC_DEVICE_HAS_LISTEN_PORT | WGC_DEVICE_HAS_FWMARK | WGC_DEVICE_HAS_PRIVATE_KEY));
	CHECK(dev.n_peers == 2);
	if (dev.n_peers == 2) {
		CHECK(dev.peers[0].n_allowed_ips == 2 && (dev.peers[0].flags & WGC_PEER_HAS_PRESHARED_KEY));
		CHECK(wgc_is_zero(dev.peers[0].preshared_key, 32));
		CHECK(dev.peers[0].persistent_keepalive == 25);
		CHECK(dev.peers[1].flags & WGC_PEER_REMOVE_ME);
	}
	wgc_model_free(&dev);

	static const struct {
		int argc;
		const char *argv[4];
		const char *error;
	} bad[] = {
		{ 1, { "bogus" }, "Invalid argument: bogus" },
		{ 1, { "listen-port" }, "Invalid argument: listen-port" },
		{ 1, { "remove" }, "Invalid argument: remove" },
		{ 4, { "peer", K2, "listen-port", "1" }, "Invalid argument: listen-port" },
		{ 2, { "endpoint", "1.2.3.4:5" }, "Invalid argument: endpoint" },
		{ 2, { "peer", "nope" }, "peer: 'nope' is not a valid key" },
		{ 2, { "private-key", "missing" }, "private-key: missing: No such file or directory" },
		{ 4, { "peer", K2, "allowed-ips", "1.2.3/8" }, "allowed-ips: '1.2.3/8' is not an IP prefix" },
		{ 4, { "peer", K2, "endpoint", "" }, "endpoint: empty value" },
		{ 4, { "peer", K2, "persistent-keepalive", "-5" }, "persistent-keepalive: '-5' is neither" },
		{ 2, { "listen-port", "x y" }, "listen-port: 'x y' is not a port" },
		{ 2, { "fwmark", "0xg" }, "fwmark: '0xg' is neither" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool ok = args(&dev, err, bad[i].argc, bad[i].argv);

		CHECK(!ok);
		if (ok || !strstr(err, bad[i].error))
			fprintf(stderr, "set case %zu: got \"%s\", want \"%s\"\n", i, err, bad[i].error);
	}
}

/* config -> UAPI set text -> parsed back: nothing lost on the way. */
static void test_round_trip(void)
{
	static const char text[] = "[Interface]\nPrivateKey=" K1 "\nListenPort=1\nFwMark=0xffffffff\n"
				   "[Peer]\nPublicKey=" K2 "\nPresharedKey=" K3 "\nAllowedIPs=10.0.0.0/8,::/0,-1.2.3.4/32\n"
				   "Endpoint=[fe80::1]:7\nPersistentKeepalive=65535\n"
				   "[Peer]\nPublicKey=" K3 "\nEndpoint=1.1.1.1:65535\n";
	struct wgc_device_model a, b;
	struct wgc_strbuf sb = { 0 };
	char err[WGC_CONFIG_ERRLEN], uerr[WGC_UAPI_ERRLEN];

	CHECK(parse(&a, text, false, err));
	CHECK(wgc_uapi_format_set(&sb, &a) == 0);
	CHECK(wgc_uapi_parse_set(&b, sb.data, sb.len, uerr) == 0);
	CHECK(a.flags == b.flags && !memcmp(a.private_key, b.private_key, 32) && a.listen_port == b.listen_port &&
	      a.fwmark == b.fwmark && a.n_peers == b.n_peers);
	for (size_t i = 0; i < a.n_peers && i < b.n_peers; i++) {
		struct wgc_peer_model *p = &a.peers[i], *q = &b.peers[i];

		CHECK(p->flags == q->flags);
		CHECK(!memcmp(p->public_key, q->public_key, 32) && !memcmp(p->preshared_key, q->preshared_key, 32));
		CHECK(p->persistent_keepalive == q->persistent_keepalive && p->n_allowed_ips == q->n_allowed_ips);
		for (size_t j = 0; j < p->n_allowed_ips && j < q->n_allowed_ips; j++)
			CHECK(!memcmp(&p->allowed_ips[j], &q->allowed_ips[j], sizeof(p->allowed_ips[j])));
		CHECK(!memcmp(&p->endpoint, &q->endpoint, sizeof(p->endpoint)));
	}
	wgc_strbuf_free(&sb);
	wgc_model_free(&a);
	wgc_model_free(&b);
}

/* a UTF-8 byte-order mark before the first line (Windows editors) is skipped */
static void test_bom(void)
{
	struct wgc_device_model dev;
	char err[WGC_CONFIG_ERRLEN];

	CHECK(parse(&dev, "\xef\xbb\xbf[Interface]\nListenPort = 51820\n", true, err));
	CHECK(dev.listen_port == 51820);
	wgc_model_free(&dev);
}

/* Several Endpoint lines: candidates in order, the endpoint is the last line's (as stock tools) (issue 14). */
static void test_endpoint_candidates(void)
{
	struct wgc_device_model dev;
	struct wgc_strbuf sb = { 0 }, uapi = { 0 };
	struct wgc_device_model back;
	char err[WGC_CONFIG_ERRLEN], ep[WGC_ENDPOINT_STRLEN];
	const char *args[] = { "candidate-retry", "5", "reresolve-after", "7", "peer", K2, "endpoint", "10.0.0.1:1",
			       "endpoint", "[fd00::1]:2" };

	CHECK(parse(&dev, "[Interface]\nPrivateKey = " K1 "\n[Peer]\nPublicKey = " K2 "\nEndpoint = 192.168.1.2:51820\n"
			  "Endpoint = 203.0.113.1:51820\n[Peer]\nPublicKey = " K3 "\nEndpoint = 10.1.1.1:1\n", false, err));
	CHECK(dev.n_peers == 2);
	CHECK(dev.peers[0].candidates.n == 2 && (dev.peers[0].flags & WGC_PEER_HAS_CANDIDATES));
	CHECK(!strcmp(dev.peers[0].candidates.items[0].text, "192.168.1.2:51820"));
	CHECK(!strcmp(dev.peers[0].candidates.items[1].text, "203.0.113.1:51820"));
	CHECK(wgc_endpoint_format(ep, &dev.peers[0].endpoint) && !strcmp(ep, "203.0.113.1:51820"));
	CHECK(wgc_endpoint_format(ep, &dev.peers[0].candidates.items[0].addr) && !strcmp(ep, "192.168.1.2:51820"));
	/* one line: a plain endpoint, exactly as wg */
	CHECK(dev.peers[1].candidates.n == 0 && !(dev.peers[1].flags & WGC_PEER_HAS_CANDIDATES));
	CHECK(wgc_model_uses_candidates(&dev));
	wgc_show_endpoint_lines(&sb, &dev.peers[0]);
	wgc_show_endpoint_lines(&sb, &dev.peers[1]);
	CHECK(sb.data && !strcmp(sb.data, "Endpoint = 192.168.1.2:51820\nEndpoint = 203.0.113.1:51820\nEndpoint = 10.1.1.1:1\n"));
	/* through the UAPI set lines and back */
	CHECK(wgc_uapi_format_set(&uapi, &dev) == 0);
	CHECK(strstr(uapi.data, "wgc_replace_endpoint_candidates=true\nwgc_endpoint_candidate=192.168.1.2:51820\n"
				"wgc_candidate_address=192.168.1.2:51820\n") != NULL);
	CHECK(wgc_uapi_parse_set(&back, uapi.data, uapi.len, err) == 0);
	CHECK(back.peers[0].candidates.n == 2 && (back.peers[0].flags & WGC_PEER_HAS_CANDIDATES));
	CHECK(!strcmp(back.peers[0].candidates.items[1].text, "203.0.113.1:51820"));
	CHECK(back.peers[1].candidates.n == 0);
	wgc_model_free(&back);
	wgc_model_free(&dev);
	wgc_strbuf_free(&sb);
	wgc_strbuf_free(&uapi);

	CHECK(wgc_config_parse_args(&dev, 10, args, &hooks, err));
	CHECK((dev.flags & WGC_DEVICE_HAS_CANDIDATE_RETRY) && dev.candidate_retry == 5);
	CHECK((dev.flags & WGC_DEVICE_HAS_RERESOLVE_AFTER) && dev.reresolve_after == 7);
	CHECK(dev.peers[0].candidates.n == 2 && !strcmp(dev.peers[0].candidates.items[1].text, "[fd00::1]:2"));
	wgc_model_free(&dev);
	{
		const char *bad[] = { "candidate-retry", "0" };

		CHECK(!wgc_config_parse_args(&dev, 2, bad, &hooks, err) && strstr(err, "candidate-retry"));
	}
	/* a set without candidates uses no wgcd-only feature */
	CHECK(parse(&dev, "[Peer]\nPublicKey = " K2 "\nEndpoint = 10.0.0.1:1\n", false, err));
	CHECK(!wgc_model_uses_candidates(&dev));
	wgc_model_free(&dev);
}

/* Hostile candidate lines in a get reply and a set request: refused, never crash (issue 14). */
static void test_candidate_uapi_lines(void)
{
	static const char get_ok[] = "public_key=" "0000000000000000000000000000000000000000000000000000000000000001\n"
				     "wgc_endpoint_candidate=hub.example:51820\nwgc_candidate_address=192.0.2.1:51820\n"
				     "wgc_candidate_current=true\nwgc_candidate_counter=initiations_sent=4\n"
				     "wgc_candidate_counter=last_reply=99\nwgc_endpoint_candidate=10.0.0.1:1\nerrno=0\n\n";
	static const char *bad_set[] = {
		"set=1\npublic_key=0000000000000000000000000000000000000000000000000000000000000001\n"
		"wgc_endpoint_candidate=10.0.0.1:1\n\n", /* no replace line first */
		"set=1\npublic_key=0000000000000000000000000000000000000000000000000000000000000001\n"
		"wgc_replace_endpoint_candidates=true\nwgc_endpoint_candidate=no port\n\n",
		"set=1\npublic_key=0000000000000000000000000000000000000000000000000000000000000001\n"
		"wgc_candidate_address=10.0.0.1:1\n\n",
		"set=1\nwgc_candidate_retry=0\n\n",
		"set=1\nwgc_reresolve_after=86401\n\n",
	};
	struct wgc_device_model m;
	char err[WGC_UAPI_ERRLEN];

	CHECK(wgc_uapi_parse_get(&m, get_ok, strlen(get_ok), err) == 0);
	CHECK(m.n_peers == 1 && m.peers[0].candidates.n == 2);
	CHECK(m.peers[0].candidates.items[0].current && m.peers[0].candidates.items[0].initiations_sent == 4 &&
	      m.peers[0].candidates.items[0].last_reply == 99);
	CHECK(!m.peers[0].candidates.items[1].current && m.peers[0].candidates.items[1].addr.addr.sa_family == 0);
	wgc_model_free(&m);
	for (size_t i = 0; i < sizeof(bad_set) / sizeof(bad_set[0]); i++)
		CHECK(wgc_uapi_parse_set(&m, bad_set[i], strlen(bad_set[i]), err) < 0);
}

/* A misplaced '=' never puts a key into the error, and a file's control bytes never reach the terminal. */
static void test_errors_hide_secrets_and_controls(void)
{
	static const char *const secret_lines[] = {
		"[Interface]\nPrivateKey " K1 "\n",
		"[Interface]\n  privatekey\t" K1 "\n",
		"[Interface]\nPrivateKey: " K1 "\n",
		"[Interface]\nPrivateKey " K1 "\n[Peer]\n",
		"[Peer]\nPublicKey = " K2 "\nPresharedKey " K3 "\n",
	};
	struct wgc_device_model dev;
	char err[WGC_CONFIG_ERRLEN];

	for (size_t i = 0; i < sizeof(secret_lines) / sizeof(secret_lines[0]); i++) {
		memset(&dev, 0, sizeof(dev));
		CHECK(!parse(&dev, secret_lines[i], false, err));
		CHECK(!strstr(err, "yAnz5TF") && !strstr(err, "xTIBA5r") && (strstr(err, ":2:") || strstr(err, ":3:")));
		CHECK(strstr(err, "value not shown") != NULL);
	}
	/* fuzz_config: a short last line with no newline at the very end of the buffer (no NUL after it) */
	for (size_t i = 0; i < 3; i++) {
		static const char *const tails[] = { "[Interface]\nP", "[Interface]\n  Pri", "[Peer]\n[P" };
		size_t n = strlen(tails[i]);
		char *exact = malloc(n);

		if (!exact)
			abort();
		memcpy(exact, tails[i], n);
		memset(&dev, 0, sizeof(dev));
		CHECK(!wgc_config_parse(&dev, exact, n, "wg0.conf", false, &hooks, err));
		free(exact);
	}
	memset(&dev, 0, sizeof(dev));
	CHECK(!parse(&dev, "[Interface]\n\033]0;HACKED\007\n", false, err));
	CHECK(!strchr(err, '\033') && !strchr(err, '\007') && strstr(err, "\\x1b]0;HACKED\\x07"));
	memset(&dev, 0, sizeof(dev));
	CHECK(!parse(&dev, "[Interface]\nListenPort = 1\033[2J\n", false, err));
	for (const char *p = err; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	/* U+009B, CSI in UTF-8 (the new-user trial): escaped; other UTF-8 is shown as it is */
	memset(&dev, 0, sizeof(dev));
	CHECK(!parse(&dev, "[Interface]\nListenPort = \xc2\x9b" "31mX\n", false, err));
	CHECK(!strstr(err, "\xc2\x9b") && strstr(err, "??31mX"));
	memset(&dev, 0, sizeof(dev));
	CHECK(!parse(&dev, "[Interface]\n\xc2\x9b" "31m junk\n", false, err));
	CHECK(!strstr(err, "\xc2\x9b"));
	memset(&dev, 0, sizeof(dev));
	CHECK(!parse(&dev, "[Interface]\nListenPort = caf\xc3\xa9\n", false, err));
	CHECK(strstr(err, "caf\xc3\xa9") != NULL);
	{
		char msg[] = "a\xc2\x85" "b\xc2";
		wgc_config_printable(msg);
		CHECK(!strcmp(msg, "a??b\xc2"));
	}
}

int main(void)
{
	if (!wgc_crypto_init())
		return 1;
	RUN_TEST(test_valid_file);
	RUN_TEST(test_incremental_allowed_ips);
	RUN_TEST(test_fwmark_and_port_forms);
	RUN_TEST(test_errors);
	RUN_TEST(test_errors_hide_secrets_and_controls);
	RUN_TEST(test_warnings);
	RUN_TEST(test_keyfile);
	RUN_TEST(test_set_args);
	RUN_TEST(test_round_trip);
	RUN_TEST(test_bom);
	RUN_TEST(test_endpoint_candidates);
	RUN_TEST(test_candidate_uapi_lines);
	return harness_exit_code();
}

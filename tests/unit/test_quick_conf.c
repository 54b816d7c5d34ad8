// SPDX-License-Identifier: MIT
/*
 * wg-quick config splitting (keys taken, lines kept, errors with file:line,
 * %i, names, permissions) and the up/down plans built from it with a fake
 * probe. The CLI's objects are not in the test libraries, so the units
 * under test are compiled in here.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/cli/quick_conf.c"
#include "../../src/cli/quick_plan.c"
#include "common/config.h"
#include "harness.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define K2 "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="

static bool parse(struct wgc_quick_conf *qc, const char *text, char err[WGC_QUICK_ERRLEN])
{
	memset(qc, 0, sizeof(*qc));
	snprintf(qc->ifname, sizeof(qc->ifname), "wg0");
	return wgc_quick_conf_parse(qc, text, strlen(text), "wg0.conf", err);
}

static void test_split_keys(void)
{
	const char *text = "[Interface]\n"
			   "  PrivateKey = " K1 "  \n"
			   "address = 10.0.0.2/24, fd00::2/64 # inline comment\n"
			   "Address=10.0.1.2\n"
			   "DNS = 10.0.0.1,fd00::1 example.com, corp.example\n"
			   "MTU = 1400\n"
			   "# a comment line\n"
			   "table = 1234\n"
			   "PreUp = echo pre %i\n"
			   "PostUp = echo post\n"
			   "PreDown = a\n"
			   "PostDown = b\n"
			   "SaveConfig = true\n"
			   "ListenPort = 51820\n"
			   "\n"
			   "[Peer]\n"
			   "PublicKey = " K2 "\n"
			   "Address = kept in a peer\n"
			   "AllowedIPs = 0.0.0.0/0\n";
	const char *want = "[Interface]\n"
			   "PrivateKey = " K1 "\n"
			   "# a comment line\n"
			   "ListenPort = 51820\n"
			   "\n"
			   "[Peer]\n"
			   "PublicKey = " K2 "\n"
			   "Address = kept in a peer\n"
			   "AllowedIPs = 0.0.0.0/0\n";
	struct wgc_strbuf strip = { 0 };
	char err[WGC_QUICK_ERRLEN];
	struct wgc_quick_conf qc;

	CHECK(parse(&qc, text, err));
	CHECK(qc.addresses.n == 3);
	CHECK(qc.addresses.n == 3 && !strcmp(qc.addresses.v[0], "10.0.0.2/24") &&
	      !strcmp(qc.addresses.v[1], "fd00::2/64") && !strcmp(qc.addresses.v[2], "10.0.1.2"));
	CHECK(qc.dns.n == 2 && !strcmp(qc.dns.v[0], "10.0.0.1") && !strcmp(qc.dns.v[1], "fd00::1"));
	CHECK(qc.dns_search.n == 2 && !strcmp(qc.dns_search.v[0], "example.com") &&
	      !strcmp(qc.dns_search.v[1], "corp.example"));
	CHECK(qc.mtu == 1400);
	CHECK(!strcmp(qc.table, "1234"));
	CHECK(qc.pre_up.n == 1 && !strcmp(qc.pre_up.v[0], "echo pre %i"));
	CHECK(qc.post_up.n == 1 && qc.pre_down.n == 1 && qc.post_down.n == 1);
	CHECK(qc.save_config);
	CHECK(qc.wg.data && !strcmp(qc.wg.data, want));
	wgc_quick_conf_strip(&qc, &strip);
	CHECK(strip.data && strip.len == strlen(want) + 1 && !memcmp(strip.data, want, strlen(want)) &&
	      strip.data[strip.len - 1] == '\n');
	wgc_strbuf_free(&strip);
	wgc_quick_conf_free(&qc);
}

/* The text handed to wg's parser keeps the file's line numbers. */
static void test_wg_line_numbers(void)
{
	const char *text = "[Interface]\nAddress = 10.0.0.2/24\nMTU = 1420\nPrivateKey = " K1 "\n"
			   "[Peer]\nPublicKey = not-a-key\n";
	char err[WGC_QUICK_ERRLEN], werr[WGC_CONFIG_ERRLEN];
	struct wgc_device_model dev = { 0 };
	struct wgc_quick_conf qc;

	CHECK(parse(&qc, text, err));
	CHECK(!wgc_config_parse(&dev, qc.wg_lines.data, qc.wg_lines.len, "wg0.conf", false, NULL, werr));
	CHECK(strstr(werr, "wg0.conf:6:") != NULL);
	wgc_quick_conf_free(&qc);
}

static void expect_error(const char *text, const char *want)
{
	char err[WGC_QUICK_ERRLEN];
	struct wgc_quick_conf qc;

	CHECK(!parse(&qc, text, err));
	if (!strstr(err, want)) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, want);
		CHECK(0);
	}
	CHECK(qc.addresses.n == 0 && qc.wg.data == NULL);
}

static void test_errors(void)
{
	expect_error("[Interface]\nSaveConfig = yes\n", "wg0.conf:2: SaveConfig: `yes' is neither true nor false");
	expect_error("[Interface]\n\nMTU = 12x\n", "wg0.conf:3: MTU: '12x'");
	expect_error("[Interface]\nMTU = 10\n", "wg0.conf:2: MTU");
	expect_error("[Interface]\nTable = -x\n", "wg0.conf:2: Table: '-x'");
	expect_error("[Interface]\nTable = a b\n", "wg0.conf:2: Table");
	expect_error("[Interface]\nAddress = 10.0.0.1/33\n", "wg0.conf:2: Address: '10.0.0.1/33'");
	expect_error("[Interface]\nAddress = 10.0.0.1, nope\n", "wg0.conf:2: Address: 'nope'");
	expect_error("[Interface]\nAddress = fd00::1/129\n", "wg0.conf:2: Address");
	expect_error("[Interface]\nDNS = 1.2.3.999\n", "wg0.conf:2: DNS: '1.2.3.999'");
	expect_error("[Interface]\nDNS = -opt\n", "wg0.conf:2: DNS");
	expect_error("[Interface]\nPostUp\n", "wg0.conf:2: PostUp: not a 'Key = Value' line");
}

static void test_expand(void)
{
	char *s = wgc_quick_expand("ip link show %i; echo %i%i done", "wg7");

	CHECK(s && !strcmp(s, "ip link show wg7; echo wg7wg7 done"));
	free(s);
	s = wgc_quick_expand("no marker", "wg7");
	CHECK(s && !strcmp(s, "no marker"));
	free(s);
	s = wgc_quick_expand("", "wg7");
	CHECK(s && !strcmp(s, ""));
	free(s);
	s = wgc_quick_expand("%", "wg7");
	CHECK(s && !strcmp(s, "%"));
	free(s);
}

static void test_names_and_modes(void)
{
	CHECK(wgc_ifname_quick_valid("wg0", 3));
	CHECK(wgc_ifname_quick_valid("a_b=c+d.e-f", 11));
	CHECK(wgc_ifname_quick_valid("123456789012345", 15));
	CHECK(!wgc_ifname_quick_valid("1234567890123456", 16));
	CHECK(!wgc_ifname_quick_valid("", 0));
	CHECK(!wgc_ifname_quick_valid("wg 0", 4));
	CHECK(!wgc_ifname_quick_valid("wg/0", 4));
	CHECK(!wgc_ifname_quick_valid("wg0\0x", 5));
	CHECK(!wgc_quick_world_accessible(0600, 0755));
	CHECK(wgc_quick_world_accessible(0644, 0755));
	CHECK(!wgc_quick_world_accessible(0644, 0750));
	CHECK(wgc_quick_world_accessible(0601, 0701));
	CHECK(!wgc_quick_world_accessible(0604, 0701));
	CHECK(wgc_quick_dns_is_addr("1.1.1.1") && wgc_quick_dns_is_addr("fd00::1"));
	CHECK(!wgc_quick_dns_is_addr("example.com") && !wgc_quick_dns_is_addr("1.example"));
}

static void test_locate(void)
{
	char dir[] = "/tmp/wgc-quick-test.XXXXXX", file[256], path[4096], ifname[16], err[256];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/wgt0.conf", dir);
	f = fopen(file, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	CHECK(wgc_quick_locate("wgt0", dir, path, sizeof(path), ifname, err, sizeof(err)));
	CHECK(!strcmp(ifname, "wgt0") && !strcmp(path, file));
	CHECK(wgc_quick_locate(file, NULL, path, sizeof(path), ifname, err, sizeof(err)));
	CHECK(!wgc_quick_locate("wgt1", dir, path, sizeof(path), ifname, err, sizeof(err)));
	CHECK(strstr(err, "wgt1.conf' does not exist") != NULL);
	snprintf(file, sizeof(file), "%s/bad name.conf", dir);
	f = fopen(file, "w");
	if (f)
		fclose(f);
	CHECK(!wgc_quick_locate(file, NULL, path, sizeof(path), ifname, err, sizeof(err)));
	CHECK(strstr(err, "must be a valid interface name") != NULL);
	unlink(file);
	/* a bare name over 15 characters: say it is too long, not that the file does not exist */
	CHECK(!wgc_quick_locate("averyveryverylongname", dir, path, sizeof(path), ifname, err, sizeof(err)));
	CHECK(strstr(err, "`averyveryverylongname' is too long for an interface name: interface names have 1 to 15 "
			  "characters") != NULL);
	snprintf(file, sizeof(file), "%s/averyveryverylongname.conf", dir);
	f = fopen(file, "w");
	if (f)
		fclose(f);
	CHECK(!wgc_quick_locate(file, NULL, path, sizeof(path), ifname, err, sizeof(err)));
	CHECK(strstr(err, "the interface name `averyveryverylongname' is too long") != NULL);
	unlink(file);
	snprintf(file, sizeof(file), "%s/wgt0.conf", dir);
	unlink(file);
	rmdir(dir);
}

/* --- plans ------------------------------------------------------------------ */

static unsigned fake_mtu(void *arg, const char *addr)
{
	(void)arg;
	return addr && !strcmp(addr, "192.0.2.1") ? 1492 : 9000;
}

static bool fake_table_used(void *arg, unsigned table)
{
	(void)arg;
	return table == 51820;
}

static bool fake_have(void *arg, const char *prog)
{
	return arg != NULL || strcmp(prog, "resolvconf");
}

static const char *fake_prefix(void *arg)
{
	(void)arg;
	return "tun.";
}

/* as /etc/iproute2/rt_tables with one table of the user's: "100 vpn" */
static bool fake_table_named(void *arg, const char *name)
{
	(void)arg;
	return !strcmp(name, "main") || !strcmp(name, "vpn");
}

static const struct wgc_quick_probe probe = { fake_mtu, fake_table_used, fake_have, fake_prefix, fake_table_named,
					      (void *)1 };

static bool fake_resolve(union wgc_endpoint *ep, const char *host, const char *port, const char *text, char *err,
			 size_t errlen, const struct wgc_config_hooks *hooks)
{
	char buf[128];

	(void)hooks;
	snprintf(buf, sizeof(buf), strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
	if (wgc_endpoint_parse_numeric(ep, buf))
		return true;
	snprintf(err, errlen, "'%s': unknown", text);
	return false;
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* The plan's "[#]" lines joined with newlines. */
static char *plan_text(const char *conf, const struct wgc_quick_probe *pr, bool userspace, char *err)
{
	struct wgc_config_hooks hooks = { .resolve = fake_resolve, .warn = quiet };
	struct wgc_quick_up_opts opts = { .userspace = userspace, .impl = "wgcd" };
	char qerr[WGC_QUICK_ERRLEN], cerr[WGC_CONFIG_ERRLEN];
	struct wgc_device_model dev = { 0 };
	struct wgc_strbuf out = { 0 };
	struct wgc_quick_plan plan;
	struct wgc_quick_conf qc;

	if (!parse(&qc, conf, qerr))
		return NULL;
	if (!wgc_config_parse(&dev, qc.wg_lines.data, qc.wg_lines.len, "wg0.conf", false, &hooks, cerr)) {
		wgc_quick_conf_free(&qc);
		return NULL;
	}
	if (wgc_quick_plan_up(&plan, &qc, &dev, &opts, pr, err, 256)) {
		wgc_strbuf_append(&out, "", 0);
		for (size_t i = 0; i < plan.n; i++) {
			wgc_quick_step_format(&plan.steps[i], "wg0", false, &out);
			wgc_strbuf_printf(&out, "%s\n", plan.steps[i].predicted_skip ? " (skip)" : "");
		}
		wgc_quick_plan_free(&plan);
	}
	wgc_model_free(&dev);
	wgc_quick_conf_free(&qc);
	return out.data;
}

#define PEER "\n[Peer]\nPublicKey = " K2 "\nEndpoint = 192.0.2.1:51820\n"

static void test_plan_default_route(void)
{
	char err[256] = "";
	char *got = plan_text("[Interface]\nPrivateKey = " K1 "\nAddress = 10.0.0.2/24, fd00::2/64\n"
			      "PreUp = pre %i\nPostUp = post %i\n" PEER
			      "AllowedIPs = 10.0.0.0/24, 0.0.0.0/0, ::/0, 10.1.0.0/16, 10.0.9.9/16\n",
			      &probe, false, err);
	const char *want = "[#] pre wg0\n"
			   "[#] ip link add wg0 type wireguard\n"
			   "[#] wgc setconf wg0 /dev/fd/63\n"
			   "[#] ip -4 address add 10.0.0.2/24 dev wg0\n"
			   "[#] ip -6 address add fd00::2/64 dev wg0\n"
			   "[#] ip link set mtu 1412 up dev wg0\n"
			   "[#] ip -4 route add 10.0.0.0/24 dev wg0 (skip)\n"
			   "[#] ip -4 route add 10.1.0.0/16 dev wg0\n"
			   "[#] ip -4 route add 10.0.0.0/16 dev wg0\n"
			   "[#] wgc set wg0 fwmark 51821\n"
			   "[#] ip -6 route add ::/0 dev wg0 table 51821\n"
			   "[#] ip -6 rule add not fwmark 51821 table 51821\n"
			   "[#] ip -6 rule add table main suppress_prefixlength 0\n"
			   "[#] nft -f /dev/fd/63\n"
			   "[#] ip -4 route add 0.0.0.0/0 dev wg0 table 51821\n"
			   "[#] ip -4 rule add not fwmark 51821 table 51821\n"
			   "[#] ip -4 rule add table main suppress_prefixlength 0\n"
			   "[#] sysctl -q net.ipv4.conf.all.src_valid_mark=1\n"
			   "[#] nft -f /dev/fd/63\n"
			   "[#] post wg0\n";

	CHECK(got && !strcmp(got, want));
	if (got && strcmp(got, want))
		fprintf(stderr, "got:\n%s", got);
	free(got);
}

static void test_plan_tables(void)
{
	char err[256] = "", *got;

	got = plan_text("[Interface]\nPrivateKey = " K1 "\nTable = off\nMTU = 1280\n" PEER "AllowedIPs = 0.0.0.0/0\n",
			&probe, true, err);
	CHECK(got && !strcmp(got, "[#] wgcd wg0\n[#] wgc setconf wg0 /dev/fd/63\n[#] ip link set mtu 1280 up dev wg0\n"));
	free(got);
	got = plan_text("[Interface]\nPrivateKey = " K1 "\nTable = 1234\n" PEER "AllowedIPs = 0.0.0.0/0, ::/0, 10.2.0.0/16\n",
			&probe, true, err);
	CHECK(got && strstr(got, "[#] ip -4 route add 10.2.0.0/16 dev wg0 table 1234\n"
				 "[#] ip -6 route add ::/0 dev wg0 table 1234\n"
				 "[#] ip -4 route add 0.0.0.0/0 dev wg0 table 1234\n"));
	CHECK(got && !strstr(got, "rule") && !strstr(got, "nft") && !strstr(got, "fwmark"));
	free(got);
	/* a configured FwMark is the table, and nothing sets it again */
	got = plan_text("[Interface]\nPrivateKey = " K1 "\nFwMark = 0x1234\n" PEER "AllowedIPs = 0.0.0.0/0\n", &probe,
			true, err);
	CHECK(got && strstr(got, "[#] ip -4 rule add not fwmark 4660 table 4660\n") && !strstr(got, "wgc set wg0 fwmark"));
	free(got);
}

/* plan_text's error for conf ("" when the plan was made) */
static bool plan_refuses(const char *conf, const char *want)
{
	char err[256] = "";
	char *got = plan_text(conf, &probe, false, err);
	bool ok = want ? !got && !strncmp(err, want, strlen(want)) : got && !err[0];

	if (!ok)
		fprintf(stderr, "# %s\n#  -> %s\n", conf, err[0] ? err : "(planned)");
	free(got);
	return ok;
}

/*
 * What wg-quick finds only half-way through up, refused with FILE:LINE by
 * the plan (and so by --dry-run) before anything changes (a new user's
 * trial: `Table = bogus' passed --dry-run, then up failed at ip route add).
 */
static void test_plan_checks(void)
{
	/* Table: auto, off, numbers as ip reads them, names from rt_tables; case counts, as in wg-quick */
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nTable = bogus\n" PEER "AllowedIPs = 10.9.0.0/24\n",
			   "wg0.conf:3: Table: 'bogus' is not auto, off, a table number"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\n\nTable = Off\n" PEER, "wg0.conf:4: Table: 'Off'"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nTable = 4294967296\n" PEER, "wg0.conf:3: Table"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nTable = 12abc\n" PEER, "wg0.conf:3: Table"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nTable = vpn\n" PEER "AllowedIPs = 10.9.0.0/24\n", NULL));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nTable = main\n" PEER, NULL));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nTable = 4294967295\n" PEER, NULL));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nTable = 0x10\n" PEER, NULL));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nTable = off\nTable = auto\n" PEER, NULL));
	/* an Address twice: IPv4 with the same length, IPv6 with any */
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nAddress = 10.0.0.1/24\nAddress = 10.0.0.2/24, 10.0.0.1/24\n" PEER,
			   "wg0.conf:4: Address: '10.0.0.1/24' repeats '10.0.0.1/24'"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nAddress = fd00::1/64, fd00:0::1/128\n" PEER,
			   "wg0.conf:3: Address: 'fd00:0::1/128' repeats 'fd00::1/64'"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nAddress = 10.0.0.1\nAddress = 10.0.0.1/32\n" PEER,
			   "wg0.conf:4: Address"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nAddress = 10.0.0.1/24, 10.0.0.1/32\n" PEER, NULL));
	/* MTU under 1280 with IPv6 (an address, or IPv6 routes unless Table = off) */
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nAddress = 10.0.0.1/24, fd00::1/64\nMTU = 1200\n" PEER,
			   "wg0.conf:4: MTU: 1200 is under 1280"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nMTU = 1279\n" PEER "AllowedIPs = 10.9.0.0/24, fd09::/64\n",
			   "wg0.conf:3: MTU: 1279 is under 1280"));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nMTU = 1200\nTable = off\n" PEER "AllowedIPs = fd09::/64\n", NULL));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nAddress = 10.0.0.1/24\nMTU = 1200\n" PEER "AllowedIPs = 10.9.0.0/24\n",
			   NULL));
	CHECK(plan_refuses("[Interface]\nPrivateKey = " K1 "\nAddress = fd00::1/64\nMTU = 1280\n" PEER, NULL));
}

/* iproute2's rt_tables format */
static void test_rt_tables(void)
{
	static const char t[] = "#\n# reserved values\n#\n255\tlocal\n254\tmain\n  100 vpn # the tunnel\n"
				"0x65 hexed\n#1\tinr.ruhep\nbroken\n200\n300 last";

	CHECK(wgc_quick_rt_tables_has(t, strlen(t), "vpn"));
	CHECK(wgc_quick_rt_tables_has(t, strlen(t), "main"));
	CHECK(wgc_quick_rt_tables_has(t, strlen(t), "hexed"));
	CHECK(wgc_quick_rt_tables_has(t, strlen(t), "last"));
	CHECK(!wgc_quick_rt_tables_has(t, strlen(t), "inr.ruhep")); /* commented out */
	CHECK(!wgc_quick_rt_tables_has(t, strlen(t), "broken"));
	CHECK(!wgc_quick_rt_tables_has(t, strlen(t), "vp"));
	CHECK(!wgc_quick_rt_tables_has(t, strlen(t), "reserved"));
	CHECK(!wgc_quick_rt_tables_has(t, strlen(t) - 1, "last")); /* the length bounds the text */
	CHECK(!wgc_quick_rt_tables_has(t, strlen(t), ""));
	CHECK(wgc_quick_table_is_number("0") && wgc_quick_table_is_number("0x1F") && wgc_quick_table_is_number("4294967295"));
	CHECK(!wgc_quick_table_is_number("4294967296") && !wgc_quick_table_is_number("1a") &&
	      !wgc_quick_table_is_number("") && !wgc_quick_table_is_number("x1"));
	CHECK(wgc_quick_table_is_name("vpn") && !wgc_quick_table_is_name("auto") && !wgc_quick_table_is_name("off") &&
	      !wgc_quick_table_is_name("") && !wgc_quick_table_is_name("51820"));
}

static void test_plan_dns(void)
{
	static const struct wgc_quick_probe no_resolvconf = { fake_mtu, fake_table_used, fake_have, fake_prefix,
							      fake_table_named, NULL };
	const char *conf = "[Interface]\nPrivateKey = " K1 "\nDNS = 1.1.1.1, example.com, fd00::53, b.example\n" PEER;
	struct wgc_config_hooks hooks = { .resolve = fake_resolve };
	struct wgc_quick_up_opts opts = { .impl = "wgcd" };
	char err[256] = "", qerr[WGC_QUICK_ERRLEN], cerr[WGC_CONFIG_ERRLEN];
	struct wgc_device_model dev = { 0 };
	struct wgc_quick_plan plan;
	struct wgc_quick_conf qc;
	bool found = false;

	CHECK(plan_text(conf, &no_resolvconf, false, err) == NULL || true);
	CHECK(strstr(err, "resolvconf(8) is not installed") != NULL);
	CHECK(!strncmp(err, "wg0.conf:3: DNS is set", 22)); /* FILE:LINE of the DNS key */
	CHECK(parse(&qc, conf, qerr));
	CHECK(wgc_config_parse(&dev, qc.wg_lines.data, qc.wg_lines.len, "wg0.conf", false, &hooks, cerr));
	CHECK(wgc_quick_plan_up(&plan, &qc, &dev, &opts, &probe, err, sizeof(err)));
	for (size_t i = 0; i < plan.n; i++) {
		struct wgc_quick_step *s = &plan.steps[i];

		if (s->kind != WGC_QS_CMD || strcmp(s->argv[0], "resolvconf"))
			continue;
		found = true;
		CHECK(!strcmp(s->argv[1], "-a") && !strcmp(s->argv[2], "tun.wg0") && !strcmp(s->argv[3], "-m") &&
		      !strcmp(s->argv[5], "-x") && s->sets_dns && !s->input_fd63);
		CHECK(s->input && !strcmp(s->input, "nameserver 1.1.1.1\nnameserver fd00::53\nsearch example.com b.example\n"));
	}
	CHECK(found);
	wgc_quick_plan_free(&plan);
	wgc_model_free(&dev);
	wgc_quick_conf_free(&qc);
}

static void test_plan_down(void)
{
	struct wgc_device_model live = { 0 };
	struct wgc_strbuf out = { 0 };
	struct wgc_allowed_ip *ip;
	struct wgc_quick_plan plan;
	struct wgc_quick_conf qc;
	char err[WGC_QUICK_ERRLEN];

	CHECK(parse(&qc, "[Interface]\nPreDown = a %i\nPostDown = b\nSaveConfig = true\nDNS = 1.1.1.1\n", err));
	live.fwmark = 51820;
	ip = wgc_model_add_allowed_ip(wgc_model_add_peer(&live));
	ip->family = AF_INET;
	ip->cidr = 0;
	CHECK(wgc_quick_plan_down(&plan, &qc, &live, &probe));
	wgc_strbuf_append(&out, "", 0);
	for (size_t i = 0; i < plan.n; i++) {
		wgc_quick_step_format(&plan.steps[i], "wg0", false, &out);
		wgc_strbuf_printf(&out, "\n");
	}
	CHECK(!strcmp(out.data, "[#] a wg0\n"
				"[#] wgc showconf wg0\n"
				"[#] ip -4 rule delete table 51820\n"
				"[#] ip -4 rule delete table main suppress_prefixlength 0\n"
				"[#] ip -6 rule delete table 51820\n"
				"[#] ip -6 rule delete table main suppress_prefixlength 0\n"
				"[#] ip link delete dev wg0\n"
				"[#] resolvconf -d tun.wg0 -f\n"
				"[#] nft -f /dev/fd/63\n"
				"[#] b\n"));
	wgc_quick_plan_free(&plan);
	wgc_strbuf_free(&out);
	/* no default route running: no rules to remove */
	ip->cidr = 8;
	CHECK(wgc_quick_plan_undo(&plan, &qc, &live, &probe, true, false));
	CHECK(plan.n == 2 && plan.steps[0].kind == WGC_QS_CMD && !strcmp(plan.steps[0].argv[0], "resolvconf") &&
	      !strcmp(plan.steps[1].argv[1], "link") && plan.steps[1].ignore_fail);
	wgc_quick_plan_free(&plan);
	wgc_model_free(&live);
	wgc_quick_conf_free(&qc);
}

static void test_nft_ruleset(void)
{
	char *v[] = { "10.0.0.2/24", "fd00::2/64", "10.0.1.2" };
	struct wgc_quick_strs addrs = { v, 3, NULL };
	struct wgc_strbuf out = { 0 };

	wgc_quick_nft_ruleset(&out, "wg0", 4, 51820, &addrs);
	CHECK(out.data && !strcmp(out.data,
		"add table ip wg-quick-wg0\n"
		"add chain ip wg-quick-wg0 preraw { type filter hook prerouting priority -300; }\n"
		"add chain ip wg-quick-wg0 premangle { type filter hook prerouting priority -150; }\n"
		"add chain ip wg-quick-wg0 postmangle { type filter hook postrouting priority -150; }\n"
		"add rule ip wg-quick-wg0 preraw iifname != \"wg0\" ip daddr 10.0.0.2 fib saddr type != local drop\n"
		"add rule ip wg-quick-wg0 preraw iifname != \"wg0\" ip daddr 10.0.1.2 fib saddr type != local drop\n"
		"add rule ip wg-quick-wg0 postmangle meta l4proto udp mark 51820 ct mark set mark \n"
		"add rule ip wg-quick-wg0 premangle meta l4proto udp meta mark set ct mark \n"));
	wgc_strbuf_free(&out);
	wgc_quick_nft_ruleset(&out, "wg0", 6, 7, &addrs);
	CHECK(out.data && strstr(out.data, "preraw iifname != \"wg0\" ip6 daddr fd00::2 fib") &&
	      !strstr(out.data, "10.0.0.2") && strstr(out.data, "udp mark 7 ct"));
	wgc_strbuf_free(&out);
}

/* a UTF-8 byte-order mark is skipped; a file name near PATH_MAX with a 64 KB value gives a bounded error */
static void test_bom_and_bounds(void)
{
	char err[WGC_QUICK_ERRLEN], *name = malloc(4096), *text = malloc(70000);
	struct wgc_quick_conf qc;
	size_t hdr;

	CHECK(parse(&qc, "\xef\xbb\xbf[Interface]\nMTU = 1400\nPrivateKey = " K1 "\n", err));
	CHECK(qc.mtu == 1400 && !strncmp(qc.wg.data, "[Interface]\n", 12));
	wgc_quick_conf_free(&qc);
	if (!name || !text)
		abort();
	memset(name, 'a', 4095);
	name[4095] = '\0';
	strcpy(text, "[Interface]\nMTU = ");
	hdr = strlen(text);
	memset(text + hdr, '9', 65536);
	strcpy(text + hdr + 65536, "\n");
	memset(&qc, 0, sizeof(qc));
	CHECK(!wgc_quick_conf_parse(&qc, text, strlen(text), name, err));
	CHECK(strlen(err) < WGC_QUICK_ERRLEN);
	memset(&qc, 0, sizeof(qc));
	CHECK(!wgc_quick_conf_parse(&qc, text, strlen(text), "wg0.conf", err));
	CHECK(!strncmp(err, "wg0.conf:2: MTU: '999", 21) && strlen(err) < 200);
	free(name);
	free(text);
}

int main(void)
{
	RUN_TEST(test_split_keys);
	RUN_TEST(test_bom_and_bounds);
	RUN_TEST(test_wg_line_numbers);
	RUN_TEST(test_errors);
	RUN_TEST(test_expand);
	RUN_TEST(test_names_and_modes);
	RUN_TEST(test_locate);
	RUN_TEST(test_plan_default_route);
	RUN_TEST(test_plan_tables);
	RUN_TEST(test_plan_dns);
	RUN_TEST(test_plan_checks);
	RUN_TEST(test_rt_tables);
	RUN_TEST(test_plan_down);
	RUN_TEST(test_nft_ruleset);
	return harness_exit_code();
}

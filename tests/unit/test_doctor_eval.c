// SPDX-License-Identifier: MIT
/*
 * `wgc doctor`'s decisions from tables: a healthy device and peer as the
 * base, one fact changed per row, and the verdict the named check must give
 * (plus a word its evidence or advice must hold). Also the initial-TTL rule
 * and the JSON output's shape.
 */
#include <stdio.h>
#include <string.h>

#include "common/doctor_eval.h"
#include "common/doctor_format.h"
#include "harness.h"

static void healthy(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	memset(d, 0, sizeof(*d));
	memset(p, 0, sizeof(*p));
	snprintf(d->name, sizeof(d->name), "wg0");
	d->exists = d->daemon_answers = true;
	d->link_up = WGC_DOC_YES;
	d->mtu = 1420;
	d->listen_port = 51820;
	d->port_bound = WGC_DOC_YES;
	snprintf(d->bound_on, sizeof(d->bound_on), "0.0.0.0, [::]");
	d->firewall_read = true;
	d->fw_in.verdict = WGC_FW_ACCEPT;
	d->counters = true;
	d->rejected_invalid_mac1.has = d->rejected_unknown_peer.has = d->rejected_stale_timestamp.has = true;
	d->data_dropped_no_route.has = true;
	snprintf(d->public_key, sizeof(d->public_key), "HUBKEY=");
	snprintf(p->public_key, sizeof(p->public_key), "PEERKEY=");
	snprintf(p->endpoint, sizeof(p->endpoint), "10.200.0.2:51820");
	snprintf(p->endpoint_host, sizeof(p->endpoint_host), "10.200.0.2");
	p->handshake_age = 5;
	p->initiations_sent = (struct wgc_doc_counter){ true, 1 };
	p->responses_received = (struct wgc_doc_counter){ true, 1 };
	p->data_rejected_source_not_allowed.has = true;
	p->routed = WGC_DOC_YES;
	snprintf(p->route_dev, sizeof(p->route_dev), "veth0");
	snprintf(p->route_src, sizeof(p->route_src), "10.200.0.1");
	p->path_mtu = 1500;
	p->firewall_read = true;
	p->probed = true;
	p->ping_ttl = 64;
	p->port_unreachable = WGC_DOC_NO;
	snprintf(p->tunnel_addr, sizeof(p->tunnel_addr), "10.10.0.2");
	p->small_probe_ok = p->full_probe_ok = WGC_DOC_YES;
	p->full_probe_size = p->largest_ok_size = 1392;
}

static void no_change(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { (void)d, (void)p; }
static void link_down(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { d->link_up = WGC_DOC_NO; (void)p; }
static void not_bound(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { d->port_bound = WGC_DOC_NO; (void)p; }
static void other_ns(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { d->link_up = WGC_DOC_UNKNOWN; (void)p; }
static void hub_fwd_off(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	d->hub = true;
	d->forwarding_v4 = WGC_DOC_NO;
	(void)p;
}
static void hub_fwd_on(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	d->hub = true;
	d->forwarding_v4 = d->forwarding_v6 = WGC_DOC_YES;
	d->nat = WGC_DOC_YES;
	(void)p;
}
static void hub_no_nat(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { hub_fwd_on(d, p); d->nat = WGC_DOC_NO; }
static void fw_drop(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	d->fw_in.verdict = WGC_FW_DROP;
	snprintf(d->fw_in.rule, sizeof(d->fw_in.rule), "inet filter input handle 4: drop");
	(void)p;
}
static void fw_unknown(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	d->fw_in.verdict = WGC_FW_CANNOT_TELL;
	snprintf(d->fw_in.rule, sizeof(d->fw_in.rule), "inet filter input handle 9: a statement it cannot evaluate");
	(void)p;
}
static void fw_legacy(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	snprintf(d->legacy_iptables, sizeof(d->legacy_iptables), "legacy iptables holds 3 rule(s), not evaluated");
	(void)p;
}
static void fw_out_drop(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	p->fw_out.verdict = WGC_FW_DROP;
	snprintf(p->fw_out.rule, sizeof(p->fw_out.rule), "policy drop of ip t out");
	(void)d;
}
static void mac1(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	d->rejected_invalid_mac1.value = 3;
	snprintf(d->mac1_sources, sizeof(d->mac1_sources), "10.200.0.2:51820");
	(void)p;
}
static void unknown_peer(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	d->rejected_unknown_peer.value = 2;
	snprintf(d->unknown_peer_sources, sizeof(d->unknown_peer_sources), "10.200.0.9:4000");
	(void)p;
}
static void stale(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { d->rejected_stale_timestamp.value = 1; (void)p; }
static void no_counters(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	d->counters = false;
	memset(&d->rejected_invalid_mac1, 0, sizeof(d->rejected_invalid_mac1));
	memset(&p->initiations_sent, 0, sizeof(p->initiations_sent));
	memset(&p->responses_received, 0, sizeof(p->responses_received));
}
static void no_response(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	p->handshake_age = -1;
	p->initiations_sent.value = 7;
	p->responses_received.value = 0;
	(void)d;
}
static void port_closed(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	no_response(d, p);
	p->port_unreachable = WGC_DOC_YES;
}
static void old_handshake(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->handshake_age = 181; (void)d; }
static void loop(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { snprintf(p->route_dev, sizeof(p->route_dev), "wg0"); (void)d; }
static void loop_seen(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	d->data_dropped_routing_loop = (struct wgc_doc_counter){ true, 4 };
	(void)p;
}
static void unrouted(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->routed = WGC_DOC_NO; (void)d; }
static void small_path(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->path_mtu = 1479; (void)d; }
static void exact_path(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->path_mtu = 1480; (void)d; }
static void local_ep(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->endpoint_is_local = true; (void)d; }
/* a peer on this host over loopback (two tunnels on one machine, as make demo's outer
 * addresses could be): no router, so no hairpin NAT; doctor once failed it with that advice */
static void loopback_ep(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	p->endpoint_is_local = true;
	snprintf(p->endpoint_host, sizeof(p->endpoint_host), "127.0.0.1");
	snprintf(p->endpoint, sizeof(p->endpoint), "127.0.0.1:51820");
	(void)d;
}
static void loopback6_ep(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	p->endpoint_is_local = true;
	snprintf(p->endpoint_host, sizeof(p->endpoint_host), "::1");
	snprintf(p->endpoint, sizeof(p->endpoint), "[::1]:51820");
	(void)d;
}
static void gw_ep(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->endpoint_is_lan_gateway = true; (void)d; }
static void modem(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->ping_ttl = 254; (void)d; }
static void modem_vs_hs(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	p->ping_ttl = 254;
	p->handshake_ttl = (struct wgc_doc_counter){ true, 63 };
	(void)d;
}
static void same_ttl(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	p->ping_ttl = 63;
	p->handshake_ttl = (struct wgc_doc_counter){ true, 63 };
	(void)d;
}
static void no_ping(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->ping_ttl = -1; (void)d; }
static void unprobed(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->probed = false; (void)d; }
static void src_not_allowed(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	p->data_rejected_source_not_allowed.value = 5;
	(void)d;
}
static void no_route(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { d->data_dropped_no_route.value = 9; (void)p; }
static void black_hole(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p)
{
	p->full_probe_ok = WGC_DOC_NO;
	p->largest_ok_size = 1172;
	(void)d;
}
static void tunnel_dead(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->small_probe_ok = WGC_DOC_NO; (void)d; }
static void no_endpoint(struct wgc_doc_device_facts *d, struct wgc_doc_peer_facts *p) { p->endpoint[0] = '\0'; (void)d; }

struct row {
	const char *check;
	void (*change)(struct wgc_doc_device_facts *, struct wgc_doc_peer_facts *);
	enum wgc_doc_verdict want;
	const char *word; /* in evidence or advice; NULL: not checked */
};

static const struct row rows[] = {
	{ "device.up", no_change, WGC_DOC_OK, "MTU 1420" },
	{ "device.up", link_down, WGC_DOC_FAIL, "ip link set wg0 up" },
	{ "device.up", other_ns, WGC_DOC_CANNOT_TELL, "ip netns exec" },
	{ "device.port", no_change, WGC_DOC_OK, "0.0.0.0, [::]" },
	{ "device.port", not_bound, WGC_DOC_FAIL, "no UDP socket" },
	{ "device.port", other_ns, WGC_DOC_CANNOT_TELL, "namespace" },
	{ "hub.forwarding", no_change, WGC_DOC_SKIP, NULL },
	{ "hub.forwarding", hub_fwd_off, WGC_DOC_FAIL, "sysctl -w net.ipv4.ip_forward=1" },
	{ "hub.forwarding", hub_fwd_on, WGC_DOC_OK, NULL },
	{ "hub.nat", hub_fwd_on, WGC_DOC_OK, NULL },
	{ "hub.nat", hub_no_nat, WGC_DOC_WARN, "masquerade" },
	{ "firewall.input", no_change, WGC_DOC_OK, "port 51820" },
	{ "firewall.input", fw_drop, WGC_DOC_FAIL, "inet filter input handle 4" },
	{ "firewall.input", fw_unknown, WGC_DOC_CANNOT_TELL, "handle 9" },
	{ "firewall.input", fw_legacy, WGC_DOC_CANNOT_TELL, "legacy iptables" },
	{ "firewall.output", fw_out_drop, WGC_DOC_FAIL, "policy drop of ip t out" },
	{ "firewall.output", no_endpoint, WGC_DOC_SKIP, NULL },
	{ "handshake.invalid_mac1", no_change, WGC_DOC_OK, NULL },
	{ "handshake.invalid_mac1", mac1, WGC_DOC_WARN, "10.200.0.2:51820" },
	{ "handshake.invalid_mac1", mac1, WGC_DOC_WARN, "HUBKEY=" },
	{ "handshake.invalid_mac1", no_counters, WGC_DOC_CANNOT_TELL, "wgcd" },
	{ "handshake.unknown_peer", unknown_peer, WGC_DOC_WARN, "10.200.0.9:4000" },
	{ "handshake.stale_timestamp", stale, WGC_DOC_WARN, "time sync" },
	{ "handshake.stale_timestamp", no_change, WGC_DOC_OK, NULL },
	{ "peer.handshake", no_change, WGC_DOC_OK, "5 s ago" },
	{ "peer.handshake", old_handshake, WGC_DOC_WARN, "181 s" },
	{ "peer.handshake", no_response, WGC_DOC_FAIL, NULL },
	{ "peer.attempts", no_change, WGC_DOC_OK, "1 response" },
	{ "peer.attempts", no_response, WGC_DOC_FAIL, "PublicKey" },
	{ "peer.attempts", port_closed, WGC_DOC_FAIL, "nothing listens" },
	{ "peer.attempts", no_counters, WGC_DOC_CANNOT_TELL, "counters" },
	{ "route.endpoint", no_change, WGC_DOC_OK, "dev veth0" },
	{ "route.endpoint", loop, WGC_DOC_FAIL, "loop" },
	{ "route.endpoint", unrouted, WGC_DOC_FAIL, "no route" },
	{ "route.endpoint", loop_seen, WGC_DOC_WARN, "dropped 4 of its own packets" },
	{ "route.endpoint", no_endpoint, WGC_DOC_SKIP, NULL },
	{ "route.mtu", no_change, WGC_DOC_OK, NULL },
	{ "route.mtu", exact_path, WGC_DOC_OK, NULL },
	{ "route.mtu", small_path, WGC_DOC_WARN, "MTU = 1419" },
	{ "hairpin", no_change, WGC_DOC_OK, NULL },
	{ "hairpin", local_ep, WGC_DOC_FAIL, "LAN address" },
	{ "hairpin", loopback_ep, WGC_DOC_OK, "loopback" },
	{ "hairpin", loopback6_ep, WGC_DOC_OK, "loopback" },
	{ "hairpin", gw_ep, WGC_DOC_WARN, "NAT loopback" },
	{ "who_answers", no_change, WGC_DOC_OK, "initial 64, 0 hops" },
	{ "who_answers", modem, WGC_DOC_WARN, "initial 255, 1 hops" },
	{ "who_answers", modem_vs_hs, WGC_DOC_FAIL, "modem" },
	{ "who_answers", same_ttl, WGC_DOC_OK, "1 hops" },
	{ "who_answers", no_ping, WGC_DOC_WARN, NULL },
	{ "who_answers", unprobed, WGC_DOC_SKIP, "not probed" },
	{ "endpoint.port", port_closed, WGC_DOC_FAIL, "ICMP port unreachable" },
	{ "endpoint.port", no_change, WGC_DOC_OK, NULL },
	{ "traffic.source_not_allowed", no_change, WGC_DOC_OK, NULL },
	{ "traffic.source_not_allowed", src_not_allowed, WGC_DOC_WARN, "AllowedIPs" },
	{ "traffic.no_route", no_route, WGC_DOC_WARN, "9 outgoing" },
	{ "traffic.mtu_probe", no_change, WGC_DOC_OK, "1392-byte" },
	{ "traffic.mtu_probe", black_hole, WGC_DOC_FAIL, "MTU = 1200" },
	{ "traffic.mtu_probe", tunnel_dead, WGC_DOC_WARN, NULL },
	{ "traffic.mtu_probe", unprobed, WGC_DOC_SKIP, NULL },
};

static const struct wgc_doc_result *find(const struct wgc_doc_report *r, const char *check)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->items[i].check, check))
			return &r->items[i];
	return NULL;
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct wgc_doc_device_facts d;
		struct wgc_doc_peer_facts p;
		struct wgc_doc_report r = { 0 };
		const struct wgc_doc_result *res;
		bool ok;

		healthy(&d, &p);
		rows[i].change(&d, &p);
		wgc_doctor_device(&r, &d);
		wgc_doctor_peer(&r, &d, &p);
		res = find(&r, rows[i].check);
		ok = res && res->verdict == rows[i].want &&
		     (!rows[i].word || strstr(res->evidence, rows[i].word) || strstr(res->advice, rows[i].word));
		if (!ok)
			fprintf(stderr, "row %zu %s: got %s: %s / %s\n", i, rows[i].check,
				res ? wgc_doctor_verdict_name(res->verdict) : "(missing)", res ? res->evidence : "",
				res ? res->advice : "");
		CHECK(ok);
		wgc_doctor_report_free(&r);
	}
}

/* Every result of a healthy setup is ok or skip, and every check appears once. */
static void test_healthy_all_ok(void)
{
	struct wgc_doc_device_facts d;
	struct wgc_doc_peer_facts p;
	struct wgc_doc_report r = { 0 };

	healthy(&d, &p);
	wgc_doctor_device(&r, &d);
	wgc_doctor_peer(&r, &d, &p);
	CHECK(r.n == 23);
	for (size_t i = 0; i < r.n; i++) {
		CHECK(r.items[i].verdict == WGC_DOC_OK || r.items[i].verdict == WGC_DOC_SKIP);
		CHECK(r.items[i].evidence[0]);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(r.items[i].check, r.items[j].check) || strcmp(r.items[i].peer, r.items[j].peer));
	}
	wgc_doctor_report_free(&r);
}

static void test_missing_device(void)
{
	struct wgc_doc_device_facts d = { .name = "wg9" };
	struct wgc_doc_report r = { 0 };

	wgc_doctor_device(&r, &d);
	CHECK(r.n == 1 && r.items[0].verdict == WGC_DOC_FAIL && strstr(r.items[0].advice, "wgc up wg9"));
	wgc_doctor_report_free(&r);
}

static void test_initial_ttl(void)
{
	static const int in[] = { 1, 63, 64, 65, 127, 128, 129, 237, 255 }, want[] = { 64, 64, 64, 128, 128, 128, 255, 255, 255 };

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		CHECK(wgc_doctor_initial_ttl(in[i]) == want[i]);
}

static void test_json_and_summary(void)
{
	struct wgc_doc_interface itf = { .name = "wg0", .backend = "wgcd", .counters = true };
	struct wgc_doc_device_facts d;
	struct wgc_doc_peer_facts p;
	struct wgc_strbuf out = { 0 };
	unsigned c[5];

	healthy(&d, &p);
	link_down(&d, &p);
	snprintf(itf.probes[0], sizeof(itf.probes[0]), "10.200.0.2 (pings)");
	wgc_doctor_device(&itf.report, &d);
	wgc_doctor_peer(&itf.report, &d, &p);
	CHECK(wgc_doctor_summary(&itf, 1, c) == WGC_DOC_FAIL && c[WGC_DOC_FAIL] == 1);
	wgc_doctor_format_json(&out, &itf, 1);
	CHECK(out.data && strstr(out.data, "\"result\": \"fail\""));
	CHECK(out.data && strstr(out.data, "\"check\": \"device.up\""));
	CHECK(out.data && strstr(out.data, "\"peer\": null"));
	CHECK(out.data && strstr(out.data, "\"peer\": \"PEERKEY=\""));
	wgc_strbuf_free(&out);
	wgc_doctor_format_text(&out, &itf, 1, false);
	CHECK(out.data && strstr(out.data, "fail        device.up") && strstr(out.data, "-> ip link set wg0 up"));
	wgc_strbuf_free(&out);
	wgc_doctor_report_free(&itf.report);
}

int main(void)
{
	RUN_TEST(test_table);
	RUN_TEST(test_healthy_all_ok);
	RUN_TEST(test_missing_device);
	RUN_TEST(test_initial_ttl);
	RUN_TEST(test_json_and_summary);
	return harness_exit_code();
}

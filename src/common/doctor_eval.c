// SPDX-License-Identifier: MIT
/*
 * One static function per check; each adds exactly one result. The
 * wording follows what a user who knows `wg show` needs next: the evidence
 * quotes numbers and names, the advice is a command or a config line.
 * Thresholds come from the protocol: a session is dead after 180 s
 * (REJECT_AFTER_TIME), WireGuard adds 60 bytes over IPv4 and 80 over IPv6
 * to each inner packet (outer IP + UDP 8 + header 16 + tag 16).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/doctor_eval.h"

enum { REJECT_AFTER_TIME = 180, OVERHEAD_V4 = 60, OVERHEAD_V6 = 80 };

static __thread struct wgc_doc_result sink; /* where results go when memory runs out */

__attribute__((format(printf, 5, 6)))
static struct wgc_doc_result *add(struct wgc_doc_report *r, const char *check, const char *peer,
				  enum wgc_doc_verdict v, const char *fmt, ...)
{
	struct wgc_doc_result *res = &sink;
	va_list ap;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 32;
		struct wgc_doc_result *p = realloc(r->items, ncap * sizeof(*p));

		if (p) {
			r->items = p;
			r->cap = ncap;
		}
	}
	if (r->n < r->cap)
		res = &r->items[r->n++];
	else
		r->failed = true;
	memset(res, 0, sizeof(*res));
	snprintf(res->check, sizeof(res->check), "%s", check);
	snprintf(res->peer, sizeof(res->peer), "%s", peer ? peer : "");
	res->verdict = v;
	va_start(ap, fmt);
	vsnprintf(res->evidence, sizeof(res->evidence), fmt, ap);
	va_end(ap);
	return res;
}

__attribute__((format(printf, 2, 3)))
static void advise(struct wgc_doc_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->advice, sizeof(res->advice), fmt, ap);
	va_end(ap);
}

const char *wgc_doctor_verdict_name(enum wgc_doc_verdict v)
{
	static const char *names[] = { "ok", "warn", "fail", "cannot tell", "skip" };

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

int wgc_doctor_initial_ttl(int ttl)
{
	return ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

void wgc_doctor_report_free(struct wgc_doc_report *report)
{
	free(report->items);
	memset(report, 0, sizeof(*report));
}

static const char *NEEDS_COUNTERS = "needs wgcd's counters (this backend reports none)";

/* --- the device ------------------------------------------------------------ */

static void check_daemon(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d)
{
	struct wgc_doc_result *res;

	if (d->daemon_answers) {
		res = add(r, "device.daemon", NULL, WGC_DOC_OK, "%s answers (%s)", d->name,
			  d->kernel ? "kernel interface, netlink" : "userspace daemon, UAPI socket");
		advise(res, "nothing to do");
		return;
	}
	res = add(r, "device.daemon", NULL, WGC_DOC_FAIL, "%s exists but its state cannot be read: %s", d->name,
		  strerror(d->get_error ? d->get_error : EIO));
	advise(res, d->get_error == EACCES || d->get_error == EPERM ? "run wgc doctor as root"
		    : "the daemon is hung or gone: restart it (wgc down %s; wgc up %s) and read its log",
	       d->name, d->name);
}

static void check_up(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d)
{
	struct wgc_doc_result *res;

	if (d->link_up == WGC_DOC_YES) {
		res = add(r, "device.up", NULL, WGC_DOC_OK, "link %s is up, MTU %d", d->name, d->mtu);
		advise(res, "nothing to do");
	} else if (d->link_up == WGC_DOC_NO) {
		res = add(r, "device.up", NULL, WGC_DOC_FAIL, "link %s is down: nothing is routed through it", d->name);
		advise(res, "ip link set %s up (wgc up does this)", d->name);
	} else {
		res = add(r, "device.up", NULL, WGC_DOC_CANNOT_TELL, "no network link named %s in this network namespace",
			  d->name);
		advise(res, "the daemon runs in another network namespace (the UAPI socket directory is shared): "
			    "run wgc doctor there, ip netns exec NS wgc doctor %s", d->name);
	}
}

static void check_port(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d)
{
	struct wgc_doc_result *res;

	if (d->link_up == WGC_DOC_UNKNOWN && !d->kernel) {
		res = add(r, "device.port", NULL, WGC_DOC_CANNOT_TELL,
			  "listen port %u; the daemon's sockets are not in this network namespace", d->listen_port);
		advise(res, "run wgc doctor in the daemon's network namespace");
	} else if (d->port_bound == WGC_DOC_YES) {
		res = add(r, "device.port", NULL, WGC_DOC_OK, "UDP port %u bound on %s", d->listen_port, d->bound_on);
		advise(res, "nothing to do");
	} else if (d->port_bound == WGC_DOC_NO) {
		res = add(r, "device.port", NULL, WGC_DOC_FAIL, "listen port %u, but no UDP socket is bound to it",
			  d->listen_port);
		advise(res, "another program may hold the port, or the daemon lost its socket: restart it");
	} else {
		res = add(r, "device.port", NULL, WGC_DOC_CANNOT_TELL, "listen port %u; %s", d->listen_port,
			  d->kernel ? "the kernel's sockets are not listed by ss" : "the socket list could not be read");
		advise(res, "check with: ss -ulpn sport = :%u", d->listen_port);
	}
}

static void check_fwmark(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d)
{
	struct wgc_doc_result *res;

	if (d->fwmark)
		res = add(r, "device.fwmark", NULL, WGC_DOC_OK,
			  "fwmark 0x%" PRIx32 ": the tunnel's own UDP is routed by rules matching it", d->fwmark);
	else
		res = add(r, "device.fwmark", NULL, WGC_DOC_OK, "no fwmark: the tunnel's own UDP follows the main table");
	advise(res, "nothing to do");
}

static void check_hub(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d)
{
	struct wgc_doc_result *res;

	if (!d->hub) {
		add(r, "hub.forwarding", NULL, WGC_DOC_SKIP, "not a hub config (no `# wgc hub' line)");
		add(r, "hub.nat", NULL, WGC_DOC_SKIP, "not a hub config");
		return;
	}
	if (d->forwarding_v4 == WGC_DOC_NO) {
		res = add(r, "hub.forwarding", NULL, WGC_DOC_FAIL,
			  "net.ipv4.ip_forward = 0: the hub does not route between its peers and the LAN");
		advise(res, "sysctl -w net.ipv4.ip_forward=1, and set it in /etc/sysctl.d/ to keep it");
	} else if (d->forwarding_v4 == WGC_DOC_YES) {
		res = add(r, "hub.forwarding", NULL, WGC_DOC_OK, "net.ipv4.ip_forward = 1%s",
			  d->forwarding_v6 == WGC_DOC_NO ? " (IPv6 forwarding off)" : "");
		advise(res, d->forwarding_v6 == WGC_DOC_NO ? "for IPv6 peers: sysctl -w net.ipv6.conf.all.forwarding=1"
							   : "nothing to do");
	} else {
		res = add(r, "hub.forwarding", NULL, WGC_DOC_CANNOT_TELL, "net.ipv4.ip_forward could not be read");
		advise(res, "sysctl net.ipv4.ip_forward");
	}
	if (d->nat == WGC_DOC_YES) {
		res = add(r, "hub.nat", NULL, WGC_DOC_OK, "NAT present: %s", d->nat_rule);
		advise(res, "nothing to do");
	} else if (d->nat == WGC_DOC_NO) {
		res = add(r, "hub.nat", NULL, WGC_DOC_WARN, "no masquerade or snat rule in a postrouting nat chain");
		advise(res, "unless the LAN routes the tunnel's prefix back to this hub, add one: "
			    "nft add rule ip nat postrouting ip saddr TUNNEL-PREFIX masquerade");
	} else {
		res = add(r, "hub.nat", NULL, WGC_DOC_CANNOT_TELL, "the nftables ruleset could not be read");
		advise(res, "run as root with nft installed");
	}
}

static void firewall_result(struct wgc_doc_report *r, const char *check, const char *peer, bool read,
			    const struct wgc_fw_result *fw, const char *what, const char *legacy)
{
	struct wgc_doc_result *res;

	if (!read) {
		res = add(r, check, peer, WGC_DOC_CANNOT_TELL, "the nftables ruleset could not be read (nft -j list ruleset)");
		advise(res, "run as root with nft installed");
	} else if (fw->verdict == WGC_FW_DROP) {
		res = add(r, check, peer, WGC_DOC_FAIL, "%s is dropped by %s", what, fw->rule);
		advise(res, "allow it before that rule (nft -a list ruleset shows the handle)");
	} else if (fw->verdict == WGC_FW_CANNOT_TELL) {
		res = add(r, check, peer, WGC_DOC_CANNOT_TELL, "%s: %s", what, fw->rule);
		advise(res, "read that rule yourself: nft -a list ruleset");
	} else if (legacy && legacy[0]) {
		res = add(r, check, peer, WGC_DOC_CANNOT_TELL, "nftables passes %s, but %s", what, legacy);
		advise(res, "read them yourself: iptables-legacy-save");
	} else {
		res = add(r, check, peer, WGC_DOC_OK, "nftables passes %s", what);
		advise(res, "nothing to do");
	}
}

static void check_counters_device(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d)
{
	struct wgc_doc_result *res;

	if (!d->counters) {
		add(r, "handshake.invalid_mac1", NULL, WGC_DOC_CANNOT_TELL, "%s", NEEDS_COUNTERS);
		add(r, "handshake.unknown_peer", NULL, WGC_DOC_CANNOT_TELL, "%s", NEEDS_COUNTERS);
		add(r, "handshake.stale_timestamp", NULL, WGC_DOC_CANNOT_TELL, "%s", NEEDS_COUNTERS);
		add(r, "traffic.no_route", NULL, WGC_DOC_CANNOT_TELL, "%s", NEEDS_COUNTERS);
		return;
	}
	if (d->rejected_invalid_mac1.value) {
		res = add(r, "handshake.invalid_mac1", NULL, WGC_DOC_WARN,
			  "%" PRIu64 " handshake message(s) with a bad mac1 (sent to another public key), from %s",
			  d->rejected_invalid_mac1.value, d->mac1_sources[0] ? d->mac1_sources : "unrecorded sources");
		advise(res, "the sender has a wrong public key for this host: its [Peer] PublicKey must be %s",
		       d->public_key);
	} else {
		res = add(r, "handshake.invalid_mac1", NULL, WGC_DOC_OK, "no handshake message with a bad mac1");
		advise(res, "nothing to do");
	}
	if (d->rejected_unknown_peer.value) {
		res = add(r, "handshake.unknown_peer", NULL, WGC_DOC_WARN,
			  "%" PRIu64 " initiation(s) from a public key not configured here, from %s",
			  d->rejected_unknown_peer.value,
			  d->unknown_peer_sources[0] ? d->unknown_peer_sources : "unrecorded sources");
		advise(res, "add that client as a [Peer] here, or remove this host from that client's config");
	} else {
		res = add(r, "handshake.unknown_peer", NULL, WGC_DOC_OK, "no initiation from an unknown public key");
		advise(res, "nothing to do");
	}
	if (d->rejected_stale_timestamp.value) {
		res = add(r, "handshake.stale_timestamp", NULL, WGC_DOC_WARN,
			  "%" PRIu64 " initiation(s) with a timestamp older than one already accepted, from %s",
			  d->rejected_stale_timestamp.value, d->stale_sources[0] ? d->stale_sources : "unrecorded sources");
		advise(res, "a replay, or a peer whose clock went backwards: check its time sync "
			    "(boards without a real-time clock need NTP before WireGuard starts)");
	} else {
		res = add(r, "handshake.stale_timestamp", NULL, WGC_DOC_OK, "no initiation with a stale timestamp");
		advise(res, "nothing to do");
	}
	if (d->data_dropped_no_route.value) {
		res = add(r, "traffic.no_route", NULL, WGC_DOC_WARN,
			  "%" PRIu64 " outgoing packet(s) matched no peer's AllowedIPs and were dropped",
			  d->data_dropped_no_route.value);
		advise(res, "a route sends traffic into %s for which no peer is configured: add the prefix to a "
			    "peer's AllowedIPs or fix the route", d->name);
	} else {
		res = add(r, "traffic.no_route", NULL, WGC_DOC_OK, "no outgoing packet without a peer");
		advise(res, "nothing to do");
	}
}

void wgc_doctor_device(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d)
{
	struct wgc_doc_result *res;
	char what[96];

	if (!d->exists) {
		res = add(r, "device.exists", NULL, WGC_DOC_FAIL, "no WireGuard interface %s (no UAPI socket, no kernel link)",
			  d->name);
		advise(res, "bring it up: wgc up %s", d->name);
		return;
	}
	res = add(r, "device.exists", NULL, WGC_DOC_OK, "%s exists", d->name);
	advise(res, "nothing to do");
	check_daemon(r, d);
	if (!d->daemon_answers)
		return;
	check_up(r, d);
	check_port(r, d);
	check_fwmark(r, d);
	check_hub(r, d);
	snprintf(what, sizeof(what), "UDP to listen port %u", d->listen_port);
	firewall_result(r, "firewall.input", NULL, d->firewall_read, &d->fw_in, what, d->legacy_iptables);
	check_counters_device(r, d);
}

/* --- one peer -------------------------------------------------------------- */

static void check_route(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d,
			const struct wgc_doc_peer_facts *p)
{
	const char *k = p->public_key;
	struct wgc_doc_result *res;
	bool v6 = strchr(p->endpoint_host, ':') != NULL;
	int overhead = v6 ? OVERHEAD_V6 : OVERHEAD_V4;

	if (!p->endpoint[0]) {
		add(r, "route.endpoint", k, WGC_DOC_SKIP, "no endpoint: this peer must contact us first");
		add(r, "route.mtu", k, WGC_DOC_SKIP, "no endpoint");
		return;
	}
	if (p->routed == WGC_DOC_NO) {
		res = add(r, "route.endpoint", k, WGC_DOC_FAIL, "no route to %s%s", p->endpoint_host,
			  d->fwmark ? " (with the fwmark)" : "");
		advise(res, "add a route (usually a default route via your gateway)");
	} else if (p->routed == WGC_DOC_UNKNOWN) {
		res = add(r, "route.endpoint", k, WGC_DOC_CANNOT_TELL, "ip route get %s failed", p->endpoint_host);
		advise(res, "check: ip route get %s", p->endpoint_host);
	} else if (!strcmp(p->route_dev, d->name)) {
		res = add(r, "route.endpoint", k, WGC_DOC_FAIL,
			  "%s is routed into %s itself: the tunnel's own packets would loop", p->endpoint_host, d->name);
		advise(res, "exclude the endpoint from the tunnel: a FwMark with a policy rule (wgc up does this for "
			    "0.0.0.0/0), or a /32 route to it via the real gateway");
	} else if (d->data_dropped_routing_loop.value) {
		res = add(r, "route.endpoint", k, WGC_DOC_WARN,
			  "%s is routed via %s now, but wgcd dropped %" PRIu64 " of its own packets routed into %s",
			  p->endpoint_host, p->route_dev, d->data_dropped_routing_loop.value, d->name);
		advise(res, "a route into the tunnel covered the endpoint at some time: check routes and rules "
			    "that change (wgc route-check %s %s)", d->name, p->endpoint_host);
	} else {
		res = add(r, "route.endpoint", k, WGC_DOC_OK, "%s %s%s dev %s, source %s%s", p->endpoint_host,
			  p->route_via[0] ? "via " : "directly", p->route_via, p->route_dev,
			  p->route_src[0] ? p->route_src : "(none)", d->fwmark ? " (with the fwmark)" : "");
		advise(res, "nothing to do");
	}
	if (!p->path_mtu || !d->mtu || p->routed != WGC_DOC_YES) {
		add(r, "route.mtu", k, WGC_DOC_CANNOT_TELL, "path MTU or interface MTU unknown");
	} else if (d->mtu + overhead > p->path_mtu) {
		res = add(r, "route.mtu", k, WGC_DOC_WARN,
			  "interface MTU %d + %d bytes of WireGuard overhead > path MTU %d via %s", d->mtu, overhead,
			  p->path_mtu, p->route_dev);
		advise(res, "large packets get fragmented or lost: set MTU = %d on %s", p->path_mtu - overhead, d->name);
	} else {
		res = add(r, "route.mtu", k, WGC_DOC_OK, "interface MTU %d + %d fits path MTU %d", d->mtu, overhead,
			  p->path_mtu);
		advise(res, "nothing to do");
	}
}

static void check_handshake(struct wgc_doc_report *r, const struct wgc_doc_peer_facts *p)
{
	const char *k = p->public_key;
	struct wgc_doc_result *res;

	if (p->handshake_age < 0) {
		res = add(r, "peer.handshake", k, WGC_DOC_FAIL, "no handshake with this peer yet");
		advise(res, p->endpoint[0] ? "see the checks below for why" : "wait for the peer to connect to us");
	} else if (p->handshake_age <= REJECT_AFTER_TIME) {
		res = add(r, "peer.handshake", k, WGC_DOC_OK, "latest handshake %" PRId64 " s ago", p->handshake_age);
		advise(res, "nothing to do");
	} else {
		res = add(r, "peer.handshake", k, WGC_DOC_WARN,
			  "latest handshake %" PRId64 " s ago: no session now (normal for an idle peer)", p->handshake_age);
		advise(res, "send traffic to it (ping its tunnel address) and run wgc doctor again");
	}
}

static void check_attempts(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d,
			   const struct wgc_doc_peer_facts *p)
{
	const char *k = p->public_key;
	struct wgc_doc_result *res;
	uint64_t sent = p->initiations_sent.value, got = p->responses_received.value;

	if (!p->initiations_sent.has || !p->responses_received.has) {
		add(r, "peer.attempts", k, WGC_DOC_CANNOT_TELL, "%s", NEEDS_COUNTERS);
	} else if (sent && !got && p->handshake_age < 0) {
		res = add(r, "peer.attempts", k, WGC_DOC_FAIL, "%" PRIu64 " initiation(s) sent, no response%s", sent,
			  p->port_unreachable == WGC_DOC_YES ? ", and its port is closed" : "");
		if (p->port_unreachable == WGC_DOC_YES)
			advise(res, "the host answers but nothing listens on %s: is WireGuard running there?", p->endpoint);
		else
			advise(res, "a responder drops an initiation for another key silently: check that this "
				    "[Peer] PublicKey is the peer's (wg show on the peer), and the firewall there");
	} else {
		res = add(r, "peer.attempts", k, WGC_DOC_OK, "%" PRIu64 " initiation(s) sent, %" PRIu64 " response(s)",
			  sent, got);
		advise(res, "nothing to do");
	}
	(void)d;
}

static void check_peer_counters(struct wgc_doc_report *r, const struct wgc_doc_peer_facts *p)
{
	const char *k = p->public_key;
	struct wgc_doc_result *res;

	if (!p->data_rejected_source_not_allowed.has) {
		add(r, "traffic.source_not_allowed", k, WGC_DOC_CANNOT_TELL, "%s", NEEDS_COUNTERS);
	} else if (p->data_rejected_source_not_allowed.value) {
		res = add(r, "traffic.source_not_allowed", k, WGC_DOC_WARN,
			  "%" PRIu64 " packet(s) from this peer had an inner source outside its AllowedIPs",
			  p->data_rejected_source_not_allowed.value);
		advise(res, "add the peer's tunnel address (its Address) to this peer's AllowedIPs, or fix its Address");
	} else {
		res = add(r, "traffic.source_not_allowed", k, WGC_DOC_OK, "no packet with a source outside AllowedIPs");
		advise(res, "nothing to do");
	}
}

/* 127.0.0.0/8 or ::1: a peer on this very host, reached without any router (no NAT to loop back). */
static bool host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static void check_hairpin(struct wgc_doc_report *r, const struct wgc_doc_peer_facts *p)
{
	const char *k = p->public_key;
	struct wgc_doc_result *res;

	if (!p->endpoint[0]) {
		add(r, "hairpin", k, WGC_DOC_SKIP, "no endpoint");
	} else if (host_is_loopback(p->endpoint_host)) {
		res = add(r, "hairpin", k, WGC_DOC_OK, "the endpoint %s is a loopback address: the peer is on this host, "
						  "no NAT in the way", p->endpoint);
		advise(res, "nothing to do");
	} else if (p->endpoint_is_local) {
		res = add(r, "hairpin", k, WGC_DOC_FAIL, "the endpoint %s is an address of this host", p->endpoint);
		advise(res, "this host's public address reaches the peer only through the router's NAT loopback "
			    "(hairpin), which often fails: give the peer an endpoint candidate with its LAN address");
	} else if (p->endpoint_is_lan_gateway) {
		res = add(r, "hairpin", k, WGC_DOC_WARN,
			  "the endpoint %s is the LAN gateway: a LAN peer reached through the router's NAT loopback",
			  p->endpoint);
		advise(res, "when the router's NAT loopback (hairpin) breaks, handshakes stop: give this peer an "
			    "endpoint candidate with its LAN address");
	} else {
		res = add(r, "hairpin", k, WGC_DOC_OK, "the endpoint %s is neither this host nor a LAN gateway", p->endpoint);
		advise(res, "nothing to do");
	}
}

static void check_who_answers(struct wgc_doc_report *r, const struct wgc_doc_peer_facts *p)
{
	const char *k = p->public_key;
	struct wgc_doc_result *res;
	int init, hs_init;

	if (!p->probed || !p->endpoint[0]) {
		add(r, "who_answers", k, WGC_DOC_SKIP, p->endpoint[0] ? "not probed (name the peer to probe it)" : "no endpoint");
		return;
	}
	if (p->ping_ttl < 0) {
		res = add(r, "who_answers", k, WGC_DOC_WARN, "%s does not answer ping%s", p->endpoint_host,
			  p->port_unreachable == WGC_DOC_YES ? ", but reports its port closed" : "");
		advise(res, "the host may be down or filter ICMP");
		return;
	}
	init = wgc_doctor_initial_ttl(p->ping_ttl);
	if (p->handshake_ttl.has && p->handshake_ttl.value) {
		hs_init = wgc_doctor_initial_ttl((int)p->handshake_ttl.value);
		if ((int)p->handshake_ttl.value != p->ping_ttl) {
			res = add(r, "who_answers", k, WGC_DOC_FAIL,
				  "ping answered with TTL %d (initial %d, %d hops) but the peer's handshakes arrive with "
				  "TTL %" PRIu64 " (initial %d, %d hops)", p->ping_ttl, init, init - p->ping_ttl,
				  p->handshake_ttl.value, hs_init, hs_init - (int)p->handshake_ttl.value);
			advise(res, "another device (a modem or router) answers pings instead of the peer: the peer "
				    "itself may be down or its uplink not up");
			return;
		}
		res = add(r, "who_answers", k, WGC_DOC_OK, "ping and the peer's handshakes both arrive with TTL %d (initial %d, %d hops)",
			  p->ping_ttl, init, init - p->ping_ttl);
		advise(res, "nothing to do");
		return;
	}
	if (init == 255) {
		res = add(r, "who_answers", k, WGC_DOC_WARN,
			  "%s answers ping with TTL %d (initial 255, %d hops), typical of a router or modem, not of a "
			  "Linux (64) or Windows (128) host; the comparison with the peer's handshake TTL needs a "
			  "backend that records it (last_handshake_ttl)",
			  p->endpoint_host, p->ping_ttl, 255 - p->ping_ttl);
		advise(res, "if the peer is a Linux or Windows host, another device answers for its address: is the "
			    "peer's own uplink up?");
		return;
	}
	res = add(r, "who_answers", k, WGC_DOC_OK, "%s answers ping with TTL %d (initial %d, %d hops)%s", p->endpoint_host,
		  p->ping_ttl, init, init - p->ping_ttl,
		  p->handshake_ttl.has ? "" : "; no handshake TTL from the backend to compare with");
	advise(res, "nothing to do");
}

static void check_port_closed(struct wgc_doc_report *r, const struct wgc_doc_peer_facts *p)
{
	const char *k = p->public_key;
	struct wgc_doc_result *res;

	/* wgcd saw it on its own traffic, since the last handshake: no probe needed */
	if (p->endpoint[0] && p->icmp_port_unreachable.has && p->icmp_unreachable_age >= 0 &&
	    (p->handshake_age < 0 || p->icmp_unreachable_age < p->handshake_age)) {
		res = add(r, "endpoint.port", k, WGC_DOC_FAIL,
			  "wgcd received %" PRIu64 " ICMP port unreachable for the peer's endpoint %s, the last %" PRId64
			  " s ago, after the last handshake: host up, nothing listening",
			  p->icmp_port_unreachable.value, p->endpoint, p->icmp_unreachable_age);
		advise(res, "start WireGuard on the peer, or fix the port in Endpoint");
		return;
	}
	if (!p->probed || !p->endpoint[0] || p->port_unreachable == WGC_DOC_UNKNOWN) {
		add(r, "endpoint.port", k, WGC_DOC_SKIP, p->endpoint[0] ? "not probed" : "no endpoint");
	} else if (p->port_unreachable == WGC_DOC_YES) {
		res = add(r, "endpoint.port", k, WGC_DOC_FAIL, "%s answers ICMP port unreachable: host up, nothing listening",
			  p->endpoint);
		advise(res, "start WireGuard on the peer, or fix the port in Endpoint");
	} else {
		res = add(r, "endpoint.port", k, WGC_DOC_OK, "no ICMP port unreachable from %s", p->endpoint);
		advise(res, "nothing to do");
	}
}

static void check_mtu_probe(struct wgc_doc_report *r, const struct wgc_doc_peer_facts *p)
{
	const char *k = p->public_key;
	struct wgc_doc_result *res;

	if (!p->probed || !p->tunnel_addr[0] || p->small_probe_ok == WGC_DOC_UNKNOWN) {
		add(r, "traffic.mtu_probe", k, WGC_DOC_SKIP, !p->probed ? "not probed"
							     : !p->tunnel_addr[0] ? "no single tunnel address in AllowedIPs"
										  : "not run");
	} else if (p->small_probe_ok == WGC_DOC_NO) {
		res = add(r, "traffic.mtu_probe", k, WGC_DOC_WARN, "%s does not answer ping through the tunnel",
			  p->tunnel_addr);
		advise(res, "no session, or the peer filters ICMP: see peer.handshake");
	} else if (p->full_probe_ok == WGC_DOC_NO) {
		res = add(r, "traffic.mtu_probe", k, WGC_DOC_FAIL,
			  "small pings to %s pass, %d-byte ones with DF do not (largest that passed: %d): an MTU black hole",
			  p->tunnel_addr, p->full_probe_size, p->largest_ok_size);
		advise(res, "lower the MTU of the tunnel on both sides (MTU = %d fits)",
		       p->largest_ok_size ? p->largest_ok_size + 28 : 1280);
	} else {
		res = add(r, "traffic.mtu_probe", k, WGC_DOC_OK, "a %d-byte ping with DF crossed the tunnel to %s",
			  p->full_probe_size, p->tunnel_addr);
		advise(res, "nothing to do");
	}
}

void wgc_doctor_peer(struct wgc_doc_report *r, const struct wgc_doc_device_facts *d, const struct wgc_doc_peer_facts *p)
{
	char what[192];

	check_handshake(r, p);
	check_attempts(r, d, p);
	if (p->endpoint[0]) {
		snprintf(what, sizeof(what), "UDP to the endpoint %s", p->endpoint);
		firewall_result(r, "firewall.output", p->public_key, p->firewall_read, &p->fw_out, what, d->legacy_iptables);
		snprintf(what, sizeof(what), "UDP from %s to port %u", p->endpoint, d->listen_port);
		firewall_result(r, "firewall.peer_input", p->public_key, p->firewall_read, &p->fw_in, what,
				d->legacy_iptables);
	} else {
		add(r, "firewall.output", p->public_key, WGC_DOC_SKIP, "no endpoint");
		add(r, "firewall.peer_input", p->public_key, WGC_DOC_SKIP, "no endpoint");
	}
	check_route(r, d, p);
	check_hairpin(r, p);
	check_who_answers(r, p);
	check_port_closed(r, p);
	check_peer_counters(r, p);
	check_mtu_probe(r, p);
}

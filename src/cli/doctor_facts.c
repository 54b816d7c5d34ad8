// SPDX-License-Identifier: MIT
/*
 * Every external program is run through wgc_quick_query (PATH lookup,
 * stderr discarded); `ip -j` output is parsed with json-c. A program that
 * is missing or fails leaves the fact unknown, which the evaluator turns
 * into "cannot tell".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/doctor_facts.h"
#include "cli/doctor_probe.h"
#include "cli/quick_exec.h"
#include "common/addr.h"
#include "common/counter_view.h"
#include "common/ipt_eval.h"
#include "core/encoding.h"
#include "ipc/ipc.h"

/* Runs a command and parses its stdout as JSON; NULL on any failure. json_object_put() it. */
static json_object *query_json(const char *a0, const char *a1, const char *a2, const char *a3, const char *a4,
			       const char *a5, const char *a6)
{
	struct wgc_strbuf out = { 0 };
	json_object *j = NULL;

	if (wgc_quick_query(&out, a0, a1, a2, a3, a4, a5, a6, (char *)NULL) && out.data)
		j = json_tokener_parse(out.data);
	wgc_strbuf_free(&out);
	return j;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
												    : NULL;
}

static int jint(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : 0;
}

/* Reads a legacy iptables save into out; notes in env->legacy when the program is there but fails. */
static void read_legacy(struct cli_doc_env *env, struct wgc_strbuf *out, const char *prog)
{
	if (!wgc_quick_have(prog))
		return;
	if (!wgc_quick_query(out, prog, (char *)NULL)) {
		wgc_strbuf_free(out);
		snprintf(env->legacy, sizeof(env->legacy), "%s failed (not root?): legacy iptables not evaluated", prog);
	}
}

void cli_doc_env_init(struct cli_doc_env *env, const char *config_dir)
{
	memset(env, 0, sizeof(*env));
	env->config_dir = config_dir;
	env->now = time(NULL);
	env->ruleset_ok = wgc_quick_query(&env->ruleset, "nft", "-j", "list", "ruleset", (char *)NULL);
	read_legacy(env, &env->ipt4, "iptables-legacy-save");
	read_legacy(env, &env->ipt6, "ip6tables-legacy-save");
}

void cli_doc_env_free(struct cli_doc_env *env)
{
	wgc_strbuf_free(&env->ruleset);
	wgc_strbuf_free(&env->ipt4);
	wgc_strbuf_free(&env->ipt6);
}

/* nftables, then legacy iptables of the packet's family on top. */
static bool firewall_eval(const struct cli_doc_env *env, const struct wgc_fw_packet *pkt, struct wgc_fw_result *res)
{
	const struct wgc_strbuf *ipt = pkt->family == AF_INET ? &env->ipt4 : &env->ipt6;
	struct wgc_fw_result legacy;
	bool ok = env->ruleset_ok && wgc_nft_evaluate(env->ruleset.data, env->ruleset.len, pkt, res);

	if (ok && ipt->data) {
		wgc_ipt_evaluate(ipt->data, ipt->len, pkt, &legacy);
		wgc_fw_combine(res, &legacy);
	}
	return ok;
}

/* --- the device ------------------------------------------------------------ */

static void link_facts(struct wgc_doc_device_facts *f)
{
	json_object *j = query_json("ip", "-j", "link", "show", "dev", f->name, NULL), *l, *flags;

	f->link_up = WGC_DOC_UNKNOWN;
	if (!j || !json_object_is_type(j, json_type_array) || !(l = json_object_array_get_idx(j, 0))) {
		json_object_put(j);
		return;
	}
	f->mtu = jint(l, "mtu");
	f->link_up = WGC_DOC_NO;
	if (json_object_object_get_ex(l, "flags", &flags) && json_object_is_type(flags, json_type_array))
		for (size_t i = 0; i < json_object_array_length(flags); i++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(flags, i)) ?: "", "UP"))
				f->link_up = WGC_DOC_YES;
	json_object_put(j);
}

/* Addresses with a UDP socket on the listen port, from `ss -Hlnu`. */
static void port_facts(struct wgc_doc_device_facts *f)
{
	struct wgc_strbuf out = { 0 };
	char suffix[8];
	size_t used = 0;

	f->port_bound = WGC_DOC_UNKNOWN;
	if (f->kernel || !wgc_quick_query(&out, "ss", "-Hlnu", (char *)NULL) || !out.data)
		goto done;
	snprintf(suffix, sizeof(suffix), ":%u", f->listen_port);
	f->port_bound = WGC_DOC_NO;
	for (char *line = strtok(out.data, "\n"); line; line = strtok(NULL, "\n")) {
		char state[16], local[80];
		size_t ll;

		if (sscanf(line, "%15s %*s %*s %79s", state, local) != 2)
			continue;
		ll = strlen(local);
		if (ll <= strlen(suffix) || strcmp(local + ll - strlen(suffix), suffix))
			continue;
		local[ll - strlen(suffix)] = '\0';
		f->port_bound = WGC_DOC_YES;
		used += (size_t)snprintf(f->bound_on + used, used < sizeof(f->bound_on) ? sizeof(f->bound_on) - used : 0,
					 "%s%s", used ? ", " : "", local);
		if (used >= sizeof(f->bound_on))
			used = sizeof(f->bound_on) - 1;
	}
done:
	wgc_strbuf_free(&out);
}

static enum wgc_doc_tri read_sysctl(const char *path)
{
	FILE *fp = fopen(path, "re");
	int v = -1;

	if (!fp)
		return WGC_DOC_UNKNOWN;
	if (fscanf(fp, "%d", &v) != 1)
		v = -1;
	fclose(fp);
	return v < 0 ? WGC_DOC_UNKNOWN : v ? WGC_DOC_YES : WGC_DOC_NO;
}

/* A hub config carries `# wgc hub' before its first section. */
static bool is_hub(const char *dir, const char *ifname)
{
	char path[4096], line[256];
	bool hub = false;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, ifname);
	if (!(fp = fopen(path, "re")))
		return false;
	while (!hub && fgets(line, sizeof(line), fp)) {
		char *s = line + strspn(line, " \t");

		if (*s == '[')
			break;
		hub = !strncmp(s, "# wgc hub", 9) && (s[9] == '\n' || s[9] == '\0' || s[9] == ' ' || s[9] == '\r');
	}
	fclose(fp);
	return hub;
}

static void counter(const struct wgc_device_model *dev, const char *name, struct wgc_doc_counter *c)
{
	c->has = wgc_cv_device_get(dev, name, &c->value);
}

/* "a:p, b:p" of the recorded sources of one rejection reason. */
static void sources(const struct wgc_device_model *dev, const char *reason, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < wgc_cv_rejected_count(dev) && used + 1 < len; i++) {
		union wgc_endpoint from;
		const char *r = wgc_cv_rejected_at(dev, i, &from);
		char ep[WGC_ENDPOINT_STRLEN];

		/* The daemon may name the reason with or without the "rejected_" prefix. */
		if (!r || (strcmp(r, reason) && strcmp(r, reason + strlen("rejected_"))) || !wgc_endpoint_format(ep, &from))
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "", ep);
	}
}

static void firewall_device(struct wgc_doc_device_facts *f, const struct cli_doc_env *env)
{
	struct wgc_fw_packet pkt = { .hook = WGC_FW_INPUT, .family = AF_INET, .l4proto = IPPROTO_UDP,
				     .sport = 40000, .dport = f->listen_port };
	json_object *j;

	/*
	 * From an arbitrary address (TEST-NET-1) arriving on the default route's
	 * interface, or else on the first other interface that is up.
	 */
	inet_pton(AF_INET, "192.0.2.1", pkt.saddr);
	j = query_json("ip", "-j", "route", "get", "192.0.2.1", NULL, NULL);
	if (j && json_object_is_type(j, json_type_array) && json_object_array_length(j) > 0)
		snprintf(pkt.iifname, sizeof(pkt.iifname), "%s", jstr(json_object_array_get_idx(j, 0), "dev") ?: "");
	json_object_put(j);
	j = pkt.iifname[0] ? NULL : query_json("ip", "-j", "link", "show", "up", NULL, NULL);
	for (size_t i = 0; j && json_object_is_type(j, json_type_array) && i < json_object_array_length(j); i++) {
		json_object *l = json_object_array_get_idx(j, i);
		const char *name = jstr(l, "ifname");

		if (name && strcmp(name, f->name) && strcmp(jstr(l, "link_type") ?: "", "loopback")) {
			snprintf(pkt.iifname, sizeof(pkt.iifname), "%s", name);
			break;
		}
	}
	json_object_put(j);
	f->firewall_read = firewall_eval(env, &pkt, &f->fw_in);
	if (f->hub && env->ruleset_ok) {
		enum wgc_fw_verdict v = wgc_nft_find_nat(env->ruleset.data, env->ruleset.len, f->nat_rule);

		f->nat = v == WGC_FW_ACCEPT ? WGC_DOC_YES : v == WGC_FW_DROP ? WGC_DOC_NO : WGC_DOC_UNKNOWN;
	}
	snprintf(f->legacy_iptables, sizeof(f->legacy_iptables), "%s", env->legacy);
}

void cli_doc_device_facts(struct wgc_doc_device_facts *f, struct wgc_device_model *dev, const char *ifname,
			  const struct cli_doc_env *env)
{
	char b64[WGC_KEY_B64_LEN];
	int err;

	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", ifname);
	f->kernel = wgc_ipc_caps(ifname) & WGC_IPC_CAP_KERNEL;
	err = wgc_ipc_get(dev, ifname);
	link_facts(f);
	f->daemon_answers = err == 0;
	f->get_error = -err;
	f->exists = err == 0 || f->link_up != WGC_DOC_UNKNOWN ||
		    (err != -ENODEV && err != -ENOENT && err != -EPROTONOSUPPORT && err != -EOPNOTSUPP);
	if (err)
		return;
	/* Nothing below needs the private key. */
	explicit_bzero(dev->private_key, sizeof(dev->private_key));
	f->listen_port = dev->listen_port;
	f->fwmark = dev->fwmark;
	wgc_key_to_base64(b64, dev->public_key);
	snprintf(f->public_key, sizeof(f->public_key), "%s", b64);
	port_facts(f);
	f->hub = is_hub(env->config_dir, ifname);
	f->forwarding_v4 = read_sysctl("/proc/sys/net/ipv4/ip_forward");
	f->forwarding_v6 = read_sysctl("/proc/sys/net/ipv6/conf/all/forwarding");
	firewall_device(f, env);
	f->counters = wgc_cv_device_has(dev);
	counter(dev, "rejected_invalid_mac1", &f->rejected_invalid_mac1);
	counter(dev, "rejected_unknown_peer", &f->rejected_unknown_peer);
	counter(dev, "rejected_stale_timestamp", &f->rejected_stale_timestamp);
	counter(dev, "data_rejected_source_not_allowed", &f->data_rejected_source_not_allowed);
	counter(dev, "data_dropped_no_route", &f->data_dropped_no_route);
	counter(dev, "data_dropped_routing_loop", &f->data_dropped_routing_loop);
	sources(dev, "rejected_invalid_mac1", f->mac1_sources, sizeof(f->mac1_sources));
	sources(dev, "rejected_unknown_peer", f->unknown_peer_sources, sizeof(f->unknown_peer_sources));
	sources(dev, "rejected_stale_timestamp", f->stale_sources, sizeof(f->stale_sources));
}

/* --- one peer -------------------------------------------------------------- */

static void peer_counter(const struct wgc_peer_model *p, const char *name, struct wgc_doc_counter *c)
{
	c->has = wgc_cv_peer_get(p, name, &c->value);
}

static void route_facts(struct wgc_doc_peer_facts *f, uint32_t fwmark)
{
	char mark[16];
	json_object *j, *r;

	snprintf(mark, sizeof(mark), "%u", fwmark);
	j = fwmark ? query_json("ip", "-j", "route", "get", f->endpoint_host, "mark", mark)
		   : query_json("ip", "-j", "route", "get", f->endpoint_host, NULL, NULL);
	f->routed = WGC_DOC_NO;
	if (!j || !json_object_is_type(j, json_type_array) || !(r = json_object_array_get_idx(j, 0))) {
		json_object_put(j);
		return;
	}
	f->routed = jstr(r, "type") && strcmp(jstr(r, "type"), "unicast") && strcmp(jstr(r, "type"), "local")
			    ? WGC_DOC_NO : WGC_DOC_YES;
	snprintf(f->route_dev, sizeof(f->route_dev), "%s", jstr(r, "dev") ?: "");
	snprintf(f->route_via, sizeof(f->route_via), "%s", jstr(r, "gateway") ?: "");
	snprintf(f->route_src, sizeof(f->route_src), "%s", jstr(r, "prefsrc") ?: "");
	f->path_mtu = jint(r, "mtu");
	json_object_put(j);
	if (!f->path_mtu && f->route_dev[0] && (j = query_json("ip", "-j", "link", "show", "dev", f->route_dev, NULL))) {
		if (json_object_is_type(j, json_type_array) && json_object_array_length(j) > 0)
			f->path_mtu = jint(json_object_array_get_idx(j, 0), "mtu");
		json_object_put(j);
	}
}

/* Whether host is one of this host's addresses, or the gateway of one of its routes. */
static void hairpin_facts(struct wgc_doc_peer_facts *f)
{
	json_object *j = query_json("ip", "-j", "addr", "show", NULL, NULL, NULL), *ai;

	for (size_t i = 0; j && json_object_is_type(j, json_type_array) && i < json_object_array_length(j); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(j, i), "addr_info", &ai))
			for (size_t k = 0; k < json_object_array_length(ai); k++)
				if (!strcmp(jstr(json_object_array_get_idx(ai, k), "local") ?: "", f->endpoint_host))
					f->endpoint_is_local = true;
	json_object_put(j);
	j = query_json("ip", strchr(f->endpoint_host, ':') ? "-6" : "-4", "-j", "route", "show", "table", "all");
	for (size_t i = 0; j && json_object_is_type(j, json_type_array) && i < json_object_array_length(j); i++)
		if (!strcmp(jstr(json_object_array_get_idx(j, i), "gateway") ?: "", f->endpoint_host))
			f->endpoint_is_lan_gateway = true;
	json_object_put(j);
}

static void firewall_peer(struct wgc_doc_peer_facts *f, const struct wgc_doc_device_facts *df,
			  const union wgc_endpoint *ep, const struct cli_doc_env *env)
{
	struct wgc_fw_packet out = { .hook = WGC_FW_OUTPUT, .family = ep->addr.sa_family, .l4proto = IPPROTO_UDP,
				     .sport = df->listen_port, .mark = df->fwmark };
	struct wgc_fw_packet in = { .hook = WGC_FW_INPUT, .family = ep->addr.sa_family, .l4proto = IPPROTO_UDP,
				    .dport = df->listen_port };
	bool v6 = ep->addr.sa_family == AF_INET6;

	if (v6)
		memcpy(out.daddr, &ep->addr6.sin6_addr, 16);
	else
		memcpy(out.daddr, &ep->addr4.sin_addr, 4);
	out.dport = ntohs(v6 ? ep->addr6.sin6_port : ep->addr4.sin_port);
	if (f->route_src[0])
		inet_pton(ep->addr.sa_family, f->route_src, out.saddr);
	snprintf(out.oifname, sizeof(out.oifname), "%s", f->route_dev);
	memcpy(in.saddr, out.daddr, 16);
	memcpy(in.daddr, out.saddr, 16);
	in.sport = out.dport;
	snprintf(in.iifname, sizeof(in.iifname), "%s", f->route_dev);
	f->firewall_read = firewall_eval(env, &out, &f->fw_out) && firewall_eval(env, &in, &f->fw_in);
}

/* The first host prefix (/32 or /128) in AllowedIPs: the peer's tunnel address. */
static void tunnel_addr(struct wgc_doc_peer_facts *f, const struct wgc_peer_model *p)
{
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		const struct wgc_allowed_ip *a = &p->allowed_ips[i];

		if ((a->family == AF_INET && a->cidr == 32) || (a->family == AF_INET6 && a->cidr == 128)) {
			inet_ntop(a->family, &a->ip4, f->tunnel_addr, sizeof(f->tunnel_addr));
			return;
		}
	}
}

/* Small pings, then the full interface MTU with DF, then a bisection for the largest that passes. */
static void mtu_probe(struct wgc_doc_peer_facts *f, int if_mtu)
{
	int header = strchr(f->tunnel_addr, ':') ? 48 : 28, lo = 56, hi;

	f->full_probe_size = (if_mtu ? if_mtu : 1420) - header;
	f->small_probe_ok = cli_doc_ping_df(f->tunnel_addr, lo, 3) ? WGC_DOC_YES : WGC_DOC_NO;
	if (f->small_probe_ok != WGC_DOC_YES)
		return;
	f->largest_ok_size = lo;
	f->full_probe_ok = cli_doc_ping_df(f->tunnel_addr, f->full_probe_size, 2) ? WGC_DOC_YES : WGC_DOC_NO;
	if (f->full_probe_ok == WGC_DOC_YES) {
		f->largest_ok_size = f->full_probe_size;
		return;
	}
	hi = f->full_probe_size;
	for (int i = 0; i < 6 && hi - lo > 8; i++) {
		int mid = (lo + hi) / 2;

		if (cli_doc_ping_df(f->tunnel_addr, mid, 1))
			lo = mid;
		else
			hi = mid;
	}
	f->largest_ok_size = lo;
}

/* Age of the backend's last ICMP port unreachable for the peer (wgcd: last_icmp_port_unreachable). */
static void icmp_age(struct wgc_doc_peer_facts *f, const struct wgc_peer_model *p, time_t now)
{
	struct wgc_doc_counter last = { 0 };

	peer_counter(p, "last_icmp_port_unreachable", &last);
	f->icmp_unreachable_age = last.has && last.value && (int64_t)last.value <= (int64_t)now
					  ? (int64_t)now - (int64_t)last.value : -1;
}

void cli_doc_peer_facts(struct wgc_doc_peer_facts *f, const struct wgc_doc_device_facts *df,
			const struct wgc_device_model *dev, const struct wgc_peer_model *p,
			const struct cli_doc_env *env, bool probe)
{
	char b64[WGC_KEY_B64_LEN], ep[WGC_ENDPOINT_STRLEN];
	const union wgc_endpoint *e = &p->endpoint;

	memset(f, 0, sizeof(*f));
	wgc_key_to_base64(b64, p->public_key);
	snprintf(f->public_key, sizeof(f->public_key), "%s", b64);
	f->handshake_age = p->last_handshake_sec > 0 ? (int64_t)env->now - p->last_handshake_sec : -1;
	peer_counter(p, "handshake_initiations_sent", &f->initiations_sent);
	peer_counter(p, "handshake_responses_received", &f->responses_received);
	peer_counter(p, "rejected_stale_timestamp", &f->rejected_stale_timestamp);
	peer_counter(p, "data_rejected_source_not_allowed", &f->data_rejected_source_not_allowed);
	peer_counter(p, "last_handshake_ttl", &f->handshake_ttl);
	peer_counter(p, "icmp_port_unreachable", &f->icmp_port_unreachable);
	icmp_age(f, p, env->now);
	tunnel_addr(f, p);
	if ((e->addr.sa_family == AF_INET || e->addr.sa_family == AF_INET6) && wgc_endpoint_format(ep, e)) {
		snprintf(f->endpoint, sizeof(f->endpoint), "%s", ep);
		inet_ntop(e->addr.sa_family, e->addr.sa_family == AF_INET ? (const void *)&e->addr4.sin_addr
									 : (const void *)&e->addr6.sin6_addr,
			  f->endpoint_host, sizeof(f->endpoint_host));
		route_facts(f, dev->fwmark);
		firewall_peer(f, df, e, env);
		hairpin_facts(f);
	}
	f->probed = probe;
	f->ping_ttl = -1;
	if (!probe)
		return;
	if (f->endpoint[0]) {
		f->ping_ttl = cli_doc_ping_ttl(f->endpoint_host);
		/* wgcd's record of its own traffic first; the 1-byte probe for other backends or when it saw nothing */
		f->port_unreachable = f->icmp_unreachable_age >= 0 &&
					      (f->handshake_age < 0 || f->icmp_unreachable_age < f->handshake_age)
					      ? WGC_DOC_YES
					      : cli_doc_port_unreachable(e, dev->fwmark);
	}
	if (f->tunnel_addr[0])
		mtu_probe(f, df->mtu);
}

// SPDX-License-Identifier: MIT
/* Building the step lists of up, down and the undo of a failed up. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/quick_plan.h"
#include "common/addr.h"

static struct wgc_quick_step *add_step(struct wgc_quick_plan *plan, enum wgc_quick_step_kind kind)
{
	struct wgc_quick_step *grown;

	if (plan->failed)
		return NULL;
	grown = realloc(plan->steps, (plan->n + 1) * sizeof(*plan->steps));
	if (!grown) {
		plan->failed = true;
		return NULL;
	}
	plan->steps = grown;
	memset(&grown[plan->n], 0, sizeof(*grown));
	grown[plan->n].kind = kind;
	return &grown[plan->n++];
}

/* Sets a step's argv from NULL-terminated strings. */
static void set_argv(struct wgc_quick_plan *plan, struct wgc_quick_step *s, ...)
{
	const char *a;
	size_t n = 0;
	va_list ap;

	if (!s)
		return;
	va_start(ap, s);
	while (va_arg(ap, const char *))
		n++;
	va_end(ap);
	s->argv = calloc(n + 1, sizeof(*s->argv));
	if (!s->argv) {
		plan->failed = true;
		return;
	}
	va_start(ap, s);
	for (n = 0; (a = va_arg(ap, const char *)); n++)
		if (!(s->argv[n] = strdup(a)))
			plan->failed = true;
	va_end(ap);
}

static struct wgc_quick_step *cmd(struct wgc_quick_plan *plan, enum wgc_quick_step_kind kind)
{
	return add_step(plan, kind);
}

static void hooks(struct wgc_quick_plan *plan, const struct wgc_quick_strs *list, const char *ifname)
{
	for (size_t i = 0; i < list->n; i++) {
		struct wgc_quick_step *s = add_step(plan, WGC_QS_HOOK);
		char *text = wgc_quick_expand(list->v[i], ifname);

		if (!s || !text) {
			free(text);
			plan->failed = true;
			return;
		}
		s->argv = calloc(2, sizeof(*s->argv));
		if (!s->argv) {
			free(text);
			plan->failed = true;
			return;
		}
		s->argv[0] = text;
	}
}

static char *dupstr(struct wgc_quick_plan *plan, const char *s)
{
	char *d = strdup(s);

	if (!d)
		plan->failed = true;
	return d;
}

bool wgc_quick_wants_policy(const struct wgc_quick_conf *qc, const struct wgc_device_model *dev)
{
	if (qc->table[0] && strcmp(qc->table, "auto"))
		return false;
	for (size_t p = 0; dev && p < dev->n_peers; p++)
		for (size_t i = 0; i < dev->peers[p].n_allowed_ips; i++)
			if (!dev->peers[p].allowed_ips[i].remove && dev->peers[p].allowed_ips[i].cidr == 0)
				return true;
	return false;
}

struct route {
	char text[WGC_PREFIX_STRLEN];
	unsigned cidr;
};

static int route_cmp(const void *a, const void *b)
{
	const struct route *x = a, *y = b;

	if (x->cidr != y->cidr)
		return x->cidr > y->cidr ? -1 : 1;
	return -strcmp(x->text, y->text);
}

bool wgc_quick_route_list(const struct wgc_device_model *dev, struct wgc_strbuf *out, size_t *count)
{
	struct route *r = NULL;
	size_t n = 0, total = 0;

	*count = 0;
	for (size_t p = 0; p < dev->n_peers; p++)
		total += dev->peers[p].n_allowed_ips;
	if (total && !(r = calloc(total, sizeof(*r))))
		return false;
	for (size_t p = 0; p < dev->n_peers; p++)
		for (size_t i = 0; i < dev->peers[p].n_allowed_ips; i++) {
			struct wgc_allowed_ip ip = dev->peers[p].allowed_ips[i];
			bool dup = false;

			if (ip.remove || (ip.family != AF_INET && ip.family != AF_INET6))
				continue;
			/* the device masks host bits; `wg show allowed-ips' prints the masked form */
			wgc_prefix_canonicalize(&ip);
			wgc_prefix_format(r[n].text, &ip);
			for (size_t j = 0; j < n && !dup; j++)
				dup = !strcmp(r[j].text, r[n].text);
			if (dup)
				continue;
			r[n++].cidr = ip.cidr;
		}
	if (n)
		qsort(r, n, sizeof(*r), route_cmp);
	for (size_t i = 0; i < n; i++)
		wgc_strbuf_append(out, r[i].text, strlen(r[i].text) + 1);
	free(r);
	*count = n;
	return !out->failed;
}

/* Does the connected route of some Address cover prefix? (what `ip route show dev IF match' would find) */
static bool address_covers(const struct wgc_quick_conf *qc, const char *prefix)
{
	struct wgc_allowed_ip want, have;

	if (!wgc_prefix_parse(&want, prefix, true))
		return false;
	for (size_t i = 0; i < qc->addresses.n; i++) {
		if (!wgc_prefix_parse(&have, qc->addresses.v[i], false) || have.family != want.family)
			continue;
		/* a v4 /32 has no route in main; a v6 address always brings its prefix route */
		if ((have.family == AF_INET && have.cidr == 32) || have.cidr > want.cidr)
			continue;
		want.cidr = have.cidr;
		wgc_prefix_canonicalize(&want);
		wgc_prefix_canonicalize(&have);
		if (!memcmp(have.family == AF_INET ? (void *)&have.ip4 : (void *)&have.ip6,
			    want.family == AF_INET ? (void *)&want.ip4 : (void *)&want.ip6,
			    have.family == AF_INET ? 4 : 16))
			return true;
		wgc_prefix_parse(&want, prefix, true);
	}
	return false;
}

void wgc_quick_nft_ruleset(struct wgc_strbuf *out, const char *ifname, int family, unsigned table,
			   const struct wgc_quick_strs *addrs)
{
	const char *pf = family == 6 ? "ip6" : "ip";

	wgc_strbuf_printf(out, "add table %s wg-quick-%s\n", pf, ifname);
	wgc_strbuf_printf(out, "add chain %s wg-quick-%s preraw { type filter hook prerouting priority -300; }\n",
			  pf, ifname);
	wgc_strbuf_printf(out,
			  "add chain %s wg-quick-%s premangle { type filter hook prerouting priority -150; }\n",
			  pf, ifname);
	wgc_strbuf_printf(out,
			  "add chain %s wg-quick-%s postmangle { type filter hook postrouting priority -150; }\n",
			  pf, ifname);
	for (size_t i = 0; i < addrs->n; i++) {
		const char *a = addrs->v[i];
		size_t hlen = strcspn(a, "/");

		if ((strchr(a, ':') != NULL) != (family == 6))
			continue;
		wgc_strbuf_printf(out,
				  "add rule %s wg-quick-%s preraw iifname != \"%s\" %s daddr %.*s fib saddr type != local drop\n",
				  pf, ifname, ifname, pf, (int)hlen, a);
	}
	/* the trailing blanks are wg-quick's */
	wgc_strbuf_printf(out, "add rule %s wg-quick-%s postmangle meta l4proto udp mark %u ct mark set mark \n", pf,
			  ifname, table);
	wgc_strbuf_printf(out, "add rule %s wg-quick-%s premangle meta l4proto udp meta mark set ct mark \n", pf,
			  ifname);
}

static unsigned endpoint_mtu(const struct wgc_device_model *dev, const struct wgc_quick_probe *probe)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned mtu = 0, m;

	if (!probe->route_mtu)
		return 0;
	for (size_t p = 0; p < dev->n_peers; p++) {
		const union wgc_endpoint *ep = &dev->peers[p].endpoint;

		if (ep->addr.sa_family == AF_INET)
			inet_ntop(AF_INET, &ep->addr4.sin_addr, addr, sizeof(addr));
		else if (ep->addr.sa_family == AF_INET6)
			inet_ntop(AF_INET6, &ep->addr6.sin6_addr, addr, sizeof(addr));
		else
			continue;
		m = probe->route_mtu(probe->arg, addr);
		if (m > mtu)
			mtu = m;
	}
	if (!mtu)
		mtu = probe->route_mtu(probe->arg, NULL);
	return mtu;
}

static void add_default(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
			const struct wgc_device_model *dev, const struct wgc_quick_probe *probe, const char *prefix)
{
	const char *ifname = qc->ifname, *proto = strchr(prefix, ':') ? "-6" : "-4";
	int family = strchr(prefix, ':') ? 6 : 4;
	struct wgc_quick_step *s;
	char t[16];

	if (!plan->table) {
		if ((dev->flags & WGC_DEVICE_HAS_FWMARK) && dev->fwmark) {
			plan->table = dev->fwmark;
		} else {
			plan->table = 51820;
			while (probe->table_used && probe->table_used(probe->arg, plan->table))
				plan->table++;
			s = cmd(plan, WGC_QS_SET_FWMARK);
			if (s)
				s->value = plan->table;
		}
	}
	snprintf(t, sizeof(t), "%u", plan->table);
	set_argv(plan, cmd(plan, WGC_QS_CMD), "ip", proto, "route", "add", prefix, "dev", ifname, "table", t, (char *)NULL);
	set_argv(plan, cmd(plan, WGC_QS_CMD), "ip", proto, "rule", "add", "not", "fwmark", t, "table", t, (char *)NULL);
	set_argv(plan, cmd(plan, WGC_QS_CMD), "ip", proto, "rule", "add", "table", "main", "suppress_prefixlength",
		 "0", (char *)NULL);
	if (family == 4)
		set_argv(plan, cmd(plan, WGC_QS_CMD), "sysctl", "-q", "net.ipv4.conf.all.src_valid_mark=1", (char *)NULL);
	s = cmd(plan, WGC_QS_CMD);
	set_argv(plan, s, "nft", "-f", "/dev/fd/63", (char *)NULL);
	if (s) {
		struct wgc_strbuf rules = { 0 };

		wgc_quick_nft_ruleset(&rules, ifname, family, plan->table, &qc->addresses);
		if (rules.failed)
			plan->failed = true;
		s->input = rules.data;
		s->input_fd63 = true;
		s->sets_firewall = true;
		s->family = family;
		s->value = plan->table;
	}
}

static void add_route(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
		      const struct wgc_device_model *dev, const struct wgc_quick_probe *probe, const char *prefix)
{
	const char *proto = strchr(prefix, ':') ? "-6" : "-4";
	struct wgc_quick_step *s;

	if (!strcmp(qc->table, "off"))
		return;
	if (qc->table[0] && strcmp(qc->table, "auto")) {
		set_argv(plan, cmd(plan, WGC_QS_CMD), "ip", proto, "route", "add", prefix, "dev", qc->ifname,
			 "table", qc->table, (char *)NULL);
		return;
	}
	if (strstr(prefix, "/0") && !strcmp(strstr(prefix, "/0"), "/0")) {
		add_default(plan, qc, dev, probe, prefix);
		return;
	}
	s = cmd(plan, WGC_QS_ROUTE);
	set_argv(plan, s, "ip", proto, "route", "add", prefix, "dev", qc->ifname, (char *)NULL);
	if (s) {
		s->match = dupstr(plan, prefix);
		s->family = proto[1] - '0';
		s->predicted_skip = address_covers(qc, prefix);
	}
}

static const char *resolvconf_name(const struct wgc_quick_conf *qc, const struct wgc_quick_probe *probe,
				   char *buf, size_t len)
{
	const char *pfx = probe->resolvconf_prefix ? probe->resolvconf_prefix(probe->arg) : "";

	snprintf(buf, len, "%s%s", pfx ? pfx : "", qc->ifname);
	return buf;
}

/* What up would do for IPv6: an IPv6 Address, or an IPv6 allowed IP it routes. */
static const char *uses_ipv6(const struct wgc_quick_conf *qc, const struct wgc_device_model *dev)
{
	for (size_t i = 0; i < qc->addresses.n; i++)
		if (strchr(qc->addresses.v[i], ':'))
			return "Address";
	for (size_t p = 0; strcmp(qc->table, "off") && dev && p < dev->n_peers; p++)
		for (size_t i = 0; i < dev->peers[p].n_allowed_ips; i++)
			if (!dev->peers[p].allowed_ips[i].remove && dev->peers[p].allowed_ips[i].family == AF_INET6)
				return "AllowedIPs routes";
	return NULL;
}

/*
 * What wg-quick would find only half-way through up, found before anything
 * is changed (FILE:LINE of the key when there is one): DNS without
 * resolvconf, a default route without nft, a Table name ip(8) does not know
 * ("ip route add ... table bogus" fails after the link and addresses), an
 * Address given twice ("Address already assigned"), an MTU under 1280 with
 * IPv6 (the kernel turns IPv6 off on the link: its addresses vanish and
 * IPv6 routes fail with "No such device").
 */
static bool check_up(const struct wgc_quick_conf *qc, const struct wgc_device_model *dev,
		     const struct wgc_quick_probe *probe, char *err, size_t errlen)
{
	const char *file = qc->file ? qc->file : "(config)", *v6;

	if (qc->dns.n && !(probe->have && probe->have(probe->arg, "resolvconf"))) {
		snprintf(err, errlen, "%.200s:%zu: DNS is set but resolvconf(8) is not installed; install resolvconf or "
				      "openresolv, or remove DNS from the config", file, qc->dns_line);
		return false;
	}
	if (wgc_quick_wants_policy(qc, dev) && !(probe->have && probe->have(probe->arg, "nft"))) {
		snprintf(err, errlen, "a default route with Table = auto needs nft(8) (package nftables)");
		return false;
	}
	if (wgc_quick_table_is_name(qc->table) && probe->table_named && !probe->table_named(probe->arg, qc->table)) {
		snprintf(err, errlen, "%.200s:%zu: Table: '%s' is not auto, off, a table number (0 to 4294967295) or a "
				      "table name from /etc/iproute2/rt_tables or rt_tables.d/*.conf", file, qc->table_line,
			 qc->table);
		return false;
	}
	for (size_t i = 0; i < qc->addresses.n; i++)
		for (size_t j = 0; j < i; j++)
			if (wgc_quick_address_clash(qc->addresses.v[i], qc->addresses.v[j])) {
				snprintf(err, errlen, "%.200s:%zu: Address: '%.100s' repeats '%.100s'%s: the kernel would "
						      "refuse it half-way through up", file,
					 qc->addresses.lines ? qc->addresses.lines[i] : 0, qc->addresses.v[i],
					 qc->addresses.v[j],
					 strchr(qc->addresses.v[i], ':') ? " (an IPv6 address, whatever the prefix length)" : "");
				return false;
			}
	if (qc->mtu && qc->mtu < 1280 && (v6 = uses_ipv6(qc, dev))) {
		snprintf(err, errlen, "%.200s:%zu: MTU: %u is under 1280, the minimum of IPv6, and the interface has IPv6 "
				      "(%s): the kernel would turn IPv6 off on it half-way through up; use 1280 or more, "
				      "or only IPv4", file, qc->mtu_line, qc->mtu, v6);
		return false;
	}
	return true;
}

bool wgc_quick_plan_up(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
		       const struct wgc_device_model *dev, const struct wgc_quick_up_opts *opts,
		       const struct wgc_quick_probe *probe, char *err, size_t errlen)
{
	struct wgc_strbuf routes = { 0 };
	struct wgc_quick_step *s;
	char mtu[16], rc[64];
	size_t n;

	memset(plan, 0, sizeof(*plan));
	if (!check_up(qc, dev, probe, err, errlen))
		return false;
	hooks(plan, &qc->pre_up, qc->ifname);
	s = cmd(plan, opts->userspace ? WGC_QS_USERSPACE : WGC_QS_ADD_IF);
	set_argv(plan, s, opts->impl, qc->ifname, (char *)NULL);
	cmd(plan, WGC_QS_SETCONF);
	for (size_t i = 0; i < qc->addresses.n; i++)
		set_argv(plan, cmd(plan, WGC_QS_CMD), "ip", strchr(qc->addresses.v[i], ':') ? "-6" : "-4", "address",
			 "add", qc->addresses.v[i], "dev", qc->ifname, (char *)NULL);
	if (qc->mtu) {
		snprintf(mtu, sizeof(mtu), "%u", qc->mtu);
	} else {
		unsigned m = endpoint_mtu(dev, probe);

		snprintf(mtu, sizeof(mtu), "%u", (m ? m : 1500) - 80);
	}
	set_argv(plan, cmd(plan, WGC_QS_CMD), "ip", "link", "set", "mtu", mtu, "up", "dev", qc->ifname, (char *)NULL);
	if (qc->dns.n) {
		struct wgc_strbuf in = { 0 };

		for (size_t i = 0; i < qc->dns.n; i++)
			wgc_strbuf_printf(&in, "nameserver %s\n", qc->dns.v[i]);
		if (qc->dns_search.n) {
			wgc_strbuf_printf(&in, "search");
			for (size_t i = 0; i < qc->dns_search.n; i++)
				wgc_strbuf_printf(&in, " %s", qc->dns_search.v[i]);
			wgc_strbuf_printf(&in, "\n");
		}
		s = cmd(plan, WGC_QS_CMD);
		set_argv(plan, s, "resolvconf", "-a", resolvconf_name(qc, probe, rc, sizeof(rc)), "-m", "0", "-x", (char *)NULL);
		if (s) {
			s->input = in.data;
			s->sets_dns = true;
		} else {
			wgc_strbuf_free(&in);
		}
		if (in.failed)
			plan->failed = true;
	}
	if (!wgc_quick_route_list(dev, &routes, &n))
		plan->failed = true;
	for (size_t i = 0, off = 0; i < n; i++) {
		add_route(plan, qc, dev, probe, routes.data + off);
		off += strlen(routes.data + off) + 1;
	}
	wgc_strbuf_free(&routes);
	hooks(plan, &qc->post_up, qc->ifname);
	if (plan->failed) {
		snprintf(err, errlen, "out of memory");
		wgc_quick_plan_free(plan);
		return false;
	}
	return true;
}

static void del_if(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
		   const struct wgc_device_model *live, const struct wgc_quick_probe *probe, bool dns, bool fw)
{
	struct wgc_quick_step *s;
	char t[16], rc[64], look[32];

	if (dns && qc->dns.n) {
		s = cmd(plan, WGC_QS_CMD);
		set_argv(plan, s, "resolvconf", "-d", resolvconf_name(qc, probe, rc, sizeof(rc)), "-f", (char *)NULL);
		if (s)
			s->ignore_fail = true;
	}
	if (fw && (s = cmd(plan, WGC_QS_DEL_NFT)))
		s->ignore_fail = true;
	if (live && live->fwmark && wgc_quick_wants_policy(qc, live)) {
		snprintf(t, sizeof(t), "%u", live->fwmark);
		snprintf(look, sizeof(look), "lookup %u", live->fwmark);
		for (int fam = 4; fam <= 6; fam += 2) {
			const char *proto = fam == 4 ? "-4" : "-6";

			s = cmd(plan, WGC_QS_DEL_RULES);
			set_argv(plan, s, "ip", proto, "rule", "delete", "table", t, (char *)NULL);
			if (s) {
				s->family = fam;
				s->match = dupstr(plan, look);
			}
			s = cmd(plan, WGC_QS_DEL_RULES);
			set_argv(plan, s, "ip", proto, "rule", "delete", "table", "main", "suppress_prefixlength", "0",
				 (char *)NULL);
			if (s) {
				s->family = fam;
				s->match = dupstr(plan, "from all lookup main suppress_prefixlength 0");
			}
		}
	}
	set_argv(plan, cmd(plan, WGC_QS_CMD), "ip", "link", "delete", "dev", qc->ifname, (char *)NULL);
}

bool wgc_quick_plan_down(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
			 const struct wgc_device_model *live, const struct wgc_quick_probe *probe)
{
	struct wgc_quick_step *s;
	char rc[64];

	memset(plan, 0, sizeof(*plan));
	hooks(plan, &qc->pre_down, qc->ifname);
	if (qc->save_config)
		cmd(plan, WGC_QS_SAVE);
	del_if(plan, qc, live, probe, false, false);
	if (qc->dns.n) {
		s = cmd(plan, WGC_QS_CMD);
		set_argv(plan, s, "resolvconf", "-d", resolvconf_name(qc, probe, rc, sizeof(rc)), "-f", (char *)NULL);
		if (s)
			s->ignore_fail = true;
	}
	if ((s = cmd(plan, WGC_QS_DEL_NFT)))
		s->ignore_fail = true;
	hooks(plan, &qc->post_down, qc->ifname);
	if (plan->failed) {
		wgc_quick_plan_free(plan);
		return false;
	}
	return true;
}

bool wgc_quick_plan_undo(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
			 const struct wgc_device_model *live, const struct wgc_quick_probe *probe, bool dns_set,
			 bool firewall_set)
{
	memset(plan, 0, sizeof(*plan));
	del_if(plan, qc, live, probe, dns_set, firewall_set);
	for (size_t i = 0; i < plan->n; i++)
		plan->steps[i].ignore_fail = true;
	if (plan->failed) {
		wgc_quick_plan_free(plan);
		return false;
	}
	return true;
}

static void append_quoted_input(struct wgc_strbuf *out, const char *input)
{
	const char *p = input;

	while (*p) {
		size_t n = strcspn(p, "\n");

		wgc_strbuf_printf(out, "\n    | %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

void wgc_quick_step_format(const struct wgc_quick_step *step, const char *ifname, bool details,
			   struct wgc_strbuf *out)
{
	wgc_strbuf_printf(out, "[#] ");
	switch (step->kind) {
	case WGC_QS_SETCONF:
		wgc_strbuf_printf(out, "wgc setconf %s /dev/fd/63", ifname);
		return;
	case WGC_QS_SET_FWMARK:
		wgc_strbuf_printf(out, "wgc set %s fwmark %u", ifname, step->value);
		return;
	case WGC_QS_DEL_NFT:
		wgc_strbuf_printf(out, "nft -f /dev/fd/63");
		if (details)
			wgc_strbuf_printf(out, "\n    | delete table <family> wg-quick-%s  (each such table that exists)",
					  ifname);
		return;
	case WGC_QS_SAVE:
		wgc_strbuf_printf(out, "wgc showconf %s", ifname);
		return;
	case WGC_QS_ADD_IF:
		wgc_strbuf_printf(out, "ip link add %s type wireguard", ifname);
		if (details)
			wgc_strbuf_printf(out, "\n    (if the kernel has no WireGuard: %s %s)", step->argv[0],
					  step->argv[1]);
		return;
	default:
		break;
	}
	for (size_t i = 0; step->argv && step->argv[i]; i++)
		wgc_strbuf_printf(out, "%s%s", i ? " " : "", step->argv[i]);
	if (!details)
		return;
	if (step->kind == WGC_QS_ROUTE && step->predicted_skip)
		wgc_strbuf_printf(out, "\n    (skipped: an Address already routes %s on %s)", step->match, ifname);
	if (step->kind == WGC_QS_DEL_RULES)
		wgc_strbuf_printf(out, "\n    (repeated while `ip -%d rule show' has \"%s\")", step->family, step->match);
	if (step->input)
		append_quoted_input(out, step->input);
	if (step->kind == WGC_QS_CMD && step->input_fd63 && step->family)
		wgc_strbuf_printf(out, "\n    (plus a preraw rule for each address the kernel adds to %s, like an IPv6 "
				  "link-local one)", ifname);
}

void wgc_quick_plan_free(struct wgc_quick_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct wgc_quick_step *s = &plan->steps[i];

		for (size_t j = 0; s->argv && s->argv[j]; j++)
			free(s->argv[j]);
		free(s->argv);
		free(s->input);
		free(s->match);
	}
	free(plan->steps);
	memset(plan, 0, sizeof(*plan));
}

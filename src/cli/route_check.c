// SPDX-License-Identifier: MIT
/*
 * wgc route-check CONFIG|IFNAME ADDRESS...: where a packet to ADDRESS goes
 * and why. The answer is the kernel's own (`ip -d route get', with the
 * tunnel's fwmark for the tunnel's own UDP); the rule quoted is the first
 * one in `ip rule' order whose selector takes the packet and whose table
 * the kernel reports, with suppress_prefixlength applied. Selectors other
 * than all/fwmark (from, iif, uid, ...) are not evaluated: such rules are
 * named as "possibly" rather than guessed. Before `up' it adds what the
 * config would change, from AllowedIPs and Table.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/quick.h"
#include "cli/quick_exec.h"
#include "cli/quick_plan.h"
#include "cli/wgc.h"
#include "common/addr.h"
#include "ipc/ipc.h"

struct lookup {
	char type[16], dev[32], via[64], src[64], table[32];
	bool ok;
};

static void field(const char *line, const char *name, char *out, size_t len)
{
	char pat[24];
	const char *p;

	snprintf(pat, sizeof(pat), " %s ", name);
	p = strstr(line, pat);
	if (p)
		snprintf(out, len, "%.*s", (int)strcspn(p + strlen(pat), " \n"), p + strlen(pat));
}

static struct lookup route_get(const char *addr, unsigned mark)
{
	struct lookup l = { .table = "main" };
	struct wgc_strbuf out = { 0 };
	char m[16];

	snprintf(m, sizeof(m), "%u", mark);
	l.ok = mark ? wgc_quick_query(&out, "ip", "-d", "route", "get", addr, "mark", m, (char *)NULL)
		    : wgc_quick_query(&out, "ip", "-d", "route", "get", addr, (char *)NULL);
	if (l.ok) {
		out.data[strcspn(out.data, "\n")] = '\0';
		snprintf(l.type, sizeof(l.type), "%.*s", (int)strcspn(out.data, " "), out.data);
		field(out.data, "dev", l.dev, sizeof(l.dev));
		field(out.data, "via", l.via, sizeof(l.via));
		field(out.data, "src", l.src, sizeof(l.src));
		field(out.data, "table", l.table, sizeof(l.table));
		if (!strcmp(l.type, "local"))
			snprintf(l.table, sizeof(l.table), "local");
	}
	wgc_strbuf_free(&out);
	return l;
}

/* The longest prefix in table that covers addr, -1 when none. */
static int best_prefix(const char *addr, bool v6, const char *table)
{
	struct wgc_strbuf out = { 0 };
	int best = -1;

	if (wgc_quick_query(&out, "ip", v6 ? "-6" : "-4", "route", "show", "table", table, "to", "match", addr, (char *)NULL)) {
		for (char *p = out.data; *p;) {
			size_t n = strcspn(p, "\n");
			int len = v6 ? 128 : 32;
			const char *slash = memchr(p, '/', strcspn(p, " \n"));

			if (!strncmp(p, "default", 7))
				len = 0;
			else if (slash)
				len = atoi(slash + 1);
			if (n && len > best)
				best = len;
			p += n + (p[n] == '\n');
		}
	}
	wgc_strbuf_free(&out);
	return best;
}

/* The rule that sent a packet with this mark to table; "" when none can be named. */
static void matching_rule(char *out, size_t outlen, const char *addr, bool v6, unsigned mark, const char *table)
{
	struct wgc_strbuf rules = { 0 };
	char want[48];

	out[0] = '\0';
	snprintf(want, sizeof(want), "lookup %s", table);
	if (!wgc_quick_query(&rules, "ip", v6 ? "-6" : "-4", "rule", "show", (char *)NULL))
		goto done;
	for (char *p = rules.data; *p;) {
		size_t n = strcspn(p, "\n");
		char line[256], *sel, *fw;
		bool known, takes = true;
		unsigned m;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		sel = strchr(line, '\t') ? strchr(line, '\t') + 1 : line;
		known = !strncmp(sel, "from all ", 9) || !strncmp(sel, "not from all ", 13);
		fw = strstr(sel, "fwmark ");
		if (fw && sscanf(fw + 7, "%i", (int *)&m) == 1)
			takes = (m == mark) != !strncmp(sel, "not ", 4);
		if (!takes)
			continue;
		if (strstr(sel, " iif ") || strstr(sel, " oif ") || strstr(sel, " uidrange ") ||
		    strstr(sel, " ipproto ") || strstr(sel, " dport ") || strstr(sel, " sport "))
			known = false;
		if (!strstr(sel, want) || (strstr(sel, want)[strlen(want)] != '\0' && strstr(sel, want)[strlen(want)] != ' '))
			continue;
		if (strstr(sel, "suppress_prefixlength ")) {
			int sup = atoi(strstr(sel, "suppress_prefixlength ") + 22);

			if (best_prefix(addr, v6, table) <= sup)
				continue;
		}
		snprintf(out, outlen, "%s%s", known ? "" : "possibly ", line);
		break;
	}
done:
	wgc_strbuf_free(&rules);
}

static void describe(const char *label, const char *addr, bool v6, unsigned mark)
{
	struct lookup l = route_get(addr, mark);
	char rule[300];

	if (!l.ok) {
		printf("  %s: no route (the kernel's lookup fails: unreachable)\n", label);
		return;
	}
	matching_rule(rule, sizeof(rule), addr, v6, mark, l.table);
	if (!strcmp(l.type, "local"))
		printf("  %s: local address, delivered to this host (table local)", label);
	else
		printf("  %s: dev %s%s%s%s%s, table %s", label, l.dev, l.via[0] ? " via " : "", l.via,
		       l.src[0] ? " src " : "", l.src, l.table);
	printf("%s%s%s\n", rule[0] ? " (rule " : "", rule, rule[0] ? ")" : "");
}

/* The longest AllowedIPs prefix holding addr, into pfx; -1 when none. */
static int allowed_match(const struct wgc_device_model *dev, const char *addr, char pfx[WGC_PREFIX_STRLEN])
{
	struct wgc_allowed_ip want;
	int best = -1;

	if (!wgc_prefix_parse(&want, addr, false))
		return -1;
	for (size_t p = 0; p < dev->n_peers; p++)
		for (size_t i = 0; i < dev->peers[p].n_allowed_ips; i++) {
			struct wgc_allowed_ip a = dev->peers[p].allowed_ips[i], w = want;

			if (a.remove || a.family != w.family || (int)a.cidr <= best)
				continue;
			w.cidr = a.cidr;
			wgc_prefix_canonicalize(&w);
			wgc_prefix_canonicalize(&a);
			if (memcmp(a.family == AF_INET ? (void *)&a.ip4 : (void *)&a.ip6,
				   w.family == AF_INET ? (void *)&w.ip4 : (void *)&w.ip6, a.family == AF_INET ? 4 : 16))
				continue;
			best = a.cidr;
			wgc_prefix_format(pfx, &a);
		}
	return best;
}

static unsigned predicted_table(const struct wgc_device_model *dev)
{
	unsigned t = 51820;

	if ((dev->flags & WGC_DEVICE_HAS_FWMARK) && dev->fwmark)
		return dev->fwmark;
	while (wgc_quick_system_probe.table_used(NULL, t))
		t++;
	return t;
}

/*
 * The longest subnet of an Address line holding addr, into pfx; -1 when none.
 * `ip address add A/N' puts the connected route A/N dev IF into main, whatever
 * Table says (an IPv4 /32 or IPv6 /128 brings none).
 */
static int address_match(const struct wgc_quick_conf *qc, const char *addr, char pfx[WGC_PREFIX_STRLEN])
{
	struct wgc_allowed_ip want, have;
	int best = -1;

	if (!wgc_prefix_parse(&want, addr, false))
		return -1;
	for (size_t i = 0; i < qc->addresses.n; i++) {
		struct wgc_allowed_ip w = want;

		if (!wgc_prefix_parse(&have, qc->addresses.v[i], false) || have.family != w.family ||
		    have.cidr == (have.family == AF_INET ? 32 : 128) || (int)have.cidr <= best)
			continue;
		w.cidr = have.cidr;
		wgc_prefix_canonicalize(&w);
		wgc_prefix_canonicalize(&have);
		if (memcmp(have.family == AF_INET ? (void *)&have.ip4 : (void *)&have.ip6,
			   w.family == AF_INET ? (void *)&w.ip4 : (void *)&w.ip6, have.family == AF_INET ? 4 : 16))
			continue;
		best = have.cidr;
		wgc_prefix_format(pfx, &have);
	}
	return best;
}

static void predict(const struct wgc_quick_conf *qc, const struct wgc_device_model *dev, const char *addr, bool v6)
{
	const char *ifn = qc->ifname;
	char pfx[WGC_PREFIX_STRLEN], apfx[WGC_PREFIX_STRLEN];
	int len = allowed_match(dev, addr, pfx), main_best = best_prefix(addr, v6, "main");
	int alen = address_match(qc, addr, apfx);

	if (alen > main_best) {
		if (main_best >= 0)
			printf("  after up: through %s, because Address %s adds the route %s dev %s to main, more specific "
			       "than the current /%d\n", ifn, apfx, apfx, ifn, main_best);
		else
			printf("  after up: through %s, because Address %s adds the route %s dev %s to main, which has "
			       "no route for it now\n", ifn, apfx, apfx, ifn);
		if (len < 0)
			printf("  (but %s is in no peer's AllowedIPs: %s drops it with \"no route to host\")\n", addr, ifn);
	} else if (len < 0) {
		printf("  after up: unchanged: %s is in no peer's AllowedIPs\n", addr);
	} else if (!strcmp(qc->table, "off")) {
		printf("  after up: unchanged: Table = off adds no routes (AllowedIPs %s would still accept it on %s)\n",
		       pfx, ifn);
	} else if (qc->table[0] && strcmp(qc->table, "auto")) {
		printf("  after up: route %s dev %s goes into table %s, but no rule is added: unchanged unless your own "
		       "rules look up table %s\n", pfx, ifn, qc->table, qc->table);
	} else if (len == 0) {
		unsigned t = predicted_table(dev);

		if (main_best > 0)
			printf("  after up: unchanged: the main table has a /%d route for it, which wins over the tunnel "
			       "(rule `lookup main suppress_prefixlength 0' only ignores default routes)\n", main_best);
		else
			printf("  after up: through %s, because AllowedIPs %s with Table=auto (rule `not fwmark %u "
			       "lookup %u' sends unmarked packets to table %u, whose %s goes to %s)\n",
			       ifn, pfx, t, t, t, pfx, ifn);
		printf("  after up, the tunnel's own UDP (mark %u): unchanged, it keeps using the main table\n", t);
	} else if (len > main_best) {
		printf("  after up: through %s, because AllowedIPs %s with Table=auto adds route %s dev %s to main, "
		       "more specific than the current /%d\n", ifn, pfx, pfx, ifn, main_best);
	} else {
		printf("  after up: unchanged: the main table already has a /%d route, as or more specific than "
		       "AllowedIPs %s\n", main_best, pfx);
	}
}

static bool is_up(const char *ifname)
{
	char *list = wgc_ipc_list(), *p;
	bool found = false;

	for (p = list; p && *p && !found; p += strlen(p) + 1)
		found = !strcmp(p, ifname);
	free(list);
	return found;
}

static void usage(FILE *f, const char *cmd)
{
	fprintf(f, "Usage: %s %s <CONFIG_FILE | INTERFACE> <address>...\n\n"
		   "  Where packets to each address go now and why (the route and the rule that picked it).\n"
		   "  For a running INTERFACE the live state is used; otherwise the config file, and what\n"
		   "  `%s up' would change (its AllowedIPs routes, Table, and the Address subnets).\n",
		PROG_NAME, cmd, PROG_NAME);
}

/* A running interface needs no config file: its live state answers. */
static int check_running(const char *ifname, int argc, const char *argv[])
{
	struct wgc_device_model live;
	int err = wgc_ipc_get(&live, ifname);

	if (err) {
		fprintf(stderr, "Unable to access interface %s: %s\n", ifname, strerror(-err));
		return 1;
	}
	printf("%s is up\n", ifname);
	for (int i = 2; i < argc; i++) {
		bool v6 = strchr(argv[i], ':') != NULL;
		char label[64];

		printf("%s:\n", argv[i]);
		describe("packets", argv[i], v6, 0);
		if (live.fwmark) {
			snprintf(label, sizeof(label), "tunnel's own UDP (mark 0x%x)", live.fwmark);
			describe(label, argv[i], v6, live.fwmark);
		}
	}
	wgc_model_free(&live);
	return 0;
}

int route_check_main(int argc, const char *argv[])
{
	struct wgc_device_model dev, live;
	struct wgc_quick_conf qc;
	char path[PATH_MAX];
	bool up;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, argv[0]);
			return 0;
		}
	if (argc < 3) {
		usage(stderr, argv[0]);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		unsigned char buf[16];

		if (inet_pton(AF_INET, argv[i], buf) != 1 && inet_pton(AF_INET6, argv[i], buf) != 1) {
			fprintf(stderr, "%s: `%s' is not an IP address\n", PROG_NAME, argv[i]);
			return 1;
		}
	}
	if (wgc_ifname_quick_valid(argv[1], strlen(argv[1])) && is_up(argv[1]))
		return check_running(argv[1], argc, argv);
	if (!wgc_quick_load(argv[1], &qc, &dev, path, sizeof(path)))
		return 1;
	up = is_up(qc.ifname) && !wgc_ipc_get(&live, qc.ifname);
	printf("%s is %s\n", qc.ifname, up ? "up" : "not up");
	for (int i = 2; i < argc; i++) {
		bool v6 = strchr(argv[i], ':') != NULL;

		printf("%s:\n", argv[i]);
		if (up) {
			char label[64];

			describe("packets", argv[i], v6, 0);
			if (live.fwmark) {
				snprintf(label, sizeof(label), "tunnel's own UDP (mark 0x%x)", live.fwmark);
				describe(label, argv[i], v6, live.fwmark);
			}
		} else {
			describe("now", argv[i], v6, 0);
			predict(&qc, &dev, argv[i], v6);
		}
	}
	if (up)
		wgc_model_free(&live);
	wgc_model_free(&dev);
	wgc_quick_conf_free(&qc);
	return 0;
}

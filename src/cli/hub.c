// SPDX-License-Identifier: MIT
/* wgc hub init: a new hub's wg-quick file, from flags or the container's environment variables. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/hub.h"
#include "cli/hub_util.h"
#include "cli/quick_conf.h"
#include "cli/quick_exec.h"
#include "cli/wgc.h"
#include "common/addr.h"
#include "core/crypto.h"
#include "provision/pool.h"
#include "provision/render.h"

enum { MAX_PEERS_ENV = 512 };

struct init_opts {
	const char *ifname, *endpoint, *subnet, *subnet6, *dns, *port, *dir, *allowed_ips, *keepalive_peers;
	const char *out_dir, *peers;
	const char *lan[8];
	size_t n_lan;
	bool show_secrets;
};

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s hub init [IF] --endpoint HOST[:PORT] [--subnet 10.13.13.0/24] [--subnet6 PREFIX]\n"
		"       [--dns ADDR[,ADDR] | --dns auto] [--lan IFACE_OR_PREFIX]... [--port 51820]\n"
		"       [--allowed-ips PREFIX[,PREFIX]] [--keepalive-peers all|NAME[,NAME]]\n"
		"       [--peers N|NAME[,NAME]] [--out-dir DIR] [--show-secrets] [--config-dir DIR]\n\n"
		"  Writes CONFIG_DIR/IF.conf (IF defaults to wg0; CONFIG_DIR to $WGC_CONFIG_DIR, else\n"
		"  /etc/wireguard). The environment variables of the linuxserver container map to the\n"
		"  flags, which win: PEERS, SERVERURL, SERVERPORT, PEERDNS, INTERNAL_SUBNET, ALLOWEDIPS,\n"
		"  PERSISTENTKEEPALIVE_PEERS. See doc/hub.md.\n",
		PROG_NAME);
}

static const char *env_or(const char *flag, const char *env)
{
	const char *v;

	if (flag)
		return flag;
	v = getenv(env);
	return v && *v ? v : NULL;
}

static bool parse_flags(struct init_opts *o, int argc, const char *argv[])
{
	for (int i = 2; i < argc; i++) {
		const char *v;

		if ((v = cli_opt_value(argc, argv, &i, "--endpoint")))
			o->endpoint = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--subnet6")))
			o->subnet6 = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--subnet")))
			o->subnet = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--dns")))
			o->dns = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--port")))
			o->port = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--config-dir")))
			o->dir = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--allowed-ips")))
			o->allowed_ips = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--keepalive-peers")))
			o->keepalive_peers = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--peers")))
			o->peers = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--out-dir")))
			o->out_dir = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--lan"))) {
			if (o->n_lan == 8) {
				fprintf(stderr, "%s: at most 8 --lan\n", PROG_NAME);
				return false;
			}
			o->lan[o->n_lan++] = v;
		} else if (!strcmp(argv[i], "--show-secrets"))
			o->show_secrets = true;
		else if (argv[i][0] != '-' && !o->ifname)
			o->ifname = argv[i];
		else {
			fprintf(stderr, "%s: hub init: unknown argument `%s'\n", PROG_NAME, argv[i]);
			usage();
			return false;
		}
	}
	o->endpoint = env_or(o->endpoint, "SERVERURL");
	o->port = env_or(o->port, "SERVERPORT");
	o->dns = env_or(o->dns, "PEERDNS");
	o->subnet = env_or(o->subnet, "INTERNAL_SUBNET");
	o->allowed_ips = env_or(o->allowed_ips, "ALLOWEDIPS");
	o->keepalive_peers = env_or(o->keepalive_peers, "PERSISTENTKEEPALIVE_PEERS");
	o->peers = env_or(o->peers, "PEERS");
	if (!o->ifname)
		o->ifname = "wg0";
	return true;
}

/* The hub file keeps the endpoint on a `# wgc endpoint =' line that peer add reads back
 * (hubfile.c, values under WGC_HUB_VALUE_MAX bytes): refuse what it could not read, rather
 * than truncate the name or write a file the next command rejects. */
static bool endpoint_too_long(const char *given)
{
	fprintf(stderr, "%s: hub init: endpoint `%.40s...' is too long: HOST:PORT has at most %d characters\n",
		PROG_NAME, given, WGC_HUB_VALUE_MAX - 1);
	return false;
}

/* HOST[:PORT] or [V6]:PORT into "host:port" (the port defaults to the listen port). */
static bool endpoint_check(char *out, size_t cap, const char *given, unsigned port)
{
	char copy[WGC_HUB_VALUE_MAX], *host = copy, *p = NULL;
	uint64_t v = port;
	int n;

	if (!given) {
		fprintf(stderr, "%s: hub init: --endpoint HOST[:PORT] (or SERVERURL) is required: it is how peers reach the hub\n",
			PROG_NAME);
		return false;
	}
	if (!strcasecmp(given, "auto")) {
		fprintf(stderr, "%s: hub init: endpoint `auto' is not supported: the public address cannot be learnt "
				"offline; give the hub's public name or address\n",
			PROG_NAME);
		return false;
	}
	if (strlen(given) >= sizeof(copy))
		return endpoint_too_long(given);
	snprintf(copy, sizeof(copy), "%s", given);
	if (copy[0] == '[') {
		char *close = strchr(copy, ']');

		host = copy + 1;
		if (close) {
			*close = '\0';
			p = close[1] == ':' ? close + 2 : (close[1] ? (char *)"" : NULL);
		}
	} else if ((p = strrchr(copy, ':')) && strchr(copy, ':') == p) {
		*p++ = '\0';
	} else {
		p = NULL;
	}
	if (!*host || strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != strlen(host) ||
	    (p && !wgc_parse_u64(p, 65535, &v)) || !v) {
		fprintf(stderr, "%s: hub init: endpoint `%s' is not HOST[:PORT]%s\n", PROG_NAME, given,
			!*host ? " (it has no host)" : "");
		return false;
	}
	n = snprintf(out, cap, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, (unsigned)v);
	if (n < 0 || (size_t)n >= cap || (size_t)n >= WGC_HUB_VALUE_MAX)
		return endpoint_too_long(given);
	return true;
}

static bool subnet_check(struct wgc_allowed_ip *net, const char *given, int family, const char *flag)
{
	if (!wgc_prefix_parse(net, given, false) || net->family != family) {
		fprintf(stderr, "%s: hub init: %s `%s' is not an IPv%d prefix\n", PROG_NAME, flag, given,
			family == AF_INET ? 4 : 6);
		return false;
	}
	if (!strchr(given, '/'))
		net->cidr = family == AF_INET ? 24 : 64; /* INTERNAL_SUBNET is an address: the container's /24 */
	wgc_prefix_canonicalize(net);
	if (!wgc_pool_usable(net)) {
		fprintf(stderr, "%s: hub init: subnet `%s' is too small: it needs room for the hub and at least one peer "
				"(at most /%d)\n",
			PROG_NAME, given, family == AF_INET ? 30 : 126);
		return false;
	}
	return true;
}

/* The prefixes configured on a LAN interface, appended to list as "a/n, b/m". */
static bool lan_prefixes(struct wgc_strbuf *list, const char *lan)
{
	struct wgc_strbuf out = { 0 };
	struct wgc_allowed_ip ip;
	char pfx[WGC_PREFIX_STRLEN];
	bool found = false;

	if (wgc_prefix_parse(&ip, lan, true)) {
		wgc_prefix_canonicalize(&ip);
		wgc_prefix_format(pfx, &ip);
		wgc_strbuf_printf(list, ", %s", pfx);
		return true;
	}
	if (!wgc_ifname_quick_valid(lan, strlen(lan))) {
		fprintf(stderr, "%s: hub init: --lan `%s' is neither an interface name nor a prefix\n", PROG_NAME, lan);
		return false;
	}
	wgc_quick_query(&out, "ip", "-o", "addr", "show", "dev", lan, "scope", "global", (char *)NULL);
	for (char *tok = out.data ? strtok(out.data, " \n") : NULL; tok; tok = strtok(NULL, " \n")) {
		char *addr;

		if (strcmp(tok, "inet") && strcmp(tok, "inet6"))
			continue;
		addr = strtok(NULL, " \n");
		if (addr && wgc_prefix_parse(&ip, addr, true)) {
			wgc_prefix_canonicalize(&ip);
			wgc_prefix_format(pfx, &ip);
			wgc_strbuf_printf(list, ", %s", pfx);
			found = true;
		}
	}
	wgc_strbuf_free(&out);
	if (!found)
		fprintf(stderr, "%s: hub init: LAN interface `%s' does not exist or has no global address\n", PROG_NAME,
			lan);
	return found;
}

/* PEERS: a count ("3" gives peer1..peer3) or a comma-separated list of names, checked before anything is written. */
static bool peer_names(const char *spec, char names[][WGC_HUB_NAME_MAX + 1], size_t *n)
{
	uint64_t count;
	char copy[4096], *save = NULL;

	*n = 0;
	if (!spec)
		return true;
	if (wgc_parse_u64(spec, MAX_PEERS_ENV, &count)) {
		for (uint64_t i = 1; i <= count; i++)
			snprintf(names[(*n)++], WGC_HUB_NAME_MAX + 1, "peer%u", (unsigned)i);
		return true;
	}
	snprintf(copy, sizeof(copy), "%s", spec);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!wgc_hub_name_valid(t) || *n == MAX_PEERS_ENV) {
			fprintf(stderr, "%s: hub init: PEERS: `%s' is not a valid peer name (letters, digits, _.+@-; at most %d)\n",
				PROG_NAME, t, WGC_HUB_NAME_MAX);
			return false;
		}
		/* one name, one peer, whatever the case (as `peer add') */
		for (size_t j = 0; j < *n; j++)
			if (!strcasecmp(names[j], t)) {
				fprintf(stderr, "%s: hub init: PEERS: `%s' is given twice%s\n", PROG_NAME, t,
					strcmp(names[j], t) ? " (names that differ only in case are not told apart)" : "");
				return false;
			}
		snprintf(names[(*n)++], WGC_HUB_NAME_MAX + 1, "%s", t);
	}
	return true;
}

static bool build(struct wgc_hub_params *hp, struct init_opts *o, char *endpoint, size_t eplen,
		  struct wgc_strbuf *allowed, char *dns, size_t dnslen)
{
	uint64_t port = 51820;
	struct wgc_allowed_ip first;
	char pfx[WGC_PREFIX_STRLEN];

	if (o->port && (!wgc_parse_u64(o->port, 65535, &port) || !port)) {
		fprintf(stderr, "%s: hub init: port `%s' is not 1-65535\n", PROG_NAME, o->port);
		return false;
	}
	hp->port = (uint16_t)port;
	if (!endpoint_check(endpoint, eplen, o->endpoint, hp->port) ||
	    !subnet_check(&hp->subnet4, o->subnet ? o->subnet : "10.13.13.0/24", AF_INET, "--subnet") ||
	    (o->subnet6 && !subnet_check(&hp->subnet6, o->subnet6, AF_INET6, "--subnet6")))
		return false;
	hp->endpoint = endpoint;
	if (o->dns && !strcasecmp(o->dns, "auto")) {
		wgc_pool_first(&hp->subnet4, &first);
		wgc_prefix_format(pfx, &first);
		*strchr(pfx, '/') = '\0';
		snprintf(dns, dnslen, "%s", pfx);
	} else if (o->dns) {
		struct wgc_allowed_ip ip;
		char copy[256], *save = NULL;

		snprintf(copy, sizeof(copy), "%s", o->dns);
		for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			if (!wgc_prefix_parse(&ip, t, false) || strchr(t, '/')) {
				fprintf(stderr, "%s: hub init: DNS `%s' is not an IP address\n", PROG_NAME, t);
				return false;
			}
		snprintf(dns, dnslen, "%s", o->dns);
	}
	hp->dns = dns;
	if (o->allowed_ips) {
		if (!cli_prefix_list_check(o->allowed_ips, "hub init: --allowed-ips (ALLOWEDIPS)"))
			return false;
		hp->allowed_ips = o->allowed_ips;
	} else {
		wgc_prefix_format(pfx, &hp->subnet4);
		wgc_strbuf_printf(allowed, "%s", pfx);
		if (hp->subnet6.family) {
			wgc_prefix_format(pfx, &hp->subnet6);
			wgc_strbuf_printf(allowed, ", %s", pfx);
		}
		for (size_t i = 0; i < o->n_lan; i++)
			if (!lan_prefixes(allowed, o->lan[i]))
				return false;
		hp->allowed_ips = allowed->data;
	}
	for (size_t i = 0; i < o->n_lan; i++) {
		struct wgc_allowed_ip ip;

		/* it ends up in PostUp's shell text: only an interface name or a prefix */
		if (!wgc_ifname_quick_valid(o->lan[i], strlen(o->lan[i])) && !wgc_prefix_parse(&ip, o->lan[i], true)) {
			fprintf(stderr, "%s: hub init: --lan `%s' is neither an interface name nor a prefix\n", PROG_NAME,
				o->lan[i]);
			return false;
		}
		hp->lan[hp->n_lan++] = o->lan[i];
	}
	hp->keepalive_peers = o->keepalive_peers ? o->keepalive_peers : "";
	return true;
}

static int add_env_peers(const struct init_opts *o, const char *dir, char names[][WGC_HUB_NAME_MAX + 1], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cli_peer_opts po = { .dir = dir, .ifname = o->ifname, .name = names[i], .keepalive = -1,
					    .show_secrets = o->show_secrets };
		char out[PATH_MAX], png[PATH_MAX];

		if (o->out_dir) {
			if (snprintf(out, sizeof(out), "%s/%s.conf", o->out_dir, names[i]) >= (int)sizeof(out) ||
			    snprintf(png, sizeof(png), "%s/%s.png", o->out_dir, names[i]) >= (int)sizeof(png)) {
				fprintf(stderr, "%s: hub init: --out-dir: path too long\n", PROG_NAME);
				return 1;
			}
			po.out = out;
			po.png = png;
		}
		if (cli_peer_add(&po))
			return 1;
	}
	return 0;
}

static int cmd_init(int argc, const char *argv[])
{
	static char names[MAX_PEERS_ENV][WGC_HUB_NAME_MAX + 1];
	struct init_opts o = { 0 };
	struct wgc_hub_params hp = { 0 };
	struct wgc_strbuf allowed = { 0 }, text = { 0 };
	char endpoint[300], dns[256] = "", path[PATH_MAX];
	const char *dir;
	size_t n_names;
	int ret = 1;

	if (!parse_flags(&o, argc, argv))
		return 1;
	dir = cli_hub_config_dir(o.dir);
	if (!wgc_ifname_quick_valid(o.ifname, strlen(o.ifname))) {
		fprintf(stderr, "%s: hub init: `%s' is not a valid interface name\n", PROG_NAME, o.ifname);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s.conf", dir, o.ifname);
	if (!access(path, F_OK)) {
		fprintf(stderr, "%s: hub init: `%s' already exists; not overwriting it\n", PROG_NAME, path);
		return 1;
	}
	if (!peer_names(o.peers, names, &n_names))
		return 1;
	if (n_names && !o.out_dir && !cli_secrets_to_stdout(o.show_secrets)) {
		fprintf(stderr, "%s: hub init: PEERS: the peers' profiles hold private keys and stdout is not a terminal: "
				"give --out-dir DIR (or --show-secrets)\n",
			PROG_NAME);
		return 1;
	}
	if (!build(&hp, &o, endpoint, sizeof(endpoint), &allowed, dns, sizeof(dns)))
		goto out;
	/* all PEERS fit, or nothing is written: network, broadcast and the hub take three addresses */
	if (n_names && hp.subnet4.cidr <= 30 && n_names > (1UL << (32 - hp.subnet4.cidr)) - 3) {
		fprintf(stderr, "%s: hub init: %zu peers do not fit in --subnet %s (room for %lu)\n", PROG_NAME,
			n_names, o.subnet ? o.subnet : "10.13.13.0/24", (1UL << (32 - hp.subnet4.cidr)) - 3);
		goto out;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "%s: hub init: %s: %s\n", PROG_NAME, dir, strerror(errno));
		goto out;
	}
	if (o.out_dir && mkdir(o.out_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "%s: hub init: %s: %s\n", PROG_NAME, o.out_dir, strerror(errno));
		goto out;
	}
	wgc_x25519_generate(hp.private_key);
	wgc_hub_render(&text, &hp);
	wgc_wipe(hp.private_key, sizeof(hp.private_key));
	if (text.failed || !cli_write_private(path, text.data, text.len))
		goto out;
	fprintf(stderr, "%s: wrote hub %s (endpoint %s); add peers with `%s peer add %s NAME'\n", PROG_NAME, path,
		endpoint, PROG_NAME, o.ifname);
	ret = add_env_peers(&o, dir, names, n_names);
out:
	wgc_strbuf_free(&allowed);
	wgc_strbuf_free(&text);
	return ret;
}

int hub_main(int argc, const char *argv[])
{
	if (argc == 3 && !strcmp(argv[1], "init") && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		usage();
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "init"))
		return cmd_init(argc, argv);
	usage();
	return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/* The hub subcommands: hub (init), peer (add/list/show/remove/learn-mac), wake; and `up'/`down' checks for hubs. */
#ifndef WGC_CLI_HUB_H
#define WGC_CLI_HUB_H

#include <stdbool.h>

int hub_main(int argc, const char *argv[]);
int peer_main(int argc, const char *argv[]);
int wake_main(int argc, const char *argv[]);

struct cli_peer_opts {
	const char *dir, *ifname, *name;
	const char *allowed_ips;  /* NULL: the hub's default */
	bool full_tunnel;
	int keepalive;            /* -1: the hub's keepalive_peers rule */
	bool no_psk, keep_keys, show_secrets, no_qr;
	const char *out, *png;    /* NULL: none */
	const char *lan_endpoint; /* NULL: no home profile */
};

/* `peer add': 0 on success, 1 with a message; the file is unchanged on failure. */
int cli_peer_add(const struct cli_peer_opts *o);

/*
 * For `wgc up' (quick.c) on a hub file: before the plan runs, turns
 * forwarding on for the families the hub routes (remembering the previous
 * values in /run/wgc/IF.forwarding), warns about accept_ra and about LAN
 * prefixes overlapping peers' allowed IPs; does nothing for other files.
 * `down' (cli_hub_down) puts the remembered values back and says so.
 * accept_ra_uplink: --accept-ra-2 given, set accept_ra = 2 on the uplinks.
 */
void cli_hub_up(const char *path, const char *ifname, bool accept_ra_uplink);
void cli_hub_down(const char *ifname);
/* One `# wgc lan' entry as prefixes (the prefix itself, or the interface's global ones); returns how many. */
struct wgc_allowed_ip;
size_t cli_hub_lan_prefixes(const char *lan, struct wgc_allowed_ip *out, size_t cap);

/* Set by `up --accept-ra-2'. */
extern bool cli_hub_accept_ra2;


#endif

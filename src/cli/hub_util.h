/* SPDX-License-Identifier: MIT */
/* What hub, peer and wake share: finding, reading and replacing a hub's file, and showing secrets safely. */
#ifndef WGC_CLI_HUB_UTIL_H
#define WGC_CLI_HUB_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "provision/hubfile.h"

/* A hub file read into memory: its text (wiped on free) and the scan of it. */
struct cli_hub {
	char ifname[16];
	char path[PATH_MAX];
	char *buf;
	size_t len;
	struct wgc_hub_file hf;
	uint8_t public_key[32]; /* the hub's, from its PrivateKey */
	int lock_fd;            /* the config dir, flock()ed from load to free; 0 when not held */
};

/* --config-dir, else $WGC_CONFIG_DIR, else /etc/wireguard. */
const char *cli_hub_config_dir(const char *opt);

/*
 * Reads DIR/IFNAME.conf and checks it is a hub; messages on stderr. Holds an
 * exclusive flock on DIR until cli_hub_free, so two `peer add' never lose
 * each other's edit (the file itself is replaced by rename, so it cannot carry the lock).
 */
bool cli_hub_load(struct cli_hub *hub, const char *dir, const char *ifname);
/* The same, without messages when quiet. */
bool cli_hub_load_quiet(struct cli_hub *hub, const char *dir, const char *ifname, bool quiet);
void cli_hub_free(struct cli_hub *hub);

/* Replaces the hub's file with text (atomic, mode 0600); messages on stderr. */
bool cli_hub_store(const struct cli_hub *hub, const struct wgc_strbuf *text);

/* Writes data to path atomically with mode 0600; messages on stderr. */
bool cli_write_private(const char *path, const char *data, size_t len);

/* Whether the interface is running (its UAPI answers). */
bool cli_hub_running(const char *ifname);

/*
 * Takes the value of an option "--name VALUE" or "--name=VALUE" at argv[*i];
 * NULL when argv[*i] is not that option; exits with a message when VALUE is missing.
 */
const char *cli_opt_value(int argc, const char *argv[], int *i, const char *name);

/* Whether secrets may go to stdout: it is a terminal, or --show-secrets was given. */
bool cli_secrets_to_stdout(bool show_secrets);

/*
 * Checks a comma- or space-separated list of IP prefixes (an AllowedIPs
 * value); on the first bad one prints "wgc: WHAT: `X' is not a prefix" and
 * returns false. WHAT names the command and option, e.g. "hub init: --allowed-ips".
 */
bool cli_prefix_list_check(const char *list, const char *what);

#endif

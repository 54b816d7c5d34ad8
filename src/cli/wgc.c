// SPDX-License-Identifier: MIT
/* wgc: a drop-in for wireguard-tools' wg speaking the userspace UAPI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/hub.h"
#include "cli/quick.h"
#include "cli/wgc.h"
#include "core/crypto.h"

const char *PROG_NAME = "wgc";

static const struct {
	const char *name;
	int (*fn)(int argc, const char *argv[]);
	const char *description;
} subcommands[] = {
	{ "show", show_main, "Shows the current configuration and device information" },
	{ "showconf", showconf_main, "Shows the current configuration of a given WireGuard interface, for use with `setconf'" },
	{ "set", set_main, "Change the current configuration, add peers, remove peers, or change peers" },
	{ "setconf", setconf_main, "Applies a configuration file to a WireGuard interface" },
	{ "addconf", setconf_main, "Appends a configuration file to a WireGuard interface" },
	{ "syncconf", setconf_main, "Synchronizes a configuration file to a WireGuard interface" },
	{ "genkey", genkey_main, "Generates a new private key and writes it to stdout" },
	{ "genpsk", genkey_main, "Generates a new preshared key and writes it to stdout" },
	{ "pubkey", pubkey_main, "Reads a private key from stdin and writes a public key to stdout" },
	{ "up", quick_main, "Brings up a wg-quick style configuration (addresses, routes, DNS, hooks)" },
	{ "down", quick_main, "Takes down an interface brought up with `up', restoring routes, rules and DNS" },
	{ "save", quick_main, "Saves the running configuration of an interface back to its config file" },
	{ "strip", quick_main, "Prints a wg-quick style config without the keys only `up' understands" },
	{ "hub", hub_main, "Creates a hub: a wg-quick config for a server that peers join (`hub init')" },
	{ "peer", peer_main, "Adds, lists, shows and removes a hub's peers, with QR codes of their profiles" },
	{ "wake", wake_main, "Sends Wake-on-LAN magic packets on the hub's LAN, also on behalf of remote peers" },
	{ "route-check", route_check_main, "Explains where packets to an address go, before and after `up'" },
	{ "doctor", doctor_main, "Checks layer by layer why a peer has no handshake or no traffic" },
	{ "reresolve", reresolve_main, "Resolves stale peers' Endpoint names again (kernel interfaces; for a timer)" },
	{ "metrics", metrics_main, "Serves Prometheus metrics of the interfaces over HTTP (or prints them once)" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s <cmd> [<args>]\n\n", PROG_NAME);
	fprintf(f, "Available subcommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %s: %s\n", subcommands[i].name, subcommands[i].description);
	fprintf(f, "You may pass `--help' to any of these subcommands to view usage.\n");
}

/*
 * write(2), not stdio: the text may hold private keys, and stdio's buffer
 * would keep a copy, never wiped, until exit. The caller wipes sb.
 */
int cli_write_stdout(const struct wgc_strbuf *sb)
{
	size_t off = 0;

	if (sb->failed) {
		fprintf(stderr, "%s: out of memory\n", PROG_NAME);
		return 0;
	}
	if (fflush(stdout))
		return 0;
	while (off < sb->len) {
		ssize_t n = write(STDOUT_FILENO, sb->data + off, sb->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		off += (size_t)n;
	}
	return 1;
}

int main(int argc, const char *argv[])
{
	PROG_NAME = argv[0];

	if (!wgc_crypto_init()) {
		fprintf(stderr, "%s: no usable cryptographic backend\n", PROG_NAME);
		return 1;
	}
	if (argc == 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
		printf("wgc v%s - a wireguard-tools compatible wg for userspace WireGuard\n", WGC_VERSION);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 1) {
		static const char *show_argv[] = { "show", NULL };

		return show_main(1, show_argv);
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "Invalid subcommand: `%s'\n", argv[1]);
	usage(stderr);
	return 1;
}

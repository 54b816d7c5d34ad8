// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/wgc.h"
#include "common/show_format.h"
#include "ipc/ipc.h"

static const char *command;

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s %s { <interface> | all | interfaces } [public-key | private-key | listen-port | fwmark | peers | preshared-keys | endpoints | allowed-ips | latest-handshakes | transfer | persistent-keepalive | dump] [--json]\n",
		PROG_NAME, command);
}

/* WG_COLOR_MODE=always|never, otherwise colour only on a terminal, as wg. */
static bool color_mode(void)
{
	const char *v = getenv("WG_COLOR_MODE");

	if (v && !strcmp(v, "always"))
		return true;
	if (v && !strcmp(v, "never"))
		return false;
	return isatty(STDOUT_FILENO);
}

static bool hide_keys(void)
{
	const char *v = getenv("WG_HIDE_KEYS");

	return !(v && !strcmp(v, "never"));
}

/* Emits and clears the buffer; it may hold keys, which wgc_strbuf_free wipes. */
static bool flush(struct wgc_strbuf *sb)
{
	bool ok = cli_write_stdout(sb);

	wgc_strbuf_free(sb);
	return ok;
}

static int show_all(int argc, const char *argv[], bool json)
{
	char *names = wgc_ipc_list(), *name;
	struct wgc_strbuf out = { 0 };
	bool color = color_mode(), first = true;
	int ret;

	if (!names) {
		perror("Unable to list interfaces");
		return 1;
	}
	ret = !!*names;
	if (json)
		wgc_strbuf_printf(&out, "{\"interfaces\": [");
	for (name = names; *name; name += strlen(name) + 1) {
		struct wgc_device_model dev;
		int err = wgc_ipc_get(&dev, name);

		if (err) {
			fprintf(stderr, "Unable to access interface %s: %s\n", name, strerror(-err));
			continue;
		}
		if (json) {
			wgc_strbuf_printf(&out, "%s", first ? "" : ", ");
			wgc_show_json(&out, &dev, time(NULL));
			first = false;
		} else if (argc == 3) {
			if (!wgc_show_field(&out, &dev, argv[2], true)) {
				fprintf(stderr, "Invalid parameter: `%s'\n", argv[2]);
				usage();
				wgc_model_free(&dev);
				ret = 1;
				break;
			}
		} else {
			wgc_show_pretty(&out, &dev, time(NULL), color, hide_keys());
			if (*(name + strlen(name) + 1))
				wgc_strbuf_printf(&out, "\n");
		}
		wgc_model_free(&dev);
		/* As wg: one interface shown makes the whole listing a success. */
		ret = json || flush(&out) ? 0 : 1;
	}
	if (json) {
		wgc_strbuf_printf(&out, "]}\n");
		if (!flush(&out))
			ret = 1;
	}
	wgc_strbuf_free(&out);
	free(names);
	return ret;
}

static int show_interfaces(void)
{
	char *names = wgc_ipc_list();
	struct wgc_strbuf out = { 0 };

	if (!names) {
		perror("Unable to list interfaces");
		return 1;
	}
	for (char *name = names; *name; name += strlen(name) + 1)
		wgc_strbuf_printf(&out, "%s%c", name, *(name + strlen(name) + 1) ? ' ' : '\n');
	free(names);
	return flush(&out) ? 0 : 1;
}

static int show_one(int argc, const char *argv[], bool json)
{
	struct wgc_device_model dev;
	struct wgc_strbuf out = { 0 };
	int ret = 0, err = wgc_ipc_get(&dev, argv[1]);

	if (err) {
		fprintf(stderr, "Unable to access interface: %s\n", strerror(-err));
		return 1;
	}
	if (json) {
		wgc_show_json(&out, &dev, time(NULL));
		wgc_strbuf_printf(&out, "\n");
	} else if (argc == 3) {
		if (!wgc_show_field(&out, &dev, argv[2], false)) {
			fprintf(stderr, "Invalid parameter: `%s'\n", argv[2]);
			usage();
			ret = 1;
		}
	} else {
		wgc_show_pretty(&out, &dev, time(NULL), color_mode(), hide_keys());
	}
	wgc_model_free(&dev);
	if (!flush(&out))
		ret = 1;
	return ret;
}

int show_main(int argc, const char *argv[])
{
	const char *args[3] = { 0 };
	bool json = false;
	int n = 0;

	command = argv[0];
	/* --json is wgc's own; take it out so the rest reads exactly like wg's syntax. */
	for (int i = 0; i < argc; i++) {
		if (i > 0 && !strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if (n == 3) {
			usage();
			return 1;
		}
		args[n++] = argv[i];
	}
	if (json && n == 3) {
		fprintf(stderr, "%s: --json shows every field; it does not combine with `%s'\n", PROG_NAME, args[2]);
		return 1;
	}
	if (n == 1 || !strcmp(args[1], "all"))
		return show_all(n, args, json);
	if (!strcmp(args[1], "interfaces")) {
		if (n > 2 || json) {
			usage();
			return 1;
		}
		return show_interfaces();
	}
	if (n == 2 && (!strcmp(args[1], "-h") || !strcmp(args[1], "--help") || !strcmp(args[1], "help"))) {
		usage();
		return 0;
	}
	return show_one(n, args, json);
}

// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/hub_util.h"
#include "common/addr.h"
#include "cli/quick_conf.h"
#include "cli/quick_save.h"
#include "cli/wgc.h"
#include "common/config.h"
#include "ipc/ipc.h"
#include "core/crypto.h"

const char *cli_hub_config_dir(const char *opt)
{
	const char *env = getenv("WGC_CONFIG_DIR");

	if (opt && *opt)
		return opt;
	return env && *env ? env : "/etc/wireguard";
}

bool cli_hub_load(struct cli_hub *hub, const char *dir, const char *ifname)
{
	return cli_hub_load_quiet(hub, dir, ifname, false);
}

bool cli_hub_load_quiet(struct cli_hub *hub, const char *dir, const char *ifname, bool quiet)
{
	char err[WGC_CONFIG_ERRLEN];
	char herr[WGC_HUB_ERRLEN];

	memset(hub, 0, sizeof(*hub));
	if (!wgc_ifname_quick_valid(ifname, strlen(ifname))) {
		if (!quiet)
			fprintf(stderr, "%s: `%s' is not a valid interface name\n", PROG_NAME, ifname);
		return false;
	}
	snprintf(hub->ifname, sizeof(hub->ifname), "%s", ifname);
	hub->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hub->lock_fd >= 0 && flock(hub->lock_fd, LOCK_EX)) {
		close(hub->lock_fd);
		hub->lock_fd = -1;
	}
	if (snprintf(hub->path, sizeof(hub->path), "%s/%s.conf", dir, ifname) >= (int)sizeof(hub->path)) {
		if (!quiet)
			fprintf(stderr, "%s: %s: path too long\n", PROG_NAME, dir);
		cli_hub_free(hub);
		return false;
	}
	if (!wgc_config_read_file(hub->path, &hub->buf, &hub->len, false, err, sizeof(err), NULL)) {
		if (!quiet)
			fprintf(stderr, "%s: %s: %s\n", PROG_NAME, hub->path, err);
		cli_hub_free(hub);
		return false;
	}
	if (!wgc_hub_file_parse(&hub->hf, hub->buf, hub->len, herr)) {
		if (!quiet)
			fprintf(stderr, "%s: %s: %s\n", PROG_NAME, hub->path, herr);
		cli_hub_free(hub);
		return false;
	}
	if (!hub->hf.is_hub || !hub->hf.has_private_key) {
		if (!quiet)
			fprintf(stderr, "%s: %s: not a hub (no `# wgc hub' line before [Interface], or no PrivateKey); "
				"create one with `%s hub init'\n",
			PROG_NAME, hub->path, PROG_NAME);
		cli_hub_free(hub);
		return false;
	}
	wgc_x25519_public(hub->public_key, hub->hf.private_key);
	return true;
}

void cli_hub_free(struct cli_hub *hub)
{
	if (hub->lock_fd > 0)
		close(hub->lock_fd); /* releases the flock */
	if (hub->buf) {
		wgc_wipe(hub->buf, hub->len);
		free(hub->buf);
	}
	wgc_hub_file_free(&hub->hf);
	wgc_wipe(hub, sizeof(*hub));
}

bool cli_write_private(const char *path, const char *data, size_t len)
{
	char err[256];
	struct stat st;

	/* the file is replaced by a rename: never do that to /dev/null, a fifo or a symlink's target */
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file; not replacing it\n", PROG_NAME, path);
		return false;
	}

	if (!wgc_quick_write_atomic(path, data, len, err, sizeof(err))) {
		fprintf(stderr, "%s: %s: %s\n", PROG_NAME, path, err);
		return false;
	}
	return true;
}

bool cli_hub_store(const struct cli_hub *hub, const struct wgc_strbuf *text)
{
	if (text->failed) {
		fprintf(stderr, "%s: out of memory\n", PROG_NAME);
		return false;
	}
	return cli_write_private(hub->path, text->data ? text->data : "", text->len);
}

bool cli_hub_running(const char *ifname)
{
	struct wgc_device_model dev;

	if (wgc_ipc_get(&dev, ifname))
		return false;
	wgc_model_free(&dev);
	return true;
}

const char *cli_opt_value(int argc, const char *argv[], int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: %s needs a value\n", PROG_NAME, name);
		exit(1);
	}
	return argv[++*i];
}

bool cli_secrets_to_stdout(bool show_secrets)
{
	return show_secrets || isatty(STDOUT_FILENO);
}

bool cli_prefix_list_check(const char *list, const char *what)
{
	struct wgc_allowed_ip ip;
	char copy[1024], *save = NULL;

	if (snprintf(copy, sizeof(copy), "%s", list) >= (int)sizeof(copy)) {
		fprintf(stderr, "%s: %s: the list is longer than %zu bytes\n", PROG_NAME, what, sizeof(copy) - 1);
		return false;
	}
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		if (!wgc_prefix_parse(&ip, t, true)) {
			fprintf(stderr, "%s: %s: `%s' is not a prefix\n", PROG_NAME, what, t);
			return false;
		}
	if (!strpbrk(list, "0123456789abcdefABCDEF:")) {
		fprintf(stderr, "%s: %s: no prefix given\n", PROG_NAME, what);
		return false;
	}
	return true;
}

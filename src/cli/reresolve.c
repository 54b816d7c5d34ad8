// SPDX-License-Identifier: MIT
/*
 * `wgc reresolve IF`, the one-shot DNS re-resolution for backends without
 * candidates (the kernel module, wireguard-go), for a systemd timer
 * (contrib/systemd/wgc-reresolve@.timer), as wireguard-tools'
 * contrib/reresolve-dns/reresolve-dns.sh does.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/quick.h"
#include "cli/quick_conf.h"
#include "cli/wgc.h"
#include "common/addr.h"
#include "core/crypto.h"
#include "ipc/ipc.h"

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s reresolve [ CONFIG_FILE | INTERFACE ] [--after SECONDS]\n"
		"Resolves each peer's Endpoint name again when its latest handshake is older than SECONDS\n"
		"(default 135) and sets the new address, as reresolve-dns.sh does; for a systemd timer.\n",
		PROG_NAME);
}

/* Sets the file's endpoint (resolved just now) for each peer whose handshake is stale and whose address changed. */
static int reresolve(const char *ifname, struct wgc_device_model *file, long after)
{
	struct wgc_device_model run, change;
	time_t now = time(NULL);
	int ret = wgc_ipc_get(&run, ifname), changed = 0;

	memset(&change, 0, sizeof(change));
	for (size_t i = 0; !ret && i < file->n_peers; i++) {
		const struct wgc_peer_model *fp = &file->peers[i];
		const struct wgc_peer_model *rp = NULL;
		struct wgc_peer_model *cp;

		for (size_t j = 0; j < run.n_peers && !rp; j++)
			if (!memcmp(run.peers[j].public_key, fp->public_key, WGC_KEY_LEN))
				rp = &run.peers[j];
		if (!rp || !(fp->flags & WGC_PEER_HAS_ENDPOINT) || now - rp->last_handshake_sec < after)
			continue;
		if (!memcmp(&rp->endpoint, &fp->endpoint, sizeof(fp->endpoint)))
			continue;
		cp = wgc_model_add_peer(&change);
		if (!cp) {
			ret = -ENOMEM;
			break;
		}
		memcpy(cp->public_key, fp->public_key, WGC_KEY_LEN);
		cp->endpoint = fp->endpoint;
		cp->flags = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_ENDPOINT | WGC_PEER_UPDATE_ONLY;
		changed++;
	}
	if (!ret && changed)
		ret = wgc_ipc_set(&change, ifname);
	wgc_model_free(&change);
	wgc_model_free(&run);
	if (ret)
		fprintf(stderr, "%s: %s: %s\n", PROG_NAME, ifname, strerror(-ret));
	else if (changed)
		printf("%s: %d peer endpoint(s) re-resolved\n", ifname, changed);
	return ret ? 1 : 0;
}

int reresolve_main(int argc, const char *argv[])
{
	struct wgc_quick_conf qc;
	struct wgc_device_model file;
	char path[PATH_MAX], *end;
	long after = 135;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage();
		return 0;
	}
	if (argc == 4 && !strcmp(argv[2], "--after")) {
		after = strtol(argv[3], &end, 10);
		if (!*argv[3] || *end || after < 0) {
			fprintf(stderr, "%s: reresolve: --after `%s' is not a number of seconds (0 or more)\n", PROG_NAME,
				argv[3]);
			return 1;
		}
	} else if (argc != 2) {
		usage();
		return 1;
	}
	if (!wgc_quick_load(argv[1], &qc, &file, path, sizeof(path)))
		return 1;
	if (wgc_ipc_caps(qc.ifname) & WGC_IPC_CAP_ENDPOINT_CANDIDATES)
		fprintf(stderr, "%s: note: %s is served by wgcd, which re-resolves its endpoints itself\n", PROG_NAME,
			qc.ifname);
	ret = reresolve(qc.ifname, &file, after);
	wgc_model_free(&file);
	wgc_quick_conf_free(&qc);
	return ret;
}

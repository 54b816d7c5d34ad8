// SPDX-License-Identifier: MIT
/* setconf, addconf and syncconf: a config file applied three ways. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/wgc.h"
#include "common/config.h"
#include "ipc/ipc.h"
#include "core/crypto.h"

static bool holds_secret(const struct wgc_device_model *dev)
{
	if ((dev->flags & WGC_DEVICE_HAS_PRIVATE_KEY) && !wgc_is_zero(dev->private_key, WGC_KEY_LEN))
		return true;
	for (size_t i = 0; i < dev->n_peers; i++)
		if ((dev->peers[i].flags & WGC_PEER_HAS_PRESHARED_KEY) &&
		    !wgc_is_zero(dev->peers[i].preshared_key, WGC_KEY_LEN))
			return true;
	return false;
}

static const struct wgc_peer_model *find_peer(const struct wgc_device_model *dev, const uint8_t key[WGC_KEY_LEN])
{
	for (size_t i = 0; i < dev->n_peers; i++)
		if (!memcmp(dev->peers[i].public_key, key, WGC_KEY_LEN))
			return &dev->peers[i];
	return NULL;
}

/*
 * Turns a setconf change into the smallest one reaching the same state, as
 * wg's syncconf: running peers absent from the file are removed instead of
 * replacing every peer (which would drop sessions), and a PSK or keepalive
 * the file no longer sets is cleared explicitly.
 */
static bool sync_conf(struct wgc_device_model *file)
{
	struct wgc_device_model run;
	size_t n_file = file->n_peers;
	int err;

	if (!file->n_peers)
		return true;
	err = wgc_ipc_get(&run, file->name);
	if (err) {
		fprintf(stderr, "Unable to retrieve current configuration of interface %s: %s\n", file->name,
			strerror(-err));
		return false;
	}
	if (!run.n_peers) {
		wgc_model_free(&run);
		return true;
	}
	file->flags &= ~(uint32_t)WGC_DEVICE_REPLACE_PEERS;
	for (size_t i = 0; i < n_file; i++) {
		struct wgc_peer_model *fp = &file->peers[i];
		const struct wgc_peer_model *rp = find_peer(&run, fp->public_key);

		if (!rp)
			continue;
		if ((rp->flags & WGC_PEER_HAS_PRESHARED_KEY) && !(fp->flags & WGC_PEER_HAS_PRESHARED_KEY)) {
			memset(fp->preshared_key, 0, WGC_KEY_LEN);
			fp->flags |= WGC_PEER_HAS_PRESHARED_KEY;
		}
		if (rp->persistent_keepalive && !(fp->flags & WGC_PEER_HAS_PERSISTENT_KEEPALIVE)) {
			fp->persistent_keepalive = 0;
			fp->flags |= WGC_PEER_HAS_PERSISTENT_KEEPALIVE;
		}
	}
	for (size_t i = 0; i < run.n_peers; i++) {
		struct wgc_peer_model *gone;
		bool in_file = false;

		for (size_t j = 0; j < n_file && !in_file; j++)
			in_file = !memcmp(file->peers[j].public_key, run.peers[i].public_key, WGC_KEY_LEN);
		if (in_file)
			continue;
		gone = wgc_model_add_peer(file);
		if (!gone) {
			wgc_model_free(&run);
			fprintf(stderr, "Peer allocation: out of memory\n");
			return false;
		}
		memcpy(gone->public_key, run.peers[i].public_key, WGC_KEY_LEN);
		gone->flags = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_REMOVE_ME;
	}
	wgc_model_free(&run);
	return true;
}

int setconf_main(int argc, const char *argv[])
{
	char err[WGC_CONFIG_ERRLEN];
	struct wgc_device_model dev;
	struct stat st;
	size_t len;
	char *buf;
	bool ok;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "Usage: %s %s <interface> <configuration filename>\n", PROG_NAME, argv[0]);
		return 1;
	}
	if (!wgc_config_read_file(argv[2], &buf, &len, false, err, sizeof(err), NULL)) {
		fprintf(stderr, "%s: %s\n", argv[2], err);
		return 1;
	}
	ok = wgc_config_parse(&dev, buf, len, argv[2], !strcmp(argv[0], "addconf"), NULL, err);
	wgc_wipe(buf, len);
	free(buf);
	if (!ok) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (holds_secret(&dev) && !stat(argv[2], &st) && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		wgc_config_warn(NULL, "Warning: `%s' is accessible by others; it holds secrets (chmod o-rwx it)", argv[2]);
	snprintf(dev.name, sizeof(dev.name), "%s", argv[1]);
	if (!cli_candidates_allowed(&dev, argv[1]) || (!strcmp(argv[0], "syncconf") && !sync_conf(&dev))) {
		wgc_model_free(&dev);
		return 1;
	}
	ret = wgc_ipc_set(&dev, argv[1]);
	wgc_model_free(&dev);
	if (ret) {
		fprintf(stderr, "Unable to modify interface %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The capability check every command makes before it sends a change with
 * endpoint candidates (issue 14): wgc_ipc_caps, before anything is sent.
 * For wgcd, a peer's single Endpoint name also goes as a list of one, so
 * wgcd re-resolves it when the peer has no handshake for a while.
 */
#include <stdio.h>

#include "cli/wgc.h"
#include "ipc/ipc.h"

/* wgcd re-resolves a peer's one Endpoint name too: it goes as a list of one (issue 14). */
static void promote_single_names(struct wgc_device_model *change)
{
	for (size_t i = 0; i < change->n_peers; i++)
		if (change->peers[i].candidates.n == 1)
			change->peers[i].flags |= WGC_PEER_HAS_CANDIDATES;
}

bool cli_candidates_allowed(struct wgc_device_model *change, const char *ifname)
{
	unsigned caps;

	if (!wgc_model_uses_candidates(change)) {
		if (wgc_ipc_caps(ifname) & WGC_IPC_CAP_ENDPOINT_CANDIDATES)
			promote_single_names(change);
		return true;
	}
	caps = wgc_ipc_caps(ifname);
	if (caps & WGC_IPC_CAP_ENDPOINT_CANDIDATES) {
		promote_single_names(change);
		return true;
	}
	fprintf(stderr,
		"%s: %s: endpoint candidates (several endpoints for one peer, candidate-retry, reresolve-after) need wgcd;\n"
		"%s is served by %s, which keeps one endpoint per peer. Nothing was changed.\n"
		"Give each peer one endpoint (stock tools use the last Endpoint line), or bring the interface up with wgcd%s.\n",
		PROG_NAME, ifname, ifname, (caps & WGC_IPC_CAP_KERNEL) ? "the kernel module" : "another userspace implementation",
		(caps & WGC_IPC_CAP_KERNEL) ? "; for DNS re-resolution on a kernel interface use `wgc reresolve'" : "");
	return false;
}

// SPDX-License-Identifier: MIT
/*
 * The capability check every command makes before it sends a change with
 * endpoint candidates (issue 14): wgc_ipc_caps, before anything is sent.
 */
#include <stdio.h>

#include "cli/wgc.h"
#include "ipc/ipc.h"

bool cli_candidates_allowed(const struct wgc_device_model *change, const char *ifname)
{
	unsigned caps;

	if (!wgc_model_uses_candidates(change))
		return true;
	caps = wgc_ipc_caps(ifname);
	if (caps & WGC_IPC_CAP_ENDPOINT_CANDIDATES)
		return true;
	fprintf(stderr,
		"%s: %s: endpoint candidates (several endpoints for one peer, candidate-retry, reresolve-after) need wgcd;\n"
		"%s is served by %s, which keeps one endpoint per peer. Nothing was changed.\n"
		"Give each peer one endpoint (stock tools use the last Endpoint line), or bring the interface up with wgcd%s.\n",
		PROG_NAME, ifname, ifname, (caps & WGC_IPC_CAP_KERNEL) ? "the kernel module" : "another userspace implementation",
		(caps & WGC_IPC_CAP_KERNEL) ? "; for DNS re-resolution on a kernel interface use `wgc reresolve'" : "");
	return false;
}

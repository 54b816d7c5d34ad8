// SPDX-License-Identifier: MIT
/*
 * Shows what the backend seam decides, for tests/net/ipc_seam.sh:
 *   ipc_probe list        every name wgc_ipc_list returns, one per line
 *   ipc_probe caps IFNAME the capability flags as words ("none" for 0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc.h"

int main(int argc, char *argv[])
{
	if (argc == 2 && !strcmp(argv[1], "list")) {
		char *names = wgc_ipc_list();

		if (!names) {
			perror("wgc_ipc_list");
			return 1;
		}
		for (char *p = names; *p; p += strlen(p) + 1)
			printf("%s\n", p);
		free(names);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "caps")) {
		unsigned caps = wgc_ipc_caps(argv[2]);

		printf("%s%s%s%s\n", caps ? "" : "none", caps & WGC_IPC_CAP_COUNTERS ? "counters " : "",
		       caps & WGC_IPC_CAP_ENDPOINT_CANDIDATES ? "candidates " : "", caps & WGC_IPC_CAP_KERNEL ? "kernel " : "");
		return 0;
	}
	fprintf(stderr, "usage: %s list | caps IFNAME\n", argv[0]);
	return 1;
}

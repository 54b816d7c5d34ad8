// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "cli/wgc.h"
#include "common/config.h"
#include "ipc/ipc.h"

int set_main(int argc, const char *argv[])
{
	char err[WGC_CONFIG_ERRLEN];
	struct wgc_device_model dev;
	int ret;

	if (argc < 3) {
		fprintf(stderr,
			"Usage: %s %s <interface> [listen-port <port>] [fwmark <mark>] [private-key <file path>] [candidate-retry <seconds>] [reresolve-after <seconds>] [peer <base64 public key> [remove] [preshared-key <file path>] [endpoint <ip>:<port> [endpoint <ip>:<port>]...] [persistent-keepalive <interval seconds>] [allowed-ips <ip1>/<cidr1>[,<ip2>/<cidr2>]...] ]...\n",
			PROG_NAME, argv[0]);
		return 1;
	}
	if (!wgc_config_parse_args(&dev, argc - 2, argv + 2, NULL, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	snprintf(dev.name, sizeof(dev.name), "%s", argv[1]);
	if (!cli_candidates_allowed(&dev, argv[1])) {
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

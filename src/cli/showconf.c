// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "cli/wgc.h"
#include "common/show_format.h"
#include "ipc/ipc.h"

int showconf_main(int argc, const char *argv[])
{
	struct wgc_strbuf out = { 0 };
	struct wgc_device_model dev;
	int err, ret;

	if (argc != 2) {
		fprintf(stderr, "Usage: %s %s <interface>\n", PROG_NAME, argv[0]);
		return 1;
	}
	err = wgc_ipc_get(&dev, argv[1]);
	if (err) {
		fprintf(stderr, "Unable to access interface %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	wgc_show_conf(&out, &dev);
	wgc_model_free(&dev);
	ret = cli_write_stdout(&out) ? 0 : 1;
	wgc_strbuf_free(&out);
	return ret;
}

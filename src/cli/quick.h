/* SPDX-License-Identifier: MIT */
/* wg-quick's subcommands in wgc (quick.c) and route-check (route_check.c). */
#ifndef WGC_CLI_QUICK_H
#define WGC_CLI_QUICK_H

#include <stdbool.h>

#include "cli/quick_conf.h"
#include "common/model.h"

/* up, down, save and strip; argv[0] names which. */
int quick_main(int argc, const char *argv[]);
int route_check_main(int argc, const char *argv[]);

/*
 * Shared by both: finds and reads CONFIG|IFNAME, warns when world
 * accessible, splits it (qc) and, when dev is not NULL, parses the wg part
 * into dev. path receives the canonical file name. Messages on stderr.
 */
bool wgc_quick_load(const char *arg, struct wgc_quick_conf *qc, struct wgc_device_model *dev, char *path,
		    size_t pathlen);

#endif

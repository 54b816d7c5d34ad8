/* SPDX-License-Identifier: MIT */
/* The subcommands of wgc; each lives in its own file with a *_main(argc, argv). */
#ifndef WGC_CLI_H
#define WGC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/model.h"
#include "common/strbuf.h"

extern const char *PROG_NAME;

int show_main(int argc, const char *argv[]);
int showconf_main(int argc, const char *argv[]);
int set_main(int argc, const char *argv[]);
int setconf_main(int argc, const char *argv[]);
int genkey_main(int argc, const char *argv[]);
int pubkey_main(int argc, const char *argv[]);
int metrics_main(int argc, const char *argv[]);
int doctor_main(int argc, const char *argv[]);
int reresolve_main(int argc, const char *argv[]);

/*
 * Whether change may go to IFNAME: true when it uses no endpoint candidates
 * or the backend supports them (wgc_ipc_caps, asked before anything is
 * sent); otherwise prints why (naming wgcd, the kernel, `wgc reresolve').
 * For wgcd it also marks peers whose one Endpoint is a name, so wgcd gets
 * the name and re-resolves it.
 */
bool cli_candidates_allowed(struct wgc_device_model *change, const char *ifname);

/* Writes a buffer to stdout; false (with a message) when that fails. */
int cli_write_stdout(const struct wgc_strbuf *sb);

#endif

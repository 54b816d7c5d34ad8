/* SPDX-License-Identifier: MIT */
/* The subcommands of wgc; each lives in its own file with a *_main(argc, argv). */
#ifndef WGC_CLI_H
#define WGC_CLI_H

#include <stddef.h>

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

/* Writes a buffer to stdout; false (with a message) when that fails. */
int cli_write_stdout(const struct wgc_strbuf *sb);

#endif

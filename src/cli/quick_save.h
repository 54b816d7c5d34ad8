/* SPDX-License-Identifier: MIT */
/*
 * SaveConfig and `wgc save': the running device written back over its
 * config file, wg-quick's save_config. The file is replaced atomically: a
 * temporary file in the same directory is written, fsynced and renamed
 * over the original, so a crash or a full disk leaves either the old file
 * or the new one, never a truncated mix.
 */
#ifndef WGC_CLI_QUICK_SAVE_H
#define WGC_CLI_QUICK_SAVE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/quick_conf.h"
#include "common/model.h"
#include "common/strbuf.h"


/*
 * The file wg-quick would write: header holds the [Interface] lines that
 * belong to wg-quick (Address, DNS, MTU, ...); showconf's "[Interface]\n"
 * is replaced by it, and echo's newline ends it.
 */
void wgc_quick_merge_saved(struct wgc_strbuf *out, const char *header, const char *showconf);

/*
 * Replaces path with data atomically (mode 0600). For tests,
 * WGC_TEST_SAVE_CRASH=1 kills the process with SIGKILL half-way through
 * writing the temporary file, before the rename.
 */
bool wgc_quick_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* Gathers the running state of qc->ifname and writes it to path; messages on stderr. */
bool wgc_quick_save(const struct wgc_quick_conf *qc, const char *path);

#endif

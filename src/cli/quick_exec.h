/* SPDX-License-Identifier: MIT */
/* Running programs and plans for `wgc up/down', echoing each as wg-quick does. */
#ifndef WGC_CLI_QUICK_EXEC_H
#define WGC_CLI_QUICK_EXEC_H

#include <stdbool.h>

#include "cli/quick_conf.h"
#include "cli/quick_plan.h"
#include "common/model.h"
#include "common/strbuf.h"

/*
 * Runs argv (PATH lookup) and waits. input, when not NULL, is fed on stdin,
 * or as file descriptor 63 when fd63 (the argv then names /dev/fd/63, as
 * bash's <(...) does). capture, when not NULL, receives stdout; quiet sends
 * stderr to /dev/null. Returns the exit status, 128+signal, or 127 when it
 * could not be started.
 */
int wgc_quick_spawn(char *const argv[], const char *input, bool fd63, struct wgc_strbuf *capture, bool quiet);

/* Runs a small query quietly and returns its stdout ("" on failure); free with wgc_strbuf_free. */
bool wgc_quick_query(struct wgc_strbuf *out, const char *arg0, ...) __attribute__((sentinel));

/* Whether prog is an executable on PATH (or a path to one). */
bool wgc_quick_have(const char *prog);

/* The probe backed by the real system (ip, PATH, /etc/resolvconf). */
extern const struct wgc_quick_probe wgc_quick_system_probe;

struct wgc_quick_exec {
	const struct wgc_quick_conf *qc;
	const char *path;                /* the config file, for SaveConfig */
	struct wgc_device_model *config; /* the stripped config, for SETCONF */
	bool link_created, dns_set, firewall_set;
	bool record;      /* up: append each change to the state file (quick_state.h) */
	bool save_failed; /* SaveConfig could not read the running state: the file was left alone */
};

/* Runs every step; false at the first failing one that is not ignore_fail. */
bool wgc_quick_run(struct wgc_quick_exec *ex, const struct wgc_quick_plan *plan);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * What `wgc up' changed, so `wgc down' undoes exactly that.
 *
 * As each step of `up' succeeds, a line is appended to
 * /run/wgc/IFNAME.state (WGC_STATE_DIR; mode 0600 in a 0700 directory):
 *
 *   link IFNAME                     the interface (and its daemon) exists
 *   rule -4 not fwmark 51820 table 51820     an `ip -4 rule add' (the words after "add")
 *   nft ip wg-quick-IFNAME          an nft table
 *   dns tun.IFNAME                  a resolvconf record
 *
 * `down' turns the records into undo steps, newest first after the link
 * (deleting the interface first takes its routes and addresses with it),
 * whatever the config file says now and whether or not the interface still
 * exists, then removes the file. Without a file (an interface brought up by
 * wg-quick or an older wgc) `down' tears down from the config as before.
 * The routes `up' adds all name the interface (dev IF), so deleting it is
 * their undo; the sysctl src_valid_mark stays set, as with wg-quick.
 */
#ifndef WGC_CLI_QUICK_STATE_H
#define WGC_CLI_QUICK_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/quick_plan.h"
#include "common/strbuf.h"

#ifndef WGC_STATE_DIR
#define WGC_STATE_DIR "/run/wgc"
#endif

/* The record for a step that just succeeded ("" when it changes nothing `down' must undo). */
void wgc_quick_state_record(struct wgc_strbuf *line, const struct wgc_quick_step *step, const char *ifname);

/* Appends one record line (without newline) to IFNAME's state file, creating it; false on error (errno). */
bool wgc_quick_state_append(const char *ifname, const char *record);

/* The whole state file into out; false when there is none (or it cannot be read). */
bool wgc_quick_state_read(const char *ifname, struct wgc_strbuf *out);

void wgc_quick_state_remove(const char *ifname);

/*
 * The undo steps of a state text (kind WGC_QS_UNDO, all ignore_fail): the
 * link first, then the other records newest first. Unknown lines are
 * skipped. Pure: no system access. *count gets the number of records.
 */
bool wgc_quick_state_plan(struct wgc_quick_plan *plan, const char *text, const char *ifname, size_t *count);

#endif

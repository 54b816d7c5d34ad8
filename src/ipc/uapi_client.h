/* SPDX-License-Identifier: MIT */
/*
 * Talking to a userspace WireGuard daemon over /var/run/wireguard/IFNAME.sock.
 * Private to the backend seam (src/ipc/): everything else calls ipc.h, and
 * `make check-layers` fails when anything outside src/ipc/ uses this header.
 */
#ifndef WGC_IPC_UAPI_CLIENT_H
#define WGC_IPC_UAPI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/model.h"
#include "common/uapi.h"

/*
 * Names of every IFNAME.sock in the socket directory with a live listener,
 * in directory order (as wg lists them), as consecutive NUL-terminated
 * strings ending with an empty one. A stale socket (connection refused) is
 * unlinked, as wg does. Returns NULL with errno set on failure; free() it.
 */
char *wgc_uapi_client_list(void);
/*
 * State of one interface: 0 or -errno (the daemon's own, or ENOENT etc.).
 * From wgcd it includes the counters (wgc_extensions=1, doc/uapi.md).
 */
int wgc_uapi_client_get(struct wgc_device_model *state, const char *ifname);
/* Whether the daemon on this connected UAPI socket is wgcd (may get extension lines). */
bool wgc_uapi_peer_is_wgcd(int fd);
/* Applies a change: 0 or -errno. */
int wgc_uapi_client_set(const struct wgc_device_model *change, const char *ifname);
/*
 * True when IFNAME.sock is a socket nobody refused a connection on (as wg's
 * userspace_has_wireguard_interface: a permission error still counts, so the
 * caller gets it from get/set). A stale socket is unlinked.
 */
bool wgc_uapi_client_exists(const char *ifname);
/*
 * True when the process listening on IFNAME.sock is wgcd, found without
 * sending anything: SO_PEERCRED of a connection gives the pid that called
 * listen(), whose /proc/PID/exe basename must be "wgcd"; when that process
 * has gone (a daemon that forked after binding), the running wgcd processes
 * are searched for one holding the listening socket bound to that path
 * (/proc/PID/net/unix of its namespace, /proc/PID/fd). Needs root to read
 * other processes' /proc entries, as the socket itself does.
 */
bool wgc_uapi_client_is_wgcd(const char *ifname);
/*
 * The pid of the process serving IFNAME's socket (SO_PEERCRED), or -errno
 * (-ENOENT: no socket): `wgc down' waits for that process to be gone.
 */
int wgc_uapi_client_pid(const char *ifname);

#endif

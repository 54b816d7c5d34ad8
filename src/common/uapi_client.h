/* SPDX-License-Identifier: MIT */
/* Talking to a userspace WireGuard daemon over /var/run/wireguard/IFNAME.sock. */
#ifndef WGC_UAPI_CLIENT_H
#define WGC_UAPI_CLIENT_H

#include <stddef.h>

#include "common/model.h"

#ifndef WGC_UAPI_SOCK_DIR
#define WGC_UAPI_SOCK_DIR "/var/run/wireguard"
#endif

/*
 * Names of every IFNAME.sock in the socket directory with a live listener,
 * in directory order (as wg lists them), as consecutive NUL-terminated
 * strings ending with an empty one. A stale socket (connection refused) is
 * unlinked, as wg does. Returns NULL with errno set on failure; free() it.
 */
char *wgc_uapi_client_list(void);
/* State of one interface: 0 or -errno (the daemon's own, or ENOENT etc.). */
int wgc_uapi_client_get(struct wgc_device_model *state, const char *ifname);
/* Applies a change: 0 or -errno. */
int wgc_uapi_client_set(const struct wgc_device_model *change, const char *ifname);
/*
 * The pid of the process serving ifname's socket (SO_PEERCRED), or -errno:
 * `wgc down' waits for that process to be gone before it returns.
 */
int wgc_uapi_client_pid(const char *ifname);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The backend seam: every command lists, reads and changes WireGuard devices
 * through these four functions and nothing else. The backend is chosen here,
 * in one place, exactly as wireguard-tools' ipc.c chooses it: a live UAPI
 * socket /var/run/wireguard/IFNAME.sock wins (wgcd, wireguard-go, boringtun),
 * otherwise the kernel's "wireguard" generic-netlink family.
 *
 * Errors are -errno values as wg gets them, so the callers print them with
 * strerror() exactly as wg does: for example -ENODEV (no such device),
 * -EOPNOTSUPP (the kernel's answer for an interface that is not WireGuard),
 * -EPERM (not root), -EPROTONOSUPPORT (no WireGuard kernel module and no
 * userspace socket for the name).
 *
 * No locking and no global state: each call opens its own socket.
 */
#ifndef WGC_IPC_IPC_H
#define WGC_IPC_IPC_H

#include "common/model.h"

/* Capability flags of the backend behind one interface name. */
enum wgc_ipc_caps {
	/* the backend returns wgc_ counters (wgcd's UAPI extension, doc/uapi.md) */
	WGC_IPC_CAP_COUNTERS = 1U << 0,
	/* the backend accepts and reports endpoint candidates (wgcd only) */
	WGC_IPC_CAP_ENDPOINT_CANDIDATES = 1U << 1,
	/* the interface is the kernel module's, configured over generic netlink */
	WGC_IPC_CAP_KERNEL = 1U << 2,
};

/*
 * Names of every WireGuard device in wg's order: the kernel's wireguard
 * links in ifindex order first, then the live UAPI sockets in directory
 * order (wireguard-tools' ipc_list_devices). Consecutive NUL-terminated
 * strings ending with an empty string; free() it. NULL with errno set on
 * failure of either listing, as wg. Stale UAPI sockets (nobody listening)
 * are unlinked, as wg does.
 */
char *wgc_ipc_list(void);

/* Reads the whole state of IFNAME into *state (zeroed first; release it with
 * wgc_model_free even on error). 0 or -errno. */
int wgc_ipc_get(struct wgc_device_model *state, const char *ifname);

/* Applies a change (a model with HAS_ flags, as setconf/set build it) to
 * IFNAME. 0 or -errno. The kernel backend may need several netlink messages
 * for a large change; the kernel applies each one as it arrives. */
int wgc_ipc_set(const struct wgc_device_model *change, const char *ifname);

/*
 * What the backend behind IFNAME supports, found without sending it any
 * request: a bitwise OR of enum wgc_ipc_caps, 0 for an unknown name or a
 * userspace implementation other than wgcd. How wgcd is recognised (no
 * request, nothing a client of the socket can spoof): SO_PEERCRED of a
 * connection to its UAPI socket gives the pid that called listen(); if
 * /proc/PID/exe is named "wgcd", it is wgcd. A daemon that forked after
 * binding (wgcd and wireguard-go both do when they go to the background)
 * leaves a pid that is gone or reused, so then the running processes named
 * wgcd are searched for the one holding a listening socket bound to that
 * path (/proc/PID/net/unix of its network namespace, /proc/PID/fd): about
 * 20 ms. A wgcd renamed, run under valgrind, in another pid namespace or
 * seen by a non-root caller is reported with no capabilities (the safe
 * direction: wgc only does not ask for wgc-only data). A kernel interface
 * has no counters or candidates: WGC_IPC_CAP_KERNEL alone.
 */
unsigned wgc_ipc_caps(const char *ifname);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The kernel backend: the "wireguard" generic-netlink family of the Linux
 * module (include/uapi/linux/wireguard.h), through libmnl. Private to the
 * backend seam (src/ipc/); everything else calls ipc.h.
 */
#ifndef WGC_IPC_KERNEL_H
#define WGC_IPC_KERNEL_H

#include <stdbool.h>

#include "common/model.h"
#include "common/strbuf.h"

/* Appends the name of every link of kind "wireguard", each NUL-terminated,
 * in the kernel's (ifindex) order. 0 or -errno. */
int wgc_kernel_list(struct wgc_strbuf *names);
/* True when IFNAME is a link of kind "wireguard". */
bool wgc_kernel_is_wireguard(const char *ifname);
/* WG_CMD_GET_DEVICE: 0 or -errno (-ENODEV, -EOPNOTSUPP, -EPERM, ...). */
int wgc_kernel_get(struct wgc_device_model *state, const char *ifname);
/* WG_CMD_SET_DEVICE, split over as many messages as needed: 0 or -errno. */
int wgc_kernel_set(const struct wgc_device_model *change, const char *ifname);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The kernel's WireGuard generic-netlink messages as a pure codec on
 * buffers: no sockets, no family lookup (src/ipc/kernel.c does those).
 * Attribute layout from the kernel's include/uapi/linux/wireguard.h and
 * drivers/net/wireguard/netlink.c:
 *
 *   WG_CMD_SET_DEVICE  (request, NLM_F_REQUEST | NLM_F_ACK)
 *     WGDEVICE_A_IFNAME        NUL-terminated string
 *     WGDEVICE_A_PRIVATE_KEY   32 bytes (all zero: remove it)
 *     WGDEVICE_A_LISTEN_PORT   u16 (host order)      WGDEVICE_A_FWMARK  u32
 *     WGDEVICE_A_FLAGS         u32: WGDEVICE_F_REPLACE_PEERS
 *     WGDEVICE_A_PEERS         nest of nests (type 0), each a peer:
 *       WGPEER_A_PUBLIC_KEY    32 bytes (always first)
 *       WGPEER_A_FLAGS         u32: REMOVE_ME, REPLACE_ALLOWEDIPS, UPDATE_ONLY
 *       WGPEER_A_PRESHARED_KEY 32 bytes (all zero: remove it)
 *       WGPEER_A_ENDPOINT      struct sockaddr_in or sockaddr_in6 (port in network order)
 *       WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL u16 seconds
 *       WGPEER_A_ALLOWEDIPS    nest of nests (type 0), each:
 *         WGALLOWEDIP_A_FAMILY u16, WGALLOWEDIP_A_IPADDR 4 or 16 bytes,
 *         WGALLOWEDIP_A_CIDR_MASK u8, WGALLOWEDIP_A_FLAGS u32 (REMOVE_ME,
 *         Linux 6.16+; older kernels reject the unknown attribute, so a
 *         "-prefix" removal fails with EINVAL there instead of adding it)
 *   WG_CMD_GET_DEVICE  (dump request with WGDEVICE_A_IFNAME); each reply
 *     message (NLM_F_MULTI) carries the device attributes (first message
 *     only) and a WGDEVICE_A_PEERS nest with as many peers as fit, plus
 *     WGPEER_A_LAST_HANDSHAKE_TIME (struct __kernel_timespec, 16 bytes),
 *     WGPEER_A_RX_BYTES / TX_BYTES (u64) and WGPEER_A_PROTOCOL_VERSION.
 *     A peer whose allowed IPs do not fit continues in the next message,
 *     repeating only its public key.
 *
 * Numbers inside attributes are in host byte order, as netlink defines.
 * Buffers handed in and out may hold private and preshared keys: wipe them.
 */
#ifndef WGC_COMMON_WGNL_H
#define WGC_COMMON_WGNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/model.h"

/* The generic-netlink family (resolved through nlctrl) and its version. */
#define WGC_WGNL_FAMILY_NAME "wireguard"
#define WGC_WGNL_VERSION 1

/* Where a SET_DEVICE split is: which peer and allowed IP come next. */
struct wgc_wgnl_cursor {
	size_t peer;    /* index of the next peer to send */
	size_t aip;     /* index of its next allowed IP */
	bool in_peer;   /* that peer's own attributes already went out */
	bool started;   /* the device attributes already went out */
	bool done;      /* nothing left: stop sending */
};

/*
 * Builds the next WG_CMD_SET_DEVICE message of a change into buf (size
 * bytes, at most 65535 used; wireguard-tools uses one page), as
 * wireguard-tools splits it: the device attributes in the first message,
 * then as many peers and allowed IPs as fit; a peer cut short continues in
 * the next message with its public key and the remaining allowed IPs (its
 * flags, preshared key, endpoint and keepalive only once, in the first
 * piece). A change without peers is one message. Start with a zeroed
 * cursor and call until cur->done; the kernel applies each message as it
 * arrives. Returns the message length, or -E2BIG when buf cannot hold
 * even one peer piece, -EINVAL for an interface name that does not fit.
 * family is the resolved family id; seq goes into nlmsg_seq.
 */
int wgc_wgnl_build_set(void *buf, size_t size, uint16_t family, uint32_t seq, const char *ifname,
		       const struct wgc_device_model *change, struct wgc_wgnl_cursor *cur);

/* Builds the WG_CMD_GET_DEVICE dump request for ifname: length or -EINVAL. */
int wgc_wgnl_build_get(void *buf, size_t size, uint16_t family, uint32_t seq, const char *ifname);

/*
 * Parses one WG_CMD_GET_DEVICE reply message (nlmsghdr, genlmsghdr,
 * attributes: len bytes of untrusted input) into state, merging it with
 * what earlier messages of the same dump left there: a peer with the same
 * public key as the one before it is the continuation of that peer (as
 * wireguard-tools' coalesce_peers). Start from a zeroed model; release it
 * with wgc_model_free. Unknown attributes are skipped (newer kernels), as
 * wg does. Returns 0, -EINVAL (malformed: truncated, a peer without public
 * key, an allowed IP with a bad family, address length or mask) or
 * -ENOMEM; on error the model keeps what was merged so far.
 */
int wgc_wgnl_parse_get(struct wgc_device_model *state, const void *msg, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The hub's address pool: the next free host address of a subnet, given the
 * prefixes already configured (the hub's own Address and every peer's
 * AllowedIPs). Pure: no files, no sockets.
 *
 * IPv4: the network and broadcast addresses are never handed out (for
 * prefixes up to /30), so a /24 has 254 hosts: the hub's .1 and 253 peers.
 * IPv6: the subnet-router anycast address (host part 0) is skipped.
 * An address is free when no used prefix contains it, so a removed peer's
 * address comes back only after its AllowedIPs are gone from the file.
 */
#ifndef WGC_PROVISION_POOL_H
#define WGC_PROVISION_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/model.h"

/* Whether net is large enough for the hub and one peer (v4 up to /30, v6 up to /126). */
bool wgc_pool_usable(const struct wgc_allowed_ip *net);

/* The first host address of net (the hub's own, ".1"), as a host prefix. */
void wgc_pool_first(const struct wgc_allowed_ip *net, struct wgc_allowed_ip *out);

/*
 * The lowest host of net that no prefix in used[] contains; out is a host
 * prefix (/32 or /128). False when the subnet is full (or net's family has
 * no usable hosts). Scans at most 2^20 candidates, enough for any hub.
 */
bool wgc_pool_next(const struct wgc_allowed_ip *net, const struct wgc_allowed_ip *used, size_t n_used,
		   struct wgc_allowed_ip *out);

/* Whether prefix a contains the address of host (same family, host's bits past a's cidr ignored). */
bool wgc_prefix_contains(const struct wgc_allowed_ip *a, const struct wgc_allowed_ip *host);

/* Whether two prefixes share any address. */
bool wgc_prefix_overlaps(const struct wgc_allowed_ip *a, const struct wgc_allowed_ip *b);

#endif

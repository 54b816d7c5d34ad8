/* SPDX-License-Identifier: MIT */
/*
 * Wake-on-LAN: the magic packet, and the small request a remote peer sends
 * through the tunnel to ask the hub to send one.
 *
 * Magic packet (AMD's Magic Packet spec): 6 bytes 0xff, then the target's
 * MAC 16 times, 102 bytes; sent as a UDP broadcast to port 9 and as the
 * payload of an Ethernet frame of type 0x0842.
 *
 * Wake request: one UDP datagram to the hub's tunnel address, port
 * WGC_WAKE_PORT, holding exactly "wgc-wake 1 NAME\n" (NAME a valid peer
 * name). Reply: "ok NAME MAC\n" or "refused REASON\n". The request carries
 * no credentials of its own: it is authenticated by WireGuard's
 * cryptokey routing -- the responder accepts it only when it arrived on
 * the hub's WireGuard interface (so it was decrypted with some peer's
 * session) and its source address is inside that peer's AllowedIPs in the
 * hub file; see doc/hub.md.
 */
#ifndef WGC_PROVISION_WAKE_H
#define WGC_PROVISION_WAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "provision/hubfile.h"

enum {
	WGC_WOL_LEN = 102,
	WGC_WOL_UDP_PORT = 9,
	WGC_WOL_ETHERTYPE = 0x0842,
	WGC_WAKE_PORT = 51822,
	WGC_WAKE_MSG_MAX = 128,
};

void wgc_wol_magic(uint8_t out[WGC_WOL_LEN], const uint8_t mac[6]);

/* The request text for name (valid name); returns its length. */
size_t wgc_wake_request_format(char out[WGC_WAKE_MSG_MAX], const char *name);

/* Parses a received request; false for anything but the exact form. */
bool wgc_wake_request_parse(const char *buf, size_t len, char name[WGC_HUB_NAME_MAX + 1]);

#endif

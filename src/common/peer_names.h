/* SPDX-License-Identifier: MIT */
/*
 * Friendly peer names from a config file's comments, as
 * prometheus_wireguard_exporter's -n option reads them and as wgc hub files
 * write them: a line `# friendly_name = NAME` inside a [Peer] section names
 * the peer whose PublicKey is in the same section. Everything else in the
 * file is ignored (and never kept: keys other than public ones are skipped).
 */
#ifndef WGC_PEER_NAMES_H
#define WGC_PEER_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/messages.h"

enum { WGC_PEER_NAME_MAX = 64 }; /* bytes with the NUL; longer names are cut */

struct wgc_peer_name {
	uint8_t public_key[WGC_KEY_LEN];
	char name[WGC_PEER_NAME_MAX]; /* printable ASCII or UTF-8, no control characters */
};

struct wgc_peer_names {
	struct wgc_peer_name *items;
	size_t n, cap;
};

/*
 * Adds the names found in buf[0..len) (any bytes; need not be NUL-terminated).
 * A section without a valid PublicKey or without a name adds nothing.
 * False only when memory runs out (what was added stays).
 */
bool wgc_peer_names_parse(struct wgc_peer_names *names, const char *buf, size_t len);
/* The name of the peer with this public key, NULL when it has none. */
const char *wgc_peer_names_find(const struct wgc_peer_names *names, const uint8_t key[WGC_KEY_LEN]);
void wgc_peer_names_free(struct wgc_peer_names *names);

#endif

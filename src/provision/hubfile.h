/* SPDX-License-Identifier: MIT */
/*
 * A hub's config file as text to edit, not a model to re-render: a plain
 * wg-quick file that marks itself with a `# wgc hub` comment line before
 * its [Interface] section. The scanner records, for each [Peer] section,
 * its byte range and the few values the hub commands need; edits splice
 * whole sections in or out (or one comment line), so every other byte --
 * comments, spacing, other peers, unknown keys -- stays as it was.
 *
 * A section's range starts at the blank lines directly above its header
 * and ends where the next section's range starts (or at the end of the
 * file). Appending "\n[Peer]..." and removing that peer again therefore
 * gives back the original bytes.
 *
 * Hub metadata lives in comments (wg and wg-quick ignore them):
 *   # wgc hub                                  the marker
 *   # wgc endpoint = HOST:PORT                 the hub as peers reach it
 *   # wgc dns = ADDR[,ADDR]                    DNS for peers' profiles
 *   # wgc lan = IFACE_OR_PREFIX                (repeatable) the LAN behind the hub
 *   # wgc allowed_ips = PREFIX[,PREFIX]        peers' AllowedIPs (default: the hub subnets)
 *   # wgc keepalive_peers = all | NAME[,NAME]  peers whose profile gets PersistentKeepalive = 25
 *   # wgc subnet = PREFIX                      (v4 and v6) the pools
 * and per peer, inside its [Peer] section:
 *   # friendly_name = NAME
 *   # mac = aa:bb:cc:dd:ee:ff
 *
 * Keys and comment keys match case-insensitively; values are trimmed.
 * Hostile input never crashes the scanner (fuzz/fuzz_hubfile.c): over-long
 * values fail the parse with "line N: ...".
 */
#ifndef WGC_PROVISION_HUBFILE_H
#define WGC_PROVISION_HUBFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/model.h"
#include "common/strbuf.h"

enum {
	WGC_HUB_NAME_MAX = 32,     /* a peer name: [A-Za-z0-9_.+@-], not starting with '-' */
	WGC_HUB_MAX_ADDRS = 16,    /* Address / AllowedIPs entries remembered per section */
	WGC_HUB_MAX_LAN = 8,
	WGC_HUB_VALUE_MAX = 256,
	WGC_HUB_ERRLEN = 256,
};

struct wgc_hub_peer {
	size_t start, end;               /* byte range of the section (see above) */
	unsigned line;                   /* the [Peer] line, 1-based */
	char name[WGC_HUB_NAME_MAX + 1]; /* "" when the section has none */
	uint8_t mac[6];
	bool has_mac, has_public_key;
	uint8_t public_key[32];
	struct wgc_allowed_ip ips[WGC_HUB_MAX_ADDRS];
	size_t n_ips;
};

struct wgc_hub_file {
	bool is_hub;                           /* saw `# wgc hub` before [Interface] */
	struct wgc_allowed_ip addrs[WGC_HUB_MAX_ADDRS]; /* [Interface] Address, as written (with cidr) */
	size_t n_addrs;
	struct wgc_allowed_ip subnets[2];      /* `# wgc subnet`; when absent, derived from addrs */
	size_t n_subnets;
	uint16_t listen_port;
	bool has_private_key;
	uint8_t private_key[32];               /* wiped by wgc_hub_file_free */
	char endpoint[WGC_HUB_VALUE_MAX];
	char dns[WGC_HUB_VALUE_MAX];
	char allowed_ips[WGC_HUB_VALUE_MAX];
	char keepalive_peers[WGC_HUB_VALUE_MAX];
	char lan[WGC_HUB_MAX_LAN][WGC_HUB_VALUE_MAX];
	size_t n_lan;
	struct wgc_hub_peer *peers;
	size_t n_peers;
	size_t interface_start;                /* where the [Interface] range starts (its blank lines above) */
	size_t interface_end;                  /* where the first [Peer] range starts (or the length) */
};

/* Scans buf; hf is zeroed first. False with err ("line N: ...") on a malformed value. */
bool wgc_hub_file_parse(struct wgc_hub_file *hf, const char *buf, size_t len, char err[WGC_HUB_ERRLEN]);
void wgc_hub_file_free(struct wgc_hub_file *hf);

/* The peer named name (exact, case-sensitive), or NULL. */
const struct wgc_hub_peer *wgc_hub_find(const struct wgc_hub_file *hf, const char *name);

/*
 * The first peer after `after' (one of hf's peers; NULL: from the first)
 * named name, exactly or (any_case) with ASCII case ignored; NULL when
 * none. A second match is how callers find a name that does not identify
 * one peer: `peer add' refuses a name that matches in any case (phone and
 * Phone would be told apart by nobody, and their profile files clash on a
 * case-insensitive file system); lookups refuse a name two sections share.
 */
const struct wgc_hub_peer *wgc_hub_find_next(const struct wgc_hub_file *hf, const char *name,
					     const struct wgc_hub_peer *after, bool any_case);

/* Whether name is a valid peer name (see WGC_HUB_NAME_MAX). */
bool wgc_hub_name_valid(const char *name);

/* buf with the section [peer->start, peer->end) taken out, into out. */
void wgc_hub_splice_out(struct wgc_strbuf *out, const char *buf, size_t len, const struct wgc_hub_peer *peer);

/* buf with section appended: a newline first when buf does not end in one, then "\n" + section. */
void wgc_hub_append(struct wgc_strbuf *out, const char *buf, size_t len, const char *section);

/*
 * buf with the peer's `# mac = ` line set to mac: an existing line is
 * replaced, otherwise one goes right after its `# friendly_name` line (or
 * its [Peer] line).
 */
void wgc_hub_set_mac(struct wgc_strbuf *out, const char *buf, size_t len, const struct wgc_hub_peer *peer,
		     const uint8_t mac[6]);

/* "aa:bb:cc:dd:ee:ff" or with '-'; false for anything else. */
bool wgc_mac_parse(uint8_t mac[6], const char *s);
void wgc_mac_format(char out[18], const uint8_t mac[6]);

#endif

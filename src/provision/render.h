/* SPDX-License-Identifier: MIT */
/*
 * The texts the hub commands write: a new hub's config, one [Peer]
 * section of it, and a peer's own profile (what its QR code holds).
 * Pure formatting into a strbuf; the keys are copied into the buffer,
 * which wipes itself when freed.
 */
#ifndef WGC_PROVISION_RENDER_H
#define WGC_PROVISION_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/model.h"
#include "common/strbuf.h"

/* The nftables table of a hub's NAT: inet family, named wgc-hub-IFNAME (%i in hooks). */
#define WGC_HUB_NFT_TABLE "wgc-hub-%i"

struct wgc_hub_params {
	uint8_t private_key[32];
	struct wgc_allowed_ip subnet4, subnet6; /* canonical; family 0: none */
	uint16_t port;
	const char *endpoint;       /* "host:port" as peers reach the hub */
	const char *dns;            /* "" or a comma-separated list for the profiles */
	const char *lan[8];         /* interface names or prefixes */
	size_t n_lan;
	const char *allowed_ips;    /* "" or the peers' AllowedIPs */
	const char *keepalive_peers; /* "" , "all" or names */
};

/*
 * The hub's wg-quick file: the `# wgc hub` marker and metadata comments,
 * Address (the first host of each subnet), ListenPort, PrivateKey, and
 * PostUp/PostDown hooks that turn forwarding on and add (remove) the NAT
 * table with nft, so that stock wg-quick brings the file up unchanged.
 * No SaveConfig: wg-quick's save would drop the peers' name comments.
 */
void wgc_hub_render(struct wgc_strbuf *out, const struct wgc_hub_params *p);

/* One [Peer] section for the hub file: name comment, keys, the peer's host prefixes. */
void wgc_hub_peer_render(struct wgc_strbuf *out, const char *name, const uint8_t public_key[32],
			 const uint8_t *preshared_key, const struct wgc_allowed_ip *ips, size_t n_ips);

struct wgc_profile {
	const uint8_t *private_key;       /* the peer's, 32 bytes */
	const uint8_t *hub_public_key;    /* 32 bytes */
	const uint8_t *preshared_key;     /* NULL: none */
	const struct wgc_allowed_ip *ips; /* the peer's addresses (host prefixes) */
	size_t n_ips;
	const char *dns;                  /* NULL or "": no DNS line */
	const char *endpoint;             /* host:port */
	const char *allowed_ips;          /* what the peer routes into the tunnel */
	unsigned keepalive;               /* seconds, 0: none */
};

/* The peer's wg-quick profile, as the WireGuard apps import it (file or QR code). */
void wgc_profile_render(struct wgc_strbuf *out, const struct wgc_profile *p);

/* "a/32, b/128": prefixes joined as wg-quick lists them. */
void wgc_prefix_list_format(struct wgc_strbuf *out, const struct wgc_allowed_ip *ips, size_t n);

#endif

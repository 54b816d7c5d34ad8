/* SPDX-License-Identifier: MIT */
/*
 * Allowed IPs, the cryptokey routing table: IPv4 and IPv6 prefixes, each
 * owned by one peer (an opaque pointer). Sending looks up the destination
 * address to pick a peer; receiving looks up the inner source address and
 * drops the packet unless the answer is the peer that sent it.
 *
 * Each family is a path-compressed binary trie (only nodes where a prefix
 * ends or two branches part exist), plus a hash table of host routes (/32,
 * /128) that is probed first, since those are most entries on a big hub and
 * a hit there needs no trie walk. Nodes live in fixed-size chunks and link
 * to each other by 32-bit index, which halves their size against pointers
 * plus malloc headers: 48 bytes a node, at most two nodes a prefix. A hash
 * map from peer to a list of that peer's nodes makes remove_by_peer and
 * walk_by_peer cost O(prefixes of that peer).
 *
 * No locking inside. Writers (insert, remove*, free) must be serialised by
 * the caller, and lookups must not run at the same time as a writer: a
 * writer may move the chunk directory. Lookups and walks never write.
 * Lookups never allocate.
 */
#ifndef WGC_ALLOWEDIPS_H
#define WGC_ALLOWEDIPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct wgc_aips_node;
struct wgc_aips_peer_slot;
struct wgc_aips_host_slot;

/* All fields are private to allowedips.c; exposed only so the table can be embedded. */
struct wgc_allowedips {
	struct wgc_aips_node **chunks;
	uint32_t n_chunks, cap_chunks;
	uint32_t next_node;  /* first never-used node index */
	uint32_t free_nodes; /* singly linked through child[0] */
	uint32_t live_nodes;
	uint32_t root4, root6;
	struct wgc_aips_peer_slot *peers; /* open addressing, linear probing */
	uint32_t cap_peers;  /* a power of two, or 0 */
	uint32_t n_peers;
	struct wgc_aips_host_slot *hosts[2]; /* /32 and /128 routes by family */
	uint32_t cap_hosts[2], n_hosts[2];
	/* the trie's prefixes that have a peer, also hashed by (key, cidr), per
	 * family: with few distinct lengths a lookup probes one slot per length */
	struct wgc_aips_host_slot *pfx[2];
	uint32_t cap_pfx[2], n_pfx[2];
	uint32_t len_count[2][129]; /* prefixes per length in pfx[] */
	uint64_t len_bits[2][2];    /* bit c: len_count[f][c] != 0 (c < 128) */
	unsigned n_lengths[2];      /* distinct lengths in pfx[] */
	size_t n_prefixes;
};

void wgc_allowedips_init(struct wgc_allowedips *t);
/* Releases everything; the table is empty and usable again afterwards. */
void wgc_allowedips_free(struct wgc_allowedips *t);

/*
 * Assigns ip/cidr to peer; bits past cidr are ignored. A prefix already in
 * the table moves to the new peer. 0, -EINVAL (cidr too long or peer NULL)
 * or -ENOMEM (the table is unchanged then).
 */
int wgc_allowedips_insert_v4(struct wgc_allowedips *t, const struct in_addr *ip, uint8_t cidr,
			     void *peer);
int wgc_allowedips_insert_v6(struct wgc_allowedips *t, const struct in6_addr *ip, uint8_t cidr,
			     void *peer);

/*
 * Removes ip/cidr only if that exact prefix belongs to peer, which is what
 * a "-prefix" in a peer's allowed-ips list means. 0 when removed, -ENOENT
 * when the prefix is absent or owned by another peer, -EINVAL for a bad cidr.
 */
int wgc_allowedips_remove_v4(struct wgc_allowedips *t, const struct in_addr *ip, uint8_t cidr,
			     void *peer);
int wgc_allowedips_remove_v6(struct wgc_allowedips *t, const struct in6_addr *ip, uint8_t cidr,
			     void *peer);

void wgc_allowedips_remove_by_peer(struct wgc_allowedips *t, void *peer);

/*
 * Longest-prefix match of addr (4 or 16 bytes in network order, no
 * alignment needed) for family AF_INET or AF_INET6; NULL when nothing
 * matches or the family is neither. Serves both the send path (destination)
 * and the receive-side source check.
 */
void *wgc_allowedips_lookup(const struct wgc_allowedips *t, int family, const void *addr);

/*
 * Calls fn for each prefix of peer; addr points to a struct in_addr or
 * in6_addr (network order, host bits zero). Order is fixed and independent
 * of history: IPv4 before IPv6, then by address ascending, then by cidr
 * ascending. A non-zero return from fn stops the walk and is returned;
 * otherwise 0, or -ENOMEM (before any call) when a peer with many prefixes
 * needs a scratch array that cannot be had. fn must not modify the table.
 */
typedef int (*wgc_allowedips_walk_fn)(void *ctx, int family, const void *addr, uint8_t cidr);
int wgc_allowedips_walk_by_peer(const struct wgc_allowedips *t, void *peer,
				wgc_allowedips_walk_fn fn, void *ctx);

/* Prefixes in the table, both families. */
size_t wgc_allowedips_count(const struct wgc_allowedips *t);
/* Bytes of heap the table holds (node chunks, chunk directory, peer map). */
size_t wgc_allowedips_memory(const struct wgc_allowedips *t);

/*
 * Walks the whole structure and verifies every invariant (trie shape, key
 * masking, parent links, per-peer lists, node accounting). For tests; O(n).
 */
bool wgc_allowedips_selfcheck(const struct wgc_allowedips *t);

#endif

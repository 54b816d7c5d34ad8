// SPDX-License-Identifier: MIT
/*
 * Allowed IPs trie; see allowedips.h for the contract.
 *
 * Keys are 128-bit numbers held as two host-order words, most significant
 * first; an IPv4 address sits in the top 32 bits so one code path serves
 * both families. Trie shape, which selfcheck() verifies:
 *  - a child's cidr is greater than its parent's, its key agrees with the
 *    parent's key on the parent's cidr bits, and child[b] has bit number
 *    parent->cidr equal to b;
 *  - every key is zero past its cidr;
 *  - a node without a peer (a "glue" node, where two branches part) always
 *    has two children, so the trie holds at most 2n - 1 nodes for n prefixes.
 *
 * Host routes (/32, /128) are not in the trie at all: their nodes sit in a
 * hash table per family, probed before the trie. A host route is the longest
 * possible match, so a hit ends the lookup. On a hub with one /32 and one
 * /128 per peer this turns ~18 dependent cache misses into about two, and
 * saves the glue nodes a trie of host routes would need.
 *
 * The trie's prefixes that have a peer are also in a second hash table per
 * family, keyed by (masked key, cidr), with a count per prefix length. While
 * a family has at most HASHED_LENGTHS distinct lengths (a hub: one /24 per
 * site, or a few subnets), a lookup probes one slot per length, longest
 * first, instead of walking the trie: 100,000 /24s cost about what host
 * routes do, where the trie walk is ~17 dependent cache misses. With more
 * lengths the trie answers, as before. The trie stays the master copy
 * (walks, removal, selfcheck).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "allowedips.h"
#include "byteorder.h"

#define NIL 0U
#define CHUNK_SHIFT 8
#define CHUNK_NODES (1U << CHUNK_SHIFT)
#define CHUNK_MASK (CHUNK_NODES - 1)
/* Lookups probe the prefix hash while a family has at most this many lengths. */
#define HASHED_LENGTHS 6
/* Stack room for walk_by_peer's sort; peers with more prefixes malloc. */
#define WALK_STACK 64

struct wgc_aips_node {
	uint64_t key[2];
	void *peer;         /* NULL for a glue node */
	uint32_t child[2];
	uint32_t parent;
	uint32_t peer_prev, peer_next;
	uint8_t cidr;
	uint8_t family;     /* 4 or 6; AF_* values are not guaranteed to fit a byte */
};

struct wgc_aips_peer_slot {
	void *peer;         /* NULL: empty slot */
	uint32_t head;      /* first node of this peer's list, never NIL */
};

struct wgc_aips_host_slot {
	uint32_t node;      /* NIL: empty slot */
	uint32_t hash;      /* of the node's key: filters compares, finds the home slot */
};

static inline struct wgc_aips_node *node_at(const struct wgc_allowedips *t, uint32_t i)
{
	return &t->chunks[i >> CHUNK_SHIFT][i & CHUNK_MASK];
}

static inline unsigned key_bit(const uint64_t key[2], unsigned i)
{
	return i < 64 ? (unsigned)(key[0] >> (63 - i)) & 1 : (unsigned)(key[1] >> (127 - i)) & 1;
}

static inline unsigned common_bits(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t x = a[0] ^ b[0];

	if (x)
		return (unsigned)__builtin_clzll(x);
	x = a[1] ^ b[1];
	return x ? 64 + (unsigned)__builtin_clzll(x) : 128;
}

static void mask_key(uint64_t key[2], unsigned cidr)
{
	if (cidr == 0)
		key[0] = 0;
	else if (cidr < 64)
		key[0] &= ~0ULL << (64 - cidr);
	if (cidr <= 64)
		key[1] = 0;
	else if (cidr < 128)
		key[1] &= ~0ULL << (128 - cidr);
}

static void key_from_addr(uint64_t key[2], int family, const void *addr)
{
	const uint8_t *p = addr;

	if (family == AF_INET) {
		key[0] = ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) | ((uint64_t)p[2] << 40) |
			 ((uint64_t)p[3] << 32);
		key[1] = 0;
	} else {
		key[0] = wgc_load_be64(p);
		key[1] = wgc_load_be64(p + 8);
	}
}

/* ---- node pool ---- */

static uint32_t node_alloc(struct wgc_allowedips *t)
{
	uint32_t i = t->free_nodes;

	if (i != NIL) {
		t->free_nodes = node_at(t, i)->child[0];
	} else {
		if (t->next_node == UINT32_MAX)
			return NIL;
		if ((t->next_node >> CHUNK_SHIFT) >= t->n_chunks) {
			struct wgc_aips_node *chunk;

			if (t->n_chunks == t->cap_chunks) {
				uint32_t cap = t->cap_chunks ? t->cap_chunks * 2 : 4;
				struct wgc_aips_node **dir = realloc(t->chunks, cap * sizeof(*dir));

				if (!dir)
					return NIL;
				t->chunks = dir;
				t->cap_chunks = cap;
			}
			chunk = malloc(CHUNK_NODES * sizeof(*chunk));
			if (!chunk)
				return NIL;
			t->chunks[t->n_chunks++] = chunk;
		}
		i = t->next_node++;
	}
	memset(node_at(t, i), 0, sizeof(struct wgc_aips_node));
	t->live_nodes++;
	return i;
}

static void node_release(struct wgc_allowedips *t, uint32_t i)
{
	struct wgc_aips_node *n = node_at(t, i);

	n->peer = NULL;
	n->child[0] = t->free_nodes;
	t->free_nodes = i;
	t->live_nodes--;
}

/* ---- peer map: peer pointer -> list of that peer's nodes ---- */

static inline uint32_t peer_hash(const void *peer, uint32_t cap)
{
	return (uint32_t)(((uint64_t)(uintptr_t)peer * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

static struct wgc_aips_peer_slot *peer_find(const struct wgc_allowedips *t, const void *peer)
{
	if (!t->cap_peers)
		return NULL;
	for (uint32_t i = peer_hash(peer, t->cap_peers);; i = (i + 1) & (t->cap_peers - 1)) {
		if (t->peers[i].peer == peer)
			return &t->peers[i];
		if (!t->peers[i].peer)
			return NULL;
	}
}

static int peer_map_grow(struct wgc_allowedips *t)
{
	uint32_t cap = t->cap_peers ? t->cap_peers * 2 : 16;
	struct wgc_aips_peer_slot *slots;

	if (cap == 0)
		return -ENOMEM;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (uint32_t j = 0; j < t->cap_peers; j++) {
		uint32_t i;

		if (!t->peers[j].peer)
			continue;
		for (i = peer_hash(t->peers[j].peer, cap); slots[i].peer; i = (i + 1) & (cap - 1))
			;
		slots[i] = t->peers[j];
	}
	free(t->peers);
	t->peers = slots;
	t->cap_peers = cap;
	return 0;
}

/* Makes sure peer has a slot; the slot itself is found again with peer_find. */
static int peer_reserve(struct wgc_allowedips *t, void *peer)
{
	uint32_t i;

	if (peer_find(t, peer))
		return 0;
	/* keep the load at most one half so probe runs stay short */
	if ((t->n_peers + 1) * 2 > t->cap_peers && peer_map_grow(t) < 0)
		return -ENOMEM;
	for (i = peer_hash(peer, t->cap_peers); t->peers[i].peer; i = (i + 1) & (t->cap_peers - 1))
		;
	t->peers[i] = (struct wgc_aips_peer_slot){ .peer = peer };
	t->n_peers++;
	return 0;
}


/* Backward-shift deletion: linear probing needs no tombstones this way. */
static void peer_delete(struct wgc_allowedips *t, struct wgc_aips_peer_slot *slot)
{
	uint32_t mask = t->cap_peers - 1;
	uint32_t hole = (uint32_t)(slot - t->peers);

	for (uint32_t j = (hole + 1) & mask; t->peers[j].peer; j = (j + 1) & mask) {
		uint32_t home = peer_hash(t->peers[j].peer, t->cap_peers);

		if (((j - home) & mask) >= ((j - hole) & mask)) {
			t->peers[hole] = t->peers[j];
			hole = j;
		}
	}
	t->peers[hole] = (struct wgc_aips_peer_slot){ 0 };
	t->n_peers--;
}

/* A slot reserved by peer_reserve that ended up owning nothing. */
static void peer_drop_if_empty(struct wgc_allowedips *t, void *peer)
{
	struct wgc_aips_peer_slot *s = peer_find(t, peer);

	if (s && s->head == NIL)
		peer_delete(t, s);
}

/* List order is irrelevant (walks sort), so link at the head. */
static void peer_link(struct wgc_allowedips *t, uint32_t i)
{
	struct wgc_aips_node *n = node_at(t, i);
	struct wgc_aips_peer_slot *s = peer_find(t, n->peer);

	n->peer_prev = NIL;
	n->peer_next = s->head;
	if (s->head)
		node_at(t, s->head)->peer_prev = i;
	s->head = i;
	t->n_prefixes++;
}

/* Takes node i off its peer's list and forgets the peer once it owns nothing. */
static void peer_unlink(struct wgc_allowedips *t, uint32_t i)
{
	struct wgc_aips_node *n = node_at(t, i);
	struct wgc_aips_peer_slot *s = peer_find(t, n->peer);

	if (n->peer_prev)
		node_at(t, n->peer_prev)->peer_next = n->peer_next;
	else
		s->head = n->peer_next;
	if (n->peer_next)
		node_at(t, n->peer_next)->peer_prev = n->peer_prev;
	n->peer_prev = n->peer_next = NIL;
	n->peer = NULL;
	t->n_prefixes--;
	if (s->head == NIL)
		peer_delete(t, s);
}

/* ---- host routes: hash of full-length keys to nodes ---- */

static inline unsigned fam_index(int fam)
{
	return fam == 4 ? 0 : 1;
}

static inline unsigned max_bits(int fam)
{
	return fam == 4 ? 32 : 128;
}

static inline uint32_t host_hash(const uint64_t key[2])
{
	uint64_t x = key[0] ^ ((key[1] * 0xc2b2ae3d27d4eb4fULL) >> 7);

	x *= 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(x >> 32) ^ (uint32_t)(x >> 13);
}

static struct wgc_aips_host_slot *host_find(const struct wgc_allowedips *t, int fam,
					    const uint64_t key[2], uint32_t h)
{
	unsigned f = fam_index(fam);
	uint32_t mask = t->cap_hosts[f] - 1;

	if (!t->cap_hosts[f])
		return NULL;
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		struct wgc_aips_host_slot *s = &t->hosts[f][i];

		if (s->node == NIL)
			return NULL;
		if (s->hash == h) {
			const struct wgc_aips_node *n = node_at(t, s->node);
			if (n->key[0] == key[0] && n->key[1] == key[1])
				return s;
		}
	}
}

static void host_place(struct wgc_aips_host_slot *slots, uint32_t cap, uint32_t node, uint32_t h)
{
	uint32_t i;

	for (i = h & (cap - 1); slots[i].node; i = (i + 1) & (cap - 1))
		;
	slots[i] = (struct wgc_aips_host_slot){ .node = node, .hash = h };
}

/* Grows an open-addressing table (n used of *cap) so one more entry fits: insertions then cannot fail. */
static int slots_reserve(struct wgc_aips_host_slot **tab, uint32_t *cap, uint32_t n)
{
	uint32_t grown = *cap ? *cap * 2 : 16;
	struct wgc_aips_host_slot *slots;

	if ((n + 1) * 2 <= *cap)
		return 0;
	if (grown == 0)
		return -ENOMEM;
	slots = calloc(grown, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (uint32_t j = 0; j < *cap; j++)
		if ((*tab)[j].node)
			host_place(slots, grown, (*tab)[j].node, (*tab)[j].hash);
	free(*tab);
	*tab = slots;
	*cap = grown;
	return 0;
}

/* Room for one more host route. */
static int host_reserve(struct wgc_allowedips *t, int fam)
{
	unsigned f = fam_index(fam);

	return slots_reserve(&t->hosts[f], &t->cap_hosts[f], t->n_hosts[f]);
}

static void host_delete(struct wgc_allowedips *t, int fam, struct wgc_aips_host_slot *slot)
{
	unsigned f = fam_index(fam);
	struct wgc_aips_host_slot *slots = t->hosts[f];
	uint32_t mask = t->cap_hosts[f] - 1;
	uint32_t hole = (uint32_t)(slot - slots);

	for (uint32_t j = (hole + 1) & mask; slots[j].node; j = (j + 1) & mask) {
		if (((j - (slots[j].hash & mask)) & mask) >= ((j - hole) & mask)) {
			slots[hole] = slots[j];
			hole = j;
		}
	}
	slots[hole] = (struct wgc_aips_host_slot){ 0 };
	t->n_hosts[f]--;
}

/* ---- prefix hash: the trie's peer nodes by (key, cidr) ---- */

static inline uint32_t pfx_hash(const uint64_t key[2], unsigned cidr)
{
	uint64_t x = key[0] ^ ((key[1] * 0xc2b2ae3d27d4eb4fULL) >> 7) ^ ((uint64_t)cidr << 56);

	x *= 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(x >> 32) ^ (uint32_t)(x >> 13);
}

/* key must be masked to cidr already */
static struct wgc_aips_host_slot *pfx_find(const struct wgc_allowedips *t, unsigned f,
					   const uint64_t key[2], unsigned cidr, uint32_t h)
{
	uint32_t mask = t->cap_pfx[f] - 1;

	if (!t->cap_pfx[f])
		return NULL;
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		struct wgc_aips_host_slot *s = &t->pfx[f][i];

		if (s->node == NIL)
			return NULL;
		if (s->hash == h) {
			const struct wgc_aips_node *n = node_at(t, s->node);
			if (n->cidr == cidr && n->key[0] == key[0] && n->key[1] == key[1])
				return s;
		}
	}
}

/* Room for one more hashed prefix. */
static int pfx_reserve(struct wgc_allowedips *t, int fam)
{
	unsigned f = fam_index(fam);

	return slots_reserve(&t->pfx[f], &t->cap_pfx[f], t->n_pfx[f]);
}

/* Trie node i (masked key) just got a peer where it had none. Room reserved. */
static void pfx_add(struct wgc_allowedips *t, uint32_t i)
{
	const struct wgc_aips_node *n = node_at(t, i);
	unsigned f = fam_index(n->family), c = n->cidr;

	host_place(t->pfx[f], t->cap_pfx[f], i, pfx_hash(n->key, c));
	t->n_pfx[f]++;
	if (t->len_count[f][c]++ == 0) {
		t->len_bits[f][c >> 6] |= 1ULL << (c & 63);
		t->n_lengths[f]++;
	}
}

/* Trie node i is about to lose its peer (or be released). */
static void pfx_remove(struct wgc_allowedips *t, uint32_t i)
{
	const struct wgc_aips_node *n = node_at(t, i);
	unsigned f = fam_index(n->family), c = n->cidr;
	struct wgc_aips_host_slot *slots = t->pfx[f], *s = pfx_find(t, f, n->key, c, pfx_hash(n->key, c));
	uint32_t mask = t->cap_pfx[f] - 1, hole;

	if (!s)
		return; /* cannot happen while the selfcheck holds */
	hole = (uint32_t)(s - slots);
	for (uint32_t j = (hole + 1) & mask; slots[j].node; j = (j + 1) & mask) {
		if (((j - (slots[j].hash & mask)) & mask) >= ((j - hole) & mask)) {
			slots[hole] = slots[j];
			hole = j;
		}
	}
	slots[hole] = (struct wgc_aips_host_slot){ 0 };
	t->n_pfx[f]--;
	if (--t->len_count[f][c] == 0) {
		t->len_bits[f][c >> 6] &= ~(1ULL << (c & 63));
		t->n_lengths[f]--;
	}
}

/* Longest match among the hashed prefixes: one probe per length present, longest first. */
static void *pfx_lookup(const struct wgc_allowedips *t, unsigned f, const uint64_t key[2])
{
	for (int w = 1; w >= 0; w--) {
		uint64_t m = t->len_bits[f][w];

		while (m) {
			unsigned b = 63 - (unsigned)__builtin_clzll(m), c = (unsigned)w * 64 + b;
			uint64_t k[2] = { key[0], key[1] };
			const struct wgc_aips_host_slot *s;

			m &= ~(1ULL << b);
			mask_key(k, c);
			s = pfx_find(t, f, k, c, pfx_hash(k, c));
			if (s)
				return node_at(t, s->node)->peer;
		}
	}
	return NULL;
}

/* ---- trie ---- */

static uint32_t *root_of(struct wgc_allowedips *t, int fam)
{
	return fam == 4 ? &t->root4 : &t->root6;
}

static uint32_t *slot_of(struct wgc_allowedips *t, uint32_t i)
{
	struct wgc_aips_node *n = node_at(t, i);
	struct wgc_aips_node *p;

	if (n->parent == NIL)
		return root_of(t, n->family);
	p = node_at(t, n->parent);
	return p->child[0] == i ? &p->child[0] : &p->child[1];
}

static void node_init(struct wgc_allowedips *t, uint32_t i, const uint64_t key[2], unsigned cidr,
		      int fam, void *peer, uint32_t parent)
{
	struct wgc_aips_node *n = node_at(t, i);

	n->key[0] = key[0];
	n->key[1] = key[1];
	mask_key(n->key, cidr);
	n->cidr = (uint8_t)cidr;
	n->family = (uint8_t)fam;
	n->peer = peer;
	n->parent = parent;
}

/*
 * A host route (cidr == max_bits(fam)) goes into the host hash: a new entry
 * takes the reserved node *a (set to NIL when used); an existing one only
 * changes its peer.
 */
static void insert_host(struct wgc_allowedips *t, int fam, const uint64_t key[2], unsigned cidr, void *peer,
			uint32_t *a)
{
	uint32_t h = host_hash(key);
	struct wgc_aips_host_slot *s = host_find(t, fam, key, h);

	if (s) {
		struct wgc_aips_node *n = node_at(t, s->node);

		if (n->peer != peer) {
			peer_unlink(t, s->node);
			n->peer = peer;
			peer_link(t, s->node);
		}
	} else {
		node_init(t, *a, key, cidr, fam, peer, NIL);
		host_place(t->hosts[fam_index(fam)], t->cap_hosts[fam_index(fam)], *a, h);
		t->n_hosts[fam_index(fam)]++;
		peer_link(t, *a);
		*a = NIL;
	}
}

/*
 * A shorter prefix goes into the trie: the reserved nodes *a and *b (set to
 * NIL when used) become the new leaf or, where the paths part, a glue node
 * and the leaf below it.
 */
static void insert_prefix(struct wgc_allowedips *t, int fam, const uint64_t key[2], unsigned cidr, void *peer,
			  uint32_t *a, uint32_t *b)
{
	uint32_t parent = NIL, *slot = root_of(t, fam);

	while (cidr < max_bits(fam)) {
		uint32_t i = *slot;
		struct wgc_aips_node *n;
		unsigned cpl;

		if (i == NIL) {
			node_init(t, *a, key, cidr, fam, peer, parent);
			*slot = *a;
			peer_link(t, *a);
			pfx_add(t, *a);
			*a = NIL;
			break;
		}
		n = node_at(t, i);
		cpl = common_bits(n->key, key);
		if (cpl > n->cidr)
			cpl = n->cidr;
		if (cpl > cidr)
			cpl = cidr;
		if (cpl == n->cidr && n->cidr == cidr) {
			if (n->peer != peer) {
				if (n->peer)
					peer_unlink(t, i);
				else
					pfx_add(t, i); /* a glue node becomes a prefix */
				n->peer = peer;
				peer_link(t, i);
			}
			break;
		}
		if (cpl == n->cidr) {
			parent = i;
			slot = &n->child[key_bit(key, n->cidr)];
			continue;
		}
		if (cpl == cidr) {
			/* the new prefix covers n: it goes in n's place, n below it */
			struct wgc_aips_node *x = node_at(t, *a);

			node_init(t, *a, key, cidr, fam, peer, parent);
			x->child[key_bit(n->key, cidr)] = i;
			n->parent = *a;
			*slot = *a;
			peer_link(t, *a);
			pfx_add(t, *a);
			*a = NIL;
			break;
		}
		/* they part at bit cpl: a glue node holds both */
		{
			struct wgc_aips_node *g = node_at(t, *a);

			node_init(t, *a, key, cpl, fam, NULL, parent);
			node_init(t, *b, key, cidr, fam, peer, *a);
			g->child[key_bit(n->key, cpl)] = i;
			g->child[key_bit(key, cpl)] = *b;
			n->parent = *a;
			*slot = *a;
			peer_link(t, *b);
			pfx_add(t, *b);
			*a = *b = NIL;
		}
		break;
	}
}

static int insert(struct wgc_allowedips *t, int fam, const uint64_t key[2], unsigned cidr,
		  void *peer)
{
	uint32_t a, b;

	if (!peer || cidr > max_bits(fam))
		return -EINVAL;
	/* Take everything that can fail up front, so failure changes nothing. */
	a = node_alloc(t);
	b = a ? node_alloc(t) : NIL;
	if (!b || peer_reserve(t, peer) < 0 ||
	    (cidr == max_bits(fam) && host_reserve(t, fam) < 0) ||
	    (cidr < max_bits(fam) && pfx_reserve(t, fam) < 0)) {
		if (b)
			node_release(t, b);
		if (a)
			node_release(t, a);
		peer_drop_if_empty(t, peer);
		return -ENOMEM;
	}

	if (cidr == max_bits(fam))
		insert_host(t, fam, key, cidr, peer, &a);
	else
		insert_prefix(t, fam, key, cidr, peer, &a, &b);
	if (b)
		node_release(t, b);
	if (a)
		node_release(t, a);
	return 0;
}

/* Node i just lost its peer: drop it, and its glue parent, if no longer needed. */
static void prune(struct wgc_allowedips *t, uint32_t i)
{
	struct wgc_aips_node *n = node_at(t, i);
	uint32_t parent = n->parent, only;

	if (n->child[0] && n->child[1])
		return;
	only = n->child[0] | n->child[1];
	*slot_of(t, i) = only;
	if (only)
		node_at(t, only)->parent = parent;
	node_release(t, i);
	if (only || parent == NIL)
		return;
	n = node_at(t, parent);
	if (n->peer)
		return;
	only = n->child[0] | n->child[1];
	*slot_of(t, parent) = only;
	node_at(t, only)->parent = n->parent;
	node_release(t, parent);
}

static int remove_prefix(struct wgc_allowedips *t, int fam, const uint64_t in[2], unsigned cidr,
			 void *peer)
{
	uint64_t key[2] = { in[0], in[1] };
	uint32_t i = *root_of(t, fam);

	if (cidr > max_bits(fam))
		return -EINVAL;
	mask_key(key, cidr);
	if (cidr == max_bits(fam)) {
		struct wgc_aips_host_slot *s = host_find(t, fam, key, host_hash(key));
		uint32_t node = s ? s->node : NIL;

		if (!node || !peer || node_at(t, node)->peer != peer)
			return -ENOENT;
		peer_unlink(t, node);
		host_delete(t, fam, s);
		node_release(t, node);
		return 0;
	}
	while (i != NIL) {
		struct wgc_aips_node *n = node_at(t, i);

		if (n->cidr > cidr || common_bits(n->key, key) < n->cidr)
			return -ENOENT;
		if (n->cidr == cidr) {
			if (!n->peer || n->peer != peer)
				return -ENOENT;
			peer_unlink(t, i);
			pfx_remove(t, i);
			prune(t, i);
			return 0;
		}
		i = n->child[key_bit(key, n->cidr)];
	}
	return -ENOENT;
}

void wgc_allowedips_init(struct wgc_allowedips *t)
{
	memset(t, 0, sizeof(*t));
	/* index 0 means "none", so the first real node is 1 */
	t->next_node = 1;
}

void wgc_allowedips_free(struct wgc_allowedips *t)
{
	for (uint32_t c = 0; c < t->n_chunks; c++)
		free(t->chunks[c]);
	free(t->chunks);
	free(t->peers);
	free(t->hosts[0]);
	free(t->hosts[1]);
	free(t->pfx[0]);
	free(t->pfx[1]);
	wgc_allowedips_init(t);
}

int wgc_allowedips_insert_v4(struct wgc_allowedips *t, const struct in_addr *ip, uint8_t cidr,
			     void *peer)
{
	uint64_t key[2];

	key_from_addr(key, AF_INET, ip);
	return insert(t, 4, key, cidr, peer);
}

int wgc_allowedips_insert_v6(struct wgc_allowedips *t, const struct in6_addr *ip, uint8_t cidr,
			     void *peer)
{
	uint64_t key[2];

	key_from_addr(key, AF_INET6, ip);
	return insert(t, 6, key, cidr, peer);
}

int wgc_allowedips_remove_v4(struct wgc_allowedips *t, const struct in_addr *ip, uint8_t cidr,
			     void *peer)
{
	uint64_t key[2];

	key_from_addr(key, AF_INET, ip);
	return remove_prefix(t, 4, key, cidr, peer);
}

int wgc_allowedips_remove_v6(struct wgc_allowedips *t, const struct in6_addr *ip, uint8_t cidr,
			     void *peer)
{
	uint64_t key[2];

	key_from_addr(key, AF_INET6, ip);
	return remove_prefix(t, 6, key, cidr, peer);
}

void wgc_allowedips_remove_by_peer(struct wgc_allowedips *t, void *peer)
{
	struct wgc_aips_peer_slot *s = peer ? peer_find(t, peer) : NULL;
	uint32_t i;

	if (!s)
		return;
	i = s->head;
	peer_delete(t, s);
	/*
	 * prune() frees only the node given and possibly its peerless parent;
	 * nodes still on the list keep their peer until reached, so `next`
	 * stays valid.
	 */
	while (i != NIL) {
		struct wgc_aips_node *n = node_at(t, i);
		uint32_t next = n->peer_next;

		n->peer = NULL;
		n->peer_prev = n->peer_next = NIL;
		t->n_prefixes--;
		if (n->cidr == max_bits(n->family)) {
			host_delete(t, n->family, host_find(t, n->family, n->key, host_hash(n->key)));
			node_release(t, i);
		} else {
			pfx_remove(t, i);
			prune(t, i);
		}
		i = next;
	}
}

void *wgc_allowedips_lookup(const struct wgc_allowedips *t, int family, const void *addr)
{
	uint64_t key[2];
	void *best = NULL;
	uint32_t i;

	if (family == AF_INET)
		i = t->root4;
	else if (family == AF_INET6)
		i = t->root6;
	else
		return NULL;
	key_from_addr(key, family, addr);
	if (t->n_hosts[fam_index(family == AF_INET ? 4 : 6)]) {
		const struct wgc_aips_host_slot *s =
			host_find(t, family == AF_INET ? 4 : 6, key, host_hash(key));

		if (s)
			return node_at(t, s->node)->peer;
	}
	if (t->n_lengths[fam_index(family == AF_INET ? 4 : 6)] <= HASHED_LENGTHS)
		return pfx_lookup(t, fam_index(family == AF_INET ? 4 : 6), key);
	while (i != NIL) {
		const struct wgc_aips_node *n = node_at(t, i);

		if (common_bits(n->key, key) < n->cidr)
			break;
		if (n->peer)
			best = n->peer;
		if (n->cidr == 128)
			break;
		i = n->child[key_bit(key, n->cidr)];
	}
	return best;
}

static int walk_order(const void *pa, const void *pb)
{
	const struct wgc_aips_node *a = *(const struct wgc_aips_node *const *)pa;
	const struct wgc_aips_node *b = *(const struct wgc_aips_node *const *)pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->key[0] != b->key[0])
		return a->key[0] < b->key[0] ? -1 : 1;
	if (a->key[1] != b->key[1])
		return a->key[1] < b->key[1] ? -1 : 1;
	return (int)a->cidr - (int)b->cidr;
}

int wgc_allowedips_walk_by_peer(const struct wgc_allowedips *t, void *peer,
				wgc_allowedips_walk_fn fn, void *ctx)
{
	const struct wgc_aips_node *stack_buf[WALK_STACK], **nodes = stack_buf;
	const struct wgc_aips_peer_slot *s = peer ? peer_find(t, peer) : NULL;
	uint32_t n = 0;
	int ret = 0;

	if (!s)
		return 0;
	for (uint32_t i = s->head; i != NIL; i = node_at(t, i)->peer_next)
		n++;
	if (n > WALK_STACK) {
		nodes = malloc(n * sizeof(*nodes));
		if (!nodes)
			return -ENOMEM;
	}
	n = 0;
	for (uint32_t i = s->head; i != NIL; i = node_at(t, i)->peer_next)
		nodes[n++] = node_at(t, i);
	qsort(nodes, n, sizeof(*nodes), walk_order);
	for (uint32_t k = 0; k < n && !ret; k++) {
		uint8_t addr[16];

		wgc_store_be64(addr, nodes[k]->key[0]);
		wgc_store_be64(addr + 8, nodes[k]->key[1]);
		ret = fn(ctx, nodes[k]->family == 4 ? AF_INET : AF_INET6, addr, nodes[k]->cidr);
	}
	if (nodes != stack_buf)
		free(nodes);
	return ret;
}

size_t wgc_allowedips_count(const struct wgc_allowedips *t)
{
	return t->n_prefixes;
}

size_t wgc_allowedips_memory(const struct wgc_allowedips *t)
{
	return (size_t)t->n_chunks * CHUNK_NODES * sizeof(struct wgc_aips_node) +
	       (size_t)t->cap_chunks * sizeof(*t->chunks) +
	       (size_t)t->cap_peers * sizeof(*t->peers) +
	       ((size_t)t->cap_hosts[0] + t->cap_hosts[1] + t->cap_pfx[0] + t->cap_pfx[1]) *
		       sizeof(struct wgc_aips_host_slot);
}

/* ---- selfcheck ---- */

struct check_state {
	size_t nodes, prefixes;
	size_t trie_prefixes[2];
};

/* The prefix hash holds exactly the trie's peer nodes (those were checked to
 * be found there), and the per-length counts and bits agree with it. */
static bool check_pfx(const struct wgc_allowedips *t, unsigned f, const struct check_state *st)
{
	uint32_t count[129] = { 0 }, used = 0;
	unsigned lengths = 0;

	for (uint32_t j = 0; j < t->cap_pfx[f]; j++) {
		const struct wgc_aips_host_slot *s = &t->pfx[f][j];

		if (s->node == NIL)
			continue;
		if (s->node >= t->next_node || node_at(t, s->node)->cidr >= 128)
			return false;
		count[node_at(t, s->node)->cidr]++;
		used++;
	}
	if (used != t->n_pfx[f] || used != st->trie_prefixes[f] ||
	    (t->cap_pfx[f] && used * 2 > t->cap_pfx[f]))
		return false;
	for (unsigned c = 0; c < 128; c++) {
		bool bit = (t->len_bits[f][c >> 6] >> (c & 63)) & 1;

		if (count[c] != t->len_count[f][c] || bit != (count[c] != 0))
			return false;
		lengths += count[c] != 0;
	}
	return lengths == t->n_lengths[f];
}

static bool check_subtree(const struct wgc_allowedips *t, uint32_t i, uint32_t parent, int fam,
			  struct check_state *st, unsigned depth)
{
	const struct wgc_aips_node *n = node_at(t, i);
	uint64_t masked[2] = { n->key[0], n->key[1] };

	/* host routes live in the hash, never in the trie */
	if (depth > 128 || i >= t->next_node || n->parent != parent || n->family != fam ||
	    n->cidr >= max_bits(fam))
		return false;
	mask_key(masked, n->cidr);
	if (masked[0] != n->key[0] || masked[1] != n->key[1])
		return false;
	if (!n->peer && !(n->child[0] && n->child[1]))
		return false;
	if (n->peer) {
		const struct wgc_aips_host_slot *s =
			pfx_find(t, fam_index(fam), n->key, n->cidr, pfx_hash(n->key, n->cidr));

		if (!peer_find(t, n->peer) || !s || s->node != i)
			return false;
		st->prefixes++;
		st->trie_prefixes[fam_index(fam)]++;
	}
	st->nodes++;
	for (unsigned b = 0; b < 2; b++) {
		const struct wgc_aips_node *c;

		if (n->child[b] == NIL)
			continue;
		if (n->child[b] >= t->next_node)
			return false;
		c = node_at(t, n->child[b]);
		if (c->cidr <= n->cidr || common_bits(c->key, n->key) < n->cidr ||
		    key_bit(c->key, n->cidr) != b)
			return false;
		if (!check_subtree(t, n->child[b], i, fam, st, depth + 1))
			return false;
	}
	return true;
}

/* Every slot holds a live full-length node of its family and is reachable by probing. */
static bool check_hosts(const struct wgc_allowedips *t, int fam, struct check_state *st)
{
	unsigned f = fam_index(fam);
	uint32_t used = 0;

	for (uint32_t j = 0; j < t->cap_hosts[f]; j++) {
		const struct wgc_aips_host_slot *s = &t->hosts[f][j];
		const struct wgc_aips_node *n;

		if (s->node == NIL)
			continue;
		if (s->node >= t->next_node)
			return false;
		n = node_at(t, s->node);
		if (!n->peer || !peer_find(t, n->peer) || n->family != fam ||
		    n->cidr != max_bits(fam) || s->hash != host_hash(n->key) ||
		    host_find(t, fam, n->key, s->hash) != s)
			return false;
		used++;
	}
	if (used != t->n_hosts[f] || (t->cap_hosts[f] && used * 2 > t->cap_hosts[f]))
		return false;
	st->nodes += used;
	st->prefixes += used;
	return true;
}

bool wgc_allowedips_selfcheck(const struct wgc_allowedips *t)
{
	struct check_state st = { 0 };
	size_t listed = 0;
	uint32_t peers = 0;

	if (t->root4 && !check_subtree(t, t->root4, NIL, 4, &st, 0))
		return false;
	if (t->root6 && !check_subtree(t, t->root6, NIL, 6, &st, 0))
		return false;
	if (!check_hosts(t, 4, &st) || !check_hosts(t, 6, &st))
		return false;
	if (!check_pfx(t, 0, &st) || !check_pfx(t, 1, &st))
		return false;
	if (st.nodes != t->live_nodes || st.prefixes != t->n_prefixes)
		return false;
	for (uint32_t j = 0; j < t->cap_peers; j++) {
		const struct wgc_aips_peer_slot *s = &t->peers[j];
		uint32_t prev = NIL;

		if (!s->peer)
			continue;
		peers++;
		if (s->head == NIL || peer_find(t, s->peer) != s)
			return false;
		for (uint32_t i = s->head; i != NIL; i = node_at(t, i)->peer_next) {
			const struct wgc_aips_node *n = node_at(t, i);

			/* a cycle would run past the number of live prefixes */
			if (n->peer != s->peer || n->peer_prev != prev || ++listed > t->n_prefixes)
				return false;
			prev = i;
		}
	}
	return peers == t->n_peers && listed == t->n_prefixes;
}

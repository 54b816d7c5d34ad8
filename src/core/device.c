// SPDX-License-Identifier: MIT
/* Peers of a device: creation, lookup by public key, removal, up and down. */
#include "device.h"
#include "device_impl.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "secmem.h"

enum { INITIAL_PEER_BUCKETS = 64 };

static uint32_t jitter_random(void *ctx)
{
	(void)ctx;
	return wgc_random_u32();
}

/* The timers' arm hook: files the peer earlier in the deadline heap when needed. */
static void peer_armed(void *ctx, uint64_t deadline)
{
	struct wgc_peer *peer = ctx;
	struct wgc_device *dev = peer->device;
	uint64_t before = wgc_timerheap_peek(&dev->timerheap);

	if (peer->heap_pos && deadline >= peer->heap_key)
		return;
	/* out of memory: the peer's timers wait for its next event, as after a lost packet */
	if (wgc_timerheap_lower(&dev->timerheap, peer, deadline))
		return;
	if ((!before || deadline < before) && dev->ops->deadline_changed)
		dev->ops->deadline_changed(dev->ops_ctx, deadline);
}

static size_t peer_bucket(const struct wgc_device *dev, const uint8_t key[WGC_KEY_LEN])
{
	/* public keys are uniform; the seed keeps chains from being planned */
	uint64_t h = wgc_load_le64(key) ^ dev->hash_seed;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (size_t)h & (dev->n_peer_buckets - 1);
}

int wgc_device_init(struct wgc_device *dev, const struct wgc_device_ops *ops, void *ctx)
{
	memset(dev, 0, sizeof(*dev));
	dev->peer_buckets = calloc(INITIAL_PEER_BUCKETS, sizeof(*dev->peer_buckets));
	if (!dev->peer_buckets)
		return -ENOMEM;
	dev->n_peer_buckets = INITIAL_PEER_BUCKETS;
	if (wgc_index_init(&dev->indices)) {
		free(dev->peer_buckets);
		return -ENOMEM;
	}
	if (wgc_ratelimiter_init(&dev->ratelimiter)) {
		wgc_index_free(&dev->indices);
		free(dev->peer_buckets);
		return -ENOMEM;
	}
	wgc_allowedips_init(&dev->allowedips);
	wgc_device_counters_init(&dev->counters);
	dev->hash_seed = wgc_random_u32();
	dev->ops = ops;
	dev->ops_ctx = ctx;
	dev->mtu = WGC_DEFAULT_MTU;
	return 0;
}

void wgc_device_free(struct wgc_device *dev)
{
	while (dev->peers_head)
		wgc_device_remove_peer(dev, dev->peers_head);
	wgc_timerheap_free(&dev->timerheap);
	wgc_allowedips_free(&dev->allowedips);
	wgc_ratelimiter_free(&dev->ratelimiter);
	wgc_index_free(&dev->indices);
	free(dev->peer_buckets);
	wgc_identity_clear(&dev->identity);
	wgc_cookie_checker_wipe(&dev->cookie_checker);
	memset(dev, 0, sizeof(*dev));
}

struct wgc_peer *wgc_device_find_peer(const struct wgc_device *dev, const uint8_t public_key[WGC_KEY_LEN])
{
	struct wgc_peer *p;

	for (p = dev->peer_buckets[peer_bucket(dev, public_key)]; p; p = p->hash_next)
		if (wgc_equal(p->handshake.remote_static, public_key, WGC_KEY_LEN))
			return p;
	return NULL;
}

static void grow_peer_table(struct wgc_device *dev)
{
	size_t old_n = dev->n_peer_buckets, i;
	struct wgc_peer **old = dev->peer_buckets;
	struct wgc_peer **fresh = calloc(old_n * 2, sizeof(*fresh));

	if (!fresh)
		return;
	dev->peer_buckets = fresh;
	dev->n_peer_buckets = old_n * 2;
	for (i = 0; i < old_n; i++) {
		struct wgc_peer *p = old[i], *next;
		for (; p; p = next) {
			size_t b = peer_bucket(dev, p->handshake.remote_static);
			next = p->hash_next;
			p->hash_next = fresh[b];
			fresh[b] = p;
		}
	}
	free(old);
}

/* The peer and, right after it, the embedder's state (ops->peer_user_size). */
static size_t peer_alloc_size(const struct wgc_device *dev)
{
	static_assert(sizeof(struct wgc_peer) % 16 == 0, "the embedder's state after the peer stays aligned");
	return sizeof(struct wgc_peer) + dev->ops->peer_user_size;
}

struct wgc_peer *wgc_device_add_peer(struct wgc_device *dev, const uint8_t public_key[WGC_KEY_LEN])
{
	struct wgc_peer *peer;
	size_t b;

	if (dev->identity.has_identity && wgc_equal(public_key, dev->identity.static_public, WGC_KEY_LEN)) {
		errno = EINVAL;
		return NULL;
	}
	if (wgc_device_find_peer(dev, public_key)) {
		errno = EEXIST;
		return NULL;
	}
	if (dev->n_peers >= WGC_MAX_PEERS) {
		errno = ENOSPC;
		return NULL;
	}
	if (dev->ops->peer_user_size > 1024) {
		errno = EINVAL;
		return NULL;
	}
	peer = wgc_secret_alloc(peer_alloc_size(dev));
	if (!peer) {
		errno = ENOMEM;
		return NULL;
	}
	peer->device = dev;
	if (dev->ops->peer_user_size)
		peer->user = peer + 1;
	wgc_handshake_init(&peer->handshake, &dev->identity, public_key, NULL, peer);
	wgc_cookie_maker_init(&peer->cookie);
	wgc_timers_init(&peer->timers, wgc_random_u32());
	wgc_timers_set_jitter_source(&peer->timers, jitter_random, NULL);
	wgc_timers_set_arm_hook(&peer->timers, peer_armed, peer);
	if (!dev->up)
		wgc_timers_stop(&peer->timers);

	if (dev->n_peers >= dev->n_peer_buckets)
		grow_peer_table(dev);
	b = peer_bucket(dev, public_key);
	peer->hash_next = dev->peer_buckets[b];
	dev->peer_buckets[b] = peer;
	peer->list_prev = dev->peers_tail;
	if (dev->peers_tail)
		dev->peers_tail->list_next = peer;
	else
		dev->peers_head = peer;
	dev->peers_tail = peer;
	dev->n_peers++;
	return peer;
}

/* Frees what waits for a session; returns how many packets that was. */
static unsigned purge_staged(struct wgc_peer *peer)
{
	struct wgc_staged *s = peer->staged;
	unsigned n;

	if (!s)
		return 0;
	n = s->count;
	while (s->count) {
		free(s->packets[s->head]);
		s->packets[s->head] = NULL;
		s->head = (s->head + 1) % WGC_MAX_STAGED_PACKETS;
		s->count--;
	}
	s->head = 0;
	return n;
}

void wgc_peer_purge_staged(struct wgc_peer *peer)
{
	purge_staged(peer);
}

static void give_up(struct wgc_peer *peer)
{
	struct wgc_device *dev = peer->device;

	wgc_counters_add(&dev->counters, WGC_DEV_DATA_DROPPED_GAVE_UP, purge_staged(peer));
	wgc_peer_counter_add(peer, WGC_PEER_HANDSHAKE_ATTEMPTS_EXPIRED, 1);
	wgc_device_event(dev, peer, WGC_EVENT_GAVE_UP, peer->timers.handshake_attempts, NULL);
}

/* Walks about to step onto a removed peer step past it. */
static void walks_skip(struct wgc_device *dev, const struct wgc_peer *peer)
{
	for (struct wgc_peer_walk *w = dev->walks; w; w = w->link)
		if (w->next == peer)
			w->next = peer->list_next;
}

void wgc_device_remove_peer(struct wgc_device *dev, struct wgc_peer *peer)
{
	struct wgc_peer **pp;

	if (dev->ops->peer_removed)
		dev->ops->peer_removed(dev->ops_ctx, peer);
	wgc_timers_stop(&peer->timers);
	wgc_timerheap_remove(&dev->timerheap, peer);
	wgc_allowedips_remove_by_peer(&dev->allowedips, peer);
	wgc_keypairs_clear(&peer->keypairs, &dev->indices);
	wgc_handshake_destroy(&peer->handshake, &dev->indices);
	purge_staged(peer);
	free(peer->staged);
	peer->staged = NULL;
	for (pp = &dev->peer_buckets[peer_bucket(dev, peer->handshake.remote_static)]; *pp; pp = &(*pp)->hash_next) {
		if (*pp == peer) {
			*pp = peer->hash_next;
			break;
		}
	}
	walks_skip(dev, peer);
	if (peer->list_prev)
		peer->list_prev->list_next = peer->list_next;
	else
		dev->peers_head = peer->list_next;
	if (peer->list_next)
		peer->list_next->list_prev = peer->list_prev;
	else
		dev->peers_tail = peer->list_prev;
	dev->n_peers--;
	wgc_cookie_maker_wipe(&peer->cookie);
	wgc_peer_counters_release(peer);
	wgc_secret_free(peer, peer_alloc_size(dev));
}

void wgc_device_set_private_key(struct wgc_device *dev, const uint8_t key[WGC_KEY_LEN])
{
	struct wgc_peer *peer, *next;

	if (dev->identity.has_identity && wgc_equal(key, dev->identity.static_private, WGC_KEY_LEN))
		return;
	if (wgc_is_zero(key, WGC_KEY_LEN))
		wgc_identity_clear(&dev->identity);
	else
		wgc_identity_set(&dev->identity, key);
	wgc_cookie_checker_init(&dev->cookie_checker, dev->identity.static_public);
	for (peer = dev->peers_head; peer; peer = next) {
		next = peer->list_next;
		if (dev->identity.has_identity &&
		    wgc_equal(peer->handshake.remote_static, dev->identity.static_public, WGC_KEY_LEN)) {
			wgc_device_remove_peer(dev, peer);
			continue;
		}
		wgc_handshake_precompute(&peer->handshake);
		/* as the kernel and wireguard-go: drop the handshake made with the old
		 * key and let the next packet initiate at once, not REKEY_TIMEOUT after
		 * the last initiation, or it would sit staged until a retry */
		wgc_handshake_clear(&peer->handshake, &dev->indices);
		wgc_timers_forget_rate_limit(&peer->timers);
		wgc_keypairs_expire_current(&peer->keypairs);
	}
}

void wgc_device_set_up(struct wgc_device *dev, bool up, uint64_t now_ms)
{
	struct wgc_peer *peer;

	if (dev->up == up)
		return;
	dev->up = up;
	for (peer = dev->peers_head; peer; peer = peer->list_next) {
		if (up) {
			wgc_timers_start(&peer->timers);
			wgc_peer_send_staged(peer, now_ms);
			if (peer->persistent_keepalive)
				wgc_peer_send_keepalive(peer, now_ms);
		} else {
			wgc_timers_stop(&peer->timers);
			wgc_keypairs_clear(&peer->keypairs, &dev->indices);
			wgc_handshake_clear(&peer->handshake, &dev->indices);
			purge_staged(peer);
		}
	}
}

void wgc_peer_set_psk(struct wgc_peer *peer, const uint8_t *psk)
{
	wgc_handshake_set_psk(&peer->handshake, psk);
}

void wgc_peer_set_persistent_keepalive(struct wgc_peer *peer, uint16_t seconds, uint64_t now_ms)
{
	uint32_t actions = wgc_timers_set_persistent_keepalive(&peer->timers, seconds);

	peer->persistent_keepalive = seconds;
	if (actions & WGC_TIMER_ACTION_SEND_KEEPALIVE && peer->device->up)
		wgc_peer_send_keepalive(peer, now_ms);
}

uint64_t wgc_peer_tick(struct wgc_peer *peer, uint64_t now_ms)
{
	struct wgc_device *dev = peer->device;
	uint32_t actions = wgc_timers_expire(&peer->timers, now_ms);

	if (actions & WGC_TIMER_ACTION_ZERO_KEYS) {
		wgc_keypairs_clear(&peer->keypairs, &dev->indices);
		wgc_handshake_clear(&peer->handshake, &dev->indices);
	}
	if (actions & WGC_TIMER_ACTION_GIVE_UP)
		give_up(peer);
	if (actions & (WGC_TIMER_ACTION_SEND_INITIATION_RETRY | WGC_TIMER_ACTION_SEND_INITIATION)) {
		if (dev->ops->clear_src_cache)
			dev->ops->clear_src_cache(dev->ops_ctx, peer);
		wgc_peer_initiate_handshake(peer, !(actions & WGC_TIMER_ACTION_SEND_INITIATION), now_ms);
	}
	if (actions & WGC_TIMER_ACTION_SEND_KEEPALIVE)
		wgc_peer_send_keepalive(peer, now_ms);
	else if (actions & WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE && peer->persistent_keepalive)
		wgc_peer_send_keepalive(peer, now_ms);
	return wgc_timers_next_deadline(&peer->timers);
}

uint64_t wgc_device_tick(struct wgc_device *dev, uint64_t now_ms)
{
	uint64_t key, next;

	while ((key = wgc_timerheap_peek(&dev->timerheap)) && key <= now_ms) {
		struct wgc_peer *peer = wgc_timerheap_pop(&dev->timerheap);

		/* its key was a lower bound: it may turn out not due yet, and is filed again */
		next = wgc_peer_tick(peer, now_ms);
		if (next)
			wgc_timerheap_lower(&dev->timerheap, peer, next);
	}
	return key;
}

struct wgc_device *wgc_device_new(const struct wgc_device_ops *ops, void *ctx)
{
	/* it holds our private key and the cookie secret */
	struct wgc_device *dev = wgc_secret_alloc(sizeof(*dev));

	if (dev && wgc_device_init(dev, ops, ctx)) {
		wgc_secret_free(dev, sizeof(*dev));
		dev = NULL;
	}
	return dev;
}

void wgc_device_delete(struct wgc_device *dev)
{
	if (!dev)
		return;
	wgc_device_free(dev);
	wgc_secret_free(dev, sizeof(*dev));
}

bool wgc_device_identity(const struct wgc_device *dev, uint8_t private_key[WGC_KEY_LEN],
			 uint8_t public_key[WGC_KEY_LEN])
{
	if (!dev->identity.has_identity) {
		memset(private_key, 0, WGC_KEY_LEN);
		memset(public_key, 0, WGC_KEY_LEN);
		return false;
	}
	memcpy(private_key, dev->identity.static_private, WGC_KEY_LEN);
	memcpy(public_key, dev->identity.static_public, WGC_KEY_LEN);
	return true;
}

bool wgc_device_is_up(const struct wgc_device *dev)
{
	return dev->up;
}

void wgc_device_set_mtu(struct wgc_device *dev, size_t mtu)
{
	dev->mtu = mtu;
}

struct wgc_allowedips *wgc_device_allowedips(struct wgc_device *dev)
{
	return &dev->allowedips;
}

struct wgc_peer *wgc_device_first_peer(const struct wgc_device *dev)
{
	return dev->peers_head;
}

struct wgc_peer *wgc_peer_next(const struct wgc_peer *peer)
{
	return peer->list_next;
}

void wgc_device_walk_begin(struct wgc_device *dev, struct wgc_peer_walk *w)
{
	w->next = dev->peers_head;
	w->link = dev->walks;
	dev->walks = w;
}

struct wgc_peer *wgc_device_walk_next(struct wgc_peer_walk *w)
{
	struct wgc_peer *peer = w->next;

	if (peer)
		w->next = peer->list_next;
	return peer;
}

void wgc_device_walk_end(struct wgc_device *dev, struct wgc_peer_walk *w)
{
	struct wgc_peer_walk **pp;

	for (pp = &dev->walks; *pp; pp = &(*pp)->link) {
		if (*pp == w) {
			*pp = w->link;
			break;
		}
	}
	w->next = NULL;
}

const uint8_t *wgc_peer_public_key(const struct wgc_peer *peer)
{
	return peer->handshake.remote_static;
}

void wgc_peer_get_info(const struct wgc_peer *peer, struct wgc_peer_info *out)
{
	memcpy(out->preshared_key, peer->handshake.preshared_key, WGC_KEY_LEN);
	out->persistent_keepalive = peer->persistent_keepalive;
	out->last_handshake_sec = peer->last_handshake_sec;
	out->last_handshake_nsec = peer->last_handshake_nsec;
	out->rx_bytes = peer->rx_bytes;
	out->tx_bytes = peer->tx_bytes;
}

void *wgc_peer_user(const struct wgc_peer *peer)
{
	return peer->user;
}

void wgc_peer_set_user(struct wgc_peer *peer, void *user)
{
	peer->user = user;
}

unsigned wgc_peer_staged_count(const struct wgc_peer *peer)
{
	return peer->staged ? peer->staged->count : 0;
}

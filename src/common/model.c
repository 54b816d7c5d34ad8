// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/model.h"
#include "core/crypto.h"

/* Grows an array of `size`-byte elements by one zeroed slot; NULL on failure. */
static void *grow(void **array, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		void *p;

		if (ncap > ((size_t)-1) / size)
			return NULL;
		p = realloc(*array, ncap * size);
		if (!p)
			return NULL;
		*array = p;
		*cap = ncap;
	}
	memset((char *)*array + *n * size, 0, size);
	return (char *)*array + (*n)++ * size;
}

struct wgc_peer_model *wgc_model_add_peer(struct wgc_device_model *dev)
{
	/* Peers hold keys: grow by copy-and-wipe so no stale copy is left behind. */
	if (dev->n_peers == dev->cap_peers) {
		size_t ncap = dev->cap_peers ? dev->cap_peers * 2 : 4;
		struct wgc_peer_model *p;

		if (ncap > ((size_t)-1) / sizeof(*p))
			return NULL;
		p = calloc(ncap, sizeof(*p));
		if (!p)
			return NULL;
		if (dev->peers) {
			memcpy(p, dev->peers, dev->n_peers * sizeof(*p));
			wgc_wipe(dev->peers, dev->cap_peers * sizeof(*p));
			free(dev->peers);
		}
		dev->peers = p;
		dev->cap_peers = ncap;
	}
	memset(&dev->peers[dev->n_peers], 0, sizeof(dev->peers[0]));
	return &dev->peers[dev->n_peers++];
}

struct wgc_allowed_ip *wgc_model_add_allowed_ip(struct wgc_peer_model *peer)
{
	return grow((void **)&peer->allowed_ips, &peer->n_allowed_ips, &peer->cap_allowed_ips,
		    sizeof(struct wgc_allowed_ip));
}

int wgc_model_add_counter(struct wgc_counter_list *l, const char *name, uint64_t value)
{
	struct wgc_counter *c = grow((void **)&l->items, &l->n, &l->cap, sizeof(*c));

	if (!c)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->value = value;
	return 0;
}

bool wgc_counter_get(const struct wgc_counter_list *l, const char *name, uint64_t *out)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->items[i].name, name)) {
			if (out)
				*out = l->items[i].value;
			return true;
		}
	}
	return false;
}

int wgc_model_add_rejected_source(struct wgc_device_model *dev, const char *reason, const union wgc_endpoint *from)
{
	struct wgc_rejected_source_list *l = &dev->rejected_sources;
	struct wgc_rejected_source *r = grow((void **)&l->items, &l->n, &l->cap, sizeof(*r));

	if (!r)
		return -ENOMEM;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	r->from = *from;
	return 0;
}

struct wgc_endpoint_candidate *wgc_model_add_candidate(struct wgc_peer_model *peer, const char *text)
{
	struct wgc_candidate_list *l = &peer->candidates;
	struct wgc_endpoint_candidate *c = grow((void **)&l->items, &l->n, &l->cap, sizeof(*c));

	if (c)
		snprintf(c->text, sizeof(c->text), "%s", text);
	return c;
}

bool wgc_model_uses_candidates(const struct wgc_device_model *dev)
{
	if (dev->flags & (WGC_DEVICE_HAS_CANDIDATE_RETRY | WGC_DEVICE_HAS_RERESOLVE_AFTER))
		return true;
	for (size_t i = 0; i < dev->n_peers; i++)
		if ((dev->peers[i].flags & WGC_PEER_HAS_CANDIDATES) && dev->peers[i].candidates.n)
			return true;
	return false;
}

void wgc_model_clear_peers(struct wgc_device_model *dev)
{
	for (size_t i = 0; i < dev->n_peers; i++) {
		free(dev->peers[i].allowed_ips);
		free(dev->peers[i].counters.items);
		free(dev->peers[i].candidates.items);
		wgc_wipe(&dev->peers[i], sizeof(dev->peers[i]));
	}
	dev->n_peers = 0;
}

void wgc_model_free(struct wgc_device_model *dev)
{
	wgc_model_clear_peers(dev);
	free(dev->counters.items);
	free(dev->rejected_sources.items);
	if (dev->peers) {
		wgc_wipe(dev->peers, dev->cap_peers * sizeof(dev->peers[0]));
		free(dev->peers);
	}
	wgc_wipe(dev, sizeof(*dev));
}

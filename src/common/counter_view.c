// SPDX-License-Identifier: MIT
/* Over the model's generic counter lists (struct wgc_counter_list, issue 11). */
#include "common/counter_view.h"

bool wgc_cv_device_has(const struct wgc_device_model *dev)
{
	return wgc_cv_device_count(dev) > 0;
}

bool wgc_cv_device_get(const struct wgc_device_model *dev, const char *name, uint64_t *out)
{
	return wgc_counter_get(&dev->counters, name, out);
}

bool wgc_cv_peer_get(const struct wgc_peer_model *peer, const char *name, uint64_t *out)
{
	return wgc_counter_get(&peer->counters, name, out);
}

size_t wgc_cv_device_count(const struct wgc_device_model *dev)
{
	return dev->counters.n;
}

const char *wgc_cv_device_at(const struct wgc_device_model *dev, size_t i, uint64_t *out)
{
	if (i >= dev->counters.n)
		return NULL;
	*out = dev->counters.items[i].value;
	return dev->counters.items[i].name;
}

size_t wgc_cv_peer_count(const struct wgc_peer_model *peer)
{
	return peer->counters.n;
}

const char *wgc_cv_peer_at(const struct wgc_peer_model *peer, size_t i, uint64_t *out)
{
	if (i >= peer->counters.n)
		return NULL;
	*out = peer->counters.items[i].value;
	return peer->counters.items[i].name;
}

size_t wgc_cv_rejected_count(const struct wgc_device_model *dev)
{
	return dev->rejected_sources.n;
}

const char *wgc_cv_rejected_at(const struct wgc_device_model *dev, size_t i, union wgc_endpoint *from)
{
	if (i >= dev->rejected_sources.n)
		return NULL;
	*from = dev->rejected_sources.items[i].from;
	return dev->rejected_sources.items[i].reason;
}

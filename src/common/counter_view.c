// SPDX-License-Identifier: MIT
/*
 * The model does not carry counters yet on this branch (h-arch adds
 * `struct wgc_counter_list counters` to device and peer models and
 * `rejected_sources` to the device); until then every backend reports none.
 */
#include "common/counter_view.h"

bool wgc_cv_device_has(const struct wgc_device_model *dev)
{
	return wgc_cv_device_count(dev) > 0;
}

bool wgc_cv_device_get(const struct wgc_device_model *dev, const char *name, uint64_t *out)
{
	return false;
}

bool wgc_cv_peer_get(const struct wgc_peer_model *peer, const char *name, uint64_t *out)
{
	return false;
}

size_t wgc_cv_device_count(const struct wgc_device_model *dev)
{
	return 0;
}

const char *wgc_cv_device_at(const struct wgc_device_model *dev, size_t i, uint64_t *out)
{
	return NULL;
}

size_t wgc_cv_peer_count(const struct wgc_peer_model *peer)
{
	return 0;
}

const char *wgc_cv_peer_at(const struct wgc_peer_model *peer, size_t i, uint64_t *out)
{
	return NULL;
}

size_t wgc_cv_rejected_count(const struct wgc_device_model *dev)
{
	return 0;
}

const char *wgc_cv_rejected_at(const struct wgc_device_model *dev, size_t i, union wgc_endpoint *from)
{
	return NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * Read-only access to the wgc-only counters a backend reports (issue 11
 * section 3: names such as rejected_invalid_mac1, handshake_initiations_sent).
 * `wgc metrics` and `wgc doctor` read counters only through here, so the
 * model's representation can change in one place.
 *
 * A backend without counters (stock wireguard-go, a kernel interface)
 * reports none: count 0, every lookup false. Callers then say "cannot tell",
 * never "0".
 */
#ifndef WGC_COUNTER_VIEW_H
#define WGC_COUNTER_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/model.h"

/* Whether the device carries counters at all (the backend has them). */
bool wgc_cv_device_has(const struct wgc_device_model *dev);
/* Counter NAME of the device or one peer; false when absent. */
bool wgc_cv_device_get(const struct wgc_device_model *dev, const char *name, uint64_t *out);
bool wgc_cv_peer_get(const struct wgc_peer_model *peer, const char *name, uint64_t *out);
/* The i-th counter (i < count), in the backend's order: its name, value in *out. */
size_t wgc_cv_device_count(const struct wgc_device_model *dev);
const char *wgc_cv_device_at(const struct wgc_device_model *dev, size_t i, uint64_t *out);
size_t wgc_cv_peer_count(const struct wgc_peer_model *peer);
const char *wgc_cv_peer_at(const struct wgc_peer_model *peer, size_t i, uint64_t *out);
/* Recorded source addresses of rejected handshake messages (most recent first per reason). */
size_t wgc_cv_rejected_count(const struct wgc_device_model *dev);
const char *wgc_cv_rejected_at(const struct wgc_device_model *dev, size_t i, union wgc_endpoint *from);

#endif

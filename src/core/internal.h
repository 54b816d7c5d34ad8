/* SPDX-License-Identifier: MIT */
/* Helpers shared by the core's own files (device, send, receive); not for embedders. */
#ifndef WGC_CORE_INTERNAL_H
#define WGC_CORE_INTERNAL_H

#include "device.h"

/* Reports a handshake event to ops->event, if any. */
void wgc_device_event(struct wgc_device *dev, struct wgc_peer *peer, enum wgc_event_kind kind, unsigned attempt,
		      const struct sockaddr *src);
/* Sends a message to the peer (tx_bytes counted); a failure is counted by its reason. */
bool wgc_peer_send_message(struct wgc_peer *peer, const uint8_t *msg, size_t len);

#endif

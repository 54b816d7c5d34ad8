/* SPDX-License-Identifier: MIT */
/*
 * wgcd's side of endpoint candidates (issue 14): the per-peer lists
 * (policy in core/endpoint_candidates.h), the UAPI extension lines
 * (doc/uapi.md), and two threads: a ticker that starts probes of preferred
 * candidates and hands hostnames due for re-resolution to a resolver
 * thread, which calls getaddrinfo (the system resolver, /etc/hosts
 * included) with no lock held, so a resolver that hangs delays only other
 * resolutions, never the data path, handshakes or the UAPI socket.
 *
 * Locking: every function here except the threads runs under d->lock (the
 * device lock), as the core's callbacks do. The job queue has its own
 * mutex, never taken while waiting for d->lock.
 */
#ifndef WGCD_CANDIDATES_H
#define WGCD_CANDIDATES_H

#include "common/model.h"
#include "core/device.h"
#include "daemon/wgcd.h"

/* Allocates d->cand (intervals at their defaults); 0 or -ENOMEM. Before any thread. */
int wgcd_candidates_init(struct wgcd *d);
/* Starts / stops the ticker and resolver threads; stop is idempotent. */
int wgcd_candidates_start(struct wgcd *d);
void wgcd_candidates_stop(struct wgcd *d);
/* Frees d->cand (after stop). */
void wgcd_candidates_free(struct wgcd *d);

/* A set request's intervals (wgc_candidate_retry=, wgc_reresolve_after=). */
void wgcd_candidates_apply_device(struct wgcd *d, const struct wgc_device_model *m);
/*
 * A set request's candidates for one peer: WGC_PEER_HAS_CANDIDATES replaces
 * the list (fewer than two clears it); a plain endpoint= clears it (the user
 * set one endpoint, as with wg). 0 or -EINVAL / -ENOMEM (nothing changed).
 */
int wgcd_candidates_apply_peer(struct wgcd *d, struct wgc_peer *peer, const struct wgc_peer_model *p);
/* An extended get: the intervals and each peer's candidates with their state. */
int wgcd_candidates_snapshot_device(struct wgcd *d, struct wgc_device_model *m);
int wgcd_candidates_snapshot_peer(struct wgcd *d, struct wgc_peer *peer, struct wgc_peer_model *p);

/* ops->send_initiation: the initiation to every candidate (the policy's targets). */
wgc_drop_reason wgcd_candidates_send_initiation(void *ctx, struct wgc_peer *peer, const uint8_t *msg, size_t len);
/* The peer was authenticated from `from` (roaming): notes the candidate's reply. */
void wgcd_candidates_note_reply(struct wgcd *d, struct wgcd_peer *wp, const union wgc_endpoint *from);
/* The peer is being freed. */
void wgcd_candidates_peer_removed(struct wgcd *d, struct wgcd_peer *wp);

#endif

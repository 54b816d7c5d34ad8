/* SPDX-License-Identifier: MIT */
/*
 * Prometheus text exposition format (version 0.0.4) of device models, for
 * `wgc metrics`. A pure function on buffers: no sockets, no clock.
 *
 * Names follow prometheus_wireguard_exporter so existing dashboards work:
 *   wireguard_sent_bytes_total, wireguard_received_bytes_total (counters),
 *   wireguard_latest_handshake_seconds (gauge, a unix timestamp, 0: never)
 * with labels interface, public_key (the peer's), allowed_ips (comma
 * separated) and friendly_name (only for named peers). wgc's own families
 * (wgc_peers, wgc_peers_up, and the backend's counters by reason) are listed
 * in doc/metrics.md. No private or preshared key is ever printed.
 */
#ifndef WGC_METRICS_FORMAT_H
#define WGC_METRICS_FORMAT_H

#include <stddef.h>
#include <time.h>

#include "common/model.h"
#include "common/peer_names.h"
#include "common/strbuf.h"

/* A peer counts as up when its last handshake is at most this old (REJECT_AFTER_TIME). */
enum { WGC_METRICS_PEER_UP_SECONDS = 180 };

/*
 * Appends the exposition of devs[0..n) to out. names, when not NULL, is an
 * array of n name tables (one per device, possibly empty). now is the unix
 * time used for wgc_peers_up. Allocation failure is sticky in out->failed.
 */
void wgc_metrics_format(struct wgc_strbuf *out, const struct wgc_device_model *devs, size_t n,
			const struct wgc_peer_names *names, time_t now);

/* Appends s as a label value: backslash, double quote and newline escaped. */
void wgc_metrics_label_value(struct wgc_strbuf *out, const char *s);

#endif

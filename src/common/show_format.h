/* SPDX-License-Identifier: MIT */
/*
 * What `wg show` prints, byte for byte, from a state model: the coloured
 * human form, the tab-separated single-field forms and dump, plus wgc's JSON.
 * Everything goes into a buffer; the caller writes it out.
 */
#ifndef WGC_SHOW_FORMAT_H
#define WGC_SHOW_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/model.h"
#include "common/strbuf.h"

/* Peers are "up" while their last handshake is younger than this (REJECT_AFTER_TIME). */
enum { WGC_SHOW_UP_SECONDS = 180 };

/* "1 hour, 2 minutes, 3 seconds" with wg's colour codes; empty for 0. */
void wgc_show_pretty_time(struct wgc_strbuf *out, uint64_t seconds);
/* "512.02 MiB" with colour codes. */
void wgc_show_bytes(struct wgc_strbuf *out, uint64_t bytes);
/* "Now", "... ago" or the clock-went-backwards notice, for a handshake at sec. */
void wgc_show_ago(struct wgc_strbuf *out, int64_t sec, time_t now);
/* Removes ANSI escapes from out->data[from..] exactly as wg does when colour is off. */
void wgc_show_strip_ansi(struct wgc_strbuf *out, size_t from);
/* Peer order of the human form: latest handshake first, never-handshaked last, stable. */
bool wgc_show_sorted_peers(const struct wgc_device_model *dev, size_t **order);

/* The human form of one device. hide_keys: print "(hidden)" for private and preshared keys. */
void wgc_show_pretty(struct wgc_strbuf *out, const struct wgc_device_model *dev, time_t now, bool color,
		     bool hide_keys);
/* One of wg's fields (public-key ... dump); false for an unknown one. */
bool wgc_show_field(struct wgc_strbuf *out, const struct wgc_device_model *dev, const char *field,
		    bool with_interface);
/* One device as a JSON object (see doc/json.md). */
/*
 * A peer's "Endpoint = " lines for showconf and save: every endpoint
 * candidate in order of preference when it has several (wgcd, issue 14),
 * else its one endpoint as wg prints it; nothing when it has none.
 */
void wgc_show_endpoint_lines(struct wgc_strbuf *out, const struct wgc_peer_model *p);
/*
 * `wg showconf' text of a device state (also what `wgc-quick save' writes):
 * [Interface] then each [Peer]; only IPv4/IPv6 allowed IPs are listed.
 */
void wgc_show_conf(struct wgc_strbuf *out, const struct wgc_device_model *dev);
void wgc_show_json(struct wgc_strbuf *out, const struct wgc_device_model *dev, time_t now);

#endif

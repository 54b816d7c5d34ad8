/* SPDX-License-Identifier: MIT */
/*
 * The cross-platform userspace configuration protocol ("UAPI", as spoken on
 * /var/run/wireguard/IFNAME.sock by wireguard-go and wg), both directions,
 * on buffers only:
 *
 *   request  "set=1\n" key=value lines "\n"  -> reply "errno=N\n\n"
 *   request  "get=1\n\n"                     -> reply key=value lines "errno=0\n\n"
 *
 * Keys follow wireguard-go's device/uapi.go. Device keys come first:
 * private_key (64 hex), listen_port, fwmark, replace_peers=true. Each
 * public_key starts a peer: remove=true, update_only=true, preshared_key,
 * endpoint (numeric "a.b.c.d:port" / "[v6]:port"),
 * persistent_keepalive_interval, replace_allowed_ips=true, allowed_ip
 * ("prefix", or "-prefix" to remove one, as newer wireguard-tools send),
 * protocol_version=1; a get reply adds last_handshake_time_sec/_nsec,
 * tx_bytes and rx_bytes per peer.
 *
 * Returned text may hold keys: release it with wgc_strbuf_free (it wipes).
 */
#ifndef WGC_UAPI_H
#define WGC_UAPI_H

#include <stddef.h>

#include "common/model.h"
#include "common/strbuf.h"

/*
 * Where userspace implementations put IFNAME.sock (wireguard-go, wg's
 * ipc-uapi-unix.h SOCK_PATH): wgcd listens there, wgc looks there.
 */
#ifndef WGC_UAPI_SOCKET_DIR
#define WGC_UAPI_SOCKET_DIR "/var/run/wireguard"
#endif

enum { WGC_UAPI_ERRLEN = 160 };

/* CLI side: the whole set request, "set=1\n" through the final blank line. -ENOMEM or 0. */
int wgc_uapi_format_set(struct wgc_strbuf *out, const struct wgc_device_model *change);

/*
 * Daemon side: parses one whole set request (exactly "set=1\n", lines, "\n";
 * nothing may follow) into a zeroed change model. On any error nothing is
 * kept: the model is freed and wiped, a message goes to err (may be NULL)
 * and the result is -EPROTO (malformed framing or a line without '='),
 * -EINVAL (unknown key or bad value) or -ENOMEM; 0 on success.
 */
int wgc_uapi_parse_set(struct wgc_device_model *change, const char *buf, size_t len,
		       char err[WGC_UAPI_ERRLEN]);
/*
 * The same, handing each peer to fn as soon as its last line is read
 * (change->n_peers is 1 then; the peer is freed and wiped after fn), so
 * the model never holds more than one: a daemon validates a large request
 * with an fn that only returns 0, then parses it again applying each peer.
 * A nonzero return of fn (a negative errno) stops the parse and is the
 * result. The device's lines all come before the first peer, so change
 * holds them when fn first runs. fn NULL: wgc_uapi_parse_set.
 */
typedef int (*wgc_uapi_peer_fn)(void *ctx, const struct wgc_device_model *change, const struct wgc_peer_model *peer);
int wgc_uapi_parse_set_each(struct wgc_device_model *change, const char *buf, size_t len, char err[WGC_UAPI_ERRLEN],
			    wgc_uapi_peer_fn fn, void *ctx);

/* Daemon side: a get reply for a state model, ending "errno=0\n\n". -ENOMEM or 0. */
int wgc_uapi_format_get(struct wgc_strbuf *out, const struct wgc_device_model *state);
/*
 * The same in pieces, for a daemon that formats its peers a batch at a
 * time instead of holding a model of them all: the device's lines, then
 * the peers of the model (called once per batch), then the end.
 */
int wgc_uapi_format_get_head(struct wgc_strbuf *out, const struct wgc_device_model *state);
int wgc_uapi_format_get_peers(struct wgc_strbuf *out, const struct wgc_device_model *state);
int wgc_uapi_format_get_end(struct wgc_strbuf *out);

/*
 * CLI side: parses a get reply into a zeroed state model (the name is left
 * to the caller). Unknown keys are skipped for forward compatibility, as wg
 * does. Returns 0, the daemon's -errno, or -EPROTO for a malformed reply;
 * on error the model is freed.
 */
int wgc_uapi_parse_get(struct wgc_device_model *state, const char *buf, size_t len,
		       char err[WGC_UAPI_ERRLEN]);

/* A set reply: "errno=N\n\n" or "errno=-N\n\n" (wireguard-go). Returns -N (0 for success) or -EPROTO. */
int wgc_uapi_parse_errno(const char *buf, size_t len);

#endif

// SPDX-License-Identifier: MIT
/*
 * The core's handshake events as LOG_LEVEL=verbose lines, in wireguard-go's
 * manner ("peer(AbCd…WxYz) - Sending handshake initiation"). Peers appear
 * only by an abbreviated public key and addresses as numbers; no event
 * carries key material. A flood of rejected messages must not become a
 * flood of log lines: a token bucket allows EVENTS_PER_SECOND with a burst
 * of EVENTS_BURST, and says how many lines it held back.
 */
#include "daemon/wgcd.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "core/encoding.h"
#include "daemon/log.h"

enum { EVENTS_PER_SECOND = 20, EVENTS_BURST = 40 };

static pthread_mutex_t bucket_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t bucket_tokens_ms = EVENTS_BURST * 1000, bucket_last_ms;
static unsigned long suppressed;

/* Takes a token; returns false when the line must be skipped. *held_back: lines skipped before. */
static bool take_token(unsigned long *held_back)
{
	uint64_t now = wgcd_now_ms();
	bool ok = false;

	pthread_mutex_lock(&bucket_mu);
	bucket_tokens_ms += (now - bucket_last_ms) * EVENTS_PER_SECOND;
	if (bucket_tokens_ms > EVENTS_BURST * 1000)
		bucket_tokens_ms = EVENTS_BURST * 1000;
	bucket_last_ms = now;
	if (bucket_tokens_ms >= 1000) {
		bucket_tokens_ms -= 1000;
		*held_back = suppressed;
		suppressed = 0;
		ok = true;
	} else {
		suppressed++;
	}
	pthread_mutex_unlock(&bucket_mu);
	return ok;
}

static void peer_prefix(char *out, size_t cap, struct wgc_peer *peer)
{
	char b64[WGC_KEY_B64_LEN];

	if (!peer) {
		out[0] = '\0';
		return;
	}
	wgc_key_to_base64(b64, wgc_peer_public_key(peer));
	snprintf(out, cap, "peer(%.4s…%.4s) - ", b64, b64 + 39);
}

static void addr_text(char out[WGC_ENDPOINT_STRLEN], const struct sockaddr *sa)
{
	union wgc_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
		memcpy(&ep, sa, sa->sa_family == AF_INET ? sizeof(ep.addr4) : sizeof(ep.addr6));
	if (!ep.addr.sa_family || !wgc_endpoint_format(out, &ep))
		snprintf(out, WGC_ENDPOINT_STRLEN, "(unknown)");
}

/* The message of one event, without the peer prefix. */
static void describe(char *out, size_t cap, const struct wgc_event *ev)
{
	char from[WGC_ENDPOINT_STRLEN];

	addr_text(from, ev->src);
	switch (ev->kind) {
	case WGC_EVENT_INITIATION_SENT:
		if (ev->attempt > 1)
			snprintf(out, cap, "Handshake did not complete after %d seconds, retrying (try %u)",
				 WGC_REKEY_TIMEOUT, ev->attempt);
		else
			snprintf(out, cap, "Sending handshake initiation");
		break;
	case WGC_EVENT_INITIATION_RECEIVED: snprintf(out, cap, "Received handshake initiation from %s", from); break;
	case WGC_EVENT_RESPONSE_SENT: snprintf(out, cap, "Sending handshake response"); break;
	case WGC_EVENT_RESPONSE_RECEIVED: snprintf(out, cap, "Received handshake response from %s", from); break;
	case WGC_EVENT_COOKIE_SENT: snprintf(out, cap, "Under load: sending cookie reply to %s", from); break;
	case WGC_EVENT_COOKIE_RECEIVED: snprintf(out, cap, "Received cookie reply from %s", from); break;
	case WGC_EVENT_HANDSHAKE_COMPLETE: snprintf(out, cap, "Handshake complete, session established"); break;
	case WGC_EVENT_GAVE_UP:
		snprintf(out, cap, "Handshake did not complete after %u attempts, giving up", ev->attempt);
		break;
	case WGC_EVENT_REJECTED:
		snprintf(out, cap, "Rejected handshake message from %s: %s", from, wgc_device_counter_name(ev->reason));
		break;
	default: snprintf(out, cap, "handshake event %d", (int)ev->kind); break;
	}
}

void wgcd_log_event(void *ctx, struct wgc_peer *peer, const struct wgc_event *ev)
{
	char prefix[64], msg[256];
	unsigned long held_back = 0;

	(void)ctx;
	if (!wgc_log_enabled(WGC_LOG_VERBOSE) || !take_token(&held_back))
		return;
	if (held_back)
		wgc_log(WGC_LOG_VERBOSE, "%lu handshake event lines suppressed (rate limit)", held_back);
	peer_prefix(prefix, sizeof(prefix), peer);
	describe(msg, sizeof(msg), ev);
	wgc_log(WGC_LOG_VERBOSE, "%s%s", prefix, msg);
}

// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/uapi.h"
#include "core/crypto.h"
#include "core/encoding.h"

/* The longest valid line is a 64-digit key or a bracketed v6 endpoint with a scope. */
enum { MAX_LINE = 256 };

/*
 * What an error may quote of a key name: a real one is lower case and '_'
 * only; anything else (a hex or base64 key sent as the name, a line
 * without '=') is not echoed, so no key byte reaches the daemon's log.
 */
static const char *quotable_key(const char *key)
{
	size_t n = strlen(key);

	return n <= 40 && strspn(key, "abcdefghijklmnopqrstuvwxyz_") == n ? key : "(not shown)";
}

static void set_err(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, WGC_UAPI_ERRLEN, fmt, ap);
	va_end(ap);
}

/* wgcd's interval lines (doc/uapi.md), in a set and in an extended get. */
static void format_candidate_intervals(struct wgc_strbuf *out, const struct wgc_device_model *dev)
{
	if (dev->flags & WGC_DEVICE_HAS_CANDIDATE_RETRY)
		wgc_strbuf_printf(out, "wgc_candidate_retry=%u\n", dev->candidate_retry);
	if (dev->flags & WGC_DEVICE_HAS_RERESOLVE_AFTER)
		wgc_strbuf_printf(out, "wgc_reresolve_after=%u\n", dev->reresolve_after);
}

/* A peer's candidates in a get reply, each followed by its state and counters. */
static void format_candidates(struct wgc_strbuf *out, const struct wgc_candidate_list *l)
{
	char ep[WGC_ENDPOINT_STRLEN];

	for (size_t i = 0; i < l->n; i++) {
		const struct wgc_endpoint_candidate *c = &l->items[i];

		wgc_strbuf_printf(out, "wgc_endpoint_candidate=%s\n", c->text);
		if (wgc_endpoint_format(ep, &c->addr))
			wgc_strbuf_printf(out, "wgc_candidate_address=%s\n", ep);
		if (c->current)
			wgc_strbuf_printf(out, "wgc_candidate_current=true\n");
		wgc_strbuf_printf(out, "wgc_candidate_counter=initiations_sent=%" PRIu64 "\n", c->initiations_sent);
		wgc_strbuf_printf(out, "wgc_candidate_counter=last_reply=%" PRId64 "\n", c->last_reply);
	}
}

int wgc_uapi_format_set(struct wgc_strbuf *out, const struct wgc_device_model *dev)
{
	char hex[WGC_KEY_HEX_LEN], ep[WGC_ENDPOINT_STRLEN], pfx[WGC_PREFIX_STRLEN];

	wgc_strbuf_printf(out, "set=1\n");
	if (dev->flags & WGC_DEVICE_HAS_PRIVATE_KEY) {
		wgc_key_to_hex(hex, dev->private_key);
		wgc_strbuf_printf(out, "private_key=%s\n", hex);
	}
	if (dev->flags & WGC_DEVICE_HAS_LISTEN_PORT)
		wgc_strbuf_printf(out, "listen_port=%u\n", dev->listen_port);
	if (dev->flags & WGC_DEVICE_HAS_FWMARK)
		wgc_strbuf_printf(out, "fwmark=%u\n", dev->fwmark);
	if (dev->flags & WGC_DEVICE_REPLACE_PEERS)
		wgc_strbuf_printf(out, "replace_peers=true\n");
	format_candidate_intervals(out, dev);
	for (size_t i = 0; i < dev->n_peers; i++) {
		const struct wgc_peer_model *p = &dev->peers[i];

		wgc_key_to_hex(hex, p->public_key);
		wgc_strbuf_printf(out, "public_key=%s\n", hex);
		if (p->flags & WGC_PEER_REMOVE_ME) {
			wgc_strbuf_printf(out, "remove=true\n");
			continue;
		}
		if (p->flags & WGC_PEER_UPDATE_ONLY)
			wgc_strbuf_printf(out, "update_only=true\n");
		if (p->flags & WGC_PEER_HAS_PRESHARED_KEY) {
			wgc_key_to_hex(hex, p->preshared_key);
			wgc_strbuf_printf(out, "preshared_key=%s\n", hex);
		}
		if ((p->endpoint.addr.sa_family == AF_INET || p->endpoint.addr.sa_family == AF_INET6) &&
		    wgc_endpoint_format(ep, &p->endpoint))
			wgc_strbuf_printf(out, "endpoint=%s\n", ep);
		if (p->flags & WGC_PEER_HAS_PERSISTENT_KEEPALIVE)
			wgc_strbuf_printf(out, "persistent_keepalive_interval=%u\n", p->persistent_keepalive);
		if (p->flags & WGC_PEER_HAS_CANDIDATES) {
			wgc_strbuf_printf(out, "wgc_replace_endpoint_candidates=true\n");
			for (size_t j = 0; j < p->candidates.n; j++) {
				wgc_strbuf_printf(out, "wgc_endpoint_candidate=%s\n", p->candidates.items[j].text);
				if (wgc_endpoint_format(ep, &p->candidates.items[j].addr))
					wgc_strbuf_printf(out, "wgc_candidate_address=%s\n", ep);
			}
		}
		if (p->flags & WGC_PEER_REPLACE_ALLOWEDIPS)
			wgc_strbuf_printf(out, "replace_allowed_ips=true\n");
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			if (p->allowed_ips[j].family != AF_INET && p->allowed_ips[j].family != AF_INET6)
				continue;
			wgc_prefix_format(pfx, &p->allowed_ips[j]);
			wgc_strbuf_printf(out, "allowed_ip=%s%s\n", p->allowed_ips[j].remove ? "-" : "", pfx);
		}
	}
	wgc_strbuf_printf(out, "\n");
	wgc_wipe(hex, sizeof(hex));
	return out->failed ? -ENOMEM : 0;
}

static void format_counters(struct wgc_strbuf *out, const struct wgc_counter_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		wgc_strbuf_printf(out, "wgc_counter=%s=%" PRIu64 "\n", l->items[i].name, l->items[i].value);
}

static void format_rejected_sources(struct wgc_strbuf *out, const struct wgc_rejected_source_list *l)
{
	char ep[WGC_ENDPOINT_STRLEN];

	for (size_t i = 0; i < l->n; i++)
		if (wgc_endpoint_format(ep, &l->items[i].from))
			wgc_strbuf_printf(out, "wgc_rejected_source=%s=%s\n", l->items[i].reason, ep);
}

int wgc_uapi_format_get_head(struct wgc_strbuf *out, const struct wgc_device_model *dev)
{
	char hex[WGC_KEY_HEX_LEN];

	if ((dev->flags & WGC_DEVICE_HAS_PRIVATE_KEY) && !wgc_is_zero(dev->private_key, WGC_KEY_LEN)) {
		wgc_key_to_hex(hex, dev->private_key);
		wgc_strbuf_printf(out, "private_key=%s\n", hex);
	}
	if ((dev->flags & WGC_DEVICE_HAS_LISTEN_PORT) || dev->listen_port)
		wgc_strbuf_printf(out, "listen_port=%u\n", dev->listen_port);
	if (dev->fwmark)
		wgc_strbuf_printf(out, "fwmark=%u\n", dev->fwmark);
	format_counters(out, &dev->counters);
	format_rejected_sources(out, &dev->rejected_sources);
	format_candidate_intervals(out, dev);
	wgc_wipe(hex, sizeof(hex));
	return out->failed ? -ENOMEM : 0;
}

int wgc_uapi_format_get_peers(struct wgc_strbuf *out, const struct wgc_device_model *dev)
{
	char hex[WGC_KEY_HEX_LEN], ep[WGC_ENDPOINT_STRLEN], pfx[WGC_PREFIX_STRLEN];

	for (size_t i = 0; i < dev->n_peers; i++) {
		const struct wgc_peer_model *p = &dev->peers[i];

		wgc_key_to_hex(hex, p->public_key);
		wgc_strbuf_printf(out, "public_key=%s\n", hex);
		/* wireguard-go always sends this line, all zeros without a PSK. */
		wgc_key_to_hex(hex, p->preshared_key);
		wgc_strbuf_printf(out, "preshared_key=%s\n", hex);
		wgc_strbuf_printf(out, "protocol_version=1\n");
		if ((p->endpoint.addr.sa_family == AF_INET || p->endpoint.addr.sa_family == AF_INET6) &&
		    wgc_endpoint_format(ep, &p->endpoint))
			wgc_strbuf_printf(out, "endpoint=%s\n", ep);
		wgc_strbuf_printf(out, "last_handshake_time_sec=%" PRId64 "\nlast_handshake_time_nsec=%" PRId64 "\n",
				  p->last_handshake_sec, p->last_handshake_nsec);
		wgc_strbuf_printf(out, "tx_bytes=%" PRIu64 "\nrx_bytes=%" PRIu64 "\n", p->tx_bytes, p->rx_bytes);
		wgc_strbuf_printf(out, "persistent_keepalive_interval=%u\n", p->persistent_keepalive);
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			wgc_prefix_format(pfx, &p->allowed_ips[j]);
			wgc_strbuf_printf(out, "allowed_ip=%s\n", pfx);
		}
		format_counters(out, &p->counters);
		format_candidates(out, &p->candidates);
	}
	wgc_wipe(hex, sizeof(hex));
	return out->failed ? -ENOMEM : 0;
}

int wgc_uapi_format_get_end(struct wgc_strbuf *out)
{
	wgc_strbuf_printf(out, "errno=0\n\n");
	return out->failed ? -ENOMEM : 0;
}

int wgc_uapi_format_get(struct wgc_strbuf *out, const struct wgc_device_model *dev)
{
	wgc_uapi_format_get_head(out, dev);
	wgc_uapi_format_get_peers(out, dev);
	return wgc_uapi_format_get_end(out);
}

/*
 * Walks "key=value\n" lines. Returns 1 with key/value pointing into `line`
 * (NUL-terminated), 0 at the blank line, or a negative errno.
 */
struct line_reader {
	const char *buf;
	size_t len, pos;
	char line[MAX_LINE + 1];
};

static int next_line(struct line_reader *r, char **key, char **value, char *err)
{
	const char *start = r->buf + r->pos, *nl;
	size_t n;
	char *eq;

	nl = memchr(start, '\n', r->len - r->pos);
	if (!nl) {
		set_err(err, "message not terminated by an empty line");
		return -EPROTO;
	}
	n = (size_t)(nl - start);
	r->pos += n + 1;
	if (n == 0)
		return 0;
	if (n > MAX_LINE) {
		set_err(err, "line too long");
		return -EPROTO;
	}
	if (memchr(start, '\0', n)) {
		set_err(err, "NUL byte in line");
		return -EPROTO;
	}
	memcpy(r->line, start, n);
	r->line[n] = '\0';
	eq = strchr(r->line, '=');
	if (!eq) {
		set_err(err, "line without '=' (not shown: it may hold a key)");
		return -EPROTO;
	}
	*eq = '\0';
	*key = r->line;
	*value = eq + 1;
	return 1;
}

static bool parse_true(const char *v)
{
	return !strcmp(v, "true");
}

/* wgc_candidate_retry= / wgc_reresolve_after=: seconds, 1..86400. 0 or -EINVAL. */
static int parse_interval(struct wgc_device_model *d, const char *key, const char *value)
{
	uint64_t n;

	if (!wgc_parse_u64(value, 86400, &n) || n == 0)
		return -EINVAL;
	if (!strcmp(key, "wgc_candidate_retry")) {
		d->candidate_retry = (uint32_t)n;
		d->flags |= WGC_DEVICE_HAS_CANDIDATE_RETRY;
	} else {
		d->reresolve_after = (uint32_t)n;
		d->flags |= WGC_DEVICE_HAS_RERESOLVE_AFTER;
	}
	return 0;
}

/* One wgc_endpoint_candidate= value: "HOST:PORT" or "[V6]:PORT", printable, no spaces. */
static int add_candidate_line(struct wgc_peer_model *p, const char *value)
{
	size_t len = strlen(value);
	const char *colon = strrchr(value, ':');

	if (!len || len >= WGC_CANDIDATE_TEXT_MAX || !colon || colon == value || !colon[1] || p->candidates.n >= 16)
		return -EINVAL;
	for (const char *c = value; *c; c++)
		if (*c <= ' ' || *c > '~' || *c == '=')
			return -EINVAL;
	return wgc_model_add_candidate(p, value) ? 0 : -ENOMEM;
}

static int set_device_line(struct wgc_device_model *d, const char *key, const char *value, char *err)
{
	uint64_t n;

	if (!strcmp(key, "private_key")) {
		if (!wgc_key_from_hex(d->private_key, value))
			goto bad;
		d->flags |= WGC_DEVICE_HAS_PRIVATE_KEY;
	} else if (!strcmp(key, "listen_port")) {
		if (!wgc_parse_u64(value, 65535, &n))
			goto bad;
		d->listen_port = (uint16_t)n;
		d->flags |= WGC_DEVICE_HAS_LISTEN_PORT;
	} else if (!strcmp(key, "fwmark")) {
		if (!wgc_parse_u64(value, UINT32_MAX, &n))
			goto bad;
		d->fwmark = (uint32_t)n;
		d->flags |= WGC_DEVICE_HAS_FWMARK;
	} else if (!strcmp(key, "replace_peers")) {
		if (!parse_true(value))
			goto bad;
		d->flags |= WGC_DEVICE_REPLACE_PEERS;
	} else if (!strcmp(key, "wgc_candidate_retry") || !strcmp(key, "wgc_reresolve_after")) {
		if (parse_interval(d, key, value))
			goto bad;
	} else {
		set_err(err, "invalid device key '%s'", quotable_key(key));
		return -EINVAL;
	}
	return 0;
bad:
	/* Never echo a private key value. */
	set_err(err, "invalid value for %s", key);
	return -EINVAL;
}

static int set_peer_line(struct wgc_peer_model *p, const char *key, const char *value, char *err)
{
	uint64_t n;

	if (!strcmp(key, "remove")) {
		if (!parse_true(value))
			goto bad;
		p->flags |= WGC_PEER_REMOVE_ME;
	} else if (!strcmp(key, "update_only")) {
		if (!parse_true(value))
			goto bad;
		p->flags |= WGC_PEER_UPDATE_ONLY;
	} else if (!strcmp(key, "preshared_key")) {
		if (!wgc_key_from_hex(p->preshared_key, value))
			goto bad;
		p->flags |= WGC_PEER_HAS_PRESHARED_KEY;
	} else if (!strcmp(key, "endpoint")) {
		if (!wgc_endpoint_parse_numeric(&p->endpoint, value))
			goto bad;
		p->flags |= WGC_PEER_HAS_ENDPOINT;
	} else if (!strcmp(key, "persistent_keepalive_interval")) {
		if (!wgc_parse_u64(value, 65535, &n))
			goto bad;
		p->persistent_keepalive = (uint16_t)n;
		p->flags |= WGC_PEER_HAS_PERSISTENT_KEEPALIVE;
	} else if (!strcmp(key, "replace_allowed_ips")) {
		if (!parse_true(value))
			goto bad;
		p->flags |= WGC_PEER_REPLACE_ALLOWEDIPS;
	} else if (!strcmp(key, "allowed_ip")) {
		struct wgc_allowed_ip ip, *slot;
		bool remove = value[0] == '-';

		if (!wgc_prefix_parse(&ip, value + remove, true))
			goto bad;
		ip.remove = remove;
		slot = wgc_model_add_allowed_ip(p);
		if (!slot) {
			set_err(err, "out of memory");
			return -ENOMEM;
		}
		*slot = ip;
	} else if (!strcmp(key, "protocol_version")) {
		if (strcmp(value, "1"))
			goto bad;
	} else if (!strcmp(key, "wgc_replace_endpoint_candidates")) {
		if (!parse_true(value))
			goto bad;
		p->flags |= WGC_PEER_HAS_CANDIDATES;
		p->candidates.n = 0;
	} else if (!strcmp(key, "wgc_candidate_address")) {
		if (!p->candidates.n ||
		    !wgc_endpoint_parse_numeric(&p->candidates.items[p->candidates.n - 1].addr, value))
			goto bad;
	} else if (!strcmp(key, "wgc_endpoint_candidate")) {
		int r = add_candidate_line(p, value);

		if (r == -ENOMEM) {
			set_err(err, "out of memory");
			return r;
		}
		if (r || !(p->flags & WGC_PEER_HAS_CANDIDATES))
			goto bad;
	} else {
		set_err(err, "invalid peer key '%s'", quotable_key(key));
		return -EINVAL;
	}
	return 0;
bad:
	set_err(err, "invalid value for %s: '%.64s'", key, strcmp(key, "preshared_key") ? value : "(hidden)");
	return -EINVAL;
}

/* Hands the peer parsed so far (if any) to fn and forgets it; fn's error stops the parse. */
static int flush_peer(struct wgc_device_model *d, wgc_uapi_peer_fn fn, void *ctx, char *err)
{
	int ret;

	if (!fn || !d->n_peers)
		return 0;
	ret = fn(ctx, d, &d->peers[0]);
	wgc_model_clear_peers(d);
	if (ret)
		set_err(err, "peer not applied: %s", strerror(-ret));
	return ret;
}

int wgc_uapi_parse_set_each(struct wgc_device_model *d, const char *buf, size_t len, char err[WGC_UAPI_ERRLEN],
			    wgc_uapi_peer_fn fn, void *ctx)
{
	struct line_reader r = { .buf = buf, .len = len };
	struct wgc_peer_model *peer = NULL;
	char *key, *value;
	int ret;

	memset(d, 0, sizeof(*d));
	if (len < 6 || memcmp(buf, "set=1\n", 6)) {
		set_err(err, "not a set=1 request");
		ret = -EPROTO;
		goto out;
	}
	r.pos = 6;
	while ((ret = next_line(&r, &key, &value, err)) > 0) {
		if (!strcmp(key, "public_key")) {
			ret = flush_peer(d, fn, ctx, err);
			if (ret)
				goto out;
			peer = wgc_model_add_peer(d);
			if (!peer) {
				set_err(err, "out of memory");
				ret = -ENOMEM;
				goto out;
			}
			if (!wgc_key_from_hex(peer->public_key, value)) {
				set_err(err, "invalid value for public_key: '%.64s'", value);
				ret = -EINVAL;
				goto out;
			}
			peer->flags |= WGC_PEER_HAS_PUBLIC_KEY;
			continue;
		}
		ret = peer ? set_peer_line(peer, key, value, err) : set_device_line(d, key, value, err);
		if (ret)
			goto out;
	}
	if (ret == 0 && r.pos != len) {
		set_err(err, "data after the empty line");
		ret = -EPROTO;
	}
	if (ret == 0)
		ret = flush_peer(d, fn, ctx, err);
out:
	wgc_wipe(r.line, sizeof(r.line));
	if (ret)
		wgc_model_free(d);
	return ret;
}

int wgc_uapi_parse_set(struct wgc_device_model *d, const char *buf, size_t len, char err[WGC_UAPI_ERRLEN])
{
	return wgc_uapi_parse_set_each(d, buf, len, err, NULL, NULL);
}

/* "NAME=VALUE" of a wgc_counter line; names are [a-z0-9_], at most 47 bytes. */
static int parse_counter(struct wgc_counter_list *l, char *value)
{
	char *eq = strchr(value, '=');
	uint64_t n;

	if (!eq || eq == value || (size_t)(eq - value) >= sizeof(l->items[0].name))
		return -EPROTO;
	*eq = '\0';
	if (strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_") != (size_t)(eq - value) ||
	    !wgc_parse_u64(eq + 1, UINT64_MAX, &n))
		return -EPROTO;
	return wgc_model_add_counter(l, value, n);
}

/* "REASON=ADDR:PORT" of a wgc_rejected_source line. */
static int parse_rejected_source(struct wgc_device_model *d, char *value)
{
	char *eq = strchr(value, '=');
	union wgc_endpoint ep;

	if (!eq || eq == value || (size_t)(eq - value) >= sizeof(d->rejected_sources.items[0].reason))
		return -EPROTO;
	*eq = '\0';
	if (strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_") != (size_t)(eq - value) ||
	    !wgc_endpoint_parse_numeric(&ep, eq + 1))
		return -EPROTO;
	return wgc_model_add_rejected_source(d, value, &ep);
}

/* A line about the peer's last candidate: address, current flag, counters. */
static int parse_candidate_state(struct wgc_peer_model *peer, const char *key, char *value)
{
	struct wgc_endpoint_candidate *c;
	uint64_t n;
	char *eq;

	if (!peer->candidates.n)
		return -EPROTO;
	c = &peer->candidates.items[peer->candidates.n - 1];
	if (!strcmp(key, "wgc_candidate_address"))
		return wgc_endpoint_parse_numeric(&c->addr, value) ? 0 : -EPROTO;
	if (!strcmp(key, "wgc_candidate_current")) {
		c->current = parse_true(value);
		return 0;
	}
	if (strcmp(key, "wgc_candidate_counter") || !(eq = strchr(value, '=')) ||
	    !wgc_parse_u64(eq + 1, INT64_MAX, &n))
		return strcmp(key, "wgc_candidate_counter") ? 1 : -EPROTO;
	*eq = '\0';
	if (!strcmp(value, "initiations_sent"))
		c->initiations_sent = n;
	else if (!strcmp(value, "last_reply"))
		c->last_reply = (int64_t)n;
	return 0;
}

/* wgcd's extension lines (doc/uapi.md); 1 when the key was not one of them. */
static int parse_extension_line(struct wgc_device_model *d, struct wgc_peer_model *peer, const char *key,
				char *value)
{
	if (!strcmp(key, "wgc_counter"))
		return parse_counter(peer ? &peer->counters : &d->counters, value);
	if (!peer && !strcmp(key, "wgc_rejected_source"))
		return parse_rejected_source(d, value);
	if (!peer && (!strcmp(key, "wgc_candidate_retry") || !strcmp(key, "wgc_reresolve_after")))
		return parse_interval(d, key, value) ? -EPROTO : 0;
	if (peer && !strncmp(key, "wgc_candidate", 13))
		return parse_candidate_state(peer, key, value);
	if (peer && !strcmp(key, "wgc_endpoint_candidate"))
		return add_candidate_line(peer, value) == -ENOMEM ? -ENOMEM : peer->candidates.n ? 0 : -EPROTO;
	return 1;
}

/*
 * The value of an errno= line as -N. wgcd and the kernel-compatible daemons
 * send "errno=N"; wireguard-go and wgcd's error paths send "errno=-N" (for
 * example errno=-98 for a port in use). wg shows strerror(N) for both.
 */
static bool parse_errno_value(const char *value, int *out)
{
	uint64_t n;

	if (value[0] == '-')
		value++;
	if (!wgc_parse_u64(value, INT32_MAX, &n))
		return false;
	*out = -(int)n;
	return true;
}

/* One peer key of a get reply: 0, 1 (not a peer key), -EPROTO (bad value) or -ENOMEM. */
static int get_peer_line(struct wgc_peer_model *peer, const char *key, const char *value)
{
	struct wgc_allowed_ip ip, *slot;
	uint64_t n;

	if (!strcmp(key, "preshared_key")) {
		if (!wgc_key_from_hex(peer->preshared_key, value))
			return -EPROTO;
		if (!wgc_is_zero(peer->preshared_key, WGC_KEY_LEN))
			peer->flags |= WGC_PEER_HAS_PRESHARED_KEY;
	} else if (!strcmp(key, "endpoint")) {
		if (!wgc_endpoint_parse_numeric(&peer->endpoint, value))
			return -EPROTO;
		peer->flags |= WGC_PEER_HAS_ENDPOINT;
	} else if (!strcmp(key, "persistent_keepalive_interval")) {
		if (!wgc_parse_u64(value, 65535, &n))
			return -EPROTO;
		peer->persistent_keepalive = (uint16_t)n;
		peer->flags |= WGC_PEER_HAS_PERSISTENT_KEEPALIVE;
	} else if (!strcmp(key, "allowed_ip")) {
		if (!wgc_prefix_parse(&ip, value, true))
			return -EPROTO;
		slot = wgc_model_add_allowed_ip(peer);
		if (!slot)
			return -ENOMEM;
		*slot = ip;
	} else if (!strcmp(key, "last_handshake_time_sec") || !strcmp(key, "last_handshake_time_nsec")) {
		if (!wgc_parse_u64(value, INT64_MAX, &n))
			return -EPROTO;
		if (!strcmp(key, "last_handshake_time_sec"))
			peer->last_handshake_sec = (int64_t)n;
		else
			peer->last_handshake_nsec = (int64_t)n;
	} else if (!strcmp(key, "rx_bytes") || !strcmp(key, "tx_bytes")) {
		if (!wgc_parse_u64(value, UINT64_MAX, !strcmp(key, "rx_bytes") ? &peer->rx_bytes : &peer->tx_bytes))
			return -EPROTO;
	} else {
		return 1;
	}
	return 0;
}

int wgc_uapi_parse_get(struct wgc_device_model *d, const char *buf, size_t len, char err[WGC_UAPI_ERRLEN])
{
	struct line_reader r = { .buf = buf, .len = len };
	struct wgc_peer_model *peer = NULL;
	char *key, *value;
	int ret, daemon_errno = -EPROTO;
	uint64_t n;

	memset(d, 0, sizeof(*d));
	while ((ret = next_line(&r, &key, &value, err)) > 0) {
		ret = -EPROTO;
		if (!peer && !strcmp(key, "private_key")) {
			if (!wgc_key_from_hex(d->private_key, value))
				goto bad;
			d->flags |= WGC_DEVICE_HAS_PRIVATE_KEY;
			if (wgc_x25519_public(d->public_key, d->private_key))
				d->flags |= WGC_DEVICE_HAS_PUBLIC_KEY;
		} else if (!peer && !strcmp(key, "listen_port")) {
			if (!wgc_parse_u64(value, 65535, &n))
				goto bad;
			d->listen_port = (uint16_t)n;
			d->flags |= WGC_DEVICE_HAS_LISTEN_PORT;
		} else if (!peer && !strcmp(key, "fwmark")) {
			if (!wgc_parse_u64(value, UINT32_MAX, &n))
				goto bad;
			d->fwmark = (uint32_t)n;
			d->flags |= WGC_DEVICE_HAS_FWMARK;
		} else if (!strcmp(key, "public_key")) {
			peer = wgc_model_add_peer(d);
			if (!peer) {
				ret = -ENOMEM;
				goto out;
			}
			if (!wgc_key_from_hex(peer->public_key, value))
				goto bad;
			peer->flags |= WGC_PEER_HAS_PUBLIC_KEY;
		} else if (peer && (ret = get_peer_line(peer, key, value)) <= 0) {
			if (ret == -ENOMEM)
				goto out;
			if (ret < 0)
				goto bad;
		} else if (!strcmp(key, "errno")) {
			if (!parse_errno_value(value, &daemon_errno))
				goto bad;
		} else if (!strncmp(key, "wgc_", 4)) {
			ret = parse_extension_line(d, peer, key, value);
			if (ret < 0 && ret != -EPROTO)
				goto out;
			if (ret < 0)
				goto bad;
		}
		/* Anything else is a key from a newer daemon: skipped, as wg does. */
	}
	if (ret == 0)
		ret = daemon_errno;
	if (ret == -EPROTO && daemon_errno == -EPROTO)
		set_err(err, "reply without errno");
	goto out;
bad:
	set_err(err, "malformed %s in reply", key);
out:
	wgc_wipe(r.line, sizeof(r.line));
	if (ret)
		wgc_model_free(d);
	return ret;
}

int wgc_uapi_parse_errno(const char *buf, size_t len)
{
	struct line_reader r = { .buf = buf, .len = len };
	char *key, *value;
	int ret, result = -EPROTO;

	while ((ret = next_line(&r, &key, &value, NULL)) > 0) {
		if (strcmp(key, "errno") || !parse_errno_value(value, &result))
			return -EPROTO;
	}
	return ret ? ret : result;
}

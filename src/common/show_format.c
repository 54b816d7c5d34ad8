// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/show_format.h"
#include "core/crypto.h"
#include "core/encoding.h"

#define RESET "\x1b[0m"
#define BOLD "\x1b[1m"
#define RED "\x1b[31m"
#define GREEN "\x1b[32m"
#define YELLOW "\x1b[33m"
#define CYAN "\x1b[36m"

void wgc_show_strip_ansi(struct wgc_strbuf *out, size_t from)
{
	char *s;
	size_t len, i, j, w;

	if (!out->data || out->len <= from)
		return;
	s = out->data + from;
	len = out->len - from;
	/*
	 * wg blanks "ESC[" up to and including the next letter, scanning only
	 * while at least three bytes remain, then prints what is left.
	 */
	for (i = 0; len >= 2 && i < len - 2; i++) {
		if (s[i] == '\x1b' && s[i + 1] == '[') {
			s[i] = s[i + 1] = '\0';
			for (j = i + 2; j < len; j++) {
				if ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z'))
					break;
				s[j] = '\0';
			}
			if (j < len)
				s[j] = '\0';
		}
	}
	for (i = 0, w = 0; i < len; i++)
		if (s[i])
			s[w++] = s[i];
	out->len = from + w;
	out->data[out->len] = '\0';
}

/* One terminal_printf of wg: colour codes kept or stripped per call. */
static void tprintf(struct wgc_strbuf *out, bool color, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tprintf(struct wgc_strbuf *out, bool color, const char *fmt, ...)
{
	size_t start = out->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !wgc_strbuf_reserve(out, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(out->data + out->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out->len += (size_t)n;
	if (!color)
		wgc_show_strip_ansi(out, start);
}

void wgc_show_pretty_time(struct wgc_strbuf *out, uint64_t left)
{
	static const struct {
		uint64_t secs;
		const char *name;
	} units[] = { { 365ULL * 24 * 60 * 60, "year" }, { 24 * 60 * 60, "day" }, { 60 * 60, "hour" },
		      { 60, "minute" }, { 1, "second" } };
	bool first = true;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t n = left / units[i].secs;

		left %= units[i].secs;
		if (!n)
			continue;
		wgc_strbuf_printf(out, "%s%" PRIu64 " " CYAN "%s%s" RESET, first ? "" : ", ", n, units[i].name,
				  n == 1 ? "" : "s");
		first = false;
	}
}

void wgc_show_bytes(struct wgc_strbuf *out, uint64_t b)
{
	if (b < 1024ULL)
		wgc_strbuf_printf(out, "%u " CYAN "B" RESET, (unsigned int)b);
	else if (b < 1024ULL * 1024)
		wgc_strbuf_printf(out, "%.2f " CYAN "KiB" RESET, (double)b / 1024);
	else if (b < 1024ULL * 1024 * 1024)
		wgc_strbuf_printf(out, "%.2f " CYAN "MiB" RESET, (double)b / (1024 * 1024));
	else if (b < 1024ULL * 1024 * 1024 * 1024)
		wgc_strbuf_printf(out, "%.2f " CYAN "GiB" RESET, (double)b / (1024 * 1024 * 1024));
	else
		wgc_strbuf_printf(out, "%.2f " CYAN "TiB" RESET, (double)b / (1024 * 1024 * 1024) / 1024);
}

void wgc_show_ago(struct wgc_strbuf *out, int64_t sec, time_t now)
{
	if ((int64_t)now == sec) {
		wgc_strbuf_printf(out, "Now");
	} else if ((int64_t)now < sec) {
		wgc_strbuf_printf(out, "(" RED "System clock wound backward; connection problems may ensue." RESET ")");
	} else {
		wgc_show_pretty_time(out, (uint64_t)((int64_t)now - sec));
		wgc_strbuf_printf(out, " ago");
	}
}

static int peer_cmp(const struct wgc_peer_model *a, const struct wgc_peer_model *b)
{
	bool a_never = !a->last_handshake_sec && !a->last_handshake_nsec;
	bool b_never = !b->last_handshake_sec && !b->last_handshake_nsec;
	int64_t diff;

	if (a_never && !b_never)
		return 1;
	if (b_never && !a_never)
		return -1;
	diff = a->last_handshake_sec - b->last_handshake_sec;
	if (!diff)
		diff = a->last_handshake_nsec - b->last_handshake_nsec;
	return diff < 0 ? 1 : diff > 0 ? -1 : 0;
}

static void merge_sort(const struct wgc_peer_model *peers, size_t *v, size_t *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(peers, v, tmp, mid);
	merge_sort(peers, v + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = peer_cmp(&peers[v[j]], &peers[v[i]]) < 0 ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

bool wgc_show_sorted_peers(const struct wgc_device_model *dev, size_t **order)
{
	size_t *v = calloc(dev->n_peers + 1, sizeof(*v)), *tmp = calloc(dev->n_peers + 1, sizeof(*tmp));

	*order = NULL;
	if (!v || !tmp) {
		free(v);
		free(tmp);
		return false;
	}
	for (size_t i = 0; i < dev->n_peers; i++)
		v[i] = i;
	merge_sort(dev->peers, v, tmp, dev->n_peers);
	free(tmp);
	*order = v;
	return true;
}

static bool has_endpoint(const struct wgc_peer_model *p)
{
	return p->endpoint.addr.sa_family == AF_INET || p->endpoint.addr.sa_family == AF_INET6;
}

/* The candidates other than the current one, under the peer (wg has no such line). */
static void pretty_other_candidates(struct wgc_strbuf *out, const struct wgc_peer_model *p, bool color)
{
	char ep[WGC_ENDPOINT_STRLEN];
	bool first = true;

	if (p->candidates.n < 2)
		return;
	for (size_t i = 0; i < p->candidates.n; i++) {
		const struct wgc_endpoint_candidate *c = &p->candidates.items[i];

		if (c->current)
			continue;
		tprintf(out, color, "%s%s", first ? "  " BOLD "other candidates" RESET ": " : ", ", c->text);
		if (wgc_endpoint_format(ep, &c->addr) && strcmp(ep, c->text))
			tprintf(out, color, " (%s)", ep);
		first = false;
	}
	if (!first)
		tprintf(out, color, "\n");
}

void wgc_show_endpoint_lines(struct wgc_strbuf *out, const struct wgc_peer_model *p)
{
	char ep[WGC_ENDPOINT_STRLEN];

	if (p->candidates.n >= 2) {
		for (size_t i = 0; i < p->candidates.n; i++)
			wgc_strbuf_printf(out, "Endpoint = %s\n", p->candidates.items[i].text);
	} else if (has_endpoint(p) && wgc_endpoint_format(ep, &p->endpoint)) {
		wgc_strbuf_printf(out, "Endpoint = %s\n", ep);
	}
}

void wgc_show_conf(struct wgc_strbuf *out, const struct wgc_device_model *dev)
{
	char k[WGC_KEY_B64_LEN], pfx[WGC_PREFIX_STRLEN];

	wgc_strbuf_printf(out, "[Interface]\n");
	if (dev->listen_port)
		wgc_strbuf_printf(out, "ListenPort = %u\n", dev->listen_port);
	if (dev->fwmark)
		wgc_strbuf_printf(out, "FwMark = 0x%x\n", dev->fwmark);
	if (dev->flags & WGC_DEVICE_HAS_PRIVATE_KEY) {
		wgc_key_to_base64(k, dev->private_key);
		wgc_strbuf_printf(out, "PrivateKey = %s\n", k);
	}
	wgc_strbuf_printf(out, "\n");
	for (size_t n = 0; n < dev->n_peers; n++) {
		const struct wgc_peer_model *p = &dev->peers[n];
		bool first = true;

		wgc_key_to_base64(k, p->public_key);
		wgc_strbuf_printf(out, "[Peer]\nPublicKey = %s\n", k);
		if (p->flags & WGC_PEER_HAS_PRESHARED_KEY) {
			wgc_key_to_base64(k, p->preshared_key);
			wgc_strbuf_printf(out, "PresharedKey = %s\n", k);
		}
		for (size_t i = 0; i < p->n_allowed_ips; i++) {
			if (p->allowed_ips[i].family != AF_INET && p->allowed_ips[i].family != AF_INET6)
				continue;
			wgc_prefix_format(pfx, &p->allowed_ips[i]);
			wgc_strbuf_printf(out, "%s%s", first ? "AllowedIPs = " : ", ", pfx);
			first = false;
		}
		if (!first)
			wgc_strbuf_printf(out, "\n");
		wgc_show_endpoint_lines(out, p);
		if (p->persistent_keepalive)
			wgc_strbuf_printf(out, "PersistentKeepalive = %u\n", p->persistent_keepalive);
		if (n + 1 < dev->n_peers)
			wgc_strbuf_printf(out, "\n");
	}
	wgc_wipe(k, sizeof(k));
}

static void key_text(char out[WGC_KEY_B64_LEN], const uint8_t key[WGC_KEY_LEN])
{
	wgc_key_to_base64(out, key);
}

static void allowed_ip_text(char out[WGC_PREFIX_STRLEN], const struct wgc_allowed_ip *ip)
{
	/* wg prints the address and "/" + cidr separately; family-less entries print empty. */
	if (ip->family == AF_INET || ip->family == AF_INET6)
		wgc_prefix_format(out, ip);
	else
		snprintf(out, WGC_PREFIX_STRLEN, "/%u", ip->cidr);
}

/* One peer of the human form; tmp is scratch space (its failure is the caller's to report). */
static void pretty_peer(struct wgc_strbuf *out, const struct wgc_peer_model *p, time_t now, bool color,
			bool hide_keys, struct wgc_strbuf *tmp)
{
	char k[WGC_KEY_B64_LEN], ep[WGC_ENDPOINT_STRLEN], pfx[WGC_PREFIX_STRLEN];

	key_text(k, p->public_key);
	tprintf(out, color, YELLOW BOLD "peer" RESET ": " YELLOW "%s" RESET "\n", k);
	if (p->flags & WGC_PEER_HAS_PRESHARED_KEY) {
		key_text(k, p->preshared_key);
		tprintf(out, color, "  " BOLD "preshared key" RESET ": %s\n", hide_keys ? "(hidden)" : k);
	}
	if (has_endpoint(p)) {
		wgc_endpoint_format(ep, &p->endpoint);
		tprintf(out, color, "  " BOLD "endpoint" RESET ": %s\n", ep);
	}
	pretty_other_candidates(out, p, color);
	tprintf(out, color, "  " BOLD "allowed ips" RESET ": ");
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		char *slash;

		allowed_ip_text(pfx, &p->allowed_ips[i]);
		slash = strrchr(pfx, '/');
		*slash = '\0';
		tprintf(out, color, "%s" CYAN "/" RESET "%s%s", pfx, slash + 1,
			i + 1 < p->n_allowed_ips ? ", " : "\n");
	}
	if (!p->n_allowed_ips)
		tprintf(out, color, "(none)\n");
	if (p->last_handshake_sec) {
		wgc_show_ago(tmp, p->last_handshake_sec, now);
		tprintf(out, color, "  " BOLD "latest handshake" RESET ": %s\n", tmp->data ? tmp->data : "");
		tmp->len = 0;
	}
	if (p->rx_bytes || p->tx_bytes) {
		tprintf(out, color, "  " BOLD "transfer" RESET ": ");
		wgc_show_bytes(tmp, p->rx_bytes);
		tprintf(out, color, "%s received, ", tmp->data ? tmp->data : "");
		tmp->len = 0;
		wgc_show_bytes(tmp, p->tx_bytes);
		tprintf(out, color, "%s sent\n", tmp->data ? tmp->data : "");
		tmp->len = 0;
	}
	if (p->persistent_keepalive) {
		wgc_strbuf_printf(tmp, "every ");
		wgc_show_pretty_time(tmp, p->persistent_keepalive);
		tprintf(out, color, "  " BOLD "persistent keepalive" RESET ": %s\n", tmp->data ? tmp->data : "");
		tmp->len = 0;
	}
	wgc_wipe(k, sizeof(k)); /* held the preshared key */
}

void wgc_show_pretty(struct wgc_strbuf *out, const struct wgc_device_model *dev, time_t now, bool color,
		     bool hide_keys)
{
	char k[WGC_KEY_B64_LEN];
	struct wgc_strbuf tmp = { 0 };
	size_t *order = NULL;

	tprintf(out, color, RESET);
	tprintf(out, color, GREEN BOLD "interface" RESET ": " GREEN "%s" RESET "\n", dev->name);
	if (dev->flags & WGC_DEVICE_HAS_PUBLIC_KEY) {
		key_text(k, dev->public_key);
		tprintf(out, color, "  " BOLD "public key" RESET ": %s\n", k);
	}
	if (dev->flags & WGC_DEVICE_HAS_PRIVATE_KEY) {
		key_text(k, dev->private_key);
		tprintf(out, color, "  " BOLD "private key" RESET ": %s\n", hide_keys ? "(hidden)" : k);
	}
	if (dev->listen_port)
		tprintf(out, color, "  " BOLD "listening port" RESET ": %u\n", dev->listen_port);
	if (dev->fwmark)
		tprintf(out, color, "  " BOLD "fwmark" RESET ": 0x%x\n", dev->fwmark);
	if (dev->n_peers) {
		if (!wgc_show_sorted_peers(dev, &order)) {
			out->failed = true;
			goto out;
		}
		tprintf(out, color, "\n");
	}
	for (size_t n = 0; n < dev->n_peers; n++) {
		pretty_peer(out, &dev->peers[order[n]], now, color, hide_keys, &tmp);
		if (n + 1 < dev->n_peers)
			tprintf(out, color, "\n");
	}
out:
	if (tmp.failed)
		out->failed = true;
	wgc_wipe(k, sizeof(k)); /* held the private key */
	wgc_strbuf_free(&tmp);
	free(order);
}

static const char *maybe_key(char out[WGC_KEY_B64_LEN], const uint8_t key[WGC_KEY_LEN], bool have)
{
	if (!have)
		return "(none)";
	key_text(out, key);
	return out;
}

static void prefix_if(struct wgc_strbuf *out, const struct wgc_device_model *dev, bool with_interface)
{
	if (with_interface)
		wgc_strbuf_printf(out, "%s\t", dev->name);
}

static void dump(struct wgc_strbuf *out, const struct wgc_device_model *dev, bool with_interface)
{
	char k[WGC_KEY_B64_LEN], ep[WGC_ENDPOINT_STRLEN], pfx[WGC_PREFIX_STRLEN];

	prefix_if(out, dev, with_interface);
	wgc_strbuf_printf(out, "%s\t", maybe_key(k, dev->private_key, dev->flags & WGC_DEVICE_HAS_PRIVATE_KEY));
	wgc_strbuf_printf(out, "%s\t", maybe_key(k, dev->public_key, dev->flags & WGC_DEVICE_HAS_PUBLIC_KEY));
	wgc_strbuf_printf(out, "%u\t", dev->listen_port);
	if (dev->fwmark)
		wgc_strbuf_printf(out, "0x%x\n", dev->fwmark);
	else
		wgc_strbuf_printf(out, "off\n");
	for (size_t n = 0; n < dev->n_peers; n++) {
		const struct wgc_peer_model *p = &dev->peers[n];

		prefix_if(out, dev, with_interface);
		wgc_strbuf_printf(out, "%s\t", maybe_key(k, p->public_key, true));
		wgc_strbuf_printf(out, "%s\t", maybe_key(k, p->preshared_key, p->flags & WGC_PEER_HAS_PRESHARED_KEY));
		if (has_endpoint(p)) {
			wgc_endpoint_format(ep, &p->endpoint);
			wgc_strbuf_printf(out, "%s\t", ep);
		} else {
			wgc_strbuf_printf(out, "(none)\t");
		}
		for (size_t i = 0; i < p->n_allowed_ips; i++) {
			allowed_ip_text(pfx, &p->allowed_ips[i]);
			wgc_strbuf_printf(out, "%s%c", pfx, i + 1 < p->n_allowed_ips ? ',' : '\t');
		}
		if (!p->n_allowed_ips)
			wgc_strbuf_printf(out, "(none)\t");
		wgc_strbuf_printf(out, "%llu\t", (unsigned long long)p->last_handshake_sec);
		wgc_strbuf_printf(out, "%" PRIu64 "\t%" PRIu64 "\t", p->rx_bytes, p->tx_bytes);
		if (p->persistent_keepalive)
			wgc_strbuf_printf(out, "%u\n", p->persistent_keepalive);
		else
			wgc_strbuf_printf(out, "off\n");
	}
	wgc_wipe(k, sizeof(k));
}

bool wgc_show_field(struct wgc_strbuf *out, const struct wgc_device_model *dev, const char *param,
		    bool with_interface)
{
	char k[WGC_KEY_B64_LEN], ep[WGC_ENDPOINT_STRLEN], pfx[WGC_PREFIX_STRLEN];
	bool per_peer = true;

	if (!strcmp(param, "public-key")) {
		prefix_if(out, dev, with_interface);
		wgc_strbuf_printf(out, "%s\n", maybe_key(k, dev->public_key, dev->flags & WGC_DEVICE_HAS_PUBLIC_KEY));
		per_peer = false;
	} else if (!strcmp(param, "private-key")) {
		prefix_if(out, dev, with_interface);
		wgc_strbuf_printf(out, "%s\n", maybe_key(k, dev->private_key, dev->flags & WGC_DEVICE_HAS_PRIVATE_KEY));
		per_peer = false;
	} else if (!strcmp(param, "listen-port")) {
		prefix_if(out, dev, with_interface);
		wgc_strbuf_printf(out, "%u\n", dev->listen_port);
		per_peer = false;
	} else if (!strcmp(param, "fwmark")) {
		prefix_if(out, dev, with_interface);
		if (dev->fwmark)
			wgc_strbuf_printf(out, "0x%x\n", dev->fwmark);
		else
			wgc_strbuf_printf(out, "off\n");
		per_peer = false;
	} else if (!strcmp(param, "dump")) {
		dump(out, dev, with_interface);
		per_peer = false;
	} else if (strcmp(param, "endpoints") && strcmp(param, "allowed-ips") && strcmp(param, "latest-handshakes") &&
		   strcmp(param, "transfer") && strcmp(param, "persistent-keepalive") &&
		   strcmp(param, "preshared-keys") && strcmp(param, "peers")) {
		return false;
	}
	for (size_t n = 0; per_peer && n < dev->n_peers; n++) {
		const struct wgc_peer_model *p = &dev->peers[n];

		prefix_if(out, dev, with_interface);
		key_text(k, p->public_key);
		if (!strcmp(param, "endpoints")) {
			if (has_endpoint(p))
				wgc_endpoint_format(ep, &p->endpoint);
			wgc_strbuf_printf(out, "%s\t%s\n", k, has_endpoint(p) ? ep : "(none)");
		} else if (!strcmp(param, "allowed-ips")) {
			wgc_strbuf_printf(out, "%s\t", k);
			for (size_t i = 0; i < p->n_allowed_ips; i++) {
				allowed_ip_text(pfx, &p->allowed_ips[i]);
				wgc_strbuf_printf(out, "%s%c", pfx, i + 1 < p->n_allowed_ips ? ' ' : '\n');
			}
			if (!p->n_allowed_ips)
				wgc_strbuf_printf(out, "(none)\n");
		} else if (!strcmp(param, "latest-handshakes")) {
			wgc_strbuf_printf(out, "%s\t%llu\n", k, (unsigned long long)p->last_handshake_sec);
		} else if (!strcmp(param, "transfer")) {
			wgc_strbuf_printf(out, "%s\t%" PRIu64 "\t%" PRIu64 "\n", k, p->rx_bytes, p->tx_bytes);
		} else if (!strcmp(param, "persistent-keepalive")) {
			if (p->persistent_keepalive)
				wgc_strbuf_printf(out, "%s\t%u\n", k, p->persistent_keepalive);
			else
				wgc_strbuf_printf(out, "%s\toff\n", k);
		} else if (!strcmp(param, "preshared-keys")) {
			wgc_strbuf_printf(out, "%s\t", k);
			wgc_strbuf_printf(out, "%s\n", maybe_key(k, p->preshared_key, p->flags & WGC_PEER_HAS_PRESHARED_KEY));
		} else {
			wgc_strbuf_printf(out, "%s\n", k);
		}
	}
	wgc_wipe(k, sizeof(k));
	return true;
}

static void json_string(struct wgc_strbuf *out, const char *s)
{
	wgc_strbuf_printf(out, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			wgc_strbuf_printf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			wgc_strbuf_printf(out, "\\u%04x", ch);
		else
			wgc_strbuf_append(out, (const char *)&ch, 1);
	}
	wgc_strbuf_printf(out, "\"");
}

static void json_key_or_null(struct wgc_strbuf *out, const char *name, const uint8_t key[WGC_KEY_LEN], bool have)
{
	char k[WGC_KEY_B64_LEN];

	wgc_strbuf_printf(out, "\"%s\": ", name);
	if (have) {
		key_text(k, key);
		json_string(out, k);
		wgc_wipe(k, sizeof(k));
	} else {
		wgc_strbuf_printf(out, "null");
	}
}

/* `, "counters": {...}` when the backend reported counters; nothing otherwise. */
static void json_counters(struct wgc_strbuf *out, const struct wgc_counter_list *l)
{
	if (!l->n)
		return;
	wgc_strbuf_printf(out, ", \"counters\": {");
	for (size_t i = 0; i < l->n; i++) {
		wgc_strbuf_printf(out, "%s", i ? ", " : "");
		json_string(out, l->items[i].name);
		wgc_strbuf_printf(out, ": %" PRIu64, l->items[i].value);
	}
	wgc_strbuf_printf(out, "}");
}

/*
 * `, "endpoint_candidates": [{"endpoint", "address", "current", "last_reply",
 * "initiations_sent"}, ...]` in order of preference, for a peer with
 * candidates or an endpoint name (wgcd); nothing otherwise.
 */
static void json_candidates(struct wgc_strbuf *out, const struct wgc_candidate_list *l)
{
	char ep[WGC_ENDPOINT_STRLEN];

	if (!l->n)
		return;
	wgc_strbuf_printf(out, ", \"endpoint_candidates\": [");
	for (size_t i = 0; i < l->n; i++) {
		const struct wgc_endpoint_candidate *c = &l->items[i];

		wgc_strbuf_printf(out, "%s{\"endpoint\": ", i ? ", " : "");
		json_string(out, c->text);
		wgc_strbuf_printf(out, ", \"address\": ");
		if (wgc_endpoint_format(ep, &c->addr))
			json_string(out, ep);
		else
			wgc_strbuf_printf(out, "null");
		wgc_strbuf_printf(out, ", \"current\": %s, \"last_reply\": %" PRId64 ", \"initiations_sent\": %" PRIu64 "}",
				  c->current ? "true" : "false", c->last_reply, c->initiations_sent);
	}
	wgc_strbuf_printf(out, "]");
}

/* `, "rejected_sources": {REASON: ["addr:port", ...]}`, most recent first, when any. */
static void json_rejected_sources(struct wgc_strbuf *out, const struct wgc_rejected_source_list *l)
{
	char ep[WGC_ENDPOINT_STRLEN];
	const char *open_reason = NULL;

	if (!l->n)
		return;
	wgc_strbuf_printf(out, ", \"rejected_sources\": {");
	for (size_t i = 0; i < l->n; i++) {
		/* the daemon lists each reason's sources together */
		if (!open_reason || strcmp(open_reason, l->items[i].reason)) {
			wgc_strbuf_printf(out, "%s", open_reason ? "], " : "");
			json_string(out, l->items[i].reason);
			wgc_strbuf_printf(out, ": [");
			open_reason = l->items[i].reason;
		} else {
			wgc_strbuf_printf(out, ", ");
		}
		if (!wgc_endpoint_format(ep, &l->items[i].from))
			snprintf(ep, sizeof(ep), "?");
		json_string(out, ep);
	}
	wgc_strbuf_printf(out, "]}");
}

void wgc_show_json(struct wgc_strbuf *out, const struct wgc_device_model *dev, time_t now)
{
	char ep[WGC_ENDPOINT_STRLEN], pfx[WGC_PREFIX_STRLEN];

	wgc_strbuf_printf(out, "{\"interface\": ");
	json_string(out, dev->name);
	wgc_strbuf_printf(out, ", ");
	json_key_or_null(out, "public_key", dev->public_key, dev->flags & WGC_DEVICE_HAS_PUBLIC_KEY);
	wgc_strbuf_printf(out, ", ");
	json_key_or_null(out, "private_key", dev->private_key, dev->flags & WGC_DEVICE_HAS_PRIVATE_KEY);
	wgc_strbuf_printf(out, ", \"listen_port\": %u, \"fwmark\": %" PRIu32, dev->listen_port, dev->fwmark);
	json_counters(out, &dev->counters);
	json_rejected_sources(out, &dev->rejected_sources);
	wgc_strbuf_printf(out, ", \"peers\": [");
	for (size_t n = 0; n < dev->n_peers; n++) {
		const struct wgc_peer_model *p = &dev->peers[n];
		bool never = !p->last_handshake_sec && !p->last_handshake_nsec;
		int64_t age = (int64_t)now - p->last_handshake_sec;

		wgc_strbuf_printf(out, "%s{", n ? ", " : "");
		json_key_or_null(out, "public_key", p->public_key, true);
		wgc_strbuf_printf(out, ", ");
		json_key_or_null(out, "preshared_key", p->preshared_key, p->flags & WGC_PEER_HAS_PRESHARED_KEY);
		wgc_strbuf_printf(out, ", \"endpoint\": ");
		if (has_endpoint(p)) {
			wgc_endpoint_format(ep, &p->endpoint);
			json_string(out, ep);
		} else {
			wgc_strbuf_printf(out, "null");
		}
		wgc_strbuf_printf(out, ", \"allowed_ips\": [");
		for (size_t i = 0; i < p->n_allowed_ips; i++) {
			allowed_ip_text(pfx, &p->allowed_ips[i]);
			wgc_strbuf_printf(out, "%s", i ? ", " : "");
			json_string(out, pfx);
		}
		wgc_strbuf_printf(out, "], \"latest_handshake\": %" PRId64 ", \"latest_handshake_nsec\": %" PRId64,
				  p->last_handshake_sec, p->last_handshake_nsec);
		if (never)
			wgc_strbuf_printf(out, ", \"seconds_since_handshake\": null");
		else
			wgc_strbuf_printf(out, ", \"seconds_since_handshake\": %" PRId64, age < 0 ? 0 : age);
		wgc_strbuf_printf(out, ", \"up\": %s", !never && age < WGC_SHOW_UP_SECONDS ? "true" : "false");
		wgc_strbuf_printf(out, ", \"transfer_rx\": %" PRIu64 ", \"transfer_tx\": %" PRIu64, p->rx_bytes,
				  p->tx_bytes);
		wgc_strbuf_printf(out, ", \"persistent_keepalive\": %u", p->persistent_keepalive);
		json_counters(out, &p->counters);
		json_candidates(out, &p->candidates);
		wgc_strbuf_printf(out, "}");
	}
	wgc_strbuf_printf(out, "]}");
}

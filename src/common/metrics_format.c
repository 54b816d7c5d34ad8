// SPDX-License-Identifier: MIT
/*
 * Families must be contiguous in the text format (one HELP/TYPE, then every
 * sample), so the formatter walks the devices once per family. The backend's
 * counters are mapped to families by name (see family_of): rejections and
 * drops become one family each with a `reason` label, which is what a
 * dashboard wants to stack; the rest become one counter family per name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/counter_view.h"
#include "common/metrics_format.h"
#include "core/encoding.h"

enum { FAMILY_LEN = 96, COUNTER_NAME_MAX = 47 };

struct family {
	char name[FAMILY_LEN];
	bool peer, gauge;
	bool micro;  /* the backend counts microseconds (NAME_us): exported in seconds */
	const char *help;
};

struct families {
	struct family *items;
	size_t n, cap;
	bool failed;
};

void wgc_metrics_label_value(struct wgc_strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			wgc_strbuf_append(out, "\\\\", 2);
		else if (*s == '"')
			wgc_strbuf_append(out, "\\\"", 2);
		else if (*s == '\n')
			wgc_strbuf_append(out, "\\n", 2);
		else
			wgc_strbuf_append(out, s, 1);
	}
}

/* A counter name from the backend is used in a metric name only when it is [a-z0-9_]+. */
static bool valid_counter_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > COUNTER_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static const struct {
	const char *prefix, *family, *help;
} reason_families[] = {
	{ "rejected_", "handshake_rejected_total", "Handshake messages rejected, by reason" },
	{ "data_rejected_", "data_rejected_total", "Data packets received and rejected, by reason" },
	{ "data_dropped_", "data_dropped_total", "Outgoing data packets dropped, by reason" },
};

/*
 * The family of counter `name` (device or peer scope), and the reason label
 * (empty when none). Timestamps and other last_* values are gauges.
 */
static void family_of(const char *name, bool peer, struct family *f, const char **reason)
{
	const char *scope = peer ? "wgc_peer_" : "wgc_device_";

	size_t len = strlen(name);

	*reason = "";
	f->peer = peer;
	f->gauge = false;
	f->micro = false;
	for (size_t i = 0; i < sizeof(reason_families) / sizeof(reason_families[0]); i++) {
		size_t pl = strlen(reason_families[i].prefix);

		if (!strncmp(name, reason_families[i].prefix, pl) && name[pl]) {
			snprintf(f->name, sizeof(f->name), "%s%s", scope, reason_families[i].family);
			f->help = reason_families[i].help;
			*reason = name + pl;
			return;
		}
	}
	if (!strcmp(name, "last_handshake_attempt")) {
		snprintf(f->name, sizeof(f->name), "%slast_handshake_attempt_seconds", scope);
		f->gauge = true;
		f->help = "Unix time of the last handshake initiation sent (0: never)";
	} else if (!strncmp(name, "last_", 5)) {
		snprintf(f->name, sizeof(f->name), "%s%s", scope, name);
		f->gauge = true;
		f->help = "Most recent value reported by the backend";
	} else if (len > 3 && !strcmp(name + len - 3, "_us")) {
		/* Prometheus wants base units: a time counted in microseconds is exported in seconds */
		snprintf(f->name, sizeof(f->name), "%s%.*s_seconds_total", scope, (int)(len - 3), name);
		f->micro = true;
		f->help = "Time counted by the backend, in seconds";
	} else {
		snprintf(f->name, sizeof(f->name), "%s%s_total", scope, name);
		f->help = "Counter reported by the backend";
	}
}

static void families_add(struct families *fs, const struct family *f)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->items[i].name, f->name))
			return;
	if (fs->n == fs->cap) {
		size_t ncap = fs->cap ? fs->cap * 2 : 32;
		struct family *p = realloc(fs->items, ncap * sizeof(*p));

		if (!p) {
			fs->failed = true;
			return;
		}
		fs->items = p;
		fs->cap = ncap;
	}
	fs->items[fs->n++] = *f;
}

static void collect_families(struct families *fs, const struct wgc_device_model *devs, size_t n)
{
	struct family f;
	const char *reason, *name;
	uint64_t v;

	for (size_t d = 0; d < n; d++) {
		for (size_t i = 0; i < wgc_cv_device_count(&devs[d]); i++)
			if ((name = wgc_cv_device_at(&devs[d], i, &v)) && valid_counter_name(name)) {
				family_of(name, false, &f, &reason);
				families_add(fs, &f);
			}
		for (size_t p = 0; p < devs[d].n_peers; p++)
			for (size_t i = 0; i < wgc_cv_peer_count(&devs[d].peers[p]); i++)
				if ((name = wgc_cv_peer_at(&devs[d].peers[p], i, &v)) && valid_counter_name(name)) {
					family_of(name, true, &f, &reason);
					families_add(fs, &f);
				}
	}
}

static void header(struct wgc_strbuf *out, const char *name, const char *help, bool gauge)
{
	wgc_strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, gauge ? "gauge" : "counter");
}

/* interface="..",public_key="..",allowed_ips=".."[,friendly_name=".."] */
static void peer_labels(struct wgc_strbuf *out, const struct wgc_device_model *dev, const struct wgc_peer_model *p,
			const struct wgc_peer_names *names)
{
	char b64[WGC_KEY_B64_LEN], pfx[WGC_PREFIX_STRLEN];
	const char *fname = names ? wgc_peer_names_find(names, p->public_key) : NULL;

	wgc_key_to_base64(b64, p->public_key);
	wgc_strbuf_printf(out, "interface=\"");
	wgc_metrics_label_value(out, dev->name);
	wgc_strbuf_printf(out, "\",public_key=\"%s\",allowed_ips=\"", b64);
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		wgc_prefix_format(pfx, &p->allowed_ips[i]);
		wgc_strbuf_printf(out, "%s%s", i ? "," : "", pfx);
	}
	wgc_strbuf_printf(out, "\"");
	if (fname) {
		wgc_strbuf_printf(out, ",friendly_name=\"");
		wgc_metrics_label_value(out, fname);
		wgc_strbuf_printf(out, "\"");
	}
}

enum peer_value { PEER_TX, PEER_RX, PEER_HANDSHAKE };

static void peer_family(struct wgc_strbuf *out, const struct wgc_device_model *devs, size_t n,
			const struct wgc_peer_names *names, enum peer_value what)
{
	for (size_t d = 0; d < n; d++)
		for (size_t i = 0; i < devs[d].n_peers; i++) {
			const struct wgc_peer_model *p = &devs[d].peers[i];
			uint64_t v = what == PEER_TX ? p->tx_bytes : what == PEER_RX ? p->rx_bytes
				   : (uint64_t)(p->last_handshake_sec > 0 ? p->last_handshake_sec : 0);

			wgc_strbuf_printf(out, "%s{", what == PEER_TX ? "wireguard_sent_bytes_total"
						      : what == PEER_RX ? "wireguard_received_bytes_total"
									: "wireguard_latest_handshake_seconds");
			peer_labels(out, &devs[d], p, names ? &names[d] : NULL);
			wgc_strbuf_printf(out, "} %" PRIu64 "\n", v);
		}
}

static void device_gauges(struct wgc_strbuf *out, const struct wgc_device_model *devs, size_t n, time_t now)
{
	header(out, "wgc_peers", "Configured peers", true);
	for (size_t d = 0; d < n; d++) {
		wgc_strbuf_printf(out, "wgc_peers{interface=\"");
		wgc_metrics_label_value(out, devs[d].name);
		wgc_strbuf_printf(out, "\"} %zu\n", devs[d].n_peers);
	}
	header(out, "wgc_peers_up", "Peers whose last handshake is at most 180 seconds old", true);
	for (size_t d = 0; d < n; d++) {
		size_t up = 0;

		for (size_t i = 0; i < devs[d].n_peers; i++) {
			int64_t t = devs[d].peers[i].last_handshake_sec;

			up += t > 0 && t <= (int64_t)now && (int64_t)now - t <= WGC_METRICS_PEER_UP_SECONDS;
		}
		wgc_strbuf_printf(out, "wgc_peers_up{interface=\"");
		wgc_metrics_label_value(out, devs[d].name);
		wgc_strbuf_printf(out, "\"} %zu\n", up);
	}
}

enum cand_value { CAND_CURRENT, CAND_INITIATIONS, CAND_LAST_REPLY };

static const struct {
	const char *name, *help;
	bool gauge;
} cand_families[] = {
	[CAND_CURRENT] = { "wgc_endpoint_candidate_current", "1 for the candidate that is the peer's current endpoint",
			   true },
	[CAND_INITIATIONS] = { "wgc_endpoint_candidate_initiations_sent_total",
			       "Handshake initiations sent to the endpoint candidate", false },
	[CAND_LAST_REPLY] = { "wgc_endpoint_candidate_last_reply_seconds",
			      "Unix time of the last authenticated reply from the candidate (0: never)", true },
};

/*
 * Per-candidate endpoint state (issue 14, wgcd only): one sample per
 * candidate of every peer with a candidate list, labelled interface,
 * public_key and endpoint (the candidate as written, hostnames included).
 * Nothing, not even the headers, when no peer has candidates.
 */
static void candidate_families(struct wgc_strbuf *out, const struct wgc_device_model *devs, size_t n)
{
	bool any = false;
	char b64[WGC_KEY_B64_LEN];

	for (size_t d = 0; d < n && !any; d++)
		for (size_t i = 0; i < devs[d].n_peers && !any; i++)
			any = devs[d].peers[i].candidates.n >= 2;
	if (!any)
		return;
	for (unsigned f = 0; f < sizeof(cand_families) / sizeof(cand_families[0]); f++) {
		header(out, cand_families[f].name, cand_families[f].help, cand_families[f].gauge);
		for (size_t d = 0; d < n; d++)
			for (size_t i = 0; i < devs[d].n_peers; i++) {
				const struct wgc_peer_model *p = &devs[d].peers[i];

				if (p->candidates.n < 2)
					continue;
				wgc_key_to_base64(b64, p->public_key);
				for (size_t c = 0; c < p->candidates.n; c++) {
					const struct wgc_endpoint_candidate *e = &p->candidates.items[c];
					uint64_t v = f == CAND_CURRENT ? e->current
						   : f == CAND_INITIATIONS ? e->initiations_sent
									   : (uint64_t)(e->last_reply > 0 ? e->last_reply : 0);

					wgc_strbuf_printf(out, "%s{interface=\"", cand_families[f].name);
					wgc_metrics_label_value(out, devs[d].name);
					wgc_strbuf_printf(out, "\",public_key=\"%s\",endpoint=\"", b64);
					wgc_metrics_label_value(out, e->text);
					wgc_strbuf_printf(out, "\"} %" PRIu64 "\n", v);
				}
			}
	}
}

/* One sample of a backend counter when it belongs to family f. */
static void counter_sample(struct wgc_strbuf *out, const struct family *f, const char *name, uint64_t v,
			   const struct wgc_device_model *dev, const struct wgc_peer_model *p,
			   const struct wgc_peer_names *names)
{
	struct family g;
	const char *reason;

	if (!name || !valid_counter_name(name))
		return;
	family_of(name, p != NULL, &g, &reason);
	if (strcmp(g.name, f->name))
		return;
	wgc_strbuf_printf(out, "%s{", f->name);
	if (p) {
		peer_labels(out, dev, p, names);
	} else {
		wgc_strbuf_printf(out, "interface=\"");
		wgc_metrics_label_value(out, dev->name);
		wgc_strbuf_printf(out, "\"");
	}
	if (*reason)
		wgc_strbuf_printf(out, ",reason=\"%s\"", reason);
	if (f->micro)
		wgc_strbuf_printf(out, "} %" PRIu64 ".%06" PRIu64 "\n", v / 1000000, v % 1000000);
	else
		wgc_strbuf_printf(out, "} %" PRIu64 "\n", v);
}

static void counter_family(struct wgc_strbuf *out, const struct family *f, const struct wgc_device_model *devs,
			   size_t n, const struct wgc_peer_names *names)
{
	uint64_t v;
	const char *name;

	header(out, f->name, f->help, f->gauge);
	for (size_t d = 0; d < n; d++) {
		const struct wgc_peer_names *nm = names ? &names[d] : NULL;

		if (!f->peer) {
			for (size_t i = 0; i < wgc_cv_device_count(&devs[d]); i++) {
				name = wgc_cv_device_at(&devs[d], i, &v);
				counter_sample(out, f, name, v, &devs[d], NULL, nm);
			}
			continue;
		}
		for (size_t p = 0; p < devs[d].n_peers; p++)
			for (size_t i = 0; i < wgc_cv_peer_count(&devs[d].peers[p]); i++) {
				name = wgc_cv_peer_at(&devs[d].peers[p], i, &v);
				counter_sample(out, f, name, v, &devs[d], &devs[d].peers[p], nm);
			}
	}
}

void wgc_metrics_format(struct wgc_strbuf *out, const struct wgc_device_model *devs, size_t n,
			const struct wgc_peer_names *names, time_t now)
{
	struct families fs = { 0 };

	header(out, "wireguard_sent_bytes_total", "Bytes sent to the peer", false);
	peer_family(out, devs, n, names, PEER_TX);
	header(out, "wireguard_received_bytes_total", "Bytes received from the peer", false);
	peer_family(out, devs, n, names, PEER_RX);
	header(out, "wireguard_latest_handshake_seconds", "Unix time of the last handshake with the peer (0: never)",
	       true);
	peer_family(out, devs, n, names, PEER_HANDSHAKE);
	device_gauges(out, devs, n, now);
	candidate_families(out, devs, n);
	collect_families(&fs, devs, n);
	if (fs.failed)
		out->failed = true;
	for (size_t i = 0; i < fs.n; i++)
		counter_family(out, &fs.items[i], devs, n, names);
	free(fs.items);
}

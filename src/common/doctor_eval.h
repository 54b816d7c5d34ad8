/* SPDX-License-Identifier: MIT */
/*
 * `wgc doctor`'s decisions: observed facts in, verdicts out. Pure (no
 * sockets, no processes, no clock): src/cli/doctor_facts.c gathers the
 * facts, this file decides, and the tests drive it with tables.
 *
 * Every check yields one result: a verdict, one line of evidence (what was
 * seen) and one line of advice (what to do). A check that needs something
 * the backend does not report (wgcd's counters) says "cannot tell" and
 * which backend it needs, never a guess; one that does not apply (not a
 * hub, a peer without endpoint, nothing probed) says "skip".
 */
#ifndef WGC_DOCTOR_EVAL_H
#define WGC_DOCTOR_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/nft_eval.h"

enum wgc_doc_verdict { WGC_DOC_OK, WGC_DOC_WARN, WGC_DOC_FAIL, WGC_DOC_CANNOT_TELL, WGC_DOC_SKIP };

/* Three-valued facts: not observed, observed false, observed true. */
enum wgc_doc_tri { WGC_DOC_UNKNOWN = 0, WGC_DOC_NO, WGC_DOC_YES };

enum { WGC_DOC_TEXT = 160, WGC_DOC_LINE = 320 };

/* A counter as the backend reported it: has false when it reports none. */
struct wgc_doc_counter {
	bool has;
	uint64_t value;
};

struct wgc_doc_device_facts {
	char name[16];
	bool exists;                     /* a UAPI socket or a kernel link by that name */
	bool kernel;                     /* the kernel module's interface */
	bool daemon_answers;             /* the backend returned the device's state */
	int get_error;                   /* errno of a failed read (0: none) */
	enum wgc_doc_tri link_up;
	int mtu;                         /* 0: unknown */
	uint16_t listen_port;
	enum wgc_doc_tri port_bound;
	char bound_on[WGC_DOC_TEXT];     /* "0.0.0.0, [::]" */
	uint32_t fwmark;
	bool hub;                        /* the config file carries `# wgc hub` */
	enum wgc_doc_tri forwarding_v4, forwarding_v6;
	enum wgc_doc_tri nat;
	char nat_rule[192];
	bool firewall_read;              /* `nft -j list ruleset` could be read */
	struct wgc_fw_result fw_in;      /* UDP from anywhere to the listen port */
	char legacy_iptables[WGC_DOC_TEXT]; /* non-empty: legacy iptables present but not readable */
	bool counters;                   /* the backend reports counters at all */
	struct wgc_doc_counter rejected_invalid_mac1, rejected_unknown_peer, rejected_stale_timestamp,
		data_rejected_source_not_allowed, data_dropped_no_route, data_dropped_routing_loop;
	char mac1_sources[WGC_DOC_TEXT], unknown_peer_sources[WGC_DOC_TEXT], stale_sources[WGC_DOC_TEXT];
	char public_key[48];             /* base64, for advice */
};

struct wgc_doc_peer_facts {
	char public_key[48];             /* base64 */
	char endpoint[128];              /* "" when none */
	char endpoint_host[48];
	int64_t handshake_age;           /* seconds; -1: never */
	struct wgc_doc_counter initiations_sent, responses_received, rejected_stale_timestamp,
		data_rejected_source_not_allowed, handshake_ttl, icmp_port_unreachable;
	int64_t icmp_unreachable_age;    /* seconds since the backend's last ICMP port unreachable; -1: none */
	/* routing of the endpoint (with the fwmark) */
	enum wgc_doc_tri routed;
	char route_dev[16], route_via[48], route_src[48];
	int path_mtu;                    /* 0: unknown */
	bool firewall_read;
	struct wgc_fw_result fw_out, fw_in;
	/* hairpin NAT */
	bool endpoint_is_local, endpoint_is_lan_gateway;
	/* who answers (probed only when asked) */
	bool probed;
	int ping_ttl;                    /* -1: no answer */
	enum wgc_doc_tri port_unreachable; /* ICMP port unreachable for the endpoint's port */
	/* MTU probe through the tunnel (DF set) */
	char tunnel_addr[48];            /* "" when AllowedIPs hold no single address */
	enum wgc_doc_tri small_probe_ok, full_probe_ok;
	int full_probe_size, largest_ok_size; /* bytes of ICMP payload; 0: unknown */
};

struct wgc_doc_result {
	char check[32];
	char peer[48];                   /* base64 public key, "" for device checks */
	enum wgc_doc_verdict verdict;
	char evidence[WGC_DOC_LINE];
	char advice[WGC_DOC_LINE];
};

struct wgc_doc_report {
	struct wgc_doc_result *items;
	size_t n, cap;
	bool failed;                     /* out of memory: results are missing */
};

/* The device's checks, appended to report. */
void wgc_doctor_device(struct wgc_doc_report *report, const struct wgc_doc_device_facts *dev);
/* One peer's checks (the device's facts give context: port, MTU, counters). */
void wgc_doctor_peer(struct wgc_doc_report *report, const struct wgc_doc_device_facts *dev,
		     const struct wgc_doc_peer_facts *peer);
/* "ok", "warn", "fail", "cannot tell", "skip". */
const char *wgc_doctor_verdict_name(enum wgc_doc_verdict v);
/* Initial TTL guess for a received TTL: 64, 128 or 255 (the next of these at or above it). */
int wgc_doctor_initial_ttl(int ttl);
void wgc_doctor_report_free(struct wgc_doc_report *report);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * `wgc up' and `wgc down' as a list of steps computed before anything is
 * changed: `up' runs the list, `up --dry-run' prints it. The order and the
 * text of each step are wg-quick's (cmd_up, add_if, set_mtu_up, set_dns,
 * add_route, add_default; cmd_down, del_if, unset_dns, remove_firewall).
 *
 * What wg-quick reads from the system while it goes (the MTU of the route
 * to each endpoint, a free routing table) is read up front through a probe
 * so plans are testable without a network. The only decisions left to run
 * time are wg-quick's own "if still there" loops (rule deletion, routes an
 * address already covers, nft tables that exist).
 */
#ifndef WGC_CLI_QUICK_PLAN_H
#define WGC_CLI_QUICK_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/quick_conf.h"
#include "common/model.h"
#include "common/strbuf.h"

enum wgc_quick_step_kind {
	WGC_QS_CMD,        /* argv, with input on stdin or as /dev/fd/63 */
	WGC_QS_HOOK,       /* bash -c text (already %i-expanded) */
	WGC_QS_ADD_IF,     /* ip link add IF type wireguard, else argv (the userspace implementation) */
	WGC_QS_USERSPACE,  /* argv: the userspace implementation, no kernel attempt (--userspace) */
	WGC_QS_SETCONF,    /* the stripped config through the UAPI */
	WGC_QS_SET_FWMARK, /* value: the fwmark */
	WGC_QS_ROUTE,      /* argv, unless `ip route show dev IF match PREFIX' already has one */
	WGC_QS_DEL_RULES,  /* argv, repeated while `ip -F rule show' contains text */
	WGC_QS_DEL_NFT,    /* delete every nft table named wg-quick-IF */
	WGC_QS_SAVE,       /* SaveConfig: write the running config back */
	WGC_QS_UNDO,       /* down: argv undoes a recorded change (quick_state.h); value 1: the link, if it exists */
};

struct wgc_quick_step {
	enum wgc_quick_step_kind kind;
	char **argv;      /* NULL-terminated; for HOOK: { text, NULL } */
	char *input;      /* stdin (or fd 63) contents, NULL for none */
	char *match;      /* ROUTE: the prefix; DEL_RULES: the text to look for */
	bool input_fd63;  /* input goes in as /dev/fd/63 (argv names it) instead of stdin */
	bool ignore_fail; /* wg-quick's `|| true' */
	bool predicted_skip; /* ROUTE: an Address already routes it (dry-run's guess) */
	int family;       /* 4 or 6 for ROUTE, DEL_RULES and the nft step of add_default */
	unsigned value;
	bool sets_dns, sets_firewall; /* what to undo when a later step fails */
};

struct wgc_quick_plan {
	struct wgc_quick_step *steps;
	size_t n;
	bool failed; /* out of memory while building */
	unsigned table; /* the fwmark table used by the default-route policy, 0 when none */
};

/* What `up' needs to know about the system; every callback may be NULL (then: unknown / no). */
struct wgc_quick_probe {
	/* The MTU of the route to addr (NULL: the default route), 0 when unknown. */
	unsigned (*route_mtu)(void *arg, const char *addr);
	/* Whether `ip -4/-6 route show table T' lists anything. */
	bool (*table_used)(void *arg, unsigned table);
	/* Whether a program is on PATH. */
	bool (*have)(void *arg, const char *prog);
	/* resolvconf's interface prefix ("tun." on Debian), "" for none. */
	const char *(*resolvconf_prefix)(void *arg);
	/* Whether ip(8) knows a routing table by this name (rt_tables); NULL: not checked. */
	bool (*table_named)(void *arg, const char *name);
	void *arg;
};

struct wgc_quick_up_opts {
	bool userspace;     /* --userspace: skip the kernel */
	const char *impl;   /* the userspace implementation to run */
};

/*
 * up: dev is the parsed stripped config (for endpoints, allowed IPs and
 * FwMark). Fails (err set, FILE:LINE first) on what wg-quick would only
 * find half-way: DNS without resolvconf, a default route without nft, a
 * Table name not in rt_tables, an Address given twice, an MTU under 1280
 * with IPv6.
 */
bool wgc_quick_plan_up(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
		       const struct wgc_device_model *dev, const struct wgc_quick_up_opts *opts,
		       const struct wgc_quick_probe *probe, char *err, size_t errlen);

/*
 * down, and the undo after a failed up (undo: only del_if, with the dns and
 * firewall parts only when they were done). live is the running device
 * (NULL when it cannot be read): its fwmark and allowed IPs decide whether
 * policy rules are removed, as in wg-quick's del_if.
 */
bool wgc_quick_plan_down(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
			 const struct wgc_device_model *live, const struct wgc_quick_probe *probe);
bool wgc_quick_plan_undo(struct wgc_quick_plan *plan, const struct wgc_quick_conf *qc,
			 const struct wgc_device_model *live, const struct wgc_quick_probe *probe, bool dns_set,
			 bool firewall_set);

/* True when some allowed IP is a default route (/0) and the table is auto. */
bool wgc_quick_wants_policy(const struct wgc_quick_conf *qc, const struct wgc_device_model *dev);

/* The allowed IPs in wg-quick's route order (`sort -nr -k 2 -t /'), deduplicated; a NUL-separated list. */
bool wgc_quick_route_list(const struct wgc_device_model *dev, struct wgc_strbuf *out, size_t *count);

/* The "[#] ..." text of a step (no newline); with details, inputs follow indented (for --dry-run). */
void wgc_quick_step_format(const struct wgc_quick_step *step, const char *ifname, bool details,
			   struct wgc_strbuf *out);

/*
 * The nft ruleset of add_default for one family; addrs are the interface's
 * addresses ("addr" or "addr/len", either family: the others are skipped).
 * The plan uses the config's Address lines; at run time the step is rebuilt
 * from `ip -o addr show', which also lists what the kernel added (an IPv6
 * link-local address), as wg-quick does.
 */
void wgc_quick_nft_ruleset(struct wgc_strbuf *out, const char *ifname, int family, unsigned table,
			   const struct wgc_quick_strs *addrs);

void wgc_quick_plan_free(struct wgc_quick_plan *plan);

#endif

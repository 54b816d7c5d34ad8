/* SPDX-License-Identifier: MIT */
/*
 * Does legacy iptables let one UDP packet through? A pure evaluator of
 * `iptables-legacy-save` / `ip6tables-legacy-save` text (a buffer) for
 * `wgc doctor`, the companion of nft_eval.h (iptables-nft rules are
 * nftables rules and are evaluated there).
 *
 * Only the filter table's INPUT, OUTPUT and FORWARD chains, exactly, in
 * the common forms: chain policies; rules in order; -p, -s, -d (with a
 * prefix length or dotted mask), -i, -o (with the `+' wildcard), --sport,
 * --dport (ports and ranges, with -m udp/tcp), -m multiport --dports/--sports,
 * -m state --state / -m conntrack --ctstate (the packet is the first of its
 * flow: NEW), -m mark --mark, -m comment; `!' negations; -j ACCEPT, DROP, REJECT, RETURN,
 * LOG (ignored), a user chain, -g goto. Anything else in a rule that could
 * decide gives WGC_FW_CANNOT_TELL naming the rule.
 */
#ifndef WGC_IPT_EVAL_H
#define WGC_IPT_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/nft_eval.h"

/*
 * Evaluates pkt against text[0..len) of the packet's family (IPv4 text for
 * AF_INET). An empty text, or one without a *filter table, accepts.
 * res->rule quotes the deciding rule ("iptables INPUT rule 2: -A INPUT ...").
 */
void wgc_ipt_evaluate(const char *text, size_t len, const struct wgc_fw_packet *pkt, struct wgc_fw_result *res);

/*
 * Both firewalls see the packet: a drop by either is final, then a
 * "cannot tell" of either, else accepted. Combines other into *into.
 */
void wgc_fw_combine(struct wgc_fw_result *into, const struct wgc_fw_result *other);

#endif

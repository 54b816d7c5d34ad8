/* SPDX-License-Identifier: MIT */
/*
 * Does the local firewall let one UDP packet through? A pure evaluator of
 * `nft -j list ruleset` output (a buffer; libjson-c parses it) for one
 * packet at one hook, for `wgc doctor`.
 *
 * It evaluates the common forms exactly and refuses to guess the rest:
 *  - every base chain of type filter at the hook, in the families that see
 *    the packet (ip or ip6, and inet), in priority order: a drop or reject
 *    anywhere is final, an accept ends that chain only, then its policy;
 *  - rules in order; accept, drop, reject, jump, goto, return, continue;
 *    counter and log are ignored;
 *  - matches on udp/tcp/th ports, ip/ip6 addresses (plain, prefix, range,
 *    anonymous or named sets), meta l4proto/nfproto/iifname/oifname/mark,
 *    and ct state (the packet is the first of its flow: state "new"),
 *    with ==, !=, in and the integer comparisons.
 * A rule with anything else that could decide (limit, vmap, a field it does
 * not know, an interface the packet has no name for) makes the answer
 * WGC_FW_CANNOT_TELL, naming that rule. No system call, no global state.
 */
#ifndef WGC_NFT_EVAL_H
#define WGC_NFT_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

enum wgc_fw_hook { WGC_FW_INPUT, WGC_FW_OUTPUT, WGC_FW_FORWARD };

struct wgc_fw_packet {
	enum wgc_fw_hook hook;
	int family;                   /* AF_INET or AF_INET6 */
	uint8_t l4proto;              /* IPPROTO_UDP for WireGuard */
	uint8_t saddr[16], daddr[16]; /* network byte order; the first 4 bytes for IPv4 */
	uint16_t sport, dport;        /* host byte order */
	uint32_t mark;                /* the fwmark (output of the tunnel's own UDP) */
	char iifname[16], oifname[16]; /* "" when not known: a rule on it cannot be told */
};

enum wgc_fw_verdict { WGC_FW_ACCEPT, WGC_FW_DROP, WGC_FW_CANNOT_TELL };

struct wgc_fw_result {
	enum wgc_fw_verdict verdict;
	/* The deciding rule ("inet filter input handle 8: drop"), the policy that
	 * decided ("policy drop of inet filter input") or, for CANNOT_TELL, the
	 * rule and what could not be evaluated. "" when nothing decided (accepted
	 * by every chain's accept policy, or no chain at the hook). */
	char rule[192];
};

/*
 * Evaluates pkt against the ruleset text json[0..len) (need not be
 * NUL-terminated). Returns false when the text is not an nft JSON ruleset
 * (res then says CANNOT_TELL with the reason).
 */
bool wgc_nft_evaluate(const char *json, size_t len, const struct wgc_fw_packet *pkt, struct wgc_fw_result *res);

/*
 * Whether a nat chain at the postrouting hook holds a masquerade or snat
 * statement (the hub's NAT for its peers' prefixes); its description goes
 * to rule. WGC_FW_ACCEPT: found, WGC_FW_DROP: none, WGC_FW_CANNOT_TELL: not
 * an nft JSON ruleset.
 */
enum wgc_fw_verdict wgc_nft_find_nat(const char *json, size_t len, char rule[192]);

#endif

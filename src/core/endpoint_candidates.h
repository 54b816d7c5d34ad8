/* SPDX-License-Identifier: MIT */
/*
 * Endpoint candidates of one peer (issue 14) as a pure policy: the list in
 * order of preference, which candidates an initiation goes to, which reply
 * wins, when the preferred candidates are probed again and when hostnames
 * are due for re-resolution. Nothing here reads a clock, sends or
 * resolves: the embedder passes monotonic milliseconds (and a random value
 * for jitter) and carries out the answers, as with timers.h. Not
 * thread-safe: wgcd calls it under its device lock.
 *
 * The rules:
 *  - An initiation goes to every resolved candidate (the same message to
 *    each, duplicates of one address once) and to the current endpoint when
 *    roaming moved it off the list. The responder accepts the first copy
 *    and counts later identical copies as rejected_duplicate_initiation
 *    (core/noise.c), so exactly one response comes back.
 *  - The first authenticated reply wins: the core's roaming makes its source
 *    the endpoint (ops->set_endpoint); wgc_candidates_reply notes it.
 *  - While a less preferred candidate is current, the more preferred ones
 *    are probed every retry interval (default 30 s) with +-12.5% jitter: the
 *    next initiation goes only to them, so a reply from one of them moves
 *    the endpoint there (a laptop that came home moves to the LAN address).
 *  - Hostname candidates are resolved again once the peer has had no
 *    handshake for reresolve_after (default 135 s, the reference
 *    reresolve-dns.sh) and as often as that while it still has none.
 */
#ifndef WGC_ENDPOINT_CANDIDATES_H
#define WGC_ENDPOINT_CANDIDATES_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"

enum {
	WGC_MAX_CANDIDATES = 16,
	WGC_CANDIDATE_TEXT_LEN = 264,         /* "HOST:PORT" with its NUL */
	WGC_CANDIDATE_RETRY_DEFAULT_S = 30,
	WGC_RERESOLVE_AFTER_DEFAULT_S = 135,
};

struct wgc_candidate {
	char text[WGC_CANDIDATE_TEXT_LEN];    /* as configured: "HOST:PORT" or "[V6]:PORT" */
	union wgc_sockaddr addr;              /* resolved address; sa_family 0: not yet */
	bool is_name;                         /* HOST is a name, not a numeric address */
	uint64_t initiations_sent;
	int64_t last_reply;                   /* unix seconds of the last authenticated packet from it; 0: never */
};

struct wgc_candidates {
	struct wgc_candidate items[WGC_MAX_CANDIDATES];
	unsigned n;
	unsigned generation;                  /* changes with the list: a late resolver answer is ignored */
	uint64_t next_probe_ms;               /* 0: not scheduled */
	uint64_t last_resolve_ms;             /* when hostnames were last (re)resolved or configured */
	bool probe_pending;                   /* the next initiation goes to the preferred candidates only */
};

/*
 * Replaces the list. texts[i] is "HOST:PORT" (at most
 * WGC_CANDIDATE_TEXT_LEN - 1 bytes), addrs[i] its address or NULL when not
 * resolved. now_ms counts as the last resolution. A candidate whose text was
 * on the old list keeps its counters (and its address when none is given),
 * so a reload does not reset them. false (nothing changed) when n is over
 * WGC_MAX_CANDIDATES or a text is too long.
 */
bool wgc_candidates_set(struct wgc_candidates *c, const char *const *texts, const union wgc_sockaddr *const *addrs,
			unsigned n, uint64_t now_ms);

/* True when the host part of "HOST:PORT" is not a numeric IPv4/IPv6 address. */
bool wgc_candidate_text_is_name(const char *text);

/* Index of the candidate whose address equals addr (family, address, port), or -1. */
int wgc_candidates_find(const struct wgc_candidates *c, const struct sockaddr *addr);

/*
 * Where an initiation goes: the indices of the candidates to send it to,
 * into out (at most WGC_MAX_CANDIDATES), and in *also_current whether it
 * also goes to current (a roamed endpoint not on the list). A pending probe
 * narrows the targets to the candidates preferred over current (if any is
 * resolved) and is consumed. Counts initiations_sent of each target.
 * current may be NULL or of family 0 (no endpoint).
 */
unsigned wgc_candidates_initiation_targets(struct wgc_candidates *c, const struct sockaddr *current,
					   unsigned out[WGC_MAX_CANDIDATES], bool *also_current);

/* An authenticated packet came from `from` at unix time now_sec: returns the candidate's index or -1. */
int wgc_candidates_reply(struct wgc_candidates *c, const struct sockaddr *from, int64_t now_sec);

/*
 * Whether a probe of the preferred candidates is due now (then the next
 * initiation goes to them only: the caller starts a handshake). A probe is
 * scheduled while current is not the most preferred resolved candidate,
 * every retry_ms with jitter from rnd (any 32-bit value), and unscheduled
 * otherwise.
 */
bool wgc_candidates_probe_due(struct wgc_candidates *c, const struct sockaddr *current, uint64_t now_ms,
			      uint64_t retry_ms, uint32_t rnd);

/*
 * Whether the hostname candidates are due for resolution: there is one,
 * the peer's last handshake is at least after_ms old (since_handshake_ms:
 * UINT64_MAX when it never had one) and so is the last resolution. When
 * true, the last resolution becomes now_ms (the caller resolves them).
 */
bool wgc_candidates_resolve_due(struct wgc_candidates *c, uint64_t now_ms, uint64_t since_handshake_ms,
				uint64_t after_ms);

/*
 * A resolver's answer for candidate idx of list generation gen. Returns
 * true when the address changed (the caller then moves the endpoint if it
 * was the old address and starts a handshake); *old gets the previous one.
 */
bool wgc_candidates_resolved(struct wgc_candidates *c, unsigned idx, unsigned gen, const union wgc_sockaddr *addr,
			     union wgc_sockaddr *old);

#endif

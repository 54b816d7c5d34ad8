// SPDX-License-Identifier: MIT
/* Endpoint candidate policy (see endpoint_candidates.h for the rules). */
#include "endpoint_candidates.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static bool same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (!a || !b || a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return false;
}

static bool resolved(const struct wgc_candidate *k)
{
	return k->addr.sa.sa_family == AF_INET || k->addr.sa.sa_family == AF_INET6;
}

bool wgc_candidate_text_is_name(const char *text)
{
	char host[WGC_CANDIDATE_TEXT_LEN];
	const char *colon = strrchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	unsigned char buf[sizeof(struct in6_addr)];

	if (len >= sizeof(host))
		return true;
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		memcpy(host, text + 1, len - 2);
		host[len - 2] = '\0';
		/* a scope (%eth0) is numeric too */
		host[strcspn(host, "%")] = '\0';
		return inet_pton(AF_INET6, host, buf) != 1;
	}
	memcpy(host, text, len);
	host[len] = '\0';
	return inet_pton(AF_INET, host, buf) != 1;
}

/* The old entry with this text, so a reload (syncconf) keeps a candidate's counters. */
static const struct wgc_candidate *find_text(const struct wgc_candidate *old, unsigned n, const char *text)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(old[i].text, text))
			return &old[i];
	return NULL;
}

bool wgc_candidates_set(struct wgc_candidates *c, const char *const *texts, const union wgc_sockaddr *const *addrs,
			unsigned n, uint64_t now_ms)
{
	static __thread struct wgc_candidate old[WGC_MAX_CANDIDATES];
	unsigned gen = c->generation + 1, n_old = c->n <= WGC_MAX_CANDIDATES ? c->n : 0;

	if (n > WGC_MAX_CANDIDATES)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (strlen(texts[i]) >= WGC_CANDIDATE_TEXT_LEN)
			return false;
	memcpy(old, c->items, n_old * sizeof(old[0]));
	memset(c, 0, sizeof(*c));
	c->generation = gen;
	c->n = n;
	c->last_resolve_ms = now_ms;
	for (unsigned i = 0; i < n; i++) {
		struct wgc_candidate *k = &c->items[i];
		const struct wgc_candidate *was = find_text(old, n_old, texts[i]);

		if (was)
			*k = *was;
		strcpy(k->text, texts[i]);
		k->is_name = wgc_candidate_text_is_name(texts[i]);
		if (addrs && addrs[i])
			k->addr = *addrs[i];
	}
	return true;
}

int wgc_candidates_find(const struct wgc_candidates *c, const struct sockaddr *addr)
{
	for (unsigned i = 0; i < c->n; i++)
		if (resolved(&c->items[i]) && same_addr(&c->items[i].addr.sa, addr))
			return (int)i;
	return -1;
}

/* The preference rank of current: its index, or n when it is not a candidate. */
static unsigned rank_of(const struct wgc_candidates *c, const struct sockaddr *current)
{
	int i = current ? wgc_candidates_find(c, current) : -1;

	return i < 0 ? c->n : (unsigned)i;
}

/* Candidates [0, limit) that are resolved, each address once. */
static unsigned collect(struct wgc_candidates *c, unsigned limit, unsigned out[WGC_MAX_CANDIDATES])
{
	unsigned n = 0;

	for (unsigned i = 0; i < limit; i++) {
		bool dup = false;

		if (!resolved(&c->items[i]))
			continue;
		for (unsigned j = 0; j < n && !dup; j++)
			dup = same_addr(&c->items[out[j]].addr.sa, &c->items[i].addr.sa);
		if (!dup)
			out[n++] = i;
	}
	return n;
}

unsigned wgc_candidates_initiation_targets(struct wgc_candidates *c, const struct sockaddr *current,
					   unsigned out[WGC_MAX_CANDIDATES], bool *also_current)
{
	bool has_current = current && (current->sa_family == AF_INET || current->sa_family == AF_INET6);
	unsigned rank = rank_of(c, has_current ? current : NULL), n = 0;

	*also_current = false;
	if (c->probe_pending) {
		c->probe_pending = false;
		n = collect(c, rank, out);
	}
	if (!n) {
		n = collect(c, c->n, out);
		*also_current = has_current && rank == c->n;
	}
	for (unsigned i = 0; i < n; i++)
		c->items[out[i]].initiations_sent++;
	return n;
}

int wgc_candidates_reply(struct wgc_candidates *c, const struct sockaddr *from, int64_t now_sec)
{
	int i = wgc_candidates_find(c, from);

	if (i >= 0)
		c->items[i].last_reply = now_sec;
	return i;
}

/* Whether some resolved candidate is preferred over rank. */
static bool better_exists(const struct wgc_candidates *c, unsigned rank)
{
	for (unsigned i = 0; i < rank && i < c->n; i++)
		if (resolved(&c->items[i]))
			return true;
	return false;
}

static uint64_t jittered(uint64_t retry_ms, uint32_t rnd)
{
	uint64_t span = retry_ms / 4;

	/* retry - 12.5% .. retry + 12.5%: peers that came up together do not probe together */
	return retry_ms - retry_ms / 8 + (span ? rnd % (span + 1) : 0);
}

bool wgc_candidates_probe_due(struct wgc_candidates *c, const struct sockaddr *current, uint64_t now_ms,
			      uint64_t retry_ms, uint32_t rnd)
{
	bool has_current = current && (current->sa_family == AF_INET || current->sa_family == AF_INET6);

	if (!has_current || !better_exists(c, rank_of(c, current))) {
		c->next_probe_ms = 0;
		return false;
	}
	if (!c->next_probe_ms) {
		c->next_probe_ms = now_ms + jittered(retry_ms, rnd);
		return false;
	}
	if (now_ms < c->next_probe_ms)
		return false;
	c->next_probe_ms = now_ms + jittered(retry_ms, rnd);
	c->probe_pending = true;
	return true;
}

bool wgc_candidates_resolve_due(struct wgc_candidates *c, uint64_t now_ms, uint64_t since_handshake_ms,
				uint64_t after_ms)
{
	bool names = false;

	for (unsigned i = 0; i < c->n && !names; i++)
		names = c->items[i].is_name;
	if (!names || since_handshake_ms < after_ms || now_ms - c->last_resolve_ms < after_ms)
		return false;
	c->last_resolve_ms = now_ms;
	return true;
}

bool wgc_candidates_resolved(struct wgc_candidates *c, unsigned idx, unsigned gen, const union wgc_sockaddr *addr,
			     union wgc_sockaddr *old)
{
	struct wgc_candidate *k;

	if (gen != c->generation || idx >= c->n || !addr ||
	    (addr->sa.sa_family != AF_INET && addr->sa.sa_family != AF_INET6))
		return false;
	k = &c->items[idx];
	if (resolved(k) && same_addr(&k->addr.sa, &addr->sa))
		return false;
	if (old)
		*old = k->addr;
	k->addr = *addr;
	return true;
}

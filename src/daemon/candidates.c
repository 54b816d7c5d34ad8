// SPDX-License-Identifier: MIT
/* Endpoint candidates in wgcd: lists, UAPI lines, ticker and resolver threads (see candidates.h). */
#include "daemon/candidates.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "core/crypto.h"
#include "core/endpoint_candidates.h"
#include "daemon/log.h"

enum {
	TICK_MS = 250,
	MAX_JOBS = 64,  /* resolutions waiting; more wait for the next interval */
};

struct resolve_job {
	uint8_t public_key[WGC_KEY_LEN];
	unsigned idx, gen;
	char text[WGC_CANDIDATE_TEXT_LEN];
};

/*
 * A peer's candidate list and what the ticker needs to walk only the peers
 * that have one; wgcd_peer.cands points at list, its first member, so the
 * many peers without candidates carry one pointer, not these links.
 */
struct cand_peer {
	struct wgc_candidates list;
	struct wgc_peer *core_peer;
	struct wgcd_peer *wp;
	struct cand_peer *prev, *next;
};

static struct cand_peer *cand_peer_of(const struct wgcd_peer *wp)
{
	return (struct cand_peer *)(void *)wp->cands;
}

struct wgcd_cand {
	/* under d->lock */
	uint32_t retry_s, reresolve_s;
	unsigned n_peers;               /* peers with a list */
	struct cand_peer *peers;        /* ...linked: the ticker walks only them */
	uint32_t rnd;
	/* the job queue, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct resolve_job jobs[MAX_JOBS];
	unsigned head, count;
	bool stopping;
	bool busy;                      /* the resolver is inside getaddrinfo */
	bool orphaned;                  /* ...and was left behind at stop: c is never freed */
	pthread_t ticker, resolver;
	bool ticker_started, resolver_started;
};

/* Per peer, beside its list: an address changed and a handshake to it is still owed. */
static bool owe_handshake(struct wgc_peer *peer, struct wgcd_peer *wp, uint64_t now)
{
	uint64_t before = wgc_peer_counter_get(peer, WGC_PEER_HANDSHAKE_INITIATIONS_SENT);

	/* the core allows one initiation per REKEY_TIMEOUT: retried every tick until one leaves */
	wgc_peer_initiate_handshake(peer, false, now);
	return wgc_peer_counter_get(peer, WGC_PEER_HANDSHAKE_INITIATIONS_SENT) == before && wp->cands;
}

int wgcd_candidates_init(struct wgcd *d)
{
	struct wgcd_cand *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->retry_s = WGC_CANDIDATE_RETRY_DEFAULT_S;
	c->reresolve_s = WGC_RERESOLVE_AFTER_DEFAULT_S;
	c->rnd = (uint32_t)wgcd_now_ms() | 1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	d->cand = c;
	return 0;
}

void wgcd_candidates_free(struct wgcd *d)
{
	if (!d->cand || d->cand->orphaned)
		return;
	pthread_mutex_destroy(&d->cand->mu);
	pthread_cond_destroy(&d->cand->cv);
	free(d->cand);
	d->cand = NULL;
}

static uint32_t next_rand(struct wgcd_cand *c)
{
	/* xorshift32: jitter only, nothing secret depends on it */
	c->rnd ^= c->rnd << 13;
	c->rnd ^= c->rnd >> 17;
	c->rnd ^= c->rnd << 5;
	return c->rnd;
}

void wgcd_candidates_apply_device(struct wgcd *d, const struct wgc_device_model *m)
{
	if (m->flags & WGC_DEVICE_HAS_CANDIDATE_RETRY)
		d->cand->retry_s = m->candidate_retry;
	if (m->flags & WGC_DEVICE_HAS_RERESOLVE_AFTER)
		d->cand->reresolve_s = m->reresolve_after;
}

static void drop_list(struct wgcd *d, struct wgcd_peer *wp)
{
	struct cand_peer *cp = cand_peer_of(wp);

	if (!cp)
		return;
	wp->cands = NULL;
	d->cand->n_peers--;
	if (cp->prev)
		cp->prev->next = cp->next;
	else
		d->cand->peers = cp->next;
	if (cp->next)
		cp->next->prev = cp->prev;
	free(cp);
}

void wgcd_candidates_peer_removed(struct wgcd *d, struct wgcd_peer *wp)
{
	drop_list(d, wp);
}

/* The address of candidate i of a set request: the one sent, else the text when numeric. */
static bool candidate_addr(const struct wgc_endpoint_candidate *k, union wgc_sockaddr *out)
{
	union wgc_endpoint ep = k->addr;

	if (ep.addr.sa_family != AF_INET && ep.addr.sa_family != AF_INET6 && !wgc_endpoint_parse_numeric(&ep, k->text))
		return false;
	memcpy(out, &ep, sizeof(*out) < sizeof(ep) ? sizeof(*out) : sizeof(ep));
	return true;
}

static int set_list(struct wgcd *d, struct wgc_peer *peer, struct wgcd_peer *wp, const struct wgc_candidate_list *l)
{
	const char *texts[WGC_MAX_CANDIDATES];
	union wgc_sockaddr addrs[WGC_MAX_CANDIDATES];
	const union wgc_sockaddr *pa[WGC_MAX_CANDIDATES];
	struct cand_peer *cp;

	if (l->n > WGC_MAX_CANDIDATES)
		return -EINVAL;
	for (size_t i = 0; i < l->n; i++) {
		texts[i] = l->items[i].text;
		memset(&addrs[i], 0, sizeof(addrs[i]));
		pa[i] = candidate_addr(&l->items[i], &addrs[i]) ? &addrs[i] : NULL;
	}
	cp = wp->cands ? cand_peer_of(wp) : calloc(1, sizeof(*cp));
	if (!cp)
		return -ENOMEM;
	if (!wgc_candidates_set(&cp->list, texts, pa, (unsigned)l->n, wgcd_now_ms())) {
		if (!wp->cands)
			free(cp);
		return -EINVAL;
	}
	/* names the client could not resolve are resolved at the first tick */
	for (size_t i = 0; i < l->n; i++)
		if (!pa[i])
			cp->list.last_resolve_ms = 0;
	if (!wp->cands) {
		d->cand->n_peers++;
		cp->prev = NULL;
		cp->next = d->cand->peers;
		if (d->cand->peers)
			d->cand->peers->prev = cp;
		d->cand->peers = cp;
	}
	cp->core_peer = peer;
	cp->wp = wp;
	wp->cands = &cp->list;
	return 0;
}

int wgcd_candidates_apply_peer(struct wgcd *d, struct wgc_peer *peer, const struct wgc_peer_model *p)
{
	struct wgcd_peer *wp = wgc_peer_user(peer);

	if (!wp)
		return 0;
	/* one candidate: a name wgcd re-resolves */
	if ((p->flags & WGC_PEER_HAS_CANDIDATES) && p->candidates.n >= 1)
		return set_list(d, peer, wp, &p->candidates);
	if (p->flags & (WGC_PEER_HAS_CANDIDATES | WGC_PEER_HAS_ENDPOINT))
		drop_list(d, wp);
	return 0;
}

int wgcd_candidates_snapshot_device(struct wgcd *d, struct wgc_device_model *m)
{
	m->flags |= WGC_DEVICE_HAS_CANDIDATE_RETRY | WGC_DEVICE_HAS_RERESOLVE_AFTER;
	m->candidate_retry = d->cand->retry_s;
	m->reresolve_after = d->cand->reresolve_s;
	return 0;
}

int wgcd_candidates_snapshot_peer(struct wgcd *d, struct wgc_peer *peer, struct wgc_peer_model *p)
{
	struct wgcd_peer *wp = wgc_peer_user(peer);
	int cur;

	(void)d;
	if (!wp || !wp->cands)
		return 0;
	cur = wgc_candidates_find(wp->cands, &wp->endpoint.addr);
	for (unsigned i = 0; i < wp->cands->n; i++) {
		const struct wgc_candidate *k = &wp->cands->items[i];
		struct wgc_endpoint_candidate *m = wgc_model_add_candidate(p, k->text);

		if (!m)
			return -ENOMEM;
		memcpy(&m->addr, &k->addr, sizeof(k->addr) < sizeof(m->addr) ? sizeof(k->addr) : sizeof(m->addr));
		m->current = (int)i == cur;
		m->last_reply = k->last_reply;
		m->initiations_sent = k->initiations_sent;
	}
	return 0;
}

static bool send_to(struct wgcd *d, const union wgc_endpoint *to, struct wgc_udp_source *src, const uint8_t *msg,
		    size_t len)
{
	struct wgc_udp_tx tx = { .buf = msg, .len = len, .to = *to };
	bool ok;

	if (src)
		tx.src = *src;
	pthread_rwlock_rdlock(&d->udp_lock);
	ok = wgc_udp_send(&d->udp, &tx, 1) == 1;
	pthread_rwlock_unlock(&d->udp_lock);
	if (src && tx.src_rejected)
		memset(src, 0, sizeof(*src));
	return ok;
}

wgc_drop_reason wgcd_candidates_send_initiation(void *ctx, struct wgc_peer *peer, const uint8_t *msg, size_t len)
{
	struct wgcd *d = ctx;
	struct wgcd_peer *wp = wgc_peer_user(peer);
	unsigned idx[WGC_MAX_CANDIDATES], n;
	bool also_current, any = false;

	if (!wp || (!wp->cands && !wp->endpoint.addr.sa_family))
		return WGC_DEV_DATA_DROPPED_NO_ENDPOINT;
	if (!wp->cands)
		return send_to(d, &wp->endpoint, &wp->src, msg, len) ? WGC_DROP_NONE : WGC_DEV_DATA_DROPPED_SEND_FAILED;
	n = wgc_candidates_initiation_targets(wp->cands, &wp->endpoint.addr, idx, &also_current);
	if (!n && !also_current)
		return WGC_DEV_DATA_DROPPED_NO_ENDPOINT;
	for (unsigned i = 0; i < n; i++) {
		union wgc_endpoint to;
		bool is_current = wgc_candidates_find(wp->cands, &wp->endpoint.addr) == (int)idx[i];

		memset(&to, 0, sizeof(to));
		memcpy(&to, &wp->cands->items[idx[i]].addr, sizeof(wp->cands->items[idx[i]].addr));
		/* the sticky source belongs to the current endpoint only */
		any |= send_to(d, &to, is_current ? &wp->src : NULL, msg, len);
	}
	if (also_current)
		any |= send_to(d, &wp->endpoint, &wp->src, msg, len);
	return any ? WGC_DROP_NONE : WGC_DEV_DATA_DROPPED_SEND_FAILED;
}

void wgcd_candidates_note_reply(struct wgcd *d, struct wgcd_peer *wp, const union wgc_endpoint *from)
{
	(void)d;
	if (wp->cands)
		wgc_candidates_reply(wp->cands, &from->addr, (int64_t)time(NULL));
}

/* ---- threads ---- */

static void queue_job(struct wgcd_cand *c, const uint8_t key[WGC_KEY_LEN], const struct wgc_candidates *l, unsigned i)
{
	struct resolve_job *j;

	pthread_mutex_lock(&c->mu);
	if (c->count < MAX_JOBS) {
		j = &c->jobs[(c->head + c->count++) % MAX_JOBS];
		memcpy(j->public_key, key, WGC_KEY_LEN);
		j->idx = i;
		j->gen = l->generation;
		memcpy(j->text, l->items[i].text, sizeof(j->text));
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

/* One peer's due work: a probe of its preferred candidates, hostnames to resolve. Under d->lock. */
static void tick_peer(struct wgcd *d, struct wgc_peer *peer, struct wgcd_peer *wp, uint64_t now)
{
	struct wgcd_cand *c = d->cand;
	struct wgc_peer_info info;
	uint64_t since = UINT64_MAX;
	int64_t wall = (int64_t)time(NULL);

	if (wp->handshake_owed)
		wp->handshake_owed = owe_handshake(peer, wp, now);
	if (wgc_candidates_probe_due(wp->cands, &wp->endpoint.addr, now, (uint64_t)c->retry_s * 1000, next_rand(c))) {
		wgc_log(WGC_LOG_VERBOSE, "Probing preferred endpoint candidates");
		wgc_peer_initiate_handshake(peer, false, now);
	}
	wgc_peer_get_info(peer, &info);
	wgc_wipe(info.preshared_key, sizeof(info.preshared_key));
	if (info.last_handshake_sec && wall >= info.last_handshake_sec)
		since = (uint64_t)(wall - info.last_handshake_sec) * 1000;
	if (!wgc_candidates_resolve_due(wp->cands, now, since, (uint64_t)c->reresolve_s * 1000))
		return;
	for (unsigned i = 0; i < wp->cands->n; i++)
		if (wp->cands->items[i].is_name)
			queue_job(c, wgc_peer_public_key(peer), wp->cands, i);
}

static void *ticker_main(void *arg)
{
	struct wgcd *d = arg;
	struct wgcd_cand *c = d->cand;
	struct timespec ts;

	wgcd_name_thread("candidates");

	pthread_mutex_lock(&c->mu);
	while (!c->stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		if (c->stopping)
			break;
		pthread_mutex_unlock(&c->mu);
		pthread_mutex_lock(&d->lock);
		if (c->peers && d->core) {
			uint64_t now = wgcd_now_ms();

			for (struct cand_peer *cp = c->peers, *next; cp; cp = next) {
				next = cp->next;
				tick_peer(d, cp->core_peer, cp->wp, now);
			}
		}
		pthread_mutex_unlock(&d->lock);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* getaddrinfo with no lock held; the first address, as wg takes it. */
static bool resolve(const char *text, union wgc_sockaddr *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res = NULL;
	char copy[WGC_CANDIDATE_TEXT_LEN], *host, *port;
	bool ok = false;

	snprintf(copy, sizeof(copy), "%s", text);
	if (wgc_endpoint_split(copy, &host, &port))
		return false;
	if (getaddrinfo(host, port, &hints, &res) || !res)
		return false;
	if (res->ai_addrlen <= sizeof(*out)) {
		memset(out, 0, sizeof(*out));
		memcpy(out, res->ai_addr, res->ai_addrlen);
		ok = true;
	}
	freeaddrinfo(res);
	return ok;
}

/* A resolved address: when it changed and the endpoint was the old one, it moves at once. Under d->lock. */
static void apply_job(struct wgcd *d, const struct resolve_job *j, const union wgc_sockaddr *addr)
{
	struct wgc_peer *peer = d->core ? wgc_device_find_peer(d->core, j->public_key) : NULL;
	struct wgcd_peer *wp = peer ? wgc_peer_user(peer) : NULL;
	union wgc_sockaddr old;
	char ep[WGC_ENDPOINT_STRLEN];

	memset(&old, 0, sizeof(old));
	if (!wp || !wp->cands || !wgc_candidates_resolved(wp->cands, j->idx, j->gen, addr, &old))
		return;
	if (!wp->endpoint.addr.sa_family ||
	    (old.sa.sa_family && wgc_candidates_find(wp->cands, &wp->endpoint.addr) == (int)j->idx) ||
	    (old.sa.sa_family && !memcmp(&old, &wp->endpoint, sizeof(old)))) {
		memset(&wp->endpoint, 0, sizeof(wp->endpoint));
		memcpy(&wp->endpoint, addr, sizeof(*addr));
		memset(&wp->src, 0, sizeof(wp->src));
	}
	memcpy(&ep, "?", 2);
	{
		union wgc_endpoint e;

		memset(&e, 0, sizeof(e));
		memcpy(&e, addr, sizeof(*addr));
		wgc_endpoint_format(ep, &e);
	}
	wgc_log(WGC_LOG_VERBOSE, "Endpoint candidate %s now resolves to %s", j->text, ep);
	wp->handshake_owed = owe_handshake(peer, wp, wgcd_now_ms());
}

static void *resolver_main(void *arg)
{
	struct wgcd *d = arg;
	struct wgcd_cand *c = d->cand;
	struct resolve_job j;

	wgcd_name_thread("resolver");
	union wgc_sockaddr addr;
	bool ok;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->stopping && !c->count)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stopping)
			break;
		j = c->jobs[c->head];
		c->head = (c->head + 1) % MAX_JOBS;
		c->count--;
		c->busy = true;
		pthread_mutex_unlock(&c->mu);
		ok = resolve(j.text, &addr);
		pthread_mutex_lock(&c->mu);
		c->busy = false;
		if (c->stopping)
			break;
		pthread_mutex_unlock(&c->mu);
		if (ok) {
			pthread_mutex_lock(&d->lock);
			apply_job(d, &j, &addr);
			pthread_mutex_unlock(&d->lock);
		} else {
			wgc_log(WGC_LOG_VERBOSE, "Cannot resolve endpoint candidate %s", j.text);
		}
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int wgcd_candidates_start(struct wgcd *d)
{
	struct wgcd_cand *c = d->cand;

	if (pthread_create(&c->ticker, NULL, ticker_main, d))
		return -EAGAIN;
	c->ticker_started = true;
	if (pthread_create(&c->resolver, NULL, resolver_main, d))
		return -EAGAIN;
	c->resolver_started = true;
	return 0;
}

void wgcd_candidates_stop(struct wgcd *d)
{
	struct wgcd_cand *c = d->cand;

	if (!c)
		return;
	bool busy;

	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	busy = c->busy;
	/* a resolver stuck in getaddrinfo is not waited for: it exits on return without touching d or c */
	c->orphaned = busy && c->resolver_started;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (c->ticker_started)
		pthread_join(c->ticker, NULL);
	c->ticker_started = false;
	if (c->resolver_started) {
		if (busy)
			pthread_detach(c->resolver);
		else
			pthread_join(c->resolver, NULL);
	}
	c->resolver_started = false;
}

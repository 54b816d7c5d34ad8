// SPDX-License-Identifier: MIT
/*
 * Life cycle of the daemon's device and its UAPI configuration: a set
 * request is parsed whole and validated before anything changes (so a bad
 * one changes nothing), the listen port is moved first (the one step that
 * can fail for outside reasons), then the rest is applied under the lock.
 */
#include "daemon/wgcd.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/uapi.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "daemon/candidates.h"
#include "daemon/log.h"
#include "daemon/uapi_server.h"

/* The longest the timer thread sleeps with nothing due (it rechecks for shutdown). */
enum { TIMER_IDLE_MS = 1000 };

void wgcd_request_stop(struct wgcd *d)
{
	uint64_t one = 1;

	if (write(d->stop_fd, &one, sizeof(one)) < 0)
		atomic_store(&d->stopping, true);
}

/* The core's ops->deadline_changed: wakes the timer thread when a deadline came nearer. Under d->lock. */
void wgcd_deadline_changed(void *ctx, uint64_t deadline)
{
	struct wgcd *d = ctx;

	if (deadline < d->timer_wake_ms)
		pthread_cond_signal(&d->timer_cv);
}

/* An absolute CLOCK_MONOTONIC time for pthread_cond_timedwait, from ms as wgcd_now_ms counts. */
void wgcd_name_thread(const char *what)
{
	char name[16];

	snprintf(name, sizeof(name), "wgcd-%s", what);
	pthread_setname_np(pthread_self(), name);
}

static struct timespec monotonic_at(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };

	return ts;
}

/*
 * Sleeps until the earliest timer deadline the core reports (or until a
 * nearer one is armed, or TIMER_IDLE_MS), then runs what is due. The core
 * touches only the peers that are due, so an idle daemon with many peers
 * wakes about once a second and does nothing.
 */
static void *timer_main(void *arg)
{
	struct wgcd *d = arg;

	wgcd_name_thread("timer");

	pthread_mutex_lock(&d->lock);
	while (!atomic_load(&d->stopping)) {
		uint64_t now = wgcd_now_ms(), next = wgc_device_tick(d->core, now), idle_until = now + TIMER_IDLE_MS;
		struct timespec ts;

		d->timer_wake_ms = next && next < idle_until ? next : idle_until;
		ts = monotonic_at(d->timer_wake_ms);
		pthread_cond_timedwait(&d->timer_cv, &d->lock, &ts);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

int wgcd_init(struct wgcd *d, const char *ifname)
{
	pthread_condattr_t cattr;

	memset(d, 0, sizeof(*d));
	for (unsigned i = 0; i < WGC_TUN_MAX_QUEUES; i++)
		d->tun.fds[i] = -1;
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	pthread_mutex_init(&d->cfg_lock, NULL);
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->timer_cv, &cattr);
	pthread_condattr_destroy(&cattr);
	pthread_rwlock_init(&d->udp_lock, NULL);
	d->udp.fd4 = d->udp.fd6 = -1;
	d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->stop_fd < 0)
		return -errno;
	d->core = wgc_device_new(&wgcd_core_ops, d);
	if (!d->core)
		return -ENOMEM;
	if (wgcd_handshake_queue_init(&d->handshakes, WGCD_MAX_QUEUED_HANDSHAKES) || wgcd_candidates_init(d))
		return -ENOMEM;
	d->n_lanes = 1;
	return 0;
}

int wgcd_start(struct wgcd *d)
{
	int ret = wgcd_start_udp_readers(d);

	if (!ret)
		ret = wgcd_start_lanes(d);
	if (!ret) {
		unsigned n = wgcd_handshake_workers(), classes = wgcd_handshake_nice() > 0 ? WGCD_HS_CLASSES : 1;

		for (d->n_handshake_threads = 0; d->n_handshake_threads < n * classes; d->n_handshake_threads++) {
			struct wgcd_handshake_worker *w = &d->handshake_workers[d->n_handshake_threads];

			*w = (struct wgcd_handshake_worker){ .d = d, .cls = d->n_handshake_threads / n };
			if (pthread_create(&w->thread, NULL, wgcd_handshake_main, w))
				return -EAGAIN;
		}
		if (classes > 1)
			wgcd_handshake_queue_track(&d->handshakes, &d->data_packets, wgcd_now_ms());
		if (pthread_create(&d->timer_thread, NULL, timer_main, d))
			return -EAGAIN;
		d->timer_started = true;
		ret = wgcd_candidates_start(d);
	}
	return ret;
}

void wgcd_stop(struct wgcd *d)
{
	uint64_t one = 1;

	atomic_store(&d->stopping, true);
	if (d->stop_fd >= 0 && write(d->stop_fd, &one, sizeof(one)) < 0)
		wgc_log(WGC_LOG_ERROR, "Cannot wake the data path: %s", strerror(errno));
	pthread_rwlock_wrlock(&d->udp_lock);
	wgc_udp_wake(&d->udp);
	pthread_rwlock_unlock(&d->udp_lock);
	wgcd_stop_udp_readers(d);
	wgcd_stop_lanes(d);
	pthread_mutex_lock(&d->lock);
	pthread_cond_signal(&d->timer_cv);
	pthread_mutex_unlock(&d->lock);
	if (d->timer_started)
		pthread_join(d->timer_thread, NULL);
	d->timer_started = false;
	wgcd_candidates_stop(d);
	wgcd_handshake_queue_wake(&d->handshakes);
	while (d->n_handshake_threads)
		pthread_join(d->handshake_workers[--d->n_handshake_threads].thread, NULL);
	/* the port is free for a successor before the UAPI socket disappears */
	wgc_udp_close(&d->udp);
}

void wgcd_destroy(struct wgcd *d)
{
	wgcd_stop(d);
	pthread_mutex_lock(&d->lock);
	wgc_device_delete(d->core);
	d->core = NULL;
	pthread_mutex_unlock(&d->lock);
	wgcd_candidates_free(d);
	wgcd_handshake_queue_free(&d->handshakes);
	wgc_tun_close(&d->tun);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	d->stop_fd = -1;
}

void wgcd_link_changed(struct wgcd *d, bool up, int mtu)
{
	pthread_mutex_lock(&d->lock);
	if (mtu > 0)
		wgc_device_set_mtu(d->core, (size_t)mtu);
	if (up != wgc_device_is_up(d->core))
		wgc_log(WGC_LOG_VERBOSE, "Interface state was %s, requested %s", wgc_device_is_up(d->core) ? "up" : "down",
			up ? "up" : "down");
	wgc_device_set_up(d->core, up, wgcd_now_ms());
	pthread_mutex_unlock(&d->lock);
}

/* ---- get ---- */

struct walk_ctx {
	struct wgc_peer_model *peer;
	int err;
};

static int add_allowed_ip(void *ctx, int family, const void *addr, uint8_t cidr)
{
	struct walk_ctx *w = ctx;
	struct wgc_allowed_ip *ip = wgc_model_add_allowed_ip(w->peer);

	if (!ip) {
		w->err = -ENOMEM;
		return -ENOMEM;
	}
	ip->family = (uint16_t)family;
	ip->cidr = cidr;
	if (family == AF_INET)
		memcpy(&ip->ip4, addr, sizeof(ip->ip4));
	else
		memcpy(&ip->ip6, addr, sizeof(ip->ip6));
	return 0;
}

/* The device's own lines: identity, port, fwmark. */
static void snapshot_device(struct wgcd *d, struct wgc_device_model *m)
{
	snprintf(m->name, sizeof(m->name), "%s", d->ifname);
	if (wgc_device_identity(d->core, m->private_key, m->public_key))
		m->flags |= WGC_DEVICE_HAS_PRIVATE_KEY | WGC_DEVICE_HAS_PUBLIC_KEY;
	m->flags |= WGC_DEVICE_HAS_LISTEN_PORT | WGC_DEVICE_HAS_FWMARK;
	m->listen_port = d->udp.port;
	m->fwmark = d->udp.fwmark;
}

/* One peer appended to m; with ext, its counters and endpoint candidates too. */
static int snapshot_peer(struct wgcd *d, struct wgc_device_model *m, struct wgc_peer *peer, bool ext)
{
	struct wgc_peer_model *p = wgc_model_add_peer(m);
	struct wgcd_peer *wp = wgc_peer_user(peer);
	struct wgc_peer_info info;
	struct walk_ctx w;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	p->flags = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_PERSISTENT_KEEPALIVE;
	memcpy(p->public_key, wgc_peer_public_key(peer), WGC_KEY_LEN);
	wgc_peer_get_info(peer, &info);
	if (!wgc_is_zero(info.preshared_key, WGC_KEY_LEN)) {
		p->flags |= WGC_PEER_HAS_PRESHARED_KEY;
		memcpy(p->preshared_key, info.preshared_key, WGC_KEY_LEN);
	}
	wgc_wipe(info.preshared_key, WGC_KEY_LEN);
	if (wp && wp->endpoint.addr.sa_family) {
		p->flags |= WGC_PEER_HAS_ENDPOINT;
		p->endpoint = wp->endpoint;
	}
	p->persistent_keepalive = info.persistent_keepalive;
	p->last_handshake_sec = info.last_handshake_sec;
	p->last_handshake_nsec = info.last_handshake_nsec;
	p->rx_bytes = info.rx_bytes;
	p->tx_bytes = info.tx_bytes;
	w.peer = p;
	w.err = 0;
	wgc_allowedips_walk_by_peer(wgc_device_allowedips(d->core), peer, add_allowed_ip, &w);
	if (w.err)
		return w.err;
	for (unsigned c = 0; ext && c < WGC_PEER_COUNTER_COUNT && !ret; c++)
		ret = wgc_model_add_counter(&p->counters, wgc_peer_counter_name(c), wgc_peer_counter_get(peer, c));
	if (!ret && ext)
		ret = wgcd_candidates_snapshot_peer(d, peer, p);
	return ret;
}

/* The core's counters and recent rejected sources, for a client that asked (wgc_extensions=1). */
static int snapshot_device_counters(struct wgcd *d, struct wgc_device_model *m)
{
	union wgc_sockaddr src[WGC_REJECTED_SOURCES_PER_REASON];
	int ret = 0;

	for (unsigned c = 0; c < WGC_DEVICE_COUNTER_COUNT && !ret; c++)
		ret = wgc_model_add_counter(&m->counters, wgc_device_counter_name(c), wgc_device_counter_get(d->core, c));
	if (!ret)
		ret = wgc_model_add_counter(&m->counters, "datapath_lock_waits", atomic_load(&d->datapath_lock_waits));
	if (!ret)
		ret = wgc_model_add_counter(&m->counters, "datapath_lock_wait_us",
					    atomic_load(&d->datapath_lock_wait_ns) / 1000);
	for (unsigned c = 0; c < WGC_DEVICE_COUNTER_COUNT && !ret; c++) {
		unsigned n = wgc_device_rejected_sources(d->core, c, src);
		for (unsigned i = 0; i < n && !ret; i++) {
			union wgc_endpoint ep;
			memset(&ep, 0, sizeof(ep));
			memcpy(&ep, &src[i], sizeof(src[i]) < sizeof(ep) ? sizeof(src[i]) : sizeof(ep));
			ret = wgc_model_add_rejected_source(m, wgc_device_counter_name(c), &ep);
		}
	}
	return ret;
}

/*
 * "get=1\n\n", or with wgcd's extension "get=1\nwgc_extensions=1\n\n"
 * (doc/uapi.md): 1 / 0 for those, -EPROTO for anything else.
 */
static int get_request_kind(const char *req, size_t len)
{
	static const char plain[] = "get=1\n\n", ext[] = "get=1\nwgc_extensions=1\n\n";

	if (len == sizeof(plain) - 1 && !memcmp(req, plain, len))
		return 0;
	if (len == sizeof(ext) - 1 && !memcmp(req, ext, len))
		return 1;
	return -EPROTO;
}

enum {
	GET_BATCH = 256,        /* peers modelled at a time while a get reply is formatted */
	DRAIN_OVER = 64 << 10,  /* reply bytes worth offering the client before the next batch */
	READER_WAIT_MS = 500,   /* how long a full socket is waited on before the reply is just buffered */
};

/*
 * Snapshots GET_BATCH peers at a time under the lock and formats each batch
 * with the lock dropped (formatting 100,000 peers takes several times as
 * long as copying them: handshakes and timers would wait for it), so no
 * model of every peer is built, only the text, and that is offered to the
 * client as it grows. Like the kernel's netlink dump, a reply of several
 * batches is not one atomic snapshot: a peer removed meanwhile is skipped
 * (wgc_device_walk), one added meanwhile comes last.
 */
static int handle_get(struct wgcd *d, const char *req, size_t len, struct wgc_strbuf *reply)
{
	struct wgc_device_model m;
	struct wgc_peer_walk walk;
	struct wgc_peer *peer = NULL;
	int ext = get_request_kind(req, len), ret = 0;
	bool head = false, reader_keeps_up = true;

	if (ext < 0)
		return ext;
	memset(&m, 0, sizeof(m));
	pthread_mutex_lock(&d->lock);
	snapshot_device(d, &m);
	if (ext)
		ret = snapshot_device_counters(d, &m);
	if (!ret && ext)
		ret = wgcd_candidates_snapshot_device(d, &m);
	wgc_device_walk_begin(d->core, &walk);
	while (!ret) {
		while (!ret && m.n_peers < GET_BATCH && (peer = wgc_device_walk_next(&walk)))
			ret = snapshot_peer(d, &m, peer, ext);
		pthread_mutex_unlock(&d->lock);
		if (!ret && !head) {
			ret = wgc_uapi_format_get_head(reply, &m);
			head = true;
		}
		if (!ret)
			ret = wgc_uapi_format_get_peers(reply, &m);
		wgc_model_clear_peers(&m);
		/* what the client reads meanwhile is not held (100,000 peers: 35 MB of text);
		 * a client that keeps reading is waited for, one that stalls is not */
		if (!ret && reply->len >= DRAIN_OVER && reader_keeps_up)
			reader_keeps_up = wgc_uapi_server_drain_wait(reply, DRAIN_OVER, READER_WAIT_MS);
		else if (!ret && reply->len >= DRAIN_OVER)
			wgc_uapi_server_drain(reply);
		pthread_mutex_lock(&d->lock);
		if (!peer)
			break;
	}
	wgc_device_walk_end(d->core, &walk);
	pthread_mutex_unlock(&d->lock);
	if (!ret)
		ret = wgc_uapi_format_get_end(reply);
	wgc_model_free(&m);
	return ret;
}

/* ---- set ---- */

/* "peer(AbCd…WxYz)": enough of a public key to tell peers apart in a log */
static void log_peer(const char *what, const uint8_t public_key[WGC_KEY_LEN])
{
	char b64[WGC_KEY_B64_LEN];

	if (!wgc_log_enabled(WGC_LOG_VERBOSE))
		return;
	wgc_key_to_base64(b64, public_key);
	wgc_log(WGC_LOG_VERBOSE, "peer(%.4s…%.4s) - %s", b64, b64 + 39, what);
}

static int apply_allowed_ips(struct wgcd *d, struct wgc_peer *peer, const struct wgc_peer_model *p)
{
	size_t i;
	int ret;

	if (p->flags & WGC_PEER_REPLACE_ALLOWEDIPS)
		wgc_allowedips_remove_by_peer(wgc_device_allowedips(d->core), peer);
	for (i = 0; i < p->n_allowed_ips; i++) {
		const struct wgc_allowed_ip *ip = &p->allowed_ips[i];
		if (ip->family == AF_INET)
			ret = ip->remove ? wgc_allowedips_remove_v4(wgc_device_allowedips(d->core), &ip->ip4, ip->cidr, peer)
					 : wgc_allowedips_insert_v4(wgc_device_allowedips(d->core), &ip->ip4, ip->cidr, peer);
		else
			ret = ip->remove ? wgc_allowedips_remove_v6(wgc_device_allowedips(d->core), &ip->ip6, ip->cidr, peer)
					 : wgc_allowedips_insert_v6(wgc_device_allowedips(d->core), &ip->ip6, ip->cidr, peer);
		/* removing a prefix the peer does not hold is not an error */
		if (ret && !(ip->remove && ret != -ENOMEM))
			return ret;
	}
	return 0;
}

static bool is_own_key(struct wgcd *d, const uint8_t public_key[WGC_KEY_LEN])
{
	uint8_t priv[WGC_KEY_LEN], pub[WGC_KEY_LEN];
	bool own = wgc_device_identity(d->core, priv, pub) && wgc_equal(public_key, pub, WGC_KEY_LEN);

	wgc_wipe(priv, sizeof(priv));
	return own;
}

static int apply_peer(struct wgcd *d, const struct wgc_peer_model *p, uint64_t now)
{
	struct wgc_peer *peer = wgc_device_find_peer(d->core, p->public_key);

	if (p->flags & WGC_PEER_REMOVE_ME) {
		if (peer) {
			log_peer("Removing", p->public_key);
			wgc_device_remove_peer(d->core, peer);
		}
		return 0;
	}
	if (!peer) {
		if (p->flags & WGC_PEER_UPDATE_ONLY)
			return 0;
		/* like the kernel, a peer with our own public key is skipped quietly */
		if (is_own_key(d, p->public_key))
			return 0;
		/* with its wgcd_peer, zeroed (wgcd_core_ops.peer_user_size) */
		peer = wgc_device_add_peer(d->core, p->public_key);
		if (!peer)
			return -errno;
		log_peer("Created", p->public_key);
	}
	if (p->flags & WGC_PEER_HAS_PRESHARED_KEY)
		wgc_peer_set_psk(peer, wgc_is_zero(p->preshared_key, WGC_KEY_LEN) ? NULL : p->preshared_key);
	if (p->flags & WGC_PEER_HAS_ENDPOINT) {
		struct wgcd_peer *wp = wgc_peer_user(peer);
		wp->endpoint = p->endpoint;
		memset(&wp->src, 0, sizeof(wp->src));
	}
	if (p->flags & WGC_PEER_HAS_PERSISTENT_KEEPALIVE)
		wgc_peer_set_persistent_keepalive(peer, p->persistent_keepalive, now);
	if (wgcd_candidates_apply_peer(d, peer, p))
		return -EINVAL;
	return apply_allowed_ips(d, peer, p);
}

struct apply_ctx {
	struct wgcd *d;
	uint64_t now;
};

static int apply_one(void *ctx, const struct wgc_device_model *m, const struct wgc_peer_model *p)
{
	struct apply_ctx *a = ctx;

	(void)m;
	return apply_peer(a->d, p, a->now);
}

static int validate_one(void *ctx, const struct wgc_device_model *m, const struct wgc_peer_model *p)
{
	(void)ctx;
	(void)m;
	(void)p;
	return 0;
}

/*
 * m: the request's device part (validated with every peer). The peers are
 * parsed a second time from req and applied one at a time, so no model of
 * them all is ever held (100,000 peers: about 30 MB less at the peak).
 */
static int apply(struct wgcd *d, const struct wgc_device_model *m, const char *req, size_t len)
{
	struct apply_ctx a = { .d = d, .now = wgcd_now_ms() };
	struct wgc_device_model again;
	struct wgc_peer *peer, *next;
	char err[WGC_UAPI_ERRLEN];
	int ret = 0;

	if (m->flags & WGC_DEVICE_HAS_FWMARK) {
		pthread_rwlock_rdlock(&d->udp_lock);
		ret = wgc_udp_set_fwmark(&d->udp, m->fwmark);
		pthread_rwlock_unlock(&d->udp_lock);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&d->lock);
	wgcd_candidates_apply_device(d, m);
	if (m->flags & WGC_DEVICE_HAS_PRIVATE_KEY)
		wgc_device_set_private_key(d->core, m->private_key);
	if (m->flags & WGC_DEVICE_REPLACE_PEERS) {
		for (peer = wgc_device_first_peer(d->core); peer; peer = next) {
			next = wgc_peer_next(peer);
			wgc_device_remove_peer(d->core, peer);
		}
	}
	ret = wgc_uapi_parse_set_each(&again, req, len, err, apply_one, &a);
	pthread_mutex_unlock(&d->lock);
	if (ret)
		wgc_log(WGC_LOG_ERROR, "UAPI set: %s", err);
	wgc_model_free(&again);
	return ret;
}

int wgcd_uapi_handle(void *ctx, const char *req, size_t len, struct wgc_strbuf *reply)
{
	struct wgcd *d = ctx;
	struct wgc_device_model m;
	char err[WGC_UAPI_ERRLEN];
	int ret;

	memset(&m, 0, sizeof(m));
	if (len >= 6 && !memcmp(req, "get=1\n", 6))
		return handle_get(d, req, len, reply);
	/* the whole request is checked before anything changes; only its device part is kept */
	ret = wgc_uapi_parse_set_each(&m, req, len, err, validate_one, NULL);
	if (ret) {
		wgc_log(WGC_LOG_ERROR, "UAPI set: %s", err);
		return ret;
	}
	pthread_mutex_lock(&d->cfg_lock);
	if (m.flags & WGC_DEVICE_HAS_LISTEN_PORT) {
		ret = wgcd_set_listen_port(d, m.listen_port);
		if (ret)
			wgc_log(WGC_LOG_ERROR, "Failed to set listen_port: %s", strerror(-ret));
		else
			d->listen_port = m.listen_port;
	}
	if (!ret)
		ret = apply(d, &m, req, len);
	pthread_mutex_unlock(&d->cfg_lock);
	wgc_model_free(&m);
	/* a large configuration leaves freed parser memory behind; give it back */
	if (len > (1 << 20))
		malloc_trim(0);
	if (!ret)
		wgc_strbuf_printf(reply, "errno=0\n\n");
	return ret;
}

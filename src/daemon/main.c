// SPDX-License-Identifier: MIT
/*
 * wgcd [-f|--foreground] INTERFACE-NAME
 *
 * The userspace daemon, following the contract wg-quick expects of
 * wireguard-go: create the TUN interface and the UAPI socket, detach unless
 * told to stay in the foreground, and serve until signalled, until the
 * interface is deleted, or until the socket file is removed.
 *
 * main() is a ladder: each resource is acquired by one small function and
 * released, in reverse order, by the one cleanup path below it, so no
 * failure after the UAPI socket is bound leaves its file behind (a stale
 * socket would make the next `wgc up' of the same name fail).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ifname.h"
#include "core/crypto.h"
#include "daemon/daemonize.h"
#include "daemon/log.h"
#include "daemon/offload.h"
#include "daemon/privilege.h"
#include "daemon/uapi_server.h"
#include "daemon/wgcd.h"

struct options {
	const char *ifname, *user, *log_env;
	bool foreground, seccomp;
};

/* Everything main acquires, so the cleanup ladder sees it all. */
struct daemon_state {
	struct wgcd *d;
	struct wgc_uapi_server *uapi;
	struct wgc_tun_where where; /* where the interface lives, as the watch sees it */
	int sig_fd, watch_fd;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [-f/--foreground] [--user USER] [--seccomp] INTERFACE-NAME\n", prog);
}

/* -1: go on; otherwise the exit status (after --help, --version or a usage error). */
static int parse_args(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->foreground = wgc_daemonize_foreground_from_env();
	o->log_env = getenv("LOG_LEVEL");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--foreground")) {
			o->foreground = true;
		} else if (!strcmp(argv[i], "--seccomp")) {
			o->seccomp = true;
		} else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
			o->user = argv[++i];
		} else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-v")) {
			printf("wgcd v%s\n\nUserspace WireGuard daemon for Linux.\n", WGC_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout, argv[0]);
			return 0;
		} else if (!o->ifname && argv[i][0] != '-') {
			o->ifname = argv[i];
		} else {
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (!o->ifname) {
		usage(stderr, argv[0]);
		return 1;
	}
	return -1;
}

/* What can be checked before anything is created. */
/* An optional whole-number setting NAME in [min, max]; says which and why when it is not. */
static bool env_number_ok(const char *name, long min, long max)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return true;
	errno = 0;
	n = strtol(v, &end, 10);
	if (!errno && !*end && n >= min && n <= max)
		return true;
	fprintf(stderr, "wgcd: %s=%s: not a whole number from %ld to %ld\n", name, v, min, max);
	return false;
}

/* The tuning variables (doc/wgcd.8), refused when malformed instead of silently clamped. */
static bool env_ok(void)
{
	static const char *const backends[] = { "WGC_CRYPTO_AEAD", "WGC_CRYPTO_X25519" };

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const char *v = getenv(backends[i]);

		if (v && *v && strcmp(v, "openssl") && strcmp(v, "sodium") && strcmp(v, "libsodium")) {
			fprintf(stderr, "wgcd: %s=%s: not openssl or libsodium\n", backends[i], v);
			return false;
		}
	}
	return env_number_ok("WGC_LANES", 1, WGCD_MAX_LANES) &&
	       env_number_ok("WGC_HANDSHAKE_WORKERS", 1, WGCD_MAX_HANDSHAKE_WORKERS) &&
	       env_number_ok("WGC_HANDSHAKE_NICE", 0, 19);
}

static bool preflight(const struct options *o)
{
	wgc_log_init(o->ifname, wgc_log_level_parse(o->log_env));
	if (wgcd_protect_memory())
		fprintf(stderr, "wgcd: warning: cannot disable core dumps: %s\n", strerror(errno));
	if (wgc_ifname_valid(o->ifname)) {
		fprintf(stderr, "wgcd: invalid interface name '%s'\n", o->ifname);
		return false;
	}
	if (!env_ok())
		return false;
	if (!wgc_crypto_init()) {
		fprintf(stderr, "wgcd: no working cryptography backend\n");
		return false;
	}
	return true;
}

/*
 * Lanes (TUN queues, one thread each): WGC_LANES=N (1..WGCD_MAX_LANES), default 1.
 * With N > 1 the TUN is multi-queue and the kernel spreads outgoing flows over
 * the queues by hash, so one flow (and its order) stays on one lane.
 */
static unsigned lanes_wanted(void)
{
	const char *v = getenv("WGC_LANES");
	long n = v && *v ? strtol(v, NULL, 10) : 1;

	if (n < 1)
		return 1;
	return n > WGCD_MAX_LANES ? WGCD_MAX_LANES : (unsigned)n;
}

static int open_tun(struct wgcd *d, const char *ifname, const struct wgc_offload_config *offload)
{
	unsigned lanes = lanes_wanted();
	int ret = wgc_tun_open(&d->tun, ifname, lanes,
			       WGC_TUN_NONBLOCK | (offload->tun_offload ? WGC_TUN_VNET_HDR : 0) |
				       (lanes > 1 ? WGC_TUN_MULTI_QUEUE : 0),
			       WGC_DEFAULT_MTU);

	if (ret) {
		fprintf(stderr, "wgcd: cannot create TUN interface '%s': %s\n", ifname,
			ret == -EBUSY ? "the name is taken by another interface or process" : strerror(-ret));
		return ret;
	}
	d->n_lanes = d->tun.n_queues;
	/* like a kernel WireGuard interface: no IPv6 link-local address that nobody configured */
	ret = wgc_tun_disable_ipv6_autoconf(&d->tun);
	if (ret)
		wgc_log(WGC_LOG_VERBOSE, "Cannot turn off IPv6 address generation: %s", strerror(-ret));
	return 0;
}

static void uapi_gone(void *ctx)
{
	wgc_log(WGC_LOG_VERBOSE, "UAPI socket was removed; shutting down");
	wgcd_request_stop(ctx);
}

static int open_uapi(struct daemon_state *st, const char *ifname)
{
	struct wgc_uapi_server_config cfg = { 0 };
	char err[WGC_UAPI_SERVER_ERRLEN];
	int ret;

	cfg.ifname = ifname;
	/* a 100,000-peer setconf is about 20 MB; only root can reach the socket */
	cfg.max_request = 128 << 20;
	cfg.handle = wgcd_uapi_handle;
	cfg.gone = uapi_gone;
	cfg.ctx = st->d;
	ret = wgc_uapi_server_open(&st->uapi, &cfg, err);
	if (ret)
		fprintf(stderr, "wgcd: %s\n", err);
	return ret;
}

/* UDP sockets, offloads and the link watch: the rest of what needs root. */
static int open_network(struct daemon_state *st, const struct wgc_offload_config *offload)
{
	struct wgcd *d = st->d;
	int ret = wgc_udp_open(&d->udp, 0, 0);

	if (ret) {
		fprintf(stderr, "wgcd: cannot open UDP sockets: %s\n", strerror(-ret));
		return ret;
	}
	/* offloads are an optimisation: whatever the kernel refuses, we do without */
	d->vnet = (d->tun.flags & WGC_TUN_VNET_HDR) != 0;
	d->tx_zerocopy = offload->tx_zerocopy;
	if (d->vnet && wgc_tun_enable_offloads(&d->tun, true) < 0)
		wgc_log(WGC_LOG_VERBOSE, "TUN offloads unavailable; segments arrive one by one");
	if (d->vnet && wgc_tun_set_gso_max_segs(&d->tun, WGCD_TUN_MAX_SEGS) < 0)
		wgc_log(WGC_LOG_ERROR, "cannot cap the TUN's gso_max_segs at %d: TCP with a small MSS may lose packets",
			WGCD_TUN_MAX_SEGS);
	if (offload->udp_gso && wgc_udp_enable_gso(&d->udp))
		wgc_log(WGC_LOG_VERBOSE, "UDP GSO unavailable");
	if (offload->udp_gro && wgc_udp_enable_gro(&d->udp))
		wgc_log(WGC_LOG_VERBOSE, "UDP GRO unavailable");
	st->watch_fd = wgc_tun_watch_open();
	if (st->watch_fd < 0) {
		fprintf(stderr, "wgcd: cannot watch interface events: %s\n", strerror(-st->watch_fd));
		return st->watch_fd;
	}
	st->where.ifindex = d->tun.ifindex;
	st->where.nsid = WGC_TUN_NSID_LOCAL;
	wgc_device_set_mtu(d->core, (size_t)(wgc_tun_get_mtu(&d->tun) > 0 ? wgc_tun_get_mtu(&d->tun) : WGC_DEFAULT_MTU));
	return 0;
}

/* After detaching: drop privileges, start the threads, tell the parent. 0 or -1. */
static int start(struct daemon_state *st, const struct options *o)
{
	char err[WGC_UAPI_SERVER_ERRLEN];
	int flags;

	/* all that needed root is done; capabilities are per thread, so drop before any exists */
	if (wgcd_drop_privileges(o->user, err, sizeof(err)) || (o->seccomp && wgcd_install_seccomp(err, sizeof(err)))) {
		wgc_log(WGC_LOG_ERROR, "%s", err);
		if (o->foreground)
			fprintf(stderr, "wgcd: %s\n", err);
		return -1;
	}
	st->sig_fd = wgc_signals_open();
	if (st->sig_fd < 0 || wgcd_start(st->d) || wgc_uapi_server_start(st->uapi)) {
		wgc_log(WGC_LOG_ERROR, "Failed to start");
		return -1;
	}
	flags = wgc_tun_get_flags(&st->d->tun);
	if (flags > 0 && flags & IFF_UP)
		wgcd_link_changed(st->d, true, 0);
	return 0;
}

/* Deleted, or only moved to another namespace (`ip link set IF netns B'), where it keeps working? */
static bool interface_gone(struct daemon_state *st)
{
	if (wgc_tun_attached(&st->d->tun) == -EBADFD) {
		wgc_log(WGC_LOG_VERBOSE, "Interface was deleted; shutting down");
		return true;
	}
	return false;
}

/* One batch of link events: false when the interface is gone. */
static bool link_events(struct daemon_state *st)
{
	struct wgcd *d = st->d;
	struct wgc_tun_event ev;
	int r = wgc_tun_watch_read(st->watch_fd, &st->where, &ev), flags;

	if (r == -ENOBUFS) {
		if (interface_gone(st))
			return false;
		/* a moved interface cannot be asked by name here; its next event tells */
		flags = st->where.nsid == WGC_TUN_NSID_LOCAL ? wgc_tun_get_flags(&d->tun) : -ENODEV;
		if (flags >= 0)
			wgcd_link_changed(d, (flags & IFF_UP) != 0, wgc_tun_get_mtu(&d->tun));
		return true;
	}
	if (r <= 0)
		return true;
	if (ev.events & WGC_TUN_EV_MOVED)
		wgc_log(WGC_LOG_VERBOSE, "Interface moved to another network namespace (id %d); still serving it",
			ev.new_nsid);
	if ((ev.events & WGC_TUN_EV_DELETED) && interface_gone(st))
		return false;
	if (ev.events & WGC_TUN_EV_LINK)
		wgcd_link_changed(d, (ev.ifflags & IFF_UP) != 0, ev.events & WGC_TUN_EV_MTU ? ev.mtu : 0);
	else if (ev.events & WGC_TUN_EV_MTU)
		wgcd_link_changed(d, wgc_device_is_up(d->core), ev.mtu);
	return true;
}

static int run(struct daemon_state *st)
{
	struct pollfd pfd[3] = {
		{ .fd = st->sig_fd, .events = POLLIN },
		{ .fd = st->watch_fd, .events = POLLIN },
		{ .fd = st->d->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents) {
			int sig = wgc_signals_read(st->sig_fd);
			if (sig > 0) {
				wgc_log(WGC_LOG_VERBOSE, "Shutting down (signal %d)", sig);
				return 0;
			}
		}
		if (pfd[2].revents)
			return 0;
		if (pfd[1].revents && !link_events(st))
			return 0;
	}
}

int main(int argc, char **argv)
{
	static struct wgcd d;
	struct daemon_state st = { .d = &d, .sig_fd = -1, .watch_fd = -1 };
	struct wgc_offload_config offload;
	struct options o;
	int ret = parse_args(argc, argv, &o), status = 1;

	if (ret >= 0)
		return ret;
	if (!preflight(&o))
		return 1;
	ret = wgcd_init(&d, o.ifname);
	if (ret) {
		fprintf(stderr, "wgcd: %s\n", strerror(-ret));
		return 1;
	}
	/*
	 * Fork first (the parent waits for our verdict and exits with it, and our
	 * errors still reach the terminal until wgc_daemonize_ready), so the
	 * process that binds the UAPI socket is the one that serves it: a client
	 * asking the socket for its peer (SO_PEERCRED, as `wgc down' does to wait
	 * for the daemon to exit) gets the daemon's pid, not a parent's.
	 */
	ret = wgc_daemonize_begin(o.foreground, wgc_daemonize_keep_output(o.log_env));
	if (ret) {
		fprintf(stderr, "wgcd: cannot detach: %s\n", strerror(-ret));
		goto out_device;
	}
	offload = wgc_offload_config_from_env();
	if (open_tun(&d, o.ifname, &offload))
		goto out_device;
	if (open_uapi(&st, o.ifname))
		goto out_device;
	if (open_network(&st, &offload))
		goto out_uapi;
	if (start(&st, &o))
		goto out_uapi;
	wgc_log(WGC_LOG_VERBOSE, "Device started");
	wgc_daemonize_ready(0);
	status = run(&st) ? 1 : 0;
	wgc_log(WGC_LOG_VERBOSE, "Device closing");
out_uapi:
	/* sockets first: whoever waits for the UAPI socket to vanish may rebind the port at once */
	wgcd_stop(&d);
	wgc_uapi_server_close(st.uapi);
out_device:
	wgcd_destroy(&d);
	/* a failure releases the waiting parent with status 1 (after the socket file is gone) */
	wgc_daemonize_ready(status);
	if (st.watch_fd >= 0)
		close(st.watch_fd);
	if (st.sig_fd >= 0)
		close(st.sig_fd);
	wgc_log(WGC_LOG_VERBOSE, "Shutting down");
	return status;
}

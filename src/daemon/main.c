// SPDX-License-Identifier: MIT
/*
 * wgcd [-f|--foreground] INTERFACE-NAME
 *
 * The userspace daemon, following the contract wg-quick expects of
 * wireguard-go: create the TUN interface and the UAPI socket, detach unless
 * told to stay in the foreground, and serve until signalled, until the
 * interface is deleted, or until the socket file is removed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/crypto.h"
#include "daemon/daemonize.h"
#include "daemon/log.h"
#include "daemon/offload.h"
#include "daemon/privilege.h"
#include "daemon/uapi_server.h"
#include "daemon/wgcd.h"

#ifndef WGC_VERSION
#define WGC_VERSION "0.1.0"
#endif

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [-f/--foreground] [--user USER] [--seccomp] INTERFACE-NAME\n", prog);
}

static void uapi_gone(void *ctx)
{
	wgc_log(WGC_LOG_VERBOSE, "UAPI socket was removed; shutting down");
	wgcd_request_stop(ctx);
}

static int run(struct wgcd *d, int sig_fd, int watch_fd)
{
	struct pollfd pfd[3] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = watch_fd, .events = POLLIN },
		{ .fd = d->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents) {
			int sig = wgc_signals_read(sig_fd);
			if (sig > 0) {
				wgc_log(WGC_LOG_VERBOSE, "Shutting down (signal %d)", sig);
				return 0;
			}
		}
		if (pfd[2].revents)
			return 0;
		if (pfd[1].revents) {
			struct wgc_tun_event ev;
			int r = wgc_tun_watch_read(watch_fd, d->tun.ifindex, &ev);
			if (r == -ENOBUFS) {
				int flags = wgc_tun_get_flags(&d->tun);
				if (flags == -ENODEV)
					return 0;
				if (flags >= 0)
					wgcd_link_changed(d, (flags & IFF_UP) != 0, wgc_tun_get_mtu(&d->tun));
				continue;
			}
			if (r > 0 && ev.events & WGC_TUN_EV_DELETED) {
				wgc_log(WGC_LOG_VERBOSE, "Interface was deleted; shutting down");
				return 0;
			}
			if (r > 0 && ev.events & (WGC_TUN_EV_LINK | WGC_TUN_EV_MTU)) {
				int flags = ev.events & WGC_TUN_EV_LINK ? (int)ev.ifflags : wgc_tun_get_flags(&d->tun);
				wgcd_link_changed(d, flags >= 0 && (flags & IFF_UP),
						  ev.events & WGC_TUN_EV_MTU ? ev.mtu : 0);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static struct wgcd d;
	struct wgc_uapi_server *uapi = NULL;
	struct wgc_uapi_server_config cfg = { 0 };
	struct wgc_offload_config offload;
	char err[WGC_UAPI_SERVER_ERRLEN];
	const char *ifname = NULL, *user = NULL, *log_env = getenv("LOG_LEVEL");
	bool foreground = wgc_daemonize_foreground_from_env(), seccomp = false;
	int i, ret, sig_fd = -1, watch_fd = -1, flags;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--foreground")) {
			foreground = true;
		} else if (!strcmp(argv[i], "--seccomp")) {
			seccomp = true;
		} else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
			user = argv[++i];
		} else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-v")) {
			printf("wgcd v%s\n\nUserspace WireGuard daemon for Linux.\n", WGC_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout, argv[0]);
			return 0;
		} else if (!ifname && argv[i][0] != '-') {
			ifname = argv[i];
		} else {
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (!ifname) {
		usage(stderr, argv[0]);
		return 1;
	}
	wgc_log_init(ifname, wgc_log_level_parse(log_env));
	if (wgcd_protect_memory())
		fprintf(stderr, "wgcd: warning: cannot disable core dumps: %s\n", strerror(errno));
	if (wgc_tun_name_valid(ifname)) {
		fprintf(stderr, "wgcd: invalid interface name '%s'\n", ifname);
		return 1;
	}
	if (!wgc_crypto_init()) {
		fprintf(stderr, "wgcd: no working cryptography backend\n");
		return 1;
	}
	ret = wgcd_init(&d, ifname);
	if (ret) {
		fprintf(stderr, "wgcd: %s\n", strerror(-ret));
		return 1;
	}

	/* everything that can fail for the user's reasons happens before detaching */
	offload = wgc_offload_config_from_env();
	ret = wgc_tun_open(&d.tun, ifname, 1, WGC_TUN_NONBLOCK | (offload.tun_offload ? WGC_TUN_VNET_HDR : 0),
			   WGC_DEFAULT_MTU);
	if (ret) {
		fprintf(stderr, "wgcd: cannot create TUN interface '%s': %s\n", ifname,
			ret == -EBUSY ? "the name is taken by another interface or process" : strerror(-ret));
		return 1;
	}
	cfg.ifname = ifname;
	/* a 100,000-peer setconf is about 20 MB; only root can reach the socket */
	cfg.max_request = 128 << 20;
	cfg.handle = wgcd_uapi_handle;
	cfg.gone = uapi_gone;
	cfg.ctx = &d;
	ret = wgc_uapi_server_open(&uapi, &cfg, err);
	if (ret) {
		fprintf(stderr, "wgcd: %s\n", err);
		wgc_tun_close(&d.tun);
		return 1;
	}
	ret = wgc_udp_open(&d.udp, 0, 0);
	if (ret) {
		fprintf(stderr, "wgcd: cannot open UDP sockets: %s\n", strerror(-ret));
		wgc_uapi_server_close(uapi);
		wgc_tun_close(&d.tun);
		return 1;
	}
	/* offloads are an optimisation: whatever the kernel refuses, we do without */
	d.vnet = (d.tun.flags & WGC_TUN_VNET_HDR) != 0;
	if (d.vnet && wgc_tun_enable_offloads(&d.tun, true) < 0)
		wgc_log(WGC_LOG_VERBOSE, "TUN offloads unavailable; segments arrive one by one");
	if (offload.udp_gso && wgc_udp_enable_gso(&d.udp))
		wgc_log(WGC_LOG_VERBOSE, "UDP GSO unavailable");
	if (offload.udp_gro && wgc_udp_enable_gro(&d.udp))
		wgc_log(WGC_LOG_VERBOSE, "UDP GRO unavailable");
	watch_fd = wgc_tun_watch_open();
	if (watch_fd < 0) {
		fprintf(stderr, "wgcd: cannot watch interface events: %s\n", strerror(-watch_fd));
		return 1;
	}
	wgc_device_set_mtu(d.core, (size_t)(wgc_tun_get_mtu(&d.tun) > 0 ? wgc_tun_get_mtu(&d.tun) : WGC_DEFAULT_MTU));

	ret = wgc_daemonize_begin(foreground, wgc_daemonize_keep_output(log_env));
	if (ret) {
		fprintf(stderr, "wgcd: cannot detach: %s\n", strerror(-ret));
		return 1;
	}
	/* all that needed root is done; capabilities are per thread, so drop before any exists */
	if (wgcd_drop_privileges(user, err, sizeof(err)) || (seccomp && wgcd_install_seccomp(err, sizeof(err)))) {
		wgc_log(WGC_LOG_ERROR, "%s", err);
		if (foreground)
			fprintf(stderr, "wgcd: %s\n", err);
		wgc_daemonize_ready(1);
		return 1;
	}
	sig_fd = wgc_signals_open();
	if (sig_fd < 0 || wgcd_start(&d) || wgc_uapi_server_start(uapi)) {
		wgc_log(WGC_LOG_ERROR, "Failed to start");
		wgc_daemonize_ready(1);
		return 1;
	}
	flags = wgc_tun_get_flags(&d.tun);
	if (flags > 0 && flags & IFF_UP)
		wgcd_link_changed(&d, true, 0);
	wgc_log(WGC_LOG_VERBOSE, "Device started");
	wgc_daemonize_ready(0);

	ret = run(&d, sig_fd, watch_fd);
	wgc_log(WGC_LOG_VERBOSE, "Device closing");
	/* sockets first: whoever waits for the UAPI socket to vanish may rebind the port at once */
	wgcd_stop(&d);
	wgc_uapi_server_close(uapi);
	wgcd_destroy(&d);
	close(watch_fd);
	close(sig_fd);
	wgc_log(WGC_LOG_VERBOSE, "Shutting down");
	return ret ? 1 : 0;
}

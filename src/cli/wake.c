// SPDX-License-Identifier: MIT
/*
 * wgc wake: Wake-on-LAN from the hub (by MAC or by a peer's name), from a
 * remote peer through the tunnel (--via), and the hub's responder for that
 * (--serve IF). The responder trusts WireGuard's cryptokey routing: it
 * listens only on the hub's tunnel addresses with SO_BINDTODEVICE on the
 * WireGuard interface, so a request got there only after being decrypted
 * with a peer's session, and it also checks that the source address is in
 * the AllowedIPs of a peer in the hub's file (re-read for every request, so
 * a removed peer loses the right at once). Names come from the file only.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/hub.h"
#include "cli/hub_util.h"
#include "cli/quick_conf.h"
#include "cli/wgc.h"
#include "common/addr.h"
#include "provision/pool.h"
#include "provision/wake.h"

enum { VIA_TRIES = 3, VIA_WAIT_MS = 1000, SERVE_MAX_PER_SEC = 20 };

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s wake NAME|MAC [--iface LAN_IFACE] [--config-dir DIR]   (on the hub)\n"
		"       %s wake --via HUB_TUNNEL_ADDRESS NAME                      (from a peer)\n"
		"       %s wake --serve IF [--iface LAN_IFACE] [--config-dir DIR]  (the hub's responder)\n"
		"  Sends a magic packet (UDP broadcast to port %d and an Ethernet frame of type 0x%04x) on\n"
		"  the LAN interface. NAME is a hub peer with a `# mac = ...' line. See doc/hub.md.\n",
		PROG_NAME, PROG_NAME, PROG_NAME, WGC_WOL_UDP_PORT, WGC_WOL_ETHERTYPE);
}

/* Sends the magic packet both ways on iface; false (with a message) when neither went out. */
static bool send_magic(const char *iface, const uint8_t mac[6])
{
	uint8_t pkt[WGC_WOL_LEN];
	struct sockaddr_in bc = { .sin_family = AF_INET, .sin_port = htons(WGC_WOL_UDP_PORT),
				  .sin_addr.s_addr = htonl(INADDR_BROADCAST) };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(WGC_WOL_ETHERTYPE), .sll_halen = 6 };
	int one = 1, fd, sent = 0;

	wgc_wol_magic(pkt, mac);
	ll.sll_ifindex = (int)if_nametoindex(iface);
	if (!ll.sll_ifindex) {
		fprintf(stderr, "%s: wake: LAN interface `%s': %s\n", PROG_NAME, iface, strerror(errno));
		return false;
	}
	memset(ll.sll_addr, 0xff, 6);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) &&
	    !setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface)) &&
	    sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&bc, sizeof(bc)) == (ssize_t)sizeof(pkt))
		sent++;
	else
		fprintf(stderr, "%s: wake: UDP broadcast on %s: %s\n", PROG_NAME, iface, strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(WGC_WOL_ETHERTYPE));
	if (fd >= 0 && sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ll, sizeof(ll)) == (ssize_t)sizeof(pkt))
		sent++;
	else
		fprintf(stderr, "%s: wake: Ethernet frame on %s: %s\n", PROG_NAME, iface, strerror(errno));
	if (fd >= 0)
		close(fd);
	return sent > 0;
}

/* The hub's first `# wgc lan' that is an interface name. */
static const char *hub_lan_iface(const struct wgc_hub_file *hf)
{
	for (size_t i = 0; i < hf->n_lan; i++)
		if (wgc_ifname_quick_valid(hf->lan[i], strlen(hf->lan[i])))
			return hf->lan[i];
	return NULL;
}

/* Finds NAME in the hubs of dir: its MAC and the hub's LAN interface (copied to lan). */
/* A peer after p, in the same file, with p's name and another MAC (or none): the name says no one machine. */
static const struct wgc_hub_peer *other_machine(const struct wgc_hub_file *hf, const struct wgc_hub_peer *p)
{
	const struct wgc_hub_peer *q = p;

	while ((q = wgc_hub_find_next(hf, p->name, q, false)))
		if (q->has_mac != p->has_mac || memcmp(q->mac, p->mac, 6))
			return q;
	return NULL;
}

struct wake_match {
	bool found, nomac, clash;
	uint8_t mac[6];
	char lan[WGC_HUB_VALUE_MAX], where[64]; /* where: "IF line N" of the first match */
};

/* The peers named name in one hub file, into m; a second machine of that name (here or in an earlier hub) is a clash. */
static void match_hub(struct wake_match *m, const struct cli_hub *hub, const char *ifname, const char *name)
{
	for (const struct wgc_hub_peer *p = NULL; (p = wgc_hub_find_next(&hub->hf, name, p, false));) {
		const char *l = hub_lan_iface(&hub->hf);
		char macs[18];

		if (!p->has_mac) {
			m->nomac = true;
			continue;
		}
		if (m->found && memcmp(m->mac, p->mac, 6)) {
			wgc_mac_format(macs, p->mac);
			fprintf(stderr, "%s: wake: `%s' names more than one machine: %s and %s line %u (%s); wake by MAC\n",
				PROG_NAME, name, m->where, ifname, p->line, macs);
			m->clash = true;
			return;
		}
		if (m->found)
			continue;
		memcpy(m->mac, p->mac, 6);
		snprintf(m->lan, sizeof(m->lan), "%s", l ? l : "");
		wgc_mac_format(macs, p->mac);
		snprintf(m->where, sizeof(m->where), "%s line %u (%s)", ifname, p->line, macs);
		m->found = true;
	}
}

/* The MAC of the machine named name in the hubs of dir: one machine, or an error (none, no MAC, several). */
static bool lookup_name(const char *dir, const char *name, uint8_t mac[6], char *lan, size_t lancap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct wake_match m = { 0 };

	if (!d) {
		fprintf(stderr, "%s: wake: %s: %s\n", PROG_NAME, dir, strerror(errno));
		return false;
	}
	/* every hub is read: a name two hubs give to different machines is refused, not guessed */
	while (!m.clash && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct cli_hub hub;
		char ifname[16];

		if (n < 6 || n - 5 >= sizeof(ifname) || strcmp(e->d_name + n - 5, ".conf"))
			continue;
		snprintf(ifname, sizeof(ifname), "%.*s", (int)(n - 5), e->d_name);
		if (!wgc_ifname_quick_valid(ifname, strlen(ifname)))
			continue;
		/* quietly: files that are not hubs are no business of ours */
		if (!cli_hub_load_quiet(&hub, dir, ifname, true))
			continue;
		match_hub(&m, &hub, ifname, name);
		cli_hub_free(&hub);
	}
	closedir(d);
	if (m.clash)
		return false;
	if (!m.found)
		fprintf(stderr, "%s: wake: %s\n", PROG_NAME,
			m.nomac ? "that peer has no `# mac = ' line (use `peer learn-mac')" : "no hub peer has that name");
	memcpy(mac, m.mac, 6);
	snprintf(lan, lancap, "%s", m.lan);
	return m.found;
}

static int wake_local(const char *target, const char *iface, const char *dir)
{
	uint8_t mac[6];
	char lan[WGC_HUB_VALUE_MAX] = "", macs[18];

	if (!wgc_mac_parse(mac, target)) {
		if (!wgc_hub_name_valid(target)) {
			fprintf(stderr, "%s: wake: `%s' is neither a MAC address nor a peer name\n", PROG_NAME, target);
			return 1;
		}
		if (!lookup_name(dir, target, mac, lan, sizeof(lan)))
			return 1;
	}
	if (iface)
		snprintf(lan, sizeof(lan), "%s", iface);
	if (!lan[0]) {
		fprintf(stderr, "%s: wake: which LAN interface? give --iface (the hub names none in `# wgc lan')\n",
			PROG_NAME);
		return 1;
	}
	if (!send_magic(lan, mac))
		return 1;
	wgc_mac_format(macs, mac);
	fprintf(stderr, "%s: wake: sent a magic packet for %s on %s\n", PROG_NAME, macs, lan);
	return 0;
}

static int wake_via(const char *hub_addr, const char *name)
{
	union wgc_endpoint to = { 0 };
	char req[WGC_WAKE_MSG_MAX], reply[WGC_WAKE_MSG_MAX + 1];
	size_t len;
	int fd;

	if (!wgc_hub_name_valid(name) || !(len = wgc_wake_request_format(req, name))) {
		fprintf(stderr, "%s: wake: `%s' is not a valid peer name\n", PROG_NAME, name);
		return 1;
	}
	if (inet_pton(AF_INET, hub_addr, &to.addr4.sin_addr) == 1) {
		to.addr4.sin_family = AF_INET;
		to.addr4.sin_port = htons(WGC_WAKE_PORT);
	} else if (inet_pton(AF_INET6, hub_addr, &to.addr6.sin6_addr) == 1) {
		to.addr6.sin6_family = AF_INET6;
		to.addr6.sin6_port = htons(WGC_WAKE_PORT);
	} else {
		fprintf(stderr, "%s: wake: --via `%s' is not an IP address (the hub's tunnel address)\n", PROG_NAME, hub_addr);
		return 1;
	}
	fd = socket(to.addr.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, &to.addr, to.addr.sa_family == AF_INET ? sizeof(to.addr4) : sizeof(to.addr6))) {
		fprintf(stderr, "%s: wake: %s: %s\n", PROG_NAME, hub_addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	/* UDP may lose the first datagram while the tunnel's handshake completes: retry */
	for (int i = 0; i < VIA_TRIES; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (send(fd, req, len, 0) < 0 && errno != ECONNREFUSED)
			break;
		if (poll(&pfd, 1, VIA_WAIT_MS) <= 0)
			continue;
		n = recv(fd, reply, sizeof(reply) - 1, 0);
		if (n <= 0)
			continue;
		reply[n] = '\0';
		close(fd);
		if (!strncmp(reply, "ok ", 3)) {
			fprintf(stderr, "%s: wake: the hub woke %s", PROG_NAME, reply + 3);
			return 0;
		}
		fprintf(stderr, "%s: wake: the hub %s", PROG_NAME, reply);
		return 1;
	}
	close(fd);
	fprintf(stderr, "%s: wake: no answer from %s port %d (is `%s wake --serve' running on the hub, and is this "
			"host its peer?)\n",
		PROG_NAME, hub_addr, WGC_WAKE_PORT, PROG_NAME);
	return 1;
}

/* The source is some named peer's allowed IP (in the file as it is now). */
static const struct wgc_hub_peer *sender_peer(const struct wgc_hub_file *hf, const union wgc_endpoint *from)
{
	struct wgc_allowed_ip src = { .family = from->addr.sa_family };

	if (src.family == AF_INET) {
		src.ip4 = from->addr4.sin_addr;
		src.cidr = 32;
	} else {
		src.ip6 = from->addr6.sin6_addr;
		src.cidr = 128;
	}
	for (size_t i = 0; i < hf->n_peers; i++)
		for (size_t j = 0; j < hf->peers[i].n_ips; j++)
			if (wgc_prefix_contains(&hf->peers[i].ips[j], &src))
				return &hf->peers[i];
	return NULL;
}

/* One request: the answer goes to reply. */
static void serve_one(const char *dir, const char *ifname, const char *iface, const char *req, size_t len,
		      const union wgc_endpoint *from, char *reply, size_t cap)
{
	char name[WGC_HUB_NAME_MAX + 1], ep[WGC_ENDPOINT_STRLEN] = "?", macs[18], lan[WGC_HUB_VALUE_MAX];
	const struct wgc_hub_peer *asker, *target;
	struct cli_hub hub;

	wgc_endpoint_format(ep, from);
	if (!wgc_wake_request_parse(req, len, name)) {
		snprintf(reply, cap, "refused malformed request\n");
		fprintf(stderr, "%s: wake --serve %s: %s: %s", PROG_NAME, ifname, ep, reply);
		return;
	}
	if (!cli_hub_load(&hub, dir, ifname)) {
		snprintf(reply, cap, "refused hub file unreadable\n");
		return;
	}
	asker = sender_peer(&hub.hf, from);
	target = wgc_hub_find(&hub.hf, name);
	if (!asker)
		snprintf(reply, cap, "refused %s is not a peer of %s\n", ep, ifname);
	else if (!target)
		snprintf(reply, cap, "refused unknown name %s\n", name);
	else if (other_machine(&hub.hf, target))
		snprintf(reply, cap, "refused %s names more than one peer\n", name);
	else if (!target->has_mac)
		snprintf(reply, cap, "refused %s has no MAC address\n", name);
	else {
		snprintf(lan, sizeof(lan), "%s", iface ? iface : (hub_lan_iface(&hub.hf) ? hub_lan_iface(&hub.hf) : ""));
		wgc_mac_format(macs, target->mac);
		if (lan[0] && send_magic(lan, target->mac))
			snprintf(reply, cap, "ok %s %s\n", name, macs);
		else
			snprintf(reply, cap, "refused no LAN interface to send on\n");
	}
	fprintf(stderr, "%s: wake --serve %s: %s (%s) asks for %s: %s", PROG_NAME, ifname, ep,
		asker && asker->name[0] ? asker->name : "?", name, reply);
	cli_hub_free(&hub);
}

/* A socket on one of the hub's tunnel addresses, only for packets that came in on the WireGuard interface. */
static int serve_socket(const struct wgc_allowed_ip *addr, const char *ifname)
{
	union wgc_endpoint a = { 0 };
	int fd = socket(addr->family, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;
	socklen_t alen;

	if (addr->family == AF_INET) {
		a.addr4.sin_family = AF_INET;
		a.addr4.sin_port = htons(WGC_WAKE_PORT);
		a.addr4.sin_addr = addr->ip4;
		alen = sizeof(a.addr4);
	} else {
		a.addr6.sin6_family = AF_INET6;
		a.addr6.sin6_port = htons(WGC_WAKE_PORT);
		a.addr6.sin6_addr = addr->ip6;
		alen = sizeof(a.addr6);
	}
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) ||
	    setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)) || bind(fd, &a.addr, alen)) {
		fprintf(stderr, "%s: wake --serve %s: %s\n", PROG_NAME, ifname, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int serve(const char *ifname, const char *iface, const char *dir)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd[WGC_HUB_MAX_ADDRS];
	struct cli_hub hub;
	size_t n = 0;
	time_t window = 0;
	unsigned in_window = 0;

	if (!cli_hub_load(&hub, dir, ifname))
		return 1;
	for (size_t i = 0; i < hub.hf.n_addrs; i++) {
		int fd;

		/* a saved file may list the kernel's fe80:: address: peers use the routed ones */
		if (hub.hf.addrs[i].family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&hub.hf.addrs[i].ip6))
			continue;
		fd = serve_socket(&hub.hf.addrs[i], ifname);

		if (fd < 0) {
			cli_hub_free(&hub);
			while (n)
				close(pfd[--n].fd);
			return 1;
		}
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	cli_hub_free(&hub);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "%s: wake --serve %s: listening on the tunnel addresses, port %d\n", PROG_NAME, ifname,
		WGC_WAKE_PORT);
	while (!stopping) {
		if (poll(pfd, n, -1) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			char req[WGC_WAKE_MSG_MAX], reply[256];
			union wgc_endpoint from = { 0 };
			socklen_t flen = sizeof(from);
			ssize_t len;

			if (!(pfd[i].revents & POLLIN))
				continue;
			len = recvfrom(pfd[i].fd, req, sizeof(req), MSG_DONTWAIT, &from.addr, &flen);
			if (len < 0)
				continue;
			/* a flood of requests must not become a flood of magic packets on the LAN */
			if (time(NULL) != window)
				window = time(NULL), in_window = 0;
			if (++in_window > SERVE_MAX_PER_SEC)
				continue;
			serve_one(dir, ifname, iface, req, (size_t)len, &from, reply, sizeof(reply));
			sendto(pfd[i].fd, reply, strlen(reply), 0, &from.addr, flen);
		}
	}
	while (n)
		close(pfd[--n].fd);
	return 0;
}

int wake_main(int argc, const char *argv[])
{
	const char *via = NULL, *serve_if = NULL, *iface = NULL, *dir = NULL, *target = NULL;

	for (int i = 1; i < argc; i++) {
		const char *v;

		if ((v = cli_opt_value(argc, argv, &i, "--via")))
			via = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--serve")))
			serve_if = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--iface")))
			iface = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--config-dir")))
			dir = v;
		else if (argv[i][0] != '-' && !target)
			target = argv[i];
		else {
			usage();
			return !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ? 0 : 1;
		}
	}
	dir = cli_hub_config_dir(dir);
	if (serve_if && !target && !via)
		return serve(serve_if, iface, dir);
	if (via && target && !serve_if)
		return wake_via(via, target);
	if (target && !via && !serve_if)
		return wake_local(target, iface, dir);
	usage();
	return 1;
}

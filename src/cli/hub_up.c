// SPDX-License-Identifier: MIT
/*
 * What `wgc up' and `wgc down' do for a hub beyond wg-quick: forwarding
 * for the families the hub routes (on at `up', said out loud; the previous
 * value remembered in /run/wgc/IF.forwarding and put back at `down'),
 * the accept_ra trap of IPv6 forwarding, LAN prefixes that overlap peers'
 * allowed IPs, and the peers' names through SaveConfig.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/hub.h"
#include "cli/hub_util.h"
#include "cli/quick_conf.h"
#include "cli/quick_exec.h"
#include "cli/wgc.h"
#include "common/addr.h"
#include "common/config.h"
#include "core/crypto.h"
#include "provision/pool.h"

#define STATE_DIR "/run/wgc"

static const char *const forward_knob[2] = { "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding" };

bool cli_hub_accept_ra2;

/* This network namespace, as "netns=net:[INODE]": forwarding is per namespace, the state files are not. */
static void netns_line(char *out, size_t cap)
{
	char link[64];
	ssize_t n = readlink("/proc/self/ns/net", link, sizeof(link) - 1);

	link[n > 0 ? n : 0] = '\0';
	snprintf(out, cap, "netns=%s\n", link);
}

static int read_knob(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static bool write_knob(const char *path, int v)
{
	FILE *f = fopen(path, "we");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%d\n", v) > 0;
	return fclose(f) == 0 && ok;
}

static bool read_hub(const char *path, struct wgc_hub_file *hf)
{
	char err[WGC_CONFIG_ERRLEN], herr[WGC_HUB_ERRLEN];
	char *buf;
	size_t len;
	bool ok;

	if (!wgc_config_read_file(path, &buf, &len, false, err, sizeof(err), NULL))
		return false;
	ok = wgc_hub_file_parse(hf, buf, len, herr);
	wgc_wipe(buf, len);
	free(buf);
	if (ok && !hf->is_hub) {
		wgc_hub_file_free(hf);
		ok = false;
	}
	return ok;
}

/* Whether dev carries an IPv6 default route (the uplink); true for every device when there is none. */
static bool is_uplink(const struct wgc_strbuf *routes, const char *dev)
{
	char needle[300];

	if (!routes->data || !strstr(routes->data, " dev "))
		return true;
	snprintf(needle, sizeof(needle), " dev %s ", dev);
	return strstr(routes->data, needle) != NULL;
}

static void accept_ra_check(const char *ifname)
{
	DIR *d = opendir("/proc/sys/net/ipv6/conf");
	struct wgc_strbuf routes = { 0 };
	struct dirent *e;

	wgc_quick_query(&routes, "ip", "-6", "route", "show", "default", (char *)NULL);
	while (d && (e = readdir(d))) {
		char knob[300];

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "all") || !strcmp(e->d_name, "default") ||
		    !strcmp(e->d_name, "lo") || !strcmp(e->d_name, ifname))
			continue;
		snprintf(knob, sizeof(knob), "/proc/sys/net/ipv6/conf/%s/accept_ra", e->d_name);
		if (read_knob(knob) != 1)
			continue;
		if (cli_hub_accept_ra2 && is_uplink(&routes, e->d_name) && write_knob(knob, 2))
			fprintf(stderr, "[#] hub %s: set accept_ra = 2 on the uplink %s (it keeps accepting router "
					"advertisements)\n",
				ifname, e->d_name);
		else
			fprintf(stderr, "[!] hub %s: %s has accept_ra = 1: with IPv6 forwarding on it stops accepting router "
					"advertisements (and may lose its address); `%s up --accept-ra-2' sets 2 on the uplink\n",
				ifname, e->d_name, PROG_NAME);
	}
	if (d)
		closedir(d);
	wgc_strbuf_free(&routes);
}

size_t cli_hub_lan_prefixes(const char *lan, struct wgc_allowed_ip *out, size_t cap)
{
	struct wgc_strbuf q = { 0 };
	size_t n = 0;

	if (wgc_prefix_parse(&out[0], lan, true)) {
		wgc_prefix_canonicalize(&out[0]);
		return 1;
	}
	wgc_quick_query(&q, "ip", "-o", "addr", "show", "dev", lan, "scope", "global", (char *)NULL);
	for (char *t = q.data ? strtok(q.data, " \n") : NULL; t && n < cap; t = strtok(NULL, " \n"))
		if ((!strcmp(t, "inet") || !strcmp(t, "inet6")) && (t = strtok(NULL, " \n")) &&
		    wgc_prefix_parse(&out[n], t, true))
			wgc_prefix_canonicalize(&out[n++]);
	wgc_strbuf_free(&q);
	return n;
}

static void overlap_check(const struct wgc_hub_file *hf, const char *ifname)
{
	for (size_t l = 0; l < hf->n_lan; l++) {
		struct wgc_allowed_ip lan[8];
		size_t n = cli_hub_lan_prefixes(hf->lan[l], lan, 8);

		for (size_t k = 0; k < n; k++)
			for (size_t i = 0; i < hf->n_peers; i++)
				for (size_t j = 0; j < hf->peers[i].n_ips; j++) {
					char a[WGC_PREFIX_STRLEN], b[WGC_PREFIX_STRLEN];

					if (!wgc_prefix_overlaps(&lan[k], &hf->peers[i].ips[j]))
						continue;
					wgc_prefix_format(a, &lan[k]);
					wgc_prefix_format(b, &hf->peers[i].ips[j]);
					fprintf(stderr, "[!] hub %s: the LAN prefix %s (%s) overlaps peer %s's allowed IP %s: "
							"traffic for it may go the wrong way\n",
						ifname, a, hf->lan[l], hf->peers[i].name, b);
				}
	}
}

void cli_hub_up(const char *path, const char *ifname, bool accept_ra_uplink)
{
	struct wgc_hub_file hf;
	bool fam[2] = { false, false };
	char state[128], saved[160] = "";

	if (!read_hub(path, &hf))
		return;
	cli_hub_accept_ra2 = cli_hub_accept_ra2 || accept_ra_uplink;
	for (size_t i = 0; i < hf.n_addrs; i++) /* a saved file may list the kernel's fe80:: address: not routed */
		if (hf.addrs[i].family == AF_INET || !IN6_IS_ADDR_LINKLOCAL(&hf.addrs[i].ip6))
			fam[hf.addrs[i].family == AF_INET6] = true;
	for (int f = 0; f < 2; f++) {
		int was = fam[f] ? read_knob(forward_knob[f]) : -1;

		if (was < 0)
			continue;
		snprintf(saved + strlen(saved), sizeof(saved) - strlen(saved), "%d=%d\n", f, was);
		if (was)
			fprintf(stderr, "[#] hub %s: IPv%d forwarding is on\n", ifname, f ? 6 : 4);
		else if (write_knob(forward_knob[f], 1))
			fprintf(stderr, "[#] hub %s: turned IPv%d forwarding on (it was off; `down' turns it off again)\n",
				ifname, f ? 6 : 4);
		else
			fprintf(stderr, "[!] hub %s: IPv%d forwarding is off and could not be turned on: %s\n", ifname,
				f ? 6 : 4, strerror(errno));
	}
	if (saved[0])
		netns_line(saved + strlen(saved), sizeof(saved) - strlen(saved));
	if (fam[1])
		accept_ra_check(ifname);
	overlap_check(&hf, ifname);
	wgc_hub_file_free(&hf);
	mkdir(STATE_DIR, 0700);
	snprintf(state, sizeof(state), STATE_DIR "/%s.forwarding", ifname);
	if (saved[0] && access(state, F_OK))
		cli_write_private(state, saved, strlen(saved));
}

/* Whether the state file dir/name belongs to this namespace. */
static bool same_netns(const char *name)
{
	char path[300], line[64], mine[80];
	bool same = false;
	FILE *f;

	snprintf(path, sizeof(path), STATE_DIR "/%s", name);
	netns_line(mine, sizeof(mine));
	f = fopen(path, "re");
	while (f && !same && fgets(line, sizeof(line), f))
		same = !strcmp(line, mine);
	if (f)
		fclose(f);
	return same;
}

/* Another hub that wgc brought up in this namespace is still up (its state file exists): it needs forwarding too. */
static bool other_hub_up(const char *ifname, char *other, size_t cap)
{
	DIR *d = opendir(STATE_DIR);
	struct dirent *e;
	char mine[64];
	bool found = false;

	snprintf(mine, sizeof(mine), "%s.forwarding", ifname);
	while (d && !found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 11 && !strcmp(e->d_name + n - 11, ".forwarding") && strcmp(e->d_name, mine) &&
		    same_netns(e->d_name)) {
			snprintf(other, cap, "%.*s", (int)(n - 11), e->d_name);
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

void cli_hub_down(const char *ifname)
{
	char other[64];
	char state[128], line[32];
	FILE *f;

	snprintf(state, sizeof(state), STATE_DIR "/%s.forwarding", ifname);
	f = fopen(state, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int fam, was;

		if (sscanf(line, "%d=%d", &fam, &was) != 2 || fam < 0 || fam > 1)
			continue;
		if (was)
			fprintf(stderr, "[#] hub %s: IPv%d forwarding stays on (it was on before `up')\n", ifname, fam ? 6 : 4);
		else if (other_hub_up(ifname, other, sizeof(other)))
			fprintf(stderr, "[#] hub %s: IPv%d forwarding stays on (the hub %s still needs it)\n", ifname,
				fam ? 6 : 4, other);
		else if (write_knob(forward_knob[fam], 0))
			fprintf(stderr, "[#] hub %s: IPv%d forwarding back off, as it was before `up'\n", ifname, fam ? 6 : 4);
	}
	fclose(f);
	unlink(state);
}

// SPDX-License-Identifier: MIT
/*
 * wgc peer add/list/show/remove/learn-mac: a hub's peers, in its file and
 * (when it is up) in the running interface. Changes go to the file first
 * and then to the interface; when the interface refuses, the file gets its
 * old bytes back, so the two never disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/hub.h"
#include "cli/hub_util.h"
#include "cli/quick_exec.h"
#include "cli/wgc.h"
#include "common/addr.h"
#include "common/config.h"
#include "ipc/ipc.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "provision/pool.h"
#include "provision/qr.h"
#include "provision/render.h"

enum { KEEPALIVE_DEFAULT = 25, PNG_SCALE = 8, PNG_QUIET = 4, TERM_QUIET = 2 };

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s peer add IF NAME [--full-tunnel | --allowed-ips PREFIX[,...]] [--keepalive N] [--no-psk]\n"
		"                        [--out FILE] [--png FILE] [--lan-endpoint ADDR:PORT] [--keep-keys]\n"
		"                        [--show-secrets] [--no-qr]\n"
		"       %s peer list IF\n"
		"       %s peer show IF NAME [--qr] [--show-secrets]\n"
		"       %s peer remove IF NAME\n"
		"       %s peer learn-mac IF NAME [--mac aa:bb:cc:dd:ee:ff]\n"
		"  Every form takes --config-dir DIR (default $WGC_CONFIG_DIR, else /etc/wireguard).\n"
		"  Profiles hold the peer's private key: they go to stdout only when it is a terminal\n"
		"  (or with --show-secrets); the hub keeps no copy unless --keep-keys. See doc/hub.md.\n",
		PROG_NAME, PROG_NAME, PROG_NAME, PROG_NAME, PROG_NAME);
}

/* What a new peer is made of; wiped when done. */
struct new_peer {
	uint8_t private_key[32], public_key[32], psk[32];
	struct wgc_allowed_ip ips[2];
	size_t n_ips;
	struct wgc_strbuf profile, home;
};

static void new_peer_free(struct new_peer *np)
{
	wgc_strbuf_free(&np->profile);
	wgc_strbuf_free(&np->home);
	wgc_wipe(np, sizeof(*np));
}

static bool allocate(const struct cli_hub *hub, const char *name, struct new_peer *np)
{
	const struct wgc_hub_file *hf = &hub->hf;
	size_t n_used = hf->n_addrs, k = 0;
	struct wgc_allowed_ip *used;
	char pfx[WGC_PREFIX_STRLEN];
	bool ok = true;

	for (size_t i = 0; i < hf->n_peers; i++)
		n_used += hf->peers[i].n_ips;
	used = calloc(n_used + 1, sizeof(*used));
	if (!used)
		return false;
	for (size_t i = 0; i < hf->n_addrs; i++) {
		used[k] = hf->addrs[i]; /* the hub's own address, not its whole subnet */
		used[k++].cidr = hf->addrs[i].family == AF_INET ? 32 : 128;
	}
	for (size_t i = 0; i < hf->n_peers; i++)
		for (size_t j = 0; j < hf->peers[i].n_ips; j++)
			used[k++] = hf->peers[i].ips[j];
	for (size_t i = 0; i < hf->n_subnets && ok; i++) {
		if (wgc_pool_next(&hf->subnets[i], used, k, &np->ips[np->n_ips])) {
			np->n_ips++;
			continue;
		}
		wgc_prefix_format(pfx, &hf->subnets[i]);
		fprintf(stderr, "%s: peer add %s: subnet %s of %s is full: no free address for `%s' (remove a peer first)\n",
			PROG_NAME, name, pfx, hub->ifname, name);
		ok = false;
	}
	if (ok && !np->n_ips) {
		fprintf(stderr, "%s: peer add: %s has no Address to allocate from\n", PROG_NAME, hub->path);
		ok = false;
	}
	free(used);
	return ok;
}

/* The peer's AllowedIPs in its own profile: --full-tunnel, --allowed-ips, the hub's default, its subnets. */
static bool profile_allowed(const struct cli_peer_opts *o, const struct cli_hub *hub, struct wgc_strbuf *out)
{
	if (o->full_tunnel) {
		wgc_strbuf_printf(out, "0.0.0.0/0, ::/0");
		return true;
	}
	if (o->allowed_ips) {
		if (!cli_prefix_list_check(o->allowed_ips, "peer add: --allowed-ips"))
			return false;
		wgc_strbuf_printf(out, "%s", o->allowed_ips);
		return true;
	}
	if (hub->hf.allowed_ips[0]) {
		wgc_strbuf_printf(out, "%s", hub->hf.allowed_ips);
		return true;
	}
	wgc_prefix_list_format(out, hub->hf.subnets, hub->hf.n_subnets);
	return true;
}

static unsigned keepalive_for(const struct cli_peer_opts *o, const struct cli_hub *hub)
{
	char copy[WGC_HUB_VALUE_MAX], *save = NULL;

	if (o->keepalive >= 0)
		return (unsigned)o->keepalive;
	if (!strcasecmp(hub->hf.keepalive_peers, "all"))
		return KEEPALIVE_DEFAULT;
	snprintf(copy, sizeof(copy), "%s", hub->hf.keepalive_peers);
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		if (!strcmp(t, o->name))
			return KEEPALIVE_DEFAULT;
	return 0;
}

/*
 * The home profile's AllowedIPs: the away list without the prefixes of the
 * hub's LAN, which the peer is on at home (routing them into the tunnel
 * would fight the LAN's own route; wg-quick's `ip route add' fails on it).
 */
static void home_allowed(struct wgc_strbuf *out, const char *away, const struct wgc_hub_file *hf)
{
	struct wgc_allowed_ip lan[32], ip;
	char copy[1024], *save = NULL;
	size_t n_lan = 0;
	bool first = true;

	for (size_t i = 0; i < hf->n_lan && n_lan < 32; i++)
		n_lan += cli_hub_lan_prefixes(hf->lan[i], lan + n_lan, 32 - n_lan);
	snprintf(copy, sizeof(copy), "%s", away);
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		bool on_lan = false;

		if (wgc_prefix_parse(&ip, t, true))
			for (size_t i = 0; i < n_lan && !on_lan; i++)
				on_lan = ip.cidr >= lan[i].cidr && wgc_prefix_overlaps(&ip, &lan[i]);
		if (!on_lan)
			wgc_strbuf_printf(out, "%s%s", first ? "" : ", ", t);
		first = first && on_lan;
	}
}

static bool render_profiles(const struct cli_peer_opts *o, const struct cli_hub *hub, struct new_peer *np)
{
	struct wgc_strbuf allowed = { 0 };
	struct wgc_profile p = {
		.private_key = np->private_key, .hub_public_key = hub->public_key,
		.preshared_key = o->no_psk ? NULL : np->psk, .ips = np->ips, .n_ips = np->n_ips,
		.dns = hub->hf.dns, .endpoint = hub->hf.endpoint, .keepalive = keepalive_for(o, hub),
	};

	if (!profile_allowed(o, hub, &allowed))
		return false;
	p.allowed_ips = allowed.data ? allowed.data : "";
	wgc_profile_render(&np->profile, &p);
	if (o->lan_endpoint) {
		struct wgc_strbuf home = { 0 };

		home_allowed(&home, p.allowed_ips, &hub->hf);
		p.endpoint = o->lan_endpoint;
		p.allowed_ips = home.data ? home.data : p.allowed_ips;
		wgc_profile_render(&np->home, &p);
		wgc_strbuf_free(&home);
	}
	wgc_strbuf_free(&allowed);
	return !np->profile.failed && !np->home.failed;
}

/* path with "-home" before its extension (a.conf -> a-home.conf), for the LAN profile. */
static void home_path(char *out, size_t cap, const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash))
		snprintf(out, cap, "%s-home", path);
	else
		snprintf(out, cap, "%.*s-home%s", (int)(dot - path), path, dot);
}

static bool write_png(const char *path, const struct wgc_strbuf *profile)
{
	struct wgc_strbuf png = { 0 };
	struct wgc_qr qr;
	bool ok = false;

	if (!wgc_qr_encode(&qr, profile->data, profile->len)) {
		fprintf(stderr, "%s: the profile does not fit a QR code\n", PROG_NAME);
		return false;
	}
	if (wgc_qr_render_png(&png, &qr, PNG_SCALE, PNG_QUIET))
		ok = cli_write_private(path, png.data, png.len);
	else
		fprintf(stderr, "%s: %s: could not render the PNG\n", PROG_NAME, path);
	wgc_qr_free(&qr);
	wgc_strbuf_free(&png);
	return ok;
}

/* --out and --png (and their -home twins); on failure the ones this call wrote are removed, nothing else. */
static bool write_outputs(const struct cli_peer_opts *o, const struct new_peer *np)
{
	char paths[4][PATH_MAX];
	bool wrote[4] = { false, false, false, false }, ok = true;

	if (o->out) {
		snprintf(paths[0], PATH_MAX, "%s", o->out);
		home_path(paths[1], PATH_MAX, o->out);
		ok = (wrote[0] = cli_write_private(paths[0], np->profile.data, np->profile.len)) &&
		     (!o->lan_endpoint || (wrote[1] = cli_write_private(paths[1], np->home.data, np->home.len)));
	}
	if (ok && o->png) {
		snprintf(paths[2], PATH_MAX, "%s", o->png);
		home_path(paths[3], PATH_MAX, o->png);
		ok = (wrote[2] = write_png(paths[2], &np->profile)) &&
		     (!o->lan_endpoint || (wrote[3] = write_png(paths[3], &np->home)));
	}
	for (int i = 0; i < 4 && !ok; i++)
		if (wrote[i])
			unlink(paths[i]);
	return ok;
}

static void kept_path(char *out, size_t cap, const char *dir, const char *ifname, const char *name, bool home)
{
	snprintf(out, cap, "%s/%s.peers/%s%s.conf", dir, ifname, name, home ? "-home" : "");
}

static bool keep_profiles(const struct cli_peer_opts *o, const struct new_peer *np)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.peers", o->dir, o->ifname);
	if (mkdir(path, 0700) && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", PROG_NAME, path, strerror(errno));
		return false;
	}
	kept_path(path, sizeof(path), o->dir, o->ifname, o->name, false);
	if (!cli_write_private(path, np->profile.data, np->profile.len))
		return false;
	kept_path(path, sizeof(path), o->dir, o->ifname, o->name, true);
	return !o->lan_endpoint || cli_write_private(path, np->home.data, np->home.len);
}

/* Takes back what write_outputs and keep_profiles wrote (all of it, as both succeeded). */
static void drop_outputs(const struct cli_peer_opts *o)
{
	char path[PATH_MAX];

	if (o->out) {
		unlink(o->out);
		home_path(path, sizeof(path), o->out);
		if (o->lan_endpoint)
			unlink(path);
	}
	if (o->png) {
		unlink(o->png);
		home_path(path, sizeof(path), o->png);
		if (o->lan_endpoint)
			unlink(path);
	}
	for (int home = 0; home < 2 && o->keep_keys; home++) {
		kept_path(path, sizeof(path), o->dir, o->ifname, o->name, home);
		unlink(path);
	}
}

/* The profile text and its half-block QR code on stdout (the caller checked it may hold secrets). */
static void show_profile(const char *title, const struct wgc_strbuf *profile, bool text, bool qr_too)
{
	struct wgc_strbuf out = { 0 };
	struct wgc_qr qr;

	if (text)
		wgc_strbuf_printf(&out, "# %s\n%s", title, profile->data);
	if (qr_too && wgc_qr_encode(&qr, profile->data, profile->len)) {
		if (text)
			wgc_strbuf_printf(&out, "\n");
		wgc_qr_render_utf8(&out, &qr, TERM_QUIET);
		wgc_qr_free(&qr);
	}
	cli_write_stdout(&out);
	wgc_strbuf_free(&out);
}

/* Applies one peer change to the running interface: 0 or -errno. */
static int running_change(const char *ifname, const uint8_t public_key[32], const uint8_t *psk,
			  const struct wgc_allowed_ip *ips, size_t n_ips, bool remove)
{
	struct wgc_device_model dev = { 0 };
	struct wgc_peer_model *p = wgc_model_add_peer(&dev);
	int ret = -ENOMEM;

	snprintf(dev.name, sizeof(dev.name), "%s", ifname);
	if (!p)
		goto out;
	memcpy(p->public_key, public_key, 32);
	p->flags = WGC_PEER_HAS_PUBLIC_KEY | (remove ? WGC_PEER_REMOVE_ME : WGC_PEER_REPLACE_ALLOWEDIPS);
	if (psk) {
		memcpy(p->preshared_key, psk, 32);
		p->flags |= WGC_PEER_HAS_PRESHARED_KEY;
	}
	for (size_t i = 0; i < n_ips && !remove; i++) {
		struct wgc_allowed_ip *a = wgc_model_add_allowed_ip(p);

		if (!a)
			goto out;
		*a = ips[i];
	}
	ret = wgc_ipc_set(&dev, ifname);
out:
	wgc_model_free(&dev);
	return ret;
}

/*
 * The peer's addresses get a route into the interface unless one already
 * covers them (normally the hub's own Address prefix does), as wg-quick's
 * add_route: `ip route show dev IF match PREFIX', else `ip route add'.
 */
static void ensure_routes(const char *ifname, const struct wgc_allowed_ip *ips, size_t n_ips)
{
	for (size_t i = 0; i < n_ips; i++) {
		struct wgc_strbuf out = { 0 };
		char pfx[WGC_PREFIX_STRLEN];
		const char *fam = ips[i].family == AF_INET ? "-4" : "-6";

		wgc_prefix_format(pfx, &ips[i]);
		wgc_quick_query(&out, "ip", fam, "route", "show", "dev", ifname, "match", pfx, (char *)NULL);
		if (!out.data || !out.data[0]) {
			char *argv[] = { "ip", (char *)fam, "route", "add", pfx, "dev", (char *)ifname, NULL };

			fprintf(stderr, "[#] ip %s route add %s dev %s\n", fam, pfx, ifname);
			if (wgc_quick_spawn(argv, NULL, false, NULL, false))
				fprintf(stderr, "%s: %s: could not add the route to %s\n", PROG_NAME, ifname, pfx);
		}
		wgc_strbuf_free(&out);
	}
}

/* Writes text as the hub's file, then applies the change to the running interface (if up); undoes the file on failure. */
static bool commit(struct cli_hub *hub, const struct wgc_strbuf *text, const uint8_t public_key[32],
		   const uint8_t *psk, const struct wgc_allowed_ip *ips, size_t n_ips, bool remove)
{
	bool running = cli_hub_running(hub->ifname);
	struct wgc_strbuf old = { 0 };
	int err;

	if (!cli_hub_store(hub, text))
		return false;
	if (!running)
		return true;
	err = running_change(hub->ifname, public_key, psk, ips, n_ips, remove);
	if (!err) {
		if (!remove)
			ensure_routes(hub->ifname, ips, n_ips);
		return true;
	}
	fprintf(stderr, "%s: %s: the running interface refused the change (%s); %s is unchanged\n", PROG_NAME,
		hub->ifname, strerror(-err), hub->path);
	wgc_strbuf_append(&old, hub->buf, hub->len);
	cli_hub_store(hub, &old);
	wgc_strbuf_free(&old);
	return false;
}

static bool add_prepare(const struct cli_peer_opts *o, struct cli_hub *hub, struct new_peer *np)
{
	const struct wgc_hub_peer *dup;

	if (!wgc_hub_name_valid(o->name)) {
		fprintf(stderr, "%s: peer add: name `%s' is not allowed: use letters, digits and _.+@- (at most %d, "
				"not starting with - or .)\n",
			PROG_NAME, o->name, WGC_HUB_NAME_MAX);
		return false;
	}
	if (!o->out && !o->png && !cli_secrets_to_stdout(o->show_secrets)) {
		fprintf(stderr, "%s: peer add: the profile holds the peer's private key and stdout is not a terminal: "
				"give --out FILE, --png FILE or --show-secrets\n",
			PROG_NAME);
		return false;
	}
	if (o->lan_endpoint) {
		union wgc_endpoint ep;

		if (!wgc_endpoint_parse_numeric(&ep, o->lan_endpoint)) {
			fprintf(stderr, "%s: peer add: --lan-endpoint `%s' is not ADDR:PORT\n", PROG_NAME, o->lan_endpoint);
			return false;
		}
	}
	if (!cli_hub_load(hub, o->dir, o->ifname))
		return false;
	/* names identify peers (peer show/remove, wake, metrics): one name, one peer, whatever the case */
	dup = wgc_hub_find_next(&hub->hf, o->name, NULL, true);
	if (dup) {
		fprintf(stderr, "%s: peer add: %s already has a peer named `%s' (line %u)%s; choose another name\n",
			PROG_NAME, hub->path, dup->name, dup->line,
			strcmp(dup->name, o->name) ? ": names that differ only in case are not told apart" : "");
		return false;
	}
	if (!allocate(hub, o->name, np))
		return false;
	wgc_x25519_generate(np->private_key);
	wgc_x25519_public(np->public_key, np->private_key);
	if (!o->no_psk)
		wgc_random_bytes(np->psk, sizeof(np->psk));
	return render_profiles(o, hub, np);
}

static void announce(const struct cli_peer_opts *o, const struct new_peer *np, bool shown)
{
	struct wgc_strbuf ips = { 0 };

	wgc_prefix_list_format(&ips, np->ips, np->n_ips);
	fprintf(stderr, "%s: added peer `%s' (%s) to %s%s\n", PROG_NAME, o->name, ips.data ? ips.data : "",
		o->ifname, cli_hub_running(o->ifname) ? " (file and running interface)" : " (file; the interface is down)");
	if (!o->keep_keys && (shown || o->out || o->png))
		fprintf(stderr, "%s: note: the hub keeps no copy of %s's private key: what was written or shown now "
				"(profile and QR code) is the only copy; --keep-keys keeps one for `peer show'\n",
			PROG_NAME, o->name);
	wgc_strbuf_free(&ips);
}

int cli_peer_add(const struct cli_peer_opts *o)
{
	struct new_peer np = { 0 };
	struct wgc_strbuf section = { 0 }, text = { 0 };
	struct cli_hub hub = { 0 };
	bool stdout_ok = cli_secrets_to_stdout(o->show_secrets), ok = false;
	char title[128];

	if (!add_prepare(o, &hub, &np))
		goto out;
	wgc_hub_peer_render(&section, o->name, np.public_key, o->no_psk ? NULL : np.psk, np.ips, np.n_ips);
	wgc_hub_append(&text, hub.buf, hub.len, section.data ? section.data : "");
	if (section.failed || text.failed || !write_outputs(o, &np))
		goto out;
	if ((o->keep_keys && !keep_profiles(o, &np)) ||
	    !commit(&hub, &text, np.public_key, o->no_psk ? NULL : np.psk, np.ips, np.n_ips, false)) {
		drop_outputs(o); /* profiles of a peer that was not added */
		goto out;
	}
	ok = true;
	/* on a terminal: the QR code always (that is what a phone scans), the text unless it went to --out */
	if (stdout_ok && (!o->out || !o->no_qr)) {
		snprintf(title, sizeof(title), "%s: profile of `%s' (away)", o->ifname, o->name);
		show_profile(title, &np.profile, !o->out, !o->no_qr);
		if (o->lan_endpoint) {
			snprintf(title, sizeof(title), "%s: profile of `%s-home' (on the LAN)", o->ifname, o->name);
			show_profile(title, &np.home, !o->out, !o->no_qr);
		}
	}
	announce(o, &np, stdout_ok);
out:
	cli_hub_free(&hub);
	wgc_strbuf_free(&section);
	wgc_strbuf_free(&text);
	new_peer_free(&np);
	return ok ? 0 : 1;
}

/* The one peer named name in the hub, or NULL with a message (none, or two sections with that name). */
static const struct wgc_hub_peer *find_named(const struct cli_hub *hub, const char *name, const char *cmd)
{
	const struct wgc_hub_peer *p = wgc_hub_find(&hub->hf, name), *twin;

	if (!p) {
		fprintf(stderr, "%s: peer %s: %s has no peer named `%s'\n", PROG_NAME, cmd, hub->path, name);
		return NULL;
	}
	twin = wgc_hub_find_next(&hub->hf, name, p, false);
	if (twin) {
		fprintf(stderr, "%s: peer %s: %s has two peers named `%s' (lines %u and %u): rename one "
				"(its `# friendly_name = ' line) first\n",
			PROG_NAME, cmd, hub->path, name, p->line, twin->line);
		return NULL;
	}
	return p;
}

static int cmd_remove(const char *dir, const char *ifname, const char *name)
{
	struct wgc_strbuf text = { 0 };
	struct cli_hub hub = { 0 };
	const struct wgc_hub_peer *p;
	char path[PATH_MAX];
	int ret = 1;

	if (!cli_hub_load(&hub, dir, ifname) || !(p = find_named(&hub, name, "remove")))
		goto out;
	if (!p->has_public_key) {
		fprintf(stderr, "%s: peer remove: %s:%u: the section of `%s' has no PublicKey\n", PROG_NAME, hub.path,
			p->line, name);
		goto out;
	}
	wgc_hub_splice_out(&text, hub.buf, hub.len, p);
	if (text.failed || !commit(&hub, &text, p->public_key, NULL, NULL, 0, true))
		goto out;
	kept_path(path, sizeof(path), dir, ifname, name, false);
	unlink(path);
	kept_path(path, sizeof(path), dir, ifname, name, true);
	unlink(path);
	fprintf(stderr, "%s: removed peer `%s' from %s\n", PROG_NAME, name, ifname);
	ret = 0;
out:
	cli_hub_free(&hub);
	wgc_strbuf_free(&text);
	return ret;
}

static const struct wgc_peer_model *running_peer(const struct wgc_device_model *dev, const uint8_t key[32])
{
	for (size_t i = 0; i < dev->n_peers; i++)
		if (!memcmp(dev->peers[i].public_key, key, 32))
			return &dev->peers[i];
	return NULL;
}

static void format_ago(char *out, size_t cap, int64_t when)
{
	int64_t ago = (int64_t)time(NULL) - when;

	if (!when)
		snprintf(out, cap, "never");
	else if (ago < 120)
		snprintf(out, cap, "%llds ago", (long long)ago);
	else if (ago < 7200)
		snprintf(out, cap, "%lldm ago", (long long)(ago / 60));
	else
		snprintf(out, cap, "%lldh ago", (long long)(ago / 3600));
}

static int cmd_list(const char *dir, const char *ifname)
{
	struct wgc_device_model dev = { 0 };
	struct wgc_strbuf out = { 0 };
	struct cli_hub hub = { 0 };
	bool running;
	int ret;

	if (!cli_hub_load(&hub, dir, ifname))
		return 1;
	running = !wgc_ipc_get(&dev, ifname);
	wgc_strbuf_printf(&out, "%-20s %-34s %-16s %s\n", "NAME", "ADDRESS", "HANDSHAKE", "TRANSFER (rx/tx)");
	for (size_t i = 0; i < hub.hf.n_peers; i++) {
		const struct wgc_hub_peer *p = &hub.hf.peers[i];
		const struct wgc_peer_model *rp = running && p->has_public_key ? running_peer(&dev, p->public_key) : NULL;
		struct wgc_strbuf ips = { 0 };
		char hs[32] = "down";

		wgc_prefix_list_format(&ips, p->ips, p->n_ips);
		if (rp)
			format_ago(hs, sizeof(hs), rp->last_handshake_sec);
		else if (running)
			snprintf(hs, sizeof(hs), "not running");
		wgc_strbuf_printf(&out, "%-20s %-34s %-16s ", p->name[0] ? p->name : "(unnamed)", ips.data ? ips.data : "-", hs);
		if (rp)
			wgc_strbuf_printf(&out, "%llu/%llu B\n", (unsigned long long)rp->rx_bytes,
					  (unsigned long long)rp->tx_bytes);
		else
			wgc_strbuf_printf(&out, "-\n");
		wgc_strbuf_free(&ips);
	}
	ret = cli_write_stdout(&out) ? 0 : 1;
	wgc_strbuf_free(&out);
	if (running)
		wgc_model_free(&dev);
	cli_hub_free(&hub);
	return ret;
}

static int cmd_show(const char *dir, const char *ifname, const char *name, bool qr, bool show_secrets)
{
	struct wgc_strbuf out = { 0 }, profile = { 0 };
	struct cli_hub hub = { 0 };
	const struct wgc_hub_peer *p;
	char path[PATH_MAX], err[WGC_CONFIG_ERRLEN], b64[WGC_KEY_B64_LEN], mac[18];
	char *buf = NULL;
	size_t len = 0;
	int ret = 1;

	if (!cli_hub_load(&hub, dir, ifname) || !(p = find_named(&hub, name, "show")))
		goto out;
	if (!qr) {
		wgc_key_to_base64(b64, p->public_key);
		wgc_strbuf_printf(&out, "name: %s\npublic key: %s\naddresses: ", name, p->has_public_key ? b64 : "(none)");
		wgc_prefix_list_format(&out, p->ips, p->n_ips);
		if (p->has_mac)
			wgc_mac_format(mac, p->mac);
		wgc_strbuf_printf(&out, "\nmac: %s\n", p->has_mac ? mac : "(none)");
		cli_write_stdout(&out);
	}
	kept_path(path, sizeof(path), dir, ifname, name, false);
	if (access(path, F_OK)) {
		fprintf(stderr, "%s: peer show: no profile kept for `%s' (added without --keep-keys: the hub keeps no "
				"peer private keys)\n",
			PROG_NAME, name);
		ret = qr ? 1 : 0;
		goto out;
	}
	if (!cli_secrets_to_stdout(show_secrets)) {
		fprintf(stderr, "%s: peer show: the profile holds a private key and stdout is not a terminal; "
				"add --show-secrets\n",
			PROG_NAME);
		ret = qr ? 1 : 0;
		goto out;
	}
	if (!wgc_config_read_file(path, &buf, &len, false, err, sizeof(err), NULL)) {
		fprintf(stderr, "%s: %s: %s\n", PROG_NAME, path, err);
		goto out;
	}
	wgc_strbuf_append(&profile, buf, len);
	show_profile(name, &profile, !qr, qr);
	ret = 0;
out:
	if (buf) {
		wgc_wipe(buf, len);
		free(buf);
	}
	wgc_strbuf_free(&profile);
	wgc_strbuf_free(&out);
	cli_hub_free(&hub);
	return ret;
}

/* The MAC the neighbour table holds for addr ("ip neigh show to ADDR": "... lladdr MAC ..."). */
static bool neighbour_mac(const char *addr, uint8_t mac[6])
{
	struct wgc_strbuf out = { 0 };
	bool found = false;

	wgc_quick_query(&out, "ip", "neigh", "show", "to", addr, (char *)NULL);
	for (char *t = out.data ? strtok(out.data, " \n") : NULL; t && !found; t = strtok(NULL, " \n"))
		if (!strcmp(t, "lladdr") && (t = strtok(NULL, " \n")))
			found = wgc_mac_parse(mac, t);
	wgc_strbuf_free(&out);
	return found;
}

static bool endpoint_mac(const struct cli_hub *hub, const struct wgc_hub_peer *p, uint8_t mac[6])
{
	struct wgc_device_model dev;
	const struct wgc_peer_model *rp;
	char ep[WGC_ENDPOINT_STRLEN], *host, *port;
	bool ok = false;

	if (wgc_ipc_get(&dev, hub->ifname)) {
		fprintf(stderr, "%s: peer learn-mac: %s is not running: its peers' endpoints are unknown\n", PROG_NAME,
			hub->ifname);
		return false;
	}
	rp = p->has_public_key ? running_peer(&dev, p->public_key) : NULL;
	if (!rp || !rp->endpoint.addr.sa_family || !wgc_endpoint_format(ep, &rp->endpoint)) {
		fprintf(stderr, "%s: peer learn-mac: `%s' has no endpoint yet (no handshake)\n", PROG_NAME, p->name);
	} else if (wgc_endpoint_split(ep, &host, &port) || !neighbour_mac(host, mac)) {
		fprintf(stderr, "%s: peer learn-mac: %s's endpoint %s is not on the hub's LAN (no neighbour entry)\n",
			PROG_NAME, p->name, ep);
	} else {
		ok = true;
	}
	wgc_model_free(&dev);
	return ok;
}

static int cmd_learn_mac(const char *dir, const char *ifname, const char *name, const char *given)
{
	struct wgc_strbuf text = { 0 };
	struct cli_hub hub = { 0 };
	const struct wgc_hub_peer *p;
	uint8_t mac[6];
	char macs[18];
	int ret = 1;

	if (given && !wgc_mac_parse(mac, given)) {
		fprintf(stderr, "%s: peer learn-mac: `%s' is not a MAC address (aa:bb:cc:dd:ee:ff)\n", PROG_NAME, given);
		return 1;
	}
	if (!cli_hub_load(&hub, dir, ifname) || !(p = find_named(&hub, name, "learn-mac")))
		goto out;
	if (!given && !endpoint_mac(&hub, p, mac))
		goto out;
	wgc_hub_set_mac(&text, hub.buf, hub.len, p, mac);
	if (text.failed || !cli_hub_store(&hub, &text))
		goto out;
	wgc_mac_format(macs, mac);
	fprintf(stderr, "%s: peer `%s' has MAC %s\n", PROG_NAME, name, macs);
	ret = 0;
out:
	cli_hub_free(&hub);
	wgc_strbuf_free(&text);
	return ret;
}

static int cmd_add(int argc, const char *argv[], const char *dir)
{
	struct cli_peer_opts o = { .dir = dir, .keepalive = -1 };

	bool opts = true;

	for (int i = 2; i < argc; i++) {
		const char *v;
		uint64_t n;

		if (opts && !strcmp(argv[i], "--"))
			opts = false;
		else if (!opts && (!o.ifname || !o.name))
			*(o.ifname ? &o.name : &o.ifname) = argv[i];
		else if (!opts) {
			fprintf(stderr, "%s: peer add: unexpected argument `%s'\n", PROG_NAME, argv[i]);
			return 1;
		}
		else if ((v = cli_opt_value(argc, argv, &i, "--allowed-ips")))
			o.allowed_ips = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--keepalive"))) {
			if (!wgc_parse_u64(v, 65535, &n)) {
				fprintf(stderr, "%s: peer add: --keepalive `%s' is not 0-65535 seconds\n", PROG_NAME, v);
				return 1;
			}
			o.keepalive = (int)n;
		} else if ((v = cli_opt_value(argc, argv, &i, "--out")))
			o.out = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--png")))
			o.png = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--lan-endpoint")))
			o.lan_endpoint = v;
		else if (!strcmp(argv[i], "--full-tunnel"))
			o.full_tunnel = true;
		else if (!strcmp(argv[i], "--no-psk"))
			o.no_psk = true;
		else if (!strcmp(argv[i], "--keep-keys"))
			o.keep_keys = true;
		else if (!strcmp(argv[i], "--show-secrets"))
			o.show_secrets = true;
		else if (!strcmp(argv[i], "--no-qr"))
			o.no_qr = true;
		else if (argv[i][0] != '-' && !o.ifname)
			o.ifname = argv[i];
		else if (argv[i][0] != '-' && !o.name)
			o.name = argv[i];
		else {
			fprintf(stderr, "%s: peer add: unknown argument `%s'\n", PROG_NAME, argv[i]);
			return 1;
		}
	}
	if (!o.ifname || !o.name) {
		usage();
		return 1;
	}
	if (o.full_tunnel && o.allowed_ips) {
		fprintf(stderr, "%s: peer add: --full-tunnel and --allowed-ips exclude each other\n", PROG_NAME);
		return 1;
	}
	return cli_peer_add(&o);
}

/* Pulls --config-dir out of argv (any position), leaving the rest in order. */
static const char *take_config_dir(int *argc, const char *argv[])
{
	const char *dir = NULL;
	int o = 0;

	for (int i = 0; i < *argc; i++) {
		const char *v = cli_opt_value(*argc, argv, &i, "--config-dir");

		if (v)
			dir = v;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
	return cli_hub_config_dir(dir);
}

int peer_main(int argc, const char *argv[])
{
	const char *dir = take_config_dir(&argc, argv), *cmd = argc >= 2 ? argv[1] : "";
	bool qr = false, secrets = false;
	const char *pos[3] = { NULL, NULL, NULL }, *mac = NULL;
	int n_pos = 0;

	if (!strcmp(cmd, "add"))
		return cmd_add(argc, argv, dir);
	for (int i = 2; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "--qr"))
			qr = true;
		else if (!strcmp(argv[i], "--show-secrets"))
			secrets = true;
		else if ((v = cli_opt_value(argc, argv, &i, "--mac")))
			mac = v;
		else if (argv[i][0] != '-' && n_pos < 2)
			pos[n_pos++] = argv[i];
		else
			n_pos = 3;
	}
	if (!strcmp(cmd, "list") && n_pos == 1)
		return cmd_list(dir, pos[0]);
	if (!strcmp(cmd, "show") && n_pos == 2)
		return cmd_show(dir, pos[0], pos[1], qr, secrets);
	if (!strcmp(cmd, "remove") && n_pos == 2)
		return cmd_remove(dir, pos[0], pos[1]);
	if (!strcmp(cmd, "learn-mac") && n_pos == 2)
		return cmd_learn_mac(dir, pos[0], pos[1], mac);
	usage();
	return !strcmp(cmd, "--help") || !strcmp(cmd, "-h") ? 0 : 1;
}

// SPDX-License-Identifier: MIT
/* wgc up / down / save / strip: wg-quick for Linux, plus --dry-run. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/hub.h"
#include "cli/quick.h"
#include "cli/quick_exec.h"
#include "cli/quick_plan.h"
#include "cli/quick_save.h"
#include "cli/quick_state.h"
#include "cli/wgc.h"
#include "common/config.h"
#include "ipc/ipc.h"
#include "core/crypto.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(const char *cmd)
{
	fprintf(stderr,
		"Usage: %s [ up [--dry-run] [--userspace] | down | save | strip ] [ CONFIG_FILE | INTERFACE ]\n\n"
		"  CONFIG_FILE is a configuration file, whose filename is the interface name\n"
		"  followed by `.conf'. Otherwise, INTERFACE is an interface name, with\n"
		"  configuration found at /etc/wireguard/INTERFACE.conf. It is to be readable\n"
		"  by `%s setconf', with the exception of the following additions to the\n"
		"  [Interface] section, which are handled by `%s up' and `%s down':\n\n"
		"  - Address: one or more IP addresses (with an optional CIDR mask) for the interface.\n"
		"  - DNS: DNS servers and search domains to use while the device is up (resolvconf).\n"
		"  - MTU: the interface MTU; if unspecified, computed from the routes to the endpoints.\n"
		"  - Table: the routing table for the routes; `auto' (default) or a table; `off' adds none.\n"
		"  - PreUp, PostUp, PreDown, PostDown: bash(1) snippets run at those points; `%%i' is\n"
		"    replaced by INTERFACE.\n"
		"  - SaveConfig: if `true', the running configuration is saved on `down'.\n\n"
		"  --dry-run prints every command `up' would run, changing nothing; --userspace (or\n"
		"  WGC_USERSPACE=1) skips the kernel module and starts the userspace implementation\n"
		"  ($WG_QUICK_USERSPACE_IMPLEMENTATION, else wgcd). See doc/wgc-quick.md; `%s route-check' explains where packets would go.\n",
		PROG_NAME, PROG_NAME, PROG_NAME, PROG_NAME, PROG_NAME);
	(void)cmd;
}

/* Where a bare NAME's file is: $WGC_CONFIG_DIR (as the hub commands), else /etc/wireguard. */
static const char *config_dir(void)
{
	const char *env = getenv("WGC_CONFIG_DIR");

	return env && *env ? env : "/etc/wireguard";
}

/* The state file remembers which file `up' read, so `down NAME' finds its hooks and SaveConfig. */
static void record_config(const char *ifname, const char *path)
{
	char real[PATH_MAX], line[PATH_MAX + 16];

	if (realpath(path, real) && snprintf(line, sizeof(line), "config %s", real) < (int)sizeof(line))
		wgc_quick_state_append(ifname, line);
}

/* The config file a state text records ("config PATH"), if it still exists; false otherwise. */
static bool recorded_config(const struct wgc_strbuf *state, char *path, size_t len)
{
	const char *p = state->data ? strstr(state->data, "config /") : NULL;
	size_t n;

	if (!p || (p != state->data && p[-1] != '\n'))
		return false;
	p += strlen("config ");
	n = strcspn(p, "\n");
	if (n >= len)
		return false;
	memcpy(path, p, n);
	path[n] = '\0';
	return !access(path, R_OK);
}

bool wgc_quick_load(const char *arg, struct wgc_quick_conf *qc, struct wgc_device_model *dev, char *path,
		    size_t pathlen)
{
	char err[WGC_CONFIG_ERRLEN], dir[PATH_MAX];
	struct stat fst, dst;
	char *buf, *slash;
	size_t len;
	bool ok;

	memset(qc, 0, sizeof(*qc));
	if (!wgc_quick_locate(arg, config_dir(), path, pathlen, qc->ifname, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", PROG_NAME, err);
		return false;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	if (!stat(path, &fst) && !stat(slash ? dir : ".", &dst) && wgc_quick_world_accessible(fst.st_mode, dst.st_mode))
		fprintf(stderr, "Warning: `%s' is world accessible\n", path);
	if (!wgc_config_read_file(path, &buf, &len, false, err, sizeof(err), NULL)) {
		fprintf(stderr, "%s: %s: %s\n", PROG_NAME, path, err);
		return false;
	}
	ok = wgc_quick_conf_parse(qc, buf, len, path, err);
	wgc_wipe(buf, len);
	free(buf);
	if (!ok) {
		fprintf(stderr, "%s: %s\n", PROG_NAME, err);
		return false;
	}
	if (!dev)
		return true;
	memset(dev, 0, sizeof(*dev));
	if (!wgc_config_parse(dev, qc->wg_lines.data, qc->wg_lines.len, path, false, NULL, err)) {
		fprintf(stderr, "%s\n", err);
		wgc_quick_conf_free(qc);
		return false;
	}
	snprintf(dev->name, sizeof(dev->name), "%s", qc->ifname);
	return true;
}

/* $WG_QUICK_USERSPACE_IMPLEMENTATION, else the wgcd beside this wgc, else wgcd on PATH. */
static const char *userspace_impl(char *buf, size_t len)
{
	const char *env = getenv("WG_QUICK_USERSPACE_IMPLEMENTATION");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash && snprintf(buf, len, "%.*s/wgcd", (int)(slash - self), self) < (int)len &&
		    !access(buf, X_OK))
			return buf;
	}
	return "wgcd";
}

/* As wg-quick puts its own directory first, so hooks and the daemon find the matching tools. */
static void prepend_self_to_path(void)
{
	char self[PATH_MAX], *path, *slash;
	const char *old = getenv("PATH");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (asprintf(&path, "%s%s%s", self, old ? ":" : "", old ? old : "") < 0)
		return;
	setenv("PATH", path, 1);
	free(path);
}

/* CAP_NET_ADMIN in the effective set (root has it): what creating and deleting interfaces needs */
static bool have_net_admin(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	bool found = false;

	if (!f)
		return geteuid() == 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &caps) == 1;
	fclose(f);
	return found ? (caps >> 12) & 1 : geteuid() == 0; /* CAP_NET_ADMIN is 12 */
}

static bool need_root(const char *cmd)
{
	if (have_net_admin())
		return true;
	fprintf(stderr, "%s: `%s' needs root (CAP_NET_ADMIN)\n", PROG_NAME, cmd);
	return false;
}

static bool link_exists(const char *ifname)
{
	struct wgc_strbuf out = { 0 };
	bool exists;

	wgc_quick_query(&out, "ip", "link", "show", "dev", ifname, (char *)NULL);
	exists = out.data && out.data[0];
	wgc_strbuf_free(&out);
	return exists;
}

static bool is_wg_interface(const char *ifname)
{
	char *list = wgc_ipc_list(), *p;
	bool found = false;

	for (p = list; p && *p && !found; p += strlen(p) + 1)
		found = !strcmp(p, ifname);
	free(list);
	return found;
}

static void policy_notice(const struct wgc_quick_conf *qc)
{
	fprintf(stderr,
		"[!] %s routes 0.0.0.0/0 or ::/0: all traffic except the tunnel's own packets to its endpoints will go\n"
		"[!] through the tunnel. To bring up only the tunnel without routes, set `Table = off' in [Interface].\n",
		qc->ifname);
}

static void print_plan(const struct wgc_quick_plan *plan, const char *ifname)
{
	struct wgc_strbuf out = { 0 };

	wgc_strbuf_printf(&out, "# wgc up --dry-run %s: nothing below has been run\n", ifname);
	for (size_t i = 0; i < plan->n; i++) {
		wgc_quick_step_format(&plan->steps[i], ifname, true, &out);
		wgc_strbuf_printf(&out, "\n");
	}
	cli_write_stdout(&out);
	wgc_strbuf_free(&out);
}

enum { GONE_TIMEOUT_MS = 10000 };

static int undo_plan(const struct wgc_quick_conf *qc, struct wgc_quick_exec *ex);

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exited (a zombie nobody reaped yet counts as gone: it holds no socket, port or interface). */
static bool process_gone(int pid)
{
	char path[64], line[128];
	bool zombie = false;
	FILE *f;

	if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "State:", 6)) {
			zombie = strchr(line, 'Z') || strchr(line, 'X');
			break;
		}
	fclose(f);
	return zombie;
}

/*
 * What `down' promises: when it returns, the interface, its daemon and the
 * daemon's socket are gone, so an immediate `up' of the same name finds
 * nothing in its way (systemctl restart). Polls; false after the bound.
 */
static bool wait_gone(const char *ifname, int pid)
{
	long long deadline = now_ms() + GONE_TIMEOUT_MS;
	struct timespec tick = { 0, 1000000 };

	for (;;) {
		bool link = if_nametoindex(ifname) != 0, sock = wgc_ipc_daemon_pid(ifname) != -ENOENT;
		bool proc = !process_gone(pid);

		if (!link && !sock && !proc)
			return true;
		if (now_ms() > deadline) {
			fprintf(stderr, "%s: `%s' still has its%s%s%s after %d s\n", PROG_NAME, ifname, link ? " interface" : "",
				sock ? " UAPI socket" : "", proc ? " daemon process" : "", GONE_TIMEOUT_MS / 1000);
			return false;
		}
		nanosleep(&tick, NULL);
	}
}

/* Undoes what the state file of ifname records, then removes it; false when there is none. */
static bool undo_recorded(const struct wgc_quick_conf *qc, const char *path, bool quiet_summary)
{
	struct wgc_quick_exec ex = { .qc = qc, .path = path };
	struct wgc_strbuf text = { 0 };
	struct wgc_quick_plan plan;
	size_t count = 0;
	bool have = wgc_quick_state_read(qc->ifname, &text);

	if (have && wgc_quick_state_plan(&plan, text.data, qc->ifname, &count)) {
		wgc_quick_run(&ex, &plan);
		wgc_quick_plan_free(&plan);
		if (!quiet_summary)
			fprintf(stderr, "[#] undid the %zu change%s `up' recorded in %s/%s.state\n", count,
				count == 1 ? "" : "s", WGC_STATE_DIR, qc->ifname);
		wgc_quick_state_remove(qc->ifname);
	}
	wgc_strbuf_free(&text);
	return have;
}

static int undo(const struct wgc_quick_conf *qc, struct wgc_quick_exec *ex)
{
	int pid = wgc_ipc_daemon_pid(qc->ifname);

	if (undo_recorded(qc, ex->path, true)) {
		wait_gone(qc->ifname, pid);
		return 1;
	}
	return undo_plan(qc, ex);
}

static int undo_plan(const struct wgc_quick_conf *qc, struct wgc_quick_exec *ex)
{
	struct wgc_device_model live;
	struct wgc_quick_plan plan;
	bool have_live = !wgc_ipc_get(&live, qc->ifname);

	if (wgc_quick_plan_undo(&plan, qc, have_live ? &live : NULL, &wgc_quick_system_probe, ex->dns_set,
				ex->firewall_set)) {
		wgc_quick_run(ex, &plan);
		wgc_quick_plan_free(&plan);
	}
	if (have_live)
		wgc_model_free(&live);
	return 1;
}

/*
 * One `up' or `down' of an interface at a time. Two at once both passed the "already exists"
 * check and shared /run/wgc/IF.state: the loser's undo ran the winner's record (deleting its
 * interface) and the winner's policy rules were left behind even after `down'. The lock is an
 * abstract UNIX socket named after the interface (per network namespace, as interfaces are):
 * no file to leave behind, released when the process exits however it exits. Close-on-exec, so
 * hooks and wgcd do not hold it. Returns the fd to keep open, or -1 (said on stderr).
 */
static int quick_lock(const char *ifname, const char *what)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "wgc-quick/%s", ifname);

	if (fd < 0)
		return -1;
	if (!bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)))
		return fd;
	if (errno == EADDRINUSE)
		fprintf(stderr, "%s: another `up' or `down' of %s is running; %s it when that one is done\n", PROG_NAME,
			ifname, what);
	else
		fprintf(stderr, "%s: cannot lock %s: %s\n", PROG_NAME, ifname, strerror(errno));
	close(fd);
	return -1;
}

static int cmd_up(const char *arg, bool dry_run, bool userspace)
{
	struct wgc_quick_up_opts opts = { .userspace = userspace };
	struct wgc_quick_exec ex = { 0 };
	struct wgc_quick_conf qc;
	struct wgc_device_model dev;
	struct wgc_quick_plan plan;
	char path[PATH_MAX], impl[PATH_MAX], err[256];
	int ret = 1, lock = -1;

	if (!wgc_quick_load(arg, &qc, &dev, path, sizeof(path)))
		return 1;
	if (!dry_run && (lock = quick_lock(qc.ifname, "bring it up")) < 0) {
		wgc_model_free(&dev);
		wgc_quick_conf_free(&qc);
		return 1;
	}
	opts.impl = userspace_impl(impl, sizeof(impl));
	if (!opts.userspace && wgc_model_uses_candidates(&dev)) {
		/* the kernel module keeps one endpoint per peer; wgcd holds the candidates (issue 14) */
		fprintf(stderr, "[#] %s has endpoint candidates (several Endpoint lines): using %s, not the kernel module, "
				"which keeps one endpoint per peer\n", qc.ifname, opts.impl);
		opts.userspace = true;
	}
	if (link_exists(qc.ifname)) {
		fprintf(stderr, "%s: `%s' already exists\n", PROG_NAME, qc.ifname);
		goto out;
	}
	/* a record left by an up whose interface has vanished since: undo its leftovers first */
	if (!dry_run && undo_recorded(&qc, path, true))
		fprintf(stderr, "[#] cleaned up after an earlier `up' of %s that was never brought down\n", qc.ifname);
	if (!wgc_quick_plan_up(&plan, &qc, &dev, &opts, &wgc_quick_system_probe, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", PROG_NAME, err);
		goto out;
	}
	if (wgc_quick_wants_policy(&qc, &dev))
		policy_notice(&qc);
	if (dry_run) {
		print_plan(&plan, qc.ifname);
		ret = 0;
	} else {
		cli_hub_up(path, qc.ifname, false); /* hubs: forwarding, accept_ra, LAN overlap */
		record_config(qc.ifname, path);
		ex.qc = &qc;
		ex.path = path;
		ex.config = &dev;
		ex.record = true;
		ret = 0;
		for (size_t i = 0; i < plan.n && !ret; i++) {
			struct wgc_quick_plan one = { .steps = &plan.steps[i], .n = 1 };

			/* a signal during the last step (a PostUp hook) still undoes it all, as wg-quick's trap */
			if (interrupted || !wgc_quick_run(&ex, &one) || interrupted) {
				ret = undo(&qc, &ex);
				cli_hub_down(qc.ifname);
			}
		}
	}
	wgc_quick_plan_free(&plan);
out:
	wgc_model_free(&dev);
	wgc_quick_conf_free(&qc);
	if (lock >= 0)
		close(lock);
	return ret;
}

/* down without a state file (wg-quick's or an older wgc's up): torn down from the config, as wg-quick does */
static int down_from_config(struct wgc_quick_conf *qc, const char *path)
{
	struct wgc_quick_exec ex = { .qc = qc, .path = path };
	struct wgc_device_model live;
	struct wgc_quick_plan plan;
	bool have_live, ok = false;
	int pid;

	if (!is_wg_interface(qc->ifname)) {
		fprintf(stderr, "%s: `%s' is not a WireGuard interface\n", PROG_NAME, qc->ifname);
		return 1;
	}
	pid = wgc_ipc_daemon_pid(qc->ifname);
	have_live = !wgc_ipc_get(&live, qc->ifname);
	if (wgc_quick_plan_down(&plan, qc, have_live ? &live : NULL, &wgc_quick_system_probe)) {
		ok = wgc_quick_run(&ex, &plan);
		wgc_quick_plan_free(&plan);
		cli_hub_down(qc->ifname); /* hubs: forwarding as it was before `up' */
	}
	if (have_live)
		wgc_model_free(&live);
	ok = wait_gone(qc->ifname, pid) && ok;
	return ok && !ex.save_failed ? 0 : 1;
}

/* PreDown/PostDown snippets as bash -c, %i expanded, echoed like wg-quick; false if one fails. */
static bool run_hooks(const struct wgc_quick_strs *list, const char *ifname)
{
	bool ok = true;

	for (size_t i = 0; i < list->n; i++) {
		char *text = wgc_quick_expand(list->v[i], ifname);
		char *bash[] = { "bash", "-c", text, NULL };

		if (!text)
			return false;
		fprintf(stderr, "[#] %s\n", text);
		ok = wgc_quick_spawn(bash, NULL, false, NULL, false) == 0 && ok;
		free(text);
	}
	return ok;
}

/*
 * down with a state file: PreDown and SaveConfig as the file says now, then
 * exactly the recorded changes undone (whatever the file says now, and
 * whether or not the interface still exists), then PostDown. A save that
 * cannot be done leaves the file alone and makes down fail after the rest.
 */
static int down_recorded(struct wgc_quick_conf *qc, const char *path)
{
	int pid = wgc_ipc_daemon_pid(qc->ifname);
	bool ok = run_hooks(&qc->pre_down, qc->ifname), saved = true;

	if (qc->save_config && !is_wg_interface(qc->ifname)) {
		fprintf(stderr, "[!] `%s' was not saved: `%s' is no longer running\n", path, qc->ifname);
		saved = false;
	} else if (qc->save_config && !wgc_quick_save(qc, path)) {
		fprintf(stderr, "[!] `%s' was not saved: the running state could not be read in full\n", path);
		saved = false;
	}
	undo_recorded(qc, path, false);
	cli_hub_down(qc->ifname); /* hubs: forwarding as it was before `up' */
	ok = wait_gone(qc->ifname, pid) && ok;
	ok = run_hooks(&qc->post_down, qc->ifname) && ok;
	return ok && saved ? 0 : 1;
}

static int cmd_down_body(const char *arg)
{
	struct wgc_strbuf state = { 0 };
	struct wgc_quick_conf qc;
	char path[PATH_MAX], recorded[PATH_MAX];
	int ret;

	/* `down NAME' after `up /some/path/NAME.conf': the file `up' read */
	if (wgc_ifname_quick_valid(arg, strlen(arg)) && wgc_quick_state_read(arg, &state) &&
	    recorded_config(&state, recorded, sizeof(recorded)))
		arg = recorded;
	/* a record needs no config: `down NAME' still works after the file was removed */
	else if (wgc_ifname_quick_valid(arg, strlen(arg)) && state.data &&
		 snprintf(path, sizeof(path), "%s/%s.conf", config_dir(), arg) > 0 && access(path, F_OK)) {
		memset(&qc, 0, sizeof(qc));
		snprintf(qc.ifname, sizeof(qc.ifname), "%s", arg);
		fprintf(stderr, "[#] `%s' is gone: no hooks, no SaveConfig; undoing what `up' recorded\n", path);
		ret = down_recorded(&qc, path);
		wgc_strbuf_free(&state);
		return ret;
	}
	wgc_strbuf_free(&state);
	if (!wgc_quick_load(arg, &qc, NULL, path, sizeof(path)))
		return 1;
	ret = wgc_quick_state_read(qc.ifname, &state) ? down_recorded(&qc, path) : down_from_config(&qc, path);
	wgc_strbuf_free(&state);
	wgc_quick_conf_free(&qc);
	return ret;
}

/* `down' under the interface's lock (quick_lock): the name is ARG or the file name of ARG
 * without `.conf'; one that is neither is left to the loader to refuse. */
static int cmd_down(const char *arg)
{
	const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
	size_t n = strlen(base);
	char name[IFNAMSIZ];
	int lock, ret;

	if (n > 5 && !strcmp(base + n - 5, ".conf"))
		n -= 5;
	if (!wgc_ifname_quick_valid(base, n) || n >= sizeof(name))
		return cmd_down_body(arg);
	memcpy(name, base, n);
	name[n] = '\0';
	lock = quick_lock(name, "take it down");
	if (lock < 0)
		return 1;
	ret = cmd_down_body(arg);
	close(lock);
	return ret;
}

static int cmd_save(const char *arg)
{
	struct wgc_quick_conf qc;
	char path[PATH_MAX];
	bool ok;

	if (!wgc_quick_load(arg, &qc, NULL, path, sizeof(path)))
		return 1;
	if (!is_wg_interface(qc.ifname)) {
		fprintf(stderr, "%s: `%s' is not a WireGuard interface\n", PROG_NAME, qc.ifname);
		wgc_quick_conf_free(&qc);
		return 1;
	}
	ok = wgc_quick_save(&qc, path);
	wgc_quick_conf_free(&qc);
	return ok ? 0 : 1;
}

static int cmd_strip(const char *arg)
{
	struct wgc_strbuf out = { 0 };
	struct wgc_quick_conf qc;
	char path[PATH_MAX];
	int ret;

	if (!wgc_quick_load(arg, &qc, NULL, path, sizeof(path)))
		return 1;
	wgc_quick_conf_strip(&qc, &out);
	ret = cli_write_stdout(&out) ? 0 : 1;
	wgc_strbuf_free(&out);
	wgc_quick_conf_free(&qc);
	return ret;
}

int quick_main(int argc, const char *argv[])
{
	struct sigaction sa = { .sa_handler = on_signal };
	/* WGC_USERSPACE=1 is --userspace for every `up' (the network tests set it, so they
	 * test wgcd even where the kernel module could be loaded) */
	const char *env_us = getenv("WGC_USERSPACE");
	bool dry_run = false, userspace = env_us && *env_us && strcmp(env_us, "0");
	const char *cmd = argv[0], *arg = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(cmd);
			return 0;
		} else if (!strcmp(cmd, "up") && !strcmp(argv[i], "--dry-run")) {
			dry_run = true;
		} else if (!strcmp(cmd, "up") && !strcmp(argv[i], "--accept-ra-2")) {
			cli_hub_accept_ra2 = true;
		} else if (!strcmp(cmd, "up") && !strcmp(argv[i], "--userspace")) {
			userspace = true;
		} else if (!arg) {
			arg = argv[i];
		} else {
			arg = NULL;
			break;
		}
	}
	if (!arg) {
		usage(cmd);
		return 1;
	}
	/* a child that exits early must not kill us half-way through feeding it */
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prepend_self_to_path();
	if (strcmp(cmd, "strip") && !(dry_run && !strcmp(cmd, "up")) && !need_root(cmd))
		return 1;
	if (!strcmp(cmd, "up"))
		return cmd_up(arg, dry_run, userspace);
	if (!strcmp(cmd, "down"))
		return cmd_down(arg);
	if (!strcmp(cmd, "save"))
		return cmd_save(arg);
	return cmd_strip(arg);
}

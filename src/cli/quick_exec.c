// SPDX-License-Identifier: MIT
/* Running the steps of a plan: processes, UAPI calls, wg-quick's "while still there" loops. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/quick_exec.h"
#include "cli/wgc.h"
#include "cli/quick_save.h"
#include "ipc/ipc.h"
#include "cli/quick_state.h"

enum { INPUT_FD = 63, MAX_LOOPS = 1000 };

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

int wgc_quick_spawn(char *const argv[], const char *input, bool fd63, struct wgc_strbuf *capture, bool quiet)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, status;
	pid_t pid;

	if ((input && pipe2(in, O_CLOEXEC)) || (capture && pipe2(out, O_CLOEXEC)))
		goto fail;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* dup2 clears close-on-exec on the copy, so only these survive exec */
		if (input && dup2(in[0], fd63 ? INPUT_FD : STDIN_FILENO) < 0)
			_exit(127);
		if (capture && dup2(out[1], STDOUT_FILENO) < 0)
			_exit(127);
		if (quiet && null >= 0)
			dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (input) {
		close(in[0]);
		in[0] = -1;
		write_all(in[1], input, strlen(input));
		close(in[1]);
		in[1] = -1;
	}
	if (capture) {
		char buf[4096];
		ssize_t r;

		close(out[1]);
		out[1] = -1;
		while ((r = read(out[0], buf, sizeof(buf))) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;
			wgc_strbuf_append(capture, buf, (size_t)r);
		}
		close(out[0]);
		out[0] = -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return 127;
}

bool wgc_quick_query(struct wgc_strbuf *out, const char *arg0, ...)
{
	const char *argv[16];
	size_t n = 0;
	va_list ap;
	int rc;

	argv[n++] = arg0;
	va_start(ap, arg0);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	wgc_strbuf_append(out, "", 0);
	rc = wgc_quick_spawn((char *const *)argv, NULL, false, out, true);
	return rc == 0 && !out->failed;
}

bool wgc_quick_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		struct stat st;

		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", prog) < (int)sizeof(buf) &&
		    !stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* "mtu N" in text, else the MTU of the "dev X" it names; 0 when neither. */
static unsigned mtu_of(const char *text)
{
	struct wgc_strbuf link = { 0 };
	const char *p = strstr(text, "mtu ");
	unsigned mtu = 0;
	char dev[64];

	if (p && sscanf(p, "mtu %u", &mtu) == 1)
		return mtu;
	p = strstr(text, "dev ");
	if (!p || sscanf(p, "dev %63[^ \n]", dev) != 1)
		return 0;
	if (wgc_quick_query(&link, "ip", "link", "show", "dev", dev, (char *)NULL) && (p = strstr(link.data, "mtu ")))
		sscanf(p, "mtu %u", &mtu);
	wgc_strbuf_free(&link);
	return mtu;
}

static unsigned system_route_mtu(void *arg, const char *addr)
{
	struct wgc_strbuf out = { 0 };
	unsigned mtu = 0;

	(void)arg;
	if (addr ? wgc_quick_query(&out, "ip", "route", "get", addr, (char *)NULL)
		 : wgc_quick_query(&out, "ip", "route", "show", "default", (char *)NULL)) {
		/*
		 * wg-quick matches `mtu N' anywhere in `ip route get' (the route's own
		 * MTU is on its second, "cache" line) but reads only the first line of
		 * the default route (`read -r output').
		 */
		char *nl = addr ? NULL : strchr(out.data, '\n');

		if (nl)
			*nl = '\0';
		mtu = mtu_of(out.data);
	}
	wgc_strbuf_free(&out);
	return mtu;
}

static bool system_table_used(void *arg, unsigned table)
{
	struct wgc_strbuf a = { 0 }, b = { 0 };
	char t[16];
	bool used;

	(void)arg;
	snprintf(t, sizeof(t), "%u", table);
	wgc_quick_query(&a, "ip", "-4", "route", "show", "table", t, (char *)NULL);
	wgc_quick_query(&b, "ip", "-6", "route", "show", "table", t, (char *)NULL);
	used = (a.data && a.data[0]) || (b.data && b.data[0]);
	wgc_strbuf_free(&a);
	wgc_strbuf_free(&b);
	return used;
}

static bool system_have(void *arg, const char *prog)
{
	(void)arg;
	return wgc_quick_have(prog);
}

/* wg-quick's resolvconf_iface_prefix: the first "NAME*" line of interface-order gives "NAME." */
static const char *system_resolvconf_prefix(void *arg)
{
	static char prefix[64];
	char line[256];
	FILE *f = fopen("/etc/resolvconf/interface-order", "re");

	(void)arg;
	prefix[0] = '\0';
	if (!f)
		return prefix;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		line[n] = '\0';
		if (n >= 2 && n < sizeof(prefix) - 1 && line[n - 1] == '*' &&
		    strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == n - 1) {
			snprintf(prefix, sizeof(prefix), "%.*s.", (int)(n - 1), line);
			break;
		}
	}
	fclose(f);
	return prefix;
}

/* The rt_tables files iproute2 reads (/usr/share/iproute2 since 6.5, when /etc has none). */
static bool rt_tables_file_has(const char *path, const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	bool found;

	if (!f)
		return false;
	found = getdelim(&buf, &len, '\0', f) > 0 && wgc_quick_rt_tables_has(buf, strlen(buf), name);
	free(buf);
	fclose(f);
	return found;
}

static bool system_table_named(void *arg, const char *name)
{
	static const char *const dirs[] = { "/etc/iproute2", "/usr/share/iproute2", "/usr/lib/iproute2" };
	char path[256];
	glob_t g;
	bool found = false;

	(void)arg;
	/* ip's own names, whatever the files say */
	if (!strcmp(name, "main") || !strcmp(name, "local") || !strcmp(name, "default"))
		return true;
	for (size_t d = 0; !found && d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		snprintf(path, sizeof(path), "%s/rt_tables", dirs[d]);
		found = rt_tables_file_has(path, name);
		snprintf(path, sizeof(path), "%s/rt_tables.d/*.conf", dirs[d]);
		memset(&g, 0, sizeof(g));
		if (!found && !glob(path, 0, NULL, &g))
			for (size_t i = 0; !found && i < g.gl_pathc; i++)
				found = rt_tables_file_has(g.gl_pathv[i], name);
		globfree(&g);
	}
	return found;
}

const struct wgc_quick_probe wgc_quick_system_probe = {
	.route_mtu = system_route_mtu,
	.table_used = system_table_used,
	.have = system_have,
	.resolvconf_prefix = system_resolvconf_prefix,
	.table_named = system_table_named,
};

static void echo(const struct wgc_quick_step *s, const char *ifname)
{
	struct wgc_strbuf line = { 0 };

	wgc_quick_step_format(s, ifname, false, &line);
	if (!line.failed)
		fprintf(stderr, "%s\n", line.data);
	wgc_strbuf_free(&line);
}

static bool start_userspace(const struct wgc_quick_step *s)
{
	int rc;

	fprintf(stderr, "[#] %s %s\n", s->argv[0], s->argv[1]);
	rc = wgc_quick_spawn(s->argv, NULL, false, NULL, false);
	if (rc)
		fprintf(stderr, "[!] %s failed (status %d): see its messages above; LOG_LEVEL=verbose shows more\n",
			s->argv[0], rc);
	return rc == 0;
}

static bool add_if(struct wgc_quick_exec *ex, const struct wgc_quick_step *s)
{
	const char *ifname = ex->qc->ifname;
	char *add[] = { "ip", "link", "add", (char *)ifname, "type", "wireguard", NULL };
	struct stat st;

	echo(s, ifname);
	/* as wg-quick: a kernel interface when the module takes it (configured over netlink by the seam) */
	if (wgc_quick_spawn(add, NULL, false, NULL, false) == 0) {
		ex->link_created = true;
		return true;
	}
	if (!stat("/sys/module/wireguard", &st))
		return false;
	if (!wgc_quick_have(s->argv[0])) {
		fprintf(stderr, "[!] No WireGuard kernel module, and the userspace implementation `%s' cannot be run "
				"(WG_QUICK_USERSPACE_IMPLEMENTATION, else wgcd beside wgc or on PATH)\n", s->argv[0]);
		return false;
	}
	fprintf(stderr, "[!] Missing WireGuard kernel module. Falling back to slow userspace implementation.\n");
	if (!start_userspace(s))
		return false;
	ex->link_created = true;
	return true;
}

/* `ip -F ...' output contains text */
static bool shows(const char *text, const char *arg0, ...)
{
	struct wgc_strbuf out = { 0 };
	const char *argv[12];
	size_t n = 0;
	va_list ap;
	bool found;

	argv[n++] = arg0;
	va_start(ap, arg0);
	while (n < 11 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	wgc_strbuf_append(&out, "", 0);
	wgc_quick_spawn((char *const *)argv, NULL, false, &out, true);
	found = out.data && (text ? strstr(out.data, text) != NULL : out.data[0] != '\0');
	wgc_strbuf_free(&out);
	return found;
}

static bool del_nft(const struct wgc_quick_step *s, const char *ifname)
{
	struct wgc_strbuf tables = { 0 }, cmds = { 0 };
	char suffix[64];
	bool ok = true;
	char *p;

	if (!wgc_quick_have("nft"))
		return true;
	snprintf(suffix, sizeof(suffix), " wg-quick-%s", ifname);
	wgc_quick_query(&tables, "nft", "list", "tables", (char *)NULL);
	for (p = tables.data; p && *p;) {
		size_t n = strcspn(p, "\n"), sl = strlen(suffix);

		if (n >= sl && !memcmp(p + n - sl, suffix, sl))
			wgc_strbuf_printf(&cmds, "delete %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	if (cmds.len) {
		char *argv[] = { "nft", "-f", "/dev/fd/63", NULL };

		echo(s, ifname);
		ok = wgc_quick_spawn(argv, cmds.data, true, NULL, false) == 0;
	}
	wgc_strbuf_free(&tables);
	wgc_strbuf_free(&cmds);
	return ok;
}

/* add_default's nft step, its preraw rules taken from the addresses the interface has now */
static bool add_nft(const struct wgc_quick_step *s, const char *ifname)
{
	struct wgc_strbuf out = { 0 }, rules = { 0 };
	struct wgc_quick_strs addrs = { 0 };
	char *save = NULL, *tok, *prev = NULL;
	bool ok = false;

	wgc_quick_query(&out, "ip", "-o", s->family == 6 ? "-6" : "-4", "addr", "show", "dev", ifname, (char *)NULL);
	for (tok = out.data ? strtok_r(out.data, " \t\n", &save) : NULL; tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (prev && (!strcmp(prev, "inet") || !strcmp(prev, "inet6"))) {
			char **grown = realloc(addrs.v, (addrs.n + 1) * sizeof(*addrs.v));

			if (!grown)
				goto out;
			addrs.v = grown;
			addrs.v[addrs.n++] = tok;
		}
		prev = tok;
	}
	wgc_quick_nft_ruleset(&rules, ifname, s->family, s->value, &addrs);
	if (rules.failed)
		goto out;
	echo(s, ifname);
	ok = wgc_quick_spawn(s->argv, rules.data, true, NULL, false) == 0;
out:
	free(addrs.v);
	wgc_strbuf_free(&out);
	wgc_strbuf_free(&rules);
	return ok;
}

/* A sysctl VAR=VALUE step whose variable already has the value: skip the write (read-only /proc/sys). */
static bool sysctl_already(const struct wgc_quick_step *s)
{
	const char *arg = s->argv[2] ? s->argv[2] : "", *eq = strchr(arg, '=');
	char path[256], have[64] = "";
	FILE *f;

	if (strcmp(s->argv[0], "sysctl") || !eq || (size_t)(eq - arg) >= 128)
		return false;
	snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - arg), arg);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(have, sizeof(have), f))
		have[0] = '\0';
	fclose(f);
	have[strcspn(have, "\n")] = '\0';
	return !strcmp(have, eq + 1);
}

static bool link_present(const char *ifname)
{
	struct wgc_strbuf out = { 0 };
	bool there = wgc_quick_query(&out, "ip", "link", "show", "dev", ifname, (char *)NULL) && out.data[0];

	wgc_strbuf_free(&out);
	return there;
}

/* One recorded change undone: said when done, or why there was nothing to do. */
static bool undo_step(const struct wgc_quick_step *s, const char *ifname)
{
	struct wgc_strbuf line = { 0 };
	bool done;

	wgc_quick_step_format(s, ifname, false, &line);
	if (s->value && !link_present(ifname)) {
		fprintf(stderr, "[-] %s: already gone\n", line.failed ? "ip link delete" : line.data + 4);
		wgc_strbuf_free(&line);
		return true;
	}
	done = wgc_quick_spawn(s->argv, NULL, false, NULL, true) == 0;
	if (!line.failed)
		fprintf(stderr, done ? "%s\n" : "[-] %s: already gone\n", done ? line.data : line.data + 4);
	wgc_strbuf_free(&line);
	return done;
}

static bool run_step(struct wgc_quick_exec *ex, const struct wgc_quick_step *s)
{
	const char *ifname = ex->qc->ifname;
	struct wgc_device_model change;
	char *bash[4];
	int err;

	switch (s->kind) {
	case WGC_QS_HOOK:
		fprintf(stderr, "[#] %s\n", s->argv[0]);
		bash[0] = "bash", bash[1] = "-c", bash[2] = s->argv[0], bash[3] = NULL;
		return wgc_quick_spawn(bash, NULL, false, NULL, false) == 0;
	case WGC_QS_ADD_IF:
		return add_if(ex, s);
	case WGC_QS_USERSPACE:
		if (!start_userspace(s))
			return false;
		ex->link_created = true;
		return true;
	case WGC_QS_SETCONF:
		echo(s, ifname);
		snprintf(ex->config->name, sizeof(ex->config->name), "%s", ifname);
		if (!cli_candidates_allowed(ex->config, ifname))
			return false;
		err = wgc_ipc_set(ex->config, ifname);
		if (err)
			fprintf(stderr, "Unable to modify interface %s: %s\n", ifname, strerror(-err));
		return !err;
	case WGC_QS_SET_FWMARK:
		echo(s, ifname);
		memset(&change, 0, sizeof(change));
		snprintf(change.name, sizeof(change.name), "%s", ifname);
		change.flags = WGC_DEVICE_HAS_FWMARK;
		change.fwmark = s->value;
		err = wgc_ipc_set(&change, ifname);
		if (err)
			fprintf(stderr, "Unable to modify interface %s: %s\n", ifname, strerror(-err));
		return !err;
	case WGC_QS_ROUTE:
		if (shows(NULL, "ip", s->family == 6 ? "-6" : "-4", "route", "show", "dev", ifname, "match", s->match,
			  (char *)NULL))
			return true;
		echo(s, ifname);
		return wgc_quick_spawn(s->argv, NULL, false, NULL, false) == 0;
	case WGC_QS_DEL_RULES:
		for (int i = 0; i < MAX_LOOPS && shows(s->match, "ip", s->family == 6 ? "-6" : "-4", "rule", "show",
						       (char *)NULL); i++) {
			echo(s, ifname);
			if (wgc_quick_spawn(s->argv, NULL, false, NULL, false))
				return false;
		}
		return true;
	case WGC_QS_DEL_NFT:
		return del_nft(s, ifname);
	case WGC_QS_SAVE:
		/* a save that cannot be done leaves the file alone; down goes on and reports it */
		if (!wgc_quick_save(ex->qc, ex->path)) {
			ex->save_failed = true;
			fprintf(stderr, "[!] `%s' was not saved: the running state could not be read in full\n", ex->path);
		}
		return true;
	case WGC_QS_UNDO:
		return undo_step(s, ifname);
	case WGC_QS_CMD:
		if (s->input_fd63 && s->family)
			return add_nft(s, ifname);
		if (sysctl_already(s))
			return true;
		echo(s, ifname);
		return wgc_quick_spawn(s->argv, s->input, s->input_fd63, NULL, false) == 0;
	}
	return false;
}

/* up: note a change in the state file as soon as it is made, so down (or the undo of a failed up) finds it */
static void record(struct wgc_quick_exec *ex, const struct wgc_quick_step *s)
{
	struct wgc_strbuf line = { 0 };

	wgc_quick_state_record(&line, s, ex->qc->ifname);
	if (!line.failed && line.data[0] && !wgc_quick_state_append(ex->qc->ifname, line.data))
		fprintf(stderr, "[!] cannot record `%s' in %s: %s (`down' will tear down from the config)\n",
			line.data, WGC_STATE_DIR, strerror(errno));
	wgc_strbuf_free(&line);
}

bool wgc_quick_run(struct wgc_quick_exec *ex, const struct wgc_quick_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct wgc_quick_step *s = &plan->steps[i];

		if (!run_step(ex, s)) {
			if (s->ignore_fail)
				continue;
			return false;
		}
		if (ex->record)
			record(ex, s);
		ex->dns_set |= s->sets_dns;
		ex->firewall_set |= s->sets_firewall;
	}
	return true;
}

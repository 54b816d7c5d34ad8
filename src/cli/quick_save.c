// SPDX-License-Identifier: MIT
/* wg-quick's save_config, with an atomic replacement of the file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/quick_comments.h"
#include "cli/quick_exec.h"
#include "cli/quick_save.h"
#include "common/addr.h"
#include "common/config.h"
#include "common/show_format.h"
#include "ipc/ipc.h"
#include "core/crypto.h"
#include "core/encoding.h"

void wgc_quick_merge_saved(struct wgc_strbuf *out, const char *header, const char *showconf)
{
	size_t len = strlen(showconf);
	const char *hit;

	/* $(...) drops trailing newlines; echo adds one back */
	while (len && showconf[len - 1] == '\n')
		len--;
	hit = memmem(showconf, len, "[Interface]\n", 12);
	if (hit) {
		wgc_strbuf_append(out, showconf, (size_t)(hit - showconf));
		wgc_strbuf_append(out, header, strlen(header));
		wgc_strbuf_append(out, hit + 12, len - (size_t)(hit + 12 - showconf));
	} else {
		wgc_strbuf_append(out, showconf, len);
	}
	wgc_strbuf_append(out, "\n", 1);
}

static bool write_full(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

bool wgc_quick_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *crash = getenv("WGC_TEST_SAVE_CRASH");
	int fd, dfd;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, slash ? slash + 1 : path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "Could not write configuration file: path too long");
		return false;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* 0600, like wg-quick's umask 077 */
	if (fd < 0) {
		snprintf(err, errlen, "Could not write configuration file: %s", strerror(errno));
		return false;
	}
	if (crash && !strcmp(crash, "1")) {
		write_full(fd, data, len / 2);
		fsync(fd);
		kill(getpid(), SIGKILL);
	}
	if (!write_full(fd, data, len) || fsync(fd)) {
		snprintf(err, errlen, "Could not write configuration file: %s", strerror(errno));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		snprintf(err, errlen, "Could not write configuration file: %s", strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		snprintf(err, errlen, "Could not move configuration file: %s", strerror(errno));
		goto fail;
	}
	/* the rename itself is durable only once the directory is synced */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return true;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return false;
}

static void add_hooks(struct wgc_strbuf *h, const char *key, const struct wgc_quick_strs *list)
{
	for (size_t i = 0; i < list->n; i++)
		wgc_strbuf_printf(h, "%s = %s\n", key, list->v[i]);
}

static void saved_dns(struct wgc_strbuf *h, const char *ifname)
{
	const char *pfx = wgc_quick_system_probe.resolvconf_prefix(NULL);
	struct wgc_strbuf out = { 0 };
	char name[64], file[128];
	char *p;

	snprintf(name, sizeof(name), "%s%s", pfx, ifname);
	if (!wgc_quick_query(&out, "resolvconf", "-l", name, (char *)NULL)) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		wgc_strbuf_free(&out);
		snprintf(file, sizeof(file), "/etc/resolvconf/run/interface/%s", name);
		f = fopen(file, "re");
		if (!f)
			return;
		if (getdelim(&buf, &len, '\0', f) > 0)
			wgc_strbuf_append(&out, buf, strlen(buf));
		free(buf);
		fclose(f);
	}
	for (p = out.data; p && *p;) {
		size_t n = strcspn(p, "\n");
		char ns[128];

		if (n < sizeof(ns) - 1 && !strncmp(p, "nameserver ", 11)) {
			snprintf(ns, sizeof(ns), "%.*s", (int)(n - 11), p + 11);
			if (ns[0] && strspn(ns, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=+:%.-") ==
					     strlen(ns))
				wgc_strbuf_printf(h, "DNS = %s\n", ns);
		}
		p += n + (p[n] == '\n');
	}
	wgc_strbuf_free(&out);
}

/* A link-local address nobody put in the config (the kernel's own): not saved. */
static bool unconfigured_link_local(const struct wgc_quick_conf *qc, const char *addr)
{
	struct wgc_allowed_ip have, want;

	if (strncasecmp(addr, "fe8", 3) && strncasecmp(addr, "fe9", 3) && strncasecmp(addr, "fea", 3) &&
	    strncasecmp(addr, "feb", 3))
		return false;
	if (!wgc_prefix_parse(&have, addr, false))
		return false;
	for (size_t i = 0; i < qc->addresses.n; i++)
		if (wgc_prefix_parse(&want, qc->addresses.v[i], false) && want.family == AF_INET6 &&
		    !memcmp(&want.ip6, &have.ip6, sizeof(have.ip6)))
			return false;
	return true;
}

/* The interface's addresses as Address lines; false when they cannot be read (the interface is gone). */
static bool saved_addresses(struct wgc_strbuf *h, const struct wgc_quick_conf *qc)
{
	struct wgc_strbuf out = { 0 };
	bool ok = wgc_quick_query(&out, "ip", "-brief", "address", "show", "dev", qc->ifname, (char *)NULL) &&
		  out.data[0];

	if (ok) {
		/* "IF  STATE  addr/len addr/len ..." */
		char *save = NULL, *tok = strtok_r(out.data, " \t\n", &save);
		int field = 0;

		for (; tok; tok = strtok_r(NULL, " \t\n", &save), field++)
			if (field >= 2 && !unconfigured_link_local(qc, tok))
				wgc_strbuf_printf(h, "Address = %s\n", tok);
	}
	wgc_strbuf_free(&out);
	return ok;
}

static bool build_header(struct wgc_strbuf *h, const struct wgc_quick_conf *qc)
{
	struct wgc_strbuf out = { 0 };
	const char *ifname = qc->ifname;

	wgc_strbuf_printf(h, "[Interface]\n");
	if (!saved_addresses(h, qc))
		return false;
	saved_dns(h, ifname);
	if (qc->mtu) {
		const char *m;
		unsigned mtu;

		if (!wgc_quick_query(&out, "ip", "link", "show", "dev", ifname, (char *)NULL) ||
		    !(m = strstr(out.data, "mtu ")) || sscanf(m, "mtu %u", &mtu) != 1) {
			wgc_strbuf_free(&out);
			return false;
		}
		wgc_strbuf_printf(h, "MTU = %u\n", mtu);
	}
	wgc_strbuf_free(&out);
	if (qc->table[0])
		wgc_strbuf_printf(h, "Table = %s\n", qc->table);
	if (qc->save_config)
		wgc_strbuf_printf(h, "SaveConfig = true\n");
	add_hooks(h, "PreUp", &qc->pre_up);
	add_hooks(h, "PostUp", &qc->post_up);
	add_hooks(h, "PreDown", &qc->pre_down);
	add_hooks(h, "PostDown", &qc->post_down);
	return true;
}

/* The generated file with the comments of the file as it is now (quick_comments.h); messages on stderr. */
static bool with_comments(struct wgc_strbuf *out, const char *path, const char *generated)
{
	char err[256], *old;
	size_t len;
	bool ok;

	if (!wgc_config_read_file(path, &old, &len, false, err, sizeof(err), NULL)) {
		fprintf(stderr, "%s: %s: %s (not saved: its comments would be lost)\n", "wgc", path, err);
		return false;
	}
	ok = wgc_quick_keep_comments(out, old, len, generated);
	wgc_wipe(old, len);
	free(old);
	if (!ok)
		fprintf(stderr, "%s: out of memory\n", "wgc");
	return ok;
}

bool wgc_quick_save(const struct wgc_quick_conf *qc, const char *path)
{
	struct wgc_strbuf header = { 0 }, conf = { 0 }, file = { 0 }, merged = { 0 };
	struct wgc_device_model dev;
	char err[256];
	bool ok = false;
	int ret;

	/*
	 * Nothing is written unless the whole running state was read: first the
	 * device (over the UAPI), then the interface's addresses and MTU, which
	 * fail once the interface is gone (a second down, a killed daemon).
	 */
	fprintf(stderr, "[#] wgc showconf %s\n", qc->ifname);
	ret = wgc_ipc_get(&dev, qc->ifname);
	if (ret) {
		fprintf(stderr, "Unable to access interface %s: %s\n", qc->ifname, strerror(-ret));
		goto out;
	}
	if (!build_header(&header, qc)) {
		fprintf(stderr, "%s: cannot read the addresses of `%s': it is gone\n", "wgc", qc->ifname);
		wgc_model_free(&dev);
		goto out;
	}
	wgc_show_conf(&conf, &dev);
	wgc_model_free(&dev);
	wgc_quick_merge_saved(&file, header.data ? header.data : "", conf.data ? conf.data : "");
	if (header.failed || conf.failed || file.failed) {
		fprintf(stderr, "%s: out of memory\n", "wgc");
		goto out;
	}
	if (!with_comments(&merged, path, file.data))
		goto out;
	ok = wgc_quick_write_atomic(path, merged.data, merged.len, err, sizeof(err));
	if (!ok)
		fprintf(stderr, "%s: %s\n", "wgc", err);
out:
	wgc_strbuf_free(&header);
	wgc_strbuf_free(&conf);
	wgc_strbuf_free(&file);
	wgc_strbuf_free(&merged);
	return ok;
}

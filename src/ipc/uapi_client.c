// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/uapi.h"
#include "ipc/uapi_client.h"

/* A reply bigger than this is not from a sane daemon. */
enum { MAX_REPLY = 64 << 20 };

static int sock_path(struct sockaddr_un *addr, const char *ifname)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strchr(ifname, '/'))
		return -EINVAL;
	if ((size_t)snprintf(addr->sun_path, sizeof(addr->sun_path), WGC_UAPI_SOCKET_DIR "/%s.sock", ifname) >=
	    sizeof(addr->sun_path))
		return -EINVAL;
	return 0;
}

/* Connected socket or -errno, cleaning up a socket file nobody listens on. */
static int open_sock(const char *ifname)
{
	struct sockaddr_un addr;
	struct stat st;
	int fd, ret;

	ret = sock_path(&addr, ifname);
	if (ret)
		return ret;
	if (stat(addr.sun_path, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EBADF;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		ret = -errno;
		if (ret == -ECONNREFUSED)
			unlink(addr.sun_path);
		close(fd);
		return ret;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until the reply's closing blank line, or EOF. */
static int read_reply(int fd, struct wgc_strbuf *reply)
{
	for (;;) {
		ssize_t n;

		if (reply->len >= 2 && reply->data[reply->len - 1] == '\n' && reply->data[reply->len - 2] == '\n')
			return 0;
		if (reply->len > MAX_REPLY || !wgc_strbuf_reserve(reply, 4096))
			return -ENOMEM;
		n = read(fd, reply->data + reply->len, 4096);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		reply->len += (size_t)n;
		reply->data[reply->len] = '\0';
	}
}

/* Whether name (a /proc/PID/exe target or comm) is wgcd's: "wgcd", ".../wgcd", "wgcd (deleted)". */
static bool names_wgcd(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	return !strcmp(base, "wgcd") || !strcmp(base, "wgcd (deleted)");
}

/*
 * The one place that decides whether the daemon behind a connected UAPI
 * socket is wgcd, and so may be sent wgcd's extension lines (doc/uapi.md):
 * the peer's pid from SO_PEERCRED, then its executable's name (or, when
 * that link is unreadable, its command name). wireguard-go answers an
 * unknown line with an error, so anything not positively wgcd gets the
 * plain request.
 */
static bool peer_is_wgcd(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char path[64], target[4096];
	ssize_t n;
	FILE *f;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)cred.pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		return names_wgcd(target);
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)cred.pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fgets(target, sizeof(target), f) ? (ssize_t)strcspn(target, "\n") : 0;
	fclose(f);
	target[n] = '\0';
	return n > 0 && names_wgcd(target);
}

/* extended: the request is a get that may carry wgcd's extension line, when the peer is wgcd */
static int transact(const char *ifname, const struct wgc_strbuf *req, struct wgc_strbuf *reply, bool extended)
{
	static const char ext_get[] = "get=1\nwgc_extensions=1\n\n";
	int fd = open_sock(ifname), ret;

	if (fd < 0)
		return fd;
	if (extended && peer_is_wgcd(fd))
		ret = write_all(fd, ext_get, sizeof(ext_get) - 1);
	else
		ret = write_all(fd, req->data, req->len);
	if (!ret)
		ret = read_reply(fd, reply);
	close(fd);
	return ret;
}

int wgc_uapi_client_get(struct wgc_device_model *state, const char *ifname)
{
	struct wgc_strbuf req = { 0 }, reply = { 0 };
	int ret;

	memset(state, 0, sizeof(*state));
	wgc_strbuf_printf(&req, "get=1\n\n");
	ret = req.failed ? -ENOMEM : transact(ifname, &req, &reply, true);
	if (!ret)
		ret = wgc_uapi_parse_get(state, reply.data ? reply.data : "", reply.len, NULL);
	if (!ret)
		snprintf(state->name, sizeof(state->name), "%s", ifname);
	wgc_strbuf_free(&req);
	wgc_strbuf_free(&reply);
	return ret;
}

int wgc_uapi_client_set(const struct wgc_device_model *change, const char *ifname)
{
	struct wgc_strbuf req = { 0 }, reply = { 0 };
	int ret;

	ret = wgc_uapi_format_set(&req, change);
	if (!ret)
		ret = transact(ifname, &req, &reply, false);
	if (!ret)
		ret = wgc_uapi_parse_errno(reply.data ? reply.data : "", reply.len);
	wgc_strbuf_free(&req);
	wgc_strbuf_free(&reply);
	return ret;
}

bool wgc_uapi_client_exists(const char *ifname)
{
	int fd = open_sock(ifname);

	if (fd < 0)
		return fd != -ECONNREFUSED && fd != -ENOENT && fd != -EBADF && fd != -EINVAL;
	close(fd);
	return true;
}

char *wgc_uapi_client_list(void)
{
	struct wgc_strbuf list = { 0 };
	struct dirent *ent;
	DIR *dir;

	wgc_strbuf_append(&list, "", 0);
	dir = opendir(WGC_UAPI_SOCKET_DIR);
	if (!dir) {
		if (errno != ENOENT) {
			wgc_strbuf_free(&list);
			return NULL;
		}
	} else {
		while ((ent = readdir(dir))) {
			size_t len = strlen(ent->d_name);
			char name[256];

			if (len <= 5 || strcmp(ent->d_name + len - 5, ".sock"))
				continue;
			memcpy(name, ent->d_name, len - 5);
			name[len - 5] = '\0';
			if (!wgc_uapi_client_exists(name))
				continue;
			wgc_strbuf_append(&list, name, len - 5 + 1);
		}
		closedir(dir);
	}
	wgc_strbuf_append(&list, "", 1);
	if (list.failed) {
		wgc_strbuf_free(&list);
		errno = ENOMEM;
		return NULL;
	}
	return list.data;
}

int wgc_uapi_client_pid(const char *ifname)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = open_sock(ifname), ret;

	if (fd < 0)
		return fd;
	ret = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ? -errno : (int)cred.pid;
	close(fd);
	return ret;
}

bool wgc_uapi_client_is_wgcd(const char *ifname)
{
	int fd = open_sock(ifname);
	bool is;

	if (fd < 0)
		return false;
	is = peer_is_wgcd(fd);
	close(fd);
	return is;
}

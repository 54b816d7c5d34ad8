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
	if ((size_t)snprintf(addr->sun_path, sizeof(addr->sun_path), WGC_UAPI_SOCK_DIR "/%s.sock", ifname) >=
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

static int transact(const char *ifname, const struct wgc_strbuf *req, struct wgc_strbuf *reply)
{
	int fd = open_sock(ifname), ret;

	if (fd < 0)
		return fd;
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
	ret = req.failed ? -ENOMEM : transact(ifname, &req, &reply);
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
		ret = transact(ifname, &req, &reply);
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
	dir = opendir(WGC_UAPI_SOCK_DIR);
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

/* Whether /proc/PID/exe names a binary called wgcd ("... (deleted)" after an upgrade still counts). */
static bool exe_is_wgcd(long pid)
{
	char proc[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/%ld/exe", pid);
	n = readlink(proc, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (n > 10 && !strcmp(exe + n - 10, " (deleted)"))
		exe[n - 10] = '\0';
	base = strrchr(exe, '/');
	return !strcmp(base ? base + 1 : exe, "wgcd");
}

/*
 * The inode of the listening unix socket bound to path, as process pid's
 * network namespace lists it in /proc/PID/net/unix (the daemon may live in
 * another namespace than we do); 0 if there is none.
 */
static unsigned long listener_inode(long pid, const char *path)
{
	char file[64], line[PATH_MAX + 128], listed[PATH_MAX];
	unsigned long inode = 0;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%ld/net/unix", pid);
	f = fopen(file, "re");
	if (!f)
		return 0;
	while (!inode && fgets(line, sizeof(line), f)) {
		unsigned int flags, state;
		unsigned long ino;

		/* Num: RefCount Protocol Flags Type St Inode Path; flag 0x10000 is __SO_ACCEPTCON (listening) */
		if (sscanf(line, "%*s %*x %*x %x %*x %x %lu %4095s", &flags, &state, &ino, listed) == 4 &&
		    (flags & 0x10000) && !strcmp(listed, path))
			inode = ino;
	}
	fclose(f);
	return inode;
}

static bool holds_socket(long pid, unsigned long inode)
{
	char dir[64], link[64], want[64], path[64 + 256];
	struct dirent *ent;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (ent = readdir(d))) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			found = !strcmp(link, want);
		}
	}
	closedir(d);
	return found;
}

/* Some running wgcd holds the socket listening on path (the slow way: a scan of /proc). */
static bool wgcd_listens_on(const char *path)
{
	struct dirent *ent;
	bool found = false;
	DIR *proc = opendir("/proc");

	if (!proc)
		return false;
	while (!found && (ent = readdir(proc))) {
		char *end;
		long pid = strtol(ent->d_name, &end, 10);
		unsigned long inode;

		if (*end || pid <= 0 || !exe_is_wgcd(pid))
			continue;
		inode = listener_inode(pid, path);
		found = inode && holds_socket(pid, inode);
	}
	closedir(proc);
	return found;
}

bool wgc_uapi_client_is_wgcd(const char *ifname)
{
	struct sockaddr_un addr;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = open_sock(ifname), ret;

	if (fd < 0)
		return false;
	ret = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
	close(fd);
	/*
	 * SO_PEERCRED names the process that called listen(). A daemon that
	 * forks after binding its socket (wgcd and wireguard-go both do) leaves
	 * a pid that is gone or reused, so unless it is a wgcd itself, find the
	 * wgcd that holds the listening socket now.
	 */
	if (!ret && len == sizeof(cred) && cred.pid > 0 && exe_is_wgcd(cred.pid))
		return true;
	return !sock_path(&addr, ifname) && wgcd_listens_on(addr.sun_path);
}

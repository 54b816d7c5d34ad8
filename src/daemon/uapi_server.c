// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/ifname.h"
#include "core/crypto.h"
#include "daemon/log.h"
#include "daemon/tun.h"
#include "daemon/uapi_server.h"

enum { READ_CHUNK = 4096, OP_LINE_LEN = 6 /* "get=1\n" */, RELEASE_OVER = 64 << 10 };

struct client {
	int fd;
	struct wgc_strbuf in;   /* bytes received, not yet consumed */
	struct wgc_strbuf out;  /* reply bytes not yet written */
	size_t out_off;
	size_t scanned;         /* in.data[0..scanned) holds no "\n\n": a large
				 * request is searched once, not once per read */
	bool close_after_write; /* the reply is the last thing we send */
	int64_t last_ms;
};

struct wgc_uapi_server {
	struct wgc_uapi_server_config cfg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd, inotify_fd;
	int wake[2];
	dev_t dev;
	ino_t ino;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	struct client *clients;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_err(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, WGC_UAPI_SERVER_ERRLEN, fmt, ap);
	va_end(ap);
}

/* mkdir -p with 0755 for each missing component. */
static int make_dir(const char *dir)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static int try_bind(int fd, const struct sockaddr_un *sa)
{
	mode_t old = umask(0077);
	int ret = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));

	umask(old);
	return ret < 0 ? -errno : 0;
}

/* Whether someone accepts connections on path. */
static bool socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return alive;
}

/*
 * Creates dir, binds s->listen_fd to s->path (replacing a stale socket file
 * whose owner is gone, never a live one nor a non-socket) and listens;
 * records the file's device and inode. 0, or -errno with err set; on
 * failure no socket file of ours is left behind.
 */
static int bind_listen(struct wgc_uapi_server *s, const char *dir, char err[WGC_UAPI_SERVER_ERRLEN])
{
	struct sockaddr_un sa;
	struct stat st;
	int ret;

	ret = make_dir(dir);
	if (ret < 0) {
		set_err(err, "cannot create %s: %s", dir, strerror(-ret));
		return ret;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, s->path, sizeof(s->path));
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = try_bind(s->listen_fd, &sa);
	if (ret == -EADDRINUSE) {
		if (lstat(s->path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			set_err(err, "%s exists and is not a socket", s->path);
			return -EEXIST;
		}
		if (socket_alive(&sa)) {
			set_err(err, "%s: interface in use by another process", s->path);
			return -EADDRINUSE;
		}
		/* Stale: its owner died without cleaning up. */
		if (unlink(s->path) < 0 && errno != ENOENT) {
			ret = -errno;
			goto fail;
		}
		ret = try_bind(s->listen_fd, &sa);
	}
	if (ret < 0)
		goto fail;
	if (listen(s->listen_fd, 16) < 0 || lstat(s->path, &st) < 0) {
		ret = -errno;
		unlink(s->path);
		goto fail;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
fail:
	set_err(err, "UAPI socket %s: %s", s->path, strerror(-ret));
	return ret;
}

int wgc_uapi_server_open(struct wgc_uapi_server **out, const struct wgc_uapi_server_config *cfg,
			 char err[WGC_UAPI_SERVER_ERRLEN])
{
	struct wgc_uapi_server *s;
	const char *dir = cfg->dir ? cfg->dir : WGC_UAPI_SOCKET_DIR;
	int ret;

	*out = NULL;
	set_err(err, "ok");
	if (!cfg->handle || wgc_ifname_valid(cfg->ifname) < 0) {
		set_err(err, "invalid UAPI server configuration");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->cfg.dir = NULL; /* not kept: the caller's string may go away */
	s->cfg.ifname = NULL;
	if (!s->cfg.max_request)
		s->cfg.max_request = WGC_UAPI_MAX_REQUEST_DEFAULT;
	if (s->cfg.idle_timeout_ms <= 0)
		s->cfg.idle_timeout_ms = WGC_UAPI_IDLE_TIMEOUT_MS_DEFAULT;
	if (!s->cfg.max_clients)
		s->cfg.max_clients = WGC_UAPI_MAX_CLIENTS_DEFAULT;
	s->listen_fd = s->inotify_fd = s->wake[0] = s->wake[1] = -1;
	if (snprintf(s->path, sizeof(s->path), "%s/%s.sock", dir, cfg->ifname) >= (int)sizeof(s->path)) {
		set_err(err, "UAPI socket path too long");
		ret = -EINVAL;
		goto fail;
	}
	ret = bind_listen(s, dir, err);
	if (ret < 0)
		goto fail;
	/* Failing to watch is not fatal: only `rm` of the socket goes unnoticed. */
	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inotify_fd >= 0 &&
	    inotify_add_watch(s->inotify_fd, s->path, IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		close(s->inotify_fd);
		s->inotify_fd = -1;
	}
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = -errno;
		unlink(s->path);
		goto fail_errno;
	}
	s->clients = calloc(s->cfg.max_clients, sizeof(*s->clients));
	if (!s->clients) {
		ret = -ENOMEM;
		unlink(s->path);
		goto fail;
	}
	for (unsigned i = 0; i < s->cfg.max_clients; i++)
		s->clients[i].fd = -1;
	*out = s;
	return 0;
fail_errno:
	set_err(err, "UAPI socket %s: %s", s->path, strerror(-ret));
fail:
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->inotify_fd >= 0)
		close(s->inotify_fd);
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	free(s->clients);
	free(s);
	return ret;
}

const char *wgc_uapi_server_path(const struct wgc_uapi_server *s)
{
	return s->path;
}

static void drop_client(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	wgc_strbuf_free(&c->in);
	wgc_strbuf_free(&c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* The client whose request the handler is running (wgc_uapi_server_drain); only the server's thread. */
static __thread struct client *handling;

void wgc_uapi_server_drain(struct wgc_strbuf *reply)
{
	struct client *c = handling;

	if (!c || reply != &c->out)
		return;
	while (c->out_off < reply->len) {
		ssize_t w = send(c->fd, reply->data + c->out_off, reply->len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* the client is not reading now (or gone): the rest waits in reply */
		c->out_off += (size_t)w;
		c->last_ms = now_ms();
	}
	/* moved down only once half is sent: a slow reader costs linear, not quadratic, copying */
	if (c->out_off && c->out_off * 2 >= reply->len) {
		wgc_strbuf_consume(reply, c->out_off);
		c->out_off = 0;
	}
}

bool wgc_uapi_server_drain_wait(struct wgc_strbuf *reply, size_t keep, int timeout_ms)
{
	struct client *c = handling;

	if (!c || reply != &c->out)
		return false;
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		int r;

		wgc_uapi_server_drain(reply);
		if (reply->len - c->out_off <= keep)
			return true;
		r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
			return false;
	}
}

/* Removes the first n bytes of the input, wiping what moves and what is left behind. */
static void consume(struct wgc_strbuf *in, size_t n)
{
	size_t rest = in->len - n;

	memmove(in->data, in->data + n, rest); /* rest: the next request's first bytes */
	wgc_wipe(in->data + rest, in->len - rest);
	in->len = rest;
	in->data[rest] = '\0';
}

/*
 * An empty buffer that grew for a large request or reply (a setconf or
 * dump of many peers) goes back to the system now, not when the client
 * leaves: the daemon's resident memory returns to its configured size.
 */
static void release_if_large(struct wgc_strbuf *sb)
{
	if (sb->len == 0 && sb->cap > RELEASE_OVER)
		wgc_strbuf_free(sb);
}

static void queue_error(struct client *c, int code)
{
	wgc_strbuf_printf(&c->out, "errno=%d\n\n", code);
}

/*
 * Handles every complete request buffered for c, stopping once a reply is
 * pending so replies leave in order. Returns false to drop the client.
 */
static bool process_input(struct wgc_uapi_server *s, struct client *c)
{
	while (c->out.len == 0 && c->in.len > 0) {
		const char *end;
		size_t n;

		/* Reject a bad operation on its first line, without waiting for more. */
		if (c->in.len >= OP_LINE_LEN || memchr(c->in.data, '\n', c->in.len)) {
			if (c->in.len < OP_LINE_LEN ||
			    (memcmp(c->in.data, "get=1\n", OP_LINE_LEN) &&
			     memcmp(c->in.data, "set=1\n", OP_LINE_LEN))) {
				wgc_log(WGC_LOG_ERROR, "UAPI: invalid operation, closing connection");
				return false;
			}
		}
		{
			size_t from = c->scanned > 0 && c->scanned <= c->in.len ? c->scanned - 1 : 0;

			end = memmem(c->in.data + from, c->in.len - from, "\n\n", 2);
		}
		if (!end) {
			c->scanned = c->in.len;
			if (c->in.len > s->cfg.max_request) {
				wgc_log(WGC_LOG_ERROR, "UAPI: request over %zu bytes, closing connection",
					s->cfg.max_request);
				queue_error(c, -EMSGSIZE);
				c->close_after_write = true;
				wgc_wipe(c->in.data, c->in.len);
				c->in.len = 0;
				c->scanned = 0;
			}
			return !c->out.failed;
		}
		n = (size_t)(end - c->in.data) + 2;
		if (n > s->cfg.max_request) {
			queue_error(c, -EMSGSIZE);
			c->close_after_write = true;
			wgc_wipe(c->in.data, c->in.len);
			c->in.len = 0;
			c->scanned = 0;
			return !c->out.failed;
		}
		{
			int ret;

			c->out_off = 0;
			handling = c;
			ret = s->cfg.handle(s->cfg.ctx, c->in.data, n, &c->out);
			handling = NULL;
			if (ret < 0 || c->out.failed) {
				wgc_strbuf_wipe(&c->out);
				c->out_off = 0;
				c->out.failed = false;
				queue_error(c, ret < 0 ? ret : -ENOMEM);
			}
		}
		consume(&c->in, n);
		release_if_large(&c->in);
		c->scanned = 0;
		if (c->out.failed)
			return false;
	}
	return true;
}

/* Reads what is available. Returns false to drop the client (EOF, error). */
static bool client_read(struct wgc_uapi_server *s, struct client *c)
{
	for (;;) {
		ssize_t r;

		if (!wgc_strbuf_reserve(&c->in, READ_CHUNK))
			return false;
		r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN;
		if (r == 0)
			return false; /* EOF: a partial request dies here, unhandled */
		c->in.len += (size_t)r;
		c->in.data[c->in.len] = '\0';
		c->last_ms = now_ms();
		if (!process_input(s, c))
			return false;
		if (c->out.len)
			return true; /* stop reading until the reply is out */
	}
}

static bool client_write(struct wgc_uapi_server *s, struct client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN;
		c->out_off += (size_t)w;
		c->last_ms = now_ms();
	}
	wgc_strbuf_wipe(&c->out);
	release_if_large(&c->out);
	c->out_off = 0;
	if (c->close_after_write)
		return false;
	/* Pipelined requests may already be buffered. */
	return process_input(s, c);
}

static bool socket_gone(const struct wgc_uapi_server *s)
{
	struct stat st;

	return lstat(s->path, &st) < 0 || st.st_dev != s->dev || st.st_ino != s->ino;
}

/*
 * With every slot taken, a client that has been quiet this long with
 * nothing in flight (between requests) gives its slot to a new one: idle
 * connections must not lock `wg show' out for the whole idle timeout.
 */
enum { EVICT_QUIET_MS = 1000 };

static bool evictable(const struct client *c, int64_t now)
{
	return c->fd >= 0 && !c->in.len && !c->out.len && now - c->last_ms >= EVICT_QUIET_MS;
}

/*
 * Fills pfd: the wake pipe, the inotify watch, one slot per client (fd -1
 * when free) and the listening socket last, unless every slot is taken by
 * a client that is not evictable (then new clients wait in the backlog
 * until one is). Sets *n to the count; returns the poll timeout in ms: the
 * nearest idle or eviction deadline, -1 for none.
 */
static int64_t build_pollset(const struct wgc_uapi_server *s, struct pollfd *pfd, unsigned *n)
{
	unsigned max = s->cfg.max_clients, active = 0, k = 0;
	int64_t now = now_ms(), timeout = -1;
	bool room = false;

	pfd[k++] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
	pfd[k++] = (struct pollfd){ .fd = s->inotify_fd, .events = POLLIN };
	for (unsigned i = 0; i < max; i++) {
		const struct client *c = &s->clients[i];
		int64_t left;

		if (c->fd < 0) {
			pfd[k++] = (struct pollfd){ .fd = -1 };
			continue;
		}
		active++;
		pfd[k++] = (struct pollfd){ .fd = c->fd, .events = c->out.len ? POLLOUT : POLLIN };
		left = c->last_ms + s->cfg.idle_timeout_ms - now;
		if (!c->in.len && !c->out.len && c->last_ms + EVICT_QUIET_MS - now < left)
			left = c->last_ms + EVICT_QUIET_MS - now;
		if (left < 0)
			left = 0;
		if (timeout < 0 || left < timeout)
			timeout = left;
		room |= evictable(c, now);
	}
	pfd[k++] = (struct pollfd){ .fd = active < max || room ? s->listen_fd : -1, .events = POLLIN };
	*n = k;
	return timeout;
}

/* Reads, writes or drops (error, hang-up, idle too long) each client after a poll. */
static void service_clients(struct wgc_uapi_server *s, const struct pollfd *pfd)
{
	int64_t now = now_ms();

	for (unsigned i = 0; i < s->cfg.max_clients; i++) {
		struct client *c = &s->clients[i];
		short re = pfd[2 + i].revents;
		bool keep = true;

		if (c->fd < 0)
			continue;
		if (re & POLLOUT)
			keep = client_write(s, c);
		else if (re & (POLLIN | POLLHUP | POLLERR))
			keep = client_read(s, c);
		else if (now - c->last_ms >= s->cfg.idle_timeout_ms)
			keep = false;
		if (keep && c->out.len && !(re & POLLOUT))
			keep = client_write(s, c); /* try at once, usually completes */
		if (!keep)
			drop_client(c);
	}
}

/*
 * Takes one waiting connection into the first free client slot, or, with
 * none free, into the slot of the client that has been quiet longest, if
 * it is evictable.
 */
static void accept_client(struct wgc_uapi_server *s)
{
	unsigned max = s->cfg.max_clients, i, oldest = max;
	int64_t now = now_ms();

	for (i = 0; i < max && s->clients[i].fd >= 0; i++)
		if (evictable(&s->clients[i], now) &&
		    (oldest == max || s->clients[i].last_ms < s->clients[oldest].last_ms))
			oldest = i;
	if (i == max && oldest < max) {
		drop_client(&s->clients[oldest]);
		i = oldest;
	}
	if (i < max) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			s->clients[i].fd = fd;
			s->clients[i].last_ms = now_ms();
		}
	}
}

static void *serve(void *arg)
{
	struct wgc_uapi_server *s = arg;
	unsigned max = s->cfg.max_clients, i;
	struct pollfd *pfd;
	bool gone = false;

	pfd = calloc(max + 3, sizeof(*pfd));
	if (!pfd)
		return NULL;
	while (!atomic_load(&s->stop) && !gone) {
		unsigned n;
		int64_t timeout = build_pollset(s, pfd, &n);

		if (poll(pfd, n, (int)timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents && socket_gone(s)) {
			gone = true;
			break;
		}
		if (pfd[1].revents) {
			char ev[4096];
			while (read(s->inotify_fd, ev, sizeof(ev)) > 0)
				;
		}
		service_clients(s, pfd);
		if (pfd[n - 1].revents & POLLIN)
			accept_client(s);
	}
	for (i = 0; i < max; i++)
		drop_client(&s->clients[i]);
	free(pfd);
	if (gone) {
		wgc_log(WGC_LOG_VERBOSE, "UAPI: socket %s removed, stopping", s->path);
		if (s->cfg.gone)
			s->cfg.gone(s->cfg.ctx);
	}
	return NULL;
}

int wgc_uapi_server_start(struct wgc_uapi_server *s)
{
	int ret;

	if (s->started)
		return -EALREADY;
	ret = pthread_create(&s->thread, NULL, serve, s);
	if (ret)
		return -ret;
	s->started = true;
	return 0;
}

void wgc_uapi_server_close(struct wgc_uapi_server *s)
{
	unsigned i;

	if (!s)
		return;
	if (s->started) {
		atomic_store(&s->stop, true);
		(void)!write(s->wake[1], "x", 1);
		pthread_join(s->thread, NULL);
	}
	for (i = 0; i < s->cfg.max_clients; i++)
		drop_client(&s->clients[i]);
	/* Never remove a socket that a successor has bound in our place. */
	if (!socket_gone(s))
		unlink(s->path);
	close(s->listen_fd);
	if (s->inotify_fd >= 0)
		close(s->inotify_fd);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s->clients);
	free(s);
}

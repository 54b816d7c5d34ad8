// SPDX-License-Identifier: MIT
/* The UAPI socket server: framing, limits, liveness checks, socket-file life cycle. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "daemon/uapi_server.h"

static char dir[64];
static atomic_int calls, gone_calls;
static char last_req[4096];
static size_t big_reply;
static bool drain_reply; /* the handler offers its reply to the client every 1024 lines */
static bool drain_wait;  /* ...and waits (500 ms at most) for it to read down to 64 KiB */
static bool reader_waited;
static size_t most_held;  /* the largest the reply grew while being drained */

static int handler(void *ctx, const char *req, size_t len, struct wgc_strbuf *reply)
{
	atomic_fetch_add(&calls, 1);
	snprintf(last_req, sizeof(last_req), "%.*s", (int)len, req);
	if (!strncmp(req, "set=1\nfail=1\n", 13))
		return -22;
	if (big_reply) {
		for (size_t i = 0; i < big_reply / 64; i++) {
			wgc_strbuf_printf(reply, "key=%059zu\n", i);
			if (drain_reply && i % 1024 == 1023) {
				if (drain_wait && reader_waited)
					reader_waited = wgc_uapi_server_drain_wait(reply, 64 << 10, 500);
				else
					wgc_uapi_server_drain(reply);
				if (reply->len > most_held)
					most_held = reply->len;
			}
		}
	}
	wgc_strbuf_printf(reply, "%s", "errno=0\n\n");
	return 0;
}

static void on_gone(void *ctx)
{
	atomic_fetch_add(&gone_calls, 1);
}

static struct wgc_uapi_server *start(const char *name, size_t max_request, int idle_ms)
{
	struct wgc_uapi_server_config cfg = {
		.dir = dir, .ifname = name, .max_request = max_request, .idle_timeout_ms = idle_ms,
		.handle = handler, .gone = on_gone,
	};
	struct wgc_uapi_server *s = NULL;
	char err[WGC_UAPI_SERVER_ERRLEN];

	if (wgc_uapi_server_open(&s, &cfg, err) < 0) {
		fprintf(stderr, "open: %s\n", err);
		return NULL;
	}
	if (wgc_uapi_server_start(s) < 0) {
		wgc_uapi_server_close(s);
		return NULL;
	}
	return s;
}

static int dial(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, name);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads until want bytes, EOF or a second of silence; returns bytes read (0 = EOF at once). */
static ssize_t read_some(int fd, char *buf, size_t cap, size_t want)
{
	size_t n = 0;

	while (n < want && n < cap - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 1000) != 1)
			break;
		r = read(fd, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

static bool is_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, 2000) == 1 && read(fd, &c, 1) == 0;
}

/*
 * Every slot taken by idle connections (the new-user trial: 30 of them hung
 * `wgc show' for the 30 s idle timeout): a client quiet for a second with
 * nothing in flight gives its slot to a newcomer; one in mid-request keeps it.
 */
static void test_idle_clients_make_room(void)
{
	struct wgc_uapi_server *s = start("wgcu9", 0, 0);
	int idle[WGC_UAPI_MAX_CLIENTS_DEFAULT - 1], busy, fresh, evicted = 0;
	struct pollfd p;
	char buf[64];

	CHECK(s != NULL);
	if (!s)
		return;
	for (unsigned i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		CHECK((idle[i] = dial("wgcu9")) >= 0);
	busy = dial("wgcu9");
	CHECK(busy >= 0 && write(busy, "get=1\n", 6) == 6); /* a request in flight */
	usleep(1200 * 1000);
	fresh = dial("wgcu9");
	CHECK(fresh >= 0 && write(fresh, "get=1\n\n", 7) == 7);
	p = (struct pollfd){ .fd = fresh, .events = POLLIN };
	CHECK(poll(&p, 1, 10000) == 1);
	CHECK(read_some(fresh, buf, sizeof(buf), 9) == 9 && !strcmp(buf, "errno=0\n\n"));
	/* the eviction came before the newcomer's reply: its EOF is there already */
	for (unsigned i = 0; i < sizeof(idle) / sizeof(idle[0]); i++) {
		p = (struct pollfd){ .fd = idle[i], .events = POLLIN };
		evicted += poll(&p, 1, 0) == 1 && read(idle[i], buf, 1) == 0;
	}
	CHECK(evicted == 1);
	CHECK(write(busy, "\n", 1) == 1);
	CHECK(read_some(busy, buf, sizeof(buf), 9) == 9 && !strcmp(buf, "errno=0\n\n"));
	for (unsigned i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		close(idle[i]);
	close(busy);
	close(fresh);
	wgc_uapi_server_close(s);
}

static void test_socket_file(void)
{
	struct wgc_uapi_server *s = start("wgcu0", 0, 0);
	struct stat st;
	char path[100];

	CHECK(s != NULL);
	if (!s)
		return;
	snprintf(path, sizeof(path), "%s/wgcu0.sock", dir);
	CHECK(!strcmp(wgc_uapi_server_path(s), path));
	CHECK(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0700);
	wgc_uapi_server_close(s);
	CHECK(lstat(path, &st) < 0 && errno == ENOENT);
}

static void test_requests(void)
{
	struct wgc_uapi_server *s = start("wgcu1", 0, 0);
	char buf[256];
	int fd;

	CHECK(s != NULL);
	if (!s)
		return;
	atomic_store(&calls, 0);
	fd = dial("wgcu1");
	CHECK(fd >= 0);
	CHECK(write(fd, "get=1\n\n", 7) == 7);
	CHECK(read_some(fd, buf, sizeof(buf), 9) == 9 && !strcmp(buf, "errno=0\n\n"));
	CHECK(!strcmp(last_req, "get=1\n\n"));

	/* Two requests in one write, a handler error, all on the same connection. */
	CHECK(write(fd, "set=1\nlisten_port=1\n\nset=1\nfail=1\n\n", 35) == 35);
	CHECK(read_some(fd, buf, sizeof(buf), 20) == 20 && !strcmp(buf, "errno=0\n\nerrno=-22\n\n"));
	CHECK(!strcmp(last_req, "set=1\nfail=1\n\n"));

	/* A request dribbled in one byte at a time reaches the handler once, whole. */
	{
		static const char req[] = "set=1\nprivate_key=00\npublic_key=11\nallowed_ip=10.0.0.0/8\n\n";
		for (size_t i = 0; i < sizeof(req) - 1; i++) {
			CHECK(write(fd, req + i, 1) == 1);
			if (i % 8 == 0)
				usleep(1000);
		}
		CHECK(read_some(fd, buf, sizeof(buf), 9) == 9 && !strcmp(buf, "errno=0\n\n"));
		CHECK(!strcmp(last_req, req));
	}
	CHECK(atomic_load(&calls) == 4);
	close(fd);
	wgc_uapi_server_close(s);
}

static void test_partial_and_invalid(void)
{
	struct wgc_uapi_server *s = start("wgcu2", 0, 300);
	char buf[64];
	int fd;

	CHECK(s != NULL);
	if (!s)
		return;
	atomic_store(&calls, 0);
	/* Hang up mid-request: no handler call. */
	fd = dial("wgcu2");
	CHECK(write(fd, "set=1\nprivate_key=aa\n", 21) == 21);
	usleep(50000);
	close(fd);
	/* Unknown operation: closed without a reply. */
	fd = dial("wgcu2");
	CHECK(write(fd, "put=1\n\n", 7) == 7);
	CHECK(is_eof(fd));
	close(fd);
	fd = dial("wgcu2");
	CHECK(write(fd, "\n\n", 2) == 2);
	CHECK(is_eof(fd));
	close(fd);
	/* Silence mid-request past the idle timeout: dropped, unhandled. */
	fd = dial("wgcu2");
	CHECK(write(fd, "get=1\n", 6) == 6);
	CHECK(is_eof(fd));
	close(fd);
	usleep(50000);
	CHECK(atomic_load(&calls) == 0);
	/* The server still works afterwards. */
	fd = dial("wgcu2");
	CHECK(write(fd, "get=1\n\n", 7) == 7);
	CHECK(read_some(fd, buf, sizeof(buf), 9) == 9 && !strcmp(buf, "errno=0\n\n"));
	close(fd);
	CHECK(atomic_load(&calls) == 1);
	wgc_uapi_server_close(s);
}

static void test_size_limit(void)
{
	struct wgc_uapi_server *s = start("wgcu3", 1024, 0);
	char buf[64], chunk[512];
	int fd;

	CHECK(s != NULL);
	if (!s)
		return;
	atomic_store(&calls, 0);
	fd = dial("wgcu3");
	memset(chunk, 'a', sizeof(chunk));
	memcpy(chunk, "set=1\n", 6);
	chunk[sizeof(chunk) - 1] = '\n';
	for (int i = 0; i < 4; i++)
		(void)!write(fd, chunk, sizeof(chunk));
	CHECK(read_some(fd, buf, sizeof(buf), 11) == 11 && !strcmp(buf, "errno=-90\n\n"));
	CHECK(is_eof(fd));
	close(fd);
	CHECK(atomic_load(&calls) == 0);
	wgc_uapi_server_close(s);
}

static void test_large_reply(void)
{
	struct wgc_uapi_server *s = start("wgcu4", 0, 0);
	size_t want = (2u << 20) + 9, got = 0;
	char *buf = malloc(want + 1);
	int fd;

	CHECK(s != NULL && buf != NULL);
	if (!s || !buf)
		return;
	big_reply = 2u << 20;
	fd = dial("wgcu4");
	CHECK(write(fd, "get=1\n\n", 7) == 7);
	usleep(100000); /* let the server fill the socket and wait for POLLOUT */
	got = (size_t)read_some(fd, buf, want + 1, want);
	CHECK(got == want);
	CHECK(got == want && !memcmp(buf + want - 9, "errno=0\n\n", 9));
	CHECK(!memcmp(buf, "key=", 4));
	big_reply = 0;
	close(fd);
	free(buf);
	wgc_uapi_server_close(s);
}

/* Every line of a reply the handler drained while building it, in order, then the end. */
static bool drained_reply_intact(const char *buf, size_t got, size_t lines)
{
	char want[65];

	if (got != lines * 64 + 9 || memcmp(buf + got - 9, "errno=0\n\n", 9))
		return false;
	for (size_t i = 0; i < lines; i++) {
		snprintf(want, sizeof(want), "key=%059zu\n", i);
		if (memcmp(buf + i * 64, want, 64))
			return false;
	}
	return true;
}

/*
 * A reply drained while it is built reaches a reader that keeps up and one
 * that starts late, whole and in order; waited on, it stays small while
 * the reader keeps up (200 ms late is within the wait), and a reader that
 * stalls longer than the wait still gets all of it.
 */
static void test_drained_reply(void)
{
	struct wgc_uapi_server *s = start("wgcu9", 0, 0);
	size_t lines = (4u << 20) / 64, want = lines * 64 + 9;
	char *buf = malloc(want + 1);

	CHECK(s != NULL && buf != NULL);
	if (!s || !buf) {
		free(buf);
		return;
	}
	big_reply = lines * 64;
	drain_reply = true;
	for (int round = 0; round < 5; round++) {
		int late = round % 2, fd = dial("wgcu9");

		drain_wait = round >= 2;
		reader_waited = true;
		most_held = 0;
		CHECK(write(fd, "get=1\n\n", 7) == 7);
		if (late)
			usleep(200000); /* the socket fills: the rest waits in the reply (or the handler waits) */
		if (round == 4)
			usleep(1000000); /* longer than the handler waits: it stops waiting, buffers the rest */
		CHECK(drained_reply_intact(buf, (size_t)read_some(fd, buf, want + 1, want), lines));
		if (round == 2 || round == 3)
			CHECK(reader_waited && most_held <= (128 << 10) + 64);
		if (round == 4)
			CHECK(!reader_waited && most_held > (1 << 20));
		/* the next request on the same connection is answered normally */
		CHECK(write(fd, "get=1\n\n", 7) == 7);
		CHECK(drained_reply_intact(buf, (size_t)read_some(fd, buf, want + 1, want), lines));
		close(fd);
	}
	drain_reply = drain_wait = false;
	big_reply = 0;
	free(buf);
	wgc_uapi_server_close(s);
}

static void test_in_use_and_stale(void)
{
	struct wgc_uapi_server *s = start("wgcu5", 0, 0), *s2;
	struct wgc_uapi_server_config cfg = { .dir = dir, .ifname = "wgcu5", .handle = handler };
	char err[WGC_UAPI_SERVER_ERRLEN], path[100];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	CHECK(s != NULL);
	CHECK(wgc_uapi_server_open(&s2, &cfg, err) == -EADDRINUSE && s2 == NULL);
	CHECK(strstr(err, "in use") != NULL);
	wgc_uapi_server_close(s);

	/* A stale socket (its owner died) is replaced. */
	snprintf(path, sizeof(path), "%s/wgcu5.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	CHECK(wgc_uapi_server_open(&s2, &cfg, err) == 0);
	wgc_uapi_server_close(s2);

	/* A regular file in the way is not ours to delete. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK(wgc_uapi_server_open(&s2, &cfg, err) == -EEXIST);
	unlink(path);

	cfg.ifname = "bad/name";
	CHECK(wgc_uapi_server_open(&s2, &cfg, err) == -EINVAL);
	cfg.ifname = "ok";
	cfg.handle = NULL;
	CHECK(wgc_uapi_server_open(&s2, &cfg, err) == -EINVAL);
}

/* `rm IFNAME.sock` (wg-quick down) stops the server and tells the daemon. */
static void test_socket_removed(void)
{
	struct wgc_uapi_server *s = start("wgcu6", 0, 0);
	char path[100];
	int i;

	CHECK(s != NULL);
	if (!s)
		return;
	atomic_store(&gone_calls, 0);
	snprintf(path, sizeof(path), "%s/wgcu6.sock", dir);
	CHECK(unlink(path) == 0);
	for (i = 0; i < 100 && !atomic_load(&gone_calls); i++)
		usleep(10000);
	CHECK(atomic_load(&gone_calls) == 1);
	/* Someone else's socket now at that path survives our close. */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct stat st;
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		wgc_uapi_server_close(s);
		CHECK(lstat(path, &st) == 0);
		close(fd);
		unlink(path);
	}
}

static void test_creates_directory(void)
{
	struct wgc_uapi_server_config cfg = { .ifname = "wgcu7", .handle = handler };
	struct wgc_uapi_server *s;
	char sub[128];
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/run/wireguard", dir);
	cfg.dir = sub;
	CHECK(wgc_uapi_server_open(&s, &cfg, NULL) == 0);
	CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
	wgc_uapi_server_close(s); /* never started: still cleans up */
	CHECK(rmdir(sub) == 0);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	rmdir(sub);
}

int main(void)
{
	/* a client writing to a connection the server closed must see EPIPE, not die */
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/wgc-uapi-test.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("not ok - mkdtemp\n");
		return 1;
	}
	RUN_TEST(test_socket_file);
	RUN_TEST(test_requests);
	RUN_TEST(test_partial_and_invalid);
	RUN_TEST(test_size_limit);
	RUN_TEST(test_large_reply);
	RUN_TEST(test_drained_reply);
	RUN_TEST(test_in_use_and_stale);
	RUN_TEST(test_socket_removed);
	RUN_TEST(test_creates_directory);
	RUN_TEST(test_idle_clients_make_room);
	rmdir(dir);
	return harness_exit_code();
}

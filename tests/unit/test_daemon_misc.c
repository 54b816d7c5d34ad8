// SPDX-License-Identifier: MIT
/* The daemon's log, daemonizing and signal helpers. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "core/device_impl.h" /* the core's own peer struct, for its size */
#include "daemon/daemonize.h"
#include "daemon/log.h"
#include "daemon/pktbuf.h"
#include "daemon/wgcd.h"
#include "core/cookie.h"

static size_t fmt(char *out, size_t cap, enum wgc_log_level l, const char *ifname, const char *f, ...)
	__attribute__((format(printf, 5, 6)));
static size_t fmt(char *out, size_t cap, enum wgc_log_level l, const char *ifname, const char *f, ...)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 0, .tm_mday = 2, .tm_hour = 3, .tm_min = 4, .tm_sec = 5 };
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = wgc_log_format(out, cap, l, ifname, &tm, f, ap);
	va_end(ap);
	return n;
}

static void test_log_levels(void)
{
	CHECK(wgc_log_level_parse(NULL) == WGC_LOG_ERROR);
	CHECK(wgc_log_level_parse("") == WGC_LOG_ERROR);
	CHECK(wgc_log_level_parse("verbose") == WGC_LOG_VERBOSE);
	CHECK(wgc_log_level_parse("debug") == WGC_LOG_VERBOSE);
	CHECK(wgc_log_level_parse("error") == WGC_LOG_ERROR);
	CHECK(wgc_log_level_parse("silent") == WGC_LOG_SILENT);
	CHECK(wgc_log_level_parse("VERBOSE") == WGC_LOG_ERROR);
}

static void test_log_format(void)
{
	char buf[256];
	size_t n;

	n = fmt(buf, sizeof(buf), WGC_LOG_VERBOSE, "wg0", "Device %s, %d peers", "started", 3);
	CHECK(!strcmp(buf, "DEBUG: (wg0) 2026/01/02 03:04:05 Device started, 3 peers\n"));
	CHECK(n == strlen(buf));
	fmt(buf, sizeof(buf), WGC_LOG_ERROR, "", "bad\n");
	CHECK(!strcmp(buf, "ERROR: 2026/01/02 03:04:05 bad\n"));
	/* Truncated lines still end in a newline and fit. */
	n = fmt(buf, 40, WGC_LOG_ERROR, "wg0", "%s", "a very long message that will not fit at all");
	CHECK(n == 39 && buf[38] == '\n' && buf[39] == '\0' && !strncmp(buf, "ERROR: (wg0) ", 13));
	n = fmt(buf, 2, WGC_LOG_ERROR, "wg0", "x");
	CHECK(n == 1 && !strcmp(buf, "\n"));
}

static void test_log_output(void)
{
	int p[2];
	char buf[512];
	ssize_t n;

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	wgc_log_set_fd(p[1]);
	wgc_log_init("wgt0", WGC_LOG_ERROR);
	wgc_log(WGC_LOG_VERBOSE, "hidden %d", 1);
	CHECK(!wgc_log_enabled(WGC_LOG_VERBOSE) && wgc_log_enabled(WGC_LOG_ERROR));
	wgc_log(WGC_LOG_ERROR, "shown %d", 2);
	n = read(p[0], buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(!strncmp(buf, "ERROR: (wgt0) ", 14) && strstr(buf, " shown 2\n") && !strstr(buf, "hidden"));
	wgc_log_init("wgt0", WGC_LOG_SILENT);
	wgc_log(WGC_LOG_ERROR, "quiet");
	CHECK(read(p[0], buf, sizeof(buf)) < 0 && errno == EAGAIN);
	wgc_log_init("wgt0", WGC_LOG_VERBOSE);
	wgc_log_verbose("v");
	CHECK(read(p[0], buf, sizeof(buf)) > 0 && !strncmp(buf, "DEBUG: (wgt0) ", 14));
	wgc_log_set_fd(STDOUT_FILENO);
	wgc_log_init("", WGC_LOG_ERROR);
	close(p[0]);
	close(p[1]);
}

static void *log_many(void *arg)
{
	for (int i = 0; i < 300; i++)
		wgc_log(WGC_LOG_ERROR, "thread %ld line %03d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", (long)arg, i);
	return NULL;
}

/* Lines from many threads never interleave. */
static void test_log_threads(void)
{
	char path[] = "/tmp/wgc-log-test.XXXXXX";
	int fd = mkstemp(path);
	pthread_t t[4];
	FILE *f;
	char line[256];
	int lines = 0, bad = 0;

	CHECK(fd >= 0);
	wgc_log_set_fd(fd);
	wgc_log_init("wgt1", WGC_LOG_ERROR);
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, log_many, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	wgc_log_set_fd(STDOUT_FILENO);
	wgc_log_init("", WGC_LOG_ERROR);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		lines++;
		if (strncmp(line, "ERROR: (wgt1) ", 14) || !strstr(line, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n") ||
		    strstr(line + 1, "ERROR"))
			bad++;
	}
	CHECK(lines == 1200 && bad == 0);
	if (f)
		fclose(f);
	close(fd);
	unlink(path);
}

static void test_env_helpers(void)
{
	CHECK(!wgc_daemonize_keep_output(NULL));
	CHECK(!wgc_daemonize_keep_output(""));
	CHECK(!wgc_daemonize_keep_output("silent"));
	CHECK(wgc_daemonize_keep_output("error"));
	CHECK(wgc_daemonize_keep_output("verbose"));
	setenv("WG_PROCESS_FOREGROUND", "1", 1);
	CHECK(wgc_daemonize_foreground_from_env());
	setenv("WG_PROCESS_FOREGROUND", "yes", 1);
	CHECK(!wgc_daemonize_foreground_from_env());
	unsetenv("WG_PROCESS_FOREGROUND");
	CHECK(!wgc_daemonize_foreground_from_env());
}

enum child_mode { READY_OK, READY_FAIL, DIE_SILENTLY, CRASH };

/*
 * Plays a daemon in a forked process: the launcher's exit status is what
 * wg-quick would see. The daemon reports its session id through a pipe.
 */
static int launch(enum child_mode mode, int *in_new_session, int *stdout_devnull)
{
	int info[2], ws;
	pid_t launcher;

	if (pipe(info) < 0)
		return -1;
	launcher = fork();
	if (launcher == 0) {
		close(info[0]);
		if (wgc_daemonize_begin(false, false) < 0)
			_exit(99);
		/* Only the daemon gets here: the launcher waits and exits inside begin. */
		switch (mode) {
		case READY_OK: {
			char r[2];
			struct stat a, b;
			wgc_daemonize_ready(0);
			r[0] = getsid(0) == getpid() ? 'S' : 's';
			r[1] = fstat(STDOUT_FILENO, &a) == 0 && stat("/dev/null", &b) == 0 &&
			       a.st_rdev == b.st_rdev ? 'N' : 'n';
			(void)!write(info[1], r, 2);
			_exit(0);
		}
		case READY_FAIL:
			wgc_daemonize_ready(7);
			_exit(7);
		case DIE_SILENTLY:
			_exit(3);
		case CRASH:
			abort();
		}
		_exit(98);
	}
	close(info[1]);
	if (waitpid(launcher, &ws, 0) < 0 || !WIFEXITED(ws)) {
		close(info[0]);
		return -1;
	}
	if (mode == READY_OK) {
		char r[2] = { 0, 0 };
		(void)!read(info[0], r, 2); /* EOF once the daemon exits */
		*in_new_session = r[0] == 'S';
		*stdout_devnull = r[1] == 'N';
	}
	close(info[0]);
	return WEXITSTATUS(ws);
}

static void test_daemonize(void)
{
	int sess = 0, devnull = 0;

	fflush(stdout);
	CHECK(launch(READY_OK, &sess, &devnull) == 0);
	CHECK(sess == 1 && devnull == 1);
	CHECK(launch(READY_FAIL, &sess, &devnull) == 7);
	CHECK(launch(DIE_SILENTLY, &sess, &devnull) == 3);
	CHECK(launch(CRASH, &sess, &devnull) == 1);
	/* Foreground: nothing happens. */
	CHECK(wgc_daemonize_begin(true, false) == 0);
	wgc_daemonize_ready(0);
}

static void test_signals(void)
{
	int fd = wgc_signals_open();

	CHECK(fd >= 0);
	CHECK(wgc_signals_read(fd) == 0);
	raise(SIGTERM);
	CHECK(wgc_signals_read(fd) == SIGTERM);
	kill(getpid(), SIGINT);
	CHECK(wgc_signals_read(fd) == SIGINT);
	CHECK(wgc_signals_read(fd) == 0);
	raise(SIGPIPE); /* ignored, or we would not get to report */
	close(fd);
}

/* Packet buffers: touched pages are wiped, untouched ones are not faulted in (teardown speed, issue 10). */
static void test_pktbuf_wipe(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size = 64 * page + 100;
	unsigned char resident[65] = { 0 };
	uint8_t *b = wgcd_pktbuf_alloc(size);
	size_t i, nonzero = 0;

	CHECK(b != NULL);
	if (!b)
		return;
	CHECK(((uintptr_t)b & (page - 1)) == 0);
	memset(b + 3 * page + 10, 0xa5, 100);     /* one page */
	memset(b + 10 * page - 5, 0x5a, 10);      /* straddles two pages */
	memset(b + 64 * page, 0xee, 100);         /* the partial last page */
	CHECK(wgcd_pktbuf_wipe(b, size) == 3 * page + 100);
	CHECK(mincore(b, size, resident) == 0);
	for (i = 0; i < 65; i++)
		nonzero += resident[i] & 1;
	CHECK(nonzero == 4); /* the wipe faulted in none of the 61 untouched pages */
	for (i = 0; i < size; i++)
		if (b[i])
			break;
	CHECK(i == size);
	wgcd_pktbuf_free(b, size);
	wgcd_pktbuf_free(NULL, size);
}

/*
 * A configured peer is one 512-byte secret-slab object, the core's peer and
 * the daemon's state together (wgc_device_ops.peer_user_size): what keeps
 * 100,000 peers near 75 MiB (bench/peers, bench/RESULTS.md). A field added
 * to either fails here first; make room elsewhere or update the figures.
 */
static void test_peer_fits_512(void)
{
	CHECK(sizeof(struct wgc_peer) + sizeof(struct wgcd_peer) <= 512);
	CHECK(wgcd_core_ops.peer_user_size == sizeof(struct wgcd_peer));
}

/* The handshake queue's batching under load (issue 11, floods). */
struct taker {
	struct wgcd_handshake_queue *q;
	struct wgcd_handshake_item batch[WGCD_HANDSHAKE_BATCH];
	unsigned n, depth, cls;
	bool loaded;
	atomic_bool done;
};

static void *take_thread(void *arg)
{
	struct taker *t = arg;

	t->n = wgcd_handshake_take(t->q, t->batch, &t->depth, t->loaded, t->cls);
	atomic_store(&t->done, true);
	return NULL;
}

static unsigned napping(struct wgcd_handshake_queue *q)
{
	unsigned v;

	pthread_mutex_lock(&q->mu);
	v = q->napping[WGCD_HS_LEVEL];
	pthread_mutex_unlock(&q->mu);
	return v;
}

static void enqueue_at(struct wgcd_handshake_queue *q, uint8_t tag, uint64_t now_ms)
{
	struct wgcd_origin o = { .ttl = -1 };
	uint8_t msg[148] = { tag };

	CHECK(wgcd_handshake_enqueue(q, msg, sizeof(msg), &o, now_ms, false, NULL) == WGCD_ENQUEUED);
}

static void enqueue_one(struct wgcd_handshake_queue *q, uint8_t tag)
{
	enqueue_at(q, tag, 0);
}

/* A batch for class cls, only when it is the active class: else the take would wait for ever. */
static unsigned take_now(struct wgcd_handshake_queue *q, struct taker *t, unsigned cls)
{
	bool active = wgcd_handshake_active_class(q) == cls;

	CHECK(active);
	return active ? wgcd_handshake_take(q, t->batch, &t->depth, false, cls) : 0;
}

/* Waits up to 5 s for a taker thread to return. */
static bool taker_done(struct taker *t)
{
	for (int i = 0; i < 5000 && !atomic_load(&t->done); i++)
		usleep(1000);
	return atomic_load(&t->done);
}

/*
 * A loaded worker waits for a batch, but gives up after its nap and takes
 * what is there; when another worker emptied the queue meanwhile it waits
 * on instead of returning 0 (which would end the worker: a bug the first
 * version of the nap had).
 */
static void test_handshake_take_nap(void)
{
	struct wgcd_handshake_queue q;
	struct taker a = { .q = &q, .loaded = true }, b = { .q = &q };
	struct timespec t0, t1;
	pthread_t ta;
	unsigned i;

	CHECK(wgcd_handshake_queue_init(&q, 64) == 0);
	/* a nap that times out takes what is queued */
	enqueue_one(&q, 1);
	enqueue_one(&q, 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(wgcd_handshake_take(&q, a.batch, &a.depth, true, WGCD_HS_LEVEL) == 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(a.depth == 2 && a.batch[0].msg[0] == 1 && a.batch[1].msg[0] == 2);
	CHECK((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) >= 900000L);
	/* a full batch is taken at once, napping or not */
	for (i = 0; i < WGCD_HANDSHAKE_BATCH + 3; i++)
		enqueue_one(&q, (uint8_t)i);
	CHECK(wgcd_handshake_take(&q, a.batch, &a.depth, true, WGCD_HS_LEVEL) == WGCD_HANDSHAKE_BATCH);
	CHECK(a.depth == WGCD_HANDSHAKE_BATCH + 3);
	CHECK(wgcd_handshake_take(&q, a.batch, &a.depth, false, WGCD_HS_LEVEL) == 3);
	/* the napper's message is taken by another worker: the napper waits for the next */
	enqueue_one(&q, 7);
	CHECK(pthread_create(&ta, NULL, take_thread, &a) == 0);
	for (i = 0; i < 5000 && !napping(&q); i++)
		usleep(200);
	CHECK(napping(&q) == 1);
	CHECK(wgcd_handshake_take(&q, b.batch, &b.depth, false, WGCD_HS_LEVEL) == 1 && b.batch[0].msg[0] == 7);
	usleep(5000); /* the nap has run out on an empty queue */
	enqueue_one(&q, 8);
	pthread_join(ta, NULL);
	CHECK(a.n == 1 && a.batch[0].msg[0] == 8);
	/* stopping ends a waiting worker with 0 */
	CHECK(pthread_create(&ta, NULL, take_thread, &a) == 0);
	wgcd_handshake_queue_wake(&q);
	pthread_join(ta, NULL);
	CHECK(a.n == 0);
	wgcd_handshake_queue_free(&q);
}

/*
 * Which class of workers takes batches (issue 11, floods): the lowered one
 * while the tunnels move 10,000 data packets a second or more, sampled as
 * messages arrive, at most every 100 ms; a level worker waiting meanwhile
 * is woken when the tunnels go quiet. The clock is the enqueuer's.
 */
static void test_handshake_classes(void)
{
	struct wgcd_handshake_queue q;
	struct taker lvl = { .q = &q, .cls = WGCD_HS_LEVEL }, low = { .q = &q, .cls = WGCD_HS_LOWERED };
	_Atomic uint64_t packets = 5000000;
	pthread_t tl, tw;

	CHECK(wgcd_handshake_queue_init(&q, 64) == 0);
	/* untracked: the level class, however busy */
	enqueue_at(&q, 1, 1000);
	CHECK(wgcd_handshake_active_class(&q) == WGCD_HS_LEVEL);
	CHECK(take_now(&q, &lvl, WGCD_HS_LEVEL) == 1);
	wgcd_handshake_queue_track(&q, &packets, 1000);
	/* 50 ms later: too soon to sample, even after 5,000 packets */
	packets += 5000;
	enqueue_at(&q, 2, 1050);
	CHECK(wgcd_handshake_active_class(&q) == WGCD_HS_LEVEL);
	/* 100 ms after tracking began: 5,000 packets, 50,000/s: busy */
	enqueue_at(&q, 3, 1100);
	CHECK(wgcd_handshake_active_class(&q) == WGCD_HS_LOWERED);
	/* another reader's clock, read a moment earlier, is not due (it wrapped to "long ago, quiet") */
	enqueue_at(&q, 3, 1099);
	CHECK(wgcd_handshake_active_class(&q) == WGCD_HS_LOWERED);
	CHECK(take_now(&q, &low, WGCD_HS_LOWERED) == 3);
	CHECK(low.batch[0].msg[0] == 2 && low.batch[1].msg[0] == 3);
	/* a level worker waits while busy; a message for it goes to the lowered class */
	CHECK(pthread_create(&tl, NULL, take_thread, &lvl) == 0);
	enqueue_at(&q, 4, 1150);
	usleep(20000);
	CHECK(!atomic_load(&lvl.done));
	CHECK(take_now(&q, &low, WGCD_HS_LOWERED) == 1 && low.batch[0].msg[0] == 4);
	/* exactly 10,000/s is busy, one packet fewer is quiet: then the waiting level worker takes over */
	packets += 1000;
	enqueue_at(&q, 5, 1200);
	CHECK(wgcd_handshake_active_class(&q) == WGCD_HS_LOWERED);
	CHECK(take_now(&q, &low, WGCD_HS_LOWERED) == 1);
	packets += 999;
	enqueue_at(&q, 6, 1300);
	CHECK(wgcd_handshake_active_class(&q) == WGCD_HS_LEVEL);
	if (!taker_done(&lvl)) {
		CHECK(!"the waiting level worker took over");
		wgcd_handshake_queue_wake(&q);
	}
	pthread_join(tl, NULL);
	CHECK(lvl.n == 1 && lvl.batch[0].msg[0] == 6);
	/* a lowered worker now waits, and stopping ends it with 0 */
	CHECK(pthread_create(&tw, NULL, take_thread, &low) == 0);
	enqueue_at(&q, 7, 1350);
	usleep(20000);
	CHECK(!atomic_load(&low.done));
	wgcd_handshake_queue_wake(&q);
	CHECK(taker_done(&low));
	pthread_join(tw, NULL);
	CHECK(low.n == 0);
	wgcd_handshake_queue_free(&q);
}

/*
 * A full queue (issue 11, floods): a message that claims a cookie takes the
 * newest cookie-less message's place, whose origin is returned for the drop
 * count; when the newest claims one too, or the message does not, it is
 * dropped. wgc_cookie_claims_mac2 reads only exact-length initiations and
 * responses with a non-zero mac2.
 */
static void test_handshake_cookie_admission(void)
{
	struct wgcd_handshake_queue q;
	struct wgcd_handshake_item batch[WGCD_HANDSHAKE_BATCH];
	struct wgcd_origin o = { .ttl = -1 }, evicted;
	uint8_t init[WGC_MSG_INITIATION_LEN] = { WGC_MSG_HANDSHAKE_INITIATION }, resp[WGC_MSG_RESPONSE_LEN] = {
		WGC_MSG_HANDSHAKE_RESPONSE
	};
	unsigned depth;

	CHECK(!wgc_cookie_claims_mac2(init, sizeof(init)));
	init[sizeof(init) - 1] = 1; /* the last byte of mac2 */
	CHECK(wgc_cookie_claims_mac2(init, sizeof(init)));
	CHECK(!wgc_cookie_claims_mac2(init, sizeof(init) - 1));
	CHECK(!wgc_cookie_claims_mac2(resp, sizeof(resp)));
	resp[sizeof(resp) - WGC_MAC_LEN] = 1; /* the first byte of mac2 */
	CHECK(wgc_cookie_claims_mac2(resp, sizeof(resp)));
	resp[sizeof(resp) - WGC_MAC_LEN - 1] = 1; /* mac1 is not mac2 */
	resp[sizeof(resp) - WGC_MAC_LEN] = 0;
	CHECK(!wgc_cookie_claims_mac2(resp, sizeof(resp)));
	resp[0] = WGC_MSG_HANDSHAKE_INITIATION; /* a response's length with an initiation's type */
	resp[sizeof(resp) - 1] = 1;
	CHECK(!wgc_cookie_claims_mac2(resp, sizeof(resp)));

	CHECK(wgcd_handshake_queue_init(&q, 3) == 0);
	for (uint8_t i = 1; i <= 3; i++) {
		o.ttl = i;
		CHECK(wgcd_handshake_enqueue(&q, (uint8_t[]){ i }, 1, &o, 0, false, NULL) == WGCD_ENQUEUED);
	}
	o.ttl = 4;
	CHECK(wgcd_handshake_enqueue(&q, (uint8_t[]){ 4 }, 1, &o, 0, false, &evicted) == WGCD_ENQUEUE_DROPPED);
	o.ttl = 5;
	CHECK(wgcd_handshake_enqueue(&q, (uint8_t[]){ 5 }, 1, &o, 0, true, &evicted) == WGCD_ENQUEUE_REPLACED);
	CHECK(evicted.ttl == 3);
	o.ttl = 6;
	CHECK(wgcd_handshake_enqueue(&q, (uint8_t[]){ 6 }, 1, &o, 0, true, &evicted) == WGCD_ENQUEUE_DROPPED);
	CHECK(wgcd_handshake_take(&q, batch, &depth, false, WGCD_HS_LEVEL) == 3);
	CHECK(batch[0].msg[0] == 1 && batch[1].msg[0] == 2 && batch[2].msg[0] == 5 && batch[2].origin.ttl == 5);
	CHECK(batch[2].claims_cookie && !batch[1].claims_cookie);
	CHECK(q.dropped == 3);
	wgcd_handshake_queue_free(&q);
}

int main(void)
{
	RUN_TEST(test_log_levels);
	RUN_TEST(test_log_format);
	RUN_TEST(test_log_output);
	RUN_TEST(test_log_threads);
	RUN_TEST(test_env_helpers);
	RUN_TEST(test_daemonize);
	RUN_TEST(test_signals);
	RUN_TEST(test_pktbuf_wipe);
	RUN_TEST(test_peer_fits_512);
	RUN_TEST(test_handshake_take_nap);
	RUN_TEST(test_handshake_classes);
	RUN_TEST(test_handshake_cookie_admission);
	return harness_exit_code();
}

// SPDX-License-Identifier: MIT
/*
 * Handshake messages wait in a bounded queue for a small pool of workers
 * (one per CPU by default), which run their Diffie-Hellman and AEAD work
 * outside the device lock (the core's phased handshake API), so it never
 * stalls the data path and a responder under a burst uses every core, and
 * a flood is dropped at the queue instead of buffered without limit.
 * Workers take batches off the one queue; two initiations of one peer in
 * different workers are settled at the core's commit step, under the lock,
 * which re-checks the replay state (as with one worker, where the lock is
 * also dropped between phases). The queue's
 * depth is the measure of load, as in the kernel: past an eighth of its
 * capacity the device is "under load" (and stays so for a second after),
 * which makes the core demand cookies and rate-limit each source.
 *
 * Two classes of workers share the queue: level ones at the daemon's
 * priority and lowered ones at WGC_HANDSHAKE_NICE more, and only one class
 * takes batches at a time. While the tunnels are busy the lowered class
 * does: on a contended CPU the data path of established tunnels runs first
 * and handshakes get what is left, so a flood backs up in the queue, puts
 * the device under load and is answered with cheap cookie replies instead
 * of taking a core from the tunnels. While they are quiet the level class
 * does, so that a flood on a machine busy with other work is not left to
 * that work's leftovers. (Two classes, because a thread that lowered its
 * own priority cannot raise it again without CAP_SYS_NICE, which wgcd
 * drops.)
 */
#include "daemon/wgcd.h"

#include <errno.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "daemon/log.h"

enum { UNDER_LOAD_LINGER_MS = 1000, BATCH = WGCD_HANDSHAKE_BATCH, NAP_US = 1000 };
/* Busy tunnels: this many data packets a second (about 100 Mbit/s of full-size packets), sampled over BUSY_SAMPLE_MS. */
enum { BUSY_PACKETS_PER_S = 10000, BUSY_SAMPLE_MS = 100 };

int wgcd_handshake_queue_init(struct wgcd_handshake_queue *q, unsigned capacity)
{
	pthread_condattr_t attr;

	memset(q, 0, sizeof(*q));
	q->items = calloc(capacity, sizeof(*q->items));
	if (!q->items)
		return -ENOMEM;
	q->capacity = capacity;
	pthread_mutex_init(&q->mu, NULL);
	/* the nap's deadline on the monotonic clock: a wall-clock step back must not stretch it */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv[WGCD_HS_LEVEL], &attr);
	pthread_cond_init(&q->cv[WGCD_HS_LOWERED], &attr);
	pthread_condattr_destroy(&attr);
	return 0;
}

void wgcd_handshake_queue_free(struct wgcd_handshake_queue *q)
{
	if (q->items) {
		wgc_wipe(q->items, q->capacity * sizeof(*q->items));
		free(q->items);
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv[WGCD_HS_LEVEL]);
	pthread_cond_destroy(&q->cv[WGCD_HS_LOWERED]);
	q->items = NULL;
}

/*
 * Which class takes batches (under q->mu): the lowered one while the
 * tunnels are busy, sampled at most every BUSY_SAMPLE_MS as the handshake
 * messages arrive, which is when it matters. A change wakes both classes.
 */
static unsigned active_class(struct wgcd_handshake_queue *q, uint64_t now_ms)
{
	uint64_t packets;
	bool busy;

	if (!q->data_packets)
		return WGCD_HS_LEVEL;
	/* two readers' clocks may arrive out of order: an earlier one is simply not due */
	if (now_ms >= q->sampled_ms + BUSY_SAMPLE_MS) {
		packets = atomic_load_explicit(q->data_packets, memory_order_relaxed);
		busy = (packets - q->sampled_packets) * 1000 >= (uint64_t)BUSY_PACKETS_PER_S * (now_ms - q->sampled_ms);
		q->sampled_ms = now_ms;
		q->sampled_packets = packets;
		if (busy != q->busy) {
			q->busy = busy;
			pthread_cond_broadcast(&q->cv[WGCD_HS_LEVEL]);
			pthread_cond_broadcast(&q->cv[WGCD_HS_LOWERED]);
		}
	}
	return q->busy ? WGCD_HS_LOWERED : WGCD_HS_LEVEL;
}

void wgcd_handshake_queue_track(struct wgcd_handshake_queue *q, const _Atomic uint64_t *data_packets, uint64_t now_ms)
{
	pthread_mutex_lock(&q->mu);
	q->data_packets = data_packets;
	q->sampled_ms = now_ms;
	q->sampled_packets = atomic_load_explicit(data_packets, memory_order_relaxed);
	pthread_mutex_unlock(&q->mu);
}

unsigned wgcd_handshake_active_class(struct wgcd_handshake_queue *q)
{
	unsigned c;

	pthread_mutex_lock(&q->mu);
	c = q->data_packets && q->busy ? WGCD_HS_LOWERED : WGCD_HS_LEVEL;
	pthread_mutex_unlock(&q->mu);
	return c;
}

static void fill(struct wgcd_handshake_item *it, const uint8_t *msg, size_t len, const struct wgcd_origin *origin,
		 bool claims_cookie)
{
	memcpy(it->msg, msg, len);
	it->len = (uint16_t)len;
	it->claims_cookie = claims_cookie;
	it->origin = *origin;
}

enum wgcd_enqueue_result wgcd_handshake_enqueue(struct wgcd_handshake_queue *q, const uint8_t *msg, size_t len,
						const struct wgcd_origin *origin, uint64_t now_ms, bool claims_cookie,
						struct wgcd_origin *evicted)
{
	struct wgcd_handshake_item *it;
	enum wgcd_enqueue_result r = WGCD_ENQUEUED;
	unsigned c;

	if (len > sizeof(it->msg))
		return WGCD_ENQUEUE_DROPPED;
	pthread_mutex_lock(&q->mu);
	c = active_class(q, now_ms);
	if (q->count < q->capacity) {
		fill(&q->items[(q->head + q->count) % q->capacity], msg, len, origin, claims_cookie);
		q->count++;
		/*
		 * A worker is woken for the first message and then once per full
		 * batch: under a flood the workers take whole batches instead of
		 * each message costing a futex wake and a context switch. A
		 * napping worker collects the first messages itself.
		 */
		if ((q->count == 1 && !q->napping[c]) || q->count % BATCH == 0)
			pthread_cond_signal(&q->cv[c]);
	} else if (claims_cookie && !(it = &q->items[(q->head + q->count - 1) % q->capacity])->claims_cookie) {
		*evicted = it->origin;
		fill(it, msg, len, origin, true);
		q->dropped++;
		r = WGCD_ENQUEUE_REPLACED;
	} else {
		q->dropped++;
		r = WGCD_ENQUEUE_DROPPED;
	}
	pthread_mutex_unlock(&q->mu);
	return r;
}

void wgcd_handshake_queue_wake(struct wgcd_handshake_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	pthread_cond_broadcast(&q->cv[WGCD_HS_LEVEL]);
	pthread_cond_broadcast(&q->cv[WGCD_HS_LOWERED]);
	pthread_mutex_unlock(&q->mu);
}

unsigned wgcd_handshake_workers(void)
{
	const char *v = getenv("WGC_HANDSHAKE_WORKERS");
	long n = v && *v ? strtol(v, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > WGCD_MAX_HANDSHAKE_WORKERS ? WGCD_MAX_HANDSHAKE_WORKERS : (unsigned)n;
}

int wgcd_handshake_nice(void)
{
	const char *v = getenv("WGC_HANDSHAKE_NICE");

	return v && *v ? (int)strtol(v, NULL, 10) : WGCD_HANDSHAKE_NICE;
}

/*
 * A lowered worker raises its own nice value (per thread on Linux; raising
 * needs no privilege, and it never has to come back down: the level
 * workers take over when the tunnels are quiet). A failure leaves it level.
 */
static void lower_priority(void)
{
	id_t tid = (id_t)gettid();
	int base, by = wgcd_handshake_nice();

	errno = 0;
	base = getpriority(PRIO_PROCESS, tid);
	if ((base == -1 && errno) || setpriority(PRIO_PROCESS, tid, base + by > 19 ? 19 : base + by))
		wgc_log(WGC_LOG_ERROR, "handshake thread: cannot lower its priority: %s", strerror(errno));
}

static bool under_load(struct wgcd *d, unsigned depth, uint64_t now)
{
	uint64_t last;

	if (depth >= d->handshakes.capacity / 8) {
		atomic_store_explicit(&d->last_under_load_ms, now, memory_order_relaxed);
		return true;
	}
	last = atomic_load_explicit(&d->last_under_load_ms, memory_order_relaxed);
	return last && now - last < UNDER_LOAD_LINGER_MS;
}

/*
 * Under load a worker waits up to NAP_US for a whole batch before it takes
 * what is queued: a flood spread evenly in time would otherwise wake it
 * for nearly every message, and in a virtual machine the wake-ups and
 * context switches cost more than the cookie replies themselves (two
 * thirds of the workers' CPU at 25,000 initiations a second). A message
 * under load waits at most that long; without load nothing waits.
 */
static void nap(struct wgcd_handshake_queue *q, unsigned cls)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += NAP_US * 1000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	q->napping[cls]++;
	while (q->count < BATCH && !q->stopping && pthread_cond_timedwait(&q->cv[cls], &q->mu, &until) != ETIMEDOUT)
		;
	q->napping[cls]--;
}

static bool is_active(const struct wgcd_handshake_queue *q, unsigned cls)
{
	return cls == (q->data_packets && q->busy ? WGCD_HS_LOWERED : WGCD_HS_LEVEL);
}

unsigned wgcd_handshake_take(struct wgcd_handshake_queue *q, struct wgcd_handshake_item *batch, unsigned *depth,
			     bool loaded, unsigned cls)
{
	unsigned n;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while ((!q->count || !is_active(q, cls)) && !q->stopping)
			pthread_cond_wait(&q->cv[cls], &q->mu);
		if (!loaded || q->count >= BATCH || q->stopping)
			break;
		nap(q, cls);
		loaded = false;
		/* another worker may have emptied the queue meanwhile */
	}
	if (q->stopping) {
		pthread_mutex_unlock(&q->mu);
		return 0;
	}
	/* the depth before taking the batch is what the sender side saw */
	*depth = q->count;
	for (n = 0; n < BATCH && q->count; n++) {
		batch[n] = q->items[q->head];
		q->head = (q->head + 1) % q->capacity;
		q->count--;
	}
	pthread_mutex_unlock(&q->mu);
	return n;
}

/*
 * The core's phases (core/device.h): under load, phase 0 settles a flood
 * (mac checks and cookie replies) from a copy of the cookie checker taken
 * in one short locked step; the rest take the device lock three times per
 * batch, for lookups and bookkeeping; X25519 and AEAD run between, with no
 * lock, and replies are sent after it is released, so data-path batches
 * are never kept waiting by handshake crypto or a flood's system calls.
 */
/* Phases 0 and 1's cookie replies, with one system call per family. */
static void send_replies(struct wgcd *d, struct wgcd_reply_batch *rb, const struct wgc_hs_item *items, unsigned n)
{
	wgcd_replies_collect(rb);
	wgc_handshake_send_replies(d->core, items, n);
	wgcd_replies_flush(d);
}

static void process_batch(struct wgcd *d, struct wgcd_handshake_item *batch, struct wgc_hs_item *items, unsigned n,
			  unsigned depth, struct wgcd_reply_batch *rb)
{
	uint64_t now = wgcd_now_ms();
	struct wgc_hs_screen screen;
	bool any_under_load = false;
	unsigned i;

	for (i = 0; i < n; i++) {
		struct wgc_hs_item *it = &items[i];
		const union wgc_endpoint *from = &batch[i].origin.from;

		memcpy(it->msg, batch[i].msg, batch[i].len);
		it->len = batch[i].len;
		memset(&it->src, 0, sizeof(it->src));
		memcpy(&it->src, from, from->addr.sa_family == AF_INET ? sizeof(it->src.in4) : sizeof(it->src.in6));
		batch[i].origin.handshake = true; /* roam() then records the TTL */
		it->src_info = &batch[i].origin;
		it->under_load = under_load(d, depth > i ? depth - i : 0, now);
		any_under_load |= it->under_load;
	}
	/* a flood under load is settled here, its cookie replies made with no lock held */
	memset(&screen, 0, sizeof(screen));
	if (any_under_load) {
		pthread_mutex_lock(&d->lock);
		wgc_handshake_screen_begin(d->core, &screen, now);
		pthread_mutex_unlock(&d->lock);
	}
	if (!wgc_handshake_screen(d->core, &screen, items, n, now)) {
		send_replies(d, rb, items, n);
		return;
	}
	pthread_mutex_lock(&d->lock);
	wgc_handshake_begin(d->core, items, n, now);
	pthread_mutex_unlock(&d->lock);
	send_replies(d, rb, items, n);
	wgc_handshake_open(items, n);
	pthread_mutex_lock(&d->lock);
	wgc_handshake_match(d->core, items, n);
	pthread_mutex_unlock(&d->lock);
	wgc_handshake_compute(items, n, now);
	pthread_mutex_lock(&d->lock);
	wgc_handshake_commit(d->core, items, n, wgcd_now_ms());
	pthread_mutex_unlock(&d->lock);
}

void *wgcd_handshake_main(void *arg)
{
	const struct wgcd_handshake_worker *w = arg;
	struct wgcd *d = w->d;
	struct wgcd_handshake_item *batch = calloc(BATCH, sizeof(*batch));
	struct wgc_hs_item *items = calloc(BATCH, sizeof(*items));
	struct wgcd_reply_batch *rb = calloc(1, sizeof(*rb));
	unsigned n, depth = 0;

	wgcd_name_thread("handshake");
	if (w->cls == WGCD_HS_LOWERED)
		lower_priority();
	if (!batch || !items || !rb) {
		wgc_log(WGC_LOG_ERROR, "handshake thread: out of memory");
		free(batch);
		free(items);
		free(rb);
		wgcd_request_stop(d);
		return NULL;
	}
	while ((n = wgcd_handshake_take(&d->handshakes, batch, &depth, under_load(d, 0, wgcd_now_ms()), w->cls)))
		process_batch(d, batch, items, n, depth, rb);
	wgc_wipe(batch, BATCH * sizeof(*batch));
	wgc_wipe(items, BATCH * sizeof(*items));
	free(batch);
	free(items);
	free(rb);
	return NULL;
}

// SPDX-License-Identifier: MIT
/*
 * Handshake messages wait in a bounded queue for one thread of their own,
 * so Diffie-Hellman work never stalls the data path, and a flood is
 * dropped at the queue instead of buffered without limit. The queue's
 * depth is the measure of load, as in the kernel: past an eighth of its
 * capacity the device is "under load" (and stays so for a second after),
 * which makes the core demand cookies and rate-limit each source.
 */
#include "daemon/wgcd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "daemon/log.h"

enum { UNDER_LOAD_LINGER_MS = 1000, BATCH = 32 };

int wgcd_handshake_queue_init(struct wgcd_handshake_queue *q, unsigned capacity)
{
	memset(q, 0, sizeof(*q));
	q->items = calloc(capacity, sizeof(*q->items));
	if (!q->items)
		return -ENOMEM;
	q->capacity = capacity;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	return 0;
}

void wgcd_handshake_queue_free(struct wgcd_handshake_queue *q)
{
	if (q->items) {
		wgc_wipe(q->items, q->capacity * sizeof(*q->items));
		free(q->items);
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	q->items = NULL;
}

bool wgcd_handshake_enqueue(struct wgcd_handshake_queue *q, const uint8_t *msg, size_t len,
			    const struct wgcd_origin *origin)
{
	struct wgcd_handshake_item *it;
	bool queued = false;

	if (len > sizeof(it->msg))
		return false;
	pthread_mutex_lock(&q->mu);
	if (q->count < q->capacity) {
		it = &q->items[(q->head + q->count) % q->capacity];
		memcpy(it->msg, msg, len);
		it->len = (uint16_t)len;
		it->origin = *origin;
		q->count++;
		queued = true;
		pthread_cond_signal(&q->cv);
	} else {
		q->dropped++;
	}
	pthread_mutex_unlock(&q->mu);
	return queued;
}

void wgcd_handshake_queue_wake(struct wgcd_handshake_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static bool under_load(struct wgcd *d, unsigned depth, uint64_t now)
{
	if (depth >= d->handshakes.capacity / 8) {
		d->last_under_load_ms = now;
		return true;
	}
	return d->last_under_load_ms && now - d->last_under_load_ms < UNDER_LOAD_LINGER_MS;
}

void *wgcd_handshake_main(void *arg)
{
	struct wgcd *d = arg;
	struct wgcd_handshake_queue *q = &d->handshakes;
	struct wgcd_handshake_item *batch = calloc(BATCH, sizeof(*batch));
	unsigned n, i, depth;

	if (!batch) {
		wgc_log(WGC_LOG_ERROR, "handshake thread: out of memory");
		wgcd_request_stop(d);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (!q->count && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stopping) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		/* the depth before taking the batch is what the sender side saw */
		depth = q->count;
		for (n = 0; n < BATCH && q->count; n++) {
			batch[n] = q->items[q->head];
			q->head = (q->head + 1) % q->capacity;
			q->count--;
		}
		pthread_mutex_unlock(&q->mu);

		pthread_mutex_lock(&d->lock);
		for (i = 0; i < n; i++) {
			uint64_t now = wgcd_now_ms();
			bool loaded = under_load(d, depth > i ? depth - i : 0, now);
			wgc_device_receive_handshake(d->core, batch[i].msg, batch[i].len, &batch[i].origin.from.addr,
						     &batch[i].origin, loaded, now, NULL);
		}
		pthread_mutex_unlock(&d->lock);
	}
	wgc_wipe(batch, BATCH * sizeof(*batch));
	free(batch);
	return NULL;
}

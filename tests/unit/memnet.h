/* SPDX-License-Identifier: MIT */
/*
 * Two wgc_device instances joined by an in-memory "network": every message a
 * device sends waits in its outbox until the test delivers, drops, reorders
 * or tampers with it. Time is a fake clock the test advances.
 */
#ifndef WGC_TEST_MEMNET_H
#define WGC_TEST_MEMNET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/device_impl.h" /* the core's own tests may see its structs */

enum { MEMNET_QUEUE = 256, MEMNET_MSG_MAX = 2048 };

struct memnet_msg {
	uint8_t data[MEMNET_MSG_MAX];
	size_t len;
};

struct memnet;

struct memnet_host {
	struct wgc_device dev;
	struct wgc_peer *peer;        /* the single peer: the other host */
	struct sockaddr_in addr;      /* this host's "outer" address */
	struct memnet_msg out[MEMNET_QUEUE];
	size_t n_out;
	size_t delivered;             /* inner packets handed to the "TUN" */
	uint8_t last_delivered[MEMNET_MSG_MAX];
	size_t last_delivered_len;
	size_t endpoint_updates;
	struct memnet *net;
};

struct memnet {
	struct memnet_host a, b;
	uint64_t now_ms;
	int64_t wall_offset_ms;        /* wall clock = epoch 1700000000 + now_ms + this */
};

/* a = 10.0.0.1, b = 10.0.0.2 inside; psk may be NULL */
void memnet_init(struct memnet *n, const uint8_t *psk_a, const uint8_t *psk_b);
void memnet_free(struct memnet *n);
/* An IPv4 packet from src to dst (last octets in 10.0.0.0/24) with payload bytes. */
size_t memnet_ipv4(uint8_t *buf, uint8_t src, uint8_t dst, size_t payload, uint32_t tag);
/* Pops the oldest message from from's outbox; false when empty. */
bool memnet_pop(struct memnet_host *from, struct memnet_msg *msg);
/* Delivers one message to `to` as if from `from`'s address. */
enum wgc_rx_verdict memnet_deliver(struct memnet *n, struct memnet_host *from, struct memnet_host *to,
				   const struct memnet_msg *msg, bool under_load);
/*
 * Delivers count messages (<= MEMNET_QUEUE) to `to` as one receive batch,
 * through the phased API wgcd uses; verdicts (may be NULL) gets each one's.
 */
void memnet_deliver_batch(struct memnet *n, struct memnet_host *from, struct memnet_host *to,
			  const struct memnet_msg *msgs, unsigned count, bool under_load, enum wgc_rx_verdict *verdicts);
/* Delivers everything both ways until both outboxes are empty; returns messages moved. */
size_t memnet_pump(struct memnet *n);
/* Advances the fake clock, running timers each `step_ms`. */
void memnet_advance(struct memnet *n, uint64_t ms, uint64_t step_ms);

#endif

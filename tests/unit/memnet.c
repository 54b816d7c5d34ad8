// SPDX-License-Identifier: MIT
#include "memnet.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"

static wgc_drop_reason send_to_peer(void *ctx, struct wgc_peer *peer, const uint8_t *msg, size_t len)
{
	struct memnet_host *h = ctx;

	(void)peer;
	if (h->n_out == MEMNET_QUEUE || len > MEMNET_MSG_MAX)
		return WGC_DEV_DATA_DROPPED_SEND_FAILED;
	memcpy(h->out[h->n_out].data, msg, len);
	h->out[h->n_out].len = len;
	h->n_out++;
	return WGC_DROP_NONE;
}

static void send_reply(void *ctx, const void *src_info, const uint8_t *msg, size_t len)
{
	(void)src_info;
	send_to_peer(ctx, NULL, msg, len);
}

static void deliver(void *ctx, struct wgc_peer *peer, const uint8_t *packet, size_t len)
{
	struct memnet_host *h = ctx;

	(void)peer;
	h->delivered++;
	if (len <= sizeof(h->last_delivered)) {
		memcpy(h->last_delivered, packet, len);
		h->last_delivered_len = len;
	}
}

static void set_endpoint(void *ctx, struct wgc_peer *peer, const void *src_info)
{
	struct memnet_host *h = ctx;

	(void)peer;
	(void)src_info;
	h->endpoint_updates++;
}

static void wall_time(void *ctx, int64_t *sec, uint32_t *nsec)
{
	struct memnet_host *h = ctx;

	int64_t ms = (int64_t)h->net->now_ms + h->net->wall_offset_ms;

	*sec = 1700000000 + ms / 1000;
	*nsec = (uint32_t)(ms % 1000) * 1000000U;
}

static const struct wgc_device_ops ops = {
	.send_to_peer = send_to_peer,
	.send_reply = send_reply,
	.deliver = deliver,
	.set_endpoint = set_endpoint,
	.wall_time = wall_time,
};

static void host_init(struct memnet *n, struct memnet_host *h, uint8_t last_octet)
{
	uint8_t key[WGC_KEY_LEN];

	memset(h, 0, sizeof(*h));
	h->net = n;
	if (wgc_device_init(&h->dev, &ops, h))
		abort();
	wgc_x25519_generate(key);
	wgc_device_set_private_key(&h->dev, key);
	wgc_wipe(key, sizeof(key));
	h->addr.sin_family = AF_INET;
	h->addr.sin_port = htons(51820);
	h->addr.sin_addr.s_addr = htonl(0xc0000200U | last_octet); /* 192.0.2.x, never sent anywhere */
}

static void connect_hosts(struct memnet *n, struct memnet_host *h, struct memnet_host *other, uint8_t other_octet,
			  const uint8_t *psk)
{
	struct in_addr inner = { htonl(0x0a000000U | other_octet) };

	h->peer = wgc_device_add_peer(&h->dev, other->dev.identity.static_public);
	if (!h->peer)
		abort();
	wgc_peer_set_psk(h->peer, psk);
	if (wgc_allowedips_insert_v4(&h->dev.allowedips, &inner, 32, h->peer))
		abort();
	wgc_device_set_up(&h->dev, true, n->now_ms);
}

void memnet_init(struct memnet *n, const uint8_t *psk_a, const uint8_t *psk_b)
{
	memset(n, 0, sizeof(*n));
	n->now_ms = 1000000;
	host_init(n, &n->a, 1);
	host_init(n, &n->b, 2);
	connect_hosts(n, &n->a, &n->b, 2, psk_a);
	connect_hosts(n, &n->b, &n->a, 1, psk_b);
}

void memnet_free(struct memnet *n)
{
	wgc_device_free(&n->a.dev);
	wgc_device_free(&n->b.dev);
}

size_t memnet_ipv4(uint8_t *buf, uint8_t src, uint8_t dst, size_t payload, uint32_t tag)
{
	size_t len = 20 + payload, i;

	memset(buf, 0, len);
	buf[0] = 0x45;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	buf[8] = 64;
	buf[9] = 17;
	buf[12] = 10, buf[15] = src;
	buf[16] = 10, buf[19] = dst;
	for (i = 0; i < payload; i++)
		buf[20 + i] = (uint8_t)(tag >> (8 * (i % 4)));
	return len;
}

bool memnet_pop(struct memnet_host *from, struct memnet_msg *msg)
{
	if (!from->n_out)
		return false;
	*msg = from->out[0];
	memmove(from->out, from->out + 1, (from->n_out - 1) * sizeof(from->out[0]));
	from->n_out--;
	return true;
}

enum wgc_rx_verdict memnet_deliver(struct memnet *n, struct memnet_host *from, struct memnet_host *to,
				   const struct memnet_msg *msg, bool under_load)
{
	enum wgc_rx_verdict v;

	memnet_deliver_batch(n, from, to, msg, 1, under_load, &v);
	return v;
}

/* The handshake messages of a batch through wgcd's handshake worker's phases, in one batch as it does. */
static void deliver_handshakes(struct memnet *n, struct memnet_host *from, struct memnet_host *to,
			       const struct memnet_msg *msgs, struct wgc_rx_item *items, unsigned count, bool under_load)
{
	static struct wgc_hs_item hs[MEMNET_QUEUE];
	struct wgc_hs_screen screen;
	unsigned i, k = 0, map[MEMNET_QUEUE];

	for (i = 0; i < count; i++) {
		if (items[i].verdict != WGC_RX_QUEUED || msgs[i].len > sizeof(hs[k].msg))
			continue;
		memset(&hs[k], 0, sizeof(hs[k]));
		memcpy(hs[k].msg, msgs[i].data, msgs[i].len);
		hs[k].len = msgs[i].len;
		memcpy(&hs[k].src, &from->addr, sizeof(from->addr) < sizeof(hs[k].src) ? sizeof(from->addr) : sizeof(hs[k].src));
		hs[k].src_info = from;
		hs[k].under_load = under_load;
		map[k++] = i;
	}
	memset(&screen, 0, sizeof(screen));
	if (under_load)
		wgc_handshake_screen_begin(&to->dev, &screen, n->now_ms);
	if (wgc_handshake_screen(&to->dev, &screen, hs, k, n->now_ms)) {
		wgc_handshake_begin(&to->dev, hs, k, n->now_ms);
		wgc_handshake_open(hs, k);
		wgc_handshake_match(&to->dev, hs, k);
		wgc_handshake_compute(hs, k, n->now_ms);
		wgc_handshake_commit(&to->dev, hs, k, n->now_ms);
	}
	wgc_handshake_send_replies(&to->dev, hs, k);
	for (i = 0; i < k; i++) {
		items[map[i]].verdict = hs[i].verdict;
		items[map[i]].reason = hs[i].reason;
	}
}

void memnet_deliver_batch(struct memnet *n, struct memnet_host *from, struct memnet_host *to,
			  const struct memnet_msg *msgs, unsigned count, bool under_load, enum wgc_rx_verdict *verdicts)
{
	/* the same phases as wgcd's UDP readers: classify, handshakes, decrypt, commit */
	static struct memnet_msg copy[MEMNET_QUEUE];
	struct wgc_rx_item items[MEMNET_QUEUE];
	unsigned i, n_hs = 0;

	if (count > MEMNET_QUEUE)
		count = MEMNET_QUEUE;
	for (i = 0; i < count; i++) {
		copy[i] = msgs[i];
		items[i] = (struct wgc_rx_item){ .msg = copy[i].data, .len = copy[i].len,
						 .src = (const struct sockaddr *)&from->addr, .src_info = from };
	}
	wgc_rx_classify(&to->dev, items, count);
	for (i = 0; i < count; i++)
		if (items[i].verdict == WGC_RX_QUEUED)
			n_hs++;
	if (n_hs)
		deliver_handshakes(n, from, to, msgs, items, count, under_load);
	wgc_rx_decrypt(items, count, n->now_ms);
	wgc_rx_commit(&to->dev, items, count, n->now_ms);
	for (i = 0; verdicts && i < count; i++)
		verdicts[i] = items[i].verdict;
}

/* Moves from's whole outbox to `to` as one batch; returns how many. */
static size_t pump_one_way(struct memnet *n, struct memnet_host *from, struct memnet_host *to)
{
	static struct memnet_msg batch[MEMNET_QUEUE];
	unsigned count = 0;

	while (count < MEMNET_QUEUE && memnet_pop(from, &batch[count]))
		count++;
	if (count)
		memnet_deliver_batch(n, from, to, batch, count, false, NULL);
	return count;
}

size_t memnet_pump(struct memnet *n)
{
	size_t moved = 0, step = 1;

	while (step && moved < 10000) {
		step = pump_one_way(n, &n->a, &n->b);
		step += pump_one_way(n, &n->b, &n->a);
		moved += step;
	}
	return moved;
}

void memnet_advance(struct memnet *n, uint64_t ms, uint64_t step_ms)
{
	uint64_t end = n->now_ms + ms;

	while (n->now_ms < end) {
		uint64_t step = end - n->now_ms < step_ms ? end - n->now_ms : step_ms;
		n->now_ms += step;
		wgc_device_tick(&n->a.dev, n->now_ms);
		wgc_device_tick(&n->b.dev, n->now_ms);
	}
}

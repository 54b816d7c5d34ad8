// SPDX-License-Identifier: MIT
/*
 * Two in-memory peers: handshakes with and without a preshared key, a long
 * exchange with reordering and loss, replays, tampering with every byte of
 * every message type, cookies under load, and the timers driving real
 * sessions on a fake clock.
 */
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/crypto_backend.h"
#include "core/secmem.h"
#include "harness.h"
#include "memnet.h"

static struct memnet net;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void send_ab(struct memnet_host *from, uint8_t src, uint8_t dst, uint32_t tag)
{
	uint8_t pkt[256];
	size_t len = memnet_ipv4(pkt, src, dst, 32 + tag % 64, tag);

	wgc_peer_send_packet(from->peer, pkt, len, net.now_ms);
}

static void handshake(void)
{
	send_ab(&net.a, 1, 2, 7);
	memnet_pump(&net);
}

#define DEV_COUNT(h, name) wgc_device_counter_get(&(h)->dev, WGC_DEV_##name)
#define PEER_COUNT(h, name) wgc_peer_counter_get((h)->peer, WGC_PEER_##name)

static void test_handshake_no_psk(void)
{
	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 7);
	CHECK(net.a.n_out == 1 && net.a.out[0].len == WGC_MSG_INITIATION_LEN);
	CHECK(wgc_peer_staged_count(net.a.peer) == 1);
	memnet_pump(&net);
	CHECK(net.b.delivered == 1);
	CHECK(net.a.peer->keypairs.current != NULL);
	CHECK(net.b.peer->keypairs.current != NULL);
	CHECK(net.b.peer->keypairs.next == NULL);
	CHECK(net.a.peer->last_handshake_sec != 0 && net.b.peer->last_handshake_sec != 0);
	CHECK(wgc_peer_staged_count(net.a.peer) == 0);
	/* the other direction now works at once, with no new handshake */
	send_ab(&net.b, 2, 1, 9);
	CHECK(net.b.n_out == 1 && wgc_message_type(net.b.out[0].data, net.b.out[0].len) == WGC_MSG_DATA);
	memnet_pump(&net);
	CHECK(net.a.delivered == 1);
	CHECK(net.a.last_delivered_len == 20 + 32 + 9 % 64);
	memnet_free(&net);
}

static void test_handshake_psk(void)
{
	uint8_t psk[WGC_KEY_LEN], other[WGC_KEY_LEN];

	wgc_random_bytes(psk, sizeof(psk));
	memnet_init(&net, psk, psk);
	handshake();
	CHECK(net.b.delivered == 1);
	memnet_free(&net);

	/* mismatched preshared keys: the response does not authenticate */
	memcpy(other, psk, sizeof(other));
	other[5] ^= 1;
	memnet_init(&net, psk, other);
	handshake();
	CHECK(net.b.delivered == 0);
	CHECK(net.a.peer->keypairs.current == NULL);
	memnet_free(&net);

	/* PSK on one side only */
	memnet_init(&net, psk, NULL);
	handshake();
	CHECK(net.b.delivered == 0);
	memnet_free(&net);
}

enum { BLOCK = 64 };
/* 100,000 packets each way; WGC_TEST_QUICK (valgrind runs) scales it down */
static size_t exchange_count(void)
{
	return getenv("WGC_TEST_QUICK") ? 10000 : 100000;
}

/* 100,000 packets each way, shuffled within blocks, ~1% lost, then replays. */
static void exchange(const uint8_t *psk)
{
	static struct memnet_msg msgs[BLOCK];
	struct memnet_msg held_back, replay_msg;
	size_t sent = 0, expect = 0, i, n, rejected_replays = 0;
	bool have_held = false;
	const size_t EXCHANGE = exchange_count();
	int dir;

	memnet_init(&net, psk, psk);
	handshake();
	CHECK(net.b.delivered == 1);
	for (dir = 0; dir < 2; dir++) {
		struct memnet_host *from = dir ? &net.b : &net.a, *to = dir ? &net.a : &net.b;
		size_t base = to->delivered;
		rejected_replays = 0;
		expect = 0;
		sent = 0;
		while (sent < EXCHANGE) {
			for (n = 0; n < BLOCK && sent < EXCHANGE; n++, sent++) {
				send_ab(from, dir ? 2 : 1, dir ? 1 : 2, (uint32_t)sent);
				if (!memnet_pop(from, &msgs[n]))
					abort();
			}
			if (sent == BLOCK * 2 && !have_held) {
				held_back = msgs[0]; /* delivered much later: outside the window by then */
				have_held = true;
				msgs[0] = msgs[--n];
			}
			for (i = n; i > 1; i--) {
				size_t j = rng() % i;
				struct memnet_msg t = msgs[i - 1];
				msgs[i - 1] = msgs[j];
				msgs[j] = t;
			}
			for (i = 0; i < n; i++) {
				if (rng() % 100 == 0)
					continue; /* lost */
				if (memnet_deliver(&net, from, to, &msgs[i], false) == WGC_RX_DATA) {
					expect++;
					replay_msg = msgs[i];
				}
			}
		}
		CHECK(to->delivered - base == expect);
		CHECK(expect > EXCHANGE * 97 / 100 && expect < EXCHANGE);
		/* replays of recent and old packets are refused */
		for (i = 0; i < 10; i++)
			if (memnet_deliver(&net, from, to, &replay_msg, false) == WGC_RX_DROP)
				rejected_replays++;
		CHECK(rejected_replays == 10);
		if (have_held && dir == 0) {
			size_t before = to->delivered;
			CHECK(memnet_deliver(&net, from, to, &held_back, false) == WGC_RX_DROP);
			CHECK(to->delivered == before);
		}
		/* nothing else was generated along the way (no rekey yet) */
		CHECK(net.a.n_out == 0 && net.b.n_out == 0);
	}
	memnet_free(&net);
}

static void test_exchange_no_psk(void)
{
	exchange(NULL);
}

static void test_exchange_psk(void)
{
	uint8_t psk[WGC_KEY_LEN];

	wgc_random_bytes(psk, sizeof(psk));
	exchange(psk);
}

/* A message with one byte flipped must not be processed; the original then is. */
static void tamper_each_byte(struct memnet_host *from, struct memnet_host *to, const struct memnet_msg *orig,
			     bool under_load_for_mac2, enum wgc_rx_verdict good)
{
	size_t i, accepted = 0;
	size_t mac2_start = orig->len - WGC_MAC_LEN;
	bool has_mac2 = wgc_message_type(orig->data, orig->len) == WGC_MSG_HANDSHAKE_INITIATION ||
			wgc_message_type(orig->data, orig->len) == WGC_MSG_HANDSHAKE_RESPONSE;

	for (i = 0; i < orig->len; i++) {
		struct memnet_msg m = *orig;
		bool load = has_mac2 && i >= mac2_start && under_load_for_mac2;
		enum wgc_rx_verdict v;

		if (has_mac2 && i >= mac2_start && !under_load_for_mac2)
			continue;
		m.data[i] ^= (uint8_t)(1U << (i % 8));
		v = memnet_deliver(&net, from, to, &m, load);
		if (v == good)
			accepted++;
		to->n_out = 0; /* drop cookie replies provoked under load */
	}
	CHECK(accepted == 0);
	CHECK(memnet_deliver(&net, from, to, orig, false) == good);
}

static void test_tamper_initiation(void)
{
	struct memnet_msg init;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 1);
	CHECK(memnet_pop(&net.a, &init));
	/* mac2 of a message without a cookie is zero: under load, any flip there fails too */
	tamper_each_byte(&net.a, &net.b, &init, true, WGC_RX_HANDSHAKE);
	CHECK(net.b.n_out == 1); /* the response to the genuine initiation */
	memnet_free(&net);
}

static void test_tamper_response(void)
{
	struct memnet_msg init, resp;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 1);
	CHECK(memnet_pop(&net.a, &init));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &init, false) == WGC_RX_HANDSHAKE);
	CHECK(memnet_pop(&net.b, &resp) && resp.len == WGC_MSG_RESPONSE_LEN);
	tamper_each_byte(&net.b, &net.a, &resp, true, WGC_RX_HANDSHAKE);
	CHECK(net.a.peer->keypairs.current != NULL);
	memnet_free(&net);
}

static void test_tamper_cookie_reply(void)
{
	struct memnet_msg init, cookie;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 1);
	CHECK(memnet_pop(&net.a, &init));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &init, true) == WGC_RX_COOKIE_SENT);
	CHECK(memnet_pop(&net.b, &cookie) && cookie.len == WGC_MSG_COOKIE_LEN);
	tamper_each_byte(&net.b, &net.a, &cookie, false, WGC_RX_HANDSHAKE);
	CHECK(net.a.peer->cookie.cookie_valid);
	memnet_free(&net);
}

static void test_tamper_data(void)
{
	struct memnet_msg data;

	memnet_init(&net, NULL, NULL);
	handshake();
	send_ab(&net.a, 1, 2, 77);
	CHECK(memnet_pop(&net.a, &data) && wgc_message_type(data.data, data.len) == WGC_MSG_DATA);
	tamper_each_byte(&net.a, &net.b, &data, false, WGC_RX_DATA);
	memnet_free(&net);
}

/*
 * mac2 (whitepaper 5.4.4) straight on the cookie code: a zero mac2 is
 * "no cookie" without computing one (the flood shortcut), a genuine mac2
 * passes, and a mac2 off by one bit, for another source or made of noise
 * does not.
 */
static void test_cookie_validate_mac2(void)
{
	struct wgc_cookie_checker checker;
	struct wgc_cookie_maker maker;
	struct wgc_msg_cookie reply;
	uint8_t pub[WGC_KEY_LEN], msg[WGC_MSG_INITIATION_LEN];
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(51820) }, other = src;
	const struct sockaddr *s = (const struct sockaddr *)&src, *o = (const struct sockaddr *)&other;
	uint8_t *mac2 = msg + WGC_MAC2_OFFSET(sizeof(msg));
	uint64_t now = 1000;

	src.sin_addr.s_addr = htonl(0x0a000001);
	other.sin_addr.s_addr = htonl(0x0a000002);
	memset(&checker, 0, sizeof(checker));
	wgc_random_bytes(pub, sizeof(pub));
	wgc_random_bytes(msg, sizeof(msg));
	wgc_cookie_checker_init(&checker, pub);
	wgc_cookie_maker_init(&maker);
	wgc_cookie_add_macs(&maker, pub, msg, sizeof(msg), now);
	CHECK(wgc_is_zero(mac2, WGC_MAC_LEN));
	CHECK(wgc_cookie_validate(&checker, msg, sizeof(msg), s, false, now) == WGC_MAC_VALID_NO_COOKIE);
	CHECK(wgc_cookie_validate(&checker, msg, sizeof(msg), s, true, now) == WGC_MAC_VALID_NO_COOKIE);
	CHECK(wgc_cookie_create_reply(&checker, &reply, msg, sizeof(msg), 7, s, now));
	CHECK(wgc_cookie_consume_reply(&maker, pub, &reply, now));
	wgc_cookie_add_macs(&maker, pub, msg, sizeof(msg), now);
	CHECK(!wgc_is_zero(mac2, WGC_MAC_LEN));
	CHECK(wgc_cookie_validate(&checker, msg, sizeof(msg), s, true, now) == WGC_MAC_VALID_WITH_COOKIE);
	CHECK(wgc_cookie_validate(&checker, msg, sizeof(msg), o, true, now) == WGC_MAC_VALID_NO_COOKIE);
	mac2[WGC_MAC_LEN - 1] ^= 1;
	CHECK(wgc_cookie_validate(&checker, msg, sizeof(msg), s, true, now) == WGC_MAC_VALID_NO_COOKIE);
	wgc_random_bytes(mac2, WGC_MAC_LEN);
	CHECK(wgc_cookie_validate(&checker, msg, sizeof(msg), s, true, now) == WGC_MAC_VALID_NO_COOKIE);
	/* mac1 is checked before anything else */
	msg[WGC_MAC1_OFFSET(sizeof(msg))] ^= 1;
	CHECK(wgc_cookie_validate(&checker, msg, sizeof(msg), s, true, now) == WGC_MAC_INVALID);
	wgc_cookie_checker_wipe(&checker);
	wgc_cookie_maker_wipe(&maker);
}

/*
 * The remembered sources of a rejection reason: most recent first, at most
 * WGC_REJECTED_SOURCES_PER_REASON, and a source seen again moves to the
 * front instead of filling a second slot (one client retrying with a wrong
 * key used to push every other source out).
 */
static void test_rejected_sources_distinct(void)
{
	static struct wgc_device_counters c;
	union wgc_sockaddr out[WGC_REJECTED_SOURCES_PER_REASON];
	struct sockaddr_in a[WGC_REJECTED_SOURCES_PER_REASON + 2];
	const wgc_drop_reason r = WGC_DEV_REJECTED_INVALID_MAC1;
	unsigned i, n;

	wgc_device_counters_init(&c);
	for (i = 0; i < WGC_REJECTED_SOURCES_PER_REASON + 2; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].sin_family = AF_INET;
		a[i].sin_port = htons((uint16_t)(1000 + i));
		a[i].sin_addr.s_addr = htonl(0x0a000001 + i);
	}
	wgc_counters_reject(&c, r, (struct sockaddr *)&a[0]);
	wgc_counters_reject(&c, r, (struct sockaddr *)&a[1]);
	for (i = 0; i < 5; i++)
		wgc_counters_reject(&c, r, (struct sockaddr *)&a[0]);
	n = wgc_counters_rejected_sources(&c, r, out);
	CHECK(n == 2 && !memcmp(&out[0].in4, &a[0], sizeof(a[0])) && !memcmp(&out[1].in4, &a[1], sizeof(a[1])));
	CHECK(atomic_load(&c.v[r]) == 7);
	/* ten distinct sources: the eight most recent, newest first */
	for (i = 0; i < WGC_REJECTED_SOURCES_PER_REASON + 2; i++)
		wgc_counters_reject(&c, r, (struct sockaddr *)&a[i]);
	n = wgc_counters_rejected_sources(&c, r, out);
	CHECK(n == WGC_REJECTED_SOURCES_PER_REASON);
	for (i = 0; i < n; i++)
		CHECK(!memcmp(&out[i].in4, &a[WGC_REJECTED_SOURCES_PER_REASON + 1 - i], sizeof(a[0])));
	/* a listed source seen again moves to the front; nothing drops out */
	wgc_counters_reject(&c, r, (struct sockaddr *)&a[4]);
	n = wgc_counters_rejected_sources(&c, r, out);
	CHECK(n == WGC_REJECTED_SOURCES_PER_REASON && !memcmp(&out[0].in4, &a[4], sizeof(a[0])) &&
	      !memcmp(&out[n - 1].in4, &a[2], sizeof(a[0])));
	/* another reason's list is its own */
	CHECK(wgc_counters_rejected_sources(&c, WGC_DEV_REJECTED_UNKNOWN_PEER, out) == 0);
}

static void test_cookie_under_load(void)
{
	struct memnet_msg m;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 1);
	CHECK(memnet_pop(&net.a, &m));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &m, true) == WGC_RX_COOKIE_SENT);
	CHECK(net.b.peer->keypairs.next == NULL); /* no DH work was done */
	CHECK(memnet_pop(&net.b, &m));
	CHECK(memnet_deliver(&net, &net.b, &net.a, &m, false) == WGC_RX_HANDSHAKE);
	/* the retry after REKEY_TIMEOUT carries mac2 and passes while still under load */
	memnet_advance(&net, (WGC_REKEY_TIMEOUT + 1) * 1000, 100);
	CHECK(memnet_pop(&net.a, &m) && m.len == WGC_MSG_INITIATION_LEN);
	CHECK(!wgc_is_zero(m.data + WGC_MAC2_OFFSET(m.len), WGC_MAC_LEN));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &m, true) == WGC_RX_HANDSHAKE);
	memnet_pump(&net);
	CHECK(net.b.delivered == 1);
	/* a cookie for another source address does not help */
	memnet_free(&net);
}

/*
 * Under load the cookie reply is made by the locked phase 1 but sent only by
 * wgc_handshake_send_replies, which wgcd calls after releasing the device
 * lock (issue 11: a flood's send system calls held the lock the data path needs).
 */
static void test_cookie_reply_sent_after_begin(void)
{
	static struct wgc_hs_item it;
	struct memnet_msg m;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 1);
	CHECK(memnet_pop(&net.a, &m) && m.len == WGC_MSG_INITIATION_LEN);
	memset(&it, 0, sizeof(it));
	memcpy(it.msg, m.data, m.len);
	it.len = m.len;
	memcpy(&it.src, &net.a.addr, sizeof(net.a.addr));
	it.src_info = &net.a;
	it.under_load = true;
	net.b.n_out = 0;
	wgc_handshake_begin(&net.b.dev, &it, 1, net.now_ms);
	CHECK(it.verdict == WGC_RX_COOKIE_SENT);
	CHECK(net.b.n_out == 0); /* nothing sent from the locked phase */
	CHECK(DEV_COUNT(&net.b, COOKIE_REPLIES_SENT) == 1);
	wgc_handshake_send_replies(&net.b.dev, &it, 1);
	CHECK(net.b.n_out == 1);
	CHECK(memnet_pop(&net.b, &m) && m.len == WGC_MSG_COOKIE_LEN);
	CHECK(memnet_deliver(&net, &net.b, &net.a, &m, false) == WGC_RX_HANDSHAKE);
	/* a verdict other than a cookie reply sends nothing */
	it.verdict = WGC_RX_DROP;
	wgc_handshake_send_replies(&net.b.dev, &it, 1);
	CHECK(net.b.n_out == 0);
	memnet_free(&net);
}

/*
 * Phase 0 (issue 11): under load a flood's cookie replies are made with no
 * lock; the items it settles are skipped by phase 1 (counted once), the
 * others left for it whole.
 */
static void test_handshake_screen(void)
{
	static struct wgc_hs_item it[3];
	struct wgc_hs_screen screen;
	struct memnet_msg m;
	unsigned i;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 1);
	CHECK(memnet_pop(&net.a, &m) && m.len == WGC_MSG_INITIATION_LEN);
	memset(it, 0, sizeof(it));
	for (i = 0; i < 3; i++) {
		memcpy(it[i].msg, m.data, m.len);
		it[i].len = m.len;
		memcpy(&it[i].src, &net.a.addr, sizeof(net.a.addr));
		it[i].src_info = &net.a;
		it[i].under_load = true;
	}
	it[1].msg[WGC_MAC1_OFFSET(m.len)] ^= 1; /* a bad mac1: for phase 1 to reject */
	it[2].under_load = false;               /* not under load: processed in full */
	/* a zeroed screen settles nothing */
	memset(&screen, 0, sizeof(screen));
	CHECK(wgc_handshake_screen(&net.b.dev, &screen, it, 3, net.now_ms) == 3);
	wgc_handshake_screen_begin(&net.b.dev, &screen, net.now_ms);
	net.b.n_out = 0;
	CHECK(wgc_handshake_screen(&net.b.dev, &screen, it, 3, net.now_ms) == 2);
	CHECK(wgc_is_zero(screen.opaque, sizeof(screen.opaque))); /* the secret's copy is wiped */
	CHECK(it[0].verdict == WGC_RX_COOKIE_SENT && it[1].verdict == WGC_RX_QUEUED && it[2].verdict == WGC_RX_QUEUED);
	CHECK(net.b.n_out == 0);
	wgc_handshake_begin(&net.b.dev, it, 3, net.now_ms);
	wgc_handshake_open(it, 3);
	wgc_handshake_match(&net.b.dev, it, 3);
	wgc_handshake_compute(it, 3, net.now_ms);
	wgc_handshake_commit(&net.b.dev, it, 3, net.now_ms);
	CHECK(net.b.n_out == 1); /* the response to it[2]; the cookie reply is not sent yet */
	wgc_handshake_send_replies(&net.b.dev, it, 3);
	CHECK(net.b.n_out == 2);
	CHECK(it[0].verdict == WGC_RX_COOKIE_SENT && it[1].verdict == WGC_RX_DROP && it[2].verdict == WGC_RX_HANDSHAKE);
	CHECK(DEV_COUNT(&net.b, COOKIE_REPLIES_SENT) == 1 && DEV_COUNT(&net.b, REJECTED_INVALID_MAC2) == 1);
	CHECK(DEV_COUNT(&net.b, REJECTED_INVALID_MAC1) == 1);
	CHECK(net.b.out[0].len == WGC_MSG_RESPONSE_LEN && net.b.out[1].len == WGC_MSG_COOKIE_LEN);
	memnet_free(&net);
}

static void test_replayed_initiation(void)
{
	struct memnet_msg init, init2;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 1);
	CHECK(memnet_pop(&net.a, &init));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &init, false) == WGC_RX_HANDSHAKE);
	net.b.n_out = 0;
	net.now_ms += 5000;
	/* the same bytes again: a duplicate, counted apart from replays of older ones */
	CHECK(memnet_deliver(&net, &net.a, &net.b, &init, false) == WGC_RX_DROP);
	CHECK(net.b.n_out == 0);
	CHECK(DEV_COUNT(&net.b, REJECTED_DUPLICATE_INITIATION) == 1 && PEER_COUNT(&net.b, REJECTED_DUPLICATE_INITIATION) == 1);
	CHECK(DEV_COUNT(&net.b, REJECTED_STALE_TIMESTAMP) == 0);
	CHECK(DEV_COUNT(&net.b, HANDSHAKE_INITIATIONS_RECEIVED) == 2);
	CHECK(PEER_COUNT(&net.b, HANDSHAKE_INITIATIONS_RECEIVED) == 1 && PEER_COUNT(&net.b, HANDSHAKE_RESPONSES_SENT) == 1);

	/* a fresh initiation whose timestamp is older than the last one: stale */
	net.wall_offset_ms = -60000;
	wgc_peer_initiate_handshake(net.a.peer, false, net.now_ms + 10000);
	CHECK(memnet_pop(&net.a, &init2));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &init2, false) == WGC_RX_DROP);
	CHECK(DEV_COUNT(&net.b, REJECTED_STALE_TIMESTAMP) == 1 && PEER_COUNT(&net.b, REJECTED_STALE_TIMESTAMP) == 1);

	/* a newer one is accepted, but not a second within 1/INITIATIONS_PER_SECOND */
	net.wall_offset_ms = 0;
	net.now_ms += 20000;
	wgc_peer_initiate_handshake(net.a.peer, false, net.now_ms);
	CHECK(memnet_pop(&net.a, &init2));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &init2, false) == WGC_RX_HANDSHAKE);
	net.now_ms += 5;
	net.wall_offset_ms = 1000;
	wgc_peer_initiate_handshake(net.a.peer, false, net.now_ms + 6000);
	CHECK(memnet_pop(&net.a, &init));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &init, false) == WGC_RX_DROP);
	CHECK(DEV_COUNT(&net.b, REJECTED_INITIATION_FLOOD) == 1);
	net.now_ms += 1000 / WGC_INITIATIONS_PER_SECOND;
	CHECK(memnet_deliver(&net, &net.a, &net.b, &init, false) == WGC_RX_HANDSHAKE);
	memnet_free(&net);
}

static void test_wrong_lengths_and_garbage(void)
{
	struct memnet_msg m;
	size_t i, accepted = 0;
	static const size_t lens[] = { WGC_MSG_INITIATION_LEN, WGC_MSG_RESPONSE_LEN, WGC_MSG_COOKIE_LEN };

	memnet_init(&net, NULL, NULL);
	handshake();
	for (i = 0; i < 3; i++) {
		memset(&m, 0, sizeof(m));
		wgc_store_le32(m.data, (uint32_t)(i + 1));
		m.len = lens[i] - 1;
		CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DROP);
		m.len = lens[i] + 1;
		CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DROP);
	}
	m.len = WGC_MSG_DATA_MIN_LEN - 1;
	wgc_store_le32(m.data, WGC_MSG_DATA);
	CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DROP);
	for (i = 0; i < 200000; i++) {
		size_t j;
		m.len = rng() % 300;
		for (j = 0; j < m.len; j++)
			m.data[j] = (uint8_t)rng();
		if (m.len >= 4 && rng() % 2) {
			m.data[0] = (uint8_t)(1 + rng() % 4);
			m.data[1] = m.data[2] = m.data[3] = 0;
		}
		if (memnet_deliver(&net, &net.a, &net.b, &m, rng() % 2) != WGC_RX_DROP)
			accepted++;
	}
	CHECK(accepted == 0);
	CHECK(net.b.n_out == 0);
	CHECK(DEV_COUNT(&net.b, REJECTED_INVALID_LENGTH) >= 7);
	CHECK(DEV_COUNT(&net.b, REJECTED_INVALID_MAC1) > 0 && DEV_COUNT(&net.b, DATA_REJECTED_UNKNOWN_INDEX) > 0);
	memnet_free(&net);
}

static void test_inbound_source_check(void)
{
	uint8_t pkt[128];
	size_t len;
	struct memnet_msg m;

	memnet_init(&net, NULL, NULL);
	handshake();
	/* a packet claiming a source the peer is not allowed to use */
	len = memnet_ipv4(pkt, 99, 2, 16, 1);
	wgc_peer_send_packet(net.a.peer, pkt, len, net.now_ms);
	CHECK(memnet_pop(&net.a, &m));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DROP);
	CHECK(net.b.delivered == 1);
	CHECK(DEV_COUNT(&net.b, DATA_REJECTED_SOURCE_NOT_ALLOWED) == 1);
	CHECK(PEER_COUNT(&net.b, DATA_REJECTED_SOURCE_NOT_ALLOWED) == 1);
	/* not an IP packet at all */
	memset(pkt, 0x11, 40);
	wgc_peer_send_packet(net.a.peer, pkt, 40, net.now_ms);
	CHECK(memnet_pop(&net.a, &m));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DROP);
	/* a length field larger than what arrived */
	len = memnet_ipv4(pkt, 1, 2, 16, 1);
	pkt[3] = (uint8_t)(len + 32); /* beyond even the padding */
	wgc_peer_send_packet(net.a.peer, pkt, len, net.now_ms);
	CHECK(memnet_pop(&net.a, &m));
	CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DROP);
	CHECK(DEV_COUNT(&net.b, DATA_REJECTED_INVALID_INNER_PACKET) == 2);
	memnet_free(&net);
}

/* One receive batch with data, its replay, garbage and a forged data message: each has its verdict and counter. */
static void test_batch_verdicts(void)
{
	struct memnet_msg batch[5];
	enum wgc_rx_verdict v[5];

	memnet_init(&net, NULL, NULL);
	handshake();
	send_ab(&net.a, 1, 2, 3);
	CHECK(memnet_pop(&net.a, &batch[0]));
	batch[1] = batch[0];
	memset(&batch[2], 0, sizeof(batch[2]));
	batch[2].len = 3;
	batch[3] = batch[0];
	batch[3].data[batch[3].len - 1] ^= 1;
	batch[4] = batch[0];
	batch[4].data[5] ^= 0x55; /* another receiver index */
	memnet_deliver_batch(&net, &net.a, &net.b, batch, 5, false, v);
	CHECK(v[0] == WGC_RX_DATA && v[1] == WGC_RX_DROP && v[2] == WGC_RX_DROP && v[3] == WGC_RX_DROP &&
	      v[4] == WGC_RX_DROP);
	CHECK(DEV_COUNT(&net.b, DATA_REJECTED_REPLAY) == 1 && PEER_COUNT(&net.b, DATA_REJECTED_REPLAY) == 1);
	CHECK(DEV_COUNT(&net.b, REJECTED_INVALID_LENGTH) == 1);
	CHECK(DEV_COUNT(&net.b, DATA_REJECTED_DECRYPT) == 1);
	CHECK(DEV_COUNT(&net.b, DATA_REJECTED_UNKNOWN_INDEX) == 1);
	CHECK(PEER_COUNT(&net.a, HANDSHAKE_INITIATIONS_SENT) == 1 && PEER_COUNT(&net.a, HANDSHAKE_RESPONSES_RECEIVED) == 1);
	CHECK(PEER_COUNT(&net.a, KEEPALIVES_SENT) == 0 || PEER_COUNT(&net.b, KEEPALIVES_RECEIVED) >= 1);
	memnet_free(&net);
}

/* The transport keys cached in a thread's cipher context go with the keypair. */
static void test_cached_keys_wiped_with_keypair(void)
{
	uint8_t send_key[WGC_KEY_LEN];

	memnet_init(&net, NULL, NULL);
	handshake();
	CHECK(net.a.peer->keypairs.current != NULL);
	if (!net.a.peer->keypairs.current) {
		memnet_free(&net);
		return;
	}
	memcpy(send_key, net.a.peer->keypairs.current->send_key, sizeof(send_key));
	{
		/* large enough for OpenSSL: smaller packets go to libsodium by default,
		 * which caches no key (crypto.c, AEAD_SMALL_PACKET) */
		uint8_t pkt[1100];
		size_t len = memnet_ipv4(pkt, 1, 2, 1000, 9);

		wgc_peer_send_packet(net.a.peer, pkt, len, net.now_ms);
	}
	memnet_pump(&net);
	if (wgc_crypto_backend_get(WGC_PRIM_AEAD) == WGC_CRYPTO_OPENSSL)
		CHECK(wgc_aead_threads_holding(send_key) == 1);
	wgc_device_remove_peer(&net.a.dev, net.a.peer);
	net.a.peer = NULL;
	CHECK(wgc_aead_threads_holding(send_key) == 0);
	memnet_free(&net);
	wgc_wipe(send_key, sizeof(send_key));
}

static void test_keys_zeroed_after_540s(void)
{
	memnet_init(&net, NULL, NULL);
	handshake();
	CHECK(net.a.peer->keypairs.current && net.b.peer->keypairs.current);
	memnet_advance(&net, (uint64_t)WGC_REJECT_AFTER_TIME * 3 * 1000 - 2000, 1000);
	memnet_pump(&net);
	CHECK(net.a.peer->keypairs.current != NULL);
	memnet_advance(&net, 2000, 1000);
	CHECK(net.a.peer->keypairs.current == NULL && net.a.peer->keypairs.previous == NULL);
	CHECK(net.b.peer->keypairs.current == NULL && net.b.peer->keypairs.previous == NULL);
	CHECK(net.a.dev.indices.count == 0 && net.b.dev.indices.count == 0);
	memnet_free(&net);
}

static void test_rekey_after_time(void)
{
	struct wgc_keypair *first;
	size_t delivered;

	memnet_init(&net, NULL, NULL);
	handshake();
	first = net.a.peer->keypairs.current;
	/* traffic both ways every second for REKEY_AFTER_TIME + a bit: a new session appears */
	while (net.now_ms < 1000000 + (WGC_REKEY_AFTER_TIME + 5) * 1000) {
		send_ab(&net.a, 1, 2, 1);
		send_ab(&net.b, 2, 1, 1);
		memnet_pump(&net);
		memnet_advance(&net, 1000, 1000);
		memnet_pump(&net);
	}
	CHECK(net.a.peer->keypairs.current != first);
	CHECK(net.a.peer->keypairs.previous == first);
	delivered = net.b.delivered;
	send_ab(&net.a, 1, 2, 1);
	memnet_pump(&net);
	CHECK(net.b.delivered == delivered + 1);
	memnet_free(&net);
}

static void test_reject_after_time(void)
{
	struct memnet_msg m;

	memnet_init(&net, NULL, NULL);
	handshake();
	send_ab(&net.a, 1, 2, 3);
	CHECK(memnet_pop(&net.a, &m));
	/* a message held past REJECT_AFTER_TIME is refused even though it is genuine */
	net.now_ms += WGC_REJECT_AFTER_TIME * 1000;
	CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DROP);
	memnet_free(&net);
}

static void test_retry_and_give_up(void)
{
	size_t initiations = 0;
	struct memnet_msg m;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 1); /* B never answers: everything A sends is lost */
	while (net.now_ms < 1000000 + 120000) {
		while (memnet_pop(&net.a, &m))
			if (wgc_message_type(m.data, m.len) == WGC_MSG_HANDSHAKE_INITIATION)
				initiations++;
		memnet_advance(&net, 100, 100);
	}
	/* the first, then MAX_TIMER_HANDSHAKES retries, then silence */
	if (initiations != WGC_MAX_TIMER_HANDSHAKES + 2)
		fprintf(stderr, "initiations: %zu\n", initiations);
	/* as the kernel: the first, then retries until attempts pass MAX_TIMER_HANDSHAKES */
	CHECK(initiations == WGC_MAX_TIMER_HANDSHAKES + 2);
	CHECK(wgc_peer_staged_count(net.a.peer) == 0);
	CHECK(PEER_COUNT(&net.a, HANDSHAKE_INITIATIONS_SENT) == initiations);
	CHECK(PEER_COUNT(&net.a, HANDSHAKE_RESPONSES_RECEIVED) == 0);
	CHECK(PEER_COUNT(&net.a, HANDSHAKE_ATTEMPTS_EXPIRED) == 1);
	CHECK(DEV_COUNT(&net.a, DATA_DROPPED_GAVE_UP) == 1);
	CHECK(PEER_COUNT(&net.a, LAST_HANDSHAKE_ATTEMPT) >= 1700000000);
	memnet_free(&net);
}

static void test_persistent_keepalive(void)
{
	struct memnet_msg m;
	size_t keepalives = 0;

	memnet_init(&net, NULL, NULL);
	handshake();
	wgc_peer_set_persistent_keepalive(net.a.peer, 25, net.now_ms);
	memnet_pump(&net);
	while (net.now_ms < 1000000 + 100000) {
		memnet_advance(&net, 1000, 1000);
		while (memnet_pop(&net.a, &m)) {
			if (m.len == WGC_MSG_KEEPALIVE_LEN)
				keepalives++;
			memnet_deliver(&net, &net.a, &net.b, &m, false);
		}
		while (memnet_pop(&net.b, &m))
			memnet_deliver(&net, &net.b, &net.a, &m, false);
	}
	CHECK(keepalives >= 3 && keepalives <= 5);
	memnet_free(&net);
}

static void test_remove_peer_and_key_change(void)
{
	uint8_t key[WGC_KEY_LEN];
	struct memnet_msg m;

	memnet_init(&net, NULL, NULL);
	handshake();
	/* B gets a new private key: A's old session stops working on B */
	wgc_x25519_generate(key);
	wgc_device_set_private_key(&net.b.dev, key);
	CHECK(!atomic_load(&net.b.peer->keypairs.current->send_valid));
	/* A learns the new public key */
	wgc_device_remove_peer(&net.a.dev, net.a.peer);
	CHECK(net.a.dev.n_peers == 0 && net.a.dev.indices.count == 0);
	net.a.peer = wgc_device_add_peer(&net.a.dev, net.b.dev.identity.static_public);
	CHECK(net.a.peer != NULL);
	{
		struct in_addr inner = { htonl(0x0a000002U) };
		CHECK(wgc_allowedips_insert_v4(&net.a.dev.allowedips, &inner, 32, net.a.peer) == 0);
	}
	net.now_ms += 1000; /* a later timestamp than the first handshake's */
	handshake();
	CHECK(net.b.delivered == 2);
	/* a peer with our own public key is refused */
	CHECK(wgc_device_add_peer(&net.a.dev, net.a.dev.identity.static_public) == NULL);
	/* removing B's peer while packets fly: they are dropped, nothing crashes */
	send_ab(&net.a, 1, 2, 5);
	CHECK(memnet_pop(&net.a, &m));
	wgc_device_remove_peer(&net.b.dev, net.b.peer);
	CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DROP);
	memnet_free(&net);
	wgc_wipe(key, sizeof(key));
}

#if defined(__SANITIZE_ADDRESS__)
#define SECMEM_IS_HEAP 1 /* secmem.c: under ASan secrets come from the heap, freed memory is off limits */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECMEM_IS_HEAP 1
#endif
#endif

/* Our initiation in flight is a slab block: none before, one while it waits, none once answered, wiped. */
static void test_pending_handshake_lifetime(void)
{
	struct wgc_handshake_pending *old;

	memnet_init(&net, NULL, NULL);
	CHECK(net.a.peer->handshake.pending == NULL && net.b.peer->handshake.pending == NULL);
	send_ab(&net.a, 1, 2, 7);
	old = net.a.peer->handshake.pending;
	CHECK(old != NULL && old->entry.linked && net.a.dev.indices.count == 1);
	memnet_pump(&net);
	CHECK(net.b.delivered == 1 && net.a.peer->keypairs.current != NULL);
	/* the session took the index over; the responder never needed a block */
	CHECK(net.a.peer->handshake.pending == NULL && net.b.peer->handshake.pending == NULL);
	CHECK(net.a.dev.indices.count == 1 && net.a.peer->keypairs.current->entry.linked);
#ifndef SECMEM_IS_HEAP
	/* back on the slab's free list, wiped: past the list's link nothing of the ephemeral, hash or key is left */
	CHECK(wgc_is_zero((const uint8_t *)old + sizeof(void *), sizeof(*old) - sizeof(void *)));
#endif
	memnet_free(&net);
}

/* Out of secret memory for the initiation: nothing is sent or left indexed, and the next packet tries again. */
static void test_pending_handshake_alloc_fails(void)
{
	memnet_init(&net, NULL, NULL);
	wgc_secmem_fail_next(1);
	send_ab(&net.a, 1, 2, 7);
	wgc_secmem_fail_next(0);
	CHECK(net.a.n_out == 0);
	CHECK(net.a.peer->handshake.pending == NULL && net.a.dev.indices.count == 0);
	CHECK(wgc_peer_staged_count(net.a.peer) == 1);
	CHECK(PEER_COUNT(&net.a, HANDSHAKE_INITIATIONS_SENT) == 0);
	send_ab(&net.a, 1, 2, 8);
	CHECK(net.a.n_out == 1 && net.a.peer->handshake.pending != NULL);
	memnet_pump(&net);
	CHECK(net.b.delivered == 2 && net.a.peer->handshake.pending == NULL);
	memnet_free(&net);
}

/* An initiation never answered: retries reuse the block; given up, it goes with the keys 540 s later. */
static void test_pending_handshake_abandoned(void)
{
	struct memnet_msg m;
	struct wgc_handshake_pending *first;
	uint64_t t;
	bool reused = true;

	memnet_init(&net, NULL, NULL);
	send_ab(&net.a, 1, 2, 7);
	first = net.a.peer->handshake.pending;
	CHECK(first != NULL);
	for (t = 0; t < (WGC_REKEY_ATTEMPT_TIME + 3 * WGC_REJECT_AFTER_TIME + 30) * 1000; t += 1000) {
		memnet_advance(&net, 1000, 1000);
		while (memnet_pop(&net.a, &m))
			; /* lost */
		if (net.a.peer->handshake.pending && net.a.peer->handshake.pending != first)
			reused = false;
	}
	CHECK(reused);
	CHECK(PEER_COUNT(&net.a, HANDSHAKE_INITIATIONS_SENT) > 1);
	CHECK(net.a.peer->handshake.pending == NULL && net.a.dev.indices.count == 0);
	memnet_free(&net);
}

/* A peer's counters are a block allocated at its first count; reading or setting zero needs none. */
static void test_peer_counters_lazy(void)
{
	memnet_init(&net, NULL, NULL);
	CHECK(atomic_load(&net.a.peer->counters) == NULL);
	CHECK(PEER_COUNT(&net.a, KEEPALIVES_SENT) == 0);
	wgc_peer_counter_set(net.a.peer, WGC_PEER_LAST_HANDSHAKE_TTL, 0);
	wgc_peer_counter_add(net.a.peer, WGC_PEER_ICMP_PORT_UNREACHABLE, 0);
	CHECK(atomic_load(&net.a.peer->counters) == NULL);
	handshake();
	CHECK(atomic_load(&net.a.peer->counters) != NULL && atomic_load(&net.b.peer->counters) != NULL);
	CHECK(PEER_COUNT(&net.a, HANDSHAKE_INITIATIONS_SENT) == 1 && PEER_COUNT(&net.b, HANDSHAKE_RESPONSES_SENT) == 1);
	wgc_peer_counter_set(net.a.peer, WGC_PEER_LAST_HANDSHAKE_TTL, 64);
	CHECK(PEER_COUNT(&net.a, LAST_HANDSHAKE_TTL) == 64);
	/* freed with the peer (LeakSanitizer would tell) */
	memnet_free(&net);
}

/* A walk that may drop the lock between steps: removed peers are skipped, added ones come last. */
static void test_peer_walk(void)
{
	struct wgc_peer *p[5], *got;
	struct wgc_peer_walk w, other;
	uint8_t key[WGC_KEY_LEN];

	memnet_init(&net, NULL, NULL);
	for (int i = 0; i < 4; i++) {
		memset(key, 0x10 + i, sizeof(key));
		p[i] = wgc_device_add_peer(&net.a.dev, key);
		CHECK(p[i] != NULL);
	}
	wgc_device_walk_begin(&net.a.dev, &w);
	wgc_device_walk_begin(&net.a.dev, &other);
	CHECK(wgc_device_walk_next(&w) == net.a.peer);
	CHECK(wgc_device_walk_next(&w) == p[0]);
	/* the walk's next peer goes: it moves on to that peer's successor */
	wgc_device_remove_peer(&net.a.dev, p[1]);
	CHECK(wgc_device_walk_next(&w) == p[2]);
	/* the one just returned goes: the walk is not disturbed */
	wgc_device_remove_peer(&net.a.dev, p[2]);
	memset(key, 0x20, sizeof(key));
	p[4] = wgc_device_add_peer(&net.a.dev, key);
	CHECK(wgc_device_walk_next(&w) == p[3]);
	CHECK(wgc_device_walk_next(&w) == p[4]);
	CHECK(wgc_device_walk_next(&w) == NULL);
	wgc_device_walk_end(&net.a.dev, &w);
	/* the other walk saw the same removals, and after its end none reach it */
	CHECK(wgc_device_walk_next(&other) == net.a.peer);
	got = wgc_device_walk_next(&other);
	CHECK(got == p[0] && wgc_device_walk_next(&other) == p[3]);
	wgc_device_walk_end(&net.a.dev, &other);
	wgc_device_remove_peer(&net.a.dev, p[4]);
	CHECK(other.next == NULL && net.a.dev.walks == NULL);
	memnet_free(&net);
}

/* A 10.0.0.1 -> 10.0.0.2 UDP packet of len bytes (>= 28) with a random payload. */
static void tail_packet(uint8_t *pkt, size_t len)
{
	memnet_ipv4(pkt, 1, 2, len - 20, 0);
	for (size_t i = 28; i < len; i++)
		pkt[i] = (uint8_t)rng();
}

/* An item carrying pkt as head (its first `head` bytes, at buf + 16) and a tail in a buffer of its own. */
static void tail_item(struct wgc_tx_item *it, uint8_t *buf, uint8_t *tail, const uint8_t *pkt, size_t len,
		      size_t head)
{
	memset(it, 0, sizeof(*it));
	memcpy(buf + WGC_MSG_DATA_HEADER_LEN, pkt, head);
	memcpy(tail, pkt + head, len - head);
	it->buf = buf;
	it->len = head;
	it->tail = len > head ? tail : NULL;
	it->tail_len = len - head;
}

/*
 * A tx item whose packet is head + tail, with no session yet: staged as one
 * copy of its own, so overwriting both of the caller's buffers right after
 * wgc_tx_prepare changes nothing that is later sent.
 */
static void test_tx_tail_staged(void)
{
	static uint8_t pkt[1200], buf[2048], tail[2048];
	struct wgc_tx_item it;

	memnet_init(&net, NULL, NULL);
	tail_packet(pkt, sizeof(pkt));
	tail_item(&it, buf, tail, pkt, sizeof(pkt), 28);
	wgc_tx_prepare(&net.a.dev, &it, 1, net.now_ms);
	CHECK(it.reason == WGC_DROP_NONE && it.kp == NULL && it.peer == net.a.peer);
	CHECK(wgc_peer_staged_count(net.a.peer) == 1);
	CHECK(net.a.n_out == 1); /* the initiation it started */
	wgc_tx_encrypt(&net.a.dev, &it, 1);
	CHECK(it.wire_len == 0);
	memset(buf, 0xa5, sizeof(buf));
	memset(tail, 0x5a, sizeof(tail));
	memnet_pump(&net);
	CHECK(wgc_peer_staged_count(net.a.peer) == 0);
	CHECK(net.b.delivered == 1);
	CHECK(net.b.last_delivered_len == sizeof(pkt));
	CHECK_MEM(net.b.last_delivered, pkt, sizeof(pkt));
	memnet_free(&net);
}

/*
 * With a session, a batch of head + tail items is sealed at once: every
 * split (short heads joined, empty, odd and padding-edge tails) arrives as
 * the whole packet, with consecutive counters, the tails left as they were
 * and the wire bytes accounted as for a contiguous packet.
 */
static void test_tx_tail_sent(void)
{
	static const size_t cases[][2] = { { 28, 1200 }, { 20, 1420 }, { 28, 28 }, { 27, 333 }, { 0, 100 },
					   { 28, 29 }, { 40, 43 }, { 28, 44 }, { 28, 45 }, { 60, 1419 } };
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	static uint8_t pkt[N][1500], buf[N][2048], tail[N][2048];
	struct wgc_tx_item it[N];
	uint64_t tx_before, wire = 0;

	memnet_init(&net, NULL, NULL);
	handshake();
	tx_before = net.a.peer->tx_bytes;
	for (unsigned i = 0; i < N; i++) {
		tail_packet(pkt[i], cases[i][1]);
		tail_item(&it[i], buf[i], tail[i], pkt[i], cases[i][1], cases[i][0]);
	}
	wgc_tx_prepare(&net.a.dev, it, N, net.now_ms);
	wgc_tx_encrypt(&net.a.dev, it, N);
	for (unsigned i = 0; i < N; i++) {
		struct memnet_msg m;
		size_t len = cases[i][1], head = cases[i][0];

		CHECK(it[i].reason == WGC_DROP_NONE);
		CHECK(it[i].wire_len == wgc_transport_message_len(len, net.a.dev.mtu));
		CHECK(i == 0 || wgc_load_le64(buf[i] + 8) == wgc_load_le64(buf[i - 1] + 8) + 1);
		CHECK_MEM(tail[i], pkt[i] + head, len - head); /* read only */
		wire += it[i].wire_len;
		m.len = it[i].wire_len;
		memcpy(m.data, buf[i], m.len);
		CHECK(memnet_deliver(&net, &net.a, &net.b, &m, false) == WGC_RX_DATA);
		CHECK(net.b.last_delivered_len == len);
		CHECK_MEM(net.b.last_delivered, pkt[i], len);
	}
	CHECK(net.a.peer->tx_bytes - tx_before == wire);
	CHECK(net.a.n_out == 0);
	memnet_free(&net);
}

int main(void)
{
	if (!wgc_crypto_init())
		return 1;
	RUN_TEST(test_handshake_no_psk);
	RUN_TEST(test_handshake_psk);
	RUN_TEST(test_exchange_no_psk);
	RUN_TEST(test_exchange_psk);
	RUN_TEST(test_tamper_initiation);
	RUN_TEST(test_tamper_response);
	RUN_TEST(test_tamper_cookie_reply);
	RUN_TEST(test_tamper_data);
	RUN_TEST(test_cookie_under_load);
	RUN_TEST(test_cookie_validate_mac2);
	RUN_TEST(test_rejected_sources_distinct);
	RUN_TEST(test_cookie_reply_sent_after_begin);
	RUN_TEST(test_handshake_screen);
	RUN_TEST(test_replayed_initiation);
	RUN_TEST(test_batch_verdicts);
	RUN_TEST(test_cached_keys_wiped_with_keypair);
	RUN_TEST(test_wrong_lengths_and_garbage);
	RUN_TEST(test_inbound_source_check);
	RUN_TEST(test_keys_zeroed_after_540s);
	RUN_TEST(test_rekey_after_time);
	RUN_TEST(test_reject_after_time);
	RUN_TEST(test_retry_and_give_up);
	RUN_TEST(test_persistent_keepalive);
	RUN_TEST(test_remove_peer_and_key_change);
	RUN_TEST(test_pending_handshake_lifetime);
	RUN_TEST(test_pending_handshake_alloc_fails);
	RUN_TEST(test_pending_handshake_abandoned);
	RUN_TEST(test_peer_counters_lazy);
	RUN_TEST(test_peer_walk);
	RUN_TEST(test_tx_tail_staged);
	RUN_TEST(test_tx_tail_sent);
	return harness_exit_code();
}

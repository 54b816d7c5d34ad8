/* SPDX-License-Identifier: MIT */
/*
 * The per-peer timer machine against a fake clock: each timer fires at its
 * exact millisecond and not one before, each is cancelled by the right
 * events, and two machines driven by a scripted exchange produce the action
 * sequence the kernel would.
 */
#include <stdint.h>

#include "core/device_impl.h"
#include "core/timerheap.h"
#include "core/timers.h"
#include "harness.h"

enum { S = 1000 };

static uint32_t const_rand(void *ctx)
{
	return *(const uint32_t *)ctx;
}

/* A machine whose jitter is the constant *jitter (mod 333). */
static void fresh(struct wgc_timers *t, uint32_t *jitter)
{
	wgc_timers_init(t, 1);
	wgc_timers_set_jitter_source(t, const_rand, jitter);
}

/* The only thing due at deadline is action: nothing at deadline - 1, action at deadline. */
static int fires_exactly(struct wgc_timers *t, uint64_t deadline, uint32_t action)
{
	int ok = 1;

	if (wgc_timers_next_deadline(t) != deadline)
		ok = 0;
	if (wgc_timers_expire(t, deadline - 1) != 0)
		ok = 0;
	if (wgc_timers_expire(t, deadline) != action)
		ok = 0;
	return ok;
}

static void test_init_nothing_armed(void)
{
	struct wgc_timers t;

	wgc_timers_init(&t, 7);
	CHECK(wgc_timers_next_deadline(&t) == 0);
	CHECK(wgc_timers_expire(&t, UINT64_MAX / 2) == 0);
	CHECK(t.handshake_attempts == 0);
	CHECK(wgc_timers_initiation_allowed(&t, 0, false));
}

static void test_jitter_constant_source(void)
{
	uint32_t values[] = { 0, 1, 332, 333, 334, UINT32_MAX };
	struct wgc_timers t;
	uint32_t j;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		j = values[i];
		fresh(&t, &j);
		wgc_timers_handshake_initiated(&t, 1000);
		CHECK(t.retransmit_handshake == 1000 + 5 * S + values[i] % 333);
		wgc_timers_data_sent(&t, 2000);
		CHECK(t.new_handshake == 2000 + 15 * S + values[i] % 333);
	}
}

static void test_jitter_prng_bounds_and_determinism(void)
{
	struct wgc_timers a, b, c;
	uint64_t lo = UINT64_MAX, hi = 0, diff = 0;

	wgc_timers_init(&a, 42);
	wgc_timers_init(&b, 42);
	wgc_timers_init(&c, 43);
	for (int i = 0; i < 20000; i++) {
		uint64_t ja, jb, jc;

		wgc_timers_handshake_initiated(&a, 0);
		wgc_timers_handshake_initiated(&b, 0);
		wgc_timers_handshake_initiated(&c, 0);
		ja = a.retransmit_handshake - 5 * S;
		jb = b.retransmit_handshake - 5 * S;
		jc = c.retransmit_handshake - 5 * S;
		CHECK(a.retransmit_handshake >= 5 * S);
		CHECK(ja < WGC_REKEY_TIMEOUT_JITTER_MAX_MS);
		CHECK(jc < WGC_REKEY_TIMEOUT_JITTER_MAX_MS);
		CHECK(ja == jb);
		diff += ja != jc;
		lo = ja < lo ? ja : lo;
		hi = ja > hi ? ja : hi;
	}
	/* spread over the whole range, and the seed matters */
	CHECK(lo <= 2);
	CHECK(hi >= 330);
	CHECK(diff > 19000);
}

static void test_retransmit_fires_exactly(void)
{
	struct wgc_timers t;
	uint32_t j = 100;

	fresh(&t, &j);
	wgc_timers_handshake_initiated(&t, 1000);
	CHECK(fires_exactly(&t, 6100, WGC_TIMER_ACTION_SEND_INITIATION_RETRY));
	CHECK(t.handshake_attempts == 1);
	/* not re-armed until the peer layer actually sends the retry */
	CHECK(wgc_timers_next_deadline(&t) == 0);
	wgc_timers_handshake_initiated(&t, 6100);
	CHECK(fires_exactly(&t, 11200, WGC_TIMER_ACTION_SEND_INITIATION_RETRY));
	CHECK(t.handshake_attempts == 2);
}

static void test_retransmit_rearmed_by_new_initiation(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	wgc_timers_handshake_initiated(&t, 0);
	wgc_timers_handshake_initiated(&t, 3000);
	CHECK(wgc_timers_expire(&t, 5000) == 0);
	CHECK(fires_exactly(&t, 8000, WGC_TIMER_ACTION_SEND_INITIATION_RETRY));
}

static void test_retransmit_cancelled_by_complete(void)
{
	struct wgc_timers t;
	uint32_t j = 0;
	uint64_t now = 0;

	fresh(&t, &j);
	wgc_timers_handshake_initiated(&t, now);
	for (int i = 0; i < 3; i++) {
		now += 5 * S;
		CHECK(wgc_timers_expire(&t, now) == WGC_TIMER_ACTION_SEND_INITIATION_RETRY);
		wgc_timers_handshake_initiated(&t, now);
	}
	CHECK(t.handshake_attempts == 3);
	t.sent_lastminute_handshake = true;
	wgc_timers_handshake_complete(&t);
	CHECK(t.handshake_attempts == 0);
	CHECK(!t.sent_lastminute_handshake);
	CHECK(wgc_timers_next_deadline(&t) == 0);
	CHECK(wgc_timers_expire(&t, now + 100 * S) == 0);
}

/* One initiation, then retries as the peer layer would send them, until give-up. */
static void run_until_give_up(struct wgc_timers *t, int *initiations, int *within_90s,
			      uint64_t *give_up_at)
{
	uint64_t now = 0;

	*initiations = *within_90s = 0;
	*give_up_at = 0;
	CHECK(wgc_timers_initiation_allowed(t, now, false));
	wgc_timers_handshake_initiated(t, now);
	(*initiations)++;
	(*within_90s)++;
	for (int guard = 0; guard < 100; guard++) {
		uint32_t a;

		now = wgc_timers_next_deadline(t);
		CHECK(now != 0);
		a = wgc_timers_expire(t, now);
		if (a == WGC_TIMER_ACTION_GIVE_UP) {
			*give_up_at = now;
			return;
		}
		CHECK(a == WGC_TIMER_ACTION_SEND_INITIATION_RETRY);
		CHECK(wgc_timers_initiation_allowed(t, now, true));
		wgc_timers_handshake_initiated(t, now);
		(*initiations)++;
		*within_90s += now <= 90 * S;
	}
	CHECK(!"never gave up");
}

static void test_give_up_after_max_handshakes(void)
{
	struct wgc_timers t;
	uint32_t j = 0;
	int n, n90;
	uint64_t at;

	fresh(&t, &j);
	run_until_give_up(&t, &n, &n90, &at);
	/* the kernel's "did not complete after MAX_TIMER_HANDSHAKES + 2 attempts" */
	CHECK(n == WGC_MAX_TIMER_HANDSHAKES + 2);
	CHECK(n == 20);
	CHECK(n90 == 19);
	CHECK(at == 100 * S);
	CHECK(t.handshake_attempts == WGC_MAX_TIMER_HANDSHAKES + 1);
	/* residue of the failed exchange is wiped later; nothing else is armed */
	CHECK(t.zero_key_material == 100 * S + 540 * S);
	CHECK(wgc_timers_next_deadline(&t) == 640 * S);
	CHECK(wgc_timers_expire(&t, 640 * S - 1) == 0);
	CHECK(wgc_timers_expire(&t, 640 * S) == WGC_TIMER_ACTION_ZERO_KEYS);
	CHECK(wgc_timers_next_deadline(&t) == 0);
}

static void test_give_up_with_random_jitter(void)
{
	struct wgc_timers t;
	int n, n90;
	uint64_t at;

	wgc_timers_init(&t, 2024);
	run_until_give_up(&t, &n, &n90, &at);
	CHECK(n == 20);
	CHECK(at >= 100 * S);
	CHECK(at < 100 * S + 20 * WGC_REKEY_TIMEOUT_JITTER_MAX_MS);
}

static void test_give_up_cancels_keepalive_keeps_zero_keys(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	wgc_timers_session_derived(&t, 0);
	t.handshake_attempts = WGC_MAX_TIMER_HANDSHAKES + 1;
	wgc_timers_handshake_initiated(&t, 1000);
	wgc_timers_data_received(&t, 2000);
	CHECK(t.send_keepalive == 12 * S);
	CHECK(wgc_timers_expire(&t, 6 * S) == WGC_TIMER_ACTION_GIVE_UP);
	CHECK(t.send_keepalive == 0);
	/* already armed by the session: left alone, not pushed back */
	CHECK(t.zero_key_material == 540 * S);
	CHECK(wgc_timers_expire(&t, 539 * S) == 0);
}

static void test_give_up_boundary(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	t.handshake_attempts = WGC_MAX_TIMER_HANDSHAKES;
	wgc_timers_handshake_initiated(&t, 0);
	CHECK(wgc_timers_expire(&t, 5 * S) == WGC_TIMER_ACTION_SEND_INITIATION_RETRY);
	CHECK(t.zero_key_material == 0);
	wgc_timers_handshake_initiated(&t, 5 * S);
	CHECK(wgc_timers_expire(&t, 10 * S) == WGC_TIMER_ACTION_GIVE_UP);
	CHECK(t.zero_key_material == 550 * S);
}

static void test_passive_keepalive(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	wgc_timers_data_received(&t, 2000);
	CHECK(fires_exactly(&t, 12 * S, WGC_TIMER_ACTION_SEND_KEEPALIVE));
	CHECK(wgc_timers_next_deadline(&t) == 0);
	CHECK(!t.need_another_keepalive);
}

static void test_keepalive_cancelled_by_any_sent(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	wgc_timers_data_received(&t, 0);
	wgc_timers_any_authenticated_packet_sent(&t);
	CHECK(t.send_keepalive == 0);
	CHECK(wgc_timers_expire(&t, 60 * S) == 0);
	/* received events of other kinds leave it alone */
	wgc_timers_data_received(&t, 100 * S);
	wgc_timers_any_authenticated_packet_received(&t);
	wgc_timers_any_authenticated_packet_traversal(&t, 101 * S);
	wgc_timers_handshake_complete(&t);
	CHECK(fires_exactly(&t, 110 * S, WGC_TIMER_ACTION_SEND_KEEPALIVE));
}

static void test_need_another_keepalive(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	wgc_timers_data_received(&t, 0);
	CHECK(!t.need_another_keepalive);
	wgc_timers_data_received(&t, 3 * S);
	CHECK(t.need_another_keepalive);
	/* the pending timer is not pushed back */
	CHECK(t.send_keepalive == 10 * S);
	CHECK(fires_exactly(&t, 10 * S, WGC_TIMER_ACTION_SEND_KEEPALIVE));
	CHECK(!t.need_another_keepalive);
	CHECK(fires_exactly(&t, 20 * S, WGC_TIMER_ACTION_SEND_KEEPALIVE));
	CHECK(wgc_timers_next_deadline(&t) == 0);

	/* re-armed relative to when it fired, for a late caller too */
	wgc_timers_data_received(&t, 30 * S);
	wgc_timers_data_received(&t, 31 * S);
	CHECK(wgc_timers_expire(&t, 45 * S) == WGC_TIMER_ACTION_SEND_KEEPALIVE);
	CHECK(t.send_keepalive == 55 * S);
}

static void test_new_handshake(void)
{
	struct wgc_timers t;
	uint32_t j = 200;

	fresh(&t, &j);
	t.handshake_attempts = 5;
	wgc_timers_data_sent(&t, 1000);
	/* later data does not push it back: the first unanswered packet counts */
	wgc_timers_data_sent(&t, 9000);
	CHECK(fires_exactly(&t, 16200, WGC_TIMER_ACTION_SEND_INITIATION));
	CHECK(t.handshake_attempts == 0);
	CHECK(wgc_timers_next_deadline(&t) == 0);
}

static void test_new_handshake_cancelled_by_any_received(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	wgc_timers_data_sent(&t, 0);
	wgc_timers_any_authenticated_packet_sent(&t);
	wgc_timers_any_authenticated_packet_traversal(&t, 1000);
	wgc_timers_data_received(&t, 1000);
	CHECK(t.new_handshake == 15 * S);
	wgc_timers_any_authenticated_packet_received(&t);
	CHECK(t.new_handshake == 0);
	CHECK(!(wgc_timers_expire(&t, 100 * S) & WGC_TIMER_ACTION_SEND_INITIATION));
	/* the next data packet starts a new wait */
	wgc_timers_data_sent(&t, 200 * S);
	CHECK(fires_exactly(&t, 215 * S, WGC_TIMER_ACTION_SEND_INITIATION));
}

static void test_zero_key_material(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	wgc_timers_session_derived(&t, 0);
	CHECK(fires_exactly(&t, 540 * S, WGC_TIMER_ACTION_ZERO_KEYS));

	/* a newer session pushes it back: 540 s after the last derivation */
	wgc_timers_session_derived(&t, 1000 * S);
	wgc_timers_session_derived(&t, 1100 * S);
	CHECK(wgc_timers_expire(&t, 1540 * S) == 0);
	CHECK(fires_exactly(&t, 1640 * S, WGC_TIMER_ACTION_ZERO_KEYS));

	/* traffic does not keep keys alive: only a new session does */
	wgc_timers_session_derived(&t, 2000 * S);
	wgc_timers_any_authenticated_packet_received(&t);
	wgc_timers_any_authenticated_packet_sent(&t);
	wgc_timers_handshake_complete(&t);
	CHECK(t.zero_key_material == 2540 * S);
}

static void test_persistent_keepalive(void)
{
	struct wgc_timers t;
	uint32_t j = 0;
	uint64_t now;
	int fired = 0;

	fresh(&t, &j);
	/* no interval: traversal arms nothing */
	wgc_timers_any_authenticated_packet_traversal(&t, 0);
	CHECK(wgc_timers_next_deadline(&t) == 0);

	CHECK(wgc_timers_set_persistent_keepalive(&t, 25) == WGC_TIMER_ACTION_SEND_KEEPALIVE);
	/* the keepalive the peer layer sends in answer is a traversal */
	wgc_timers_any_authenticated_packet_sent(&t);
	wgc_timers_any_authenticated_packet_traversal(&t, 0);
	CHECK(fires_exactly(&t, 25 * S, WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE));

	/* idle: the peer layer sends each one, which re-arms it */
	now = 25 * S;
	wgc_timers_any_authenticated_packet_traversal(&t, now);
	while ((now = wgc_timers_next_deadline(&t)) && now <= 125 * S) {
		CHECK(now % (25 * S) == 0);
		CHECK(wgc_timers_expire(&t, now) == WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE);
		wgc_timers_any_authenticated_packet_traversal(&t, now);
		fired++;
	}
	CHECK(fired == 4);

	/* traffic in either direction pushes it back */
	wgc_timers_any_authenticated_packet_traversal(&t, 140 * S);
	CHECK(wgc_timers_expire(&t, 150 * S) == 0);
	CHECK(fires_exactly(&t, 165 * S, WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE));
}

static void test_persistent_keepalive_settings(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	CHECK(wgc_timers_set_persistent_keepalive(&t, 0) == 0);
	CHECK(wgc_timers_set_persistent_keepalive(&t, 10) == WGC_TIMER_ACTION_SEND_KEEPALIVE);
	/* changing a non-zero interval sends nothing, takes effect at the next traversal */
	CHECK(wgc_timers_set_persistent_keepalive(&t, 30) == 0);
	CHECK(wgc_timers_next_deadline(&t) == 0);
	wgc_timers_any_authenticated_packet_traversal(&t, 0);
	CHECK(t.persistent_keepalive == 30 * S);
	/* off cancels the pending one */
	CHECK(wgc_timers_set_persistent_keepalive(&t, 0) == 0);
	CHECK(wgc_timers_next_deadline(&t) == 0);
	CHECK(wgc_timers_expire(&t, 100 * S) == 0);
	/* largest interval wg accepts */
	CHECK(wgc_timers_set_persistent_keepalive(&t, 65535) == WGC_TIMER_ACTION_SEND_KEEPALIVE);
	wgc_timers_any_authenticated_packet_traversal(&t, 1);
	CHECK(t.persistent_keepalive == 1 + 65535ULL * S);
	/* a stopped device only records the interval */
	wgc_timers_set_persistent_keepalive(&t, 0);
	wgc_timers_stop(&t);
	CHECK(wgc_timers_set_persistent_keepalive(&t, 5) == 0);
	CHECK(t.persistent_keepalive_interval == 5);
}

static void arm_everything(struct wgc_timers *t, uint64_t now)
{
	wgc_timers_set_persistent_keepalive(t, 25);
	wgc_timers_handshake_initiated(t, now);
	wgc_timers_data_sent(t, now);
	wgc_timers_data_received(t, now);
	wgc_timers_session_derived(t, now);
	wgc_timers_any_authenticated_packet_traversal(t, now);
}

static void test_stop_cancels_all(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	arm_everything(&t, 0);
	wgc_timers_data_received(&t, 0);
	CHECK(t.retransmit_handshake && t.send_keepalive && t.new_handshake &&
	      t.zero_key_material && t.persistent_keepalive && t.need_another_keepalive);
	t.handshake_attempts = 4;
	wgc_timers_stop(&t);
	CHECK(wgc_timers_next_deadline(&t) == 0);
	CHECK(wgc_timers_expire(&t, 10000 * S) == 0);
	CHECK(!t.need_another_keepalive);
	CHECK(t.handshake_attempts == 0);

	/* a stopped peer arms nothing */
	arm_everything(&t, 20 * S);
	CHECK(wgc_timers_next_deadline(&t) == 0);
	CHECK(!t.need_another_keepalive);
	CHECK(!wgc_timers_initiation_allowed(&t, 30 * S, false));

	/* up again: the rate limit was forgotten and events arm again */
	wgc_timers_start(&t);
	CHECK(wgc_timers_initiation_allowed(&t, 21 * S, false));
	arm_everything(&t, 40 * S);
	CHECK(wgc_timers_next_deadline(&t) == 45 * S);

	/* a handshake sent just before the stop does not hold back the first one after */
	CHECK(!wgc_timers_initiation_allowed(&t, 41 * S, false));
	wgc_timers_stop(&t);
	wgc_timers_start(&t);
	CHECK(wgc_timers_initiation_allowed(&t, 41 * S, false));
}

static void test_initiation_rate_limit(void)
{
	struct wgc_timers t;
	uint32_t j = 0;

	fresh(&t, &j);
	CHECK(wgc_timers_initiation_allowed(&t, 0, false));
	wgc_timers_handshake_initiated(&t, 1000);
	CHECK(!wgc_timers_initiation_allowed(&t, 1000, false));
	CHECK(!wgc_timers_initiation_allowed(&t, 5999, false));
	CHECK(wgc_timers_initiation_allowed(&t, 6000, false));
	/* a response we sent counts too */
	wgc_timers_handshake_sent(&t, 7000);
	CHECK(!wgc_timers_initiation_allowed(&t, 11999, true));
	CHECK(wgc_timers_initiation_allowed(&t, 12000, true));

	/* a retry keeps counting attempts, anything else starts over, allowed or not */
	t.handshake_attempts = 7;
	CHECK(wgc_timers_initiation_allowed(&t, 20000, true));
	CHECK(t.handshake_attempts == 7);
	wgc_timers_handshake_initiated(&t, 20000);
	CHECK(!wgc_timers_initiation_allowed(&t, 21000, false));
	CHECK(t.handshake_attempts == 0);
}

static void test_expire_in_deadline_order(void)
{
	struct wgc_timers t;
	uint32_t j = 0;
	uint32_t a;

	/* new handshake first (attempts reset), then the retransmit counts one */
	fresh(&t, &j);
	t.handshake_attempts = 3;
	t.new_handshake = 4000;
	t.retransmit_handshake = 5000;
	a = wgc_timers_expire(&t, 10000);
	CHECK(a == (WGC_TIMER_ACTION_SEND_INITIATION | WGC_TIMER_ACTION_SEND_INITIATION_RETRY));
	CHECK(t.handshake_attempts == 1);

	/* the other way round the reset wins */
	fresh(&t, &j);
	t.handshake_attempts = 3;
	t.retransmit_handshake = 4000;
	t.new_handshake = 5000;
	wgc_timers_expire(&t, 10000);
	CHECK(t.handshake_attempts == 0);

	/* a give-up cancels a keepalive due later in the same call */
	fresh(&t, &j);
	t.handshake_attempts = WGC_MAX_TIMER_HANDSHAKES + 1;
	t.retransmit_handshake = 4000;
	t.send_keepalive = 5000;
	CHECK(wgc_timers_expire(&t, 10000) == WGC_TIMER_ACTION_GIVE_UP);
}

static void test_expire_all_at_once(void)
{
	struct wgc_timers t;
	uint32_t j = 0;
	uint32_t all = WGC_TIMER_ACTION_SEND_INITIATION_RETRY | WGC_TIMER_ACTION_SEND_KEEPALIVE |
		       WGC_TIMER_ACTION_SEND_INITIATION | WGC_TIMER_ACTION_ZERO_KEYS |
		       WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE;

	fresh(&t, &j);
	arm_everything(&t, 0);
	CHECK(wgc_timers_next_deadline(&t) == 5 * S);
	CHECK(wgc_timers_expire(&t, 1000 * S) == all);
	CHECK(wgc_timers_next_deadline(&t) == 0);
}

static void test_rekey_on_send(void)
{
	const uint64_t birth = 1000;

	CHECK(!wgc_timers_rekey_on_send(true, birth, birth, 0));
	CHECK(!wgc_timers_rekey_on_send(true, birth, birth + 120 * S - 1, 0));
	CHECK(wgc_timers_rekey_on_send(true, birth, birth + 120 * S, 0));
	/* the responder waits for the initiator to rekey by time */
	CHECK(!wgc_timers_rekey_on_send(false, birth, birth + 120 * S, 0));
	CHECK(!wgc_timers_rekey_on_send(false, birth, birth + 10000 * S, 0));
	/* by count, either side; the kernel's test is strictly greater */
	CHECK(!wgc_timers_rekey_on_send(false, birth, birth, WGC_REKEY_AFTER_MESSAGES));
	CHECK(wgc_timers_rekey_on_send(false, birth, birth, WGC_REKEY_AFTER_MESSAGES + 1));
	CHECK(wgc_timers_rekey_on_send(true, birth, birth, WGC_REKEY_AFTER_MESSAGES + 1));
	/* a clock before the birth is age zero, not a huge age */
	CHECK(!wgc_timers_rekey_on_send(true, birth, 0, 0));
}

static void test_rekey_on_receive(void)
{
	struct wgc_timers t;
	uint32_t j = 0;
	const uint64_t birth = 500;
	const uint64_t due = birth + (180 - 10 - 5) * S;

	CHECK(!wgc_timers_rekey_on_receive_due(true, birth, due - 1));
	CHECK(wgc_timers_rekey_on_receive_due(true, birth, due));
	CHECK(!wgc_timers_rekey_on_receive_due(false, birth, due));
	CHECK(!wgc_timers_rekey_on_receive_due(false, birth, due + 1000 * S));

	fresh(&t, &j);
	CHECK(!wgc_timers_rekey_on_receive(&t, true, birth, due - 1));
	CHECK(!t.sent_lastminute_handshake);
	CHECK(wgc_timers_rekey_on_receive(&t, true, birth, due));
	/* once per session */
	CHECK(!wgc_timers_rekey_on_receive(&t, true, birth, due + 1));
	CHECK(!wgc_timers_rekey_on_receive(&t, true, birth, due + 10 * S));
	wgc_timers_handshake_complete(&t);
	CHECK(wgc_timers_rekey_on_receive(&t, true, birth, due + 10 * S));
	wgc_timers_handshake_complete(&t);
	CHECK(!wgc_timers_rekey_on_receive(&t, false, birth, due + 10 * S));
}

static void test_keypair_expired(void)
{
	const uint64_t birth = 7;

	CHECK(!wgc_timers_keypair_expired(birth, birth, 0));
	CHECK(!wgc_timers_keypair_expired(birth, birth + 180 * S - 1, 0));
	CHECK(wgc_timers_keypair_expired(birth, birth + 180 * S, 0));
	CHECK(!wgc_timers_keypair_expired(birth, birth, WGC_REJECT_AFTER_MESSAGES - 1));
	CHECK(wgc_timers_keypair_expired(birth, birth, WGC_REJECT_AFTER_MESSAGES));
	CHECK(wgc_timers_keypair_expired(birth, birth, UINT64_MAX));
	CHECK(!wgc_timers_keypair_expired(birth, 0, 0));
	/* rekeying by count comes long before rejecting */
	CHECK(!wgc_timers_keypair_expired(birth, birth, WGC_REKEY_AFTER_MESSAGES + 1));
}

/*
 * Two peers, each a timer machine plus a small model of the kernel's peer
 * layer (send.c / receive.c call order), over a 50 ms link that can drop
 * one direction. Sends happen after the receive-side timer events, as the
 * kernel's asynchronous transmit path does. Keys are modelled as flags only.
 */
enum sim_msg { MSG_INIT, MSG_RESP, MSG_DATA, MSG_KEEPALIVE };
enum { SIM_LATENCY = 50, SIM_MAX_LOG = 64, SIM_MAX_NET = 64, A = 0, B = 1 };

struct sim_event {
	uint64_t at;
	uint32_t actions;
};

struct sim_peer {
	struct wgc_timers t;
	uint32_t jitter;
	bool have_key, sendable, unconfirmed, initiator;
	uint64_t birth, counter;
	int staged;
	int initiations, responses, keepalives, datas;
	struct sim_event log[SIM_MAX_LOG];
	int nlog;
};

struct sim_packet {
	uint64_t at;
	int to;
	enum sim_msg type;
};

struct sim {
	struct sim_peer p[2];
	struct sim_packet net[SIM_MAX_NET];
	int nnet;
	bool drop_from[2];
	uint64_t now;
};

static void sim_send(struct sim *s, int from, enum sim_msg type)
{
	if (s->drop_from[from])
		return;
	CHECK(s->nnet < SIM_MAX_NET);
	if (s->nnet < SIM_MAX_NET)
		s->net[s->nnet++] = (struct sim_packet){ s->now + SIM_LATENCY, !from, type };
}

static void sim_initiate(struct sim *s, int i, bool is_retry)
{
	struct sim_peer *p = &s->p[i];

	if (!wgc_timers_initiation_allowed(&p->t, s->now, is_retry))
		return;
	wgc_timers_any_authenticated_packet_traversal(&p->t, s->now);
	wgc_timers_any_authenticated_packet_sent(&p->t);
	p->initiations++;
	sim_send(s, i, MSG_INIT);
	wgc_timers_handshake_initiated(&p->t, s->now);
}

static bool sim_can_send(const struct sim *s, const struct sim_peer *p)
{
	return p->sendable && !wgc_timers_keypair_expired(p->birth, s->now, p->counter);
}

static void sim_send_staged(struct sim *s, int i)
{
	struct sim_peer *p = &s->p[i];

	if (!p->staged)
		return;
	if (!sim_can_send(s, p)) {
		sim_initiate(s, i, false);
		return;
	}
	wgc_timers_any_authenticated_packet_traversal(&p->t, s->now);
	wgc_timers_any_authenticated_packet_sent(&p->t);
	for (; p->staged; p->staged--) {
		p->counter++;
		p->datas++;
		sim_send(s, i, MSG_DATA);
	}
	wgc_timers_data_sent(&p->t, s->now);
	if (wgc_timers_rekey_on_send(p->initiator, p->birth, s->now, p->counter))
		sim_initiate(s, i, false);
}

static void sim_send_keepalive(struct sim *s, int i)
{
	struct sim_peer *p = &s->p[i];

	if (p->staged) {
		sim_send_staged(s, i);
		return;
	}
	if (!sim_can_send(s, p)) {
		sim_initiate(s, i, false);
		return;
	}
	wgc_timers_any_authenticated_packet_traversal(&p->t, s->now);
	wgc_timers_any_authenticated_packet_sent(&p->t);
	p->counter++;
	p->keepalives++;
	sim_send(s, i, MSG_KEEPALIVE);
	if (wgc_timers_rekey_on_send(p->initiator, p->birth, s->now, p->counter))
		sim_initiate(s, i, false);
}

static void sim_new_session(struct sim_peer *p, uint64_t now, bool initiator)
{
	p->have_key = true;
	p->initiator = initiator;
	p->birth = now;
	p->counter = 0;
}

static void sim_receive(struct sim *s, const struct sim_packet *pkt)
{
	int i = pkt->to;
	struct sim_peer *p = &s->p[i];

	switch (pkt->type) {
	case MSG_INIT:
		sim_new_session(p, s->now, false);
		p->unconfirmed = true;
		wgc_timers_session_derived(&p->t, s->now);
		wgc_timers_any_authenticated_packet_traversal(&p->t, s->now);
		wgc_timers_any_authenticated_packet_sent(&p->t);
		wgc_timers_handshake_sent(&p->t, s->now);
		p->responses++;
		sim_send(s, i, MSG_RESP);
		wgc_timers_any_authenticated_packet_received(&p->t);
		wgc_timers_any_authenticated_packet_traversal(&p->t, s->now);
		break;
	case MSG_RESP:
		sim_new_session(p, s->now, true);
		p->sendable = true;
		p->unconfirmed = false;
		wgc_timers_session_derived(&p->t, s->now);
		wgc_timers_handshake_complete(&p->t);
		wgc_timers_any_authenticated_packet_received(&p->t);
		wgc_timers_any_authenticated_packet_traversal(&p->t, s->now);
		sim_send_keepalive(s, i);
		break;
	case MSG_DATA:
	case MSG_KEEPALIVE:
		if (!p->have_key)
			return;
		if (p->unconfirmed) {
			p->unconfirmed = false;
			p->sendable = true;
			wgc_timers_handshake_complete(&p->t);
		}
		wgc_timers_any_authenticated_packet_received(&p->t);
		wgc_timers_any_authenticated_packet_traversal(&p->t, s->now);
		if (pkt->type == MSG_DATA)
			wgc_timers_data_received(&p->t, s->now);
		sim_send_staged(s, i);
		if (wgc_timers_rekey_on_receive(&p->t, p->initiator, p->birth, s->now))
			sim_initiate(s, i, false);
		break;
	}
}

static void sim_act(struct sim *s, int i, uint32_t actions)
{
	struct sim_peer *p = &s->p[i];

	CHECK(p->nlog < SIM_MAX_LOG);
	if (p->nlog < SIM_MAX_LOG)
		p->log[p->nlog++] = (struct sim_event){ s->now, actions };
	if (actions & WGC_TIMER_ACTION_GIVE_UP)
		p->staged = 0;
	if (actions & WGC_TIMER_ACTION_SEND_INITIATION_RETRY)
		sim_initiate(s, i, true);
	if (actions & WGC_TIMER_ACTION_SEND_INITIATION)
		sim_initiate(s, i, false);
	if (actions & (WGC_TIMER_ACTION_SEND_KEEPALIVE | WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE))
		sim_send_keepalive(s, i);
	if (actions & WGC_TIMER_ACTION_ZERO_KEYS)
		p->have_key = p->sendable = p->unconfirmed = false;
}

/* Deliver packets and fire timers in time order up to and including until. */
static void sim_run(struct sim *s, uint64_t until)
{
	for (;;) {
		uint64_t next = UINT64_MAX;

		for (int k = 0; k < s->nnet; k++)
			next = s->net[k].at < next ? s->net[k].at : next;
		for (int i = 0; i < 2; i++) {
			uint64_t d = wgc_timers_next_deadline(&s->p[i].t);
			next = d && d < next ? d : next;
		}
		if (next == UINT64_MAX || next > until)
			break;
		s->now = next;
		for (int k = 0; k < s->nnet;) {
			struct sim_packet pkt = s->net[k];

			if (pkt.at > s->now) {
				k++;
				continue;
			}
			memmove(&s->net[k], &s->net[k + 1], (size_t)(s->nnet - k - 1) * sizeof(pkt));
			s->nnet--;
			sim_receive(s, &pkt);
			k = 0;
		}
		for (int i = 0; i < 2; i++) {
			uint32_t actions = wgc_timers_expire(&s->p[i].t, s->now);

			if (actions)
				sim_act(s, i, actions);
		}
	}
	s->now = until;
}

static void sim_app_send(struct sim *s, int i, uint64_t at)
{
	if (at)
		sim_run(s, at - 1);
	s->now = at;
	s->p[i].staged++;
	sim_send_staged(s, i);
}

static int sim_log_is(const struct sim_peer *p, const struct sim_event *want, int n, const char *who)
{
	int ok = p->nlog == n;

	for (int k = 0; k < n && k < p->nlog; k++)
		ok &= p->log[k].at == want[k].at && p->log[k].actions == want[k].actions;
	if (!ok)
		for (int k = 0; k < p->nlog; k++)
			fprintf(stderr, "  %s log %d: at %llu actions 0x%x\n", who, k,
				(unsigned long long)p->log[k].at, p->log[k].actions);
	return ok;
}

static void test_simulated_peers(void)
{
	static struct sim s;
	struct sim_event want_a[SIM_MAX_LOG], want_b[SIM_MAX_LOG];
	int na = 0, nb = 0;
	const uint32_t KA = WGC_TIMER_ACTION_SEND_KEEPALIVE, PKA = WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 2; i++) {
		fresh(&s.p[i].t, &s.p[i].jitter);
	}

	/* 1: A has data and no session; handshake, data, B's passive keepalive. */
	sim_app_send(&s, A, 0);
	sim_run(&s, 19999);
	CHECK(s.p[A].initiations == 1 && s.p[B].responses == 1 && s.p[A].datas == 1);
	CHECK(s.p[A].t.new_handshake == 0);
	CHECK(s.p[A].t.zero_key_material == 100 + 540 * S);
	CHECK(s.p[B].t.zero_key_material == 50 + 540 * S);
	want_b[nb++] = (struct sim_event){ 10150, KA };

	/* 2: more data from A, answered by a keepalive 10 s later. */
	sim_app_send(&s, A, 20000);
	sim_run(&s, 39999);
	want_b[nb++] = (struct sim_event){ 30050, KA };

	/* 3: B -> A goes dark: A rehandshakes 15 s after its data, retries, gives up. */
	s.drop_from[B] = true;
	sim_app_send(&s, A, 40000);
	sim_run(&s, 199999);
	want_b[nb++] = (struct sim_event){ 50050, KA };
	want_a[na++] = (struct sim_event){ 55000, WGC_TIMER_ACTION_SEND_INITIATION };
	for (int k = 0; k < 19; k++)
		want_a[na++] = (struct sim_event){ 60000 + (uint64_t)k * 5000,
						   WGC_TIMER_ACTION_SEND_INITIATION_RETRY };
	want_a[na++] = (struct sim_event){ 155000, WGC_TIMER_ACTION_GIVE_UP };
	CHECK(s.p[A].initiations == 21);
	CHECK(s.p[B].responses == 21);
	CHECK(s.p[B].t.zero_key_material == 150050 + 540 * S);
	CHECK(s.p[A].t.zero_key_material == 100 + 540 * S);

	/* 4: link back; A's keypair is past REJECT_AFTER_TIME so data needs a handshake. */
	s.drop_from[B] = false;
	sim_app_send(&s, A, 200000);
	CHECK(s.p[A].initiations == 22);
	sim_run(&s, 299999);
	want_b[nb++] = (struct sim_event){ 210150, KA };
	CHECK(s.p[A].datas == 4);
	CHECK(s.p[A].t.zero_key_material == 200100 + 540 * S);

	/* 5: B turns on persistent keepalive 25; A, the initiator, rekeys on
	 * receive at 165 s into its session (200100 + 165000 = 365100), on the
	 * first keepalive after that. */
	s.now = 300000;
	CHECK(wgc_timers_set_persistent_keepalive(&s.p[B].t, 25) == KA);
	sim_send_keepalive(&s, B);
	sim_run(&s, 399999);
	want_b[nb++] = (struct sim_event){ 325000, PKA };
	want_b[nb++] = (struct sim_event){ 350000, PKA };
	want_b[nb++] = (struct sim_event){ 375000, PKA };
	CHECK(s.p[A].initiations == 23);
	CHECK(s.p[A].keepalives == 1);
	CHECK(s.p[A].birth == 375150);

	/* 6: A sends data exactly REKEY_AFTER_TIME into its session: rekey. */
	sim_run(&s, 495149);
	CHECK(s.p[A].initiations == 23);
	CHECK(wgc_timers_set_persistent_keepalive(&s.p[B].t, 0) == 0);
	sim_app_send(&s, A, 495150);
	CHECK(s.p[A].initiations == 24);
	want_b[nb++] = (struct sim_event){ 400200, PKA };
	want_b[nb++] = (struct sim_event){ 425200, PKA };
	want_b[nb++] = (struct sim_event){ 450200, PKA };
	want_b[nb++] = (struct sim_event){ 475200, PKA };

	/* 7: silence: both wipe keys 540 s after their last session. */
	sim_run(&s, 2000 * S);
	want_a[na++] = (struct sim_event){ 495250 + 540 * S, WGC_TIMER_ACTION_ZERO_KEYS };
	want_b[nb++] = (struct sim_event){ 495200 + 540 * S, WGC_TIMER_ACTION_ZERO_KEYS };
	CHECK(sim_log_is(&s.p[A], want_a, na, "A"));
	CHECK(sim_log_is(&s.p[B], want_b, nb, "B"));
	CHECK(s.p[A].initiations == 24 && s.p[B].responses == 24);
	CHECK(s.p[A].keepalives == 2);
	CHECK(s.p[A].datas == 5);
	CHECK(s.p[B].keepalives == 12);
	CHECK(!s.p[A].have_key && !s.p[B].have_key);
	CHECK(wgc_timers_next_deadline(&s.p[A].t) == 0);
	CHECK(wgc_timers_next_deadline(&s.p[B].t) == 0);
	CHECK(s.nnet == 0);
}

/* The deadline heap against a naive model: random lowers, removals and pops. */
static void test_timerheap_model(void)
{
	enum { N = 300 };
	static struct wgc_peer peers[N];
	uint64_t model[N]; /* 0: not filed */
	struct wgc_timerheap h = { 0 };
	uint32_t x = 12345;
	unsigned ops, bad = 0;

	memset(peers, 0, sizeof(peers));
	memset(model, 0, sizeof(model));
	for (ops = 0; ops < 200000; ops++) {
		unsigned i, op;
		x = x * 1103515245u + 12345u;
		i = (x >> 8) % N;
		op = (x >> 20) % 8;
		if (op < 5) {
			uint64_t d = 1 + (x >> 3) % 100000;
			CHECK(wgc_timerheap_lower(&h, &peers[i], d) == 0);
			if (!model[i] || d < model[i])
				model[i] = d;
		} else if (op < 6) {
			wgc_timerheap_remove(&h, &peers[i]);
			model[i] = 0;
		} else {
			uint64_t min = 0;
			struct wgc_peer *p;
			for (unsigned k = 0; k < N; k++)
				if (model[k] && (!min || model[k] < min))
					min = model[k];
			bad += wgc_timerheap_peek(&h) != min;
			p = wgc_timerheap_pop(&h);
			if (!min) {
				bad += p != NULL;
				continue;
			}
			bad += !p || model[p - peers] != min;
			if (p)
				model[p - peers] = 0;
		}
	}
	CHECK(bad == 0);
	wgc_timerheap_free(&h);
}

int main(void)
{
	RUN_TEST(test_init_nothing_armed);
	RUN_TEST(test_jitter_constant_source);
	RUN_TEST(test_jitter_prng_bounds_and_determinism);
	RUN_TEST(test_retransmit_fires_exactly);
	RUN_TEST(test_retransmit_rearmed_by_new_initiation);
	RUN_TEST(test_retransmit_cancelled_by_complete);
	RUN_TEST(test_give_up_after_max_handshakes);
	RUN_TEST(test_give_up_with_random_jitter);
	RUN_TEST(test_give_up_cancels_keepalive_keeps_zero_keys);
	RUN_TEST(test_give_up_boundary);
	RUN_TEST(test_passive_keepalive);
	RUN_TEST(test_keepalive_cancelled_by_any_sent);
	RUN_TEST(test_need_another_keepalive);
	RUN_TEST(test_new_handshake);
	RUN_TEST(test_new_handshake_cancelled_by_any_received);
	RUN_TEST(test_zero_key_material);
	RUN_TEST(test_persistent_keepalive);
	RUN_TEST(test_persistent_keepalive_settings);
	RUN_TEST(test_stop_cancels_all);
	RUN_TEST(test_initiation_rate_limit);
	RUN_TEST(test_expire_in_deadline_order);
	RUN_TEST(test_expire_all_at_once);
	RUN_TEST(test_rekey_on_send);
	RUN_TEST(test_rekey_on_receive);
	RUN_TEST(test_keypair_expired);
	RUN_TEST(test_simulated_peers);
	RUN_TEST(test_timerheap_model);
	return harness_exit_code();
}

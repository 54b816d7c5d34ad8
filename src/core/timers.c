/* SPDX-License-Identifier: MIT */
/*
 * Per-peer timers, following the kernel's drivers/net/wireguard/timers.c and
 * whitepaper section 6. Times are absolute milliseconds from the caller's
 * monotonic clock; a deadline of 0 means the timer is not armed. Jitter is
 * uniform in [0, REKEY_TIMEOUT_JITTER_MAX_MS) as in the kernel and wireguard-go.
 *
 * retransmit_handshake
 *   armed:     handshake_initiated, at now + REKEY_TIMEOUT + jitter (re-armed).
 *   cancelled: handshake_complete, stop.
 *   fires:     while handshake_attempts <= MAX_TIMER_HANDSHAKES, count one more
 *              attempt and ask for a retry initiation (SEND_INITIATION_RETRY);
 *              the peer layer clears the endpoint source, in case a stale
 *              source address is the trouble. Beyond that, give up (GIVE_UP):
 *              cancel send_keepalive, and arm zero_key_material if it is not
 *              armed so the residue of the half-done exchange is wiped.
 *              From one initiation that is 1 + 19 retries, then silence.
 *
 * send_keepalive (passive keepalive)
 *   armed:     data_received, at now + KEEPALIVE_TIMEOUT, only if not armed;
 *              if armed, need_another_keepalive is set instead.
 *   cancelled: any_authenticated_packet_sent (whatever we send already tells
 *              the peer we are alive), GIVE_UP, stop.
 *   fires:     SEND_KEEPALIVE; re-armed once if need_another_keepalive was
 *              set, since data arrived after the timer was armed.
 *
 * new_handshake
 *   armed:     data_sent, at now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter,
 *              only if not armed (the first unanswered data packet counts).
 *   cancelled: any_authenticated_packet_received, stop.
 *   fires:     SEND_INITIATION, a fresh attempt sequence (attempts = 0); the
 *              peer layer clears the endpoint source. The peer should have
 *              answered with at least a passive keepalive by now.
 *
 * zero_key_material
 *   armed:     session_derived, at now + REJECT_AFTER_TIME * 3 (re-armed);
 *              GIVE_UP, the same, only if not armed.
 *   cancelled: stop.
 *   fires:     ZERO_KEYS: no session for 540 s, so nothing left is usable.
 *
 * persistent_keepalive
 *   armed:     any_authenticated_packet_traversal, at now + interval, if an
 *              interval is set (re-armed: it measures idle time).
 *   cancelled: set_persistent_keepalive(0), stop.
 *   fires:     PERSISTENT_KEEPALIVE, to keep NAT and firewall state alive.
 *
 * The peer layer's sending of the keepalive or initiation then reports its
 * own events (traversal, sent, handshake_initiated), which re-arm timers;
 * the machine never assumes a send succeeded.
 */
#include "timers.h"

#include <string.h>

enum {
	MS = 1000,
	REKEY_TIMEOUT_MS = WGC_REKEY_TIMEOUT * MS,
	KEEPALIVE_TIMEOUT_MS = WGC_KEEPALIVE_TIMEOUT * MS,
	ZERO_KEYS_AFTER_MS = WGC_REJECT_AFTER_TIME * 3 * MS,
};

#define REKEY_AFTER_TIME_MS ((uint64_t)WGC_REKEY_AFTER_TIME * MS)
#define REJECT_AFTER_TIME_MS ((uint64_t)WGC_REJECT_AFTER_TIME * MS)
#define LASTMINUTE_REKEY_MS \
	((uint64_t)(WGC_REJECT_AFTER_TIME - WGC_KEEPALIVE_TIMEOUT - WGC_REKEY_TIMEOUT) * MS)

/* splitmix64: jitter needs spread, not secrecy. */
static uint32_t prng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint64_t jitter_ms(struct wgc_timers *t)
{
	uint32_t r = t->rand ? t->rand(t->rand_ctx) : prng_next(&t->prng_state);

	return r % WGC_REKEY_TIMEOUT_JITTER_MAX_MS;
}

/* The kernel's mod_peer_timer: a stopped peer arms nothing. */
static void arm(const struct wgc_timers *t, uint64_t *timer, uint64_t deadline)
{
	if (!t->running)
		return;
	*timer = deadline;
	if (t->armed)
		t->armed(t->armed_ctx, deadline);
}

void wgc_timers_set_arm_hook(struct wgc_timers *t, void (*fn)(void *ctx, uint64_t deadline), void *ctx)
{
	t->armed = fn;
	t->armed_ctx = ctx;
}

static uint64_t age_ms(uint64_t birth_ms, uint64_t now_ms)
{
	return now_ms > birth_ms ? now_ms - birth_ms : 0;
}

void wgc_timers_init(struct wgc_timers *t, uint64_t jitter_seed)
{
	memset(t, 0, sizeof(*t));
	t->running = true;
	t->prng_state = jitter_seed;
}

void wgc_timers_set_jitter_source(struct wgc_timers *t, wgc_timers_rand_fn fn, void *ctx)
{
	t->rand = fn;
	if (fn)
		t->rand_ctx = ctx; /* in place of the PRNG's state */
}

void wgc_timers_data_sent(struct wgc_timers *t, uint64_t now_ms)
{
	if (!t->new_handshake)
		arm(t, &t->new_handshake,
		    now_ms + KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + jitter_ms(t));
}

void wgc_timers_data_received(struct wgc_timers *t, uint64_t now_ms)
{
	/* While stopped send_keepalive is never armed, so no flag gets set. */
	if (!t->send_keepalive)
		arm(t, &t->send_keepalive, now_ms + KEEPALIVE_TIMEOUT_MS);
	else
		t->need_another_keepalive = true;
}

void wgc_timers_any_authenticated_packet_sent(struct wgc_timers *t)
{
	t->send_keepalive = 0;
}

void wgc_timers_any_authenticated_packet_received(struct wgc_timers *t)
{
	t->new_handshake = 0;
}

void wgc_timers_any_authenticated_packet_traversal(struct wgc_timers *t, uint64_t now_ms)
{
	if (t->persistent_keepalive_interval)
		arm(t, &t->persistent_keepalive,
		    now_ms + (uint64_t)t->persistent_keepalive_interval * MS);
}

void wgc_timers_handshake_initiated(struct wgc_timers *t, uint64_t now_ms)
{
	wgc_timers_handshake_sent(t, now_ms);
	arm(t, &t->retransmit_handshake, now_ms + REKEY_TIMEOUT_MS + jitter_ms(t));
}

void wgc_timers_handshake_sent(struct wgc_timers *t, uint64_t now_ms)
{
	if (!t->running)
		return;
	t->handshake_ever_sent = true;
	t->last_sent_handshake = now_ms;
}

void wgc_timers_handshake_complete(struct wgc_timers *t)
{
	t->retransmit_handshake = 0;
	t->handshake_attempts = 0;
	t->sent_lastminute_handshake = false;
}

void wgc_timers_session_derived(struct wgc_timers *t, uint64_t now_ms)
{
	arm(t, &t->zero_key_material, now_ms + ZERO_KEYS_AFTER_MS);
}

uint32_t wgc_timers_set_persistent_keepalive(struct wgc_timers *t, uint16_t interval_s)
{
	bool turned_on = !t->persistent_keepalive_interval && interval_s && t->running;

	t->persistent_keepalive_interval = interval_s;
	/* The kernel leaves a pending timer to fire as a no-op; cancelling is
	 * equivalent and keeps next_deadline honest. A changed non-zero
	 * interval takes effect at the next traversal, as in the kernel. */
	if (!interval_s)
		t->persistent_keepalive = 0;
	return turned_on ? WGC_TIMER_ACTION_SEND_KEEPALIVE : 0;
}

void wgc_timers_stop(struct wgc_timers *t)
{
	t->retransmit_handshake = 0;
	t->send_keepalive = 0;
	t->new_handshake = 0;
	t->zero_key_material = 0;
	t->persistent_keepalive = 0;
	t->running = false;
	/* Keys are cleared with the stop, so state about them goes too; the
	 * kernel likewise resets last_sent_handshake on device stop. */
	t->handshake_attempts = 0;
	t->need_another_keepalive = false;
	t->sent_lastminute_handshake = false;
	t->handshake_ever_sent = false;
}

void wgc_timers_start(struct wgc_timers *t)
{
	t->running = true;
}

void wgc_timers_forget_rate_limit(struct wgc_timers *t)
{
	t->handshake_ever_sent = false;
}

bool wgc_timers_initiation_allowed(struct wgc_timers *t, uint64_t now_ms, bool is_retry)
{
	if (!is_retry)
		t->handshake_attempts = 0;
	if (!t->running)
		return false;
	return !t->handshake_ever_sent || now_ms >= t->last_sent_handshake + REKEY_TIMEOUT_MS;
}

static uint32_t fire_retransmit(struct wgc_timers *t, uint64_t now_ms)
{
	if (t->handshake_attempts > WGC_MAX_TIMER_HANDSHAKES) {
		t->send_keepalive = 0;
		if (!t->zero_key_material)
			arm(t, &t->zero_key_material, now_ms + ZERO_KEYS_AFTER_MS);
		return WGC_TIMER_ACTION_GIVE_UP;
	}
	t->handshake_attempts++;
	return WGC_TIMER_ACTION_SEND_INITIATION_RETRY;
}

static uint32_t fire_send_keepalive(struct wgc_timers *t, uint64_t now_ms)
{
	if (t->need_another_keepalive) {
		t->need_another_keepalive = false;
		arm(t, &t->send_keepalive, now_ms + KEEPALIVE_TIMEOUT_MS);
	}
	return WGC_TIMER_ACTION_SEND_KEEPALIVE;
}

static uint32_t fire_new_handshake(struct wgc_timers *t)
{
	t->handshake_attempts = 0;
	return WGC_TIMER_ACTION_SEND_INITIATION;
}

enum timer_id { RETRANSMIT, SEND_KEEPALIVE, NEW_HANDSHAKE, ZERO_KEYS, PERSISTENT, NUM_TIMERS };

static uint64_t deadline_of(const struct wgc_timers *t, enum timer_id id)
{
	switch (id) {
	case RETRANSMIT: return t->retransmit_handshake;
	case SEND_KEEPALIVE: return t->send_keepalive;
	case NEW_HANDSHAKE: return t->new_handshake;
	case ZERO_KEYS: return t->zero_key_material;
	default: return t->persistent_keepalive;
	}
}

/* The armed timer with the earliest deadline, or NUM_TIMERS when none is. */
static enum timer_id earliest(const struct wgc_timers *t)
{
	enum timer_id best = NUM_TIMERS;

	for (enum timer_id id = 0; id < NUM_TIMERS; id++)
		if (deadline_of(t, id) && (best == NUM_TIMERS || deadline_of(t, id) < deadline_of(t, best)))
			best = id;
	return best;
}

static uint32_t fire(struct wgc_timers *t, enum timer_id id, uint64_t now_ms)
{
	switch (id) {
	case RETRANSMIT:
		t->retransmit_handshake = 0;
		return fire_retransmit(t, now_ms);
	case SEND_KEEPALIVE:
		t->send_keepalive = 0;
		return fire_send_keepalive(t, now_ms);
	case NEW_HANDSHAKE:
		t->new_handshake = 0;
		return fire_new_handshake(t);
	case ZERO_KEYS:
		t->zero_key_material = 0;
		return WGC_TIMER_ACTION_ZERO_KEYS;
	default:
		/* armed only while an interval is set: set(0) cancels it */
		t->persistent_keepalive = 0;
		return WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE;
	}
}

uint32_t wgc_timers_expire(struct wgc_timers *t, uint64_t now_ms)
{
	uint32_t actions = 0;
	enum timer_id id;

	/* Deadline order matters when a late caller finds several due: the
	 * retransmit and new-handshake timers both touch handshake_attempts.
	 * Re-arms are relative to now, so each timer fires at most once here. */
	while ((id = earliest(t)) != NUM_TIMERS && deadline_of(t, id) <= now_ms)
		actions |= fire(t, id, now_ms);
	return actions;
}

uint64_t wgc_timers_next_deadline(const struct wgc_timers *t)
{
	enum timer_id id = earliest(t);

	return id == NUM_TIMERS ? 0 : deadline_of(t, id);
}

bool wgc_timers_rekey_on_send(bool i_am_initiator, uint64_t birth_ms, uint64_t now_ms,
			      uint64_t send_counter)
{
	/* Strictly greater, as in the kernel and wireguard-go. */
	return send_counter > WGC_REKEY_AFTER_MESSAGES ||
	       (i_am_initiator && age_ms(birth_ms, now_ms) >= REKEY_AFTER_TIME_MS);
}

bool wgc_timers_rekey_on_receive_due(bool i_am_initiator, uint64_t birth_ms, uint64_t now_ms)
{
	/* Only the initiator rekeys here, so both sides do not race to. */
	return i_am_initiator && age_ms(birth_ms, now_ms) >= LASTMINUTE_REKEY_MS;
}

bool wgc_timers_rekey_on_receive(struct wgc_timers *t, bool i_am_initiator, uint64_t birth_ms,
				 uint64_t now_ms)
{
	if (t->sent_lastminute_handshake ||
	    !wgc_timers_rekey_on_receive_due(i_am_initiator, birth_ms, now_ms))
		return false;
	t->sent_lastminute_handshake = true;
	return true;
}

bool wgc_timers_keypair_expired(uint64_t birth_ms, uint64_t now_ms, uint64_t counter)
{
	return age_ms(birth_ms, now_ms) >= REJECT_AFTER_TIME_MS || counter >= WGC_REJECT_AFTER_MESSAGES;
}

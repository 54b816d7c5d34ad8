/* SPDX-License-Identifier: MIT */
/*
 * Per-peer protocol timers (whitepaper section 6) as a pure state machine.
 * Nothing here reads a clock, sleeps or sends: the peer layer reports events
 * with the current monotonic time in milliseconds, calls wgc_timers_expire()
 * when wgc_timers_next_deadline() is reached, and carries out the returned
 * actions. One struct per peer; not thread-safe, the caller serialises.
 * The list of timers and the events that arm and cancel them is at the top
 * of timers.c.
 */
#ifndef WGC_TIMERS_H
#define WGC_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"

/* Bits returned by wgc_timers_expire() and wgc_timers_set_persistent_keepalive(). */
enum wgc_timer_action {
	/* Retransmit timer: send an initiation with is_retry = true; clear the endpoint source cache. */
	WGC_TIMER_ACTION_SEND_INITIATION_RETRY = 1u << 0,
	/* Retransmit timer after MAX_TIMER_HANDSHAKES retries: purge staged packets. */
	WGC_TIMER_ACTION_GIVE_UP = 1u << 1,
	/* Passive keepalive: send an empty data message. */
	WGC_TIMER_ACTION_SEND_KEEPALIVE = 1u << 2,
	/* Sent data got no reply: send a fresh (not retry) initiation; clear the endpoint source cache. */
	WGC_TIMER_ACTION_SEND_INITIATION = 1u << 3,
	/* Wipe the handshake state and every keypair of the peer. */
	WGC_TIMER_ACTION_ZERO_KEYS = 1u << 4,
	/* Persistent keepalive interval elapsed: send an empty data message. */
	WGC_TIMER_ACTION_PERSISTENT_KEEPALIVE = 1u << 5,
};

/* Returns any 32-bit value; only the jitter of retransmits depends on it. */
typedef uint32_t (*wgc_timers_rand_fn)(void *ctx);

struct wgc_timers {
	/* Absolute deadlines in ms; 0 means not armed. */
	uint64_t retransmit_handshake;
	uint64_t send_keepalive;
	uint64_t new_handshake;
	uint64_t zero_key_material;
	uint64_t persistent_keepalive;

	unsigned int handshake_attempts;
	bool need_another_keepalive;
	bool sent_lastminute_handshake;
	/* false after wgc_timers_stop(): events arm nothing (device down or peer removed) */
	bool running;
	/* rate limit on initiations: whether and when we last sent a handshake message */
	bool handshake_ever_sent;
	uint16_t persistent_keepalive_interval; /* seconds, 0 = off */
	uint64_t last_sent_handshake;

	wgc_timers_rand_fn rand;
	union {
		void *rand_ctx;      /* with rand */
		uint64_t prng_state; /* without: one of the two is in use (8 bytes per peer saved) */
	};
	/* told of every deadline armed (the device's deadline heap); may be NULL */
	void (*armed)(void *ctx, uint64_t deadline);
	void *armed_ctx;
};

/* All timers disarmed, running; jitter from a PRNG seeded with seed. */
void wgc_timers_init(struct wgc_timers *t, uint64_t jitter_seed);
/* Replace the jitter source (e.g. wgc_random_u32 behind a wrapper); NULL restores the PRNG (its state then is whatever ctx was). */
void wgc_timers_set_jitter_source(struct wgc_timers *t, wgc_timers_rand_fn fn, void *ctx);

/* Calls fn(ctx, deadline) whenever a timer is armed, so a scheduler can wake in time. */
void wgc_timers_set_arm_hook(struct wgc_timers *t, void (*fn)(void *ctx, uint64_t deadline), void *ctx);

/* Events reported by the peer layer; the kernel's wg_timers_* of the same name. */
void wgc_timers_data_sent(struct wgc_timers *t, uint64_t now_ms);
void wgc_timers_data_received(struct wgc_timers *t, uint64_t now_ms);
void wgc_timers_any_authenticated_packet_sent(struct wgc_timers *t);
void wgc_timers_any_authenticated_packet_received(struct wgc_timers *t);
void wgc_timers_any_authenticated_packet_traversal(struct wgc_timers *t, uint64_t now_ms);
/* An initiation went out: arms the retransmit and records it for the rate limit. */
void wgc_timers_handshake_initiated(struct wgc_timers *t, uint64_t now_ms);
/* A response went out: recorded for the rate limit only. */
void wgc_timers_handshake_sent(struct wgc_timers *t, uint64_t now_ms);
void wgc_timers_handshake_complete(struct wgc_timers *t);
void wgc_timers_session_derived(struct wgc_timers *t, uint64_t now_ms);

/*
 * Set the persistent keepalive interval in seconds (0 = off). Returns
 * WGC_TIMER_ACTION_SEND_KEEPALIVE when the interval goes from off to on
 * while running: like wg, the peer layer sends one keepalive at once.
 */
uint32_t wgc_timers_set_persistent_keepalive(struct wgc_timers *t, uint16_t interval_s);

/* Cancel everything and arm nothing until wgc_timers_start(); forgets the rate limit. */
void wgc_timers_stop(struct wgc_timers *t);
void wgc_timers_start(struct wgc_timers *t);

/*
 * The peer layer wants to send an initiation. A non-retry (no keypair for
 * queued data, a rekey predicate, a SEND_INITIATION action) starts a new
 * attempt sequence. Returns false when a handshake message was already sent
 * in the last REKEY_TIMEOUT, in which case nothing must be sent now.
 */
bool wgc_timers_initiation_allowed(struct wgc_timers *t, uint64_t now_ms, bool is_retry);

/* Forget the last handshake sent, so the next initiation may go at once (new identity). */
void wgc_timers_forget_rate_limit(struct wgc_timers *t);

/* Fire every timer with deadline <= now_ms, in deadline order; returns the actions. */
uint32_t wgc_timers_expire(struct wgc_timers *t, uint64_t now_ms);
/* Earliest armed deadline, 0 when none. */
uint64_t wgc_timers_next_deadline(const struct wgc_timers *t);

/*
 * Keep-key-fresh predicates of the data path. birth_ms is when the keypair
 * was derived. send_counter is the number of nonces already used for sending.
 */
bool wgc_timers_rekey_on_send(bool i_am_initiator, uint64_t birth_ms, uint64_t now_ms,
			      uint64_t send_counter);
bool wgc_timers_rekey_on_receive_due(bool i_am_initiator, uint64_t birth_ms, uint64_t now_ms);
/* The receive predicate at most once per session (reset by handshake_complete). */
bool wgc_timers_rekey_on_receive(struct wgc_timers *t, bool i_am_initiator, uint64_t birth_ms,
				 uint64_t now_ms);
/* The keypair may no longer send or receive; counter is the nonce about to be used. */
bool wgc_timers_keypair_expired(uint64_t birth_ms, uint64_t now_ms, uint64_t counter);

#endif

// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: every kind of datagram the daemon hands the core,
 * delivered to device B of a live in-memory pair (tests/unit/memnet.c)
 * whose handshake is complete, so that hostile bytes meet real sessions,
 * real indices and a real peer rather than an empty device.
 *
 * Input: byte 0 = mode (low 3 bits) and flags, byte 1 = a parameter, the
 * rest = payload. Modes:
 *   0 raw          the payload as a datagram
 *   1 typed        the payload under a valid header of type 1 + param % 4,
 *                  cut or zero-padded to that type's length (param bit 7:
 *                  length as given), param bits 4..5 choose one of B's live
 *                  indices for the receiver field (bit 6 set)
 *   2 capture      one of the messages captured at set-up (param % 4:
 *                  initiation, response, cookie reply, data, all from A)
 *                  with the payload xored in at offset 4 * (param / 4)
 *   3 inner        A sends the payload as an inner packet (authentic data
 *                  with hostile content: the inner length and source checks)
 *   4 counter      A seals the payload under its current key with the
 *                  counter taken from the payload's first 8 bytes (the
 *                  replay window, counters near the limits)
 *   5 initiation   a fresh initiation from A, payload xored in at param
 *   6 response     a fresh response of A to B's initiation, payload xored in
 *   7 time         the clock advances by param * 2^(payload[0] % 8) ms and
 *                  both devices' timers run
 * Flags: bit 3 under load, bit 4 the sender is a stranger (another address,
 * IPv6 when bit 5 is set too), bit 6 both devices exchange whatever they
 * sent afterwards (otherwise it is dropped), bit 7 A and B swap roles for
 * the raw and typed modes (hostile bytes reach A too).
 *
 * The pair lives across inputs (a handshake per input would cost more than
 * the rest); it is rebuilt every WGC_FUZZ_RESET inputs (default 4096). To
 * reproduce a crash exactly, run with WGC_FUZZ_RESET=1. With
 * WGC_FUZZ_WRITE_SEEDS=DIR the target writes its seed corpus and exits.
 *
 * Leaks: memory the live pair holds between inputs (keypairs, staged
 * packets) looks like a leak to libFuzzer's per-input check and makes it
 * scan the heap on most inputs, a slowdown of ten times. So that check is
 * off by default (-detect_leaks=0, overridable on the command line) and
 * LeakSanitizer runs instead after each rebuild, when everything the old
 * pair held has been freed: anything unreachable then is a real leak.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/lsan_interface.h>

#include "core/crypto.h"
#include "memnet.h"

enum { CAP_INIT, CAP_RESP, CAP_COOKIE, CAP_DATA, N_CAPS };

static struct memnet net;
static struct memnet_msg caps[N_CAPS];
static bool have_net;
static unsigned long inputs, reset_every = 4096;

static void drain(struct memnet_host *h)
{
	h->n_out = 0;
}

/* Pops h's newest message of the given type into out; false if none. */
static bool take_last(struct memnet_host *h, enum wgc_message_type type, struct memnet_msg *out)
{
	size_t i;

	for (i = h->n_out; i-- > 0;)
		if (wgc_message_type(h->out[i].data, h->out[i].len) == type) {
			*out = h->out[i];
			memmove(&h->out[i], &h->out[i + 1], (h->n_out - i - 1) * sizeof(h->out[0]));
			h->n_out--;
			return true;
		}
	return false;
}

/* B initiates (if its timers allow) and A gets the initiation; true when B sent one. */
static bool b_initiates(bool a_under_load)
{
	struct memnet_msg m;

	drain(&net.b);
	wgc_peer_initiate_handshake(net.b.peer, false, net.now_ms);
	if (!take_last(&net.b, WGC_MSG_HANDSHAKE_INITIATION, &m))
		return false;
	memnet_deliver(&net, &net.b, &net.a, &m, a_under_load);
	return true;
}

static void world_build(void)
{
	uint8_t pkt[128];
	size_t len;

	if (have_net) {
		memnet_free(&net);
		if (__lsan_do_recoverable_leak_check())
			abort();
	}
	memnet_init(&net, NULL, NULL);
	have_net = true;

	/* A's first packet starts the handshake: capture the initiation, then the data */
	len = memnet_ipv4(pkt, 1, 2, 32, 0x11223344);
	wgc_peer_send_packet(net.a.peer, pkt, len, net.now_ms);
	if (!take_last(&net.a, WGC_MSG_HANDSHAKE_INITIATION, &caps[CAP_INIT]))
		abort();
	memnet_deliver(&net, &net.a, &net.b, &caps[CAP_INIT], false);
	memnet_pump(&net);
	len = memnet_ipv4(pkt, 1, 2, 48, 0x55667788);
	wgc_peer_send_packet(net.a.peer, pkt, len, net.now_ms);
	if (!take_last(&net.a, WGC_MSG_DATA, &caps[CAP_DATA]))
		abort();
	memnet_deliver(&net, &net.a, &net.b, &caps[CAP_DATA], false);
	memnet_pump(&net);

	/* B initiates (once REKEY_TIMEOUT has passed since its response): A's
	 * response; then again, with A under load: A's cookie reply */
	memnet_advance(&net, (WGC_REKEY_TIMEOUT + 1) * 1000, 1000);
	memnet_pump(&net);
	if (!b_initiates(false) || !take_last(&net.a, WGC_MSG_HANDSHAKE_RESPONSE, &caps[CAP_RESP]))
		abort();
	memnet_deliver(&net, &net.a, &net.b, &caps[CAP_RESP], false);
	memnet_pump(&net);
	memnet_advance(&net, (WGC_REKEY_TIMEOUT + 1) * 1000, 1000);
	memnet_pump(&net);
	if (!b_initiates(true) || !take_last(&net.a, WGC_MSG_HANDSHAKE_COOKIE, &caps[CAP_COOKIE]))
		abort();
	memnet_deliver(&net, &net.a, &net.b, &caps[CAP_COOKIE], false);
	drain(&net.a);
	drain(&net.b);
	if (!net.b.peer->keypairs.current || !net.a.peer->keypairs.current)
		abort();
}

static uint32_t live_index(struct wgc_peer *peer, unsigned which)
{
	struct wgc_keypair *kp = which == 0 ? peer->keypairs.current : which == 1 ? peer->keypairs.previous :
				 which == 2 ? peer->keypairs.next : NULL;

	if (kp)
		return kp->entry.index;
	return peer->handshake.pending ? peer->handshake.pending->entry.index : 0;
}

static void xor_in(uint8_t *msg, size_t len, size_t off, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && off + i < len; i++)
		msg[off + i] ^= p[i];
}

struct stranger {
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

static enum wgc_rx_verdict to_host(struct memnet_host *to, struct memnet_host *from, const uint8_t *msg, size_t len,
				   uint8_t flags)
{
	static struct stranger s;
	const struct sockaddr *src = (const struct sockaddr *)&from->addr;

	if (flags & 0x10) {
		s.v4.sin_family = AF_INET;
		s.v4.sin_port = htons(40000);
		s.v4.sin_addr.s_addr = htonl(0xc6336407); /* 198.51.100.7 */
		s.v6.sin6_family = AF_INET6;
		s.v6.sin6_port = htons(40001);
		inet_pton(AF_INET6, "2001:db8::7", &s.v6.sin6_addr);
		src = flags & 0x20 ? (const struct sockaddr *)&s.v6 : (const struct sockaddr *)&s.v4;
	}
	return wgc_device_receive(&to->dev, msg, len, src, from, flags & 0x08, net.now_ms);
}

/* Everything A has queued goes to B (what A sends in modes 3 to 6). */
static void a_to_b(uint8_t flags)
{
	static struct memnet_msg batch[MEMNET_QUEUE];
	struct memnet_msg m;
	unsigned n = 0;

	if (flags & 0x10) {
		while (memnet_pop(&net.a, &m))
			to_host(&net.b, &net.a, m.data, m.len, flags);
		return;
	}
	/* as one receive batch, through the phases wgcd's UDP readers use */
	while (n < MEMNET_QUEUE && memnet_pop(&net.a, &batch[n]))
		n++;
	memnet_deliver_batch(&net, &net.a, &net.b, batch, n, flags & 0x08, NULL);
}

static void mode_typed(uint8_t flags, uint8_t param, const uint8_t *p, size_t n)
{
	static const size_t exact[] = { 0, WGC_MSG_INITIATION_LEN, WGC_MSG_RESPONSE_LEN, WGC_MSG_COOKIE_LEN };
	struct memnet_host *to = flags & 0x80 ? &net.a : &net.b, *from = flags & 0x80 ? &net.b : &net.a;
	uint8_t msg[MEMNET_MSG_MAX] = { 0 };
	unsigned type = 1 + param % 4;
	size_t len = n < sizeof(msg) ? n : sizeof(msg);

	memcpy(msg, p, len);
	if (!(param & 0x80))
		len = type == WGC_MSG_DATA ? (len < WGC_MSG_DATA_MIN_LEN ? WGC_MSG_DATA_MIN_LEN : len) : exact[type];
	if (len < sizeof(struct wgc_msg_header))
		len = sizeof(struct wgc_msg_header);
	wgc_store_le32(msg, type);
	/* the receiver field: after the sender index in a response, first in cookie and data */
	if ((param & 0x40) && type != WGC_MSG_HANDSHAKE_INITIATION && len >= 12)
		wgc_store_le32(msg + (type == WGC_MSG_HANDSHAKE_RESPONSE ? 8 : 4), live_index(to->peer, (param >> 4) & 3));
	to_host(to, from, msg, len, flags);
}

static void mode_capture(uint8_t flags, uint8_t param, const uint8_t *p, size_t n)
{
	struct memnet_msg m = caps[param % N_CAPS];

	xor_in(m.data, m.len, 4 * (size_t)(param / 4), p, n);
	to_host(&net.b, &net.a, m.data, m.len, flags);
}

static void mode_counter(uint8_t flags, const uint8_t *p, size_t n)
{
	uint8_t buf[MEMNET_MSG_MAX];
	struct wgc_keypair *kp;
	uint64_t counter;
	size_t wire;

	if (n < 8 || n - 8 > MEMNET_MSG_MAX - WGC_DATA_OVERHEAD - WGC_MESSAGE_PADDING_MULTIPLE)
		return;
	counter = wgc_load_le64(p);
	kp = wgc_keypairs_current_for_send(&net.a.peer->keypairs, net.now_ms);
	if (!kp)
		return;
	wire = wgc_transport_encrypt(kp, counter, buf, p + 8, n - 8, 0);
	wgc_keypair_put(kp);
	if (wire)
		to_host(&net.b, &net.a, buf, wire, flags);
}

static void mode_initiation(uint8_t flags, uint8_t param, const uint8_t *p, size_t n)
{
	struct memnet_msg m;

	drain(&net.a);
	wgc_peer_initiate_handshake(net.a.peer, true, net.now_ms);
	if (!take_last(&net.a, WGC_MSG_HANDSHAKE_INITIATION, &m))
		return;
	xor_in(m.data, m.len, param, p, n);
	to_host(&net.b, &net.a, m.data, m.len, flags);
}

static void mode_response(uint8_t flags, uint8_t param, const uint8_t *p, size_t n)
{
	struct memnet_msg m;

	if (!b_initiates(false) || !take_last(&net.a, WGC_MSG_HANDSHAKE_RESPONSE, &m))
		return;
	xor_in(m.data, m.len, param, p, n);
	to_host(&net.b, &net.a, m.data, m.len, flags);
}

static void mode_time(uint8_t param, const uint8_t *p, size_t n)
{
	uint64_t ms = (uint64_t)param << (n ? p[0] % 8 : 0);

	memnet_advance(&net, ms ? ms : 1, 1000);
}

static void run_one(const uint8_t *data, size_t size)
{
	uint8_t flags, param;
	const uint8_t *p = data + 2;
	size_t n = size - 2;

	if (size < 2)
		return;
	flags = data[0];
	param = data[1];
	switch (flags & 7) {
	case 0:
		if (flags & 0x80)
			to_host(&net.a, &net.b, p, n, flags);
		else
			to_host(&net.b, &net.a, p, n, flags);
		break;
	case 1:
		mode_typed(flags, param, p, n);
		break;
	case 2:
		mode_capture(flags, param, p, n);
		break;
	case 3:
		if (n <= 65535)
			wgc_peer_send_packet(net.a.peer, p, n, net.now_ms);
		a_to_b(flags);
		break;
	case 4:
		mode_counter(flags, p, n);
		break;
	case 5:
		mode_initiation(flags, param, p, n);
		break;
	case 6:
		mode_response(flags, param, p, n);
		break;
	case 7:
		mode_time(param, p, n);
		break;
	}
	if (flags & 0x40)
		memnet_pump(&net);
	drain(&net.a);
	drain(&net.b);
}

static void write_seed(const char *dir, const char *name, uint8_t flags, uint8_t param, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(flags, f) == EOF || fputc(param, f) == EOF || (n && fwrite(p, 1, n, f) != n) || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void write_seeds(const char *dir)
{
	static const char *const names[N_CAPS] = { "initiation", "response", "cookie", "data" };
	uint8_t pkt[256], ctr[8 + 64];
	char name[64];
	size_t len;
	unsigned i;

	for (i = 0; i < N_CAPS; i++) {
		snprintf(name, sizeof(name), "raw_%s", names[i]);
		write_seed(dir, name, 0, 0, caps[i].data, caps[i].len);
		snprintf(name, sizeof(name), "replay_%s", names[i]);
		write_seed(dir, name, 2, (uint8_t)i, NULL, 0);
		snprintf(name, sizeof(name), "typed_%s", names[i]);
		write_seed(dir, name, 1, (uint8_t)(0x40 | i), caps[i].data, caps[i].len);
	}
	write_seed(dir, "flip_mac2_initiation", 0x08 | 2, CAP_INIT + 4 * 33, (const uint8_t *)"\x01", 1);
	len = memnet_ipv4(pkt, 1, 2, 40, 0xdeadbeef);
	write_seed(dir, "inner_ipv4", 3, 0, pkt, len);
	pkt[15] = 9; /* a source A may not use */
	write_seed(dir, "inner_spoofed", 3, 0, pkt, len);
	write_seed(dir, "inner_keepalive", 3, 0, NULL, 0);
	memset(ctr, 0, sizeof(ctr));
	len = memnet_ipv4(ctr + 8, 1, 2, 40, 1);
	wgc_store_le64(ctr, 1ULL << 40);
	write_seed(dir, "counter_far", 4, 0, ctr, 8 + len);
	write_seed(dir, "fresh_initiation", 5, 0, NULL, 0);
	write_seed(dir, "fresh_response_pumped", 0x40 | 6, 0, NULL, 0);
	write_seed(dir, "under_load_initiation", 0x18 | 5, 0, NULL, 0);
	write_seed(dir, "time_rekey", 0x40 | 7, 250, (const uint8_t *)"\x09", 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *env = getenv("WGC_FUZZ_RESET"), *seeds = getenv("WGC_FUZZ_WRITE_SEEDS");

	static char no_leak_flag[] = "-detect_leaks=0";
	static char *args[256];
	int i;

	/* ours first, so that a -detect_leaks given by the user wins */
	if (*argc < (int)(sizeof(args) / sizeof(args[0])) - 1) {
		args[0] = (*argv)[0];
		args[1] = no_leak_flag;
		for (i = 1; i < *argc; i++)
			args[i + 1] = (*argv)[i];
		args[*argc + 1] = NULL;
		*argc += 1;
		*argv = args;
	}
	if (!wgc_crypto_init())
		abort();
	if (env && atol(env) > 0)
		reset_every = (unsigned long)atol(env);
	world_build();
	if (seeds) {
		write_seeds(seeds);
		exit(0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (++inputs % reset_every == 0)
		world_build();
	run_one(data, size);
	return 0;
}

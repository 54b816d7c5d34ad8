/* SPDX-License-Identifier: MIT */
/*
 * Every WireGuard wire structure and protocol constant lives here, so that
 * sizes are derived from one place and never repeated as literals elsewhere.
 * Multi-byte integers on the wire are little-endian except where noted; the
 * structs are packed byte arrays and are read and written with the explicit
 * load/store helpers below, never by casting fields.
 */
#ifndef WGC_MESSAGES_H
#define WGC_MESSAGES_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "byteorder.h"

enum wgc_crypto_sizes {
	WGC_KEY_LEN = 32,           /* X25519 keys, symmetric keys */
	WGC_HASH_LEN = 32,          /* BLAKE2s-256 output */
	WGC_AEAD_TAG_LEN = 16,      /* Poly1305 tag */
	WGC_MAC_LEN = 16,           /* keyed BLAKE2s-128: mac1, mac2 */
	WGC_COOKIE_LEN = 16,
	WGC_COOKIE_NONCE_LEN = 24,  /* XChaCha20-Poly1305 nonce */
	WGC_TAI64N_LEN = 12,
};

static const char WGC_CONSTRUCTION[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char WGC_IDENTIFIER[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
static const char WGC_LABEL_MAC1[] = "mac1----";
static const char WGC_LABEL_COOKIE[] = "cookie--";

/* Protocol timing and limits, in seconds or counts (whitepaper section 6). */
#define WGC_REKEY_AFTER_MESSAGES (1ULL << 60)
#define WGC_REJECT_AFTER_MESSAGES (UINT64_MAX - (1ULL << 13))
enum wgc_limits {
	WGC_REKEY_TIMEOUT = 5,
	WGC_REKEY_TIMEOUT_JITTER_MAX_MS = 333,
	WGC_KEEPALIVE_TIMEOUT = 10,
	WGC_REKEY_AFTER_TIME = 120,
	WGC_REJECT_AFTER_TIME = 180,
	WGC_REKEY_ATTEMPT_TIME = 90,
	WGC_MAX_TIMER_HANDSHAKES = WGC_REKEY_ATTEMPT_TIME / WGC_REKEY_TIMEOUT,
	WGC_COOKIE_SECRET_MAX_AGE = 120,
	WGC_COOKIE_SECRET_LATENCY = 5,
	WGC_INITIATIONS_PER_SECOND = 50,
	WGC_MAX_PEERS = 1 << 20,
	WGC_MAX_QUEUED_PACKETS = 1024,
	/* RFC 6479 bitmap: 8192 bits in 64-bit blocks, one block kept free */
	WGC_COUNTER_BITS_TOTAL = 8192,
	WGC_COUNTER_WINDOW_SIZE = WGC_COUNTER_BITS_TOTAL - 64,
};

enum wgc_message_type {
	WGC_MSG_INVALID = 0,
	WGC_MSG_HANDSHAKE_INITIATION = 1,
	WGC_MSG_HANDSHAKE_RESPONSE = 2,
	WGC_MSG_HANDSHAKE_COOKIE = 3,
	WGC_MSG_DATA = 4,
};

/* The first four bytes of every message: type then three reserved zeros. */
struct wgc_msg_header {
	uint8_t type_le[4];
};

struct wgc_msg_macs {
	uint8_t mac1[WGC_MAC_LEN];
	uint8_t mac2[WGC_MAC_LEN];
};

#define WGC_SEALED_LEN(plain) ((plain) + WGC_AEAD_TAG_LEN)

struct wgc_msg_initiation {
	struct wgc_msg_header header;
	uint8_t sender_index[4];
	uint8_t unencrypted_ephemeral[WGC_KEY_LEN];
	uint8_t encrypted_static[WGC_SEALED_LEN(WGC_KEY_LEN)];
	uint8_t encrypted_timestamp[WGC_SEALED_LEN(WGC_TAI64N_LEN)];
	struct wgc_msg_macs macs;
};

struct wgc_msg_response {
	struct wgc_msg_header header;
	uint8_t sender_index[4];
	uint8_t receiver_index[4];
	uint8_t unencrypted_ephemeral[WGC_KEY_LEN];
	uint8_t encrypted_nothing[WGC_SEALED_LEN(0)];
	struct wgc_msg_macs macs;
};

struct wgc_msg_cookie {
	struct wgc_msg_header header;
	uint8_t receiver_index[4];
	uint8_t nonce[WGC_COOKIE_NONCE_LEN];
	uint8_t encrypted_cookie[WGC_SEALED_LEN(WGC_COOKIE_LEN)];
};

struct wgc_msg_data {
	struct wgc_msg_header header;
	uint8_t receiver_index[4];
	uint8_t counter[8];
	uint8_t encrypted_data[]; /* padded plaintext + tag */
};

enum wgc_message_sizes {
	WGC_MSG_INITIATION_LEN = sizeof(struct wgc_msg_initiation),
	WGC_MSG_RESPONSE_LEN = sizeof(struct wgc_msg_response),
	WGC_MSG_COOKIE_LEN = sizeof(struct wgc_msg_cookie),
	WGC_MSG_DATA_HEADER_LEN = sizeof(struct wgc_msg_data),
	WGC_MSG_DATA_MIN_LEN = sizeof(struct wgc_msg_data) + WGC_AEAD_TAG_LEN,
	/* the largest padded payload we decrypt (an IP packet is at most 65535 bytes) */
	WGC_MAX_INNER_PACKET = 65536,
	WGC_MESSAGE_PADDING_MULTIPLE = 16,
	/* a message_data carrying an empty payload: the keepalive */
	WGC_MSG_KEEPALIVE_LEN = WGC_MSG_DATA_MIN_LEN,
};

_Static_assert(WGC_MSG_INITIATION_LEN == 148, "initiation is 148 bytes");
_Static_assert(WGC_MSG_RESPONSE_LEN == 92, "response is 92 bytes");
_Static_assert(WGC_MSG_COOKIE_LEN == 64, "cookie reply is 64 bytes");
_Static_assert(WGC_MSG_DATA_MIN_LEN == 32, "data message is at least 32 bytes");

/* Bytes covered by mac1 and mac2: everything before the respective field. */
#define WGC_MAC1_OFFSET(msg_len) ((msg_len) - sizeof(struct wgc_msg_macs))
#define WGC_MAC2_OFFSET(msg_len) ((msg_len) - WGC_MAC_LEN)

/* Transport overhead added in front of and behind an inner IP packet. */
enum wgc_transport_overhead {
	WGC_DATA_OVERHEAD = WGC_MSG_DATA_HEADER_LEN + WGC_AEAD_TAG_LEN,
	WGC_DEFAULT_MTU = 1420,
	WGC_DEFAULT_PORT = 51820,
};

/* The message type, or WGC_MSG_INVALID when the reserved bytes are not zero. */
static inline enum wgc_message_type wgc_message_type(const uint8_t *buf, size_t len)
{
	uint32_t t;

	if (len < sizeof(struct wgc_msg_header))
		return WGC_MSG_INVALID;
	t = wgc_load_le32(buf);
	if (t < WGC_MSG_HANDSHAKE_INITIATION || t > WGC_MSG_DATA)
		return WGC_MSG_INVALID;
	return (enum wgc_message_type)t;
}

#endif

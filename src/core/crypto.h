/* SPDX-License-Identifier: MIT */
/*
 * The one door to the cryptographic libraries. Nothing outside crypto.c
 * includes an OpenSSL or libsodium header, so the backend for each primitive
 * can be swapped after measuring (see bench/RESULTS.md).
 *
 * Every function is thread-safe and may be called from several data-path
 * threads at once. In-place operation (dst == src) is allowed for the AEADs.
 */
#ifndef WGC_CRYPTO_H
#define WGC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"

/* Must be called once before anything else; false when no backend works. */
bool wgc_crypto_init(void);

/* A wipe the compiler may not elide. */
void wgc_wipe(void *p, size_t len);
/* Constant-time comparisons: timing depends on len only. */
bool wgc_equal(const void *a, const void *b, size_t len);
bool wgc_is_zero(const void *p, size_t len);

/* From the kernel's CSPRNG; aborts if it cannot be read, as nothing is safe then. */
void wgc_random_bytes(void *buf, size_t len);
uint32_t wgc_random_u32(void);
/*
 * Public random values that must never repeat (a cookie reply's 24-byte
 * XChaCha20 nonce, whitepaper 5.4.7), from OpenSSL's DRBG (RAND_bytes,
 * seeded and reseeded from the kernel; per thread, fork-safe): a system
 * call per reply was a tenth of a cookie reply's cost under a flood.
 * Aborts if it fails, like wgc_random_bytes. Any thread.
 */
void wgc_random_nonce(void *buf, size_t len);
/* Uniform in [0, bound) */
uint32_t wgc_random_below(uint32_t bound);

void wgc_x25519_clamp(uint8_t key[WGC_KEY_LEN]);
void wgc_x25519_generate(uint8_t private_key[WGC_KEY_LEN]);
/* false for a private key that yields no usable public key */
bool wgc_x25519_public(uint8_t public_key[WGC_KEY_LEN], const uint8_t private_key[WGC_KEY_LEN]);
/* false, with shared zeroed, when the result is all zeros (small-order point) */
bool wgc_x25519(uint8_t shared[WGC_KEY_LEN], const uint8_t private_key[WGC_KEY_LEN],
		const uint8_t public_key[WGC_KEY_LEN]);

void wgc_blake2s(uint8_t out[WGC_HASH_LEN], const void *in, size_t len);
/* BLAKE2s-256 of a || b, the shape of Noise's MixHash */
void wgc_blake2s_concat(uint8_t out[WGC_HASH_LEN], const void *a, size_t alen, const void *b, size_t blen);
/* Keyed BLAKE2s with a 16-byte output (mac1, mac2, cookies); keylen 1..32 */
void wgc_blake2s_mac(uint8_t out[WGC_MAC_LEN], const uint8_t *key, size_t keylen, const void *in, size_t len);
void wgc_hmac_blake2s(uint8_t out[WGC_HASH_LEN], const uint8_t *key, size_t keylen, const void *in, size_t len);
/*
 * The whitepaper's KDF_n: HKDF with HMAC-BLAKE2s over chaining_key and input.
 * Outputs t1..t3 are written when non-NULL; t2 requires t1, t3 requires t2.
 */
void wgc_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t chaining_key[WGC_HASH_LEN],
	     const void *input, size_t len);

/*
 * ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce: 32 zero bits then the
 * 64-bit counter little-endian. seal writes len + 16 bytes; open reads
 * len >= 16 bytes including the tag, writes len - 16 and returns false, with
 * nothing trustworthy in dst, when the tag does not verify.
 */
bool wgc_aead_seal(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		   uint64_t nonce, const uint8_t key[WGC_KEY_LEN]);
bool wgc_aead_open(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		   uint64_t nonce, const uint8_t key[WGC_KEY_LEN]);

/* One piece of a plaintext given in pieces (wgc_aead_seal_gather). */
struct wgc_aead_part {
	const uint8_t *p; /* may be NULL when len is 0 */
	size_t len;
};

/*
 * As wgc_aead_seal of the concatenation of parts[0..n), without building it
 * first: one AEAD over all pieces (OpenSSL: one update per piece on the
 * same context). Writes total + 16 bytes at dst, where total is the sum of
 * the lengths. Each piece either lies exactly where its ciphertext goes
 * (dst + the lengths before it: in place) or overlaps no byte of
 * dst[0..total+16). On failure dst is wiped and false returned.
 */
bool wgc_aead_seal_gather(uint8_t *dst, const struct wgc_aead_part *parts, unsigned n, const uint8_t *ad,
			  size_t adlen, uint64_t nonce, const uint8_t key[WGC_KEY_LEN]);

/* XChaCha20-Poly1305 with a 24-byte nonce (cookie replies) */
/*
 * The OpenSSL AEAD backend caches the last key per thread (to skip the key
 * setup for a burst under one key). wgc_aead_forget_key wipes every
 * thread's cached copy of `key` (any thread; waits for a thread that is
 * using it to finish its one operation). wgc_aead_forget_thread_key wipes
 * the calling thread's cached key, whatever it is.
 */
void wgc_aead_forget_key(const uint8_t key[WGC_KEY_LEN]);
void wgc_aead_forget_thread_key(void);
/* How many threads' caches hold `key` now (tests). */
unsigned wgc_aead_threads_holding(const uint8_t key[WGC_KEY_LEN]);
bool wgc_xaead_seal(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		    const uint8_t nonce[WGC_COOKIE_NONCE_LEN], const uint8_t key[WGC_KEY_LEN]);
bool wgc_xaead_open(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		    const uint8_t nonce[WGC_COOKIE_NONCE_LEN], const uint8_t key[WGC_KEY_LEN]);

/* TAI64N label of a wall-clock time (seconds and nanoseconds since the epoch) */
void wgc_tai64n(uint8_t out[WGC_TAI64N_LEN], int64_t unix_sec, uint32_t nsec);

#endif

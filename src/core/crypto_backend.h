/* SPDX-License-Identifier: MIT */
/*
 * Backend choice for the two primitives that both libraries provide, for the
 * tests (known-answer vectors with RFC nonces, differential tests) and the
 * benchmark. Protocol code uses crypto.h only and never names a backend.
 *
 * The default for each primitive is fixed at build time
 * (-DWGC_AEAD_DEFAULT=WGC_CRYPTO_SODIUM, -DWGC_X25519_DEFAULT=...) and can be
 * overridden at run time by wgc_crypto_init() reading the environment:
 * WGC_CRYPTO_AEAD and WGC_CRYPTO_X25519, each "openssl" or "sodium".
 */
#ifndef WGC_CRYPTO_BACKEND_H
#define WGC_CRYPTO_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"

enum wgc_crypto_backend { WGC_CRYPTO_OPENSSL, WGC_CRYPTO_SODIUM };
enum wgc_crypto_prim { WGC_PRIM_AEAD, WGC_PRIM_X25519 };
enum { WGC_AEAD_NONCE_LEN = 12 };

enum wgc_crypto_backend wgc_crypto_backend_get(enum wgc_crypto_prim prim);
const char *wgc_crypto_backend_name(enum wgc_crypto_backend backend);

/* As wgc_aead_seal/open, on a named backend with a full 96-bit RFC 8439 nonce. */
bool wgc_crypto_backend_seal(enum wgc_crypto_backend backend, uint8_t *dst, const uint8_t *src, size_t len,
			     const uint8_t *ad, size_t adlen, const uint8_t nonce[WGC_AEAD_NONCE_LEN],
			     const uint8_t key[WGC_KEY_LEN]);
bool wgc_crypto_backend_open(enum wgc_crypto_backend backend, uint8_t *dst, const uint8_t *src, size_t len,
			     const uint8_t *ad, size_t adlen, const uint8_t nonce[WGC_AEAD_NONCE_LEN],
			     const uint8_t key[WGC_KEY_LEN]);
/* As wgc_aead_seal_gather, on a named backend with a full 96-bit RFC 8439 nonce. */
struct wgc_aead_part;
bool wgc_crypto_backend_seal_gather(enum wgc_crypto_backend backend, uint8_t *dst, const struct wgc_aead_part *parts,
				    unsigned n, const uint8_t *ad, size_t adlen, const uint8_t nonce[WGC_AEAD_NONCE_LEN],
				    const uint8_t key[WGC_KEY_LEN]);
/* As wgc_x25519, on a named backend. */
bool wgc_crypto_backend_x25519(enum wgc_crypto_backend backend, uint8_t shared[WGC_KEY_LEN],
			       const uint8_t private_key[WGC_KEY_LEN], const uint8_t public_key[WGC_KEY_LEN]);

#endif

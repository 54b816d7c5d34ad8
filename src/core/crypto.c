// SPDX-License-Identifier: MIT
/*
 * Every primitive of the protocol, on OpenSSL 3 libcrypto and libsodium.
 *
 * BLAKE2s, keyed BLAKE2s and HMAC come from OpenSSL, XChaCha20-Poly1305 from
 * libsodium (OpenSSL has none). ChaCha20-Poly1305 and X25519 exist in both;
 * both are wired up and the faster one measured on our target (bench/RESULTS.md,
 * "Crypto backends") is the default. See crypto_backend.h for how to pick the
 * other one.
 *
 * Internal library failures (allocation, a provider that vanished) in the
 * functions that cannot report an error abort: continuing with an
 * unhashed transcript or an unset key would be worse than stopping.
 */
#include "crypto.h"
#include "crypto_backend.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sodium.h>

/*
 * Measured on the 2-core AMD EPYC target (bench/RESULTS.md): OpenSSL's
 * ChaCha20-Poly1305 (AVX2 assembly) beats libsodium's, and libsodium's
 * X25519 beats OpenSSL's, whose EVP_PKEY route allocates several objects and
 * derives the public key on every call.
 */
#ifndef WGC_AEAD_DEFAULT
#define WGC_AEAD_DEFAULT WGC_CRYPTO_OPENSSL
#endif
#ifndef WGC_X25519_DEFAULT
#define WGC_X25519_DEFAULT WGC_CRYPTO_SODIUM
#endif

static _Atomic int aead_backend = WGC_AEAD_DEFAULT;
static _Atomic int x25519_backend = WGC_X25519_DEFAULT;
/*
 * With no WGC_CRYPTO_AEAD given, packets shorter than this (plaintext bytes)
 * go to libsodium even though OpenSSL is the AEAD default: OpenSSL's
 * per-call cost (EVP parameter lookups for IV and tag, ~400 ns here) outweighs
 * its faster AVX2 bulk code below about 256 bytes (bench/crypto, "small"
 * lines: libsodium/openssl seal+open 0.66 at 0 bytes -- keepalives --, 0.85
 * at 64, 0.81 at 128, 0.98 at 256, 1.27 at 512). Both compute the same
 * RFC 8439 AEAD; WGC_CRYPTO_AEAD=openssl or =libsodium turns this off.
 */
enum { AEAD_SMALL_PACKET = 256 };
static _Atomic bool aead_hybrid = true;

/* Fetched once: an implicit fetch per call would take the method store's lock. */
static struct {
	EVP_MD *blake2s;
	EVP_MAC *blake2s_mac;
	EVP_MAC *hmac;
	EVP_CIPHER *chachapoly;
	bool ok;
} algs;
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;

/*
 * Per-thread OpenSSL AEAD state; see thread_aead(). Every state is on a
 * registry so that a key can be forgotten in all threads when its keypair
 * is wiped (wgc_aead_forget_key): `busy` is held by the owning thread
 * while it uses ctx, and by the forgetter while it re-keys ctx with zeros.
 */
struct thread_aead {
	EVP_CIPHER_CTX *ctx;
	uint8_t key[WGC_KEY_LEN]; /* the key ctx is set up with, when keyed */
	bool keyed;
	atomic_flag busy;
	struct thread_aead *next; /* registry, under registry_mu */
};
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct thread_aead *registry;
static pthread_key_t thread_aead_key;
static __thread struct thread_aead *thread_aead_state;

/*
 * Per-thread hash and MAC contexts, set up once (the HMAC digest is chosen
 * by name, and a fetch by name per call cost more than the MAC itself). A
 * MAC context is re-keyed with zeros after each use, so no key outlives
 * the call that brought it.
 */
struct thread_hash {
	EVP_MD_CTX *md;
	EVP_MAC_CTX *blake2s_mac;
	EVP_MAC_CTX *hmac;
};
static pthread_key_t thread_hash_key;
static __thread struct thread_hash *thread_hash_state;
static const uint8_t zero_key[WGC_KEY_LEN];

static void free_thread_hash(void *p)
{
	struct thread_hash *t = p;

	EVP_MD_CTX_free(t->md);
	EVP_MAC_CTX_free(t->blake2s_mac);
	EVP_MAC_CTX_free(t->hmac);
	OPENSSL_clear_free(t, sizeof(*t));
}

static void free_thread_aead(void *p)
{
	struct thread_aead *t = p, **pp;

	pthread_mutex_lock(&registry_mu);
	for (pp = &registry; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_mu);
	EVP_CIPHER_CTX_free(t->ctx);
	OPENSSL_clear_free(t, sizeof(*t));
}

static void fetch_algs(void)
{
	algs.blake2s = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	algs.blake2s_mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	algs.chachapoly = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	algs.ok = algs.blake2s && algs.blake2s_mac && algs.hmac && algs.chachapoly &&
		  EVP_MD_get_block_size(algs.blake2s) == 64 &&
		  pthread_key_create(&thread_aead_key, free_thread_aead) == 0 &&
		  pthread_key_create(&thread_hash_key, free_thread_hash) == 0;
}

static void need_algs(void)
{
	pthread_once(&algs_once, fetch_algs);
	if (!algs.ok)
		abort();
}

static bool parse_backend(const char *var, _Atomic int *slot)
{
	const char *v = getenv(var);

	if (!v || !*v)
		return true;
	if (!strcmp(v, "openssl"))
		atomic_store(slot, WGC_CRYPTO_OPENSSL);
	else if (!strcmp(v, "sodium") || !strcmp(v, "libsodium"))
		atomic_store(slot, WGC_CRYPTO_SODIUM);
	else
		return false;
	return true;
}

bool wgc_crypto_init(void)
{
	if (sodium_init() < 0)
		return false;
	pthread_once(&algs_once, fetch_algs);
	if (!algs.ok)
		return false;
	/* A typo must not silently leave a different backend in place. */
	atomic_store(&aead_backend, WGC_AEAD_DEFAULT);
	atomic_store(&x25519_backend, WGC_X25519_DEFAULT);
	atomic_store(&aead_hybrid, !getenv("WGC_CRYPTO_AEAD") || !*getenv("WGC_CRYPTO_AEAD"));
	return parse_backend("WGC_CRYPTO_AEAD", &aead_backend) &&
	       parse_backend("WGC_CRYPTO_X25519", &x25519_backend);
}

enum wgc_crypto_backend wgc_crypto_backend_get(enum wgc_crypto_prim prim)
{
	return (enum wgc_crypto_backend)atomic_load_explicit(
		prim == WGC_PRIM_AEAD ? &aead_backend : &x25519_backend, memory_order_relaxed);
}

const char *wgc_crypto_backend_name(enum wgc_crypto_backend backend)
{
	return backend == WGC_CRYPTO_OPENSSL ? "openssl" : "libsodium";
}

void wgc_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}

bool wgc_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

bool wgc_is_zero(const void *p, size_t len)
{
	return sodium_is_zero(p, len) == 1;
}

void wgc_random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
}

void wgc_random_nonce(void *buf, size_t len)
{
	if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1)
		abort();
}

uint32_t wgc_random_u32(void)
{
	uint32_t v;

	wgc_random_bytes(&v, sizeof(v));
	return v;
}

uint32_t wgc_random_below(uint32_t bound)
{
	/* Values below 2^32 mod bound would make the low residues more likely. */
	uint32_t min, r;

	if (bound < 2)
		return 0;
	min = (uint32_t)-bound % bound;
	do
		r = wgc_random_u32();
	while (r < min);
	return r % bound;
}

/* ---- X25519 ---- */

void wgc_x25519_clamp(uint8_t key[WGC_KEY_LEN])
{
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
}

void wgc_x25519_generate(uint8_t private_key[WGC_KEY_LEN])
{
	wgc_random_bytes(private_key, WGC_KEY_LEN);
	wgc_x25519_clamp(private_key);
}

static bool ossl_x25519_public(uint8_t pub[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN])
{
	EVP_PKEY *sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, WGC_KEY_LEN);
	size_t len = WGC_KEY_LEN;
	bool ok = sk && EVP_PKEY_get_raw_public_key(sk, pub, &len) == 1 && len == WGC_KEY_LEN;

	EVP_PKEY_free(sk);
	return ok;
}

static bool ossl_x25519(uint8_t shared[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN],
			const uint8_t pub[WGC_KEY_LEN])
{
	EVP_PKEY *sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, WGC_KEY_LEN);
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, WGC_KEY_LEN);
	EVP_PKEY_CTX *ctx = sk ? EVP_PKEY_CTX_new_from_pkey(NULL, sk, NULL) : NULL;
	size_t len = WGC_KEY_LEN;
	/* No peer validation: the only check that matters, an all-zero result, is ours. */
	bool ok = pk && ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) == 1 &&
		  EVP_PKEY_derive(ctx, shared, &len) == 1 && len == WGC_KEY_LEN;

	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(sk);
	return ok;
}

bool wgc_crypto_backend_x25519(enum wgc_crypto_backend backend, uint8_t shared[WGC_KEY_LEN],
			       const uint8_t private_key[WGC_KEY_LEN], const uint8_t public_key[WGC_KEY_LEN])
{
	bool ok;

	if (backend == WGC_CRYPTO_OPENSSL)
		ok = ossl_x25519(shared, private_key, public_key);
	else
		ok = crypto_scalarmult(shared, private_key, public_key) == 0;
	/* Both libraries refuse a zero result already; this keeps the contract if one ever stops. */
	if (!ok || wgc_is_zero(shared, WGC_KEY_LEN)) {
		wgc_wipe(shared, WGC_KEY_LEN);
		return false;
	}
	return true;
}

bool wgc_x25519(uint8_t shared[WGC_KEY_LEN], const uint8_t private_key[WGC_KEY_LEN],
		const uint8_t public_key[WGC_KEY_LEN])
{
	return wgc_crypto_backend_x25519(wgc_crypto_backend_get(WGC_PRIM_X25519), shared, private_key,
					 public_key);
}

bool wgc_x25519_public(uint8_t public_key[WGC_KEY_LEN], const uint8_t private_key[WGC_KEY_LEN])
{
	bool ok;

	/* The kernel refuses an all-zero private key as "no identity"; so do we. */
	if (wgc_is_zero(private_key, WGC_KEY_LEN))
		ok = false;
	else if (wgc_crypto_backend_get(WGC_PRIM_X25519) == WGC_CRYPTO_OPENSSL)
		ok = ossl_x25519_public(public_key, private_key);
	else
		ok = crypto_scalarmult_base(public_key, private_key) == 0;
	if (!ok)
		wgc_wipe(public_key, WGC_KEY_LEN);
	return ok;
}

/* ---- BLAKE2s, keyed BLAKE2s, HMAC-BLAKE2s, KDF ---- */

static struct thread_hash *thread_hash(void)
{
	struct thread_hash *t = thread_hash_state;
	size_t size = WGC_MAC_LEN;
	char digest[] = "BLAKE2S-256";
	OSSL_PARAM mac_params[] = { OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end() };
	OSSL_PARAM hmac_params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
				     OSSL_PARAM_construct_end() };

	if (t)
		return t;
	need_algs();
	t = OPENSSL_zalloc(sizeof(*t));
	if (!t)
		abort();
	t->md = EVP_MD_CTX_new();
	t->blake2s_mac = EVP_MAC_CTX_new(algs.blake2s_mac);
	t->hmac = EVP_MAC_CTX_new(algs.hmac);
	if (!t->md || !t->blake2s_mac || !t->hmac || !EVP_MAC_CTX_set_params(t->blake2s_mac, mac_params) ||
	    !EVP_MAC_CTX_set_params(t->hmac, hmac_params) || pthread_setspecific(thread_hash_key, t))
		abort();
	thread_hash_state = t;
	return t;
}

void wgc_blake2s_concat(uint8_t out[WGC_HASH_LEN], const void *a, size_t alen, const void *b, size_t blen)
{
	EVP_MD_CTX *ctx = thread_hash()->md;
	unsigned int outlen = 0;

	if (!EVP_DigestInit_ex(ctx, algs.blake2s, NULL) || !EVP_DigestUpdate(ctx, a, alen) ||
	    !EVP_DigestUpdate(ctx, b, blen) || !EVP_DigestFinal_ex(ctx, out, &outlen) || outlen != WGC_HASH_LEN)
		abort();
}

void wgc_blake2s(uint8_t out[WGC_HASH_LEN], const void *in, size_t len)
{
	wgc_blake2s_concat(out, in, len, NULL, 0);
}

void wgc_blake2s_mac(uint8_t out[WGC_MAC_LEN], const uint8_t *key, size_t keylen, const void *in, size_t len)
{
	EVP_MAC_CTX *ctx;
	size_t outlen = 0;
	bool ok;

	if (keylen < 1 || keylen > 32)
		abort();
	ctx = thread_hash()->blake2s_mac;
	ok = EVP_MAC_init(ctx, key, keylen, NULL) && EVP_MAC_update(ctx, in, len) &&
	     EVP_MAC_final(ctx, out, &outlen, WGC_MAC_LEN) && outlen == WGC_MAC_LEN;
	/* forget the key: the context outlives this call */
	ok = EVP_MAC_init(ctx, zero_key, sizeof(zero_key), NULL) && ok;
	if (!ok)
		abort();
}

/* HMAC-BLAKE2s over a || b, so the KDF needs no concatenation buffer. */
static void hmac2(uint8_t out[WGC_HASH_LEN], const uint8_t *key, size_t keylen, const void *a, size_t alen,
		  const void *b, size_t blen)
{
	static const uint8_t empty_key[1];
	EVP_MAC_CTX *ctx = thread_hash()->hmac;
	size_t outlen = 0;
	bool ok;

	/* OpenSSL treats a NULL key as "keep the old one"; an empty key is still a key. */
	ok = EVP_MAC_init(ctx, key ? key : empty_key, keylen, NULL) && EVP_MAC_update(ctx, a, alen) &&
	     EVP_MAC_update(ctx, b, blen) && EVP_MAC_final(ctx, out, &outlen, WGC_HASH_LEN) &&
	     outlen == WGC_HASH_LEN;
	ok = EVP_MAC_init(ctx, zero_key, sizeof(zero_key), NULL) && ok;
	if (!ok)
		abort();
}

void wgc_hmac_blake2s(uint8_t out[WGC_HASH_LEN], const uint8_t *key, size_t keylen, const void *in, size_t len)
{
	hmac2(out, key, keylen, in, len, NULL, 0);
}

void wgc_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t chaining_key[WGC_HASH_LEN],
	     const void *input, size_t len)
{
	/*
	 * Everything is computed into locals before any output is written, so an
	 * output may alias chaining_key or input (Noise's ck = KDF1(ck, x)).
	 */
	uint8_t tau0[WGC_HASH_LEN], tau1[WGC_HASH_LEN], tau2[WGC_HASH_LEN], tau3[WGC_HASH_LEN];
	const uint8_t one = 1, two = 2, three = 3;

	if (!t1)
		return;
	hmac2(tau0, chaining_key, WGC_HASH_LEN, input, len, NULL, 0);
	hmac2(tau1, tau0, sizeof(tau0), &one, 1, NULL, 0);
	if (t2)
		hmac2(tau2, tau0, sizeof(tau0), tau1, sizeof(tau1), &two, 1);
	if (t2 && t3)
		hmac2(tau3, tau0, sizeof(tau0), tau2, sizeof(tau2), &three, 1);
	memcpy(t1, tau1, WGC_HASH_LEN);
	if (t2)
		memcpy(t2, tau2, WGC_HASH_LEN);
	if (t2 && t3)
		memcpy(t3, tau3, WGC_HASH_LEN);
	wgc_wipe(tau0, sizeof(tau0));
	wgc_wipe(tau1, sizeof(tau1));
	wgc_wipe(tau2, sizeof(tau2));
	wgc_wipe(tau3, sizeof(tau3));
}

/* ---- ChaCha20-Poly1305 ---- */

/*
 * One cipher context per thread, set up once with the cipher and then reused:
 * passing the cipher again would make OpenSSL free and reallocate the provider
 * context on every packet. Packets in a row mostly share a key (one peer's
 * burst), so the key is only loaded when it differs from the last one and
 * otherwise just the nonce is set, which saves about 70 ns (5%) per 1420-byte
 * packet on the target. The last key stays in this thread's state (and its
 * schedule in the context) until another key replaces it, the thread exits,
 * or wgc_aead_forget_key is called for it: a keypair does so for both its
 * keys when it is wiped, and the handshake forgets its transient keys at
 * once, so no cached key outlives the secret it came from.
 */
static void busy_lock(struct thread_aead *t)
{
	while (atomic_flag_test_and_set_explicit(&t->busy, memory_order_acquire))
		;
}

static void busy_unlock(struct thread_aead *t)
{
	atomic_flag_clear_explicit(&t->busy, memory_order_release);
}

static struct thread_aead *new_thread_aead(void)
{
	struct thread_aead *t;

	need_algs();
	t = OPENSSL_zalloc(sizeof(*t));
	if (!t || !(t->ctx = EVP_CIPHER_CTX_new()) ||
	    !EVP_CipherInit_ex(t->ctx, algs.chachapoly, NULL, NULL, NULL, 1) ||
	    pthread_setspecific(thread_aead_key, t) != 0)
		abort();
	atomic_flag_clear(&t->busy);
	pthread_mutex_lock(&registry_mu);
	t->next = registry;
	registry = t;
	pthread_mutex_unlock(&registry_mu);
	thread_aead_state = t;
	return t;
}

/* Returns the thread's context keyed and with the nonce set, busy-locked (release with busy_unlock), or NULL. */
static EVP_CIPHER_CTX *thread_aead(const uint8_t key[WGC_KEY_LEN], const uint8_t nonce[WGC_AEAD_NONCE_LEN],
				   int enc)
{
	struct thread_aead *t = thread_aead_state;
	bool same_key;

	if (!t)
		t = new_thread_aead();
	busy_lock(t);
	same_key = t->keyed && CRYPTO_memcmp(t->key, key, WGC_KEY_LEN) == 0;
	if (!EVP_CipherInit_ex(t->ctx, NULL, NULL, same_key ? NULL : key, nonce, enc)) {
		t->keyed = false;
		busy_unlock(t);
		return NULL;
	}
	if (!same_key) {
		memcpy(t->key, key, WGC_KEY_LEN);
		t->keyed = true;
	}
	return t->ctx;
}

/* Replaces t's key (and the schedule in its context) by zeros. Caller holds t->busy. */
static void unkey(struct thread_aead *t)
{
	static const uint8_t zero_nonce[WGC_AEAD_NONCE_LEN];

	if (!t->keyed)
		return;
	EVP_CipherInit_ex(t->ctx, NULL, NULL, zero_key, zero_nonce, 1);
	OPENSSL_cleanse(t->key, sizeof(t->key));
	t->keyed = false;
}

void wgc_aead_forget_key(const uint8_t key[WGC_KEY_LEN])
{
	struct thread_aead *t;

	pthread_mutex_lock(&registry_mu);
	for (t = registry; t; t = t->next) {
		busy_lock(t);
		if (t->keyed && CRYPTO_memcmp(t->key, key, WGC_KEY_LEN) == 0)
			unkey(t);
		busy_unlock(t);
	}
	pthread_mutex_unlock(&registry_mu);
}

unsigned wgc_aead_threads_holding(const uint8_t key[WGC_KEY_LEN])
{
	struct thread_aead *t;
	unsigned n = 0;

	pthread_mutex_lock(&registry_mu);
	for (t = registry; t; t = t->next) {
		busy_lock(t);
		n += t->keyed && CRYPTO_memcmp(t->key, key, WGC_KEY_LEN) == 0;
		busy_unlock(t);
	}
	pthread_mutex_unlock(&registry_mu);
	return n;
}

void wgc_aead_forget_thread_key(void)
{
	struct thread_aead *t = thread_aead_state;

	if (!t)
		return;
	busy_lock(t);
	unkey(t);
	busy_unlock(t);
}

static bool ossl_seal(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		      const uint8_t nonce[WGC_AEAD_NONCE_LEN], const uint8_t key[WGC_KEY_LEN])
{
	EVP_CIPHER_CTX *ctx;
	int outl = 0, finl = 0, adl = 0;
	bool ok;

	if (len > INT_MAX || adlen > INT_MAX)
		return false;
	ctx = thread_aead(key, nonce, 1);
	if (!ctx)
		return false;
	ok = (!adlen || EVP_CipherUpdate(ctx, NULL, &adl, ad, (int)adlen)) &&
	     EVP_CipherUpdate(ctx, dst, &outl, src, (int)len) && EVP_CipherFinal_ex(ctx, dst + outl, &finl) &&
	     (size_t)outl + (size_t)finl == len && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, WGC_AEAD_TAG_LEN, dst + len);
	busy_unlock(thread_aead_state);
	return ok;
}

/*
 * OpenSSL's ChaCha20-Poly1305 is much slower when a short update comes
 * first and long ones follow: measured on the target for a 1416-byte
 * plaintext, one update 1229 ns, 40 + 1376 bytes 1430 ns, 320 + 1096
 * 1401 ns, 384 + 1032 1251 ns, 512 + 904 1245 ns. So the first update
 * gets at least this many bytes, the leading bytes of the pieces after a
 * short first one copied to where their ciphertext goes anyway (at most
 * this many bytes copied, against the whole packet without a gather).
 */
enum { GATHER_FIRST_UPDATE_MIN = 512 };

/*
 * Puts the first run of the plaintext together at dst: pieces in place are
 * taken whole, others copied only as far as GATHER_FIRST_UPDATE_MIN needs.
 * Returns its length; *next and *next_used say where the rest starts.
 */
static size_t gather_first_run(uint8_t *dst, const struct wgc_aead_part *parts, unsigned n, unsigned *next,
			       size_t *next_used)
{
	size_t off = 0;
	unsigned i;

	*next_used = 0;
	for (i = 0; i < n && off < GATHER_FIRST_UPDATE_MIN; i++) {
		size_t take = parts[i].len;

		if (take && parts[i].p != dst + off) {
			if (take > GATHER_FIRST_UPDATE_MIN - off)
				take = GATHER_FIRST_UPDATE_MIN - off;
			memcpy(dst + off, parts[i].p, take);
		}
		off += take;
		if (take < parts[i].len) {
			*next_used = take;
			break;
		}
	}
	*next = i;
	return off;
}

/*
 * The first run, then the other pieces where they lie, through the same
 * context: OpenSSL's ChaCha20-Poly1305 keeps the partial keystream block
 * and the partial Poly1305 block between updates, so pieces of any length
 * give the same bytes as one update over their concatenation (test_crypto
 * checks this for many splits).
 */
static bool ossl_seal_gather(uint8_t *dst, const struct wgc_aead_part *parts, unsigned n, const uint8_t *ad,
			     size_t adlen, const uint8_t nonce[WGC_AEAD_NONCE_LEN], const uint8_t key[WGC_KEY_LEN])
{
	EVP_CIPHER_CTX *ctx;
	int outl = 0, adl = 0;
	size_t off, used;
	unsigned i;
	bool ok;

	if (adlen > INT_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (parts[i].len > INT_MAX)
			return false;
	off = gather_first_run(dst, parts, n, &i, &used);
	if (off > INT_MAX)
		return false;
	ctx = thread_aead(key, nonce, 1);
	if (!ctx)
		return false;
	ok = (!adlen || EVP_CipherUpdate(ctx, NULL, &adl, ad, (int)adlen)) &&
	     (!off || (EVP_CipherUpdate(ctx, dst, &outl, dst, (int)off) && (size_t)outl == off));
	for (; ok && i < n; i++, used = 0) {
		size_t len = parts[i].len - used;

		if (!len)
			continue;
		ok = EVP_CipherUpdate(ctx, dst + off, &outl, parts[i].p + used, (int)len) && (size_t)outl == len;
		off += len;
	}
	ok = ok && EVP_CipherFinal_ex(ctx, dst + off, &outl) && outl == 0 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, WGC_AEAD_TAG_LEN, dst + off);
	busy_unlock(thread_aead_state);
	return ok;
}

static bool ossl_open(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		      const uint8_t nonce[WGC_AEAD_NONCE_LEN], const uint8_t key[WGC_KEY_LEN])
{
	size_t plen = len - WGC_AEAD_TAG_LEN;
	uint8_t tag[WGC_AEAD_TAG_LEN];
	EVP_CIPHER_CTX *ctx;
	int outl = 0, finl = 0, adl = 0;
	uint8_t none[1];
	bool ok;

	if (plen > INT_MAX || adlen > INT_MAX)
		return false;
	/* An empty plaintext may come with dst NULL, and NULL + 0 is undefined. */
	if (!dst)
		dst = none;
	/* Taken before decryption: in place, dst may be the same buffer. */
	memcpy(tag, src + plen, sizeof(tag));
	ctx = thread_aead(key, nonce, 0);
	if (!ctx)
		return false;
	ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sizeof(tag), tag) &&
	     (!adlen || EVP_CipherUpdate(ctx, NULL, &adl, ad, (int)adlen)) &&
	     EVP_CipherUpdate(ctx, dst, &outl, src, (int)plen) && EVP_CipherFinal_ex(ctx, dst + outl, &finl) == 1 &&
	     (size_t)outl + (size_t)finl == plen;
	busy_unlock(thread_aead_state);
	return ok;
}

bool wgc_crypto_backend_seal(enum wgc_crypto_backend backend, uint8_t *dst, const uint8_t *src, size_t len,
			     const uint8_t *ad, size_t adlen, const uint8_t nonce[WGC_AEAD_NONCE_LEN],
			     const uint8_t key[WGC_KEY_LEN])
{
	bool ok;

	if (backend == WGC_CRYPTO_OPENSSL)
		ok = ossl_seal(dst, src, len, ad, adlen, nonce, key);
	else
		ok = crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen, NULL, nonce, key) == 0;
	if (!ok)
		wgc_wipe(dst, len + WGC_AEAD_TAG_LEN);
	return ok;
}

/* The plaintext put together at dst (pieces already in place stay), for one in-place seal. */
static size_t gather_in_place(uint8_t *dst, const struct wgc_aead_part *parts, unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		if (parts[i].len && parts[i].p != dst + off)
			memcpy(dst + off, parts[i].p, parts[i].len);
		off += parts[i].len;
	}
	return off;
}

bool wgc_crypto_backend_seal_gather(enum wgc_crypto_backend backend, uint8_t *dst, const struct wgc_aead_part *parts,
				    unsigned n, const uint8_t *ad, size_t adlen, const uint8_t nonce[WGC_AEAD_NONCE_LEN],
				    const uint8_t key[WGC_KEY_LEN])
{
	size_t total = 0;
	bool ok;

	for (unsigned i = 0; i < n; i++)
		total += parts[i].len;
	if (backend == WGC_CRYPTO_OPENSSL) {
		ok = ossl_seal_gather(dst, parts, n, ad, adlen, nonce, key);
	} else {
		/* libsodium takes one buffer; it serves only short packets (data_backend), so a copy is cheap */
		gather_in_place(dst, parts, n);
		ok = crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, dst, total, ad, adlen, NULL, nonce, key) == 0;
	}
	if (!ok)
		wgc_wipe(dst, total + WGC_AEAD_TAG_LEN);
	return ok;
}

bool wgc_crypto_backend_open(enum wgc_crypto_backend backend, uint8_t *dst, const uint8_t *src, size_t len,
			     const uint8_t *ad, size_t adlen, const uint8_t nonce[WGC_AEAD_NONCE_LEN],
			     const uint8_t key[WGC_KEY_LEN])
{
	bool ok;

	if (len < WGC_AEAD_TAG_LEN)
		return false;
	if (backend == WGC_CRYPTO_OPENSSL)
		ok = ossl_open(dst, src, len, ad, adlen, nonce, key);
	else
		ok = crypto_aead_chacha20poly1305_ietf_decrypt(dst, NULL, NULL, src, len, ad, adlen, nonce, key) == 0;
	/* OpenSSL has already written unauthenticated plaintext: never leave it. */
	if (!ok)
		wgc_wipe(dst, len - WGC_AEAD_TAG_LEN);
	return ok;
}

/* The backend for a packet of plen plaintext bytes (see AEAD_SMALL_PACKET). */
static enum wgc_crypto_backend data_backend(size_t plen)
{
	enum wgc_crypto_backend b = wgc_crypto_backend_get(WGC_PRIM_AEAD);

	if (b == WGC_CRYPTO_OPENSSL && plen < AEAD_SMALL_PACKET &&
	    atomic_load_explicit(&aead_hybrid, memory_order_relaxed))
		return WGC_CRYPTO_SODIUM;
	return b;
}

static void wg_nonce(uint8_t out[WGC_AEAD_NONCE_LEN], uint64_t counter)
{
	memset(out, 0, 4);
	wgc_store_le64(out + 4, counter);
}

bool wgc_aead_seal(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		   uint64_t nonce, const uint8_t key[WGC_KEY_LEN])
{
	uint8_t n[WGC_AEAD_NONCE_LEN];

	wg_nonce(n, nonce);
	return wgc_crypto_backend_seal(data_backend(len), dst, src, len, ad, adlen, n, key);
}

bool wgc_aead_seal_gather(uint8_t *dst, const struct wgc_aead_part *parts, unsigned n, const uint8_t *ad,
			  size_t adlen, uint64_t nonce, const uint8_t key[WGC_KEY_LEN])
{
	uint8_t nn[WGC_AEAD_NONCE_LEN];
	size_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += parts[i].len;
	wg_nonce(nn, nonce);
	return wgc_crypto_backend_seal_gather(data_backend(total), dst, parts, n, ad, adlen, nn, key);
}

bool wgc_aead_open(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		   uint64_t nonce, const uint8_t key[WGC_KEY_LEN])
{
	uint8_t n[WGC_AEAD_NONCE_LEN];

	wg_nonce(n, nonce);
	return wgc_crypto_backend_open(data_backend(len < WGC_AEAD_TAG_LEN ? 0 : len - WGC_AEAD_TAG_LEN), dst, src,
				       len, ad, adlen, n, key);
}

/* ---- XChaCha20-Poly1305 (libsodium only) ---- */

bool wgc_xaead_seal(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		    const uint8_t nonce[WGC_COOKIE_NONCE_LEN], const uint8_t key[WGC_KEY_LEN])
{
	return crypto_aead_xchacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen, NULL, nonce, key) == 0;
}

bool wgc_xaead_open(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		    const uint8_t nonce[WGC_COOKIE_NONCE_LEN], const uint8_t key[WGC_KEY_LEN])
{
	if (len < WGC_AEAD_TAG_LEN)
		return false;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(dst, NULL, NULL, src, len, ad, adlen, nonce, key) != 0) {
		wgc_wipe(dst, len - WGC_AEAD_TAG_LEN);
		return false;
	}
	return true;
}

/* ---- TAI64N ---- */

/*
 * TAI64 labels are 2^62 + TAI seconds; like the Linux kernel and wireguard-go
 * (both add 0x400000000000000a) we take TAI = UTC + 10 s, the offset at 1970,
 * ignoring later leap seconds: peers only compare our labels with each other.
 * nsec is encoded exactly as given; hiding the clock's precision (the kernel
 * rounds down to 2^24 ns) is the caller's choice.
 */
void wgc_tai64n(uint8_t out[WGC_TAI64N_LEN], int64_t unix_sec, uint32_t nsec)
{
	wgc_store_be64(out, 0x400000000000000aULL + (uint64_t)unix_sec);
	wgc_store_be32(out + 8, nsec);
}

// SPDX-License-Identifier: MIT
/*
 * Measures the two primitives that have two backends, to pick the default
 * (see src/core/crypto.c and bench/RESULTS.md): ChaCha20-Poly1305 seal and
 * open of 1420-byte packets (WireGuard's default MTU payload) and X25519
 * shared-secret computation, on OpenSSL and on libsodium, plus the public
 * data-path entry point wgc_aead_seal/open on whichever backend is default.
 *
 * usage: crypto_bench [seconds per run, default 0.3] [runs, default 5]
 * Time is this thread's CPU time, as `openssl speed` divides by CPU time too:
 * on a shared 2-core machine wall-clock time mostly measures the neighbours.
 * Each figure is still the best of the runs, as cache and frequency effects
 * of other processes only ever make a run slower.
 * Output: one "key=value" line per measurement (bench/crypto parses them),
 * then a verdict line per primitive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/crypto_backend.h"

enum { PACKET = 1420, BATCH = 256 };

static double seconds_per_run = 0.3;
static size_t plen = PACKET; /* the packet size being measured (<= PACKET) */
static int runs = 5;
static volatile unsigned sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct aead_ctx {
	enum wgc_crypto_backend backend;
	bool public_api; /* through wgc_aead_seal/open rather than a named backend */
	uint8_t key[WGC_KEY_LEN];
	uint8_t nonce[WGC_AEAD_NONCE_LEN];
	uint8_t plain[PACKET];
	uint8_t sealed[PACKET + WGC_AEAD_TAG_LEN];
	uint8_t out[PACKET + WGC_AEAD_TAG_LEN];
};

static bool seal_once(struct aead_ctx *c, uint64_t counter)
{
	if (c->public_api)
		return wgc_aead_seal(c->out, c->plain, plen, NULL, 0, counter, c->key);
	wgc_store_le64(c->nonce + 4, counter);
	return wgc_crypto_backend_seal(c->backend, c->out, c->plain, plen, NULL, 0, c->nonce, c->key);
}

static bool open_once(struct aead_ctx *c)
{
	/* The same packet each time, as a receiver would verify distinct ones: same work. */
	if (c->public_api)
		return wgc_aead_open(c->out, c->sealed, plen + WGC_AEAD_TAG_LEN, NULL, 0, 0, c->key);
	memset(c->nonce + 4, 0, 8);
	return wgc_crypto_backend_open(c->backend, c->out, c->sealed, plen + WGC_AEAD_TAG_LEN, NULL, 0, c->nonce,
				       c->key);
}

/* Returns ns per operation; runs whole batches until the time is up. */
static double run_aead_once(struct aead_ctx *c, bool open)
{
	uint64_t ops = 0;
	unsigned fails = 0;
	double start = now(), end;

	do {
		for (int i = 0; i < BATCH; i++, ops++)
			fails += !(open ? open_once(c) : seal_once(c, ops));
		end = now();
	} while (end - start < seconds_per_run);
	if (fails) {
		fprintf(stderr, "crypto_bench: %u AEAD operations failed\n", fails);
		exit(1);
	}
	sink += c->out[0];
	return (end - start) * 1e9 / (double)ops;
}

static double run_aead(struct aead_ctx *c, bool open)
{
	double best = run_aead_once(c, open);

	for (int i = 1; i < runs; i++) {
		double ns = run_aead_once(c, open);
		best = ns < best ? ns : best;
	}
	return best;
}

static void report_aead(const char *op, const char *backend, double ns)
{
	printf("aead op=%s backend=%s bytes=%zu ns_per_packet=%.1f mb_per_s=%.1f runs=%d\n", op, backend, plen, ns,
	       (double)plen * 1e3 / ns, runs);
}

static double bench_aead(enum wgc_crypto_backend backend, bool public_api, const char *label)
{
	struct aead_ctx *c = calloc(1, sizeof(*c));
	double seal_ns, open_ns;

	if (!c)
		abort();
	c->backend = backend;
	c->public_api = public_api;
	wgc_random_bytes(c->key, sizeof(c->key));
	wgc_random_bytes(c->plain, sizeof(c->plain));
	if (!wgc_crypto_backend_seal(backend, c->sealed, c->plain, plen, NULL, 0, c->nonce, c->key))
		abort();
	seal_ns = run_aead(c, false);
	open_ns = run_aead(c, true);
	report_aead("seal", label, seal_ns);
	report_aead("open", label, open_ns);
	free(c);
	return seal_ns + open_ns;
}

static double x25519_once(enum wgc_crypto_backend backend)
{
	uint8_t priv[WGC_KEY_LEN], peer[WGC_KEY_LEN], pub[WGC_KEY_LEN], shared[WGC_KEY_LEN];
	uint64_t ops = 0;
	unsigned fails = 0;
	double start, end;

	wgc_x25519_generate(priv);
	wgc_x25519_generate(peer);
	if (!wgc_crypto_backend_x25519(backend, pub, peer, (const uint8_t[WGC_KEY_LEN]){ 9 }))
		abort();
	start = now();
	do {
		for (int i = 0; i < 64; i++, ops++) {
			fails += !wgc_crypto_backend_x25519(backend, shared, priv, pub);
			/* chain the output into the next input so nothing can be hoisted */
			priv[0] ^= shared[0] & 0xf8;
		}
		end = now();
	} while (end - start < seconds_per_run);
	if (fails) {
		fprintf(stderr, "crypto_bench: %u X25519 operations failed\n", fails);
		exit(1);
	}
	return (double)ops / (end - start);
}

static double bench_x25519(enum wgc_crypto_backend backend)
{
	double per_s = 0;

	for (int i = 0; i < runs; i++) {
		double r = x25519_once(backend);
		per_s = r > per_s ? r : per_s;
	}
	printf("x25519 backend=%s ops_per_s=%.0f us_per_op=%.2f\n", wgc_crypto_backend_name(backend), per_s,
	       1e6 / per_s);
	return per_s;
}

int main(int argc, char **argv)
{
	double aead_ossl, aead_sodium, x_ossl, x_sodium;
	enum wgc_crypto_backend def;

	if (argc > 1)
		seconds_per_run = atof(argv[1]);
	if (argc > 2)
		runs = atoi(argv[2]);
	if (seconds_per_run <= 0 || runs < 1 || !wgc_crypto_init()) {
		fprintf(stderr, "usage: crypto_bench [seconds per run] [runs]\n");
		return 2;
	}
	aead_ossl = bench_aead(WGC_CRYPTO_OPENSSL, false, "openssl");
	aead_sodium = bench_aead(WGC_CRYPTO_SODIUM, false, "libsodium");
	def = wgc_crypto_backend_get(WGC_PRIM_AEAD);
	bench_aead(def, true, "datapath");
	x_ossl = bench_x25519(WGC_CRYPTO_OPENSSL);
	x_sodium = bench_x25519(WGC_CRYPTO_SODIUM);

	printf("faster aead=%s by=%.2fx (seal+open per packet) default=%s\n",
	       aead_ossl < aead_sodium ? "openssl" : "libsodium",
	       aead_ossl < aead_sodium ? aead_sodium / aead_ossl : aead_ossl / aead_sodium,
	       wgc_crypto_backend_name(def));
	/* small packets (ACKs, keepalives, DNS, VoIP): where per-call setup dominates */
	for (unsigned i = 0; i < 5; i++) {
		static const size_t sizes[] = { 0, 64, 128, 256, 512 };
		double o, so;

		plen = sizes[i];
		o = bench_aead(WGC_CRYPTO_OPENSSL, false, "openssl");
		so = bench_aead(WGC_CRYPTO_SODIUM, false, "libsodium");
		printf("small bytes=%zu seal+open openssl_ns=%.1f libsodium_ns=%.1f libsodium/openssl=%.2f\n", plen, o,
		       so, so / o);
	}
	plen = PACKET;
	printf("faster x25519=%s by=%.2fx default=%s\n", x_ossl > x_sodium ? "openssl" : "libsodium",
	       x_ossl > x_sodium ? x_ossl / x_sodium : x_sodium / x_ossl,
	       wgc_crypto_backend_name(wgc_crypto_backend_get(WGC_PRIM_X25519)));
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Known-answer vectors for every primitive, tamper tests for both AEADs,
 * small-order rejection for X25519, and differential tests that the OpenSSL
 * and libsodium backends agree on random inputs.
 *
 * Sources: RFC 8439 2.8.2; draft-irtf-cfrg-xchacha-03 A.3.1; RFC 7748 5.2
 * and 6.1; BLAKE2s of "" and "abc" (RFC 7693 appendix B, BLAKE2 reference).
 * Values marked "python" were computed independently with hashlib.blake2s,
 * hmac and the cryptography package (which carries its own OpenSSL build).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/crypto.h"
#include "core/crypto_backend.h"
#include "core/secmem.h"
#include "harness.h"

static const enum wgc_crypto_backend backends[] = { WGC_CRYPTO_OPENSSL, WGC_CRYPTO_SODIUM };
#define FOR_EACH_BACKEND(b) for (size_t bi_ = 0; bi_ < 2 && ((b = backends[bi_]), 1); bi_++)

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one "
				"tip for the future, sunscreen would be it.";
#define SUNSCREEN_LEN (sizeof(sunscreen) - 1)
static const char rfc_ad_hex[] = "50515253c0c1c2c3c4c5c6c7";
static const char rfc_key_hex[] = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";

static uint8_t *unhex_alloc(const char *hex, size_t *len)
{
	size_t cap = strlen(hex) / 2 + 1;
	uint8_t *p = malloc(cap);

	if (!p)
		abort();
	*len = harness_unhex(p, cap, hex);
	return p;
}

/*
 * Seal gives exactly `expect`; open restores plain; flipping any single bit
 * of any byte of ciphertext, tag or AD makes open fail and zero its output.
 */
typedef bool (*seal_fn)(void *arg, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen);
typedef bool (*open_fn)(void *arg, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen);

static void check_aead(seal_fn seal, open_fn open, void *arg, const uint8_t *plain, size_t len, const uint8_t *ad,
		       size_t adlen, const char *expect_hex)
{
	size_t elen;
	uint8_t *expect = unhex_alloc(expect_hex, &elen);
	uint8_t *sealed = malloc(len + 16), *out = malloc(len + 16), *adc = malloc(adlen + 1);

	CHECK(elen == len + 16);
	CHECK(seal(arg, sealed, plain, len, ad, adlen));
	CHECK_MEM(sealed, expect, len + 16);
	CHECK(open(arg, out, sealed, len + 16, ad, adlen));
	CHECK_MEM(out, plain, len);

	int accepted = 0, leaked = 0;
	for (size_t i = 0; i < len + 16; i++) {
		sealed[i] ^= 0x01;
		memset(out, 0xaa, len + 16);
		accepted += open(arg, out, sealed, len + 16, ad, adlen);
		leaked += len && !wgc_is_zero(out, len);
		sealed[i] ^= 0x01;
	}
	if (adlen)
		memcpy(adc, ad, adlen);
	for (size_t i = 0; i < adlen; i++) {
		adc[i] ^= 0x80;
		accepted += open(arg, out, sealed, len + 16, adc, adlen);
		adc[i] ^= 0x80;
	}
	CHECK(accepted == 0);
	CHECK(leaked == 0);
	/* Truncated: too short to hold a tag, and one byte short. */
	CHECK(!open(arg, out, sealed, 15, ad, adlen));
	CHECK(!open(arg, out, sealed, len + 15, ad, adlen));
	/* In place */
	if (len)
		memcpy(out, plain, len);
	CHECK(seal(arg, out, out, len, ad, adlen));
	CHECK_MEM(out, expect, len + 16);
	CHECK(open(arg, out, out, len + 16, ad, adlen));
	CHECK_MEM(out, plain, len);
	free(expect);
	free(sealed);
	free(out);
	free(adc);
}

struct rfc_arg {
	enum wgc_crypto_backend backend;
	uint8_t nonce[12];
	uint8_t key[32];
};

static bool rfc_seal(void *a, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen)
{
	struct rfc_arg *r = a;
	return wgc_crypto_backend_seal(r->backend, dst, src, len, ad, adlen, r->nonce, r->key);
}

static bool rfc_open(void *a, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen)
{
	struct rfc_arg *r = a;
	return wgc_crypto_backend_open(r->backend, dst, src, len, ad, adlen, r->nonce, r->key);
}

static void test_rfc8439_aead(void)
{
	static const char expect[] =
		"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
		"1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		"3ff4def08e4b7a9de576d26586cec64b6116"
		"1ae10b594f09e26a7e902ecbd0600691";
	struct rfc_arg arg;
	uint8_t ad[12];

	harness_unhex(arg.nonce, sizeof(arg.nonce), "070000004041424344454647");
	harness_unhex(arg.key, sizeof(arg.key), rfc_key_hex);
	harness_unhex(ad, sizeof(ad), rfc_ad_hex);
	FOR_EACH_BACKEND(arg.backend)
		check_aead(rfc_seal, rfc_open, &arg, (const uint8_t *)sunscreen, SUNSCREEN_LEN, ad, sizeof(ad),
			   expect);
}

struct wg_arg {
	uint64_t counter;
	uint8_t key[32];
};

static bool wg_seal(void *a, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen)
{
	struct wg_arg *w = a;
	return wgc_aead_seal(dst, src, len, ad, adlen, w->counter, w->key);
}

static bool wg_open(void *a, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen)
{
	struct wg_arg *w = a;
	return wgc_aead_open(dst, src, len, ad, adlen, w->counter, w->key);
}

/* The public API with WireGuard's nonce (zero constant, little-endian counter); python. */
static void test_aead_wireguard_nonce(void)
{
	static const char expect[] =
		"a479cb54628946d6f4042a8e384ef4bd2fbc7330b8be55eb2d8dc18aaa51d66a8ec1f8d3619a258db0ac56956015b7b4"
		"937e9b8e6aa957b3dc0214d803d77660aabc913092971da8f207171ce7843608162e2e759d8efc25d8d0936990af63c8"
		"20ba87e8a955b5c8274ef7d10f6fafd046472dbf189b668bd430aef9147e99cb6c89";
	struct wg_arg arg = { .counter = 0x4746454443424140ULL };
	uint8_t ad[12], sealed[16], out[16];

	harness_unhex(arg.key, sizeof(arg.key), rfc_key_hex);
	harness_unhex(ad, sizeof(ad), rfc_ad_hex);
	check_aead(wg_seal, wg_open, &arg, (const uint8_t *)sunscreen, SUNSCREEN_LEN, ad, sizeof(ad), expect);
	/* A keepalive: empty plaintext, no AD, counter 1. */
	arg.counter = 1;
	check_aead(wg_seal, wg_open, &arg, (const uint8_t *)"", 0, NULL, 0, "2c8bcc023498fb4795f009bc2b0bd49a");
	/* The counter is part of the nonce: a replayed packet under another counter fails. */
	CHECK(wgc_aead_seal(sealed, NULL, 0, NULL, 0, 1, arg.key));
	CHECK(!wgc_aead_open(out, sealed, sizeof(sealed), NULL, 0, 2, arg.key));
	CHECK(!wgc_aead_open(out, sealed, sizeof(sealed), NULL, 0, 1ULL << 32, arg.key));
	CHECK(wgc_aead_open(out, sealed, sizeof(sealed), NULL, 0, 1, arg.key));
}

struct x_arg {
	uint8_t nonce[24];
	uint8_t key[32];
};

static bool x_seal(void *a, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen)
{
	struct x_arg *x = a;
	return wgc_xaead_seal(dst, src, len, ad, adlen, x->nonce, x->key);
}

static bool x_open(void *a, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen)
{
	struct x_arg *x = a;
	return wgc_xaead_open(dst, src, len, ad, adlen, x->nonce, x->key);
}

static void test_xchacha_draft_a31(void)
{
	static const char expect[] =
		"bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39"
		"ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
		"21f9664c97637da9768812f615c68b13b52e"
		"c0875924c1c7987947deafd8780acf49";
	struct x_arg arg;
	uint8_t ad[12];

	harness_unhex(arg.nonce, sizeof(arg.nonce), "404142434445464748494a4b4c4d4e4f5051525354555657");
	harness_unhex(arg.key, sizeof(arg.key), rfc_key_hex);
	harness_unhex(ad, sizeof(ad), rfc_ad_hex);
	check_aead(x_seal, x_open, &arg, (const uint8_t *)sunscreen, SUNSCREEN_LEN, ad, sizeof(ad), expect);
	/* Any change of the 24-byte nonce is a different key stream and tag. */
	uint8_t sealed[SUNSCREEN_LEN + 16], out[SUNSCREEN_LEN];
	int accepted = 0;
	CHECK(wgc_xaead_seal(sealed, (const uint8_t *)sunscreen, SUNSCREEN_LEN, ad, sizeof(ad), arg.nonce, arg.key));
	for (size_t i = 0; i < sizeof(arg.nonce); i++) {
		arg.nonce[i] ^= 1;
		accepted += wgc_xaead_open(out, sealed, sizeof(sealed), ad, sizeof(ad), arg.nonce, arg.key);
		arg.nonce[i] ^= 1;
	}
	CHECK(accepted == 0);
}

static void check_x25519(const char *scalar_hex, const char *u_hex, const char *expect_hex)
{
	uint8_t k[32], u[32], expect[32], out[32];
	enum wgc_crypto_backend b;

	harness_unhex(k, sizeof(k), scalar_hex);
	harness_unhex(u, sizeof(u), u_hex);
	harness_unhex(expect, sizeof(expect), expect_hex);
	FOR_EACH_BACKEND(b) {
		memset(out, 0, sizeof(out));
		CHECK(wgc_crypto_backend_x25519(b, out, k, u));
		CHECK_MEM(out, expect, 32);
	}
	CHECK(wgc_x25519(out, k, u));
	CHECK_MEM(out, expect, 32);
}

static void test_x25519_rfc7748(void)
{
	/* 5.2: unclamped scalars; the second u has its top bit set, which must be ignored. */
	check_x25519("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	check_x25519("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

static void test_x25519_rfc7748_dh(void)
{
	static const char alice_priv[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char alice_pub[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
	static const char bob_priv[] = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
	static const char bob_pub[] = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
	static const char shared[] = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
	uint8_t priv[32], expect[32], pub[32];

	check_x25519(alice_priv, bob_pub, shared);
	check_x25519(bob_priv, alice_pub, shared);
	/* Public key derivation on both backends, via the run-time switch. */
	for (int i = 0; i < 2; i++) {
		setenv("WGC_CRYPTO_X25519", i ? "sodium" : "openssl", 1);
		CHECK(wgc_crypto_init());
		CHECK(wgc_crypto_backend_get(WGC_PRIM_X25519) == backends[i]);
		harness_unhex(priv, sizeof(priv), alice_priv);
		harness_unhex(expect, sizeof(expect), alice_pub);
		CHECK(wgc_x25519_public(pub, priv));
		CHECK_MEM(pub, expect, 32);
		harness_unhex(priv, sizeof(priv), bob_priv);
		harness_unhex(expect, sizeof(expect), bob_pub);
		CHECK(wgc_x25519_public(pub, priv));
		CHECK_MEM(pub, expect, 32);
		/* Clamping is internal: the clamped key gives the same public key. */
		wgc_x25519_clamp(priv);
		CHECK(wgc_x25519_public(pub, priv));
		CHECK_MEM(pub, expect, 32);
		/* An all-zero private key is "no identity", as in the kernel. */
		memset(priv, 0, sizeof(priv));
		memset(pub, 0xaa, sizeof(pub));
		CHECK(!wgc_x25519_public(pub, priv));
		CHECK(wgc_is_zero(pub, sizeof(pub)));
	}
	unsetenv("WGC_CRYPTO_X25519");
	CHECK(wgc_crypto_init());
}

/*
 * Points of order 1, 2, 4 and 8 and their other encodings: u + p, and the top
 * bit set (RFC 7748 masks it, so those are the same points).
 */
static const char *const small_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"0100000000000000000000000000000000000000000000000000000000000080",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

static void test_x25519_small_order(void)
{
	uint8_t priv[32], pub[32], out[32];
	enum wgc_crypto_backend b;
	int accepted = 0, dirty = 0;

	for (int round = 0; round < 4; round++) {
		wgc_x25519_generate(priv);
		for (size_t i = 0; i < sizeof(small_order) / sizeof(small_order[0]); i++) {
			harness_unhex(pub, sizeof(pub), small_order[i]);
			FOR_EACH_BACKEND(b) {
				memset(out, 0xaa, sizeof(out));
				accepted += wgc_crypto_backend_x25519(b, out, priv, pub);
				dirty += !wgc_is_zero(out, sizeof(out));
			}
			memset(out, 0xaa, sizeof(out));
			accepted += wgc_x25519(out, priv, pub);
			dirty += !wgc_is_zero(out, sizeof(out));
		}
	}
	CHECK(accepted == 0);
	CHECK(dirty == 0);
}

static void test_x25519_generate(void)
{
	uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32];

	wgc_x25519_generate(a);
	wgc_x25519_generate(b);
	CHECK((a[0] & 7) == 0 && (a[31] & 0xc0) == 0x40);
	CHECK(!wgc_equal(a, b, 32));
	CHECK(wgc_x25519_public(pa, a));
	CHECK(wgc_x25519_public(pb, b));
	CHECK(wgc_x25519(s1, a, pb));
	CHECK(wgc_x25519(s2, b, pa));
	CHECK_MEM(s1, s2, 32);
}

static void test_blake2s(void)
{
	uint8_t out[32], expect[32], in[255];

	wgc_blake2s(out, "", 0);
	harness_unhex(expect, 32, "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
	CHECK_MEM(out, expect, 32);
	wgc_blake2s(out, "abc", 3);
	harness_unhex(expect, 32, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
	CHECK_MEM(out, expect, 32);
	/* concat is the hash of the concatenation, wherever the split falls */
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	wgc_blake2s(expect, in, sizeof(in));
	for (size_t split = 0; split <= sizeof(in); split += 17) {
		wgc_blake2s_concat(out, in, split, in + split, sizeof(in) - split);
		CHECK_MEM(out, expect, 32);
	}
}

static void test_blake2s_mac(void)
{
	/* Keyed with 00..1f over 00..n-1, as the reference KAT, at the 16-byte output WireGuard uses; python. */
	static const struct {
		size_t n;
		const char *mac;
	} kat[] = {
		{ 0, "9536f9b267655743dee97b8a670f9f53" },  { 1, "13bacfb85b48a1223c595f8c1e7e82cb" },
		{ 2, "d47a9b1645e2feae501cd5fe44ce6333" },  { 63, "ece382a8bd5018f1de5da44b72cea75b" },
		{ 64, "f1efa90d2547036841ecd3627fafbc36" }, { 65, "811ff8686d23a435ecbd0bdafcd27b1b" },
		{ 255, "cd075928ab7e6883e697fe7fd3ac43ee" },
	};
	uint8_t key[32], in[255], out[16], expect[16];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		harness_unhex(expect, sizeof(expect), kat[i].mac);
		wgc_blake2s_mac(out, key, 32, in, kat[i].n);
		CHECK_MEM(out, expect, 16);
	}
	/* Shorter keys (the whole key length range is 1..32); python */
	wgc_blake2s_mac(out, key, 1, "", 0);
	harness_unhex(expect, 16, "01d7f4cea32638032b156c74aec7e87a");
	CHECK_MEM(out, expect, 16);
	wgc_blake2s_mac(out, key, 16, "abc", 3);
	harness_unhex(expect, 16, "75296c2d2c0f51210b383f386bc8b1ff");
	CHECK_MEM(out, expect, 16);
	wgc_blake2s_mac(out, key, 32, in, 100);
	harness_unhex(expect, 16, "0b67d33f8b859c3157fbabd9e6e47ed0");
	CHECK_MEM(out, expect, 16);
}

static void test_hmac_kdf(void)
{
	uint8_t key[100], in[200], out[32], expect[32], ck[32], t1[32], t2[32], t3[32], e1[32], e2[32], e3[32];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	/* python: hmac.new(key, msg, hashlib.blake2s) */
	wgc_hmac_blake2s(out, key, 32, "abc", 3);
	harness_unhex(expect, 32, "82623be5bc0a391b24dce53e67d028eff92d586de0485ac37822e597d049c74f");
	CHECK_MEM(out, expect, 32);
	/* A key longer than the 64-byte block is hashed first. */
	wgc_hmac_blake2s(out, key, 100, in, 200);
	harness_unhex(expect, 32, "c4c95271905c6f69c1dd7c6fbc0cb3735457a660ccc2c4370f28825e7abef5af");
	CHECK_MEM(out, expect, 32);

	/* KDF from ck = HASH(construction) over 00..1f; python from the whitepaper's formula */
	wgc_blake2s(ck, WGC_CONSTRUCTION, strlen(WGC_CONSTRUCTION));
	harness_unhex(expect, 32, "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36");
	CHECK_MEM(ck, expect, 32);
	harness_unhex(e1, 32, "6ff66e10ab4a55ac8144a867fcd9f8ee64d4bd6239223338cb3437cf085ab031");
	harness_unhex(e2, 32, "203b22d63d63e35cebb9e40210cf8c1d7f90879428a4c766cda9ef34bb299398");
	harness_unhex(e3, 32, "35a7b2fc3e4f59db341dbe588e3b75897980c463d5bbb855f8ed8134ff40133a");
	wgc_kdf(t1, t2, t3, ck, in, 32);
	CHECK_MEM(t1, e1, 32);
	CHECK_MEM(t2, e2, 32);
	CHECK_MEM(t3, e3, 32);
	/* KDF1 and KDF2 are prefixes of KDF3, and unrequested outputs stay untouched. */
	memset(t2, 0x55, 32);
	wgc_kdf(t1, NULL, t3, ck, in, 32);
	CHECK_MEM(t1, e1, 32);
	wgc_kdf(t1, t2, NULL, ck, in, 32);
	CHECK_MEM(t2, e2, 32);
	/* Outputs may alias the chaining key, as in ck = KDF1(ck, x). */
	memcpy(t1, ck, 32);
	wgc_kdf(t1, t2, NULL, t1, in, 32);
	CHECK_MEM(t1, e1, 32);
	CHECK_MEM(t2, e2, 32);
	/* Empty input (Noise's final split); python */
	wgc_kdf(t1, t2, NULL, ck, NULL, 0);
	harness_unhex(e1, 32, "bd968725a9177942a8c2e4253d1dde31cf7b19ec001b4a3a3d141cd9d998d3ba");
	harness_unhex(e2, 32, "aab5462b323780fa615bf80ffe469510239ff361575a663968e686a7ae41d693");
	CHECK_MEM(t1, e1, 32);
	CHECK_MEM(t2, e2, 32);
}

static void test_tai64n(void)
{
	uint8_t a[12], b[12], expect[12];

	wgc_tai64n(a, 0, 0);
	harness_unhex(expect, 12, "400000000000000a00000000");
	CHECK_MEM(a, expect, 12);
	wgc_tai64n(a, 1700000000, 123456789);
	harness_unhex(expect, 12, "400000006553f10a075bcd15");
	CHECK_MEM(a, expect, 12);
	/* Byte order is time order, which is how a responder compares them. */
	wgc_tai64n(b, 1700000000, 123456790);
	CHECK(memcmp(a, b, 12) < 0);
	wgc_tai64n(b, 1700000001, 0);
	CHECK(memcmp(a, b, 12) < 0);
	wgc_tai64n(b, -1, 999999999);
	harness_unhex(expect, 12, "40000000000000093b9ac9ff");
	CHECK_MEM(b, expect, 12);
}

static void test_compare_wipe(void)
{
	uint8_t a[32], b[32];

	memset(a, 7, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(wgc_equal(a, b, 32));
	b[31] ^= 0x80;
	CHECK(!wgc_equal(a, b, 32));
	CHECK(wgc_equal(a, b, 31));
	CHECK(!wgc_is_zero(a, 32));
	wgc_wipe(a, sizeof(a));
	CHECK(wgc_is_zero(a, 32));
	a[0] = 1;
	CHECK(!wgc_is_zero(a, 32));
	CHECK(wgc_is_zero(a + 1, 31));
}

static void test_random(void)
{
	uint8_t a[32], b[32];
	unsigned seen = 0;

	wgc_random_bytes(a, sizeof(a));
	wgc_random_bytes(b, sizeof(b));
	CHECK(!wgc_equal(a, b, 32));
	CHECK(!wgc_is_zero(a, 32));
	/* cookie reply nonces: 24 bytes, never the same twice, in this thread or another process */
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	wgc_random_nonce(a, 24);
	wgc_random_nonce(b, 24);
	CHECK(!wgc_equal(a, b, 24) && !wgc_is_zero(a, 24) && !wgc_is_zero(b, 24));
	CHECK(wgc_is_zero(a + 24, 8) && wgc_is_zero(b + 24, 8));
	CHECK(wgc_random_below(0) == 0 && wgc_random_below(1) == 0);
	for (int i = 0; i < 2000; i++) {
		uint32_t r = wgc_random_below(5);
		CHECK(r < 5);
		seen |= 1u << r;
	}
	CHECK(seen == 0x1f);
	for (int i = 0; i < 2000; i++)
		CHECK(wgc_random_below(0x80000001u) < 0x80000001u);
}

/* Both backends must produce the same bytes and open each other's packets. */
static void test_differential_aead(void)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 63, 64, 65, 255, 1420, 4096 };
	uint8_t key[32], nonce[12], ad[64], plain[4096], s1[4096 + 16], s2[4096 + 16], out[4096];
	int mismatch = 0, failed = 0;

	for (int round = 0; round < 40; round++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t len = lens[i], adlen = wgc_random_below(sizeof(ad) + 1);

			wgc_random_bytes(key, sizeof(key));
			wgc_random_bytes(nonce, sizeof(nonce));
			wgc_random_bytes(ad, adlen);
			wgc_random_bytes(plain, len);
			failed += !wgc_crypto_backend_seal(WGC_CRYPTO_OPENSSL, s1, plain, len, ad, adlen, nonce, key);
			failed += !wgc_crypto_backend_seal(WGC_CRYPTO_SODIUM, s2, plain, len, ad, adlen, nonce, key);
			mismatch += memcmp(s1, s2, len + 16) != 0;
			failed += !wgc_crypto_backend_open(WGC_CRYPTO_SODIUM, out, s1, len + 16, ad, adlen, nonce, key);
			mismatch += memcmp(out, plain, len) != 0;
			failed += !wgc_crypto_backend_open(WGC_CRYPTO_OPENSSL, out, s2, len + 16, ad, adlen, nonce, key);
			mismatch += memcmp(out, plain, len) != 0;
			/* and both reject the same forgery */
			s1[wgc_random_below((uint32_t)len + 16)] ^= (uint8_t)(1 + wgc_random_below(255));
			failed += wgc_crypto_backend_open(WGC_CRYPTO_OPENSSL, out, s1, len + 16, ad, adlen, nonce, key);
			failed += wgc_crypto_backend_open(WGC_CRYPTO_SODIUM, out, s1, len + 16, ad, adlen, nonce, key);
		}
	}
	CHECK(mismatch == 0);
	CHECK(failed == 0);
}

static void test_differential_x25519(void)
{
	uint8_t priv[32], pub[32], s1[32], s2[32];
	int mismatch = 0, refused = 0;

	/* Raw random u-coordinates: top bit set, values >= p and twist points included. */
	for (int i = 0; i < 300; i++) {
		wgc_random_bytes(priv, sizeof(priv));
		wgc_random_bytes(pub, sizeof(pub));
		if (i % 10 == 0) {
			/* u >= p after masking the top bit: non-canonical, u mod p in 2..18 (0 and 1 are small order) */
			pub[0] = (uint8_t)(0xef + wgc_random_below(17));
			memset(pub + 1, 0xff, 31);
		}
		bool a = wgc_crypto_backend_x25519(WGC_CRYPTO_OPENSSL, s1, priv, pub);
		bool b = wgc_crypto_backend_x25519(WGC_CRYPTO_SODIUM, s2, priv, pub);
		mismatch += a != b || memcmp(s1, s2, 32) != 0;
		refused += !a;
	}
	CHECK(mismatch == 0);
	CHECK(refused == 0);
}

static void test_backend_selection(void)
{
	setenv("WGC_CRYPTO_AEAD", "sodium", 1);
	CHECK(wgc_crypto_init());
	CHECK(wgc_crypto_backend_get(WGC_PRIM_AEAD) == WGC_CRYPTO_SODIUM);
	setenv("WGC_CRYPTO_AEAD", "openssl", 1);
	CHECK(wgc_crypto_init());
	CHECK(wgc_crypto_backend_get(WGC_PRIM_AEAD) == WGC_CRYPTO_OPENSSL);
	setenv("WGC_CRYPTO_X25519", "openssl", 1);
	CHECK(wgc_crypto_init());
	CHECK(wgc_crypto_backend_get(WGC_PRIM_X25519) == WGC_CRYPTO_OPENSSL);
	setenv("WGC_CRYPTO_AEAD", "rot13", 1);
	CHECK(!wgc_crypto_init());
	unsetenv("WGC_CRYPTO_AEAD");
	unsetenv("WGC_CRYPTO_X25519");
	CHECK(wgc_crypto_init());
	CHECK(strcmp(wgc_crypto_backend_name(WGC_CRYPTO_OPENSSL), "openssl") == 0);
	CHECK(strcmp(wgc_crypto_backend_name(WGC_CRYPTO_SODIUM), "libsodium") == 0);
}

/*
 * One gather seal of plain[0..len) cut at a and b (a <= b <= len) into
 * three pieces, against the one-shot seal of the whole: in place for the
 * first piece (it is copied to dst first) or with every piece out of place,
 * and the pieces that are not in place must be left as they were.
 */
static int gather_mismatches(enum wgc_crypto_backend be, const uint8_t *plain, size_t len, size_t a, size_t b,
			     bool in_place, const uint8_t key[32], const uint8_t nonce[12], const uint8_t *ad,
			     size_t adlen)
{
	static uint8_t ref[4200 + 16], dst[4200 + 16], src[4200], out[4200];
	struct wgc_aead_part parts[3];
	int bad = 0;

	memcpy(src, plain, len);
	if (in_place)
		memcpy(dst, plain, a);
	parts[0] = (struct wgc_aead_part){ in_place ? dst : src, a };
	parts[1] = (struct wgc_aead_part){ b > a ? src + a : NULL, b - a };
	parts[2] = (struct wgc_aead_part){ src + b, len - b };
	bad += !wgc_crypto_backend_seal(be, ref, plain, len, ad, adlen, nonce, key);
	bad += !wgc_crypto_backend_seal_gather(be, dst, parts, 3, ad, adlen, nonce, key);
	bad += memcmp(ref, dst, len + 16) != 0;
	/* the tail pieces are read only */
	bad += memcmp(src + a, plain + a, len - a) != 0;
	/* and what was sealed opens to the original on the other backend too */
	bad += !wgc_crypto_backend_open(be == WGC_CRYPTO_OPENSSL ? WGC_CRYPTO_SODIUM : WGC_CRYPTO_OPENSSL, out, dst,
					len + 16, ad, adlen, nonce, key);
	bad += memcmp(out, plain, len) != 0;
	return bad;
}

/* The gather seal equals the seal of the concatenation for every kind of split, on both backends. */
static void test_aead_seal_gather(void)
{
	static const size_t lens[] = { 0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
				       255, 256, 257, 1419, 1420, 1421, 1436, 1440, 4096, 4111 };
	static uint8_t plain[4200];
	uint8_t key[32], nonce[12], ad[32];
	enum wgc_crypto_backend be;
	int bad = 0, cases = 0;

	wgc_random_bytes(key, sizeof(key));
	wgc_random_bytes(nonce, sizeof(nonce));
	wgc_random_bytes(ad, sizeof(ad));
	wgc_random_bytes(plain, sizeof(plain));
	FOR_EACH_BACKEND(be)
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];
		/* heads of 0, 1, odd, block-edge, all but one and all bytes; padding-like last pieces of 0..15 */
		size_t heads[] = { 0, 1, 7, 40, 52, 63, 64, 65, len / 2, len ? len - 1 : 0, len,
				   wgc_random_below((uint32_t)len + 1) };
		for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
			size_t a = heads[h] > len ? len : heads[h];
			size_t pad = wgc_random_below(16), b = len - a >= pad ? len - pad : a;

			for (int in_place = 0; in_place < 2; in_place++) {
				bad += gather_mismatches(be, plain, len, a, b, in_place, key, nonce,
							 ad, (size_t)(h % 3 ? 0 : sizeof(ad)));
				cases++;
			}
		}
	}
	CHECK(cases > 1000);
	CHECK(bad == 0);
}

/* With the WireGuard nonce and the size-based backend choice, as the data path calls it. */
static void test_aead_seal_gather_wireguard(void)
{
	static uint8_t plain[1500], ref[1500 + 16], dst[1500 + 16];
	static const uint8_t zeros[16];
	uint8_t key[32];
	int bad = 0;

	wgc_random_bytes(key, sizeof(key));
	wgc_random_bytes(plain, sizeof(plain));
	for (size_t len = 0; len <= 1420; len += 1 + len / 8) {
		size_t head = len < 52 ? len / 2 : 52, padded = (len + 15) & ~(size_t)15;
		struct wgc_aead_part parts[3] = { { plain, head }, { plain + head, len - head },
						  { zeros, padded - len } };
		uint64_t counter = 0x0102030405060708ULL + len;
		uint8_t padded_plain[1440] = { 0 };

		memcpy(padded_plain, plain, len);
		bad += !wgc_aead_seal(ref, padded_plain, padded, NULL, 0, counter, key);
		bad += !wgc_aead_seal_gather(dst, parts, 3, NULL, 0, counter, key);
		bad += memcmp(ref, dst, padded + 16) != 0;
		bad += !wgc_aead_open(dst, dst, padded + 16, NULL, 0, counter, key);
		bad += memcmp(dst, padded_plain, padded) != 0;
	}
	CHECK(bad == 0);
}

/* The OpenSSL backend keeps one cipher context per thread; several threads at once must not mix keys. */
struct thread_job {
	enum wgc_crypto_backend backend;
	int failures;
};

static void *aead_worker(void *p)
{
	struct thread_job *job = p;
	uint8_t key[32], nonce[12] = { 0 }, plain[1420], sealed[1436], out[1420];

	wgc_random_bytes(key, sizeof(key));
	for (uint32_t i = 0; i < 3000; i++) {
		wgc_store_le32(nonce + 4, i);
		memset(plain, (int)i, sizeof(plain));
		job->failures += !wgc_crypto_backend_seal(job->backend, sealed, plain, sizeof(plain), NULL, 0, nonce, key);
		job->failures += !wgc_crypto_backend_open(job->backend, out, sealed, sizeof(sealed), NULL, 0, nonce, key);
		job->failures += memcmp(out, plain, sizeof(plain)) != 0;
	}
	return NULL;
}

static void test_threads(void)
{
	enum { N = 4 };
	pthread_t t[N];
	struct thread_job jobs[N];

	for (int i = 0; i < N; i++) {
		jobs[i] = (struct thread_job){ .backend = backends[i % 2] };
		CHECK(pthread_create(&t[i], NULL, aead_worker, &jobs[i]) == 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		CHECK(jobs[i].failures == 0);
	}
}

static uint8_t forget_key_k[WGC_KEY_LEN];

static void *seal_with_k(void *arg)
{
	uint8_t buf[64 + WGC_AEAD_TAG_LEN] = { 0 };
	bool *ok = arg;

	*ok = wgc_crypto_backend_seal(WGC_CRYPTO_OPENSSL, buf, buf, 64, NULL, 0, (const uint8_t[12]){ 0 }, forget_key_k);
	return NULL;
}

/* A cached cipher key must not outlive its keypair: forgetting it reaches every thread's cache. */
static void test_aead_forget_key(void)
{
	pthread_t th[2];
	bool ok[2] = { false, false };
	uint8_t other[WGC_KEY_LEN];

	wgc_random_bytes(forget_key_k, sizeof(forget_key_k));
	wgc_random_bytes(other, sizeof(other));
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&th[i], NULL, seal_with_k, &ok[i]) == 0);
	/* the threads' states stay registered until they are joined and exit... */
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(ok[0] && ok[1]);
	/* ...and exited threads are gone; so seal here too and check this thread's cache */
	seal_with_k(&ok[0]);
	CHECK(ok[0] && wgc_aead_threads_holding(forget_key_k) == 1);
	wgc_aead_forget_key(other);
	CHECK(wgc_aead_threads_holding(forget_key_k) == 1);
	wgc_aead_forget_key(forget_key_k);
	CHECK(wgc_aead_threads_holding(forget_key_k) == 0);
	/* and the context still works afterwards, under the same key */
	seal_with_k(&ok[0]);
	CHECK(ok[0]);
	wgc_aead_forget_thread_key();
	CHECK(wgc_aead_threads_holding(forget_key_k) == 0);
}

/* Secret memory comes zeroed, is wiped when freed, and (outside ASan builds) sits in DONTDUMP chunks. */
static void test_secmem(void)
{
	struct wgc_secmem_stats st;
	uint8_t *a = wgc_secret_alloc(1000), *b;
	bool zero = true;

	CHECK(a != NULL);
	if (!a)
		return;
	memset(a, 0xa5, 1000);
	wgc_secret_free(a, 1000);
	b = wgc_secret_alloc(1000);
	CHECK(b != NULL);
	for (int i = 0; b && i < 1000; i++)
		zero &= b[i] == 0;
	CHECK(zero);
	wgc_secret_free(b, 1000);
	CHECK(wgc_secret_alloc(20000) == NULL);
	wgc_secmem_stats(&st);
	CHECK(st.bytes_locked <= st.bytes_mapped);
}

int main(void)
{
	if (!wgc_crypto_init()) {
		printf("not ok - wgc_crypto_init\n");
		return 1;
	}
	RUN_TEST(test_rfc8439_aead);
	RUN_TEST(test_aead_forget_key);
	RUN_TEST(test_secmem);
	RUN_TEST(test_aead_wireguard_nonce);
	RUN_TEST(test_xchacha_draft_a31);
	RUN_TEST(test_x25519_rfc7748);
	RUN_TEST(test_x25519_rfc7748_dh);
	RUN_TEST(test_x25519_small_order);
	RUN_TEST(test_x25519_generate);
	RUN_TEST(test_blake2s);
	RUN_TEST(test_blake2s_mac);
	RUN_TEST(test_hmac_kdf);
	RUN_TEST(test_tai64n);
	RUN_TEST(test_compare_wipe);
	RUN_TEST(test_random);
	RUN_TEST(test_differential_aead);
	RUN_TEST(test_aead_seal_gather);
	RUN_TEST(test_aead_seal_gather_wireguard);
	RUN_TEST(test_differential_x25519);
	RUN_TEST(test_backend_selection);
	RUN_TEST(test_threads);
	return harness_exit_code();
}

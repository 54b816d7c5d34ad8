// SPDX-License-Identifier: MIT
/*
 * Key text forms: known encodings (python's base64/binascii), round trips on
 * random keys, and every way wg would refuse a string. Every character value
 * 0..255 is tried at every kind of position.
 */
#include <stdint.h>

#include "core/crypto.h"
#include "core/encoding.h"
#include "harness.h"

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void test_base64_known(void)
{
	static const struct {
		const char *hex, *b64;
	} v[] = {
		{ "0000000000000000000000000000000000000000000000000000000000000000",
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
		{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" },
		{ "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		  "//////////////////////////////////////////8=" },
		{ "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
		  "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=" },
	};
	uint8_t key[32], got[32];
	char b64[WGC_KEY_B64_LEN];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		harness_unhex(key, sizeof(key), v[i].hex);
		memset(b64, 'x', sizeof(b64));
		wgc_key_to_base64(b64, key);
		CHECK(strcmp(b64, v[i].b64) == 0);
		CHECK(wgc_key_from_base64(got, v[i].b64));
		CHECK_MEM(got, key, 32);
	}
}

/* Every 6-bit value maps to its alphabet character, so the branch-free mapping has no off-by-one. */
static void test_base64_alphabet(void)
{
	uint8_t key[32] = { 0 }, got[32];
	char b64[WGC_KEY_B64_LEN];

	for (unsigned v = 0; v < 64; v++) {
		key[0] = (uint8_t)(v << 2);
		wgc_key_to_base64(b64, key);
		CHECK(b64[0] == b64_alphabet[v]);
		CHECK(wgc_key_from_base64(got, b64));
		CHECK_MEM(got, key, 32);
	}
}

static void test_base64_roundtrip(void)
{
	uint8_t key[32], got[32];
	char b64[WGC_KEY_B64_LEN];
	int bad = 0;

	for (int i = 0; i < 2000; i++) {
		wgc_random_bytes(key, sizeof(key));
		wgc_key_to_base64(b64, key);
		bad += strlen(b64) != 44 || b64[43] != '=';
		bad += !wgc_key_from_base64(got, b64) || memcmp(got, key, 32) != 0;
	}
	CHECK(bad == 0);
}

static void test_base64_reject(void)
{
	static const char good[] = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
	uint8_t key[32];
	char s[64];
	int wrong = 0;

	CHECK(wgc_key_from_base64(key, good));
	/* wrong lengths */
	CHECK(!wgc_key_from_base64(key, ""));
	CHECK(!wgc_key_from_base64(key, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC="));
	CHECK(!wgc_key_from_base64(key, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n"));
	CHECK(!wgc_key_from_base64(key, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=A"));
	CHECK(!wgc_key_from_base64(key, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo"));
	CHECK(!wgc_key_from_base64(key, " dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="));
	CHECK(!wgc_key_from_base64(key, NULL));
	/* missing '=': a data character or a second pad where the pad must be */
	CHECK(!wgc_key_from_base64(key, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCoA"));
	CHECK(!wgc_key_from_base64(key, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC=="));
	/* URL-safe alphabet is not wg's */
	CHECK(!wgc_key_from_base64(key, "__________________________________________8="));
	CHECK(!wgc_key_from_base64(key, "------------------------------------------8="));

	/* Each byte value in each data position: accepted exactly when in the alphabet. */
	for (int pos = 0; pos < 43; pos++) {
		for (int c = 1; c < 256; c++) {
			memcpy(s, good, sizeof(good));
			s[pos] = (char)c;
			bool in_alphabet = strchr(b64_alphabet, c) != NULL;
			/* at 42 only characters whose low two bits are zero are canonical */
			bool canonical = pos != 42 || (in_alphabet && ((strchr(b64_alphabet, c) - b64_alphabet) & 3) == 0);
			bool ok = wgc_key_from_base64(key, s);
			wrong += ok != (in_alphabet && canonical);
			if (!ok)
				wrong += !wgc_is_zero(key, sizeof(key)); /* failure leaves no partial key */
		}
	}
	CHECK(wrong == 0);
	/* non-canonical last character: 'o' (40, ...00) is canonical, 'p' (41, ...01) is not */
	memcpy(s, good, sizeof(good));
	s[42] = 'p';
	CHECK(!wgc_key_from_base64(key, s));
	s[42] = 'o';
	CHECK(wgc_key_from_base64(key, s));
}

static void test_hex(void)
{
	static const char lower[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char upper[] = "77076D0A7318A57D3C16C17251B26645DF4C2F87EBC0992AB177FBA51DB92C2A";
	uint8_t key[32], got[32];
	char hex[WGC_KEY_HEX_LEN], s[80];
	int wrong = 0;

	harness_unhex(key, sizeof(key), lower);
	wgc_key_to_hex(hex, key);
	CHECK(strcmp(hex, lower) == 0);
	CHECK(wgc_key_from_hex(got, lower) && memcmp(got, key, 32) == 0);
	CHECK(wgc_key_from_hex(got, upper) && memcmp(got, key, 32) == 0);
	for (int i = 0; i < 2000; i++) {
		wgc_random_bytes(key, sizeof(key));
		wgc_key_to_hex(hex, key);
		wrong += strlen(hex) != 64 || !wgc_key_from_hex(got, hex) || memcmp(got, key, 32) != 0;
	}
	CHECK(wrong == 0);
	CHECK(!wgc_key_from_hex(got, ""));
	CHECK(!wgc_key_from_hex(got, NULL));
	CHECK(!wgc_key_from_hex(got, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2"));
	CHECK(!wgc_key_from_hex(got, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a0"));
	CHECK(!wgc_key_from_hex(got, "0x77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c"));
	for (int pos = 0; pos < 64; pos++) {
		for (int c = 1; c < 256; c++) {
			memcpy(s, lower, sizeof(lower));
			s[pos] = (char)c;
			bool valid = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
			bool ok = wgc_key_from_hex(got, s);
			wrong += ok != valid;
			if (!ok)
				wrong += !wgc_is_zero(got, sizeof(got));
		}
	}
	CHECK(wrong == 0);
}

int main(void)
{
	if (!wgc_crypto_init()) {
		printf("not ok - wgc_crypto_init\n");
		return 1;
	}
	RUN_TEST(test_base64_known);
	RUN_TEST(test_base64_alphabet);
	RUN_TEST(test_base64_roundtrip);
	RUN_TEST(test_base64_reject);
	RUN_TEST(test_hex);
	return harness_exit_code();
}

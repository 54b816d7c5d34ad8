// SPDX-License-Identifier: MIT
/*
 * Issue 11 section 6: a malformed UAPI set request never copies key bytes
 * into the error text, which wgcd writes to its log. Each request puts a
 * private key (hex, as UAPI sends it, and base64, as a confused client
 * might) where the parser quotes from; the error must hold no 8-character
 * run of it, and an ordinary misspelt key name is still quoted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/uapi.h"
#include "core/crypto.h"
#include "harness.h"

#define SECRET_HEX "a8c1f2e3d4b5a6978899aabbccddeeff00112233445566778899aabbccddee7f"
#define SECRET_B64 "qMHy49S1ppeImaq7zN3u/wARIjNEVWZ3iJmqu8zd7n8="
#define PUB_HEX "0101010101010101010101010101010101010101010101010101010101010101"

/* true when err contains any 8-byte substring of secret */
static bool leaks(const char *err, const char *secret)
{
	size_t n = strlen(secret);

	for (size_t i = 0; i + 8 <= n; i++) {
		char run[9];

		memcpy(run, secret + i, 8);
		run[8] = '\0';
		if (strstr(err, run))
			return true;
	}
	return false;
}

static void test_malformed_lines_hide_keys(void)
{
	static const char *const reqs[] = {
		"set=1\n" SECRET_HEX "\n\n",
		"set=1\n" SECRET_B64 "\n\n",
		"set=1\nprivate_key " SECRET_HEX "\n\n",
		"set=1\nprivate_key:" SECRET_B64 "\n\n",
		"set=1\n" SECRET_HEX "=1\n\n",
		"set=1\n" SECRET_B64 "=\n\n",
		"set=1\npublic_key=" PUB_HEX "\n" SECRET_HEX "\n\n",
		"set=1\npublic_key=" PUB_HEX "\n" SECRET_HEX "=x\n\n",
		"set=1\npublic_key=" PUB_HEX "\npreshared_key=" SECRET_HEX "0\n\n",
		"set=1\nprivate_key=" SECRET_HEX "0\n\n",
	};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct wgc_device_model d;
		char err[WGC_UAPI_ERRLEN] = "";
		int ret = wgc_uapi_parse_set(&d, reqs[i], strlen(reqs[i]), err);

		CHECK(ret < 0);
		CHECK(err[0] != '\0');
		if (leaks(err, SECRET_HEX) || leaks(err, SECRET_B64)) {
			fprintf(stderr, "request %zu leaks into: %s\n", i, err);
			CHECK(!"key bytes in the error text");
		}
		wgc_model_free(&d);
	}
}

static void test_misspelt_names_still_quoted(void)
{
	struct wgc_device_model d;
	char err[WGC_UAPI_ERRLEN] = "";
	static const char dev[] = "set=1\nlisten_prot=1\n\n";
	static const char peer[] = "set=1\npublic_key=" PUB_HEX "\nendpiont=1.2.3.4:5\n\n";

	CHECK(wgc_uapi_parse_set(&d, dev, strlen(dev), err) == -EINVAL);
	CHECK(strstr(err, "'listen_prot'") != NULL);
	wgc_model_free(&d);
	CHECK(wgc_uapi_parse_set(&d, peer, strlen(peer), err) == -EINVAL);
	CHECK(strstr(err, "'endpiont'") != NULL);
	wgc_model_free(&d);
}

int main(void)
{
	if (!wgc_crypto_init())
		return 1;
	RUN_TEST(test_malformed_lines_hide_keys);
	RUN_TEST(test_misspelt_names_still_quoted);
	return harness_exit_code();
}

// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "cli/wgc.h"
#include "core/crypto.h"
#include "core/encoding.h"

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int pubkey_main(int argc, const char *argv[])
{
	uint8_t key[WGC_KEY_LEN], pub[WGC_KEY_LEN];
	char b64[WGC_KEY_B64_LEN];
	int c, ret = 1;

	if (argc != 1) {
		fprintf(stderr, "Usage: %s %s\n", PROG_NAME, argv[0]);
		return 1;
	}
	if (fread(b64, 1, sizeof(b64) - 1, stdin) != sizeof(b64) - 1) {
		fprintf(stderr, "%s: Key is not the correct length or format\n", PROG_NAME);
		goto out;
	}
	b64[sizeof(b64) - 1] = '\0';
	/* Trailing whitespace and NULs are fine, anything else is not. */
	while ((c = getc(stdin)) != EOF) {
		if (c && !is_space(c)) {
			fprintf(stderr, "%s: Trailing characters found after key\n", PROG_NAME);
			goto out;
		}
	}
	if (!wgc_key_from_base64(key, b64)) {
		fprintf(stderr, "%s: Key is not the correct length or format\n", PROG_NAME);
		goto out;
	}
	/*
	 * As wg's curve25519_generate_public: any 32 bytes are a private key once
	 * clamped (X25519 clamps anyway, so the result is the same). Clamping here
	 * also makes an all-zero key (which the core refuses as "no identity", as
	 * the kernel does) the valid scalar 2^254, so `wg pubkey` and this agree.
	 */
	wgc_x25519_clamp(key);
	if (!wgc_x25519_public(pub, key)) {
		fprintf(stderr, "%s: Unable to compute the public key\n", PROG_NAME);
		goto out;
	}
	wgc_key_to_base64(b64, pub);
	puts(b64);
	ret = 0;
out:
	wgc_wipe(key, sizeof(key));
	wgc_wipe(b64, sizeof(b64));
	return ret;
}

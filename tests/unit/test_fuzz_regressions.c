// SPDX-License-Identifier: MIT
/*
 * Inputs the fuzzers (fuzz/) found troublesome, kept as plain tests so the
 * ordinary build checks them too.
 *
 * 1. fuzz_packet, on its first run: consuming a handshake response opens
 *    the empty "encrypted nothing" with dst NULL, and the OpenSSL AEAD path
 *    computed NULL + 0 for the final block (undefined behaviour, reported
 *    by clang's UBSan). Fixed in crypto.c; checked here on both backends.
 * 2. Authentic data messages whose inner packet is garbage of every short
 *    length (what fuzz_packet's "inner" mode produces): never delivered,
 *    never counted as data, the session survives.
 */
#include <stdint.h>
#include <string.h>

#include "core/crypto.h"
#include "core/crypto_backend.h"
#include "harness.h"
#include "memnet.h"

static void test_open_empty_into_null(void)
{
	static const enum wgc_crypto_backend backends[] = { WGC_CRYPTO_OPENSSL, WGC_CRYPTO_SODIUM };
	uint8_t key[WGC_KEY_LEN], nonce[WGC_AEAD_NONCE_LEN] = { 0 }, ad[WGC_HASH_LEN], sealed[WGC_AEAD_TAG_LEN];
	unsigned i;

	memset(key, 0x42, sizeof(key));
	memset(ad, 0x17, sizeof(ad));
	for (i = 0; i < 2; i++) {
		CHECK(wgc_crypto_backend_seal(backends[i], sealed, NULL, 0, ad, sizeof(ad), nonce, key));
		CHECK(wgc_crypto_backend_open(backends[i], NULL, sealed, sizeof(sealed), ad, sizeof(ad), nonce, key));
		sealed[3] ^= 1;
		CHECK(!wgc_crypto_backend_open(backends[i], NULL, sealed, sizeof(sealed), ad, sizeof(ad), nonce, key));
	}
	/* and through the protocol's own entry point */
	CHECK(wgc_aead_seal(sealed, NULL, 0, ad, sizeof(ad), 7, key));
	CHECK(wgc_aead_open(NULL, sealed, sizeof(sealed), ad, sizeof(ad), 7, key));
}

static void test_authentic_garbage_inner(void)
{
	static struct memnet n;
	struct memnet_msg m;
	uint8_t pkt[80];
	size_t len, delivered;
	uint64_t rx;

	memnet_init(&n, NULL, NULL);
	len = memnet_ipv4(pkt, 1, 2, 16, 1);
	wgc_peer_send_packet(n.a.peer, pkt, len, n.now_ms);
	memnet_pump(&n);
	CHECK(n.b.delivered == 1);
	delivered = n.b.delivered;
	rx = n.b.peer->rx_bytes;
	for (len = 1; len <= sizeof(pkt); len++) {
		size_t i;

		for (i = 0; i < len; i++)
			pkt[i] = (uint8_t)(0x45 + 31 * i + len);
		if (len > 1)
			pkt[0] = len & 1 ? 0x60 : 0x45; /* a version the core looks at further */
		wgc_peer_send_packet(n.a.peer, pkt, len, n.now_ms);
		while (memnet_pop(&n.a, &m))
			CHECK(memnet_deliver(&n, &n.a, &n.b, &m, false) == WGC_RX_DROP);
	}
	CHECK(n.b.delivered == delivered);
	CHECK(n.b.peer->rx_bytes == rx);
	/* the session still carries a real packet */
	len = memnet_ipv4(pkt, 1, 2, 16, 2);
	wgc_peer_send_packet(n.a.peer, pkt, len, n.now_ms);
	memnet_pump(&n);
	CHECK(n.b.delivered == delivered + 1);
	memnet_free(&n);
}

int main(void)
{
	if (!wgc_crypto_init())
		return 1;
	RUN_TEST(test_open_empty_into_null);
	RUN_TEST(test_authentic_garbage_inner);
	return harness_exit_code();
}

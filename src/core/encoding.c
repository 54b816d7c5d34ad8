// SPDX-License-Identifier: MIT
/*
 * Key text forms. Private and preshared keys pass through here, so the
 * character mapping is branch-free and table-free: neither timing nor cache
 * lines depend on the key. Accepts exactly what wg accepts: 44 base64
 * characters with one '=' and zero padding bits, or 64 hex digits.
 */
#include "encoding.h"

#include <string.h>

#include "crypto.h"

enum { B64_GROUPS = WGC_KEY_LEN / 3, B64_CHARS = WGC_KEY_B64_LEN - 1, HEX_CHARS = WGC_KEY_HEX_LEN - 1 };

/* All ones when lo <= c <= hi, else zero; c, lo, hi in 0..255. */
static int in_range(int c, int lo, int hi)
{
	return ((lo - 1 - c) & (c - hi - 1)) >> 8;
}

/* All ones when c == x, else zero. */
static int is(int c, int x)
{
	return in_range(c, x, x);
}

static char b64_char(unsigned v)
{
	int c = (int)v + 'A';

	c += in_range((int)v, 26, 63) & ('a' - 'A' - 26);
	c += in_range((int)v, 52, 63) & ('0' - 'a' - 26);
	c += in_range((int)v, 62, 63) & ('+' - '0' - 10);
	c += is((int)v, 63) & ('/' - '+' - 1);
	return (char)c;
}

/* 0..63, or -1 for anything outside the alphabet */
static int b64_value(unsigned char ch)
{
	int c = ch;

	return -1 + (in_range(c, 'A', 'Z') & (c - 'A' + 1)) + (in_range(c, 'a', 'z') & (c - 'a' + 27)) +
	       (in_range(c, '0', '9') & (c - '0' + 53)) + (is(c, '+') & 63) + (is(c, '/') & 64);
}

static void b64_group(char out[4], const uint8_t in[3])
{
	out[0] = b64_char(in[0] >> 2);
	out[1] = b64_char(((in[0] << 4) | (in[1] >> 4)) & 63);
	out[2] = b64_char(((in[1] << 2) | (in[2] >> 6)) & 63);
	out[3] = b64_char(in[2] & 63);
}

/* 24 bits; *bad becomes nonzero when a character is invalid */
static int b64_decode_group(const char in[4], int *bad)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = b64_value((unsigned char)in[i]);

		*bad |= d >> 8;
		v |= (d & 63) << (18 - 6 * i);
	}
	return v;
}

void wgc_key_to_base64(char out[WGC_KEY_B64_LEN], const uint8_t key[WGC_KEY_LEN])
{
	uint8_t last[3] = { key[B64_GROUPS * 3], key[B64_GROUPS * 3 + 1], 0 };
	int i;

	for (i = 0; i < B64_GROUPS; i++)
		b64_group(&out[i * 4], &key[i * 3]);
	b64_group(&out[i * 4], last);
	out[B64_CHARS - 1] = '=';
	out[B64_CHARS] = '\0';
	wgc_wipe(last, sizeof(last));
}

bool wgc_key_from_base64(uint8_t key[WGC_KEY_LEN], const char *b64)
{
	char tail[4];
	int bad = 0, v = 0, i;

	if (!b64 || strnlen(b64, WGC_KEY_B64_LEN) != B64_CHARS || b64[B64_CHARS - 1] != '=')
		goto fail;
	for (i = 0; i < B64_GROUPS; i++) {
		v = b64_decode_group(&b64[i * 4], &bad);
		key[i * 3] = (uint8_t)(v >> 16);
		key[i * 3 + 1] = (uint8_t)(v >> 8);
		key[i * 3 + 2] = (uint8_t)v;
	}
	/* The pad stands for zero bits; the low two bits of the last character must be zero too. */
	memcpy(tail, &b64[i * 4], 3);
	tail[3] = 'A';
	v = b64_decode_group(tail, &bad);
	bad |= v & 0xff;
	key[i * 3] = (uint8_t)(v >> 16);
	key[i * 3 + 1] = (uint8_t)(v >> 8);
	wgc_wipe(tail, sizeof(tail));
	wgc_wipe(&v, sizeof(v));
	if (bad)
		goto fail;
	return true;
fail:
	wgc_wipe(key, WGC_KEY_LEN);
	return false;
}

void wgc_key_to_hex(char out[WGC_KEY_HEX_LEN], const uint8_t key[WGC_KEY_LEN])
{
	for (int i = 0; i < WGC_KEY_LEN; i++) {
		int hi = key[i] >> 4, lo = key[i] & 15;

		/* 'a' - 10 - '0' == 39 */
		out[i * 2] = (char)('0' + hi + (in_range(hi, 10, 15) & 39));
		out[i * 2 + 1] = (char)('0' + lo + (in_range(lo, 10, 15) & 39));
	}
	out[HEX_CHARS] = '\0';
}

/* 0..15, or -1 */
static int hex_value(unsigned char ch)
{
	int c = ch;

	return -1 + (in_range(c, '0', '9') & (c - '0' + 1)) + (in_range(c, 'a', 'f') & (c - 'a' + 11)) +
	       (in_range(c, 'A', 'F') & (c - 'A' + 11));
}

bool wgc_key_from_hex(uint8_t key[WGC_KEY_LEN], const char *hex)
{
	int bad = 0;

	if (!hex || strnlen(hex, WGC_KEY_HEX_LEN) != HEX_CHARS)
		goto fail;
	for (int i = 0; i < WGC_KEY_LEN; i++) {
		int hi = hex_value((unsigned char)hex[i * 2]), lo = hex_value((unsigned char)hex[i * 2 + 1]);

		bad |= (hi | lo) >> 8;
		key[i] = (uint8_t)(((hi & 15) << 4) | (lo & 15));
	}
	if (bad)
		goto fail;
	return true;
fail:
	wgc_wipe(key, WGC_KEY_LEN);
	return false;
}

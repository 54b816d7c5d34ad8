// SPDX-License-Identifier: MIT
#include "checksum.h"

#include <string.h>

uint64_t wgc_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = 0;
	uint16_t folded;
	size_t i = 0;

	/*
	 * The one's complement sum does not care about byte order except for a
	 * final swap (RFC 1071), so add native 32-bit words, two at a time.
	 */
	for (; i + 8 <= len; i += 8) {
		uint32_t a, b;
		memcpy(&a, p + i, 4);
		memcpy(&b, p + i + 4, 4);
		acc += a;
		acc += b;
	}
	for (; i + 2 <= len; i += 2) {
		uint16_t w;
		memcpy(&w, p + i, 2);
		acc += w;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	folded = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	folded = (uint16_t)(folded >> 8 | folded << 8);
#endif
	sum += folded;
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

uint16_t wgc_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

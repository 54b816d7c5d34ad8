/* SPDX-License-Identifier: MIT */
/*
 * Loads and stores of unsigned integers at any (unaligned) byte address, in
 * an explicit byte order: little-endian for WireGuard's message fields
 * (whitepaper 5.4: type, indices, counter), big-endian (network order) for
 * IP/UDP/TCP headers and allowed-IPs keys. The one copy for every layer.
 */
#ifndef WGC_BYTEORDER_H
#define WGC_BYTEORDER_H

#include <stdint.h>

static inline uint32_t wgc_load_le32(const uint8_t p[4])
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void wgc_store_le32(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint64_t wgc_load_le64(const uint8_t p[8])
{
	return (uint64_t)wgc_load_le32(p) | (uint64_t)wgc_load_le32(p + 4) << 32;
}

static inline void wgc_store_le64(uint8_t p[8], uint64_t v)
{
	wgc_store_le32(p, (uint32_t)v);
	wgc_store_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t wgc_load_be16(const uint8_t p[2])
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wgc_store_be16(uint8_t p[2], uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t wgc_load_be32(const uint8_t p[4])
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wgc_store_be32(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint64_t wgc_load_be64(const uint8_t p[8])
{
	return (uint64_t)wgc_load_be32(p) << 32 | wgc_load_be32(p + 4);
}

static inline void wgc_store_be64(uint8_t p[8], uint64_t v)
{
	wgc_store_be32(p, (uint32_t)(v >> 32));
	wgc_store_be32(p + 4, (uint32_t)v);
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The internet checksum (RFC 1071): the one's complement sum of 16-bit
 * big-endian words, used for IPv4 headers and TCP/UDP/ICMP/ICMPv6 (with
 * their pseudo-headers). Sum the pieces with wgc_csum_add, then store
 * ~wgc_csum_fold(sum) big-endian in the checksum field; a packet whose
 * field is right sums to 0xffff. Pure functions, no locking.
 */
#ifndef WGC_CHECKSUM_H
#define WGC_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Adds len bytes at p to sum as big-endian 16-bit words (an odd tail padded
 * with zero, so only the last piece may have an odd length). sum is not
 * folded: add up to 2^47 bytes before folding.
 */
uint64_t wgc_csum_add(uint64_t sum, const uint8_t *p, size_t len);
/* Folds sum to 16 bits, not complemented. */
uint16_t wgc_csum_fold(uint64_t sum);

#endif

// SPDX-License-Identifier: MIT
/*
 * A packet no peer's allowed IPs cover is answered like the kernel module
 * does: ICMP host unreachable (ICMPv6 address unreachable), so the sender
 * learns at once instead of timing out. The error quotes the start of the
 * offending packet and comes from the address it was sent to. ICMP errors
 * are never answered with ICMP errors.
 */
#include "daemon/wgcd.h"

#include <string.h>

#include "core/byteorder.h"
#include "core/checksum.h"

enum {
	IPV4_HDR = 20,
	IPV6_HDR = 40,
	ICMP_HDR = 8,
	ICMP4_QUOTE = 548,  /* keeps the reply within 576 bytes */
	ICMP6_QUOTE = 1232, /* keeps the reply within the IPv6 minimum MTU */
};

static size_t icmp4(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len)
{
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4, quote, total;

	if (len < IPV4_HDR || ihl < IPV4_HDR || len < ihl)
		return 0;
	/* not for ICMP errors, nor for fragments other than the first */
	if (pkt[9] == 1 && len > ihl && (pkt[ihl] == 3 || pkt[ihl] == 11 || pkt[ihl] == 12))
		return 0;
	if ((pkt[6] & 0x1f) || pkt[7])
		return 0;
	quote = len < ICMP4_QUOTE ? len : ICMP4_QUOTE;
	total = IPV4_HDR + ICMP_HDR + quote;
	if (total > cap)
		return 0;
	memset(out, 0, IPV4_HDR + ICMP_HDR);
	out[0] = 0x45;
	wgc_store_be16(out + 2, (uint16_t)total);
	out[8] = 64;
	out[9] = 1;
	memcpy(out + 12, pkt + 16, 4); /* from the unreachable destination */
	memcpy(out + 16, pkt + 12, 4); /* to the sender */
	wgc_store_be16(out + 10, (uint16_t)~wgc_csum_fold(wgc_csum_add(0, out, IPV4_HDR)));
	out[IPV4_HDR] = 3;     /* destination unreachable */
	out[IPV4_HDR + 1] = 1; /* host unreachable */
	memcpy(out + IPV4_HDR + ICMP_HDR, pkt, quote);
	wgc_store_be16(out + IPV4_HDR + 2,
		       (uint16_t)~wgc_csum_fold(wgc_csum_add(0, out + IPV4_HDR, ICMP_HDR + quote)));
	return total;
}

static size_t icmp6(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len)
{
	size_t quote, payload, total;
	uint8_t pseudo[40];
	uint64_t acc;

	if (len < IPV6_HDR)
		return 0;
	if (pkt[6] == 58 && len > IPV6_HDR && pkt[IPV6_HDR] < 128)
		return 0; /* an ICMPv6 error already */
	if (pkt[24] == 0xff)
		return 0; /* multicast destination */
	quote = len < ICMP6_QUOTE ? len : ICMP6_QUOTE;
	payload = ICMP_HDR + quote;
	total = IPV6_HDR + payload;
	if (total > cap)
		return 0;
	memset(out, 0, IPV6_HDR + ICMP_HDR);
	out[0] = 0x60;
	wgc_store_be16(out + 4, (uint16_t)payload);
	out[6] = 58;
	out[7] = 64;
	memcpy(out + 8, pkt + 24, 16);
	memcpy(out + 24, pkt + 8, 16);
	out[IPV6_HDR] = 1;     /* destination unreachable */
	out[IPV6_HDR + 1] = 3; /* address unreachable */
	memcpy(out + IPV6_HDR + ICMP_HDR, pkt, quote);
	memcpy(pseudo, out + 8, 32);
	memset(pseudo + 32, 0, 8);
	wgc_store_be16(pseudo + 34, (uint16_t)payload);
	pseudo[39] = 58;
	acc = wgc_csum_add(0, pseudo, sizeof(pseudo));
	acc = wgc_csum_add(acc, out + IPV6_HDR, payload);
	wgc_store_be16(out + IPV6_HDR + 2, (uint16_t)~wgc_csum_fold(acc));
	return total;
}

size_t wgcd_icmp_unreachable(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len)
{
	if (!len)
		return 0;
	if (pkt[0] >> 4 == 4)
		return icmp4(out, cap, pkt, len);
	if (pkt[0] >> 4 == 6)
		return icmp6(out, cap, pkt, len);
	return 0;
}

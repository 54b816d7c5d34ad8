// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <string.h>

#include "provision/pool.h"

enum { SCAN_LIMIT = 1 << 20 };

static bool bits_match(const uint8_t *a, const uint8_t *b, unsigned cidr)
{
	unsigned whole = cidr / 8, rest = cidr % 8;

	if (memcmp(a, b, whole))
		return false;
	if (!rest)
		return true;
	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static const uint8_t *bytes(const struct wgc_allowed_ip *ip)
{
	return ip->family == AF_INET ? (const uint8_t *)&ip->ip4 : (const uint8_t *)&ip->ip6;
}

bool wgc_prefix_contains(const struct wgc_allowed_ip *a, const struct wgc_allowed_ip *host)
{
	if (a->family != host->family || (a->family != AF_INET && a->family != AF_INET6))
		return false;
	return bits_match(bytes(a), bytes(host), a->cidr);
}

bool wgc_prefix_overlaps(const struct wgc_allowed_ip *a, const struct wgc_allowed_ip *b)
{
	if (a->family != b->family || (a->family != AF_INET && a->family != AF_INET6))
		return false;
	return bits_match(bytes(a), bytes(b), a->cidr < b->cidr ? a->cidr : b->cidr);
}

bool wgc_pool_usable(const struct wgc_allowed_ip *net)
{
	if (net->family == AF_INET)
		return net->cidr <= 30;
	return net->family == AF_INET6 && net->cidr <= 126;
}

/* net's address plus offset in its low 32 bits (the offset fits the host part: callers bound it). */
static void host_at(const struct wgc_allowed_ip *net, uint32_t offset, struct wgc_allowed_ip *out)
{
	*out = *net;
	out->remove = false;
	if (net->family == AF_INET) {
		out->cidr = 32;
		out->ip4.s_addr = htonl(ntohl(net->ip4.s_addr) + offset);
	} else {
		uint32_t low;

		out->cidr = 128;
		memcpy(&low, &out->ip6.s6_addr[12], 4);
		low = htonl(ntohl(low) + offset);
		memcpy(&out->ip6.s6_addr[12], &low, 4);
	}
}

void wgc_pool_first(const struct wgc_allowed_ip *net, struct wgc_allowed_ip *out)
{
	host_at(net, 1, out);
}

bool wgc_pool_next(const struct wgc_allowed_ip *net, const struct wgc_allowed_ip *used, size_t n_used,
		   struct wgc_allowed_ip *out)
{
	unsigned host_bits = (net->family == AF_INET ? 32U : 128U) - net->cidr;
	uint64_t last; /* the highest offset handed out */

	if (!wgc_pool_usable(net))
		return false;
	if (host_bits >= 21)
		last = SCAN_LIMIT;
	else if (net->family == AF_INET)
		last = (1ULL << host_bits) - 2; /* not the broadcast address */
	else
		last = (1ULL << host_bits) - 1;
	for (uint64_t off = 1; off <= last; off++) {
		bool taken = false;

		host_at(net, (uint32_t)off, out);
		for (size_t i = 0; i < n_used && !taken; i++)
			taken = wgc_prefix_contains(&used[i], out);
		if (!taken)
			return true;
	}
	return false;
}

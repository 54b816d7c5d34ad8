// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"

bool wgc_endpoint_format(char out[WGC_ENDPOINT_STRLEN], const union wgc_endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], serv[8];
	socklen_t len = 0;
	int ret;

	if (ep->addr.sa_family == AF_INET)
		len = sizeof(ep->addr4);
	else if (ep->addr.sa_family == AF_INET6)
		len = sizeof(ep->addr6);
	ret = getnameinfo(&ep->addr, len, host, sizeof(host), serv, sizeof(serv),
			  NI_DGRAM | NI_NUMERICSERV | NI_NUMERICHOST);
	if (ret) {
		snprintf(out, WGC_ENDPOINT_STRLEN, "%s", gai_strerror(ret));
		return false;
	}
	/* An IPv4-mapped address may come back without a colon; wg brackets only real v6 text. */
	if (ep->addr.sa_family == AF_INET6 && strchr(host, ':'))
		snprintf(out, WGC_ENDPOINT_STRLEN, "[%s]:%s", host, serv);
	else
		snprintf(out, WGC_ENDPOINT_STRLEN, "%s:%s", host, serv);
	return true;
}

int wgc_endpoint_split(char *s, char **host, char **port)
{
	char *end;

	if (s[0] == '[') {
		*host = s + 1;
		end = strchr(s, ']');
		if (!end)
			return 1;
		*end++ = '\0';
		if (*end++ != ':' || !*end)
			return 2;
		*port = end;
		return 0;
	}
	*host = s;
	end = strrchr(s, ':');
	if (!end || !end[1])
		return 2;
	*end++ = '\0';
	*port = end;
	return 0;
}

bool wgc_endpoint_parse_numeric(union wgc_endpoint *ep, const char *s)
{
	char buf[WGC_ENDPOINT_STRLEN], *host, *port;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	}, *res;
	uint64_t num;
	bool ok = false;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	if (wgc_endpoint_split(buf, &host, &port) || !*host)
		return false;
	/* getaddrinfo accepts odd port spellings; UAPI ports are plain decimal. */
	if (!wgc_parse_u64(port, 65535, &num))
		return false;
	if (getaddrinfo(host, port, &hints, &res))
		return false;
	memset(ep, 0, sizeof(*ep));
	if (res->ai_family == AF_INET && res->ai_addrlen == sizeof(ep->addr4)) {
		memcpy(&ep->addr4, res->ai_addr, sizeof(ep->addr4));
		ok = true;
	} else if (res->ai_family == AF_INET6 && res->ai_addrlen == sizeof(ep->addr6)) {
		memcpy(&ep->addr6, res->ai_addr, sizeof(ep->addr6));
		ok = true;
	}
	freeaddrinfo(res);
	return ok;
}

bool wgc_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

bool wgc_prefix_parse(struct wgc_allowed_ip *ip, const char *s, bool want_cidr)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t cidr;

	memset(ip, 0, sizeof(*ip));
	if (alen == 0 || alen >= sizeof(buf))
		return false;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (strchr(buf, ':')) {
		if (inet_pton(AF_INET6, buf, &ip->ip6) != 1)
			return false;
		ip->family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, buf, &ip->ip4) != 1)
			return false;
		ip->family = AF_INET;
	}
	if (!slash) {
		if (want_cidr)
			return false;
		ip->cidr = ip->family == AF_INET ? 32 : 128;
		return true;
	}
	if (!wgc_parse_u64(slash + 1, ip->family == AF_INET ? 32 : 128, &cidr))
		return false;
	ip->cidr = (uint8_t)cidr;
	return true;
}

void wgc_prefix_format(char out[WGC_PREFIX_STRLEN], const struct wgc_allowed_ip *ip)
{
	char a[INET6_ADDRSTRLEN] = "";

	inet_ntop(ip->family == AF_INET6 ? AF_INET6 : AF_INET, ip->family == AF_INET6 ? (const void *)&ip->ip6 : (const void *)&ip->ip4,
		  a, sizeof(a));
	snprintf(out, WGC_PREFIX_STRLEN, "%s/%u", a, ip->cidr);
}

static uint8_t *prefix_bytes(struct wgc_allowed_ip *ip, size_t *len)
{
	*len = ip->family == AF_INET6 ? 16 : 4;
	return ip->family == AF_INET6 ? ip->ip6.s6_addr : (uint8_t *)&ip->ip4.s_addr;
}

bool wgc_prefix_is_canonical(const struct wgc_allowed_ip *ip)
{
	struct wgc_allowed_ip c = *ip;
	size_t len;
	const uint8_t *orig = ip->family == AF_INET6 ? ip->ip6.s6_addr : (const uint8_t *)&ip->ip4.s_addr;
	uint8_t *masked = prefix_bytes(&c, &len);

	wgc_prefix_canonicalize(&c);
	return !memcmp(masked, orig, len);
}

void wgc_prefix_canonicalize(struct wgc_allowed_ip *ip)
{
	size_t len;
	uint8_t *b = prefix_bytes(ip, &len);

	for (size_t i = 0; i < len; i++) {
		int keep = (int)ip->cidr - (int)(8 * i);

		if (keep <= 0)
			b[i] = 0;
		else if (keep < 8)
			b[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

/* SPDX-License-Identifier: MIT */
/* Text forms of endpoints, allowed-IP prefixes and numbers shared by the parsers and formatters. */
#ifndef WGC_ADDR_H
#define WGC_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "common/model.h"

/* "[v6addr%scope]:65535" fits; also big enough for a gai_strerror text. */
enum { WGC_ENDPOINT_STRLEN = 128, WGC_PREFIX_STRLEN = 64 };

/* As wg prints endpoints: "a.b.c.d:port" or "[v6]:port"; false (with the resolver's error text) on failure. */
bool wgc_endpoint_format(char out[WGC_ENDPOINT_STRLEN], const union wgc_endpoint *ep);
/*
 * Splits "host:port" or "[host]:port" in place, as wg does (the last ':'
 * without brackets). Returns 0, or 1 for a missing ']' and 2 for a missing port.
 */
int wgc_endpoint_split(char *s, char **host, char **port);
/* A numeric endpoint only (no name lookups): what UAPI carries. */
bool wgc_endpoint_parse_numeric(union wgc_endpoint *ep, const char *s);

/* "addr/cidr"; with want_cidr false a missing "/cidr" means a host prefix. Strict: no spaces, decimal cidr. */
bool wgc_prefix_parse(struct wgc_allowed_ip *ip, const char *s, bool want_cidr);
void wgc_prefix_format(char out[WGC_PREFIX_STRLEN], const struct wgc_allowed_ip *ip);
/* True when every bit past the cidr is zero. */
bool wgc_prefix_is_canonical(const struct wgc_allowed_ip *ip);
/* Clears the bits past the cidr. */
void wgc_prefix_canonicalize(struct wgc_allowed_ip *ip);

/* Decimal digits only (no sign, no spaces), value <= max. */
bool wgc_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif

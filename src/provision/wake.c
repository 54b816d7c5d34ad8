// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "provision/wake.h"

static const char request_prefix[] = "wgc-wake 1 ";

void wgc_wol_magic(uint8_t out[WGC_WOL_LEN], const uint8_t mac[6])
{
	memset(out, 0xff, 6);
	for (int i = 0; i < 16; i++)
		memcpy(out + 6 + 6 * i, mac, 6);
}

size_t wgc_wake_request_format(char out[WGC_WAKE_MSG_MAX], const char *name)
{
	int n = snprintf(out, WGC_WAKE_MSG_MAX, "%s%s\n", request_prefix, name);

	return n < 0 || n >= WGC_WAKE_MSG_MAX ? 0 : (size_t)n;
}

bool wgc_wake_request_parse(const char *buf, size_t len, char name[WGC_HUB_NAME_MAX + 1])
{
	size_t plen = sizeof(request_prefix) - 1, nlen;

	if (len <= plen + 1 || len > plen + WGC_HUB_NAME_MAX + 1 || memcmp(buf, request_prefix, plen) ||
	    buf[len - 1] != '\n')
		return false;
	nlen = len - plen - 1;
	memcpy(name, buf + plen, nlen);
	name[nlen] = '\0';
	/* an embedded NUL would shorten the name; the validity check then fails on length */
	return strlen(name) == nlen && wgc_hub_name_valid(name);
}

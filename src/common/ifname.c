// SPDX-License-Identifier: MIT
#include "common/ifname.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

int wgc_ifname_valid(const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strnlen(name, WGC_IFNAMSIZ);
	if (len == 0 || len >= WGC_IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (; *name; name++) {
		if (*name == '/' || *name == ':' || *name == '%' || isspace((unsigned char)*name))
			return -EINVAL;
	}
	return 0;
}

bool wgc_ifname_quick_valid(const char *name, size_t len)
{
	if (len < 1 || len > 15)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_=+.-", c)) || c == '\0')
			return false;
	}
	return true;
}

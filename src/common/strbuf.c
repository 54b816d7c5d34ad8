// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "core/crypto.h"

bool wgc_strbuf_reserve(struct wgc_strbuf *sb, size_t extra)
{
	size_t want, cap;
	char *p;

	if (sb->failed)
		return false;
	if (extra > (size_t)-1 / 2 - sb->len)
		goto fail;
	want = sb->len + extra + 1;
	if (want <= sb->cap)
		return true;
	for (cap = sb->cap ? sb->cap : 256; cap < want; cap *= 2)
		;
	p = malloc(cap);
	if (!p)
		goto fail;
	if (sb->data) {
		memcpy(p, sb->data, sb->len + 1);
		wgc_wipe(sb->data, sb->cap);
		free(sb->data);
	} else {
		p[0] = '\0';
	}
	sb->data = p;
	sb->cap = cap;
	return true;
fail:
	sb->failed = true;
	return false;
}

void wgc_strbuf_append(struct wgc_strbuf *sb, const char *s, size_t len)
{
	if (!wgc_strbuf_reserve(sb, len))
		return;
	memcpy(sb->data + sb->len, s, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

void wgc_strbuf_printf(struct wgc_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if (!wgc_strbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void wgc_strbuf_free(struct wgc_strbuf *sb)
{
	if (sb->data) {
		wgc_wipe(sb->data, sb->cap);
		free(sb->data);
	}
	memset(sb, 0, sizeof(*sb));
}

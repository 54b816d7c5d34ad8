// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/strbuf.h"
#include "core/crypto.h"

enum { MAPPED_MIN = 256 << 10 }; /* from this capacity on, a buffer is a mapping of its own */

static char *block_alloc(size_t cap)
{
	void *p;

	if (cap < MAPPED_MIN)
		return malloc(cap);
	p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void block_free(char *p, size_t cap)
{
	if (cap < MAPPED_MIN)
		free(p);
	else
		munmap(p, cap);
}

/* The bytes a wipe must cover: everything that may have been written. */
static size_t dirty_len(struct wgc_strbuf *sb)
{
	if (sb->len + 1 > sb->dirty)
		sb->dirty = sb->len + 1;
	return sb->dirty < sb->cap ? sb->dirty : sb->cap;
}

bool wgc_strbuf_reserve(struct wgc_strbuf *sb, size_t extra)
{
	size_t want, cap;
	char *p;

	if (sb->failed)
		return false;
	if (extra > (size_t)-1 / 2 - sb->len)
		goto fail;
	if (sb->data)
		(void)dirty_len(sb); /* what callers wrote since (e.g. recv into the spare room) */
	want = sb->len + extra + 1;
	if (want <= sb->cap)
		return true;
	for (cap = sb->cap ? sb->cap : 256; cap < want; cap *= 2)
		;
	if (sb->data && sb->cap >= MAPPED_MIN) {
		/* the kernel moves the pages: no copy of the contents stays behind */
		p = mremap(sb->data, sb->cap, cap, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			goto fail;
		sb->data = p;
		sb->cap = cap;
		return true;
	}
	p = block_alloc(cap);
	if (!p)
		goto fail;
	if (sb->data) {
		memcpy(p, sb->data, sb->len + 1);
		wgc_wipe(sb->data, dirty_len(sb));
		block_free(sb->data, sb->cap);
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

void wgc_strbuf_consume(struct wgc_strbuf *sb, size_t n)
{
	if (!sb->data || !n)
		return;
	(void)dirty_len(sb); /* the bytes beyond the new end are wiped later with the rest */
	memmove(sb->data, sb->data + n, sb->len - n + 1);
	sb->len -= n;
}

void wgc_strbuf_wipe(struct wgc_strbuf *sb)
{
	if (sb->data) {
		wgc_wipe(sb->data, dirty_len(sb));
		sb->data[0] = '\0';
	}
	sb->len = 0;
	sb->dirty = 0;
}

void wgc_strbuf_free(struct wgc_strbuf *sb)
{
	if (sb->data) {
		wgc_wipe(sb->data, dirty_len(sb));
		block_free(sb->data, sb->cap);
	}
	memset(sb, 0, sizeof(*sb));
}

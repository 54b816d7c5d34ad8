/* SPDX-License-Identifier: MIT */
/*
 * A growable text buffer for the formatters. It may hold keys, so growing
 * copies into fresh memory and wipes the old block instead of realloc(),
 * and freeing wipes. From 256 KiB on (a UAPI dump of many peers) a buffer
 * is a mapping of its own: it grows by mremap (the pages move, no copy is
 * left behind), only the bytes ever written are wiped (untouched pages are
 * not faulted in), and freeing returns the memory to the system at once. An allocation failure is sticky: later appends are
 * ignored and `failed` tells the caller once at the end.
 */
#ifndef WGC_STRBUF_H
#define WGC_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct wgc_strbuf {
	char *data; /* NUL-terminated when not NULL */
	size_t len, cap;
	size_t dirty; /* bytes that may have been written (high-water of len + 1): what a wipe covers */
	bool failed;
};

void wgc_strbuf_printf(struct wgc_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wgc_strbuf_append(struct wgc_strbuf *sb, const char *s, size_t len);
bool wgc_strbuf_reserve(struct wgc_strbuf *sb, size_t extra);
/* Removes the first n bytes (n <= len); what moves and what is left behind stays covered by wipes. */
void wgc_strbuf_consume(struct wgc_strbuf *sb, size_t n);
/* Wipes what was written and empties the buffer, keeping its memory. */
void wgc_strbuf_wipe(struct wgc_strbuf *sb);
void wgc_strbuf_free(struct wgc_strbuf *sb);

#endif

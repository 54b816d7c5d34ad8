/* SPDX-License-Identifier: MIT */
/*
 * Packet buffers of the data path threads (megabytes each: a batch of
 * 64 KiB slots), wiped on release like every buffer that held plaintext.
 *
 * Wiping the whole buffer at exit used to dominate teardown (issue 10):
 * writing 16 MiB that were never touched first faults every page in. The
 * buffers are therefore private anonymous mappings, and the release wipes
 * only the pages that are resident (mincore), which are all the pages that
 * ever held data: an untouched page has never been written, and the kernel
 * zeroes a page before it maps it into any process. The pages are not
 * mlocked (too large for RLIMIT_MEMLOCK), so a page the kernel swapped out
 * is not resident and not wiped (munmap releases its swap slot); they are
 * excluded from core dumps.
 *
 * Thread rules: a buffer belongs to the one thread that allocated it.
 */
#ifndef WGC_DAEMON_PKTBUF_H
#define WGC_DAEMON_PKTBUF_H

#include <stddef.h>

/* size bytes of zeroed, page-aligned memory, or NULL (errno set) when the mapping fails. */
void *wgcd_pktbuf_alloc(size_t size);

/*
 * Wipes the resident pages of buf (size bytes, page-aligned, from
 * wgcd_pktbuf_alloc) without faulting in the others. Returns the bytes
 * wiped (all of them when residency cannot be read).
 */
size_t wgcd_pktbuf_wipe(void *buf, size_t size);

/* wgcd_pktbuf_wipe, then unmaps the buffer. NULL is a no-op. */
void wgcd_pktbuf_free(void *buf, size_t size);

#endif

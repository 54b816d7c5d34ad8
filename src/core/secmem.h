/* SPDX-License-Identifier: MIT */
/*
 * Memory for long-lived secrets (peers with their handshake state and
 * preshared keys, keypairs, the device with our private key).
 *
 * Every such page is marked MADV_DONTDUMP, always: no core dump, whatever
 * the process's dumpable flag, ever holds a key. Pages are also locked in
 * memory (mlock) so keys never reach swap, as far as RLIMIT_MEMLOCK allows:
 * best effort, because the default limit is 8 MiB and 100,000 peers need
 * about 50 MiB (512 bytes each with the daemon's state, more with sessions). Once a lock fails, the rest stays swappable and
 * wgc_secmem_stats says how much; raise the limit (LimitMEMLOCK= in the
 * systemd unit, ulimit -l) or use encrypted swap when that matters.
 *
 * Objects come from 64 KiB chunks, one free list per size (rounded up to
 * 64 bytes); chunks are never returned. Thread safe.
 */
#ifndef WGC_SECMEM_H
#define WGC_SECMEM_H

#include <stddef.h>

/* Zeroed memory of size bytes (<= 16 KiB), or NULL (errno ENOMEM). */
void *wgc_secret_alloc(size_t size);
/* Wipes and frees; size as given to wgc_secret_alloc. NULL is fine. */
void wgc_secret_free(void *p, size_t size);

/*
 * For tests of the paths where secret memory runs out: the next n calls of
 * wgc_secret_alloc fail with ENOMEM (0 ends it). Thread safe.
 */
void wgc_secmem_fail_next(unsigned n);

struct wgc_secmem_stats {
	size_t bytes_mapped;   /* all chunks */
	size_t bytes_locked;   /* of which mlock succeeded */
};
void wgc_secmem_stats(struct wgc_secmem_stats *out);

#endif

// SPDX-License-Identifier: MIT
/* Slab memory for secrets: MADV_DONTDUMP always, mlock while RLIMIT_MEMLOCK allows. */
#include "secmem.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "crypto.h"

/*
 * Under AddressSanitizer the slab would hide overflows (and LeakSanitizer
 * does not scan mmap'ed chunks for pointers, so what peers point to would
 * look leaked): there, secrets come from the ordinary heap.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SECMEM_PLAIN_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECMEM_PLAIN_HEAP 1
#endif
#endif

static atomic_uint fail_next;

void wgc_secmem_fail_next(unsigned n)
{
	atomic_store(&fail_next, n);
}

/* Takes one of the failures wgc_secmem_fail_next asked for, if any are left. */
static bool injected_failure(void)
{
	unsigned n = atomic_load(&fail_next);

	while (n && !atomic_compare_exchange_weak(&fail_next, &n, n - 1))
		;
	return n != 0;
}

#ifdef SECMEM_PLAIN_HEAP
#include <stdlib.h>

void *wgc_secret_alloc(size_t size)
{
	if (size > 16 << 10 || injected_failure()) {
		errno = ENOMEM;
		return NULL;
	}
	return calloc(1, size ? size : 1);
}

void wgc_secret_free(void *p, size_t size)
{
	if (!p)
		return;
	wgc_wipe(p, size);
	free(p);
}

void wgc_secmem_stats(struct wgc_secmem_stats *out)
{
	out->bytes_mapped = out->bytes_locked = 0;
}
#else

enum { CHUNK = 64 << 10, ALIGN = 64, MAX_OBJECT = 16 << 10, CLASSES = MAX_OBJECT / ALIGN };

struct free_obj {
	struct free_obj *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct free_obj *free_lists[CLASSES + 1];
static size_t mapped, locked;
static bool lock_failed; /* stop asking once the limit is reached */

/* Maps a chunk and cuts it into objects of class c, onto its free list. Under mu. */
static bool refill(unsigned c)
{
	size_t size = (size_t)c * ALIGN, n = CHUNK / size, i;
	uint8_t *chunk = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (chunk == MAP_FAILED)
		return false;
	/* failure only means an old kernel: nothing better to do than go on */
	(void)madvise(chunk, CHUNK, MADV_DONTDUMP);
	if (!lock_failed && mlock(chunk, CHUNK) == 0)
		locked += CHUNK;
	else
		lock_failed = true;
	mapped += CHUNK;
	for (i = n; i-- > 0;) {
		struct free_obj *o = (struct free_obj *)(chunk + i * size);
		o->next = free_lists[c];
		free_lists[c] = o;
	}
	return true;
}

static unsigned size_class(size_t size)
{
	return (unsigned)((size + ALIGN - 1) / ALIGN);
}

void *wgc_secret_alloc(size_t size)
{
	unsigned c = size_class(size ? size : 1);
	struct free_obj *o = NULL;

	if (size > MAX_OBJECT || injected_failure()) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&mu);
	if (free_lists[c] || refill(c)) {
		o = free_lists[c];
		free_lists[c] = o->next;
	}
	pthread_mutex_unlock(&mu);
	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	memset(o, 0, (size_t)c * ALIGN);
	return o;
}

void wgc_secret_free(void *p, size_t size)
{
	unsigned c = size_class(size ? size : 1);
	struct free_obj *o = p;

	if (!p)
		return;
	wgc_wipe(p, (size_t)c * ALIGN);
	pthread_mutex_lock(&mu);
	o->next = free_lists[c];
	free_lists[c] = o;
	pthread_mutex_unlock(&mu);
}

void wgc_secmem_stats(struct wgc_secmem_stats *out)
{
	pthread_mutex_lock(&mu);
	out->bytes_mapped = mapped;
	out->bytes_locked = locked;
	pthread_mutex_unlock(&mu);
}
#endif

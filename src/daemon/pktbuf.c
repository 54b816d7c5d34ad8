// SPDX-License-Identifier: MIT
/* Packet buffers: anonymous mappings, wiped page by page where resident (see pktbuf.h). */
#include "pktbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/crypto.h"

void *wgcd_pktbuf_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, size, MADV_DONTDUMP);
	return p;
}

size_t wgcd_pktbuf_wipe(void *buf, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = (size + page - 1) / page, i, wiped = 0;
	unsigned char *resident = malloc(pages);

	if (!resident || mincore(buf, size, resident) < 0) {
		free(resident);
		wgc_wipe(buf, size); /* residency unknown: every page */
		return size;
	}
	for (i = 0; i < pages; i++) {
		size_t off = i * page, len = size - off < page ? size - off : page;

		if (resident[i] & 1) {
			wgc_wipe((uint8_t *)buf + off, len);
			wiped += len;
		}
	}
	free(resident);
	return wiped;
}

void wgcd_pktbuf_free(void *buf, size_t size)
{
	if (!buf)
		return;
	wgcd_pktbuf_wipe(buf, size);
	munmap(buf, size);
}

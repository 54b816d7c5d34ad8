// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: SaveConfig's comment merge (src/cli/quick_comments.c)
 * on an arbitrary old file and an arbitrary generated one. The input is
 * split at its first NUL byte: before it the old file, after it the
 * generated text. Beyond not crashing: every section header of the
 * generated text is in the output (comments are added, sections never
 * dropped), and nothing else in the output starts with '['.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include "cli/quick_comments.h"

/* Lines whose first non-blank character is '['. */
static size_t headers(const char *p, size_t len)
{
	size_t n = 0;
	bool start = true;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n')
			start = true;
		else if (start && !isspace((unsigned char)p[i]))
			n += p[i] == '[', start = false;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t old_len = nul ? (size_t)(nul - data) : size;
	size_t gen_len = nul ? size - old_len - 1 : 0;
	char *old = malloc(old_len ? old_len : 1), *gen = malloc(gen_len + 1);
	struct wgc_strbuf out = { 0 };

	if (!old || !gen)
		goto out;
	memcpy(old, data, old_len);
	memcpy(gen, nul ? nul + 1 : data, gen_len);
	gen[gen_len] = '\0';
	gen_len = strlen(gen); /* generated text is a C string: it ends at a NUL */
	if (wgc_quick_keep_comments(&out, old, old_len, gen) && headers(out.data, out.len) != headers(gen, gen_len))
		abort();
out:
	wgc_strbuf_free(&out);
	free(old);
	free(gen);
	return 0;
}

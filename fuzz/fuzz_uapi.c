// SPDX-License-Identifier: MIT
/* libFuzzer target: the daemon-side UAPI set parser, then the get codec on the same bytes. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "common/uapi.h"
#include "core/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_device_model dev;
	struct wgc_strbuf sb = { 0 };
	char err[WGC_UAPI_ERRLEN];
	int ret;

	wgc_crypto_init();
	ret = wgc_uapi_parse_set(&dev, (const char *)data, size, err);
	if (ret == 0) {
		/* An accepted request re-formats to one that is accepted again. */
		struct wgc_device_model again;

		if (wgc_uapi_format_set(&sb, &dev) == 0) {
			if (wgc_uapi_parse_set(&again, sb.data, sb.len, err) != 0)
				__builtin_trap();
			wgc_model_free(&again);
		}
		wgc_strbuf_free(&sb);
		wgc_model_free(&dev);
	} else if (ret != -EPROTO && ret != -EINVAL && ret != -ENOMEM) {
		__builtin_trap();
	}
	if (wgc_uapi_parse_get(&dev, (const char *)data, size, err) == 0) {
		wgc_uapi_format_get(&sb, &dev);
		wgc_strbuf_free(&sb);
		wgc_model_free(&dev);
	}
	return 0;
}

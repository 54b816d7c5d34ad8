// SPDX-License-Identifier: MIT
/* libFuzzer target: the daemon-side UAPI set parser, then the get codec on the same bytes. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "common/uapi.h"
#include "core/crypto.h"

/* Counts the peers parse_set_each hands over; each must be the model's only one. */
static int count_peer(void *ctx, const struct wgc_device_model *m, const struct wgc_peer_model *p)
{
	if (m->n_peers != 1 || p != &m->peers[0])
		__builtin_trap();
	++*(size_t *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_device_model dev;
	struct wgc_strbuf sb = { 0 };
	char err[WGC_UAPI_ERRLEN];
	int ret;

	wgc_crypto_init();
	{
		/* peer by peer (how wgcd applies a set) accepts and rejects alike, with the same peers */
		struct wgc_device_model each, whole;
		size_t n = 0;
		int r1 = wgc_uapi_parse_set_each(&each, (const char *)data, size, err, count_peer, &n);
		int r2 = wgc_uapi_parse_set(&whole, (const char *)data, size, err);

		if (r1 != r2 || (r1 == 0 && (n != whole.n_peers || each.n_peers != 0)))
			__builtin_trap();
		if (r1 == 0) {
			wgc_model_free(&each);
			wgc_model_free(&whole);
		}
	}
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

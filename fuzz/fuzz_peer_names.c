// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the friendly-name reader of `wgc metrics` (config
 * comments) on arbitrary bytes, then the exposition of a device whose peer
 * keys are the names' keys: names must come out escaped, never crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/metrics_format.h"
#include "common/peer_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_peer_names names = { 0 };
	struct wgc_device_model dev = { .name = "wg0" };
	struct wgc_strbuf out = { 0 };

	wgc_peer_names_parse(&names, (const char *)data, size);
	for (size_t i = 0; i < names.n && i < 8; i++) {
		struct wgc_peer_model *p = wgc_model_add_peer(&dev);

		if (!p)
			break;
		memcpy(p->public_key, names.items[i].public_key, sizeof(p->public_key));
		if (strlen(names.items[i].name) >= WGC_PEER_NAME_MAX)
			__builtin_trap();
	}
	wgc_metrics_format(&out, &dev, 1, &names, 0);
	/* Every sample line is one line: a name's newline never splits it. */
	for (size_t i = 0; out.data && i < out.len; i++)
		if (out.data[i] == '\n' && i + 1 < out.len && out.data[i + 1] != '#' && out.data[i + 1] != 'w')
			__builtin_trap();
	wgc_strbuf_free(&out);
	wgc_model_free(&dev);
	wgc_peer_names_free(&names);
	return 0;
}

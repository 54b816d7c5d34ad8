// SPDX-License-Identifier: MIT
/* libFuzzer target: the hub file scanner and every edit built on its ranges. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provision/hubfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	const char *buf = (const char *)data;
	struct wgc_hub_file hf;
	char err[WGC_HUB_ERRLEN];

	if (!wgc_hub_file_parse(&hf, buf, size, err))
		return 0;
	if (hf.interface_start > size || hf.interface_end > size)
		abort();
	for (size_t i = 0; i < hf.n_peers; i++) {
		struct wgc_strbuf a = { 0 }, b = { 0 };
		const struct wgc_hub_peer *p = &hf.peers[i];

		if (p->start > p->end || p->end > size || (i && p->start < hf.peers[i - 1].end))
			abort(); /* ranges are in order and never overlap */
		wgc_hub_splice_out(&a, buf, size, p);
		wgc_hub_set_mac(&b, buf, size, p, mac);
		if (!a.failed && a.len != size - (p->end - p->start))
			abort();
		wgc_strbuf_free(&a);
		wgc_strbuf_free(&b);
	}
	{
		struct wgc_strbuf d = { 0 };

		wgc_hub_append(&d, buf, size, "[Peer]\n# friendly_name = x\n");
		wgc_strbuf_free(&d);
	}
	wgc_hub_file_free(&hf);
	return 0;
}

// SPDX-License-Identifier: MIT
/* libFuzzer target: the wake request a hub's responder reads from the tunnel. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provision/wake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[WGC_HUB_NAME_MAX + 1], again[WGC_WAKE_MSG_MAX];
	size_t n;

	if (!wgc_wake_request_parse((const char *)data, size, name))
		return 0;
	/* what parses is exactly what the client would have sent */
	n = wgc_wake_request_format(again, name);
	if (n != size || memcmp(again, data, size))
		abort();
	return 0;
}

// SPDX-License-Identifier: MIT
/* libFuzzer target: the wg config-file parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/config.h"
#include "common/strbuf.h"
#include "common/uapi.h"
#include "core/crypto.h"

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* No DNS, no sleeping: numeric endpoints only. */
static bool numeric(union wgc_endpoint *ep, const char *host, const char *port, const char *text, char *err,
		    size_t errlen, const struct wgc_config_hooks *hooks)
{
	char buf[WGC_ENDPOINT_STRLEN];

	(void)text;
	(void)hooks;
	snprintf(buf, sizeof(buf), "[%s]:%s", host, port);
	if (wgc_endpoint_parse_numeric(ep, buf))
		return true;
	snprintf(buf, sizeof(buf), "%s:%s", host, port);
	if (wgc_endpoint_parse_numeric(ep, buf))
		return true;
	snprintf(err, errlen, "unresolvable");
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct wgc_config_hooks hooks = { .resolve = numeric, .warn = quiet };
	struct wgc_device_model dev, back;
	struct wgc_strbuf sb = { 0 };
	char err[WGC_CONFIG_ERRLEN], uerr[WGC_UAPI_ERRLEN];

	wgc_crypto_init();
	if (!wgc_config_parse(&dev, (const char *)data, size, "fuzz.conf", size & 1, &hooks, err))
		return 0;
	/* Whatever parses must survive the trip to UAPI text and back. */
	if (wgc_uapi_format_set(&sb, &dev) == 0 && wgc_uapi_parse_set(&back, sb.data, sb.len, uerr) == 0) {
		if (back.n_peers != dev.n_peers)
			__builtin_trap();
		wgc_model_free(&back);
	}
	wgc_strbuf_free(&sb);
	wgc_model_free(&dev);
	return 0;
}

// SPDX-License-Identifier: MIT
/* SaveConfig of a hub: wg-quick's saved text gets the old file's peer names and hub lines back. */
#include <stdlib.h>

#include "cli/hub.h"
#include "common/config.h"
#include "common/strbuf.h"
#include "core/crypto.h"
#include "provision/hubfile.h"

void cli_hub_keep_names(const char *path, struct wgc_strbuf *saved)
{
	char err[WGC_CONFIG_ERRLEN];
	struct wgc_strbuf out = { 0 };
	char *old;
	size_t len;

	if (saved->failed || !wgc_config_read_file(path, &old, &len, false, err, sizeof(err), NULL))
		return;
	if (wgc_hub_carry_names(&out, old, len, saved->data ? saved->data : "", saved->len) && !out.failed) {
		wgc_strbuf_free(saved);
		*saved = out;
	} else {
		wgc_strbuf_free(&out);
	}
	wgc_wipe(old, len);
	free(old);
}

// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "cli/wgc.h"
#include "common/addr.h"
#include "common/show_format.h"
#include "ipc/ipc.h"
#include "core/crypto.h"
#include "core/encoding.h"

int showconf_main(int argc, const char *argv[])
{
	char k[WGC_KEY_B64_LEN], pfx[WGC_PREFIX_STRLEN];
	struct wgc_strbuf out = { 0 };
	struct wgc_device_model dev;
	int err, ret;

	if (argc != 2) {
		fprintf(stderr, "Usage: %s %s <interface>\n", PROG_NAME, argv[0]);
		return 1;
	}
	err = wgc_ipc_get(&dev, argv[1]);
	if (err) {
		fprintf(stderr, "Unable to access interface %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	wgc_strbuf_printf(&out, "[Interface]\n");
	if (dev.listen_port)
		wgc_strbuf_printf(&out, "ListenPort = %u\n", dev.listen_port);
	if (dev.fwmark)
		wgc_strbuf_printf(&out, "FwMark = 0x%x\n", dev.fwmark);
	if (dev.flags & WGC_DEVICE_HAS_PRIVATE_KEY) {
		wgc_key_to_base64(k, dev.private_key);
		wgc_strbuf_printf(&out, "PrivateKey = %s\n", k);
	}
	wgc_strbuf_printf(&out, "\n");
	for (size_t n = 0; n < dev.n_peers; n++) {
		const struct wgc_peer_model *p = &dev.peers[n];

		wgc_key_to_base64(k, p->public_key);
		wgc_strbuf_printf(&out, "[Peer]\nPublicKey = %s\n", k);
		if (p->flags & WGC_PEER_HAS_PRESHARED_KEY) {
			wgc_key_to_base64(k, p->preshared_key);
			wgc_strbuf_printf(&out, "PresharedKey = %s\n", k);
		}
		if (p->n_allowed_ips)
			wgc_strbuf_printf(&out, "AllowedIPs = ");
		for (size_t i = 0; i < p->n_allowed_ips; i++) {
			if (p->allowed_ips[i].family != AF_INET && p->allowed_ips[i].family != AF_INET6)
				continue;
			wgc_prefix_format(pfx, &p->allowed_ips[i]);
			wgc_strbuf_printf(&out, "%s%s", pfx, i + 1 < p->n_allowed_ips ? ", " : "");
		}
		if (p->n_allowed_ips)
			wgc_strbuf_printf(&out, "\n");
		wgc_show_endpoint_lines(&out, p);
		if (p->persistent_keepalive)
			wgc_strbuf_printf(&out, "PersistentKeepalive = %u\n", p->persistent_keepalive);
		if (n + 1 < dev.n_peers)
			wgc_strbuf_printf(&out, "\n");
	}
	wgc_wipe(k, sizeof(k));
	wgc_model_free(&dev);
	ret = cli_write_stdout(&out) ? 0 : 1;
	wgc_strbuf_free(&out);
	return ret;
}

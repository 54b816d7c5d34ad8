// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <string.h>

#include "common/addr.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "provision/pool.h"
#include "provision/render.h"

void wgc_prefix_list_format(struct wgc_strbuf *out, const struct wgc_allowed_ip *ips, size_t n)
{
	char pfx[WGC_PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++) {
		wgc_prefix_format(pfx, &ips[i]);
		wgc_strbuf_printf(out, "%s%s", i ? ", " : "", pfx);
	}
}

static void key_line(struct wgc_strbuf *out, const char *name, const uint8_t key[32])
{
	char b64[WGC_KEY_B64_LEN];

	wgc_key_to_base64(b64, key);
	wgc_strbuf_printf(out, "%s = %s\n", name, b64);
	wgc_wipe(b64, sizeof(b64));
}

/* One masquerade rule per LAN (or one for everything leaving by another interface). */
static void nat_rules(struct wgc_strbuf *out, const struct wgc_hub_params *p, const struct wgc_allowed_ip *net)
{
	const char *fam = net->family == AF_INET ? "ip" : "ip6";
	char pfx[WGC_PREFIX_STRLEN];
	struct wgc_allowed_ip lan;

	wgc_prefix_format(pfx, net);
	if (!p->n_lan) {
		wgc_strbuf_printf(out, "\nPostUp = nft add rule inet %s postrouting %s saddr %s oifname != %%i masquerade",
				  WGC_HUB_NFT_TABLE, fam, pfx);
		return;
	}
	for (size_t i = 0; i < p->n_lan; i++) {
		bool is_prefix = wgc_prefix_parse(&lan, p->lan[i], true);

		if (is_prefix && lan.family != net->family)
			continue;
		wgc_strbuf_printf(out, "\nPostUp = nft add rule inet %s postrouting %s saddr %s %s %s masquerade",
				  WGC_HUB_NFT_TABLE, fam, pfx, is_prefix ? (lan.family == AF_INET ? "ip daddr" : "ip6 daddr")
									: "oifname",
				  p->lan[i]);
	}
}

void wgc_hub_render(struct wgc_strbuf *out, const struct wgc_hub_params *p)
{
	const struct wgc_allowed_ip *nets[2] = { NULL, NULL };
	struct wgc_allowed_ip addr[2];
	char pfx[WGC_PREFIX_STRLEN];
	size_t n = 0;

	if (p->subnet4.family)
		nets[n++] = &p->subnet4;
	if (p->subnet6.family)
		nets[n++] = &p->subnet6;
	wgc_strbuf_printf(out, "# wgc hub\n"
			       "# Written by `wgc hub init'. A plain wg-quick file: `wgc peer add/remove' edit it in\n"
			       "# place and keep every other line as it is. No SaveConfig on purpose (a save would\n"
			       "# drop the peers' names). PostUp turns forwarding on and adds the NAT table.\n");
	wgc_strbuf_printf(out, "# wgc endpoint = %s\n", p->endpoint);
	for (size_t i = 0; i < n; i++) {
		wgc_prefix_format(pfx, nets[i]);
		wgc_strbuf_printf(out, "# wgc subnet = %s\n", pfx);
	}
	if (p->dns && *p->dns)
		wgc_strbuf_printf(out, "# wgc dns = %s\n", p->dns);
	for (size_t i = 0; i < p->n_lan; i++)
		wgc_strbuf_printf(out, "# wgc lan = %s\n", p->lan[i]);
	if (p->allowed_ips && *p->allowed_ips)
		wgc_strbuf_printf(out, "# wgc allowed_ips = %s\n", p->allowed_ips);
	if (p->keepalive_peers && *p->keepalive_peers)
		wgc_strbuf_printf(out, "# wgc keepalive_peers = %s\n", p->keepalive_peers);
	wgc_strbuf_printf(out, "[Interface]\nAddress = ");
	for (size_t i = 0; i < n; i++) {
		wgc_pool_first(nets[i], &addr[i]);
		addr[i].cidr = nets[i]->cidr;
	}
	wgc_prefix_list_format(out, addr, n);
	wgc_strbuf_printf(out, "\nListenPort = %u\n", p->port);
	key_line(out, "PrivateKey", p->private_key);
	for (size_t i = 0; i < n; i++)
		wgc_strbuf_printf(out, "PostUp = sysctl -q -w %s=1\n",
				  nets[i]->family == AF_INET ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding");
	wgc_strbuf_printf(out, "PostUp = nft add table inet %s\nPostUp = nft add chain inet %s postrouting "
			       "'{ type nat hook postrouting priority 100; policy accept; }'",
			  WGC_HUB_NFT_TABLE, WGC_HUB_NFT_TABLE);
	for (size_t i = 0; i < n; i++)
		nat_rules(out, p, nets[i]);
	wgc_strbuf_printf(out, "\nPostDown = nft delete table inet %s\n", WGC_HUB_NFT_TABLE);
}

void wgc_hub_peer_render(struct wgc_strbuf *out, const char *name, const uint8_t public_key[32],
			 const uint8_t *preshared_key, const struct wgc_allowed_ip *ips, size_t n_ips)
{
	wgc_strbuf_printf(out, "[Peer]\n# friendly_name = %s\n", name);
	key_line(out, "PublicKey", public_key);
	if (preshared_key)
		key_line(out, "PresharedKey", preshared_key);
	wgc_strbuf_printf(out, "AllowedIPs = ");
	wgc_prefix_list_format(out, ips, n_ips);
	wgc_strbuf_printf(out, "\n");
}

void wgc_profile_render(struct wgc_strbuf *out, const struct wgc_profile *p)
{
	wgc_strbuf_printf(out, "[Interface]\n");
	key_line(out, "PrivateKey", p->private_key);
	wgc_strbuf_printf(out, "Address = ");
	wgc_prefix_list_format(out, p->ips, p->n_ips);
	wgc_strbuf_printf(out, "\n");
	if (p->dns && *p->dns)
		wgc_strbuf_printf(out, "DNS = %s\n", p->dns);
	wgc_strbuf_printf(out, "\n[Peer]\n");
	key_line(out, "PublicKey", p->hub_public_key);
	if (p->preshared_key)
		key_line(out, "PresharedKey", p->preshared_key);
	wgc_strbuf_printf(out, "Endpoint = %s\nAllowedIPs = %s\n", p->endpoint, p->allowed_ips);
	if (p->keepalive)
		wgc_strbuf_printf(out, "PersistentKeepalive = %u\n", p->keepalive);
}

// SPDX-License-Identifier: MIT
/*
 * WireGuard generic-netlink codec (see wgnl.h for the message layout).
 * libmnl does the attribute plumbing on our buffers; nothing here opens a
 * socket, so the unit tests and fuzz_wgnl drive exactly this code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "common/wgnl.h"
#include "core/crypto.h"

/* Linux 6.16 (commit ba3d7b93dbe8) added these; Debian 12's header lacks them. */
enum { WGC_WGALLOWEDIP_A_FLAGS = 4, WGC_WGALLOWEDIP_F_REMOVE_ME = 1U << 0 };

/* nla_len is 16 bits: a nest must stay below 64 KiB. */
enum { MAX_MSG = 65535 };

static struct nlmsghdr *put_header(void *buf, size_t size, uint16_t family, uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	/* libmnl does not promise zeroed attribute padding: no stale bytes (keys) go out */
	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = WGC_WGNL_VERSION;
	return nlh;
}

int wgc_wgnl_build_get(void *buf, size_t size, uint16_t family, uint32_t seq, const char *ifname)
{
	struct nlmsghdr *nlh;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(GENL_HDRLEN))
		return -EINVAL;
	nlh = put_header(buf, size, family, WG_CMD_GET_DEVICE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq);
	if (!mnl_attr_put_strz_check(nlh, size, WGDEVICE_A_IFNAME, ifname))
		return -EINVAL;
	return (int)nlh->nlmsg_len;
}

static bool put_device(struct nlmsghdr *nlh, size_t size, const struct wgc_device_model *d)
{
	bool ok = true;

	if (d->flags & WGC_DEVICE_HAS_PRIVATE_KEY)
		ok &= mnl_attr_put_check(nlh, size, WGDEVICE_A_PRIVATE_KEY, WGC_KEY_LEN, d->private_key);
	if (d->flags & WGC_DEVICE_HAS_LISTEN_PORT)
		ok &= mnl_attr_put_u16_check(nlh, size, WGDEVICE_A_LISTEN_PORT, d->listen_port);
	if (d->flags & WGC_DEVICE_HAS_FWMARK)
		ok &= mnl_attr_put_u32_check(nlh, size, WGDEVICE_A_FWMARK, d->fwmark);
	if (d->flags & WGC_DEVICE_REPLACE_PEERS)
		ok &= mnl_attr_put_u32_check(nlh, size, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
	return ok;
}

/* The attributes a peer sends once, in its first piece. */
static bool put_peer_head(struct nlmsghdr *nlh, size_t size, const struct wgc_peer_model *p, bool first)
{
	uint32_t flags = p->flags & WGC_PEER_REMOVE_ME ? WGPEER_F_REMOVE_ME : 0;
	const union wgc_endpoint *ep = &p->endpoint;
	bool ok = mnl_attr_put_check(nlh, size, WGPEER_A_PUBLIC_KEY, WGC_KEY_LEN, p->public_key);

	if (first) {
		if (p->flags & WGC_PEER_REPLACE_ALLOWEDIPS)
			flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
		if (p->flags & WGC_PEER_UPDATE_ONLY)
			flags |= WGPEER_F_UPDATE_ONLY;
		if (p->flags & WGC_PEER_HAS_PRESHARED_KEY)
			ok = ok && mnl_attr_put_check(nlh, size, WGPEER_A_PRESHARED_KEY, WGC_KEY_LEN, p->preshared_key);
		if ((p->flags & WGC_PEER_HAS_ENDPOINT) && ep->addr.sa_family == AF_INET)
			ok = ok && mnl_attr_put_check(nlh, size, WGPEER_A_ENDPOINT, sizeof(ep->addr4), &ep->addr4);
		else if ((p->flags & WGC_PEER_HAS_ENDPOINT) && ep->addr.sa_family == AF_INET6)
			ok = ok && mnl_attr_put_check(nlh, size, WGPEER_A_ENDPOINT, sizeof(ep->addr6), &ep->addr6);
		if (p->flags & WGC_PEER_HAS_PERSISTENT_KEEPALIVE)
			ok = ok && mnl_attr_put_u16_check(nlh, size, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
							  p->persistent_keepalive);
	}
	if (flags)
		ok = ok && mnl_attr_put_u32_check(nlh, size, WGPEER_A_FLAGS, flags);
	return ok;
}

static bool put_allowed_ip(struct nlmsghdr *nlh, size_t size, const struct wgc_allowed_ip *ip)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, 0);
	bool ok = nest != NULL;

	ok = ok && mnl_attr_put_u16_check(nlh, size, WGALLOWEDIP_A_FAMILY, ip->family);
	if (ip->family == AF_INET)
		ok = ok && mnl_attr_put_check(nlh, size, WGALLOWEDIP_A_IPADDR, sizeof(ip->ip4), &ip->ip4);
	else
		ok = ok && mnl_attr_put_check(nlh, size, WGALLOWEDIP_A_IPADDR, sizeof(ip->ip6), &ip->ip6);
	ok = ok && mnl_attr_put_u8_check(nlh, size, WGALLOWEDIP_A_CIDR_MASK, ip->cidr);
	if (ip->remove)
		ok = ok && mnl_attr_put_u32_check(nlh, size, WGC_WGALLOWEDIP_A_FLAGS, WGC_WGALLOWEDIP_F_REMOVE_ME);
	if (ok)
		mnl_attr_nest_end(nlh, nest);
	else if (nest)
		mnl_attr_nest_cancel(nlh, nest);
	return ok;
}

/* Allowed IPs of p from cur->aip on, as many as fit (*full: not all); the number placed. */
static long put_allowed_ips(struct nlmsghdr *nlh, size_t size, const struct wgc_peer_model *p,
			    struct wgc_wgnl_cursor *cur, bool *full)
{
	struct nlattr *nest;
	long placed = 0;

	*full = false;
	if (cur->aip >= p->n_allowed_ips)
		return 0;
	nest = mnl_attr_nest_start_check(nlh, size, WGPEER_A_ALLOWEDIPS);
	if (!nest) {
		*full = true;
		return 0;
	}
	for (; cur->aip < p->n_allowed_ips; cur->aip++) {
		const struct wgc_allowed_ip *ip = &p->allowed_ips[cur->aip];

		if (ip->family != AF_INET && ip->family != AF_INET6)
			continue; /* no address to send (the parsers never make one) */
		if (!put_allowed_ip(nlh, size, ip)) {
			*full = true;
			break;
		}
		placed++;
	}
	if (placed > 0)
		mnl_attr_nest_end(nlh, nest);
	else
		mnl_attr_nest_cancel(nlh, nest);
	return placed;
}

/*
 * One peer piece. Returns 1 when the peer is complete, 0 when the message
 * is full (the cursor says where to go on), -E2BIG when nothing of it fit
 * although it came first in the message.
 */
static int put_peer(struct nlmsghdr *nlh, size_t size, const struct wgc_peer_model *p,
		    struct wgc_wgnl_cursor *cur, bool first_in_msg)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, 0);
	bool had_head = cur->in_peer, full;
	long placed;

	if (!nest || !put_peer_head(nlh, size, p, !cur->in_peer)) {
		if (nest)
			mnl_attr_nest_cancel(nlh, nest);
		return first_in_msg ? -E2BIG : 0;
	}
	placed = put_allowed_ips(nlh, size, p, cur, &full);
	if (full && placed <= 0 && (had_head || !first_in_msg)) {
		/* only a head, already sent or sendable next time: no progress here */
		mnl_attr_nest_cancel(nlh, nest);
		return first_in_msg ? -E2BIG : 0;
	}
	mnl_attr_nest_end(nlh, nest);
	cur->in_peer = full;
	if (full)
		return 0;
	cur->aip = 0;
	return 1;
}

int wgc_wgnl_build_set(void *buf, size_t size, uint16_t family, uint32_t seq, const char *ifname,
		       const struct wgc_device_model *change, struct wgc_wgnl_cursor *cur)
{
	struct nlattr *peers;
	struct nlmsghdr *nlh;
	bool first = true;

	if (size > MAX_MSG)
		size = MAX_MSG;
	if (cur->done || size < MNL_NLMSG_HDRLEN + MNL_ALIGN(GENL_HDRLEN))
		return cur->done ? 0 : -E2BIG;
	nlh = put_header(buf, size, family, WG_CMD_SET_DEVICE, NLM_F_REQUEST | NLM_F_ACK, seq);
	if (!mnl_attr_put_strz_check(nlh, size, WGDEVICE_A_IFNAME, ifname))
		return -EINVAL;
	if (!cur->started && !put_device(nlh, size, change))
		return -E2BIG;
	cur->started = true;
	if (cur->peer < change->n_peers) {
		peers = mnl_attr_nest_start_check(nlh, size, WGDEVICE_A_PEERS);
		if (!peers)
			return -E2BIG;
		for (; cur->peer < change->n_peers; cur->peer++, first = false) {
			int r = put_peer(nlh, size, &change->peers[cur->peer], cur, first);

			if (r < 0)
				return r;
			if (r == 0)
				break;
		}
		mnl_attr_nest_end(nlh, peers);
	}
	cur->done = cur->peer >= change->n_peers;
	return (int)nlh->nlmsg_len;
}

/* ---- parsing ---- */

struct parse_ctx {
	struct wgc_device_model *dev;
	struct wgc_peer_model *peer;
	int err;
};

/*
 * libmnl stops quietly at the first attribute that overruns its container;
 * we want such a message refused, so a container must be tiled exactly by
 * attributes (each padded to 4 bytes, the last one's padding optional).
 */
static bool tiles(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len >= sizeof(struct nlattr)) {
		struct nlattr a;
		size_t step;

		memcpy(&a, b, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > len)
			return false;
		step = (size_t)MNL_ALIGN(a.nla_len) < len ? (size_t)MNL_ALIGN(a.nla_len) : len;
		b += step;
		len -= step;
	}
	return len == 0;
}

static int parse_nested(const struct nlattr *a, mnl_attr_cb_t cb, void *data)
{
	if (!tiles(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a)))
		return MNL_CB_ERROR;
	return mnl_attr_parse_nested(a, cb, data);
}

static bool len_is(const struct nlattr *a, size_t n)
{
	return mnl_attr_get_payload_len(a) == n;
}

static int fail(struct parse_ctx *c, int err)
{
	c->err = err;
	return MNL_CB_ERROR;
}

/* One allowed IP as it arrives; the address length says which family it claims. */
struct aip_scratch {
	struct wgc_allowed_ip ip;
	size_t addr_len;
};

static int allowed_ip_attr(const struct nlattr *a, void *data)
{
	struct aip_scratch *s = data;

	switch (mnl_attr_get_type(a)) {
	case WGALLOWEDIP_A_FAMILY:
		if (len_is(a, 2))
			s->ip.family = mnl_attr_get_u16(a);
		break;
	case WGALLOWEDIP_A_IPADDR:
		s->addr_len = mnl_attr_get_payload_len(a);
		if (s->addr_len == sizeof(s->ip.ip4))
			memcpy(&s->ip.ip4, mnl_attr_get_payload(a), sizeof(s->ip.ip4));
		else if (s->addr_len == sizeof(s->ip.ip6))
			memcpy(&s->ip.ip6, mnl_attr_get_payload(a), sizeof(s->ip.ip6));
		break;
	case WGALLOWEDIP_A_CIDR_MASK:
		if (len_is(a, 1))
			s->ip.cidr = mnl_attr_get_u8(a);
		break;
	}
	return MNL_CB_OK;
}

static int allowed_ips_attr(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	struct aip_scratch s = { .ip.cidr = 0xff };
	struct wgc_allowed_ip *slot;

	if (parse_nested(a, allowed_ip_attr, &s) < 0)
		return fail(c, -EINVAL);
	/* as wg: an allowed IP the kernel cannot have sent fails the whole read */
	if (!((s.ip.family == AF_INET && s.addr_len == sizeof(s.ip.ip4) && s.ip.cidr <= 32) ||
	      (s.ip.family == AF_INET6 && s.addr_len == sizeof(s.ip.ip6) && s.ip.cidr <= 128)))
		return fail(c, -EINVAL);
	slot = wgc_model_add_allowed_ip(c->peer);
	if (!slot)
		return fail(c, -ENOMEM);
	*slot = s.ip;
	return MNL_CB_OK;
}

static void peer_endpoint(struct wgc_peer_model *p, const struct nlattr *a)
{
	const struct sockaddr *sa = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	if (len < sizeof(sa_family_t))
		return;
	if ((sa->sa_family == AF_INET && len == sizeof(struct sockaddr_in)) ||
	    (sa->sa_family == AF_INET6 && len == sizeof(struct sockaddr_in6))) {
		memcpy(&p->endpoint, sa, len);
		p->flags |= WGC_PEER_HAS_ENDPOINT;
	}
}

static int peer_attr(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	struct wgc_peer_model *p = c->peer;
	int64_t ts[2];

	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_PUBLIC_KEY:
		if (len_is(a, WGC_KEY_LEN)) {
			memcpy(p->public_key, mnl_attr_get_payload(a), WGC_KEY_LEN);
			p->flags |= WGC_PEER_HAS_PUBLIC_KEY;
		}
		break;
	case WGPEER_A_PRESHARED_KEY:
		if (len_is(a, WGC_KEY_LEN)) {
			memcpy(p->preshared_key, mnl_attr_get_payload(a), WGC_KEY_LEN);
			if (!wgc_is_zero(p->preshared_key, WGC_KEY_LEN))
				p->flags |= WGC_PEER_HAS_PRESHARED_KEY;
		}
		break;
	case WGPEER_A_ENDPOINT:
		peer_endpoint(p, a);
		break;
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (len_is(a, 2)) {
			p->persistent_keepalive = mnl_attr_get_u16(a);
			p->flags |= WGC_PEER_HAS_PERSISTENT_KEEPALIVE;
		}
		break;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		if (len_is(a, sizeof(ts))) {
			memcpy(ts, mnl_attr_get_payload(a), sizeof(ts));
			p->last_handshake_sec = ts[0];
			p->last_handshake_nsec = ts[1];
		}
		break;
	case WGPEER_A_RX_BYTES:
		if (len_is(a, 8))
			p->rx_bytes = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_TX_BYTES:
		if (len_is(a, 8))
			p->tx_bytes = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_ALLOWEDIPS:
		return parse_nested(a, allowed_ips_attr, c) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	}
	return MNL_CB_OK;
}

/* A peer repeating the one before it is that peer's continuation: move its allowed IPs over. */
static int coalesce(struct parse_ctx *c)
{
	struct wgc_device_model *d = c->dev;
	struct wgc_peer_model *prev, *last = &d->peers[d->n_peers - 1];

	if (d->n_peers < 2)
		return MNL_CB_OK;
	prev = last - 1;
	if (memcmp(prev->public_key, last->public_key, WGC_KEY_LEN))
		return MNL_CB_OK;
	for (size_t i = 0; i < last->n_allowed_ips; i++) {
		struct wgc_allowed_ip *slot = wgc_model_add_allowed_ip(prev);

		if (!slot)
			return fail(c, -ENOMEM);
		*slot = last->allowed_ips[i];
	}
	free(last->allowed_ips);
	wgc_wipe(last, sizeof(*last));
	d->n_peers--;
	return MNL_CB_OK;
}

static int peers_attr(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;

	c->peer = wgc_model_add_peer(c->dev);
	if (!c->peer)
		return fail(c, -ENOMEM);
	if (parse_nested(a, peer_attr, c) < 0)
		return fail(c, c->err ? c->err : -EINVAL);
	if (!(c->peer->flags & WGC_PEER_HAS_PUBLIC_KEY))
		return fail(c, -EINVAL);
	return coalesce(c);
}

static int device_attr(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	struct wgc_device_model *d = c->dev;
	size_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case WGDEVICE_A_IFNAME:
		if (len && len <= sizeof(d->name) && memchr(mnl_attr_get_payload(a), '\0', len))
			memcpy(d->name, mnl_attr_get_payload(a), len);
		break;
	case WGDEVICE_A_PRIVATE_KEY:
		if (len == WGC_KEY_LEN) {
			memcpy(d->private_key, mnl_attr_get_payload(a), WGC_KEY_LEN);
			d->flags |= WGC_DEVICE_HAS_PRIVATE_KEY;
		}
		break;
	case WGDEVICE_A_PUBLIC_KEY:
		if (len == WGC_KEY_LEN) {
			memcpy(d->public_key, mnl_attr_get_payload(a), WGC_KEY_LEN);
			d->flags |= WGC_DEVICE_HAS_PUBLIC_KEY;
		}
		break;
	case WGDEVICE_A_LISTEN_PORT:
		if (len == 2) {
			d->listen_port = mnl_attr_get_u16(a);
			d->flags |= WGC_DEVICE_HAS_LISTEN_PORT;
		}
		break;
	case WGDEVICE_A_FWMARK:
		if (len == 4) {
			d->fwmark = mnl_attr_get_u32(a);
			d->flags |= WGC_DEVICE_HAS_FWMARK;
		}
		break;
	case WGDEVICE_A_PEERS:
		return parse_nested(a, peers_attr, c) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	}
	return MNL_CB_OK;
}

int wgc_wgnl_parse_get(struct wgc_device_model *state, const void *msg, size_t len)
{
	const struct nlmsghdr *nlh = msg;
	const struct genlmsghdr *genl;
	struct parse_ctx c = { .dev = state };

	/* not mnl_nlmsg_ok: it compares nlmsg_len as an int, so a length >= 2^31 passes */
	if (len < MNL_NLMSG_HDRLEN || nlh->nlmsg_len > len || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(GENL_HDRLEN))
		return -EINVAL;
	genl = mnl_nlmsg_get_payload(nlh);
	if (genl->cmd != WG_CMD_GET_DEVICE ||
	    !tiles((const uint8_t *)genl + MNL_ALIGN(GENL_HDRLEN), nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(GENL_HDRLEN)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, MNL_ALIGN(GENL_HDRLEN), device_attr, &c) < 0)
		return c.err ? c.err : -EINVAL;
	return 0;
}

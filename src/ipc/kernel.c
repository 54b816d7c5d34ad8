// SPDX-License-Identifier: MIT
/*
 * The kernel backend: sockets and family lookup with libmnl, the WireGuard
 * messages themselves from the codec in common/wgnl.c. Behaves as
 * wireguard-tools' ipc-linux.h: the same requests, the same split of large
 * changes, a dump interrupted by a concurrent change (NLM_F_DUMP_INTR) read
 * again from the start, and the kernel's errno passed through unchanged so
 * callers print what wg prints.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "common/wgnl.h"
#include "core/crypto.h"
#include "ipc/kernel.h"

/* Receive buffer: the kernel sizes dump messages to what the reader takes, up to 32 KiB. */
enum { RECV_SIZE = 32768 };

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	uint32_t seq;
	uint8_t *buf; /* RECV_SIZE bytes; replies hold keys, wiped on close */
};

static int nl_open(struct nl *nl, int bus)
{
	memset(nl, 0, sizeof(*nl));
	nl->buf = calloc(1, RECV_SIZE);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		if (nl->sock)
			mnl_socket_close(nl->sock);
		free(nl->buf);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	if (nl->buf) {
		wgc_wipe(nl->buf, RECV_SIZE);
		free(nl->buf);
	}
	memset(nl, 0, sizeof(*nl));
}

/*
 * Sends one request (its nlmsg_seq already set to nl->seq) and runs cb on
 * every reply until the dump's end or the ACK. 0 or -errno (the kernel's).
 */
static int nl_talk(struct nl *nl, const void *req, size_t len, mnl_cb_t cb, void *data)
{
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl->sock, req, len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, RECV_SIZE);
		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run(nl->buf, (size_t)n, nl->seq, nl->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		return errno ? -errno : -EINVAL;
	return 0;
}

/* ---- generic netlink family lookup ---- */

static int family_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_get_payload_len(a) == sizeof(uint16_t))
		*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr, data);
}

/* The "wireguard" family id; -EPROTONOSUPPORT when the kernel has none (as wg). */
static int resolve_family(struct nl *nl, uint16_t *id)
{
	uint8_t req[256];
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int ret;

	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WGC_WGNL_FAMILY_NAME);
	*id = 0;
	ret = nl_talk(nl, req, nlh->nlmsg_len, family_cb, id);
	if (ret == -ENOENT || (!ret && !*id))
		return -EPROTONOSUPPORT;
	return ret;
}

static int open_genl(struct nl *nl, uint16_t *family)
{
	int ret = nl_open(nl, NETLINK_GENERIC);

	if (!ret) {
		ret = resolve_family(nl, family);
		if (ret)
			nl_close(nl);
	}
	return ret;
}

/* ---- WG_CMD_GET_DEVICE / WG_CMD_SET_DEVICE ---- */

static int device_cb(const struct nlmsghdr *nlh, void *data)
{
	int ret = wgc_wgnl_parse_get(data, nlh, nlh->nlmsg_len);

	if (ret) {
		errno = -ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int wgc_kernel_get(struct wgc_device_model *state, const char *ifname)
{
	uint8_t req[256];
	uint16_t family;
	struct nl nl;
	int ret, len;

	for (;;) {
		memset(state, 0, sizeof(*state));
		ret = open_genl(&nl, &family);
		if (ret)
			return ret;
		len = wgc_wgnl_build_get(req, sizeof(req), family, ++nl.seq, ifname);
		ret = len < 0 ? len : nl_talk(&nl, req, (size_t)len, device_cb, state);
		nl_close(&nl);
		if (ret != -EINTR)
			break;
		/* the peer list changed during the dump: read it again, as wg does */
		wgc_model_free(state);
	}
	if (ret)
		wgc_model_free(state);
	else
		snprintf(state->name, sizeof(state->name), "%s", ifname);
	return ret;
}

int wgc_kernel_set(const struct wgc_device_model *change, const char *ifname)
{
	struct wgc_wgnl_cursor cur = { 0 };
	size_t size = (size_t)MNL_SOCKET_BUFFER_SIZE; /* one page, as wireguard-tools */
	uint16_t family;
	uint8_t *req;
	struct nl nl;
	int ret;

	/*
	 * wg copies the name into a 16-byte field, so it sets the interface
	 * named by the first 15 characters and usually reports "No such
	 * device". Same text here, without ever touching that other interface.
	 */
	if (strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ)
		return -ENODEV;
	req = calloc(1, size);
	if (!req)
		return -ENOMEM;
	ret = open_genl(&nl, &family);
	while (!ret && !cur.done) {
		int len = wgc_wgnl_build_set(req, size, family, ++nl.seq, ifname, change, &cur);

		ret = len < 0 ? len : nl_talk(&nl, req, (size_t)len, NULL, NULL);
	}
	if (nl.sock)
		nl_close(&nl);
	wgc_wipe(req, size);
	free(req);
	return ret;
}

/* ---- rtnetlink: which links are WireGuard ---- */

struct link {
	const char *name;
	bool wireguard;
};

static int linkinfo_attr(const struct nlattr *a, void *data)
{
	struct link *l = data;
	size_t len = mnl_attr_get_payload_len(a);

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && len == sizeof(WGC_WGNL_FAMILY_NAME) &&
	    !memcmp(mnl_attr_get_payload(a), WGC_WGNL_FAMILY_NAME, len))
		l->wireguard = true;
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
	struct link *l = data;
	size_t len = mnl_attr_get_payload_len(a);

	if (mnl_attr_get_type(a) == IFLA_LINKINFO)
		return mnl_attr_parse_nested(a, linkinfo_attr, data);
	if (mnl_attr_get_type(a) == IFLA_IFNAME && len && memchr(mnl_attr_get_payload(a), '\0', len))
		l->name = mnl_attr_get_payload(a);
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct wgc_strbuf *names = data;
	struct link l = { 0 };

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg)))
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr, &l) < 0)
		return MNL_CB_ERROR;
	if (l.name && l.wireguard && *l.name)
		wgc_strbuf_append(names, l.name, strlen(l.name) + 1);
	if (names->failed) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int wgc_kernel_list(struct wgc_strbuf *names)
{
	uint8_t req[64];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nl nl;
	int ret = nl_open(&nl, NETLINK_ROUTE);

	if (ret)
		return ret;
	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl.seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ret = nl_talk(&nl, req, nlh->nlmsg_len, link_cb, names);
	nl_close(&nl);
	/* as wg: a link set that changed during the dump gives the partial list */
	return ret == -EINTR ? 0 : ret;
}

bool wgc_kernel_is_wireguard(const char *ifname)
{
	struct wgc_strbuf names = { 0 };
	bool found = false;

	if (!wgc_kernel_list(&names))
		for (size_t off = 0; !found && off < names.len; off += strlen(names.data + off) + 1)
			found = !strcmp(names.data + off, ifname);
	wgc_strbuf_free(&names);
	return found;
}

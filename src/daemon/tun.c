// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/ifname.h"
#include "core/messages.h"
#include "daemon/offload.h"
#include "daemon/tun.h"

/* Newer than some distributions' headers (Linux 6.2). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/* ioctls on interfaces need some socket of the current namespace. */
static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, req, ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The name can change under us (`ip link set name`); the ifindex cannot,
 * so look the current name up from it on each call.
 */
static int current_name(const struct wgc_tun *tun, char name[IFNAMSIZ])
{
	if (tun->ifindex <= 0)
		return -ENODEV;
	if (!if_indextoname((unsigned)tun->ifindex, name))
		return errno == ENXIO ? -ENODEV : -errno;
	return 0;
}

static int open_queue(const char *name, unsigned flags, char out_name[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | ((flags & WGC_TUN_NONBLOCK) ? O_NONBLOCK : 0));
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (flags & WGC_TUN_MULTI_QUEUE)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (flags & WGC_TUN_VNET_HDR)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		close(fd);
		/*
		 * The kernel answers EINVAL when the name exists but is not a
		 * TUN device (say a kernel wg0 or a veth): say "taken" instead.
		 */
		if (ret == -EINVAL && if_nametoindex(name) != 0)
			ret = -EBUSY;
		return ret;
	}
	memcpy(out_name, ifr.ifr_name, IFNAMSIZ);
	out_name[IFNAMSIZ - 1] = '\0';
	return fd;
}

int wgc_tun_open(struct wgc_tun *tun, const char *name, unsigned n_queues, unsigned flags, int mtu)
{
	char got[IFNAMSIZ];
	unsigned i;
	int ret;

	memset(tun, 0, sizeof(*tun));
	for (i = 0; i < WGC_TUN_MAX_QUEUES; i++)
		tun->fds[i] = -1;
	if (wgc_ifname_valid(name) < 0 || n_queues == 0 || n_queues > WGC_TUN_MAX_QUEUES ||
	    (n_queues > 1 && !(flags & WGC_TUN_MULTI_QUEUE)) || mtu < 0)
		return -EINVAL;
	tun->flags = flags;
	for (i = 0; i < n_queues; i++) {
		ret = open_queue(name, flags, got);
		if (ret < 0)
			goto fail;
		tun->fds[i] = ret;
		tun->n_queues = i + 1;
	}
	memcpy(tun->name, got, IFNAMSIZ);
	tun->ifindex = (int)if_nametoindex(tun->name);
	if (tun->ifindex == 0) {
		ret = -ENODEV;
		goto fail;
	}
	ret = wgc_tun_set_mtu(tun, mtu ? mtu : WGC_DEFAULT_MTU);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	wgc_tun_close(tun);
	return ret;
}

void wgc_tun_close(struct wgc_tun *tun)
{
	unsigned i;

	for (i = 0; i < WGC_TUN_MAX_QUEUES; i++) {
		if (tun->fds[i] >= 0)
			close(tun->fds[i]);
		tun->fds[i] = -1;
	}
	tun->n_queues = 0;
}

int wgc_tun_set_mtu(const struct wgc_tun *tun, int mtu)
{
	char name[IFNAMSIZ];
	struct ifreq ifr;
	int ret;

	if (mtu <= 0)
		return -EINVAL;
	ret = current_name(tun, name);
	if (ret < 0)
		return ret;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = mtu;
	return ifreq_ioctl(name, SIOCSIFMTU, &ifr);
}

/* A SIOCGIF* query on the interface under its current name (it may have been renamed). */
static int query(const struct wgc_tun *tun, unsigned long request, struct ifreq *ifr)
{
	char name[IFNAMSIZ];
	int ret = current_name(tun, name);

	if (ret < 0)
		return ret;
	memset(ifr, 0, sizeof(*ifr));
	return ifreq_ioctl(name, request, ifr);
}

int wgc_tun_get_mtu(const struct wgc_tun *tun)
{
	struct ifreq ifr;
	int ret = query(tun, SIOCGIFMTU, &ifr);

	return ret < 0 ? ret : ifr.ifr_mtu;
}

int wgc_tun_get_flags(const struct wgc_tun *tun)
{
	struct ifreq ifr;
	int ret = query(tun, SIOCGIFFLAGS, &ifr);

	return ret < 0 ? ret : (int)(unsigned short)ifr.ifr_flags;
}

int wgc_tun_set_offload(const struct wgc_tun *tun, unsigned tun_f_flags)
{
	unsigned i;

	for (i = 0; i < tun->n_queues; i++) {
		if (ioctl(tun->fds[i], TUNSETOFFLOAD, (unsigned long)tun_f_flags) < 0)
			return -errno;
	}
	return 0;
}

ssize_t wgc_tun_read(const struct wgc_tun *tun, unsigned q, void *buf, size_t cap)
{
	ssize_t n;

	if (q >= tun->n_queues)
		return -EINVAL;
	n = read(tun->fds[q], buf, cap);
	return n < 0 ? -errno : n;
}

int wgc_tun_write(const struct wgc_tun *tun, unsigned q, const void *pkt, size_t len)
{
	ssize_t n;

	if (q >= tun->n_queues)
		return -EINVAL;
	n = write(tun->fds[q], pkt, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int wgc_tun_enable_offloads(const struct wgc_tun *tun, bool want_uso)
{
	static const struct {
		unsigned tun_f;
		int bits;
	} tries[] = {
		{ TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
		  WGC_TUN_OFF_CSUM | WGC_TUN_OFF_TSO | WGC_TUN_OFF_USO },
		{ TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, WGC_TUN_OFF_CSUM | WGC_TUN_OFF_TSO },
		{ TUN_F_CSUM, WGC_TUN_OFF_CSUM },
	};
	size_t i;
	int ret = -EINVAL;

	if (!(tun->flags & WGC_TUN_VNET_HDR) || tun->n_queues == 0)
		return -EINVAL;
	for (i = want_uso ? 0 : 1; i < sizeof(tries) / sizeof(tries[0]); i++) {
		ret = wgc_tun_set_offload(tun, tries[i].tun_f);
		if (ret == 0)
			return tries[i].bits;
		/* older kernels answer EINVAL to bits they do not know */
		if (ret != -EINVAL)
			return ret;
	}
	return ret;
}

ssize_t wgc_tun_read_vnet(const struct wgc_tun *tun, unsigned q, struct virtio_net_hdr *hdr, void *buf, size_t cap)
{
	struct iovec iov[2] = { { hdr, sizeof(*hdr) }, { buf, cap } };
	ssize_t n;

	if (q >= tun->n_queues || !(tun->flags & WGC_TUN_VNET_HDR))
		return -EINVAL;
	n = readv(tun->fds[q], iov, 2);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(*hdr))
		return -EIO;
	return n - (ssize_t)sizeof(*hdr);
}

int wgc_tun_writev(const struct wgc_tun *tun, unsigned q, const struct wgc_offload_unit *u)
{
	struct iovec iov[1 + WGC_OFFLOAD_MAX_SEGS];
	size_t total = sizeof(u->hdr);
	unsigned i;
	ssize_t n;

	if (q >= tun->n_queues || !(tun->flags & WGC_TUN_VNET_HDR) || u->iovcnt > WGC_OFFLOAD_MAX_SEGS)
		return -EINVAL;
	iov[0].iov_base = (void *)&u->hdr;
	iov[0].iov_len = sizeof(u->hdr);
	for (i = 0; i < u->iovcnt; i++) {
		iov[1 + i] = u->iov[i];
		total += u->iov[i].iov_len;
	}
	n = writev(tun->fds[q], iov, (int)u->iovcnt + 1);
	if (n < 0)
		return -errno;
	return (size_t)n == total ? 0 : -EIO;
}

int wgc_tun_write_vnet(const struct wgc_tun *tun, unsigned q, const void *pkt, size_t len)
{
	struct iovec iov = { (void *)pkt, len };
	struct wgc_offload_unit u = { .iov = &iov, .iovcnt = 1 };

	return wgc_tun_writev(tun, q, &u);
}

int wgc_tun_watch_open(void)
{
	struct sockaddr_nl sa;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	/* needs CAP_NET_BROADCAST now; without it a moved interface's up/down goes unseen (it still runs) */
	setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &(int){ 1 }, sizeof(int));
	return fd;
}

int wgc_tun_attached(const struct wgc_tun *tun)
{
	struct ifreq ifr;

	if (tun->n_queues == 0 || tun->fds[0] < 0)
		return -EBADFD;
	memset(&ifr, 0, sizeof(ifr));
	return ioctl(tun->fds[0], TUNGETIFF, &ifr) < 0 ? -errno : 0;
}

static void put_attr(uint8_t *buf, size_t *off, uint16_t type, const void *data, size_t len)
{
	struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type };

	memcpy(buf + *off, &rta, sizeof(rta));
	if (len)
		memcpy(buf + *off + RTA_LENGTH(0), data, len);
	*off += RTA_ALIGN(rta.rta_len);
}

/* Sends one rtnetlink request (buf, len bytes, header included) and returns the kernel's ack: 0 or -errno. */
static int rtnl_ack(const void *buf, size_t len)
{
	uint32_t reply[256];
	struct nlmsghdr nh;
	struct nlmsgerr e;
	ssize_t n;
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, buf, len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	do
		n = recv(fd, reply, sizeof(reply), 0);
	while (n < 0 && errno == EINTR);
	ret = -EPROTO;
	if (n >= (ssize_t)(NLMSG_HDRLEN + sizeof(e))) {
		memcpy(&nh, reply, sizeof(nh));
		memcpy(&e, (uint8_t *)reply + NLMSG_HDRLEN, sizeof(e));
		if (nh.nlmsg_type == NLMSG_ERROR)
			ret = e.error;
	} else if (n < 0) {
		ret = -errno;
	}
out:
	close(fd);
	return ret;
}

/* Starts an RTM_SETLINK request for our ifindex in buf; returns the offset of its first attribute. */
static size_t setlink_start(const struct wgc_tun *tun, uint8_t *p)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = tun->ifindex };

	memcpy(p + NLMSG_HDRLEN, &ifi, sizeof(ifi));
	return NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifi));
}

/* Ends the request started by setlink_start at off bytes and sends it with an ack. */
static int setlink_send(uint8_t *p, size_t off)
{
	struct nlmsghdr nh = { .nlmsg_type = RTM_SETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 1 };

	nh.nlmsg_len = (uint32_t)off;
	memcpy(p, &nh, sizeof(nh));
	return rtnl_ack(p, off);
}

/* RTM_SETLINK ifindex { IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE = NONE } } }, with an ack. */
int wgc_tun_disable_ipv6_autoconf(const struct wgc_tun *tun)
{
	uint32_t buf[64] = { 0 };
	uint8_t *p = (uint8_t *)buf, mode = 1; /* IN6_ADDR_GEN_MODE_NONE */
	size_t off = setlink_start(tun, p), spec, inet6;

	spec = off;
	put_attr(p, &off, IFLA_AF_SPEC | NLA_F_NESTED, NULL, 0);
	inet6 = off;
	put_attr(p, &off, AF_INET6 | NLA_F_NESTED, NULL, 0);
	put_attr(p, &off, IFLA_INET6_ADDR_GEN_MODE, &mode, 1);
	((struct rtattr *)(p + inet6))->rta_len = (unsigned short)(off - inet6);
	((struct rtattr *)(p + spec))->rta_len = (unsigned short)(off - spec);
	return setlink_send(p, off);
}

/* RTM_SETLINK ifindex { IFLA_GSO_MAX_SEGS = segs }, with an ack. */
int wgc_tun_set_gso_max_segs(const struct wgc_tun *tun, uint32_t segs)
{
	uint32_t buf[16] = { 0 };
	uint8_t *p = (uint8_t *)buf;
	size_t off = setlink_start(tun, p);

	put_attr(p, &off, IFLA_GSO_MAX_SEGS, &segs, sizeof(segs));
	return setlink_send(p, off);
}

/* Reads IFLA_MTU (RTM_NEWLINK) or IFLA_NEW_NETNSID/IFLA_NEW_IFINDEX (RTM_DELLINK of a move), if well formed. */
static int parse_link_attrs(const uint8_t *p, size_t len, struct wgc_tun_event *ev)
{
	while (len >= sizeof(struct rtattr)) {
		struct rtattr rta;
		size_t alen;

		memcpy(&rta, p, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len)
			return -EPROTO;
		if (rta.rta_type == IFLA_MTU && rta.rta_len >= RTA_LENGTH(sizeof(uint32_t))) {
			uint32_t mtu;
			memcpy(&mtu, p + RTA_LENGTH(0), sizeof(mtu));
			if (mtu > 0 && mtu <= 0x7fffffff) {
				ev->mtu = (int)mtu;
				ev->events |= WGC_TUN_EV_MTU;
			}
		}
		if ((rta.rta_type == IFLA_NEW_NETNSID || rta.rta_type == IFLA_NEW_IFINDEX) &&
		    rta.rta_len >= RTA_LENGTH(sizeof(int32_t))) {
			int32_t v;

			memcpy(&v, p + RTA_LENGTH(0), sizeof(v));
			if (rta.rta_type == IFLA_NEW_NETNSID) {
				ev->new_nsid = v;
				ev->events |= WGC_TUN_EV_MOVED;
			} else {
				ev->new_ifindex = v > 0 ? v : 0;
			}
		}
		alen = RTA_ALIGN(rta.rta_len);
		if (alen >= len)
			break;
		p += alen;
		len -= alen;
	}
	return 0;
}

int wgc_tun_watch_parse(const void *buf, size_t len, int ifindex, struct wgc_tun_event *ev)
{
	const uint8_t *p = buf;
	int count = 0;

	memset(ev, 0, sizeof(*ev));
	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		size_t mlen;

		memcpy(&nh, p, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len)
			return -EPROTO;
		if ((nh.nlmsg_type == RTM_NEWLINK || nh.nlmsg_type == RTM_DELLINK) &&
		    nh.nlmsg_len >= NLMSG_LENGTH(sizeof(ifi))) {
			memcpy(&ifi, p + NLMSG_HDRLEN, sizeof(ifi));
			if (ifi.ifi_index == ifindex) {
				size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(ifi)));
				struct wgc_tun_event one = { 0 };

				count++;
				if (nh.nlmsg_len > off && parse_link_attrs(p + off, nh.nlmsg_len - off, &one) < 0)
					return -EPROTO;
				if (nh.nlmsg_type == RTM_DELLINK && (one.events & WGC_TUN_EV_MOVED)) {
					ev->events |= WGC_TUN_EV_MOVED;
					ev->new_nsid = one.new_nsid;
					ev->new_ifindex = one.new_ifindex;
				} else if (nh.nlmsg_type == RTM_DELLINK) {
					ev->events |= WGC_TUN_EV_DELETED;
				} else {
					ev->ifflags = ifi.ifi_flags;
					ev->events |= WGC_TUN_EV_LINK;
					if (one.events & WGC_TUN_EV_MTU) {
						ev->mtu = one.mtu;
						ev->events |= WGC_TUN_EV_MTU;
					}
				}
			}
		}
		mlen = NLMSG_ALIGN(nh.nlmsg_len);
		if (mlen >= len)
			break;
		p += mlen;
		len -= mlen;
	}
	return count;
}

/* One datagram and the id of the namespace it came from (WGC_TUN_NSID_LOCAL when untagged). */
static ssize_t recv_tagged(int fd, void *buf, size_t cap, int *nsid)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { buf, cap };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

	*nsid = WGC_TUN_NSID_LOCAL;
	for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_LISTEN_ALL_NSID &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(nsid, CMSG_DATA(c), sizeof(int));
	return n;
}

int wgc_tun_watch_read(int fd, struct wgc_tun_where *where, struct wgc_tun_event *ev)
{
	/* Aligned for struct nlmsghdr; 8 KiB holds a full batch of link dumps. */
	static __thread uint32_t buf[8192 / sizeof(uint32_t)];
	struct wgc_tun_event one;
	bool overflow = false;
	int total = 0, nsid;

	memset(ev, 0, sizeof(*ev));
	for (;;) {
		ssize_t n = recv_tagged(fd, buf, sizeof(buf), &nsid);
		int r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				overflow = true;
				continue;
			}
			break;
		}
		if (n == 0)
			break;
		/* other namespaces' interfaces reuse our index: only where it lives counts */
		if (where->nsid != WGC_TUN_NSID_ANY && nsid != where->nsid)
			continue;
		r = wgc_tun_watch_parse(buf, (size_t)n, where->ifindex, &one);
		if (r <= 0)
			continue; /* -EPROTO: the kernel never sends that; skip it */
		total += r;
		ev->events |= one.events;
		if (one.events & WGC_TUN_EV_MTU)
			ev->mtu = one.mtu;
		if (one.events & WGC_TUN_EV_LINK)
			ev->ifflags = one.ifflags;
		if (one.events & WGC_TUN_EV_MOVED) {
			/* the new id names the target only as seen from the sender: exact when that is us */
			where->nsid = where->nsid == WGC_TUN_NSID_LOCAL ? one.new_nsid : WGC_TUN_NSID_ANY;
			if (one.new_ifindex)
				where->ifindex = one.new_ifindex;
			ev->new_nsid = one.new_nsid;
			ev->new_ifindex = one.new_ifindex;
		}
	}
	return overflow ? -ENOBUFS : total;
}

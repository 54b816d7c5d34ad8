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

int wgc_tun_name_valid(const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strnlen(name, IFNAMSIZ);
	if (len == 0 || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (; *name; name++) {
		if (*name == '/' || *name == ':' || *name == '%' || isspace((unsigned char)*name))
			return -EINVAL;
	}
	return 0;
}

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
	if (wgc_tun_name_valid(name) < 0 || n_queues == 0 || n_queues > WGC_TUN_MAX_QUEUES ||
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
	return fd;
}

/* Reads IFLA_MTU out of an RTM_NEWLINK's attributes, if present and well formed. */
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
				count++;
				if (nh.nlmsg_type == RTM_DELLINK) {
					ev->events |= WGC_TUN_EV_DELETED;
				} else {
					size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(ifi)));
					ev->ifflags = ifi.ifi_flags;
					ev->events |= WGC_TUN_EV_LINK;
					if (nh.nlmsg_len > off &&
					    parse_link_attrs(p + off, nh.nlmsg_len - off, ev) < 0)
						return -EPROTO;
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

int wgc_tun_watch_read(int fd, int ifindex, struct wgc_tun_event *ev)
{
	/* Aligned for struct nlmsghdr; 8 KiB holds a full batch of link dumps. */
	static __thread uint32_t buf[8192 / sizeof(uint32_t)];
	struct wgc_tun_event one;
	bool overflow = false;
	int total = 0;

	memset(ev, 0, sizeof(*ev));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
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
		r = wgc_tun_watch_parse(buf, (size_t)n, ifindex, &one);
		if (r <= 0)
			continue; /* -EPROTO: the kernel never sends that; skip it */
		total += r;
		ev->events |= one.events;
		if (one.events & WGC_TUN_EV_MTU)
			ev->mtu = one.mtu;
		if (one.events & WGC_TUN_EV_LINK)
			ev->ifflags = one.ifflags;
	}
	return overflow ? -ENOBUFS : total;
}

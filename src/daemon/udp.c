// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/udp.h"

/* wireguard-go asks for 7 MiB socket buffers; the kernel caps the unforced request. */
enum { SOCKET_BUFFER_SIZE = 7 << 20 };

/* Room for the larger of the two pktinfo control messages. */
#define PKTINFO_SPACE (CMSG_SPACE(sizeof(struct in6_pktinfo)) > CMSG_SPACE(sizeof(struct in_pktinfo)) \
		       ? CMSG_SPACE(sizeof(struct in6_pktinfo)) : CMSG_SPACE(sizeof(struct in_pktinfo)))

union cmsg_space {
	struct cmsghdr align;
	uint8_t buf[PKTINFO_SPACE];
};

static void set_buffers(int fd)
{
	int size = SOCKET_BUFFER_SIZE;

	/* FORCE needs CAP_NET_ADMIN; fall back to what rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* One bound socket of family on *port (0: kernel picks; *port gets the result). */
static int open_one(int family, uint16_t *port, uint32_t fwmark)
{
	union wgc_endpoint sa;
	socklen_t salen;
	int fd, one = 1, ret;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	if (family == AF_INET) {
		sa.addr4.sin_family = AF_INET;
		sa.addr4.sin_port = htons(*port);
		salen = sizeof(sa.addr4);
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
			goto fail;
	} else {
		sa.addr6.sin6_family = AF_INET6;
		sa.addr6.sin6_port = htons(*port);
		salen = sizeof(sa.addr6);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			goto fail;
	}
	if (fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		goto fail;
	set_buffers(fd);
	if (bind(fd, &sa.addr, salen) < 0)
		goto fail;
	if (getsockname(fd, &sa.addr, &salen) < 0)
		goto fail;
	*port = ntohs(family == AF_INET ? sa.addr4.sin_port : sa.addr6.sin6_port);
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

int wgc_udp_open(struct wgc_udp *u, uint16_t port, uint32_t fwmark)
{
	unsigned tries;
	int ret;

	for (tries = 0;; tries++) {
		uint16_t p = port;

		u->fd4 = u->fd6 = -1;
		u->fwmark = fwmark;
		ret = open_one(AF_INET, &p, fwmark);
		if (ret >= 0)
			u->fd4 = ret;
		else if (ret != -EAFNOSUPPORT)
			return ret;
		ret = open_one(AF_INET6, &p, fwmark);
		if (ret >= 0) {
			u->fd6 = ret;
		} else if (ret != -EAFNOSUPPORT) {
			wgc_udp_close(u);
			/* The random v4 port may be taken on v6: draw again. */
			if (port == 0 && ret == -EADDRINUSE && tries + 1 < WGC_UDP_BIND_TRIES)
				continue;
			return ret;
		}
		if (u->fd4 < 0 && u->fd6 < 0)
			return -EAFNOSUPPORT;
		u->port = p;
		return 0;
	}
}

void wgc_udp_close(struct wgc_udp *u)
{
	if (u->fd4 >= 0)
		close(u->fd4);
	if (u->fd6 >= 0)
		close(u->fd6);
	u->fd4 = u->fd6 = -1;
}

void wgc_udp_wake(struct wgc_udp *u)
{
	/* On an unconnected UDP socket this "fails" with ENOTCONN yet still wakes readers. */
	if (u->fd4 >= 0)
		(void)shutdown(u->fd4, SHUT_RDWR);
	if (u->fd6 >= 0)
		(void)shutdown(u->fd6, SHUT_RDWR);
}

int wgc_udp_rebind(struct wgc_udp *u, uint16_t port, struct wgc_udp *old)
{
	struct wgc_udp fresh;
	int ret;

	old->fd4 = old->fd6 = -1;
	old->port = 0;
	old->fwmark = 0;
	if (port != 0 && port == u->port)
		return 0;
	ret = wgc_udp_open(&fresh, port, u->fwmark);
	if (ret < 0)
		return ret;
	*old = *u;
	*u = fresh;
	wgc_udp_wake(old);
	return 0;
}

int wgc_udp_set_fwmark(struct wgc_udp *u, uint32_t fwmark)
{
	if (u->fd4 >= 0 && setsockopt(u->fd4, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		return -errno;
	if (u->fd6 >= 0 && setsockopt(u->fd6, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		return -errno;
	u->fwmark = fwmark;
	return 0;
}

static void read_pktinfo(struct msghdr *mh, struct wgc_udp_source *local)
{
	struct cmsghdr *c;

	memset(local, 0, sizeof(*local));
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->family = AF_INET;
			/* spec_dst is the local address a reply should come from. */
			local->ip4 = pi.ipi_spec_dst;
			local->ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi6;
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			local->family = AF_INET6;
			local->ip6 = pi6.ipi6_addr;
			local->ifindex = (int)pi6.ipi6_ifindex;
		}
	}
}

int wgc_udp_recv(int fd, struct wgc_udp_rx *msgs, unsigned n, bool wait)
{
	struct mmsghdr mm[WGC_UDP_BATCH_MAX];
	struct iovec iov[WGC_UDP_BATCH_MAX];
	union cmsg_space cm[WGC_UDP_BATCH_MAX];
	unsigned i;
	int r;

	if (n == 0 || n > WGC_UDP_BATCH_MAX || fd < 0)
		return -EINVAL;
	memset(mm, 0, sizeof(mm[0]) * n);
	for (i = 0; i < n; i++) {
		iov[i].iov_base = msgs[i].buf;
		iov[i].iov_len = msgs[i].cap;
		mm[i].msg_hdr.msg_name = &msgs[i].from;
		mm[i].msg_hdr.msg_namelen = sizeof(msgs[i].from);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = cm[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof(cm[i].buf);
	}
	r = recvmmsg(fd, mm, n, wait ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);
	if (r < 0)
		return -errno;
	for (i = 0; i < (unsigned)r; i++) {
		msgs[i].len = mm[i].msg_len;
		msgs[i].truncated = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		if (mm[i].msg_hdr.msg_namelen > sizeof(msgs[i].from) ||
		    mm[i].msg_hdr.msg_namelen == 0)
			msgs[i].from.addr.sa_family = AF_UNSPEC;
		read_pktinfo(&mm[i].msg_hdr, &msgs[i].local);
	}
	/*
	 * A shut-down socket reports one empty datagram with no sender; that
	 * is the wake-up, not traffic.
	 */
	if (r == 1 && mm[0].msg_len == 0 && mm[0].msg_hdr.msg_namelen == 0)
		return 0;
	return r;
}

/* Fills the control buffer for a sticky source; returns its length (0: none). */
static size_t put_pktinfo(union cmsg_space *cm, const struct wgc_udp_tx *m)
{
	struct msghdr mh = { .msg_control = cm->buf, .msg_controllen = sizeof(cm->buf) };
	struct cmsghdr *c;

	if (m->src.family != m->to.addr.sa_family)
		return 0;
	memset(cm, 0, sizeof(*cm));
	c = CMSG_FIRSTHDR(&mh);
	if (m->src.family == AF_INET) {
		/*
		 * Only the address: the route still picks the interface, as
		 * in the kernel, and a vanished address makes the send fail
		 * with EINVAL.
		 */
		struct in_pktinfo pi = { .ipi_spec_dst = m->src.ip4 };
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (m->src.family == AF_INET6) {
		struct in6_pktinfo pi6 = { .ipi6_addr = m->src.ip6 };
		/* A link-local source only makes sense on its own link. */
		if (IN6_IS_ADDR_LINKLOCAL(&m->src.ip6))
			pi6.ipi6_ifindex = (unsigned)m->src.ifindex;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
		return CMSG_SPACE(sizeof(pi6));
	}
	return 0;
}

static int fd_for(const struct wgc_udp *u, sa_family_t family)
{
	if (family == AF_INET)
		return u->fd4;
	if (family == AF_INET6)
		return u->fd6;
	return -1;
}

static void fill_hdr(struct msghdr *mh, struct iovec *iov, union cmsg_space *cm, struct wgc_udp_tx *m,
		     bool with_src)
{
	memset(mh, 0, sizeof(*mh));
	iov->iov_base = (void *)m->buf;
	iov->iov_len = m->len;
	mh->msg_name = &m->to;
	mh->msg_namelen = m->to.addr.sa_family == AF_INET ? sizeof(m->to.addr4) : sizeof(m->to.addr6);
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	if (with_src) {
		size_t clen = put_pktinfo(cm, m);
		if (clen) {
			mh->msg_control = cm->buf;
			mh->msg_controllen = clen;
		}
	}
}

/*
 * The message at the head of a run failed with err: retry without a source
 * if that may have been the cause. A source address that is no longer
 * local gives EINVAL for IPv6 but ENETUNREACH for IPv4 on current kernels
 * (the route lookup finds no device owning it).
 */
static void handle_failure(int fd, struct wgc_udp_tx *m, int err)
{
	struct msghdr mh;
	struct iovec iov;

	m->err = err;
	if (m->src.family == 0 || (err != -EINVAL && err != -ENETUNREACH && err != -EADDRNOTAVAIL))
		return;
	fill_hdr(&mh, &iov, NULL, m, false);
	m->src_rejected = true;
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR) {
			m->err = -errno;
			return;
		}
	}
	m->err = 0;
}

unsigned wgc_udp_send(const struct wgc_udp *u, struct wgc_udp_tx *msgs, unsigned n)
{
	struct mmsghdr mm[WGC_UDP_BATCH_MAX];
	struct iovec iov[WGC_UDP_BATCH_MAX];
	union cmsg_space cm[WGC_UDP_BATCH_MAX];
	unsigned i, pos = 0, sent = 0;

	if (n > WGC_UDP_BATCH_MAX)
		n = WGC_UDP_BATCH_MAX;
	for (i = 0; i < n; i++) {
		msgs[i].err = 0;
		msgs[i].src_rejected = false;
		fill_hdr(&mm[i].msg_hdr, &iov[i], &cm[i], &msgs[i], true);
		mm[i].msg_len = 0;
	}
	while (pos < n) {
		sa_family_t fam = msgs[pos].to.addr.sa_family;
		int fd = fd_for(u, fam);
		unsigned end = pos + 1;
		int r;

		if (fd < 0) {
			msgs[pos++].err = fam == AF_INET || fam == AF_INET6 ? -EAFNOSUPPORT : -EINVAL;
			continue;
		}
		while (end < n && msgs[end].to.addr.sa_family == fam)
			end++;
		r = sendmmsg(fd, &mm[pos], end - pos, MSG_NOSIGNAL);
		if (r > 0) {
			pos += (unsigned)r;
			sent += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		handle_failure(fd, &msgs[pos], r < 0 ? -errno : -EIO);
		if (msgs[pos].err == 0)
			sent++;
		pos++;
	}
	return sent;
}

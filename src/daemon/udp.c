// SPDX-License-Identifier: MIT
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/udp.h"

/* wireguard-go asks for 7 MiB socket buffers; the kernel caps the unforced request. */
enum { SOCKET_BUFFER_SIZE = 7 << 20 };

/* Room for the larger of the two pktinfo control messages, and the TTL / hop limit. */
#define PKTINFO_SPACE ((CMSG_SPACE(sizeof(struct in6_pktinfo)) > CMSG_SPACE(sizeof(struct in_pktinfo)) \
			? CMSG_SPACE(sizeof(struct in6_pktinfo)) : CMSG_SPACE(sizeof(struct in_pktinfo))) + \
		       CMSG_SPACE(sizeof(int)))

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
		/* the TTL of handshakes, for `wgc doctor` (who answers); optional */
		(void)setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
		/* ICMP errors into the error queue, for the peers' icmp_port_unreachable; optional */
		(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	} else {
		sa.addr6.sin6_family = AF_INET6;
		sa.addr6.sin6_port = htons(*port);
		salen = sizeof(sa.addr6);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			goto fail;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
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
		u->gso = u->gro = false;
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
	/* offloads are best effort: the new pair simply goes without on failure */
	if (__atomic_load_n(&u->gso, __ATOMIC_RELAXED))
		(void)wgc_udp_enable_gso(&fresh);
	if (u->gro)
		(void)wgc_udp_enable_gro(&fresh);
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

/* The arrival address and interface into *local, and the TTL / hop limit into *ttl (-1: none). */
static void read_pktinfo(struct msghdr *mh, struct wgc_udp_source *local, int *ttl)
{
	struct cmsghdr *c;

	memset(local, 0, sizeof(*local));
	*ttl = -1;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		     (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
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
		/* the kernel fills the control buffer; only its address is taken here */
		// cppcheck-suppress legacyUninitvar
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
		read_pktinfo(&mm[i].msg_hdr, &msgs[i].local, &msgs[i].ttl);
	}
	/*
	 * A shut-down socket reports one empty datagram with no sender; that
	 * is the wake-up, not traffic.
	 */
	if (r == 1 && mm[0].msg_len == 0 && mm[0].msg_hdr.msg_namelen == 0)
		return 0;
	return r;
}

static bool is_port_unreachable(const struct sock_extended_err *e)
{
	return (e->ee_origin == SO_EE_ORIGIN_ICMP && e->ee_type == ICMP_DEST_UNREACH && e->ee_code == ICMP_PORT_UNREACH) ||
	       (e->ee_origin == SO_EE_ORIGIN_ICMP6 && e->ee_type == ICMP6_DST_UNREACH &&
		e->ee_code == ICMP6_DST_UNREACH_NOPORT);
}

unsigned wgc_udp_read_errors(int fd, wgc_udp_unreachable_fn cb, void *ctx)
{
	unsigned found = 0;

	/* bounded: the queue is limited by the receive buffer, but never loop forever */
	for (unsigned round = 0; round < 256; round++) {
		union {
			struct cmsghdr align;
			uint8_t buf[512];
		} cm;
		uint8_t payload[64]; /* the refused datagram's start; not needed */
		struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
		union wgc_endpoint dst;
		struct msghdr mh = { .msg_name = &dst, .msg_namelen = sizeof(dst), .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
		struct cmsghdr *c;

		memset(&dst, 0, sizeof(dst));
		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct sock_extended_err e;

			if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) ||
			    c->cmsg_len < CMSG_LEN(sizeof(e)))
				continue;
			memcpy(&e, CMSG_DATA(c), sizeof(e));
			/* msg_name holds the refused datagram's destination (the kernel's ip_recv_error) */
			if (is_port_unreachable(&e) && (dst.addr.sa_family == AF_INET || dst.addr.sa_family == AF_INET6)) {
				found++;
				if (cb)
					cb(ctx, &dst);
			}
		}
	}
	return found;
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
	union cmsg_space cm; /* unused without a source; keeps fill_hdr's contract simple */
	struct msghdr mh;
	struct iovec iov;

	m->err = err;
	if (m->src.family == 0 || (err != -EINVAL && err != -ENETUNREACH && err != -EADDRNOTAVAIL))
		return;
	fill_hdr(&mh, &iov, &cm, m, false);
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

/* ---- segmentation offloads ---- */

enum {
	/* what one GSO send may carry: the IP length field bounds it */
	GSO_MAX_PAYLOAD4 = 65535 - 20 - 8,
	GSO_MAX_PAYLOAD6 = 65535 - 40 - 8,
	GRO_MAX_READ = WGC_UDP_GRO_BATCH_MAX / WGC_UDP_GSO_MAX_SEGS,
};

union gso_cmsg_space {
	struct cmsghdr align;
	uint8_t buf[PKTINFO_SPACE + CMSG_SPACE(sizeof(uint16_t))];
};

union gro_cmsg_space {
	struct cmsghdr align;
	uint8_t buf[PKTINFO_SPACE + CMSG_SPACE(sizeof(int))];
};

int wgc_udp_enable_gso(struct wgc_udp *u)
{
	int fds[2] = { u->fd4, u->fd6 }, v, i;
	socklen_t l;

	__atomic_store_n(&u->gso, false, __ATOMIC_RELAXED);
	if (u->fd4 < 0 && u->fd6 < 0)
		return -EBADF;
	for (i = 0; i < 2; i++) {
		l = sizeof(v);
		/* the option exists (Linux 4.18+) iff the socket can segment */
		if (fds[i] >= 0 && getsockopt(fds[i], SOL_UDP, UDP_SEGMENT, &v, &l) < 0)
			return -errno;
	}
	__atomic_store_n(&u->gso, true, __ATOMIC_RELAXED);
	return 0;
}

int wgc_udp_enable_gro(struct wgc_udp *u)
{
	int fds[2] = { u->fd4, u->fd6 }, one = 1, zero = 0, i, ret;

	u->gro = false;
	if (u->fd4 < 0 && u->fd6 < 0)
		return -EBADF;
	for (i = 0; i < 2; i++) {
		if (fds[i] >= 0 && setsockopt(fds[i], SOL_UDP, UDP_GRO, &one, sizeof(one)) < 0) {
			ret = -errno;
			/* both or neither: wgc_udp_recv would not split what GRO merged */
			if (i == 1 && fds[0] >= 0)
				(void)setsockopt(fds[0], SOL_UDP, UDP_GRO, &zero, sizeof(zero));
			return ret;
		}
	}
	u->gro = true;
	return 0;
}

static bool same_endpoint(const union wgc_endpoint *a, const union wgc_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_port == b->addr4.sin_port && a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return a->addr6.sin6_port == b->addr6.sin6_port && a->addr6.sin6_scope_id == b->addr6.sin6_scope_id &&
		       !memcmp(&a->addr6.sin6_addr, &b->addr6.sin6_addr, sizeof(a->addr6.sin6_addr));
	return false;
}

static bool same_source(const struct wgc_udp_source *a, const struct wgc_udp_source *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->ip4.s_addr == b->ip4.s_addr;
	if (a->family == AF_INET6)
		return a->ifindex == b->ifindex && !memcmp(&a->ip6, &b->ip6, sizeof(a->ip6));
	return true;
}

/* The end of the GSO run starting at msgs[i]: equal sizes, one destination and source. */
static unsigned run_end(const struct wgc_udp *u, const struct wgc_udp_tx *msgs, unsigned i, unsigned n)
{
	sa_family_t fam = msgs[i].to.addr.sa_family;
	size_t seg = msgs[i].len, total = seg, max = fam == AF_INET ? GSO_MAX_PAYLOAD4 : GSO_MAX_PAYLOAD6;
	unsigned j = i + 1;

	if (seg == 0 || fd_for(u, fam) < 0)
		return j;
	while (j < n && j - i < WGC_UDP_GSO_MAX_SEGS && msgs[j].len > 0 && msgs[j].len <= seg &&
	       total + msgs[j].len <= max && same_endpoint(&msgs[j].to, &msgs[i].to) &&
	       same_source(&msgs[j].src, &msgs[i].src)) {
		total += msgs[j].len;
		if (msgs[j++].len < seg)
			break; /* a shorter one ends the run */
	}
	return j;
}

/* One sendmsg with UDP_SEGMENT for msgs[0..cnt); 0 or -errno. */
static int send_run(const struct wgc_udp *u, struct wgc_udp_tx *msgs, unsigned cnt)
{
	struct iovec iov[WGC_UDP_GSO_MAX_SEGS];
	union cmsg_space pk;
	union gso_cmsg_space cm;
	struct msghdr mh;
	struct cmsghdr *c;
	uint16_t seg = (uint16_t)msgs[0].len;
	size_t clen;
	unsigned i;

	fill_hdr(&mh, &iov[0], &pk, &msgs[0], true);
	for (i = 1; i < cnt; i++) {
		iov[i].iov_base = (void *)msgs[i].buf;
		iov[i].iov_len = msgs[i].len;
	}
	mh.msg_iovlen = cnt;
	memset(&cm, 0, sizeof(cm));
	clen = mh.msg_controllen;
	if (clen)
		memcpy(cm.buf, pk.buf, clen);
	c = (struct cmsghdr *)(void *)(cm.buf + clen);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	mh.msg_control = cm.buf;
	mh.msg_controllen = clen + CMSG_SPACE(sizeof(seg));
	while (sendmsg(fd_for(u, msgs[0].to.addr.sa_family), &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

unsigned wgc_udp_send_gso(struct wgc_udp *u, struct wgc_udp_tx *msgs, unsigned n)
{
	unsigned i = 0, pending = 0, sent = 0;

	if (n > WGC_UDP_BATCH_MAX)
		n = WGC_UDP_BATCH_MAX;
	if (!__atomic_load_n(&u->gso, __ATOMIC_RELAXED))
		return wgc_udp_send(u, msgs, n);
	while (i < n) {
		unsigned end = run_end(u, msgs, i, n), k;
		int r;

		if (end - i < 2 || !__atomic_load_n(&u->gso, __ATOMIC_RELAXED)) {
			i = end;
			continue;
		}
		if (pending < i)
			sent += wgc_udp_send(u, msgs + pending, i - pending);
		r = send_run(u, msgs + i, end - i);
		if (r == 0) {
			for (k = i; k < end; k++) {
				msgs[k].err = 0;
				msgs[k].src_rejected = false;
			}
			sent += end - i;
		} else {
			if (r == -EIO)
				__atomic_store_n(&u->gso, false, __ATOMIC_RELAXED);
			/* one by one, which also sorts out a rejected source */
			sent += wgc_udp_send(u, msgs + i, end - i);
		}
		i = pending = end;
	}
	if (pending < n)
		sent += wgc_udp_send(u, msgs + pending, n - pending);
	return sent;
}

struct gro_dgram {
	size_t len, seg;
	bool truncated;
	union wgc_endpoint from;
	struct wgc_udp_source local;
	int ttl;
};

static size_t read_gro_size(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v > 0 ? (size_t)v : 0;
		}
	}
	return 0;
}

int wgc_udp_recv_gro(int fd, struct wgc_udp_rx *msgs, unsigned n, bool wait)
{
	struct mmsghdr mm[GRO_MAX_READ];
	struct iovec iov[GRO_MAX_READ];
	union gro_cmsg_space cm[GRO_MAX_READ];
	struct gro_dgram dg[GRO_MAX_READ];
	unsigned k, first, d, out = 0;
	int r;

	if (n == 0 || n > WGC_UDP_GRO_BATCH_MAX || fd < 0)
		return -EINVAL;
	k = n / WGC_UDP_GSO_MAX_SEGS ? n / WGC_UDP_GSO_MAX_SEGS : 1;
	first = n - k;
	memset(mm, 0, sizeof(mm[0]) * k);
	for (d = 0; d < k; d++) {
		struct wgc_udp_rx *m = &msgs[first + d];
		iov[d].iov_base = m->buf;
		iov[d].iov_len = m->cap;
		mm[d].msg_hdr.msg_name = &dg[d].from;
		mm[d].msg_hdr.msg_namelen = sizeof(dg[d].from);
		mm[d].msg_hdr.msg_iov = &iov[d];
		mm[d].msg_hdr.msg_iovlen = 1;
		mm[d].msg_hdr.msg_control = cm[d].buf;
		mm[d].msg_hdr.msg_controllen = sizeof(cm[d].buf);
	}
	r = recvmmsg(fd, mm, k, wait ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);
	if (r < 0)
		return -errno;
	if (r == 1 && mm[0].msg_len == 0 && mm[0].msg_hdr.msg_namelen == 0)
		return 0; /* the wake-up of a shut-down socket */
	for (d = 0; d < (unsigned)r; d++) {
		dg[d].len = mm[d].msg_len;
		dg[d].truncated = (mm[d].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		if (mm[d].msg_hdr.msg_namelen > sizeof(dg[d].from) || mm[d].msg_hdr.msg_namelen == 0)
			dg[d].from.addr.sa_family = AF_UNSPEC;
		read_pktinfo(&mm[d].msg_hdr, &dg[d].local, &dg[d].ttl);
		dg[d].seg = read_gro_size(&mm[d].msg_hdr);
		if (dg[d].seg == 0 || dg[d].seg >= dg[d].len || dg[d].truncated)
			dg[d].seg = dg[d].len; /* one datagram (a truncated one is dropped whole) */
	}
	/*
	 * Segments move forward into the entries before their datagram's.
	 * Entry `out` may be written while it is no later than the datagram
	 * being split (src): later ones are still unread. With at most 64
	 * segments per datagram and n / 64 datagrams that always holds.
	 */
	for (d = 0; d < (unsigned)r; d++) {
		unsigned src = first + d;
		const uint8_t *base = msgs[src].buf;
		size_t off = 0;

		do {
			size_t len = dg[d].len - off < dg[d].seg ? dg[d].len - off : dg[d].seg;
			struct wgc_udp_rx *m = &msgs[out];

			if (out > src)
				break; /* more segments than room: the rest is dropped */
			m->truncated = dg[d].truncated || len > m->cap;
			m->len = len;
			if (!m->truncated && (m->buf != base || off))
				memmove(m->buf, base + off, len);
			m->from = dg[d].from;
			m->local = dg[d].local;
			m->ttl = dg[d].ttl;
			out++;
			off += len;
		} while (off < dg[d].len);
	}
	return (int)out;
}

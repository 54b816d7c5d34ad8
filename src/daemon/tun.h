/* SPDX-License-Identifier: MIT */
/*
 * The TUN side of the daemon: a layer-3 interface without packet info
 * (IFF_TUN | IFF_NO_PI), so every read(2) returns one whole IP packet and
 * every write(2) injects one.
 *
 * Like wireguard-go, opening the interface sets its MTU but does not bring
 * it up; wg-quick or the administrator does `ip link set up`, and the
 * daemon learns of it from the rtnetlink watch below (IFF_UP/IFF_RUNNING).
 *
 * Deletion (`ip link del NAME`) is seen two ways, both verified by the unit
 * tests: read(2) and write(2) on a queue fd then fail with EBADFD (poll
 * reports POLLERR), and the watch socket delivers RTM_DELLINK for our
 * ifindex. The MTU can change under us (`ip link set mtu`); the watch
 * reports it.
 *
 * Functions return 0 (or a value) on success and -errno on failure.
 */
#ifndef WGC_DAEMON_TUN_H
#define WGC_DAEMON_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum wgc_tun_open_flags {
	/* IFF_MULTI_QUEUE: open n_queues fds on one interface (one per worker). */
	WGC_TUN_MULTI_QUEUE = 1U << 0,
	/* IFF_VNET_HDR: a struct virtio_net_hdr precedes each packet; pair with wgc_tun_set_offload. */
	WGC_TUN_VNET_HDR = 1U << 1,
	/* O_NONBLOCK on every queue fd, for epoll-driven readers. */
	WGC_TUN_NONBLOCK = 1U << 2,
};

enum { WGC_TUN_MAX_QUEUES = 16 };

struct wgc_tun {
	char name[IFNAMSIZ]; /* the name the kernel gave */
	int ifindex;
	unsigned flags;      /* enum wgc_tun_open_flags */
	unsigned n_queues;
	int fds[WGC_TUN_MAX_QUEUES]; /* -1 when unused */
};

/*
 * Creates (or attaches to an existing, unused TUN device of) the interface
 * name with n_queues queues (1 unless WGC_TUN_MULTI_QUEUE) and sets its MTU
 * (mtu 0: WGC_DEFAULT_MTU). The fds are close-on-exec. On failure nothing
 * is left open and the result is:
 *   -EINVAL  invalid name or arguments
 *   -EBUSY   the name belongs to a non-TUN interface, or to a TUN device
 *            that another process holds open
 *   -EPERM   not allowed (needs CAP_NET_ADMIN)
 *   other    from open(/dev/net/tun) or ioctl
 */
int wgc_tun_open(struct wgc_tun *tun, const char *name, unsigned n_queues, unsigned flags, int mtu);

/* Closes every queue; a non-persistent interface then disappears. Idempotent. */
void wgc_tun_close(struct wgc_tun *tun);

int wgc_tun_set_mtu(const struct wgc_tun *tun, int mtu);
/* The current MTU (> 0) or -errno (-ENODEV once deleted). */
int wgc_tun_get_mtu(const struct wgc_tun *tun);
/* The interface flags (IFF_UP, IFF_RUNNING, ...) or -errno. */
int wgc_tun_get_flags(const struct wgc_tun *tun);
/* TUNSETOFFLOAD with TUN_F_* bits; only meaningful with WGC_TUN_VNET_HDR. */
int wgc_tun_set_offload(const struct wgc_tun *tun, unsigned tun_f_flags);

/*
 * One packet from queue q into buf: its length, or -errno: -EAGAIN (non-
 * blocking, nothing queued), -EBADFD (the interface was deleted: shut down),
 * -EINTR. Packets longer than cap are truncated by the kernel, so pass a
 * buffer of at least MTU (+ virtio header) bytes.
 */
ssize_t wgc_tun_read(const struct wgc_tun *tun, unsigned q, void *buf, size_t cap);
/* Injects one IP packet; returns 0 or -errno (-EBADFD: deleted). */
int wgc_tun_write(const struct wgc_tun *tun, unsigned q, const void *pkt, size_t len);

/* ---- offloads (IFF_VNET_HDR): see daemon/offload.h ---- */

struct virtio_net_hdr;
struct wgc_offload_unit;

enum wgc_tun_offload_bits {
	WGC_TUN_OFF_CSUM = 1U << 0, /* packets may carry a partial checksum (NEEDS_CSUM) */
	WGC_TUN_OFF_TSO = 1U << 1,  /* TCP super-packets, IPv4 and IPv6 */
	WGC_TUN_OFF_USO = 1U << 2,  /* UDP super-packets (GSO_UDP_L4), IPv4 and IPv6 */
};

/*
 * Asks for checksum and TCP segmentation offload (and UDP too if want_uso)
 * on every queue, dropping USO, then TSO, when the kernel refuses them.
 * Needs WGC_TUN_VNET_HDR. Returns the accepted enum wgc_tun_offload_bits
 * (0: none, the device then behaves as without offloads but for the
 * virtio header) or -errno.
 */
int wgc_tun_enable_offloads(const struct wgc_tun *tun, bool want_uso);

/*
 * One packet with its virtio header from a VNET_HDR queue: the header into
 * *hdr, the packet (up to 64 KiB with TSO) into buf. Returns the packet's
 * length, or -errno as wgc_tun_read (-EIO: shorter than a header).
 */
ssize_t wgc_tun_read_vnet(const struct wgc_tun *tun, unsigned q, struct virtio_net_hdr *hdr, void *buf, size_t cap);

/* Writes one unit (header + iovecs, from wgc_offload_coalesce) with writev; 0 or -errno. */
int wgc_tun_writev(const struct wgc_tun *tun, unsigned q, const struct wgc_offload_unit *u);

/* One plain packet on a VNET_HDR queue, behind a zeroed header; 0 or -errno. */
int wgc_tun_write_vnet(const struct wgc_tun *tun, unsigned q, const void *pkt, size_t len);

/*
 * 0 while the queue fd is attached to a live interface, in whatever network
 * namespace it now is; -EBADFD once the interface was deleted (TUNGETIFF:
 * the kernel detaches every queue before it announces RTM_DELLINK).
 */
int wgc_tun_attached(const struct wgc_tun *tun);

/*
 * No automatic IPv6 addresses on the interface (addr_gen_mode none, as
 * kernel WireGuard interfaces have): call before the link goes up. -errno
 * (-EAFNOSUPPORT and the like when IPv6 is off: harmless).
 */
int wgc_tun_disable_ipv6_autoconf(const struct wgc_tun *tun);

/*
 * Caps the segments of the super-packets the kernel hands us (the link's
 * gso_max_segs, RTM_SETLINK IFLA_GSO_MAX_SEGS; the TUN default is 65535):
 * a super-packet with more segments than a send batch holds cannot be
 * taken whole. Sockets connected before the call keep their old cap.
 * 0 or -errno (older kernels refuse it).
 */
int wgc_tun_set_gso_max_segs(const struct wgc_tun *tun, uint32_t segs);

/*
 * The rtnetlink watch: a non-blocking, close-on-exec NETLINK_ROUTE socket
 * subscribed to link events of the current network namespace and, with
 * NETLINK_LISTEN_ALL_NSID (set here, so before capabilities are dropped),
 * of every namespace this one has an id for. An interface moved away
 * (`ip link set IF netns B') stays ours: the kernel gives B an id in our
 * namespace and B's link events keep arriving, tagged with it. Put it in
 * the event loop; when readable call wgc_tun_watch_read.
 */
int wgc_tun_watch_open(void);

enum wgc_tun_event_flags {
	WGC_TUN_EV_DELETED = 1U << 0, /* RTM_DELLINK for our ifindex: shut down */
	WGC_TUN_EV_MTU = 1U << 1,     /* mtu holds the latest MTU */
	WGC_TUN_EV_LINK = 1U << 2,    /* ifflags holds the latest IFF_* flags */
	WGC_TUN_EV_MOVED = 1U << 3,   /* RTM_DELLINK with IFLA_NEW_NETNSID: moved, not deleted */
};

struct wgc_tun_event {
	unsigned events; /* enum wgc_tun_event_flags, or-ed over all messages */
	int mtu;
	unsigned ifflags; /* check IFF_UP (administratively up) and IFF_RUNNING */
	int new_nsid;     /* MOVED: the target namespace's id as seen from the sender's */
	int new_ifindex;  /* MOVED: the index there (0: unknown, keep the old one) */
};

enum { WGC_TUN_NSID_LOCAL = -1, WGC_TUN_NSID_ANY = -2 };

/* Where the interface lives, as the watch socket sees it. */
struct wgc_tun_where {
	int ifindex;
	int nsid; /* WGC_TUN_NSID_LOCAL: our own namespace; ANY: moved on from a namespace we cannot name */
};

/*
 * Folds every link message in buf (one recv(2) worth of netlink messages)
 * that concerns ifindex into ev, later messages winning; messages about
 * other interfaces are ignored. ev is zeroed first. Returns the number of
 * messages about ifindex, or -EPROTO for malformed input (ev then holds
 * what came before the bad message). Pure: safe to fuzz.
 */
int wgc_tun_watch_parse(const void *buf, size_t len, int ifindex, struct wgc_tun_event *ev);

/*
 * Drains the watch socket and folds everything about the interface at
 * *where into ev, following it when it moves to another namespace (where
 * is updated; ev then has WGC_TUN_EV_MOVED). Returns the number of relevant
 * messages, or -ENOBUFS when the kernel dropped events (the socket
 * overflowed): the caller must then resync with wgc_tun_attached and, in
 * our own namespace, wgc_tun_get_flags/wgc_tun_get_mtu.
 */
int wgc_tun_watch_read(int fd, struct wgc_tun_where *where, struct wgc_tun_event *ev);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Segmentation offloads between the TUN device and the data path, as pure
 * functions on buffers (no system calls; fuzzable).
 *
 * With IFF_VNET_HDR and TUNSETOFFLOAD (TSO, optionally USO) a TUN read
 * yields a struct virtio_net_hdr and a packet that may be a TCP or UDP
 * "super-packet" of up to 64 KiB: wgc_offload_split cuts it into the
 * MTU-sized IP packets WireGuard encrypts one by one. In the other
 * direction wgc_offload_coalesce merges a batch of decrypted TCP segments
 * of one flow back into super-packets (GRO in userspace), so the kernel
 * takes one write per flow instead of one per segment.
 *
 * The virtio header uses the host's byte order: that is what a TUN device
 * expects unless TUNSETVNETLE/BE was used, which we never do.
 */
#ifndef WGC_DAEMON_OFFLOAD_H
#define WGC_DAEMON_OFFLOAD_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

enum {
	/* The largest packet a TUN read can return after the virtio header. */
	WGC_OFFLOAD_MAX_PACKET = 65535,
	/* Segments merged into one super-packet at most (also the UDP GSO/GRO limit). */
	WGC_OFFLOAD_MAX_SEGS = 64,
};

/* Runtime switches, from the environment (WGC_NO_GSO=1 etc. turn one off). */
struct wgc_offload_config {
	bool udp_gso;    /* UDP_SEGMENT on send */
	bool udp_gro;    /* UDP_GRO on receive */
	bool tun_offload; /* IFF_VNET_HDR + TSO on the TUN device */
	bool tx_zerocopy; /* TSO segments sealed from the super-packet (wgc_offload_split_headers), not from copies */
};

struct wgc_offload_config wgc_offload_config_from_env(void);

/*
 * How many packets wgc_offload_split will produce for this header and
 * packet (>= 1), or -errno if it would reject them. Use it to make sure
 * enough output slots are free before splitting.
 */
int wgc_offload_count(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len);

/*
 * Turns one packet read from a VNET_HDR TUN device into plain IP packets.
 *
 * Segment k is written at bufs[k] + headroom, at most cap - headroom bytes,
 * and its length stored in lens[k]. Every segment is a complete packet:
 * IP lengths set, IPv4 id advanced and header checksum recomputed, TCP
 * sequence numbers advanced, FIN/PSH kept only on the last segment and
 * CWR only on the first, and the TCP/UDP checksum computed in full.
 *
 *   GSO_TCPV4/TCPV6/UDP_L4: cut at hdr->gso_size bytes of payload;
 *   GSO_NONE + NEEDS_CSUM:  one packet, checksum completed;
 *   GSO_NONE:               one packet, copied as it is.
 *
 * pkt may be bufs[0] + headroom (split in place: segment 0 is finished
 * last, so the others are copied out first); no other overlap is allowed.
 * hdr->hdr_len is not trusted (the kernel may report the whole linear
 * part): the header length is taken from the packet itself.
 *
 * Returns the number of segments, or -EINVAL (malformed or inconsistent
 * header or packet), -EPROTONOSUPPORT (GSO type we do not handle),
 * -ENOBUFS (more segments than n, or a slot too small). Nothing outside
 * pkt[0..len) and the slots is ever read or written.
 */
int wgc_offload_split(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len, uint8_t *const bufs[],
		      size_t cap, size_t headroom, size_t lens[], unsigned n);

/*
 * As wgc_offload_split for a TSO/USO super-packet, but without copying the
 * payload: only segment k's headers are written, at bufs[k] + headroom
 * (lens[k] = their length; cap - headroom must hold the whole segment, as
 * the slot will hold its encrypted payload too), fixed up exactly as
 * wgc_offload_split does, with the L4 checksum computed over the payload
 * where it lies; tails[k] and tail_lens[k] say where in pkt the segment's
 * payload is. Headers then payload are byte for byte the segment
 * wgc_offload_split would build. pkt is only read and must overlap no
 * slot; the tails point into it, so it must stay unchanged for as long as
 * they are used.
 *
 * Returns the number of segments, or the errors of wgc_offload_split, or
 * -EOPNOTSUPP for a packet that is not a super-packet (GSO_NONE: use
 * wgc_offload_split).
 */
int wgc_offload_split_headers(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len,
			      uint8_t *const bufs[], size_t cap, size_t headroom, size_t lens[],
			      const uint8_t *tails[], size_t tail_lens[], unsigned n);

/* One writev(2) to a VNET_HDR TUN device: the header, then iov[0..iovcnt). */
struct wgc_offload_unit {
	struct virtio_net_hdr hdr;
	struct iovec *iov; /* points into the iov array given to wgc_offload_coalesce */
	unsigned iovcnt;
};

/*
 * GRO for TUN writes. Takes n decrypted IP packets (pkts[i], lens[i]) with
 * valid checksums, in arrival order, and fills units[] (n entries) and the
 * iovec pool iov[] (n entries: every packet contributes exactly one).
 *
 * Consecutive TCP segments of one flow (same addresses, ports, IP fields
 * but id/length/checksum, no IPv4 options or IPv6 extension headers,
 * flags ACK only with PSH allowed on the last, same ack/window/options,
 * contiguous sequence numbers, equal payload sizes but a possibly shorter
 * last one, at most WGC_OFFLOAD_MAX_SEGS segments and 64 KiB) become one
 * unit: a GSO_TCPV4/TCPV6 header with NEEDS_CSUM, then the first packet
 * whose headers are rewritten in place (lengths, IPv4 header checksum, PSH
 * from the last segment, the pseudo-header sum in the TCP checksum field,
 * as the kernel expects for CHECKSUM_PARTIAL), then the later segments'
 * payloads. Every other packet is a unit of its own with a zeroed header.
 * Units come in the order of their first packet; the order of packets
 * within each flow is preserved (a packet that cannot join its flow's
 * open unit closes it). Packets of other flows may be reordered, which
 * is harmless. Returns the number of units.
 */
unsigned wgc_offload_coalesce(uint8_t *const pkts[], const size_t lens[], unsigned n,
			      struct wgc_offload_unit units[], struct iovec iov[]);

#endif

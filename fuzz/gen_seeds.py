#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the hand-made seed corpora of fuzz_allowedips, fuzz_tun_watch and fuzz_offload
# (fuzz_packet writes its own: WGC_FUZZ_WRITE_SEEDS=fuzz/corpus/packet
# build-fuzz/fuzz_packet). Run from the repository root; overwrites.
import ipaddress
import os
import struct


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- allowed IPs: opcode (op | peer << 3 | compact << 6), then operands ---
INS4, INS6, RM4, RM6, GET4, GET6, RMPEER, WALK = range(8)


def op(code, peer=0, compact=False):
    return bytes([code | peer << 3 | (0x40 if compact else 0)])


def ins(peer, net):
    n = ipaddress.ip_network(net, strict=False)
    code = INS4 if n.version == 4 else INS6
    return op(code, peer) + bytes([n.prefixlen]) + n.network_address.packed


def rm(peer, net):
    n = ipaddress.ip_network(net, strict=False)
    code = RM4 if n.version == 4 else RM6
    return op(code, peer) + bytes([n.prefixlen]) + n.network_address.packed


def get(addr):
    a = ipaddress.ip_address(addr)
    return op(GET4 if a.version == 4 else GET6) + a.packed


A = "fuzz/corpus/allowedips"
write(A, "overlap_v4", ins(0, "10.0.0.0/8") + ins(1, "10.1.0.0/16") + ins(2, "10.1.2.3/32") +
      ins(3, "10.1.2.0/24") + get("10.1.2.4") + rm(3, "10.1.2.0/24") + get("10.1.2.4") + op(WALK, 1))
write(A, "mixed_v6", ins(0, "2001:db8::/32") + ins(1, "2001:db8:1::/48") + ins(2, "2001:db8:1:2::/63") +
      ins(3, "2001:db8:1:2::/64") + ins(0, "::/0") + get("2001:db8:1:3::1") + op(RMPEER, 0) + op(WALK, 3))
write(A, "compact_v6", op(INS6, 1, True) + b"\x40\x07\x80" + op(INS6, 2, True) + b"\x7f\x0f\x01" +
      op(GET6, 0, True) + b"\x0f\x01" + op(RM6, 2, True) + b"\x7f\x0f\x01")
write(A, "move_and_remove", ins(0, "192.168.0.0/16") + ins(1, "192.168.0.0/16") + rm(0, "192.168.0.0/16") +
      rm(1, "192.168.0.0/16") + ins(2, "0.0.0.0/0") + ins(2, "255.255.255.255/32") + op(RMPEER, 2))
write(A, "invalid", op(INS4, 0) + b"\xa1\x0a\x00\x00\x00" + op(INS4, 5) + b"\x08\x0a\x00\x00\x00" +
      op(RM6, 1) + b"\xff" + bytes(16))

# --- rtnetlink link messages: first byte is the ifindex looked for ---
RTM_NEWLINK, RTM_DELLINK, IFLA_MTU, IFLA_IFNAME = 16, 17, 4, 3


def rta(t, payload):
    raw = struct.pack("<HH", 4 + len(payload), t) + payload
    return raw + bytes(-len(raw) % 4)


def nlmsg(t, index, flags=0, attrs=b""):
    body = struct.pack("<BBHiII", 0, 0, 0, index, flags, 0) + attrs
    return struct.pack("<IHHII", 16 + len(body), t, 0, 0, 0) + body


T = "fuzz/corpus/tun_watch"
up = 0x1 | 0x40  # IFF_UP | IFF_RUNNING
write(T, "newlink_mtu", bytes([3]) + nlmsg(RTM_NEWLINK, 3, up, rta(IFLA_IFNAME, b"wg0\0") + rta(IFLA_MTU, struct.pack("<I", 1280))))
write(T, "other_then_del", bytes([3]) + nlmsg(RTM_NEWLINK, 2, up) + nlmsg(RTM_DELLINK, 3))
write(T, "down", bytes([5]) + nlmsg(RTM_NEWLINK, 5, 0, rta(IFLA_MTU, struct.pack("<I", 1420))))
write(T, "truncated_attr", bytes([1]) + nlmsg(RTM_NEWLINK, 1, up, struct.pack("<HH", 200, IFLA_MTU)))


# --- offloads: struct virtio_net_hdr (host order), then the packet ---
NEEDS_CSUM, GSO_NONE, GSO_TCPV4, GSO_TCPV6, GSO_UDP_L4 = 1, 0, 1, 4, 5


def vnet(flags, gso, hdr_len, gso_size, csum_start, csum_off):
    return struct.pack("<BBHHHH", flags, gso, hdr_len, gso_size, csum_start, csum_off)


def ip4(proto, l4len):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + l4len, 7, 0x4000, 64, proto, 0,
                       bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))


def ip6(proto, l4len):
    return struct.pack("!IHBB16s16s", 6 << 28, l4len, proto, 64,
                       ipaddress.ip_address("fd00::1").packed, ipaddress.ip_address("fd00::2").packed)


def tcp(flags=0x18):
    return struct.pack("!HHIIBBHHH", 40000, 5201, 1000, 1, 5 << 4, flags, 512, 0, 0)


O = "fuzz/corpus/offload"
pay = bytes(range(256)) * 12
write(O, "tso4", vnet(NEEDS_CSUM, GSO_TCPV4, 40, 1000, 20, 16) + ip4(6, 20 + 3000) + tcp() + pay[:3000])
write(O, "tso4_fin_short_last", vnet(NEEDS_CSUM, GSO_TCPV4, 40, 1448, 20, 16) + ip4(6, 20 + 3001) + tcp(0x19) + pay[:3001])
write(O, "tso6", vnet(NEEDS_CSUM, GSO_TCPV6, 60, 1200, 40, 16) + ip6(6, 20 + 2500) + tcp() + pay[:2500])
write(O, "uso4", vnet(NEEDS_CSUM, GSO_UDP_L4, 28, 500, 20, 6) + ip4(17, 8 + 1700) +
      struct.pack("!HHHH", 5000, 6000, 8 + 1700, 0) + pay[:1700])
write(O, "csum_only", vnet(NEEDS_CSUM, GSO_NONE, 0, 0, 20, 16) + ip4(6, 20 + 100) + tcp() + pay[:100])
write(O, "plain", vnet(0, GSO_NONE, 0, 0, 0, 0) + ip4(17, 8 + 10) + struct.pack("!HHHH", 1, 2, 18, 0) + pay[:10])

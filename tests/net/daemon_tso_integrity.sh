#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bytes of TSO/USO super-packets arrive exactly as sent. wgcd seals each
# segment's payload straight from the super-packet the TUN gave it (no copy),
# so a slip in where a segment's payload is read, or a super-packet reused
# too early, would corrupt data while iperf3's byte counts stayed happy.
# Here random data crosses the tunnel and is compared by hash: 24 MiB over
# TCP (inner IPv4 and IPv6), wgcd to wgcd and wgcd to wireguard-go, and UDP
# datagrams sent with UDP_SEGMENT (one USO super-packet per send where the
# kernel offers USO), each checked by its own digest on arrival, with the
# receiver's kernel counting no TCP or UDP checksum error. The copying path
# (WGC_NO_TX_ZEROCOPY=1) is checked the same way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools python3 wireguard-go

DATA=$TEST_TMP/data
head -c $((24 << 20)) /dev/urandom >"$DATA"
WANT=$(sha256sum <"$DATA" | cut -d' ' -f1)

# csum_errors NS: TCP and UDP InCsumErrors of the namespace, summed.
csum_errors() {
	ip netns exec "$1" awk '$1 == "Tcp:" || $1 == "Udp:" { if (!h[$1]++) { for (i = 2; i <= NF; i++) if ($i == "InCsumErrors") c[$1] = i } else s += $c[$1] } END { print s + 0 }' /proc/net/snmp
}

# tcp_copy TAG SERVER_IP: DATA from A to B over one TCP connection; B's digest must match.
tcp_copy() {
	local tag=$1 ip=$2 port=$((6000 + RANDOM % 1000)) out=$TEST_TMP/tcp.$RANDOM
	ip netns exec "$NS_B" timeout 60 python3 -c '
import hashlib, socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
open(sys.argv[3] + ".ready", "w").close()
c, _ = s.accept()
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    h.update(b)
    n += len(b)
open(sys.argv[3], "w").write("%s %d\n" % (h.hexdigest(), n))
' "$ip" "$port" "$out" </dev/null >/dev/null 2>&1 &
	push_cleanup "kill $! 2>/dev/null"
	wait_until 10 test -e "$out.ready" || { not_ok "$tag: receiver listening"; return 1; }
	nsx "$NS_A" timeout 60 python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=50)
with open(sys.argv[3], "rb") as f:
    s.sendfile(f)
s.shutdown(socket.SHUT_WR)
s.recv(1)
' "$ip" "$port" "$DATA" || { not_ok "$tag: sender finished"; return 1; }
	wait_until 30 test -s "$out" || { not_ok "$tag: receiver finished"; return 1; }
	note "$tag: received $(cut -d' ' -f2 "$out") bytes"
	check "$tag: 24 MiB arrived with the sender's SHA-256" [ "$(cat "$out")" = "$WANT $((24 << 20))" ]
}

# udp_gso TAG SERVER_IP: sends of 40 datagrams of 1200 bytes each (UDP_SEGMENT);
# every datagram that arrives carries its own digest, and most arrive.
udp_gso() {
	local tag=$1 ip=$2 port=$((7000 + RANDOM % 1000)) out=$TEST_TMP/udp.$RANDOM
	ip netns exec "$NS_B" timeout 60 python3 -c '
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3] + ".ready", "w").close()
s.settimeout(5)
good = bad = 0
try:
    while good + bad < 8000:
        d = s.recv(2048)
        ok = len(d) == 1200 and hashlib.sha256(d[32:]).digest() == d[:32]
        good, bad = good + ok, bad + (not ok)
except socket.timeout:
    pass
open(sys.argv[3], "w").write("%d %d\n" % (good, bad))
' "$ip" "$port" "$out" </dev/null >/dev/null 2>&1 &
	push_cleanup "kill $! 2>/dev/null"
	wait_until 10 test -e "$out.ready" || { not_ok "$tag: receiver bound"; return 1; }
	nsx "$NS_A" timeout 60 python3 -c '
import hashlib, os, socket, sys, time
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1200)  # UDP_SEGMENT
for i in range(200):
    buf = b""
    for j in range(40):
        p = os.urandom(1168)
        buf += hashlib.sha256(p).digest() + p
    s.sendto(buf, (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.002)
' "$ip" "$port" || { not_ok "$tag: sender finished (UDP_SEGMENT)"; return 1; }
	wait_until 30 test -s "$out" || { not_ok "$tag: receiver finished"; return 1; }
	read -r good bad <"$out"
	note "$tag: $good of 8000 datagrams intact, $bad damaged"
	check "$tag: no datagram damaged, at least half arrived" [ "$bad" = 0 -a "$good" -ge 4000 ]
}

# the last pair copies segments out first (WGC_NO_TX_ZEROCOPY=1), the way kept for comparison
for pair in "wgcd 0" "wireguard-go 0" "wgcd 1"; do
	read -r b copy <<<"$pair"
	t="wgcd->$b"
	[ "$copy" = 1 ] && t="$t (segments copied)"
	WGC_NO_TX_ZEROCOPY=$copy make_tunnel_pair wgcd "$b" || exit 1
	check "$t: handshake" wait_handshake "$NS_A" "$IF_A" "$IN4_B" 20
	e0=$(csum_errors "$NS_B")
	tcp_copy "$t TCP over inner IPv4" "$IN4_B"
	tcp_copy "$t TCP over inner IPv6" "$IN6_B"
	udp_gso "$t UDP with UDP_SEGMENT over inner IPv4" "$IN4_B"
	udp_gso "$t UDP with UDP_SEGMENT over inner IPv6" "$IN6_B"
	check "$t: no TCP/UDP checksum error at the receiver" [ "$(csum_errors "$NS_B")" = "$e0" ]
done

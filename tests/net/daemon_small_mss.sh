#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TCP with a small MSS through wgcd. The kernel builds TSO super-packets of
# up to 64 KiB whatever the MSS, so at an MSS of 200 bytes one carries
# ~330 segments: more than wgcd's read batch holds (256), and such a
# super-packet was dropped whole, uncounted (half the segments
# retransmitted, throughput collapsing). wgcd now caps the TUN's
# gso_max_segs below its batch. Checked: the cap is set, 4 MiB at MSS 200
# arrive with the sender's SHA-256, and the sender retransmits under a
# tenth of its segments (about half before the cap); with the cap lifted,
# the too-large super-packets are counted (data_dropped_too_many_segments).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools python3 nstat
WGC=$BUILD/wgc

make_tunnel_pair wgcd wgcd || exit 1
check "handshake" wait_handshake "$NS_A" "$IF_A" "$IN4_B" 20
segs=$(ip -d -n "$NS_A" link show "$IF_A" | sed -n 's/.*gso_max_segs \([0-9]*\).*/\1/p')
check "TUN gso_max_segs capped below the read batch (${segs:-none})" [ "${segs:-65535}" -le 255 ]

DATA=$TEST_TMP/data
head -c $((4 << 20)) /dev/urandom >"$DATA"
WANT=$(sha256sum <"$DATA" | cut -d' ' -f1)
# transfer TAG: DATA from A to B over TCP with MSS 200 on both sockets; the
# receiver's SHA-256 goes to $TEST_TMP/recv.TAG, the sender's "segments
# retransmitted" to OUT_SEGS and RETRANS.
transfer() {
	local port=$((6000 + RANDOM % 1000)) out=$TEST_TMP/recv.$1
	ip netns exec "$NS_B" timeout 60 python3 -c '
import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 200)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
open(sys.argv[3] + ".ready", "w").close()
c, _ = s.accept()
h = hashlib.sha256()
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    h.update(b)
open(sys.argv[3], "w").write(h.hexdigest() + "\n")
' "$IN4_B" "$port" "$out" </dev/null >/dev/null 2>&1 &
	push_cleanup "kill $! 2>/dev/null"
	wait_until 10 test -e "$out.ready" || { not_ok "receiver listening"; return 1; }
	nsx "$NS_A" nstat -n >/dev/null
	nsx "$NS_A" timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 200)
s.settimeout(50)
s.connect((sys.argv[1], int(sys.argv[2])))
with open(sys.argv[3], "rb") as f:
    s.sendfile(f)
s.shutdown(socket.SHUT_WR)
s.recv(1)
' "$IN4_B" "$port" "$DATA" || not_ok "sender finished ($1)"
	read -r OUT_SEGS RETRANS < <(nsx "$NS_A" nstat -az TcpOutSegs TcpRetransSegs |
		awk '$1 == "TcpOutSegs" { o = $2 } $1 == "TcpRetransSegs" { r = $2 } END { print o + 0, r + 0 }')
	wait_until 30 test -s "$out" || not_ok "receiver finished ($1)"
}

# too_many_segments IFNAME: A's data_dropped_too_many_segments counter.
too_many_segments() {
	nsx "$NS_A" "$WGC" show "$1" --json | python3 -c '
import json, sys
print(json.load(sys.stdin).get("counters", {}).get("data_dropped_too_many_segments", -1))'
}

transfer capped
check "4 MiB at MSS 200 arrived with the sender's SHA-256" [ "$(cat "$TEST_TMP/recv.capped")" = "$WANT" ]
note "sender: $OUT_SEGS segments, $RETRANS retransmitted"
check "under a tenth of the segments retransmitted ($RETRANS of $OUT_SEGS)" [ $((RETRANS * 10)) -lt "$OUT_SEGS" ]
check "no super-packet dropped for its size" [ "$(too_many_segments "$IF_A")" = 0 ]

# Without the cap (as when a kernel refuses it) such super-packets are still
# dropped, but counted: every drop has a reason (issue 11).
ip -n "$NS_A" link set "$IF_A" gso_max_segs 65535
transfer uncapped
check "without the cap the data still arrives (TCP resends it)" [ "$(cat "$TEST_TMP/recv.uncapped")" = "$WANT" ]
n=$(too_many_segments "$IF_A")
check "without the cap the dropped super-packets are counted (data_dropped_too_many_segments $n)" [ "${n:-0}" -gt 0 ]

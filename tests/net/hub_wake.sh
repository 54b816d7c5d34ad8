#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Wake-on-LAN: a listener in the LAN namespace records every magic packet
# (6 x 0xff, then the MAC 16 times) it receives by UDP broadcast to port 9
# and as an Ethernet frame of type 0x0842. The hub wakes a MAC given
# directly and a peer by name; a remote peer asks the hub's responder
# through the tunnel; a request for an unknown name, for a peer without a
# MAC, and one from a host that is not a peer (the LAN, routed to the
# hub's tunnel address) are refused. learn-mac records a peer's MAC from
# the hub's neighbour table.
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/hub_lib.sh"
require_root_and_tools nft python3
[ -x "$WGC" ] && [ -x "$WGCD" ] || { not_ok "build $WGC and $WGCD first"; exit 1; }

hub_topology || { not_ok "topology"; exit 1; }
hub_with_peers 2>/dev/null || { not_ok "hub and peers"; exit 1; }
hub_up >/dev/null 2>&1 || { not_ok "hub up"; exit 1; }
check "client 1 up" nsx "$NS_C1" "$WGC" up "$TEST_TMP/c1/$IF_C1.conf"
check "client 1 reaches the hub" wait_until 10 nsx "$NS_C1" ping -c1 -W1 "$HUB_ADDR"

CAP=$TEST_TMP/magic
ip netns exec "$NS_LAN" python3 -u - "$CAP" <<'PY' 2>"$TEST_TMP/listener.err" &
import select, socket, sys
out = open(sys.argv[1], "a", buffering=1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
u.bind(("0.0.0.0", 9))
r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0842))
r.bind(("lan0", 0))
out.write("ready\n")
while True:
    for s in select.select([u, r], [], [])[0]:
        data = s.recv(2048)
        if s is r:
            data = data[14:] # the Ethernet header
        out.write("%s %s\n" % ("udp" if s is u else "raw", data.hex()))
PY
lpid=$!
push_cleanup "kill $lpid"
check "listener ready" wait_until 5 grep -q ready "$CAP"

magic() { python3 -c 'import sys; m = bytes.fromhex(sys.argv[1].replace(":", "")); print((b"\xff" * 6 + m * 16).hex())' "$1"; }
# got MAC: both kinds of magic packet for MAC arrived (exactly 102 bytes each)
got() { local m; m=$(magic "$1"); grep -qx "udp $m" "$CAP" && grep -qx "raw $m" "$CAP"; }
got_any() { grep -q "$(magic "$1")" "$CAP"; }

M1=02:11:22:33:44:01 M2=02:11:22:33:44:02 M3=02:11:22:33:44:03 M4=02:11:22:33:44:04
check "wake by MAC (hub)" hubc wake "$M1" --iface lan0
check "... UDP and raw frame received with the magic payload" wait_until 5 got "$M1"

hubc peer add "$IF_HUB" pc --out "$TEST_TMP/pc.conf" 2>/dev/null
check "set a peer's MAC" hubc peer learn-mac "$IF_HUB" pc --mac "$M2"
check "... kept as a '# mac' line in its section" bash -c "sed -n '/friendly_name = pc\$/,/^\\[/p' '$HUBDIR/$IF_HUB.conf' | grep -qx '# mac = $M2'"
check "wake by name (hub, LAN from the hub file)" hubc wake pc
check "... received" wait_until 5 got "$M2"

C1_MAC=$(ip -n "$NS_C1" -o link show wan0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
check "learn-mac from the neighbour table (c1's endpoint is on the hub's link)" hubc peer learn-mac "$IF_HUB" c1
check "... recorded c1's MAC $C1_MAC" grep -qx "# mac = $C1_MAC" "$HUBDIR/$IF_HUB.conf"
hubc peer learn-mac "$IF_HUB" c2 2>"$TEST_TMP/err"
check "learn-mac refuses a peer without an endpoint" bash -c "[ $? -ne 0 ] && grep -q 'has no endpoint' '$TEST_TMP/err'"

# the responder, as the hub's systemd unit or PostUp would start it
hubc peer add "$IF_HUB" nas --out "$TEST_TMP/nas.conf" 2>/dev/null
hubc peer learn-mac "$IF_HUB" nas --mac "$M3" 2>/dev/null
# not through nsx (a function: $! would be a subshell's pid); ip netns exec execs, so $! is the responder
ip netns exec "$NS_HUB" env WGC_CONFIG_DIR="$HUBDIR" "$WGC" wake --serve "$IF_HUB" 2>"$TEST_TMP/serve.log" &
spid=$!
push_cleanup "kill $spid"
check "responder listening" wait_until 5 grep -q listening "$TEST_TMP/serve.log"
check "wake via the tunnel (client 1 asks the hub)" nsx "$NS_C1" "$WGC" wake --via "$HUB_ADDR" nas
check "... received on the LAN" wait_until 5 got "$M3"
nsx "$NS_C1" "$WGC" wake --via "$HUB_ADDR" nosuch 2>"$TEST_TMP/err"
check "unknown name refused" bash -c "[ $? -ne 0 ] && grep -q 'refused unknown name nosuch' '$TEST_TMP/err'"
nsx "$NS_C1" "$WGC" wake --via "$HUB_ADDR" c2 2>"$TEST_TMP/err"
check "name without a MAC refused" bash -c "[ $? -ne 0 ] && grep -q 'has no MAC' '$TEST_TMP/err'"
# a name two sections share (the file edited by hand: c2 renamed nas) says no one machine
c2_line=$(grep -n '^# friendly_name = c2$' "$HUBDIR/$IF_HUB.conf" | cut -d: -f1)
sed -i "${c2_line}s/.*/# friendly_name = nas/" "$HUBDIR/$IF_HUB.conf"
lines=$(wc -l <"$CAP")
nsx "$NS_C1" "$WGC" wake --via "$HUB_ADDR" nas 2>"$TEST_TMP/err"
check "a name two peers share refused" bash -c "[ $? -ne 0 ] && grep -q 'refused nas names more than one peer' '$TEST_TMP/err'"
check "... and no magic packet sent" test "$(wc -l <"$CAP")" = "$lines"
sed -i "${c2_line}s/.*/# friendly_name = c2/" "$HUBDIR/$IF_HUB.conf"

# a host that is not a peer: the LAN host, routed to the tunnel address through the hub
hubc peer learn-mac "$IF_HUB" pc --mac "$M4" 2>/dev/null
ip -n "$NS_LAN" route add 10.13.13.0/24 via "$HUB_LAN_ADDR"
check "the LAN host can reach the hub's tunnel address" nsx "$NS_LAN" ping -c1 -W2 "$HUB_ADDR"
nsx "$NS_LAN" "$WGC" wake --via "$HUB_ADDR" pc 2>"$TEST_TMP/err"
check "request from a non-peer refused (no answer)" bash -c "[ $? -ne 0 ] && grep -q 'no answer' '$TEST_TMP/err'"
check "... and no magic packet for it" bash -c "! grep -q '$(magic "$M4")' '$CAP'"
check "... the responder never saw it" bash -c "! grep -q ' asks for pc' '$TEST_TMP/serve.log'"
lines=$(wc -l <"$CAP")
nsx "$NS_C1" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"wgc-wake 1 ../x\n", ("'"$HUB_ADDR"'", 51822))'
check "a malformed request is refused" wait_until 5 grep -q 'refused malformed request' "$TEST_TMP/serve.log"
check "... and sends no magic packet" test "$(wc -l <"$CAP")" = "$lines"
check "wake by an unknown name on the hub fails clearly" bash -c "ip netns exec '$NS_HUB' env WGC_CONFIG_DIR='$HUBDIR' '$WGC' wake nosuch 2>&1 | grep -q 'no hub peer has that name'"
kill "$spid"
wait "$spid"
rc=$?
[ "$rc" = 0 ] || sed 's/^/#   /' "$TEST_TMP/serve.log"
check "the responder stops cleanly on SIGTERM (and under ASan reports nothing)" bash -c "[ $rc = 0 ] && ! grep -q Sanitizer '$TEST_TMP/serve.log'"

#!/bin/bash
# SPDX-License-Identifier: MIT
# An interface moved to another network namespace keeps working (issue 10),
# as with the kernel module and wireguard-go: wgcd is started in A (its UDP
# sockets stay there), the interface is moved to B and configured and
# addressed there; traffic flows between B and a third namespace C through
# it; bringing it down in B stops everything it sends and up again resumes
# it; deleting it in B stops the daemon and removes its socket.
. "$(dirname "$0")/lib.sh"
require_root_and_tools
GONE=$BUILD/tools/gone_after
DEL_BOUND_MS=${WGC_DEL_BOUND_MS:-2000}
[ -x "$BUILD/wgcd" ] && [ -x "$GONE" ] || { not_ok "build wgcd and tools first"; exit 1; }

new_ns NS_A && new_ns NS_B && new_ns NS_C || { not_ok "namespaces"; exit 1; }
veth_pair "$NS_A" "$NS_C" 10.204.0.1/24 10.204.0.2/24 || { not_ok "veth A-C"; exit 1; }
new_ifname IF
new_ifname IF_C
start_daemon "$NS_A" wgcd "$IF" || { not_ok "wgcd in A"; exit 1; }
PID_A=$DAEMON_PID
start_daemon "$NS_C" wgcd "$IF_C" || { not_ok "wgcd in C"; exit 1; }
(umask 077 && wg genkey >"$TEST_TMP/a.key" && wg genkey >"$TEST_TMP/c.key")
PUB_A=$(wg pubkey <"$TEST_TMP/a.key") PUB_C=$(wg pubkey <"$TEST_TMP/c.key")

check "move the interface from A to B" ip -n "$NS_A" link set "$IF" netns "$NS_B"
check "the daemon keeps running after the move" kill -0 "$PID_A"
check "its socket stays" test -S "$UAPI_DIR/$IF.sock"
check "configure it from B" nsx "$NS_B" "$WG" set "$IF" private-key "$TEST_TMP/a.key" listen-port 51820 \
	peer "$PUB_C" allowed-ips 10.10.0.2/32 endpoint 10.204.0.2:51820 persistent-keepalive 1
add_addr "$NS_B" "$IF" 10.10.0.1/24 && ip -n "$NS_B" link set "$IF" up || not_ok "address and up in B"
nsx "$NS_C" "$WG" set "$IF_C" private-key "$TEST_TMP/c.key" listen-port 51820 \
	peer "$PUB_A" allowed-ips 10.10.0.1/32 endpoint 10.204.0.1:51820 &&
	add_addr "$NS_C" "$IF_C" 10.10.0.2/24 && ip -n "$NS_C" link set "$IF_C" up || not_ok "configure C"
check "ping from B to C through the moved interface" nsx "$NS_B" ping -c1 -w10 -i0.2 10.10.0.2
check "ping from C to B" nsx "$NS_C" ping -c1 -w10 -i0.2 10.10.0.1

# rx_bytes of C's only peer: what A's daemon has sent
rx() { nsx "$NS_C" "$WG" show "$IF_C" transfer | awk '{print $2}'; }
# a stable read: two reads 1.5 s apart (more than the 1 s keepalive) that agree
stable_rx() {
	local a b i
	for ((i = 0; i < 10; i++)); do
		a=$(rx); sleep 1.5; b=$(rx)
		[ "$a" = "$b" ] && { echo "$a"; return 0; }
	done
	echo "unstable"; return 1
}
ip -n "$NS_B" link set "$IF" down
quiet=$(stable_rx)
if [ "$quiet" != unstable ]; then ok "down in B is seen: the daemon sends nothing (rx at C stays $quiet)"; else
	not_ok "down in B is seen: the daemon still sends"; fi
ip -n "$NS_B" link set "$IF" up
for ((i = 0; i < 100; i++)); do [ "$(rx)" != "$quiet" ] && break; sleep 0.1; done
[ "$(rx)" != "$quiet" ] && ok "up in B is seen: a handshake initiation and keepalives flow again" ||
	not_ok "up in B is seen: nothing was sent after up"
check "ping from B to C after down/up" nsx "$NS_B" ping -c1 -w10 -i0.2 10.10.0.2

t=$("$GONE" "$PID_A" "$UAPI_DIR/$IF.sock" ip -n "$NS_B" link del "$IF")
note "ip link del in B -> daemon and socket gone after ${t} us"
if [ "$t" != timeout ] && [ -n "$t" ] && [ "$t" -le $((DEL_BOUND_MS * 1000)) ]; then
	ok "deleting it in B stops the daemon and removes the socket (in $((t / 1000)) ms, bound $DEL_BOUND_MS)"
else
	not_ok "deleting it in B stops the daemon and removes the socket ($t us)"
	daemon_log "$IF"
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# (1) A tunnel inside a tunnel: wgcd pair wg2 uses the inner addresses of
# wgcd pair wg1 as its endpoints, so wg1 carries wg2's encrypted packets.
# (2) A routing loop: a peer's endpoint set to its own inner address, so
# that every packet sent to it comes back into the tunnel. wgcd must stay
# responsive (`wg show` within 1 s), keep running, and not spin: its CPU
# time over 5 s of the loop stays under half the wall time. Pass IMPL=...
# to run the same against another implementation (wireguard-go).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools

IMPL=${IMPL:-wgcd}

# --- (1) nesting ------------------------------------------------------------------
make_tunnel_pair "$IMPL" "$IMPL" || exit 1
wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10 || { not_ok "outer tunnel handshake"; exit 1; }
new_ifname J_A; new_ifname J_B
make_peer "$NS_A" "$IMPL" "$J_A" JK_A JP_A 51821 && make_peer "$NS_B" "$IMPL" "$J_B" JK_B JP_B 51821 ||
	{ not_ok "start inner daemons"; exit 1; }
nsx "$NS_A" wg set "$J_A" peer "$JP_B" allowed-ips 10.11.0.2/32,fd11::2/128 endpoint "$IN4_B:51821"
nsx "$NS_B" wg set "$J_B" peer "$JP_A" allowed-ips 10.11.0.1/32,fd11::1/128 endpoint "[$IN6_A]:51821"
if_up "$NS_A" "$J_A" 10.11.0.1/24 fd11::1/64 && if_up "$NS_B" "$J_B" 10.11.0.2/24 fd11::2/64 ||
	{ not_ok "inner addresses"; exit 1; }
read -r _ outer_tx0 < <(transfer "$NS_A" "$IF_A")
check "inner tunnel handshake over the outer one" wait_handshake "$NS_A" "$J_A" 10.11.0.2 10
check "ping through the inner tunnel (IPv4)" nsx "$NS_A" ping -c3 -i0.2 -W2 10.11.0.2
check "ping through the inner tunnel (IPv6, back)" nsx "$NS_B" ping -6 -c3 -i0.2 -W2 fd11::1
check "inner tunnel: endpoints are the outer tunnel's addresses" \
	bash -c "ip netns exec '$NS_B' wg show '$J_B' endpoints | grep -qF '$IN4_A:51821'"
read -r _ outer_tx1 < <(transfer "$NS_A" "$IF_A")
check "the outer tunnel carried it ($outer_tx0 -> $outer_tx1 bytes sent)" test "$outer_tx1" -gt $((outer_tx0 + 6 * 128))
# a full-size inner packet no longer fits the outer MTU: the outer UDP datagram is fragmented
check "full-MTU ping through the inner tunnel" nsx "$NS_A" ping -c2 -i0.2 -W2 -s 1392 10.11.0.2

# --- (2) routing loop -----------------------------------------------------------------
make_tunnel_pair "$IMPL" "$IMPL" || exit 1
pid_a=$(for p in $(ip netns pids "$NS_A"); do echo "$p"; done | head -1)
wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10 || { not_ok "loop pair handshake"; exit 1; }
check "tunnel works before the loop" nsx "$NS_A" ping -c1 -W2 "$IN4_B"
hz=$(getconf CLK_TCK)
# loop_phase ENDPOINT: B is reachable only through the tunnel to B itself
loop_phase() {
	local ep=$1 t0 t1 tx0 tx1
	nsx "$NS_A" wg set "$IF_A" peer "$PUB_B" endpoint "$ep"
	t0=$(cpu_ticks "$pid_a")
	read -r _ tx0 < <(transfer "$NS_A" "$IF_A")
	nsx "$NS_A" ping -c3 -i1 -W1 "$IN4_B" >/dev/null 2>&1   # each ping enters the loop
	nsx "$NS_A" ping -6 -c1 -W1 "$IN6_B" >/dev/null 2>&1
	t1=$(cpu_ticks "$pid_a")
	read -r _ tx1 < <(transfer "$NS_A" "$IF_A")
	note "loop via $ep: $IMPL used $(( (t1 - t0) * 1000 / hz )) ms CPU over ~4 s, sent $((tx1 - tx0)) bytes"
	check "loop via $ep: $IMPL still runs" kill -0 "$pid_a"
	check "loop via $ep: $IMPL answers wg show within 1 s" timeout 1 ip netns exec "$NS_A" wg show "$IF_A" dump
	check "loop via $ep: CPU time under 2 s over ~4 s" test $((t1 - t0)) -lt $((2 * hz))
	# traffic bounded: far under what a spinning loop pushes through (~100 MB/s)
	check "loop via $ep: under 20 MB sent into the loop" test $((tx1 - tx0)) -lt 20000000
}
loop_phase "$IN4_B:51820"
loop_phase "[$IN6_B]:51820"
# and it recovers once the endpoint is right again
nsx "$NS_A" wg set "$IF_A" peer "$PUB_B" endpoint "$OUT_B:51820"
sleep 1
check "loop: a correct endpoint heals the tunnel" nsx "$NS_A" ping -c2 -i0.3 -W3 "$IN4_B"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgcd with two lanes (WGC_LANES=2: a multi-queue TUN, one lane thread per
# queue) on both ends of a tunnel, and a third wgcd as a second peer of A:
# the TUN really has two queues; a TCP transfer with four streams arrives
# whole; a UDP flow to each peer at the same time arrives in order (the
# kernel keeps one flow on one queue, so one lane, and the receiver counts
# any packet out of order) and with at most half of them lost (a flow whose lane
# is dead loses all; loss itself is the load's business: the machine may be busy
# and the build may be ASan's); and after the load the
# byte counters of both ends of a tunnel still agree for a ping exchange.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools iperf3

export WGC_LANES=2
make_tunnel_pair wgcd wgcd || exit 1

for side in "$NS_A $IF_A" "$NS_B $IF_B"; do
	read -r ns ifn <<<"$side"
	n=$(nsx "$ns" ls "/sys/class/net/$ifn/queues" | grep -c '^tx-')
	check "$ifn has 2 TUN queues (found $n)" [ "$n" = 2 ]
done

# a third wgcd, C, as a second peer of A over its own veth
new_ns NS_C || { not_ok "namespace C"; exit 1; }
link_ns "$NS_A" vethc "$NS_C" veth0 10.201.0.1/24 10.201.0.2/24 || { not_ok "veth A-C"; exit 1; }
new_ifname IF_C
make_peer "$NS_C" wgcd "$IF_C" KEY_C PUB_C || { not_ok "start C"; exit 1; }
check "A adds C as a peer" nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_C" allowed-ips 10.10.0.3/32 \
	endpoint 10.201.0.2:51820
check "C has A as its peer" nsx "$NS_C" "$WG" set "$IF_C" peer "$PUB_A" allowed-ips 10.10.0.0/24 \
	endpoint 10.201.0.1:51820
check "C's inner address and link" if_up "$NS_C" "$IF_C" 10.10.0.3/24
check "handshake A-B" wait_handshake "$NS_A" "$IF_A" "$IN4_B" 20
check "handshake C-A" wait_handshake "$NS_C" "$IF_C" 10.10.0.1 20

iperf_run "TCP, 4 streams A->B over 2 lanes" "$NS_B" "$IN4_B" "$NS_A" -t 3 -P 4

# udp_flow NAME SERVER_NS SERVER_IP PORT: a 3 s UDP flow from A at 20 Mbit/s
# in the background; JSON in $TEST_TMP/udp.PORT.json, the client pid appended to UDP_PIDS.
UDP_PIDS=()
udp_flow() {
	ip netns exec "$2" iperf3 -s -1 -B "$3" -p "$4" >/dev/null 2>&1 </dev/null &
	push_cleanup "kill $!"
	wait_until 5 bash -c "ip netns exec '$2' ss -Hltn 'sport = :$4' | grep -q ."
	ip netns exec "$NS_A" timeout 20 iperf3 -c "$3" -p "$4" -u -b 20M -l 1200 -t 3 -J \
		>"$TEST_TMP/udp.$4.json" 2>&1 </dev/null &
	UDP_PIDS+=($!)
}
udp_flow "A->B" "$NS_B" "$IN4_B" 5301
udp_flow "A->C" "$NS_C" 10.10.0.3 5302
wait "${UDP_PIDS[@]}"
for port in 5301 5302; do
	# shellcheck disable=SC2016 # python, not shell
	res=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
s = r["end"]["sum"]
ooo = sum(x["udp"].get("out_of_order", 0) for x in r["end"]["streams"])
print(s["packets"], s["lost_packets"], ooo)' "$TEST_TMP/udp.$port.json" 2>/dev/null)
	read -r pk lost ooo <<<"${res:-0 0 -1}"
	note "UDP to port $port: $pk packets, $lost lost, $ooo out of order"
	check "UDP flow $port: packets arrived" [ "$pk" -gt 0 ]
	check "UDP flow $port: no packet out of order" [ "$ooo" = 0 ]
	check "UDP flow $port: at most half lost" [ $((lost * 2)) -le "$pk" ]
done

# peer_transfer NS IF PUB: "RX TX" of one peer
peer_transfer() {
	nsx "$1" "$WG" show "$2" transfer | awk -v p="$3" '$1 == p { print $2, $3 }'
}

# counters of both ends agree for a quiet exchange after the load
read -r a_rx0 a_tx0 <<<"$(peer_transfer "$NS_A" "$IF_A" "$PUB_B")"
read -r b_rx0 b_tx0 <<<"$(transfer "$NS_B" "$IF_B")"
nsx "$NS_A" ping -c 10 -i 0.1 -W 2 "$IN4_B" >/dev/null
read -r a_rx1 a_tx1 <<<"$(peer_transfer "$NS_A" "$IF_A" "$PUB_B")"
read -r b_rx1 b_tx1 <<<"$(transfer "$NS_B" "$IF_B")"
note "ping exchange: A sent $((a_tx1 - a_tx0)), B received $((b_rx1 - b_rx0)); B sent $((b_tx1 - b_tx0)), A received $((a_rx1 - a_rx0))"
check "A->B bytes counted alike on both ends" [ $((a_tx1 - a_tx0)) -gt 0 -a $((a_tx1 - a_tx0)) = $((b_rx1 - b_rx0)) ]
check "B->A bytes counted alike on both ends" [ $((b_tx1 - b_tx0)) -gt 0 -a $((b_tx1 - b_tx0)) = $((a_rx1 - a_rx0)) ]

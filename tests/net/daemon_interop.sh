#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgcd against wgcd and against wireguard-go. In every pair side A speaks
# first (so it is the handshake initiator); the matrix covers each
# implementation as initiator and as responder, IPv4 and IPv6 outer
# transport, and runs with and without a preshared key, without repeating
# a combination. Inside each tunnel: pings over inner IPv4 and IPv6 in
# both directions, and in some pairs short iperf3 TCP and UDP runs with
# wgcd as sender and as receiver.
TEST_TIMEOUT=${TEST_TIMEOUT:-150}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools wireguard-go iperf3 python3

# pair IMPL_A IMPL_B IPERF(yes/no) [psk] [v6outer]
pair() {
	local a=$1 b=$2 perf=$3 opts tag outer
	shift 3
	opts=("$@")
	outer=v4; [[ " ${opts[*]} " == *" v6outer "* ]] && outer=v6
	tag="$a->$b, $outer outer, $([[ " ${opts[*]} " == *" psk "* ]] && echo psk || echo no psk)"
	make_tunnel_pair "$a" "$b" "${opts[@]}" || return 1
	if wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10; then
		ok "$tag: handshake"
	else
		not_ok "$tag: handshake"
		daemon_log "$IF_A"; daemon_log "$IF_B"
		return 1
	fi
	check "$tag: ping inner IPv4 A->B" nsx "$NS_A" ping -c3 -i0.2 -W2 "$IN4_B"
	check "$tag: ping inner IPv6 A->B" nsx "$NS_A" ping -c3 -i0.2 -W2 "$IN6_B"
	check "$tag: ping inner IPv4 B->A" nsx "$NS_B" ping -c3 -i0.2 -W2 "$IN4_A"
	check "$tag: ping inner IPv6 B->A" nsx "$NS_B" ping -c3 -i0.2 -W2 "$IN6_A"
	# the responder learnt A's address from the handshake, over the right family
	check "$tag: responder's endpoint is A's outer address" \
		bash -c "ip netns exec '$NS_B' wg show '$IF_B' endpoints | grep -qF '$([ $outer = v6 ] && echo "[$OUT_A]" || echo "$OUT_A"):51820'"
	# a 1400-byte ping fills the 1420 MTU: exercises padding and fragmentation-free max size
	check "$tag: full-MTU ping" nsx "$NS_A" ping -c2 -i0.2 -W2 -M "do" -s 1392 "$IN4_B"
	if [ "$perf" = yes ]; then
		iperf_run "$tag: iperf3 TCP A->B" "$NS_B" "$IN4_B" "$NS_A" -t 2
		iperf_run "$tag: iperf3 TCP B->A (reverse)" "$NS_B" "$IN6_B" "$NS_A" -t 2 -R
		iperf_run "$tag: iperf3 UDP A->B 50M" "$NS_B" "$IN4_B" "$NS_A" -t 2 -u -b 50M
		iperf_run "$tag: iperf3 UDP B->A 50M" "$NS_B" "$IN4_B" "$NS_A" -t 2 -u -b 50M -R
	fi
	local rx tx
	read -r rx tx < <(transfer "$NS_A" "$IF_A")
	if [ "$rx" -gt 0 ] && [ "$tx" -gt 0 ]; then ok "$tag: transfer counted ($rx rx, $tx tx)"; else not_ok "$tag: transfer counted ($rx rx, $tx tx)"; fi
}

pair wgcd wgcd yes
pair wgcd wgcd no psk v6outer
pair wgcd wireguard-go yes psk
pair wgcd wireguard-go no v6outer
pair wireguard-go wgcd yes
pair wireguard-go wgcd no psk v6outer

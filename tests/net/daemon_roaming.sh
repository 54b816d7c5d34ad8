#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Roaming: after a handshake, side A moves to another listen port and
# sends; side B must follow A to the new endpoint (`wg show endpoints`)
# and its replies must reach A there. wgcd is the roaming side against
# wireguard-go, the observing side against wireguard-go, and both against
# itself; over IPv4 and IPv6 outer transport.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools wireguard-go

# roam IMPL_A IMPL_B [v6outer]
roam() {
	local a=$1 b=$2 outer=v4 host port=$((40000 + RANDOM % 20000)) tag
	[ "${3:-}" = v6outer ] && outer=v6
	tag="$a roams, $b observes, $outer"
	make_tunnel_pair "$a" "$b" ${3:+"$3"} || return 1
	host=$OUT_A
	[ $outer = v6 ] && host="[$OUT_A]"
	if ! wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10; then
		not_ok "$tag: handshake"
		return 1
	fi
	check "$tag: B sees A at $host:51820 first" \
		bash -c "ip netns exec '$NS_B' wg show '$IF_B' endpoints | grep -qF '$host:51820'"
	nsx "$NS_A" "$WG" set "$IF_A" listen-port "$port" || { not_ok "$tag: set listen-port"; return 1; }
	check "$tag: A pings B from its new port" nsx "$NS_A" ping -c3 -i0.2 -W2 "$IN4_B"
	if nsx "$NS_B" "$WG" show "$IF_B" endpoints | grep -qF "$host:$port"; then
		ok "$tag: B follows A to $host:$port"
	else
		not_ok "$tag: B follows A to $host:$port"
		nsx "$NS_B" "$WG" show "$IF_B" endpoints | sed 's/^/#   /'
	fi
	check "$tag: B reaches A at the new endpoint" nsx "$NS_B" ping -6 -c3 -i0.2 -W2 "$IN6_A"
	# and back: A returns to 51820, B follows again
	nsx "$NS_A" "$WG" set "$IF_A" listen-port 51820
	nsx "$NS_A" ping -c2 -i0.2 -W2 "$IN4_B" >/dev/null
	check "$tag: B follows A back to 51820" \
		bash -c "ip netns exec '$NS_B' wg show '$IF_B' endpoints | grep -qF '$host:51820'"
}

roam wgcd wireguard-go
roam wireguard-go wgcd
roam wgcd wgcd
roam wgcd wireguard-go v6outer
roam wireguard-go wgcd v6outer

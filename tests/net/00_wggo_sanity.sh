#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proves the test library itself: wireguard-go on both ends, a handshake,
# pings over inner IPv4 and IPv6 through an IPv4 outer path, and cleanup.
. "$(dirname "$0")/lib.sh"
require_root_and_tools wireguard-go

make_tunnel_pair wireguard-go wireguard-go || exit 1
ok "tunnel pair set up ($NS_A/$IF_A <-> $NS_B/$IF_B)"

if wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10; then
	ok "handshake completed"
else
	not_ok "handshake completed"
	daemon_log "$IF_A"
fi
check "ping inner IPv4 A->B" nsx "$NS_A" ping -c3 -i0.2 -W2 "$IN4_B"
check "ping inner IPv6 A->B" nsx "$NS_A" ping -6 -c3 -i0.2 -W2 "$IN6_B"
check "ping inner IPv4 B->A" nsx "$NS_B" ping -c3 -i0.2 -W2 "$IN4_A"
check "endpoint learned by B" bash -c "ip netns exec '$NS_B' wg show '$IF_B' endpoints | grep -q '10.200.0.1:51820'"
check "transfer counted" bash -c "ip netns exec '$NS_A' wg show '$IF_A' transfer | awk '{ exit !(\$2 > 0 && \$3 > 0) }'"
# Traffic outside the allowed IPs must not pass.
check_fails "no route for other inner addresses" nsx "$NS_A" ping -c1 -W1 10.10.0.3

# The library's options: a preshared key and an IPv6 outer path.
make_tunnel_pair wireguard-go wireguard-go psk v6outer || exit 1
if wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10; then
	ok "handshake with psk over IPv6"
else
	not_ok "handshake with psk over IPv6"
fi
check "ping inner IPv4 over IPv6 outer" nsx "$NS_A" ping -c2 -i0.2 -W2 "$IN4_B"
check "psk configured" bash -c "ip netns exec '$NS_A' wg show '$IF_A' preshared-keys | grep -qv '(none)'"
check "endpoint is IPv6" bash -c "ip netns exec '$NS_B' wg show '$IF_B' endpoints | grep -q '\[fd20::1\]:51820'"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Exact byte accounting: the same exchange (handshake, then 10 IPv4 pings
# and 5 large IPv6 pings from A) over a wireguard-go <-> wireguard-go pair
# as the reference, then over wgcd <-> wireguard-go both ways round and
# wgcd <-> wgcd. `wg show transfer` must report the same bytes on each
# side as the reference does. Persistent keepalive stays off, and the
# counters are read well before the 10 s passive keepalive could add to them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools wireguard-go

# exchange IMPL_A IMPL_B: sets RESULT to "A_RX A_TX B_RX B_TX" after the
# IPv4 pings and again after the IPv6 ones. Runs in this shell, not a
# subshell, so that lib.sh's cleanup list keeps what it creates.
RESULT=
exchange() {
	make_tunnel_pair "$1" "$2" || return 1
	nsx "$NS_A" ping -c10 -i0.2 -W3 "$IN4_B" >/dev/null || note "$1->$2: IPv4 pings lost"
	RESULT="$(transfer "$NS_A" "$IF_A") $(transfer "$NS_B" "$IF_B")"
	nsx "$NS_A" ping -6 -c5 -i0.2 -W3 -s 1000 "$IN6_B" >/dev/null || note "$1->$2: IPv6 pings lost"
	RESULT="$RESULT $(transfer "$NS_A" "$IF_A") $(transfer "$NS_B" "$IF_B")"
}

exchange wireguard-go wireguard-go || exit 1
ref=$RESULT
note "reference (A rx tx, B rx tx; after IPv4, after IPv6):" $ref
# the reference itself is sane: what one side sent the other received
read -r _ _ _ _ a_rx a_tx b_rx b_tx <<<"$ref"
if [ "$a_tx" -gt 0 ] && [ "$a_tx" = "$b_rx" ] && [ "$a_rx" = "$b_tx" ]; then
	ok "reference pair: what A sent is what B received"
else
	not_ok "reference pair: what A sent is what B received ($ref)"
fi

for combo in "wgcd wireguard-go" "wireguard-go wgcd" "wgcd wgcd"; do
	# shellcheck disable=SC2086 # two words: the implementations
	exchange $combo || { not_ok "$combo: set up"; continue; }
	if [ "$RESULT" = "$ref" ]; then
		ok "${combo/ /->}: transfer counters equal wireguard-go's ($RESULT)"
	else
		not_ok "${combo/ /->}: transfer counters equal wireguard-go's"
		note "got:      $RESULT"
		note "expected: $ref"
	fi
done

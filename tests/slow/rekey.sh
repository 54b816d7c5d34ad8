#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crossing REKEY_AFTER_TIME (120 s) under continuous traffic: a ping every
# 0.2 s for 210 s through wgcd <-> wgcd and, at the same time, through
# wgcd <-> wireguard-go. Each tunnel must hand over to a new session (a
# later handshake time) without losing a single ping.
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
. "$(dirname "$0")/../net/lib.sh"
. "$(dirname "$0")/../net/daemon_lib.sh"
require_root_and_tools wireguard-go

COUNT=${REKEY_PINGS:-1050}   # at 0.2 s: 210 s
pairs=()
for combo in "wgcd wgcd" "wgcd wireguard-go"; do
	# shellcheck disable=SC2086 # two words: the implementations
	make_tunnel_pair $combo || exit 1
	wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10 || { not_ok "$combo: handshake"; exit 1; }
	hs0=$(latest_handshake "$NS_A" "$IF_A")
	out=$TEST_TMP/ping.${#pairs[@]}
	ip netns exec "$NS_A" ping -c "$COUNT" -i 0.2 -W 2 "$IN4_B" >"$out" 2>&1 &
	pid=$!
	push_cleanup "kill $pid"
	pairs+=("${combo/ /<->}|$NS_A|$IF_A|$hs0|$out|$pid")
done
note "pinging every 0.2 s, $COUNT times, through ${#pairs[@]} tunnels at once"
for p in "${pairs[@]}"; do
	IFS='|' read -r name ns ifn hs0 out pid <<<"$p"
	wait "$pid"
	sent=$(awk '/packets transmitted/ { print $1 }' "$out")
	got=$(awk '/packets transmitted/ { print $4 }' "$out")
	hs1=$(latest_handshake "$ns" "$ifn")
	note "$name: $got of $sent replies, handshakes at +0 s and +$((hs1 - hs0)) s"
	check "$name: all $COUNT pings sent" test "${sent:-0}" -eq "$COUNT"
	check "$name: no ping lost across the rekey (${got:-0}/${sent:-0})" test "${got:-0}" -eq "${sent:-1}"
	check "$name: a new session after REKEY_AFTER_TIME (+$((hs1 - hs0)) s)" test "$hs1" -ge $((hs0 + 120))
done

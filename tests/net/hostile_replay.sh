#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Replay at a live wgcd: every datagram A sent B during a handshake and a
# round of pings (the initiation, the confirming keepalive, data) is
# captured on B's veth and sent again, from A's address and another port.
# Replayed data fails the replay window, the replayed initiation fails the
# timestamp check: B's latest handshake, transfer counters and A's endpoint
# stay as they were, and B answers nothing (A's side is unchanged too).
# Real traffic afterwards does move the counters, so the comparison can fail.
: "${TEST_TIMEOUT:=120}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools
GS=$BUILD/tools/garbage_sender
[ -x "$GS" ] || { not_ok "missing $GS (make)"; exit 1; }

# peer_field NS IF FIELD: one column of the single peer's `wg show dump` line
# (3 endpoint, 5 latest handshake, 6 rx, 7 tx).
peer_field() {
	nsx "$1" "$WG" show "$2" dump | awk -F'\t' -v f="$3" 'NR == 2 { print $f }'
}

make_tunnel_pair wgcd wgcd || exit 1
PID_B=$DAEMON_PID

cap=$TEST_TMP/to_b.hex
ip netns exec "$NS_B" "$GS" --capture veth0 --port 51820 --out "$cap" --seconds 5 >/dev/null 2>&1 &
cap_pid=$!
push_cleanup "kill $cap_pid"
wait_until 5 test -e "$cap.ready" || { not_ok "start capture"; exit 1; }
check "handshake" wait_handshake "$NS_A" "$IF_A" "$IN4_B"
nsx "$NS_A" ping -c5 -i0.2 -W2 "$IN4_B" >/dev/null
wait "$cap_pid"
n_init=$(grep -c '^01000000' "$cap")
n_data=$(grep -c '^04000000' "$cap")
note "captured $(wc -l <"$cap") datagrams to B: $n_init initiation(s), $n_data data"
check "captured an initiation and data" test "$n_init" -ge 1 -a "$n_data" -ge 5

# A sends a keepalive 10 s after its last received ping reply; let it pass.
sleep 11
before_a=$(nsx "$NS_A" "$WG" show "$IF_A" dump)
hs=$(peer_field "$NS_B" "$IF_B" 5) rx=$(peer_field "$NS_B" "$IF_B" 6)
tx=$(peer_field "$NS_B" "$IF_B" 7) ep=$(peer_field "$NS_B" "$IF_B" 3)

# twice: the second round also meets a window that has seen the first
for round in 1 2; do
	check "replay round $round sent" nsx "$NS_A" "$GS" --to "$OUT_B:51820" --replay "$cap"
done
sleep 1
check "wgcd survived the replay" kill -0 "$PID_B"
check "replayed initiation: no new handshake" test "$(peer_field "$NS_B" "$IF_B" 5)" = "$hs"
check "replayed data: B's rx unchanged ($rx)" test "$(peer_field "$NS_B" "$IF_B" 6)" = "$rx"
check "B answered nothing: tx unchanged ($tx)" test "$(peer_field "$NS_B" "$IF_B" 7)" = "$tx"
check "A's endpoint on B unchanged ($ep)" test "$(peer_field "$NS_B" "$IF_B" 3)" = "$ep"
check "A's side unchanged" test "$(nsx "$NS_A" "$WG" show "$IF_A" dump)" = "$before_a"

check "tunnel still carries IPv4" nsx "$NS_A" ping -c2 -i0.2 -W2 "$IN4_B"
check "real traffic moves B's rx" test "$(peer_field "$NS_B" "$IF_B" 6)" -gt "$rx"

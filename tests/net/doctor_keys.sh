#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgc doctor's counter-based checks (wgcd's counters) on a wgcd <-> wgcd
# pair, each first passing on the healthy pair, then fired by its fault:
#   unknown peer      B forgets A; A handshakes anew -> B: handshake.unknown_peer
#                     names A's address; A: peer.attempts fails (no response)
#   wrong server key  A holds a wrong public key for B -> B: handshake.invalid_mac1
#                     names A's address and B's real key; A: peer.attempts fails
#   clock backwards   an old initiation of A (captured) replayed after a newer
#                     one was accepted -> B: handshake.stale_timestamp
#   AllowedIPs        B allows A only 10.10.0.99 -> B: traffic.source_not_allowed
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/doctor_lib.sh"
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
require_root_and_tools python3
GS=$BUILD/tools/garbage_sender
[ -x "$GS" ] || { not_ok "missing $GS (make)"; exit 1; }

make_tunnel_pair wgcd wgcd || exit 1
cap=$TEST_TMP/to_b.hex
ip netns exec "$NS_B" "$GS" --capture veth0 --port 51820 --out "$cap" --seconds 4 >/dev/null 2>&1 &
cap_pid=$!
push_cleanup "kill $cap_pid"
wait_until 5 test -e "$cap.ready" || { not_ok "start capture"; exit 1; }
wait_handshake "$NS_A" "$IF_A" "$IN4_B" 20 || { not_ok "handshake"; exit 1; }
wait "$cap_pid"
check "captured A's first initiation" grep -q '^01000000' "$cap"

doctor "$NS_A" "$IF_A" --no-probe
if ! has_counters; then
	not_ok "wgcd reports counters to wgc doctor"
	exit 1
fi
expect "healthy A: attempts answered" peer.attempts ok
doctor "$NS_B" "$IF_B" --no-probe
expect "healthy B: no bad mac1" handshake.invalid_mac1 ok
expect "healthy B: no unknown peer" handshake.unknown_peer ok
expect "healthy B: no stale timestamp" handshake.stale_timestamp ok
expect "healthy B: no source outside AllowedIPs" traffic.source_not_allowed ok

# reset_peer_on_a KEY: A forgets its peer and adds KEY with B's endpoint, so its next packet starts a handshake.
reset_peer_on_a() {
	nsx "$NS_A" "$WG" set "$IF_A" peer "$1" remove
	nsx "$NS_A" "$WG" set "$IF_A" peer "$2" endpoint "$OUT_B:51820" allowed-ips "$IN4_B/32"
}
kick() { nsx "$NS_A" ping -c1 -W1 "$IN4_B" >/dev/null 2>&1; true; }

# Clock backwards: a newer handshake, then A's captured first initiation again.
reset_peer_on_a "$PUB_B" "$PUB_B"
check "a newer handshake" wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10
check "old initiation replayed to B" nsx "$NS_A" "$GS" --to "$OUT_B:51820" --replay "$cap"
expect_soon "replayed old initiation fires" 10 "$NS_B" "$IF_B" -- handshake.stale_timestamp warn
check "advice: check the peer's time sync" grep -q "time sync" <<<"$(evidence handshake.stale_timestamp)"

# Unknown peer: B forgets A.
nsx "$NS_B" "$WG" set "$IF_B" peer "$PUB_A" remove
reset_peer_on_a "$PUB_B" "$PUB_B"
kick
expect_soon "B: initiation from an unknown key fires" 10 "$NS_B" "$IF_B" -- handshake.unknown_peer warn
check "B names A's address as the source" grep -q "$OUT_A:51820" <<<"$(evidence handshake.unknown_peer)"
kick
expect_soon "A: initiations without response" 10 "$NS_A" "$IF_A" -- peer.attempts fail
nsx "$NS_B" "$WG" set "$IF_B" peer "$PUB_A" endpoint "$OUT_A:51820" allowed-ips "$IN4_A/32,$IN6_A/128"

# Wrong server key: A holds another key for B.
wrong=$(wg genkey | wg pubkey)
reset_peer_on_a "$PUB_B" "$wrong"
kick
expect_soon "B: initiations with a bad mac1 fire" 10 "$NS_B" "$IF_B" -- handshake.invalid_mac1 warn
check "B names A's address and its own public key" \
	bash -c "grep -q '$OUT_A:51820' <<<\"\$1\" && grep -q '$PUB_B' <<<\"\$1\"" _ "$(evidence handshake.invalid_mac1)"
kick
expect_soon "A: the wrong key gets no response" 10 "$NS_A" "$IF_A" "$wrong" -- peer.attempts fail
check "A's advice: check the peer's public key" grep -q "PublicKey" <<<"$(evidence peer.attempts)"
reset_peer_on_a "$wrong" "$PUB_B"
check "the right key handshakes again" wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10

# AllowedIPs: B allows A only an address A does not send from.
doctor "$NS_B" "$IF_B" --no-probe
expect "before: no packet outside AllowedIPs" traffic.source_not_allowed ok
nsx "$NS_B" "$WG" set "$IF_B" peer "$PUB_A" allowed-ips 10.10.0.99/32
kick
expect_soon "inner source outside AllowedIPs fires" 10 "$NS_B" "$IF_B" -- traffic.source_not_allowed warn

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Garbage at a live wgcd: a wgcd <-> wgcd tunnel carries pings while a
# stranger in A's namespace (A's address, another port) sends B's listen
# port a million random datagrams (a quarter under valid headers at exact
# lengths) and a million bit-flipped copies of real datagrams captured on
# both veths (initiation, response, keepalives, data). wgcd must survive,
# and `wg show dump` of both ends must be byte-for-byte what it was before:
# no endpoint moved, no handshake happened, no counter changed. Then the
# tunnel still carries pings. GARBAGE_N scales the two million (default
# 1000000 each); GARBAGE_RATE paces them (datagrams/s, default 100000).
: "${TEST_TIMEOUT:=180}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools
GS=$BUILD/tools/garbage_sender
N=${GARBAGE_N:-1000000}
RATE=${GARBAGE_RATE:-100000}
[ -x "$GS" ] || { not_ok "missing $GS (make)"; exit 1; }

# capture NS OUT SECONDS: records datagrams arriving for port 51820 on NS's
# veth0 in the background; returns once listening. The pid is in CAP_PID.
CAP_PID=
capture() {
	ip netns exec "$1" "$GS" --capture veth0 --port 51820 --out "$2" --seconds "$3" >/dev/null 2>&1 &
	CAP_PID=$!
	push_cleanup "kill $CAP_PID"
	wait_until 5 test -e "$2.ready"
}

make_tunnel_pair wgcd wgcd || exit 1
PID_B=$DAEMON_PID # make_tunnel_pair starts B last

capture "$NS_B" "$TEST_TMP/to_b.hex" 6 || { not_ok "start capture at B"; exit 1; }
cap_b=$CAP_PID
capture "$NS_A" "$TEST_TMP/to_a.hex" 6 || { not_ok "start capture at A"; exit 1; }
cap_a=$CAP_PID
check "handshake" wait_handshake "$NS_A" "$IF_A" "$IN4_B"
nsx "$NS_A" ping -c10 -i0.1 -W2 "$IN4_B" >/dev/null
nsx "$NS_B" ping -6 -c5 -i0.1 -W2 -s 1200 "$IN6_A" >/dev/null
wait "$cap_b" "$cap_a"
cat "$TEST_TMP/to_b.hex" "$TEST_TMP/to_a.hex" >"$TEST_TMP/seeds.hex"
types=$(cut -c1-2 "$TEST_TMP/seeds.hex" | sort -u | tr '\n' ' ')
note "captured $(wc -l <"$TEST_TMP/seeds.hex") datagrams, types: $types"
check "captured an initiation, a response and data" \
	bash -c "[ '$types' = '01 02 04 ' ]"

# Whoever received data last sends a keepalive 10 s later: let it pass
# before the snapshot, so that only garbage could change anything after.
sleep 11
before_a=$(nsx "$NS_A" "$WG" show "$IF_A" dump)
before_b=$(nsx "$NS_B" "$WG" show "$IF_B" dump)

start=$SECONDS ticks=$(cpu_ticks "$PID_B")
out=$(nsx "$NS_A" timeout 90 "$GS" --to "$OUT_B:51820" --random "$N" --flips "$N" \
	--seeds "$TEST_TMP/seeds.hex" --rate "$RATE" --seed $$ 2>&1)
rc=$?
note "garbage_sender: $out ($((SECONDS - start)) s); wgcd used $(($(cpu_ticks "$PID_B") - ticks)) CPU ticks on it"
check "sent $((2 * N)) garbage datagrams" test "$rc" -eq 0
sleep 1 # what is still queued in B's socket gets read
check "wgcd survived the garbage" kill -0 "$PID_B"

after_a=$(nsx "$NS_A" "$WG" show "$IF_A" dump)
after_b=$(nsx "$NS_B" "$WG" show "$IF_B" dump)
if [ "$before_b" = "$after_b" ]; then
	ok "B's dump unchanged (endpoint, handshake, transfer)"
else
	not_ok "B's dump unchanged (endpoint, handshake, transfer)"
	diff <(echo "$before_b") <(echo "$after_b") | sed 's/^/#   /'
fi
if [ "$before_a" = "$after_a" ]; then
	ok "A's dump unchanged: B sent A nothing because of the garbage"
else
	not_ok "A's dump unchanged: B sent A nothing because of the garbage"
	diff <(echo "$before_a") <(echo "$after_a") | sed 's/^/#   /'
fi
check "tunnel still carries IPv4" nsx "$NS_A" ping -c3 -i0.2 -W2 "$IN4_B"
check "tunnel still carries IPv6" nsx "$NS_B" ping -6 -c3 -i0.2 -W2 "$IN6_A"
check "B still answers its UAPI" nsx "$NS_B" "$WG" show "$IF_B" public-key

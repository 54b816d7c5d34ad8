#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# wgcd's handshake workers yield to its data path while the tunnels are
# busy (doc/wgcd.8, WGC_HANDSHAKE_NICE; bench/RESULTS.md, issue 11). Two
# classes of workers share the queue: level ones at the daemon's nice value
# and lowered ones at 19. With a TCP stream through the tunnel the lowered
# ones do the handshake work and the level ones none; once it ends, the
# other way round. WGC_HANDSHAKE_NICE=0 starts level workers only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools
TEST_TIMEOUT=${TEST_TIMEOUT:-120}

ABS_BUILD=$(cd "${BUILD:-build}" && pwd)
FLOOD=$ABS_BUILD/bench/handshake_flood
[ -x "$FLOOD" ] || { not_ok "flood generator $FLOOD is built"; exit 1; }
# both daemons start from nice 0, whatever this runner's own nice value is
for n in default 0; do
	w=$TEST_TMP/wgcd-nice-$n
	if [ "$n" = default ]; then env=; else env="WGC_HANDSHAKE_NICE=$n "; fi
	printf '#!/bin/sh\nexec nice -n %d env WGC_HANDSHAKE_WORKERS=2 %s%s/wgcd "$@"\n' "$((0 - $(nice)))" "$env" \
		"$ABS_BUILD" >"$w"
	chmod +x "$w"
done

# A keeps its workers level; B, the iperf3 server and the flood's target, has the default
make_tunnel_pair "$TEST_TMP/wgcd-nice-0" "$TEST_TMP/wgcd-nice-default" || exit 1
PID_B=$DAEMON_PID
PID_A=
for p in $(ip netns pids "$NS_A"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = wgcd ] && PID_A=$p
done
[ -n "$PID_A" ] || { not_ok "found A's wgcd"; exit 1; }
check "ping through the tunnel" nsx "$NS_A" ping -c2 -W2 "$IN4_B"

# threads PID: "TID NAME NICE CPU-TICKS" per thread (fields 19, 14 and 15 of its stat)
threads() {
	local t
	for t in /proc/"$1"/task/*; do
		awk -v tid="${t##*/}" -v name="$(cat "$t/comm" 2>/dev/null)" \
			'{ r = $0; sub(/^.*\) /, "", r); split(r, f, " "); print tid, name, f[17], f[12] + f[13] }' \
			"$t/stat" 2>/dev/null
	done
}
# nices PID: "NICE:COUNT ..." of its handshake workers; others PID: the rest's distinct nice values
nices() { threads "$1" | awk '$2 ~ /^wgcd-handshake/ { n[$3]++ } END { for (k in n) printf "%s:%d ", k, n[k] }' | tr ' ' '\n' | sort -n | tr '\n' ' '; }
others() { threads "$1" | awk '$2 !~ /^wgcd-handshake/ { print $3 }' | sort -un | tr '\n' ' '; }
got=$(nices "$PID_B")
check "default: two level workers at 0 and two lowered at 19 (got '$got')" test "$got" = "0:2 19:2 "
check "default: the other threads at 0 (got '$(others "$PID_B")')" test "$(others "$PID_B")" = "0 "
got=$(nices "$PID_A")
check "WGC_HANDSHAKE_NICE=0: two workers, both at 0 (got '$got')" test "$got" = "0:2 "

# class_ticks PID NICE: CPU ticks of its handshake workers at that nice value
class_ticks() { threads "$1" | awk -v n="$2" '$2 ~ /^wgcd-handshake/ && $3 == n { s += $4 } END { print s + 0 }'; }
# work_split LABEL BUSY_NICE IDLE_NICE: over 3 s, the workers at BUSY_NICE did the
# handshake work (at least 3 ticks) and those at IDLE_NICE at most a quarter of it
work_split() {
	local b0 i0 b1 i1
	b0=$(class_ticks "$PID_B" "$2") i0=$(class_ticks "$PID_B" "$3")
	sleep 3
	b1=$(class_ticks "$PID_B" "$2") i1=$(class_ticks "$PID_B" "$3")
	if [ $((b1 - b0)) -ge 3 ] && [ $((4 * (i1 - i0))) -le $((b1 - b0)) ]; then
		ok "$1: workers at nice $2 took $((b1 - b0)) ticks, those at $3 took $((i1 - i0))"
	else
		not_ok "$1: workers at nice $2 do the work (they took $((b1 - b0)) ticks, those at $3 took $((i1 - i0)))"
		threads "$PID_B" | sed 's/^/#   /'
	fi
}

# initiations with a valid mac1 (one Diffie-Hellman each) to B all along, from A's veth address
ip netns exec "$NS_A" "$FLOOD" --target "$OUT_B:51820" --pub "$PUB_B" --mac1-only --rate 1000 --duration 30 \
	--sources "$OUT_A" >"$TEST_TMP/flood.out" 2>&1 </dev/null &
push_cleanup "kill $! 2>/dev/null"
sleep 1
work_split "quiet tunnels" 0 19

# busy: a TCP stream A -> B
nsx "$NS_B" iperf3 -s -1 -B "$IN4_B" -p 5201 >/dev/null 2>&1 &
push_cleanup "kill $! 2>/dev/null"
sleep 0.5
nsx "$NS_A" iperf3 -c "$IN4_B" -p 5201 -t 8 >"$TEST_TMP/iperf.out" 2>&1 &
IPERF_C=$!
push_cleanup "kill $IPERF_C 2>/dev/null"
sleep 2
work_split "busy tunnels" 19 0
wait "$IPERF_C"
check "the stream ran" grep -q receiver "$TEST_TMP/iperf.out"
sleep 1
work_split "quiet again" 0 19
check "the tunnel still carries pings" nsx "$NS_A" ping -c2 -W2 "$IN4_B"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgcd's drop counters (issue 11, section 3), read the way a user reads them,
# through `wgc show IF --json` (which asks wgcd with wgc_extensions=1):
#   - a plain `get=1` reply is unchanged: exactly wireguard-go's keys, no wgc_ line;
#     the extension adds wgc_counter lines; wgc never sends it to wireguard-go;
#   - a peer holding a wrong public key for the server -> rejected_invalid_mac1
#     (and its source is among the remembered rejected sources);
#   - an endpoint that drops everything -> handshake_initiations_sent grows while
#     handshake_responses_received stays 0;
#   - a peer the server does not know -> rejected_unknown_peer;
#   - an older initiation replayed -> rejected_stale_timestamp;
#     the latest one replayed byte for byte -> rejected_duplicate_initiation;
#   - replayed data -> data_rejected_replay; a spoofed inner source ->
#     data_rejected_source_not_allowed (device and peer counters).
# Each check compares a counter before and after its scenario, so a counter
# that never moves fails.
: "${TEST_TIMEOUT:=150}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools wireguard-go python3
WGC=$BUILD/wgc
GS=$BUILD/tools/garbage_sender
[ -x "$GS" ] && [ -x "$WGC" ] || { not_ok "missing $GS or $WGC (make)"; exit 1; }

# counter NS IF NAME [PEER_PUB]: a device (or that peer's) counter from `wgc show --json`; "none" if absent.
counter() {
	nsx "$1" "$WGC" show "$2" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
name, peer = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
obj = d if peer is None else next((p for p in d["peers"] if p["public_key"] == peer), {})
print(obj.get("counters", {}).get(name, "none"))' "${@:3}"
}

# counter_above NS IF NAME VALUE [PEER_PUB]: the counter is a number above VALUE.
counter_above() {
	local v
	v=$(counter "$1" "$2" "$3" "${@:5}")
	[ "$v" != none ] && [ "$v" -gt "$4" ]
}

# rejected_source NS IF REASON ADDR: ADDR is among the remembered sources of REASON.
rejected_source() {
	nsx "$1" "$WGC" show "$2" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if sys.argv[2] in d.get("rejected_sources", {}).get(sys.argv[1], []) else 1)' "$3" "$4"
}

make_tunnel_pair wgcd wgcd || exit 1
check "handshake" wait_handshake "$NS_A" "$IF_A" "$IN4_B"

# --- the UAPI: plain reply unchanged, extension on request ------------------
plain=$(uapi_raw "$IF_B" $'get=1\n\n')
keys=$(printf '%s\n' "$plain" | sed -n 's/=.*//p' | sort -u | tr '\n' ' ')
want="allowed_ip endpoint errno last_handshake_time_nsec last_handshake_time_sec listen_port persistent_keepalive_interval private_key protocol_version public_key preshared_key rx_bytes tx_bytes "
want=$(printf '%s\n' $want | sort -u | tr '\n' ' ')
check "plain get=1: wireguard-go's keys only ($keys)" test "$keys" = "$want"
check "plain get=1: no wgc_ line" bash -c "! grep -q '^wgc_' <<<'$plain'"
ext=$(uapi_raw "$IF_B" $'get=1\nwgc_extensions=1\n\n')
check "extension: device and peer counters" bash -c "grep -q '^wgc_counter=rejected_invalid_mac1=' <<<'$ext' &&
	grep -q '^wgc_counter=keepalives_sent=' <<<'$ext' && [ \"\$(grep -c '^wgc_counter=' <<<'$ext')\" -gt 40 ]"
check "extension: plain lines unchanged" test "$(grep -v '^wgc_' <<<"$ext")" = "$plain"
check "get with another line: errno" bash -c "python3 - '$UAPI_DIR/$IF_B.sock' <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'get=1\nwgc_other=1\n\n')
r = s.recv(4096); sys.exit(0 if r.startswith(b'errno=') and r != b'errno=0\n\n' else 1)
PY"

# wgc against wireguard-go: no extension line is sent (it would answer errno), no counters key
new_ifname IF_G
start_daemon "$NS_A" wireguard-go "$IF_G" || exit 1
nsx "$NS_A" "$WG" set "$IF_G" listen-port 51900 private-key "$TEST_TMP/a.key"
check "wgc show --json on wireguard-go works" nsx "$NS_A" "$WGC" show "$IF_G" --json
check "wireguard-go: no counters key" bash -c "! ip netns exec '$NS_A' '$WGC' show '$IF_G' --json | grep -q counters"
check "wireguard-go saw no extension line (no UAPI error logged)" bash -c "! grep 'IPC error\|trailing character\|invalid UAPI' '$TEST_TMP/$IF_G.log'"
check "wgc show --json on wgcd has counters" bash -c "ip netns exec '$NS_A' '$WGC' show '$IF_A' --json | grep -q '\"counters\"'"

# --- replays: capture two handshakes' initiations and data -------------------
cap1=$TEST_TMP/cap1.hex cap2=$TEST_TMP/cap2.hex
# handshake 1 happened already; make a fresh one on A's side while capturing
capture() {
	ip netns exec "$NS_B" "$GS" --capture veth0 --port 51820 --out "$1" --seconds "$2" >/dev/null 2>&1 &
	CAP_PID=$!
	push_cleanup "kill $CAP_PID"
	wait_until 5 test -e "$1.ready"
}
rehandshake_a() {
	nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" remove &&
		nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$OUT_B:51820" &&
		nsx "$NS_A" ping -c3 -i0.2 -W2 "$IN4_B" >/dev/null
}
capture "$cap1" 4 || { not_ok "start capture 1"; exit 1; }
rehandshake_a
wait "$CAP_PID"
sleep 0.3
capture "$cap2" 4 || { not_ok "start capture 2"; exit 1; }
rehandshake_a
wait "$CAP_PID"
grep '^01000000' "$cap1" | head -1 >"$TEST_TMP/init1.hex"
grep '^01000000' "$cap2" | tail -1 >"$TEST_TMP/init2.hex"
grep '^04000000' "$cap2" >"$TEST_TMP/data2.hex"
check "captured initiations and data" test -s "$TEST_TMP/init1.hex" -a -s "$TEST_TMP/init2.hex" -a -s "$TEST_TMP/data2.hex"
sleep 0.2 # past the per-peer initiation spacing
stale=$(counter "$NS_B" "$IF_B" rejected_stale_timestamp) dup=$(counter "$NS_B" "$IF_B" rejected_duplicate_initiation)
replay=$(counter "$NS_B" "$IF_B" data_rejected_replay)
nsx "$NS_A" "$GS" --to "$OUT_B:51820" --replay "$TEST_TMP/init2.hex" >/dev/null
check "latest initiation again: rejected_duplicate_initiation" wait_until 5 counter_above "$NS_B" "$IF_B" rejected_duplicate_initiation "$dup"
nsx "$NS_A" "$GS" --to "$OUT_B:51820" --replay "$TEST_TMP/init1.hex" >/dev/null
check "older initiation replayed: rejected_stale_timestamp" wait_until 5 counter_above "$NS_B" "$IF_B" rejected_stale_timestamp "$stale"
check "... and on the peer" counter_above "$NS_B" "$IF_B" rejected_stale_timestamp 0 "$PUB_A"
check "stale is not counted as duplicate" test "$(counter "$NS_B" "$IF_B" rejected_duplicate_initiation)" = $((dup + 1))
nsx "$NS_A" "$GS" --to "$OUT_B:51820" --replay "$TEST_TMP/data2.hex" >/dev/null
check "replayed data: data_rejected_replay" wait_until 5 counter_above "$NS_B" "$IF_B" data_rejected_replay "$replay"
check "... and on the peer" counter_above "$NS_B" "$IF_B" data_rejected_replay 0 "$PUB_A"

# --- a spoofed inner source ---------------------------------------------------
spoof=$(counter "$NS_B" "$IF_B" data_rejected_source_not_allowed)
add_addr "$NS_A" "$IF_A" 10.10.0.77/32
nsx "$NS_A" ping -c2 -i0.2 -W1 -I 10.10.0.77 "$IN4_B" >/dev/null 2>&1
check "spoofed inner source: data_rejected_source_not_allowed" wait_until 5 counter_above "$NS_B" "$IF_B" data_rejected_source_not_allowed "$spoof"
check "... and on the peer" counter_above "$NS_B" "$IF_B" data_rejected_source_not_allowed 0 "$PUB_A"

# --- a peer the server does not know ------------------------------------------
unknown=$(counter "$NS_B" "$IF_B" rejected_unknown_peer)
nsx "$NS_B" "$WG" set "$IF_B" peer "$PUB_A" remove
rehandshake_a >/dev/null 2>&1
check "unknown peer: rejected_unknown_peer" wait_until 5 counter_above "$NS_B" "$IF_B" rejected_unknown_peer "$unknown"
check "... its source is remembered" rejected_source "$NS_B" "$IF_B" rejected_unknown_peer "$OUT_A:51820"

# --- a wrong public key for the server ---------------------------------------
mac1=$(counter "$NS_B" "$IF_B" rejected_invalid_mac1)
WRONG=$(wg genkey | wg pubkey)
nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" remove
nsx "$NS_A" "$WG" set "$IF_A" peer "$WRONG" allowed-ips "$IN4_B/32" endpoint "$OUT_B:51820"
nsx "$NS_A" ping -c1 -W1 "$IN4_B" >/dev/null 2>&1
check "wrong server key: rejected_invalid_mac1" wait_until 5 counter_above "$NS_B" "$IF_B" rejected_invalid_mac1 "$mac1"
check "... its source is remembered" rejected_source "$NS_B" "$IF_B" rejected_invalid_mac1 "$OUT_A:51820"

# --- an endpoint that drops everything (nobody listens on that port) ----------
nsx "$NS_A" "$WG" set "$IF_A" peer "$WRONG" remove
nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" allowed-ips "$IN4_B/32" endpoint "$OUT_B:51999"
nsx "$NS_A" ping -c1 -W1 "$IN4_B" >/dev/null 2>&1
check "dead endpoint: initiations sent" wait_until 5 counter_above "$NS_A" "$IF_A" handshake_initiations_sent 0 "$PUB_B"
check "dead endpoint: a retry after REKEY_TIMEOUT" wait_until 12 counter_above "$NS_A" "$IF_A" handshake_initiations_sent 1 "$PUB_B"
check "dead endpoint: no response received" test "$(counter "$NS_A" "$IF_A" handshake_responses_received "$PUB_B")" = 0
check "dead endpoint: last_handshake_attempt set" counter_above "$NS_A" "$IF_A" last_handshake_attempt 1700000000 "$PUB_B"

# --- LOG_LEVEL=verbose: handshake events, failed and successful, and no key ----
log_has() { grep -qF -- "$2" "$TEST_TMP/$1.log"; }
check "log A: initiation sent" log_has "$IF_A" "- Sending handshake initiation"
check "log A: retry with its attempt number" log_has "$IF_A" "Handshake did not complete after 5 seconds, retrying (try 2)"
check "log A: response received" log_has "$IF_A" "- Received handshake response from $OUT_B:51820"
check "log A: session established" log_has "$IF_A" "- Handshake complete, session established"
check "log B: initiation received" log_has "$IF_B" "- Received handshake initiation from $OUT_A:51820"
check "log B: response sent" log_has "$IF_B" "- Sending handshake response"
check "log B: rejected, and why" log_has "$IF_B" "Rejected handshake message from $OUT_A:51820: rejected_invalid_mac1"
check "log B: unknown peer named as such" log_has "$IF_B" "Rejected handshake message from $OUT_A:51820: rejected_unknown_peer"
check "log B: stale timestamp tied to the peer" grep -q "^DEBUG: .*peer(.*) - Rejected handshake message from .*: rejected_stale_timestamp" "$TEST_TMP/$IF_B.log"
no_key_in_logs() {
	local k hex
	for k in "$(cat "$TEST_TMP/a.key")" "$(cat "$TEST_TMP/b.key")" "$PUB_A" "$PUB_B" "$WRONG"; do
		hex=$(printf '%s' "$k" | base64 -d | od -An -tx1 | tr -d ' \n')
		if grep -qF -e "$k" -e "$hex" -e "${k:0:20}" "$TEST_TMP/$IF_A.log" "$TEST_TMP/$IF_B.log"; then
			echo "key material in a log"
			return 1
		fi
	done
}
check "no key (private, public, whole or hex) in either log" no_key_in_logs

check "wgcd A alive" nsx "$NS_A" "$WG" show "$IF_A"
check "wgcd B alive" nsx "$NS_B" "$WG" show "$IF_B"
[ "$_lib_failures" -gt 0 ] && { daemon_log "$IF_B" | tail -30; }
exit 0

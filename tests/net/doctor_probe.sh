#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgc doctor's probes on a wgcd <-> wgcd pair:
#   who answers   with B up, its pings come back with TTL 64 (a Linux host):
#                 ok; then B's WireGuard is stopped and B's namespace answers
#                 pings with initial TTL 255, as an LTE modem does for a Pi
#                 whose uplink is down: the check warns (fails when wgcd
#                 recorded the handshake TTL: last_handshake_ttl 64 against
#                 ping's 255), and endpoint.port reports the ICMP port
#                 unreachable, first from doctor's probe, then from wgcd's
#                 own icmp_port_unreachable counter (IP_RECVERR), unprobed;
#   MTU black hole a full-size DF ping crosses the tunnel; then B's veth
#                 takes only 1300-byte frames and drops bigger ones without
#                 an ICMP error: small pings pass, full-size ones do not.
# Also the unit-level properties of the probe: it names every probed host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/doctor_lib.sh"
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
require_root_and_tools python3

make_tunnel_pair wgcd wgcd || exit 1
PID_B=$DAEMON_PID
wait_handshake "$NS_A" "$IF_A" "$IN4_B" 20 || { not_ok "handshake"; exit 1; }

doctor "$NS_A" "$IF_A" "$PUB_B"
expect "Linux peer answers with TTL 64" who_answers ok
check "evidence: initial 64, 0 hops" grep -q "initial 64, 0 hops" <<<"$(evidence who_answers)"
# wgcd records the TTL of B's authenticated handshake messages (IP_RECVTTL)
check "wgcd recorded the handshake TTL: last_handshake_ttl 64" \
	bash -c "ip netns exec '$NS_A' '$BUILD/wgc' show '$IF_A' --json | python3 -c 'import json,sys
d=json.load(sys.stdin); p=[p for p in d[\"peers\"] if p[\"public_key\"]==sys.argv[1]][0]
sys.exit(p[\"counters\"].get(\"last_handshake_ttl\")!=64)' '$PUB_B'"
check "doctor compared the ping with the handshake TTL" grep -q "handshakes both arrive with TTL 64" <<<"$(evidence who_answers)"
expect "full-size DF ping crosses the tunnel" traffic.mtu_probe ok
expect "the endpoint port is open" endpoint.port ok

# MTU black hole: B's veth drops frames over 1300 bytes, silently.
ip -n "$NS_B" link set veth0 mtu 1300
doctor "$NS_A" "$IF_A" "$PUB_B"
expect "MTU black hole fires" traffic.mtu_probe fail
check "largest passing size is below the black hole" \
	python3 -c 'import re,sys; m=re.search(r"largest that passed: (\d+)", sys.argv[1]); sys.exit(not (m and 56 <= int(m.group(1)) <= 1300 - 28 - 60))' \
	"$(evidence traffic.mtu_probe)"
ip -n "$NS_B" link set veth0 mtu 1500

# A modem answering for the peer's address: B's daemon gone, TTL 255.
kill "$PID_B"
wait_until 5 bash -c "! kill -0 $PID_B 2>/dev/null"
nsx "$NS_B" sysctl -qw net.ipv4.ip_default_ttl=255
doctor "$NS_A" "$IF_A" "$PUB_B"
# wgcd recorded the handshake TTL (64): the mismatch is a failure, not a guess
expect "a device answering with TTL 255 instead of the peer" who_answers fail
check "evidence: ping initial 255, handshakes initial 64" \
	grep -q "TTL 255 (initial 255, 0 hops) but the peer's handshakes arrive with TTL 64 (initial 64, 0 hops)" \
	<<<"$(evidence who_answers)"
expect "nothing listens on the endpoint port" endpoint.port fail

# wgcd's own record (IP_RECVERR): a packet through the tunnel to B's dead port
# comes back as ICMP port unreachable, counted on the peer; doctor reports it
# without probing (no peer named).
peer_counter() {
	ip netns exec "$NS_A" "$BUILD/wgc" show "$IF_A" --json | python3 -c 'import json,sys
d=json.load(sys.stdin); p=[p for p in d["peers"] if p["public_key"]==sys.argv[1]][0]
print(p["counters"].get(sys.argv[2], "none"))' "$PUB_B" "$1"
}
unreach0=$(peer_counter icmp_port_unreachable) t0=$(date +%s)
unreach_grew() { nsx "$NS_A" ping -c1 -W1 "$IN4_B" >/dev/null 2>&1; [ "$(peer_counter icmp_port_unreachable)" -gt "$unreach0" ] 2>/dev/null; }
check "the counter is in the UAPI extension" [ "$unreach0" != none ]
check "wgcd counts ICMP port unreachable for the peer" wait_until 20 unreach_grew
check "... with its time" [ "$(peer_counter last_icmp_port_unreachable)" -ge "$t0" ]
doctor "$NS_A" "$IF_A"
expect "doctor reports it from wgcd's counter, unprobed" endpoint.port fail
check "evidence names wgcd's record" grep -q "wgcd received [0-9]* ICMP port unreachable" <<<"$(evidence endpoint.port)"
check "A's wgcd (TTL and error-queue paths) ran clean under the sanitizers" \
	bash -c "test -f '$TEST_TMP/$IF_A.log' && ! grep -q 'Sanitizer\|runtime error' '$TEST_TMP/$IF_A.log'"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgc doctor on a wgcd <-> wgcd pair: the healthy tunnel passes every check
# it can tell (exit 0, --json valid against the schema), then one fault at a
# time makes its check fire and is undone: the link down, a firewall drop of
# the listen port (B, nftables and legacy iptables) and of the endpoint (A,
# output), a rule it cannot evaluate, the endpoint routed into the tunnel,
# the endpoint being this host (hairpin) and the LAN gateway (hairpin NAT
# pattern).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/doctor_lib.sh"
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
require_root_and_tools nft iptables-legacy python3

make_tunnel_pair wgcd wgcd || exit 1
wait_handshake "$NS_A" "$IF_A" "$IN4_B" 20 || { not_ok "handshake"; exit 1; }

doctor "$NS_A" "$IF_A"
check "healthy: exit status 0" test "$DOCTOR_RC" = 0
check "healthy: nothing fails" test "$(grep -c '"verdict": "fail"' "$DOCTOR_OUT")" = 0
expect "healthy: device up" device.up ok
expect "healthy: port bound" device.port ok
expect "healthy: firewall passes the port" firewall.input ok
expect "healthy: firewall passes the endpoint" firewall.output ok
expect "healthy: endpoint routed" route.endpoint ok
expect "healthy: path MTU fits" route.mtu ok
expect "healthy: handshake recent" peer.handshake ok
expect "healthy: no hairpin" hairpin ok
expect "healthy: the peer host answers ping (TTL 64)" who_answers ok
expect "healthy: endpoint port open" endpoint.port ok
expect "healthy: full-size DF ping crosses the tunnel" traffic.mtu_probe ok
expect "healthy: not a hub" hub.forwarding skip
check "probes are named: endpoint and tunnel address" grep -q "\"$OUT_B (pings" "$DOCTOR_OUT"
if has_counters; then
	expect "healthy: attempts answered" peer.attempts ok
else
	expect "healthy without counters: attempts cannot be told" peer.attempts "cannot tell"
fi

# The link down.
ip -n "$NS_A" link set "$IF_A" down
doctor "$NS_A" "$IF_A"
expect "link down fires" device.up fail
check "a failing check makes the exit status 1" test "$DOCTOR_RC" = 1
ip -n "$NS_A" link set "$IF_A" up

# Firewall: B drops UDP to its listen port; A drops UDP to B's endpoint.
nft_load() { nsx "$1" nft -f "$2"; }
cat >"$TEST_TMP/b.nft" <<NFT
table inet wgctest {
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "lo" accept
		udp dport 51820 counter drop
	}
}
NFT
check "nft: B drops UDP to 51820" nft_load "$NS_B" "$TEST_TMP/b.nft"
doctor "$NS_B" "$IF_B"
expect "firewall drop of the listen port fires" firewall.input fail
check "firewall: the rule is named" grep -q "inet wgctest input handle" <<<"$(evidence firewall.input)"
expect "firewall drop also seen for the peer's packets" firewall.peer_input fail
nsx "$NS_B" nft delete table inet wgctest
doctor "$NS_B" "$IF_B"
expect "firewall rule removed: passes" firewall.input ok
cat >"$TEST_TMP/a.nft" <<NFT
table ip wgctest {
	chain output {
		type filter hook output priority 0; policy accept;
		ip daddr $OUT_B udp dport 51820 reject
	}
}
NFT
check "nft: A rejects UDP to B's endpoint" nft_load "$NS_A" "$TEST_TMP/a.nft"
doctor "$NS_A" "$IF_A"
expect "firewall reject of the endpoint fires" firewall.output fail
cat >"$TEST_TMP/a2.nft" <<NFT
table ip wgctest2 {
	chain output {
		type filter hook output priority -10; policy accept;
		udp dport 51820 limit rate 1/second accept
	}
}
NFT
check "nft: A adds a rate limit before it" nft_load "$NS_A" "$TEST_TMP/a2.nft"
doctor "$NS_A" "$IF_A"
expect "a rule it cannot evaluate: cannot tell" firewall.output "cannot tell"
nsx "$NS_A" nft delete table ip wgctest
nsx "$NS_A" nft delete table ip wgctest2

# Legacy iptables: B drops UDP to its port with iptables-legacy.
check "iptables-legacy: B drops UDP to 51820" nsx "$NS_B" iptables-legacy -A INPUT -p udp --dport 51820 -j DROP
doctor "$NS_B" "$IF_B"
expect "legacy iptables drop of the listen port fires" firewall.input fail
check "legacy: the rule is quoted" grep -q "iptables INPUT rule 1: -A INPUT -p udp -m udp --dport 51820 -j DROP" \
	<<<"$(evidence firewall.input)"
check "iptables-legacy: rule removed" nsx "$NS_B" iptables-legacy -D INPUT -p udp --dport 51820 -j DROP
doctor "$NS_B" "$IF_B"
expect "legacy rule removed: passes" firewall.input ok

# The endpoint routed into the tunnel itself.
ip -n "$NS_A" route add "$OUT_B/32" dev "$IF_A"
doctor "$NS_A" "$IF_A"
expect "endpoint routed into the tunnel fires" route.endpoint fail
ip -n "$NS_A" route del "$OUT_B/32" dev "$IF_A"
doctor "$NS_A" "$IF_A"
# A keepalive sent while the route was there is dropped and counted by wgcd;
# the check then still warns about it, naming the count.
if [ "$(verdict route.endpoint)" = warn ]; then
	check "route removed: warns only about the loop seen before" grep -q "dropped .* of its own packets" \
		<<<"$(evidence route.endpoint)"
else
	expect "route removed: passes" route.endpoint ok
fi

# Hairpin: the endpoint is this host's own address, then the LAN gateway's.
nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" endpoint "$OUT_A:51820"
doctor "$NS_A" "$IF_A" --no-probe
expect "endpoint is this host fires" hairpin fail
ip -n "$NS_A" route add default via 10.200.0.254
nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" endpoint 10.200.0.254:1053
doctor "$NS_A" "$IF_A" --no-probe
expect "endpoint is the LAN gateway fires" hairpin warn
no_probes() { python3 -c 'import json,sys; sys.exit(any(i["probes"] for i in json.load(open(sys.argv[1]))["interfaces"]))' "$DOCTOR_OUT"; }
check "--no-probe sends nothing and says so" no_probes
nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" endpoint "$OUT_B:51820"
doctor "$NS_A" "$IF_A" --no-probe
expect "endpoint restored: no hairpin" hairpin ok

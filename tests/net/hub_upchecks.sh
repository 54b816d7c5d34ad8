#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What `wgc up' checks on a hub beyond wg-quick: forwarding already on is
# left on at `down' (and said so); IPv6 forwarding warns about an uplink
# with accept_ra = 1 and `up --accept-ra-2' sets 2 on it; a LAN prefix
# that overlaps peers' allowed IPs is warned about.
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/hub_lib.sh"
require_root_and_tools nft
[ -x "$WGC" ] && [ -x "$WGCD" ] || { not_ok "build $WGC and $WGCD first"; exit 1; }

new_ns NS_HUB || { not_ok "namespace"; exit 1; }
kill_ns_pids "$NS_HUB"
ip -n "$NS_HUB" link add lan0 type veth peer name lan0p && ip -n "$NS_HUB" link add up0 type veth peer name up0p &&
	ip -n "$NS_HUB" addr add 10.13.0.1/16 dev lan0 && ip -n "$NS_HUB" link set lan0 up && ip -n "$NS_HUB" link set up0 up ||
	{ not_ok "links"; exit 1; }
nsx "$NS_HUB" sysctl -qw net.ipv6.conf.up0.accept_ra=1
nsx "$NS_HUB" sysctl -qw net.ipv6.conf.lan0.accept_ra=1
# up0 is the uplink: it carries the IPv6 default route
ip -n "$NS_HUB" -6 addr add fd99::1/64 dev up0 nodad && ip -n "$NS_HUB" -6 route add default via fd99::2 dev up0 ||
	{ not_ok "uplink route"; exit 1; }
HUBDIR=$TEST_TMP/hub
mkdir -m 700 "$HUBDIR"
new_ifname IF_HUB
push_cleanup "rm -f '$UAPI_DIR/$IF_HUB.sock' /run/wgc/$IF_HUB.forwarding"
push_cleanup "ip -n '$NS_HUB' link del '$IF_HUB'"
hubc hub init "$IF_HUB" --endpoint h.example --subnet 10.13.13.0/24 --subnet6 fd13::/64 --lan lan0 2>/dev/null
hubc peer add "$IF_HUB" p1 --out "$TEST_TMP/p1.conf" 2>/dev/null

nsx "$NS_HUB" sysctl -qw net.ipv4.ip_forward=1
nsx "$NS_HUB" sysctl -qw net.ipv6.conf.all.forwarding=0
check "up" bash -c "ip netns exec '$NS_HUB' '$WGC' up '$HUBDIR/$IF_HUB.conf' 2>'$TEST_TMP/up'"
check "forwarding already on: said so" grep -q "IPv4 forwarding is on" "$TEST_TMP/up"
check "IPv6 forwarding turned on" grep -q "turned IPv6 forwarding on" "$TEST_TMP/up"
check "accept_ra = 1 on the uplink warned about" grep -q "up0 has accept_ra = 1" "$TEST_TMP/up"
check "... and left alone without the flag" test "$(nsx "$NS_HUB" sysctl -n net.ipv6.conf.up0.accept_ra)" = 1
check "LAN prefix overlapping a peer warned about" grep -q "LAN prefix 10.13.0.0/16 (lan0) overlaps peer p1's allowed IP 10.13.13.2/32" "$TEST_TMP/up"
check "down" bash -c "ip netns exec '$NS_HUB' '$WGC' down '$HUBDIR/$IF_HUB.conf' 2>'$TEST_TMP/down'"
check "IPv4 forwarding stays on (it was on before), said so" bash -c "grep -q 'IPv4 forwarding stays on' '$TEST_TMP/down' && [ \$(ip netns exec '$NS_HUB' sysctl -n net.ipv4.ip_forward) = 1 ]"
check "IPv6 forwarding back off" test "$(nsx "$NS_HUB" sysctl -n net.ipv6.conf.all.forwarding)" = 0
check "up --accept-ra-2" bash -c "ip netns exec '$NS_HUB' '$WGC' up --accept-ra-2 '$HUBDIR/$IF_HUB.conf' 2>'$TEST_TMP/up2'"
check "... sets accept_ra = 2 on the uplink and says so" bash -c "grep -q 'set accept_ra = 2 on the uplink up0' '$TEST_TMP/up2' && [ \$(ip netns exec '$NS_HUB' sysctl -n net.ipv6.conf.up0.accept_ra) = 2 ]"
check "... and on nothing else (lan0 warned, still 1)" bash -c "grep -q 'lan0 has accept_ra = 1' '$TEST_TMP/up2' && [ \$(ip netns exec '$NS_HUB' sysctl -n net.ipv6.conf.lan0.accept_ra) = 1 ]"
check "down again" nsx "$NS_HUB" "$WGC" down "$HUBDIR/$IF_HUB.conf"
check "no state file left" test ! -e "/run/wgc/$IF_HUB.forwarding"

# a hub whose Address does not cover the peers: peer add on the running hub adds the peer's route
sed -i 's|^Address = .*|Address = 10.13.13.1/32, fd13::1/128|' "$HUBDIR/$IF_HUB.conf"
check "up (Address /32)" bash -c "ip netns exec '$NS_HUB' '$WGC' up '$HUBDIR/$IF_HUB.conf' 2>/dev/null"
check "live peer add" hubc peer add "$IF_HUB" p2 --out "$TEST_TMP/p2.conf"
check "... adds its IPv4 route" bash -c "ip -n '$NS_HUB' route show dev '$IF_HUB' | grep -q '^10.13.13.3 '"
check "... and its IPv6 route" bash -c "ip -n '$NS_HUB' -6 route show dev '$IF_HUB' | grep -q '^fd13::3 '"
check "down (Address /32)" nsx "$NS_HUB" "$WGC" down "$HUBDIR/$IF_HUB.conf"

# two hubs in one namespace: the first one down leaves forwarding on for the other
new_ifname IF_HUB2
push_cleanup "rm -f '$UAPI_DIR/$IF_HUB2.sock' /run/wgc/$IF_HUB2.forwarding"
push_cleanup "ip -n '$NS_HUB' link del '$IF_HUB2'"
hubc hub init "$IF_HUB2" --endpoint h.example --port 51821 --subnet 10.14.14.0/24 2>/dev/null
nsx "$NS_HUB" sysctl -qw net.ipv4.ip_forward=0
check "hub 1 up (forwarding was off)" bash -c "ip netns exec '$NS_HUB' '$WGC' up '$HUBDIR/$IF_HUB.conf' 2>/dev/null"
check "hub 2 up" bash -c "ip netns exec '$NS_HUB' '$WGC' up '$HUBDIR/$IF_HUB2.conf' 2>/dev/null"
check "hub 1 down" bash -c "ip netns exec '$NS_HUB' '$WGC' down '$HUBDIR/$IF_HUB.conf' 2>'$TEST_TMP/down1'"
check "... leaves forwarding on for hub 2 and says so" bash -c "grep -q 'stays on (the hub $IF_HUB2 still needs it)' '$TEST_TMP/down1' && [ \$(ip netns exec '$NS_HUB' sysctl -n net.ipv4.ip_forward) = 1 ]"
check "hub 2 down" nsx "$NS_HUB" "$WGC" down "$HUBDIR/$IF_HUB2.conf"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A hub in three commands: `hub init' and two `peer add' in a hub namespace;
# one client brings its profile up with stock wg-quick (wgcd as the userspace
# implementation), the other with `wgc up'. Both reach the hub and a host in a
# LAN namespace behind it through the NAT, and the LAN host sees the hub's
# LAN address as the source. Forwarding was off before `up', is on after it
# and off again after `down'; the NAT table comes and goes with the hub.
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/hub_lib.sh"
require_root_and_tools nft wg-quick python3
[ -x "$WGC" ] && [ -x "$WGCD" ] || { not_ok "build $WGC and $WGCD first"; exit 1; }

hub_topology || { not_ok "topology"; exit 1; }
check "hub init and two peer add" hub_with_peers
check "hub file is a hub, mode 0600" bash -c "head -1 '$HUBDIR/$IF_HUB.conf' | grep -qx '# wgc hub' && [ \$(stat -c %a '$HUBDIR/$IF_HUB.conf') = 600 ]"
check "profiles set no DNS" bash -c "! grep -q '^DNS' '$TEST_TMP/c1/$IF_C1.conf' '$TEST_TMP/c2/$IF_C2.conf'"
check "c1's profile has its --keepalive" grep -qx 'PersistentKeepalive = 5' "$TEST_TMP/c1/$IF_C1.conf"
check "stock wg-quick strip reads the hub file" bash -c "wg-quick strip '$HUBDIR/$IF_HUB.conf' >/dev/null"

check "forwarding off before up" test "$(nsx "$NS_HUB" sysctl -n net.ipv4.ip_forward)" = 0
if hub_up >"$TEST_TMP/hub.up" 2>&1; then ok "wgc up (hub)"; else not_ok "wgc up (hub)"; sed 's/^/#   /' "$TEST_TMP/hub.up"; exit 1; fi
check "up says it turned forwarding on" grep -q "turned IPv4 forwarding on" "$TEST_TMP/hub.up"
check "forwarding on after up" test "$(nsx "$NS_HUB" sysctl -n net.ipv4.ip_forward)" = 1
check "NAT table present" nsx "$NS_HUB" nft list table inet "wgc-hub-$IF_HUB"
check "hub runs both peers" file_matches_running

if [ -e /sys/module/wireguard ]; then
	ok "skipped: stock wg-quick would use the kernel module # SKIP"
	nsx "$NS_C1" "$WGC" up "$TEST_TMP/c1/$IF_C1.conf" >/dev/null 2>&1
else
	check "client 1: stock wg-quick up (wgcd)" nsx "$NS_C1" env WG_QUICK_USERSPACE_IMPLEMENTATION="$WGCD" LOG_LEVEL= \
		wg-quick up "$TEST_TMP/c1/$IF_C1.conf"
fi
check "client 2: wgc up" nsx "$NS_C2" "$WGC" up "$TEST_TMP/c2/$IF_C2.conf"

for c in 1 2; do
	ns_var=NS_C$c
	check "client $c reaches the hub through the tunnel" wait_until 15 nsx "${!ns_var}" ping -c1 -W1 "$HUB_ADDR"
	check "client $c reaches the LAN host (only NAT can answer it)" wait_until 15 nsx "${!ns_var}" ping -c1 -W1 "$LAN_HOST"
done
check "LAN host has no route to the tunnel subnet" bash -c "! ip -n '$NS_LAN' route get 10.13.13.2 >/dev/null 2>&1"

# the source address the LAN host sees: a UDP datagram from client 1
nsx "$NS_LAN" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777)); s.settimeout(60)
print("ready", flush=True)
d, a = s.recvfrom(100)
print(a[0], flush=True)' >"$TEST_TMP/lan.src" 2>&1 &
lpid=$!
push_cleanup "kill $lpid"
wait_until 5 grep -q ready "$TEST_TMP/lan.src"
for _ in $(seq 1 30); do
	nsx "$NS_C1" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hi", ("'"$LAN_HOST"'", 7777))'
	grep -q '^[0-9]' "$TEST_TMP/lan.src" && break
	sleep 0.5
done
check "LAN host sees the hub's LAN address as source" test "$(sed -n 2p "$TEST_TMP/lan.src")" = "$HUB_LAN_ADDR"

check "peer list names both peers with a handshake" bash -c "out=\$(ip netns exec '$NS_HUB' env WGC_CONFIG_DIR='$HUBDIR' '$WGC' peer list '$IF_HUB'); echo \"\$out\"; echo \"\$out\" | grep -E '^c1 .* ago' && echo \"\$out\" | grep -E '^c2 .* ago'"

# home and away: a third peer's -home profile uses the hub's LAN address; the LAN host brings it up
new_ifname IF_C3
mkdir -m 700 "$TEST_TMP/c3"
push_cleanup "rm -f '$UAPI_DIR/$IF_C3-home.sock'; ip -n '$NS_LAN' link del '$IF_C3-home'"
check "peer add --lan-endpoint (live)" hubc peer add "$IF_HUB" c3 --lan-endpoint "$HUB_LAN_ADDR:51820" --out "$TEST_TMP/c3/$IF_C3.conf"
check "... writes the away and the home profile" bash -c "grep -qx 'Endpoint = 10.201.1.1:51820' '$TEST_TMP/c3/$IF_C3.conf' && grep -qx 'Endpoint = $HUB_LAN_ADDR:51820' '$TEST_TMP/c3/$IF_C3-home.conf'"
check "... the home profile does not route the LAN it is on, the away one does" bash -c "grep -qx 'AllowedIPs = 10.13.13.0/24' '$TEST_TMP/c3/$IF_C3-home.conf' && grep -qx 'AllowedIPs = 10.13.13.0/24, 192.168.77.0/24' '$TEST_TMP/c3/$IF_C3.conf'"
check "LAN host: wgc up of the home profile" nsx "$NS_LAN" "$WGC" up "$TEST_TMP/c3/$IF_C3-home.conf"
check "LAN host reaches the hub's tunnel address through the home profile" wait_until 15 nsx "$NS_LAN" ping -c1 -W1 "$HUB_ADDR"
check "LAN host: down" nsx "$NS_LAN" "$WGC" down "$TEST_TMP/c3/$IF_C3-home.conf"

if [ -e /sys/module/wireguard ]; then
	nsx "$NS_C1" "$WGC" down "$TEST_TMP/c1/$IF_C1.conf" >/dev/null 2>&1
else
	check "client 1: stock wg-quick down" nsx "$NS_C1" wg-quick down "$TEST_TMP/c1/$IF_C1.conf"
fi
check "client 2: wgc down" nsx "$NS_C2" "$WGC" down "$TEST_TMP/c2/$IF_C2.conf"
if hub_down >"$TEST_TMP/hub.down" 2>&1; then ok "wgc down (hub)"; else not_ok "wgc down (hub)"; sed 's/^/#   /' "$TEST_TMP/hub.down"; fi
check "down says forwarding is back off" grep -q "forwarding back off" "$TEST_TMP/hub.down"
check "forwarding back to its previous value (off)" test "$(nsx "$NS_HUB" sysctl -n net.ipv4.ip_forward)" = 0
check "NAT table gone" bash -c "! ip netns exec '$NS_HUB' nft list table inet 'wgc-hub-$IF_HUB' >/dev/null 2>&1"

# stock wg-quick brings up the same hub file unchanged (PostUp: forwarding and NAT)
if [ -e /sys/module/wireguard ]; then
	ok "skipped: stock wg-quick would use the kernel module # SKIP"
else
	check "stock wg-quick up of the hub file" nsx "$NS_HUB" env WG_QUICK_USERSPACE_IMPLEMENTATION="$WGCD" LOG_LEVEL= \
		wg-quick up "$HUBDIR/$IF_HUB.conf"
	check "client 2 back up (wgc up)" nsx "$NS_C2" "$WGC" up "$TEST_TMP/c2/$IF_C2.conf"
	check "client 2 reaches the LAN host through the stock hub" wait_until 15 nsx "$NS_C2" ping -c1 -W1 "$LAN_HOST"
	check "client 2 down" nsx "$NS_C2" "$WGC" down "$TEST_TMP/c2/$IF_C2.conf"
	check "stock wg-quick down of the hub file" nsx "$NS_HUB" wg-quick down "$HUBDIR/$IF_HUB.conf"
	check "NAT table gone after stock down" bash -c "! ip netns exec '$NS_HUB' nft list table inet 'wgc-hub-$IF_HUB' >/dev/null 2>&1"
fi

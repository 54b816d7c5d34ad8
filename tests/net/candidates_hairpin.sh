#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hairpin NAT (issue 14). A "router" namespace R has the public address
# 203.0.113.1 (WAN side) and forwards UDP 51820 to the hub at 192.168.50.2 on
# its LAN bridge; its NAT loopback (reflection of LAN traffic sent to the
# public address, with masquerading) can be switched off, as a firmware
# update did. The "home PC" has candidates for the hub: its LAN address and
# the public one; it can be "at home" (on R's LAN) or "away" (on R's WAN).
#   A. candidates LAN, PUBLIC (the documented order: the last works
#      everywhere): away it uses PUBLIC; coming home it moves to LAN by the
#      probe of preferred candidates (candidate-retry shortened to 3 s);
#      leaving again it resumes over PUBLIC, without a restart.
#   B. candidates PUBLIC, LAN (the issue's order): at home with loopback on
#      it settles on PUBLIC; after loopback is switched off, traffic resumes
#      over LAN within 30 s, without a restart.
: "${TEST_TIMEOUT:=240}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/candidates_lib.sh"
require_root_and_tools python3 nft
[ -x "$WGC" ] || { not_ok "missing $WGC (make)"; exit 1; }

PUBLIC=203.0.113.1 HUB_LAN=192.168.50.2 PC_LAN=192.168.50.3 PC_WAN=203.0.113.3
new_ns R && new_ns HUB && new_ns PC || { not_ok "namespaces"; exit 1; }

# link NS_A DEV_A NS_B DEV_B: a veth between two namespaces with the given names, up
link() {
	local tmp="wgv$$x$((++_lib_veth_count))"
	ip link add "$tmp" type veth peer name "${tmp}p" &&
		ip link set "$tmp" netns "$1" && ip link set "${tmp}p" netns "$3" &&
		ip -n "$1" link set "$tmp" name "$2" && ip -n "$3" link set "${tmp}p" name "$4" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}
setup_net() {
	ip -n "$R" link add br0 type bridge && ip -n "$R" link set br0 up &&
		ip -n "$R" addr add 192.168.50.1/24 dev br0 &&
		link "$R" lanhub "$HUB" eth0 && link "$R" lanpc "$PC" lan0 && link "$R" wan0 "$PC" wan0 &&
		ip -n "$R" link set lanhub master br0 && ip -n "$R" link set lanpc master br0 &&
		ip -n "$R" addr add "$PUBLIC/24" dev wan0 &&
		ip -n "$HUB" addr add "$HUB_LAN/24" dev eth0 && ip -n "$HUB" route add default via 192.168.50.1 &&
		ip -n "$PC" addr add "$PC_LAN/24" dev lan0 && ip -n "$PC" addr add "$PC_WAN/24" dev wan0 &&
		nsx "$R" sysctl -qw net.ipv4.ip_forward=1 &&
		{ nsx "$R" sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true; } &&
		nsx "$R" nft -f - <<EOF
table ip nat {
	chain loopback_off { type filter hook prerouting priority raw; }
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr $PUBLIC udp dport 51820 dnat to $HUB_LAN:51820
	}
	chain post {
		type nat hook postrouting priority srcnat;
		ip saddr 192.168.50.0/24 ip daddr $HUB_LAN udp dport 51820 ct status dnat masquerade
	}
}
EOF
}
setup_net || { not_ok "router, LAN and WAN"; exit 1; }

loopback() {
	nsx "$R" nft flush chain ip nat loopback_off
	[ "$1" = on ] && return 0
	# both directions, as after the router's reboot: nothing reflected, no NAT state left
	nsx "$R" nft add rule ip nat loopback_off iifname br0 ip daddr "$PUBLIC" udp dport 51820 counter drop &&
		nsx "$R" nft add rule ip nat loopback_off iifname br0 ip saddr "$HUB_LAN" udp sport 51820 \
			ip daddr 192.168.50.1 counter drop
}
# PC at home: LAN up, WAN down, default route via the router; away: the reverse
at_home() {
	ip -n "$PC" link set wan0 down && ip -n "$PC" link set lan0 up &&
		ip -n "$PC" route replace default via 192.168.50.1 dev lan0
}
away() {
	ip -n "$PC" link set lan0 down && ip -n "$PC" link set wan0 up
}

new_ifname IF_HUB
new_ifname IF_PC
start_daemon "$HUB" wgcd "$IF_HUB" || { not_ok "start hub"; exit 1; }
start_daemon "$PC" wgcd "$IF_PC" || { not_ok "start pc"; exit 1; }
(umask 077 && wg genkey >"$TEST_TMP/hub.key" && wg genkey >"$TEST_TMP/pc.key")
PUB_HUB=$(wg pubkey <"$TEST_TMP/hub.key") PUB_PC=$(wg pubkey <"$TEST_TMP/pc.key")
nsx "$HUB" wg set "$IF_HUB" private-key "$TEST_TMP/hub.key" listen-port 51820 peer "$PUB_PC" allowed-ips 10.60.0.2/32 &&
	ip -n "$HUB" addr add 10.60.0.1/24 dev "$IF_HUB" && ip -n "$HUB" link set "$IF_HUB" up &&
	nsx "$PC" "$WGC" set "$IF_PC" private-key "$TEST_TMP/pc.key" candidate-retry 3 peer "$PUB_HUB" \
		allowed-ips 10.60.0.1/32 endpoint "$HUB_LAN:51820" endpoint "$PUBLIC:51820" &&
	ip -n "$PC" addr add 10.60.0.2/24 dev "$IF_PC" && ip -n "$PC" link set "$IF_PC" up ||
	{ not_ok "configure hub and pc"; exit 1; }

# resumes NAME ENDPOINT LIMIT: pings the hub until it answers and the PC's endpoint is ENDPOINT
resumes() {
	local name=$1 want=$2 limit=$3 start=$SECONDS
	while [ $((SECONDS - start)) -lt "$limit" ]; do
		if nsx "$PC" ping -c1 -W1 10.60.0.1 >/dev/null 2>&1 && [ "$(current_endpoint "$PC" "$IF_PC")" = "$want" ]; then
			ok "$name (after $((SECONDS - start)) s, over $want)"
			return 0
		fi
	done
	not_ok "$name (not over $want after $limit s; endpoint $(current_endpoint "$PC" "$IF_PC"))"
	nsx "$R" nft list ruleset | sed 's/^/#   /'
	nsx "$HUB" wg show "$IF_HUB" | sed 's/^/#   /'
	nsx "$R" cat /proc/net/nf_conntrack 2>/dev/null | sed 's/^/#   /'
	nsx "$PC" "$WGC" show "$IF_PC" --json | sed 's/^/#   /'
	return 1
}

note "A: candidates LAN, PUBLIC"
loopback on
away
resumes "away: the tunnel comes up over the public address" "$PUBLIC:51820" 20
at_home
resumes "coming home (loopback on): the probe moves it to the LAN address" "$HUB_LAN:51820" 30
loopback off
check "at home without loopback: still fine over LAN" nsx "$PC" ping -c2 -W2 10.60.0.1
away
resumes "leaving home: traffic resumes over the public address" "$PUBLIC:51820" 30

note "B: candidates PUBLIC, LAN"
loopback on
at_home
check "reorder the candidates" nsx "$PC" "$WGC" set "$IF_PC" peer "$PUB_HUB" endpoint "$PUBLIC:51820" endpoint "$HUB_LAN:51820"
resumes "at home with loopback on: it works over the public address" "$PUBLIC:51820" 30
check "the hub sees the PC through the router (hairpin)" bash -c \
	"ip netns exec '$HUB' wg show '$IF_HUB' endpoints | grep -qF '192.168.50.1:'"
loopback off
resumes "loopback switched off: traffic resumes over LAN within 30 s, no restart" "$HUB_LAN:51820" 30
check "the public candidate was probed again meanwhile" cand_true "$PC" "$IF_PC" "$PUB_HUB" \
	'c[0]["initiations_sent"] >= 2 and c[1]["current"]'

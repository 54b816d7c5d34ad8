# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for the hub tests (tests/net/hub_*.sh), on top of lib.sh and
# daemon_lib.sh, which the caller sources first.
#
# hub_topology builds:
#   NS_C1 (wan0 10.201.1.2) --- (wan1 10.201.1.1) NS_HUB (lan0 192.168.77.1) --- (lan0 192.168.77.10) NS_LAN
#   NS_C2 (wan0 10.201.2.2) --- (wan2 10.201.2.1) NS_HUB
# The clients' default route goes to the hub, so both reach its endpoint
# 10.201.1.1. The LAN host has no route back to the tunnel's subnet: it can
# answer the peers only through the hub's NAT. Hub files live in HUBDIR
# (a temporary config dir, never /etc/wireguard).

WGC=$BUILD/wgc
HUB_SUBNET=10.13.13.0/24
HUB_ADDR=10.13.13.1
LAN_HOST=192.168.77.10
HUB_LAN_ADDR=192.168.77.1

# link NS_A NAME_A NS_B NAME_B CIDR_A CIDR_B: a veth between two namespaces.
link() {
	local tmp="wgv$$h$((++_lib_veth_count))"
	ip link add "$tmp" type veth peer name "${tmp}p" || return 1
	ip link set "$tmp" netns "$1" && ip link set "${tmp}p" netns "$3" || { ip link del "$tmp"; return 1; }
	ip -n "$1" link set "$tmp" name "$2" && ip -n "$3" link set "${tmp}p" name "$4" &&
		add_addr "$1" "$2" "$5" && add_addr "$3" "$4" "$6" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# kill_ns_pids NS: at exit, every process left in NS (a wgcd that an `up' started) is ours.
kill_ns_pids() { push_cleanup "for p in \$(ip netns pids $1); do kill \$p; done"; }

hub_topology() {
	new_ns NS_HUB && new_ns NS_C1 && new_ns NS_C2 && new_ns NS_LAN || return 1
	for ns in "$NS_HUB" "$NS_C1" "$NS_C2" "$NS_LAN"; do kill_ns_pids "$ns"; done
	link "$NS_C1" wan0 "$NS_HUB" wan1 10.201.1.2/24 10.201.1.1/24 &&
		link "$NS_C2" wan0 "$NS_HUB" wan2 10.201.2.2/24 10.201.2.1/24 &&
		link "$NS_LAN" lan0 "$NS_HUB" lan0 "$LAN_HOST/24" "$HUB_LAN_ADDR/24" || return 1
	ip -n "$NS_C1" route add default via 10.201.1.1 && ip -n "$NS_C2" route add default via 10.201.2.1 || return 1
	HUBDIR=$TEST_TMP/hub
	mkdir -m 700 "$HUBDIR"
	new_ifname IF_HUB
	new_ifname IF_C1
	new_ifname IF_C2
	for i in "$IF_HUB" "$IF_C1" "$IF_C2"; do push_cleanup "rm -f '$UAPI_DIR/$i.sock' /run/wgc/$i.forwarding"; done
	push_cleanup "ip -n '$NS_HUB' link del '$IF_HUB'"
	push_cleanup "ip -n '$NS_C1' link del '$IF_C1'"
	push_cleanup "ip -n '$NS_C2' link del '$IF_C2'"
}

# hubc ARGS...: wgc inside the hub namespace with the hub's config dir.
hubc() { nsx "$NS_HUB" env WGC_CONFIG_DIR="$HUBDIR" "$WGC" "$@"; }

# hub_with_peers: hub init (LAN lan0) plus peers c1 and c2 whose profiles land in
# $TEST_TMP/c1/IF_C1.conf and $TEST_TMP/c2/IF_C2.conf (the file name is the interface name).
hub_with_peers() {
	mkdir -m 700 -p "$TEST_TMP/c1" "$TEST_TMP/c2"
	hubc hub init "$IF_HUB" --endpoint 10.201.1.1:51820 --subnet "$HUB_SUBNET" --lan lan0 "$@" &&
		hubc peer add "$IF_HUB" c1 --out "$TEST_TMP/c1/$IF_C1.conf" --keepalive 5 &&
		hubc peer add "$IF_HUB" c2 --out "$TEST_TMP/c2/$IF_C2.conf"
}

# hub_up: `wgc up' of the hub's file in its namespace.
hub_up() { nsx "$NS_HUB" "$WGC" up "$HUBDIR/$IF_HUB.conf"; }
hub_down() { nsx "$NS_HUB" "$WGC" down "$HUBDIR/$IF_HUB.conf"; }

# file_keys FILE: the PublicKey lines of the [Peer] sections, sorted.
file_keys() { awk -F' = ' '/^PublicKey/ { print $2 }' "$1" | sort; }
# running_keys: the hub's running peers, sorted.
running_keys() { nsx "$NS_HUB" wg show "$IF_HUB" peers | sort; }
# file_matches_running: the file's peers and the running interface's are the same set.
file_matches_running() { [ "$(file_keys "$HUBDIR/$IF_HUB.conf")" = "$(running_keys)" ]; }

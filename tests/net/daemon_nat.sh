#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NAT traversal by persistent keepalive. Three namespaces: client (wgcd,
# 192.168.77.2, no route to the server but through the router), router
# (nftables masquerade, UDP conntrack entries expire after 5 s) and server
# (wgcd, which learns the client's translated endpoint from the handshake).
# With PersistentKeepalive = 2 the server can still reach the client long
# after the conntrack timeout; with keepalive off the mapping expires and
# the server's ping is lost, which shows the test can fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools nft

CT_TIMEOUT=5
new_ns C && new_ns R && new_ns S || exit 1
link_ns "$C" v0 "$R" inside 192.168.77.2/24 192.168.77.1/24 || { not_ok "client link"; exit 1; }
link_ns "$R" outside "$S" v0 10.200.0.1/24 10.200.0.2/24 || { not_ok "server link"; exit 1; }
ip -n "$C" route add default via 192.168.77.1
nsx "$R" sysctl -qw net.ipv4.ip_forward=1
nsx "$R" nft -f - <<'NFT' || { not_ok "nftables masquerade"; exit 1; }
table ip nat {
	chain post {
		type nat hook postrouting priority 100;
		oifname "outside" masquerade
	}
}
NFT
nsx "$R" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=$CT_TIMEOUT \
	net.netfilter.nf_conntrack_udp_timeout_stream=$CT_TIMEOUT || { not_ok "conntrack timeouts"; exit 1; }
check "client reaches the server's outer address through the NAT" nsx "$C" ping -c1 -W2 10.200.0.2
check_fails "the server has no route to the client's outer address" nsx "$S" ping -c1 -W1 192.168.77.2

new_ifname IC; new_ifname IS
make_peer "$C" wgcd "$IC" KC PC && make_peer "$S" wgcd "$IS" KS PS || { not_ok "start daemons"; exit 1; }
nsx "$C" wg set "$IC" peer "$PS" allowed-ips 10.10.0.2/32 endpoint 10.200.0.2:51820 persistent-keepalive 2
nsx "$S" wg set "$IS" peer "$PC" allowed-ips 10.10.0.1/32
# the server first: the client's keepalive starts a handshake the moment it is up
if_up "$S" "$IS" 10.10.0.2/24 && if_up "$C" "$IC" 10.10.0.1/24 || { not_ok "tunnel addresses"; exit 1; }

check "handshake through the NAT" wait_handshake "$C" "$IC" 10.10.0.2 10
check "client -> server through the NAT" nsx "$C" ping -c2 -i0.2 -W2 10.10.0.2
check "server learnt the translated endpoint (the router's address)" \
	bash -c "ip netns exec '$S' wg show '$IS' endpoints | grep -q '10.200.0.1:'"
sleep $((CT_TIMEOUT + 3))
check "with keepalive 2 s: server -> client $((CT_TIMEOUT + 3)) s later" nsx "$S" ping -c1 -W2 10.10.0.1
read -r rx _ < <(transfer "$S" "$IS")
note "server received $rx bytes (keepalives included)"

# counter-case: no keepalive; the last packet goes by, then the mapping expires
nsx "$C" wg set "$IC" peer "$PS" persistent-keepalive 0
sleep 2.5   # a persistent keepalive may still have been due
check "client -> server once more" nsx "$C" ping -c1 -W2 10.10.0.2
# after CT_TIMEOUT but before the client's passive keepalive (10 s after it last received)
sleep $((CT_TIMEOUT + 2))
check_fails "without keepalive: server -> client $((CT_TIMEOUT + 2)) s later is lost" nsx "$S" ping -c1 -W1 10.10.0.1
check "... and the client can still reopen the path itself" nsx "$C" ping -c1 -W2 10.10.0.2

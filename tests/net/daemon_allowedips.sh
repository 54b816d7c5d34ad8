#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Allowed IPs as the receive-side source check and as the send-side
# routing table. (1) A packet whose inner source is outside the sending
# peer's allowed IPs is decrypted but not delivered; adding the source to
# the allowed IPs makes the same ping pass. (2) On a hub with two peers,
# one holding 10.10.0.0/24 and the other the more specific 10.10.0.3/32,
# traffic to .3 goes to the second peer, to .2 to the first, and the
# first may not send from .3.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools wireguard-go

# --- (1) source check, wgcd receiving -----------------------------------------------
for sender in wireguard-go wgcd; do
	tag="$sender sends to wgcd"
	make_tunnel_pair "$sender" wgcd || exit 1
	wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10 || { not_ok "$tag: handshake"; continue; }
	add_addr "$NS_A" "$IF_A" 10.10.0.99/32
	add_addr "$NS_A" "$IF_A" fd10::99/128
	read -r _ tx0 < <(transfer "$NS_A" "$IF_A")
	check_fails "$tag: inner IPv4 source outside allowed IPs is dropped" \
		nsx "$NS_A" ping -c2 -i0.3 -W1 -I 10.10.0.99 "$IN4_B"
	check_fails "$tag: inner IPv6 source outside allowed IPs is dropped" \
		nsx "$NS_A" ping -6 -c2 -i0.3 -W1 -I fd10::99 "$IN6_B"
	read -r _ tx1 < <(transfer "$NS_A" "$IF_A")
	# they were sent through the tunnel, so the drop was the receiver's doing (wgcd,
	# like the kernel, does not count them as received; wireguard-go does)
	check "$tag: ... although the sender sent them ($tx0 -> $tx1 bytes)" test "$tx1" -ge $((tx0 + 4 * 128))
	nsx "$NS_B" "$WG" set "$IF_B" peer "$PUB_A" allowed-ips "$IN4_A/32,$IN6_A/128,10.10.0.99/32,fd10::99/128"
	check "$tag: same source passes once it is allowed (IPv4)" \
		nsx "$NS_A" ping -c2 -i0.3 -W2 -I 10.10.0.99 "$IN4_B"
	check "$tag: same source passes once it is allowed (IPv6)" \
		nsx "$NS_A" ping -6 -c2 -i0.3 -W2 -I fd10::99 "$IN6_B"
done

# --- (2) the most specific prefix wins -------------------------------------------------------
new_ns H && new_ns S1 && new_ns S2 || exit 1
link_ns "$H" v1 "$S1" v0 10.201.1.1/24 10.201.1.2/24 || { not_ok "hub links"; exit 1; }
link_ns "$H" v2 "$S2" v0 10.201.2.1/24 10.201.2.2/24 || { not_ok "hub links"; exit 1; }
new_ifname IH; new_ifname I1; new_ifname I2
make_peer "$H" wgcd "$IH" KH PH && make_peer "$S1" wgcd "$I1" K1 P1 && make_peer "$S2" wireguard-go "$I2" K2 P2 ||
	{ not_ok "start hub and spokes"; exit 1; }
nsx "$H" wg set "$IH" peer "$P1" allowed-ips 10.10.0.0/24 endpoint 10.201.1.2:51820 \
	peer "$P2" allowed-ips 10.10.0.3/32 endpoint 10.201.2.2:51820
nsx "$S1" wg set "$I1" peer "$PH" allowed-ips 10.10.0.0/24 endpoint 10.201.1.1:51820
nsx "$S2" wg set "$I2" peer "$PH" allowed-ips 10.10.0.0/24 endpoint 10.201.2.1:51820
if_up "$H" "$IH" 10.10.0.1/24 && if_up "$S1" "$I1" 10.10.0.2/24 && if_up "$S2" "$I2" 10.10.0.3/24 ||
	{ not_ok "hub addresses"; exit 1; }

tx_of() { nsx "$H" wg show "$IH" transfer | awk -v p="$1" '$1 == p { print $3 }'; }
t1=$(tx_of "$P1") t2=$(tx_of "$P2")
check "hub -> 10.10.0.3 (the /32 peer)" nsx "$H" ping -c3 -i0.2 -W2 10.10.0.3
check "... sent to the /32 peer, not the /24 one" test "$(tx_of "$P2")" -gt "$t2" -a "$(tx_of "$P1")" = "$t1"
check "hub -> 10.10.0.2 (the /24 peer)" nsx "$H" ping -c3 -i0.2 -W2 10.10.0.2
check "spoke 2 -> hub" nsx "$S2" ping -c2 -i0.2 -W2 10.10.0.1
# spoke 1 holds the /24 but .3 belongs to spoke 2: the hub drops what spoke 1 sends from .3
add_addr "$S1" "$I1" 10.10.0.3/32
check_fails "the /24 peer may not send from the /32 peer's address" nsx "$S1" ping -c2 -i0.3 -W1 -I 10.10.0.3 10.10.0.1
check "... while it may from its own" nsx "$S1" ping -c2 -i0.2 -W2 -I 10.10.0.2 10.10.0.1
# removing the /32 hands .3 back to the /24 peer
nsx "$H" wg set "$IH" peer "$P2" allowed-ips 10.10.0.99/32
check "once the /32 is gone, the /24 peer may send from .3" nsx "$S1" ping -c2 -i0.2 -W2 -I 10.10.0.3 10.10.0.1

#!/bin/bash
# SPDX-License-Identifier: MIT
# Interop, in a QEMU guest (one boot): the guest's kernel WireGuard
# interface configured by wgc, wgcd on the host side (the test's namespace)
# configured by wgc; ping and a 1 MB TCP transfer through the tunnel both
# ways, v4 and v6. Then a kernel and a wgcd interface in the guest at once:
# show, show all, show interfaces and dumps as Debian's wg prints them.
# shellcheck disable=SC2016 # single-quoted commands expand in the guest
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
require_root_and_tools sha256sum
vm_boot

# --- host side: wgcd configured by wgc ---------------------------------------------
new_ifname IF_H
push_cleanup "for p in \$(ip netns pids $VM_NS); do [ \$p = $VM_PID ] || kill \$p; done"
start_daemon "$VM_NS" wgcd "$IF_H" || { not_ok "host wgcd"; exit 1; }
(umask 077 && wg genkey >"$TEST_TMP/h.key")
HKEY=$(cat "$TEST_TMP/h.key") GKEY=$(wg genkey) PSK=$(wg genpsk)
PUB_H=$(wg pubkey <<<"$HKEY") PUB_G=$(wg pubkey <<<"$GKEY")
echo "$PSK" >"$TEST_TMP/psk"
check "wgc configures wgcd (host)" host_wgc set "$IF_H" private-key "$TEST_TMP/h.key" listen-port 51820 \
	peer "$PUB_G" preshared-key "$TEST_TMP/psk" allowed-ips 10.10.0.2/32,fd10::2/128 endpoint "$VM_GUEST4:51821"
add_addr "$VM_NS" "$IF_H" 10.10.0.1/24 && add_addr "$VM_NS" "$IF_H" fd10::1/64 && ip -n "$VM_NS" link set "$IF_H" up ||
	not_ok "host tunnel addresses"

# --- guest side: a kernel interface configured by wgc ---------------------------------
check "wgc configures the kernel interface (guest)" vm "
	echo '$GKEY' >/root/g.key && echo '$PSK' >/root/psk && chmod 600 /root/g.key /root/psk &&
	ip link add wgi0 type wireguard &&
	\$WGC set wgi0 private-key /root/g.key listen-port 51821 peer $PUB_H preshared-key /root/psk \
		allowed-ips 10.10.0.1/32,fd10::1/128 endpoint $VM_HOST4:51820 &&
	ip addr add 10.10.0.2/24 dev wgi0 && ip -6 addr add fd10::2/64 dev wgi0 nodad && ip link set wgi0 up &&
	ip -d link show wgi0 | grep -qw wireguard"
check "wgc reads back what it set (kernel)" vm "\$WGC show wgi0 endpoints | grep -qx '$PUB_H	$VM_HOST4:51820'"

check "ping guest -> host (v4)" vm 'ping -c1 -W5 10.10.0.1 || ping -c1 -W5 10.10.0.1'
check "ping guest -> host (v6)" vm 'ping -6 -c1 -W5 fd10::1'
check "ping host -> guest (v4)" nsx "$VM_NS" ping -c1 -W5 10.10.0.2
check "ping host -> guest (v6)" nsx "$VM_NS" ping -6 -c1 -W5 fd10::2
check "handshake seen by wgc on both sides" vm 'test "$($WGC show wgi0 latest-handshakes | cut -f2)" -gt 0'
[ "$(host_wgc show "$IF_H" latest-handshakes | cut -f2)" -gt 0 ] 2>/dev/null &&
	ok "handshake seen by wgc on the host" || not_ok "handshake seen by wgc on the host"

# --- TCP both ways: busybox httpd on each side, wget on the other -------------------------
mkdir -p "$TEST_TMP/www"
head -c 1000000 /dev/urandom >"$TEST_TMP/www/blob"
HSUM=$(sha256sum <"$TEST_TMP/www/blob" | cut -d' ' -f1)
nsx "$VM_NS" busybox httpd -f -p 8080 -h "$TEST_TMP/www" >/dev/null 2>&1 &
push_cleanup "kill $!"
check "TCP host -> guest: 1 MB over the tunnel (v4)" vm "
	for i in \$(seq 20); do wget -q -O /root/blob http://10.10.0.1:8080/blob && break; sleep 0.5; done
	test \"\$(sha256sum </root/blob | cut -d' ' -f1)\" = $HSUM"
check "TCP host -> guest: 1 MB over the tunnel (v6)" vm "
	wget -q -O - 'http://[fd10::1]:8080/blob' | sha256sum | grep -q ^$HSUM"
GSUM=$(vm 'mkdir -p /root/www && head -c 1000000 /dev/urandom >/root/www/blob && sha256sum </root/www/blob | cut -d" " -f1
	busybox httpd -p 8080 -h /root/www')
check "TCP guest -> host: 1 MB over the tunnel (v4)" \
	bash -c "for i in \$(seq 20); do out=\$(ip netns exec $VM_NS busybox wget -q -O - http://10.10.0.2:8080/blob | sha256sum) && [ \"\${out%% *}\" = '$GSUM' ] && exit 0; sleep 0.5; done; exit 1"
check "TCP guest -> host: 1 MB over the tunnel (v6)" \
	bash -c "out=\$(ip netns exec $VM_NS busybox wget -q -O - 'http://[fd10::2]:8080/blob' | sha256sum) && [ \"\${out%% *}\" = '$GSUM' ]"
check "transfer counters on the kernel interface as wg shows them" \
	vm 'same_live show wgi0 transfer'
check "show on the kernel interface after traffic, as wg" \
	vm 'same_live show wgi0'

# --- a kernel and a wgcd interface in the guest at once ------------------------------------
check "wgcd in the guest next to the kernel interface" vm '
	(wgcd -f wgu0 >/root/wgu0.log 2>&1 &)
	for i in $(seq 200); do test -S /run/wireguard/wgu0.sock && break; sleep 0.1; done
	wg set wgu0 private-key /root/g.key listen-port 51830 peer '"$PUB_H"' allowed-ips 10.77.0.0/16 &&
	ip link add wgi1 type wireguard && ip link set wgu0 up'
check "show all with kernel + wgcd interfaces" vm 'same_live show all'
check "show with kernel + wgcd interfaces" vm 'same_live show'
check "show interfaces with kernel + wgcd interfaces" vm 'same show interfaces'
check "show all dump with kernel + wgcd interfaces" vm 'same_live show all dump'
check "show all peers with kernel + wgcd interfaces" vm 'same show all peers'
check "show of the wgcd interface" vm 'same show wgu0'
check "wgc sets the wgcd interface beside the kernel one" vm "\$WGC set wgu0 listen-port 51831 && wg show wgu0 listen-port | grep -qx 51831"
check "stop the guest's wgcd" vm 'ip link del wgu0 && for i in $(seq 200); do test -S /run/wireguard/wgu0.sock || exit 0; sleep 0.1; done; exit 1'

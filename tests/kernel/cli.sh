#!/bin/bash
# shellcheck disable=SC2016 # single-quoted commands expand in the guest
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
# SPDX-License-Identifier: MIT
# wgc against the kernel module, byte for byte with Debian's wg, in a QEMU
# guest (one boot): every show form and field, showconf, the error texts
# (no such device, not a WireGuard interface, permission denied, usage),
# set/setconf/addconf/syncconf leaving the same dump as wg's, and a
# 1,000-peer setconf (several netlink messages) with its multi-part dump.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
vm_boot

# keys and configurations, made on the host
k() { wg genkey; }
K0=$(k) K1=$(k) PSK=$(wg genpsk)
P1=$(k | wg pubkey) P2=$(k | wg pubkey) P3=$(k | wg pubkey) P4=$(k | wg pubkey)
cat >"$TEST_TMP/a.conf" <<EOF
[Interface]
PrivateKey = $K0
ListenPort = 51820
FwMark = 0x1234

[Peer]
PublicKey = $P1
PresharedKey = $PSK
AllowedIPs = 10.1.0.0/24, fd01::/64, 10.1.1.1/32
Endpoint = 192.0.2.1:51820
PersistentKeepalive = 25

[Peer]
PublicKey = $P2
AllowedIPs = 10.2.0.1/32
Endpoint = [2001:db8::1]:1234

[Peer]
PublicKey = $P3
EOF
cat >"$TEST_TMP/b.conf" <<EOF
[Peer]
PublicKey = $P4
AllowedIPs = 10.4.0.0/16
Endpoint = 198.51.100.4:4

[Peer]
PublicKey = $P1
AllowedIPs = 10.1.2.0/24
EOF
cat >"$TEST_TMP/c.conf" <<EOF
[Interface]
PrivateKey = $K1
ListenPort = 51822

[Peer]
PublicKey = $P3
AllowedIPs = 10.3.0.0/24
PersistentKeepalive = 5

[Peer]
PublicKey = $P1
AllowedIPs = 10.1.0.0/24
EOF
# 1,000 peers, each with an IPv4 and an IPv6 allowed IP and an endpoint
python3 - "$K0" >"$TEST_TMP/big.conf" <<'PY' || not_ok "generate the 1,000-peer config"
import base64, os, sys
print("[Interface]\nPrivateKey = %s\nListenPort = 51900\n" % sys.argv[1])
for i in range(1000):
    print("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.0/24, fd00:%x::/64\nEndpoint = 192.0.2.%d:%d\n"
          % (base64.b64encode(os.urandom(32)).decode(), 100 + i // 256, i % 256, i, i % 250 + 1, 10000 + i))
PY
for f in a b c big; do
	vm_put "$TEST_TMP/$f.conf" "/root/$f.conf" || not_ok "copy $f.conf into the guest"
done
vm "echo '$K0' >/root/k0 && echo '$PSK' >/root/psk && chmod 600 /root/*" >/dev/null

check "kernel interfaces configured by wg" vm '
	ip link add wgk0 type wireguard && ip link add wgk1 type wireguard && ip link add wgk2 type wireguard &&
	wg setconf wgk0 a.conf && wg set wgk2 private-key k0 listen-port 51821 && ip link set wgk2 up &&
	ip -d link show wgk0 | grep -q wireguard'

# --- show, every form ---------------------------------------------------------
check "show" vm 'same show'
check "show all" vm 'same show all'
check "show interfaces" vm 'same show interfaces'
check "show IF (peers, psk, endpoints v4/v6, keepalive)" vm 'same show wgk0'
check "show IF without peers" vm 'same show wgk2'
check "show IF, nothing set" vm 'same show wgk1'
check "show IF dump" vm 'same show wgk0 dump'
check "show all dump" vm 'same show all dump'
vm_checks 'for f in public-key private-key listen-port fwmark peers preshared-keys endpoints allowed-ips \
	latest-handshakes persistent-keepalive transfer; do
	gcheck "show IF $f" same show wgk0 $f
	fix=; [ $f = endpoints ] && fix=endpoints_every_line
	SAME_WG_FIX=$fix gcheck "show all $f" same show all $f
done'
check "show with WG_HIDE_KEYS=never" vm 'WG_HIDE_KEYS=never same show all'
check "show with WG_COLOR_MODE=always" vm 'WG_COLOR_MODE=always same show'
check "showconf" vm 'same showconf wgk0'
check "showconf, nothing set" vm 'same showconf wgk1'

# --- errors -------------------------------------------------------------------
check "show: no such device" vm 'same show wgnosuch'
check "show dump: no such device" vm 'same show wgnosuch dump'
check "show: not a WireGuard interface" vm 'same show eth0'
check "show lo peers: not a WireGuard interface" vm 'same show lo peers'
check "showconf: no such device" vm 'same showconf wgnosuch'
check "show: a name of 16 characters is no such device" vm 'same show wgk0wgk0wgk0wgk0'
check "set: a name of 16 characters is no such device" vm 'same set wgk0wgk0wgk0wgk0 listen-port 1 && wg show wgk0 listen-port | grep -qx 51820'
check "showconf: not a WireGuard interface" vm 'same showconf eth0'
check "set: no such device" vm 'same set wgnosuch listen-port 1'
check "set: not a WireGuard interface" vm 'same set eth0 listen-port 1'
check "setconf: not a WireGuard interface" vm 'same setconf eth0 a.conf'
# wgc's usage adds [--json]: only the first line (naming the bad word) and the status must match
check "show: bad field" vm 'a=$(wg show wgk0 bogus 2>&1); a="${a%%$'"'"'\n'"'"'*} $?"
	b=$($WGC show wgk0 bogus 2>&1); b="${b%%$'"'"'\n'"'"'*} $?"
	[ "$a" = "$b" ] || { echo "wg: $a"; echo "wgc: $b"; false; }'
check "show: permission denied" vm 'su nobody -s /bin/bash -c ". /etc/wgc-test.sh; PATH=$PATH WGC=$WGC same show wgk0"'
check "show all: permission denied" vm 'su nobody -s /bin/bash -c ". /etc/wgc-test.sh; PATH=$PATH WGC=$WGC same show all"'
check "set: permission denied" vm 'su nobody -s /bin/bash -c ". /etc/wgc-test.sh; PATH=$PATH WGC=$WGC same set wgk1 listen-port 7"'
check "kernel state unchanged by the failed commands" vm 'wg show wgk1 listen-port | grep -qx 0'

# --- set, setconf, addconf, syncconf: the same dump as wg's -------------------
check "set interface keys" vm 'same_set "\$T set wgs private-key k0 listen-port 51821 fwmark 0x42"'
check "set peers" vm "same_set '\$T set wgs peer $P1 allowed-ips 10.1.0.0/24,fd01::/64 endpoint 192.0.2.1:51820 persistent-keepalive 25 preshared-key psk peer $P2 endpoint [2001:db8::1]:1234 peer $P3'"
check "set peer remove" vm "same_set 'wg setconf wgs a.conf && \$T set wgs peer $P2 remove'"
check "set replaces allowed IPs" vm "same_set 'wg setconf wgs a.conf && \$T set wgs peer $P1 allowed-ips 10.9.0.0/16,fd09::/48'"
check "set clears allowed IPs" vm "same_set 'wg setconf wgs a.conf && \$T set wgs peer $P1 allowed-ips \"\"'"
check "set clears keepalive, psk, port, fwmark" vm "same_set 'wg setconf wgs a.conf && \$T set wgs listen-port 0 fwmark off peer $P1 persistent-keepalive off preshared-key /dev/null'"
check "set clears the private key" vm "same_set 'wg setconf wgs a.conf && \$T set wgs private-key /dev/null'"
check "set moves an allowed IP between peers" vm "same_set 'wg setconf wgs a.conf && \$T set wgs peer $P2 allowed-ips 10.1.1.1/32'"
check "set with a bad key changes nothing" vm "same_set 'wg setconf wgs a.conf && \$T set wgs peer notakey allowed-ips 10.0.0.1/32'"
check "set with a bad allowed IP changes nothing" vm "same_set 'wg setconf wgs a.conf && \$T set wgs listen-port 9 peer $P1 allowed-ips 10.0.0.300/32'"
check "setconf" vm 'same_set "\$T setconf wgs a.conf"'
check "setconf replaces" vm 'same_set "wg setconf wgs a.conf && \$T setconf wgs c.conf"'
check "addconf" vm 'same_set "wg setconf wgs a.conf && \$T addconf wgs b.conf"'
check "syncconf" vm 'same_set "wg setconf wgs a.conf && wg addconf wgs b.conf && sync_upstream \$T wgs c.conf"'
check "syncconf with a file without [Interface]" vm 'same_set "wg setconf wgs a.conf && sync_upstream \$T wgs b.conf"'
check "setconf of a missing file" vm 'same_set "\$T setconf wgs /nonexistent.conf"'

# --- 1,000 peers ---------------------------------------------------------------
export VM_CMD_TIMEOUT=300
check "setconf 1,000 peers" vm 'same_set "\$T setconf wgs big.conf"'
check "1,000 peers arrived" vm 'ip link add wgb type wireguard && $WGC setconf wgb big.conf &&
	test "$(wg show wgb peers | wc -l)" = 1000 && test "$(wg show wgb allowed-ips | wc -w)" = 3000'
check "show dump of 1,000 peers" vm 'same show wgb dump'
check "show of 1,000 peers" vm 'same show wgb'
check "showconf of 1,000 peers" vm 'same showconf wgb'
check "show all dump with 1,000 peers" vm 'same show all dump'
# syncconf to c.conf leaves what a fresh setconf of c.conf leaves (none of its
# peers is among the 1,000): 1,000 removals split over several messages
check "syncconf from 1,000 peers to 2" vm 'ip link add wgs type wireguard && wg setconf wgs c.conf && wg show wgs dump >/root/sync.want &&
	ip link del wgs && $WGC syncconf wgb c.conf && wg show wgb dump >/root/sync.got && diff -u /root/sync.want /root/sync.got'

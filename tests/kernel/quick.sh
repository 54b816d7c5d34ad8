#!/bin/bash
# SPDX-License-Identifier: MIT
# wgc up/down on the kernel module, in a QEMU guest (one boot). The server
# is wgcd in the test's namespace on the host side of the tap, configured by
# wgc. A full-tunnel config (0.0.0.0/0, ::/0): `up` makes a kernel interface
# with wg-quick's policy routing -- rules, routes of all tables and nft
# ruleset exactly as Debian's wg-quick leaves them -- traffic flows, and
# `down` restores the state before. Then save, SaveConfig and route-check on
# the kernel interface, and the "[!]" fallback to wgcd when the module
# cannot be loaded.
# shellcheck disable=SC2016 # single-quoted commands expand in the guest
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
vm_boot

# --- the server: wgcd on the host side, configured by wgc --------------------
new_ifname IF_S
push_cleanup "for p in \$(ip netns pids $VM_NS); do [ \$p = $VM_PID ] || kill \$p; done"
start_daemon "$VM_NS" wgcd "$IF_S" || { not_ok "server wgcd"; exit 1; }
(umask 077 && wg genkey >"$TEST_TMP/s.key")
SKEY=$(cat "$TEST_TMP/s.key") CKEY=$(wg genkey)
PUB_S=$(wg pubkey <<<"$SKEY") PUB_C=$(wg pubkey <<<"$CKEY")
host_wgc set "$IF_S" private-key "$TEST_TMP/s.key" listen-port 51820 \
	peer "$PUB_C" allowed-ips 10.10.0.2/32,fd10::2/128 &&
	add_addr "$VM_NS" "$IF_S" 10.10.0.1/24 && add_addr "$VM_NS" "$IF_S" fd10::1/64 &&
	ip -n "$VM_NS" link set "$IF_S" up &&
	add_addr "$VM_NS" lo 10.99.0.1/32 && add_addr "$VM_NS" lo fd99::1/128 || { not_ok "configure the server"; exit 1; }

# --- the client config in the guest ----------------------------------------------
conf() { # NAME [extra Interface lines]
	local name=$1
	shift
	{
		echo "[Interface]"
		echo "PrivateKey = $CKEY"
		echo "Address = 10.10.0.2/24, fd10::2/64"
		printf '%s\n' "$@"
		echo
		echo "[Peer]"
		echo "PublicKey = $PUB_S"
		echo "AllowedIPs = 0.0.0.0/0, ::/0"
		echo "Endpoint = $VM_HOST4:51820"
	} >"$TEST_TMP/$name.conf"
	vm_put "$TEST_TMP/$name.conf" "/etc/wireguard/$name.conf" && vm "chmod 600 /etc/wireguard/$name.conf"
}
conf wgq0
conf wgq1 "Table = off" "SaveConfig = true"

# state FILE: the guest's rules, routes of all tables, nft ruleset and the sysctl up sets
vm 'state() {
	{
		echo "== ip rule"; ip rule
		echo "== ip -6 rule"; ip -6 rule
		echo "== ip route show table all"; ip route show table all
		echo "== ip -6 route show table all"; ip -6 route show table all
		echo "== nft list ruleset"; nft list ruleset
		echo "== links"; ip -o link show | sed "s/^[0-9]*: //; s/ .*//"
	} >"$1" 2>&1
}
declare -f state >/root/state.sh
for i in $(seq 50); do ip -6 route show table local dev eth0 | grep -q "^local fe80" && break; sleep 0.1; done
state /root/before' >/dev/null
# same_state FILE: the guest's state now equals FILE's
same_state() { vm ". /root/state.sh; state /root/now; diff -u $1 /root/now"; }

# --- the reference: Debian's wg-quick ----------------------------------------------
check "wg-quick up (reference)" vm 'wg-quick up wgq0 && . /root/state.sh && state /root/ref-up'
check "wg-quick down (reference)" vm 'wg-quick down wgq0'
check "wg-quick restored the state (reference)" same_state /root/before

# --- wgc up / down ------------------------------------------------------------------
check "up (full tunnel)" vm '$WGQ up wgq0 2>&1'
check "up made a kernel interface" vm 'ip -d link show wgq0 | grep -qw wireguard && ! test -e /run/wireguard/wgq0.sock'
check "up: rules, routes, nft ruleset as wg-quick's" same_state /root/ref-up
check "up set src_valid_mark as wg-quick" vm 'test "$(sysctl -n net.ipv4.conf.all.src_valid_mark)" = 1'
check "ping the server through the tunnel (v4)" vm 'ping -c1 -W5 10.10.0.1 || ping -c1 -W5 10.10.0.1'
check "ping behind the tunnel (v4)" vm 'ping -c1 -W5 10.99.0.1'
check "ping behind the tunnel (v6)" vm 'ping -6 -c1 -W5 fd99::1'
check "policy routing: the tunnel's own UDP (marked) via eth0, other traffic into the tunnel" \
	vm "a=\$(ip route get $VM_HOST4 mark 51820) b=\$(ip route get 10.99.0.1) c=\$(ip -6 route get fd99::1); printf '%s\n' \"\$a\" \"\$b\" \"\$c\"
		echo \"\$a\" | grep -q 'dev eth0' && echo \"\$b\" | grep -q 'dev wgq0 table 51820' && echo \"\$c\" | grep -q 'dev wgq0 table 51820'"
check "show on the kernel interface as wg (handshake, transfer)" \
	vm 'wg show wgq0 latest-handshakes | grep -qv "	0$" && same_live show wgq0'
check "showconf on the kernel interface as wg" vm 'ip link show wgq0 >/dev/null && same showconf wgq0'
if [ "$KWGC" != wg ]; then
	check "route-check names the kernel interface and the table" vm '
		out=$($WGC route-check wgq0 10.99.0.1 2>&1); echo "$out"
		echo "$out" | grep -q "packets: dev wgq0 .*table 51820 (rule" &&
		echo "$out" | grep -q "own UDP (mark 0xca6c): dev eth0 via 10.203.0.1 .*table main"'
fi
NEW_PUB=$(wg genkey | wg pubkey)
check "save writes a peer added at run time" vm "wg set wgq0 peer $NEW_PUB allowed-ips 10.55.0.0/24 &&
	cp /etc/wireguard/wgq0.conf /root/wgq0.orig && \$WGQ save wgq0 &&
	grep -qx 'PublicKey = $NEW_PUB' /etc/wireguard/wgq0.conf && grep -qx 'AllowedIPs = 10.55.0.0/24' /etc/wireguard/wgq0.conf &&
	grep -q '^Address = .*10.10.0.2/24' /etc/wireguard/wgq0.conf && grep -q '^Address = .*fd10::2/64' /etc/wireguard/wgq0.conf ||
	{ cat /etc/wireguard/wgq0.conf; false; }"
vm 'cp /root/wgq0.orig /etc/wireguard/wgq0.conf' >/dev/null
check "up again refuses the existing interface" vm 'ip link show wgq0 >/dev/null && ! $WGQ up wgq0 && ip link show wgq0 >/dev/null'
check "down" vm '$WGQ down wgq0'
check "down restores rules, routes, nft ruleset, links" same_state /root/before

# --- SaveConfig on a kernel interface ------------------------------------------------------
NEW_PUB=$(wg genkey | wg pubkey)
check "up with SaveConfig = true, Table = off" vm '$WGQ up wgq1 && ip -d link show wgq1 | grep -qw wireguard'
check "down saves a peer added at run time" vm "wg set wgq1 peer $NEW_PUB allowed-ips 10.56.0.0/24 && \$WGQ down wgq1 &&
	grep -qx 'PublicKey = $NEW_PUB' /etc/wireguard/wgq1.conf && grep -qx 'SaveConfig = true' /etc/wireguard/wgq1.conf"
check "state restored after SaveConfig" same_state /root/before

# --- --userspace forces wgcd while the module is there (wgc only) -------------------------
if [ "$KWGC" != wg ]; then
	check "up --userspace starts wgcd although the module loads" vm '$WGQ up --userspace wgq0 &&
		test -S /run/wireguard/wgq0.sock && ! ip -d link show wgq0 | grep -qw wireguard && ip -d link show wgq0 | grep -qw tun'
	check "ping through the --userspace tunnel" vm 'ping -c1 -W5 10.10.0.1 || ping -c1 -W5 10.10.0.1'
	check "down after --userspace" vm '$WGQ down wgq0 && for i in $(seq 200); do test -S /run/wireguard/wgq0.sock || exit 0; sleep 0.1; done; exit 1'
	check "state restored after --userspace" same_state /root/before
fi

# --- the module cannot be loaded: "[!]" and wgcd ----------------------------------------
check "make the module unloadable" vm 'rmmod wireguard && echo "install wireguard /bin/false" >/etc/modprobe.d/no-wg.conf &&
	! ip link add wgx type wireguard 2>/dev/null'
check "up falls back to wgcd with wg-quick's [!] line" vm '
	WG_QUICK_USERSPACE_IMPLEMENTATION=wgcd $WGQ up wgq0 >/root/up.log 2>&1; rc=$?; cat /root/up.log
	test $rc = 0 && grep -qxF "[!] Missing WireGuard kernel module. Falling back to slow userspace implementation." /root/up.log &&
	test -S /run/wireguard/wgq0.sock && ! lsmod | grep -q "^wireguard"'
check "ping through the wgcd fallback" vm 'ping -c1 -W5 10.10.0.1 || ping -c1 -W5 10.10.0.1'
check "down the wgcd fallback" vm '$WGQ down wgq0 && for i in $(seq 200); do test -S /run/wireguard/wgq0.sock || exit 0; sleep 0.1; done; exit 1'
check "state restored after the fallback" same_state /root/before

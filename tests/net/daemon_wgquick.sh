#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wg-quick with WG_QUICK_USERSPACE_IMPLEMENTATION pointing at wgcd: `up`
# from a config file starts wgcd (detached) and configures it, the tunnel
# carries traffic to a wireguard-go peer; `down` deletes the interface and
# wgcd exits, removing its socket. Twice: with a specific AllowedIPs, and
# with a full tunnel (0.0.0.0/0, ::/0), where wg-quick sets a fwmark and
# policy routing, so wgcd's own packets must carry the mark to avoid
# looping into the tunnel.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools wireguard-go wg-quick

if [ -e /sys/module/wireguard ]; then
	# wg-quick would use the kernel module and never run wgcd
	ok "skipped: the kernel has a WireGuard module # SKIP"
	exit 0
fi

# wgcd_pid NS IF: the pid of the wgcd serving IF in NS.
wgcd_pid() {
	local p
	for p in $(ip netns pids "$1"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "$WGCD $2 " ] && echo "$p"
	done
}
gone() { ! kill -0 "$1" 2>/dev/null || awk '$3 == "Z" { exit 0 } { exit 1 }' "/proc/$1/stat" 2>/dev/null; }

# quick TAG ALLOWED_IPS
quick() {
	# shellcheck disable=SC2034 # kp (the key file) is set by make_peer, unused
	local tag=$1 allowed=$2 ns peer_ns ifq ifp kp='' pp='' pq conf pid
	new_ns ns && new_ns peer_ns || return 1
	veth_pair "$ns" "$peer_ns" 10.200.0.1/24 10.200.0.2/24 fd20::1/64 fd20::2/64 || return 1
	new_ifname ifq; new_ifname ifp
	make_peer "$peer_ns" wireguard-go "$ifp" kp pp || { not_ok "$tag: peer"; return 1; }
	(umask 077 && wg genkey >"$TEST_TMP/$ifq.key")
	pq=$(wg pubkey <"$TEST_TMP/$ifq.key")
	nsx "$peer_ns" wg set "$ifp" peer "$pq" allowed-ips 10.10.0.1/32,fd10::1/128
	if_up "$peer_ns" "$ifp" 10.10.0.2/24 fd10::2/64
	mkdir -m 700 "$TEST_TMP/$tag" && conf=$TEST_TMP/$tag/$ifq.conf
	cat >"$conf" <<CONF
[Interface]
PrivateKey = $(cat "$TEST_TMP/$ifq.key")
Address = 10.10.0.1/24, fd10::1/64
ListenPort = 51820

[Peer]
PublicKey = $pp
AllowedIPs = $allowed
Endpoint = 10.200.0.2:51820
CONF
	chmod 600 "$conf"
	# whatever happens, the interface goes (and with it wgcd)
	push_cleanup "ip -n '$ns' link del '$ifq'; rm -f '$UAPI_DIR/$ifq.sock'"
	if nsx "$ns" env WG_QUICK_USERSPACE_IMPLEMENTATION="$WGCD" LOG_LEVEL= wg-quick up "$conf" \
		>"$TEST_TMP/$ifq.up" 2>&1; then
		ok "$tag: wg-quick up"
	else
		not_ok "$tag: wg-quick up"
		sed 's/^/#   /' "$TEST_TMP/$ifq.up"
		return 1
	fi
	pid=$(wgcd_pid "$ns" "$ifq")
	[ -n "$pid" ] && push_cleanup "kill $pid"
	check "$tag: wgcd serves the interface (pid ${pid:-none})" test -n "$pid"
	check "$tag: configured from the file" test "$(nsx "$ns" wg show "$ifq" peers)" = "$pp"
	check "$tag: addresses assigned" bash -c "ip -n '$ns' addr show '$ifq' | grep -q 'inet 10.10.0.1/24' && ip -n '$ns' addr show '$ifq' | grep -q 'inet6 fd10::1/64'"
	check "$tag: ping through the tunnel (IPv4)" nsx "$ns" ping -c3 -i0.2 -W2 10.10.0.2
	check "$tag: ping through the tunnel (IPv6)" nsx "$ns" ping -6 -c3 -i0.2 -W2 fd10::2
	if [ "$allowed" != "${allowed#0.0.0.0/0}" ]; then
		check "$tag: wg-quick set a fwmark on wgcd" bash -c "ip netns exec '$ns' wg show '$ifq' fwmark | grep -qv off"
		# the pings above prove wgcd marks its sockets: unmarked, its packets to
		# the endpoint would be routed into its own tunnel
	fi
	nsx "$ns" wg-quick save "$conf" >/dev/null 2>&1
	check "$tag: wg-quick save keeps the peer" grep -q "PublicKey = $pp" "$conf"
	if nsx "$ns" wg-quick down "$conf" >"$TEST_TMP/$ifq.down" 2>&1; then
		ok "$tag: wg-quick down"
	else
		not_ok "$tag: wg-quick down"
		sed 's/^/#   /' "$TEST_TMP/$ifq.down"
	fi
	check "$tag: wgcd exited" wait_until 3 gone "$pid"
	check "$tag: interface gone" wait_until 3 bash -c "! ip -n '$ns' link show '$ifq'"
	check "$tag: socket gone" wait_until 3 test ! -e "$UAPI_DIR/$ifq.sock"
}

quick split "10.10.0.2/32, fd10::2/128"
quick full "0.0.0.0/0, ::/0"

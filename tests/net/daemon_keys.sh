#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# (1) Changing wgcd's private key mid-session: the other side swaps in the
# new public key, and the very next ping handshakes again and passes, with
# wgcd as initiator and as responder, against wgcd and wireguard-go.
# (2) Removing a peer while traffic to or from it floods: the daemon
# survives, answers `wg show` at once, the peer is gone, and re-adding it
# brings the tunnel back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools wireguard-go iperf3

# rekey IMPL_A IMPL_B WHO_PINGS(A|B): A changes its private key.
rekey() {
	local a=$1 b=$2 who=$3 tag hs0 newkey=$TEST_TMP/new.$RANDOM.key newpub
	tag="$a changes key, $b peer, $( [ "$who" = A ] && echo "$a" || echo "$b") speaks first"
	make_tunnel_pair "$a" "$b" || return 1
	wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10 || { not_ok "$tag: first handshake"; return 1; }
	hs0=$(latest_handshake "$NS_A" "$IF_A")
	(umask 077 && wg genkey >"$newkey")
	newpub=$(wg pubkey <"$newkey")
	nsx "$NS_A" "$WG" set "$IF_A" private-key "$newkey"
	check "$tag: wgcd shows the new public key" test "$(nsx "$NS_A" "$WG" show "$IF_A" public-key)" = "$newpub"
	nsx "$NS_B" "$WG" set "$IF_B" peer "$PUB_A" remove peer "$newpub" allowed-ips "$IN4_A/32,$IN6_A/128" \
		endpoint "$OUT_A:51820"
	sleep 1.1   # so that a new handshake shows a later time
	if [ "$who" = A ]; then
		check "$tag: first ping after the change passes" nsx "$NS_A" ping -c1 -W3 "$IN4_B"
	else
		check "$tag: first ping after the change passes" nsx "$NS_B" ping -c1 -W3 "$IN4_A"
	fi
	check "$tag: a new handshake happened" test "$(latest_handshake "$NS_A" "$IF_A")" -gt "$hs0"
	check "$tag: IPv6 too" nsx "$NS_B" ping -6 -c2 -i0.2 -W2 "$IN6_A"
}
rekey ${REF:-wgcd} wgcd A
rekey ${REF:-wgcd} wireguard-go A
rekey ${REF:-wgcd} wireguard-go B
[ -n "${REF:-}" ] && exit

# remove_under_load SIDE(A|B): both wgcd; A floods B; SIDE's daemon drops its peer.
remove_under_load() {
	local side=$1 ns ifn peer ppid t0 port=$((5201 + RANDOM % 1000)) fpid tag
	make_tunnel_pair wgcd wgcd || return 1
	wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10 || { not_ok "handshake"; return 1; }
	if [ "$side" = A ]; then ns=$NS_A ifn=$IF_A peer=$PUB_B tag="sender"; else ns=$NS_B ifn=$IF_B peer=$PUB_A tag="receiver"; fi
	ppid=$(ip netns pids "$ns" | while read -r p; do grep -q wgcd "/proc/$p/comm" && echo "$p"; done | head -1)
	bg "$NS_B" iperf3 -s -1 -B "$IN4_B" -p "$port"
	wait_until 5 bash -c "ip netns exec '$NS_B' ss -Hltn 'sport = :$port' | grep -q ."
	bg "$NS_A" iperf3 -c "$IN4_B" -p "$port" -u -b 300M -l 1300 -t 4
	bg "$NS_A" ping -f -w 4 "$IN6_B"
	fpid=$BG_PID
	sleep 1.5
	read -r _ t0 < <(transfer "$NS_A" "$IF_A")
	nsx "$ns" "$WG" set "$ifn" peer "$peer" remove
	check "remove peer on the $tag during a flood: wg show answers" timeout 1 ip netns exec "$ns" "$WG" show "$ifn" dump
	check "... the peer is gone" test -z "$(nsx "$ns" "$WG" show "$ifn" peers)"
	note "A had sent $t0 bytes when the $tag dropped its peer"
	sleep 1
	check "... the daemon is still running after a second of flood" kill -0 "$ppid"
	wait "$fpid" 2>/dev/null
	if [ "$side" = A ]; then
		nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$OUT_B:51820"
	else
		nsx "$NS_B" "$WG" set "$IF_B" peer "$PUB_A" allowed-ips "$IN4_A/32,$IN6_A/128" endpoint "$OUT_A:51820"
	fi
	# the side that lost its sessions speaks first: the other still holds a
	# valid session and would only notice after KEEPALIVE + REKEY_TIMEOUT (15 s)
	if [ "$side" = A ]; then
		check "... re-adding the peer brings the tunnel back" nsx "$NS_A" ping -c3 -i0.3 -W3 "$IN4_B"
	else
		check "... re-adding the peer brings the tunnel back" nsx "$NS_B" ping -c3 -i0.3 -W3 "$IN4_A"
	fi
}
remove_under_load A
remove_under_load B

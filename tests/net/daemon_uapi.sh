#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The stock `wg` tool against wgcd, differentially: every step runs the
# same wg command against wgcd and against wireguard-go, and the two
# devices must then show the same state (`wg show dump`, peers sorted,
# allowed IPs sorted within a peer). Then what wireguard-go cannot serve
# as a reference: allowed-IP removal with a leading '-', the showconf |
# setconf round trip, malformed requests (an errno reply, no change) and
# a client hanging up mid-request (no change).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools wireguard-go python3

new_ns NX && new_ns NY || exit 1
new_ifname X; new_ifname Y
start_daemon "$NX" wgcd "$X" && start_daemon "$NY" wireguard-go "$Y" || { not_ok "start daemons"; exit 1; }
T=$TEST_TMP
(umask 077 && wg genkey >"$T/priv" && wg genkey >"$T/priv2" && wg genpsk >"$T/psk") || exit 1
P1=$(wg genkey | wg pubkey) P2=$(wg genkey | wg pubkey) P3=$(wg genkey | wg pubkey) P4=$(wg genkey | wg pubkey)
hex() { base64 -d <<<"$1" | od -An -tx1 | tr -d ' \n'; }

# state NS IF: the dump, normalised for comparison across implementations.
state() {
	nsx "$1" "$WG" show "$2" dump | python3 -c '
import sys
lines = sys.stdin.read().splitlines()
peers = []
for l in lines[1:]:
    f = l.split("\t")
    f[3] = ",".join(sorted(f[3].split(",")))
    peers.append("\t".join(f))
print("\n".join(lines[:1] + sorted(peers)))'
}

# both NAME WGARGS...: runs `wg WGARGS` on each device ("@" stands for
# the interface name); same exit status and same state afterwards.
both() {
	local name=$1 a ax=() ay=() rx ry
	shift
	for a in "$@"; do ax+=("${a//@/$X}"); ay+=("${a//@/$Y}"); done
	nsx "$NX" "$WG" "${ax[@]}" >"$T/out.x" 2>&1; rx=$?
	nsx "$NY" "$WG" "${ay[@]}" >"$T/out.y" 2>&1; ry=$?
	if [ "$rx" -ne "$ry" ]; then
		not_ok "$name (exit $rx, wireguard-go's $ry)"
		sed 's/^/#   /' "$T/out.x"
	elif [ "$(state "$NX" "$X")" = "$(state "$NY" "$Y")" ]; then
		ok "$name"
	else
		not_ok "$name"
		diff <(state "$NX" "$X") <(state "$NY" "$Y") | sed 's/^/#   /'
	fi
}

# same_output NAME WGARGS...: `wg WGARGS` prints the same for both (interface names aside).
same_output() {
	local name=$1 a ax=() ay=()
	shift
	for a in "$@"; do ax+=("${a//@/$X}"); ay+=("${a//@/$Y}"); done
	# sorted: wireguard-go lists peers in hash-map order
	if diff <(nsx "$NX" "$WG" "${ax[@]}" 2>&1 | sed "s/$X/IF/g" | sort) \
		<(nsx "$NY" "$WG" "${ay[@]}" 2>&1 | sed "s/$Y/IF/g" | sort) >"$T/diff"; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/#   /' "$T/diff" | head -20
	fi
}

# --- set and show -----------------------------------------------------------
both "set private-key, listen-port, fwmark" set @ private-key "$T/priv" listen-port 51830 fwmark 0x1234
both "set two peers with every field" set @ peer "$P1" preshared-key "$T/psk" endpoint 10.200.0.9:51820 \
	persistent-keepalive 25 allowed-ips "10.1.0.0/16,10.2.0.1/32,fd00::/64" \
	peer "$P2" endpoint "[fd20::9]:1234" allowed-ips "10.3.0.0/24,::/0"
for field in public-key private-key listen-port fwmark peers preshared-keys endpoints allowed-ips \
	latest-handshakes persistent-keepalive transfer dump; do
	same_output "show $field" show @ "$field"
done
# peer order may differ (wireguard-go's is a hash map's), so the full views are compared sorted
check "show (pretty) lists every field" bash -c "ip netns exec '$NX' wg show '$X' | grep -c 'private key: (hidden)\|listening port: 51830\|fwmark: 0x1234\|preshared key: (hidden)\|endpoint: 10.200.0.9:51820\|endpoint: \[fd20::9\]:1234\|persistent keepalive: every 25 seconds\|allowed ips: 10.1.0.0/16' | grep -qx 8"
check "showconf lists every field" bash -c "ip netns exec '$NX' wg showconf '$X' | grep -c '^PrivateKey = \|^ListenPort = 51830\|^FwMark = 0x1234\|^PresharedKey = \|^Endpoint = 10.200.0.9:51820\|^PersistentKeepalive = 25\|^AllowedIPs = ' | grep -qx 8"
check "show all includes the interface" bash -c "ip netns exec '$NX' wg show all dump | grep -q '^$X	'"

both "set replaces a peer's allowed ips" set @ peer "$P1" allowed-ips 10.9.0.0/24,fd09::/64
both "set allowed ips to nothing" set @ peer "$P2" allowed-ips ""
both "set keepalive off, psk cleared by /dev/null" set @ peer "$P1" persistent-keepalive off preshared-key /dev/null
both "set fwmark 0 clears it" set @ fwmark 0
same_output "fwmark shows off" show @ fwmark
both "set private key cleared by /dev/null" set @ private-key /dev/null
same_output "cleared private key shows (none)" show @ private-key
both "set private key again, peer endpoint changed" set @ private-key "$T/priv2" peer "$P1" endpoint "[fd20::5]:9"
both "set remove a peer" set @ peer "$P2" remove
both "set remove an absent peer" set @ peer "$P3" remove
# our own public key as a peer is ignored by both
both "set own public key as peer" set @ peer "$(wg pubkey <"$T/priv2")" allowed-ips 10.77.0.0/16

# listen-port 0: a random port, really bound
nsx "$NX" "$WG" set "$X" listen-port 0
port=$(nsx "$NX" "$WG" show "$X" listen-port)
if [ "${port:-0}" -gt 0 ] && nsx "$NX" ss -Hlun "sport = :$port" | grep -q .; then
	ok "listen-port 0 picks a random port ($port) and binds it"
else
	not_ok "listen-port 0 picks a random port ($port) and binds it"
fi
nsx "$NY" "$WG" set "$Y" listen-port "$port"   # from here on the ports match again

# --- setconf, addconf, syncconf -------------------------------------------------
cat >"$T/conf1" <<CONF
[Interface]
PrivateKey = $(cat "$T/priv")
ListenPort = 51831
FwMark = 0x42

[Peer]
PublicKey = $P3
PresharedKey = $(cat "$T/psk")
AllowedIPs = 10.30.0.0/16, fd30::/64
Endpoint = 10.200.0.3:3333
PersistentKeepalive = 7

[Peer]
PublicKey = $P4
AllowedIPs = 10.40.0.1/32
CONF
both "setconf replaces all peers" setconf @ "$T/conf1"
cat >"$T/conf2" <<CONF
[Peer]
PublicKey = $P1
AllowedIPs = 10.11.0.0/16
Endpoint = [fd20::11]:11

[Peer]
PublicKey = $P4
AllowedIPs = 10.44.0.0/16
CONF
both "addconf adds a peer and extends another" addconf @ "$T/conf2"
cat >"$T/conf3" <<CONF
[Interface]
PrivateKey = $(cat "$T/priv")
ListenPort = 51831

[Peer]
PublicKey = $P3
AllowedIPs = 10.33.0.0/16
Endpoint = 10.200.0.3:3333

[Peer]
PublicKey = $P2
AllowedIPs = 10.22.0.0/16
CONF
both "syncconf removes, adds and updates peers" syncconf @ "$T/conf3"
both "setconf with a bad file changes nothing" setconf @ /nonexistent
printf '[Interface]\nPrivateKey = $(cat %s)\n' x >"$T/bad.conf"
both "setconf with a malformed file changes nothing" setconf @ "$T/bad.conf"

# --- raw UAPI: update_only, allowed-ip removal --------------------------------------
raw_both() {
	local name=$1 req=$2 rx ry
	rx=$(uapi_raw "$X" "$req") ry=$(uapi_raw "$Y" "$req")
	if [ "$rx" != "$ry" ]; then
		not_ok "$name (reply '$rx', wireguard-go's '$ry')"
	elif [ "$(state "$NX" "$X")" = "$(state "$NY" "$Y")" ]; then
		ok "$name"
	else
		not_ok "$name"
		diff <(state "$NX" "$X") <(state "$NY" "$Y") | sed 's/^/#   /'
	fi
}
raw_both "update_only does not create a peer" "set=1
public_key=$(hex "$P1")
update_only=true
allowed_ip=10.50.0.0/16

"
raw_both "update_only updates an existing peer" "set=1
public_key=$(hex "$P2")
update_only=true
persistent_keepalive_interval=9
allowed_ip=10.51.0.0/16

"
r=$(uapi_raw "$X" "set=1
public_key=$(hex "$P2")
allowed_ip=-10.22.0.0/16
allowed_ip=-10.99.0.0/16

")
if [ "$r" = "errno=0" ] && [ "$(nsx "$NX" wg show "$X" allowed-ips | grep "^$P2" | cut -f2)" = "10.51.0.0/16" ]; then
	ok "allowed_ip=-PREFIX removes just that prefix (absent prefix ignored)"
else
	not_ok "allowed_ip=-PREFIX removes just that prefix (reply '$r')"
	nsx "$NX" wg show "$X" allowed-ips | sed 's/^/#   /'
fi

# --- malformed requests: an errno reply and no change ------------------------------
before=$(nsx "$NX" wg show "$X" dump)
PK=$(hex "$P3")
bad_requests=(
	"set=1\nprivate_key=zz\n\n"
	"set=1\nprivate_key=$(hex "$P4")00\n\n"
	"set=1\nlisten_port=70000\n\n"
	"set=1\nlisten_port=-1\n\n"
	"set=1\nfwmark=abc\n\n"
	"set=1\nbogus_key=1\n\n"
	"set=1\nallowed_ip=10.0.0.0/8\n\n"
	"set=1\npublic_key=$PK\nallowed_ip=10.0.0.0/33\n\n"
	"set=1\npublic_key=$PK\nallowed_ip=garbage\n\n"
	"set=1\npublic_key=$PK\nendpoint=nonsense\n\n"
	"set=1\npublic_key=$PK\nendpoint=10.0.0.1:99999\n\n"
	"set=1\npublic_key=$PK\npersistent_keepalive_interval=70000\n\n"
	"set=1\npublic_key=$PK\nremove=maybe\n\n"
	"set=1\nno equals sign\n\n"
	"set=1\npublic_key=$(hex "$P1")\nallowed_ip=10.60.0.0/16\npublic_key=$PK\nallowed_ip=bad\n\n"
	"set=1\nprivate_key=$(hex "$P4")\nlisten_port=51999\npublic_key=$PK\nallowed_ip=10.0.0.0/8x\n\n"
	"set=1\nreplace_peers=true\npublic_key=nothex\n\n"
	"set=1\npublic_key=$PK\n\x01\x02\xff=\x7f\n\n"
	"set=1\npublic_key=$PK\nallowed_ip=10.0.0.0/8\r\n\n"
)
for req in "${bad_requests[@]}"; do
	printf -v raw '%b' "$req"
	r=$(uapi_raw "$X" "$raw")
	label=$(printf '%s' "$req" | sed 's/\\n/ /g; s/[0-9a-f]\{64\}/KEY/g' | cut -c1-60)
	# wireguard-go answers a negative errno (-EINVAL, -EPROTO), so does wgcd
	if ! [[ $r =~ ^errno=-?[1-9][0-9]*$ ]]; then
		not_ok "malformed '$label': errno reply (got '$r')"
	elif [ "$(nsx "$NX" wg show "$X" dump)" != "$before" ]; then
		not_ok "malformed '$label': nothing changed"
		diff <(echo "$before") <(nsx "$NX" wg show "$X" dump) | sed 's/^/#   /'
		before=$(nsx "$NX" wg show "$X" dump)
	else
		ok "malformed '$label': errno reply, nothing changed"
	fi
done
r=$(uapi_raw "$X" "frobnicate=1

")
if [ "$(nsx "$NX" wg show "$X" dump)" = "$before" ]; then
	ok "unknown operation: refused (reply '$r'), nothing changed"
else
	not_ok "unknown operation: nothing changed"
fi
uapi_half "$X" "set=1
private_key=$(hex "$P4")
listen_port=51998
public_key=$(hex "$P1")
allowed_ip=10.70.0.0/16
"
sleep 0.2
check "client hanging up mid-request changes nothing" test "$(nsx "$NX" wg show "$X" dump)" = "$before"
check "daemon still serves after all that" nsx "$NX" wg show "$X" private-key

# --- showconf round trip -----------------------------------------------------------
new_ns NZ || exit 1
new_ifname Z
start_daemon "$NZ" wgcd "$Z" || { not_ok "start a fresh wgcd"; exit 1; }
nsx "$NX" wg set "$X" fwmark 0x77 peer "$P1" preshared-key "$T/psk" persistent-keepalive 13 \
	allowed-ips 10.8.0.0/16,fd08::/48,10.8.1.0/24
nsx "$NX" wg showconf "$X" >"$T/show.x"
check "showconf | setconf onto a fresh wgcd" nsx "$NZ" wg setconf "$Z" "$T/show.x"
if diff "$T/show.x" <(nsx "$NZ" wg showconf "$Z") >"$T/diff"; then
	ok "showconf round-trips through setconf"
else
	not_ok "showconf round-trips through setconf"
	sed 's/^/#   /' "$T/diff"
fi

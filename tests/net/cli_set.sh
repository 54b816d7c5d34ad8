#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgc set / setconf / addconf / syncconf against wg: the same change applied
# by each tool to its own fresh wireguard-go device must leave the same state.
set -u
. "$(dirname "$0")/cli_lib.sh"
cli_require

X=wcx$$ Y=wcy$$   # X is configured by wgc, Y by wg
NX=wgcX$$ NY=wgcY$$
cli_netns "$NX" && cli_netns "$NY" || { echo "not ok - netns"; exit 1; }
cli_wggo "$NX" "$X" && cli_wggo "$NY" "$Y" || { echo "not ok - wireguard-go start"; exit 1; }
T=$CLI_TMP
umask 077
"$WG" genkey >"$T/priv"; "$WG" genpsk >"$T/psk"
P1=$("$WG" genkey | "$WG" pubkey); P2=$("$WG" genkey | "$WG" pubkey); P3=$("$WG" genkey | "$WG" pubkey)

reset() { "$WG" setconf "$X" /dev/null && "$WG" setconf "$Y" /dev/null; }
cli_config() { cli_state "$1" | awk -F'\t' 'BEGIN{OFS="\t"} NR>1{$5="";$6="";$7=""} {print}'; }
# both NAME ARGS...: `<tool> ARGS` with the interface substituted for @; states compared.
both() {
	local name=$1; shift
	local ax=() ay=() a rx ry
	for a in "$@"; do ax+=("${a//@/$X}"); ay+=("${a//@/$Y}"); done
	"$WGC" "${ax[@]}" 2>"$T/err.x"; rx=$?
	"$WG" "${ay[@]}" 2>"$T/err.y"; ry=$?
	if [ "$rx" -ne "$ry" ]; then
		cli_notok "$name (exit $rx, wg $ry)"; sed 's/^/# /' "$T/err.x"; return
	fi
	# the configuration, not runtime counters: a peer with a keepalive and an endpoint sends
	# initiations, and their bytes (dump fields 5-7) depend on when each device was read
	if [ "$(cli_config "$X" | sed "s/$X/IF/")" == "$(cli_config "$Y" | sed "s/$Y/IF/")" ]; then cli_ok "$name"; else
		cli_notok "$name"; diff <(cli_state "$X") <(cli_state "$Y") | sed 's/^/# /'; fi
}

reset
both "set device fields" set @ private-key "$T/priv" listen-port 51830 fwmark 0x1234
both "set peers" set @ peer "$P1" preshared-key "$T/psk" endpoint 10.0.0.1:51820 persistent-keepalive 25 \
	allowed-ips "10.1.0.0/16, 10.2.0.1/32,fd00::/64" peer "$P2" endpoint "[fd00::1]:1234" allowed-ips ::/0
both "set replaces allowed ips" set @ peer "$P1" allowed-ips 10.9.0.0/24
both "set keepalive off, psk cleared" set @ peer "$P1" persistent-keepalive off preshared-key /dev/null
both "set fwmark off, key cleared" set @ fwmark off private-key /dev/null listen-port 1234
both "set remove peer" set @ peer "$P2" remove
both "set bad allowed ip fails" set @ peer "$P3" allowed-ips 10.0.0.300/24
both "set bad key fails" set @ peer notakey
both "set invalid argument fails" set @ bogus 1
both "set usage" set @

cat >"$T/a.conf" <<CONF
[Interface]
PrivateKey = $(cat "$T/priv")
ListenPort = 51831
FwMark = 7
[Peer]
PublicKey = $P1
PresharedKey = $(cat "$T/psk")
AllowedIPs = 10.5.0.0/16
AllowedIPs = fd05::/64   # repeated AllowedIPs accumulate
Endpoint = 127.0.0.1:9
PersistentKeepalive = 10

[Peer]
PublicKey = $P2
AllowedIPs = 10.6.0.1/32
CONF
cat >"$T/b.conf" <<CONF
[Peer]
PublicKey = $P3
AllowedIPs = 10.7.0.0/24
Endpoint = [::1]:51820
CONF
cat >"$T/c.conf" <<CONF
[Interface]
PrivateKey = $(cat "$T/priv")
[Peer]
PublicKey = $P1
AllowedIPs = 10.5.0.0/16
CONF
printf '[Interface]\nListenPort = 70000\n' >"$T/bad.conf"
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.300/24\n' "$P1" >"$T/bad2.conf"

reset
both "setconf" setconf @ "$T/a.conf"
both "addconf" addconf @ "$T/b.conf"
# syncconf must reach the file's state exactly (as `setconf` would) without
# replacing peers; wg before v1.0.20250521 left a dropped PSK/keepalive behind.
# Endpoints and counters are runtime state that syncconf keeps by design.
cfg() { cli_state "$1" | awk -F'\t' 'BEGIN{OFS="\t"} NR>1{$3="";$6="";$7=""} {print}'; }
"$WGC" syncconf "$X" "$T/c.conf"; "$WG" setconf "$Y" "$T/c.conf"
if [ "$(cfg "$X")" == "$(cfg "$Y")" ]; then cli_ok "syncconf reaches the file's state"; else
	cli_notok "syncconf reaches the file's state"; diff <(cli_state "$X") <(cli_state "$Y") | sed 's/^/# /'; fi
both "setconf again" setconf @ "$T/a.conf"
both "setconf replaces everything" setconf @ "$T/b.conf"
both "syncconf with no peers in file" syncconf @ "$T/c.conf"
both "setconf bad file fails" setconf @ "$T/bad2.conf"
both "setconf missing file fails" setconf @ "$T/nonexistent.conf"

# A failed change names the interface (wg says only "Unable to modify interface: ...").
M=nosuch$$
for cmd in "set $M listen-port 1" "setconf $M $T/b.conf" "addconf $M $T/b.conf" "syncconf $M /dev/null"; do
	# shellcheck disable=SC2086
	"$WGC" $cmd 2>"$T/err"; rc=$?
	if [ $rc -eq 1 ] && grep -q "^Unable to modify interface $M: " "$T/err"; then cli_ok "${cmd%% *} error names the interface"; else
		cli_notok "${cmd%% *} error names the interface (rc $rc)"; sed 's/^/# /' "$T/err"; fi
done
"$WGC" syncconf "$M" "$T/b.conf" 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "^Unable to retrieve current configuration of interface $M: " "$T/err"; then
	cli_ok "syncconf read error names the interface"; else cli_notok "syncconf read error names the interface (rc $rc)"; sed 's/^/# /' "$T/err"; fi

# wgc's own messages: file, line and text.
"$WGC" setconf "$X" "$T/bad.conf" 2>"$T/err"
if grep -q "bad.conf:2: ListenPort: '70000'" "$T/err"; then cli_ok "error names file and line"; else cli_notok "error names file and line"; sed 's/^/# /' "$T/err"; fi
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.8.0.1/24\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.8.0.0/24\n' "$P1" "$P2" >"$T/warn.conf"
chmod 644 "$T/warn.conf"
"$WGC" addconf "$X" "$T/warn.conf" 2>"$T/err"
if grep -q "warn.conf:3: warning: .*non-zero host part" "$T/err" && grep -q "warn.conf:6: warning: .*also claimed" "$T/err"; then
	cli_ok "warnings for host bits and shared prefix"; else cli_notok "warnings for host bits and shared prefix"; sed 's/^/# /' "$T/err"; fi

# genkey and pubkey agree with wg.
k=$("$WGC" genkey)
if [ "$(echo "$k" | "$WGC" pubkey)" == "$(echo "$k" | "$WG" pubkey)" ] && [ ${#k} -eq 44 ]; then cli_ok "genkey/pubkey"; else cli_notok "genkey/pubkey"; fi
# Any 32 bytes are a private key once clamped, as in wg: the all-zero key
# (refused as an interface's identity) still has a public key, and so do an
# unclamped all-ones key and a genpsk output.
for key in AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= //////////////////////////////////////////8= \
	"$("$WGC" genpsk)" "$("$WG" genpsk)" "$("$WG" genkey)"; do
	a=$(echo "$key" | "$WG" pubkey 2>&1; echo "rc=${PIPESTATUS[1]}")
	b=$(echo "$key" | "$WGC" pubkey 2>&1; echo "rc=${PIPESTATUS[1]}")
	if [ "$a" == "$b" ] && [ "${a%rc=0}" != "$a" ]; then cli_ok "pubkey of $key as wg"; else
		cli_notok "pubkey of $key as wg"; echo "# $a / $b"; fi
done
a=$("$WGC" genpsk | "$WGC" pubkey) && b=$("$WGC" genkey | "$WGC" pubkey) && [ ${#a} -eq 44 ] && [ ${#b} -eq 44 ] &&
	cli_ok "genpsk|pubkey and genkey|pubkey" || cli_notok "genpsk|pubkey and genkey|pubkey"
for bad in "" "short" "$k junk" "${k%=}A"; do
	a=$(printf '%s' "$bad" | "$WG" pubkey 2>&1 | sed 's/^wg:/X:/'; echo "rc=${PIPESTATUS[1]}")
	b=$(printf '%s' "$bad" | "$WGC" pubkey 2>&1 | sed "s|^$WGC:|X:|"; echo "rc=${PIPESTATUS[1]}")
	if [ "$a" == "$b" ]; then cli_ok "pubkey rejects '$bad'"; else cli_notok "pubkey rejects '$bad'"; echo "# $a / $b"; fi
done
umask 022
"$WGC" genkey >"$T/world" 2>"$T/err"
if grep -q "Warning: writing to world accessible file." "$T/err"; then cli_ok "genkey world-readable warning"; else cli_notok "genkey world-readable warning"; fi

exit $CLI_FAILED

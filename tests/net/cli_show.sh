#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgc show / showconf against wg show, byte for byte: two wireguard-go
# instances in two namespaces joined by veth (real handshakes and traffic)
# and a canned UAPI socket (exact multi-peer states, huge counters, old handshakes).
set -u
. "$(dirname "$0")/cli_lib.sh"
cli_require

A=wca$$ B=wcb$$ F=wcf$$
NA=wgcA$$ NB=wgcB$$
cli_netns "$NA" && cli_netns "$NB" || { echo "not ok - netns"; exit 1; }
ip link add "va$$" netns "$NA" type veth peer name "vb$$" netns "$NB"
ip -n "$NA" addr add 192.168.77.1/24 dev "va$$"; ip -n "$NA" link set "va$$" up
ip -n "$NB" addr add 192.168.77.2/24 dev "vb$$"; ip -n "$NB" link set "vb$$" up
cli_wggo "$NA" "$A" && cli_wggo "$NB" "$B" || { echo "not ok - wireguard-go start"; exit 1; }

T=$CLI_TMP
umask 077
"$WG" genkey >"$T/a.key"; "$WG" genkey >"$T/b.key"; "$WG" genpsk >"$T/psk"
PA=$("$WG" pubkey <"$T/a.key"); PB=$("$WG" pubkey <"$T/b.key")

# B: one peer (A) with a PSK; A: B plus three idle peers (IPv6 endpoint, many allowed IPs, keepalive).
"$WG" set "$B" private-key "$T/b.key" listen-port 51822 peer "$PA" preshared-key "$T/psk" \
	allowed-ips 10.77.0.1/32 endpoint 192.168.77.1:51821
"$WG" set "$A" private-key "$T/a.key" listen-port 51821 fwmark 0x2a peer "$PB" preshared-key "$T/psk" \
	allowed-ips 10.77.0.2/32,fd77::2/128 endpoint 192.168.77.2:51822 persistent-keepalive 25
"$WG" set "$A" peer "$("$WG" genkey | "$WG" pubkey)" endpoint "[fd00:77::9]:4242" allowed-ips fd00:77::/64
"$WG" set "$A" peer "$("$WG" genkey | "$WG" pubkey)" \
	allowed-ips 10.1.0.0/16,10.2.0.0/16,10.3.3.3/32,172.16.0.0/12,192.168.200.0/24,2001:db8::/32,::/0 persistent-keepalive 3661
"$WG" set "$A" peer "$("$WG" genkey | "$WG" pubkey)"
# B first: A's first initiation goes out as soon as A is up (persistent keepalive), and a
# down interface drops it, as the kernel's does
ip -n "$NB" addr add 10.77.0.2/24 dev "$B"; ip -n "$NB" link set "$B" up
ip -n "$NA" addr add 10.77.0.1/24 dev "$A"; ip -n "$NA" link set "$A" up
if ip netns exec "$NA" ping -c 2 -W 2 10.77.0.2 >/dev/null; then cli_ok "handshake across veth"; else cli_notok "handshake across veth"; fi

FIELDS="public-key private-key listen-port fwmark peers preshared-keys endpoints allowed-ips latest-handshakes transfer persistent-keepalive dump"
for mode in always never; do
	export WG_COLOR_MODE=$mode
	cli_same "single-peer human ($mode)" show "$B"
	WG_HIDE_KEYS=never cli_same "single-peer human, keys shown ($mode)" show "$B"
	cli_same_sorted "multi-peer human, lines ($mode)" show "$A"
done
unset WG_COLOR_MODE
for f in $FIELDS; do
	cli_same "single-peer $f" show "$B" "$f"
	cli_same_sorted "multi-peer $f" show "$A" "$f"
done
cli_same "showconf single peer" showconf "$B"
cli_same_sorted "showconf multi peer, lines" showconf "$A"
cli_same "invalid field" show "$B" bogus
cli_same "too many arguments" show "$B" dump extra
cli_same "show help" show --help
cli_same "showconf usage" showconf

# A canned state: wg and wgc read the very same bytes.
now=$(date +%s)
hex() { "$WG" genkey | base64 -d | od -An -tx1 -v | tr -d ' \n'; }
{
	echo "private_key=$(hex)"; echo "listen_port=51999"; echo "fwmark=4294967295"
	echo "public_key=$(hex)"; echo "preshared_key=$(hex)"; echo "protocol_version=1"
	echo "endpoint=[2001:db8::1]:51820"; echo "last_handshake_time_sec=$((now - 3723))"; echo "last_handshake_time_nsec=5"
	echo "tx_bytes=128345292"; echo "rx_bytes=536891392"; echo "persistent_keepalive_interval=1"
	echo "allowed_ip=10.0.0.0/8"; echo "allowed_ip=::/0"
	echo "public_key=$(hex)"; echo "preshared_key=0000000000000000000000000000000000000000000000000000000000000000"
	echo "last_handshake_time_sec=0"; echo "last_handshake_time_nsec=0"; echo "tx_bytes=0"; echo "rx_bytes=0"
	echo "persistent_keepalive_interval=0"
	echo "public_key=$(hex)"; echo "endpoint=10.9.8.7:1"
	echo "last_handshake_time_sec=$((now - 400 * 86400 - 1))"; echo "last_handshake_time_nsec=0"
	echo "tx_bytes=1023"; echo "rx_bytes=5497558138880"; echo "persistent_keepalive_interval=65535"
	echo "allowed_ip=192.168.0.1/32"
	echo "public_key=$(hex)"; echo "last_handshake_time_sec=$((now - 1))"; echo "tx_bytes=1099511627776"; echo "rx_bytes=1048575"
	echo "public_key=$(hex)"; echo "last_handshake_time_sec=$((now + 3600))"; echo "rx_bytes=1"
	echo "public_key=$(hex)"; echo "last_handshake_time_sec=$((now - 1))"; echo "last_handshake_time_nsec=999"
	echo "future_key=ignored"
	echo "errno=0"; echo
} >"$T/canned"
cli_fake "$F" "$T/canned" || { echo "not ok - fake UAPI socket"; exit 1; }
for mode in always never; do
	export WG_COLOR_MODE=$mode
	cli_same "canned human ($mode)" show "$F"
	WG_HIDE_KEYS=never cli_same "canned human, keys shown ($mode)" show "$F"
done
unset WG_COLOR_MODE
for f in $FIELDS; do cli_same "canned $f" show "$F" "$f"; done
cli_same "canned showconf" showconf "$F"

# `show all` and `show interfaces` see every socket on the machine, including other
# people's test devices coming and going; compare only our own lines.
mine() { grep -E "($A|$B|$F)" || true; }
# wireguard-tools before v1.0.20250521 printed the interface name only before the
# first peer of `show all endpoints`; wgc prints it on every line, as wg does now.
fix_endpoints() { awk -F'\t' 'NF==3{dev=$1; print; next} NF==2{print dev "\t" $0; next} {print}'; }
# Other tests' devices vanishing mid-listing can garble one read: decide only when
# wg's reads before and after wgc's agree (bounded retries).
for f in $FIELDS; do
	fix=cat; [ "$f" = endpoints ] && fix=fix_endpoints
	for try in $(seq 20); do
		a=$("$WG" show all "$f" 2>/dev/null | $fix | mine | sort); b=$("$WGC" show all "$f" 2>/dev/null | mine | sort)
		a2=$("$WG" show all "$f" 2>/dev/null | $fix | mine | sort)
		[ "$a" == "$a2" ] && break
		sleep 0.1
	done
	if [ "$a" == "$b" ] && [ -n "$a" ]; then cli_ok "show all $f"; else cli_notok "show all $f"; diff <(echo "$a") <(echo "$b") | sed "s/^/# /"; fi
done
a=$("$WG" show interfaces | tr ' ' '\n' | mine | sort); b=$("$WGC" show interfaces | tr ' ' '\n' | mine | sort)
if [ "$a" == "$b" ] && [ "$(echo "$b" | wc -l)" -eq 3 ]; then cli_ok "show interfaces"; else cli_notok "show interfaces"; fi

# JSON: valid, and every dump field agrees.
if "$WGC" show "$F" --json | python3 -c '
import json, sys, subprocess, time
d = json.load(sys.stdin)
dump = subprocess.run([sys.argv[1], "show", sys.argv[2], "dump"], capture_output=True, text=True).stdout.splitlines()
dev = dump[0].split("\t")
assert d["interface"] == sys.argv[2] and d["private_key"] == dev[0] and d["public_key"] == dev[1]
assert d["listen_port"] == int(dev[2]) and d["fwmark"] == int(dev[3], 16)
assert len(d["peers"]) == len(dump) - 1
for p, line in zip(d["peers"], dump[1:]):
    f = line.split("\t")
    assert p["public_key"] == f[0] and (p["preshared_key"] or "(none)") == f[1] and (p["endpoint"] or "(none)") == f[2]
    assert (",".join(p["allowed_ips"]) or "(none)") == f[3] and p["latest_handshake"] == int(f[4])
    assert p["transfer_rx"] == int(f[5]) and p["transfer_tx"] == int(f[6])
    assert (p["persistent_keepalive"] or "off") == (f[7] if f[7] == "off" else int(f[7]))
    age = int(time.time()) - p["latest_handshake"]
    assert p["up"] == (p["latest_handshake"] != 0 and age < 180), p
' "$WG" "$F"; then cli_ok "json matches dump"; else cli_notok "json matches dump"; fi
if "$WGC" show --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(i["interface"]==sys.argv[1] for i in d["interfaces"])' "$A"; then
	cli_ok "json all"; else cli_notok "json all"; fi

exit $CLI_FAILED

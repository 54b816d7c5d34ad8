#!/bin/bash
# SPDX-License-Identifier: MIT
# Values where wgc up must match wg-quick (issue 10): the MTU counts the
# route's own MTU to the endpoint (IPv4 and IPv6); a sysctl that already has
# the wanted value is not written (a container with read-only /proc/sys);
# route-check uses the running interface without a config file, and before
# up counts the route an Address subnet brings, whatever Table says.
. "$(dirname "$0")/lib.sh"
require_root_and_tools nft unshare
WGC=$BUILD/wgc
[ -x "$WGC" ] && [ -x "$BUILD/wgcd" ] || { not_ok "build wgc and wgcd first"; exit 1; }

new_ns NS_C && new_ns NS_S || { not_ok "namespaces"; exit 1; }
push_cleanup "for p in \$(ip netns pids $NS_C); do kill \$p; done"
veth_pair "$NS_C" "$NS_S" 10.205.0.2/24 10.205.0.1/24 fd05::2/64 fd05::1/64 || { not_ok "veth"; exit 1; }
ip -n "$NS_C" link set veth0 mtu 1492
new_ifname IF
push_cleanup "ip -n '$NS_C' link del '$IF'; rm -f '$UAPI_DIR/$IF.sock' /run/wgc/$IF.state"
KEY=$(wg genkey) PUB=$(wg pubkey <<<"$(wg genkey)")
CONF=$TEST_TMP/$IF.conf
conf() { # ENDPOINT ALLOWED [Interface lines...]
	local ep=$1 allowed=$2
	shift 2
	{ echo "[Interface]"; echo "PrivateKey = $KEY"; echo "Address = 10.10.0.2/24"; printf '%s\n' "$@"
	  echo; echo "[Peer]"; echo "PublicKey = $PUB"; echo "AllowedIPs = $allowed"; echo "Endpoint = $ep"; } >"$CONF"
	chmod 600 "$CONF"
}
wgc() { nsx "$NS_C" "$WGC" "$@"; }

# --- MTU: the route to the endpoint has its own mtu 1400 on a 1492 link ---
ip -n "$NS_C" route add 10.205.0.1/32 dev veth0 mtu 1400
ip -n "$NS_C" -6 route add fd05::1/128 dev veth0 mtu 1400
for ep in 10.205.0.1:51820 "[fd05::1]:51820"; do
	conf "$ep" 10.10.0.1/32
	out=$(wgc up --dry-run "$CONF" 2>&1)
	grep -qx "\[#\] ip link set mtu 1320 up dev $IF" <<<"$out" && ok "MTU 1320 from the route's mtu 1400 ($ep), as wg-quick" ||
		{ not_ok "MTU 1320 from the route's mtu 1400 ($ep)"; grep mtu <<<"$out" | sed 's/^/#   /'; }
done
conf 10.205.0.1:51820 10.10.0.1/32
if wgc up "$CONF" 2>/dev/null; then
	ip -n "$NS_C" link show "$IF" | grep -q "mtu 1320 " && ok "up sets MTU 1320" || not_ok "up sets MTU 1320"
	# --- route-check on the running interface, no config file needed ---
	out=$(wgc route-check "$IF" 10.10.0.1 2>&1)
	rc=$?
	[ $rc -eq 0 ] && grep -q "^$IF is up" <<<"$out" && grep -q "packets: dev $IF" <<<"$out" &&
		ok "route-check IF uses the running interface (no /etc/wireguard/IF.conf)" ||
		{ not_ok "route-check IF uses the running interface (exit $rc)"; printf '#   %s\n' "$out"; }
	wgc down "$CONF" 2>/dev/null || not_ok "down"
else
	not_ok "up with the 1400 route"
fi
ip -n "$NS_C" route del 10.205.0.1/32
conf 10.205.0.1:51820 10.10.0.1/32
wgc up --dry-run "$CONF" 2>&1 | grep -qx "\[#\] ip link set mtu 1412 up dev $IF" &&
	ok "without the route: 1492 - 80 = 1412" || not_ok "without the route: 1492 - 80 = 1412"

# --- route-check before up: the Address subnet's own route, even with Table = off ---
conf 10.205.0.1:51820 10.10.0.1/32 "Table = off"
out=$(wgc route-check "$CONF" 10.10.0.7 2>&1)
grep -q "after up: through $IF, because Address 10.10.0.0/24 adds the route 10.10.0.0/24 dev $IF" <<<"$out" &&
	ok "route-check before up counts the Address subnet's route (Table = off)" ||
	{ not_ok "route-check before up counts the Address subnet's route (Table = off)"; printf '#   %s\n' "$out"; }
out=$(wgc route-check "$CONF" 10.99.0.1 2>&1)
grep -q "after up: unchanged" <<<"$out" && ok "and an address outside it stays unchanged" ||
	{ not_ok "and an address outside it stays unchanged"; printf '#   %s\n' "$out"; }

# --- a full tunnel with read-only /proc/sys and src_valid_mark already 1 ---
conf 10.205.0.1:51820 0.0.0.0/0
nsx "$NS_C" sysctl -qw net.ipv4.conf.all.src_valid_mark=1
ro() { nsx "$NS_C" unshare -m sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && "$@"' sh "$@"; }
check_fails "the test's /proc/sys is read-only" ro sysctl -qw net.ipv4.conf.all.src_valid_mark=1
out=$(ro "$WGC" up "$CONF" 2>&1)
rc=$?
[ $rc -eq 0 ] && ! grep -q "sysctl -q net.ipv4.conf.all.src_valid_mark" <<<"$out" &&
	ok "full tunnel up with read-only /proc/sys: the sysctl already 1 is not written" ||
	{ not_ok "full tunnel up with read-only /proc/sys (exit $rc)"; printf '#   %s\n' "$out" | tail -5; }
wgc down "$CONF" 2>/dev/null
nsx "$NS_C" sysctl -qw net.ipv4.conf.all.src_valid_mark=0
out=$(wgc up --dry-run "$CONF" 2>&1)
grep -q "sysctl -q net.ipv4.conf.all.src_valid_mark=1" <<<"$out" && ok "dry-run still lists the sysctl (it depends on the value at run time)" ||
	not_ok "dry-run lists the sysctl"

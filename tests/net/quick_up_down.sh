#!/bin/bash
# SPDX-License-Identifier: MIT
# wgc up/down against a real peer: client -- router -- server namespaces,
# a wgcd peer on the server configured with wg. Covers the default-route
# policy routing (fwmark, rules, nft), --dry-run, route-check, Table = off
# and a numbered table, a failing PostUp undoing everything, SaveConfig
# writing back a peer added at run time, and a save killed half-way.
# After every down (and every failed up) the client's ip rule, routes of
# all tables and nft ruleset must read exactly as before.
TEST_TIMEOUT=${TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"
require_root_and_tools nft
WGC=$BUILD/wgc
[ -x "$WGC" ] && [ -x "$BUILD/wgcd" ] || { not_ok "build $WGC and $BUILD/wgcd first"; exit 1; }

new_ns NS_C && new_ns NS_R && new_ns NS_S || { not_ok "namespaces"; exit 1; }
for ns in "$NS_C" "$NS_R" "$NS_S"; do
	# any process left in our own namespaces (a wgcd that wgc up started) is ours
	push_cleanup "for p in \$(ip netns pids $ns); do kill \$p; done"
done
veth_pair "$NS_C" "$NS_R" 10.201.0.2/24 10.201.0.1/24 || { not_ok "client veth"; exit 1; }
tmp="wgv$$rs"
ip link add "$tmp" type veth peer name "${tmp}p" &&
	ip link set "$tmp" netns "$NS_R" && ip link set "${tmp}p" netns "$NS_S" &&
	ip -n "$NS_R" link set "$tmp" name veth1 && ip -n "$NS_S" link set "${tmp}p" name veth0 &&
	add_addr "$NS_R" veth1 10.202.0.1/24 && add_addr "$NS_S" veth0 10.202.0.2/24 &&
	ip -n "$NS_R" link set veth1 up && ip -n "$NS_S" link set veth0 up ||
	{ not_ok "server veth"; ip link del "$tmp" 2>/dev/null; exit 1; }
nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_C" route add default via 10.201.0.1
ip -n "$NS_S" route add default via 10.202.0.1
# addresses that exist only behind the tunnel, on the server
add_addr "$NS_S" lo 10.99.0.1/32 && add_addr "$NS_S" lo fd99::1/128

new_ifname IF_S
new_ifname IF
push_cleanup "rm -f '$UAPI_DIR/$IF.sock'"
push_cleanup "ip -n '$NS_C' link del '$IF'"
start_daemon "$NS_S" wgcd "$IF_S" || { not_ok "server wgcd"; exit 1; }
(umask 077 && wg genkey >"$TEST_TMP/s.key" && wg genkey >"$TEST_TMP/c.key")
PUB_S=$(wg pubkey <"$TEST_TMP/s.key") PUB_C=$(wg pubkey <"$TEST_TMP/c.key")
nsx "$NS_S" "$WG" set "$IF_S" private-key "$TEST_TMP/s.key" listen-port 51820 \
	peer "$PUB_C" allowed-ips 10.10.0.2/32,fd10::2/128 &&
	add_addr "$NS_S" "$IF_S" 10.10.0.1/24 && add_addr "$NS_S" "$IF_S" fd10::1/64 &&
	ip -n "$NS_S" link set "$IF_S" up || { not_ok "configure server"; exit 1; }

# conf DIR [extra Interface lines...]: writes DIR/$IF.conf for the client
conf() {
	local dir=$TEST_TMP/$1
	shift
	mkdir -p "$dir"
	{
		echo "[Interface]"
		echo "PrivateKey = $(cat "$TEST_TMP/c.key")"
		echo "Address = 10.10.0.2/24, fd10::2/64"
		printf '%s\n' "$@"
		echo
		echo "[Peer]"
		echo "PublicKey = $PUB_S"
		echo "AllowedIPs = 0.0.0.0/0, ::/0"
		echo "Endpoint = 10.202.0.2:51820"
	} >"$dir/$IF.conf"
	chmod 600 "$dir/$IF.conf"
	CONF=$dir/$IF.conf
}

state() {
	{
		echo "== ip rule"; ip -n "$NS_C" rule
		echo "== ip -6 rule"; ip -n "$NS_C" -6 rule
		echo "== ip route show table all"; ip -n "$NS_C" route show table all
		echo "== ip -6 route show table all"; ip -n "$NS_C" -6 route show table all
		echo "== nft list ruleset"; nsx "$NS_C" nft list ruleset
	} 2>&1
}

# same_state NAME: the client's state equals the one captured before
same_state() {
	local now
	now=$(state)
	if [ "$now" = "$BEFORE" ]; then
		ok "$1"
	else
		not_ok "$1"
		diff <(echo "$BEFORE") <(echo "$now") | sed 's/^/#   /' | head -20
	fi
}

# wait_gone: the daemon exits once its interface is deleted (its socket
# and its UDP port too, which the next up may want again)
wait_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$UAPI_DIR/$IF.sock" ] || [ -n "$(ip netns pids "$NS_C")" ] || return 0
		sleep 0.1
	done
	return 1
}

wgc() { nsx "$NS_C" "$WGC" "$@"; }

# the veth's IPv6 link-local address settles (DAD) a moment after link up;
# wait for it so that it is part of the "before" picture
for ((i = 0; i < 50; i++)); do
	ip -n "$NS_C" -6 route show table local dev veth0 | grep -q "^local fe80" && break
	sleep 0.1
done
BEFORE=$(state)

# --- default route, Table = auto -------------------------------------------
conf auto
out=$(wgc up --dry-run "$CONF" 2>"$TEST_TMP/dry.err")
rc=$?
if [ $rc -eq 0 ] && grep -qx "\[#\] ip -4 rule add not fwmark 51820 table 51820" <<<"$out" &&
	grep -q "add table ip wg-quick-$IF" <<<"$out" && grep -q "sysctl -q net.ipv4.conf.all.src_valid_mark=1" <<<"$out"; then
	ok "dry-run prints the commands and the nft ruleset"
else
	not_ok "dry-run prints the commands and the nft ruleset"
	printf '#   %s\n' "$out" | head -20
fi
same_state "dry-run changes nothing"
check_fails "dry-run creates no interface" ip -n "$NS_C" link show dev "$IF"

out=$(wgc route-check "$CONF" 10.99.0.1 2>&1)
if grep -q "after up: through $IF, because AllowedIPs 0.0.0.0/0 with Table=auto" <<<"$out"; then
	ok "route-check before up predicts the tunnel"
else
	not_ok "route-check before up predicts the tunnel"
	printf '#   %s\n' "$out"
fi

if wgc up "$CONF" 2>"$TEST_TMP/up.err"; then ok "up with 0.0.0.0/0, ::/0"; else not_ok "up with 0.0.0.0/0, ::/0"; sed 's/^/#   /' "$TEST_TMP/up.err"; fi
grep -q "Table = off" "$TEST_TMP/up.err" && ok "up warns that all traffic goes through the tunnel" ||
	not_ok "up warns that all traffic goes through the tunnel"
grep -qx "\[#\] ip -6 route add ::/0 dev $IF table 51820" "$TEST_TMP/up.err" &&
	grep -qx "\[#\] ip link set mtu 1420 up dev $IF" "$TEST_TMP/up.err" &&
	ok "up echoes commands in wg-quick's form (automatic MTU 1420)" ||
	{ not_ok "up echoes commands in wg-quick's form (automatic MTU 1420)"; sed 's/^/#   /' "$TEST_TMP/up.err"; }
check "ping the server's tunnel address" nsx "$NS_C" ping -c1 -W2 10.10.0.1
check "ping an address behind the tunnel (v4)" nsx "$NS_C" ping -c1 -W2 10.99.0.1
check "ping an address behind the tunnel (v6)" nsx "$NS_C" ping -6 -c1 -W2 fd99::1
[ "$(latest_handshake "$NS_C" "$IF")" -gt 0 ] && ok "the tunnel's own UDP reaches the endpoint" ||
	not_ok "the tunnel's own UDP reaches the endpoint"
ip -n "$NS_C" route get 10.202.0.2 | grep -q "dev $IF" && ok "unmarked traffic to the endpoint host goes through the tunnel" ||
	not_ok "unmarked traffic to the endpoint host goes through the tunnel"
ip -n "$NS_C" route get 10.202.0.2 mark 51820 | grep -q "dev veth0" && ok "marked traffic uses the main table" ||
	not_ok "marked traffic uses the main table"
out=$(wgc route-check "$CONF" 10.99.0.1 2>&1)
if grep -q "packets: dev $IF.*table 51820 (rule 32765:.*not from all fwmark 0xca6c lookup 51820)" <<<"$out" &&
	grep -q "tunnel's own UDP (mark 0xca6c): dev veth0 via 10.201.0.1.*table main (rule 32766:" <<<"$out"; then
	ok "route-check after up names device, table and rule"
else
	not_ok "route-check after up names device, table and rule"
	printf '#   %s\n' "$out"
fi
check_fails "up again refuses an existing interface" wgc up "$CONF"
[ "$(state)" != "$BEFORE" ] && ok "up changed rules, routes and nft ruleset" || not_ok "up changed rules, routes and nft ruleset"
if wgc down "$CONF" 2>"$TEST_TMP/down.err"; then ok "down"; else not_ok "down"; sed 's/^/#   /' "$TEST_TMP/down.err"; fi
wait_gone && ok "the daemon exits after down" || not_ok "the daemon exits after down"
same_state "down restores rules, routes of all tables and nft ruleset"

# --- Table = off --------------------------------------------------------------
conf off "Table = off"
check "up with Table = off" wgc up "$CONF"
check "reload as the systemd unit does: syncconf <(strip)" nsx "$NS_C" bash -c "'$WGC' syncconf '$IF' <(exec '$WGC' strip '$CONF')"
extra=$(ip -n "$NS_C" route show table all dev "$IF" 2>&1 | grep -v "proto kernel"; ip -n "$NS_C" -6 route show table all dev "$IF" 2>&1 | grep -v "proto kernel" | grep -v "^multicast")
[ -z "$extra" ] && ok "Table = off adds no route" || { not_ok "Table = off adds no route"; printf '#   %s\n' "$extra"; }
[ "$(ip -n "$NS_C" rule)" = "$(echo "$BEFORE" | sed -n '/^== ip rule$/,/^==/p' | sed '1d;$d')" ] &&
	ok "Table = off adds no rule" || not_ok "Table = off adds no rule"
check "down (Table = off)" wgc down "$CONF"
wait_gone
same_state "state restored after Table = off"

# --- numbered table -------------------------------------------------------------
conf num "Table = 1234"
check "up with Table = 1234" wgc up "$CONF"
ip -n "$NS_C" route show table 1234 | grep -q "^default dev $IF" && ip -n "$NS_C" -6 route show table 1234 | grep -q "^default dev $IF" &&
	ok "Table = 1234 puts the routes in table 1234" || not_ok "Table = 1234 puts the routes in table 1234"
[ "$(ip -n "$NS_C" rule; ip -n "$NS_C" -6 rule; nsx "$NS_C" nft list ruleset)" = \
	"$(echo "$BEFORE" | sed -n '/^== ip rule$/,/^== ip route/p' | grep -v '^==')" ] &&
	ok "Table = 1234 adds no rules and no nft table" || not_ok "Table = 1234 adds no rules and no nft table"
check "down (Table = 1234)" wgc down "$CONF"
wait_gone
same_state "state restored after Table = 1234"

# --- a failing PostUp undoes everything ----------------------------------------------
conf fail "PostUp = echo hook ran for %i > $TEST_TMP/hook.out; false"
check_fails "up fails when PostUp fails" wgc up "$CONF"
grep -qx "hook ran for $IF" "$TEST_TMP/hook.out" 2>/dev/null && ok "PostUp ran with %i expanded" || not_ok "PostUp ran with %i expanded"
check_fails "the failed up left no interface" ip -n "$NS_C" link show dev "$IF"
wait_gone
same_state "a failed up leaves the state as before"

# --- SaveConfig -----------------------------------------------------------------------
conf save "Table = off" "SaveConfig = true"
check "up with SaveConfig = true" wgc up "$CONF"
NEW_PUB=$(wg genkey | wg pubkey)
check "add a peer at run time with wg set" nsx "$NS_C" "$WG" set "$IF" peer "$NEW_PUB" allowed-ips 10.55.0.0/24
orig=$(sha256sum <"$CONF")
WGC_TEST_SAVE_CRASH=1 nsx "$NS_C" "$WGC" save "$CONF" 2>/dev/null
rc=$?
[ $rc -eq 137 ] && [ "$(sha256sum <"$CONF")" = "$orig" ] &&
	ok "a save killed half-way leaves the original file intact" ||
	not_ok "a save killed half-way leaves the original file intact (rc $rc)"
rm -f "$TEST_TMP"/save/."$IF".conf.*
check "down with SaveConfig = true" wgc down "$CONF"
wait_gone
if grep -qx "PublicKey = $NEW_PUB" "$CONF" && grep -qx "AllowedIPs = 10.55.0.0/24" "$CONF" &&
	grep -qx "Address = 10.10.0.2/24" "$CONF" && grep -qx "SaveConfig = true" "$CONF" &&
	grep -qx "Table = off" "$CONF"; then
	ok "SaveConfig writes back the peer added at run time"
else
	not_ok "SaveConfig writes back the peer added at run time"
	sed 's/^/#   /' "$CONF" | grep -v PrivateKey
fi
[ "$(stat -c %a "$CONF")" = 600 ] && ok "the saved file is mode 600" || not_ok "the saved file is mode 600"
# the file's order is kept; what it did not have (a second Address line, the port, the new peer) is added
order=$(grep -o '^[][A-Za-z]*' "$CONF" | tr '\n' ' ')
want="[Interface] PrivateKey Address Address Table SaveConfig ListenPort [Peer] PublicKey AllowedIPs Endpoint [Peer] PublicKey AllowedIPs "
[ "$order" = "$want" ] && ok "SaveConfig keeps the file's order of keys" ||
	{ not_ok "SaveConfig keeps the file's order of keys"; echo "# got:  $order"; echo "# want: $want"; }
check "the saved file brings the interface up again" wgc up "$CONF"
nsx "$NS_C" "$WG" show "$IF" peers | grep -qx "$NEW_PUB" && ok "with the saved peer" || not_ok "with the saved peer"
check "and down" wgc down "$CONF"
wait_gone
same_state "state restored after SaveConfig"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input to hub init and peer add: an existing config, a subnet too
# small, an endpoint without a host, a duplicate peer name (in any case),
# names with characters that are not allowed, a name that two sections or
# two hubs share (peer show/remove/learn-mac and wake refuse it). Each fails with a clear error and
# leaves every file as it was (the config dir compared byte for byte).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/hub_lib.sh"
require_root_and_tools
[ -x "$WGC" ] || { not_ok "build $WGC first"; exit 1; }

D=$TEST_TMP/cfg
mkdir -m 700 "$D"
export WGC_CONFIG_DIR=$D
new_ifname IFB
"$WGC" hub init "$IFB" --endpoint hub.example:51820 2>/dev/null
"$WGC" peer add "$IFB" phone --out "$TEST_TMP/phone.conf" 2>/dev/null
snapshot() { (cd "$D" && find . -type f | sort | xargs sha256sum); }
before=$(snapshot)

# bad NAME EXPECTED_ERROR_PATTERN CMD...: fails, says so clearly, and nothing changed
bad() {
	local name=$1 pattern=$2
	shift 2
	if "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"; then
		not_ok "$name: accepted"
		return
	fi
	if ! grep -q -- "$pattern" "$TEST_TMP/err"; then
		not_ok "$name: error does not say /$pattern/"
		sed 's/^/#   /' "$TEST_TMP/err"
		return
	fi
	if [ "$(snapshot)" != "$before" ]; then
		not_ok "$name: files changed"
		return
	fi
	ok "$name: $(head -1 "$TEST_TMP/err")"
}

bad "existing config" "already exists; not overwriting" "$WGC" hub init "$IFB" --endpoint other.example
new_ifname IFC
bad "subnet /31" "is too small" "$WGC" hub init "$IFC" --endpoint h.example --subnet 10.9.9.0/31
bad "subnet /32" "is too small" "$WGC" hub init "$IFC" --endpoint h.example --subnet 10.9.9.1/32
bad "IPv6 subnet /127" "is too small" "$WGC" hub init "$IFC" --endpoint h.example --subnet6 fd00::/127
bad "subnet that is not a prefix" "is not an IPv4 prefix" "$WGC" hub init "$IFC" --endpoint h.example --subnet 10.9.9.0/33
bad "endpoint without a host" "has no host" "$WGC" hub init "$IFC" --endpoint :51820
bad "endpoint with a bad port" "is not HOST\[:PORT\]" "$WGC" hub init "$IFC" --endpoint h.example:99999
bad "no endpoint" "is required" "$WGC" hub init "$IFC"
# The `# wgc endpoint' line is read back by peer add (values under 256 bytes): a longer name
# was once cut at 255 characters or written whole, and every later peer add failed on it.
bad "endpoint longer than the hub file holds" "is too long" "$WGC" hub init "$IFC" --endpoint "$(printf 'e%.0s' {1..5000})"
bad "endpoint that is too long once the port is added" "is too long" "$WGC" hub init "$IFC" --endpoint "$(printf 'e%.0s' {1..250})"
bad "--allowed-ips that is not a prefix" "\`bogus' is not a prefix" "$WGC" hub init "$IFC" --endpoint h.example --allowed-ips bogus
bad "ALLOWEDIPS with a bad address" "\`10.0.0.300/8' is not a prefix" env ALLOWEDIPS=10.0.0.300/8,1.2.3.4 "$WGC" hub init "$IFC" --endpoint h.example
bad "more PEERS than the subnet holds, nothing written" "5 peers do not fit in --subnet 10.0.0.0/30 (room for 1)" \
	"$WGC" hub init "$IFC" --endpoint h.example --subnet 10.0.0.0/30 --peers 5 --out-dir "$TEST_TMP/peers-out"
bad "--lan that is neither interface nor prefix" "neither an interface name nor a prefix" "$WGC" hub init "$IFC" --endpoint h.example --allowed-ips 0.0.0.0/0 --lan 'eth0;reboot'
bad "--lan interface that does not exist" "does not exist" "$WGC" hub init "$IFC" --endpoint h.example --lan nosuchif0
bad "bad interface name" "not a valid interface name" "$WGC" hub init "a/b" --endpoint h.example
bad "duplicate peer name" "already has a peer named \`phone'" "$WGC" peer add "$IFB" phone --out "$TEST_TMP/x.conf"
bad "peer name differing only in case" "already has a peer named \`phone' (line [0-9]*): names that differ only in case" \
	"$WGC" peer add "$IFB" PHONE --out "$TEST_TMP/x.conf"
bad "PEERS with a name twice in another case" "\`Phone' is given twice (names that differ only in case" \
	"$WGC" hub init "$IFC" --endpoint h.example --peers phone,Phone --out-dir "$TEST_TMP/peers-out"
for name in 'a b' 'bad/name' '-dash' 'semi;colon' 'ünicode' "$(printf 'x%.0s' {1..33})" ''; do
	bad "peer name '$name'" "is not allowed" "$WGC" peer add "$IFB" --out "$TEST_TMP/x.conf" -- "$name"
done
# a refused output must never be removed either (this once unlinked /dev/null)
bad "--out to a non-regular file" "not a regular file" "$WGC" peer add "$IFB" tablet --out /dev/null
check "/dev/null is still the character device" test -c /dev/null
bad "remove of an unknown peer" "has no peer named" "$WGC" peer remove "$IFB" nobody
bad "peer add to a file that is not a hub" "not a hub" bash -c "printf '[Interface]\nPrivateKey = %s\n' \$(wg genkey) >'$TEST_TMP/plain.conf' && chmod 600 '$TEST_TMP/plain.conf' && WGC_CONFIG_DIR='$TEST_TMP' '$WGC' peer add plain x --out '$TEST_TMP/x.conf'"
check "no partial output files left" bash -c "[ ! -e '$TEST_TMP/x.conf' ]"

# A file edited by hand so that two sections carry one name: the name no longer says which
# peer, so show/remove/learn-mac refuse (naming both lines) instead of taking the first.
"$WGC" peer add "$IFB" tablet --out "$TEST_TMP/tablet.conf" 2>/dev/null
sed -i 's/^# friendly_name = tablet$/# friendly_name = phone/' "$D/$IFB.conf"
before=$(snapshot)
for cmd in "show" "remove" "learn-mac"; do
	# shellcheck disable=SC2086
	bad "peer $cmd of a name two sections share" "has two peers named \`phone' (lines [0-9]* and [0-9]*): rename one" \
		"$WGC" peer $cmd "$IFB" phone $([ "$cmd" = learn-mac ] && echo --mac 02:00:00:00:00:09)
done
# wake by a name that two hubs give to different machines: refused, never a guess
new_ifname IFW
"$WGC" hub init "$IFW" --endpoint h2.example --subnet 10.14.14.0/24 --port 51821 2>/dev/null &&
	"$WGC" peer add "$IFW" desk --out "$TEST_TMP/desk1.conf" 2>/dev/null &&
	"$WGC" peer learn-mac "$IFW" desk --mac 02:00:00:00:00:01 2>/dev/null &&
	"$WGC" peer add "$IFB" desk --out "$TEST_TMP/desk2.conf" 2>/dev/null &&
	"$WGC" peer learn-mac "$IFB" desk --mac 02:00:00:00:00:02 2>/dev/null || not_ok "two hubs with a peer named desk"
before=$(snapshot)
bad "wake by a name two hubs give to different machines" "\`desk' names more than one machine: .* wake by MAC" \
	"$WGC" wake desk --iface lo

# the longest endpoint hub init takes is one peer add reads back (240 + ":51823" < 256)
new_ifname IFL
long_host=$(printf 'l%.0s' {1..240})
check "hub init takes a 240-character endpoint" "$WGC" hub init "$IFL" --endpoint "$long_host" --subnet 10.16.16.0/24 --port 51823
check "peer add reads that hub file back" "$WGC" peer add "$IFL" longep --out "$TEST_TMP/longep.conf"
check "the profile has the whole endpoint" grep -qx "Endpoint = $long_host:51823" "$TEST_TMP/longep.conf"

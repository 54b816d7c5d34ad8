#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Address allocation: 253 peers fill a /24 (the hub has .1) without a
# duplicate, the 254th is refused with a clear error and no change, and a
# removed peer's address is handed out again only after its removal.
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/hub_lib.sh"
require_root_and_tools
[ -x "$WGC" ] || { not_ok "build $WGC first"; exit 1; }

D=$TEST_TMP/cfg
mkdir -m 700 "$D"
export WGC_CONFIG_DIR=$D
new_ifname IFP
F=$D/$IFP.conf
"$WGC" hub init "$IFP" --endpoint hub.example:51820 --subnet 10.77.0.0/24 2>/dev/null
fails=0
for i in $(seq 1 253); do
	"$WGC" peer add "$IFP" "p$i" --no-psk --out "$TEST_TMP/p.conf" 2>/dev/null || fails=$((fails + 1))
done
check "253 peers added" test "$fails" = 0
check "253 distinct addresses, .2 to .254" bash -c "
	grep '^AllowedIPs' '$F' | sort -u | wc -l | grep -qx 253 &&
	[ \"\$(grep -c '^AllowedIPs' '$F')\" = 253 ] &&
	grep -qx 'AllowedIPs = 10.77.0.2/32' '$F' && grep -qx 'AllowedIPs = 10.77.0.254/32' '$F' &&
	! grep -q 'AllowedIPs = 10.77.0.255/32' '$F'"
cp "$F" "$TEST_TMP/full"
"$WGC" peer add "$IFP" p254 --out "$TEST_TMP/p.conf" 2>"$TEST_TMP/err"
check "254th peer refused" test $? -ne 0
check "... with a clear error" grep -q "subnet 10.77.0.0/24 of $IFP is full" "$TEST_TMP/err"
check "... and the file unchanged" cmp "$F" "$TEST_TMP/full"
check "peer remove p100" "$WGC" peer remove "$IFP" p100
check "its address is gone from the file" bash -c "! grep -q 'AllowedIPs = 10.77.0.101/32' '$F'"
check "the next peer gets the freed address" bash -c "'$WGC' peer add '$IFP' again --out '$TEST_TMP/p.conf' 2>/dev/null && grep -qx 'Address = 10.77.0.101/32' '$TEST_TMP/p.conf'"
check "full again" bash -c "! '$WGC' peer add '$IFP' more --out '$TEST_TMP/p.conf' 2>/dev/null"
# removing a peer keeps every other byte of the file
cp "$F" "$TEST_TMP/before-remove"
"$WGC" peer remove "$IFP" p7 2>/dev/null
diff "$TEST_TMP/before-remove" "$F" >"$TEST_TMP/diff"
check "remove takes out exactly that peer's lines, nothing else" bash -c "
	[ \"\$(grep -c '^<' '$TEST_TMP/diff')\" = 5 ] && ! grep -q '^>' '$TEST_TMP/diff' &&
	grep -qx '< # friendly_name = p7' '$TEST_TMP/diff' && grep -qx '< AllowedIPs = 10.77.0.8/32' '$TEST_TMP/diff' &&
	grep -qx '< \[Peer\]' '$TEST_TMP/diff' && grep -qx '< ' '$TEST_TMP/diff'"

# ten `peer add' at once: the config dir's lock keeps every edit, no address twice
new_ifname IFQ
"$WGC" hub init "$IFQ" --endpoint hub.example:51820 --subnet 10.78.0.0/24 2>/dev/null
pids=()
for i in $(seq 1 10); do
	"$WGC" peer add "$IFQ" "q$i" --out "$TEST_TMP/q$i.conf" 2>/dev/null &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
check "ten concurrent peer add succeed" test "$fails" = 0
check "... all ten in the file with ten distinct addresses" bash -c "
	[ \"\$(grep -c '^# friendly_name = q' '$D/$IFQ.conf')\" = 10 ] &&
	[ \"\$(grep '^AllowedIPs' '$D/$IFQ.conf' | sort -u | wc -l)\" = 10 ]"

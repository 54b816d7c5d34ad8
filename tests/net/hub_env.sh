#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The container's environment-variable form: PEERS=3 with SERVERURL,
# SERVERPORT, PEERDNS, INTERNAL_SUBNET, ALLOWEDIPS and
# PERSISTENTKEEPALIVE_PEERS gives a hub and three peers equivalent (keys
# aside) to the same thing said with flags; SERVERURL=auto is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/hub_lib.sh"
require_root_and_tools zbarimg
[ -x "$WGC" ] || { not_ok "build $WGC first"; exit 1; }

D=$TEST_TMP/cfg
mkdir -m 700 "$D"
new_ifname IFE
new_ifname IFF
check "hub init from the environment (PEERS=3)" env WGC_CONFIG_DIR="$D" PEERS=3 SERVERURL=vpn.example.org SERVERPORT=51999 \
	PEERDNS=auto INTERNAL_SUBNET=10.14.14.0 ALLOWEDIPS=0.0.0.0/0 PERSISTENTKEEPALIVE_PEERS=all \
	"$WGC" hub init "$IFE" --out-dir "$TEST_TMP/env"
check "hub init from flags" env WGC_CONFIG_DIR="$D" "$WGC" hub init "$IFF" --peers 3 --endpoint vpn.example.org \
	--port 51999 --dns auto --subnet 10.14.14.0/24 --allowed-ips 0.0.0.0/0 --keepalive-peers all --out-dir "$TEST_TMP/flags"

# norm FILE IF: keys and the interface name replaced, so two files compare
norm() { sed -E -e 's/^(PrivateKey|PublicKey|PresharedKey) = .*/\1 = KEY/' -e "s/$2/IF/g" "$1"; }
check "the two hub files are equivalent" cmp <(norm "$D/$IFE.conf" "$IFE") <(norm "$D/$IFF.conf" "$IFF")
check "three named peers in the hub file" bash -c "[ \"\$(grep -c '^# friendly_name = peer[123]$' '$D/$IFE.conf')\" = 3 ]"
for n in 1 2 3; do
	check "peer$n: profiles equivalent" cmp <(norm "$TEST_TMP/env/peer$n.conf" x) <(norm "$TEST_TMP/flags/peer$n.conf" x)
	check "peer$n: PNG decodes to its profile" cmp <(zbarimg -q --raw "$TEST_TMP/env/peer$n.png" 2>/dev/null | head -c -1) "$TEST_TMP/env/peer$n.conf"
done
check "profile: SERVERURL:SERVERPORT, PEERDNS=auto is the hub, ALLOWEDIPS, keepalive" bash -c "
	f='$TEST_TMP/env/peer2.conf'
	grep -qx 'Endpoint = vpn.example.org:51999' \$f && grep -qx 'DNS = 10.14.14.1' \$f &&
	grep -qx 'AllowedIPs = 0.0.0.0/0' \$f && grep -qx 'PersistentKeepalive = 25' \$f && grep -qx 'Address = 10.14.14.3/32' \$f"
check "hub: INTERNAL_SUBNET without a prefix is a /24, SERVERPORT is the listen port" bash -c "
	grep -qx 'Address = 10.14.14.1/24' '$D/$IFE.conf' && grep -qx 'ListenPort = 51999' '$D/$IFE.conf'"

new_ifname IFA
env WGC_CONFIG_DIR="$D" SERVERURL=auto "$WGC" hub init "$IFA" 2>"$TEST_TMP/err"
check "SERVERURL=auto refused with a clear error, no file" bash -c "grep -q \"endpoint \\\`auto' is not supported\" '$TEST_TMP/err' && [ ! -e '$D/$IFA.conf' ]"
new_ifname IFN
check "PEERS as a list of names" env WGC_CONFIG_DIR="$D" PEERS=alice,bob SERVERURL=h.example "$WGC" hub init "$IFN" --out-dir "$TEST_TMP/names"
check "... gives those peers" bash -c "grep -qx '# friendly_name = alice' '$D/$IFN.conf' && grep -qx '# friendly_name = bob' '$D/$IFN.conf' && [ -s '$TEST_TMP/names/bob.conf' ]"
new_ifname IFX
env WGC_CONFIG_DIR="$D" PEERS=3 SERVERURL=h.example "$WGC" hub init "$IFX" >/dev/null 2>"$TEST_TMP/err"
check "PEERS without --out-dir on a non-terminal refused, no file" bash -c "grep -q 'out-dir' '$TEST_TMP/err' && [ ! -e '$D/$IFX.conf' ]"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Endpoint candidates (issue 14) through the config-file commands:
#   - on wireguard-go, `wgc set ... endpoint A endpoint B`, `candidate-retry`
#     and setconf/addconf/syncconf of a file with several Endpoint lines are
#     refused with a clear error before anything is sent: the interface is
#     unchanged;
#   - `wgc up FILE` with candidates uses wgcd and says why; the candidates
#     survive `wgc save` (the file keeps both Endpoint lines, in order),
#     `wgc strip` and `wgc syncconf IF <(wgc strip IF)` (the unit's reload);
#   - `wgc reresolve` on a backend without candidates sets a stale peer's
#     endpoint from the file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/candidates_lib.sh"
require_root_and_tools wireguard-go python3
[ -x "$WGC" ] || { not_ok "missing $WGC (make)"; exit 1; }

new_ns NS || exit 1
new_ifname IFG
start_daemon "$NS" wireguard-go "$IFG" || { not_ok "start wireguard-go"; exit 1; }
KEY=$(wg genkey) PEER=$(wg genkey | wg pubkey)
printf '%s\n' "$KEY" >"$TEST_TMP/key"
check "configure wireguard-go" nsx "$NS" wg set "$IFG" private-key "$TEST_TMP/key" listen-port 51830 \
	peer "$PEER" allowed-ips 10.9.0.2/32 endpoint 192.0.2.1:51820
before=$(nsx "$NS" wg showconf "$IFG")

cat >"$TEST_TMP/cand.conf" <<EOF
[Interface]
PrivateKey = $KEY
ListenPort = 51831

[Peer]
PublicKey = $PEER
AllowedIPs = 10.9.0.3/32
Endpoint = 192.0.2.7:51820
Endpoint = 192.0.2.8:51820
EOF

# refused CMD...: CMD fails, names wgcd, and the interface is unchanged
refused() {
	local out
	if out=$(nsx "$NS" "$@" 2>&1); then
		echo "accepted: $out"
		return 1
	fi
	grep -q "need wgcd" <<<"$out" && grep -q "Nothing was changed" <<<"$out" || { echo "$out"; return 1; }
	[ "$(nsx "$NS" wg showconf "$IFG")" = "$before" ] || { echo "interface changed"; return 1; }
}
check "wireguard-go: set with two endpoints refused, nothing applied" \
	refused "$WGC" set "$IFG" listen-port 51832 peer "$PEER" endpoint 192.0.2.7:51820 endpoint 192.0.2.8:51820
check "wireguard-go: candidate-retry refused" refused "$WGC" set "$IFG" candidate-retry 5
for cmd in setconf addconf syncconf; do
	check "wireguard-go: $cmd of a file with candidates refused, nothing applied" \
		refused "$WGC" "$cmd" "$IFG" "$TEST_TMP/cand.conf"
done
check "wireguard-go: one endpoint is still accepted" nsx "$NS" "$WGC" set "$IFG" peer "$PEER" endpoint 192.0.2.9:51820

# reresolve: a name in /etc/hosts of the namespace, stale peer (no handshake ever)
mkdir -p "/etc/netns/$NS"
push_cleanup "rm -rf '/etc/netns/$NS'"
echo "192.0.2.44 hub-$NS.test" >"/etc/netns/$NS/hosts"
cat >"$TEST_TMP/$IFG.conf" <<EOF
[Interface]
PrivateKey = $KEY

[Peer]
PublicKey = $PEER
AllowedIPs = 10.9.0.2/32
Endpoint = hub-$NS.test:51820
EOF
check "reresolve sets the stale peer's endpoint" nsx "$NS" "$WGC" reresolve "$TEST_TMP/$IFG.conf"
check "to the name's address" bash -c "ip netns exec '$NS' wg show '$IFG' endpoints | grep -qF 192.0.2.44:51820"
echo "192.0.2.45 hub-$NS.test" >"/etc/netns/$NS/hosts"
check "reresolve --after 100000 leaves a recent-enough peer alone" \
	nsx "$NS" "$WGC" reresolve "$TEST_TMP/$IFG.conf" --after 100000000000
check "endpoint unchanged" bash -c "ip netns exec '$NS' wg show '$IFG' endpoints | grep -qF 192.0.2.44:51820"

# wgc up with candidates: wgcd, save, strip, syncconf
new_ifname IFC
CONF=$TEST_TMP/$IFC.conf
cat >"$CONF" <<EOF
[Interface]
PrivateKey = $KEY
ListenPort = 51833
Address = 10.78.0.1/24

[Peer]
PublicKey = $PEER
AllowedIPs = 10.78.0.2/32
Endpoint = 192.0.2.7:51820
Endpoint = 192.0.2.8:51820
EOF
chmod 600 "$CONF"
push_cleanup "ip netns exec '$NS' '$WGC' down '$CONF' >/dev/null 2>&1"
# without lib.sh's WGC_USERSPACE=1, so that up itself chooses wgcd for the candidates
out=$(WGC_USERSPACE= nsx "$NS" "$WGC" up "$CONF" 2>&1)
if grep -q "has endpoint candidates.*using .*wgcd" <<<"$out"; then
	ok "up says it uses wgcd for candidates"
else
	not_ok "up says it uses wgcd for candidates"
	sed 's/^/#   /' <<<"$out"
fi
check "up: the interface holds both candidates" cand_true "$NS" "$IFC" "$PEER" \
	'[x["endpoint"] for x in c] == ["192.0.2.7:51820", "192.0.2.8:51820"]'
check "stock wg showconf on it shows the last line" bash -c \
	"ip netns exec '$NS' wg showconf '$IFC' | grep -x 'Endpoint = 192.0.2.8:51820'"
# the file loses a line: save must write back what the interface holds
sed -i '/^Endpoint = 192.0.2.7:51820$/d' "$CONF"
check "save" nsx "$NS" "$WGC" save "$CONF"
check "the saved file keeps both Endpoint lines in order" bash -c \
	"grep '^Endpoint = ' '$CONF' | diff - <(printf 'Endpoint = 192.0.2.7:51820\nEndpoint = 192.0.2.8:51820\n')"
nsx "$NS" "$WGC" strip "$CONF" >"$TEST_TMP/stripped"
check "strip keeps both Endpoint lines" bash -c "[ \"\$(grep -c '^Endpoint = ' '$TEST_TMP/stripped')\" = 2 ]"
check "syncconf of strip" nsx "$NS" "$WGC" syncconf "$IFC" "$TEST_TMP/stripped"
check "candidates survive strip + syncconf" cand_true "$NS" "$IFC" "$PEER" 'len(c) == 2'
check "down" nsx "$NS" "$WGC" down "$CONF"

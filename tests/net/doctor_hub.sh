#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgc doctor on a hub: A's config file carries `# wgc hub'. With IPv4
# forwarding off hub.forwarding fails, with it on it passes; without a
# masquerade rule hub.nat warns, with one it passes and names the rule.
# Without the hub marker both checks are skipped. A killed daemon and a
# name with no device fail device.exists.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/doctor_lib.sh"
require_root_and_tools nft python3

make_tunnel_pair wgcd wgcd || exit 1
PID_B=$DAEMON_PID

doctor "$NS_A" "$IF_A" --no-probe
expect "no hub marker: forwarding not checked" hub.forwarding skip
printf '# wgc hub\n[Interface]\nListenPort = 51820\n\n[Peer]\n# friendly_name = b\nPublicKey = %s\nAllowedIPs = %s/32\n' \
	"$PUB_B" "$IN4_B" >"$DOCTOR_CONF/$IF_A.conf"

nsx "$NS_A" sysctl -qw net.ipv4.ip_forward=0
doctor "$NS_A" "$IF_A" --no-probe
expect "hub with forwarding off fires" hub.forwarding fail
check "advice names the sysctl" grep -q "net.ipv4.ip_forward=1" <<<"$(evidence hub.forwarding)"
check "exit status 1" test "$DOCTOR_RC" = 1
expect "hub without NAT warns" hub.nat warn

nsx "$NS_A" sysctl -qw net.ipv4.ip_forward=1
cat >"$TEST_TMP/nat.nft" <<NFT
table ip wgctestnat {
	chain postrouting {
		type nat hook postrouting priority 100; policy accept;
		ip saddr 10.10.0.0/24 oifname "veth0" masquerade
	}
}
NFT
check "nft: masquerade for the tunnel prefix" nsx "$NS_A" nft -f "$TEST_TMP/nat.nft"
doctor "$NS_A" "$IF_A" --no-probe
expect "hub with forwarding on passes" hub.forwarding ok
expect "hub with masquerade passes" hub.nat ok
check "the NAT rule is named" grep -q "ip wgctestnat postrouting handle" <<<"$(evidence hub.nat)"

# The daemon gone (B's, killed, its socket left behind): the device no longer exists.
doctor "$NS_B" "$IF_B" --no-probe
expect "B's daemon alive" device.daemon ok
kill -9 "$PID_B"
wait "$PID_B" 2>/dev/null
doctor "$NS_B" "$IF_B" --no-probe
expect "daemon killed: the device is gone" device.exists fail
check "exit status 1" test "$DOCTOR_RC" = 1
doctor "$NS_A" wgnothere0
expect "a name with no device fails" device.exists fail

# The schema is not vacuous: an unknown verdict or a missing field is refused.
schema_rejects() {
	python3 - "$LIB_ROOT/doc/doctor.schema.json" "$DOCTOR_OUT" "$1" <<'PY'
import json, sys, jsonschema
schema, doc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
c = doc["interfaces"][0]["checks"][0]
if sys.argv[3] == "verdict":
    c["verdict"] = "maybe"
else:
    del c["advice"]
try:
    jsonschema.validate(doc, schema)
except jsonschema.ValidationError:
    sys.exit(0)
sys.exit(1)
PY
}
check "schema refuses an unknown verdict" schema_rejects verdict
check "schema refuses a check without advice" schema_rejects advice

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peers come and go on a running hub: while client 1 pings the hub, peers
# are added and removed (running interface and file, without a restart);
# client 1 loses no ping, and after every step the file and the running
# interface list the same peers. Then SaveConfig: the names survive a
# `down' that saves the running state and the `up' after it.
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/hub_lib.sh"
require_root_and_tools nft python3
[ -x "$WGC" ] && [ -x "$WGCD" ] || { not_ok "build $WGC and $WGCD first"; exit 1; }

hub_topology || { not_ok "topology"; exit 1; }
hub_with_peers 2>/dev/null || { not_ok "hub and peers"; exit 1; }
hub_up >/dev/null 2>&1 || { not_ok "hub up"; exit 1; }
check "client 1 up" nsx "$NS_C1" "$WGC" up "$TEST_TMP/c1/$IF_C1.conf"
check "client 1 reaches the hub" wait_until 10 nsx "$NS_C1" ping -c1 -W1 "$HUB_ADDR"

# 300 pings, 50 ms apart (15 s): every change below happens while they run
nsx "$NS_C1" ping -i 0.05 -c 300 -W 2 "$HUB_ADDR" >"$TEST_TMP/ping" 2>&1 &
ppid=$!
push_cleanup "kill $ppid"
step() {
	local what=$1
	shift
	if hubc "$@" --out "$TEST_TMP/p.conf" >/dev/null 2>"$TEST_TMP/step.err" || { [ "$1" = peer ] && [ "$2" = remove ] && hubc "$@" >/dev/null 2>"$TEST_TMP/step.err"; }; then
		check "$what; file and running interface agree" file_matches_running
	else
		not_ok "$what"
		sed 's/^/#   /' "$TEST_TMP/step.err"
	fi
}
sleep 1
step "add c3 while c1 pings" peer add "$IF_HUB" c3
step "add c4" peer add "$IF_HUB" c4
hubc peer remove "$IF_HUB" c3 >/dev/null 2>&1
check "remove c3; file and running interface agree" file_matches_running
hubc peer remove "$IF_HUB" c2 >/dev/null 2>&1
check "remove c2; file and running interface agree" file_matches_running
step "add c5" peer add "$IF_HUB" c5
check "three peers now: c1 c4 c5" bash -c "[ \"\$(grep '^# friendly_name' '$HUBDIR/$IF_HUB.conf' | tr '\n' ' ')\" = '# friendly_name = c1 # friendly_name = c4 # friendly_name = c5 ' ]"
wait "$ppid"
check "client 1 lost no ping ($(grep -o '[0-9]* received' "$TEST_TMP/ping"))" grep -q ' 300 received' "$TEST_TMP/ping"

# SaveConfig: wg-quick's save drops comments; wgc keeps a hub's names and header
sed -i 's/^ListenPort = .*/&\nSaveConfig = true/' "$HUBDIR/$IF_HUB.conf"
check "hub down with SaveConfig" hub_down
check "the saved file is still a hub" bash -c "head -1 '$HUBDIR/$IF_HUB.conf' | grep -qx '# wgc hub'"
check "the names survived the save" bash -c "[ \"\$(grep '^# friendly_name' '$HUBDIR/$IF_HUB.conf' | sort | tr '\n' ' ')\" = '# friendly_name = c1 # friendly_name = c4 # friendly_name = c5 ' ]"
check "hub up again" hub_up
check "file and running interface agree after up" file_matches_running
check "peer list shows the names" bash -c "ip netns exec '$NS_HUB' env WGC_CONFIG_DIR='$HUBDIR' '$WGC' peer list '$IF_HUB' | awk 'NR > 1 { print \$1 }' | tr '\n' ' ' | grep -qx 'c1 c4 c5 '"
# the saved file kept c1's endpoint: the hub starts the new handshake itself
check "hub and client 1 talk again (the hub initiates to the saved endpoint)" wait_until 20 nsx "$NS_HUB" ping -c1 -W1 10.13.13.2
check "peer add still works on the saved file" bash -c "ip netns exec '$NS_HUB' env WGC_CONFIG_DIR='$HUBDIR' '$WGC' peer add '$IF_HUB' c6 --out '$TEST_TMP/p.conf' 2>/dev/null"
check "file and running interface agree" file_matches_running

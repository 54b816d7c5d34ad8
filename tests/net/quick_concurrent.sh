#!/bin/bash
# SPDX-License-Identifier: MIT
# Two `wgc up' (or an up and a down) of one interface at the same time: the
# second is refused at once, naming the one that runs, and changes nothing.
# Before, both passed the "already exists" check and shared the state file:
# the loser's undo deleted the winner's interface and the winner's policy
# rules survived even `wgc down'. Deterministic: the first up waits in its
# PreUp hook (after it recorded its config, before the interface exists)
# until the test releases it.
. "$(dirname "$0")/lib.sh"
require_root_and_tools nft
WGC=$BUILD/wgc
[ -x "$WGC" ] && [ -x "$BUILD/wgcd" ] || { not_ok "build wgc and wgcd first"; exit 1; }

new_ns NS || { not_ok "namespace"; exit 1; }
push_cleanup "for p in \$(ip netns pids $NS); do kill \$p; done"
new_ifname IF
push_cleanup "rm -f '$UAPI_DIR/$IF.sock'"
CONF=$TEST_TMP/$IF.conf
(umask 077 && printf '[Interface]\nPrivateKey = %s\nAddress = 10.91.0.1/24\nPreUp = touch %s/in-preup; for i in $(seq 600); do [ -e %s/go ] && break; sleep 0.1; done\n[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0\n' \
	"$(wg genkey)" "$TEST_TMP" "$TEST_TMP" "$(wg genkey | wg pubkey)" >"$CONF")

WGC_USERSPACE=1 nsx "$NS" "$WGC" up "$CONF" >"$TEST_TMP/a.log" 2>&1 &
A=$!
push_cleanup "kill $A 2>/dev/null"
for _ in $(seq 600); do [ -e "$TEST_TMP/in-preup" ] && break; sleep 0.1; done
check "the first up waits in its PreUp hook" test -e "$TEST_TMP/in-preup"

WGC_USERSPACE=1 nsx "$NS" "$WGC" up "$CONF" >"$TEST_TMP/b.log" 2>&1
rc=$?
check "a second up meanwhile fails" test "$rc" -eq 1
check "it says another up or down is running" grep -q "another \`up' or \`down' of $IF is running" "$TEST_TMP/b.log"
nsx "$NS" "$WGC" down "$CONF" >"$TEST_TMP/c.log" 2>&1
rc=$?
check "a down meanwhile fails too" test "$rc" -eq 1
check "and says so" grep -q "another \`up' or \`down' of $IF is running" "$TEST_TMP/c.log"

touch "$TEST_TMP/go"
wait "$A"
rc=$?
check "the first up succeeds once released" test "$rc" -eq 0 || sed 's/^/#   /' "$TEST_TMP/a.log"
check "its interface is there" ip -n "$NS" link show "$IF"
check "with its policy rule" bash -c "ip -n '$NS' rule | grep -q 'lookup 51820'"
nsx "$NS" "$WGC" down "$CONF" >"$TEST_TMP/d.log" 2>&1
check "down then succeeds" test $? -eq 0
check "no interface left" bash -c "! ip -n '$NS' link show '$IF' 2>/dev/null"
check "no policy rule left" bash -c "! ip -n '$NS' rule | grep -q 'lookup 51820\|suppress_prefixlength'"
check "no nft table left" bash -c "! ip netns exec '$NS' nft list tables | grep -q '$IF'"
check "no state file left" test ! -e "/run/wgc/$IF.state"

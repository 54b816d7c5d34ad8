#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 16, many peers: one `wg setconf` of 100,000 peers (each with a /32,
# a /128 and an endpoint; the interface down, so nothing is sent), then a
# `wg show dump` of them all. wgcd must hold them in under 100 MiB resident,
# also at its peak (VmHWM: the request, its parse and the dump's text
# included), and list every one. Memory only: no timing is asserted
# (bench/peers measures that).
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
. "$(dirname "$0")/../net/lib.sh"
require_root_and_tools python3

N=${MANY_PEERS:-100000}
LIMIT_KB=$((100 * 1024))

ns='' ifn=''
new_ns ns
new_ifname ifn
conf=$TEST_TMP/many.conf
# random 32-byte public keys are fine here: nothing is ever computed with them
(umask 077 && python3 - "$N" "$("$WG" genkey)" >"$conf") <<'PY' || { not_ok "config generation"; exit 1; }
import base64, os, sys
n, key = int(sys.argv[1]), sys.argv[2]
out = [f"[Interface]\nPrivateKey = {key}\nListenPort = 51820\n"]
for i in range(n):
    a, b, c = (i >> 16) & 255, (i >> 8) & 255, i & 255
    pub = base64.b64encode(os.urandom(32)).decode()
    out.append(f"[Peer]\nPublicKey = {pub}\nAllowedIPs = 10.{a}.{b}.{c}/32, fd00::{i >> 16:x}:{i & 0xffff:x}/128\n"
               f"Endpoint = 172.{16 + a % 16}.{b}.{c}:{51820 + i % 1000}\n")
sys.stdout.write("".join(out))
PY
LOG_LEVEL=error start_daemon "$ns" wgcd "$ifn" || { not_ok "wgcd starts"; exit 1; }
status() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$DAEMON_PID/status"; }

check "wg setconf of $N peers" nsx "$ns" "$WG" setconf "$ifn" "$conf"
listed=$(nsx "$ns" "$WG" show "$ifn" dump | tail -n +2 | wc -l)
check "wg show dump lists all $N peers ($listed)" test "$listed" -eq "$N"
rss=$(status VmRSS) hwm=$(status VmHWM)
note "VmRSS $((rss / 1024)) MiB, VmHWM $((hwm / 1024)) MiB with $N peers"
if ldd "$BUILD/wgcd" 2>/dev/null | grep -q 'lib[at]san\|libubsan'; then
	note "a sanitizer build: its shadow memory is not wgcd's, the 100 MiB checks are skipped"
else
	check "resident memory under 100 MiB with $N peers ($((rss / 1024)) MiB)" test "$rss" -lt "$LIMIT_KB"
	check "peak under 100 MiB through setconf and dump ($((hwm / 1024)) MiB)" test "$hwm" -lt "$LIMIT_KB"
fi
# and they all go again
check "wg setconf with no peers" nsx "$ns" "$WG" setconf "$ifn" /dev/stdin <<<"[Interface]"
check "no peer left" test "$(nsx "$ns" "$WG" show "$ifn" peers | wc -l)" -eq 0

# SPDX-License-Identifier: MIT
# Helpers for the wgc golden tests (tests/net/cli_*.sh): namespaces,
# wireguard-go instances and a canned UAPI server, all torn down by a trap.
# Everything made here carries $$ in its name so parallel runs do not meet.

WGC=${WGC:-${BUILD:-build}/wgc}
WG=${WG:-wg}
WGGO=${WGGO:-wireguard-go}
SOCKDIR=/var/run/wireguard
CLI_FAILED=0
CLI_PIDS=()
CLI_NETNS=()
CLI_SOCKS=()
CLI_TMP=$(mktemp -d)

cli_ok() { echo "ok - $1"; }
cli_notok() { echo "not ok - $1"; CLI_FAILED=1; }
cli_check() { # name, then a command
	local name=$1; shift
	if "$@"; then cli_ok "$name"; else cli_notok "$name"; fi
}

cli_cleanup() {
	local p n s
	for p in "${CLI_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${CLI_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for s in "${CLI_SOCKS[@]}"; do rm -f "$SOCKDIR/$s.sock"; done
	for n in "${CLI_NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$CLI_TMP"
}
trap cli_cleanup EXIT
trap 'exit 1' INT TERM

cli_require() {
	local t
	for t in "$WGC" ip; do
		[ -x "$(command -v "$t")" ] || { echo "not ok - missing $t"; exit 1; }
	done
	if ! command -v "$WG" >/dev/null || ! command -v "$WGGO" >/dev/null; then
		echo "ok - skipped: wg or wireguard-go not installed # SKIP"
		exit 0
	fi
	[ "$(id -u)" -eq 0 ] || { echo "ok - skipped: needs root # SKIP"; exit 0; }
}

cli_netns() { ip netns add "$1" && CLI_NETNS+=("$1") && ip -n "$1" link set lo up; }

# cli_wggo NETNS IFNAME: a foreground wireguard-go we own, waited for until its socket answers.
cli_wggo() {
	local ns=$1 ifn=$2 i
	ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 "$WGGO" -f "$ifn" >"$CLI_TMP/$ifn.log" 2>&1 &
	CLI_PIDS+=($!)
	CLI_SOCKS+=("$ifn")
	for i in $(seq 50); do
		"$WG" show "$ifn" private-key >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "# wireguard-go $ifn did not come up"; cat "$CLI_TMP/$ifn.log"
	return 1
}

# cli_fake IFNAME FILE: a UAPI socket answering every get=1 with FILE's bytes,
# so wg and wgc see exactly the same state (wireguard-go lists peers in random order).
cli_fake() {
	local ifn=$1 file=$2 i
	mkdir -p "$SOCKDIR"
	python3 - "$SOCKDIR/$ifn.sock" "$file" <<'PY' &
import os, socket, sys
path, reply = sys.argv[1], open(sys.argv[2], 'rb').read()
try: os.unlink(path)
except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(path); s.listen(16)
while True:
    c, _ = s.accept(); buf = b''
    try:
        while not buf.endswith(b'\n\n'):
            d = c.recv(4096)
            if not d: break
            buf += d
        if buf.startswith(b'get=1'): c.sendall(reply)
        elif buf: c.sendall(b'errno=1\n\n')
    except OSError: pass
    c.close()
PY
	CLI_PIDS+=($!)
	CLI_SOCKS+=("$ifn")
	for i in $(seq 50); do [ -S "$SOCKDIR/$ifn.sock" ] && return 0; sleep 0.1; done
	return 1
}

# cli_same NAME CMD...: runs CMD with wg and with wgc in its first word's place,
# comparing stdout and exit status byte for byte. Live state ticks (a handshake
# age, a byte counter), so the verdict is taken only on a stable snapshot: wg
# before and after wgc read the same; otherwise it reads again (bounded).
cli_same() { _cli_compare cat "$@"; }

# cli_same_sorted: as cli_same, but line order may differ (wireguard-go's peer order is random).
cli_same_sorted() { _cli_compare sort "$@"; }

_cli_compare() {
	local filter=$1 name=$2; shift 2
	local try a a2 b
	for try in $(seq 40); do
		a=$("$WG" "$@" 2>/dev/null | $filter; echo "rc=${PIPESTATUS[0]}")
		b=$("$WGC" "$@" 2>/dev/null | $filter; echo "rc=${PIPESTATUS[0]}")
		a2=$("$WG" "$@" 2>/dev/null | $filter; echo "rc=${PIPESTATUS[0]}")
		[ "$a" == "$a2" ] || { sleep 0.05; continue; }  # the state moved during the reads
		[ "$a" == "$b" ] && { cli_ok "$name"; return 0; }
		break
	done
	cli_notok "$name"
	diff <(echo "$a") <(echo "$b") | head -20 | sed 's/^/# /'
	return 1
}

# A dump with peers sorted and each peer's allowed IPs sorted: the state, order aside.
cli_state() {
	"$WG" show "$1" dump | python3 -c '
import sys
lines = sys.stdin.read().splitlines()
# Port 0 asks wireguard-go for a random one; that one is not part of the state.
d = lines[0].split("\t") if lines else [""]
if len(d) > 2 and d[2].isdigit() and int(d[2]) >= 32768: d[2] = "EPHEMERAL"
print("\t".join(d))
peers = []
for l in lines[1:]:
    f = l.split("\t")
    if len(f) > 3: f[3] = ",".join(sorted(f[3].split(",")))
    peers.append("\t".join(f))
print("\n".join(sorted(peers)))'
}

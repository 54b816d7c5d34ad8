# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for the wgcd network tests (tests/net/daemon_*.sh, tests/slow/*),
# on top of lib.sh, which the caller sources first. Nothing here creates
# anything lib.sh would not clean up: every process started is pushed onto
# its cleanup list by pid.

# shellcheck disable=SC2034 # used by the scripts that source this
WGCD=$BUILD/wgcd

# transfer NS IF: "RX TX", summed over all peers.
transfer() {
	nsx "$1" "$WG" show "$2" transfer | awk '{ r += $2; t += $3 } END { print r + 0, t + 0 }'
}

# wait_until SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_until() {
	local limit=$1 end
	shift
	end=$((SECONDS + limit))
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# uapi_raw IF REQUEST: sends REQUEST (printf-style escapes already expanded)
# as raw bytes to the interface's UAPI socket, prints the whole reply.
uapi_raw() {
	python3 - "$UAPI_DIR/$1.sock" "$2" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(os.fsencode(sys.argv[2]))
out = b""
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
        if out.endswith(b"\n\n"):
            break
except socket.timeout:
    out += b"<timeout>"
sys.stdout.write(out.decode("latin-1"))
EOF
}

# uapi_half IF PARTIAL: connects, sends PARTIAL (an unfinished request) and
# hangs up without ending it.
uapi_half() {
	python3 - "$UAPI_DIR/$1.sock" "$2" <<'EOF'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(os.fsencode(sys.argv[2]))
time.sleep(0.2)
s.close()
EOF
}

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# bg NS CMD...: runs CMD in NS in the background, killed at exit; pid in BG_PID.
BG_PID=
bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" >/dev/null 2>&1 </dev/null &
	BG_PID=$!
	push_cleanup "kill $BG_PID"
}

# iperf_run NAME SERVER_NS SERVER_IP CLIENT_NS [iperf3 client args...]:
# a short iperf3 run; ok when the receiver got bytes (and, for UDP, lost
# under 5 %). Prints a one-line summary as a note.
iperf_run() {
	# UDP loss on a starved CPU (stress-ng, other jobs) is the receiver not being
	# scheduled, not the tunnel: a UDP run that loses too much is tried again
	# (3 runs at most); a tunnel that really drops fails all three
	local try
	for try in 1 2 3; do
		_iperf_once "$@" >"$TEST_TMP/iperf.out" && { cat "$TEST_TMP/iperf.out"; return 0; }
		case " $* " in *" -u "*) note "$1: attempt $try lost too much; again" ;; *) break ;; esac
	done
	cat "$TEST_TMP/iperf.out"
	_lib_failures=$((_lib_failures + 1))
	return 1
}

_iperf_once() {
	local name=$1 sns=$2 sip=$3 cns=$4 port json
	shift 4
	port=$((5201 + RANDOM % 1000))
	json=$TEST_TMP/iperf.$port.json
	ip netns exec "$sns" iperf3 -s -1 -B "$sip" -p "$port" >"$json.srv" 2>&1 </dev/null &
	push_cleanup "kill $!"
	# the server is listening before the client starts
	wait_until 5 bash -c "ip netns exec '$sns' ss -Hltn 'sport = :$port' | grep -q ."
	nsx "$cns" timeout 20 iperf3 -c "$sip" -p "$port" -J "$@" >"$json" 2>&1
	if python3 - "$json" <<'EOF'; then
import json, sys
r = json.load(open(sys.argv[1]))
if "error" in r:
    print("# iperf3 error: " + r["error"]); sys.exit(1)
end = r["end"]
recv = end["sum_received"]["bytes"]
if r["start"]["test_start"]["protocol"] == "UDP":
    s = end["sum"]
    print("# UDP: %d bytes received, %d/%d lost" % (recv, s["lost_packets"], s["packets"]))
    sys.exit(0 if recv > 0 and s["packets"] > 0 and s["lost_packets"] * 20 < s["packets"] else 1)
print("# TCP: %d bytes received, %.1f Mbit/s" % (recv, end["sum_received"]["bits_per_second"] / 1e6))
sys.exit(0 if recv > 0 else 1)
EOF
		echo "ok - $name"
	else
		echo "not ok - $name"
		grep -h 'error' "$json" "$json.srv" | head -5 | sed 's/^/#   /'
		return 1
	fi
}

# make_peer NS IMPL IFNAME KEYVAR PUBVAR [PORT]: starts IMPL as IFNAME in NS
# with a fresh private key and listen port PORT (51820); stores the key
# file's name in KEYVAR and the public key in PUBVAR.
make_peer() {
	local ns=$1 impl=$2 ifname=$3 kf=$TEST_TMP/$3.key port=${6:-51820}
	start_daemon "$ns" "$impl" "$ifname" || return 1
	(umask 077 && wg genkey >"$kf") || return 1
	printf -v "$4" '%s' "$kf"
	printf -v "$5" '%s' "$(wg pubkey <"$kf")"
	nsx "$ns" "$WG" set "$ifname" private-key "$kf" listen-port "$port"
}

# link_ns NS_A DEV_A NS_B DEV_B [CIDR_A CIDR_B]...: a veth between two
# namespaces with the given device names (unlike lib.sh's veth_pair, which
# always names both ends veth0), up, with addresses.
_dl_veth=0
link_ns() {
	local na=$1 da=$2 nb=$3 db=$4 tmp="wgl$$x$((++_dl_veth))"
	shift 4
	ip link add "$tmp" type veth peer name "${tmp}p" || return 1
	push_cleanup "ip link del '$tmp'"   # only matters if it never left the root namespace
	ip link set "$tmp" netns "$na" && ip link set "${tmp}p" netns "$nb" || return 1
	ip -n "$na" link set "$tmp" name "$da" && ip -n "$nb" link set "${tmp}p" name "$db" || return 1
	while [ $# -ge 2 ]; do
		add_addr "$na" "$da" "$1" && add_addr "$nb" "$db" "$2" || return 1
		shift 2
	done
	ip -n "$na" link set "$da" up && ip -n "$nb" link set "$db" up
}

# if_up NS IF CIDR...: addresses on a WireGuard interface, then up.
if_up() {
	local ns=$1 ifname=$2
	shift 2
	while [ $# -gt 0 ]; do add_addr "$ns" "$ifname" "$1" || return 1; shift; done
	ip -n "$ns" link set "$ifname" up
}

# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The network-namespace test library. Every tests/net/*.sh sources it:
#
#   . "$(dirname "$0")/lib.sh"
#   require_root_and_tools
#   make_tunnel_pair wireguard-go wireguard-go
#   check "ping v4" nsx "$NS_A" ping -c1 -W2 "$IN4_B"
#
# It prints TAP-like "ok - NAME" / "not ok - NAME" lines, which tests/run.sh
# counts, and exits non-zero if any check failed. Everything it creates --
# namespaces, veth pairs, daemons, sockets, temp files -- is undone from
# the EXIT trap in reverse order, also after a failure or Ctrl-C. Daemons
# are killed by pid, never by name.
#
# Isolation: namespaces are named wgt<pid>-<n> and interfaces wg<pid><x>,
# so parallel runs never collide. The UAPI socket directory
# /var/run/wireguard is shared by all namespaces, which is why interface
# names must be unique too. All addresses live only inside the namespaces
# this library creates:
#   outer (veth)  10.200.0.1/24 -- 10.200.0.2/24,  fd20::1/64 -- fd20::2/64
#   inner (tun)   10.10.0.1/24  -- 10.10.0.2/24,   fd10::1/64 -- fd10::2/64
#
# The whole test is bounded: a watchdog sends SIGTERM to the test after
# TEST_TIMEOUT seconds (default 120), which runs the cleanup.

set -u
LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$LIB_ROOT/$BUILD ;; esac
WG=${WG:-wg}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
UAPI_DIR=/var/run/wireguard
# `wgc up` starts wgcd even where the kernel module could be loaded: these
# tests are about wgcd (tests/kernel tests the module)
export WGC_USERSPACE=1

_lib_failures=0
_lib_ns_count=0
_lib_if_count=0
_lib_veth_count=0
_lib_cleanup=()
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wgc-net.XXXXXX")
_lib_cleanup+=("rm -rf '$TEST_TMP'")

# --- reporting -------------------------------------------------------------

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; _lib_failures=$((_lib_failures + 1)); }
note() { echo "# $*"; }

# check NAME CMD...: runs CMD; ok when it exits 0, otherwise not ok with its output.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		[ -n "$out" ] && printf '#   %s\n' "$out" | head -20
	fi
}

# check_fails NAME CMD...: ok when CMD fails.
check_fails() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then not_ok "$name"; else ok "$name"; fi
}

# --- cleanup ---------------------------------------------------------------

# push_cleanup CMD: CMD (a string, eval'd) runs at exit, last pushed first.
push_cleanup() { _lib_cleanup+=("$*"); }

_lib_run_cleanup() {
	local i
	for ((i = ${#_lib_cleanup[@]} - 1; i >= 0; i--)); do
		eval "${_lib_cleanup[i]}" >/dev/null 2>&1
	done
	_lib_cleanup=()
}

_lib_exit() {
	local rc=$?
	trap - EXIT INT TERM
	_lib_run_cleanup
	[ "$_lib_failures" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
	exit "$rc"
}
trap _lib_exit EXIT
trap 'not_ok "interrupted or timed out"; exit 1' INT TERM

( sleep "$TEST_TIMEOUT" && kill -TERM $$ ) >/dev/null 2>&1 &
_lib_watchdog=$!
push_cleanup "kill $_lib_watchdog"

# --- prerequisites ---------------------------------------------------------

# Fails the whole test (one "not ok") when something it needs is missing.
require_root_and_tools() {
	local t
	if [ "$(id -u)" -ne 0 ]; then
		not_ok "net tests need root"
		exit 1
	fi
	for t in ip ping "$WG" "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			not_ok "missing tool: $t (scripts/install-deps.sh)"
			exit 1
		fi
	done
}

# --- namespaces and links --------------------------------------------------

# new_ns VAR: creates a namespace with lo up and stores its name in VAR.
new_ns() {
	local name="wgt$$-$((++_lib_ns_count))"
	ip netns add "$name" || return 1
	push_cleanup "ip netns del '$name'"
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# new_ifname VAR: a WireGuard interface name unique on this machine (<= 15 chars).
new_ifname() {
	local letters=abcdefghijklmnopqrstuvwxyz
	# two letters, so that a test with more than 26 interfaces never reuses a name
	printf -v "$1" 'wg%s%s%s' "$$" "${letters:$((_lib_if_count / 26 % 26)):1}" "${letters:$((_lib_if_count % 26)):1}"
	_lib_if_count=$((_lib_if_count + 1))
	# what `wgc up' recorded for it (/run/wgc/IF.state), when a test tears down without `wgc down'
	push_cleanup "rm -f '/run/wgc/${!1}.state'"
}

# nsx NS CMD...: runs CMD inside namespace NS.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# veth_pair NS_A NS_B ADDR_A ADDR_B...: a veth between two namespaces,
# named veth0 in both, up, with the given addresses (CIDR, v4 or v6; pass
# pairs: A's then B's). IPv6 addresses skip duplicate address detection.
veth_pair() {
	local a=$1 b=$2 tmp="wgv$$x$((++_lib_veth_count))"
	shift 2
	ip link add "$tmp" type veth peer name "${tmp}p" || return 1
	ip link set "$tmp" netns "$a" && ip link set "${tmp}p" netns "$b" || { ip link del "$tmp"; return 1; }
	ip -n "$a" link set "$tmp" name veth0 && ip -n "$b" link set "${tmp}p" name veth0 || return 1
	while [ $# -ge 2 ]; do
		add_addr "$a" veth0 "$1" && add_addr "$b" veth0 "$2" || return 1
		shift 2
	done
	ip -n "$a" link set veth0 up && ip -n "$b" link set veth0 up
}

# add_addr NS DEV CIDR
add_addr() {
	case $3 in
	*:*) ip -n "$1" -6 addr add "$3" dev "$2" nodad ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac
}

# --- daemons ---------------------------------------------------------------

# impl_cmd IMPL: the command line of a userspace implementation, foreground.
impl_cmd() {
	case $1 in
	wireguard-go) echo "wireguard-go -f" ;;
	wgcd) echo "$BUILD/wgcd -f" ;;
	*) echo "$1 -f" ;;
	esac
}

# start_daemon NS IMPL IFNAME: runs IMPL (wireguard-go, wgcd or a path) in
# the foreground inside NS, in the background of this shell, logging to
# $TEST_TMP/IFNAME.log; waits (5 s at most) for its UAPI socket. The pid
# ends up in DAEMON_PID and is killed at exit.
DAEMON_PID=
start_daemon() {
	local ns=$1 impl=$2 ifname=$3 cmd i
	cmd=$(impl_cmd "$impl")
	# shellcheck disable=SC2086 # cmd is a command and its flag
	ip netns exec "$ns" env LOG_LEVEL=${LOG_LEVEL:-verbose} $cmd "$ifname" \
		>"$TEST_TMP/$ifname.log" 2>&1 </dev/null &
	DAEMON_PID=$!
	# ip netns exec replaces itself with the command, so this is the daemon's pid.
	push_cleanup "rm -f '$UAPI_DIR/$ifname.sock'"
	push_cleanup "kill $DAEMON_PID; sleep 0.2; kill -9 $DAEMON_PID"
	for ((i = 0; i < 50; i++)); do
		[ -S "$UAPI_DIR/$ifname.sock" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	note "$impl $ifname did not come up; its log:"
	sed 's/^/#   /' "$TEST_TMP/$ifname.log" | tail -20
	return 1
}

# daemon_log IFNAME: prints a daemon's log (for failure output).
daemon_log() { sed 's/^/#   /' "$TEST_TMP/$1.log"; }

# --- tunnels ---------------------------------------------------------------

# make_tunnel_pair IMPL_A IMPL_B [psk] [v6outer]:
# two namespaces joined by a veth, IMPL_A in one and IMPL_B in the other,
# configured with wg (keys, listen port 51820, each other as peer with the
# other's inner /32 and /128 as allowed IPs and the veth address as
# endpoint), inner addresses assigned and interfaces up. Sets NS_A NS_B
# IF_A IF_B PUB_A PUB_B IN4_A IN4_B IN6_A IN6_B OUT_A OUT_B (the endpoint
# hosts). Returns non-zero (after a not_ok) when any step fails.
make_tunnel_pair() {
	local impl_a=$1 impl_b=$2 opt psk=0 v6outer=0 key_a key_b psk_file=
	shift 2
	for opt in "$@"; do
		case $opt in
		psk) psk=1 ;;
		v6outer) v6outer=1 ;;
		*) not_ok "make_tunnel_pair: unknown option $opt"; return 1 ;;
		esac
	done
	IN4_A=10.10.0.1 IN4_B=10.10.0.2 IN6_A=fd10::1 IN6_B=fd10::2
	if [ $v6outer = 1 ]; then OUT_A=fd20::1 OUT_B=fd20::2; else OUT_A=10.200.0.1 OUT_B=10.200.0.2; fi
	new_ns NS_A && new_ns NS_B || { not_ok "create namespaces"; return 1; }
	veth_pair "$NS_A" "$NS_B" 10.200.0.1/24 10.200.0.2/24 fd20::1/64 fd20::2/64 ||
		{ not_ok "create veth pair"; return 1; }
	new_ifname IF_A
	new_ifname IF_B
	start_daemon "$NS_A" "$impl_a" "$IF_A" || { not_ok "start $impl_a"; return 1; }
	start_daemon "$NS_B" "$impl_b" "$IF_B" || { not_ok "start $impl_b"; return 1; }

	key_a=$TEST_TMP/a.key key_b=$TEST_TMP/b.key
	(umask 077 && wg genkey >"$key_a" && wg genkey >"$key_b") || { not_ok "generate keys"; return 1; }
	PUB_A=$(wg pubkey <"$key_a") PUB_B=$(wg pubkey <"$key_b")
	if [ $psk = 1 ]; then
		psk_file=$TEST_TMP/psk
		(umask 077 && wg genpsk >"$psk_file")
	fi
	_lib_configure "$NS_A" "$IF_A" "$key_a" "$PUB_B" "$IN4_B" "$IN6_B" "$OUT_B" "$psk_file" &&
		_lib_configure "$NS_B" "$IF_B" "$key_b" "$PUB_A" "$IN4_A" "$IN6_A" "$OUT_A" "$psk_file" ||
		{ not_ok "configure tunnel with $WG"; return 1; }
	add_addr "$NS_A" "$IF_A" "$IN4_A/24" && add_addr "$NS_A" "$IF_A" "$IN6_A/64" &&
		add_addr "$NS_B" "$IF_B" "$IN4_B/24" && add_addr "$NS_B" "$IF_B" "$IN6_B/64" &&
		ip -n "$NS_A" link set "$IF_A" up && ip -n "$NS_B" link set "$IF_B" up ||
		{ not_ok "inner addresses and link up"; return 1; }
}

# _lib_configure NS IF KEYFILE PEER_PUB PEER_IN4 PEER_IN6 PEER_HOST PSKFILE
_lib_configure() {
	local host=$7 args=()
	case $host in *:*) host="[$host]" ;; esac
	[ -n "$8" ] && args=(preshared-key "$8")
	nsx "$1" "$WG" set "$2" private-key "$3" listen-port 51820 \
		peer "$4" allowed-ips "$5/32,$6/128" endpoint "$host:51820" "${args[@]}"
}

# latest_handshake NS IF: the newest handshake time (unix seconds) over all peers, 0 if none.
latest_handshake() {
	nsx "$1" "$WG" show "$2" latest-handshakes 2>/dev/null | awk '$2 > m { m = $2 } END { print m + 0 }'
}

# wait_handshake NS IF PEER_INNER_IP [SECONDS]: pings through the tunnel
# until a handshake is recorded, at most SECONDS (default 10).
wait_handshake() {
	local ns=$1 ifname=$2 ip=$3 limit=${4:-10} end
	end=$((SECONDS + limit))
	while [ $SECONDS -lt $end ]; do
		[ "$(latest_handshake "$ns" "$ifname")" -gt 0 ] && return 0
		nsx "$ns" ping -c1 -W1 "$ip" >/dev/null 2>&1
	done
	[ "$(latest_handshake "$ns" "$ifname")" -gt 0 ]
}

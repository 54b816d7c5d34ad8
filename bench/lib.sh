# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared helpers of the namespace benchmarks (bench/throughput,
# bench/handshake, bench/peers). Source it:
#
#   . "$(dirname "$0")/lib.sh"
#   bench_require iperf3
#   bench_ns NS_A; bench_ns NS_B
#
# Benchmarks print results, not ok/not ok. What they create -- namespaces,
# veths, daemons, temp files -- is undone from the EXIT trap, last first,
# also on failure or Ctrl-C; daemons and helpers are killed by their pid.
# Names carry $$ (namespaces wgb<pid>-<n>, interfaces wb<pid><letter>), so
# runs never collide with the net tests or with each other. A watchdog ends
# the whole run after BENCH_TIMEOUT seconds (each script sets a default).

set -u
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$BENCH_ROOT/$BUILD ;; esac
WG=${WG:-wg}
UAPI_DIR=/var/run/wireguard
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}

_bench_cleanup=()
_bench_ns_count=0
_bench_if_count=0
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wgc-bench.XXXXXX")
_bench_cleanup+=("rm -rf '$BENCH_TMP'")

# push_cleanup CMD: CMD (a string, eval'd) runs at exit, last pushed first.
push_cleanup() { _bench_cleanup+=("$*"); }

_bench_exit() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#_bench_cleanup[@]} - 1; i >= 0; i--)); do
		eval "${_bench_cleanup[i]}" >/dev/null 2>&1
	done
	exit "$rc"
}
trap _bench_exit EXIT
trap 'echo "# interrupted or timed out" >&2; exit 1' INT TERM

( sleep "$BENCH_TIMEOUT" && kill -TERM $$ ) >/dev/null 2>&1 &
push_cleanup "kill $!"

die() { echo "${0##*/}: $*" >&2; exit 1; }
info() { echo "# $*" >&2; }

bench_require() {
	local t
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
	for t in ip "$WG" python3 "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
	done
}

# bench_ns VAR: a new namespace with lo up; its name goes to VAR.
bench_ns() {
	local name="wgb$$-$((++_bench_ns_count))"
	ip netns add "$name" || return 1
	push_cleanup "ip netns del '$name'"
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# bench_ifname VAR: a WireGuard interface name unique on the machine.
bench_ifname() {
	local letters=abcdefghijklmnopqrstuvwxyz
	# two letters: ROUNDS=5 of three implementations takes more than 26 names, and a
	# reused one met the earlier round's interface, which is kept until the end
	printf -v "$1" 'wb%s%s%s' "$$" "${letters:$((_bench_if_count / 26 % 26)):1}" "${letters:$((_bench_if_count % 26)):1}"
	_bench_if_count=$((_bench_if_count + 1))
}

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# bench_veth NS_A NS_B ADDR_A ADDR_B: a veth pair named veth0 on both sides.
bench_veth() {
	local tmp="wbv$$x$_bench_ns_count"
	ip link add "$tmp" type veth peer name "${tmp}p" || return 1
	ip link set "$tmp" netns "$1" && ip link set "${tmp}p" netns "$2" || { ip link del "$tmp"; return 1; }
	ip -n "$1" link set "$tmp" name veth0 && ip -n "$2" link set "${tmp}p" name veth0 &&
		ip -n "$1" addr add "$3" dev veth0 && ip -n "$2" addr add "$4" dev veth0 &&
		ip -n "$1" link set veth0 up && ip -n "$2" link set veth0 up
}

# impl_cmd IMPL: the foreground command line of wgcd, wireguard-go or a path.
impl_cmd() {
	case $1 in
	wireguard-go) echo "wireguard-go -f" ;;
	wgcd) echo "$BUILD/wgcd -f" ;;
	*) echo "$1 -f" ;;
	esac
}

# impl_name IMPL: a short label for tables.
impl_name() { basename "$1"; }

# impl_version IMPL: one line saying which build it is.
impl_version() {
	case $1 in
	wgcd) echo "wgcd ($(git -C "$BENCH_ROOT" describe --always --dirty 2>/dev/null || echo '?'), $BUILD/wgcd)" ;;
	wireguard-go) wireguard-go --version 2>/dev/null | head -1 ;;
	*) echo "$1 ($("$1" --version 2>/dev/null | head -1))" ;;
	esac
}

# start_impl NS IMPL IFNAME: starts the daemon in the foreground inside NS
# (log level error: logging is not what we measure) and waits up to 5 s for
# its UAPI socket. Sets IMPL_PID (ip netns exec execs, so it is the daemon).
IMPL_PID=
start_impl() {
	local ns=$1 impl=$2 ifname=$3 cmd i
	cmd=$(impl_cmd "$impl")
	# shellcheck disable=SC2086 # cmd is a command and its flag
	ip netns exec "$ns" env LOG_LEVEL=${LOG_LEVEL:-error} $cmd "$ifname" \
		>"$BENCH_TMP/$ifname.log" 2>&1 </dev/null &
	IMPL_PID=$!
	push_cleanup "rm -f '$UAPI_DIR/$ifname.sock'"
	push_cleanup "kill $IMPL_PID; sleep 0.2; kill -9 $IMPL_PID"
	for ((i = 0; i < 50; i++)); do
		[ -S "$UAPI_DIR/$ifname.sock" ] && return 0
		kill -0 "$IMPL_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$BENCH_TMP/$ifname.log" >&2
	return 1
}

# spawn_bg VAR CMD...: runs CMD in the background, its pid to VAR, killed at exit.
spawn_bg() {
	local var=$1
	shift
	"$@" &
	printf -v "$var" '%s' "$!"
	push_cleanup "kill $! 2>/dev/null"
}

# proc_status PID FIELD: a field of /proc/PID/status in kB (VmRSS, VmHWM).
proc_status() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

# proc_cpu_ticks PID: utime + stime of a process, all threads, in clock ticks.
proc_cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# machine_info: markdown lines about the machine and the software.
machine_info() {
	echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(lscpu | sed -n 's/^Hypervisor vendor: *//p') guest), $(nproc) CPUs"
	echo "- kernel $(uname -r); load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- $(iperf3 --version 2>/dev/null | head -1); $("$WG" --version 2>/dev/null | head -1)"
}

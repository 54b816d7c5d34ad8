#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgcd's life cycle: SIGTERM removes the socket and the interface;
# deleting the interface or the socket file makes it exit; a second wgcd
# on a taken name (same namespace, or another namespace sharing the
# socket directory) and invalid names fail with a message and a non-zero
# status; detached mode returns only once the device is up; and the
# verbose log of a busy tunnel never contains a private or preshared key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools

# exits_within SECONDS PID: the process is gone (or a zombie: a detached
# daemon's new parent may be slow to reap it) within SECONDS.
exits_within() {
	local end=$((SECONDS + $1))
	while kill -0 "$2" 2>/dev/null && ! awk '$3 == "Z" { exit 0 } { exit 1 }' "/proc/$2/stat" 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

gone() { # NS IF: no interface, no socket
	! ip -n "$1" link show "$2" >/dev/null 2>&1 && [ ! -e "$UAPI_DIR/$2.sock" ]
}

new_ns NS || exit 1

# --- SIGTERM --------------------------------------------------------------------
new_ifname IF
start_daemon "$NS" wgcd "$IF" || exit 1
pid=$DAEMON_PID
check "interface exists while running" ip -n "$NS" link show "$IF"
kill -TERM "$pid"
check "SIGTERM: wgcd exits" exits_within 3 "$pid"
wait "$pid"; rc=$?
check "SIGTERM: exit status 0 (got $rc)" test "$rc" -eq 0
check "SIGTERM: socket and interface removed" gone "$NS" "$IF"

# --- ip link del -------------------------------------------------------------------
new_ifname IF
start_daemon "$NS" wgcd "$IF" || exit 1
pid=$DAEMON_PID
ip -n "$NS" link del "$IF"
check "ip link del: wgcd exits" exits_within 3 "$pid"
check "ip link del: socket removed" gone "$NS" "$IF"

# --- socket file removed ---------------------------------------------------------------
new_ifname IF
start_daemon "$NS" wgcd "$IF" || exit 1
pid=$DAEMON_PID
rm -f "$UAPI_DIR/$IF.sock"
check "socket removed: wgcd exits" exits_within 3 "$pid"
check "socket removed: interface removed" gone "$NS" "$IF"

# --- a taken name --------------------------------------------------------------------------
new_ifname IF
start_daemon "$NS" wgcd "$IF" || exit 1
pid=$DAEMON_PID
out=$(ip netns exec "$NS" timeout 5 "$WGCD" -f "$IF" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qi "$IF" <<<"$out"; then
	ok "second wgcd, same name, same namespace: fails (status $rc): $out"
else
	not_ok "second wgcd, same name, same namespace: fails with a message (status $rc, '$out')"
fi
new_ns NS2 || exit 1
out=$(ip netns exec "$NS2" timeout 5 "$WGCD" -f "$IF" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qi "$IF" <<<"$out"; then
	ok "second wgcd, same name, other namespace: fails (status $rc): $out"
else
	not_ok "second wgcd, same name, other namespace: fails with a message (status $rc, '$out')"
fi
check_fails "... and leaves no interface behind in the other namespace" ip -n "$NS2" link show "$IF"
check "the first wgcd still runs and answers" nsx "$NS" "$WG" show "$IF"
check "its socket is still there" test -S "$UAPI_DIR/$IF.sock"

# --- invalid names -----------------------------------------------------------------------------
for name in "" "." ".." "a/b" "has space" "abcdefghijklmnop" "x:y"; do
	out=$(ip netns exec "$NS" timeout 5 "$WGCD" -f "$name" 2>&1); rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ -n "$out" ]; then
		ok "invalid name '$name' refused (status $rc): $(head -1 <<<"$out")"
	else
		not_ok "invalid name '$name' refused with a message (status $rc, '$out')"
	fi
done
check "no stray sockets from invalid names" bash -c "! ls '$UAPI_DIR' | grep -q '^\(\.\|\.\.\|has space\|abcdefghijklmnop\|x:y\)\.sock$'"

# --- malformed tuning variables are refused, naming the variable (they were silently clamped) ---
new_ifname IF_ENV
for setting in WGC_LANES=abc WGC_LANES=9 WGC_LANES=0 WGC_HANDSHAKE_WORKERS=100000 WGC_HANDSHAKE_NICE=20 WGC_HANDSHAKE_NICE=-1 WGC_CRYPTO_AEAD=bogus \
	WGC_CRYPTO_X25519=x; do
	out=$(ip netns exec "$NS" env "$setting" timeout 5 "$WGCD" -f "$IF_ENV" 2>&1); rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "^wgcd: ${setting%%=*}=${setting#*=}: " <<<"$out" &&
		! ip -n "$NS" link show "$IF_ENV" >/dev/null 2>&1 && [ ! -e "$UAPI_DIR/$IF_ENV.sock" ]; then
		ok "$setting refused before anything is created: $out"
	else
		not_ok "$setting refused, naming it (status $rc, '$out')"
	fi
done

# --- detached mode --------------------------------------------------------------------------------
new_ifname IF
push_cleanup "ip -n '$NS' link del '$IF'; rm -f '$UAPI_DIR/$IF.sock'"
ip netns exec "$NS" "$WGCD" "$IF" >"$TEST_TMP/detached.out" 2>&1; rc=$?
check "detached: launcher exits 0 (got $rc)" test "$rc" -eq 0
check "detached: socket answers as soon as the launcher returns" nsx "$NS" "$WG" show "$IF"
dpid=
for p in $(ip netns pids "$NS"); do
	[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "$WGCD $IF " ] && dpid=$p
done
[ -n "$dpid" ] && push_cleanup "kill $dpid"
ip -n "$NS" link del "$IF"
if [ -n "$dpid" ] && exits_within 3 "$dpid"; then ok "detached: exits when its interface is deleted"; else not_ok "detached: exits when its interface is deleted (pid '$dpid')"; fi

# --- the log keeps secrets out ---------------------------------------------------------------------
make_tunnel_pair wgcd wgcd psk || exit 1
wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10 || not_ok "handshake for the log test"
nsx "$NS_A" ping -c3 -i0.2 -W2 "$IN4_B" >/dev/null
nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" remove
nsx "$NS_A" "$WG" set "$IF_A" private-key "$TEST_TMP/b.key"   # the failed-set and key-change paths log too
uapi_raw "$IF_A" "set=1
private_key=zz

" >/dev/null
nsx "$NS_A" "$WG" show "$IF_A" >/dev/null
kill -TERM "$DAEMON_PID"; exits_within 3 "$DAEMON_PID"
logs="$TEST_TMP/$IF_A.log $TEST_TMP/$IF_B.log"
# shellcheck disable=SC2086 # two file names
check "verbose log is not empty" bash -c "cat $logs | grep -q ."
leaked=
for f in a.key b.key psk; do
	b64=$(cat "$TEST_TMP/$f")
	hex=$(base64 -d <<<"$b64" | od -An -tx1 | tr -d ' \n')
	# shellcheck disable=SC2086
	if cat $logs | grep -qiF -e "$b64" -e "$hex" -e "${b64:0:16}" -e "${hex:0:16}"; then leaked="$leaked $f"; fi
done
check "verbose log contains no private or preshared key (base64 or hex)" test -z "$leaked"
note "log sample: $(head -3 "$TEST_TMP/$IF_A.log" | tr '\n' '|')"

#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgc down NAME' after `wgc up /some/dir/NAME.conf' runs that file's
# PreDown/PostDown hooks (the state file records which file `up' read); a
# bare NAME is looked up in $WGC_CONFIG_DIR; and a SIGTERM that arrives
# during the last PostUp hook still undoes everything `up' did, as
# wg-quick's trap does (found by a new-user trial: the hooks were skipped,
# and the interrupted `up' left its interface and daemon behind).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools
WGC=$BUILD/wgc
[ -x "$WGC" ] && [ -x "$BUILD/wgcd" ] || { not_ok "build wgc and wgcd first"; exit 1; }

new_ns NS || { not_ok "namespace"; exit 1; }
push_cleanup "for p in \$(ip netns pids $NS); do kill \$p; done"
new_ifname IF
push_cleanup "ip -n '$NS' link del '$IF'; rm -f '$UAPI_DIR/$IF.sock' /run/wgc/$IF.state"
DIR=$TEST_TMP/conf
mkdir -m 700 "$DIR"
CONF=$DIR/$IF.conf
conf() { # extra [Interface] lines
	{ echo "[Interface]"; echo "PrivateKey = $(wg genkey)"; echo "Address = 10.10.0.2/24"; printf '%s\n' "$@"; } >"$CONF"
	chmod 600 "$CONF"
}
gone() { ! ip -n "$NS" link show "$IF" >/dev/null 2>&1 && [ ! -e "$UAPI_DIR/$IF.sock" ] && [ ! -e "/run/wgc/$IF.state" ]; }

# --- down NAME finds the file up read ---
conf "PostDown = touch $TEST_TMP/postdown"
check "up by path" nsx "$NS" "$WGC" up "$CONF"
check "down by name runs the recorded file's PostDown" bash -c "cd / && ip netns exec $NS $WGC down $IF && [ -e $TEST_TMP/postdown ]"
check "... and everything is gone" gone

# --- a bare name from WGC_CONFIG_DIR ---
rm -f "$TEST_TMP/postdown"
check "up NAME with WGC_CONFIG_DIR" env WGC_CONFIG_DIR="$DIR" ip netns exec "$NS" "$WGC" up "$IF"
check "down NAME with WGC_CONFIG_DIR runs PostDown" bash -c "WGC_CONFIG_DIR=$DIR ip netns exec $NS $WGC down $IF && [ -e $TEST_TMP/postdown ]"
check "... and everything is gone" gone

# --- SIGTERM during the last PostUp hook undoes the whole up ---
conf "PostUp = touch $TEST_TMP/in-hook; sleep 3"
rm -f "$TEST_TMP/in-hook"
ip netns exec "$NS" "$WGC" up "$CONF" >"$TEST_TMP/up.out" 2>&1 &
up_pid=$!
push_cleanup "kill $up_pid 2>/dev/null"
if wait_until 20 test -e "$TEST_TMP/in-hook"; then
	kill -TERM "$up_pid"
	wait "$up_pid"
	rc=$?
	[ "$rc" -ne 0 ] && ok "interrupted up exits non-zero ($rc)" || not_ok "interrupted up exits non-zero"
	if wait_until 10 gone; then ok "interrupted up left nothing behind"; else
		not_ok "interrupted up left nothing behind"; sed 's/^/#   /' "$TEST_TMP/up.out"; fi
else
	not_ok "PostUp hook started"
fi

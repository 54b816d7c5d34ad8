#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# wgcd with least privilege: --user nobody --seccomp keeps a working tunnel,
# runs as that user with only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE in
# every thread, under a seccomp filter, not dumpable; listen-port and fwmark
# changes (which need those capabilities) still work. In every thread of
# both the restricted and a default (root) wgcd, the bounding set holds only
# those two and no_new_privs is set, so no exec can regain the rest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root_and_tools

ABS_BUILD=$(cd "${BUILD:-build}" && pwd)
wrapper=$TEST_TMP/wgcd-restricted
printf '#!/bin/sh\nexec %s/wgcd --user nobody --seccomp "$@"\n' "$ABS_BUILD" >"$wrapper"
chmod +x "$wrapper"

make_tunnel_pair wgcd "$wrapper" || exit 1
PID=$DAEMON_PID
check "ping through a tunnel to a restricted wgcd" nsx "$NS_A" ping -c2 -W2 "$IN4_B"
check "ping over IPv6 inside" nsx "$NS_A" ping -6 -c2 -W2 "$IN6_B"

status=/proc/$PID/status
uid=$(awk '/^Uid:/ { print $2 }' "$status")
[ "$uid" = "$(id -u nobody)" ] && ok "runs as nobody" || not_ok "runs as nobody (uid $uid)"
bad=0
for t in /proc/$PID/task/*/status; do
	eff=$(awk '/^CapEff:/ { print $2 }' "$t")
	prm=$(awk '/^CapPrm:/ { print $2 }' "$t")
	sec=$(awk '/^Seccomp:/ { print $2 }' "$t")
	# bits 10 (NET_BIND_SERVICE) and 12 (NET_ADMIN) only; seccomp mode 2 (filter)
	[ "$eff" = 0000000000001400 ] && [ "$prm" = 0000000000001400 ] && [ "$sec" = 2 ] || bad=$((bad + 1))
done
[ $bad -eq 0 ] && ok "every thread keeps only NET_ADMIN and NET_BIND_SERVICE under seccomp" ||
	not_ok "every thread keeps only NET_ADMIN and NET_BIND_SERVICE under seccomp ($bad threads differ)"
# a non-dumpable process's /proc files belong to root, not to its own uid
owner=$(stat -c %u "/proc/$PID/environ")
[ "$owner" = 0 ] && ok "not dumpable (no core dumps of key material)" || not_ok "not dumpable (environ owned by $owner)"

check "fwmark set with the kept capability" nsx "$NS_B" "$WG" set "$IF_B" fwmark 0x2a
check "fwmark read back" bash -c "[ \"\$(ip netns exec $NS_B $WG show $IF_B fwmark)\" = 0x2a ]"
check "privileged listen port with the kept capability" nsx "$NS_B" "$WG" set "$IF_B" listen-port 443
nsx "$NS_A" "$WG" set "$IF_A" peer "$PUB_B" endpoint "$OUT_B:443"
check "tunnel works after the port change" nsx "$NS_A" ping -c2 -W2 "$IN4_B"

# every_thread_locked PID: each thread's bounding set is exactly the kept
# two, ambient empty, NoNewPrivs 1; and there is more than one thread, so
# the lanes and helpers started after the drop are covered too.
every_thread_locked() {
	local t n=0 bad=0 bnd amb nnp
	for t in /proc/"$1"/task/*/status; do
		bnd=$(awk '/^CapBnd:/ { print $2 }' "$t")
		amb=$(awk '/^CapAmb:/ { print $2 }' "$t")
		nnp=$(awk '/^NoNewPrivs:/ { print $2 }' "$t")
		n=$((n + 1))
		if [ "$bnd" != 0000000000001400 ] || [ "$amb" != 0000000000000000 ] || [ "$nnp" != 1 ]; then
			echo "${t%/status}: CapBnd $bnd CapAmb $amb NoNewPrivs $nnp"
			bad=$((bad + 1))
		fi
	done
	[ "$n" -gt 1 ] || { echo "only $n thread(s) seen"; return 1; }
	[ "$bad" -eq 0 ]
}
check "restricted wgcd: every thread has CapBnd = kept set and NoNewPrivs 1" every_thread_locked "$PID"

# the default: still uid 0, but locked the same way
new_ns NS_C
new_ifname IF_C
start_daemon "$NS_C" wgcd "$IF_C" || not_ok "start a default wgcd"
PID_C=$DAEMON_PID
check "default wgcd stays root" bash -c "[ \"\$(awk '/^Uid:/ { print \$2 }' /proc/$PID_C/status)\" = 0 ]"
check "default wgcd: every thread has CapBnd = kept set and NoNewPrivs 1" every_thread_locked "$PID_C"
check "default wgcd: effective set is the kept two" \
	bash -c "[ \"\$(awk '/^CapEff:/ { print \$2 }' /proc/$PID_C/status)\" = 0000000000001400 ]"

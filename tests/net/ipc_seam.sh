#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The backend seam (src/ipc/): which backend a name gets and what it can do,
# decided before any request is sent. wgcd and wireguard-go side by side:
# the same listing as wg, capability flags told apart by the process behind
# the socket, and wg's error texts for names no backend has.
cd "$(dirname "$0")/../.." || exit 1
. tests/net/cli_lib.sh
cli_require
PROBE=${BUILD:-build}/tools/ipc_probe
WGCD=$PWD/${BUILD:-build}/wgcd

ns=wgcs$$
cli_netns "$ns" || exit 1
go=wgcg$$ d=wgcd$$ fake=wgcf$$
cli_wggo "$ns" "$go" || exit 1
WGGO=$WGCD cli_wggo "$ns" "$d" || exit 1
printf 'private_key=%064d\nlisten_port=1\nerrno=0\n\n' 0 >"$CLI_TMP/fake.reply"
cli_fake "$fake" "$CLI_TMP/fake.reply" || exit 1

cli_check "caps: wgcd has counters and candidates" [ "$($PROBE caps "$d")" = "counters candidates " ]
# daemonized, as wg-quick starts them: the process that bound the socket has exited
bg=wgcb$$ bggo=wgcgb$$
CLI_SOCKS+=("$bg" "$bggo")
ip netns exec "$ns" "$WGCD" "$bg" && ip netns exec "$ns" wireguard-go "$bggo" >/dev/null 2>&1
for _ in $(seq 50); do [ -S "$SOCKDIR/$bg.sock" ] && [ -S "$SOCKDIR/$bggo.sock" ] && break; sleep 0.1; done
cli_check "caps: daemonized wgcd has counters" [ "$($PROBE caps "$bg")" = "counters candidates " ]
cli_check "caps: daemonized wireguard-go has none" [ "$($PROBE caps "$bggo")" = none ]
cli_check "caps: wireguard-go has none" [ "$($PROBE caps "$go")" = none ]
cli_check "caps: a python UAPI server has none" [ "$($PROBE caps "$fake")" = none ]
cli_check "caps: unknown name has none" [ "$($PROBE caps "nosuch$$")" = none ]

# wg lists the sockets in directory order, as the seam must
want=$(wg show interfaces | tr ' ' '\n')
cli_check "list: same names and order as wg show interfaces" [ "$($PROBE list)" = "$want" ]
for n in "$go" "$d" "$fake"; do
	cli_check "list: has $n" grep -qx "$n" <<<"$($PROBE list)"
done
cli_same "show interfaces" show interfaces

# a socket nobody listens on is stale: not listed, unlinked (as wg)
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCKDIR/stale$$.sock"
CLI_SOCKS+=("stale$$")
cli_check "list: stale socket not listed" bash -c "! $PROBE list | grep -qx stale$$"
cli_check "list: stale socket unlinked" [ ! -e "$SOCKDIR/stale$$.sock" ]

# errors for a name with no UAPI socket come from the kernel backend, as wg's
# wg's text, with the interface named where wg leaves it out (issue 10: "Unable to access interface IF: ...",
# and "Unable to modify interface IF: ..."; wgc.8, DIFFERENCES FROM WG)
wg_named() {
	local ifname=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed -e "s/^Unable to access interface: /Unable to access interface $ifname: /" \
		-e "s/^Unable to modify interface: /Unable to modify interface $ifname: /"
	echo "rc=$rc"
}
for cmd in "show nosuch$$" "showconf nosuch$$" "set nosuch$$ listen-port 1" "show lo" "setconf lo /dev/null"; do
	read -r _ ifn _ <<<"$cmd"
	a=$(wg_named "$ifn" wg $cmd)
	b=$($WGC $cmd 2>&1; echo "rc=$?")
	cli_check "error text as wg: $cmd" [ "$a" = "$b" ]
	[ "$a" = "$b" ] || diff <(echo "$a") <(echo "$b") | sed 's/^/# /'
done
# not root: wg's permission error, from the UAPI socket of wgcd (0755 directory, root-owned socket)
if command -v setpriv >/dev/null; then
	for cmd in "show $d" "showconf $d" "set $d listen-port 1"; do
		a=$(wg_named "$d" setpriv --reuid=65534 --regid=65534 --clear-groups wg $cmd)
		b=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PWD/$WGC" $cmd 2>&1; echo "rc=$?")
		cli_check "error text as wg, not root: $cmd" [ "$a" = "$b" ]
		[ "$a" = "$b" ] || diff <(echo "$a") <(echo "$b") | sed 's/^/# /'
		grep -q "Permission denied" <<<"$b" || cli_notok "not root: $cmd says Permission denied"
	done
fi
exit $CLI_FAILED

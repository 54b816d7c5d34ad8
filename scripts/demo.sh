#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# wgc demo: two network namespaces ("alice" and "bob") joined by a virtual
# cable, a WireGuard tunnel between them, a handshake and a ping through it.
# Nothing outside the two namespaces is touched, and everything is removed
# at the end (even on Ctrl-C).
#
#   make demo            # builds first, then runs this
#   BUILD=build scripts/demo.sh
#
# It runs our daemon ($BUILD/wgcd) on both sides when it has been built,
# otherwise wireguard-go, and configures with our CLI ($BUILD/wgc) when
# built, otherwise with wg from wireguard-tools. Needs root.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (it creates network namespaces)" >&2
	exit 1
fi

if [ -x "$BUILD/wgcd" ]; then
	IMPL=wgcd
else
	IMPL=wireguard-go
	echo "demo: $BUILD/wgcd not built yet (run make); using wireguard-go instead"
fi
if [ -x "$BUILD/wgc" ]; then
	export WG=$PWD/$BUILD/wgc
else
	export WG=wg
	echo "demo: $BUILD/wgc not built yet; configuring with wg from wireguard-tools"
fi

# The namespace, daemon and cleanup plumbing is shared with the tests.
export TEST_TIMEOUT=${TEST_TIMEOUT:-60}
# shellcheck source=../tests/net/lib.sh
. tests/net/lib.sh
require_root_and_tools "$WG"

say "Creating two namespaces joined by a veth pair, starting $IMPL in each, configuring with ${WG##*/}"
make_tunnel_pair "$IMPL" "$IMPL" psk || { echo "demo: setup failed" >&2; exit 1; }
echo "alice: namespace $NS_A, interface $IF_A, outer 10.200.0.1, inner $IN4_A $IN6_A"
echo "bob:   namespace $NS_B, interface $IF_B, outer 10.200.0.2, inner $IN4_B $IN6_B"

say "Handshake (first packet from alice triggers it)"
if wait_handshake "$NS_A" "$IF_A" "$IN4_B" 10; then
	echo "handshake done"
else
	echo "no handshake within 10 s; alice's daemon log:"
	daemon_log "$IF_A"
	exit 1
fi

say "Ping through the tunnel, alice -> bob, IPv4 and IPv6"
show ip netns exec "$NS_A" ping -c3 -i0.3 "$IN4_B"
show ip netns exec "$NS_A" ping -6 -c3 -i0.3 "$IN6_B"

say "What each side sees"
show ip netns exec "$NS_A" "$WG" show "$IF_A"
show ip netns exec "$NS_B" "$WG" show "$IF_B"

say "Cleaning up"
# The EXIT trap from lib.sh stops both daemons and deletes the namespaces.

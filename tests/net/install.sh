#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make install / make uninstall (issue 17), all under a DESTDIR in this
# test's temp directory; nothing on the machine is touched.
# - every file lands where expected, with its mode, and nothing else is
#   installed: binaries, each doc/*.8, bash completion, each unit in
#   contrib/systemd with /usr/bin/ rewritten for the prefix (/usr/local and /usr);
# - the installed wgc and wgcd print the Makefile's version and carry a
#   tunnel between two namespaces: an installed wgcd configured by the
#   installed wgc on one side, the installed `wgc up` (which starts the wgcd
#   installed beside it) on the other;
# - systemd-analyze verify accepts wgc-quick@wg0.service with the installed
#   binaries at their prefix (a private mount namespace binds the DESTDIR
#   tree over /usr/local), and rejects it without them;
# - make uninstall leaves no file behind;
# - `make` on a machine lacking libraries, pkg-config or a compiler names the
#   exact Debian packages and compiles nothing.
. "$(dirname "$0")/lib.sh"
require_root_and_tools make unshare
command -v systemd-analyze >/dev/null 2>&1 || { not_ok "missing tool: systemd-analyze (package systemd)"; exit 1; }

ABS_BUILD=$(cd "$BUILD" && pwd)
[ -x "$ABS_BUILD/wgc" ] && [ -x "$ABS_BUILD/wgcd" ] || { not_ok "build $ABS_BUILD/wgc and wgcd first"; exit 1; }
mk() { make -s --no-print-directory -C "$LIB_ROOT" BUILD="$ABS_BUILD" "$@"; }
VERSION=$(mk version)

# expected PREFIX: the list of files make install must create, with modes
expected() {
	local p=$1 f
	echo "0755 $p/bin/wgc"
	echo "0755 $p/bin/wgcd"
	for f in "$LIB_ROOT"/doc/*.[1-8]; do echo "0644 $p/share/man/man${f##*.}/${f##*/}"; done
	for f in "$LIB_ROOT"/contrib/bash-completion/*; do echo "0644 $p/share/bash-completion/completions/${f##*/}"; done
	for f in "$LIB_ROOT"/contrib/systemd/*.service "$LIB_ROOT"/contrib/systemd/*.timer; do
		[ -e "$f" ] && echo "0644 $p/lib/systemd/system/${f##*/}"
	done
}

# installed_as_expected ROOT PREFIX: exactly the expected files, modes and contents
installed_as_expected() {
	local root=$1 p=$2 f got want
	want=$(expected "$p" | sort)
	got=$(cd "$root" && find . -type f -printf '%m %p\n' | sed 's|^\([0-7]*\) \./|0\1 /|' | sort)
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); return 1; }
	cmp -s "$root$p/bin/wgc" "$ABS_BUILD/wgc" && cmp -s "$root$p/bin/wgcd" "$ABS_BUILD/wgcd" ||
		{ echo "installed binaries differ from the build"; return 1; }
	for f in "$LIB_ROOT"/doc/*.[1-8]; do
		cmp -s "$f" "$root$p/share/man/man${f##*.}/${f##*/}" || { echo "${f##*/} differs"; return 1; }
	done
}

# units_point_at ROOT PREFIX: every unit's commands use PREFIX/bin, none a stale /usr/bin
units_point_at() {
	local root=$1 p=$2 u
	for u in "$root$p"/lib/systemd/system/*; do
		case $u in *.timer) continue ;; esac # a timer starts its service and runs nothing
		grep -q "^ExecStart=$p/bin/wgc" "$u" || grep -q "^ExecStart=.*$p/bin/" "$u" ||
			{ echo "$u: no ExecStart under $p/bin"; return 1; }
		[ "$p" = /usr ] && continue
		! grep -n '/usr/bin/' "$u" || { echo "$u still names /usr/bin"; return 1; }
	done
}

DEST=$TEST_TMP/dest
check "make install DESTDIR (PREFIX /usr/local)" mk install DESTDIR="$DEST"
check "every file where expected, nothing else" installed_as_expected "$DEST" /usr/local
check "units rewritten for /usr/local" units_point_at "$DEST" /usr/local
check "wgc-quick@.service runs the installed wgc" \
	grep -qx "ExecStart=/usr/local/bin/wgc up %i" "$DEST/usr/local/lib/systemd/system/wgc-quick@.service"
DEST_USR=$TEST_TMP/dest-usr
check "make install PREFIX=/usr" mk install DESTDIR="$DEST_USR" PREFIX=/usr
check "PREFIX=/usr: every file where expected" installed_as_expected "$DEST_USR" /usr
check "PREFIX=/usr: units name /usr/bin" units_point_at "$DEST_USR" /usr

BIN=$DEST/usr/local/bin
check "installed wgc --version is the Makefile's $VERSION" \
	bash -c "[ \"\$('$BIN/wgc' --version)\" = 'wgc v$VERSION - a wireguard-tools compatible wg for userspace WireGuard' ]"
check "installed wgcd --version is the Makefile's $VERSION" \
	bash -c "'$BIN/wgcd' --version | head -n 1 | grep -qx 'wgcd v$VERSION'"

# --- a tunnel with the installed binaries -------------------------------------
WG=$BIN/wgc
new_ns NS_A && new_ns NS_B || { not_ok "namespaces"; exit 1; }
push_cleanup "for p in \$(ip netns pids $NS_B); do kill \$p; done"
veth_pair "$NS_A" "$NS_B" 10.200.0.1/24 10.200.0.2/24 || { not_ok "veth"; exit 1; }
new_ifname IF_A
new_ifname IF_B
push_cleanup "rm -f '$UAPI_DIR/$IF_B.sock'"
start_daemon "$NS_A" "$BIN/wgcd" "$IF_A" || { not_ok "start the installed wgcd"; exit 1; }
(umask 077 && "$WG" genkey >"$TEST_TMP/a.key" && "$WG" genkey >"$TEST_TMP/b.key")
PUB_A=$("$WG" pubkey <"$TEST_TMP/a.key") PUB_B=$("$WG" pubkey <"$TEST_TMP/b.key")
check "installed wgc configures the installed wgcd" nsx "$NS_A" "$WG" set "$IF_A" \
	private-key "$TEST_TMP/a.key" listen-port 51820 peer "$PUB_B" allowed-ips 10.10.0.2/32
add_addr "$NS_A" "$IF_A" 10.10.0.1/24 && ip -n "$NS_A" link set "$IF_A" up
mkdir -p "$TEST_TMP/conf"
(umask 077 && cat >"$TEST_TMP/conf/$IF_B.conf" <<EOF
[Interface]
PrivateKey = $(cat "$TEST_TMP/b.key")
Address = 10.10.0.2/24

[Peer]
PublicKey = $PUB_A
AllowedIPs = 10.10.0.1/32
Endpoint = 10.200.0.1:51820
EOF
)
# PATH without the build directory: up must find the wgcd installed beside wgc
check "installed wgc up" nsx "$NS_B" env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$WG" up "$TEST_TMP/conf/$IF_B.conf"
daemon_exe_is_installed() {
	local p
	for p in $(ip netns pids "$NS_B"); do
		[ "$(readlink "/proc/$p/exe")" = "$BIN/wgcd" ] && return 0
	done
	echo "no $BIN/wgcd among: $(for p in $(ip netns pids "$NS_B"); do readlink "/proc/$p/exe"; done)"
	return 1
}
check "wgc up started the wgcd installed beside it" daemon_exe_is_installed
check "handshake, seen by the installed wgc" wait_handshake "$NS_B" "$IF_B" 10.10.0.1 20
check "ping through the tunnel of installed binaries" nsx "$NS_B" ping -c2 -W2 10.10.0.1
check "installed wgc down" nsx "$NS_B" "$WG" down "$TEST_TMP/conf/$IF_B.conf"

# --- systemd-analyze verify with the installed files at their prefix ----------
verify_at_prefix() {
	unshare --mount --propagation private bash -c '
		mount --bind "$1" /usr/local || exit 1
		systemd-analyze verify /usr/local/lib/systemd/system/wgc-quick@wg0.service' _ "$1"
}
check "systemd-analyze verify wgc-quick@wg0.service (installed under /usr/local)" verify_at_prefix "$DEST/usr/local"
# the same unit without the binaries must fail, or the check above proves nothing
NOBIN=$TEST_TMP/nobin
mkdir -p "$NOBIN/lib/systemd/system" && cp "$DEST/usr/local/lib/systemd/system/wgc-quick@.service" "$NOBIN/lib/systemd/system/"
check_fails "systemd-analyze verify rejects it without the binaries" verify_at_prefix "$NOBIN"

# --- uninstall ------------------------------------------------------------------
check "make uninstall DESTDIR" mk uninstall DESTDIR="$DEST"
check "nothing left after uninstall" bash -c "[ -z \"\$(find '$DEST' -type f)\" ] || find '$DEST' -type f"
check "make uninstall PREFIX=/usr" mk uninstall DESTDIR="$DEST_USR" PREFIX=/usr
check "nothing left after uninstall (PREFIX=/usr)" bash -c "[ -z \"\$(find '$DEST_USR' -type f)\" ]"

# --- make names the missing Debian packages -----------------------------------------
# missing_named WANT VAR=VALUE...: make in a fresh BUILD fails before compiling, naming WANT
missing_named() {
	local want=$1 b=$TEST_TMP/fresh-build out
	shift
	rm -rf "$b"
	if out=$(env "$@" make --no-print-directory -C "$LIB_ROOT" BUILD="$b" 2>&1); then
		echo "make succeeded"; return 1
	fi
	grep -qxF "  Debian packages to install: $want" <<<"$out" || { echo "$out"; return 1; }
	[ -z "$(find "$b" -name '*.o' 2>/dev/null)" ] || { echo "compiled before the check"; return 1; }
}
PKGS=$(sed -n 's/^PKGS := //p' "$LIB_ROOT/Makefile")
# shellcheck disable=SC2086 # a list of module names
LIBDEVS=$("$LIB_ROOT/scripts/check-build-deps.sh" --packages $PKGS | tr '\n' ' ')
check "make without the libraries names ${LIBDEVS% }" missing_named "${LIBDEVS% }" PKG_CONFIG_LIBDIR=/nonexistent
check "make without pkg-config names pkg-config" missing_named pkg-config PKG_CONFIG=/nonexistent/pkg-config
check "make without a compiler names build-essential" missing_named build-essential CC=/nonexistent/cc

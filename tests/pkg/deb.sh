#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The Debian package (issue 17), end to end on this machine:
# - `make deb` builds it (unit tests only; the time is printed), lintian
#   reports no error, its version is the Makefile's, its contents are every
#   binary, man page, completion and unit of the tree in Debian's places and
#   no wg, its Depends/Recommends are as promised;
# - `apt-get install ./wgc_*.deb`: every file of `dpkg -L wgc` is there,
#   wireguard-tools' wg untouched, no unit enabled; systemd-analyze verify
#   accepts wgc-quick@wg0.service with the installed binaries; the installed
#   wgc and wgcd carry a tunnel between two namespaces;
# - `apt-get remove`: every file gone; installed again, `apt-get purge`: the
#   package unknown to dpkg, and no path it brought (files or directories) left.
#
# Installing system-wide on a shared machine: one run at a time (a lock),
# refused up front when a wgc package or any file it would install is
# already there (never clobbered), and the package is purged at exit even
# after a failure. Dependencies are installed without Recommends, so
# resolvconf never replaces the machine's resolv.conf.
TEST_TIMEOUT=${TEST_TIMEOUT:-1200}
. "$(dirname "$0")/../net/lib.sh"
require_root_and_tools make dpkg-buildpackage dh lintian apt-get dpkg-deb flock
command -v systemd-analyze >/dev/null 2>&1 || { not_ok "missing tool: systemd-analyze (package systemd)"; exit 1; }

APT=(apt-get -y -q -o DPkg::Lock::Timeout=600)
exec 9>/run/lock/wgc-pkg-test.lock
flock -w 900 9 || { not_ok "another package test holds /run/lock/wgc-pkg-test.lock"; exit 1; }

VERSION=$(make -s --no-print-directory -C "$LIB_ROOT" version)
OUT=$TEST_TMP/deb
start=$SECONDS
if make -s --no-print-directory -C "$LIB_ROOT" deb DEB_DIR="$OUT" >"$TEST_TMP/build.log" 2>&1; then
	ok "make deb (unit tests and lintian included) in $((SECONDS - start)) s"
else
	not_ok "make deb"
	tail -40 "$TEST_TMP/build.log" | sed 's/^/#   /'
	exit 1
fi
note "package build took $((SECONDS - start)) s"
DEB=$(ls "$OUT"/wgc_"$VERSION"_*.deb 2>/dev/null | head -n 1)
[ -f "$DEB" ] || { not_ok "no wgc_${VERSION}_*.deb in $OUT (version from the Makefile)"; exit 1; }
ok "package version is the Makefile's $VERSION"
check "the build ran the unit tests, only them, none needing a namespace" bash -c "
	grep -Eq '^[0-9]+ passed, 0 failed' '$TEST_TMP/build.log' && grep -q '^# unit: ' '$TEST_TMP/build.log' &&
	! grep -Eq '^# (net|slow): ' '$TEST_TMP/build.log' &&
	grep -q '^# unit: test_daemon_tun skipped' '$TEST_TMP/build.log'"
check "lintian: no error" lintian --fail-on error "$DEB"

# --- contents and relations ---------------------------------------------------
contents() { dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's|^\./|/|; s|/$||'; }
expected_files() {
	local f
	echo /usr/bin/wgc
	echo /usr/bin/wgcd
	for f in "$LIB_ROOT"/doc/*.[1-8]; do echo "/usr/share/man/man${f##*.}/${f##*/}.gz"; done
	for f in "$LIB_ROOT"/contrib/bash-completion/*; do echo "/usr/share/bash-completion/completions/${f##*/}"; done
	for f in "$LIB_ROOT"/contrib/systemd/*.service "$LIB_ROOT"/contrib/systemd/*.timer; do
		[ -e "$f" ] && echo "/lib/systemd/system/${f##*/}"
	done
	echo /usr/share/doc/wgc/changelog.gz
	echo /usr/share/doc/wgc/copyright
}
files_as_expected() {
	local got want
	got=$(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $NF }' | sed 's|^\./|/|' | sort)
	want=$(expected_files | sort)
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); return 1; }
}
check "package holds every binary, man page, completion and unit, nothing else" files_as_expected
check "package installs no wg" bash -c "! dpkg-deb -c '$DEB' | grep -Eq '/(wg|wg-quick)\$'"
field() { dpkg-deb -f "$DEB" "$1"; }
check "Depends: shared libraries plus iproute2, nftables" bash -c "
	d=\$(dpkg-deb -f '$DEB' Depends)
	for p in libc6 libsodium23 'libssl3 ' iproute2 nftables; do
		case \"\$d, \" in *\"\$p\"*) ;; *) echo \"Depends lacks \$p: \$d\"; exit 1 ;; esac
	done"
check "Recommends: resolvconf | openresolv" bash -c "[ \"\$(dpkg-deb -f '$DEB' Recommends)\" = 'resolvconf | openresolv' ]"
check "no Conflicts, Breaks or Replaces (coexists with wireguard-tools)" \
	bash -c "[ -z \"\$(dpkg-deb -f '$DEB' Conflicts Breaks Replaces)\" ]"
check "packaged unit runs /usr/bin/wgc" bash -c "dpkg-deb --fsys-tarfile '$DEB' |
	tar -xOf - ./lib/systemd/system/wgc-quick@.service | grep -qx 'ExecStart=/usr/bin/wgc up %i'"
# every library in the Makefile's PKGS is a Build-Depends and in install-deps.sh
build_deps_listed() {
	local pkgs deb
	pkgs=$(sed -n 's/^PKGS := //p' "$LIB_ROOT/Makefile")
	# shellcheck disable=SC2086 # a list of module names
	for deb in $("$LIB_ROOT/scripts/check-build-deps.sh" --packages $pkgs); do
		grep -qE "^ *(Build-Depends: *)?$deb,?\$" "$LIB_ROOT/debian/control" || { echo "$deb not in debian/control"; return 1; }
		grep -qw -- "$deb" "$LIB_ROOT/scripts/install-deps.sh" || { echo "$deb not in install-deps.sh"; return 1; }
	done
}
check "every library of PKGS is a Build-Depends and in install-deps.sh" build_deps_listed

# --- refuse to clobber an existing install --------------------------------------
if dpkg-query -W -f='${Status}' wgc 2>/dev/null | grep -q 'installed'; then
	not_ok "a wgc package is already installed here; the test does not touch it"
	exit 1
fi
existing=$(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $NF }' | sed 's|^\./|/|' |
	while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done)
if [ -n "$existing" ]; then
	not_ok "files of the package already exist (a make install?); not touching them: $(echo $existing)"
	exit 1
fi
# paths (directories included) that exist before; after purge exactly these may remain
contents | sort -u | while read -r f; do [ -e "$f" ] && echo "$f"; done >"$TEST_TMP/before"
WG_SUM=$(md5sum /usr/bin/wg 2>/dev/null)

# --- install ------------------------------------------------------------------
push_cleanup "${APT[*]} purge wgc || dpkg --purge wgc"
check "apt-get install ./wgc_*.deb" bash -c "cd '$OUT' && ${APT[*]} --no-install-recommends install ./'${DEB##*/}'"
dpkg -L wgc >"$TEST_TMP/dpkg-L" 2>&1
all_listed_exist() {
	local f n=0
	while read -r f; do
		[ -e "$f" ] || { echo "missing: $f"; return 1; }
		n=$((n + 1))
	done <"$TEST_TMP/dpkg-L"
	[ "$n" -gt 10 ] || { echo "dpkg -L lists only $n paths"; return 1; }
}
check "every path of dpkg -L wgc exists" all_listed_exist
check "installed wgc and wgcd are the package's version" bash -c "
	/usr/bin/wgc --version | grep -q 'v$VERSION ' && /usr/bin/wgcd --version | head -n 1 | grep -qx 'wgcd v$VERSION'"
check "wireguard-tools' wg untouched" bash -c "[ \"\$(md5sum /usr/bin/wg 2>/dev/null)\" = '$WG_SUM' ]"
# enabled = a symlink in a .wants directory (deb-systemd-helper mirrors those under
# /var/lib/systemd/deb-systemd-helper-enabled; its *.dsh-also files only track state)
units_not_enabled() {
	local u links
	links=$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled -path '*.wants/*wgc*' 2>/dev/null)
	[ -z "$links" ] || { echo "enabled: $links"; return 1; }
	for u in $(grep '^/lib/systemd/system/' "$TEST_TMP/dpkg-L"); do
		case ${u##*/} in *@.*) continue ;; esac # templates are enabled per instance
		case $(systemctl is-enabled "${u##*/}" 2>&1) in
		disabled | static) ;; # static: no [Install] section, nothing to enable
		*) echo "${u##*/}: $(systemctl is-enabled "${u##*/}" 2>&1)"; return 1 ;;
		esac
	done
}
check "no unit enabled by the install" units_not_enabled
check "systemd-analyze verify wgc-quick@wg0.service (installed)" \
	systemd-analyze verify /lib/systemd/system/wgc-quick@wg0.service

# --- a tunnel with the installed binaries --------------------------------------
# shellcheck disable=SC2034 # lib.sh configures the tunnel with $WG
WG=/usr/bin/wgc
if make_tunnel_pair /usr/bin/wgcd /usr/bin/wgcd; then
	check "handshake through a tunnel of the installed wgcd, configured by the installed wgc" \
		wait_handshake "$NS_A" "$IF_A" "$IN4_B" 20
	check "ping again" nsx "$NS_A" ping -c2 -W2 "$IN4_B"
fi
# the daemons end before the package goes (lib.sh would kill them only at exit)
for ns in ${NS_A:-} ${NS_B:-}; do
	for p in $(ip netns pids "$ns"); do kill "$p"; done
done

# --- remove and purge -----------------------------------------------------------
check "apt-get remove wgc" "${APT[@]}" remove wgc
files_gone() {
	local f
	while read -r f; do
		[ -d "$f" ] && continue
		[ -e "$f" ] || [ -L "$f" ] && { echo "left after remove: $f"; return 1; }
	done <"$TEST_TMP/dpkg-L"
	return 0
}
check "after remove, every file of dpkg -L is gone" files_gone
# remove left nothing to purge; purge from installed is the other path
check "apt-get install ./wgc_*.deb again" bash -c "cd '$OUT' && ${APT[*]} --no-install-recommends install ./'${DEB##*/}'"
check "apt-get purge wgc" "${APT[@]}" purge wgc
check "after purge, dpkg knows no wgc" bash -c "! dpkg-query -W -f='\${Status}' wgc 2>/dev/null | grep -q 'install\\|config-files'"
nothing_left() {
	local left
	left=$(contents | sort -u | while read -r f; do [ -e "$f" ] && echo "$f"; done | comm -23 - "$TEST_TMP/before")
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	left=$(ls /var/lib/dpkg/info/wgc.* /var/lib/systemd/deb-systemd-helper-enabled/*wgc* \
		/var/lib/systemd/deb-systemd-helper-masked/*wgc* 2>/dev/null)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
}
check "after purge, no path the package brought is left" nothing_left

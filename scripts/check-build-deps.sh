#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check-build-deps.sh PKG-CONFIG-MODULE...
#   Checks, before anything is compiled, that the compiler, pkg-config, and
#   each library (its pkg-config module and its main header) are there.
#   Prints the exact Debian packages that are missing and exits 1, or exits 0
#   silently. The Makefile runs it once per build directory.
# check-build-deps.sh --packages PKG-CONFIG-MODULE...
#   Prints the Debian package of each module, one a line (the tests compare
#   them with debian/control and scripts/install-deps.sh).
#
# CC (default cc) and PKG_CONFIG (default pkg-config) are honoured.
set -u

# pkg-config module -> Debian development package and a header it provides.
# A library added to PKGS in the Makefile gets a line here.
deb_of() {
	case $1 in
	libcrypto | libssl | openssl) echo "libssl-dev openssl/evp.h" ;;
	libsodium) echo "libsodium-dev sodium.h" ;;
	libcap) echo "libcap-dev sys/capability.h" ;;
	libseccomp) echo "libseccomp-dev seccomp.h" ;;
	libmnl) echo "libmnl-dev libmnl/libmnl.h" ;;
	libqrencode) echo "libqrencode-dev qrencode.h" ;;
	libpng | libpng16) echo "libpng-dev png.h" ;;
	libmicrohttpd) echo "libmicrohttpd-dev microhttpd.h" ;;
	json-c) echo "libjson-c-dev json-c/json.h" ;;
	*) echo "" ;;
	esac
}

CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

if [ "${1:-}" = --packages ]; then
	shift
	for m in "$@"; do
		read -r deb _ <<<"$(deb_of "$m")"
		echo "${deb:-unknown:$m}"
	done
	exit 0
fi

missing=() unknown=()
add() {
	local p
	for p in "${missing[@]}"; do [ "$p" = "$1" ] && return; done
	missing+=("$1")
}

if ! command -v "${CC%% *}" >/dev/null 2>&1; then
	add build-essential
	cc_ok=0
elif ! printf '#include <stdio.h>\nint main(void) { return 0; }\n' |
	$CC -x c -o /dev/null - >/dev/null 2>&1; then
	add build-essential # a compiler without libc headers or a linker
	cc_ok=0
else
	cc_ok=1
fi
command -v make >/dev/null 2>&1 || add make
have_pc=1
command -v "$PKG_CONFIG" >/dev/null 2>&1 || { add pkg-config; have_pc=0; }

for m in "$@"; do
	read -r deb header <<<"$(deb_of "$m")"
	if [ -z "$deb" ]; then
		[ $have_pc = 1 ] && $PKG_CONFIG --exists "$m" 2>/dev/null || unknown+=("$m")
		continue
	fi
	cflags=()
	[ $have_pc = 1 ] && read -ra cflags <<<"$($PKG_CONFIG --cflags "$m" 2>/dev/null)"
	if [ $have_pc = 1 ] && ! $PKG_CONFIG --exists "$m" 2>/dev/null; then
		add "$deb"
	elif [ $cc_ok = 1 ] && ! printf '#include <%s>\n' "$header" |
		$CC -E "${cflags[@]}" -x c - >/dev/null 2>&1; then
		add "$deb"
	fi
done

[ ${#missing[@]} -eq 0 ] && [ ${#unknown[@]} -eq 0 ] && exit 0
{
	echo "wgc: cannot build yet: missing build dependencies."
	if [ ${#missing[@]} -gt 0 ]; then
		echo "  Debian packages to install: ${missing[*]}"
		echo "  Run:  sudo apt-get install ${missing[*]}"
		echo "  or:   sudo make deps   (installs everything building and the tests need)"
	fi
	if [ ${#unknown[@]} -gt 0 ]; then
		echo "  pkg-config cannot find: ${unknown[*]} (no Debian package known to scripts/check-build-deps.sh;"
		echo "  'apt-file search NAME.pc' names it)"
	fi
} >&2
exit 1

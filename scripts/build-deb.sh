#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# build-deb.sh OUTDIR: builds the Debian package wgc_VERSION_ARCH.deb into
# OUTDIR (`make deb` uses $(BUILD)/deb). The tree is copied first, without
# build directories or .git, so dpkg-buildpackage's by-products (debian/wgc/,
# debian/.debhelper, ../*.buildinfo) never land in the source tree, and a
# stale build/ is never packaged. Runs the unit tests only (debian/rules) with
# -j2, then lintian (when installed), which must report no error.
# Build dependencies: dpkg-dev debhelper, plus the libraries (make deps).
set -euo pipefail
out=${1:?usage: build-deb.sh OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(make -s --no-print-directory -C "$root" version)
mkdir -p "$out"
out=$(cd "$out" && pwd)
# OUTDIR inside the tree would be copied into itself unless it is a build* directory
case $out/ in "$root"/build*) ;; "$root"/*) echo "build-deb.sh: OUTDIR inside the tree must be a build* directory" >&2; exit 1 ;; esac
src=$out/wgc-$version
rm -rf "$src"
mkdir -p "$src"
tar -C "$root" --exclude=./.git --exclude='./build*' --exclude=./debian/wgc \
	--exclude=./debian/.debhelper --exclude=./debian/files --exclude='./debian/*.substvars' \
	--exclude='./debian/*.log' -cf - . | tar -C "$src" -xf -
rm -f "$out"/wgc_*.deb "$out"/wgc-dbgsym_*.deb "$out"/wgc_*.buildinfo "$out"/wgc_*.changes
start=$SECONDS
(cd "$src" && dpkg-buildpackage -us -uc -b -j2)
echo "build-deb: package built in $((SECONDS - start)) s"
rm -rf "$src"
ls "$out"/wgc_*.deb
if command -v lintian >/dev/null 2>&1; then
	lintian --fail-on error "$out"/wgc_*.changes
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# mkinitramfs.sh BUILD_DIR: prints "KERNEL_IMAGE INITRAMFS" for the kernel
# tests, building the initramfs only when its inputs changed.
#
# KERNEL_IMAGE is the kernel's ELF image unpacked from /boot/vmlinuz-*
# (qemu boots it through its PVH entry): that skips the bzImage's own
# decompression, which alone takes 5 s or more under TCG. When it cannot be
# unpacked, the bzImage itself.
#
# The kernel is the newest one in /boot whose /lib/modules tree has
# wireguard.ko (never a named version). The image holds busybox-static, the
# tree's wgc and wgcd, Debian's wg and wg-quick (with bash), iproute2's ip,
# nft, iputils' ping, kmod (modprobe) and their shared libraries (found with
# ldd), the module closure of what the tests load (computed by
# `modprobe --show-depends` against that kernel, decompressed when the
# distribution compresses modules, indexed again with depmod so modprobe and
# the kernel's own request_module work in the guest), and tests/kernel/guest
# (init, and the functions its commands may call). It is cached as BUILD_DIR/kernel-test/initramfs-<key>.cpio
# where <key> hashes every input file, so a rebuilt wgc gives a new image.
# It is not compressed: unpacking 20 MB of gzip costs the guest seconds.
set -euo pipefail

build=${1:?usage: mkinitramfs.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
cache=$build/kernel-test
mkdir -p "$cache"

# Modules the tests need; their dependency closure is added.
MODULES=(virtio_pci virtio_net virtio_console virtio_rng wireguard tun
	nf_tables nft_ct nft_fib_ipv4 nft_fib_ipv6 nft_fib_inet nf_conntrack)
# Programs from the host, by command name; their libraries come along.
PROGRAMS=(wg wg-quick bash ip nft ping kmod)

die() { echo "mkinitramfs: $*" >&2; exit 1; }

# find_kernel: sets KVER and VMLINUZ to the newest kernel with wireguard.ko.
find_kernel() {
	local v best=
	for v in $(ls /boot | sed -n 's/^vmlinuz-//p' | sort -V); do
		[ -r "/boot/vmlinuz-$v" ] || continue
		[ -n "$(find "/lib/modules/$v" -name 'wireguard.ko*' 2>/dev/null)" ] && best=$v
	done
	[ -n "$best" ] || die "no kernel in /boot has wireguard.ko (scripts/install-deps.sh installs linux-image-amd64)"
	KVER=$best
	VMLINUZ=/boot/vmlinuz-$best
}

# module_files: the .ko files (with their dependencies) of MODULES, one a line.
module_files() {
	local m
	for m in "${MODULES[@]}"; do
		modprobe -S "$KVER" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }'
	done | sort -u
}

# binary_paths: the programs and wgc/wgcd, as absolute paths.
binary_paths() {
	local p
	for p in "${PROGRAMS[@]}"; do
		command -v "$p" >/dev/null || die "missing $p (scripts/install-deps.sh)"
		readlink -f "$(command -v "$p")"
	done
	readlink -f /bin/busybox
	echo "$build/wgc"
	echo "$build/wgcd"
}

# libraries FILE...: every shared library (and the loader) they need, as "PATH_IN_IMAGE REAL_PATH".
libraries() {
	local f
	for f in "$@"; do
		ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u | while read -r l; do echo "$l $(readlink -f "$l")"; done
}

# unpack_kernel: sets KIMAGE to the ELF kernel inside VMLINUZ, cached, or VMLINUZ.
unpack_kernel() {
	local out off magic tool
	out=$cache/vmlinux-$KVER-$(sha256sum "$VMLINUZ" | cut -c1-12)
	KIMAGE=$VMLINUZ
	if [ -s "$out" ]; then KIMAGE=$out; return; fi
	for magic in '\xFD7zXZ\x00:xz -dc --single-stream' '\x28\xB5\x2F\xFD:zstd -qdc' '\x1F\x8B\x08:gzip -dc'; do
		tool=${magic#*:}
		command -v "${tool%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$VMLINUZ" | cut -d: -f1 | head -3); do
			tail -c +$((off + 1)) "$VMLINUZ" | $tool >"$out.tmp.$$" 2>/dev/null || true
			if [ "$(head -c 4 "$out.tmp.$$" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				mv "$out.tmp.$$" "$out"
				KIMAGE=$out
				return
			fi
		done
	done
	rm -f "$out.tmp.$$"
	echo "mkinitramfs: cannot unpack $VMLINUZ; booting it as it is (slower)" >&2
}

find_kernel
unpack_kernel
[ -x "$build/wgc" ] && [ -x "$build/wgcd" ] || die "build $build/wgc and $build/wgcd first (make)"
command -v busybox >/dev/null || die "missing busybox (busybox-static)"
mods=$(module_files)
[[ $mods == */wireguard.ko* ]] || die "modprobe cannot resolve wireguard for $KVER"
bins=$(binary_paths)
# shellcheck disable=SC2086 # one path a word
libs=$(libraries $bins)

# The cache key: every input's content, this script, the guest files and the kernel.
key=$({
	echo "$KVER"
	# shellcheck disable=SC2086
	# shellcheck disable=SC2046 # one path a word
	sha256sum "$0" "$here"/guest/* $bins $mods $(echo "$libs" | awk '{ print $2 }') "$VMLINUZ" | cut -d' ' -f1
} | sha256sum | cut -c1-16)
image=$cache/initramfs-$key.cpio
if [ -s "$image" ]; then
	echo "$KIMAGE $image"
	exit 0
fi

root=$(mktemp -d "$cache/root.XXXXXX")
chmod 755 "$root"
trap 'rm -rf "$root" "$image.tmp.$$"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc/wireguard,etc/modprobe.d,proc,sys,dev,tmp,run,root,var}
ln -s ../run "$root/var/run"

# busybox applets, except those a real program replaces
cp /bin/busybox "$root/bin/busybox"
for a in $(busybox --list); do
	case $a in ip|ping|ping6|modprobe|insmod|rmmod|lsmod|depmod|modinfo|busybox) continue ;; esac
	ln -s busybox "$root/bin/$a"
done

# programs at their host paths, libraries at the paths ldd names
while read -r b; do
	case $b in
	"$build"/*) install -m 755 "$b" "$root/usr/bin/${b##*/}"
		strip --strip-debug "$root/usr/bin/${b##*/}" 2>/dev/null || true ;;
	/bin/busybox|/usr/bin/busybox) ;;
	*) mkdir -p "$root$(dirname "$b")"; cp "$b" "$root$b" ;;
	esac
done <<<"$bins"
while read -r dst src; do
	[ -n "$dst" ] || continue
	mkdir -p "$root$(dirname "$dst")"
	cp "$src" "$root$dst"
done <<<"$libs"
# names the programs are called by (Debian's are symlinks to these files)
for p in "${PROGRAMS[@]}"; do
	src=$(readlink -f "$(command -v "$p")")
	for d in usr/bin usr/sbin; do
		[ -e "$root/$d/$p" ] || ln -s "$src" "$root/$d/$p"
	done
done
for m in modprobe insmod rmmod lsmod depmod modinfo; do
	[ -e "$root/usr/sbin/$m" ] || ln -s "$(readlink -f "$(command -v kmod)")" "$root/usr/sbin/$m"
	ln -s "/usr/sbin/$m" "$root/sbin/$m"
done
[ -e "$root/bin/bash" ] || ln -s "$(readlink -f "$(command -v bash)")" "$root/bin/bash"

# modules, uncompressed, plus depmod's index over just these
mdir=$root/lib/modules/$KVER
mkdir -p "$mdir"
cp /lib/modules/"$KVER"/modules.builtin* /lib/modules/"$KVER"/modules.order "$mdir/"
while read -r m; do
	rel=${m#/lib/modules/"$KVER"/}
	rel=${rel#/usr/lib/modules/"$KVER"/}
	mkdir -p "$mdir/$(dirname "$rel")"
	case $m in
	*.ko.xz) xz -dc "$m" >"$mdir/${rel%.xz}" ;;
	*.ko.zst) zstd -qdc "$m" >"$mdir/${rel%.zst}" ;;
	*.ko.gz) gzip -dc "$m" >"$mdir/${rel%.gz}" ;;
	*) cp "$m" "$mdir/$rel" ;;
	esac
done <<<"$mods"
depmod -b "$root" "$KVER"

cp "$here"/guest/init "$root/init"
chmod 755 "$root/init"
install -m 644 "$here"/guest/functions.sh "$root/etc/wgc-test.sh"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
echo "$KVER" >"$root/etc/kernel-release"

(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$image.tmp.$$"
mv "$image.tmp.$$" "$image"
# images of older inputs, unused for a day
find "$cache" -maxdepth 1 -name 'initramfs-*.cpio' -mmin +1440 ! -name "${image##*/}" -delete
echo "$KIMAGE $image"

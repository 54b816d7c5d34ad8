#!/usr/bin/env bash
# Installs the Debian packages that building, the demo and the tests need,
# only when one is missing: apt-get update once, then one apt-get install.
set -eu
pkgs=(
	build-essential pkg-config libssl-dev libsodium-dev libcap-dev libseccomp-dev
	libmnl-dev
	iproute2 iputils-ping iperf3 nftables procps psmisc kmod
	wireguard-tools wireguard-go
	clang llvm valgrind python3
	debhelper dpkg-dev lintian systemd
	libqrencode-dev libpng-dev zbar-tools
	libmicrohttpd-dev libjson-c-dev prometheus python3-jsonschema iptables
	qemu-system-x86 busybox-static cpio xz-utils
	stress-ng
)
# the kernel tests boot a Debian kernel that has wireguard.ko (tests/kernel)
ls /lib/modules/*/kernel/drivers/net/wireguard/wireguard.ko* >/dev/null 2>&1 || pkgs+=(linux-image-amd64)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install these packages (or install them yourself)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

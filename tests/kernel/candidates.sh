#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Endpoint candidates against the kernel module (issue 14), in a QEMU guest:
#   - `wgc set IF peer K endpoint A endpoint B` on a kernel interface is
#     refused before anything is sent, naming the kernel module and
#     `wgc reresolve`, and the interface is unchanged;
#   - `wgc reresolve IF` resolves a stale peer's Endpoint name from
#     /etc/wireguard/IF.conf again (as reresolve-dns.sh) and sets it over
#     generic netlink.
# The interface is configured with the guest's wg.
. "$(dirname "$0")/lib.sh"
[ "$KWGC" = wgc ] || { note "wgc-only commands: skipped with KWGC=$KWGC"; exit 0; }
vm_boot

check "kernel interface with one endpoint" vm '
ip link add wgk0 type wireguard &&
umask 077 && wg genkey >/tmp/k && P=$(wg genkey | wg pubkey) && echo "$P" >/tmp/peer &&
wg set wgk0 private-key /tmp/k peer "$P" allowed-ips 10.9.0.2/32 endpoint 192.0.2.1:51820'
check "candidates refused on the kernel, nothing changed" vm '
before=$($WGC showconf wgk0)
out=$($WGC set wgk0 listen-port 51999 peer "$(cat /tmp/peer)" endpoint 192.0.2.7:51820 endpoint 192.0.2.8:51820 2>&1) && exit 1
echo "$out" | grep -q "the kernel module" && echo "$out" | grep -q "wgc reresolve" || { echo "$out"; exit 1; }
[ "$($WGC showconf wgk0)" = "$before" ]'
check "reresolve sets the stale peer from the file" vm '
umask 077
echo "192.0.2.44 hub.test" >>/etc/hosts
printf "[Interface]\nPrivateKey = %s\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.9.0.2/32\nEndpoint = hub.test:51820\n" \
	"$(cat /tmp/k)" "$(cat /tmp/peer)" >/etc/wireguard/wgk0.conf
$WGC reresolve wgk0 && wg show wgk0 endpoints | grep -q "192.0.2.44:51820"'

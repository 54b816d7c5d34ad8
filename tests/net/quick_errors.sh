#!/bin/bash
# SPDX-License-Identifier: MIT
# wgc up/down/save/strip/route-check error texts (issue 10): each one a
# clean, bounded message naming what is wrong; no crash with paths just
# under PATH_MAX (components of 255 bytes) and 64 KB values (run it with
# BUILD=build-asan for the ASan/UBSan check). Nothing here changes the
# network: every command fails before it would. (One table name is put in
# /etc/iproute2/rt_tables.d/wgc-test-PID.conf for a moment, and removed.)
. "$(dirname "$0")/lib.sh"
require_root_and_tools
WGC=$BUILD/wgc
[ -x "$WGC" ] || { not_ok "build $WGC first"; exit 1; }

# expect NAME WANT_RC PATTERN CMD...: exit status WANT_RC, output (stdout+stderr) matching PATTERN,
# and no sanitizer report or signal
expect() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" <<<"$out" && ! grep -q "Sanitizer\|runtime error" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name (exit $rc, want $want)"
		printf '#   %s\n' "$out" | head -c 2000 | head -10
	fi
}

KEY=$(wg genkey)
# a directory tree whose config path is just under 4096 bytes, components of 255
deep=$TEST_TMP
comp=$(printf 'd%.0s' {1..255})
while [ $((${#deep} + 256 + 20)) -lt 4090 ]; do deep=$deep/$comp; done
new_ifname IFE
rest=$((4090 - ${#deep} - 2 - ${#IFE} - 5))
[ "$rest" -gt 0 ] && [ "$rest" -le 255 ] && deep=$deep/$(printf 'e%.0s' $(seq "$rest"))
mkdir -p "$deep" || { not_ok "deep directory"; exit 1; }
long=$deep/$IFE.conf
note "config path of ${#long} bytes"
big=$(head -c 65536 /dev/zero | tr '\0' 9)
printf '[Interface]\nPrivateKey = %s\nMTU = %s\n' "$KEY" "$big" >"$long"
for cmd in strip "up --dry-run" down save route-check; do
	# shellcheck disable=SC2086
	expect "$cmd: path of ${#long} bytes and a 64 KB MTU value: clean error" 1 "MTU: '9{10}" \
		"$WGC" $cmd "$long" $([ "$cmd" = route-check ] && echo 10.0.0.1)
done
printf '[Interface]\nPrivateKey = %s\nListenPort = %s\n' "$KEY" "$big" >"$long"
expect "strip: path of ${#long} bytes, 64 KB ListenPort passes through strip" 0 "ListenPort" "$WGC" strip "$long"
expect "up --dry-run: 64 KB ListenPort: clean error" 1 "ListenPort" "$WGC" up --dry-run "$long"

# a UTF-8 byte-order mark at the start (Windows editors) is skipped
printf '\xef\xbb\xbf[Interface]\nPrivateKey = %s\nAddress = 10.9.9.9/32\n' "$KEY" >"$TEST_TMP/$IFE.conf"
expect "strip: leading BOM skipped" 0 "^\[Interface\]" "$WGC" strip "$TEST_TMP/$IFE.conf"
expect "up --dry-run: leading BOM skipped" 0 "ip -4 address add 10.9.9.9/32" "$WGC" up --dry-run "$TEST_TMP/$IFE.conf"

# a name over 15 characters: too long, with the rule
expect "up with a 16-character name says too long" 1 \
	"too long for an interface name: interface names have 1 to 15 characters" "$WGC" up abcdefghijklmnop
printf '[Interface]\nPrivateKey = %s\n' "$KEY" >"$TEST_TMP/abcdefghijklmnop.conf"
expect "up with a 16-character file name says too long" 1 "interface name .abcdefghijklmnop. is too long" \
	"$WGC" up "$TEST_TMP/abcdefghijklmnop.conf"

# a line without '=' quoted as written
printf '[Interface]\nPrivateKey = %s\nListen Port  51820\n' "$KEY" >"$TEST_TMP/$IFE.conf"
expect "a line without = quoted as written" 1 "not a 'Key = Value' line: 'Listen Port  51820'" \
	"$WGC" up --dry-run "$TEST_TMP/$IFE.conf"
# a key with a wrong last character
printf '[Interface]\nPrivateKey = %s\n[Peer]\nPublicKey = %s\n' "$KEY" \
	"yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBml=" >"$TEST_TMP/$IFE.conf"
expect "a key with a wrong last character" 1 ":4: PublicKey: '.*' does not decode to a valid 32-byte key" \
	"$WGC" up --dry-run "$TEST_TMP/$IFE.conf"
printf '[Interface]\nPrivateKey = %s\nAddress = 10.1.1.1/24\n' "$KEY" >"$TEST_TMP/$IFE.conf"
expect "setconf of a wg-quick file names wgc strip" 1 "use \`wgc strip'" "$WGC" setconf "$IFE" "$TEST_TMP/$IFE.conf"
expect "show of a missing interface names it" 1 "Unable to access interface $IFE: " "$WGC" show "$IFE"
expect "route-check --help: usage on stdout, exit 0" 0 "^Usage: .*wgc route-check" "$WGC" route-check --help
out=$("$WGC" route-check --help 2>/dev/null)
check "route-check --help writes stdout" grep -q "^Usage:" <<<"$out"
if [ -n "$(command -v resolvconf)" ]; then
	note "resolvconf installed: DNS refusal not testable here"
else
	printf '[Interface]\nPrivateKey = %s\n\nDNS = 10.0.0.53\n' "$KEY" >"$TEST_TMP/$IFE.conf"
	expect "DNS refusal prefixed with FILE:LINE of the DNS key" 1 "$IFE.conf:4: DNS is set but resolvconf" \
		"$WGC" up --dry-run "$TEST_TMP/$IFE.conf"
fi

# what ip(8) would refuse half-way through up, refused by --dry-run with FILE:LINE
PEERS=$(printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.77.0.0/24, fd77::/64\n' "$(wg genkey | wg pubkey)")
printf '[Interface]\nPrivateKey = %s\nTable = bogus\n%s\n' "$KEY" "$PEERS" >"$TEST_TMP/$IFE.conf"
expect "up --dry-run: Table = bogus refused with FILE:LINE" 1 \
	"$IFE.conf:3: Table: 'bogus' is not auto, off, a table number .* or a table name from /etc/iproute2/rt_tables" \
	"$WGC" up --dry-run "$TEST_TMP/$IFE.conf"
expect "up: Table = bogus refused before anything is changed" 1 "$IFE.conf:3: Table: 'bogus'" \
	"$WGC" up "$TEST_TMP/$IFE.conf"
check "Table = bogus: no $IFE interface was created" bash -c "! ip link show $IFE 2>/dev/null"
# a name from rt_tables.d is a table (a file of our own, unique and removed)
RTD=/etc/iproute2/rt_tables.d
if [ -d "$RTD" ]; then
	push_cleanup "rm -f '$RTD/wgc-test-$$.conf'"
	printf '# wgc test %s\n%u\twgct%s\n' $$ $((100000 + $$)) $$ >"$RTD/wgc-test-$$.conf"
	printf '[Interface]\nPrivateKey = %s\nTable = wgct%s\n%s\n' "$KEY" $$ "$PEERS" >"$TEST_TMP/$IFE.conf"
	expect "up --dry-run: a Table name from rt_tables.d" 0 "ip -4 route add 10.77.0.0/24 dev $IFE table wgct$$" \
		"$WGC" up --dry-run "$TEST_TMP/$IFE.conf"
	rm -f "$RTD/wgc-test-$$.conf"
	expect "up --dry-run: the same name once rt_tables.d no longer has it" 1 "$IFE.conf:3: Table: 'wgct$$'" \
		"$WGC" up --dry-run "$TEST_TMP/$IFE.conf"
fi
printf '[Interface]\nPrivateKey = %s\nTable = main\n%s\n' "$KEY" "$PEERS" >"$TEST_TMP/$IFE.conf"
expect "up --dry-run: Table = main" 0 "table main" "$WGC" up --dry-run "$TEST_TMP/$IFE.conf"
printf '[Interface]\nPrivateKey = %s\nAddress = 10.77.1.1/24\nAddress = fd77:1::1/64, 10.77.1.1/24\n' "$KEY" >"$TEST_TMP/$IFE.conf"
expect "up --dry-run: an Address twice refused with FILE:LINE" 1 "$IFE.conf:4: Address: '10.77.1.1/24' repeats" \
	"$WGC" up --dry-run "$TEST_TMP/$IFE.conf"
printf '[Interface]\nPrivateKey = %s\nAddress = 10.77.1.1/24\nMTU = 1200\n%s\n' "$KEY" "$PEERS" >"$TEST_TMP/$IFE.conf"
expect "up --dry-run: MTU under 1280 with IPv6 routes refused with FILE:LINE" 1 "$IFE.conf:4: MTU: 1200 is under 1280" \
	"$WGC" up --dry-run "$TEST_TMP/$IFE.conf"

# without root (CAP_NET_ADMIN): one line saying so, nothing started
printf '[Interface]\nPrivateKey = %s\n' "$KEY" >"$TEST_TMP/$IFE.conf"
chmod 755 "$TEST_TMP" && chmod 644 "$TEST_TMP/$IFE.conf"
for cmd in up down save; do
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$WGC" $cmd "$TEST_TMP/$IFE.conf" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q ": \`$cmd' needs root (CAP_NET_ADMIN)$" <<<"$out"; then
		ok "$cmd without root: one line"
	else
		not_ok "$cmd without root: one line (exit $rc)"
		printf '#   %s\n' "$out"
	fi
done
check "no $IFE interface was created" bash -c "! ip link show $IFE 2>/dev/null"

# documentation: man wgc and the bash completion name the wg-quick subcommands
man_text=$(MANWIDTH=200 man -l "$LIB_ROOT/doc/wgc.8" 2>/dev/null || sed 's/\\//g' "$LIB_ROOT/doc/wgc.8")
for w in up down save strip route-check --dry-run LOG_LEVEL; do
	grep -q -- "$w" <<<"$man_text" && ok "man wgc mentions $w" || not_ok "man wgc mentions $w"
done
# every option `wgc set' takes is in the man page's set synopsis (candidate-retry and
# reresolve-after were once missing)
set_syn=$(grep -F '\fBset\fP \fI<interface>' "$LIB_ROOT/doc/wgc.8")
for w in $("$WGC" set 2>&1 | grep -o '\[[a-z-]* <' | tr -d '[<'); do
	grep -q -- "$w" <<<"$set_syn" && ok "man wgc's set synopsis has $w" || not_ok "man wgc's set synopsis has $w"
done
comp=$(bash -c ". '$LIB_ROOT/contrib/bash-completion/wgc'; COMP_WORDS=(wgc ''); COMP_CWORD=1; _wgc_completion; echo \"\${COMPREPLY[*]}\"")
for w in up down save strip route-check; do
	grep -qw -- "$w" <<<"$comp" && ok "bash completion offers $w" || not_ok "bash completion offers $w"
done
grep -q "Where wgcd logs go" "$LIB_ROOT/doc/wgc-quick.md" && ok "doc/wgc-quick.md says where wgcd logs go" ||
	not_ok "doc/wgc-quick.md says where wgcd logs go"

# a daemon's errno=-N (a port in use: errno=-98 from wireguard-go and wgcd) is shown as strerror(N), as wg does
new_ns NS_E || { not_ok "namespace"; exit 1; }
for impl in wgcd wireguard-go; do
	new_ifname IFP
	start_daemon "$NS_E" "$impl" "$IFP" >/dev/null || { not_ok "$impl start"; continue; }
	ip netns exec "$NS_E" python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 51999)); print("bound", flush=True); time.sleep(30)' >"$TEST_TMP/hold.$impl" &
	holder=$!
	push_cleanup "kill $holder"
	for ((i = 0; i < 50; i++)); do grep -q bound "$TEST_TMP/hold.$impl" && break; sleep 0.1; done
	expect "$impl: a port in use says Address already in use" 1 "Address already in use" \
		nsx "$NS_E" "$WGC" set "$IFP" listen-port 51999
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null || true
done

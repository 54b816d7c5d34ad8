#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# QR codes of peer profiles: the PNG decodes with zbarimg to exactly the
# profile text; the terminal's half-block rendering, turned back into a
# bitmap here (two modules per character), decodes the same and a typical
# profile's code is at most 80 columns wide. Secrets never reach a stdout
# that is not a terminal unless --show-secrets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/hub_lib.sh"
require_root_and_tools zbarimg python3
[ -x "$WGC" ] || { not_ok "build $WGC first"; exit 1; }

D=$TEST_TMP/cfg
mkdir -m 700 "$D"
export WGC_CONFIG_DIR=$D
new_ifname IFQ
"$WGC" hub init "$IFQ" --endpoint vpn.example-home.net:51820 --subnet 10.13.13.0/24 --subnet6 fd13:13:13::/64 \
	--dns 10.13.13.1 --keepalive-peers all 2>/dev/null
check "typical peer: add with --out, --png, --lan-endpoint, --keep-keys" "$WGC" peer add "$IFQ" phone --full-tunnel \
	--out "$TEST_TMP/phone.conf" --png "$TEST_TMP/phone.png" --lan-endpoint 192.168.1.2:51820 --keep-keys

# zbarimg prints the data and a newline of its own
decode() { zbarimg -q --raw "$1" 2>/dev/null | head -c -1; }
check "PNG decodes to exactly the profile" cmp <(decode "$TEST_TMP/phone.png") "$TEST_TMP/phone.conf"
check "home PNG decodes to exactly the home profile" cmp <(decode "$TEST_TMP/phone-home.png") "$TEST_TMP/phone-home.conf"
check "home profile's endpoint is the LAN address" grep -qx 'Endpoint = 192.168.1.2:51820' "$TEST_TMP/phone-home.conf"

"$WGC" peer show "$IFQ" phone --qr --show-secrets >"$TEST_TMP/qr.txt" 2>/dev/null
# half blocks to PBM: each character is one module wide and two high; drawn = light
python3 - "$TEST_TMP/qr.txt" "$TEST_TMP/qr.pbm" <<'PY'
import sys
rows = []
for line in open(sys.argv[1], encoding="utf-8").read().rstrip("\n").split("\n"):
    top, bottom = [], []
    for ch in line:
        light = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1), " ": (0, 0)}[ch]
        top.append(0 if light[0] else 1)
        bottom.append(0 if light[1] else 1)
    rows += [top, bottom]
w = max(len(r) for r in rows)
pad, scale = 4, 4
img = [[0] * (w + 2 * pad) for _ in range(pad)] + [[0] * pad + r + [0] * (w - len(r) + pad) for r in rows] + \
      [[0] * (w + 2 * pad) for _ in range(pad)]
with open(sys.argv[2], "w") as f:
    f.write("P1\n%d %d\n" % (len(img[0]) * scale, len(img) * scale))
    for r in img:
        line = " ".join(str(v) for v in r for _ in range(scale))
        for _ in range(scale):
            f.write(line + "\n")
PY
check "terminal rendering decodes to exactly the profile" cmp <(decode "$TEST_TMP/qr.pbm") "$TEST_TMP/phone.conf"
cols=$(python3 -c 'import sys; print(max(len(l) for l in open(sys.argv[1], encoding="utf-8").read().split("\n")))' "$TEST_TMP/qr.txt")
check "terminal QR is at most 80 columns ($cols)" test "$cols" -le 80 -a "$cols" -gt 20
check "profile text is a typical one ($(wc -c <"$TEST_TMP/phone.conf") bytes, PSK, keepalive, dual stack)" \
	bash -c "[ \$(wc -c <'$TEST_TMP/phone.conf') -gt 250 ] && grep -q PresharedKey '$TEST_TMP/phone.conf' && grep -q 'PersistentKeepalive = 25' '$TEST_TMP/phone.conf'"

# no secrets to a stdout that is not a terminal
cp "$D/$IFQ.conf" "$TEST_TMP/before"
"$WGC" peer add "$IFQ" tablet >"$TEST_TMP/out" 2>"$TEST_TMP/err"
check "peer add without --out refuses a non-terminal stdout" bash -c "grep -q 'not a terminal' '$TEST_TMP/err' && [ ! -s '$TEST_TMP/out' ]"
check "... and changes nothing" cmp "$D/$IFQ.conf" "$TEST_TMP/before"
"$WGC" peer show "$IFQ" phone >"$TEST_TMP/out" 2>"$TEST_TMP/err"
check "peer show without --show-secrets prints no key" bash -c "! grep -q PrivateKey '$TEST_TMP/out' && grep -q 'name: phone' '$TEST_TMP/out'"
"$WGC" peer add "$IFQ" tablet --show-secrets >"$TEST_TMP/out" 2>/dev/null
check "peer add --show-secrets prints the profile and its QR code" bash -c "grep -q '^PrivateKey = ' '$TEST_TMP/out' && grep -q \$'\\xe2\\x96\\x88' '$TEST_TMP/out'"
# on a terminal (script(1) gives one): the QR code is shown, the text only when it did not go to --out
if command -v script >/dev/null; then
	script -qc "'$WGC' peer add '$IFQ' tv --out '$TEST_TMP/tv.conf'" /dev/null >"$TEST_TMP/tty" 2>&1
	check "terminal: peer add --out shows the QR code, not the key" bash -c "grep -q \$'\\xe2\\x96\\x88' '$TEST_TMP/tty' && ! grep -q PrivateKey '$TEST_TMP/tty'"
	script -qc "'$WGC' peer add '$IFQ' tv2" /dev/null >"$TEST_TMP/tty" 2>&1
	check "terminal: peer add alone shows the profile and the QR code" bash -c "grep -q \$'\\xe2\\x96\\x88' '$TEST_TMP/tty' && grep -q '^PrivateKey = ' '$TEST_TMP/tty'"
fi

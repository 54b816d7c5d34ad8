# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Functions for the commands the kernel tests run in the guest. init sources
# this file once and runs every command in a subshell of itself, so calling
# these costs no exec (each exec of a dynamically linked program costs
# 100-300 ms under TCG). $WGC is the program under test (default wgc).

# same ARGS...: runs `wg ARGS` and `$WGC ARGS` and compares their stdout
# byte for byte, their stderr (with the program name wgc read as wg, the one
# intended difference) and their exit status. Prints a diff and fails when
# they differ. The environment (WG_COLOR_MODE, WG_HIDE_KEYS) is passed on.
same() {
	local d rc=0
	d=$(mktemp -d)
	wg "$@" >"$d/1.out" 2>"$d/1.err"
	echo "status $?" >>"$d/1.err"
	# wgc names the interface where Debian's wg does not (issue 10): wg's text with the name put in
	sed -i -e "s/^Unable to access interface: /Unable to access interface ${2:-}: /" \
		-e "s/^Unable to modify interface: /Unable to modify interface ${2:-}: /" "$d/1.err"
	# documented differences from Debian's 2021 wg (wgc.8) are applied to wg's output first
	if [ -n "${SAME_WG_FIX:-}" ]; then
		$SAME_WG_FIX <"$d/1.out" >"$d/1.fix" && mv "$d/1.fix" "$d/1.out"
	fi
	"${WGC:-wgc}" "$@" >"$d/2.out" 2>"$d/2.err"
	echo "status $?" >>"$d/2.err"
	_same_files "$d" "'$*'" out err || rc=1
	rm -rf "$d"
	return $rc
}

# `show all endpoints` as current wg-tools print it (and wgc, wgc.8): every
# line names its interface; Debian's 2021 wg names only an interface's first
# peer and leaves a dangling "NAME<tab>" for an interface without peers.
endpoints_every_line() {
	awk -F'\t' '$NF == "" { next }
		NF >= 3 { dev = $(NF - 2); print dev "\t" $(NF - 1) "\t" $NF; next }
		NF == 2 { print dev "\t" $0; next }
		{ print }'
}

# syncconf as current wireguard-tools does it (setconf.c sync_conf): a peer the
# file keeps without PresharedKey or PersistentKeepalive has them cleared.
# Debian's wg 1.0.20210914 predates that; wgc follows upstream (wgc.8).
# sync_upstream TOOL IFNAME FILE
sync_upstream() {
	local tool=$1 ifname=$2 conf=$3 k p a
	"$tool" syncconf "$ifname" "$conf" || return
	[ "$tool" = wg ] || return 0
	awk '{ line = $0; sub(/^[ \t]+/, "", line); l = tolower(line) }
		l ~ /^\[/ { if (k != "") print k, p, a; k = ""; p = a = 0; next }
		l ~ /^publickey[ \t]*=/ { sub(/^[^=]*=[ \t]*/, "", line); sub(/[ \t]+$/, "", line); k = line }
		l ~ /^presharedkey[ \t]*=/ { p = 1 }
		l ~ /^persistentkeepalive[ \t]*=/ { a = 1 }
		END { if (k != "") print k, p, a }' "$conf" |
	while read -r k p a; do
		[ "$p" = 1 ] || wg set "$ifname" peer "$k" preshared-key /dev/null || return
		[ "$a" = 1 ] || wg set "$ifname" peer "$k" persistent-keepalive off || return
	done
}

# same_live ARGS...: `same` for a live tunnel, where wg and wgc run a moment
# apart (each exec takes 0.1-1 s under TCG): the human "latest handshake:
# N seconds ago" is compared without its age (dump has the exact time), and
# a counter that moved in between is retried, 5 times at most.
same_live() {
	local out
	for _ in 1 2 3 4 5; do
		out=$(SAME_AGES=1 same "$@") && return 0
	done
	echo "$out"
	return 1
}

# _same_files DIR WHAT SUFFIX...: compares DIR/1.SUFFIX with DIR/2.SUFFIX.
_same_files() {
	local d=$1 what=$2 f rc=0 SAME_AGES=${SAME_AGES:-}
	shift 2
	sed -i 's/\bwgc\b/wg/g' "$d/2.err"
	[ -z "$SAME_AGES" ] || sed -i -E 's/(latest handshake: ).*( ago)/\1AGE\2/' "$d/1.out" "$d/2.out"
	for f in "$@"; do
		cmp -s "$d/1.$f" "$d/2.$f" && continue
		echo "$f of $what differs (- wg, + ${WGC:-wgc}):"
		diff -u "$d/1.$f" "$d/2.$f" | head -40
		rc=1
	done
	return $rc
}

# same_set SCRIPT: runs SCRIPT twice on a fresh kernel interface wgs, once
# with T=wg and once with T=$WGC, and compares what each run left behind as
# read by Debian's wg (`wg show wgs dump`), plus the runs' stdout and exit
# status. Not stderr: wgc's parse errors name file and line on purpose;
# the texts that must be wg's (no such device, ...) are checked with `same`.
same_set() {
	local d n=0 t rc=0
	d=$(mktemp -d)
	for t in wg "${WGC:-wgc}"; do
		n=$((n + 1))
		printf 'link del wgs\nlink add wgs type wireguard\n' | ip -force -batch - 2>/dev/null
		# shellcheck disable=SC2034 # T is for the script eval runs
		(T=$t; eval "$1") >"$d/$n.out" 2>"$d/$n.err"
		echo "status $?" >>"$d/$n.out"
		wg show wgs dump >"$d/$n.dump" 2>&1
	done
	ip link del wgs
	sed -i 's/\bwgc\b/wg/g' "$d/2.out"
	_same_files "$d" "'$1'" dump out || rc=1
	[ $rc = 0 ] || sed 's/^/stderr of wg: /' "$d/1.err"
	[ $rc = 0 ] || sed "s/^/stderr of ${WGC:-wgc}: /" "$d/2.err"
	rm -rf "$d"
	return $rc
}

# gcheck NAME CMD...: like the host's check: "ok - NAME" when CMD succeeds,
# else "not ok - NAME" and its output. For many cases in one round trip.
gcheck() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok - $name"
	else
		echo "not ok - $name"
		[ -n "$out" ] && printf '#   %s\n' "$out" | head -20
	fi
}

# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for the endpoint-candidate tests (tests/net/candidates_*.sh), on
# top of lib.sh and daemon_lib.sh, which the caller sources first.

WGC=$BUILD/wgc

# cand_json NS IF PEER_PUB EXPR: evaluates a python expression over that
# peer's "endpoint_candidates" list (c) and the peer object (p) of
# `wgc show IF --json`; prints the result.
cand_json() {
	nsx "$1" "$WGC" show "$2" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = next((p for p in d["peers"] if p["public_key"] == sys.argv[1]), {})
c = p.get("endpoint_candidates", [])
print(eval(sys.argv[2]))' "$3" "$4"
}

# cand_true NS IF PEER_PUB EXPR: succeeds when EXPR is True.
cand_true() { [ "$(cand_json "$@")" = True ]; }

# current_endpoint NS IF: the (only) peer's endpoint, as `wg show IF endpoints` prints it.
current_endpoint() { nsx "$1" "$WG" show "$2" endpoints | awk '{ print $2 }'; }

# same_twice CMD...: runs CMD until two consecutive outputs agree (live counters move), prints that output.
same_twice() {
	local a b i
	a=$("$@" 2>&1)
	for ((i = 0; i < 20; i++)); do
		b=$("$@" 2>&1)
		[ "$a" = "$b" ] && { printf '%s\n' "$a"; return 0; }
		a=$b
		sleep 0.1
	done
	return 1
}

# dev_counter NS IF NAME: a device counter from `wgc show IF --json`, "none" if absent.
dev_counter() {
	nsx "$1" "$WGC" show "$2" --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin).get("counters", {}).get(sys.argv[1], "none"))' "$3"
}

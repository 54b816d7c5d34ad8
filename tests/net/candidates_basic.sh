#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Endpoint candidates (issue 14), the basics, wgcd against wgcd:
#   - `wgc set IF peer K endpoint A endpoint B`: the initiation goes to both;
#     the first reply wins and becomes the endpoint; the responder counts the
#     later identical copy as rejected_duplicate_initiation, never as a stale
#     timestamp;
#   - `wgc show --json` lists endpoint_candidates with per-candidate counters;
#     the human form lists the other candidates under the peer;
#   - stock `wg show`, `wg show dump`/`endpoints` and `wg showconf` keep
#     working and show one endpoint; wgc's field forms are byte-identical to
#     wg's; `wgc showconf` prints one Endpoint line per candidate, in order;
#   - candidates survive `wgc showconf | wgc setconf` and `wgc syncconf`;
#   - a peer whose candidates are all dead does not spin: initiations stay at
#     the core's retry pace, and the counters show attempts per candidate;
#   - a single `endpoint` clears the candidates (as with wg).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/candidates_lib.sh"
require_root_and_tools python3
[ -x "$WGC" ] || { not_ok "missing $WGC (make)"; exit 1; }

make_tunnel_pair wgcd wgcd || exit 1
# A has two live candidates for B: over IPv6 (preferred) and IPv4
check "set two candidates" nsx "$NS_A" "$WGC" set "$IF_A" peer "$PUB_B" endpoint "[fd20::2]:51820" endpoint "10.200.0.2:51820"
check "handshake over the candidates" wait_handshake "$NS_A" "$IF_A" "$IN4_B" 15
check "json lists both candidates in order" cand_true "$NS_A" "$IF_A" "$PUB_B" \
	'[x["endpoint"] for x in c] == ["[fd20::2]:51820", "10.200.0.2:51820"]'
check "the initiation went to both" cand_true "$NS_A" "$IF_A" "$PUB_B" 'all(x["initiations_sent"] >= 1 for x in c)'
check "exactly one candidate is current and it replied" cand_true "$NS_A" "$IF_A" "$PUB_B" \
	'sum(x["current"] for x in c) == 1 and all(x["last_reply"] > 0 for x in c if x["current"])'
check "the current candidate is the endpoint" cand_true "$NS_A" "$IF_A" "$PUB_B" \
	'[x["address"] for x in c if x["current"]] == [p["endpoint"]]'
dup_counted() {
	[ "$(dev_counter "$NS_B" "$IF_B" rejected_duplicate_initiation)" -ge 1 ] &&
		[ "$(dev_counter "$NS_B" "$IF_B" rejected_stale_timestamp)" = 0 ]
}
check "B counted the second copy as a duplicate initiation, not a stale one" wait_until 5 dup_counted

ext=$(uapi_raw "$IF_B" $'get=1\nwgc_extensions=1\n\n')
check "defaults in the UAPI extension: candidate-retry 30 s, reresolve-after 135 s" bash -c \
	"grep -qx 'wgc_candidate_retry=30' <<<'$ext' && grep -qx 'wgc_reresolve_after=135' <<<'$ext'"
plain=$(uapi_raw "$IF_A" $'get=1\n\n')
check "a plain get=1 reply has no wgc_ line (stock wg sees one endpoint)" bash -c "! grep -q '^wgc_' <<<'$plain'"

# the human form lists the other candidate; the field forms are wg's, byte for byte
if nsx "$NS_A" "$WGC" show "$IF_A" | grep -q "other candidates: "; then
	ok "human show lists the other candidate"
else
	not_ok "human show lists the other candidate"
	nsx "$NS_A" "$WGC" show "$IF_A" | sed 's/^/#   /'
fi
same_as_wg() {
	[ "$(same_twice nsx "$NS_A" "$WGC" show "$IF_A" "$1")" = "$(same_twice nsx "$NS_A" wg show "$IF_A" "$1")" ]
}
for form in endpoints dump allowed-ips peers latest-handshakes; do
	check "show $form byte-identical to wg" same_as_wg "$form"
done
check "stock wg show works" nsx "$NS_A" wg show "$IF_A"
check "stock wg showconf shows one endpoint" bash -c \
	"[ \"\$(ip netns exec '$NS_A' wg showconf '$IF_A' | grep -c '^Endpoint = ')\" = 1 ]"
nsx "$NS_A" "$WGC" showconf "$IF_A" >"$TEST_TMP/a.conf"
check "wgc showconf prints every candidate in order" bash -c \
	"grep '^Endpoint = ' '$TEST_TMP/a.conf' | diff - <(printf 'Endpoint = [fd20::2]:51820\nEndpoint = 10.200.0.2:51820\n')"

# round trips: setconf of showconf, syncconf
check "setconf of showconf" nsx "$NS_A" "$WGC" setconf "$IF_A" "$TEST_TMP/a.conf"
check "candidates survive setconf" cand_true "$NS_A" "$IF_A" "$PUB_B" 'len(c) == 2'
nsx "$NS_A" ping -c1 -W3 "$IN4_B" >/dev/null 2>&1 # a new handshake after setconf: initiations to both
sent_before=$(cand_json "$NS_A" "$IF_A" "$PUB_B" 'c[1]["initiations_sent"]')
check "syncconf of showconf" nsx "$NS_A" "$WGC" syncconf "$IF_A" "$TEST_TMP/a.conf"
check "candidates survive syncconf" cand_true "$NS_A" "$IF_A" "$PUB_B" 'len(c) == 2'
check "... with their counters (a reload does not reset them)" cand_true "$NS_A" "$IF_A" "$PUB_B" \
	"c[1]['initiations_sent'] >= $sent_before >= 1"
check "showconf unchanged after the round trips" bash -c \
	"ip netns exec '$NS_A' '$WGC' showconf '$IF_A' | diff '$TEST_TMP/a.conf' -"
check "the tunnel still works" nsx "$NS_A" ping -c2 -W2 "$IN4_B"

# all candidates dead: a second peer reachable nowhere
DEAD_PUB=$(wg genkey | wg pubkey)
check "set dead candidates" nsx "$NS_A" "$WGC" set "$IF_A" peer "$DEAD_PUB" allowed-ips 10.10.9.0/24 \
	endpoint 10.200.0.98:51820 endpoint 10.200.0.99:51820
ip -n "$NS_A" route add 10.10.9.0/24 dev "$IF_A"
start=$SECONDS
nsx "$NS_A" ping -c1 -W1 10.10.9.1 >/dev/null 2>&1
check "initiations reach each dead candidate" wait_until 30 cand_true "$NS_A" "$IF_A" "$DEAD_PUB" \
	'all(x["initiations_sent"] >= 3 for x in c)'
elapsed=$((SECONDS - start + 1))
note "$(cand_json "$NS_A" "$IF_A" "$DEAD_PUB" "c, p[\"counters\"]")"
sent=$(cand_json "$NS_A" "$IF_A" "$DEAD_PUB" 'max(x["initiations_sent"] for x in c)')
# the core retries every 5 s (+ jitter): a spinning sender would be in the thousands
if [ "$sent" -le $((elapsed / 5 + 2)) ]; then
	ok "dead candidates do not spin ($sent initiations each in ${elapsed}s)"
else
	not_ok "dead candidates do not spin ($sent initiations each in ${elapsed}s)"
fi
check "the peer's initiation counter matches the per-candidate ones" cand_true "$NS_A" "$IF_A" "$DEAD_PUB" \
	'p["counters"]["handshake_initiations_sent"] == c[0]["initiations_sent"] == c[1]["initiations_sent"]'

# one endpoint clears the list, as wg would set it
check "a single endpoint" nsx "$NS_A" "$WGC" set "$IF_A" peer "$PUB_B" endpoint 10.200.0.2:51820
check "clears the candidates" cand_true "$NS_A" "$IF_A" "$PUB_B" '"endpoint_candidates" not in p'
check "showconf back to one Endpoint line" bash -c \
	"[ \"\$(ip netns exec '$NS_A' '$WGC' showconf '$IF_A' | grep -c '^Endpoint = ')\" = 3 ]"

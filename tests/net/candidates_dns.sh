#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DNS re-resolution of endpoint candidates in wgcd (issue 14). The hub's
# name resolves through /etc/netns/NS/hosts, which `ip netns exec`
# bind-mounts over /etc/hosts (rewritten in place: a rename would be
# invisible to the running daemon).
#   - the hub moves to another address and the name follows (the peer's
#     one Endpoint is the name: wgc hands wgcd the name); with
#     reresolve-after shortened to 3 s the peer's traffic resumes within the
#     interval plus one handshake, with no restart;
#   - wgcd runs with --user nobody and --seccomp (the resolver works there);
#   - a resolver that hangs (a name sent to a silent DNS server) does not
#     stop traffic to the hub or UAPI requests.
: "${TEST_TIMEOUT:=150}"
# tests/slow/candidates_dns_default.sh runs this with the default interval (RERESOLVE_AFTER=default)
RERESOLVE_AFTER=${RERESOLVE_AFTER:-3}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/candidates_lib.sh"
require_root_and_tools python3 nft
[ -x "$WGC" ] || { not_ok "missing $WGC (make)"; exit 1; }

new_ns PC && new_ns HUB || { not_ok "namespaces"; exit 1; }
veth_pair "$PC" "$HUB" 10.200.0.1/24 10.200.0.2/24 || { not_ok "veth"; exit 1; }
NAME="hub-$$.test"
mkdir -p "/etc/netns/$PC"
push_cleanup "rm -rf '/etc/netns/$PC'"
echo "10.200.0.2 $NAME" >"/etc/netns/$PC/hosts"
# a DNS server that never answers (the hub's namespace drops port 53): a name not in hosts hangs the resolver
printf "nameserver 10.200.0.77\noptions timeout:25 attempts:1\n" >"/etc/netns/$PC/resolv.conf"
nsx "$HUB" nft -f - <<'EOF' || { not_ok "silent DNS server"; exit 1; }
table inet silentdns {
	chain input { type filter hook input priority 0; udp dport 53 drop; tcp dport 53 drop; }
}
EOF
printf 'hosts: files dns\n' >"/etc/netns/$PC/nsswitch.conf"

new_ifname IF_PC
new_ifname IF_HUB
start_daemon "$HUB" wgcd "$IF_HUB" || { not_ok "start hub"; exit 1; }
# the PC's wgcd drops to nobody with the seccomp filter, as a hardened unit runs it
ip netns exec "$PC" env LOG_LEVEL=verbose "$BUILD/wgcd" -f --user nobody --seccomp "$IF_PC" \
	>"$TEST_TMP/$IF_PC.log" 2>&1 </dev/null &
PC_PID=$!
push_cleanup "rm -f '$UAPI_DIR/$IF_PC.sock'"
push_cleanup "kill $PC_PID; sleep 0.2; kill -9 $PC_PID"
wait_until 5 test -S "$UAPI_DIR/$IF_PC.sock" || { not_ok "start pc wgcd --user --seccomp"; daemon_log "$IF_PC"; exit 1; }

(umask 077 && wg genkey >"$TEST_TMP/hub.key" && wg genkey >"$TEST_TMP/pc.key")
PUB_HUB=$(wg pubkey <"$TEST_TMP/hub.key") PUB_PC=$(wg pubkey <"$TEST_TMP/pc.key")
nsx "$HUB" wg set "$IF_HUB" private-key "$TEST_TMP/hub.key" listen-port 51820 peer "$PUB_PC" allowed-ips 10.60.0.2/32 &&
	ip -n "$HUB" addr add 10.60.0.1/24 dev "$IF_HUB" && ip -n "$HUB" link set "$IF_HUB" up &&
	nsx "$PC" "$WGC" set "$IF_PC" private-key "$TEST_TMP/pc.key" \
		$([ "$RERESOLVE_AFTER" = default ] || echo reresolve-after "$RERESOLVE_AFTER") peer "$PUB_HUB" \
		allowed-ips 10.60.0.1/32 endpoint "$NAME:51820" &&
	ip -n "$PC" addr add 10.60.0.2/24 dev "$IF_PC" && ip -n "$PC" link set "$IF_PC" up ||
	{ not_ok "configure"; exit 1; }
check "the name resolves to the hub's first address" cand_true "$PC" "$IF_PC" "$PUB_HUB" \
	'c[0]["address"] == "10.200.0.2:51820"'
check "tunnel up over the name" wait_handshake "$PC" "$IF_PC" 10.60.0.1 15

# the hub moves; the name follows (rewritten in place, same inode)
ip -n "$HUB" addr del 10.200.0.2/24 dev veth0
ip -n "$HUB" addr add 10.200.0.12/24 dev veth0
echo "10.200.0.12 $NAME" >"/etc/netns/$PC/hosts"
# the hub forgets the PC's endpoint (as a hub behind which clients roam never initiates to
# them): only the PC's re-resolution can bring the tunnel back, not roaming
nsx "$HUB" wg set "$IF_HUB" peer "$PUB_PC" remove
nsx "$HUB" wg set "$IF_HUB" peer "$PUB_PC" allowed-ips 10.60.0.2/32
# the silent DNS server's address (added after the move: deleting a primary address drops its secondaries)
ip -n "$HUB" addr add 10.200.0.77/24 dev veth0
start=$SECONDS
limit=$(( $([ "$RERESOLVE_AFTER" = default ] && echo 135 || echo "$RERESOLVE_AFTER") + 17 ))
while [ $((SECONDS - start)) -lt $limit ]; do
	nsx "$PC" ping -c1 -W1 10.60.0.1 >/dev/null 2>&1 && [ "$(current_endpoint "$PC" "$IF_PC")" = 10.200.0.12:51820 ] && break
done
if [ "$(current_endpoint "$PC" "$IF_PC")" = 10.200.0.12:51820 ] && nsx "$PC" ping -c1 -W2 10.60.0.1 >/dev/null; then
	ok "the hub moved: traffic resumes at its new address after $((SECONDS - start)) s, no restart"
else
	not_ok "the hub moved: traffic resumes at its new address"
	nsx "$PC" "$WGC" show "$IF_PC" | sed 's/^/#   /'
	daemon_log "$IF_PC" | tail -20
fi
check "the candidate shows the new address" cand_true "$PC" "$IF_PC" "$PUB_HUB" 'c[0]["address"] == "10.200.0.12:51820"'
check "the daemon kept its user (no restart)" kill -0 "$PC_PID"

# a hanging resolver: a second peer's name goes to the silent DNS server (raw UAPI: the CLI
# would wait for the name itself)
STUCK=$(wg genkey | wg pubkey | python3 -c 'import base64,sys; print(base64.b64decode(sys.stdin.read()).hex())')
req=$(printf 'set=1\npublic_key=%s\nallowed_ip=10.61.0.0/24\nwgc_replace_endpoint_candidates=true\nwgc_endpoint_candidate=stuck-%s.invalid:51820\nwgc_endpoint_candidate=10.200.0.98:51820\n\nx' "$STUCK" "$$")
uapi_raw "$IF_PC" "${req%x}" >"$TEST_TMP/raw.out"
check "raw UAPI set with an unresolved name" grep -q "errno=0" "$TEST_TMP/raw.out" || { cat "$TEST_TMP/raw.out"; daemon_log "$IF_PC" | tail -5; }
# the resolver is now stuck for tens of seconds (timeouts x attempts x A/AAAA)
sleep_until=$((SECONDS + 4))
while [ $SECONDS -lt $sleep_until ]; do nsx "$PC" ping -c1 -W1 10.60.0.1 >/dev/null 2>&1; done
check "the resolver is still waiting for the silent server" bash -c "! grep -q 'Cannot resolve endpoint candidate stuck' '$TEST_TMP/$IF_PC.log'"
slow=0
for i in 1 2 3 4 5; do
	t0=$(date +%s%N)
	nsx "$PC" "$WGC" show "$IF_PC" dump >/dev/null || slow=1
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 2000 ] || slow=1
done
if [ $slow = 0 ]; then ok "UAPI requests answer at once while the resolver hangs"; else not_ok "UAPI requests answer at once while the resolver hangs"; fi
check "traffic to the hub continues while the resolver hangs" nsx "$PC" ping -c3 -i0.3 -W2 10.60.0.1
check "the stuck name is still unresolved" cand_true "$PC" "$IF_PC" "$(python3 -c "import base64; print(base64.b64encode(bytes.fromhex('$STUCK')).decode())")" \
	'c[0]["address"] is None'
check "... and still waiting after the checks (they ran during the hang)" bash -c "! grep -q 'Cannot resolve endpoint candidate stuck' '$TEST_TMP/$IF_PC.log'"

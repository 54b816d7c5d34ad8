#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `wgc metrics` scraped by a real Prometheus: a wgcd <-> wgcd tunnel carries
# a known exchange (handshake, then 5 pings of 1000 bytes from A); `wgc
# metrics` serves A's device on A's loopback and a Prometheus started here
# (its own config and storage in the test's temp dir, killed by pid) scrapes
# it every second. The test asks Prometheus's HTTP API for the byte counters
# until the scraped values equal what `wg show transfer` reports, and checks
# the friendly name from the config comment, peers up, the handshake
# counters (when the backend reports counters) and `promtool check metrics`.
# Everything listens inside the test's namespace: no port can collide.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh" # wait_until
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
require_root_and_tools prometheus promtool python3

WGC=$BUILD/wgc
make_tunnel_pair wgcd wgcd || exit 1
wait_handshake "$NS_A" "$IF_A" "$IN4_B" 20 || { not_ok "handshake"; exit 1; }
check "known exchange: 5 pings of 1000 bytes" nsx "$NS_A" ping -c5 -i0.2 -W3 -s 1000 "$IN4_B"

mkdir -p "$TEST_TMP/conf" "$TEST_TMP/prom"
printf '[Interface]\nListenPort = 51820\n\n[Peer]\n# friendly_name = peer "B"\nPublicKey = %s\nAllowedIPs = %s/32\n' \
	"$PUB_B" "$IN4_B" >"$TEST_TMP/conf/$IF_A.conf"

# --once output is valid exposition text.
nsx "$NS_A" "$WGC" metrics --once --config-dir "$TEST_TMP/conf" "$IF_A" >"$TEST_TMP/once.txt" 2>"$TEST_TMP/once.err"
check_fails "--once runs clean under the sanitizers" grep -q Sanitizer "$TEST_TMP/once.err"
check "promtool check metrics passes on --once output" promtool check metrics <"$TEST_TMP/once.txt"
check_fails "--once with a bad --listen fails (new-user trial)" "$WGC" metrics --listen nonsense --once --config-dir "$TEST_TMP/conf"
check "--once names peer B" grep -q "friendly_name=\"peer \\\\\"B\\\\\"\"" "$TEST_TMP/once.txt"
check_fails "--once shows no private key" grep -q "$(nsx "$NS_A" "$WG" show "$IF_A" private-key)" "$TEST_TMP/once.txt"
# A named interface that does not exist fails, naming it, as `wg show nosuchif' does;
# the ones that exist are still printed.
nsx "$NS_A" "$WGC" metrics --once "$IF_A" "nosuch$$" >"$TEST_TMP/missing.txt" 2>"$TEST_TMP/missing.err"
rc=$?
[ $rc -ne 0 ] && grep -q "interface nosuch$$" "$TEST_TMP/missing.err" && grep -q "^wireguard_sent_bytes_total{interface=\"$IF_A\"" "$TEST_TMP/missing.txt" &&
	ok "--once with a missing interface fails and names it" ||
	{ not_ok "--once with a missing interface fails and names it (rc $rc)"; sed 's/^/#   /' "$TEST_TMP/missing.err"; }

# `ip netns exec' (not the nsx function) so that $! is the program's own pid.
ip netns exec "$NS_A" "$WGC" metrics --listen 127.0.0.1:9586 --config-dir "$TEST_TMP/conf" "$IF_A" \
	>"$TEST_TMP/metrics.log" 2>&1 </dev/null &
metrics_pid=$!
push_cleanup "kill $metrics_pid"

cat >"$TEST_TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: wgc
    static_configs:
      - targets: ['127.0.0.1:9586']
YML
ip netns exec "$NS_A" prometheus --config.file="$TEST_TMP/prometheus.yml" --storage.tsdb.path="$TEST_TMP/prom" \
	--web.listen-address=127.0.0.1:9090 --log.level=warn >"$TEST_TMP/prometheus.log" 2>&1 </dev/null &
prom_pid=$!
push_cleanup "kill $prom_pid; sleep 0.5; kill -9 $prom_pid"

# query EXPR: prints "value" of the first sample of an instant query, nothing when none yet.
cat >"$TEST_TMP/query.py" <<'PY'
import json, sys, urllib.parse, urllib.request
url = "http://127.0.0.1:9090/api/v1/query?query=" + urllib.parse.quote(sys.argv[1])
try:
    r = json.load(urllib.request.urlopen(url, timeout=3))
except Exception:
    sys.exit(0)
res = r.get("data", {}).get("result", [])
if res:
    print(res[0]["value"][1])
PY
query() { nsx "$NS_A" python3 "$TEST_TMP/query.py" "$1"; }

# wait_scraped NAME EXPR WANT_CMD: polls (60 s at most) until Prometheus returns
# for EXPR the value WANT_CMD prints (read afresh each time).
wait_scraped() {
	local name=$1 expr=$2 want got end=$((SECONDS + 60))
	shift 2
	while [ $SECONDS -lt $end ]; do
		want=$("$@")
		got=$(query "$expr")
		if [ -n "$got" ] && [ "$got" = "$want" ]; then
			ok "$name ($got)"
			return 0
		fi
		kill -0 "$prom_pid" 2>/dev/null || break
		sleep 0.5
	done
	not_ok "$name (Prometheus has '${got:-nothing}', expected '$want')"
	sed 's/^/#   /' "$TEST_TMP/prometheus.log" "$TEST_TMP/metrics.log" | tail -20
	return 1
}
transfer_field() { nsx "$NS_A" "$WG" show "$IF_A" transfer | awk -v f="$1" '{ print $f }'; }
sel="interface=\"$IF_A\",public_key=\"$PUB_B\""
wait_scraped "Prometheus scraped wireguard_sent_bytes_total equal to wg show" \
	"wireguard_sent_bytes_total{$sel}" transfer_field 3
wait_scraped "Prometheus scraped wireguard_received_bytes_total equal to wg show" \
	"wireguard_received_bytes_total{$sel}" transfer_field 2
tx=$(query "wireguard_sent_bytes_total{$sel}")
# 5 pings of 1000 bytes: 5 data packets of 32 + 1040 (1028 padded to 16) + 16 bytes at least.
check "sent bytes cover the 5 pings ($tx >= 5440)" test "${tx:-0}" -ge 5440
hs() { nsx "$NS_A" "$WG" show "$IF_A" latest-handshakes | awk '{ print $2 }'; }
wait_scraped "latest handshake is the unix time wg shows" "wireguard_latest_handshake_seconds{$sel}" hs
echo_one() { echo 1; }
wait_scraped "peers up counts B" "wgc_peers_up{interface=\"$IF_A\"}" echo_one
wait_scraped "friendly name label from the config comment" \
	"count(wireguard_sent_bytes_total{$sel,friendly_name=\"peer \\\"B\\\"\"})" echo_one
# wgcd reports its counters: the handshake of the known exchange is in them.
check "--once carries wgcd's counters" grep -q '^wgc_peer_handshake_initiations_sent_total' "$TEST_TMP/once.txt"
one_init() { nsx "$NS_A" "$WGC" metrics --once "$IF_A" | awk '/^wgc_peer_handshake_initiations_sent_total/ { print $2 }'; }
wait_scraped "handshake initiations sent equal the backend's count" \
	"wgc_peer_handshake_initiations_sent_total{$sel}" one_init
check "at least one initiation sent" test "$(query "wgc_peer_handshake_initiations_sent_total{$sel}")" -ge 1
wait_scraped "one handshake response received" "wgc_peer_handshake_responses_received_total{$sel}" echo_one
echo_zero() { echo 0; }
wait_scraped "no handshake rejected for a bad mac1" \
	"wgc_device_handshake_rejected_total{interface=\"$IF_A\",reason=\"invalid_mac1\"}" echo_zero

# HTTP: /metrics has the exposition's content type, other paths 404, POST 405.
cat >"$TEST_TMP/http_check.py" <<'PY'
import sys, urllib.request, urllib.error
def status(path, data=None):
    try:
        r = urllib.request.urlopen("http://127.0.0.1:9586" + path, data=data, timeout=5)
        return r.status, r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        return e.code, None
ok = status("/metrics") == (200, "text/plain; version=0.0.4; charset=utf-8")
ok = ok and status("/nope")[0] == 404 and status("/metrics", b"x")[0] == 405
sys.exit(0 if ok else 1)
PY
check "HTTP: content type, 404 and 405" nsx "$NS_A" python3 "$TEST_TMP/http_check.py"

# SIGTERM stops the server cleanly (exit 0, nothing from the sanitizers).
kill "$metrics_pid"
wait "$metrics_pid"
metrics_rc=$?
check "wgc metrics exits 0 on SIGTERM" test "$metrics_rc" = 0
check_fails "the server ran clean under the sanitizers" grep -q Sanitizer "$TEST_TMP/metrics.log"

# Per-candidate endpoint state (issue 14): B's working endpoint first, a dead
# one second. Setting the list makes the last one the endpoint (as wg keeps
# the last Endpoint line); B's next packet authenticates from the working one
# and A roams there: it becomes current. promtool still passes.
ep_b=$(nsx "$NS_A" "$WG" show "$IF_A" endpoints | awk '{ print $2 }')
check "candidates set on A's peer B" nsx "$NS_A" "$WGC" set "$IF_A" peer "$PUB_B" endpoint "$ep_b" endpoint 192.0.2.1:51820
cand_line() { printf 'wgc_endpoint_candidate_current{interface="%s",public_key="%s",endpoint="%s"} %s' "$IF_A" "$PUB_B" "$1" "$2"; }
cand_current() {
	nsx "$NS_B" ping -c1 -W1 "$IN4_A" >/dev/null 2>&1
	nsx "$NS_A" "$WGC" metrics --once "$IF_A" >"$TEST_TMP/cand.txt" 2>"$TEST_TMP/cand.err" &&
		grep -qF "$(cand_line "$ep_b" 1)" "$TEST_TMP/cand.txt"
}
check "the working candidate becomes current after B's packet" wait_until 20 cand_current
check "the dead candidate is not current" grep -qF "$(cand_line 192.0.2.1:51820 0)" "$TEST_TMP/cand.txt"
check "promtool check metrics passes with candidates" promtool check metrics <"$TEST_TMP/cand.txt"
check "initiations per candidate" grep -q "^wgc_endpoint_candidate_initiations_sent_total{.*endpoint=\"192.0.2.1:51820\"} [0-9]" "$TEST_TMP/cand.txt"
check "last reply per candidate" grep -q "^wgc_endpoint_candidate_last_reply_seconds{.*endpoint=\"$ep_b\"} [1-9]" "$TEST_TMP/cand.txt"

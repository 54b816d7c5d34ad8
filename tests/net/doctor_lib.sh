# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Helpers of the tests/net/doctor_*.sh scenarios (source after lib.sh):
#
#   doctor NS IF [PEER]          runs `wgc doctor IF [PEER] --json` in NS into $DOCTOR_OUT,
#                                sets DOCTOR_RC, and validates it against doc/doctor.schema.json
#   verdict CHECK [PEER]         the verdict of CHECK in $DOCTOR_OUT ("missing" when absent)
#   expect NAME CHECK VERDICT... ok when CHECK's verdict is one of VERDICT...
#   evidence CHECK               its evidence and advice (for grep)
#   has_counters                 whether the last run's backend reported counters
DOCTOR_OUT=$TEST_TMP/doctor.json
DOCTOR_CONF=$TEST_TMP/conf
mkdir -p "$DOCTOR_CONF"

doctor() {
	local ns=$1
	shift
	nsx "$ns" "$BUILD/wgc" doctor "$@" --json --config-dir "$DOCTOR_CONF" >"$DOCTOR_OUT" 2>"$TEST_TMP/doctor.err"
	DOCTOR_RC=$?
	if grep -q 'Sanitizer' "$TEST_TMP/doctor.err"; then
		not_ok "wgc doctor $* runs clean under the sanitizers"
		sed 's/^/#   /' "$TEST_TMP/doctor.err" | head -20
	fi
	if ! python3 - "$LIB_ROOT/doc/doctor.schema.json" "$DOCTOR_OUT" <<'PY' >"$TEST_TMP/schema.err" 2>&1; then
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.load(open(sys.argv[2])), schema)
PY
		not_ok "doctor $* --json matches doc/doctor.schema.json"
		sed 's/^/#   /' "$TEST_TMP/schema.err" "$TEST_TMP/doctor.err" | tail -10
	fi
}

_doctor_field() {
	python3 - "$DOCTOR_OUT" "$1" "$2" "${3:-}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for itf in d["interfaces"]:
    for c in itf["checks"]:
        if c["check"] == sys.argv[2] and (not sys.argv[4] or c["peer"] == sys.argv[4]):
            print(c["verdict"] if sys.argv[3] == "verdict" else c["evidence"] + " / " + c["advice"])
            sys.exit(0)
print("missing")
PY
}

verdict() { _doctor_field "$1" verdict "${2:-}"; }
evidence() { _doctor_field "$1" evidence "${2:-}"; }
has_counters() { grep -q '"counters": true' "$DOCTOR_OUT"; }

expect() {
	local name=$1 check=$2 got want
	shift 2
	got=$(verdict "$check")
	for want in "$@"; do
		if [ "$got" = "$want" ]; then
			ok "$name ($check: $got)"
			return 0
		fi
	done
	not_ok "$name ($check: $got, expected $*)"
	note "$(evidence "$check")"
	return 1
}

# expect_soon NAME SECONDS NS DOCTOR-ARGS -- CHECK VERDICT: reruns doctor (no probes)
# until CHECK has VERDICT, at most SECONDS; then reports like expect.
expect_soon() {
	local name=$1 limit=$2 ns=$3 end args=()
	shift 3
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	end=$((SECONDS + limit))
	while :; do
		doctor "$ns" "${args[@]}" --no-probe
		[ "$(verdict "$1")" = "$2" ] && break
		[ $SECONDS -ge $end ] && break
		sleep 0.3
	done
	expect "$name" "$1" "$2"
}

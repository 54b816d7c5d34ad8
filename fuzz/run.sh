#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs libFuzzer targets for a while each, on a scratch copy of their seed
# corpus (the tree stays clean), and reports executions and coverage:
#
#   fuzz/run.sh [-t SECONDS] [TARGET...]     (default: 60 s, every target built)
#
# Targets are the binaries in $FUZZ_BUILD (default build-fuzz), built by
# fuzz/fuzz.mk. A crash, leak, sanitizer report or timeout fails the run;
# the offending input is kept in $FUZZ_BUILD/artifacts/ and the log's tail
# printed. Reproduce with: $FUZZ_BUILD/TARGET ARTIFACT
set -u
cd "$(dirname "$0")/.." || exit 2
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
seconds=60
while getopts t: opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for b in "$FUZZ_BUILD"/fuzz_*; do [ -x "$b" ] && targets+=("${b##*/}"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets in $FUZZ_BUILD (make fuzz-build)" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/wgc-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$FUZZ_BUILD/artifacts"
failed=0 n_ok=0 n_bad=0
for t in "${targets[@]}"; do
	bin=$FUZZ_BUILD/$t
	seeds=fuzz/corpus/${t#fuzz_}
	corpus=$scratch/$t
	log=$FUZZ_BUILD/$t.log
	[ -x "$bin" ] || { echo "$t: not built"; failed=1; n_bad=$((n_bad + 1)); continue; }
	mkdir -p "$corpus"
	[ -d "$seeds" ] && cp -r "$seeds"/. "$corpus"/
	"$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -artifact_prefix="$FUZZ_BUILD/artifacts/$t-" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -E '#[0-9]+.*cov: ' "$log" | tail -1 | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1/')
	if [ $rc -eq 0 ]; then
		echo "$t: ok, ${execs:-?} executions in ${seconds}s, ${cov:-no coverage line}"
		n_ok=$((n_ok + 1))
	else
		echo "$t: FAILED (exit $rc) after ${execs:-?} executions, ${cov:-no coverage line}; log $log"
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -15 | sed 's/^/    /'
		failed=1
		n_bad=$((n_bad + 1))
	fi
done
echo "$n_ok passed, $n_bad failed"
exit $failed

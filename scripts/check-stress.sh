#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make check-stress: the network tests (or the groups given, as tests/run.sh
# takes them) while `stress-ng --cpu 2' keeps both cores busy, to show that
# no test depends on timing (issue 10). Not part of CI. Exits with the
# tests' status; stress-ng is stopped by its pid on every exit path.
set -u
cd "$(dirname "$0")/.."
command -v stress-ng >/dev/null || { echo "check-stress: stress-ng is missing (scripts/install-deps.sh)" >&2; exit 1; }
stress-ng --cpu 2 --cpu-method matrixprod --quiet &
stress_pid=$!
trap 'kill "$stress_pid" 2>/dev/null; wait "$stress_pid" 2>/dev/null' EXIT
echo "# stress-ng --cpu 2 running (pid $stress_pid)"
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(net)
BUILD=${BUILD:-build} tests/run.sh "${groups[@]}"

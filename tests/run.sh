#!/usr/bin/env bash
# Runs the test groups named as arguments (unit, net, slow, pkg, kernel; default:
# unit net; pkg builds the Debian package and installs it system-wide:
# tests/pkg/deb.sh; kernel runs wgc against the kernel module in a QEMU guest)
# and ends with the line "N passed, N failed". Each test program prints
# "ok - name" / "not ok - name"; a program that exits non-zero without
# reporting a failure counts as one failure of its own.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(unit net)

passed=0 failed=0
failed_names=()

run_one() {
	local name=$1; shift
	local out rc p f
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name (exit status $rc)" >>"$out"
	fi
	if [ "$f" -gt 0 ] || [ -n "${VERBOSE:-}" ]; then
		cat "$out"
	else
		grep -E '^(ok|not ok) - ' "$out"
	fi
	while read -r line; do failed_names+=("$name: ${line#not ok - }"); done < <(grep '^not ok - ' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	rm -f "$out"
}

for g in "${groups[@]}"; do
	case $g in
	unit)
		for t in "$BUILD"/tests/test_*; do
			[ -x "$t" ] || continue
			case " ${UNIT_SKIP:-} " in *" ${t##*/} "*) echo "# unit: ${t##*/} skipped (UNIT_SKIP)"; continue ;; esac
			echo "# unit: ${t##*/}"
			if [ -n "${VALGRIND:-}" ]; then
				run_one "${t##*/}" valgrind -q --error-exitcode=99 --leak-check=full \
					--errors-for-leak-kinds=definite "$t"
			else
				run_one "${t##*/}" "$t"
			fi
		done ;;
	net|slow|pkg)
		for t in tests/"$g"/*.sh; do
			[ -f "$t" ] || continue
			echo "# $g: ${t##*/}"
			run_one "${t##*/}" bash "$t"
		done ;;
	kernel) # tests/kernel: a QEMU guest per script; lib.sh and mkinitramfs.sh are its harness
		for t in tests/kernel/*.sh; do
			case ${t##*/} in lib.sh|mkinitramfs.sh) continue ;; esac
			echo "# kernel: ${t##*/}"
			run_one "${t##*/}" bash "$t"
		done ;;
	*) echo "unknown test group: $g" >&2; exit 2 ;;
	esac
done

if [ "$failed" -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failed_names[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

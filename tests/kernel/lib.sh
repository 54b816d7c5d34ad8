# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The QEMU harness of the kernel tests (tests/kernel/*.sh). On top of
# tests/net/lib.sh (check, ok/not_ok, namespaces, cleanup trap, watchdog):
#
#   . "$(dirname "$0")/lib.sh"
#   vm_boot                          # once per script
#   check "show" vm 'ip link add wgk0 type wireguard && same show wgk0'
#
# vm_boot builds (or reuses) the initramfs (mkinitramfs.sh), makes a
# namespace VM_NS holding a tap device tap0 (10.203.0.1/24, fd23::1/64) and
# starts qemu inside it; the guest's eth0 is 10.203.0.2/24, fd23::2/64.
# `vm SCRIPT` runs SCRIPT with the guest's sh over a virtio-serial port and
# gives back its output (stdout+stderr) and exit status. qemu is killed by
# pid, the tap and namespace deleted, from the EXIT trap.
#
# In the guest, $WGC is the program under test (wgc) and $WGQ the one for
# up/down/save (wgc); guest/functions.sh has `same ARGS` (compares `wg ARGS`
# with `$WGC ARGS`), same_set and gcheck.
# KWGC=wg runs every test with wireguard-tools in wgc's place (wg-quick for
# up/down), which checks the tests' own logic against the reference.

TEST_TIMEOUT=${TEST_TIMEOUT:-300}
# shellcheck source=SCRIPTDIR/../net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../net/lib.sh"

KWGC=${KWGC:-wgc}
if [ "$KWGC" = wg ]; then KWGQ=${KWGQ:-wg-quick}; else KWGQ=${KWGQ:-wgc}; fi
# shellcheck disable=SC2034 # for the test scripts
VM_HOST4=10.203.0.1 VM_GUEST4=10.203.0.2 VM_HOST6=fd23::1 VM_GUEST6=fd23::2
# shellcheck disable=SC2034 # for the test scripts
VM_PID='' VM_IN='' VM_OUT='' VM_NS='' VM_BOOT_SECONDS=''

# vm_accel: "kvm" when the CPU has vmx/svm and /dev/kvm opens, else "tcg".
vm_accel() {
	if grep -qE '\b(vmx|svm)\b' /proc/cpuinfo && { exec 9<>/dev/kvm; } 2>/dev/null; then
		exec 9>&-
		echo kvm
	else
		echo tcg
	fi
}

# vm_boot [KERNEL_ARGS...]: boots the guest; exits the test (one not ok) when it cannot.
vm_boot() {
	local images kernel initrd accel cpu start line t0
	require_root_and_tools qemu-system-x86_64 busybox
	[ -x "$BUILD/wgc" ] && [ -x "$BUILD/wgcd" ] || { not_ok "build $BUILD/wgc and $BUILD/wgcd first"; exit 1; }
	images=$("$LIB_ROOT/tests/kernel/mkinitramfs.sh" "$BUILD" 2>"$TEST_TMP/mkinitramfs.log") ||
		{ not_ok "build the guest initramfs"; sed 's/^/#   /' "$TEST_TMP/mkinitramfs.log"; exit 1; }
	read -r kernel initrd <<<"$images"
	note "guest: $kernel, ${initrd##*/}"
	new_ns VM_NS || { not_ok "namespace"; exit 1; }
	ip -n "$VM_NS" tuntap add dev tap0 mode tap && push_cleanup "ip -n '$VM_NS' link del tap0" &&
		add_addr "$VM_NS" tap0 "$VM_HOST4/24" && add_addr "$VM_NS" tap0 "$VM_HOST6/64" &&
		ip -n "$VM_NS" link set tap0 up || { not_ok "tap device"; exit 1; }
	mkfifo "$TEST_TMP/ctl.in" "$TEST_TMP/ctl.out" || { not_ok "fifos"; exit 1; }
	accel=$(vm_accel)
	if [ "$accel" = kvm ]; then cpu=host; else cpu=max; fi
	t0=$(date +%s.%N)
	ip netns exec "$VM_NS" qemu-system-x86_64 -nodefaults -no-user-config -display none \
		-machine pc,accel="$accel" -cpu "$cpu" -smp 1 -m 512 -no-reboot \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off $*" \
		-serial "file:$TEST_TMP/console.log" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56 \
		-device virtio-rng-pci \
		-device virtio-serial-pci -chardev pipe,id=ctl,path="$TEST_TMP/ctl" \
		-device virtserialport,chardev=ctl,name=wgc.ctl \
		</dev/null >"$TEST_TMP/qemu.log" 2>&1 &
	VM_PID=$!
	push_cleanup "kill $VM_PID; sleep 0.3; kill -9 $VM_PID"
	# read-write opens of a fifo never block, whichever side comes first
	exec {VM_IN}<>"$TEST_TMP/ctl.in" {VM_OUT}<>"$TEST_TMP/ctl.out"
	push_cleanup "exec $VM_IN>&- $VM_OUT<&-"
	start=$SECONDS
	while [ $((SECONDS - start)) -lt "${VM_BOOT_TIMEOUT:-180}" ]; do
		if _vm_line 1 && [ "${VM_LINE%% *}" = READY ]; then
			line=$VM_LINE
			VM_BOOT_SECONDS=$(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null ||
				awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
			note "guest up after ${VM_BOOT_SECONDS}s ($accel; guest uptime ${line#READY })"
			return 0
		fi
		kill -0 "$VM_PID" 2>/dev/null || break
	done
	not_ok "boot the guest"
	sed 's/^/#   qemu: /' "$TEST_TMP/qemu.log" | tail -5
	vm_console
	exit 1
}

# _vm_line SECONDS: reads one whole line from the guest into VM_LINE; a
# line cut by the timeout is kept and completed by the next call.
_vm_partial=
_vm_line() {
	local part=
	if read -r -t "$1" -u "$VM_OUT" part; then
		VM_LINE=$_vm_partial$part
		_vm_partial=
		return 0
	fi
	_vm_partial=$_vm_partial$part
	return 1
}

# vm_console: the last lines of the guest's serial console (for failures).
vm_console() { sed 's/^/#   console: /' "$TEST_TMP/console.log" 2>/dev/null | tail -"${1:-20}"; }

# vm SCRIPT: runs SCRIPT in the guest (a bash subshell with guest/functions.sh, cwd /root, stdin empty),
# killed after VM_CMD_TIMEOUT seconds (default 120); prints its stdout and
# stderr, returns its exit status (124 when no answer came back).
vm() {
	local t=${VM_CMD_TIMEOUT:-120} id line rc='' end out
	id=c$BASHPID$SRANDOM
	printf '%s %s %s\n' "$id" "$t" "$(printf 'export WGC=%s WGQ=%s\n%s\n' "$KWGC" "$KWGQ" "$1" | base64 -w0)" >&"$VM_IN"
	end=$((SECONDS + t + 30))
	out=$(mktemp "$TEST_TMP/out.XXXXXX")
	while [ $SECONDS -lt $end ]; do
		if ! _vm_line 5; then
			kill -0 "$VM_PID" 2>/dev/null && continue
			echo "# the guest is gone (qemu exited)"
			vm_console 10
			break
		fi
		line=$VM_LINE
		case $line in
		"BEGIN $id") : >"$out" ;;
		"END $id "*) rc=${line##* }; break ;;
		BEGIN*|END*|READY*) ;;
		*) echo "$line" >>"$out" ;;
		esac
	done
	if [ -z "$rc" ]; then
		echo "# no answer from the guest in $((t + 30)) s"
		rm -f "$out"
		return 124
	fi
	base64 -d "$out"
	rm -f "$out"
	return "$rc"
}

# vm_checks SCRIPT: runs SCRIPT, whose cases print their own "ok - " /
# "not ok - " lines (gcheck in the guest), so many cases cost one round trip;
# copies those lines and counts the failures. A script that reports no case
# or does not answer is one failure.
vm_checks() {
	local out rc n
	out=$(vm "$1")
	rc=$?
	printf '%s\n' "$out"
	n=$(grep -c '^not ok - ' <<<"$out")
	_lib_failures=$((_lib_failures + n))
	if ! grep -q '^ok - \|^not ok - ' <<<"$out" || { [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; }; then
		not_ok "guest script (status $rc): ${1:0:60}"
	fi
}

# vm_put FILE GUEST_PATH: copies a host file into the guest.
vm_put() {
	local chunk first=1
	while read -r chunk; do
		if [ $first = 1 ]; then
			vm "echo '$chunk' | base64 -d >'$2'" || return 1
			first=0
		else
			vm "echo '$chunk' | base64 -d >>'$2'" || return 1
		fi
	done < <(base64 -w 49152 "$1")
	[ $first = 0 ] || vm ": >'$2'"
}

# vm_get GUEST_PATH FILE: copies a guest file to the host.
vm_get() { vm "cat '$1'" >"$2"; }

# host_wgc ARGS: wgc on the host side (in VM_NS), for wgcd interfaces there.
host_wgc() { nsx "$VM_NS" "$BUILD/wgc" "$@"; }

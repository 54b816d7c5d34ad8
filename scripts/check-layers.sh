#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails when a lower layer includes a higher one, or when the UAPI socket
# client is used outside the backend seam.
#
#   core  <-  common  <-  (ipc, provision)  <-  (daemon, cli)
#
# A file may include its own layer and any lower one, never a higher one or
# a sibling on the same level (ipc/provision, daemon/cli). Outside src/core
# and tests/unit, core headers are included only through the public ones:
# a header whose name contains "internal" (src/core/*internal*.h or
# src/core/internal/) is the core's own. The UAPI client
# (ipc/uapi_client.h, wgc_uapi_client_*) is used only in src/ipc/ (and by
# unit tests of it); everything else goes through ipc/ipc.h.
#
#   scripts/check-layers.sh [ROOT]      check the tree at ROOT (default: .)
#   scripts/check-layers.sh --self-test check that each kind of violation fails
set -u

rank() {
	case "$1" in
	core) echo 0 ;; common) echo 1 ;; ipc | provision) echo 2 ;; daemon | cli) echo 3 ;; *) echo -1 ;;
	esac
}

# prints one line per violation under ROOT; exit status 1 if any
check_tree() {
	local root=$1 bad=0 file dir layer target tlayer inc
	while IFS= read -r file; do
		dir=${file%/*}
		layer=${file#"$root"/src/}
		layer=${layer%%/*}
		while IFS= read -r inc; do
			# resolve like the compiler: next to the file first, then -Isrc
			if [ -e "$dir/$inc" ]; then
				target=$(realpath -m --relative-to="$root/src" "$dir/$inc")
			else
				target=$(realpath -m --relative-to="$root/src" "$root/src/$inc")
			fi
			tlayer=${target%%/*}
			[ "$(rank "$tlayer")" -ge 0 ] || continue
			if [ "$tlayer" != "$layer" ] && [ "$(rank "$tlayer")" -ge "$(rank "$layer")" ]; then
				echo "${file#"$root"/}: $layer includes $target (layer $tlayer is not below $layer)"
				bad=1
			elif [ "$tlayer" = core ] && [ "$layer" != core ] && [[ $target == *internal* ]]; then
				echo "${file#"$root"/}: $layer includes the core's internal header $target"
				bad=1
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
	done < <(find "$root/src" -name '*.[ch]' | sort)
	while IFS= read -r file; do
		case "${file#"$root"/}" in
		src/ipc/* | tests/unit/*) continue ;;
		esac
		echo "${file#"$root"/}: uses the UAPI client outside src/ipc/ (call ipc/ipc.h)"
		bad=1
	done < <(grep -rlE 'uapi_client\.h|wgc_uapi_client_' --include='*.[ch]' "$root" 2>/dev/null | sort)
	return $bad
}

self_test() {
	local fails=0 name
	self_tmp=$(mktemp -d) || exit 1
	local tmp=$self_tmp
	trap 'rm -rf "$self_tmp"' EXIT
	mk() { mkdir -p "$tmp/$1/src/${2%/*}" && printf '%s\n' "$3" >"$tmp/$1/src/$2"; }
	for name in good common_up core_up sibling internal uapi uapi_rel; do
		mk "$name" core/device.h '/* public */'
		mk "$name" core/device_internal.h '/* private */'
		mk "$name" core/device.c '#include "core/device_internal.h"'
		mk "$name" common/model.h '#include "../core/device.h"'
		mk "$name" ipc/uapi_client.h '#include "common/model.h"'
		mk "$name" ipc/ipc.c '#include "ipc/uapi_client.h"'
		mk "$name" cli/show.c '#include "ipc/ipc.h"'
	done
	mk common_up common/show.c '#include "cli/wgc.h"'
	mk core_up core/noise.c '#include "../common/model.h"'
	mk sibling provision/pool.c '#include "ipc/ipc.h"'
	mk internal daemon/lane.c '#include "core/device_internal.h"'
	mk uapi cli/set.c 'static int f(void) { return wgc_uapi_client_set(0, 0); }'
	mk uapi_rel cli/up.c '#include "../ipc/uapi_client.h"'
	for name in good common_up core_up sibling internal uapi uapi_rel; do
		if check_tree "$tmp/$name" >/dev/null; then
			[ "$name" = good ] && echo "ok - check-layers accepts $name" ||
				{ echo "not ok - check-layers accepts $name"; fails=1; }
		else
			[ "$name" != good ] && echo "ok - check-layers rejects $name" ||
				{ echo "not ok - check-layers rejects $name"; fails=1; }
		fi
	done
	return $fails
}

if [ "${1:-}" = --self-test ]; then
	self_test
	exit
fi
root=${1:-.}
root=${root%/}
if check_tree "$root"; then
	echo "check-layers: ok"
else
	echo "check-layers: layering violations above" >&2
	exit 1
fi

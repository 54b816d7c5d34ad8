#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_set.sh's comparisons of wgc with Debian's wg, with wgcd as the daemon
# instead of wireguard-go.
cd "$(dirname "$0")/../.." || exit 1
WGGO="$PWD/${BUILD:-build}/wgcd" exec bash tests/net/cli_set.sh

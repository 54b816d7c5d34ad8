#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/net/candidates_dns.sh with wgcd's default re-resolution interval
# (135 s without a handshake, as reresolve-dns.sh): the hub moves and the
# peer's traffic resumes within 135 s plus one handshake, with no restart.
export RERESOLVE_AFTER=default TEST_TIMEOUT=${TEST_TIMEOUT:-300}
exec bash "$(dirname "$0")/../net/candidates_dns.sh"

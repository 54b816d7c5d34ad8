/* SPDX-License-Identifier: MIT */
/*
 * The only packets `wgc doctor` sends: pings to a peer's endpoint host, one
 * small UDP datagram to the endpoint's port (to see an ICMP port
 * unreachable), and pings with DF set to the peer's tunnel address.
 */
#ifndef WGC_CLI_DOCTOR_PROBE_H
#define WGC_CLI_DOCTOR_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/doctor_eval.h"
#include "common/model.h"

/* TTL (hop limit) of the first ping reply from host, -1 when none in about 2 s. */
int cli_doc_ping_ttl(const char *host);
/* Whether `count' pings of `size' payload bytes with DF set get any reply within about 2 s each. */
bool cli_doc_ping_df(const char *host, int size, int count);
/*
 * Sends one 1-byte UDP datagram to ep (with fwmark when not 0; a WireGuard
 * peer drops it as too short) and waits up to 1 s for an ICMP error:
 * YES for port unreachable, NO for silence, UNKNOWN when it could not send.
 */
enum wgc_doc_tri cli_doc_port_unreachable(const union wgc_endpoint *ep, uint32_t fwmark);

#endif

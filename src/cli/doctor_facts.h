/* SPDX-License-Identifier: MIT */
/*
 * Gathering `wgc doctor`'s facts from the running system: the backend (via
 * the seam), links, routes and addresses (`ip -j`), sockets (`ss`), sysctls,
 * the firewall (`nft -j list ruleset`, `iptables-legacy-save`) and, when
 * probing is on, a few packets to the peer's endpoint and tunnel address.
 * Decisions are made in src/common/doctor_eval.c, not here.
 */
#ifndef WGC_CLI_DOCTOR_FACTS_H
#define WGC_CLI_DOCTOR_FACTS_H

#include <stdbool.h>
#include <time.h>

#include "common/doctor_eval.h"
#include "common/model.h"
#include "common/strbuf.h"

struct cli_doc_env {
	const char *config_dir;     /* where IF.conf is looked for (hub marker) */
	struct wgc_strbuf ruleset;  /* nft -j list ruleset; data NULL when unreadable */
	bool ruleset_ok;
	struct wgc_strbuf ipt4, ipt6; /* iptables-legacy-save / ip6tables-legacy-save; data NULL when absent */
	char legacy[WGC_DOC_TEXT];  /* legacy iptables present but unreadable */
	time_t now;
};

void cli_doc_env_init(struct cli_doc_env *env, const char *config_dir);
void cli_doc_env_free(struct cli_doc_env *env);

/* The device's facts; *dev receives its state (free with wgc_model_free). */
void cli_doc_device_facts(struct wgc_doc_device_facts *f, struct wgc_device_model *dev, const char *ifname,
			  const struct cli_doc_env *env);
/* One peer's facts; probes are sent only when probe is true. */
void cli_doc_peer_facts(struct wgc_doc_peer_facts *f, const struct wgc_doc_device_facts *df,
			const struct wgc_device_model *dev, const struct wgc_peer_model *peer,
			const struct cli_doc_env *env, bool probe);

#endif

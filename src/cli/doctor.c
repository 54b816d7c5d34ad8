// SPDX-License-Identifier: MIT
/*
 * wgc doctor [IF [PEER]] [--json] [--no-probe] [--config-dir DIR]: why is
 * there no handshake, layer by layer. Reads and observes; the only packets
 * it sends go to the probed peer's endpoint (pings, one 1-byte UDP datagram)
 * and its tunnel address (pings with DF), and the output names them. A
 * peer is probed when it is named, or when it is its device's only peer.
 * Exit status 1 when any check fails (or on usage errors), else 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/doctor_facts.h"
#include "cli/wgc.h"
#include "common/doctor_format.h"
#include "ipc/ipc.h"

struct doctor_opts {
	const char *ifname, *peer, *config_dir;
	bool json, probe;
};

static void usage(const char *cmd)
{
	fprintf(stderr, "Usage: %s %s [<interface> [<peer public key or its first characters>]] [--json] [--no-probe] "
			"[--config-dir DIR]\n", PROG_NAME, cmd);
}

static bool peer_selected(const struct wgc_doc_peer_facts *pf, const char *want)
{
	return !want || !strncmp(pf->public_key, want, strlen(want));
}

static const char *backend_name(const struct wgc_doc_device_facts *df)
{
	return !df->exists ? "none" : df->kernel ? "kernel" : "userspace";
}

/* The checks of one interface into itf; false when PEER matched none of its peers. */
static bool doctor_one(struct wgc_doc_interface *itf, const char *ifname, const struct doctor_opts *o,
		       const struct cli_doc_env *env)
{
	struct wgc_device_model dev = { 0 };
	struct wgc_doc_device_facts df;
	size_t matched = 0, nprobe = 0;
	unsigned caps = wgc_ipc_caps(ifname);

	memset(itf, 0, sizeof(*itf));
	snprintf(itf->name, sizeof(itf->name), "%s", ifname);
	cli_doc_device_facts(&df, &dev, ifname, env);
	itf->backend = caps & WGC_IPC_CAP_COUNTERS ? "wgcd" : backend_name(&df);
	itf->counters = df.counters;
	wgc_doctor_device(&itf->report, &df);
	for (size_t i = 0; df.daemon_answers && i < dev.n_peers; i++) {
		struct wgc_doc_peer_facts pf;
		bool named = o->peer != NULL, probe;

		cli_doc_peer_facts(&pf, &df, &dev, &dev.peers[i], env, false);
		if (!peer_selected(&pf, o->peer))
			continue;
		matched++;
		/* Never probe from a namespace the device's packets do not leave from. */
		probe = o->probe && (named || dev.n_peers == 1) && (df.kernel || df.link_up != WGC_DOC_UNKNOWN);
		if (probe) {
			cli_doc_peer_facts(&pf, &df, &dev, &dev.peers[i], env, true);
			if (pf.endpoint[0] && nprobe < 4)
				snprintf(itf->probes[nprobe++], WGC_DOC_LINE, "%s (pings, one 1-byte UDP datagram to %s)",
					 pf.endpoint_host, pf.endpoint);
			if (pf.tunnel_addr[0] && nprobe < 4)
				snprintf(itf->probes[nprobe++], WGC_DOC_LINE, "%s (pings with DF through the tunnel)",
					 pf.tunnel_addr);
		}
		wgc_doctor_peer(&itf->report, &df, &pf);
	}
	wgc_model_free(&dev);
	return !o->peer || matched > 0;
}

static int run(const struct doctor_opts *o)
{
	struct wgc_doc_interface *ifs = NULL;
	struct cli_doc_env env;
	struct wgc_strbuf out = { 0 };
	char *names = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;
	unsigned counts[5];

	if (o->ifname) {
		names = calloc(1, strlen(o->ifname) + 2);
		if (names)
			strcpy(names, o->ifname);
	} else {
		names = wgc_ipc_list();
	}
	if (!names) {
		perror("Unable to list interfaces");
		return 1;
	}
	if (!*names) {
		fprintf(stderr, "%s: no WireGuard interfaces\n", PROG_NAME);
		free(names);
		return 1;
	}
	cli_doc_env_init(&env, o->config_dir);
	for (char *name = names; *name; name += strlen(name) + 1) {
		if (n == cap) {
			struct wgc_doc_interface *p = realloc(ifs, (cap = cap ? cap * 2 : 4) * sizeof(*p));

			if (!p)
				break;
			ifs = p;
		}
		if (!doctor_one(&ifs[n++], name, o, &env)) {
			fprintf(stderr, "%s: %s has no peer whose public key starts with `%s'\n", PROG_NAME, name, o->peer);
			ret = 1;
		}
	}
	if (o->json)
		wgc_doctor_format_json(&out, ifs, n);
	else
		wgc_doctor_format_text(&out, ifs, n, isatty(STDOUT_FILENO));
	if (!cli_write_stdout(&out) || wgc_doctor_summary(ifs, n, counts) == WGC_DOC_FAIL)
		ret = 1;
	wgc_strbuf_free(&out);
	for (size_t i = 0; i < n; i++)
		wgc_doctor_report_free(&ifs[i].report);
	free(ifs);
	free(names);
	cli_doc_env_free(&env);
	return ret;
}

int doctor_main(int argc, const char *argv[])
{
	struct doctor_opts o = { .config_dir = "/etc/wireguard", .probe = true };
	int pos = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[i], "--no-probe")) {
			o.probe = false;
		} else if (!strcmp(argv[i], "--config-dir") && i + 1 < argc) {
			o.config_dir = argv[++i];
		} else if (argv[i][0] == '-' || pos == 2) {
			usage(argv[0]);
			return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? 1 : 0;
		} else if (pos++ == 0) {
			o.ifname = argv[i];
		} else {
			o.peer = argv[i];
		}
	}
	return run(&o);
}

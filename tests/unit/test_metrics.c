// SPDX-License-Identifier: MIT
/* `wgc metrics`: the exposition text for known models, label escaping and friendly names from config comments. */
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/metrics_format.h"
#include "common/peer_names.h"
#include "core/encoding.h"
#include "harness.h"

static const char *KEY_A = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
static const char *KEY_B = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

static void add_peer(struct wgc_device_model *d, const char *key, const char *ips, uint64_t rx, uint64_t tx,
		     int64_t hs)
{
	struct wgc_peer_model *p = wgc_model_add_peer(d);
	char copy[256], *save = NULL;

	CHECK(wgc_key_from_base64(p->public_key, key));
	p->rx_bytes = rx;
	p->tx_bytes = tx;
	p->last_handshake_sec = hs;
	snprintf(copy, sizeof(copy), "%s", ips);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		CHECK(wgc_prefix_parse(wgc_model_add_allowed_ip(p), t, true));
}

static void test_exposition(void)
{
	struct wgc_device_model d = { .name = "wg0" };
	struct wgc_strbuf out = { 0 };
	const char *want =
		"# HELP wireguard_sent_bytes_total Bytes sent to the peer\n"
		"# TYPE wireguard_sent_bytes_total counter\n"
		"wireguard_sent_bytes_total{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",allowed_ips=\"10.70.0.2/32,fd00::2/128\"} 3208804\n"
		"wireguard_sent_bytes_total{interface=\"wg0\",public_key=\"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=\",allowed_ips=\"\"} 0\n"
		"# HELP wireguard_received_bytes_total Bytes received from the peer\n"
		"# TYPE wireguard_received_bytes_total counter\n"
		"wireguard_received_bytes_total{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",allowed_ips=\"10.70.0.2/32,fd00::2/128\"} 71420072\n"
		"wireguard_received_bytes_total{interface=\"wg0\",public_key=\"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=\",allowed_ips=\"\"} 0\n"
		"# HELP wireguard_latest_handshake_seconds Unix time of the last handshake with the peer (0: never)\n"
		"# TYPE wireguard_latest_handshake_seconds gauge\n"
		"wireguard_latest_handshake_seconds{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",allowed_ips=\"10.70.0.2/32,fd00::2/128\"} 1562834127\n"
		"wireguard_latest_handshake_seconds{interface=\"wg0\",public_key=\"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=\",allowed_ips=\"\"} 0\n"
		"# HELP wgc_peers Configured peers\n"
		"# TYPE wgc_peers gauge\n"
		"wgc_peers{interface=\"wg0\"} 2\n"
		"# HELP wgc_peers_up Peers whose last handshake is at most 180 seconds old\n"
		"# TYPE wgc_peers_up gauge\n"
		"wgc_peers_up{interface=\"wg0\"} 1\n";

	add_peer(&d, KEY_A, "10.70.0.2/32,fd00::2/128", 71420072, 3208804, 1562834127);
	add_peer(&d, KEY_B, "", 0, 0, 0);
	memset(d.private_key, 0x42, sizeof(d.private_key));
	wgc_metrics_format(&out, &d, 1, NULL, 1562834127 + 180);
	CHECK(!out.failed && out.data);
	if (out.data && strcmp(out.data, want))
		fprintf(stderr, "got:\n%s\n", out.data);
	CHECK(out.data && !strcmp(out.data, want));
	wgc_strbuf_free(&out);
	/* One second later the peer is no longer up. */
	wgc_metrics_format(&out, &d, 1, NULL, 1562834127 + 181);
	CHECK(out.data && strstr(out.data, "wgc_peers_up{interface=\"wg0\"} 0\n"));
	wgc_strbuf_free(&out);
	wgc_model_free(&d);
}

/* Per-candidate state: one sample per candidate, only for peers with a list; labels escaped. */
static void test_candidates(void)
{
	struct wgc_device_model d = { .name = "wg0" };
	struct wgc_strbuf out = { 0 };
	struct wgc_endpoint_candidate *c;
	const char *want =
		"# HELP wgc_endpoint_candidate_current 1 for the candidate that is the peer's current endpoint\n"
		"# TYPE wgc_endpoint_candidate_current gauge\n"
		"wgc_endpoint_candidate_current{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",endpoint=\"192.168.0.10:51820\"} 1\n"
		"wgc_endpoint_candidate_current{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",endpoint=\"hub\\\"x\\\".example:51820\"} 0\n"
		"# HELP wgc_endpoint_candidate_initiations_sent_total Handshake initiations sent to the endpoint candidate\n"
		"# TYPE wgc_endpoint_candidate_initiations_sent_total counter\n"
		"wgc_endpoint_candidate_initiations_sent_total{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",endpoint=\"192.168.0.10:51820\"} 3\n"
		"wgc_endpoint_candidate_initiations_sent_total{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",endpoint=\"hub\\\"x\\\".example:51820\"} 7\n"
		"# HELP wgc_endpoint_candidate_last_reply_seconds Unix time of the last authenticated reply from the candidate (0: never)\n"
		"# TYPE wgc_endpoint_candidate_last_reply_seconds gauge\n"
		"wgc_endpoint_candidate_last_reply_seconds{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",endpoint=\"192.168.0.10:51820\"} 1562834127\n"
		"wgc_endpoint_candidate_last_reply_seconds{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",endpoint=\"hub\\\"x\\\".example:51820\"} 0\n";
	const char *start;

	add_peer(&d, KEY_A, "10.70.0.2/32", 0, 0, 1562834127);
	add_peer(&d, KEY_B, "", 0, 0, 0);
	/* KEY_B has one candidate only: that is a plain endpoint, no candidate samples */
	CHECK((c = wgc_model_add_candidate(&d.peers[1], "10.0.0.9:51820")) != NULL);
	CHECK((c = wgc_model_add_candidate(&d.peers[0], "192.168.0.10:51820")) != NULL);
	if (c) {
		c->current = true;
		c->initiations_sent = 3;
		c->last_reply = 1562834127;
	}
	CHECK((c = wgc_model_add_candidate(&d.peers[0], "hub\"x\".example:51820")) != NULL);
	if (c)
		c->initiations_sent = 7;
	wgc_metrics_format(&out, &d, 1, NULL, 1562834127);
	CHECK(!out.failed && out.data);
	start = out.data ? strstr(out.data, "# HELP wgc_endpoint_candidate_current") : NULL;
	CHECK(start && !strncmp(start, want, strlen(want)));
	if (start && strncmp(start, want, strlen(want)))
		fprintf(stderr, "got:\n%s\n", start);
	CHECK(out.data && !strstr(out.data, "10.0.0.9"));
	wgc_strbuf_free(&out);
	wgc_model_free(&d);
}

static void test_friendly_names(void)
{
	const char conf[] = "[Interface]\n# friendly_name = not a peer\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
			    "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n  #  friendly_name =  Pixel \"7\" \\a  \r\n"
			    "AllowedIPs = 10.0.0.2/32\n[peer]\n# friendly_name = no key\n"
			    "[Peer]\n# friendly_name = bad key\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8D\n";
	struct wgc_peer_names names = { 0 };
	struct wgc_device_model d = { .name = "hub\"0" };
	struct wgc_strbuf out = { 0 };
	uint8_t key[WGC_KEY_LEN];

	CHECK(wgc_peer_names_parse(&names, conf, strlen(conf)));
	CHECK(names.n == 1);
	CHECK(wgc_key_from_base64(key, KEY_A));
	CHECK(wgc_peer_names_find(&names, key) && !strcmp(wgc_peer_names_find(&names, key), "Pixel \"7\" \\a"));
	add_peer(&d, KEY_A, "10.0.0.2/32", 1, 2, 0);
	wgc_metrics_format(&out, &d, 1, &names, 0);
	CHECK(out.data && strstr(out.data, "wireguard_sent_bytes_total{interface=\"hub\\\"0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",allowed_ips=\"10.0.0.2/32\",friendly_name=\"Pixel \\\"7\\\" \\\\a\"} 2\n"));
	/* No private key material from the config reaches the names. */
	CHECK(out.data && !strstr(out.data, "yAnz5TF"));
	wgc_strbuf_free(&out);
	wgc_peer_names_free(&names);
	wgc_model_free(&d);
}

static void test_names_truncated_input(void)
{
	const char conf[] = "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n# friendly_name = x";
	struct wgc_peer_names names = { 0 };

	/* Every prefix of the file parses; only the whole one names the peer. */
	for (size_t n = 0; n <= strlen(conf); n++) {
		CHECK(wgc_peer_names_parse(&names, conf, n));
		CHECK(names.n == (n == strlen(conf)));
		wgc_peer_names_free(&names);
	}
}

static void test_counters_by_reason(void)
{
	struct wgc_device_model d[2] = { { .name = "wg0" }, { .name = "wg1" } };
	struct wgc_strbuf out = { 0 };
	const char *o;

	add_peer(&d[0], KEY_A, "10.0.0.2/32", 0, 0, 0);
	CHECK(!wgc_model_add_counter(&d[0].counters, "rejected_invalid_mac1", 3));
	CHECK(!wgc_model_add_counter(&d[0].counters, "handshake_initiations_received", 7));
	CHECK(!wgc_model_add_counter(&d[0].counters, "data_dropped_no_route", 2));
	CHECK(!wgc_model_add_counter(&d[0].counters, "Bad-Name", 1));
	CHECK(!wgc_model_add_counter(&d[0].counters, "datapath_lock_wait_us", 2500001));
	CHECK(!wgc_model_add_counter(&d[1].counters, "rejected_unknown_peer", 4));
	CHECK(!wgc_model_add_counter(&d[0].peers[0].counters, "handshake_initiations_sent", 5));
	CHECK(!wgc_model_add_counter(&d[0].peers[0].counters, "last_handshake_attempt", 1700000000));
	CHECK(!wgc_model_add_counter(&d[0].peers[0].counters, "data_rejected_source_not_allowed", 6));
	wgc_metrics_format(&out, d, 2, NULL, 0);
	o = out.data ? out.data : "";
	/* Both devices' rejections in one family, one HELP/TYPE, by reason. */
	CHECK(strstr(o, "# TYPE wgc_device_handshake_rejected_total counter\n"
			"wgc_device_handshake_rejected_total{interface=\"wg0\",reason=\"invalid_mac1\"} 3\n"
			"wgc_device_handshake_rejected_total{interface=\"wg1\",reason=\"unknown_peer\"} 4\n"));
	CHECK(strstr(o, "wgc_device_handshake_initiations_received_total{interface=\"wg0\"} 7\n"));
	/* microseconds from the backend, base unit seconds for Prometheus (promtool refuses "_us") */
	CHECK(strstr(o, "# TYPE wgc_device_datapath_lock_wait_seconds_total counter\n"
			"wgc_device_datapath_lock_wait_seconds_total{interface=\"wg0\"} 2.500001\n"));
	CHECK(!strstr(o, "_us_total"));
	CHECK(strstr(o, "wgc_device_data_dropped_total{interface=\"wg0\",reason=\"no_route\"} 2\n"));
	CHECK(strstr(o, "wgc_peer_handshake_initiations_sent_total{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",allowed_ips=\"10.0.0.2/32\"} 5\n"));
	CHECK(strstr(o, "# TYPE wgc_peer_last_handshake_attempt_seconds gauge\n"));
	CHECK(strstr(o, "wgc_peer_data_rejected_total{interface=\"wg0\",public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",allowed_ips=\"10.0.0.2/32\",reason=\"source_not_allowed\"} 6\n"));
	CHECK(!strstr(o, "Bad-Name") && !strstr(o, "bad"));
	/* Each family has exactly one TYPE line. */
	CHECK(strstr(o, "# TYPE wgc_device_handshake_rejected_total") == strrchr(o, '#') ? true
	      : strstr(strstr(o, "# TYPE wgc_device_handshake_rejected_total") + 1, "# TYPE wgc_device_handshake_rejected_total") == NULL);
	wgc_strbuf_free(&out);
	wgc_model_free(&d[0]);
	wgc_model_free(&d[1]);
}

int main(void)
{
	RUN_TEST(test_counters_by_reason);
	RUN_TEST(test_exposition);
	RUN_TEST(test_candidates);
	RUN_TEST(test_friendly_names);
	RUN_TEST(test_names_truncated_input);
	return harness_exit_code();
}

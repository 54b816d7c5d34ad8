// SPDX-License-Identifier: MIT
/*
 * The nft JSON evaluator against tables of packets: one ruleset in the
 * common forms (ct state, iifname, prefixes, anonymous and named sets,
 * ranges, reject, jump/goto/return, a limit it must not guess) as
 * `nft -j list ruleset` printed it, then policies, priorities and junk.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/nft_eval.h"
#include "harness.h"

static const char RS1[] =
	"{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_vers"
	"ion\": 1}}, {\"table\": {\"family\": \"inet\", \"name\": \"filter\", \"handle\": 1}}, {\"set\": {\"family\": \"inet\", "
	"\"name\": \"allowed\", \"table\": \"filter\", \"type\": \"ipv4_addr\", \"handle\": 4, \"elem\": [\"10.0.0.1\"]}}, {\"ch"
	"ain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": "
	"\"input\", \"prio\": 0, \"policy\": \"accept\"}}, {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"u"
	"dpchain\", \"handle\": 2}}, {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"other\", \"handle\": "
	"3}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 5, \"expr\": [{\"match\""
	": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}}, {\"accept\": n"
	"ull}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 6, \"expr\": [{\"ma"
	"tch\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": \"lo\"}}, {\"accept\": null}]}}, {\"rul"
	"e\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 8, \"expr\": [{\"match\": {\"op\": \""
	"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": {\"prefix\": {\"addr\": \"10.1.0"
	".0\", \"len\": 16}}}}, {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": \"dport\"}"
	"}, \"right\": {\"set\": [51820, 51821]}}}, {\"counter\": {\"packets\": 0, \"bytes\": 0}}, {\"drop\": null}]}}, {"
	"\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 9, \"expr\": [{\"match\": {\"op"
	"\": \"==\", \"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": \"dport\"}}, \"right\": {\"range\": [1000, 2000]"
	"}}}, {\"reject\": {\"type\": \"icmpx\", \"expr\": \"port-unreachable\"}}]}}, {\"rule\": {\"family\": \"inet\", \"tabl"
	"e\": \"filter\", \"chain\": \"input\", \"handle\": 10, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key"
	"\": \"l4proto\"}}, \"right\": \"udp\"}}, {\"jump\": {\"target\": \"udpchain\"}}]}}, {\"rule\": {\"family\": \"inet\", \""
	"table\": \"filter\", \"chain\": \"input\", \"handle\": 11, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\""
	": {\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": \"@allowed\"}}, {\"accept\": null}]}}, {\"rule\": {\"fami"
	"ly\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 12, \"expr\": [{\"match\": {\"op\": \"==\", \"lef"
	"t\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, {\"accept\": null}]}}, {\"rule\":"
	" {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"udpchain\", \"handle\": 13, \"expr\": [{\"match\": {\"op\": "
	"\"==\", \"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": \"dport\"}}, \"right\": 51820}}, {\"goto\": {\"targe"
	"t\": \"other\"}}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"udpchain\", \"handle\": 14, "
	"\"expr\": [{\"return\": null}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"other\", \"hand"
	"le\": 15, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip6\", \"field\": \"daddr\"}},"
	" \"right\": {\"prefix\": {\"addr\": \"fd00::\", \"len\": 8}}}}, {\"drop\": null}]}}, {\"rule\": {\"family\": \"inet\","
	" \"table\": \"filter\", \"chain\": \"other\", \"handle\": 16, \"expr\": [{\"limit\": {\"rate\": 10, \"burst\": 5, \"per"
	"\": \"second\"}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"other\","
	" \"handle\": 17, \"expr\": [{\"match\": {\"op\": \"!=\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"sadd"
	"r\"}}, \"right\": {\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": 8}}}}, {\"match\": {\"op\": \"!=\", \"left\": {\"payloa"
	"d\": {\"protocol\": \"udp\", \"field\": \"sport\"}}, \"right\": 53}}, {\"drop\": null}]}}]}";

/* Two base chains: prio 10 accepts all, prio -10 drops port 51820 (runs first); policy drop on output. */
static const char RS2[] =
	"{\"nftables\": [{\"chain\": {\"family\": \"ip\", \"table\": \"t\", \"name\": \"late\", \"type\": \"filter\", "
	"\"hook\": \"input\", \"prio\": 10, \"policy\": \"accept\"}},"
	"{\"chain\": {\"family\": \"ip\", \"table\": \"t\", \"name\": \"early\", \"type\": \"filter\", \"hook\": \"input\", "
	"\"prio\": -10, \"policy\": \"accept\"}},"
	"{\"chain\": {\"family\": \"ip\", \"table\": \"t\", \"name\": \"out\", \"type\": \"filter\", \"hook\": \"output\", "
	"\"prio\": 0, \"policy\": \"drop\"}},"
	"{\"chain\": {\"family\": \"ip\", \"table\": \"t\", \"name\": \"nat\", \"type\": \"nat\", \"hook\": \"output\", "
	"\"prio\": 0, \"policy\": \"accept\"}},"
	"{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"late\", \"handle\": 2, \"expr\": [{\"accept\": null}]}},"
	"{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"early\", \"handle\": 3, \"expr\": [{\"match\": {\"op\": "
	"\"==\", \"left\": {\"payload\": {\"protocol\": \"th\", \"field\": \"dport\"}}, \"right\": 51820}}, {\"drop\": null}]}},"
	"{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"out\", \"handle\": 4, \"expr\": [{\"match\": {\"op\": "
	"\"==\", \"left\": {\"meta\": {\"key\": \"mark\"}}, \"right\": 51820}}, {\"accept\": null}]}}]}";

struct row {
	const char *name;
	const char *rules;
	enum wgc_fw_hook hook;
	const char *src, *dst;
	uint16_t sport, dport;
	const char *iif;
	uint32_t mark;
	enum wgc_fw_verdict want;
	const char *want_rule; /* substring of res.rule; NULL: empty */
};

static const struct row rows[] = {
	{ "prefix and anonymous set: drop", RS1, WGC_FW_INPUT, "10.1.2.3", "10.0.0.9", 40000, 51820, "veth0", 0,
	  WGC_FW_DROP, "inet filter input handle 8: drop" },
	{ "port range: reject counts as drop", RS1, WGC_FW_INPUT, "10.9.9.9", "10.0.0.9", 40000, 1500, "veth0", 0,
	  WGC_FW_DROP, "handle 9: reject" },
	{ "jump, goto, then a limit it cannot evaluate", RS1, WGC_FW_INPUT, "10.9.9.9", "10.0.0.9", 40000, 51820,
	  "veth0", 0, WGC_FW_CANNOT_TELL, "inet filter other handle 16: a statement it cannot evaluate before `accept'" },
	{ "jump and return fall through to the accept policy", RS1, WGC_FW_INPUT, "10.9.9.9", "10.0.0.9", 40000, 5000,
	  "veth0", 0, WGC_FW_ACCEPT, NULL },
	{ "named set accepts", RS1, WGC_FW_INPUT, "10.0.0.1", "10.0.0.9", 40000, 5000, "veth0", 0, WGC_FW_ACCEPT, NULL },
	{ "unknown input interface: cannot tell the iifname rule", RS1, WGC_FW_INPUT, "10.1.2.3", "10.0.0.9", 40000,
	  51820, "", 0, WGC_FW_CANNOT_TELL, "handle 6: a match it cannot evaluate" },
	{ "lo accepted before the drop", RS1, WGC_FW_INPUT, "10.1.2.3", "10.0.0.9", 40000, 51820, "lo", 0,
	  WGC_FW_ACCEPT, NULL },
	{ "IPv6 packet skips ip matches", RS1, WGC_FW_INPUT, "fd00::1", "fd00::2", 40000, 5000, "veth0", 0,
	  WGC_FW_ACCEPT, NULL },
	{ "IPv6 port 51820 via goto: ip6 daddr prefix drops", RS1, WGC_FW_INPUT, "fd00::1", "fd00::2", 40000, 51820,
	  "veth0", 0, WGC_FW_DROP, "inet filter other handle 15: drop" },
	{ "no output chain: accepted", RS1, WGC_FW_OUTPUT, "10.0.0.9", "10.1.2.3", 51820, 51820, "", 0, WGC_FW_ACCEPT,
	  NULL },
	{ "lower priority chain runs first and drops", RS2, WGC_FW_INPUT, "10.9.9.9", "10.0.0.9", 1, 51820, "", 0,
	  WGC_FW_DROP, "ip t early handle 3: drop" },
	{ "other port: both chains accept", RS2, WGC_FW_INPUT, "10.9.9.9", "10.0.0.9", 1, 51821, "", 0, WGC_FW_ACCEPT,
	  NULL },
	{ "output policy drop without the mark", RS2, WGC_FW_OUTPUT, "10.0.0.9", "10.9.9.9", 51820, 51820, "", 0,
	  WGC_FW_DROP, "policy drop of ip t out" },
	{ "output with the fwmark accepted; nat chain ignored", RS2, WGC_FW_OUTPUT, "10.0.0.9", "10.9.9.9", 51820,
	  51820, "", 51820, WGC_FW_ACCEPT, NULL },
	{ "ip family tables do not see IPv6", RS2, WGC_FW_INPUT, "fd00::1", "fd00::2", 1, 51820, "", 0, WGC_FW_ACCEPT,
	  NULL },
};

static void fill(uint8_t out[16], int *af, const char *s)
{
	memset(out, 0, 16);
	*af = inet_pton(AF_INET, s, out) == 1 ? AF_INET : AF_INET6;
	if (*af == AF_INET6)
		CHECK(inet_pton(AF_INET6, s, out) == 1);
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct wgc_fw_packet pkt = { .hook = r->hook, .l4proto = IPPROTO_UDP, .sport = r->sport,
					     .dport = r->dport, .mark = r->mark };
		struct wgc_fw_result res;
		bool ok;

		fill(pkt.saddr, &pkt.family, r->src);
		fill(pkt.daddr, &pkt.family, r->dst);
		snprintf(pkt.iifname, sizeof(pkt.iifname), "%s", r->iif);
		ok = wgc_nft_evaluate(r->rules, strlen(r->rules), &pkt, &res);
		ok = ok && res.verdict == r->want && (r->want_rule ? strstr(res.rule, r->want_rule) != NULL : !res.rule[0]);
		if (!ok)
			fprintf(stderr, "%s: verdict %d rule '%s'\n", r->name, res.verdict, res.rule);
		CHECK(ok);
	}
}

static void test_not_a_ruleset(void)
{
	static const char *bad[] = { "", "not json", "{\"nftables\": 5}", "[1,2]", "{\"nftables\": [", "null" };
	struct wgc_fw_packet pkt = { .hook = WGC_FW_INPUT, .family = AF_INET, .l4proto = IPPROTO_UDP, .dport = 1 };
	struct wgc_fw_result res;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!wgc_nft_evaluate(bad[i], strlen(bad[i]), &pkt, &res));
		CHECK(res.verdict == WGC_FW_CANNOT_TELL);
	}
	/* An empty ruleset accepts; a prefix of a valid one is not a ruleset. */
	CHECK(wgc_nft_evaluate("{\"nftables\": []}", 15, &pkt, &res) == false);
	CHECK(wgc_nft_evaluate("{\"nftables\": []}", 16, &pkt, &res) && res.verdict == WGC_FW_ACCEPT);
}

int main(void)
{
	RUN_TEST(test_table);
	RUN_TEST(test_not_a_ruleset);
	return harness_exit_code();
}

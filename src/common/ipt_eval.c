// SPDX-License-Identifier: MIT
/*
 * The save format is line-based: `*filter', `:CHAIN POLICY [p:b]', `-A CHAIN
 * args', `COMMIT'. Each rule line is split into at most MAX_TOKENS words
 * (double quotes group, as iptables-save writes comments) when it is
 * evaluated; the text itself is never modified.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/ipt_eval.h"

enum { MAX_TOKENS = 48, TOKEN_LEN = 128, MAX_DEPTH = 16, MAX_LINE = 1024 };
enum tri { T_FALSE, T_TRUE, T_UNKNOWN };
enum outcome { O_NONE, O_ACCEPT, O_DROP, O_UNKNOWN };

struct ctx {
	const char *text;
	size_t len;
	size_t filter_start, filter_end; /* the *filter section */
	const struct wgc_fw_packet *pkt;
	struct wgc_fw_result *res;
};

struct rule {
	char tok[MAX_TOKENS][TOKEN_LEN];
	int n;
};

/* Splits a line into words; false when it has too many or too long ones. */
static bool tokenize(const char *s, size_t n, struct rule *r)
{
	size_t i = 0;

	r->n = 0;
	while (i < n) {
		size_t len = 0;
		bool quoted = false;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i >= n)
			break;
		if (r->n == MAX_TOKENS)
			return false;
		for (; i < n && (quoted || (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')); i++) {
			if (s[i] == '"') {
				quoted = !quoted;
				continue;
			}
			if (s[i] == '\\' && i + 1 < n)
				i++;
			if (len + 1 >= TOKEN_LEN)
				return false;
			r->tok[r->n][len++] = s[i];
		}
		r->tok[r->n++][len] = '\0';
	}
	return true;
}

/* The next line from *pos: its start and length (without the newline). */
static bool next_line(const struct ctx *c, size_t *pos, size_t end, const char **s, size_t *n)
{
	const char *nl;

	if (*pos >= end)
		return false;
	*s = c->text + *pos;
	nl = memchr(*s, '\n', end - *pos);
	*n = nl ? (size_t)(nl - *s) : end - *pos;
	*pos += *n + (nl != NULL);
	return true;
}

static void find_filter(struct ctx *c)
{
	size_t pos = 0, start = 0;
	const char *s;
	size_t n;

	c->filter_start = c->filter_end = 0;
	while (next_line(c, &pos, c->len, &s, &n)) {
		if (n == 7 && !memcmp(s, "*filter", 7)) {
			start = pos;
		} else if (start && n >= 6 && !memcmp(s, "COMMIT", 6)) {
			c->filter_start = start;
			c->filter_end = pos;
			return;
		}
	}
}

/* --- matches ---------------------------------------------------------------- */

static bool parse_prefix(const char *s, int family, uint8_t addr[16], int *plen)
{
	char buf[TOKEN_LEN];
	char *slash;
	uint8_t mask[16];

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(family, buf, addr) != 1)
		return false;
	*plen = family == AF_INET ? 32 : 128;
	if (!slash)
		return true;
	if (strspn(slash, "0123456789") == strlen(slash) && *slash) {
		*plen = atoi(slash);
		return *plen <= (family == AF_INET ? 32 : 128);
	}
	/* a dotted mask: contiguous ones only */
	if (inet_pton(family, slash, mask) != 1)
		return false;
	*plen = 0;
	for (int i = 0; i < (family == AF_INET ? 32 : 128); i++) {
		bool bit = mask[i / 8] >> (7 - i % 8) & 1;

		if (bit && *plen != i)
			return false;
		*plen += bit;
	}
	return true;
}

static enum tri addr_match(const struct wgc_fw_packet *pkt, const char *spec, const uint8_t *addr)
{
	uint8_t net[16];
	int plen;

	if (!parse_prefix(spec, pkt->family, net, &plen))
		return T_UNKNOWN;
	for (int i = 0; i < plen; i++)
		if ((net[i / 8] ^ addr[i / 8]) >> (7 - i % 8) & 1)
			return T_FALSE;
	return T_TRUE;
}

/* "53", "1000:2000", or with multiport "53,1000:2000". */
static enum tri port_match(const char *spec, uint16_t port, bool list)
{
	char buf[TOKEN_LEN], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *t = list ? strtok_r(buf, ",", &save) : buf; t; t = list ? strtok_r(NULL, ",", &save) : NULL) {
		char *colon = strchr(t, ':');
		long lo = strtol(t, NULL, 10), hi = colon ? (colon[1] ? strtol(colon + 1, NULL, 10) : 65535) : lo;

		if (strspn(t, "0123456789:") != strlen(t) || !*t)
			return T_UNKNOWN;
		if (port >= lo && port <= hi)
			return T_TRUE;
	}
	return T_FALSE;
}

static enum tri iface_match(const char *spec, const char *name)
{
	size_t l = strlen(spec);

	if (!name[0])
		return T_UNKNOWN;
	if (l && spec[l - 1] == '+')
		return !strncmp(spec, name, l - 1) ? T_TRUE : T_FALSE;
	return !strcmp(spec, name) ? T_TRUE : T_FALSE;
}

static enum tri proto_match(const char *spec, uint8_t proto)
{
	if (!strcmp(spec, "all"))
		return T_TRUE;
	if (!strcmp(spec, "udp") || !strcmp(spec, "17"))
		return proto == 17 ? T_TRUE : T_FALSE;
	if (!strcmp(spec, "tcp") || !strcmp(spec, "6"))
		return proto == 6 ? T_TRUE : T_FALSE;
	if (!strcmp(spec, "icmp") || !strcmp(spec, "ipv6-icmp") || !strcmp(spec, "1") || !strcmp(spec, "58"))
		return proto == 1 || proto == 58 ? T_TRUE : T_FALSE;
	return T_UNKNOWN;
}

/* --- rules and chains ------------------------------------------------------ */

enum rule_result { R_NOMATCH, R_ACCEPT, R_DROP, R_RETURN, R_JUMP, R_GOTO, R_UNKNOWN };

/* One option at r->tok[*i] (its arguments follow); T_UNKNOWN for options it does not know. */
static enum tri eval_option(const struct ctx *c, const struct rule *r, int *i)
{
	const char *o = r->tok[*i], *a = *i + 1 < r->n ? r->tok[*i + 1] : NULL;
	const struct wgc_fw_packet *p = c->pkt;

	if (!strcmp(o, "-m") || !strcmp(o, "--match") || !strcmp(o, "--comment")) {
		(*i)++; /* a module load decides nothing by itself; a comment neither */
		return T_TRUE;
	}
	if (!a)
		return T_UNKNOWN;
	(*i)++;
	if (!strcmp(o, "-p") || !strcmp(o, "--protocol"))
		return proto_match(a, p->l4proto);
	if (!strcmp(o, "-s") || !strcmp(o, "--source") || !strcmp(o, "--src"))
		return addr_match(p, a, p->saddr);
	if (!strcmp(o, "-d") || !strcmp(o, "--destination") || !strcmp(o, "--dst"))
		return addr_match(p, a, p->daddr);
	if (!strcmp(o, "-i") || !strcmp(o, "--in-interface"))
		return iface_match(a, p->iifname);
	if (!strcmp(o, "-o") || !strcmp(o, "--out-interface"))
		return iface_match(a, p->oifname);
	if (!strcmp(o, "--dport") || !strcmp(o, "--destination-port"))
		return port_match(a, p->dport, false);
	if (!strcmp(o, "--sport") || !strcmp(o, "--source-port"))
		return port_match(a, p->sport, false);
	if (!strcmp(o, "--dports") || !strcmp(o, "--destination-ports"))
		return port_match(a, p->dport, true);
	if (!strcmp(o, "--sports") || !strcmp(o, "--source-ports"))
		return port_match(a, p->sport, true);
	if (!strcmp(o, "--mark")) {
		char *end;
		unsigned long v = strtoul(a, &end, 0), m = *end == '/' ? strtoul(end + 1, &end, 0) : 0xffffffffUL;

		return *end ? T_UNKNOWN : (p->mark & m) == v ? T_TRUE : T_FALSE;
	}
	if (!strcmp(o, "--state") || !strcmp(o, "--ctstate"))
		return strstr(a, "NEW") ? T_TRUE : T_FALSE;
	return T_UNKNOWN;
}

static enum rule_result target_of(const char *t, const char **chain)
{
	if (!strcmp(t, "ACCEPT"))
		return R_ACCEPT;
	if (!strcmp(t, "DROP") || !strcmp(t, "REJECT"))
		return R_DROP;
	if (!strcmp(t, "RETURN"))
		return R_RETURN;
	if (!strcmp(t, "LOG") || !strcmp(t, "NFLOG"))
		return R_NOMATCH;
	*chain = t;
	return R_JUMP;
}

static void describe(struct wgc_fw_result *res, const char *chain, int index, const char *s, size_t n)
{
	snprintf(res->rule, sizeof(res->rule), "iptables %s rule %d: %.*s", chain, index,
		 (int)(n > 120 ? 120 : n), s);
}

/* Matches are ANDed: one false is enough; otherwise unknown wins over true. */
static enum rule_result eval_rule(const struct ctx *c, const char *s, size_t n, const char **target)
{
	static __thread struct rule r; /* 6 KiB: kept off the stack of the recursion */
	enum rule_result verdict = R_NOMATCH;
	bool unknown = false, neg = false;

	if (!tokenize(s, n, &r) || r.n < 2)
		return R_UNKNOWN;
	for (int i = 2; i < r.n; i++) {
		enum tri t;

		if (!strcmp(r.tok[i], "!")) {
			neg = true;
			continue;
		}
		if ((!strcmp(r.tok[i], "-j") || !strcmp(r.tok[i], "-g")) && i + 1 < r.n) {
			verdict = target_of(r.tok[i + 1], target);
			if (verdict == R_JUMP && !strcmp(r.tok[i], "-g"))
				verdict = R_GOTO;
			break; /* target options follow */
		}
		t = eval_option(c, &r, &i);
		if (neg && t != T_UNKNOWN)
			t = t == T_TRUE ? T_FALSE : T_TRUE;
		neg = false;
		if (t == T_FALSE)
			return R_NOMATCH;
		unknown |= t == T_UNKNOWN;
	}
	if (unknown && verdict != R_NOMATCH)
		return R_UNKNOWN;
	return verdict;
}

static bool chain_declared(const struct ctx *c, const char *name)
{
	size_t pos = c->filter_start, nl = strlen(name);
	const char *s;
	size_t n;

	while (next_line(c, &pos, c->filter_end, &s, &n))
		if (n > nl + 1 && s[0] == ':' && !memcmp(s + 1, name, nl) && s[nl + 1] == ' ')
			return true;
	return false;
}

static enum outcome eval_chain(const struct ctx *c, const char *name, int depth)
{
	size_t pos = c->filter_start, nl = strlen(name);
	const char *s;
	size_t n;
	int index = 0;

	if (depth > MAX_DEPTH)
		return O_UNKNOWN;
	while (next_line(c, &pos, c->filter_end, &s, &n)) {
		const char *target = NULL;
		char tname[TOKEN_LEN];
		enum outcome o;
		enum rule_result rr;

		if (n < nl + 4 || memcmp(s, "-A ", 3) || memcmp(s + 3, name, nl) || s[3 + nl] != ' ')
			continue;
		index++;
		switch ((rr = eval_rule(c, s, n, &target))) {
		case R_NOMATCH:
			continue;
		case R_ACCEPT:
			return O_ACCEPT;
		case R_DROP:
			describe(c->res, name, index, s, n);
			return O_DROP;
		case R_RETURN:
			return O_NONE;
		case R_UNKNOWN:
			describe(c->res, name, index, s, n);
			return O_UNKNOWN;
		case R_JUMP:
		case R_GOTO:
			snprintf(tname, sizeof(tname), "%s", target);
			if (!chain_declared(c, tname)) { /* a target extension (MARK, TCPMSS, ...) */
				describe(c->res, name, index, s, n);
				return O_UNKNOWN;
			}
			o = eval_chain(c, tname, depth + 1);
			if (o != O_NONE || rr == R_GOTO)
				return o;
			continue;
		}
	}
	return O_NONE;
}

/* The policy of a built-in chain, from its ":NAME POLICY [p:b]" line. */
static bool policy_drop(const struct ctx *c, const char *name)
{
	size_t pos = c->filter_start, nl = strlen(name);
	const char *s;
	size_t n;

	while (next_line(c, &pos, c->filter_end, &s, &n))
		if (n > nl + 6 && s[0] == ':' && !memcmp(s + 1, name, nl) && !memcmp(s + 1 + nl, " DROP", 5))
			return true;
	return false;
}

void wgc_ipt_evaluate(const char *text, size_t len, const struct wgc_fw_packet *pkt, struct wgc_fw_result *res)
{
	struct ctx c = { .text = text, .len = len, .pkt = pkt, .res = res };
	const char *chain = pkt->hook == WGC_FW_INPUT ? "INPUT" : pkt->hook == WGC_FW_OUTPUT ? "OUTPUT" : "FORWARD";
	enum outcome o;

	res->verdict = WGC_FW_ACCEPT;
	res->rule[0] = '\0';
	find_filter(&c);
	if (!c.filter_end)
		return;
	o = eval_chain(&c, chain, 0);
	if (o == O_NONE && policy_drop(&c, chain)) {
		snprintf(res->rule, sizeof(res->rule), "iptables policy DROP of %s", chain);
		o = O_DROP;
	}
	if (o == O_UNKNOWN && !res->rule[0])
		snprintf(res->rule, sizeof(res->rule), "iptables %s: jumps nested too deep", chain);
	res->verdict = o == O_DROP ? WGC_FW_DROP : o == O_UNKNOWN ? WGC_FW_CANNOT_TELL : WGC_FW_ACCEPT;
	if (o == O_ACCEPT || o == O_NONE)
		res->rule[0] = '\0';
}

void wgc_fw_combine(struct wgc_fw_result *into, const struct wgc_fw_result *other)
{
	if (into->verdict == WGC_FW_DROP)
		return;
	if (other->verdict == WGC_FW_DROP || (other->verdict == WGC_FW_CANNOT_TELL && into->verdict == WGC_FW_ACCEPT))
		*into = *other;
}

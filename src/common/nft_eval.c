// SPDX-License-Identifier: MIT
/*
 * The evaluator walks the parsed JSON directly: chains and rules are found
 * by (family, table, name) each time, which is linear in the ruleset but
 * rulesets are small and this runs once per `wgc doctor` check.
 * Tri-state logic throughout: a match is true, false or unknown; one false
 * match makes a rule not match whatever else it holds (matches are ANDed).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "common/nft_eval.h"

enum { MAX_JUMP_DEPTH = 16, JSON_MAX_DEPTH = 64 };
enum tri { T_FALSE, T_TRUE, T_UNKNOWN };
enum outcome { O_NONE, O_ACCEPT, O_DROP, O_UNKNOWN };

struct ctx {
	json_object *items; /* the "nftables" array */
	const struct wgc_fw_packet *pkt;
	struct wgc_fw_result *res;
};

/* What a match's left side evaluates to for this packet. */
struct value {
	enum { V_INT, V_ADDR, V_STR, V_UNKNOWN, V_ABSENT } kind;
	uint64_t n;
	int af;
	uint8_t addr[16];
	const char *s;
};

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *child(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static bool streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* --- values --------------------------------------------------------------- */

static int proto_number(const char *s)
{
	static const struct { const char *name; int n; } protos[] = {
		{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 }, { "sctp", 132 },
		{ "udplite", 136 }, { "ipv4", 2 }, { "ipv6", 10 },
	};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name))
			return protos[i].n;
	return -1;
}

static bool parse_addr(const char *s, int *af, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		*af = AF_INET;
	else if (inet_pton(AF_INET6, s, out) == 1)
		*af = AF_INET6;
	else
		return false;
	return true;
}

static bool prefix_holds(const uint8_t *net, const uint8_t *addr, int len, int af)
{
	int max = af == AF_INET ? 32 : 128;

	if (len < 0 || len > max)
		return false;
	for (int i = 0; i < len; i++) {
		int bit = 7 - (i % 8);

		if (((net[i / 8] >> bit) & 1) != ((addr[i / 8] >> bit) & 1))
			return false;
	}
	return true;
}

/* An integer-valued right side: a number or a protocol name. */
static bool right_int(json_object *r, uint64_t *n)
{
	if (json_object_is_type(r, json_type_int)) {
		if (json_object_get_int64(r) < 0)
			return false;
		*n = (uint64_t)json_object_get_int64(r);
		return true;
	}
	if (json_object_is_type(r, json_type_string) && proto_number(json_object_get_string(r)) >= 0) {
		*n = (uint64_t)proto_number(json_object_get_string(r));
		return true;
	}
	return false;
}

static int addr_cmp(const uint8_t *a, const uint8_t *b, int af)
{
	return memcmp(a, b, af == AF_INET ? 4 : 16);
}

/* Whether the element r (a single value, prefix or range) equals/holds v. */
static enum tri element_holds(const struct value *v, json_object *r)
{
	json_object *p;
	uint64_t n, lo, hi;
	int af, af2;
	uint8_t a[16], b[16];

	if ((p = child(r, "elem")))
		return element_holds(v, child(p, "val") ? child(p, "val") : p);
	if (v->kind == V_INT) {
		if (right_int(r, &n))
			return n == v->n ? T_TRUE : T_FALSE;
		if ((p = child(r, "range")) && json_object_is_type(p, json_type_array) &&
		    json_object_array_length(p) == 2 && right_int(json_object_array_get_idx(p, 0), &lo) &&
		    right_int(json_object_array_get_idx(p, 1), &hi))
			return v->n >= lo && v->n <= hi ? T_TRUE : T_FALSE;
		return T_UNKNOWN;
	}
	if (v->kind == V_STR) {
		const char *s = json_object_is_type(r, json_type_string) ? json_object_get_string(r) : NULL;
		size_t sl = s ? strlen(s) : 0;

		if (!s)
			return T_UNKNOWN;
		if (sl && s[sl - 1] == '*') /* iifname "eth*" */
			return !strncmp(v->s, s, sl - 1) ? T_TRUE : T_FALSE;
		return !strcmp(v->s, s) ? T_TRUE : T_FALSE;
	}
	if (v->kind != V_ADDR)
		return T_UNKNOWN;
	if (json_object_is_type(r, json_type_string))
		return parse_addr(json_object_get_string(r), &af, a) ? (af == v->af && !addr_cmp(a, v->addr, af) ? T_TRUE : T_FALSE)
								     : T_UNKNOWN;
	if ((p = child(r, "prefix")) && str_of(p, "addr") && child(p, "len") && parse_addr(str_of(p, "addr"), &af, a))
		return af == v->af && prefix_holds(a, v->addr, json_object_get_int(child(p, "len")), af) ? T_TRUE : T_FALSE;
	if ((p = child(r, "range")) && json_object_is_type(p, json_type_array) && json_object_array_length(p) == 2 &&
	    json_object_is_type(json_object_array_get_idx(p, 0), json_type_string) &&
	    json_object_is_type(json_object_array_get_idx(p, 1), json_type_string) &&
	    parse_addr(json_object_get_string(json_object_array_get_idx(p, 0)), &af, a) &&
	    parse_addr(json_object_get_string(json_object_array_get_idx(p, 1)), &af2, b) && af == af2)
		return af == v->af && addr_cmp(a, v->addr, af) <= 0 && addr_cmp(v->addr, b, af) <= 0 ? T_TRUE : T_FALSE;
	return T_UNKNOWN;
}

/* Finds the named set "@name" in the rule's table; *elems NULL when it is empty. */
static bool named_set(const struct ctx *c, json_object *rule, const char *name, json_object **elems)
{
	for (size_t i = 0; i < json_object_array_length(c->items); i++) {
		json_object *s = child(json_object_array_get_idx(c->items, i), "set");

		if (s && streq(str_of(s, "name"), name) && streq(str_of(s, "table"), str_of(rule, "table")) &&
		    streq(str_of(s, "family"), str_of(rule, "family"))) {
			*elems = child(s, "elem");
			return true;
		}
	}
	return false;
}

/* Whether v is in the set: any element holding it; unknown when some element cannot be told. */
static enum tri array_holds(const struct value *v, json_object *arr)
{
	enum tri t = T_FALSE;

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		enum tri e = element_holds(v, json_object_array_get_idx(arr, i));

		if (e == T_TRUE)
			return T_TRUE;
		if (e == T_UNKNOWN)
			t = T_UNKNOWN;
	}
	return t;
}

static enum tri right_holds(const struct ctx *c, json_object *rule, const struct value *v, json_object *r)
{
	json_object *p;

	if (json_object_is_type(r, json_type_string) && json_object_get_string(r)[0] == '@') {
		if (!named_set(c, rule, json_object_get_string(r) + 1, &p))
			return T_UNKNOWN;
		if (!p)
			return T_FALSE;
		return json_object_is_type(p, json_type_array) ? array_holds(v, p) : element_holds(v, p);
	}
	if ((p = child(r, "set")))
		return json_object_is_type(p, json_type_array) ? array_holds(v, p) : element_holds(v, p);
	if (json_object_is_type(r, json_type_array)) /* ct state { established, related } */
		return array_holds(v, r);
	return element_holds(v, r);
}

/* --- the left side: what the packet has ---------------------------------- */

static const char *proto_name(uint8_t p)
{
	return p == 17 ? "udp" : p == 6 ? "tcp" : p == 132 ? "sctp" : p == 136 ? "udplite" : "";
}

static void payload_value(const struct wgc_fw_packet *pkt, json_object *pl, struct value *v)
{
	const char *proto = str_of(pl, "protocol"), *field = str_of(pl, "field");
	bool l4 = streq(proto, "th") || streq(proto, "udp") || streq(proto, "tcp") || streq(proto, "sctp") ||
		  streq(proto, "udplite");

	v->kind = V_UNKNOWN;
	if (!proto || !field)
		return;
	if (l4) {
		/* "udp dport 1" implies the protocol: another protocol's packet has no such field. */
		if (!streq(proto, "th") && strcmp(proto, proto_name(pkt->l4proto))) {
			v->kind = V_ABSENT;
			return;
		}
		if (streq(field, "sport") || streq(field, "dport")) {
			v->kind = V_INT;
			v->n = streq(field, "sport") ? pkt->sport : pkt->dport;
		}
		return;
	}
	if (streq(proto, "ip") || streq(proto, "ip6")) {
		if ((pkt->family == AF_INET) != streq(proto, "ip")) {
			v->kind = V_ABSENT;
			return;
		}
		if (streq(field, "saddr") || streq(field, "daddr")) {
			v->kind = V_ADDR;
			v->af = pkt->family;
			memcpy(v->addr, streq(field, "saddr") ? pkt->saddr : pkt->daddr, 16);
		} else if (streq(field, "protocol") || streq(field, "nexthdr")) {
			v->kind = V_INT;
			v->n = pkt->l4proto;
		}
	}
}

static void meta_value(const struct wgc_fw_packet *pkt, const char *key, struct value *v)
{
	v->kind = V_UNKNOWN;
	if (streq(key, "l4proto")) {
		v->kind = V_INT;
		v->n = pkt->l4proto;
	} else if (streq(key, "nfproto")) {
		v->kind = V_INT;
		v->n = pkt->family == AF_INET ? 2 : 10;
	} else if (streq(key, "mark")) {
		v->kind = V_INT;
		v->n = pkt->mark;
	} else if (streq(key, "iifname") || streq(key, "oifname")) {
		const char *name = streq(key, "iifname") ? pkt->iifname : pkt->oifname;
		bool has = pkt->hook == WGC_FW_FORWARD || (pkt->hook == WGC_FW_INPUT) == streq(key, "iifname");

		/* The output hook has no input interface: the name is empty there, as nft sees it. */
		v->kind = !has ? V_STR : name[0] ? V_STR : V_UNKNOWN;
		v->s = has ? name : "";
	}
}

static void left_value(const struct wgc_fw_packet *pkt, json_object *left, struct value *v)
{
	json_object *p;

	v->kind = V_UNKNOWN;
	if ((p = child(left, "payload"))) {
		payload_value(pkt, p, v);
	} else if ((p = child(left, "meta"))) {
		meta_value(pkt, str_of(p, "key"), v);
	} else if ((p = child(left, "ct")) && streq(str_of(p, "key"), "state") && !child(p, "dir")) {
		v->kind = V_STR;
		v->s = "new"; /* the first packet of a flow */
	}
}

static enum tri eval_match(const struct ctx *c, json_object *rule, json_object *m)
{
	const char *op = str_of(m, "op");
	json_object *right = child(m, "right");
	struct value v = { 0 };
	enum tri t;
	uint64_t n;

	if (!op || !right || !child(m, "left"))
		return T_UNKNOWN;
	left_value(c->pkt, child(m, "left"), &v);
	if (v.kind == V_ABSENT) /* the packet has no such header: neither == nor != matches */
		return T_FALSE;
	if (v.kind == V_UNKNOWN)
		return T_UNKNOWN;
	if (streq(op, "<") || streq(op, ">") || streq(op, "<=") || streq(op, ">=")) {
		if (v.kind != V_INT || !right_int(right, &n))
			return T_UNKNOWN;
		return (streq(op, "<") ? v.n < n : streq(op, ">") ? v.n > n : streq(op, "<=") ? v.n <= n : v.n >= n)
			       ? T_TRUE
			       : T_FALSE;
	}
	if (!streq(op, "==") && !streq(op, "!=") && !streq(op, "in"))
		return T_UNKNOWN;
	t = right_holds(c, rule, &v, right);
	if (t == T_UNKNOWN || !streq(op, "!="))
		return t;
	return t == T_TRUE ? T_FALSE : T_TRUE;
}

/* --- rules and chains ------------------------------------------------------ */

enum rule_result { R_NOMATCH, R_ACCEPT, R_DROP, R_RETURN, R_JUMP, R_GOTO, R_UNKNOWN };

static void describe(struct wgc_fw_result *res, json_object *rule, const char *what)
{
	snprintf(res->rule, sizeof(res->rule), "%s %s %s handle %d: %s", str_of(rule, "family") ?: "?",
		 str_of(rule, "table") ?: "?", str_of(rule, "chain") ?: "?",
		 child(rule, "handle") ? json_object_get_int(child(rule, "handle")) : -1, what);
}

/* The verdict statement of one expression, R_NOMATCH when it is none; *target for jump/goto. */
static enum rule_result verdict_of(json_object *e, const char **target, const char **name)
{
	static const struct { const char *key; enum rule_result r; } verdicts[] = {
		{ "accept", R_ACCEPT }, { "drop", R_DROP }, { "reject", R_DROP }, { "return", R_RETURN },
		{ "jump", R_JUMP }, { "goto", R_GOTO }, { "continue", R_NOMATCH },
	};

	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		json_object *v;

		if (!json_object_object_get_ex(e, verdicts[i].key, &v))
			continue;
		*name = verdicts[i].key;
		if (verdicts[i].r == R_JUMP || verdicts[i].r == R_GOTO)
			*target = str_of(v, "target");
		return verdicts[i].r;
	}
	return R_UNKNOWN;
}

/* Statements that neither match nor decide. */
static bool inert(json_object *e)
{
	return child(e, "counter") || child(e, "log");
}

static enum rule_result eval_rule(const struct ctx *c, json_object *rule, const char **target)
{
	json_object *exprs = child(rule, "expr");
	enum rule_result verdict = R_NOMATCH;
	const char *unknown = NULL, *vname = "";

	if (!exprs || !json_object_is_type(exprs, json_type_array))
		return R_NOMATCH;
	for (size_t i = 0; i < json_object_array_length(exprs); i++) {
		json_object *e = json_object_array_get_idx(exprs, i), *m = child(e, "match");
		enum rule_result r;

		if (m) {
			enum tri t = eval_match(c, rule, m);

			if (t == T_FALSE)
				return R_NOMATCH;
			if (t == T_UNKNOWN && !unknown)
				unknown = "a match it cannot evaluate";
			continue;
		}
		if (inert(e))
			continue;
		r = verdict_of(e, target, &vname);
		if (r == R_UNKNOWN) {
			if (!unknown)
				unknown = "a statement it cannot evaluate";
			continue;
		}
		verdict = r;
		break;
	}
	if (unknown && verdict != R_NOMATCH) {
		char what[96];

		snprintf(what, sizeof(what), "%s before `%s'", unknown, vname);
		describe(c->res, rule, what);
		return R_UNKNOWN;
	}
	if (verdict == R_DROP || verdict == R_ACCEPT)
		describe(c->res, rule, vname);
	return verdict;
}

static enum outcome eval_chain(const struct ctx *c, const char *family, const char *table, const char *name, int depth);

static enum outcome follow(const struct ctx *c, json_object *rule, const char *target, int depth)
{
	if (!target || depth >= MAX_JUMP_DEPTH) {
		describe(c->res, rule, !target ? "a jump without a target" : "jumps nested too deep");
		return O_UNKNOWN;
	}
	return eval_chain(c, str_of(rule, "family"), str_of(rule, "table"), target, depth + 1);
}

/* O_NONE: the chain ended (or returned) without a verdict. */
static enum outcome eval_chain(const struct ctx *c, const char *family, const char *table, const char *name, int depth)
{
	for (size_t i = 0; i < json_object_array_length(c->items); i++) {
		json_object *rule = child(json_object_array_get_idx(c->items, i), "rule");
		const char *target = NULL;
		enum outcome o;

		if (!rule || !streq(str_of(rule, "family"), family) || !streq(str_of(rule, "table"), table) ||
		    !streq(str_of(rule, "chain"), name))
			continue;
		switch (eval_rule(c, rule, &target)) {
		case R_NOMATCH:
			continue;
		case R_ACCEPT:
			return O_ACCEPT;
		case R_DROP:
			return O_DROP;
		case R_UNKNOWN:
			return O_UNKNOWN;
		case R_RETURN:
			return O_NONE;
		case R_GOTO:
			return follow(c, rule, target, depth);
		case R_JUMP:
			o = follow(c, rule, target, depth);
			if (o != O_NONE)
				return o;
			continue;
		}
	}
	return O_NONE;
}

static const char *hook_name(enum wgc_fw_hook h)
{
	return h == WGC_FW_INPUT ? "input" : h == WGC_FW_OUTPUT ? "output" : "forward";
}

/* Base chains at the hook that see the packet, as indices into items, sorted by priority (stable). */
static size_t base_chains(const struct ctx *c, size_t *idx, size_t cap)
{
	const char *fam = c->pkt->family == AF_INET ? "ip" : "ip6";
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(c->items) && n < cap; i++) {
		json_object *ch = child(json_object_array_get_idx(c->items, i), "chain");

		if (!ch || !streq(str_of(ch, "hook"), hook_name(c->pkt->hook)) || !streq(str_of(ch, "type"), "filter"))
			continue;
		if (!streq(str_of(ch, "family"), fam) && !streq(str_of(ch, "family"), "inet"))
			continue;
		idx[n++] = i;
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: few chains, stable */
		for (size_t j = i; j > 0; j--) {
			json_object *a = child(json_object_array_get_idx(c->items, idx[j - 1]), "chain");
			json_object *b = child(json_object_array_get_idx(c->items, idx[j]), "chain");
			size_t t;

			if (json_object_get_int(child(a, "prio")) <= json_object_get_int(child(b, "prio")))
				break;
			t = idx[j], idx[j] = idx[j - 1], idx[j - 1] = t;
		}
	return n;
}

static void evaluate(const struct ctx *c)
{
	size_t idx[64], n = base_chains(c, idx, 64);

	c->res->verdict = WGC_FW_ACCEPT;
	c->res->rule[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		json_object *ch = child(json_object_array_get_idx(c->items, idx[i]), "chain");
		enum outcome o = eval_chain(c, str_of(ch, "family"), str_of(ch, "table"), str_of(ch, "name"), 0);

		if (o == O_NONE && streq(str_of(ch, "policy"), "drop")) {
			snprintf(c->res->rule, sizeof(c->res->rule), "policy drop of %s %s %s", str_of(ch, "family"),
				 str_of(ch, "table"), str_of(ch, "name"));
			o = O_DROP;
		}
		if (o == O_DROP || o == O_UNKNOWN) {
			c->res->verdict = o == O_DROP ? WGC_FW_DROP : WGC_FW_CANNOT_TELL;
			return;
		}
	}
	/* Accepted everywhere: what decided is not one rule. */
	c->res->rule[0] = '\0';
}

static json_object *parse_ruleset(const char *json, size_t len, json_object **root);

bool wgc_nft_evaluate(const char *json, size_t len, const struct wgc_fw_packet *pkt, struct wgc_fw_result *res)
{
	json_object *root, *items = parse_ruleset(json, len, &root);
	struct ctx c = { .pkt = pkt, .res = res, .items = items };

	res->verdict = WGC_FW_CANNOT_TELL;
	snprintf(res->rule, sizeof(res->rule), "the ruleset is not nft JSON");
	if (!items) {
		json_object_put(root);
		return false;
	}
	evaluate(&c);
	json_object_put(root);
	return true;
}

/* --- NAT ----------------------------------------------------------------- */

static json_object *parse_ruleset(const char *json, size_t len, json_object **root)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	json_object *items;

	*root = NULL;
	if (!tok)
		return NULL;
	if (len <= INT32_MAX)
		*root = json_tokener_parse_ex(tok, json, (int)len);
	if (*root && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(*root);
		*root = NULL;
	}
	json_tokener_free(tok);
	if (!*root || !(items = child(*root, "nftables")) || !json_object_is_type(items, json_type_array))
		return NULL;
	return items;
}

/* Whether the chain of this rule is a nat chain at postrouting. */
static bool postrouting_nat(json_object *items, json_object *rule)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *ch = child(json_object_array_get_idx(items, i), "chain");

		if (ch && streq(str_of(ch, "name"), str_of(rule, "chain")) && streq(str_of(ch, "table"), str_of(rule, "table")) &&
		    streq(str_of(ch, "family"), str_of(rule, "family")))
			return streq(str_of(ch, "type"), "nat") && streq(str_of(ch, "hook"), "postrouting");
	}
	return false;
}

enum wgc_fw_verdict wgc_nft_find_nat(const char *json, size_t len, char rule[192])
{
	json_object *root, *items = parse_ruleset(json, len, &root);
	enum wgc_fw_verdict v = WGC_FW_DROP;

	rule[0] = '\0';
	if (!items) {
		json_object_put(root);
		return WGC_FW_CANNOT_TELL;
	}
	for (size_t i = 0; i < json_object_array_length(items) && v == WGC_FW_DROP; i++) {
		json_object *r = child(json_object_array_get_idx(items, i), "rule"), *exprs = r ? child(r, "expr") : NULL;

		if (!exprs || !json_object_is_type(exprs, json_type_array) || !postrouting_nat(items, r))
			continue;
		for (size_t j = 0; j < json_object_array_length(exprs); j++) {
			json_object *e = json_object_array_get_idx(exprs, j);

			if (child(e, "masquerade") || json_object_object_get_ex(e, "masquerade", NULL) || child(e, "snat")) {
				snprintf(rule, 192, "%s %s %s handle %d: %s", str_of(r, "family") ?: "?", str_of(r, "table") ?: "?",
					 str_of(r, "chain") ?: "?", child(r, "handle") ? json_object_get_int(child(r, "handle")) : -1,
					 child(e, "snat") ? "snat" : "masquerade");
				v = WGC_FW_ACCEPT;
				break;
			}
		}
	}
	json_object_put(root);
	return v;
}

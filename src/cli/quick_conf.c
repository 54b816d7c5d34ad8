// SPDX-License-Identifier: MIT
/* Splitting a wg-quick config into its own keys and `wg setconf' text. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/quick_conf.h"
#include "common/config.h"
#include "common/ifname.h"
#include "core/crypto.h"

#define NAME_CHARS WGC_IFNAME_QUICK_CHARS
#define NAME_RULE WGC_IFNAME_QUICK_RULE

bool wgc_quick_locate(const char *arg, const char *confdir, char *path, size_t pathlen,
		      char ifname[WGC_QUICK_IFNAMSIZ], char *err, size_t errlen)
{
	char given[PATH_MAX], real[PATH_MAX];
	const char *base, *dot;
	struct stat st;

	if (wgc_ifname_quick_valid(arg, strlen(arg)))
		snprintf(given, sizeof(given), "%s/%s.conf", confdir ? confdir : "/etc/wireguard", arg);
	else if (snprintf(given, sizeof(given), "%s", arg) >= (int)sizeof(given)) {
		snprintf(err, errlen, "`%.64s...' is too long", arg);
		return false;
	}
	if (stat(given, &st)) {
		size_t n = strlen(arg);

		/* wg-quick reads a bare name only up to 15 characters; say so instead of "does not exist" */
		if (!strchr(arg, '/') && n > 15 && n < 256 && strspn(arg, NAME_CHARS) == n)
			snprintf(err, errlen, "`%s' is too long for an interface name: " NAME_RULE, arg);
		else
			snprintf(err, errlen, "`%s' does not exist", given);
		return false;
	}
	base = strrchr(given, '/');
	base = base ? base + 1 : given;
	dot = strrchr(base, '.');
	if (dot && !strcmp(dot, ".conf") && dot - base > 15 && dot - base < 256) {
		snprintf(err, errlen, "`%s': the interface name `%.*s' is too long: " NAME_RULE, given,
			 (int)(dot - base), base);
		return false;
	}
	if (!dot || strcmp(dot, ".conf") || !wgc_ifname_quick_valid(base, (size_t)(dot - base))) {
		snprintf(err, errlen, "The config file must be a valid interface name, followed by .conf (" NAME_RULE ")");
		return false;
	}
	if (!realpath(given, real)) {
		snprintf(err, errlen, "`%s': %s", given, strerror(errno));
		return false;
	}
	if (strlen(real) >= pathlen) {
		snprintf(err, errlen, "`%s': path too long", real);
		return false;
	}
	memcpy(path, real, strlen(real) + 1);
	memcpy(ifname, base, (size_t)(dot - base));
	ifname[dot - base] = '\0';
	return true;
}

bool wgc_quick_world_accessible(mode_t file_mode, mode_t dir_mode)
{
	return (file_mode & dir_mode & 0007) != 0;
}

bool wgc_quick_dns_is_addr(const char *v)
{
	if (strchr(v, ':'))
		return true;
	if (!*v)
		return false;
	return strspn(v, "0123456789.") == strlen(v);
}

char *wgc_quick_expand(const char *hook, const char *ifname)
{
	struct wgc_strbuf sb = { 0 };
	const char *p = hook, *hit;
	char *out;

	wgc_strbuf_append(&sb, "", 0);
	while ((hit = strstr(p, "%i"))) {
		wgc_strbuf_append(&sb, p, (size_t)(hit - p));
		wgc_strbuf_append(&sb, ifname, strlen(ifname));
		p = hit + 2;
	}
	wgc_strbuf_append(&sb, p, strlen(p));
	if (sb.failed) {
		wgc_strbuf_free(&sb);
		return NULL;
	}
	out = sb.data;
	return out;
}

struct ctx {
	struct wgc_quick_conf *qc;
	const char *filename;
	size_t line;
	char *err;
};

static bool fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct ctx *c, const char *fmt, ...)
{
	int n = snprintf(c->err, WGC_QUICK_ERRLEN, "%s:%zu: ", c->filename, c->line);
	va_list ap;

	/* a path near PATH_MAX fills the buffer: the message then starts at the top, unprefixed */
	if (n < 0 || n >= WGC_QUICK_ERRLEN)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->err + n, WGC_QUICK_ERRLEN - (size_t)n, fmt, ap);
	va_end(ap);
	wgc_config_printable(c->err);
	return false;
}

static bool push(struct ctx *c, struct wgc_quick_strs *s, const char *v, size_t len)
{
	char **grown = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	size_t *lines = grown ? realloc(s->lines, (s->n + 1) * sizeof(*s->lines)) : NULL;
	char *copy = strndup(v, len);

	if (grown)
		s->v = grown;
	if (lines)
		s->lines = lines;
	if (!grown || !lines || !copy) {
		free(copy);
		return fail(c, "out of memory");
	}
	s->lines[s->n] = c->line;
	s->v[s->n++] = copy;
	return true;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool valid_address(const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned char buf[16];
	unsigned long cidr;
	bool v6;
	char *end;

	if (!hlen || hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	v6 = strchr(host, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) != 1)
		return false;
	if (!slash)
		return true;
	if (!slash[1] || !strchr("0123456789", slash[1]))
		return false;
	errno = 0;
	cidr = strtoul(slash + 1, &end, 10);
	return !*end && !errno && cidr <= (v6 ? 128U : 32U);
}

/* addr[/cidr] (valid_address) to its family, bytes and prefix length (absent: the full length) */
static int address_key(const char *s, unsigned char bytes[16], unsigned long *cidr)
{
	char host[INET6_ADDRSTRLEN + 1];
	size_t hlen = strcspn(s, "/");
	int af = memchr(s, ':', hlen) ? AF_INET6 : AF_INET;

	snprintf(host, sizeof(host), "%.*s", (int)hlen, s);
	memset(bytes, 0, 16);
	if (inet_pton(af, host, bytes) != 1)
		return 0;
	*cidr = s[hlen] ? strtoul(s + hlen + 1, NULL, 10) : af == AF_INET6 ? 128 : 32;
	return af;
}

bool wgc_quick_address_clash(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	unsigned long xl, yl;
	int af = address_key(a, x, &xl);

	return af && af == address_key(b, y, &yl) && !memcmp(x, y, 16) && (af == AF_INET6 || xl == yl);
}

/* Address and DNS: wg-quick turns commas into blanks and splits on blanks. */
static bool split_list(struct ctx *c, const char *key, const char *value, bool dns)
{
	const char *p = value;

	for (;;) {
		size_t n;

		while (*p == ',' || is_blank(*p))
			p++;
		if (!*p)
			return true;
		for (n = 0; p[n] && p[n] != ',' && !is_blank(p[n]); n++)
			;
		if (dns) {
			char *v = strndup(p, n);
			bool is_addr, ok;

			if (!v)
				return fail(c, "out of memory");
			is_addr = wgc_quick_dns_is_addr(v);
			ok = v[0] != '-' && (!is_addr || valid_address(v));
			free(v);
			if (!ok)
				return fail(c, "%s: '%.*s' is neither an IP address nor a search domain", key,
					    (int)(n > 100 ? 100 : n), p);
			if (!push(c, is_addr ? &c->qc->dns : &c->qc->dns_search, p, n))
				return false;
		} else {
			if (!push(c, &c->qc->addresses, p, n))
				return false;
			if (!valid_address(c->qc->addresses.v[c->qc->addresses.n - 1]))
				return fail(c, "%s: '%.*s' is not an IP address with an optional /CIDR", key,
					    (int)(n > 100 ? 100 : n), p);
		}
		p += n;
	}
}

bool wgc_quick_table_is_number(const char *t)
{
	unsigned long long id;
	char *end;

	if (!t[0] || !strchr("0123456789", t[0]))
		return false;
	errno = 0;
	id = strtoull(t, &end, 0);
	return !*end && !errno && id <= 0xffffffffULL;
}

bool wgc_quick_table_is_name(const char *t)
{
	return t[0] && strcmp(t, "auto") && strcmp(t, "off") && !wgc_quick_table_is_number(t);
}

bool wgc_quick_rt_tables_has(const char *text, size_t len, const char *name)
{
	size_t pos = 0, want = strlen(name);

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, i = 0, id, nm;

		pos += n + (nl ? 1 : 0);
		while (i < n && is_blank(line[i]))
			i++;
		/* "ID NAME [# ...]": the ID is a number, the NAME the next blank-separated word */
		for (id = i; i < n && !is_blank(line[i]) && line[i] != '#'; i++)
			;
		if (i == id || !strchr("0123456789", line[id]))
			continue;
		while (i < n && is_blank(line[i]))
			i++;
		for (nm = i; i < n && !is_blank(line[i]) && line[i] != '#'; i++)
			;
		if (i - nm == want && want && !memcmp(line + nm, name, want))
			return true;
	}
	return false;
}

static bool parse_table(struct ctx *c, const char *v)
{
	size_t n = strlen(v);

	/* a number is whole; a name is one word of safe characters (it goes to ip(8) as an argument) */
	if (!n || n >= sizeof(c->qc->table) || v[0] == '-' ||
	    (!wgc_quick_table_is_number(v) &&
	     strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n))
		return fail(c, "Table: '%.100s' is not auto, off, a table number or a table name", v);
	memcpy(c->qc->table, v, n + 1);
	c->qc->table_line = c->line;
	return true;
}

static bool parse_mtu(struct ctx *c, const char *v)
{
	unsigned long mtu;
	char *end;

	errno = 0;
	mtu = strtoul(v, &end, 10);
	if (!*v || *end || errno || !strchr("0123456789", v[0]) || mtu < 68 || mtu > 65535)
		return fail(c, "MTU: '%.100s' is not a number from 68 to 65535", v);
	c->qc->mtu = (unsigned)mtu;
	c->qc->mtu_line = c->line;
	return true;
}

/* One key of [Interface]; *taken false means the line belongs to wg. */
static bool interface_key(struct ctx *c, const char *key, const char *value, bool has_eq, bool *taken)
{
	static const char *const names[] = { "Address", "DNS", "MTU", "Table", "PreUp", "PreDown",
					     "PostUp", "PostDown", "SaveConfig" };
	struct wgc_quick_conf *qc = c->qc;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(key, names[i]))
			break;
	*taken = i < sizeof(names) / sizeof(names[0]);
	if (!*taken)
		return true;
	if (!has_eq)
		return fail(c, "%s: not a 'Key = Value' line", names[i]);
	switch (i) {
	case 0:
		return split_list(c, "Address", value, false);
	case 1:
		if (!qc->dns_line)
			qc->dns_line = c->line;
		return split_list(c, "DNS", value, true);
	case 2:
		return parse_mtu(c, value);
	case 3:
		return parse_table(c, value);
	case 4:
		return push(c, &qc->pre_up, value, strlen(value));
	case 5:
		return push(c, &qc->pre_down, value, strlen(value));
	case 6:
		return push(c, &qc->post_up, value, strlen(value));
	case 7:
		return push(c, &qc->post_down, value, strlen(value));
	default:
		if (!strcmp(value, "true"))
			qc->save_config = true;
		else if (!strcmp(value, "false"))
			qc->save_config = false;
		else
			return fail(c, "SaveConfig: `%.100s' is neither true nor false", value);
		return true;
	}
}

/* Trims blanks from both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n, bool ifs_only)
{
	while (*n && (ifs_only ? (**s == ' ' || **s == '\t') : is_blank(**s))) {
		(*s)++;
		(*n)--;
	}
	while (*n && (ifs_only ? ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t') : is_blank((*s)[*n - 1])))
		(*n)--;
}

static bool process_line(struct ctx *c, const char *line, size_t len, bool *in_interface)
{
	const char *stripped = line, *key, *value, *eq;
	size_t slen, klen, vlen;
	char k[32], *v;
	bool taken = false, ok;

	/* read -r trims IFS blanks (space, tab) from the whole line */
	trim(&line, &len, true);
	stripped = line;
	for (slen = 0; slen < len && line[slen] != '#'; slen++)
		;
	eq = memchr(stripped, '=', slen);
	key = stripped;
	klen = eq ? (size_t)(eq - stripped) : slen;
	trim(&key, &klen, false);
	value = eq ? eq + 1 : stripped;
	vlen = eq ? slen - (size_t)(eq + 1 - stripped) : slen;
	trim(&value, &vlen, false);
	if (memchr(line, '\0', len))
		return fail(c, "NUL byte in line");
	if (klen && key[0] == '[')
		*in_interface = klen == 11 && !strncasecmp(key, "[Interface]", 11);
	if (*in_interface && klen < sizeof(k)) {
		memcpy(k, key, klen);
		k[klen] = '\0';
		v = strndup(value, vlen);
		if (!v)
			return fail(c, "out of memory");
		ok = interface_key(c, k, v, eq != NULL, &taken);
		wgc_wipe(v, vlen); /* the value may be the PrivateKey */
		free(v);
		if (!ok)
			return false;
	}
	if (!taken) {
		wgc_strbuf_append(&c->qc->wg, line, len);
		wgc_strbuf_append(&c->qc->wg, "\n", 1);
		wgc_strbuf_append(&c->qc->wg_lines, line, len);
	}
	wgc_strbuf_append(&c->qc->wg_lines, "\n", 1);
	return true;
}

bool wgc_quick_conf_parse(struct wgc_quick_conf *qc, const char *buf, size_t len, const char *filename,
			  char err[WGC_QUICK_ERRLEN])
{
	struct ctx c = { .qc = qc, .filename = filename, .err = err };
	bool in_interface = false;
	size_t pos = 0;

	err[0] = '\0';
	wgc_strbuf_append(&qc->wg, "", 0);
	wgc_strbuf_append(&qc->wg_lines, "", 0);
	qc->file = strdup(filename);
	if (!qc->file) {
		snprintf(err, WGC_QUICK_ERRLEN, "out of memory");
		goto fail;
	}
	/* a UTF-8 byte-order mark (Windows editors) is not part of the first line */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		c.line++;
		if (!process_line(&c, buf + pos, n, &in_interface))
			goto fail;
		pos += n + (nl ? 1 : 0);
	}
	if (qc->wg.failed || qc->wg_lines.failed) {
		c.line = 0;
		snprintf(err, WGC_QUICK_ERRLEN, "%s: out of memory", filename);
		goto fail;
	}
	return true;
fail:
	wgc_quick_conf_free(qc);
	return false;
}

void wgc_quick_conf_strip(const struct wgc_quick_conf *qc, struct wgc_strbuf *out)
{
	if (qc->wg.len)
		wgc_strbuf_append(out, qc->wg.data, qc->wg.len);
	wgc_strbuf_append(out, "\n", 1);
}

static void free_strs(struct wgc_quick_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->lines);
	s->v = NULL;
	s->lines = NULL;
	s->n = 0;
}

void wgc_quick_conf_free(struct wgc_quick_conf *qc)
{
	free_strs(&qc->addresses);
	free_strs(&qc->dns);
	free_strs(&qc->dns_search);
	free_strs(&qc->pre_up);
	free_strs(&qc->post_up);
	free_strs(&qc->pre_down);
	free_strs(&qc->post_down);
	wgc_strbuf_free(&qc->wg);
	wgc_strbuf_free(&qc->wg_lines);
	free(qc->file);
	qc->file = NULL;
	qc->dns_line = 0;
	qc->mtu = 0;
	qc->mtu_line = qc->table_line = 0;
	qc->table[0] = '\0';
	qc->save_config = false;
}

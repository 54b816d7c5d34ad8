// SPDX-License-Identifier: MIT
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "common/config.h"
#include "core/endpoint_candidates.h"
#include "core/crypto.h"
#include "core/encoding.h"

/* One allowed IP as written, to find two peers claiming the same prefix. */
struct claim {
	struct wgc_allowed_ip canon;
	size_t peer;
	unsigned line;
};

struct ctx {
	struct wgc_device_model *dev;
	const char *file;   /* NULL for `set` arguments */
	unsigned line;
	const struct wgc_config_hooks *hooks;
	char *err;
	enum { SECTION_NONE, SECTION_INTERFACE, SECTION_PEER } section;
	struct wgc_peer_model *peer;
	unsigned *peer_lines;
	size_t cap_peer_lines;
	struct claim *claims;
	size_t n_claims, cap_claims;
	const char *raw; /* the current line as written, blanks trimmed at both ends, for quoting */
	size_t raw_len;
};

static bool fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct ctx *c, const char *fmt, ...)
{
	size_t off = 0;
	va_list ap;

	if (c->file)
		off = (size_t)snprintf(c->err, WGC_CONFIG_ERRLEN, "%s:%u: ", c->file, c->line);
	if (off >= WGC_CONFIG_ERRLEN)
		off = 0;
	va_start(ap, fmt);
	vsnprintf(c->err + off, WGC_CONFIG_ERRLEN - off, fmt, ap);
	va_end(ap);
	wgc_config_printable(c->err);
	return false;
}

/* U+0080..U+009F in UTF-8: C1 controls, which a terminal may obey (0xc2 0x9b is CSI). */
static bool is_utf8_c1(const unsigned char *p)
{
	return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
}

void wgc_config_printable(char *msg)
{
	for (unsigned char *p = (unsigned char *)msg; *p; p++) {
		if (is_utf8_c1(p)) {
			p[0] = p[1] = '?';
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			*p = '?';
		}
	}
}

void wgc_config_warn(const struct wgc_config_hooks *hooks, const char *fmt, ...)
{
	char msg[WGC_CONFIG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (hooks && hooks->warn)
		hooks->warn(hooks->arg, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

static void warn_at(struct ctx *c, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn_at(struct ctx *c, unsigned line, const char *fmt, ...)
{
	char msg[WGC_CONFIG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->file)
		wgc_config_warn(c->hooks, "%s:%u: warning: %s", c->file, line, msg);
	else
		wgc_config_warn(c->hooks, "Warning: %s", msg);
}

/* wg's notion of whitespace (its own ctype, independent of the locale). */
static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool parse_listen_port(struct ctx *c, const char *key, const char *value)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
		.ai_flags = AI_PASSIVE,
	}, *res;
	uint64_t port;
	bool ok = false;

	if (wgc_parse_u64(value, 65535, &port)) {
		ok = true;
	} else if (!is_digit(value[0]) && value[0] && !getaddrinfo(NULL, value, &hints, &res)) {
		/* A service name from /etc/services, as wg accepts; no network lookup happens. */
		if (res->ai_family == AF_INET && res->ai_addrlen == sizeof(struct sockaddr_in)) {
			port = ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port);
			ok = true;
		} else if (res->ai_family == AF_INET6 && res->ai_addrlen == sizeof(struct sockaddr_in6)) {
			port = ntohs(((struct sockaddr_in6 *)res->ai_addr)->sin6_port);
			ok = true;
		}
		freeaddrinfo(res);
	}
	if (!ok)
		return fail(c, "%s: '%s' is not a port number (0-65535) or UDP service name", key, value);
	c->dev->listen_port = (uint16_t)port;
	c->dev->flags |= WGC_DEVICE_HAS_LISTEN_PORT;
	return true;
}

static bool parse_fwmark(struct ctx *c, const char *key, const char *value)
{
	unsigned long v;
	char *end;
	int base = 10;

	if (!strcasecmp(value, "off")) {
		c->dev->fwmark = 0;
		c->dev->flags |= WGC_DEVICE_HAS_FWMARK;
		return true;
	}
	if (!is_digit(value[0]))
		goto err;
	if (strlen(value) > 2 && value[0] == '0' && value[1] == 'x')
		base = 16;
	v = strtoul(value, &end, base);
	if (*end || v > UINT32_MAX)
		goto err;
	c->dev->fwmark = (uint32_t)v;
	c->dev->flags |= WGC_DEVICE_HAS_FWMARK;
	return true;
err:
	return fail(c, "%s: '%s' is neither 0/off nor 0-0xffffffff", key, value);
}

static bool parse_key(struct ctx *c, uint8_t key[WGC_KEY_LEN], const char *name, const char *value, bool secret)
{
	/* right shape but wrong bits: a 32-byte key leaves the last two bits before '=' zero */
	bool shaped = strlen(value) == WGC_KEY_B64_LEN - 1 && value[WGC_KEY_B64_LEN - 2] == '=';
	const char *why = shaped ? "does not decode to a valid 32-byte key (wrong last character before '=')"
				 : "not a valid key (44 base64 characters ending in '=')";

	if (wgc_key_from_base64(key, value))
		return true;
	wgc_wipe(key, WGC_KEY_LEN);
	if (secret)
		return fail(c, "%s: %s", name, why);
	return fail(c, "%s: '%.100s' %s%s", name, value, shaped ? "" : "is ", why);
}

static bool parse_keepalive(struct ctx *c, const char *key, const char *value)
{
	unsigned long v;
	char *end;

	if (!strcasecmp(value, "off")) {
		v = 0;
	} else {
		if (!is_digit(value[0]))
			goto err;
		v = strtoul(value, &end, 10);
		if (*end || v > 65535)
			goto err;
	}
	c->peer->persistent_keepalive = (uint16_t)v;
	c->peer->flags |= WGC_PEER_HAS_PERSISTENT_KEEPALIVE;
	return true;
err:
	return fail(c, "%s: '%s' is neither 0/off nor 1-65535", key, value);
}

static bool parse_endpoint(struct ctx *c, const char *key, const char *value)
{
	char *copy, *host, *port;
	char msg[WGC_CONFIG_ERRLEN] = "";
	struct wgc_endpoint_candidate *cand;
	bool ok;

	copy = strdup(value);
	if (!copy)
		return fail(c, "out of memory");
	switch (wgc_endpoint_split(copy, &host, &port)) {
	case 1:
		free(copy);
		return fail(c, "%s: '%s' has no matching ']'", key, value);
	case 2:
		free(copy);
		return fail(c, "%s: '%s' has no port", key, value);
	}
	ok = (c->hooks && c->hooks->resolve ? c->hooks->resolve : wgc_config_resolve)(&c->peer->endpoint, host, port,
										     value, msg, sizeof(msg), c->hooks);
	free(copy);
	if (!ok)
		return fail(c, "%s: %s", key, msg);
	c->peer->flags |= WGC_PEER_HAS_ENDPOINT;
	/* every line is kept as a candidate; finish_candidates drops a lone one */
	cand = wgc_model_add_candidate(c->peer, value);
	if (!cand || strlen(value) >= sizeof(cand->text))
		return fail(c, "%s: '%.100s' is too long or out of memory", key, value);
	cand->addr = c->peer->endpoint;
	return true;
}

/*
 * Several Endpoint lines (or `endpoint A endpoint B`) make endpoint
 * candidates, most preferred first (issue 14). The peer's endpoint stays the
 * last line's, as stock tools read the file. A single endpoint is a plain
 * endpoint (no WGC_PEER_HAS_CANDIDATES, exactly as wg); when it is a name,
 * its text stays as a list of one, which the CLI sends to wgcd only (for
 * re-resolution, cli_candidates_allowed).
 */
static void finish_candidates(struct wgc_device_model *dev)
{
	for (size_t i = 0; i < dev->n_peers; i++) {
		struct wgc_peer_model *p = &dev->peers[i];

		if (p->candidates.n >= 2) {
			p->flags |= WGC_PEER_HAS_CANDIDATES;
			continue;
		}
		if (p->candidates.n == 1 && wgc_candidate_text_is_name(p->candidates.items[0].text))
			continue;
		free(p->candidates.items);
		memset(&p->candidates, 0, sizeof(p->candidates));
	}
}

static bool add_claim(struct ctx *c, const struct wgc_allowed_ip *ip)
{
	struct claim *cl;

	if (c->n_claims == c->cap_claims) {
		size_t ncap = c->cap_claims ? c->cap_claims * 2 : 16;
		void *p = realloc(c->claims, ncap * sizeof(*c->claims));

		if (!p)
			return fail(c, "out of memory");
		c->claims = p;
		c->cap_claims = ncap;
	}
	cl = &c->claims[c->n_claims++];
	memset(cl, 0, sizeof(*cl));
	cl->canon.family = ip->family;
	cl->canon.cidr = ip->cidr;
	if (ip->family == AF_INET)
		cl->canon.ip4 = ip->ip4;
	else
		cl->canon.ip6 = ip->ip6;
	wgc_prefix_canonicalize(&cl->canon);
	cl->peer = (size_t)(c->peer - c->dev->peers);
	cl->line = c->line;
	return true;
}

static bool parse_allowed_ips(struct ctx *c, const char *key, const char *value)
{
	const char *p = value;

	c->peer->flags |= WGC_PEER_REPLACE_ALLOWEDIPS;
	if (!*value)
		return true;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char entry[WGC_PREFIX_STRLEN], canon[WGC_PREFIX_STRLEN];
		struct wgc_allowed_ip ip, *slot;
		bool remove = false;

		if (n >= sizeof(entry))
			return fail(c, "%s: '%.*s' is not an IP prefix", key, (int)(n > 80 ? 80 : n), p);
		memcpy(entry, p, n);
		entry[n] = '\0';
		if (entry[0] == '-' || entry[0] == '+') {
			/* An incremental change: keep the peer's other allowed IPs. */
			remove = entry[0] == '-';
			c->peer->flags &= ~(uint32_t)WGC_PEER_REPLACE_ALLOWEDIPS;
		}
		if (!wgc_prefix_parse(&ip, entry + (entry[0] == '-' || entry[0] == '+'), false))
			return fail(c, "%s: '%s' is not an IP prefix", key, entry);
		ip.remove = remove;
		if (!wgc_prefix_is_canonical(&ip)) {
			struct wgc_allowed_ip masked = ip;

			wgc_prefix_canonicalize(&masked);
			wgc_prefix_format(canon, &masked);
			warn_at(c, c->line, "%s: '%s' has a non-zero host part; it means %s", key, entry, canon);
		}
		slot = wgc_model_add_allowed_ip(c->peer);
		if (!slot)
			return fail(c, "out of memory");
		*slot = ip;
		if (!remove && !add_claim(c, &ip))
			return false;
		if (!comma)
			return true;
		p = comma + 1;
	}
}

static bool new_peer(struct ctx *c)
{
	size_t idx = c->dev->n_peers;

	c->peer = wgc_model_add_peer(c->dev);
	if (!c->peer)
		return fail(c, "out of memory");
	if (idx >= c->cap_peer_lines) {
		size_t ncap = c->cap_peer_lines ? c->cap_peer_lines * 2 : 8;
		void *p = realloc(c->peer_lines, ncap * sizeof(*c->peer_lines));

		if (!p)
			return fail(c, "out of memory");
		c->peer_lines = p;
		c->cap_peer_lines = ncap;
	}
	c->peer_lines[idx] = c->line;
	return true;
}

/*
 * The raw line as an error may quote it: at most 80 bytes, control bytes as
 * \xNN (a file must not drive the terminal), and for a line that starts
 * with PrivateKey or PresharedKey only that name: a misplaced '=' must not
 * put the key into an error message or a log.
 */
static const char *quotable_line(const struct ctx *c, char out[4 * 80 + 16])
{
	size_t i = 0, o = 0, n = c->raw_len > 80 ? 80 : c->raw_len;
	const char *p = c->raw;

	static const char *const secret_keys[] = { "PrivateKey", "PresharedKey" };

	while (i < c->raw_len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	/* the raw line is not NUL-terminated: compare within raw_len only */
	for (size_t k = 0; k < sizeof(secret_keys) / sizeof(secret_keys[0]); k++) {
		size_t kl = strlen(secret_keys[k]);

		if (c->raw_len - i >= kl && !strncasecmp(p + i, secret_keys[k], kl)) {
			snprintf(out, 4 * 80 + 16, "%s... (value not shown)", secret_keys[k]);
			return out;
		}
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch < 0x20 || ch == 0x7f || (i + 1 < n && is_utf8_c1((const unsigned char *)p + i))) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", ch);
			if (ch == 0xc2) /* the C1 control's second byte too */
				o += (size_t)snprintf(out + o, 5, "\\x%02x", (unsigned char)p[++i]);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
	return out;
}

static bool is_wg_quick_key(const char *key)
{
	static const char *const keys[] = { "Address", "DNS", "MTU", "Table", "PreUp", "PostUp",
					    "PreDown", "PostDown", "SaveConfig" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcasecmp(key, keys[i]))
			return true;
	return false;
}

static bool process_line(struct ctx *c, char *line)
{
	char *value, quoted[4 * 80 + 16];

	if (line[0] == '[') {
		if (!strcasecmp(line, "[Interface]")) {
			c->section = SECTION_INTERFACE;
			return true;
		}
		if (!strcasecmp(line, "[Peer]")) {
			c->section = SECTION_PEER;
			if (!new_peer(c))
				return false;
			c->peer->flags |= WGC_PEER_REPLACE_ALLOWEDIPS;
			return true;
		}
		return fail(c, "unknown section '%s'", quotable_line(c, quoted));
	}
	value = strchr(line, '=');
	if (!value)
		return fail(c, "not a 'Key = Value' line: '%s'", quotable_line(c, quoted));
	*value++ = '\0';
	/* a key is letters only: "PrivateKey <key>=" has its '=' in the wrong place */
	if (!*line || strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != strlen(line))
		return fail(c, "not a 'Key = Value' line (missing '=' after the key?): '%s'", quotable_line(c, quoted));
	if (c->section == SECTION_NONE)
		return fail(c, "%s: key outside of an [Interface] or [Peer] section", line);
	if (!*value && strcasecmp(line, "AllowedIPs"))
		return fail(c, "%s: empty value", line);
	if (c->section == SECTION_INTERFACE) {
		if (!strcasecmp(line, "ListenPort"))
			return parse_listen_port(c, "ListenPort", value);
		if (!strcasecmp(line, "FwMark"))
			return parse_fwmark(c, "FwMark", value);
		if (!strcasecmp(line, "PrivateKey")) {
			if (!parse_key(c, c->dev->private_key, "PrivateKey", value, true))
				return false;
			c->dev->flags |= WGC_DEVICE_HAS_PRIVATE_KEY;
			return true;
		}
		if (is_wg_quick_key(line))
			return fail(c, "%s: a wg-quick key, not understood here (use `wgc strip')", line);
		return fail(c, "%s: unknown key in [Interface] section", line);
	}
	if (!strcasecmp(line, "PublicKey")) {
		if (!parse_key(c, c->peer->public_key, "PublicKey", value, false))
			return false;
		c->peer->flags |= WGC_PEER_HAS_PUBLIC_KEY;
		return true;
	}
	if (!strcasecmp(line, "PresharedKey")) {
		if (!parse_key(c, c->peer->preshared_key, "PresharedKey", value, true))
			return false;
		c->peer->flags |= WGC_PEER_HAS_PRESHARED_KEY;
		return true;
	}
	if (!strcasecmp(line, "AllowedIPs"))
		return parse_allowed_ips(c, "AllowedIPs", value);
	if (!strcasecmp(line, "Endpoint"))
		return parse_endpoint(c, "Endpoint", value);
	if (!strcasecmp(line, "PersistentKeepalive"))
		return parse_keepalive(c, "PersistentKeepalive", value);
	return fail(c, "%s: unknown key in [Peer] section", line);
}

static int claim_cmp(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int r;

	if (x->canon.family != y->canon.family)
		return x->canon.family < y->canon.family ? -1 : 1;
	if (x->canon.cidr != y->canon.cidr)
		return x->canon.cidr < y->canon.cidr ? -1 : 1;
	r = memcmp(x->canon.family == AF_INET6 ? (const void *)&x->canon.ip6 : (const void *)&x->canon.ip4,
		   y->canon.family == AF_INET6 ? (const void *)&y->canon.ip6 : (const void *)&y->canon.ip4,
		   x->canon.family == AF_INET6 ? 16 : 4);
	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

static bool same_prefix(const struct claim *a, const struct claim *b)
{
	struct claim x = *a, y = *b;

	x.line = y.line = 0;
	return claim_cmp(&x, &y) == 0;
}

/* Two peers claiming one prefix: the daemon silently gives it to the last. */
static void warn_duplicates(struct ctx *c)
{
	char pfx[WGC_PREFIX_STRLEN];

	if (c->n_claims < 2)
		return;
	qsort(c->claims, c->n_claims, sizeof(*c->claims), claim_cmp);
	for (size_t i = 1; i < c->n_claims; i++) {
		struct claim *a = &c->claims[i - 1], *b = &c->claims[i];

		if (a->peer == b->peer || !same_prefix(a, b))
			continue;
		wgc_prefix_format(pfx, &b->canon);
		if (c->file)
			warn_at(c, b->line, "AllowedIPs: %s is also claimed by the peer of line %u; the later peer gets it",
				pfx, c->peer_lines[a->peer]);
		else
			warn_at(c, 0, "allowed-ips: %s is claimed by two peers; the later peer gets it", pfx);
	}
}

static void ctx_free(struct ctx *c)
{
	free(c->peer_lines);
	free(c->claims);
}

/* The length of [*start, *start + n) up to a comment, blanks trimmed at both ends (*start moves). */
static size_t line_as_written(const char *line, size_t n, const char **start)
{
	const char *hash = memchr(line, '#', n);

	if (hash)
		n = (size_t)(hash - line);
	while (n && is_space(*line)) {
		line++;
		n--;
	}
	while (n && is_space(line[n - 1]))
		n--;
	*start = line;
	return n;
}

bool wgc_config_parse(struct wgc_device_model *dev, const char *buf, size_t len, const char *filename,
		      bool append, const struct wgc_config_hooks *hooks, char err[WGC_CONFIG_ERRLEN])
{
	struct ctx c = { .dev = dev, .file = filename ? filename : "(config)", .hooks = hooks, .err = err };
	char *line = NULL;
	size_t pos = 0;
	bool ok = true;

	err[0] = '\0';
	memset(dev, 0, sizeof(*dev));
	if (!append)
		dev->flags |= WGC_DEVICE_REPLACE_PEERS | WGC_DEVICE_HAS_PRIVATE_KEY | WGC_DEVICE_HAS_FWMARK |
			      WGC_DEVICE_HAS_LISTEN_PORT;
	line = malloc(len + 1);
	if (!line) {
		ok = fail(&c, "out of memory");
		goto out;
	}
	/* a UTF-8 byte-order mark (Windows editors) is not part of the first line */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		pos = 3;
	while (ok && pos < len) {
		const char *start = buf + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos, clean = 0;

		pos += n + (nl ? 1 : 0);
		c.line++;
		c.raw = start;
		c.raw_len = line_as_written(start, n, &c.raw);
		for (size_t i = 0; i < n && start[i] != '#'; i++) {
			if (start[i] == '\0') {
				ok = fail(&c, "NUL byte in line");
				break;
			}
			if (!is_space(start[i]))
				line[clean++] = start[i];
		}
		line[clean] = '\0';
		if (ok && clean)
			ok = process_line(&c, line);
	}
	for (size_t i = 0; ok && i < dev->n_peers; i++) {
		if (!(dev->peers[i].flags & WGC_PEER_HAS_PUBLIC_KEY)) {
			c.line = c.peer_lines[i];
			ok = fail(&c, "[Peer] section without a PublicKey");
		}
	}
	if (ok)
		warn_duplicates(&c);
	if (ok)
		finish_candidates(dev);
out:
	if (line) {
		wgc_wipe(line, len + 1);
		free(line);
	}
	ctx_free(&c);
	if (!ok)
		wgc_model_free(dev);
	return ok;
}

bool wgc_config_parse_keyfile(uint8_t key[WGC_KEY_LEN], const char *buf, size_t len, char *err, size_t errlen)
{
	char b64[WGC_KEY_B64_LEN];
	bool ok;

	if (len == 0) {
		memset(key, 0, WGC_KEY_LEN);
		return true;
	}
	if (len < WGC_KEY_B64_LEN - 1) {
		snprintf(err, errlen, "invalid length key in key file");
		return false;
	}
	for (size_t i = WGC_KEY_B64_LEN - 1; i < len; i++) {
		if (!is_space(buf[i])) {
			unsigned char ch = (unsigned char)buf[i];

			if (ch >= 0x20 && ch < 0x7f)
				snprintf(err, errlen, "trailing character in key file: '%c'", ch);
			else
				snprintf(err, errlen, "trailing character in key file: '\\x%02x'", ch);
			return false;
		}
	}
	memcpy(b64, buf, WGC_KEY_B64_LEN - 1);
	b64[WGC_KEY_B64_LEN - 1] = '\0';
	ok = wgc_key_from_base64(key, b64);
	wgc_wipe(b64, sizeof(b64));
	if (!ok) {
		wgc_wipe(key, WGC_KEY_LEN);
		snprintf(err, errlen, "key in key file is not a valid key (44 base64 characters ending in '=')");
	}
	return ok;
}

static bool read_keyfile(struct ctx *c, uint8_t key[WGC_KEY_LEN], const char *opt, const char *path)
{
	char msg[WGC_CONFIG_ERRLEN] = "";

	if ((c->hooks && c->hooks->read_keyfile ? c->hooks->read_keyfile : wgc_config_read_keyfile)(key, path, msg, sizeof(msg),
												      c->hooks))
		return true;
	return fail(c, "%s: %s: %s", opt, path, msg);
}

/* `candidate-retry SECONDS` / `reresolve-after SECONDS` (wgcd only, issue 14): 1..86400. */
static bool parse_interval_arg(struct ctx *c, const char *key, const char *value)
{
	unsigned long v;
	char *end;

	if (!is_digit(value[0]))
		return fail(c, "%s: '%s' is not a number of seconds (1-86400)", key, value);
	v = strtoul(value, &end, 10);
	if (*end || v < 1 || v > 86400)
		return fail(c, "%s: '%s' is not a number of seconds (1-86400)", key, value);
	if (!strcmp(key, "candidate-retry")) {
		c->dev->candidate_retry = (uint32_t)v;
		c->dev->flags |= WGC_DEVICE_HAS_CANDIDATE_RETRY;
	} else {
		c->dev->reresolve_after = (uint32_t)v;
		c->dev->flags |= WGC_DEVICE_HAS_RERESOLVE_AFTER;
	}
	return true;
}

bool wgc_config_parse_args(struct wgc_device_model *dev, int argc, const char *const argv[],
			   const struct wgc_config_hooks *hooks, char err[WGC_CONFIG_ERRLEN])
{
	struct ctx c = { .dev = dev, .hooks = hooks, .err = err };
	bool ok = true;

	err[0] = '\0';
	memset(dev, 0, sizeof(*dev));
	while (ok && argc > 0) {
		const char *a = argv[0], *v = argc >= 2 ? argv[1] : NULL;
		int used = 2;

		if (!strcmp(a, "listen-port") && v && !c.peer) {
			ok = parse_listen_port(&c, a, v);
		} else if (!strcmp(a, "fwmark") && v && !c.peer) {
			ok = parse_fwmark(&c, a, v);
		} else if (!strcmp(a, "private-key") && v && !c.peer) {
			ok = read_keyfile(&c, dev->private_key, a, v);
			dev->flags |= WGC_DEVICE_HAS_PRIVATE_KEY;
		} else if ((!strcmp(a, "candidate-retry") || !strcmp(a, "reresolve-after")) && v && !c.peer) {
			ok = parse_interval_arg(&c, a, v);
		} else if (!strcmp(a, "peer") && v) {
			ok = new_peer(&c) && parse_key(&c, c.peer->public_key, a, v, false);
			if (ok)
				c.peer->flags |= WGC_PEER_HAS_PUBLIC_KEY;
		} else if (!strcmp(a, "remove") && c.peer) {
			c.peer->flags |= WGC_PEER_REMOVE_ME;
			used = 1;
		} else if (!strcmp(a, "endpoint") && v && c.peer) {
			ok = !*v ? fail(&c, "%s: empty value", a) : parse_endpoint(&c, a, v);
		} else if (!strcmp(a, "allowed-ips") && v && c.peer) {
			char *s = malloc(strlen(v) + 1);
			size_t n = 0;

			if (!s) {
				ok = fail(&c, "out of memory");
				break;
			}
			for (const char *p = v; *p; p++)
				if (!is_space(*p))
					s[n++] = *p;
			s[n] = '\0';
			ok = parse_allowed_ips(&c, a, s);
			free(s);
		} else if (!strcmp(a, "persistent-keepalive") && v && c.peer) {
			ok = parse_keepalive(&c, a, v);
		} else if (!strcmp(a, "preshared-key") && v && c.peer) {
			ok = read_keyfile(&c, c.peer->preshared_key, a, v);
			c.peer->flags |= WGC_PEER_HAS_PRESHARED_KEY;
		} else {
			ok = fail(&c, "Invalid argument: %s", a);
		}
		argv += used;
		argc -= used;
	}
	if (ok)
		warn_duplicates(&c);
	if (ok)
		finish_candidates(dev);
	ctx_free(&c);
	if (!ok)
		wgc_model_free(dev);
	return ok;
}

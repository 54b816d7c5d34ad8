// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "provision/hubfile.h"

enum section { SEC_NONE, SEC_INTERFACE, SEC_PEER, SEC_OTHER };

struct scan {
	struct wgc_hub_file *hf;
	char *err;
	unsigned line;
	enum section sec;
	size_t cap_peers;
};

static bool fail(struct scan *s, const char *what, const char *value)
{
	snprintf(s->err, WGC_HUB_ERRLEN, "line %u: %s%s%.64s%s", s->line, what, value ? ": '" : "",
		 value ? value : "", value ? "'" : "");
	return false;
}

bool wgc_hub_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > WGC_HUB_NAME_MAX || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.+@-", name[i]))
			return false;
	return true;
}

bool wgc_mac_parse(uint8_t mac[6], const char *s)
{
	unsigned v[6];
	char sep[5], end;

	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		bool want_sep = i % 3 == 2;

		if (want_sep != (s[i] == ':' || s[i] == '-'))
			return false;
		if (!want_sep && !isxdigit((unsigned char)s[i]))
			return false;
	}
	if (sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &v[0], &sep[0], &v[1], &sep[1], &v[2], &sep[2], &v[3],
		   &sep[3], &v[4], &sep[4], &v[5], &end) != 11)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

void wgc_mac_format(char out[18], const uint8_t mac[6])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* Copies s without any whitespace (wg ignores all of it inside a line) into out. */
static bool squeeze(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i]))
			continue;
		if (o + 1 >= cap)
			return false;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return true;
}

/* Trims blanks from both ends of [*p, *p + *n). */
static void trim(const char **p, size_t *n)
{
	while (*n && isspace((unsigned char)**p))
		(*p)++, (*n)--;
	while (*n && isspace((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

static bool add_prefixes(struct scan *s, const char *list, struct wgc_allowed_ip *ips, size_t *n, const char *key)
{
	char copy[WGC_HUB_VALUE_MAX], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n >= WGC_HUB_MAX_ADDRS)
			return fail(s, key, "too many entries");
		if (!wgc_prefix_parse(&ips[*n], tok, false))
			return fail(s, key, tok);
		(*n)++;
	}
	return true;
}

static struct wgc_hub_peer *new_peer(struct scan *s)
{
	struct wgc_hub_file *hf = s->hf;

	if (hf->n_peers == s->cap_peers) {
		size_t cap = s->cap_peers ? s->cap_peers * 2 : 16;
		struct wgc_hub_peer *p = realloc(hf->peers, cap * sizeof(*p));

		if (!p)
			return NULL;
		hf->peers = p;
		s->cap_peers = cap;
	}
	memset(&hf->peers[hf->n_peers], 0, sizeof(hf->peers[0]));
	return &hf->peers[hf->n_peers++];
}

/* "# key = value" (after the '#'): true when it has that form; key lower-cased. */
static bool comment_pair(const char *p, size_t n, char *key, size_t keycap, const char **val, size_t *vlen)
{
	const char *eq = memchr(p, '=', n), *k = p;
	size_t klen;

	if (!eq)
		return false;
	klen = (size_t)(eq - p);
	trim(&k, &klen);
	if (!klen || klen >= keycap)
		return false;
	for (size_t i = 0; i < klen; i++)
		key[i] = (char)tolower((unsigned char)k[i]);
	key[klen] = '\0';
	*val = eq + 1;
	*vlen = (size_t)((p + n) - *val);
	return true;
}

static bool copy_value(struct scan *s, char *dst, const char *v, size_t n, const char *key)
{
	if (n >= WGC_HUB_VALUE_MAX)
		return fail(s, key, "value too long");
	memcpy(dst, v, n);
	dst[n] = '\0';
	return true;
}

static bool hub_comment(struct scan *s, const char *key, const char *v, size_t n)
{
	struct wgc_hub_file *hf = s->hf;
	char tmp[WGC_HUB_VALUE_MAX];

	if (!strcmp(key, "wgc endpoint"))
		return copy_value(s, hf->endpoint, v, n, "endpoint");
	if (!strcmp(key, "wgc dns"))
		return copy_value(s, hf->dns, v, n, "dns");
	if (!strcmp(key, "wgc allowed_ips"))
		return copy_value(s, hf->allowed_ips, v, n, "allowed_ips");
	if (!strcmp(key, "wgc keepalive_peers"))
		return copy_value(s, hf->keepalive_peers, v, n, "keepalive_peers");
	if (!strcmp(key, "wgc lan")) {
		if (hf->n_lan >= WGC_HUB_MAX_LAN)
			return fail(s, "lan", "too many entries");
		return copy_value(s, hf->lan[hf->n_lan++], v, n, "lan");
	}
	if (!strcmp(key, "wgc subnet")) {
		if (!copy_value(s, tmp, v, n, "subnet"))
			return false;
		if (hf->n_subnets >= 2 || !wgc_prefix_parse(&hf->subnets[hf->n_subnets], tmp, true))
			return fail(s, "subnet", tmp);
		wgc_prefix_canonicalize(&hf->subnets[hf->n_subnets++]);
	}
	return true;
}

static bool peer_comment(struct scan *s, const char *key, const char *v, size_t n)
{
	struct wgc_hub_peer *p = &s->hf->peers[s->hf->n_peers - 1];
	char tmp[WGC_HUB_VALUE_MAX];

	if (!copy_value(s, tmp, v, n, key))
		return false;
	if (!strcmp(key, "friendly_name")) {
		if (!wgc_hub_name_valid(tmp))
			return fail(s, "friendly_name", tmp);
		memcpy(p->name, tmp, strlen(tmp) + 1); /* valid names fit */
	} else if (!strcmp(key, "mac")) {
		if (!wgc_mac_parse(p->mac, tmp))
			return fail(s, "mac", tmp);
		p->has_mac = true;
	}
	return true;
}

static bool comment_line(struct scan *s, const char *p, size_t n)
{
	char key[32];
	const char *v;
	size_t vlen;

	p++, n--; /* the '#' */
	trim(&p, &n);
	if (s->sec == SEC_NONE && n == 7 && !strncasecmp(p, "wgc hub", 7)) {
		s->hf->is_hub = true;
		return true;
	}
	if (!comment_pair(p, n, key, sizeof(key), &v, &vlen))
		return true;
	trim(&v, &vlen);
	if (s->sec == SEC_NONE || s->sec == SEC_INTERFACE)
		return hub_comment(s, key, v, vlen);
	if (s->sec == SEC_PEER)
		return peer_comment(s, key, v, vlen);
	return true;
}

static bool key_line(struct scan *s, const char *p, size_t n)
{
	const char *hash = memchr(p, '#', n), *eq;
	char key[32], val[WGC_HUB_VALUE_MAX];
	struct wgc_hub_file *hf = s->hf;
	uint64_t port;
	bool ok = true;

	if (hash)
		n = (size_t)(hash - p);
	eq = memchr(p, '=', n);
	if (!eq || s->sec == SEC_NONE || s->sec == SEC_OTHER)
		return true;
	if (!squeeze(key, sizeof(key), p, (size_t)(eq - p)))
		return true; /* not a key we know */
	if (strcasecmp(key, "Address") && strcasecmp(key, "ListenPort") && strcasecmp(key, "PrivateKey") &&
	    strcasecmp(key, "PublicKey") && strcasecmp(key, "AllowedIPs"))
		return true; /* PostUp and the like: wg-quick's business, any length */
	if (!squeeze(val, sizeof(val), eq + 1, n - (size_t)(eq + 1 - p)))
		return fail(s, key, "value too long");
	if (s->sec == SEC_INTERFACE) {
		if (!strcasecmp(key, "Address"))
			ok = add_prefixes(s, val, hf->addrs, &hf->n_addrs, "Address");
		else if (!strcasecmp(key, "ListenPort"))
			ok = wgc_parse_u64(val, 65535, &port) ? (hf->listen_port = (uint16_t)port, true)
							       : fail(s, "ListenPort", val);
		else if (!strcasecmp(key, "PrivateKey"))
			ok = (hf->has_private_key = wgc_key_from_base64(hf->private_key, val)) ||
			     fail(s, "PrivateKey is not a valid key", NULL);
	} else {
		struct wgc_hub_peer *peer = &hf->peers[hf->n_peers - 1];

		if (!strcasecmp(key, "PublicKey"))
			ok = (peer->has_public_key = wgc_key_from_base64(peer->public_key, val)) ||
			     fail(s, "PublicKey", val);
		else if (!strcasecmp(key, "AllowedIPs"))
			ok = add_prefixes(s, val, peer->ips, &peer->n_ips, "AllowedIPs");
	}
	wgc_wipe(val, sizeof(val));
	return ok;
}

static bool header_line(struct scan *s, const char *p, size_t n, size_t range_start)
{
	char name[32];
	const char *hash = memchr(p, '#', n);

	if (hash)
		n = (size_t)(hash - p);
	if (!squeeze(name, sizeof(name), p, n))
		name[0] = '\0';
	if (s->sec == SEC_PEER) /* a peer's range ends where the next section's begins */
		s->hf->peers[s->hf->n_peers - 1].end = range_start;
	if (!strcasecmp(name, "[Interface]")) {
		if (s->sec == SEC_NONE)
			s->hf->interface_start = range_start;
		s->sec = SEC_INTERFACE;
	} else if (!strcasecmp(name, "[Peer]")) {
		struct wgc_hub_peer *peer;

		if (!s->hf->n_peers)
			s->hf->interface_end = range_start;
		peer = new_peer(s);
		if (!peer)
			return fail(s, "out of memory", NULL);
		peer->start = range_start;
		peer->line = s->line;
		s->sec = SEC_PEER;
	} else {
		s->sec = SEC_OTHER;
	}
	return true;
}

/* Derives the pools from the Address lines when the file has no `# wgc subnet`. */
static void derive_subnets(struct wgc_hub_file *hf)
{
	bool have4 = false, have6 = false;

	for (size_t i = 0; i < hf->n_subnets; i++)
		*(hf->subnets[i].family == AF_INET ? &have4 : &have6) = true;
	for (size_t i = 0; i < hf->n_addrs && hf->n_subnets < 2; i++) {
		bool *have = hf->addrs[i].family == AF_INET ? &have4 : &have6;

		if (*have)
			continue;
		*have = true;
		hf->subnets[hf->n_subnets] = hf->addrs[i];
		wgc_prefix_canonicalize(&hf->subnets[hf->n_subnets++]);
	}
}

bool wgc_hub_file_parse(struct wgc_hub_file *hf, const char *buf, size_t len, char err[WGC_HUB_ERRLEN])
{
	struct scan s = { .hf = hf, .err = err };
	size_t off = 0, blank_start = 0;
	bool in_blank_run = false;

	memset(hf, 0, sizeof(*hf));
	err[0] = '\0';
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off), *p = buf + off;
		size_t end = nl ? (size_t)(nl - buf) + 1 : len, n = (nl ? (size_t)(nl - buf) : len) - off;
		bool ok = true;

		s.line++;
		trim(&p, &n);
		if (!n) {
			if (!in_blank_run)
				blank_start = off;
			in_blank_run = true;
			off = end;
			continue;
		}
		if (*p == '[')
			ok = header_line(&s, p, n, in_blank_run ? blank_start : off);
		else if (*p == '#')
			ok = comment_line(&s, p, n);
		else
			ok = key_line(&s, p, n);
		in_blank_run = false;
		if (!ok) {
			wgc_hub_file_free(hf);
			return false;
		}
		off = end;
	}
	if (s.sec == SEC_PEER)
		hf->peers[hf->n_peers - 1].end = len;
	if (!hf->n_peers)
		hf->interface_end = len;
	derive_subnets(hf);
	return true;
}

void wgc_hub_file_free(struct wgc_hub_file *hf)
{
	free(hf->peers);
	wgc_wipe(hf, sizeof(*hf));
}

const struct wgc_hub_peer *wgc_hub_find_next(const struct wgc_hub_file *hf, const char *name,
					     const struct wgc_hub_peer *after, bool any_case)
{
	for (size_t i = after ? (size_t)(after - hf->peers) + 1 : 0; i < hf->n_peers; i++)
		if (hf->peers[i].name[0] &&
		    !(any_case ? strcasecmp(hf->peers[i].name, name) : strcmp(hf->peers[i].name, name)))
			return &hf->peers[i];
	return NULL;
}

const struct wgc_hub_peer *wgc_hub_find(const struct wgc_hub_file *hf, const char *name)
{
	return wgc_hub_find_next(hf, name, NULL, false);
}

void wgc_hub_splice_out(struct wgc_strbuf *out, const char *buf, size_t len, const struct wgc_hub_peer *peer)
{
	wgc_strbuf_append(out, buf, peer->start);
	wgc_strbuf_append(out, buf + peer->end, len - peer->end);
}

void wgc_hub_append(struct wgc_strbuf *out, const char *buf, size_t len, const char *section)
{
	wgc_strbuf_append(out, buf, len);
	if (len && buf[len - 1] != '\n')
		wgc_strbuf_append(out, "\n", 1);
	wgc_strbuf_append(out, "\n", 1);
	wgc_strbuf_append(out, section, strlen(section));
}

/* The end of the line starting at off (past its '\n'), bounded by limit. */
static size_t line_end(const char *buf, size_t off, size_t limit)
{
	const char *nl = memchr(buf + off, '\n', limit - off);

	return nl ? (size_t)(nl - buf) + 1 : limit;
}

/* Whether the line [off, end) is the comment "# key = ..." (key lower-case). */
static bool is_comment_key(const char *buf, size_t off, size_t end, const char *key)
{
	const char *p = buf + off, *v;
	size_t n = end - off, vlen;
	char k[32];

	trim(&p, &n);
	if (!n || *p != '#')
		return false;
	p++, n--;
	return comment_pair(p, n, k, sizeof(k), &v, &vlen) && !strcmp(k, key);
}

void wgc_hub_set_mac(struct wgc_strbuf *out, const char *buf, size_t len, const struct wgc_hub_peer *peer,
		     const uint8_t mac[6])
{
	size_t at = peer->end, replace_end = 0, off = peer->start, header_end = 0;
	char line[32], text[18];

	wgc_mac_format(text, mac);
	snprintf(line, sizeof(line), "# mac = %s\n", text);
	for (; off < peer->end; off = line_end(buf, off, peer->end)) {
		size_t end = line_end(buf, off, peer->end);
		const char *p = buf + off;
		size_t n = end - off;

		trim(&p, &n);
		if (!header_end && n && *p == '[')
			at = header_end = end;
		else if (is_comment_key(buf, off, end, "friendly_name"))
			at = end;
		else if (is_comment_key(buf, off, end, "mac")) {
			at = off;
			replace_end = end;
			break;
		}
	}
	wgc_strbuf_append(out, buf, at);
	if (at && buf[at - 1] != '\n')
		wgc_strbuf_append(out, "\n", 1);
	wgc_strbuf_append(out, line, strlen(line));
	at = replace_end ? replace_end : at;
	wgc_strbuf_append(out, buf + at, len - at);
}

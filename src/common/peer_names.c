// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/peer_names.h"
#include "core/encoding.h"

struct section {
	bool is_peer, has_key;
	uint8_t key[WGC_KEY_LEN];
	char name[WGC_PEER_NAME_MAX];
};

/* Trims blanks at both ends of s[0..*n) in place of a pointer move. */
static const char *trim(const char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t'))
		s++, (*n)--;
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\r'))
		(*n)--;
	return s;
}

/* "key = value" with key matched case-insensitively; the value trimmed. */
static const char *value_of(const char *s, size_t n, const char *key, size_t *vn)
{
	size_t kl = strlen(key);
	const char *eq;

	if (n < kl || strncasecmp(s, key, kl))
		return NULL;
	s += kl, n -= kl;
	s = trim(s, &n);
	if (!n || *s != '=')
		return NULL;
	eq = s + 1;
	*vn = n - 1;
	return trim(eq, vn);
}

static bool flush(struct wgc_peer_names *names, struct section *sec)
{
	if (sec->is_peer && sec->has_key && sec->name[0]) {
		if (names->n == names->cap) {
			size_t ncap = names->cap ? names->cap * 2 : 8;
			struct wgc_peer_name *p = realloc(names->items, ncap * sizeof(*p));

			if (!p)
				return false;
			names->items = p;
			names->cap = ncap;
		}
		memcpy(names->items[names->n].public_key, sec->key, WGC_KEY_LEN);
		memcpy(names->items[names->n].name, sec->name, sizeof(sec->name));
		names->n++;
	}
	memset(sec, 0, sizeof(*sec));
	return true;
}

/* Copies a name without control characters; quotes and backslashes are escaped by whoever prints it. */
static void set_name(struct section *sec, const char *v, size_t vn)
{
	size_t j = 0;

	for (size_t i = 0; i < vn && j + 1 < sizeof(sec->name); i++)
		if ((unsigned char)v[i] >= 0x20 && v[i] != 0x7f)
			sec->name[j++] = v[i];
	sec->name[j] = '\0';
}

static void line(struct section *sec, const char *s, size_t n)
{
	const char *v;
	size_t vn;

	s = trim(s, &n);
	if (n && *s == '#') {
		s++, n--;
		s = trim(s, &n);
		v = value_of(s, n, "friendly_name", &vn);
		if (v && sec->is_peer)
			set_name(sec, v, vn);
		return;
	}
	v = value_of(s, n, "PublicKey", &vn);
	if (v && sec->is_peer && vn == WGC_KEY_B64_LEN - 1) {
		char b64[WGC_KEY_B64_LEN];

		memcpy(b64, v, vn);
		b64[vn] = '\0';
		sec->has_key = wgc_key_from_base64(sec->key, b64);
	}
}

bool wgc_peer_names_parse(struct wgc_peer_names *names, const char *buf, size_t len)
{
	struct section sec = { 0 };
	size_t pos = 0;

	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos, tn = n;
		const char *t = trim(s, &tn);

		pos += n + (nl != NULL);
		if (tn && *t == '[') {
			if (!flush(names, &sec))
				return false;
			sec.is_peer = tn == 6 && !strncasecmp(t, "[Peer]", 6);
			continue;
		}
		line(&sec, s, n);
	}
	return flush(names, &sec);
}

const char *wgc_peer_names_find(const struct wgc_peer_names *names, const uint8_t key[WGC_KEY_LEN])
{
	for (size_t i = 0; i < names->n; i++)
		if (!memcmp(names->items[i].public_key, key, WGC_KEY_LEN))
			return names->items[i].name;
	return NULL;
}

void wgc_peer_names_free(struct wgc_peer_names *names)
{
	free(names->items);
	memset(names, 0, sizeof(*names));
}

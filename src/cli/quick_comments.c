// SPDX-License-Identifier: MIT
/* Putting the old file's comments back into a saved config (see quick_comments.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/quick_comments.h"

struct span {
	const char *p;
	size_t n;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

struct keyline {
	struct span key, value, trail; /* trail: from '#' on, "" when none */
	unsigned occ;                  /* the how-manieth line of this key in its section */
	struct spans above;            /* comment lines right above it */
	bool used;
};

enum kind { PREAMBLE, INTERFACE, PEER, OTHER };

struct section {
	enum kind kind;
	struct span header, pubkey;
	struct spans lead;  /* comments directly above the header (peers only) */
	struct keyline *keys;
	size_t n_keys, cap_keys;
	struct spans tail;  /* comments after the last key line */
	unsigned blanks;    /* generated text: blank lines at the end */
	bool used;
};

struct file {
	struct section *v;
	size_t n, cap;
	bool failed;
};

static bool push_span(struct spans *s, struct span x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct span *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return false;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return true;
}

static struct span trim_span(const char *p, size_t n)
{
	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	return (struct span){ p, n };
}

static bool same_key(struct span a, struct span b)
{
	return a.n == b.n && !strncasecmp(a.p, b.p, a.n);
}

/* Values compare with blanks ignored ("a, b" is "a,b"). */
static bool same_value(struct span a, struct span b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a.n && isspace((unsigned char)a.p[i]))
			i++;
		while (j < b.n && isspace((unsigned char)b.p[j]))
			j++;
		if (i == a.n || j == b.n)
			return i == a.n && j == b.n;
		if (a.p[i++] != b.p[j++])
			return false;
	}
}

static struct section *add_section(struct file *f, enum kind kind, struct span header)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct section *v = realloc(f->v, cap * sizeof(*v));

		if (!v) {
			f->failed = true;
			return NULL;
		}
		f->v = v;
		f->cap = cap;
	}
	memset(&f->v[f->n], 0, sizeof(f->v[0]));
	f->v[f->n].kind = kind;
	f->v[f->n].header = header;
	return &f->v[f->n++];
}

static bool add_keyline(struct section *s, struct span line, struct spans *pending)
{
	const char *eq = memchr(line.p, '=', line.n), *hash = memchr(line.p, '#', line.n);
	struct keyline *k;

	if (s->n_keys == s->cap_keys) {
		size_t cap = s->cap_keys ? s->cap_keys * 2 : 8;
		struct keyline *v = realloc(s->keys, cap * sizeof(*v));

		if (!v)
			return false;
		s->keys = v;
		s->cap_keys = cap;
	}
	k = &s->keys[s->n_keys++];
	memset(k, 0, sizeof(*k));
	if (hash && eq && hash < eq)
		eq = NULL;
	k->key = trim_span(line.p, (size_t)((eq ? eq : hash ? hash : line.p + line.n) - line.p));
	if (eq)
		k->value = trim_span(eq + 1, (size_t)((hash ? hash : line.p + line.n) - (eq + 1)));
	if (hash)
		k->trail = (struct span){ hash, (size_t)(line.p + line.n - hash) };
	for (size_t i = 0; i + 1 < s->n_keys; i++)
		k->occ += same_key(s->keys[i].key, k->key);
	k->above = *pending;
	memset(pending, 0, sizeof(*pending));
	if (s->kind == PEER && !strncasecmp(k->key.p, "PublicKey", k->key.n) && k->key.n == 9)
		s->pubkey = k->value;
	return true;
}

static enum kind header_kind(struct span t)
{
	if (t.n == 11 && !strncasecmp(t.p, "[Interface]", 11))
		return INTERFACE;
	if (t.n == 6 && !strncasecmp(t.p, "[Peer]", 6))
		return PEER;
	return OTHER;
}

/* A header: the comments right above a [Peer] (no blank between) go with it; the rest end the section before. */
static struct section *start_section(struct file *f, struct section *cur, struct span t, struct spans *pending,
				     size_t adjacent)
{
	enum kind kind = header_kind(t);
	struct section *s;
	size_t keep = kind == PEER ? adjacent : pending->n;
	size_t at = (size_t)(cur - f->v);

	for (size_t i = 0; i < keep; i++)
		if (!push_span(&cur->tail, pending->v[i]))
			f->failed = true;
	s = add_section(f, kind, t);
	if (!s)
		return &f->v[at];
	for (size_t i = keep; i < pending->n; i++)
		if (!push_span(&s->lead, pending->v[i]))
			f->failed = true;
	pending->n = 0;
	return s;
}

static void parse_sections(struct file *f, const char *text, size_t len)
{
	struct spans pending = { 0 };
	struct section *cur = add_section(f, PREAMBLE, (struct span){ "", 0 });
	size_t pos = 0, adjacent = 0;

	while (cur && pos < len && !f->failed) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct span t = trim_span(text + pos, n);

		pos += n + (nl ? 1 : 0);
		if (!t.n) {
			adjacent = pending.n; /* a blank line parts what is above from the next header */
			cur->blanks++;
			continue;
		}
		if (t.p[0] == '#') {
			cur->blanks = 0;
			if (!push_span(&pending, t))
				f->failed = true;
		} else if (t.p[0] == '[') {
			/* the blank lines before a header end the section before it */
			cur = start_section(f, cur, t, &pending, adjacent);
			adjacent = 0;
		} else {
			cur->blanks = 0;
			if (!add_keyline(cur, t, &pending))
				f->failed = true;
			adjacent = 0;
		}
	}
	for (size_t i = 0; cur && i < pending.n; i++)
		if (!push_span(&cur->tail, pending.v[i]))
			f->failed = true;
	free(pending.v);
}

static void free_sections(struct file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct section *s = &f->v[i];

		for (size_t k = 0; k < s->n_keys; k++)
			free(s->keys[k].above.v);
		free(s->keys);
		free(s->lead.v);
		free(s->tail.v);
	}
	free(f->v);
}

static void put_line(struct wgc_strbuf *out, struct span s)
{
	wgc_strbuf_append(out, s.p, s.n);
	wgc_strbuf_append(out, "\n", 1);
}

static void put_lines(struct wgc_strbuf *out, const struct spans *s)
{
	for (size_t i = 0; i < s->n; i++)
		put_line(out, s->v[i]);
}

static struct section *old_section(struct file *old, const struct section *g)
{
	for (size_t i = 0; i < old->n; i++) {
		struct section *o = &old->v[i];

		if (o->used || o->kind != g->kind)
			continue;
		if (g->kind == INTERFACE || (g->kind == PEER && o->pubkey.n && g->pubkey.n == o->pubkey.n &&
					     !memcmp(g->pubkey.p, o->pubkey.p, o->pubkey.n)))
			return o;
	}
	return NULL;
}

static struct keyline *old_key(struct section *o, const struct keyline *k)
{
	for (size_t i = 0; o && i < o->n_keys; i++)
		if (!o->keys[i].used && o->keys[i].occ == k->occ && same_key(o->keys[i].key, k->key))
			return &o->keys[i];
	return NULL;
}

/* One generated section with the comments of its old counterpart o (may be NULL). */
static void emit_section(struct wgc_strbuf *out, const struct section *g, struct section *o)
{
	if (o)
		put_lines(out, &o->lead);
	if (g->header.n)
		put_line(out, g->header);
	for (size_t i = 0; i < g->n_keys; i++) {
		const struct keyline *k = &g->keys[i];
		struct keyline *ok = old_key(o, k);
		struct span line = { k->key.p, k->key.n };

		if (k->value.n)
			line.n = (size_t)(k->value.p + k->value.n - k->key.p);
		if (ok) {
			ok->used = true;
			put_lines(out, &ok->above);
			if (ok->trail.n && !same_value(ok->value, k->value))
				put_line(out, ok->trail);
		}
		wgc_strbuf_append(out, line.p, line.n);
		if (ok && ok->trail.n && same_value(ok->value, k->value)) {
			wgc_strbuf_append(out, " ", 1);
			wgc_strbuf_append(out, ok->trail.p, ok->trail.n);
		}
		wgc_strbuf_append(out, "\n", 1);
	}
	for (size_t i = 0; o && i < o->n_keys; i++) {
		if (o->keys[i].used)
			continue;
		put_lines(out, &o->keys[i].above);
		if (o->keys[i].trail.n)
			put_line(out, o->keys[i].trail);
	}
	if (o)
		put_lines(out, &o->tail);
	for (unsigned i = 0; i < g->blanks; i++)
		wgc_strbuf_append(out, "\n", 1);
}

bool wgc_quick_keep_comments(struct wgc_strbuf *out, const char *old_text, size_t old_len, const char *generated)
{
	struct file old = { 0 }, gen = { 0 };

	parse_sections(&old, old_text, old_len);
	parse_sections(&gen, generated, strlen(generated));
	if (old.failed || gen.failed || !old.n || !gen.n) {
		free_sections(&old);
		free_sections(&gen);
		out->failed = true;
		return false;
	}
	/* the top of the file stays at the top */
	put_lines(out, &old.v[0].tail);
	for (size_t i = 0; i < old.v[0].n_keys; i++)
		put_lines(out, &old.v[0].keys[i].above);
	for (size_t i = 0; i < gen.n; i++) {
		struct section *g = &gen.v[i], *o = g->kind == PREAMBLE ? NULL : old_section(&old, g);

		if (o)
			o->used = true;
		emit_section(out, g, o);
	}
	free_sections(&old);
	free_sections(&gen);
	return !out->failed;
}

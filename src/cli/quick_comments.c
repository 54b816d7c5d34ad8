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
	struct keyline *match;         /* old file: the generated line that replaces it */
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

/* The generated line that is the occ-th line of key in g, not yet written; NULL when none. */
static struct keyline *gen_key(struct section *g, struct span key, unsigned occ)
{
	for (size_t i = 0; i < g->n_keys; i++)
		if (!g->keys[i].used && g->keys[i].occ == occ && same_key(g->keys[i].key, key))
			return &g->keys[i];
	return NULL;
}

/* One generated key line k, with the comments of the old line ok (may be NULL). */
static void emit_key(struct wgc_strbuf *out, struct keyline *k, struct keyline *ok)
{
	struct span line = { k->key.p, k->key.n };

	k->used = true;
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

/* true when a line of o after the j-th, of the same key, is replaced by a generated one */
static bool matched_later(const struct section *o, size_t j)
{
	for (size_t i = j + 1; i < o->n_keys; i++)
		if (o->keys[i].match && same_key(o->keys[i].key, o->keys[j].key))
			return true;
	return false;
}

/*
 * The key lines of g in the order of the old file o: each line that was in
 * the file where it was (the Nth line of a key replaces the Nth), further
 * lines of a key the file has right after its last one, and keys the file
 * did not have at the end in the generated (wg-quick's) order.
 */
static void emit_keys(struct wgc_strbuf *out, struct section *g, struct section *o)
{
	for (size_t j = 0; o && j < o->n_keys; j++)
		o->keys[j].match = gen_key(g, o->keys[j].key, o->keys[j].occ);
	for (size_t j = 0; o && j < o->n_keys; j++) {
		struct keyline *ok = &o->keys[j];

		if (!ok->match)
			continue;
		emit_key(out, ok->match, ok);
		if (matched_later(o, j))
			continue;
		for (size_t i = 0; i < g->n_keys; i++)
			if (!g->keys[i].used && same_key(g->keys[i].key, ok->key))
				emit_key(out, &g->keys[i], NULL);
	}
	for (size_t i = 0; i < g->n_keys; i++)
		if (!g->keys[i].used)
			emit_key(out, &g->keys[i], NULL);
}

/* One generated section with the comments of its old counterpart o (may be NULL). */
static void emit_section(struct wgc_strbuf *out, struct section *g, struct section *o, unsigned blanks)
{
	if (o)
		put_lines(out, &o->lead);
	if (g->header.n)
		put_line(out, g->header);
	emit_keys(out, g, o);
	for (size_t i = 0; o && i < o->n_keys; i++) {
		if (o->keys[i].used)
			continue;
		put_lines(out, &o->keys[i].above);
		if (o->keys[i].trail.n)
			put_line(out, o->keys[i].trail);
	}
	if (o)
		put_lines(out, &o->tail);
	for (unsigned i = 0; i < blanks; i++)
		wgc_strbuf_append(out, "\n", 1);
}

/* g stands for o: the [Interface], or the [Peer] with the same PublicKey */
static bool same_section(const struct section *g, const struct section *o)
{
	if (g->kind != o->kind)
		return false;
	return g->kind == INTERFACE || (g->kind == PEER && o->pubkey.n && g->pubkey.n == o->pubkey.n &&
					!memcmp(g->pubkey.p, o->pubkey.p, o->pubkey.n));
}

/*
 * The sections in the old file's order (a peer is its PublicKey), then the
 * new ones in the generated order. The blank lines after the Nth section
 * written are those after the Nth generated one, so a reordered peer does
 * not carry the file's last-section "no blank line" into the middle.
 */
static void emit_sections(struct wgc_strbuf *out, struct file *old, struct file *gen)
{
	size_t at = 1;

	/* the generated text starts with its first header: its preamble is empty, written first anyway */
	emit_section(out, &gen->v[0], NULL, gen->v[0].blanks);
	for (size_t i = 1; i < old->n; i++) {
		struct section *o = &old->v[i];

		for (size_t k = 1; k < gen->n; k++) {
			struct section *g = &gen->v[k];

			if (g->used || !same_section(g, o))
				continue;
			g->used = o->used = true;
			emit_section(out, g, o, gen->v[at++].blanks);
			break;
		}
	}
	for (size_t k = 1; k < gen->n; k++)
		if (!gen->v[k].used)
			emit_section(out, &gen->v[k], NULL, gen->v[at++].blanks);
}

bool wgc_quick_keep_comments(struct wgc_strbuf *out, const char *old_text, size_t old_len, const char *generated)
{
	struct file old = { 0 }, gen = { 0 };

	/* a UTF-8 byte-order mark (Windows editors; up and setconf skip it too) is not part of the
	 * first line: kept, it hid the file's [Interface] header and save moved that section last.
	 * The saved file has none, as stock wg(8) does not read one. */
	if (old_len >= 3 && !memcmp(old_text, "\xef\xbb\xbf", 3)) {
		old_text += 3;
		old_len -= 3;
	}
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
	emit_sections(out, &old, &gen);
	free_sections(&old);
	free_sections(&gen);
	return !out->failed;
}

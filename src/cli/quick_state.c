// SPDX-License-Identifier: MIT
/* The record of what `wgc up' changed (see quick_state.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/quick_state.h"

enum { MAX_WORDS = 24, MAX_STATE = 1 << 16 };

void wgc_quick_state_record(struct wgc_strbuf *line, const struct wgc_quick_step *s, const char *ifname)
{
	char **a = s->argv;

	wgc_strbuf_append(line, "", 0);
	if (s->kind == WGC_QS_ADD_IF || s->kind == WGC_QS_USERSPACE) {
		wgc_strbuf_printf(line, "link %s", ifname);
	} else if (s->kind == WGC_QS_CMD && s->input_fd63 && s->family) {
		wgc_strbuf_printf(line, "nft %s wg-quick-%s", s->family == 6 ? "ip6" : "ip", ifname);
	} else if (s->kind == WGC_QS_CMD && a && a[0] && a[1] && a[2] && a[3] && !strcmp(a[0], "ip") &&
		   !strcmp(a[2], "rule") && !strcmp(a[3], "add")) {
		wgc_strbuf_printf(line, "rule %s", a[1]);
		for (size_t i = 4; a[i]; i++)
			wgc_strbuf_printf(line, " %s", a[i]);
	} else if (s->kind == WGC_QS_CMD && a && a[0] && a[1] && a[2] && !strcmp(a[0], "resolvconf") &&
		   !strcmp(a[1], "-a")) {
		wgc_strbuf_printf(line, "dns %s", a[2]);
	}
}

static bool state_file(char *buf, size_t len, const char *ifname)
{
	return (size_t)snprintf(buf, len, "%s/%s.state", WGC_STATE_DIR, ifname) < len;
}

bool wgc_quick_state_append(const char *ifname, const char *record)
{
	char path[256];
	size_t n = strlen(record);
	bool ok;
	int fd;

	if (!state_file(path, sizeof(path), ifname)) {
		errno = ENAMETOOLONG;
		return false;
	}
	if (mkdir(WGC_STATE_DIR, 0700) < 0 && errno != EEXIST)
		return false;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return false;
	/* one write per record: a crash leaves whole lines (a torn last one is skipped on reading) */
	{
		char *buf = malloc(n + 1);

		if (!buf) {
			close(fd);
			errno = ENOMEM;
			return false;
		}
		memcpy(buf, record, n);
		buf[n] = '\n';
		ok = write(fd, buf, n + 1) == (ssize_t)(n + 1) && !fsync(fd);
		free(buf);
	}
	return !close(fd) && ok;
}

bool wgc_quick_state_read(const char *ifname, struct wgc_strbuf *out)
{
	char path[256], buf[4096];
	ssize_t r;
	int fd;

	if (!state_file(path, sizeof(path), ifname))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	wgc_strbuf_append(out, "", 0);
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || out->len + (size_t)r > MAX_STATE)
			break;
		wgc_strbuf_append(out, buf, (size_t)r);
	}
	close(fd);
	return !out->failed;
}

void wgc_quick_state_remove(const char *ifname)
{
	char path[256];

	if (state_file(path, sizeof(path), ifname))
		unlink(path);
}

/* Splits one line into words (in place); the number of words. */
static size_t split_words(char *line, char *w[MAX_WORDS])
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t", &save); t && n < MAX_WORDS - 1; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	w[n] = NULL;
	return n;
}

static void add_undo(struct wgc_quick_plan *plan, char *const argv[], bool is_link)
{
	struct wgc_quick_step *grown = realloc(plan->steps, (plan->n + 1) * sizeof(*plan->steps)), *s;
	size_t n = 0;

	if (!grown) {
		plan->failed = true;
		return;
	}
	plan->steps = grown;
	s = &grown[plan->n++];
	memset(s, 0, sizeof(*s));
	s->kind = WGC_QS_UNDO;
	s->ignore_fail = true;
	s->value = is_link;
	while (argv[n])
		n++;
	s->argv = calloc(n + 1, sizeof(*s->argv));
	if (!s->argv) {
		plan->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!(s->argv[i] = strdup(argv[i])))
			plan->failed = true;
}

/* The undo of one record line; false when the line is not a record. */
static bool undo_record(struct wgc_quick_plan *plan, char *line, const char *ifname, bool links)
{
	char *w[MAX_WORDS], *argv[MAX_WORDS + 4];
	size_t n = split_words(line, w), k = 0;

	if (n == 2 && !strcmp(w[0], "link") && !strcmp(w[1], ifname)) {
		if (links) {
			char *del[] = { "ip", "link", "delete", "dev", w[1], NULL };

			add_undo(plan, del, true);
		}
		return true;
	}
	if (links)
		return n > 0;
	if (n >= 3 && !strcmp(w[0], "rule") && (!strcmp(w[1], "-4") || !strcmp(w[1], "-6"))) {
		argv[k++] = "ip", argv[k++] = w[1], argv[k++] = "rule", argv[k++] = "delete";
		for (size_t i = 2; i < n; i++)
			argv[k++] = w[i];
		argv[k] = NULL;
	} else if (n == 3 && !strcmp(w[0], "nft") && (!strcmp(w[1], "ip") || !strcmp(w[1], "ip6")) &&
		   !strncmp(w[2], "wg-quick-", 9)) {
		argv[k++] = "nft", argv[k++] = "delete", argv[k++] = "table", argv[k++] = w[1], argv[k++] = w[2];
		argv[k] = NULL;
	} else if (n == 2 && !strcmp(w[0], "dns")) {
		argv[k++] = "resolvconf", argv[k++] = "-d", argv[k++] = w[1], argv[k++] = "-f";
		argv[k] = NULL;
	} else {
		return false;
	}
	add_undo(plan, argv, false);
	return true;
}

/* Walks the complete lines of text (a torn last line is ignored), newest first or in order. */
static size_t walk_records(struct wgc_quick_plan *plan, const char *text, const char *ifname, bool links)
{
	size_t len = strlen(text), end = len, count = 0;

	/* only whole lines: the last one counts when it ends in a newline */
	while (end && text[end - 1] != '\n')
		end--;
	while (end) {
		size_t start = end - 1;
		char *line;

		while (start && text[start - 1] != '\n')
			start--;
		line = strndup(text + start, end - 1 - start);
		if (!line) {
			plan->failed = true;
			return count;
		}
		if (line[0] != '#' && undo_record(plan, line, ifname, links))
			count++;
		free(line);
		end = start;
	}
	return count;
}

bool wgc_quick_state_plan(struct wgc_quick_plan *plan, const char *text, const char *ifname, size_t *count)
{
	memset(plan, 0, sizeof(*plan));
	/* the interface first: its routes and addresses go with it, and its daemon frees the port */
	walk_records(plan, text, ifname, true);
	*count = walk_records(plan, text, ifname, false);
	if (plan->failed) {
		wgc_quick_plan_free(plan);
		return false;
	}
	return true;
}

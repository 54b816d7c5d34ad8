// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/log.h"

enum { LOG_LINE_MAX = 1024 };

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_ifname[32];
static atomic_int log_level = WGC_LOG_ERROR;
static atomic_int log_fd = STDOUT_FILENO;

enum wgc_log_level wgc_log_level_parse(const char *value)
{
	if (!value)
		return WGC_LOG_ERROR;
	if (!strcmp(value, "verbose") || !strcmp(value, "debug"))
		return WGC_LOG_VERBOSE;
	if (!strcmp(value, "silent"))
		return WGC_LOG_SILENT;
	return WGC_LOG_ERROR;
}

void wgc_log_init(const char *ifname, enum wgc_log_level level)
{
	pthread_mutex_lock(&log_lock);
	snprintf(log_ifname, sizeof(log_ifname), "%s", ifname ? ifname : "");
	pthread_mutex_unlock(&log_lock);
	atomic_store(&log_level, level);
}

void wgc_log_set_fd(int fd)
{
	atomic_store(&log_fd, fd);
}

bool wgc_log_enabled(enum wgc_log_level level)
{
	return level != WGC_LOG_SILENT && level <= (enum wgc_log_level)atomic_load(&log_level);
}

/* Appends to out at *n, never past cap - 1; truncation just stops the line short. */
static void append_v(char *out, size_t cap, size_t *n, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void append_v(char *out, size_t cap, size_t *n, const char *fmt, va_list ap)
{
	int r;

	if (*n + 1 >= cap)
		return;
	r = vsnprintf(out + *n, cap - *n, fmt, ap);
	if (r > 0)
		*n += (size_t)r < cap - *n ? (size_t)r : cap - *n - 1;
}

static void append(char *out, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *out, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append_v(out, cap, n, fmt, ap);
	va_end(ap);
}

size_t wgc_log_format(char *out, size_t cap, enum wgc_log_level level, const char *ifname,
		      const struct tm *when, const char *fmt, va_list ap)
{
	size_t n = 0;

	if (cap < 2) {
		if (cap)
			out[0] = '\0';
		return 0;
	}
	out[0] = '\0';
	append(out, cap, &n, "%s: ", level == WGC_LOG_VERBOSE ? "DEBUG" : "ERROR");
	if (ifname && *ifname)
		append(out, cap, &n, "(%s) ", ifname);
	append(out, cap, &n, "%04d/%02d/%02d %02d:%02d:%02d ", when->tm_year + 1900, when->tm_mon + 1,
	       when->tm_mday, when->tm_hour, when->tm_min, when->tm_sec);
	append_v(out, cap, &n, fmt, ap);
	/* Always end with exactly one newline, even when truncated. */
	if (n == 0 || out[n - 1] != '\n') {
		if (n + 1 >= cap)
			n = cap - 2;
		out[n++] = '\n';
		out[n] = '\0';
	}
	return n;
}

void wgc_log_v(enum wgc_log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct tm tm;
	time_t now;
	size_t n, off = 0;
	int fd;

	if (!wgc_log_enabled(level))
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	pthread_mutex_lock(&log_lock);
	n = wgc_log_format(line, sizeof(line), level, log_ifname, &tm, fmt, ap);
	fd = atomic_load(&log_fd);
	while (off < n) {
		ssize_t w = write(fd, line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* nowhere to report a failing log; drop the line */
		off += (size_t)w;
	}
	pthread_mutex_unlock(&log_lock);
}

void wgc_log(enum wgc_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wgc_log_v(level, fmt, ap);
	va_end(ap);
}

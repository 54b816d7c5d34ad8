/* SPDX-License-Identifier: MIT */
/*
 * The daemon's log, in wireguard-go's format so that existing log scrapers
 * keep working:
 *
 *   DEBUG: (wg0) 2026/01/02 15:04:05 Interface state was Down, requested Up, now Up
 *   ERROR: (wg0) 2026/01/02 15:04:05 Failed to bind: address already in use
 *
 * Both levels go to stdout, as in wireguard-go. The level comes from the
 * environment variable LOG_LEVEL: "verbose" (or "debug") shows everything,
 * "error" only errors, "silent" nothing; unset or anything else means
 * "error", wireguard-go's default.
 *
 * Thread safe: each line is formatted into a local buffer and written with
 * one write(2) under a mutex, so lines from different threads never mix.
 *
 * Callers must never pass key material (private keys, preshared keys,
 * session keys, chaining keys, cookies) to wgc_log. Public keys are fine
 * but log them shortened ("peer(AbCd…xYz0)") as wireguard-go does.
 */
#ifndef WGC_DAEMON_LOG_H
#define WGC_DAEMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum wgc_log_level {
	WGC_LOG_SILENT = 0,
	WGC_LOG_ERROR = 1,
	WGC_LOG_VERBOSE = 2,
};

/* Maps a LOG_LEVEL value (may be NULL) to a level; unknown means ERROR. */
enum wgc_log_level wgc_log_level_parse(const char *value);

/*
 * Sets the interface name shown in every line and the threshold; may be
 * called again (e.g. once the real name is known). Before any call the log
 * prints at ERROR level without a name.
 */
void wgc_log_init(const char *ifname, enum wgc_log_level level);

/* Redirects output (tests); the default is STDOUT_FILENO. */
void wgc_log_set_fd(int fd);

/* Cheap check so callers can skip building expensive messages. */
bool wgc_log_enabled(enum wgc_log_level level);

/* Logs one line; a trailing newline is added when fmt has none. */
void wgc_log(enum wgc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wgc_log_v(enum wgc_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * Formats one line exactly as wgc_log writes it, for a given local time;
 * long messages are truncated to fit. Returns the length written (< cap).
 */
size_t wgc_log_format(char *out, size_t cap, enum wgc_log_level level, const char *ifname,
		      const struct tm *when, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

#define wgc_log_verbose(...) wgc_log(WGC_LOG_VERBOSE, __VA_ARGS__)
#define wgc_log_error(...) wgc_log(WGC_LOG_ERROR, __VA_ARGS__)

#endif

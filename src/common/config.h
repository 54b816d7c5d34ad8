/* SPDX-License-Identifier: MIT */
/*
 * wg's configuration file format and `wg set` arguments, parsed from
 * buffers into a change model (common/model.h).
 *
 * Semantics follow wireguard-tools: section names and keys are
 * case-insensitive, '#' starts a comment, all whitespace inside a line is
 * ignored, AllowedIPs may repeat and accumulate, "off" turns FwMark and
 * PersistentKeepalive off, entries of AllowedIPs may carry '+' (add) or '-'
 * (remove) which makes the change incremental. setconf (append == false)
 * also resets ListenPort, FwMark and PrivateKey when they are absent and
 * replaces every peer; each [Peer] replaces its allowed IPs.
 *
 * Errors read "FILE:LINE: Key: 'value' is not ..." (secret values are never
 * quoted); warnings go through hooks->warn and never fail the parse.
 */
#ifndef WGC_CONFIG_H
#define WGC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/model.h"

enum { WGC_CONFIG_ERRLEN = 512 };

struct wgc_config_hooks {
	/* Resolves an endpoint; NULL means wgc_config_resolve (getaddrinfo, retries). */
	bool (*resolve)(union wgc_endpoint *ep, const char *host, const char *port, const char *text,
			char *err, size_t errlen, const struct wgc_config_hooks *hooks);
	/* Reads a key file for `set ... private-key FILE`; NULL means wgc_config_read_keyfile. */
	bool (*read_keyfile)(uint8_t key[WGC_KEY_LEN], const char *path, char *err, size_t errlen,
			     const struct wgc_config_hooks *hooks);
	/* Receives each warning line (no trailing newline); NULL prints it to stderr. */
	void (*warn)(void *arg, const char *msg);
	void *arg;
};

/* Parses a whole file. dev must be zeroed; on failure it is freed and err is set. */
bool wgc_config_parse(struct wgc_device_model *dev, const char *buf, size_t len, const char *filename,
		      bool append, const struct wgc_config_hooks *hooks, char err[WGC_CONFIG_ERRLEN]);

/* Parses `set` arguments after the interface name. dev must be zeroed; freed on failure. */
bool wgc_config_parse_args(struct wgc_device_model *dev, int argc, const char *const argv[],
			   const struct wgc_config_hooks *hooks, char err[WGC_CONFIG_ERRLEN]);

/*
 * The contents of a key file: a base64 key, optional trailing whitespace;
 * an empty file (/dev/null) gives the all-zero key, which clears the key.
 */
bool wgc_config_parse_keyfile(uint8_t key[WGC_KEY_LEN], const char *buf, size_t len, char *err, size_t errlen);

/* The default hooks (config_io.c): real name resolution and file reading. */
bool wgc_config_resolve(union wgc_endpoint *ep, const char *host, const char *port, const char *text,
			char *err, size_t errlen, const struct wgc_config_hooks *hooks);
bool wgc_config_read_keyfile(uint8_t key[WGC_KEY_LEN], const char *path, char *err, size_t errlen,
			     const struct wgc_config_hooks *hooks);
/* Reads a whole file into a malloc'd buffer (wiped and freed by the caller); warns when others may read it. */
bool wgc_config_read_file(const char *path, char **buf, size_t *len, bool warn_if_public, char *err,
			  size_t errlen, const struct wgc_config_hooks *hooks);
/* Emits a warning through the hooks (or to stderr). */
void wgc_config_warn(const struct wgc_config_hooks *hooks, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Replaces every control byte of a NUL-terminated message with '?', in
 * place: an error quoting a file's text must not drive the terminal
 * (escape sequences) or split a log line.
 */
void wgc_config_printable(char *msg);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The cross-platform configuration socket, as wireguard-go serves it: a
 * unix stream socket at /var/run/wireguard/IFNAME.sock (directory 0755,
 * socket created under umask 077, so srwx------), on which wg and wg-quick
 * send "get=1\n\n" or "set=1\n...\n\n" requests.
 *
 * This module only frames the protocol; the text itself is the caller's:
 *
 *   - A request is everything up to and including the first empty line
 *     ("\n\n"). Its first line must be "get=1" or "set=1"; anything else
 *     closes the connection without a reply, as wireguard-go does.
 *   - The complete request goes to cfg.handle, which appends the full reply
 *     ("errno=0\n\n", or key=value lines then "errno=0\n\n") to reply and
 *     returns 0. If it returns < 0 instead, whatever it appended is dropped
 *     and "errno=<that value>\n\n" is sent.
 *   - Several requests may follow each other on one connection; it is
 *     served until the client closes it.
 *   - A client that disconnects before its blank line never reaches the
 *     handler. A request over cfg.max_request bytes is answered with
 *     "errno=-90\n\n" (-EMSGSIZE) and the connection is closed. A client
 *     that makes no progress for cfg.idle_timeout_ms is dropped.
 *   - Error codes in replies are negative errno values, as wireguard-go
 *     writes them and as wg expects (it reports errno=-22 as "Invalid
 *     argument").
 *
 * Threading: wgc_uapi_server_start runs one dedicated thread that
 * multiplexes the listener and up to cfg.max_clients connections with
 * poll(2). The handler is therefore never called concurrently with itself,
 * but it runs on that thread: it must take the device's own locks.
 * Request and reply buffers are wiped after use (set requests carry keys).
 *
 * Like wireguard-go, deleting the socket file (`wg-quick down` does `rm -f
 * /var/run/wireguard/IFNAME.sock` for userspace interfaces) is noticed via
 * inotify: the server stops serving and calls cfg.gone, on which the daemon
 * should shut down.
 */
#ifndef WGC_DAEMON_UAPI_SERVER_H
#define WGC_DAEMON_UAPI_SERVER_H

#include <stddef.h>

#include "common/strbuf.h"
#include "common/uapi.h"

enum {
	/* wg can send a large setconf; 1 MiB holds about 7000 peers with a few allowed IPs */
	WGC_UAPI_MAX_REQUEST_DEFAULT = 1 << 20,
	WGC_UAPI_IDLE_TIMEOUT_MS_DEFAULT = 30000,
	WGC_UAPI_MAX_CLIENTS_DEFAULT = 16,
	WGC_UAPI_SERVER_ERRLEN = 160,
};

typedef int (*wgc_uapi_handler)(void *ctx, const char *req, size_t len, struct wgc_strbuf *reply);

/*
 * For a handler building a large reply (a dump of many peers): sends,
 * without blocking, what the client takes now of the reply so far, so the
 * whole text need not be held at once while the client keeps reading.
 * reply must be the one the handler was given (else nothing happens).
 * Sent bytes cannot be taken back: should the handler fail afterwards,
 * the client sees the text so far and then the errno line.
 */
void wgc_uapi_server_drain(struct wgc_strbuf *reply);
/*
 * The same, waiting (up to timeout_ms each time the socket is full) until
 * at most keep bytes of the reply are unsent: a client that keeps reading
 * bounds the reply's memory. False when the client did not read in time
 * (or is gone): a handler then stops waiting for it and only drains, so a
 * stalled client delays the server's other clients by one timeout at most.
 * Only for a handler that holds no lock the daemon needs meanwhile.
 */
bool wgc_uapi_server_drain_wait(struct wgc_strbuf *reply, size_t keep, int timeout_ms);

struct wgc_uapi_server_config {
	const char *dir;        /* NULL: WGC_UAPI_SOCKET_DIR */
	const char *ifname;     /* socket is DIR/IFNAME.sock */
	size_t max_request;     /* 0: WGC_UAPI_MAX_REQUEST_DEFAULT */
	int idle_timeout_ms;    /* 0: WGC_UAPI_IDLE_TIMEOUT_MS_DEFAULT */
	unsigned max_clients;   /* 0: WGC_UAPI_MAX_CLIENTS_DEFAULT */
	wgc_uapi_handler handle;
	void (*gone)(void *ctx); /* may be NULL; called once, on the server thread */
	void *ctx;
};

struct wgc_uapi_server;

/*
 * Creates the directory and binds and listens on the socket. Call it
 * before starting other threads: it changes the process umask for the
 * duration of bind(2). Returns 0, or:
 *   -EADDRINUSE  a live process accepts on that socket ("interface in use")
 *   -EEXIST      the path exists and is not a socket
 *   -EINVAL      bad config (name, missing handler, path too long)
 *   other -errno from mkdir/bind/listen
 * A stale socket file (nobody listening) is removed and replaced. err, if
 * not NULL, receives a message fit for the log.
 */
int wgc_uapi_server_open(struct wgc_uapi_server **out, const struct wgc_uapi_server_config *cfg,
			 char err[WGC_UAPI_SERVER_ERRLEN]);

/* Starts the serving thread. 0 or -errno. */
int wgc_uapi_server_start(struct wgc_uapi_server *s);

/* The socket path. */
const char *wgc_uapi_server_path(const struct wgc_uapi_server *s);

/*
 * Stops the thread (waiting for a handler call in progress to return),
 * closes every connection and the listener, removes the socket file if it
 * is still ours, and frees s. Safe on a server never started, and NULL.
 * Must not be called from the handler or the gone callback.
 */
void wgc_uapi_server_close(struct wgc_uapi_server *s);

#endif

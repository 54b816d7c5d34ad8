/* SPDX-License-Identifier: MIT */
/*
 * Going to the background the way wg-quick expects of a userspace
 * implementation: it runs "$WG_QUICK_USERSPACE_IMPLEMENTATION" IFNAME (or
 * wireguard-go IFNAME) and, as soon as that command returns successfully,
 * configures the interface through /var/run/wireguard/IFNAME.sock. So the
 * launching process must not exit before the interface and the socket
 * exist, and must exit non-zero if they could not be set up.
 *
 * wireguard-go gets there by creating both before re-executing itself; we
 * fork first instead and let the parent wait on a pipe:
 *
 *   wgc_daemonize_begin(foreground, keep_output);  // before any thread
 *   ... open tun, UAPI socket, UDP; start threads ...
 *   wgc_daemonize_ready(0);     // parent exits 0; we carry on
 * or on failure:
 *   wgc_daemonize_ready(1); exit(1);   // parent exits 1
 *
 * The child becomes a session leader with stdin on /dev/null. Its stdout
 * and stderr stay on the terminal until wgc_daemonize_ready, so setup
 * errors are seen by whoever started us; then they move to /dev/null unless
 * keep_output (wireguard-go keeps them when LOG_LEVEL is set and not
 * "silent"). Redirecting before telling the parent matters: a caller
 * reading our output through a pipe would otherwise never see EOF.
 */
#ifndef WGC_DAEMON_DAEMONIZE_H
#define WGC_DAEMON_DAEMONIZE_H

#include <stdbool.h>

/* True when WG_PROCESS_FOREGROUND=1, wireguard-go's alternative to -f. */
bool wgc_daemonize_foreground_from_env(void);

/* wireguard-go's rule: keep stdout/stderr when LOG_LEVEL is set and not silent. */
bool wgc_daemonize_keep_output(const char *log_level_env);

/*
 * Foreground: returns 0 and does nothing. Otherwise forks; the parent never
 * returns (it exits with the status passed to wgc_daemonize_ready, or 1 if
 * the child dies first) and the child returns 0. -errno if fork fails.
 * Call it before creating threads.
 */
int wgc_daemonize_begin(bool foreground, bool keep_output);

/* In the child: release the parent with exit_status (0: up and running). Once only; no-op in the foreground. */
void wgc_daemonize_ready(int exit_status);

/*
 * Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (threads created
 * afterwards inherit the mask, so call it before starting any) and returns
 * a non-blocking, close-on-exec signalfd that becomes readable when one
 * arrives. Also ignores SIGPIPE: a UAPI client that hangs up must not kill
 * the daemon. -errno on failure.
 */
int wgc_signals_open(void);

/* The number of a pending signal, 0 if none, or -errno. */
int wgc_signals_read(int fd);

#endif

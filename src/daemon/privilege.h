/* SPDX-License-Identifier: MIT */
/*
 * What wgcd keeps of root's power once its interface and sockets exist, and
 * how it keeps secrets out of core dumps.
 */
#ifndef WGCD_PRIVILEGE_H
#define WGCD_PRIVILEGE_H

#include <stddef.h>

/* No core dumps and no ptrace by others: our memory holds private keys. */
int wgcd_protect_memory(void);
/*
 * Drops every capability but CAP_NET_ADMIN (fwmark) and CAP_NET_BIND_SERVICE
 * (a listen port below 1024), and with user != NULL becomes that user (and
 * its primary group) keeping only those two. The bounding set is cut to the
 * same two, the ambient set emptied and no_new_privs set, so no exec can
 * regain what was dropped (the default user stays root: see wgcd(8) for
 * what that still allows). Call before any thread exists: capabilities,
 * the bounding set and no_new_privs are per thread and only inherited.
 * Returns 0 or -errno, with a message in err.
 */
int wgcd_drop_privileges(const char *user, char *err, size_t errlen);

/*
 * An optional seccomp filter: system calls wgcd never makes once running
 * (exec, ptrace, mounts, namespaces, modules, bpf, keyrings, ...) fail with
 * EPERM. A deny list, so a library's unusual but harmless call cannot take
 * the tunnel down. Applies to the calling thread and every thread it
 * creates afterwards: call before starting threads.
 */
int wgcd_install_seccomp(char *err, size_t errlen);

#endif

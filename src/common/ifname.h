/* SPDX-License-Identifier: MIT */
/*
 * The interface-name rules, in one place: the kernel's (what wgcd accepts
 * and names its UAPI socket after) and wg-quick's stricter one (what
 * `wgc-quick' takes as a bare name rather than a config path).
 */
#ifndef WGC_IFNAME_H
#define WGC_IFNAME_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of an interface name including its NUL (the kernel's IFNAMSIZ). */
enum { WGC_IFNAMSIZ = 16 };

/* The characters of wg-quick's rule, and how error messages state it. */
#define WGC_IFNAME_QUICK_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=+.-"
#define WGC_IFNAME_QUICK_RULE "interface names have 1 to 15 characters from a-z, A-Z, 0-9 and _=+.-"

/*
 * 0 if the kernel would accept name as an interface name (dev_valid_name)
 * and it is safe as a socket file name: 1..15 bytes, not "." or "..", no
 * '/', ':', '%' or whitespace (the kernel expands '%d' itself; we refuse it
 * so that the UAPI socket name always equals the interface name).
 * -EINVAL otherwise, also for NULL.
 */
int wgc_ifname_valid(const char *name);

/* wg-quick's rule on the len bytes at name: ^[a-zA-Z0-9_=+.-]{1,15}$ */
bool wgc_ifname_quick_valid(const char *name, size_t len);

#endif

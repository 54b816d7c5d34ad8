/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the daemon I/O tests. Tests that create interfaces or bind
 * ports first move into a network namespace of their own, so they never
 * touch the host's interfaces and never collide with parallel runs; the
 * namespace disappears with the process.
 */
#ifndef WGC_DAEMON_TEST_UTIL_H
#define WGC_DAEMON_TEST_UTIL_H

#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static inline int test_set_if_flags(const char *name, short set)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= set;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* Enters a fresh network namespace with lo up; false (and a note) when not permitted. */
static inline bool test_enter_private_netns(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET) (tests need root)");
		return false;
	}
	return test_set_if_flags("lo", IFF_UP) == 0;
}

#endif

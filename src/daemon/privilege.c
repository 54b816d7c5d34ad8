// SPDX-License-Identifier: MIT
#include <stddef.h>

#include "daemon/privilege.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static const cap_value_t kept[] = { CAP_NET_ADMIN, CAP_NET_BIND_SERVICE };

int wgcd_protect_memory(void)
{
	struct rlimit none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		return -errno;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

static int set_caps(char *err, size_t errlen)
{
	cap_t caps = cap_init();
	int ret = 0;

	if (!caps)
		return -errno;
	if (cap_set_flag(caps, CAP_PERMITTED, 2, kept, CAP_SET) || cap_set_flag(caps, CAP_EFFECTIVE, 2, kept, CAP_SET) ||
	    cap_set_proc(caps)) {
		ret = -errno;
		snprintf(err, errlen, "cannot restrict capabilities: %s", strerror(errno));
	}
	cap_free(caps);
	return ret;
}

int wgcd_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (!user)
		return set_caps(err, errlen);
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "no such user '%s'", user);
		return -ENOENT;
	}
	/* keep the permitted set across the uid change, then trim it */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot become user '%s': %s", user, strerror(e));
		return -e;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
		int e = errno;
		snprintf(err, errlen, "prctl: %s", strerror(e));
		return -e;
	}
	/* the process stays non-dumpable after the uid change; set it again to be sure */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return set_caps(err, errlen);
}

// SPDX-License-Identifier: MIT
#include <stddef.h>

#include "daemon/privilege.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdbool.h>
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

static bool is_kept(cap_value_t c)
{
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (kept[i] == c)
			return true;
	return false;
}

static bool have_setpcap(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t now = cap_get_proc();

	if (now) {
		cap_get_flag(now, CAP_SETPCAP, CAP_EFFECTIVE, &v);
		cap_free(now);
	}
	return v == CAP_SET;
}

/*
 * The bounding set caps what any later exec (a root one included) can
 * regain; the ambient set is what an exec would keep as a non-root user.
 * Needs CAP_SETPCAP, so it runs while the process still has everything.
 * Started without CAP_SETPCAP (a non-root user given only the kept
 * capabilities), the bounding set stays as it is: such a process cannot
 * raise its capabilities anyway, and no_new_privs stops any exec.
 */
static int limit_bounding_set(char *err, size_t errlen)
{
	cap_value_t c, last = have_setpcap() ? (cap_value_t)cap_max_bits() : 0;

	for (c = 0; c < last; c++) {
		if (is_kept(c) || !CAP_IS_SUPPORTED(c))
			continue;
		if (cap_drop_bound(c) < 0) {
			int e = errno;
			snprintf(err, errlen, "cannot drop capability %d from the bounding set: %s", (int)c, strerror(e));
			return -e;
		}
	}
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot clear the ambient capabilities: %s", strerror(e));
		return -e;
	}
	return 0;
}

/* No exec may ever gain privileges again (setuid bits, file capabilities). */
static int set_no_new_privs(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(e));
		return -e;
	}
	return 0;
}

static int become_user(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

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
	return 0;
}

int wgcd_drop_privileges(const char *user, char *err, size_t errlen)
{
	int ret = limit_bounding_set(err, errlen);

	if (!ret && user)
		ret = become_user(user, err, errlen);
	if (!ret)
		ret = set_caps(err, errlen);
	if (!ret)
		ret = set_no_new_privs(err, errlen);
	return ret;
}

static const int denied[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork),
	SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
	SCMP_SYS(setns), SCMP_SYS(unshare), SCMP_SYS(init_module), SCMP_SYS(finit_module),
	SCMP_SYS(delete_module), SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load), SCMP_SYS(reboot),
	SCMP_SYS(swapon), SCMP_SYS(swapoff), SCMP_SYS(bpf), SCMP_SYS(keyctl), SCMP_SYS(add_key),
	SCMP_SYS(request_key), SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd),
	SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at), SCMP_SYS(acct), SCMP_SYS(quotactl),
	SCMP_SYS(settimeofday), SCMP_SYS(clock_settime), SCMP_SYS(sethostname), SCMP_SYS(setdomainname),
};

int wgcd_install_seccomp(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	size_t i;
	int ret;

	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot create a filter");
		return -ENOMEM;
	}
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), denied[i], 0);
		/* a call unknown on this architecture is simply not there to deny */
		if (ret && ret != -EFAULT && ret != -EDOM) {
			snprintf(err, errlen, "seccomp: rule %zu: %s", i, strerror(-ret));
			seccomp_release(ctx);
			return ret;
		}
	}
	ret = seccomp_load(ctx);
	if (ret)
		snprintf(err, errlen, "seccomp: cannot load the filter: %s", strerror(-ret));
	seccomp_release(ctx);
	return ret;
}

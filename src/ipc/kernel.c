// SPDX-License-Identifier: MIT
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "ipc/kernel.h"

/* Placeholder until the generic-netlink client lands (issue 12): no kernel
 * interface can be configured, as wg on a machine without the module. */
int wgc_kernel_list(struct wgc_strbuf *names)
{
	(void)names;
	return 0;
}

bool wgc_kernel_is_wireguard(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}

int wgc_kernel_get(struct wgc_device_model *state, const char *ifname)
{
	memset(state, 0, sizeof(*state));
	return -EPROTONOSUPPORT;
}

int wgc_kernel_set(const struct wgc_device_model *change, const char *ifname)
{
	return -EPROTONOSUPPORT;
}

// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the rtnetlink link-event parser of the daemon's TUN
 * watch, on arbitrary bytes as if one recv(2) had returned them. The first
 * byte picks the interface index looked for (small, so that the fuzzer
 * meets it in ifinfomsg often). Beyond not crashing: the count is -EPROTO
 * or no more than the messages that could fit, and the folded event only
 * holds what the parser may report.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/tun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_tun_event ev;
	uint8_t *copy;
	int ifindex, r;

	if (size < 1)
		return 0;
	ifindex = data[0] % 8;
	/* a fresh heap copy of the exact length, so ASan catches any over-read */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	r = wgc_tun_watch_parse(copy, size - 1, ifindex, &ev);
	if (r != -EPROTO && (r < 0 || (size_t)r > (size - 1) / NLMSG_HDRLEN))
		abort();
	if (ev.events & ~(unsigned)(WGC_TUN_EV_DELETED | WGC_TUN_EV_MTU | WGC_TUN_EV_LINK | WGC_TUN_EV_MOVED))
		abort();
	if ((ev.events & WGC_TUN_EV_MTU) ? ev.mtu <= 0 : ev.mtu != 0)
		abort();
	free(copy);
	return 0;
}

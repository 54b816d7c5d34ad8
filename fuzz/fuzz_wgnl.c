// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the kernel WireGuard netlink codec. The input is a
 * stream of netlink messages as a WG_CMD_GET_DEVICE dump delivers them; each
 * is parsed and merged into one model. A model that parsed is then split
 * into WG_CMD_SET_DEVICE messages (buffer size from the first byte) and read
 * back, which must give the same peers and allowed IPs again.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/netlink.h>

#include "common/wgnl.h"

static void split_and_read_back(const struct wgc_device_model *dev, size_t size)
{
	static uint8_t buf[65536];
	struct wgc_wgnl_cursor cur = { 0 };
	struct wgc_device_model back = { 0 };
	size_t peers = 0;

	for (int guard = 0; !cur.done && guard < 100000; guard++) {
		int n = wgc_wgnl_build_set(buf, size, 0x1d, 1, "wgfuzz0", dev, &cur);

		if (n == -E2BIG)
			goto out;
		if (n <= 0 || (size_t)n > size)
			__builtin_trap();
		buf[16] = 0; /* read the SET message back as a GET reply: same layout */
		if (wgc_wgnl_parse_get(&back, buf, (size_t)n))
			__builtin_trap();
	}
	if (!cur.done)
		__builtin_trap();
	for (size_t i = 0; i < dev->n_peers; i++)
		peers += i == 0 || memcmp(dev->peers[i].public_key, dev->peers[i - 1].public_key, 32);
	if (back.n_peers != peers)
		__builtin_trap();
out:
	wgc_model_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_device_model dev = { 0 };
	size_t bufsize = size ? 128 + (size_t)data[0] * 64 : 4096;
	bool ok = true;
	int ret;

	while (size >= sizeof(struct nlmsghdr)) {
		uint32_t len;

		memcpy(&len, data, sizeof(len));
		ret = wgc_wgnl_parse_get(&dev, data, size);
		if (ret && ret != -EINVAL && ret != -ENOMEM)
			__builtin_trap();
		ok &= ret == 0;
		if (ret || NLMSG_ALIGN(len) >= size)
			break;
		data += NLMSG_ALIGN(len);
		size -= NLMSG_ALIGN(len);
	}
	if (ok && dev.n_peers)
		split_and_read_back(&dev, bufsize);
	wgc_model_free(&dev);
	return 0;
}

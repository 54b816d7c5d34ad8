// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the iptables-save evaluator of `wgc doctor` on arbitrary
 * bytes. The first 40 bytes choose the packet as in fuzz_nft_eval.c; the
 * rest is the save text. Any input must give a verdict without crashing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "common/ipt_eval.h"

enum { HEAD = 40 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_fw_packet pkt = { .l4proto = 17 };
	struct wgc_fw_result res;

	if (size < HEAD)
		return 0;
	pkt.hook = (enum wgc_fw_hook)(data[0] % 3);
	pkt.family = data[1] & 1 ? AF_INET6 : AF_INET;
	memcpy(pkt.saddr, data + 2, 16);
	memcpy(pkt.daddr, data + 18, 16);
	pkt.sport = (uint16_t)(data[34] << 8 | data[35]);
	pkt.dport = (uint16_t)(data[36] << 8 | data[37]);
	pkt.mark = data[38];
	if (data[39] & 1)
		memcpy(pkt.iifname, "eth0", 5);
	wgc_ipt_evaluate((const char *)data + HEAD, size - HEAD, &pkt, &res);
	if (res.verdict != WGC_FW_ACCEPT && res.verdict != WGC_FW_DROP && res.verdict != WGC_FW_CANNOT_TELL)
		__builtin_trap();
	if (memchr(res.rule, '\0', sizeof(res.rule)) == NULL)
		__builtin_trap();
	return 0;
}

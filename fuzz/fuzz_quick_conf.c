// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the wg-quick layer of a config file
 * (wgc_quick_conf_parse, src/cli/quick_conf.c) and the rt_tables reader
 * that checks a Table name. The input is split at its first NUL byte:
 * before it the config file, after it an rt_tables file. Beyond not
 * crashing: what parses strips to text that parses again to the same
 * wg-quick keys, a Table value is exactly one of auto/off/number/name, and
 * an rt_tables file that names the table finds it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/quick_conf.h"

static void check_table(const struct wgc_quick_conf *qc, const char *tables, size_t tables_len)
{
	char line[96];
	int n;

	if (!qc->table[0])
		return;
	/* one kind exactly: auto, off, a number, or a name */
	if ((!strcmp(qc->table, "auto") + !strcmp(qc->table, "off") + wgc_quick_table_is_number(qc->table) +
	     wgc_quick_table_is_name(qc->table)) != 1)
		abort();
	wgc_quick_rt_tables_has(tables, tables_len, qc->table);
	n = snprintf(line, sizeof(line), "# x\n 7\t%s # y", qc->table);
	if (n > 0 && (size_t)n < sizeof(line) && !wgc_quick_rt_tables_has(line, (size_t)n, qc->table))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t conf_len = nul ? (size_t)(nul - data) : size;
	const char *tables = nul ? (const char *)nul + 1 : "";
	size_t tables_len = nul ? size - conf_len - 1 : 0;
	struct wgc_quick_conf qc, again;
	char err[WGC_QUICK_ERRLEN];
	struct wgc_strbuf out = { 0 };

	memset(&qc, 0, sizeof(qc));
	snprintf(qc.ifname, sizeof(qc.ifname), "wg0");
	if (!wgc_quick_conf_parse(&qc, (const char *)data, conf_len, "fuzz.conf", err)) {
		if (!memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	check_table(&qc, tables, tables_len);
	for (size_t i = 0; i < qc.addresses.n; i++)
		for (size_t j = 0; j < qc.addresses.n; j++)
			wgc_quick_address_clash(qc.addresses.v[i], qc.addresses.v[j]);
	wgc_quick_conf_strip(&qc, &out);
	/*
	 * The stripped text has none of wg-quick's keys left, so it parses with
	 * none; unless it starts with a second byte-order mark, which the first
	 * parse kept as text and the second one skips.
	 */
	memset(&again, 0, sizeof(again));
	snprintf(again.ifname, sizeof(again.ifname), "wg0");
	if (!out.failed && (out.len < 3 || memcmp(out.data, "\xef\xbb\xbf", 3)) &&
	    wgc_quick_conf_parse(&again, out.data, out.len, "stripped", err)) {
		if (again.addresses.n || again.mtu || again.table[0] || again.pre_up.n || again.post_down.n)
			abort();
		wgc_quick_conf_free(&again);
	}
	wgc_strbuf_free(&out);
	wgc_quick_conf_free(&qc);
	return 0;
}

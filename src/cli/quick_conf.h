/* SPDX-License-Identifier: MIT */
/*
 * The wg-quick layer of a config file: the [Interface] keys wg-quick
 * handles itself (Address, DNS, MTU, Table, Pre/PostUp, Pre/PostDown,
 * SaveConfig) split off from the rest, which is plain `wg setconf' input.
 *
 * Line handling follows wg-quick exactly, because `wgc strip' must print
 * what `wg-quick strip' prints: each line is trimmed of blanks, everything
 * from '#' on is ignored when looking for a key, keys match
 * case-insensitively and only inside [Interface]; the lines kept are
 * copied (trimmed, comments included) with a newline each.
 *
 * Unlike wg-quick, values are checked here (Address, DNS, MTU, Table,
 * SaveConfig), so a bad file fails with "FILE:LINE: ..." before anything
 * is changed instead of half-way through `up'. What needs the system (a
 * table name in rt_tables, resolvconf) is checked by the plan
 * (quick_plan.h), still before anything is changed.
 *
 * The parser and the rt_tables reader take buffers; fuzz/fuzz_quick_conf.c
 * fuzzes both.
 */
#ifndef WGC_CLI_QUICK_CONF_H
#define WGC_CLI_QUICK_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/ifname.h"
#include "common/strbuf.h"

enum { WGC_QUICK_ERRLEN = 512, WGC_QUICK_IFNAMSIZ = WGC_IFNAMSIZ };

struct wgc_quick_strs {
	char **v;
	size_t n;
	size_t *lines; /* the file's line of each v[i]; NULL when not read from a file */
};

struct wgc_quick_conf {
	char ifname[WGC_QUICK_IFNAMSIZ];
	struct wgc_quick_strs addresses;  /* "addr" or "addr/cidr", v4 and v6 */
	struct wgc_quick_strs dns;        /* nameserver addresses */
	struct wgc_quick_strs dns_search; /* search domains */
	struct wgc_quick_strs pre_up, post_up, pre_down, post_down; /* as written, %i unexpanded */
	unsigned mtu;                     /* 0: automatic */
	char table[64];                   /* "": unset (auto) */
	size_t mtu_line, table_line;      /* the lines of the (last) MTU and Table keys, 0 when none */
	bool save_config;
	char *file;                       /* the file name given to the parser, for messages */
	size_t dns_line;                  /* the line of the first DNS key, 0 when none */
	struct wgc_strbuf wg;             /* the stripped `wg setconf' text; holds the private key */
	struct wgc_strbuf wg_lines;       /* the same with blank lines in place of taken ones, so
					     wg's parser reports the file's own line numbers */
};

/*
 * From the command-line argument to the config path and interface name, as
 * wg-quick: a bare valid name means CONFDIR/NAME.conf; the file must exist
 * and be named IFNAME.conf. path gets the canonical (realpath) form.
 * confdir NULL means /etc/wireguard.
 */
bool wgc_quick_locate(const char *arg, const char *confdir, char *path, size_t pathlen,
		      char ifname[WGC_QUICK_IFNAMSIZ], char *err, size_t errlen);

/* wg-quick warns when the file and its directory both grant "other" any access. */
bool wgc_quick_world_accessible(mode_t file_mode, mode_t dir_mode);

/* Parses a whole file; qc must be zeroed and ifname set for %i. On failure it is freed and err is set. */
bool wgc_quick_conf_parse(struct wgc_quick_conf *qc, const char *buf, size_t len, const char *filename,
			  char err[WGC_QUICK_ERRLEN]);

/* `wgc strip' output: the kept lines plus the final newline wg-quick's echo adds. */
void wgc_quick_conf_strip(const struct wgc_quick_conf *qc, struct wgc_strbuf *out);

/* A hook with every %i replaced by ifname; malloc'd, NULL when out of memory. */
char *wgc_quick_expand(const char *hook, const char *ifname);

/* True for a DNS= entry that is a nameserver address, by wg-quick's test (digits and dots, or any ':'). */
bool wgc_quick_dns_is_addr(const char *v);

/*
 * Table values, as ip(8) reads them (rtnl_rttable_a2n): a number is what
 * strtoul base 0 reads whole (decimal, 0x hex, 0 octal) up to 2^32-1;
 * anything else other than auto and off is a table name, which must be in
 * rt_tables (wgc_quick_rt_tables_has). Names and numbers are case-sensitive,
 * and so are auto and off (wg-quick compares them exactly).
 */
bool wgc_quick_table_is_number(const char *table);
/* A Table value that names a table (not auto, off or a number). */
bool wgc_quick_table_is_name(const char *table);

/*
 * Whether an rt_tables file (len bytes, iproute2's format: "ID NAME" lines,
 * ID decimal or 0x hex, '#' comments) defines name. Pure: the caller reads
 * /etc/iproute2/rt_tables and rt_tables.d/ *.conf.
 */
bool wgc_quick_rt_tables_has(const char *text, size_t len, const char *name);

/*
 * Whether the kernel refuses Address a beside b ("Address already
 * assigned", half-way through up): IPv4 the same address with the same
 * prefix length (none: /32), IPv6 the same address whatever the length.
 * Both as the parser accepted them ("addr" or "addr/cidr").
 */
bool wgc_quick_address_clash(const char *a, const char *b);

void wgc_quick_conf_free(struct wgc_quick_conf *qc);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Comments survive SaveConfig. The saved file is generated from the running
 * state (quick_save.h); this puts the old file's comments back into it, by
 * the rule written in doc/wgc-quick.md:
 *
 *  - comment lines at the top of the file (before the first section) stay
 *    at the top; comment lines inside [Interface] stay in [Interface];
 *  - comment lines inside a [Peer] section (between its header and the next
 *    section) belong to that peer, matched by PublicKey, and so do comment
 *    lines directly above a [Peer] header with no blank line between (they
 *    are written above the header again). A peer's name is the line
 *    `# friendly_name = NAME' inside its section (the convention of
 *    prometheus_wireguard_exporter; hub files use it);
 *  - inside a section a comment block stays above the key line it was above
 *    (the Nth line of that key, case-insensitively), or at the end of the
 *    section when that key is gone;
 *  - a trailing `# ...' after a value stays on that line when the value is
 *    unchanged (blanks ignored); when the value changed it becomes a comment
 *    line above it, so no comment is ever lost while its section exists;
 *  - a peer added at run time is appended without comments; a peer removed
 *    at run time disappears with its comments;
 *  - the file's order is kept: key lines the file has stay in its order (a
 *    further line of such a key follows its last one), keys it did not have
 *    end their section in the generated (wg-quick's) order, and sections
 *    keep the file's order, new peers last.
 *
 * Pure (buffers in, buffer out), so it is unit-tested and fuzzed.
 */
#ifndef WGC_CLI_QUICK_COMMENTS_H
#define WGC_CLI_QUICK_COMMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

/*
 * out gets generated (NUL-terminated, the file save would write) with the
 * comments of old (old_len bytes, the file as it is now) merged in. false
 * when out of memory (out->failed).
 */
bool wgc_quick_keep_comments(struct wgc_strbuf *out, const char *old, size_t old_len, const char *generated);

#endif

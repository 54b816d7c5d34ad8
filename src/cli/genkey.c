// SPDX-License-Identifier: MIT
/* genkey and genpsk. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/wgc.h"
#include "core/crypto.h"
#include "core/encoding.h"

int genkey_main(int argc, const char *argv[])
{
	uint8_t key[WGC_KEY_LEN];
	char b64[WGC_KEY_B64_LEN];
	struct stat st;

	if (argc != 1) {
		fprintf(stderr, "Usage: %s %s\n", PROG_NAME, argv[0]);
		return 1;
	}
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		fputs("Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n",
		      stderr);
	/* getrandom(2) underneath; it aborts rather than return a weak key. */
	wgc_random_bytes(key, sizeof(key));
	if (!strcmp(argv[0], "genkey"))
		wgc_x25519_clamp(key);
	wgc_key_to_base64(b64, key);
	puts(b64);
	wgc_wipe(key, sizeof(key));
	wgc_wipe(b64, sizeof(b64));
	return 0;
}

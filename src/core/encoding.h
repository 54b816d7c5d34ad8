/* SPDX-License-Identifier: MIT */
/* Text forms of keys, as wg prints them (base64) and as UAPI carries them (hex). */
#ifndef WGC_ENCODING_H
#define WGC_ENCODING_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"

/* Standard base64 of a 32-byte key (44 characters plus NUL), as wg prints them. */
enum { WGC_KEY_B64_LEN = 45, WGC_KEY_HEX_LEN = 65 };
void wgc_key_to_base64(char out[WGC_KEY_B64_LEN], const uint8_t key[WGC_KEY_LEN]);
/* Exactly 44 characters ending in one '=' with canonical padding bits; false otherwise. */
bool wgc_key_from_base64(uint8_t key[WGC_KEY_LEN], const char *b64);
void wgc_key_to_hex(char out[WGC_KEY_HEX_LEN], const uint8_t key[WGC_KEY_LEN]);
/* Exactly 64 hex digits, either case; false otherwise. */
bool wgc_key_from_hex(uint8_t key[WGC_KEY_LEN], const char *hex);

#endif

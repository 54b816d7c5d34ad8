/* SPDX-License-Identifier: MIT */
/*
 * QR codes for peer profiles: libqrencode computes the module matrix (8-bit
 * mode, error correction level L so a typical profile is version 10-11,
 * 57-61 modules), and two small renderers of ours draw it:
 *
 *  - UTF-8 half blocks: one character per column and two rows of modules,
 *    drawing the light modules (quiet zone included) so the code reads on
 *    a dark terminal, as `qrencode -t UTF8` does: U+2588 both light,
 *    U+2580 upper light, U+2584 lower light, ' ' both dark.
 *  - PNG via libpng: 8-bit grayscale, each module scale x scale pixels.
 *
 * Both render into a strbuf (the text holds a private key: the buffer
 * wipes itself when freed). Nothing here writes files or logs.
 */
#ifndef WGC_PROVISION_QR_H
#define WGC_PROVISION_QR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

struct wgc_qr {
	int width;        /* modules per side, without the quiet zone */
	uint8_t *modules; /* width * width bytes, row-major, 1 = dark; wiped by wgc_qr_free */
};

/* Encodes text (8-bit mode, level L). False when it does not fit a QR code or on allocation failure. */
bool wgc_qr_encode(struct wgc_qr *qr, const char *text, size_t len);
void wgc_qr_free(struct wgc_qr *qr);

/* Half-block rendering with a quiet zone of `quiet` modules; width + 2*quiet columns, lines end in '\n'. */
void wgc_qr_render_utf8(struct wgc_strbuf *out, const struct wgc_qr *qr, int quiet);

/* The number of terminal columns wgc_qr_render_utf8 uses. */
int wgc_qr_utf8_columns(const struct wgc_qr *qr, int quiet);

/* A PNG image of the code (scale >= 1 pixels per module, quiet zone in modules); false on libpng failure. */
bool wgc_qr_render_png(struct wgc_strbuf *out, const struct wgc_qr *qr, int scale, int quiet);

#endif

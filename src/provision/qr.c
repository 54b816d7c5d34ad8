// SPDX-License-Identifier: MIT
#include <png.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "provision/qr.h"

bool wgc_qr_encode(struct wgc_qr *qr, const char *text, size_t len)
{
	QRcode *code;
	size_t n;

	memset(qr, 0, sizeof(*qr));
	if (!len || len > 2953) /* the 8-bit capacity of version 40-L */
		return false;
	code = QRcode_encodeData((int)len, (const unsigned char *)text, 0, QR_ECLEVEL_L);
	if (!code)
		return false;
	n = (size_t)code->width * (size_t)code->width;
	qr->modules = malloc(n);
	if (qr->modules) {
		qr->width = code->width;
		/* bit 0 of each byte is the module's colour; the rest is libqrencode's bookkeeping */
		for (size_t i = 0; i < n; i++)
			qr->modules[i] = code->data[i] & 1;
	}
	wgc_wipe(code->data, n);
	QRcode_free(code);
	return qr->modules != NULL;
}

void wgc_qr_free(struct wgc_qr *qr)
{
	if (qr->modules)
		wgc_wipe(qr->modules, (size_t)qr->width * (size_t)qr->width);
	free(qr->modules);
	memset(qr, 0, sizeof(*qr));
}

/* Whether the module at (x, y) of the padded image is dark (the quiet zone is light). */
static bool dark(const struct wgc_qr *qr, int quiet, int x, int y)
{
	x -= quiet;
	y -= quiet;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return false;
	return qr->modules[(size_t)y * (size_t)qr->width + (size_t)x];
}

int wgc_qr_utf8_columns(const struct wgc_qr *qr, int quiet)
{
	return qr->width + 2 * quiet;
}

void wgc_qr_render_utf8(struct wgc_strbuf *out, const struct wgc_qr *qr, int quiet)
{
	int side = qr->width + 2 * quiet;

	for (int y = 0; y < side; y += 2) {
		for (int x = 0; x < side; x++) {
			bool up = !dark(qr, quiet, x, y);
			bool down = y + 1 < side && !dark(qr, quiet, x, y + 1);

			if (up && down)
				wgc_strbuf_append(out, "\xe2\x96\x88", 3); /* U+2588 full block */
			else if (up)
				wgc_strbuf_append(out, "\xe2\x96\x80", 3); /* U+2580 upper half */
			else if (down)
				wgc_strbuf_append(out, "\xe2\x96\x84", 3); /* U+2584 lower half */
			else
				wgc_strbuf_append(out, " ", 1);
		}
		wgc_strbuf_append(out, "\n", 1);
	}
}

static void png_to_strbuf(png_structp png, png_bytep data, size_t len)
{
	wgc_strbuf_append(png_get_io_ptr(png), (const char *)data, len);
}

static void png_no_flush(png_structp png)
{
	(void)png;
}

bool wgc_qr_render_png(struct wgc_strbuf *out, const struct wgc_qr *qr, int scale, int quiet)
{
	png_structp png;
	png_infop info = NULL;
	png_bytep row = NULL;
	int side = (qr->width + 2 * quiet) * scale;
	volatile bool ok = false;

	if (scale < 1 || scale > 64 || quiet < 0 || quiet > 16)
		return false;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!png)
		return false;
	info = png_create_info_struct(png);
	row = malloc((size_t)side);
	/* libpng reports errors by longjmp: everything it may skip is released below */
	if (!info || !row || setjmp(png_jmpbuf(png)))
		goto out;
	png_set_write_fn(png, out, png_to_strbuf, png_no_flush);
	png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side; x++)
			row[x] = dark(qr, quiet, x / scale, y / scale) ? 0 : 255;
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ok = !out->failed;
out:
	png_destroy_write_struct(&png, info ? &info : NULL);
	if (row)
		wgc_wipe(row, (size_t)side);
	free(row);
	return ok;
}

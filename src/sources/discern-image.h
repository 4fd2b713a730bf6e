/* discern-image.h: checked 8-bit RGB pixels from files, bytes or pixbufs
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Limits on what we agree to decode, so that a small file declaring a
 * gigantic picture is refused before memory is spent on it, and an
 * expensive one cannot keep a worker busy for minutes.
 *
 * Bytes: a file is read whole before decoding; 256 MB holds any photo and
 * an uncompressed 16-bit TIFF of a large scan.
 *
 * Pixels: decoding costs up to 7 bytes a pixel at once (the decoder's RGBA
 * pixbuf and our RGB copy, turned upright while copying), so 64 megapixels
 * take at most about 450 MB next to the network's 553 MB of weights: about
 * 1 GB for the whole program with one picture in flight. That holds every
 * full-frame camera (up to 61 MP) and phones' 48 and 50 MP modes; 100 MP
 * medium-format and 200 MP phone pictures are refused with a reason.
 *
 * Time: the largest picture allowed decodes in about two seconds here; one
 * that takes several times longer is built to be expensive. The clock is
 * read between pieces of data handed to the decoder, and a progressive
 * JPEG, which the decoder redraws whole for each of its scans, is also
 * refused up front when its scans times its pixels is too large. */
#define DISCERN_IMAGE_MAX_BYTES          (256u * 1024u * 1024u)
#define DISCERN_IMAGE_MAX_PIXELS         (64u * 1000u * 1000u)
#define DISCERN_IMAGE_MAX_SIDE           65535   /* per side */
#define DISCERN_IMAGE_MAX_DECODE_SECONDS 15

/* Vector pictures (SVG) have no pixel size of their own: they are drawn with
 * their longer side this long, which leaves the 224-pixel network input
 * sharp without letting a drawing ask for a gigantic canvas. */
#define DISCERN_IMAGE_VECTOR_SIDE 1024

/* A decoded picture: upright (EXIF orientation applied), alpha flattened
 * onto white, always three channels.
 *   pixels (height, width, 3) RGB, densely packed (rowstride = 3 * width) */
typedef struct {
  int     width;
  int     height;
  guint8 *pixels;
} DiscernImage;

/* Files and bytes take the same way through a GdkPixbufLoader, so a file and
 * the same bytes downloaded give the same pixels or the same error. The
 * declared size is checked before any pixel memory is spent. Errors are
 * DISCERN_SOURCE_ERROR: one sentence, then after a colon the decoder's own
 * message where there is one. new_from_file prefixes the file name; the
 * caller of new_from_bytes prefixes whatever names the bytes (a URL). */
DiscernImage *discern_image_new_from_file   (const char  *path,
                                             GError     **error);
DiscernImage *discern_image_new_from_bytes  (GBytes      *bytes,
                                             GError     **error);

/* For clipboard and drag-and-drop data: applies the pixbuf's "orientation"
 * option if it has one, and checks the same limits. */
DiscernImage *discern_image_new_from_pixbuf (GdkPixbuf   *pixbuf,
                                             GError     **error);
void          discern_image_free            (DiscernImage *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DiscernImage, discern_image_free)

G_END_DECLS

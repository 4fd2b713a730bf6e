/* discern-image.h: checked 8-bit RGB pixels from files, bytes or pixbufs
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Limits on what we agree to decode, so that a small file declaring a
 * gigantic picture is refused before memory is spent on it. */
#define DISCERN_IMAGE_MAX_BYTES  (256u * 1024u * 1024u)  /* largest file read */
#define DISCERN_IMAGE_MAX_PIXELS (100u * 1000u * 1000u)  /* 100 megapixels */
#define DISCERN_IMAGE_MAX_SIDE   65535                   /* per side */

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

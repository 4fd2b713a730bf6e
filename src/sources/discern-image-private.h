/* discern-image-private.h: what the picture code and the downloader share
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How much of the data the text and web page checks look at. */
#define _DISCERN_IMAGE_SNIFF_LENGTH 4096

/* TRUE when the start of the data reads like a web page (an HTML document,
 * which a link to a picture often returns instead: a login, hotlink or error
 * page) and not like an SVG drawing. */
gboolean _discern_image_looks_like_web_page (const guint8 *data,
                                             gsize         length);

/* Tests only: replaces DISCERN_IMAGE_MAX_DECODE_SECONDS (0 restores it). */
void     _discern_image_set_decode_limit_for_tests (guint milliseconds);

G_END_DECLS

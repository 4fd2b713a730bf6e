/* discern-data-url.h: the bytes inside a data: URL
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when `text` starts with the data: scheme, in any case. */
gboolean  discern_data_url_is_data_url (const char  *text);

/* Decodes a data: URL (RFC 2397): "data:[media type][;base64],data", the
 * data percent-encoded, and base64 too when marked so. Base64 must be
 * well-formed (white space is skipped, the URL-safe alphabet accepted); it
 * is not silently repaired. More than `max_bytes` of data is refused before
 * it is decoded when the length already tells. The media type is not
 * trusted: the bytes decide, as for downloads. Errors are
 * DISCERN_SOURCE_ERROR_BAD_URL or _TOO_LARGE, one sentence, no prefix. */
GBytes   *discern_data_url_decode      (const char  *url,
                                        gsize        max_bytes,
                                        GError     **error);

/* "data:image/png;base64,…": the URL up to its comma, for messages.
 * The media type part is cut when it is long or not printable ASCII. */
char     *discern_data_url_describe    (const char  *url);

G_END_DECLS

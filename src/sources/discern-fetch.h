/* discern-fetch.h: downloading a picture over http(s) with libsoup
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define DISCERN_FETCH_MAX_BYTES       (64u * 1024u * 1024u)
#define DISCERN_FETCH_TIMEOUT_SECONDS 30

/* A session with Discern's User-Agent and timeouts. */
SoupSession *discern_fetch_session_new (void);

/* TRUE for http:// and https:// URLs, which are the only ones fetched. */
gboolean     discern_fetch_is_url      (const char   *text);

/* Downloads the body of `url`, refusing more than DISCERN_FETCH_MAX_BYTES
 * (checked while reading, not only from Content-Length). Blocks: call it
 * from a worker thread or the CLI. Errors are DISCERN_SOURCE_ERROR or
 * G_IO_ERROR_CANCELLED and name the URL. */
GBytes      *discern_fetch_url         (SoupSession  *session,
                                        const char   *url,
                                        GCancellable *cancellable,
                                        GError      **error);

G_END_DECLS

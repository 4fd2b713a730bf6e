/* discern-fetch.h: downloading a picture over http(s) with libsoup
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The largest body accepted, after any Content-Encoding is undone: a camera
 * picture is a few MB, and a JPEG of the most the decoder accepts (64
 * megapixels) about 30 MB. It also bounds what a gzip bomb unpacks to. */
#define DISCERN_FETCH_MAX_BYTES (64u * 1024u * 1024u)

/* From sending a request until the server's answer (its headers) has come:
 * the name lookup, the connection, TLS and the server's thinking. A server
 * that is up answers within a second; fifteen allow for a slow mobile link
 * without leaving a user staring at a link that will never load. */
#define DISCERN_FETCH_CONNECT_SECONDS 15

/* The longest wait for the next bytes once the answer has started. */
#define DISCERN_FETCH_IDLE_SECONDS 30

/* The whole download, answer and body, however steadily the bytes come:
 * a server sending one byte a second never trips the idle timeout, and is
 * stopped by this. Two minutes fetch the 64 MB cap at about 4 Mbit/s. */
#define DISCERN_FETCH_DEADLINE_SECONDS 120

/* What one download may cost; tests shorten the times. */
typedef struct {
  gsize max_bytes;
  guint connect_timeout_ms;
  guint deadline_ms;
} DiscernFetchLimits;

/* Called on the downloading thread after each piece of the body: bytes so
 * far and the expected total, or -1 when the server did not say. */
typedef void (*DiscernFetchProgress) (goffset  received,
                                      goffset  total,
                                      gpointer user_data);

/* A session with Discern's User-Agent and idle timeout. TLS certificates
 * are verified against the system's trust store (libsoup's default, never
 * turned off here). */
SoupSession *discern_fetch_session_new  (void);

/* The defaults above. */
void         discern_fetch_limits_init  (DiscernFetchLimits *limits);

/* TRUE for http:// and https:// URLs with a host, which are the only ones
 * fetched over the network. */
gboolean     discern_fetch_is_url       (const char   *text);

/* TRUE for a link discern_fetch_url() opens: http and https with a host,
 * and data: URLs. Otherwise FALSE with DISCERN_SOURCE_ERROR_BAD_URL saying
 * why in a sentence (a file: link, another scheme, no server named, not a
 * link at all); the caller prefixes the text. */
gboolean     discern_fetch_check_url    (const char   *text,
                                         GError      **error);

/* The URL as messages show it: without a password, and a data: URL cut
 * after its media type (its data can be megabytes). */
char        *discern_fetch_display_url  (const char   *url);

/* Downloads the body of an http or https `url`, or decodes a data: URL
 * locally under the same size cap. Blocks: call it from a worker thread or
 * the CLI. Redirects are followed by hand, at most a few, and only to http
 * and https. The body is refused past DISCERN_FETCH_MAX_BYTES while it is
 * read (not only from Content-Length), and when it is cut short. A web page
 * (a soft 404, a login or hotlink page) is an error that says so with the
 * HTTP status; any other body is returned whatever its Content-Type says,
 * for the decoder to judge by its bytes. Errors are DISCERN_SOURCE_ERROR
 * or G_IO_ERROR_CANCELLED (only when `cancellable` was cancelled; running
 * out of time is DISCERN_SOURCE_ERROR_NETWORK), prefixed with the URL as
 * discern_fetch_display_url() shows it. */
GBytes      *discern_fetch_url          (SoupSession  *session,
                                         const char   *url,
                                         GCancellable *cancellable,
                                         GError      **error);

/* The same with explicit limits (NULL for the defaults) and an optional
 * progress callback. */
GBytes      *discern_fetch_url_full     (SoupSession              *session,
                                         const char               *url,
                                         const DiscernFetchLimits *limits,
                                         DiscernFetchProgress      progress,
                                         gpointer                  progress_data,
                                         GCancellable             *cancellable,
                                         GError                  **error);

G_END_DECLS

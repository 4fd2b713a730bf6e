/* discern-fetch.c: downloading a picture over http(s) with libsoup
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-fetch.h"

#include "discern-source-error.h"

/* Redirects followed before giving up: enough for http -> https -> CDN,
 * few enough that a loop ends at once. */
#define MAX_REDIRECTS 5

/* Bytes read from the body at a time. */
#define READ_CHUNK (64 * 1024)

SoupSession *
discern_fetch_session_new (void)
{
  /* "timeout" bounds connecting and each wait for data; "idle-timeout"
   * drops kept-alive connections nobody uses. */
  return soup_session_new_with_options (
    "user-agent", "Discern/" PACKAGE_VERSION,
    "timeout", DISCERN_FETCH_TIMEOUT_SECONDS,
    "idle-timeout", DISCERN_FETCH_TIMEOUT_SECONDS,
    NULL);
}

static gboolean
uri_is_http (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);

  return (g_ascii_strcasecmp (scheme, "http") == 0 ||
          g_ascii_strcasecmp (scheme, "https") == 0) &&
         host != NULL && host[0] != '\0';
}

/* The URL as a GUri if it is an http or https URL with a host. */
static GUri *
parse_http_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;

  uri = g_uri_parse (text, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || !uri_is_http (uri)) {
    return NULL;
  }
  return g_steal_pointer (&uri);
}

gboolean
discern_fetch_is_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  uri = parse_http_url (text);
  return uri != NULL;
}

/* Errors from connecting and sending, in words; the raw message follows. */
static void
set_send_error (GError  **error,
                GError   *send_error)
{
  const char *sentence;

  if (g_error_matches (send_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, send_error);
    return;
  }

  if (g_error_matches (send_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    sentence = "The server did not answer in time";
  } else if (send_error->domain == G_RESOLVER_ERROR) {
    sentence = "The server's name could not be found";
  } else if (g_error_matches (send_error, G_IO_ERROR,
                              G_IO_ERROR_CONNECTION_REFUSED)) {
    sentence = "The server refused the connection";
  } else if (send_error->domain == G_TLS_ERROR) {
    sentence = "A secure connection to the server could not be made";
  } else {
    sentence = "The server could not be reached";
  }
  g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
               "%s: %s", sentence, send_error->message);
  g_error_free (send_error);
}

static void
set_read_error (GError **error,
                GError  *read_error)
{
  if (g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, read_error);
    return;
  }
  g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
               "The download was cut short: %s", read_error->message);
  g_error_free (read_error);
}

static void
set_too_large_error (GError **error,
                     goffset  size)
{
  g_autofree char *limit = g_format_size (DISCERN_FETCH_MAX_BYTES);

  if (size > 0) {
    g_autofree char *size_text = g_format_size (size);

    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                 "The download is too large (%s; the limit is %s)",
                 size_text, limit);
  } else {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                 "The download is too large (more than %s)", limit);
  }
}

/* Content-Length counts the bytes on the wire; once libsoup has undone a
 * Content-Encoding, the body has a different length. */
static goffset
expected_length (SoupMessage *message)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *coding = soup_message_headers_get_one (headers,
                                                     "Content-Encoding");

  if (soup_message_headers_get_encoding (headers) !=
      SOUP_ENCODING_CONTENT_LENGTH) {
    return -1;
  }
  if (coding != NULL && g_ascii_strcasecmp (coding, "identity") != 0) {
    return -1;
  }
  return soup_message_headers_get_content_length (headers);
}

/* Reads the whole body, never more than DISCERN_FETCH_MAX_BYTES + 1. */
static GBytes *
read_body (SoupMessage   *message,
           GInputStream  *stream,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GByteArray) body = NULL;
  goffset expected = expected_length (message);
  GError *read_error = NULL;

  if (expected > (goffset) DISCERN_FETCH_MAX_BYTES) {
    set_too_large_error (error, expected);
    return NULL;
  }

  body = g_byte_array_sized_new (expected > 0 ? expected : READ_CHUNK);
  for (;;) {
    guint old_length = body->len;
    gssize n;

    g_byte_array_set_size (body, old_length + READ_CHUNK);
    n = g_input_stream_read (stream, body->data + old_length, READ_CHUNK,
                             cancellable, &read_error);
    if (n < 0) {
      set_read_error (error, read_error);
      return NULL;
    }
    g_byte_array_set_size (body, old_length + n);
    if (n == 0) {
      break;
    }
    if (body->len > DISCERN_FETCH_MAX_BYTES) {
      set_too_large_error (error, -1);
      return NULL;
    }
  }

  if (expected >= 0 && body->len != expected) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                 "The download was cut short (%u of %" G_GOFFSET_FORMAT
                 " bytes arrived)", body->len, expected);
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

static void
set_status_error (GError      **error,
                  SoupMessage  *message)
{
  guint status = soup_message_get_status (message);
  const char *reason = soup_message_get_reason_phrase (message);

  if (reason == NULL || reason[0] == '\0') {
    reason = soup_status_get_phrase (status);
  }
  g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_HTTP,
               "The server answered %u %s", status, reason);
}

static void
close_quietly (GInputStream *stream)
{
  g_input_stream_close (stream, NULL, NULL);
}

/* Sends GET requests, following redirects by hand so that each hop is
 * checked (only http and https) and counted. Returns the final response's
 * body stream with *message_out set to its message. */
static GInputStream *
send_following_redirects (SoupSession   *session,
                          GUri          *uri,
                          SoupMessage  **message_out,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GUri) current = g_uri_ref (uri);

  for (int redirects = 0; ; redirects++) {
    g_autoptr(SoupMessage) message = NULL;
    g_autoptr(GInputStream) stream = NULL;
    g_autoptr(GUri) next = NULL;
    GError *send_error = NULL;
    const char *location;
    guint status;

    message = soup_message_new_from_uri (SOUP_METHOD_GET, current);
    soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
    stream = soup_session_send (session, message, cancellable, &send_error);
    if (stream == NULL) {
      set_send_error (error, send_error);
      return NULL;
    }

    status = soup_message_get_status (message);
    location = soup_message_headers_get_one (
      soup_message_get_response_headers (message), "Location");
    if (!SOUP_STATUS_IS_REDIRECTION (status) ||
        status == SOUP_STATUS_NOT_MODIFIED || location == NULL) {
      *message_out = g_steal_pointer (&message);
      return g_steal_pointer (&stream);
    }

    close_quietly (stream);
    if (redirects == MAX_REDIRECTS) {
      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_HTTP,
                   "The server sent the download elsewhere more than %d "
                   "times", MAX_REDIRECTS);
      return NULL;
    }

    next = g_uri_parse_relative (current, location, SOUP_HTTP_URI_FLAGS,
                                 NULL);
    if (next == NULL || !uri_is_http (next)) {
      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_BAD_URL,
                   "The server sent the download to a link that cannot be "
                   "opened (%s)", location);
      return NULL;
    }
    g_uri_unref (current);
    current = g_steal_pointer (&next);
  }
}

GBytes *
discern_fetch_url (SoupSession   *session,
                   const char    *url,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *display = NULL;
  GBytes *body;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL ||
                        G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uri = parse_http_url (url);
  if (uri == NULL) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_BAD_URL,
                 "%s: Only http and https links can be opened", url);
    return NULL;
  }

  /* Messages name the URL as given, without a password in it. */
  display = g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);

  stream = send_following_redirects (session, uri, &message, cancellable,
                                     error);
  if (stream == NULL) {
    g_prefix_error (error, "%s: ", display);
    return NULL;
  }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (message))) {
    set_status_error (error, message);
    close_quietly (stream);
    g_prefix_error (error, "%s: ", display);
    return NULL;
  }

  body = read_body (message, stream, cancellable, error);
  close_quietly (stream);
  if (body == NULL) {
    g_prefix_error (error, "%s: ", display);
  }
  return body;
}

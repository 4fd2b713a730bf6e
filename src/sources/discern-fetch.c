/* discern-fetch.c: downloading a picture over http(s) with libsoup
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-fetch.h"

#include <string.h>

#include "discern-data-url.h"
#include "discern-image-private.h"
#include "discern-source-error.h"

/* Redirects followed before giving up: enough for http -> https -> CDN,
 * few enough that a loop ends at once. */
#define MAX_REDIRECTS 5

/* Bytes read from the body at a time. */
#define READ_CHUNK (64 * 1024)

/* Of an error answer only this much is read: enough to tell a web page and
 * find its title, without downloading a large error body. */
#define ERROR_PAGE_BYTES (16 * 1024)

/* A page title quoted in a message is cut after this many characters. */
#define TITLE_MAX_CHARS 80

/* Content-Encodings undone one after the other; a longer chain is no
 * honest server's and multiplies what a bomb can unpack. */
#define MAX_CODINGS 2

/* URLs that cannot be parsed are shown up to this many characters. */
#define DISPLAY_MAX_CHARS 200

/* Which time limit ran out, if any. */
typedef enum {
  EXPIRED_NONE,
  EXPIRED_CONNECT,
  EXPIRED_DEADLINE,
} Expiry;

/* A thread that cancels the download's own cancellable when the answer or
 * the whole download takes too long. It waits on a condition variable, so
 * it needs no main loop in the downloading thread, and it ends with the
 * download. The caller's cancellable cancels the same cancellable. */
typedef struct {
  GCancellable             *cancellable;
  GCancellable             *caller;          /* borrowed, may be NULL */
  gulong                    caller_handler;
  const DiscernFetchLimits *limits;          /* borrowed */
  GThread                  *thread;

  GMutex                    lock;
  GCond                     changed;
  gint64                    connect_by;      /* monotonic µs; 0 once answered */
  gint64                    done_by;
  gboolean                  stopping;
  Expiry                    expired;
} Watchdog;

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *watchdog = data;
  Expiry expired;

  g_mutex_lock (&watchdog->lock);
  while (!watchdog->stopping) {
    gint64 until = watchdog->done_by;
    Expiry which = EXPIRED_DEADLINE;

    if (watchdog->connect_by != 0 && watchdog->connect_by < until) {
      until = watchdog->connect_by;
      which = EXPIRED_CONNECT;
    }
    if (g_get_monotonic_time () >= until) {
      watchdog->expired = which;
      break;
    }
    g_cond_wait_until (&watchdog->changed, &watchdog->lock, until);
  }
  expired = watchdog->expired;
  g_mutex_unlock (&watchdog->lock);

  if (expired != EXPIRED_NONE) {
    g_debug ("fetch: %s ran out; cancelling",
             expired == EXPIRED_CONNECT ? "the connect timeout" : "the deadline");
    g_cancellable_cancel (watchdog->cancellable);
  }
  return NULL;
}

static void
caller_cancelled_cb (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static Watchdog *
watchdog_start (const DiscernFetchLimits *limits,
                GCancellable             *caller)
{
  Watchdog *watchdog = g_new0 (Watchdog, 1);
  gint64 now = g_get_monotonic_time ();

  watchdog->cancellable = g_cancellable_new ();
  watchdog->caller = caller;
  watchdog->limits = limits;
  watchdog->connect_by = now + (gint64) limits->connect_timeout_ms * 1000;
  watchdog->done_by = now + (gint64) limits->deadline_ms * 1000;
  g_mutex_init (&watchdog->lock);
  g_cond_init (&watchdog->changed);

  if (caller != NULL) {
    watchdog->caller_handler = g_cancellable_connect (
      caller, G_CALLBACK (caller_cancelled_cb), watchdog->cancellable, NULL);
  }
  watchdog->thread = g_thread_new ("discern-fetch-watchdog", watchdog_thread,
                                   watchdog);
  return watchdog;
}

/* The server's answer has come: from now on only the deadline counts. */
static void
watchdog_answered (Watchdog *watchdog)
{
  g_mutex_lock (&watchdog->lock);
  watchdog->connect_by = 0;
  g_cond_signal (&watchdog->changed);
  g_mutex_unlock (&watchdog->lock);
}

static Expiry
watchdog_get_expired (Watchdog *watchdog)
{
  Expiry expired;

  g_mutex_lock (&watchdog->lock);
  expired = watchdog->expired;
  g_mutex_unlock (&watchdog->lock);
  return expired;
}

static void
watchdog_free (Watchdog *watchdog)
{
  g_mutex_lock (&watchdog->lock);
  watchdog->stopping = TRUE;
  g_cond_signal (&watchdog->changed);
  g_mutex_unlock (&watchdog->lock);
  g_thread_join (watchdog->thread);

  g_cancellable_disconnect (watchdog->caller, watchdog->caller_handler);
  g_object_unref (watchdog->cancellable);
  g_mutex_clear (&watchdog->lock);
  g_cond_clear (&watchdog->changed);
  g_free (watchdog);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Watchdog, watchdog_free)

/* "15 seconds", "1.5 seconds". */
static char *
format_duration (guint milliseconds)
{
  if (milliseconds == 1000) {
    return g_strdup ("1 second");
  }
  if (milliseconds % 1000 == 0) {
    return g_strdup_printf ("%u seconds", milliseconds / 1000);
  }
  return g_strdup_printf ("%.1f seconds", milliseconds / 1000.0);
}

/* A cancelled call: the caller cancelled, or a time limit ran out. */
static void
set_cancelled_error (GError   **error,
                     GError    *cancelled,
                     Watchdog  *watchdog)
{
  Expiry expired = watchdog_get_expired (watchdog);
  g_autofree char *duration = NULL;

  if (expired == EXPIRED_NONE ||
      g_cancellable_is_cancelled (watchdog->caller)) {
    g_propagate_error (error, cancelled);
    return;
  }
  g_error_free (cancelled);

  if (expired == EXPIRED_CONNECT) {
    duration = format_duration (watchdog->limits->connect_timeout_ms);
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                 "The server did not answer within %s", duration);
  } else {
    duration = format_duration (watchdog->limits->deadline_ms);
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                 "The download was stopped after %s: the server sends too "
                 "slowly", duration);
  }
}

SoupSession *
discern_fetch_session_new (void)
{
  /* "timeout" bounds each wait for data; "idle-timeout" drops kept-alive
   * connections nobody uses. The connect timeout and the deadline are the
   * watchdog's. */
  return soup_session_new_with_options (
    "user-agent", "Discern/" PACKAGE_VERSION,
    "timeout", DISCERN_FETCH_IDLE_SECONDS,
    "idle-timeout", DISCERN_FETCH_IDLE_SECONDS,
    NULL);
}

void
discern_fetch_limits_init (DiscernFetchLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->max_bytes = DISCERN_FETCH_MAX_BYTES;
  limits->connect_timeout_ms = DISCERN_FETCH_CONNECT_SECONDS * 1000;
  limits->deadline_ms = DISCERN_FETCH_DEADLINE_SECONDS * 1000;
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

gboolean
discern_fetch_check_url (const char  *text,
                         GError     **error)
{
  g_autofree char *scheme = NULL;
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (discern_data_url_is_data_url (text)) {
    return TRUE;
  }

  scheme = g_uri_parse_scheme (text);
  if (scheme == NULL) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_BAD_URL,
                         "This is not a link (it does not start with "
                         "http:// or https://)");
    return FALSE;
  }
  if (g_ascii_strcasecmp (scheme, "http") != 0 &&
      g_ascii_strcasecmp (scheme, "https") != 0) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_BAD_URL,
                 "Links of the kind “%s:” cannot be opened, only http, "
                 "https and data: links", scheme);
    return FALSE;
  }

  uri = g_uri_parse (text, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_BAD_URL,
                         "This link is malformed");
    return FALSE;
  }
  if (!uri_is_http (uri)) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_BAD_URL,
                         "This link names no server");
    return FALSE;
  }
  return TRUE;
}

char *
discern_fetch_display_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *valid = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  if (discern_data_url_is_data_url (url)) {
    return discern_data_url_describe (url);
  }
  /* Only a URL with a host goes back through GUri: GLib parses some
   * others ("x:a/..//b") into a GUri it then refuses to print. */
  uri = parse_http_url (url);
  if (uri != NULL) {
    return g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);
  }

  valid = g_utf8_make_valid (url, -1);
  if (g_utf8_strlen (valid, -1) <= DISPLAY_MAX_CHARS) {
    return g_steal_pointer (&valid);
  }
  *g_utf8_offset_to_pointer (valid, DISPLAY_MAX_CHARS) = '\0';
  return g_strconcat (valid, "…", NULL);
}

/* Errors from connecting and sending, in words; the raw message follows. */
static void
set_send_error (GError   **error,
                GError    *send_error,
                Watchdog  *watchdog)
{
  const char *sentence;

  if (g_error_matches (send_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    set_cancelled_error (error, send_error, watchdog);
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
set_read_error (GError   **error,
                GError    *read_error,
                Watchdog  *watchdog)
{
  if (g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    set_cancelled_error (error, read_error, watchdog);
    return;
  }
  if (g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                 "The server stopped sending: %s", read_error->message);
  } else {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                 "The download was cut short: %s", read_error->message);
  }
  g_error_free (read_error);
}

static void
set_too_large_error (GError **error,
                     gsize    limit,
                     goffset  size)
{
  g_autofree char *limit_text = g_format_size (limit);

  if (size > 0) {
    g_autofree char *size_text = g_format_size (size);

    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                 "The download is too large (%s; the limit is %s)",
                 size_text, limit_text);
  } else {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                 "The download is too large (more than %s)", limit_text);
  }
}

/* Content-Length counts the bytes on the wire; once a Content-Encoding is
 * undone, the body has a different length. */
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

/* Undoes the answer's Content-Encoding (gzip or deflate, at most
 * MAX_CODINGS of them) with GIO's converters rather than libsoup's, which
 * end a stream cut short without an error: here that is a read error, and
 * the size cap counts the unpacked bytes. */
static GInputStream *
decoded_stream (SoupMessage   *message,
                GInputStream  *stream,
                GError       **error)
{
  const char *header = soup_message_headers_get_list (
    soup_message_get_response_headers (message), "Content-Encoding");
  g_auto(GStrv) codings = NULL;
  g_autoptr(GInputStream) decoded = g_object_ref (stream);
  guint n_codings = 0;

  if (header == NULL) {
    return g_steal_pointer (&decoded);
  }
  codings = g_strsplit (header, ",", -1);

  /* Codings are listed in the order they were applied: undo from the end. */
  for (int i = g_strv_length (codings) - 1; i >= 0; i--) {
    const char *coding = g_strstrip (codings[i]);
    g_autoptr(GConverter) converter = NULL;
    GInputStream *next;

    if (coding[0] == '\0' || g_ascii_strcasecmp (coding, "identity") == 0) {
      continue;
    }
    if (g_ascii_strcasecmp (coding, "gzip") == 0 ||
        g_ascii_strcasecmp (coding, "x-gzip") == 0) {
      converter = G_CONVERTER (
        g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
    } else if (g_ascii_strcasecmp (coding, "deflate") == 0) {
      converter = G_CONVERTER (
        g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
    }
    if (converter == NULL || ++n_codings > MAX_CODINGS) {
      g_autofree char *shown = g_utf8_make_valid (header, -1);

      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                   "The server sent the picture packed in a way that cannot "
                   "be undone here (Content-Encoding: %s)", shown);
      return NULL;
    }
    next = g_converter_input_stream_new (decoded, converter);
    g_object_unref (decoded);
    decoded = next;
  }
  return g_steal_pointer (&decoded);
}

typedef struct {
  gsize                 max_bytes;
  DiscernFetchProgress  progress;
  gpointer              progress_data;
} BodyReader;

/* Reads the whole body, never more than max_bytes + one chunk. */
static GBytes *
read_body (SoupMessage       *message,
           GInputStream      *stream,
           const BodyReader  *reader,
           Watchdog          *watchdog,
           GError           **error)
{
  g_autoptr(GByteArray) body = NULL;
  goffset expected = expected_length (message);
  GError *read_error = NULL;

  if (expected > (goffset) reader->max_bytes) {
    set_too_large_error (error, reader->max_bytes, expected);
    return NULL;
  }

  body = g_byte_array_sized_new (expected > 0 ? expected : READ_CHUNK);
  for (;;) {
    guint old_length = body->len;
    gssize n;

    g_byte_array_set_size (body, old_length + READ_CHUNK);
    n = g_input_stream_read (stream, body->data + old_length, READ_CHUNK,
                             watchdog->cancellable, &read_error);
    if (n < 0) {
      set_read_error (error, read_error, watchdog);
      return NULL;
    }
    g_byte_array_set_size (body, old_length + n);
    if (n == 0) {
      break;
    }
    if (body->len > reader->max_bytes) {
      set_too_large_error (error, reader->max_bytes, -1);
      return NULL;
    }
    if (reader->progress != NULL) {
      reader->progress (body->len, expected, reader->progress_data);
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

/* The start of an error answer's body, or as much as arrived. */
static GBytes *
read_error_page (GInputStream *stream,
                 Watchdog     *watchdog)
{
  g_autofree guint8 *buffer = g_malloc (ERROR_PAGE_BYTES);
  gsize length = 0;

  g_input_stream_read_all (stream, buffer, ERROR_PAGE_BYTES, &length,
                           watchdog->cancellable, NULL);
  return g_bytes_new (buffer, length);
}

/* Replaces the few character references page titles use. */
static void
append_unescaped (GString    *out,
                  const char *text)
{
  static const struct {
    const char *name;
    const char *text;
  } entities[] = {
    { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
    { "&apos;", "'" }, { "&#39;", "'" }, { "&nbsp;", " " },
  };

  while (*text != '\0') {
    gboolean replaced = FALSE;

    if (*text == '&') {
      for (gsize i = 0; i < G_N_ELEMENTS (entities); i++) {
        gsize length = strlen (entities[i].name);

        if (g_ascii_strncasecmp (text, entities[i].name, length) == 0) {
          g_string_append (out, entities[i].text);
          text += length;
          replaced = TRUE;
          break;
        }
      }
    }
    if (!replaced) {
      g_string_append_c (out, *text++);
    }
  }
}

/* The page's <title>, as one line of printable text, or NULL. */
static char *
page_title (GBytes *page)
{
  gsize length;
  const char *data = g_bytes_get_data (page, &length);
  g_autofree char *text = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *raw = NULL;
  g_autoptr(GString) unescaped = g_string_new (NULL);
  g_autoptr(GString) title = g_string_new (NULL);
  const char *start;
  const char *end;
  gboolean space = FALSE;
  glong n_chars = 0;

  if (length == 0) {
    return NULL;
  }
  text = g_utf8_make_valid (data, MIN (length, _DISCERN_IMAGE_SNIFF_LENGTH));
  lower = g_ascii_strdown (text, -1);
  start = strstr (lower, "<title");
  start = start != NULL ? strchr (start, '>') : NULL;
  end = start != NULL ? strstr (start, "</title") : NULL;
  if (end == NULL) {
    return NULL;
  }
  raw = g_strndup (text + (start + 1 - lower), end - (start + 1));
  append_unescaped (unescaped, raw);

  /* White space becomes single spaces; control and format characters
   * (bidirectional overrides among them) are dropped. */
  for (const char *p = unescaped->str; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_isspace (c)) {
      space = title->len > 0;
      continue;
    }
    if (!g_unichar_isprint (c)) {
      continue;
    }
    if (n_chars == TITLE_MAX_CHARS) {
      g_string_append (title, "…");
      break;
    }
    if (space) {
      g_string_append_c (title, ' ');
      n_chars++;
      space = FALSE;
    }
    g_string_append_unichar (title, c);
    n_chars++;
  }
  if (title->len == 0) {
    return NULL;
  }
  return g_string_free (g_steal_pointer (&title), FALSE);
}

static char *
status_text (SoupMessage *message)
{
  guint status = soup_message_get_status (message);
  const char *reason = soup_message_get_reason_phrase (message);
  g_autofree char *valid = NULL;

  if (reason == NULL || reason[0] == '\0') {
    reason = soup_status_get_phrase (status);
  }
  valid = g_utf8_make_valid (reason, -1);
  return g_strdup_printf ("%u %s", status, valid);
}

/* An answer other than 2xx: the status, and whether a web page came. */
static void
set_status_error (GError      **error,
                  SoupMessage  *message,
                  GBytes       *page)
{
  g_autofree char *status = status_text (message);
  g_autofree char *title = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (page, &length);

  if (!_discern_image_looks_like_web_page (data, length)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_HTTP,
                 "The server answered %s", status);
    return;
  }
  title = page_title (page);
  if (title != NULL) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_HTTP,
                 "The server answered %s with a web page (“%s”) instead of "
                 "the picture", status, title);
  } else {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_HTTP,
                 "The server answered %s with a web page instead of the "
                 "picture", status);
  }
}

/* A successful answer that is a web page: a soft 404, a login page, a
 * hotlink page sent with 200 OK. */
static gboolean
check_not_web_page (GError      **error,
                    SoupMessage  *message,
                    GBytes       *body)
{
  g_autofree char *status = NULL;
  g_autofree char *title = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (body, &length);

  if (!_discern_image_looks_like_web_page (data, length)) {
    return TRUE;
  }
  status = status_text (message);
  title = page_title (body);
  if (title != NULL) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_IMAGE,
                 "The link leads to a web page (“%s”), not a picture; the "
                 "server answered %s", title, status);
  } else {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_IMAGE,
                 "The link leads to a web page, not a picture; the server "
                 "answered %s", status);
  }
  return FALSE;
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
                          Watchdog      *watchdog,
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
    soup_message_disable_feature (message, SOUP_TYPE_CONTENT_DECODER);
    soup_message_headers_replace (soup_message_get_request_headers (message),
                                  "Accept-Encoding", "gzip, deflate");
    stream = soup_session_send (session, message, watchdog->cancellable,
                                &send_error);
    if (stream == NULL) {
      set_send_error (error, send_error, watchdog);
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
      g_autofree char *shown = discern_fetch_display_url (location);

      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_BAD_URL,
                   "The server sent the download to a link that cannot be "
                   "opened (%s)", shown);
      return NULL;
    }
    g_uri_unref (current);
    current = g_steal_pointer (&next);
  }
}

static GBytes *
fetch_http (SoupSession               *session,
            const char                *url,
            const DiscernFetchLimits  *limits,
            const BodyReader          *reader,
            GCancellable              *cancellable,
            GError                   **error)
{
  g_autoptr(Watchdog) watchdog = watchdog_start (limits, cancellable);
  g_autoptr(GUri) uri = parse_http_url (url);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GInputStream) decoded = NULL;
  g_autoptr(GBytes) body = NULL;

  stream = send_following_redirects (session, uri, &message, watchdog, error);
  if (stream == NULL) {
    return NULL;
  }
  watchdog_answered (watchdog);

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (message))) {
    g_autoptr(GBytes) page = read_error_page (stream, watchdog);

    set_status_error (error, message, page);
    close_quietly (stream);
    return NULL;
  }

  decoded = decoded_stream (message, stream, error);
  if (decoded != NULL) {
    body = read_body (message, decoded, reader, watchdog, error);
  }
  close_quietly (stream);
  if (body == NULL || !check_not_web_page (error, message, body)) {
    return NULL;
  }
  return g_steal_pointer (&body);
}

GBytes *
discern_fetch_url_full (SoupSession               *session,
                        const char                *url,
                        const DiscernFetchLimits  *limits,
                        DiscernFetchProgress       progress,
                        gpointer                   progress_data,
                        GCancellable              *cancellable,
                        GError                   **error)
{
  DiscernFetchLimits defaults;
  BodyReader reader;
  g_autofree char *display = NULL;
  GBytes *body;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL ||
                        G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (limits == NULL) {
    discern_fetch_limits_init (&defaults);
    limits = &defaults;
  }
  reader.max_bytes = limits->max_bytes;
  reader.progress = progress;
  reader.progress_data = progress_data;

  /* Messages name the URL as given, without a password in it. */
  display = discern_fetch_display_url (url);

  if (!discern_fetch_check_url (url, error)) {
    body = NULL;
  } else if (g_cancellable_set_error_if_cancelled (cancellable, error)) {
    body = NULL;
  } else if (discern_data_url_is_data_url (url)) {
    body = discern_data_url_decode (url, limits->max_bytes, error);
  } else {
    body = fetch_http (session, url, limits, &reader, cancellable, error);
  }

  if (body == NULL) {
    g_prefix_error (error, "%s: ", display);
  }
  return body;
}

GBytes *
discern_fetch_url (SoupSession   *session,
                   const char    *url,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return discern_fetch_url_full (session, url, NULL, NULL, NULL, cancellable,
                                 error);
}

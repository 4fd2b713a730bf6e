/* test-fetch.c: downloads from a real HTTP server on 127.0.0.1
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "discern-fetch.h"
#include "discern-image.h"
#include "discern-source-error.h"

/* The server runs in its own thread with its own main context, since
 * discern_fetch_url() blocks the thread that calls it. Some handlers take
 * the connection over to write raw HTTP (a body cut short, a stall); those
 * connections stay open until the server stops. */
typedef struct {
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  char         *base_url;
  GPtrArray    *held;      /* GIOStreams and paused messages kept open */
  GBytes       *picture;   /* a PNG */

  GMutex        lock;
  GCond         ready;
  gboolean      started;
} TestServer;

static TestServer server;

/* Stalled bodies and oversized streams are sent in pieces of this size. */
#define PIECE (256 * 1024)

static void
take_over (SoupServerMessage *message,
           const char        *head,
           const guint8      *body,
           gsize              body_length,
           gboolean           keep_open)
{
  GIOStream *connection = soup_server_message_steal_connection (message);
  GOutputStream *out = g_io_stream_get_output_stream (connection);

  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
  g_output_stream_write_all (out, body, body_length, NULL, NULL, NULL);
  g_output_stream_flush (out, NULL, NULL);
  if (keep_open) {
    g_ptr_array_add (server.held, connection);
  } else {
    g_io_stream_close (connection, NULL, NULL);
    g_object_unref (connection);
  }
}

typedef struct {
  guint8 *piece;
  gsize   remaining;
} Stream;

static void
stream_free (gpointer data)
{
  Stream *stream = data;

  g_free (stream->piece);
  g_free (stream);
}

/* Chunked encoding: no Content-Length, one piece after another. */
static void
append_next_piece_cb (SoupServerMessage *message,
                      gpointer           user_data)
{
  Stream *stream = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (message);
  gsize size = MIN (stream->remaining, PIECE);

  if (size == 0) {
    soup_message_body_complete (body);
    return;
  }
  soup_message_body_append (body, SOUP_MEMORY_COPY, stream->piece, size);
  stream->remaining -= size;
}

static void
handle_cb (SoupServer        *soup_server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  gsize length;
  const guint8 *picture = g_bytes_get_data (server.picture, &length);

  if (g_str_equal (path, "/picture.png")) {
    soup_server_message_set_status (message, 200, NULL);
    soup_server_message_set_response (message, "image/png", SOUP_MEMORY_COPY,
                                      (const char *) picture, length);
  } else if (g_str_equal (path, "/wrong-type")) {
    soup_server_message_set_status (message, 200, NULL);
    soup_server_message_set_response (message, "text/html", SOUP_MEMORY_COPY,
                                      (const char *) picture, length);
  } else if (g_str_equal (path, "/user-agent")) {
    const char *agent = soup_message_headers_get_one (
      soup_server_message_get_request_headers (message), "User-Agent");

    soup_server_message_set_status (message, 200, NULL);
    soup_server_message_set_response (message, "text/plain", SOUP_MEMORY_COPY,
                                      agent, agent ? strlen (agent) : 0);
  } else if (g_str_equal (path, "/missing")) {
    soup_server_message_set_status (message, 404, NULL);
    soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC,
                                      "<html>gone</html>", 17);
  } else if (g_str_equal (path, "/broken")) {
    soup_server_message_set_status (message, 500, NULL);
  } else if (g_str_equal (path, "/teapot")) {
    soup_server_message_set_status (message, 418, "Short And Stout");
  } else if (g_str_equal (path, "/redirect")) {
    soup_server_message_set_redirect (message, 302, "/redirect-again");
  } else if (g_str_equal (path, "/redirect-again")) {
    soup_server_message_set_redirect (message, 301, "/picture.png");
  } else if (g_str_equal (path, "/redirect-loop")) {
    soup_server_message_set_redirect (message, 307, "/redirect-loop");
  } else if (g_str_equal (path, "/redirect-file")) {
    soup_server_message_set_redirect (message, 302, "file:///etc/passwd");
  } else if (g_str_equal (path, "/endless")) {
    Stream *stream = g_new0 (Stream, 1);

    stream->piece = g_malloc0 (PIECE);
    stream->remaining = DISCERN_FETCH_MAX_BYTES + 4 * (gsize) PIECE;
    soup_server_message_set_status (message, 200, NULL);
    soup_message_headers_set_encoding (
      soup_server_message_get_response_headers (message),
      SOUP_ENCODING_CHUNKED);
    g_signal_connect_data (message, "wrote-chunk",
                           G_CALLBACK (append_next_piece_cb), stream,
                           (GClosureNotify) (void (*) (void)) stream_free, 0);
    append_next_piece_cb (message, stream);
  } else if (g_str_equal (path, "/declared-huge")) {
    take_over (message, "HTTP/1.1 200 OK\r\n"
                        "Content-Type: image/png\r\n"
                        "Content-Length: 1000000000000\r\n\r\n",
               picture, 16, TRUE);
  } else if (g_str_equal (path, "/truncated")) {
    g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                                             "Content-Type: image/png\r\n"
                                             "Content-Length: %" G_GSIZE_FORMAT
                                             "\r\n\r\n", length);

    take_over (message, head, picture, length / 2, FALSE);
  } else if (g_str_equal (path, "/stall-body")) {
    take_over (message, "HTTP/1.1 200 OK\r\n"
                        "Content-Type: image/png\r\n"
                        "Content-Length: 100000\r\n\r\n",
               picture, 16, TRUE);
  } else if (g_str_equal (path, "/stall-headers")) {
    soup_server_message_pause (message);
    g_ptr_array_add (server.held, g_object_ref (message));
  } else {
    soup_server_message_set_status (message, 404, NULL);
  }
}

static void
release_held (gpointer data)
{
  if (G_IS_IO_STREAM (data)) {
    g_io_stream_close (data, NULL, NULL);
  } else {
    soup_server_message_set_status (data, 503, NULL);
    soup_server_message_unpause (data);
  }
  g_object_unref (data);
}

static gpointer
server_thread (gpointer data)
{
  g_autoptr(SoupServer) soup_server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (server.context);

  soup_server = soup_server_new (NULL, NULL);
  soup_server_add_handler (soup_server, NULL, handle_cb, NULL, NULL);
  soup_server_listen_local (soup_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                            &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (soup_server);
  g_assert_nonnull (uris);
  server.base_url = g_strdup_printf ("http://127.0.0.1:%d",
                                     g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&server.lock);
  server.started = TRUE;
  g_cond_signal (&server.ready);
  g_mutex_unlock (&server.lock);

  g_main_loop_run (server.loop);

  g_ptr_array_set_free_func (server.held, release_held);
  g_ptr_array_set_size (server.held, 0);
  soup_server_disconnect (soup_server);
  g_clear_object (&soup_server);
  while (g_main_context_iteration (server.context, FALSE)) {
  }

  g_main_context_pop_thread_default (server.context);
  return NULL;
}

static GBytes *
make_picture (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8,
                                                40, 30);
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error, NULL);
  g_assert_no_error (error);
  return g_bytes_new_take (buffer, length);
}

static void
server_start (void)
{
  server.context = g_main_context_new ();
  server.loop = g_main_loop_new (server.context, FALSE);
  server.held = g_ptr_array_new ();
  server.picture = make_picture ();
  g_mutex_init (&server.lock);
  g_cond_init (&server.ready);

  server.thread = g_thread_new ("test-server", server_thread, NULL);
  g_mutex_lock (&server.lock);
  while (!server.started) {
    g_cond_wait (&server.ready, &server.lock);
  }
  g_mutex_unlock (&server.lock);
}

static void
server_stop (void)
{
  g_main_loop_quit (server.loop);
  g_thread_join (server.thread);
  g_main_loop_unref (server.loop);
  g_main_context_unref (server.context);
  g_ptr_array_unref (server.held);
  g_bytes_unref (server.picture);
  g_free (server.base_url);
  g_mutex_clear (&server.lock);
  g_cond_clear (&server.ready);
}

/* Discern's own session, but never through a proxy the machine running
 * the tests may have configured: the server is on this host. */
static SoupSession *
session_new (void)
{
  SoupSession *session = discern_fetch_session_new ();

  g_object_set (session, "proxy-resolver", NULL, NULL);
  return session;
}

static char *
url_for (const char *path)
{
  return g_strconcat (server.base_url, path, NULL);
}

/* Fetches path, expecting an error with this domain and code whose
 * message starts with the URL. */
static void
check_fetch_fails (const char *path,
                   GQuark      domain,
                   int         code,
                   const char *message_part)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *url = url_for (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = discern_fetch_url (session, url, NULL, &error);
  g_assert_null (bytes);
  g_test_message ("%s", error->message);
  g_assert_error (error, domain, code);
  g_assert_true (g_str_has_prefix (error->message, url));
  if (message_part != NULL) {
    g_assert_nonnull (strstr (error->message, message_part));
  }
}

/* Successes */

static void
check_fetch_gives_picture (const char *path)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *url = url_for (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(DiscernImage) image = NULL;

  bytes = discern_fetch_url (session, url, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bytes, server.picture));

  image = discern_image_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 40);
  g_assert_cmpint (image->pixels[0], ==, 0x33);
}

static void
test_picture (void)
{
  check_fetch_gives_picture ("/picture.png");
}

/* The bytes decide, not the Content-Type. */
static void
test_wrong_content_type (void)
{
  check_fetch_gives_picture ("/wrong-type");
}

static void
test_redirect (void)
{
  check_fetch_gives_picture ("/redirect");
}

static void
test_user_agent (void)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *url = url_for ("/user-agent");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *expected = "Discern/" PACKAGE_VERSION;

  bytes = discern_fetch_url (session, url, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected, strlen (expected));
}

/* Failures */

static void
test_http_status (void)
{
  check_fetch_fails ("/missing", DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_HTTP, "404 Not Found");
  check_fetch_fails ("/broken", DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_HTTP, "500 Internal Server Error");
  check_fetch_fails ("/teapot", DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_HTTP, "418 Short And Stout");
}

static void
test_redirect_limits (void)
{
  check_fetch_fails ("/redirect-loop", DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_HTTP, "elsewhere");
  check_fetch_fails ("/redirect-file", DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_BAD_URL, "file:///etc/passwd");
}

static void
test_over_cap_streamed (void)
{
  gint64 start = g_get_monotonic_time ();

  check_fetch_fails ("/endless", DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_TOO_LARGE, "too large");
  g_test_message ("refused after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
}

static void
test_over_cap_declared (void)
{
  gint64 start = g_get_monotonic_time ();

  check_fetch_fails ("/declared-huge", DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_TOO_LARGE, "too large");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_truncated (void)
{
  check_fetch_fails ("/truncated", DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_NETWORK, "cut short");
}

static void
test_connection_refused (void)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *url = NULL;

  /* A port that was free a moment ago and has nobody listening. */
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  g_clear_object (&address);
  address = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/picture.png",
                         g_inet_socket_address_get_port (
                           G_INET_SOCKET_ADDRESS (address)));
  g_socket_close (socket, NULL);

  bytes = discern_fetch_url (session, url, NULL, &error);
  g_assert_null (bytes);
  g_test_message ("%s", error->message);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK);
  g_assert_true (g_str_has_prefix (error->message, url));
}

static const struct {
  const char *text;
  gboolean is_url;
} url_cases[] = {
  { "http://example.org/cat.jpg", TRUE },
  { "https://example.org/cat.jpg?size=large#top", TRUE },
  { "HTTPS://EXAMPLE.ORG/CAT.JPG", TRUE },
  { "http://user:secret@example.org/cat.jpg", TRUE },
  { "ftp://example.org/cat.jpg", FALSE },
  { "file:///home/me/cat.jpg", FALSE },
  { "data:image/png;base64,iVBORw0KGgo=", FALSE },
  { "javascript:alert(1)", FALSE },
  { "http://", FALSE },
  { "http:///cat.jpg", FALSE },
  { "/home/me/cat.jpg", FALSE },
  { "cat.jpg", FALSE },
  { "", FALSE },
};

static void
test_is_url (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (url_cases); i++) {
    g_test_message ("“%s”", url_cases[i].text);
    g_assert_cmpint (discern_fetch_is_url (url_cases[i].text), ==,
                     url_cases[i].is_url);
  }
}

/* Anything but http and https is refused without touching the network. */
static void
test_bad_url (void)
{
  g_autoptr(SoupSession) session = session_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (url_cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = NULL;

    if (url_cases[i].is_url) {
      continue;
    }
    bytes = discern_fetch_url (session, url_cases[i].text, NULL, &error);
    g_assert_null (bytes);
    g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_BAD_URL);
    g_assert_true (g_str_has_prefix (error->message, url_cases[i].text));
  }
}

/* Cancellation while the server stalls ends the download within moments,
 * whether the server holds back the headers or the body. */

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
check_cancel_during_stall (const char *path)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = url_for (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GSource) timeout = g_timeout_source_new (300);
  gint64 start;
  gint64 elapsed;

  g_source_set_callback (timeout, cancel_cb, g_object_ref (cancellable),
                         g_object_unref);
  g_source_attach (timeout, server.context);

  start = g_get_monotonic_time ();
  bytes = discern_fetch_url (session, url, cancellable, &error);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%s after %" G_GINT64_FORMAT " ms",
                  error ? error->message : "(no error)", elapsed / 1000);

  g_assert_null (bytes);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_str_has_prefix (error->message, url));
  g_assert_cmpint (elapsed, >=, 250 * 1000);
  g_assert_cmpint (elapsed, <, 2 * G_USEC_PER_SEC);
}

static void
test_cancel_stalled_headers (void)
{
  check_cancel_during_stall ("/stall-headers");
}

static void
test_cancel_stalled_body (void)
{
  check_cancel_during_stall ("/stall-body");
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sources/fetch/picture", test_picture);
  g_test_add_func ("/sources/fetch/wrong-content-type",
                   test_wrong_content_type);
  g_test_add_func ("/sources/fetch/redirect", test_redirect);
  g_test_add_func ("/sources/fetch/user-agent", test_user_agent);
  g_test_add_func ("/sources/fetch/http-status", test_http_status);
  g_test_add_func ("/sources/fetch/redirect-limits", test_redirect_limits);
  g_test_add_func ("/sources/fetch/over-cap-streamed", test_over_cap_streamed);
  g_test_add_func ("/sources/fetch/over-cap-declared", test_over_cap_declared);
  g_test_add_func ("/sources/fetch/truncated", test_truncated);
  g_test_add_func ("/sources/fetch/connection-refused",
                   test_connection_refused);
  g_test_add_func ("/sources/fetch/is-url", test_is_url);
  g_test_add_func ("/sources/fetch/bad-url", test_bad_url);
  g_test_add_func ("/sources/fetch/cancel-stalled-headers",
                   test_cancel_stalled_headers);
  g_test_add_func ("/sources/fetch/cancel-stalled-body",
                   test_cancel_stalled_body);

  server_start ();
  status = g_test_run ();
  server_stop ();
  return status;
}

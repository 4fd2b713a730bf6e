/* test-fetch.c: downloads from real HTTP servers on 127.0.0.1
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One server imitates the servers a pasted link can lead to: pictures under
 * wrong types, web pages under every status, redirect loops, bodies that
 * never end, are cut short, compressed into bombs, or trickle in a byte at
 * a time. A second one speaks https with a certificate nobody trusts. Every
 * test is bounded in time: the time limits are shortened to fractions of a
 * second and the elapsed time is checked.
 */

#include <glib/gstdio.h>
#include <string.h>

#include "discern-data-url.h"
#include "discern-fetch.h"
#include "discern-image.h"
#include "discern-source-error.h"

/* The servers run in their own thread with its own main context, since
 * discern_fetch_url() blocks the thread that calls it. Some handlers take
 * the connection over to write raw HTTP (a body cut short, a stall, a
 * trickle); those connections stay open until the server stops. */
typedef struct {
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  char         *base_url;
  char         *tls_url;   /* NULL when no certificate could be made */
  char         *tls_dir;
  GPtrArray    *held;      /* GIOStreams and paused messages kept open */
  GBytes       *picture;   /* a PNG */
  GBytes       *gzipped;   /* the PNG, gzip-compressed */
  GBytes       *bomb;      /* gzip of zeros, twice the size cap unpacked */

  GMutex        lock;
  GCond         ready;
  gboolean      started;
} TestServer;

static TestServer server;

/* Stalled bodies and oversized streams are sent in pieces of this size. */
#define PIECE (256 * 1024)

/* Short limits, so that the timeout tests take a second or two. */
#define TEST_CONNECT_MS  500
#define TEST_DEADLINE_MS 1000
#define TRICKLE_INTERVAL_MS 20

/* What a test allows beyond a limit for scheduling and teardown. */
#define SLACK_US (1500 * 1000)

/* Time limits in these tests are multiplied by DISCERN_TEST_TIME_SCALE
 * when set, for runs under Valgrind, which is some 50 times slower. */
static gint64
scaled_us (gint64 microseconds)
{
  const char *scale = g_getenv ("DISCERN_TEST_TIME_SCALE");
  gint64 factor = scale != NULL ? g_ascii_strtoll (scale, NULL, 10) : 1;

  return microseconds * MAX (factor, 1);
}

static const char login_page[] =
  "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
  "<title>\n  Sign in &amp; continue \xe2\x80\x94 Example\n</title></head>\n"
  "<body><form action=\"/login\"><input name=\"user\"></form></body></html>\n";

static const char hotlink_page[] =
  "<html><head><title>Hotlinking not allowed</title></head>"
  "<body><h1>403 Forbidden</h1></body></html>";

/* A title with a right-to-left override and a bell, which must not reach
 * a message. */
static const char tricky_title_page[] =
  "<html><head><title>Bad\xe2\x80\xae" "gpj.exe\x07 title</title></head>"
  "</html>";

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
serve_endless (SoupServerMessage *message)
{
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
}

/* One byte of a declared 100,000 every TRICKLE_INTERVAL_MS, until the
 * client goes away: never idle long enough for an idle timeout. */
static gboolean
trickle_cb (gpointer data)
{
  GOutputStream *out = g_io_stream_get_output_stream (data);

  if (g_output_stream_write (out, "x", 1, NULL, NULL) != 1) {
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
trickle_done (gpointer data)
{
  g_io_stream_close (data, NULL, NULL);
  g_object_unref (data);
}

static void
serve_trickle (SoupServerMessage *message)
{
  static const char head[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: image/png\r\n"
                             "Content-Length: 100000\r\n\r\n";
  GIOStream *connection = soup_server_message_steal_connection (message);
  g_autoptr(GSource) source = g_timeout_source_new (TRICKLE_INTERVAL_MS);

  g_output_stream_write_all (g_io_stream_get_output_stream (connection),
                             head, strlen (head), NULL, NULL, NULL);
  g_source_set_callback (source, trickle_cb, connection, trickle_done);
  g_source_attach (source, g_main_context_get_thread_default ());
}

static void
serve_bytes (SoupServerMessage *message,
             guint              status,
             const char        *type,
             const char        *encoding,
             GBytes            *bytes)
{
  SoupMessageHeaders *headers =
    soup_server_message_get_response_headers (message);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  soup_server_message_set_status (message, status, NULL);
  if (type != NULL) {
    soup_server_message_set_response (message, type, SOUP_MEMORY_COPY, data,
                                      length);
  } else {
    soup_message_body_append (
      soup_server_message_get_response_body (message), SOUP_MEMORY_COPY,
      data, length);
  }
  if (encoding != NULL) {
    soup_message_headers_replace (headers, "Content-Encoding", encoding);
  }
}

static void
serve_text (SoupServerMessage *message,
            guint              status,
            const char        *type,
            const char        *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));

  serve_bytes (message, status, type, NULL, bytes);
}

/* Raw answers whose bodies end early: the length or the chunking says
 * more is coming, then the connection closes. */
static void
serve_cut_short (SoupServerMessage *message,
                 const char        *path)
{
  gsize length;
  const guint8 *picture = g_bytes_get_data (server.picture, &length);
  gsize gzipped_length;
  const guint8 *gzipped = g_bytes_get_data (server.gzipped, &gzipped_length);
  g_autofree char *head = NULL;

  if (g_str_equal (path, "/truncated")) {
    head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                            "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                            length);
    take_over (message, head, picture, length / 2, FALSE);
  } else if (g_str_equal (path, "/truncated-chunked")) {
    head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n"
                            "%" G_GSIZE_MODIFIER "x\r\n", length);
    take_over (message, head, picture, length / 2, FALSE);
  } else if (g_str_equal (path, "/truncated-gzip")) {
    /* The wire length is honest; the gzip stream inside stops early. */
    head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                            "Content-Encoding: gzip\r\n"
                            "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                            gzipped_length / 2);
    take_over (message, head, gzipped, gzipped_length / 2, FALSE);
  } else {
    g_assert_not_reached ();
  }
}

static void
handle_cb (SoupServer        *soup_server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  if (g_str_equal (path, "/picture.png")) {
    serve_bytes (message, 200, "image/png", NULL, server.picture);
  } else if (g_str_equal (path, "/wrong-type")) {
    serve_bytes (message, 200, "text/html", NULL, server.picture);
  } else if (g_str_equal (path, "/no-type")) {
    serve_bytes (message, 200, NULL, NULL, server.picture);
  } else if (g_str_equal (path, "/octet-stream")) {
    serve_bytes (message, 200, "application/octet-stream", NULL,
                 server.picture);
  } else if (g_str_equal (path, "/gzip")) {
    serve_bytes (message, 200, "image/png", "gzip", server.gzipped);
  } else if (g_str_equal (path, "/gzip-bomb")) {
    serve_bytes (message, 200, "image/png", "gzip", server.bomb);
  } else if (g_str_equal (path, "/user-agent")) {
    const char *agent = soup_message_headers_get_one (
      soup_server_message_get_request_headers (message), "User-Agent");

    serve_text (message, 200, "text/plain", agent != NULL ? agent : "");
  } else if (g_str_equal (path, "/text")) {
    serve_text (message, 200, "text/plain", "Just some words.\n");
  } else if (g_str_equal (path, "/login")) {
    serve_text (message, 200, "text/html", login_page);
  } else if (g_str_equal (path, "/soft-404")) {
    serve_text (message, 200, "text/html; charset=utf-8",
                "<!doctype html><p>Sorry, that page is gone.</p>");
  } else if (g_str_equal (path, "/tricky-title")) {
    serve_text (message, 200, "text/html", tricky_title_page);
  } else if (g_str_equal (path, "/hotlink")) {
    serve_text (message, 403, "text/html", hotlink_page);
  } else if (g_str_equal (path, "/missing")) {
    serve_text (message, 404, "text/html", "<html>gone</html>");
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
  } else if (g_str_equal (path, "/redirect-data")) {
    soup_server_message_set_redirect (message, 302,
                                      "data:image/png;base64,iVBORw0KGgo=");
  } else if (g_str_equal (path, "/endless")) {
    serve_endless (message);
  } else if (g_str_equal (path, "/declared-huge")) {
    take_over (message, "HTTP/1.1 200 OK\r\n"
                        "Content-Type: image/png\r\n"
                        "Content-Length: 1000000000000\r\n\r\n",
               g_bytes_get_data (server.picture, NULL), 16, TRUE);
  } else if (g_str_has_prefix (path, "/truncated")) {
    serve_cut_short (message, path);
  } else if (g_str_equal (path, "/stall-body")) {
    take_over (message, "HTTP/1.1 200 OK\r\n"
                        "Content-Type: image/png\r\n"
                        "Content-Length: 100000\r\n\r\n",
               g_bytes_get_data (server.picture, NULL), 16, TRUE);
  } else if (g_str_equal (path, "/stall-headers")) {
    soup_server_message_pause (message);
    g_ptr_array_add (server.held, g_object_ref (message));
  } else if (g_str_equal (path, "/trickle")) {
    serve_trickle (message);
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

static char *
listen_url (SoupServer              *soup_server,
            SoupServerListenOptions  options)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *url;

  soup_server_listen_local (soup_server, 0,
                            options | SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup_server);
  g_assert_nonnull (uris);
  url = g_strdup_printf ("%s://127.0.0.1:%d", g_uri_get_scheme (uris->data),
                         g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

/* A self-signed certificate for 127.0.0.1 made with openssl, or NULL when
 * openssl is missing. */
static GTlsCertificate *
make_certificate (void)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  server.tls_dir = g_dir_make_tmp ("test-fetch-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert = g_build_filename (server.tls_dir, "cert.pem", NULL);
  key = g_build_filename (server.tls_dir, "key.pem", NULL);
  command = g_strdup_printf ("openssl req -x509 -newkey ec -pkeyopt "
                             "ec_paramgen_curve:prime256v1 -nodes -days 2 "
                             "-subj /CN=127.0.0.1 -addext "
                             "subjectAltName=IP:127.0.0.1 -keyout '%s' "
                             "-out '%s'", key, cert);
  if (!g_spawn_command_line_sync (command, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL)) {
    return NULL;
  }
  return g_tls_certificate_new_from_files (cert, key, &error);
}

static gpointer
server_thread (gpointer data)
{
  g_autoptr(SoupServer) soup_server = NULL;
  g_autoptr(SoupServer) tls_server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;

  g_main_context_push_thread_default (server.context);

  soup_server = soup_server_new (NULL, NULL);
  soup_server_add_handler (soup_server, NULL, handle_cb, NULL, NULL);
  server.base_url = listen_url (soup_server, 0);

  certificate = make_certificate ();
  if (certificate != NULL) {
    tls_server = soup_server_new ("tls-certificate", certificate, NULL);
    soup_server_add_handler (tls_server, NULL, handle_cb, NULL, NULL);
    server.tls_url = listen_url (tls_server, SOUP_SERVER_LISTEN_HTTPS);
  }

  g_mutex_lock (&server.lock);
  server.started = TRUE;
  g_cond_signal (&server.ready);
  g_mutex_unlock (&server.lock);

  g_main_loop_run (server.loop);

  g_ptr_array_set_free_func (server.held, release_held);
  g_ptr_array_set_size (server.held, 0);
  soup_server_disconnect (soup_server);
  g_clear_object (&soup_server);
  if (tls_server != NULL) {
    soup_server_disconnect (tls_server);
    g_clear_object (&tls_server);
  }
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

/* gzip of `repeat` copies of `bytes`. */
static GBytes *
gzip (GBytes *bytes,
      gsize   repeat)
{
  g_autoptr(GZlibCompressor) compressor =
    g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  for (gsize i = 0; i < repeat; i++) {
    g_output_stream_write_all (out, data, length, NULL, NULL, &error);
    g_assert_no_error (error);
  }
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (
    G_MEMORY_OUTPUT_STREAM (memory));
}

static void
server_start (void)
{
  g_autoptr(GBytes) zeros = g_bytes_new_take (g_malloc0 (1024 * 1024),
                                              1024 * 1024);

  server.context = g_main_context_new ();
  server.loop = g_main_loop_new (server.context, FALSE);
  server.held = g_ptr_array_new ();
  server.picture = make_picture ();
  server.gzipped = gzip (server.picture, 1);
  server.bomb = gzip (zeros, 2 * DISCERN_FETCH_MAX_BYTES / (1024 * 1024));
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
remove_tls_dir (void)
{
  const char *names[] = { "cert.pem", "key.pem" };

  if (server.tls_dir == NULL) {
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree char *path = g_build_filename (server.tls_dir, names[i], NULL);

    g_remove (path);
  }
  g_rmdir (server.tls_dir);
  g_free (server.tls_dir);
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
  g_bytes_unref (server.gzipped);
  g_bytes_unref (server.bomb);
  g_free (server.base_url);
  g_free (server.tls_url);
  remove_tls_dir ();
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

static void
test_limits (DiscernFetchLimits *limits)
{
  discern_fetch_limits_init (limits);
  limits->connect_timeout_ms = TEST_CONNECT_MS;
  limits->deadline_ms = TEST_DEADLINE_MS;
}

/* Fetches url, expecting an error with this domain and code whose message
 * starts with the URL and contains each of `parts` (NULL-terminated).
 * Returns the time taken in µs. */
static gint64
check_url_fails (SoupSession              *session,
                 const char               *url,
                 const DiscernFetchLimits *limits,
                 GQuark                    domain,
                 int                       code,
                 const char * const       *parts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *display = discern_fetch_display_url (url);
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  bytes = discern_fetch_url_full (session, url, limits, NULL, NULL, NULL,
                                  &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_null (bytes);
  g_test_message ("%s (%" G_GINT64_FORMAT " ms)", error->message,
                  elapsed / 1000);
  g_assert_error (error, domain, code);
  g_assert_true (g_str_has_prefix (error->message, display));
  for (gsize i = 0; parts != NULL && parts[i] != NULL; i++) {
    if (strstr (error->message, parts[i]) == NULL) {
      g_test_fail_printf ("“%s” does not contain “%s”", error->message,
                          parts[i]);
    }
  }
  return elapsed;
}

/* With the default limits, or the short ones of the timeout tests. */
static gint64
check_fetch_fails_with (const char *path,
                        gboolean    short_limits,
                        int         code,
                        const char *part)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *url = url_for (path);
  const char *parts[] = { part, NULL };
  DiscernFetchLimits limits;

  if (short_limits) {
    test_limits (&limits);
  } else {
    discern_fetch_limits_init (&limits);
  }
  return check_url_fails (session, url, &limits, DISCERN_SOURCE_ERROR, code,
                          parts);
}

static gint64
check_fetch_fails (const char *path,
                   int         code,
                   const char *part)
{
  return check_fetch_fails_with (path, FALSE, code, part);
}

/* Successes */

static GBytes *
fetch_ok (const char *url)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  bytes = discern_fetch_url (session, url, NULL, &error);
  g_assert_no_error (error);
  return bytes;
}

static void
check_is_picture (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  g_assert_true (g_bytes_equal (bytes, server.picture));
  image = discern_image_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 40);
  g_assert_cmpint (image->pixels[0], ==, 0x33);
}

static void
check_fetch_gives_picture (const char *path)
{
  g_autofree char *url = url_for (path);
  g_autoptr(GBytes) bytes = fetch_ok (url);

  check_is_picture (bytes);
}

static void
test_picture (void)
{
  check_fetch_gives_picture ("/picture.png");
}

/* The bytes decide, not the Content-Type, nor its absence. */
static void
test_wrong_content_type (void)
{
  check_fetch_gives_picture ("/wrong-type");
  check_fetch_gives_picture ("/no-type");
  check_fetch_gives_picture ("/octet-stream");
}

static void
test_redirect (void)
{
  check_fetch_gives_picture ("/redirect");
}

static void
test_gzip (void)
{
  check_fetch_gives_picture ("/gzip");
}

typedef struct {
  guint   calls;
  goffset received;
  goffset total;
} Progress;

static void
progress_cb (goffset  received,
             goffset  total,
             gpointer user_data)
{
  Progress *progress = user_data;

  g_assert_cmpint (received, >, progress->received);
  progress->calls++;
  progress->received = received;
  progress->total = total;
}

static void
test_progress (void)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *url = url_for ("/picture.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Progress progress = { 0 };

  bytes = discern_fetch_url_full (session, url, NULL, progress_cb, &progress,
                                  NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (progress.calls, >=, 1);
  g_assert_cmpint (progress.received, ==, g_bytes_get_size (server.picture));
  g_assert_cmpint (progress.total, ==, g_bytes_get_size (server.picture));
}

static void
test_user_agent (void)
{
  g_autofree char *url = url_for ("/user-agent");
  g_autoptr(GBytes) bytes = fetch_ok (url);
  const char *expected = "Discern/" PACKAGE_VERSION;

  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected, strlen (expected));
}

/* Text is handed on: the decoder says what it is. */
static void
test_text_body (void)
{
  g_autofree char *url = url_for ("/text");
  g_autoptr(GBytes) bytes = fetch_ok (url);
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  image = discern_image_new_from_bytes (bytes, &error);
  g_assert_null (image);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_IMAGE);
  g_assert_nonnull (strstr (error->message, "text"));
}

/* Web pages and error answers */

static void
test_web_page_ok (void)
{
  const char *login[] = { "web page", "200 OK",
                          "“Sign in & continue \xe2\x80\x94 Example”", NULL };
  const char *soft_404[] = { "web page, not a picture", "200 OK", NULL };
  const char *tricky[] = { "“Badgpj.exe title”", NULL };
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *login_url = url_for ("/login");
  g_autofree char *soft_404_url = url_for ("/soft-404");
  g_autofree char *tricky_url = url_for ("/tricky-title");

  check_url_fails (session, login_url, NULL, DISCERN_SOURCE_ERROR,
                   DISCERN_SOURCE_ERROR_NOT_IMAGE, login);
  check_url_fails (session, soft_404_url, NULL, DISCERN_SOURCE_ERROR,
                   DISCERN_SOURCE_ERROR_NOT_IMAGE, soft_404);
  check_url_fails (session, tricky_url, NULL, DISCERN_SOURCE_ERROR,
                   DISCERN_SOURCE_ERROR_NOT_IMAGE, tricky);
}

static void
test_http_status (void)
{
  check_fetch_fails ("/hotlink", DISCERN_SOURCE_ERROR_HTTP,
                     "403 Forbidden with a web page (“Hotlinking not "
                     "allowed”) instead of the picture");
  check_fetch_fails ("/missing", DISCERN_SOURCE_ERROR_HTTP,
                     "404 Not Found with a web page instead");
  check_fetch_fails ("/broken", DISCERN_SOURCE_ERROR_HTTP,
                     "500 Internal Server Error");
  check_fetch_fails ("/teapot", DISCERN_SOURCE_ERROR_HTTP,
                     "418 Short And Stout");
}

static void
test_redirect_limits (void)
{
  check_fetch_fails ("/redirect-loop", DISCERN_SOURCE_ERROR_HTTP,
                     "elsewhere more than 5 times");
  check_fetch_fails ("/redirect-file", DISCERN_SOURCE_ERROR_BAD_URL,
                     "file:///etc/passwd");
  check_fetch_fails ("/redirect-data", DISCERN_SOURCE_ERROR_BAD_URL,
                     "(data:image/png;base64,…)");
}

/* Bodies that are too large or broken */

static void
test_over_cap_streamed (void)
{
  gint64 elapsed = check_fetch_fails ("/endless",
                                      DISCERN_SOURCE_ERROR_TOO_LARGE,
                                      "too large");

  g_assert_cmpint (elapsed, <, scaled_us (5 * G_USEC_PER_SEC));
}

static void
test_over_cap_declared (void)
{
  gint64 elapsed = check_fetch_fails ("/declared-huge",
                                      DISCERN_SOURCE_ERROR_TOO_LARGE,
                                      "too large");

  g_assert_cmpint (elapsed, <, scaled_us (2 * G_USEC_PER_SEC));
}

/* A small compressed body that unpacks to twice the cap stops at the cap:
 * the check counts bytes after decompression. */
static void
test_gzip_bomb (void)
{
  gint64 elapsed;

  g_test_message ("the bomb is %" G_GSIZE_FORMAT " bytes",
                  g_bytes_get_size (server.bomb));
  elapsed = check_fetch_fails ("/gzip-bomb", DISCERN_SOURCE_ERROR_TOO_LARGE,
                               "too large");
  g_assert_cmpint (elapsed, <, scaled_us (5 * G_USEC_PER_SEC));
}

static void
test_truncated (void)
{
  check_fetch_fails ("/truncated", DISCERN_SOURCE_ERROR_NETWORK,
                     "cut short");
  check_fetch_fails ("/truncated-chunked", DISCERN_SOURCE_ERROR_NETWORK,
                     "cut short");
  check_fetch_fails ("/truncated-gzip", DISCERN_SOURCE_ERROR_NETWORK,
                     "cut short");
}

/* Servers that never connect, never answer or never finish */

static void
test_connection_refused (void)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  const char *parts[] = { "refused", NULL };

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

  check_url_fails (session, url, NULL, DISCERN_SOURCE_ERROR,
                   DISCERN_SOURCE_ERROR_NETWORK, parts);
}

/* Headers that never come: the connect timeout. */
static void
test_connect_timeout (void)
{
  gint64 elapsed = check_fetch_fails_with ("/stall-headers", TRUE,
                                           DISCERN_SOURCE_ERROR_NETWORK,
                                           "did not answer within 0.5 "
                                           "seconds");

  g_assert_cmpint (elapsed, >=, TEST_CONNECT_MS * 1000 - 50 * 1000);
  g_assert_cmpint (elapsed, <,
                   TEST_CONNECT_MS * 1000 + scaled_us (SLACK_US));
}

/* A body that stops coming: the session's idle timeout. */
static void
test_idle_timeout (void)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *url = url_for ("/stall-body");
  const char *parts[] = { "stopped sending", NULL };
  DiscernFetchLimits limits;
  gint64 elapsed;

  discern_fetch_limits_init (&limits);
  g_object_set (session, "timeout", 1, NULL);
  elapsed = check_url_fails (session, url, &limits, DISCERN_SOURCE_ERROR,
                             DISCERN_SOURCE_ERROR_NETWORK, parts);
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC + scaled_us (SLACK_US));
}

/* One byte every 20 ms never leaves the connection idle; the deadline
 * still ends the download. */
static void
test_trickle_deadline (void)
{
  gint64 elapsed = check_fetch_fails_with ("/trickle", TRUE,
                                           DISCERN_SOURCE_ERROR_NETWORK,
                                           "stopped after 1 second");

  g_assert_cmpint (elapsed, >=, TEST_DEADLINE_MS * 1000 - 50 * 1000);
  g_assert_cmpint (elapsed, <,
                   TEST_DEADLINE_MS * 1000 + scaled_us (SLACK_US));
}

/* A certificate that no authority signed is refused: verification is on. */
static void
test_tls_untrusted (void)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *url = NULL;
  const char *parts[] = { "secure connection", NULL };
  DiscernFetchLimits limits;

  if (server.tls_url == NULL) {
    g_test_skip ("openssl could not make a test certificate");
    return;
  }
  url = g_strconcat (server.tls_url, "/picture.png", NULL);
  discern_fetch_limits_init (&limits);
  check_url_fails (session, url, &limits, DISCERN_SOURCE_ERROR,
                   DISCERN_SOURCE_ERROR_NETWORK, parts);
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
  g_assert_cmpint (elapsed, <, scaled_us (2 * G_USEC_PER_SEC));
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

static void
test_cancelled_before (void)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = url_for ("/picture.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_cancellable_cancel (cancellable);
  bytes = discern_fetch_url (session, url, cancellable, &error);
  g_assert_null (bytes);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Which links are opened, and why the others are not */

static const struct {
  const char *text;
  gboolean is_url;      /* http or https with a host */
  gboolean opened;      /* discern_fetch_check_url() */
  const char *reason;   /* part of the refusal */
} url_cases[] = {
  { "http://example.org/cat.jpg", TRUE, TRUE, NULL },
  { "https://example.org/cat.jpg?size=large#top", TRUE, TRUE, NULL },
  { "HTTPS://EXAMPLE.ORG/CAT.JPG", TRUE, TRUE, NULL },
  { "http://user:secret@example.org/cat.jpg", TRUE, TRUE, NULL },
  { "data:image/png;base64,iVBORw0KGgo=", FALSE, TRUE, NULL },
  { "DATA:,hello", FALSE, TRUE, NULL },
  { "ftp://example.org/cat.jpg", FALSE, FALSE, "“ftp:”" },
  { "file:///home/me/cat.jpg", FALSE, FALSE, "“file:”" },
  { "javascript:alert(1)", FALSE, FALSE, "“javascript:”" },
  { "blob:https://example.org/1234", FALSE, FALSE, "“blob:”" },
  { "http://", FALSE, FALSE, "no server" },
  { "http:///cat.jpg", FALSE, FALSE, "no server" },
  { "http://[::1/cat.jpg", FALSE, FALSE, "malformed" },
  { "https://example.org:99999/cat.jpg", FALSE, FALSE, "malformed" },
  { "/home/me/cat.jpg", FALSE, FALSE, "not a link" },
  { "cat.jpg", FALSE, FALSE, "not a link" },
  { "", FALSE, FALSE, "not a link" },
};

static void
test_is_url (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (url_cases); i++) {
    g_autoptr(GError) error = NULL;
    gboolean opened;

    opened = discern_fetch_check_url (url_cases[i].text, &error);
    g_test_message ("“%s”: %s", url_cases[i].text,
                    error != NULL ? error->message : "opened");
    g_assert_cmpint (discern_fetch_is_url (url_cases[i].text), ==,
                     url_cases[i].is_url);
    g_assert_cmpint (opened, ==, url_cases[i].opened);
    if (!opened) {
      g_assert_error (error, DISCERN_SOURCE_ERROR,
                      DISCERN_SOURCE_ERROR_BAD_URL);
      g_assert_nonnull (strstr (error->message, url_cases[i].reason));
    }
  }
}

/* Anything else is refused without touching the network. */
static void
test_bad_url (void)
{
  g_autoptr(SoupSession) session = session_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (url_cases); i++) {
    const char *parts[] = { url_cases[i].reason, NULL };

    if (url_cases[i].opened) {
      continue;
    }
    check_url_fails (session, url_cases[i].text, NULL, DISCERN_SOURCE_ERROR,
                     DISCERN_SOURCE_ERROR_BAD_URL, parts);
  }
}

static void
test_display_url (void)
{
  static const struct {
    const char *url;
    const char *shown;
  } cases[] = {
    { "http://user:secret@example.org/cat.jpg",
      "http://user@example.org/cat.jpg" },
    { "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB",
      "data:image/png;base64,…" },
    { "data:image/svg+xml;utf8,<svg/>", "data:image/svg+xml;utf8,…" },
    { "data:\x01;base64,AAAA", "data:…" },
    { "not a url", "not a url" },
    /* Found by fuzz-url: GLib parses this into a GUri with no host and a
     * path starting "//", then refuses to turn it back into a string. */
    { "datay:ge/..//png;base64,hki", "datay:ge/..//png;base64,hki" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *shown = discern_fetch_display_url (cases[i].url);

    g_assert_cmpstr (shown, ==, cases[i].shown);
  }
}

/* data: URLs are decoded here, under the same limits */

static char *
picture_data_url (gboolean escape)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (server.picture, &length);
  g_autofree char *base64 = g_base64_encode (data, length);
  g_autoptr(GString) url = g_string_new ("data:image/png;base64,");

  for (const char *p = base64; *p != '\0'; p++) {
    if (escape && (*p == '+' || *p == '/' || *p == '=')) {
      g_string_append_printf (url, "%%%02X", *p);
    } else {
      g_string_append_c (url, *p);
    }
    /* Wrapped as a mail or a text editor would wrap it. */
    if (escape && (p - base64) % 60 == 59) {
      g_string_append (url, "\r\n");
    }
  }
  return g_string_free (g_steal_pointer (&url), FALSE);
}

static void
test_data_url_picture (void)
{
  g_autofree char *plain = picture_data_url (FALSE);
  g_autofree char *escaped = picture_data_url (TRUE);
  g_autoptr(GString) percent = g_string_new ("data:,");
  g_autoptr(GBytes) from_plain = fetch_ok (plain);
  g_autoptr(GBytes) from_escaped = fetch_ok (escaped);
  g_autoptr(GBytes) from_percent = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (server.picture, &length);

  for (gsize i = 0; i < length; i++) {
    g_string_append_printf (percent, "%%%02x", data[i]);
  }
  from_percent = fetch_ok (percent->str);

  check_is_picture (from_plain);
  check_is_picture (from_escaped);
  check_is_picture (from_percent);
}

static void
test_data_url_limits (void)
{
  g_autoptr(SoupSession) session = session_new ();
  g_autofree char *url = picture_data_url (FALSE);
  const char *too_large[] = { "too much data", NULL };
  DiscernFetchLimits limits;
  g_autoptr(GString) huge = g_string_new ("data:;base64,");

  discern_fetch_limits_init (&limits);
  limits.max_bytes = g_bytes_get_size (server.picture) - 1;
  check_url_fails (session, url, &limits, DISCERN_SOURCE_ERROR,
                   DISCERN_SOURCE_ERROR_TOO_LARGE, too_large);

  /* Refused from its length alone, before any decoding. */
  limits.max_bytes = 1000;
  for (int i = 0; i < 1001; i++) {
    g_string_append (huge, "AAAA");
  }
  check_url_fails (session, huge->str, &limits, DISCERN_SOURCE_ERROR,
                   DISCERN_SOURCE_ERROR_TOO_LARGE, too_large);
}

/* The decoder on its own: what is accepted and what is refused. */
static const struct {
  const char *url;
  const char *decoded;   /* NULL: refused */
  int code;
} data_cases[] = {
  { "data:,hello", "hello", 0 },
  { "data:text/plain;charset=utf-8,caf%C3%A9", "café", 0 },
  { "data:;base64,aGVsbG8=", "hello", 0 },
  { "data:;BASE64,aGVsbG8", "hello", 0 },
  { "data:;base64,aGVs bG8=\n", "hello", 0 },
  { "data:;base64,aGVsbG8%3D", "hello", 0 },
  { "data:;base64,-_-_", "\xfb\xff\xbf", 0 },
  { "data:;base64,aGVsbG8h", "hello!", 0 },
  { "data:;base64,YQ==", "a", 0 },
  { "data:image/png;base64", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:;base64,aGVsbG8*", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:;base64,aGVsb", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:;base64,YQ=", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:;base64,YQ===", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:;base64,YQ==YQ==", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:,100%", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:,%4", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:,%zz", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
  { "data:,", NULL, DISCERN_SOURCE_ERROR_NOT_IMAGE },
  { "data:;base64,", NULL, DISCERN_SOURCE_ERROR_NOT_IMAGE },
  { "http://example.org/", NULL, DISCERN_SOURCE_ERROR_BAD_URL },
};

static void
test_data_url_decode (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (data_cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = NULL;

    bytes = discern_data_url_decode (data_cases[i].url, 1024, &error);
    g_test_message ("“%s”: %s", data_cases[i].url,
                    error != NULL ? error->message : "decoded");
    if (data_cases[i].decoded == NULL) {
      g_assert_null (bytes);
      g_assert_error (error, DISCERN_SOURCE_ERROR, data_cases[i].code);
      continue;
    }
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                     data_cases[i].decoded, strlen (data_cases[i].decoded));
  }
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
  g_test_add_func ("/sources/fetch/gzip", test_gzip);
  g_test_add_func ("/sources/fetch/progress", test_progress);
  g_test_add_func ("/sources/fetch/user-agent", test_user_agent);
  g_test_add_func ("/sources/fetch/text-body", test_text_body);
  g_test_add_func ("/sources/fetch/web-page-ok", test_web_page_ok);
  g_test_add_func ("/sources/fetch/http-status", test_http_status);
  g_test_add_func ("/sources/fetch/redirect-limits", test_redirect_limits);
  g_test_add_func ("/sources/fetch/over-cap-streamed", test_over_cap_streamed);
  g_test_add_func ("/sources/fetch/over-cap-declared", test_over_cap_declared);
  g_test_add_func ("/sources/fetch/gzip-bomb", test_gzip_bomb);
  g_test_add_func ("/sources/fetch/truncated", test_truncated);
  g_test_add_func ("/sources/fetch/connection-refused",
                   test_connection_refused);
  g_test_add_func ("/sources/fetch/connect-timeout", test_connect_timeout);
  g_test_add_func ("/sources/fetch/idle-timeout", test_idle_timeout);
  g_test_add_func ("/sources/fetch/trickle-deadline", test_trickle_deadline);
  g_test_add_func ("/sources/fetch/tls-untrusted", test_tls_untrusted);
  g_test_add_func ("/sources/fetch/cancel-stalled-headers",
                   test_cancel_stalled_headers);
  g_test_add_func ("/sources/fetch/cancel-stalled-body",
                   test_cancel_stalled_body);
  g_test_add_func ("/sources/fetch/cancelled-before", test_cancelled_before);
  g_test_add_func ("/sources/fetch/is-url", test_is_url);
  g_test_add_func ("/sources/fetch/bad-url", test_bad_url);
  g_test_add_func ("/sources/fetch/display-url", test_display_url);
  g_test_add_func ("/sources/fetch/data-url/picture", test_data_url_picture);
  g_test_add_func ("/sources/fetch/data-url/limits", test_data_url_limits);
  g_test_add_func ("/sources/fetch/data-url/decode", test_data_url_decode);

  server_start ();
  status = g_test_run ();
  server_stop ();
  return status;
}

/* test-model-download.c: fetching the model files from a real HTTP server
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on a random loopback port runs in its own thread and
 * serves a small fake model whose hashes the tests declare to be Keras'.
 * The first part of a URL's path chooses how the server misbehaves:
 * http://127.0.0.1:PORT/<behaviour>/<file name>.
 */

#include <glib/gstdio.h>
#include <string.h>

#include "discern-model-download.h"
#include "discern-model-private.h"
#include "discern-source-error.h"

#define WEIGHTS_SIZE   (600 * 1024)
#define LABELS_TEXT    "{\"0\": [\"n01440764\", \"tench\"], \"1\": [\"n01443537\", \"goldfish\"]}"
#define DROP_AFTER     (200 * 1024)
#define RUN_LIMIT_S    20

/* Every test starts with empty home, data, cache and config folders. GLib
 * reads them once, so they point into one temporary folder from the start
 * and are emptied before each test; G_TEST_OPTION_ISOLATE_DIRS would do the
 * same, but leaks in GLib 2.74, which the sanitizer build reports. */

static char *test_root;

static const char * const test_dir_names[] = { "home", "data", "cache", "config" };
static const char * const test_dir_vars[] = {
  "HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"
};

typedef struct {
  GTestFunc     plain;
  GTestDataFunc with_data;
  gconstpointer data;
} TestCase;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR)
          && !g_file_test (child, G_FILE_TEST_IS_SYMLINK)) {
        remove_tree (child);
      } else {
        g_unlink (child);
      }
    }
    g_dir_close (dir);
  }
  g_rmdir (path);
}

static void
test_dirs_init (void)
{
  g_autoptr(GError) error = NULL;

  test_root = g_dir_make_tmp ("discern-test-XXXXXX", &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (test_dir_names); i++) {
    g_autofree char *dir = g_build_filename (test_root, test_dir_names[i], NULL);

    g_setenv (test_dir_vars[i], dir, TRUE);
  }
}

static void
run_test_case (gconstpointer data)
{
  const TestCase *test_case = data;

  for (gsize i = 0; i < G_N_ELEMENTS (test_dir_names); i++) {
    g_autofree char *dir = g_build_filename (test_root, test_dir_names[i], NULL);

    remove_tree (dir);
    g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  }

  if (test_case->plain != NULL) {
    test_case->plain ();
  } else {
    test_case->with_data (test_case->data);
  }
}

static void
add_test (const char *path,
          GTestFunc   func)
{
  TestCase *test_case = g_new0 (TestCase, 1);

  test_case->plain = func;
  g_test_add_data_func_full (path, test_case, run_test_case, g_free);
}

static void
add_data_test (const char    *path,
               gconstpointer  data,
               GTestDataFunc  func)
{
  TestCase *test_case = g_new0 (TestCase, 1);

  test_case->with_data = func;
  test_case->data = data;
  g_test_add_data_func_full (path, test_case, run_test_case, g_free);
}

typedef struct {
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *base;       /* http://127.0.0.1:PORT */

  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GPtrArray    *requests;   /* "PATH RANGE" per request, RANGE "-" when none */
  gboolean      dropped;
  GPtrArray    *held;       /* messages left hanging until the end */
} TestServer;

static TestServer server;
static SoupSession *session;
static GBytes *weights_bytes;
static GBytes *labels_bytes;
static char *weights_md5;
static char *labels_md5;

static GBytes *
contents_for (const char *name)
{
  if (g_strcmp0 (name, DISCERN_WEIGHTS_FILE_NAME) == 0) {
    return weights_bytes;
  }
  if (g_strcmp0 (name, DISCERN_LABELS_FILE_NAME) == 0) {
    return labels_bytes;
  }
  return NULL;
}

static void
record_request (const char        *path,
                SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *range = soup_message_headers_get_one (headers, "Range");

  g_mutex_lock (&server.lock);
  g_ptr_array_add (server.requests, g_strdup_printf ("%s %s", path, range ? range : "-"));
  g_mutex_unlock (&server.lock);
}

static void
hold (SoupServerMessage *msg)
{
  g_mutex_lock (&server.lock);
  g_ptr_array_add (server.held, g_object_ref (msg));
  g_mutex_unlock (&server.lock);
}

/* The whole file, or from the start of a "bytes=N-" range as 206. */
static void
serve_good (SoupServerMessage *msg,
            GBytes            *contents,
            gboolean           honour_range)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  gsize size = g_bytes_get_size (contents);
  const guint8 *data = g_bytes_get_data (contents, NULL);
  SoupRange *ranges = NULL;
  int n_ranges;

  if (honour_range && soup_message_headers_get_ranges (request, size, &ranges, &n_ranges)) {
    goffset start = ranges[0].start;

    soup_message_headers_free_ranges (request, ranges);
    soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
    soup_message_headers_set_content_range (response, start, size - 1, size);
    soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                      (const char *) data + start, size - start);
    return;
  }

  /* Without the header libsoup cannot answer the range on our behalf. */
  soup_message_headers_remove (request, "Range");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    (const char *) data, size);
}

static void
drop_connection_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

/* Announces the whole file, sends `part` bytes and then nothing more;
 * with `drop`, the connection is shut once they are written. */
static void
serve_partial (SoupServerMessage *msg,
               GBytes            *contents,
               gsize              part,
               gboolean           drop)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_length (response, g_bytes_get_size (contents));
  soup_message_body_append (body, SOUP_MEMORY_COPY, g_bytes_get_data (contents, NULL), part);
  if (drop) {
    g_signal_connect (msg, "wrote-chunk", G_CALLBACK (drop_connection_cb), NULL);
  }
  hold (msg);
}

/* Chunked, so nothing announces the length, and 4 KiB too long. */
static void
serve_too_long (SoupServerMessage *msg,
                GBytes            *contents)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autofree guint8 *extra = g_malloc0 (4096);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (response, SOUP_ENCODING_CHUNKED);
  soup_message_body_append_bytes (body, contents);
  soup_message_body_append (body, SOUP_MEMORY_COPY, extra, 4096);
  soup_message_body_complete (body);
}

static void
serve_big_length (SoupServerMessage *msg,
                  GBytes            *contents)
{
  gsize size = g_bytes_get_size (contents) + 1000;
  g_autofree guint8 *data = g_malloc0 (size);

  memcpy (data, g_bytes_get_data (contents, NULL), g_bytes_get_size (contents));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    (const char *) data, size);
}

static void
serve_wrong (SoupServerMessage *msg,
             GBytes            *contents)
{
  gsize size = g_bytes_get_size (contents);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (contents, NULL), size);

  data[size / 3] ^= 0x40;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    (const char *) data, size);
}

static void
handle_cb (SoupServer        *soup_server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  g_auto(GStrv) parts = g_strsplit (path + 1, "/", 2);
  const char *behaviour = parts[0];
  GBytes *contents = parts[1] != NULL ? contents_for (parts[1]) : NULL;
  gboolean first_drop;

  record_request (path, msg);
  if (contents == NULL || g_str_equal (behaviour, "404")) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }

  if (g_str_equal (behaviour, "good")) {
    serve_good (msg, contents, TRUE);
  } else if (g_str_equal (behaviour, "norange")) {
    serve_good (msg, contents, FALSE);
  } else if (g_str_equal (behaviour, "drop")) {
    g_mutex_lock (&server.lock);
    first_drop = !server.dropped && contents == weights_bytes;
    server.dropped = server.dropped || first_drop;
    g_mutex_unlock (&server.lock);
    if (first_drop) {
      serve_partial (msg, contents, DROP_AFTER, TRUE);
    } else {
      serve_good (msg, contents, TRUE);
    }
  } else if (g_str_equal (behaviour, "500")) {
    soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
  } else if (g_str_equal (behaviour, "redirect")) {
    g_autofree char *target = g_strdup_printf ("/good/%s", parts[1]);

    soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, target);
  } else if (g_str_equal (behaviour, "wrong")) {
    serve_wrong (msg, contents);
  } else if (g_str_equal (behaviour, "stall-headers")) {
    soup_server_message_pause (msg);
    hold (msg);
  } else if (g_str_equal (behaviour, "stall-body")) {
    serve_partial (msg, contents, DROP_AFTER, FALSE);
  } else if (g_str_equal (behaviour, "too-long")) {
    serve_too_long (msg, contents);
  } else if (g_str_equal (behaviour, "big-length")) {
    serve_big_length (msg, contents);
  } else {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  }
}

static gpointer
server_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  g_main_context_push_thread_default (server.context);
  server.server = soup_server_new ("server-header", "discern-test ", NULL);
  soup_server_add_handler (server.server, NULL, handle_cb, NULL, NULL);
  soup_server_listen_local (server.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server.server);
  g_assert_nonnull (uris);

  g_mutex_lock (&server.lock);
  server.base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  server.ready = TRUE;
  g_cond_signal (&server.cond);
  g_mutex_unlock (&server.lock);

  g_main_loop_run (server.loop);

  soup_server_disconnect (server.server);
  g_ptr_array_set_size (server.held, 0);
  g_clear_object (&server.server);
  g_main_context_pop_thread_default (server.context);
  return NULL;
}

static void
server_start (void)
{
  g_mutex_init (&server.lock);
  g_cond_init (&server.cond);
  server.requests = g_ptr_array_new_with_free_func (g_free);
  server.held = g_ptr_array_new_with_free_func (g_object_unref);
  server.context = g_main_context_new ();
  server.loop = g_main_loop_new (server.context, FALSE);
  server.thread = g_thread_new ("test-server", server_thread, NULL);

  g_mutex_lock (&server.lock);
  while (!server.ready) {
    g_cond_wait (&server.cond, &server.lock);
  }
  g_mutex_unlock (&server.lock);
}

static gboolean
quit_server_cb (gpointer data)
{
  g_main_loop_quit (server.loop);
  return G_SOURCE_REMOVE;
}

static void
server_stop (void)
{
  g_main_context_invoke (server.context, quit_server_cb, NULL);
  g_thread_join (server.thread);
  g_main_loop_unref (server.loop);
  g_main_context_unref (server.context);
  g_ptr_array_unref (server.requests);
  g_ptr_array_unref (server.held);
  g_free (server.base);
}

/* The requests seen so far, each "PATH RANGE"; the caller frees. */
static GPtrArray *
take_requests (void)
{
  GPtrArray *requests = g_ptr_array_new_with_free_func (g_free);

  g_mutex_lock (&server.lock);
  for (guint i = 0; i < server.requests->len; i++) {
    g_ptr_array_add (requests, g_strdup (server.requests->pdata[i]));
  }
  g_ptr_array_set_size (server.requests, 0);
  server.dropped = FALSE;
  g_mutex_unlock (&server.lock);
  return requests;
}

/* One download driven to its end on this thread's main context. */
typedef struct {
  GAsyncResult *result;
  GArray       *received;       /* goffset per progress call */
  goffset       total;
  GCancellable *cancellable;
  guint         cancel_after_ms; /* after the first progress call; 0: never */
  gboolean      too_slow;
} Run;

static void
run_clear (Run *run)
{
  g_clear_object (&run->result);
  g_clear_pointer (&run->received, g_array_unref);
  g_clear_object (&run->cancellable);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
progress_cb (const DiscernModelProgress *progress,
             gpointer                    user_data)
{
  Run *run = user_data;

  g_assert_nonnull (progress->url);
  if (run->received->len == 0 && run->cancel_after_ms > 0) {
    g_timeout_add_full (G_PRIORITY_DEFAULT, run->cancel_after_ms, cancel_cb,
                        g_object_ref (run->cancellable), g_object_unref);
  }
  g_array_append_val (run->received, progress->received);
  run->total = progress->total;
}

static void
download_done_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Run *run = user_data;

  run->result = g_object_ref (result);
}

static void
result_cb (GObject      *source_object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
too_slow_cb (gpointer user_data)
{
  Run *run = user_data;

  run->too_slow = TRUE;
  return G_SOURCE_REMOVE;
}

/* Downloads `needs` from BASE/<behaviour> into the default folder;
 * returns whether it succeeded, `error` says why not. */
static gboolean
run_download (Run                *run,
              const char         *behaviour,
              DiscernModelNeeds   needs,
              GError            **error)
{
  g_autofree char *mirror = g_strdup_printf ("%s/%s", server.base, behaviour);
  guint guard;

  run->received = g_array_new (FALSE, FALSE, sizeof (goffset));
  run->cancellable = g_cancellable_new ();
  run->total = -2;

  guard = g_timeout_add_seconds (RUN_LIMIT_S, too_slow_cb, run);
  discern_model_download_async (session, needs, NULL, mirror, progress_cb, run,
                                run->cancellable, download_done_cb, run);
  while (run->result == NULL && !run->too_slow) {
    g_main_context_iteration (NULL, TRUE);
  }
  g_assert_false (run->too_slow);
  g_source_remove (guard);

  return discern_model_download_finish (run->result, error);
}

static char *
dest_path (const char *name)
{
  g_autofree char *dir = discern_model_files_get_default_dir ();

  return g_build_filename (dir, name, NULL);
}

static char *
part_path (const char *name)
{
  g_autofree char *dest = dest_path (name);

  return g_strconcat (dest, ".part", NULL);
}

static void
assert_file_is (const char *name,
                GBytes     *expected)
{
  g_autofree char *path = dest_path (name);
  g_autofree char *part = part_path (name);
  g_autofree char *data = NULL;
  gsize size;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &data, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (data, size, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

static void
assert_absent (const char *name)
{
  g_autofree char *path = dest_path (name);

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static goffset
file_size (const char *path)
{
  GStatBuf stat_buf;

  return g_stat (path, &stat_buf) == 0 ? stat_buf.st_size : -1;
}

static void
write_part (const char    *name,
            gconstpointer  data,
            gsize          size)
{
  g_autofree char *dir = discern_model_files_get_default_dir ();
  g_autofree char *part = part_path (name);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (part, data, size, &error);
  g_assert_no_error (error);
}

static void
assert_progress_sane (const Run *run,
                      goffset    first,
                      goffset    last)
{
  const goffset *received = (const goffset *) run->received->data;

  g_assert_cmpuint (run->received->len, >=, 2);
  g_assert_cmpint (received[0], ==, first);
  for (guint i = 1; i < run->received->len; i++) {
    g_assert_cmpint (received[i], >=, received[i - 1]);
  }
  g_assert_cmpint (received[run->received->len - 1], ==, last);
  g_assert_cmpint (run->total, ==, last);
}

static void
test_complete (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autoptr(DiscernModelFiles) files = NULL;
  goffset total = WEIGHTS_SIZE + g_bytes_get_size (labels_bytes);
  guint hashed;

  g_ptr_array_unref (take_requests ());
  g_assert_true (run_download (&run, "good", DISCERN_MODEL_NEEDS_ALL, &error));
  g_assert_no_error (error);
  assert_file_is (DISCERN_WEIGHTS_FILE_NAME, weights_bytes);
  assert_file_is (DISCERN_LABELS_FILE_NAME, labels_bytes);
  assert_progress_sane (&run, 0, total);

  requests = take_requests ();
  g_assert_cmpuint (requests->len, ==, 2);
  g_assert_cmpstr (requests->pdata[0], ==, "/good/" DISCERN_WEIGHTS_FILE_NAME " -");
  g_assert_cmpstr (requests->pdata[1], ==, "/good/" DISCERN_LABELS_FILE_NAME " -");

  /* The download remembered both as verified: checking reads nothing. */
  hashed = _discern_model_get_hash_count_for_tests ();
  files = discern_model_files_check (NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (files->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpint (files->labels.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpint (discern_model_files_get_needs (files), ==, 0);
  g_assert_cmpuint (_discern_model_get_hash_count_for_tests (), ==, hashed);
}

/* A file already verified in the folder is not fetched again. */
static void
test_already_there (void)
{
  g_auto(Run) first = { 0 };
  g_auto(Run) second = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = NULL;

  g_assert_true (run_download (&first, "good", DISCERN_MODEL_NEEDS_LABELS, &error));
  g_assert_no_error (error);
  g_ptr_array_unref (take_requests ());
  g_assert_true (run_download (&second, "good", DISCERN_MODEL_NEEDS_ALL, &error));
  g_assert_no_error (error);
  requests = take_requests ();
  g_assert_cmpuint (requests->len, ==, 1);
  g_assert_cmpstr (requests->pdata[0], ==, "/good/" DISCERN_WEIGHTS_FILE_NAME " -");
  assert_file_is (DISCERN_WEIGHTS_FILE_NAME, weights_bytes);
}

/* The connection breaks off mid-body: the part stays; the next attempt
 * asks for the rest with Range and ends verified. */
static void
test_resume (void)
{
  g_auto(Run) broken = { 0 };
  g_auto(Run) resumed = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autofree char *part = part_path (DISCERN_WEIGHTS_FILE_NAME);
  g_autofree char *expected_range = NULL;
  goffset kept;

  g_ptr_array_unref (take_requests ());
  g_assert_false (run_download (&broken, "drop", DISCERN_MODEL_NEEDS_WEIGHTS, &error));
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, server.base));
  g_clear_error (&error);
  assert_absent (DISCERN_WEIGHTS_FILE_NAME);
  kept = file_size (part);
  g_assert_cmpint (kept, >, 0);
  g_assert_cmpint (kept, <=, DROP_AFTER);
  g_assert_cmpint (discern_model_download_get_partial_size (DISCERN_MODEL_NEEDS_ALL, NULL),
                   ==, kept);
  g_assert_cmpint (discern_model_download_get_partial_size (DISCERN_MODEL_NEEDS_LABELS,
                                                            NULL), ==, 0);

  g_assert_true (run_download (&resumed, "drop", DISCERN_MODEL_NEEDS_WEIGHTS, &error));
  g_assert_no_error (error);
  assert_file_is (DISCERN_WEIGHTS_FILE_NAME, weights_bytes);
  assert_progress_sane (&resumed, kept, WEIGHTS_SIZE);

  requests = take_requests ();
  g_assert_cmpuint (requests->len, ==, 2);
  g_assert_cmpstr (requests->pdata[0], ==, "/drop/" DISCERN_WEIGHTS_FILE_NAME " -");
  expected_range = g_strdup_printf ("/drop/%s bytes=%" G_GOFFSET_FORMAT "-",
                                    DISCERN_WEIGHTS_FILE_NAME, kept);
  g_assert_cmpstr (requests->pdata[1], ==, expected_range);
}

/* A server that ignores Range sends the whole file with 200: the part
 * starts over instead of growing a wrong file. */
static void
test_range_ignored (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autofree guint8 *stale = g_malloc (1000);

  memset (stale, 0xee, 1000);
  write_part (DISCERN_WEIGHTS_FILE_NAME, stale, 1000);
  g_ptr_array_unref (take_requests ());
  g_assert_true (run_download (&run, "norange", DISCERN_MODEL_NEEDS_WEIGHTS, &error));
  g_assert_no_error (error);
  assert_file_is (DISCERN_WEIGHTS_FILE_NAME, weights_bytes);

  requests = take_requests ();
  g_assert_cmpuint (requests->len, ==, 1);
  g_assert_cmpstr (requests->pdata[0], ==,
                   "/norange/" DISCERN_WEIGHTS_FILE_NAME " bytes=1000-");
}

/* A part that is already whole only needs verifying. */
static void
test_part_complete (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = NULL;

  write_part (DISCERN_WEIGHTS_FILE_NAME, g_bytes_get_data (weights_bytes, NULL), WEIGHTS_SIZE);
  g_ptr_array_unref (take_requests ());
  g_assert_true (run_download (&run, "good", DISCERN_MODEL_NEEDS_WEIGHTS, &error));
  g_assert_no_error (error);
  assert_file_is (DISCERN_WEIGHTS_FILE_NAME, weights_bytes);
  requests = take_requests ();
  g_assert_cmpuint (requests->len, ==, 0);
}

typedef struct {
  const char *path;
  const char *behaviour;
  int         code;
  const char *message_part;
  gboolean    part_kept;
} FailureCase;

static const FailureCase failure_cases[] = {
  { "/sources/model-download/http-404", "404", DISCERN_SOURCE_ERROR_HTTP, "HTTP 404",
    FALSE },
  { "/sources/model-download/http-500", "500", DISCERN_SOURCE_ERROR_HTTP, "HTTP 500",
    FALSE },
  { "/sources/model-download/wrong-checksum", "wrong", DISCERN_SOURCE_ERROR_CHECKSUM,
    "checksum", FALSE },
  { "/sources/model-download/longer-than-file", "too-long",
    DISCERN_SOURCE_ERROR_TOO_LARGE, "more than", FALSE },
  { "/sources/model-download/announced-too-long", "big-length",
    DISCERN_SOURCE_ERROR_TOO_LARGE, "announced", FALSE },
};

static void
test_failure (gconstpointer data)
{
  const FailureCase *failure = data;
  g_auto(Run) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *part = part_path (DISCERN_WEIGHTS_FILE_NAME);
  g_autofree char *url = g_strdup_printf ("%s/%s/%s", server.base, failure->behaviour,
                                          DISCERN_WEIGHTS_FILE_NAME);

  g_assert_false (run_download (&run, failure->behaviour, DISCERN_MODEL_NEEDS_ALL, &error));
  g_assert_error (error, DISCERN_SOURCE_ERROR, failure->code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, url));
  g_assert_nonnull (strstr (error->message, failure->message_part));
  g_assert_null (strchr (error->message, '\n'));

  assert_absent (DISCERN_WEIGHTS_FILE_NAME);
  assert_absent (DISCERN_LABELS_FILE_NAME);
  g_assert_cmpint (g_file_test (part, G_FILE_TEST_EXISTS), ==, failure->part_kept);
}

static void
test_redirect (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = NULL;

  g_ptr_array_unref (take_requests ());
  g_assert_true (run_download (&run, "redirect", DISCERN_MODEL_NEEDS_LABELS, &error));
  g_assert_no_error (error);
  assert_file_is (DISCERN_LABELS_FILE_NAME, labels_bytes);
  requests = take_requests ();
  g_assert_cmpuint (requests->len, ==, 2);
  g_assert_cmpstr (requests->pdata[0], ==, "/redirect/" DISCERN_LABELS_FILE_NAME " -");
  g_assert_cmpstr (requests->pdata[1], ==, "/good/" DISCERN_LABELS_FILE_NAME " -");
}

/* The server sends part of the body and then nothing: Cancel ends the
 * download at once, and keeps the part for the next attempt. */
static void
test_stall_cancelled (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *part = part_path (DISCERN_WEIGHTS_FILE_NAME);
  gint64 start = g_get_monotonic_time ();

  run.cancel_after_ms = 300;
  g_assert_false (run_download (&run, "stall-body", DISCERN_MODEL_NEEDS_WEIGHTS, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "cancelled"));
  g_assert_nonnull (strstr (error->message, server.base));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  assert_absent (DISCERN_WEIGHTS_FILE_NAME);
  g_assert_cmpint (file_size (part), >, 0);
  g_assert_cmpint (file_size (part), <=, DROP_AFTER);
}

/* Without Cancel, the idle timeout ends a stall, before the headers or in
 * the body. */
static void
test_stall_timeout (gconstpointer data)
{
  const char *behaviour = data;
  g_auto(Run) run = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  _discern_model_set_idle_timeout_for_tests (700);
  g_assert_false (run_download (&run, behaviour, DISCERN_MODEL_NEEDS_WEIGHTS, &error));
  _discern_model_set_idle_timeout_for_tests (0);
  elapsed = g_get_monotonic_time () - start;

  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "no data"));
  g_assert_cmpint (elapsed, >=, 600 * 1000);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);
  assert_absent (DISCERN_WEIGHTS_FILE_NAME);
}

/* Nothing listens on the port: offline, in one sentence. */
static void
test_unreachable (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *mirror = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  /* Bind a port and let it go, so that nobody answers there. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any_port, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  mirror = g_strdup_printf ("http://127.0.0.1:%u/models",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  discern_model_download_async (NULL, DISCERN_MODEL_NEEDS_LABELS, NULL, mirror, NULL, NULL,
                                NULL, result_cb, &result);
  while (result == NULL) {
    g_main_context_iteration (NULL, TRUE);
  }
  g_assert_false (discern_model_download_finish (result, &error));
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, mirror));
  assert_absent (DISCERN_LABELS_FILE_NAME);
}

/* Not enough room: refused before anything is fetched, saying how much
 * is needed. */
static void
test_no_space (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = NULL;

  g_ptr_array_unref (take_requests ());
  _discern_model_set_expected_for_tests (DISCERN_MODEL_WEIGHTS, weights_md5,
                                         G_GINT64_CONSTANT (1) << 60);
  g_assert_false (run_download (&run, "good", DISCERN_MODEL_NEEDS_ALL, &error));
  _discern_model_set_expected_for_tests (DISCERN_MODEL_WEIGHTS, weights_md5, WEIGHTS_SIZE);

  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NO_SPACE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "needs 1.2"));
  g_assert_nonnull (strstr (error->message, "EB"));
  g_assert_nonnull (strstr (error->message, "free"));
  requests = take_requests ();
  g_assert_cmpuint (requests->len, ==, 0);
  g_assert_cmpuint (run.received->len, ==, 0);
}

typedef struct {
  const char *path;
  const char *mirror;
  const char *env;
  const char *expected;   /* NULL: Keras' own URL */
} UrlCase;

static const UrlCase url_cases[] = {
  { "/sources/model-download/url/keras", NULL, NULL, NULL },
  { "/sources/model-download/url/empty-mirror", "", NULL, NULL },
  { "/sources/model-download/url/mirror", "http://mirror.example/m",
    NULL, "http://mirror.example/m/" DISCERN_WEIGHTS_FILE_NAME },
  { "/sources/model-download/url/mirror-slash", "http://mirror.example/m/",
    NULL, "http://mirror.example/m/" DISCERN_WEIGHTS_FILE_NAME },
  { "/sources/model-download/url/env", NULL, "http://env.example",
    "http://env.example/" DISCERN_WEIGHTS_FILE_NAME },
  { "/sources/model-download/url/mirror-before-env", "http://mirror.example",
    "http://env.example", "http://mirror.example/" DISCERN_WEIGHTS_FILE_NAME },
};

static void
test_url (gconstpointer data)
{
  const UrlCase *url_case = data;
  g_autofree char *url = NULL;
  g_autofree char *labels_url = NULL;

  if (url_case->env != NULL) {
    g_setenv ("DISCERN_MODEL_URL", url_case->env, TRUE);
  }
  url = discern_model_download_get_url (DISCERN_MODEL_WEIGHTS, url_case->mirror);
  labels_url = discern_model_download_get_url (DISCERN_MODEL_LABELS, url_case->mirror);
  g_unsetenv ("DISCERN_MODEL_URL");

  g_assert_cmpstr (url, ==, url_case->expected != NULL ? url_case->expected
                                                       : DISCERN_WEIGHTS_URL);
  g_assert_true (g_str_has_suffix (labels_url, "/" DISCERN_LABELS_FILE_NAME));
  if (url_case->expected == NULL) {
    g_assert_cmpstr (labels_url, ==, DISCERN_LABELS_URL);
  }
}

static void
make_fake_model (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  guint8 *weights = g_malloc (WEIGHTS_SIZE);

  for (gsize i = 0; i < WEIGHTS_SIZE; i++) {
    weights[i] = (guint8) g_rand_int (rand);
  }
  weights_bytes = g_bytes_new_take (weights, WEIGHTS_SIZE);
  labels_bytes = g_bytes_new_static (LABELS_TEXT, strlen (LABELS_TEXT));
  weights_md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, weights_bytes);
  labels_md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, labels_bytes);
  _discern_model_set_expected_for_tests (DISCERN_MODEL_WEIGHTS, weights_md5, WEIGHTS_SIZE);
  _discern_model_set_expected_for_tests (DISCERN_MODEL_LABELS, labels_md5,
                                         g_bytes_get_size (labels_bytes));
}

int
main (int    argc,
      char **argv)
{
  int status;

  /* The system's proxy settings live in GSettings schemas that the
   * isolated test folders hide; loopback needs no proxy anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  test_dirs_init ();
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("DISCERN_MODEL_DIR");
  g_unsetenv ("DISCERN_MODEL_URL");
  make_fake_model ();
  server_start ();

  session = soup_session_new_with_options ("user-agent", "discern-test ", NULL);

  add_test ("/sources/model-download/complete", test_complete);
  add_test ("/sources/model-download/already-there", test_already_there);
  add_test ("/sources/model-download/resume", test_resume);
  add_test ("/sources/model-download/range-ignored", test_range_ignored);
  add_test ("/sources/model-download/part-complete", test_part_complete);
  add_test ("/sources/model-download/redirect", test_redirect);
  for (gsize i = 0; i < G_N_ELEMENTS (failure_cases); i++) {
    add_data_test (failure_cases[i].path, &failure_cases[i], test_failure);
  }
  add_test ("/sources/model-download/stall-cancelled", test_stall_cancelled);
  add_data_test ("/sources/model-download/stall-headers-timeout", "stall-headers",
                        test_stall_timeout);
  add_data_test ("/sources/model-download/stall-body-timeout", "stall-body",
                        test_stall_timeout);
  add_test ("/sources/model-download/unreachable", test_unreachable);
  add_test ("/sources/model-download/no-space", test_no_space);
  for (gsize i = 0; i < G_N_ELEMENTS (url_cases); i++) {
    add_data_test (url_cases[i].path, &url_cases[i], test_url);
  }

  status = g_test_run ();

  g_clear_object (&session);
  server_stop ();
  g_bytes_unref (weights_bytes);
  g_bytes_unref (labels_bytes);
  g_free (weights_md5);
  g_free (labels_md5);
  remove_tree (test_root);
  g_free (test_root);
  return status;
}

/* test-model-setup.c: getting the network in the window, under Xvfb
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application starts with no model anywhere. A SoupServer on
 * 127.0.0.1, in its own thread, serves a small network in Keras' HDF5
 * layout and a generated class index, whose hashes the test declares to
 * be Keras'. The model page is driven through its actions as a user would
 * click, against a server that behaves well, streams slowly, drops the
 * connection, stalls or sends wrong bytes; the first part of a URL's path
 * says which: http://127.0.0.1:PORT/<behaviour>/<file name>.
 *
 * With DISCERN_TEST_SCREENSHOTS set to a folder, the screen is saved
 * there at each state worth looking at.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <adwaita.h>
#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "discern-application.h"
#include "discern-model-files.h"
#include "discern-model-page.h"
#include "discern-model-private.h"
#include "discern-source-error.h"
#include "discern-window.h"
#include "h5-writer.h"
#include "loop-watch.h"

#define N_CLASSES     10
#define INPUT_SIZE    32
#define DEADLINE_S    30

/* The server streams this much every STREAM_INTERVAL_MS, so that a
 * download of the 2 MB test network takes over a second; a fourth of it
 * before it drops or stalls, so that there is a speed to show. */
#define STREAM_CHUNK        (32 * 1024)
#define STREAM_INTERVAL_MS  20

/* Where "drop" shuts the connection and "stall" stops sending. */
#define DROP_AFTER    (400 * 1024)
#define STALL_AFTER   (900 * 1024)

static const H5wLayerSpec small_layers[] = {
  { H5W_CONV, "block1_conv1", 8 },
  { H5W_POOL, "block1_pool", 0 },
  { H5W_CONV, "block2_conv1", 8 },
  { H5W_POOL, "block2_pool", 0 },
  { H5W_FLATTEN, "flatten", 0 },
  { H5W_DENSE, "fc1", 1024 },
  { H5W_DENSE, "predictions", N_CLASSES },
};

typedef struct {
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *base;

  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GPtrArray    *requests;   /* "PATH RANGE", RANGE "-" when none */
  gboolean      dropped;
  GPtrArray    *streams;
} TestServer;

/* A response written a chunk at a time from the server's thread. */
typedef struct {
  SoupServerMessage *message;
  GBytes            *contents;
  gsize              offset;
  gsize              stop;      /* hold or drop here; the size: send it all */
  gsize              chunk;
  gboolean           drop;
  gboolean           finished;
  GSource           *source;
} Stream;

static TestServer server;

static struct {
  char               *dir;
  char               *home;
  DiscernApplication *app;
  GBytes             *weights;
  GBytes             *labels;
  char               *shots;
} fixture;

/* Iterates the main loop until `done` says so; fails after DEADLINE_S. */
static void
wait_until (gboolean     (*done) (gpointer data),
            gpointer       data,
            const char    *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;

  while (!done (data)) {
    if (g_get_monotonic_time () > deadline) {
      g_error ("timed out waiting for %s", what);
    }
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end) {
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

static void
shoot (const char *name)
{
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;

  if (fixture.shots == NULL) {
    return;
  }

  spin (400);
  command = g_strdup_printf ("import -window root %s/%s.png", fixture.shots, name);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* ---- the server ---- */

static GBytes *
contents_for (const char *name)
{
  if (g_strcmp0 (name, DISCERN_WEIGHTS_FILE_NAME) == 0) {
    return fixture.weights;
  }
  if (g_strcmp0 (name, DISCERN_LABELS_FILE_NAME) == 0) {
    return fixture.labels;
  }
  return NULL;
}

static void
stream_free (Stream *stream)
{
  if (stream->source != NULL) {
    g_source_destroy (stream->source);
    g_source_unref (stream->source);
  }
  g_object_unref (stream->message);
  g_bytes_unref (stream->contents);
  g_free (stream);
}

static void
stream_finished_cb (SoupServerMessage *message,
                    Stream            *stream)
{
  stream->finished = TRUE;
}

static gboolean
stream_tick_cb (gpointer data)
{
  Stream *stream = data;
  SoupMessageBody *body = soup_server_message_get_response_body (stream->message);
  gsize size = g_bytes_get_size (stream->contents);
  gsize n = MIN (stream->chunk, stream->stop - stream->offset);

  if (stream->finished) {
    return G_SOURCE_REMOVE;
  }

  if (stream->offset == stream->stop) {
    /* The last chunk had a tick to leave; now the connection goes. */
    if (stream->drop) {
      g_socket_shutdown (soup_server_message_get_socket (stream->message), TRUE, TRUE, NULL);
    }
    return G_SOURCE_REMOVE;
  }

  soup_message_body_append (body, SOUP_MEMORY_COPY,
                            (const char *) g_bytes_get_data (stream->contents, NULL)
                            + stream->offset, n);
  stream->offset += n;
  if (stream->offset == size) {
    soup_message_body_complete (body);
  }
  soup_server_message_unpause (stream->message);

  return stream->offset == size ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* Answers a "bytes=N-" range with 206, then sends from there on slowly. */
static void
serve_stream (SoupServerMessage *message,
              GBytes            *contents,
              gsize              stop,
              gboolean           drop)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (message);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (message);
  gsize size = g_bytes_get_size (contents);
  Stream *stream = g_new0 (Stream, 1);
  SoupRange *ranges = NULL;
  int n_ranges;

  stream->message = g_object_ref (message);
  stream->contents = g_bytes_ref (contents);
  stream->stop = MIN (stop, size);
  stream->chunk = stop < size ? STREAM_CHUNK / 4 : STREAM_CHUNK;
  stream->drop = drop;

  if (soup_message_headers_get_ranges (request, size, &ranges, &n_ranges)) {
    stream->offset = ranges[0].start;
    soup_message_headers_free_ranges (request, ranges);
    soup_server_message_set_status (message, SOUP_STATUS_PARTIAL_CONTENT, NULL);
    soup_message_headers_set_content_range (response, stream->offset, size - 1, size);
  } else {
    soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  }
  soup_message_headers_remove (request, "Range");
  soup_message_headers_set_content_type (response, "application/octet-stream", NULL);
  soup_message_headers_set_content_length (response, size - stream->offset);
  stream->stop = MAX (stream->stop, stream->offset);

  g_signal_connect (message, "finished", G_CALLBACK (stream_finished_cb), stream);
  g_signal_connect (message, "disconnected", G_CALLBACK (stream_finished_cb), stream);
  soup_server_message_pause (message);

  stream->source = g_timeout_source_new (STREAM_INTERVAL_MS);
  g_source_set_callback (stream->source, stream_tick_cb, stream, NULL);
  g_source_attach (stream->source, server.context);
  g_ptr_array_add (server.streams, stream);
}

static void
serve_wrong (SoupServerMessage *message,
             GBytes            *contents)
{
  gsize size = g_bytes_get_size (contents);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (contents, NULL), size);

  data[size / 3] ^= 0x40;
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/octet-stream", SOUP_MEMORY_COPY,
                                    (const char *) data, size);
}

static void
handle_cb (SoupServer        *soup_server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  const char *range = soup_message_headers_get_one (headers, "Range");
  g_auto(GStrv) parts = g_strsplit (path + 1, "/", 2);
  const char *behaviour = parts[0];
  GBytes *contents = parts[1] != NULL ? contents_for (parts[1]) : NULL;
  gboolean first_drop;

  g_mutex_lock (&server.lock);
  g_ptr_array_add (server.requests, g_strdup_printf ("%s %s", path, range ? range : "-"));
  first_drop = !server.dropped && contents == fixture.weights;
  if (g_str_equal (behaviour, "drop")) {
    server.dropped = server.dropped || first_drop;
  }
  g_mutex_unlock (&server.lock);

  if (contents == NULL) {
    soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
  } else if (g_str_equal (behaviour, "slow")) {
    serve_stream (message, contents, G_MAXSIZE, FALSE);
  } else if (g_str_equal (behaviour, "drop")) {
    serve_stream (message, contents, first_drop ? DROP_AFTER : G_MAXSIZE, first_drop);
  } else if (g_str_equal (behaviour, "stall")) {
    serve_stream (message, contents, STALL_AFTER, FALSE);
  } else if (g_str_equal (behaviour, "wrong")) {
    serve_wrong (message, contents);
  } else {
    soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
  }
}

static gpointer
server_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (server.context);
  server.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server.server, NULL, handle_cb, NULL, NULL);
  soup_server_listen_local (server.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server.server);

  g_mutex_lock (&server.lock);
  server.base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  server.ready = TRUE;
  g_cond_signal (&server.cond);
  g_mutex_unlock (&server.lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (server.loop);

  soup_server_disconnect (server.server);
  g_ptr_array_set_size (server.streams, 0);
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
  server.streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_free);
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
  g_ptr_array_unref (server.streams);
  g_free (server.base);
}

/* Whether a request for the weights asked for a range from `offset`. */
static gboolean
server_saw_range (goffset offset)
{
  g_autofree char *expected = g_strdup_printf ("/%s bytes=%" G_GOFFSET_FORMAT "-",
                                               DISCERN_WEIGHTS_FILE_NAME, offset);
  gboolean seen = FALSE;

  g_mutex_lock (&server.lock);
  for (guint i = 0; i < server.requests->len; i++) {
    seen = seen || g_str_has_suffix (server.requests->pdata[i], expected);
  }
  g_mutex_unlock (&server.lock);
  return seen;
}

static void
server_forget (void)
{
  g_mutex_lock (&server.lock);
  g_ptr_array_set_size (server.requests, 0);
  server.dropped = FALSE;
  g_mutex_unlock (&server.lock);
}

/* ---- the application ---- */

static DiscernClassifier *
classifier (void)
{
  return discern_application_get_classifier (fixture.app);
}

static DiscernModelDownloader *
downloader (void)
{
  return discern_application_get_downloader (fixture.app);
}

static GSettings *
settings (void)
{
  return discern_application_get_settings (fixture.app);
}

static DiscernWindow *
window (void)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (fixture.app));

  for (GList *l = windows; l != NULL; l = l->next) {
    if (DISCERN_IS_WINDOW (l->data)) {
      return l->data;
    }
  }

  g_assert_not_reached ();
  return NULL;
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type)) {
    return root;
  }
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = find_widget (child, type);

    if (found != NULL) {
      return found;
    }
  }
  return NULL;
}

/* A mapped label under `root` whose text contains `text`. */
static GtkLabel *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && strstr (gtk_label_get_label (GTK_LABEL (root)), text) != NULL) {
    return GTK_LABEL (root);
  }
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkLabel *found = find_label (child, text);

    if (found != NULL) {
      return found;
    }
  }
  return NULL;
}

static DiscernModelPage *
model_page (void)
{
  return DISCERN_MODEL_PAGE (find_widget (GTK_WIDGET (window ()), DISCERN_TYPE_MODEL_PAGE));
}

static const char *
main_view (void)
{
  GtkStack *stack = GTK_STACK (find_widget (GTK_WIDGET (window ()), GTK_TYPE_STACK));

  return gtk_stack_get_visible_child_name (stack);
}

static const char *
page_mode (void)
{
  return discern_model_page_get_mode (model_page ());
}

static const char *
page_description (void)
{
  AdwStatusPage *status = ADW_STATUS_PAGE (find_widget (GTK_WIDGET (model_page ()),
                                                        ADW_TYPE_STATUS_PAGE));

  return adw_status_page_get_description (status);
}

static void
click (const char *action)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (model_page ()), action, NULL));
}

static gboolean
state_is (gpointer data)
{
  return discern_classifier_get_state (classifier ()) == GPOINTER_TO_UINT (data);
}

static void
wait_for_state (DiscernModelState state)
{
  wait_until (state_is, GUINT_TO_POINTER (state), "the model state");
}

/* The network is loaded with the class index `data`. */
static gboolean
labels_in_use (gpointer data)
{
  return discern_classifier_get_state (classifier ()) == DISCERN_MODEL_STATE_READY
         && g_strcmp0 (discern_classifier_get_labels_path (classifier ()), data) == 0;
}

static gboolean
state_is_not_loading (gpointer data)
{
  return discern_classifier_get_state (classifier ()) != DISCERN_MODEL_STATE_LOADING;
}

static gboolean
download_is (gpointer data)
{
  return discern_model_downloader_get_state (downloader ()) == GPOINTER_TO_UINT (data);
}

static gboolean
download_is_between (gpointer data)
{
  goffset received = discern_model_downloader_get_received (downloader ());

  return received > (goffset) GPOINTER_TO_SIZE (data)
         && received < discern_model_downloader_get_total (downloader ())
         && discern_model_downloader_get_speed (downloader ()) > 0;
}

static void
wait_for_progress (gsize after)
{
  wait_until (download_is_between, GSIZE_TO_POINTER (after), "download progress");
}

/* The progress line's speed comes with the next notification. */
static gboolean
page_shows_speed (gpointer data)
{
  return find_label (GTK_WIDGET (model_page ()), "/s") != NULL;
}

static char *
model_path (const char *name)
{
  g_autofree char *dir = discern_model_files_get_default_dir ();

  return g_build_filename (dir, name, NULL);
}

static goffset
part_size (void)
{
  g_autofree char *path = model_path (DISCERN_WEIGHTS_FILE_NAME ".part");
  GStatBuf info;

  return g_stat (path, &info) == 0 ? info.st_size : -1;
}

static void
set_mirror (const char *behaviour)
{
  g_autofree char *mirror = g_strdup_printf ("%s/%s", server.base, behaviour);

  g_settings_set_string (settings (), "model-mirror", mirror);
}

/* ---- pictures ---- */

static GBytes *
make_png (guint seed)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 48, 40);
  g_autoptr(GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  char *buffer = NULL;
  gsize size = 0;

  for (int y = 0; y < 40; y++) {
    for (int x = 0; x < 48; x++) {
      guint8 *p = pixels + y * rowstride + x * 3;

      p[0] = x * 5;
      p[1] = (x / 8 + y / 8 + seed) % 3 == 0 ? 230 : y * 6;
      p[2] = (seed * 37) % 256;
    }
  }

  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &error, NULL);
  g_assert_no_error (error);
  return g_bytes_new_take (buffer, size);
}

static GFile *
write_picture (const char *name,
               guint       seed)
{
  g_autofree char *path = g_build_filename (fixture.dir, name, NULL);
  g_autoptr(GBytes) png = make_png (seed);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static void
paste_picture (guint seed)
{
  g_autoptr(GBytes) png = make_png (seed);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (png, &error);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window ()));

  g_assert_no_error (error);
  gdk_clipboard_set_texture (clipboard, texture);
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.paste", NULL);
}

static guint
n_items (void)
{
  return g_list_model_get_n_items (discern_window_get_items (window ()));
}

static DiscernItem *
item_at (guint position)
{
  g_autoptr(DiscernItem) item = g_list_model_get_item (discern_window_get_items (window ()),
                                                       position);

  return item;
}

static gboolean
all_in_state (gpointer data)
{
  guint n = n_items ();

  for (guint i = 0; i < n; i++) {
    if (discern_item_get_state (item_at (i)) != GPOINTER_TO_UINT (data)) {
      return FALSE;
    }
  }
  return n > 0;
}

static void
clear_window (void)
{
  while (n_items () > 0) {
    discern_window_remove (window (), item_at (0));
  }
}

/* ---- the tests ---- */

/* Back to a machine without the model: nothing downloaded, nothing
 * chosen, the window empty. */
static void
reset (void)
{
  const char *names[] = {
    DISCERN_WEIGHTS_FILE_NAME, DISCERN_LABELS_FILE_NAME,
    DISCERN_WEIGHTS_FILE_NAME ".part", DISCERN_LABELS_FILE_NAME ".part",
  };

  discern_model_downloader_shutdown (downloader ());
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree char *path = model_path (names[i]);

    g_unlink (path);
  }
  g_settings_reset (settings (), "model-folder");
  g_settings_reset (settings (), "weights-file");
  g_settings_reset (settings (), "labels-file");
  g_settings_reset (settings (), "model-mirror");
  clear_window ();
  server_forget ();

  discern_application_reload_model (fixture.app);
  wait_for_state (DISCERN_MODEL_STATE_MISSING);
  spin (20);
}

static void
test_offer (void)
{
  GtkLabel *searched;

  reset ();
  g_assert_cmpstr (main_view (), ==, "model");
  g_assert_cmpstr (page_mode (), ==, "offer");
  g_assert_nonnull (strstr (page_description (), "VGG16"));
  g_assert_nonnull (strstr (page_description (), "used offline"));
  searched = find_label (GTK_WIDGET (model_page ()), "Discern looked in");
  g_assert_nonnull (searched);
  g_assert_nonnull (strstr (gtk_label_get_label (searched), ".keras/models"));
  g_assert_nonnull (strstr (gtk_label_get_label (searched),
                            "The download comes from storage.googleapis.com."));
  g_assert_nonnull (find_label (GTK_WIDGET (model_page ()), "Download"));
  g_assert_nonnull (find_label (GTK_WIDGET (model_page ()), "Use Files on This Computer"));
}

/* Pictures opened and pasted before and during the download wait, and
 * are classified once the downloaded network is loaded. */
static void
test_download (void)
{
  g_autoptr(GFile) first = write_picture ("waiting-1.png", 1);
  g_autoptr(GFile) second = write_picture ("waiting-2.png", 2);
  GFile *files[] = { first, second };
  LoopWatch watch;
  GtkProgressBar *bar;

  reset ();
  discern_window_open_files (window (), files, G_N_ELEMENTS (files));
  wait_until (all_in_state, GUINT_TO_POINTER (DISCERN_ITEM_STATE_WAITING), "waiting pictures");
  g_assert_cmpuint (n_items (), ==, 2);
  g_assert_cmpstr (main_view (), ==, "model");
  g_assert_nonnull (strstr (page_description (), "2 pictures wait for the network"));
  shoot ("setup");

  set_mirror ("slow");
  loop_watch_start (&watch);
  click ("model.download");
  g_assert_cmpstr (page_mode (), ==, "progress");

  wait_for_progress (STREAM_CHUNK);
  paste_picture (3);
  bar = GTK_PROGRESS_BAR (find_widget (GTK_WIDGET (model_page ()), GTK_TYPE_PROGRESS_BAR));
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (bar), >, 0.0);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (bar), <, 1.0);
  g_assert_nonnull (find_label (GTK_WIDGET (model_page ()), " of "));
  wait_until (page_shows_speed, NULL, "the speed");

  wait_for_state (DISCERN_MODEL_STATE_READY);
  wait_until (all_in_state, GUINT_TO_POINTER (DISCERN_ITEM_STATE_DONE), "classified pictures");
  loop_watch_stop (&watch);

  g_assert_cmpuint (n_items (), ==, 3);
  for (guint i = 0; i < 3; i++) {
    g_assert_cmpuint (discern_result_get_n_classes (discern_item_get_result (item_at (i))),
                      ==, N_CLASSES);
  }
  g_assert_true (discern_classifier_get_verified (classifier ()));
  g_assert_cmpint (part_size (), ==, -1);
  g_assert_cmpstr (main_view (), ==, "items");
  loop_watch_assert_responsive (&watch);
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++) {
    g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

    if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type)
        && gtk_widget_get_visible (GTK_WIDGET (toplevel))) {
      return toplevel;
    }
  }

  return NULL;
}

static void
close_toplevel (GtkWindow *toplevel)
{
  g_object_add_weak_pointer (G_OBJECT (toplevel), (gpointer *) &toplevel);
  gtk_window_destroy (toplevel);
  spin (50);
  g_assert_null (toplevel);
}

/* After the download, the preferences say which files are in use, how
 * big they are and that they are Keras' (here: the test's) own. */
static void
test_preferences (void)
{
  g_autofree char *weights = model_path (DISCERN_WEIGHTS_FILE_NAME);
  g_autofree char *size = g_format_size (g_bytes_get_size (fixture.weights));
  g_autofree char *expected = g_strdup_printf ("%s, Keras’ file, verified", size);
  g_autofree char *not_keras = g_build_filename (fixture.dir, "own & labels.json", NULL);
  GtkWindow *preferences;
  GtkLabel *label;

  if (discern_classifier_get_state (classifier ()) != DISCERN_MODEL_STATE_READY) {
    reset ();
    set_mirror ("slow");
    click ("model.download");
    wait_for_state (DISCERN_MODEL_STATE_READY);
  }

  g_action_group_activate_action (G_ACTION_GROUP (fixture.app), "preferences", NULL);
  spin (50);
  preferences = find_toplevel (g_type_from_name ("DiscernPreferencesWindow"));
  g_assert_nonnull (preferences);
  g_assert_nonnull (find_label (GTK_WIDGET (preferences), weights));
  label = find_label (GTK_WIDGET (preferences), expected);
  g_assert_nonnull (label);
  g_assert_nonnull (find_label (GTK_WIDGET (preferences), "Ready, verified"));
  shoot ("preferences");

  /* A class index of one's own is used, and said not to be Keras'. */
  g_file_set_contents (not_keras, "{\"0\": [\"n00000000\", \"zero\"], "
                       "\"1\": [\"n00000001\", \"one\"], \"2\": [\"n00000002\", \"two\"], "
                       "\"3\": [\"n00000003\", \"three\"], \"4\": [\"n00000004\", \"four\"], "
                       "\"5\": [\"n00000005\", \"five\"], \"6\": [\"n00000006\", \"six\"], "
                       "\"7\": [\"n00000007\", \"seven\"], \"8\": [\"n00000008\", \"eight\"], "
                       "\"9\": [\"n00000009\", \"nine\"]}", -1, NULL);
  g_settings_set_string (settings (), "labels-file", not_keras);
  wait_until (labels_in_use, not_keras, "the chosen class index");
  spin (50);
  g_assert_false (discern_classifier_get_verified (classifier ()));
  g_assert_nonnull (find_label (GTK_WIDGET (preferences), "not Keras’ file, used as chosen"));
  g_assert_nonnull (find_label (GTK_WIDGET (preferences), not_keras));

  /* The mirror takes http and https addresses only. */
  {
    AdwEntryRow *mirror = ADW_ENTRY_ROW (find_widget (GTK_WIDGET (preferences),
                                                      ADW_TYPE_ENTRY_ROW));
    g_autofree char *kept = NULL;
    g_autofree char *taken = NULL;

    g_settings_reset (settings (), "model-mirror");
    gtk_editable_set_text (GTK_EDITABLE (mirror), "ftp://mirror.example/models");
    g_signal_emit_by_name (mirror, "apply");
    kept = g_settings_get_string (settings (), "model-mirror");
    g_assert_cmpstr (kept, ==, "");
    g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (mirror), "error"));

    gtk_editable_set_text (GTK_EDITABLE (mirror), " https://mirror.example/models/ ");
    g_signal_emit_by_name (mirror, "apply");
    taken = g_settings_get_string (settings (), "model-mirror");
    g_assert_cmpstr (taken, ==, "https://mirror.example/models/");
    g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (mirror), "error"));
    g_settings_reset (settings (), "model-mirror");
  }

  close_toplevel (preferences);
}

/* A dropped connection fails with a sentence and keeps the part; Retry
 * asks for the rest with a Range request and completes. */
static void
test_retry_resumes (void)
{
  goffset kept;

  reset ();
  set_mirror ("drop");
  click ("model.download");
  wait_until (download_is, GUINT_TO_POINTER (DISCERN_DOWNLOADER_FAILED), "the failure");

  g_assert_cmpstr (page_mode (), ==, "failed");
  g_assert_nonnull (strstr (page_description (),
                            "The server could not be reached or stopped sending."));
  kept = part_size ();
  g_assert_cmpint (kept, >, 0);
  g_assert_cmpint (kept, <=, DROP_AFTER);
  g_assert_nonnull (strstr (page_description (), "are kept"));
  g_assert_nonnull (find_label (GTK_WIDGET (model_page ()), "Retry"));
  shoot ("download-failed");

  click ("model.download");
  wait_for_state (DISCERN_MODEL_STATE_READY);
  g_assert_true (server_saw_range (kept));
  g_assert_true (discern_classifier_get_verified (classifier ()));
}

/* Cancel keeps the part; the page then offers to resume and says how
 * much is there. */
static void
test_cancel (void)
{
  g_autofree char *total = g_format_size (g_bytes_get_size (fixture.weights)
                                          + g_bytes_get_size (fixture.labels));

  reset ();
  set_mirror ("stall");
  click ("model.download");
  wait_for_progress (STALL_AFTER / 2);
  shoot ("download-progress");

  click ("model.cancel");
  g_assert_cmpint (discern_model_downloader_get_state (downloader ()), ==,
                   DISCERN_DOWNLOADER_IDLE);
  spin (100);
  g_assert_cmpstr (page_mode (), ==, "offer");
  g_assert_cmpint (part_size (), >, STALL_AFTER / 2);
  g_assert_nonnull (find_label (GTK_WIDGET (model_page ()), "Resume Download"));
  g_assert_nonnull (strstr (page_description (), total));
  g_assert_nonnull (strstr (page_description (), "are downloaded already"));
  shoot ("resume");
}

static void
test_checksum (void)
{
  const GError *error;
  g_autofree char *weights = model_path (DISCERN_WEIGHTS_FILE_NAME);

  reset ();
  set_mirror ("wrong");
  click ("model.download");
  wait_until (download_is, GUINT_TO_POINTER (DISCERN_DOWNLOADER_FAILED), "the failure");

  error = discern_model_downloader_get_error (downloader ());
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_CHECKSUM);
  g_assert_cmpstr (page_mode (), ==, "failed");
  g_assert_nonnull (strstr (page_description (), "not the one Keras publishes"));
  g_assert_nonnull (strstr (page_description (), "The mirror at 127.0.0.1:"));
  g_assert_null (strstr (page_description (), "are kept"));
  g_assert_cmpint (part_size (), ==, -1);
  g_assert_false (g_file_test (weights, G_FILE_TEST_EXISTS));
  g_assert_cmpint (discern_classifier_get_state (classifier ()), ==,
                   DISCERN_MODEL_STATE_MISSING);
  shoot ("checksum-failed");
}

static AdwMessageDialog *
wait_for_dialog (void)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  GtkWindow *dialog;

  while ((dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) == NULL) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, FALSE);
  }
  return ADW_MESSAGE_DIALOG (dialog);
}

/* As a click on a button: the dialog goes away. */
static void
respond (AdwMessageDialog *dialog,
         const char       *response)
{
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  adw_message_dialog_response (dialog, response);
  spin (50);
  g_assert_null (dialog);
}

/* Quitting and closing the last window during a download ask first;
 * stopping keeps the part for the next start. */
static void
test_quit_confirmation (void)
{
  DiscernWindow *closing;
  AdwMessageDialog *dialog;

  reset ();
  set_mirror ("stall");
  click ("model.download");
  wait_for_progress (STALL_AFTER / 2);

  g_action_group_activate_action (G_ACTION_GROUP (fixture.app), "quit", NULL);
  dialog = wait_for_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Stop the Download?");
  g_assert_true (adw_message_dialog_has_response (dialog, "stop"));
  shoot ("quit-confirmation");
  respond (dialog, "continue");
  g_assert_cmpint (discern_model_downloader_get_state (downloader ()), ==,
                   DISCERN_DOWNLOADER_RUNNING);

  closing = window ();
  g_object_add_weak_pointer (G_OBJECT (closing), (gpointer *) &closing);
  gtk_window_close (GTK_WINDOW (closing));
  spin (20);
  g_assert_nonnull (closing);
  dialog = wait_for_dialog ();
  respond (dialog, "stop");

  g_assert_null (closing);
  g_assert_cmpint (discern_model_downloader_get_state (downloader ()), ==,
                   DISCERN_DOWNLOADER_IDLE);
  g_assert_cmpint (part_size (), >, STALL_AFTER / 2);

  /* The next window offers to resume. */
  g_application_activate (G_APPLICATION (fixture.app));
  spin (50);
  g_assert_cmpstr (page_mode (), ==, "offer");
  g_assert_nonnull (find_label (GTK_WIDGET (model_page ()), "Resume Download"));
}

/* A window torn down mid-download, with pictures waiting in it, goes
 * away whole; the download is the application's and still cancels
 * cleanly. */
static void
test_close_mid_download (void)
{
  DiscernWindow *closing;
  DiscernItem *waiting;
  g_autoptr(GFile) file = write_picture ("closing.png", 4);

  reset ();
  set_mirror ("stall");

  /* A second window stays. */
  closing = window ();
  gtk_window_present (GTK_WINDOW (discern_window_new (fixture.app)));

  discern_window_open_files (closing, &file, 1);
  while (g_list_model_get_n_items (discern_window_get_items (closing)) == 0) {
    g_main_context_iteration (NULL, FALSE);
  }
  waiting = g_list_model_get_item (discern_window_get_items (closing), 0);
  g_object_add_weak_pointer (G_OBJECT (waiting), (gpointer *) &waiting);
  g_object_unref (waiting);

  gtk_widget_activate_action (GTK_WIDGET (find_widget (GTK_WIDGET (closing),
                                                       DISCERN_TYPE_MODEL_PAGE)),
                              "model.download", NULL);
  wait_for_progress (STALL_AFTER / 2);

  g_object_add_weak_pointer (G_OBJECT (closing), (gpointer *) &closing);
  gtk_window_destroy (GTK_WINDOW (closing));
  spin (100);
  g_assert_null (closing);
  g_assert_null (waiting);

  /* The other window follows the same download, and closing it (the
   * last) asks. */
  g_assert_cmpint (discern_model_downloader_get_state (downloader ()), ==,
                   DISCERN_DOWNLOADER_RUNNING);
  g_assert_cmpstr (page_mode (), ==, "progress");
  discern_model_downloader_shutdown (downloader ());
  g_assert_cmpint (part_size (), >, STALL_AFTER / 2);
  g_assert_cmpstr (page_mode (), ==, "offer");
}

/* Files chosen that are not a network: a sentence, and a way back to
 * Keras' files. */
static void
test_broken_files (void)
{
  g_autofree char *bogus = g_build_filename (fixture.dir, "notes.h5", NULL);
  g_autofree char *labels = g_build_filename (fixture.dir, "labels.json", NULL);
  GtkLabel *defaults;

  reset ();
  g_file_set_contents (bogus, "these are notes, not weights\n", -1, NULL);
  g_file_set_contents (labels, g_bytes_get_data (fixture.labels, NULL),
                       g_bytes_get_size (fixture.labels), NULL);
  g_settings_set_string (settings (), "weights-file", bogus);
  g_settings_set_string (settings (), "labels-file", labels);
  spin (10);
  wait_for_state (DISCERN_MODEL_STATE_BROKEN);
  spin (20);

  g_assert_cmpstr (main_view (), ==, "model");
  g_assert_cmpstr (page_mode (), ==, "broken");
  g_assert_nonnull (strstr (page_description (),
                            "The weights file is not a whole network in Keras’ HDF5 "
                            "layout."));
  defaults = find_label (GTK_WIDGET (model_page ()), "Keras’ Files");
  g_assert_nonnull (defaults);
  shoot ("broken");

  click ("model.use-defaults");
  spin (10);
  wait_for_state (DISCERN_MODEL_STATE_MISSING);
  spin (20);
  g_assert_cmpstr (g_settings_get_string (settings (), "weights-file"), ==, "");
  g_assert_cmpstr (page_mode (), ==, "offer");
}

typedef enum {
  BROKEN_TRUNCATED,
  BROKEN_DIRECTORY,
  BROKEN_FEW_CLASSES,
  BROKEN_BAD_JSON,
} BrokenKind;

static const struct {
  BrokenKind  kind;
  const char *sentence;
} broken_kinds[] = {
  { BROKEN_TRUNCATED, "The weights file is not a whole network in Keras’ HDF5 layout." },
  { BROKEN_DIRECTORY, "A model file chosen in the preferences is missing or not a file." },
  { BROKEN_FEW_CLASSES, "The class index and the weights disagree on the number of classes." },
  { BROKEN_BAD_JSON, "The class index is not in Keras’ JSON layout." },
};

/* Writes a weights file and class index that fail to load as `kind`
 * says, into `weights` and `labels`. */
static void
write_broken (BrokenKind  kind,
              const char *weights,
              const char *labels)
{
  gsize weights_size = g_bytes_get_size (fixture.weights);
  g_autoptr(GError) error = NULL;

  g_unlink (weights);
  g_rmdir (weights);
  g_file_set_contents (weights, g_bytes_get_data (fixture.weights, NULL), weights_size,
                       &error);
  g_assert_no_error (error);
  g_file_set_contents (labels, g_bytes_get_data (fixture.labels, NULL),
                       g_bytes_get_size (fixture.labels), &error);
  g_assert_no_error (error);

  switch (kind) {
  case BROKEN_TRUNCATED:
    g_file_set_contents (weights, g_bytes_get_data (fixture.weights, NULL),
                         weights_size * 3 / 5, &error);
    break;
  case BROKEN_DIRECTORY:
    g_unlink (weights);
    g_mkdir (weights, 0755);
    break;
  case BROKEN_FEW_CLASSES:
    g_file_set_contents (labels, "{\"0\": [\"n00000000\", \"zero\"], "
                         "\"1\": [\"n00000001\", \"one\"]}", -1, &error);
    break;
  case BROKEN_BAD_JSON:
    g_file_set_contents (labels, "{\"0\": [\"n00000000\", ", -1, &error);
    break;
  default:
    g_assert_not_reached ();
  }
  g_assert_no_error (error);
}

/* Weights and class indexes that cannot be loaded: each gets its
 * sentence, and the window stays usable with a way forward. */
static void
test_broken_kinds (void)
{
  g_autofree char *weights = g_build_filename (fixture.dir, "mine.h5", NULL);
  g_autofree char *labels = g_build_filename (fixture.dir, "mine.json", NULL);

  reset ();
  for (guint i = 0; i < G_N_ELEMENTS (broken_kinds); i++) {
    write_broken (broken_kinds[i].kind, weights, labels);
    g_settings_set_string (settings (), "weights-file", weights);
    g_settings_set_string (settings (), "labels-file", labels);
    discern_application_reload_model (fixture.app);
    wait_for_state (DISCERN_MODEL_STATE_LOADING);
    wait_until (state_is_not_loading, NULL, "the load");
    spin (20);

    g_test_message ("%s", discern_classifier_get_error (classifier ())->message);
    g_assert_cmpstr (main_view (), ==, "model");
    g_assert_cmpstr (page_mode (), ==, "broken");
    g_assert_cmpstr (page_description (), ==, broken_kinds[i].sentence);
    g_assert_nonnull (find_label (GTK_WIDGET (model_page ()), "Use Other Files"));
  }
  g_rmdir (weights);
}

/* A file under Keras' name in the download folder that is not Keras' is
 * damaged: the page says so and downloads it again. */
static void
test_damaged (void)
{
  g_autofree char *weights = model_path (DISCERN_WEIGHTS_FILE_NAME);
  g_autofree char *dir = g_path_get_dirname (weights);

  reset ();
  g_mkdir_with_parents (dir, 0755);
  g_file_set_contents (weights, "damaged", -1, NULL);
  discern_application_reload_model (fixture.app);
  wait_for_state (DISCERN_MODEL_STATE_LOADING);
  wait_for_state (DISCERN_MODEL_STATE_MISSING);
  spin (20);

  g_assert_cmpint (discern_classifier_get_files (classifier ())->weights.state, ==,
                   DISCERN_MODEL_FILE_DAMAGED);
  g_assert_nonnull (strstr (page_description (), "is damaged and will be replaced"));

  set_mirror ("slow");
  click ("model.download");
  wait_for_state (DISCERN_MODEL_STATE_READY);
  g_assert_true (discern_classifier_get_verified (classifier ()));
}

/* ---- set-up ---- */

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize size = 0;

  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, size);
}

/* The small network and class index the server hands out, declared to
 * be Keras' files. */
static void
make_bundle (void)
{
  g_autofree char *weights = g_build_filename (fixture.dir, "bundle.h5", NULL);
  g_autoptr(H5wModel) model = NULL;
  g_autoptr(GString) json = g_string_new ("{");
  g_autoptr(GError) error = NULL;
  g_autofree char *weights_md5 = NULL;
  g_autofree char *labels_md5 = NULL;

  model = h5w_model_new (small_layers, G_N_ELEMENTS (small_layers), INPUT_SIZE, 17);
  h5w_model_write (model, weights, NULL, &error);
  g_assert_no_error (error);
  fixture.weights = read_bytes (weights);

  for (int i = 0; i < N_CLASSES; i++) {
    g_string_append_printf (json, "%s\"%d\": [\"n%08d\", \"class_%d\"]",
                            i > 0 ? ", " : "", i, 2000 + i, i);
  }
  g_string_append (json, "}");
  fixture.labels = g_bytes_new (json->str, json->len);

  weights_md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, fixture.weights);
  labels_md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, fixture.labels);
  _discern_model_set_expected_for_tests (DISCERN_MODEL_WEIGHTS, weights_md5,
                                         g_bytes_get_size (fixture.weights));
  _discern_model_set_expected_for_tests (DISCERN_MODEL_LABELS, labels_md5,
                                         g_bytes_get_size (fixture.labels));
  g_assert_cmpuint (g_bytes_get_size (fixture.weights), >, 4 * STALL_AFTER / 3);
}

static void
setup (void)
{
  g_autoptr(GError) error = NULL;

  fixture.dir = g_dir_make_tmp ("discern-setup-XXXXXX", &error);
  g_assert_no_error (error);
  fixture.shots = g_strdup (g_getenv ("DISCERN_TEST_SCREENSHOTS"));
  make_bundle ();
  server_start ();

  fixture.app = discern_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (fixture.app), NULL, &error);
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (fixture.app));
  g_application_activate (G_APPLICATION (fixture.app));
  wait_for_state (DISCERN_MODEL_STATE_MISSING);
}

static void
teardown (void)
{
  g_autofree char *command = NULL;
  GList *windows;

  discern_model_downloader_shutdown (downloader ());
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (fixture.app))) != NULL) {
    gtk_window_destroy (windows->data);
  }
  g_application_release (G_APPLICATION (fixture.app));
  discern_classifier_stop (classifier ());
  spin (50);
  g_clear_object (&fixture.app);
  server_stop ();
  g_clear_pointer (&fixture.weights, g_bytes_unref);
  g_clear_pointer (&fixture.labels, g_bytes_unref);

  command = g_strdup_printf ("rm -rf '%s'", fixture.dir);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  g_free (fixture.dir);
  g_free (fixture.shots);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *home = g_dir_make_tmp ("discern-home-XXXXXX", NULL);
  g_autofree char *command = NULL;
  int status;

  /* No model, cache or settings of the user's; no $DISCERN_MODEL_* from
   * the environment. */
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_unsetenv ("DISCERN_MODEL_DIR");
  g_unsetenv ("DISCERN_MODEL_URL");
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);

  gtk_test_init (&argc, &argv, NULL);
  setup ();

  g_test_add_func ("/app/model/offer", test_offer);
  g_test_add_func ("/app/model/download", test_download);
  g_test_add_func ("/app/model/retry-resumes", test_retry_resumes);
  g_test_add_func ("/app/model/cancel", test_cancel);
  g_test_add_func ("/app/model/checksum", test_checksum);
  g_test_add_func ("/app/model/quit-confirmation", test_quit_confirmation);
  g_test_add_func ("/app/model/close-mid-download", test_close_mid_download);
  g_test_add_func ("/app/model/broken-files", test_broken_files);
  g_test_add_func ("/app/model/broken-kinds", test_broken_kinds);
  g_test_add_func ("/app/model/damaged", test_damaged);
  g_test_add_func ("/app/model/preferences", test_preferences);

  status = g_test_run ();
  teardown ();

  command = g_strdup_printf ("rm -rf '%s'", home);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  return status;
}

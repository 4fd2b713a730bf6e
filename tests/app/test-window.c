/* test-window.c: the Discern window driven as a user would, under Xvfb
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One application for the whole program, with a small network in Keras'
 * HDF5 layout, generated pictures, a generated class index and a
 * SoupServer on 127.0.0.1 for the links. Each test starts from an empty
 * window and waits, with a deadline, for what a user would see.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <adwaita.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "discern-application.h"
#include "discern-comparison.h"
#include "discern-detail-view.h"
#include "discern-fetch.h"
#include "discern-prediction-row.h"
#include "discern-window.h"
#include "discern-model-files.h"
#include "h5-writer.h"
#include "loop-watch.h"

#define N_CLASSES    10
#define INPUT_SIZE   32
#define DEADLINE_S   60

static const H5wLayerSpec small_layers[] = {
  { H5W_CONV, "block1_conv1", 8 },
  { H5W_POOL, "block1_pool", 0 },
  { H5W_CONV, "block2_conv1", 8 },
  { H5W_POOL, "block2_pool", 0 },
  { H5W_FLATTEN, "flatten", 0 },
  { H5W_DENSE, "fc1", 16 },
  { H5W_DENSE, "predictions", N_CLASSES },
};

static struct {
  char               *dir;
  char               *model_dir;
  DiscernApplication *app;
  DiscernWindow      *window;
  SoupServer         *server;
  char               *base_url;
  GBytes             *png;
  GPtrArray          *held;     /* requests left waiting by "/held/" */
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

static GListModel *
items (void)
{
  return discern_window_get_items (fixture.window);
}

static DiscernItem *
item_at (guint position)
{
  g_autoptr(DiscernItem) item = g_list_model_get_item (items (), position);

  return item;
}

static gboolean
all_finished (gpointer data)
{
  guint expected = GPOINTER_TO_UINT (data);
  guint n = g_list_model_get_n_items (items ());

  if (n != expected) {
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    if (discern_item_is_busy (item_at (i))) {
      return FALSE;
    }
  }
  return TRUE;
}

static void
wait_for_items (guint n)
{
  wait_until (all_finished, GUINT_TO_POINTER (n), "the items to finish");
}

static gboolean
model_ready (gpointer data)
{
  DiscernClassifier *classifier = discern_application_get_classifier (fixture.app);
  DiscernModelState state = discern_classifier_get_state (classifier);

  return state != DISCERN_MODEL_STATE_LOADING && state != DISCERN_MODEL_STATE_NONE;
}

static void
clear_window (void)
{
  while (g_list_model_get_n_items (items ()) > 0) {
    discern_window_remove (fixture.window, item_at (0));
  }
  spin (20);
}

static void
assert_ranked (DiscernItem *item)
{
  DiscernResult *result = discern_item_get_result (item);
  float sum = 0.f;

  g_assert_cmpint (discern_item_get_state (item), ==, DISCERN_ITEM_STATE_DONE);
  g_assert_nonnull (result);
  g_assert_cmpuint (discern_result_get_n_classes (result), ==, N_CLASSES);
  g_assert_cmpuint (discern_result_get_n_top (result), ==, N_CLASSES);

  for (guint rank = 0; rank + 1 < discern_result_get_n_top (result); rank++) {
    float here = discern_result_get_probability (result,
                                                 discern_result_get_top_class (result, rank));
    float next = discern_result_get_probability (result,
                                                 discern_result_get_top_class (result,
                                                                               rank + 1));

    g_assert_cmpfloat (here, >=, next);
  }
  for (guint i = 0; i < N_CLASSES; i++) {
    sum += discern_result_get_probability (result, i);
  }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);

  g_assert_nonnull (discern_item_get_thumbnail (item));
  g_assert_nonnull (discern_item_get_picture (item));
  g_assert_nonnull (discern_item_get_input (item));
  g_assert_cmpint (gdk_texture_get_width (discern_item_get_input (item)), ==, INPUT_SIZE);
  g_assert_cmpint (gdk_texture_get_height (discern_item_get_input (item)), ==, INPUT_SIZE);
}

static void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget)) {
    g_ptr_array_add (out, widget);
  }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    collect_widgets (child, type, out);
  }
}

static GPtrArray *
find_widgets (GType type)
{
  GPtrArray *out = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (fixture.window), type, out);
  return out;
}

/* A picture with a gradient and a square whose place depends on `seed`. */
static GBytes *
make_png (guint seed,
          int   width,
          int   height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  char *buffer = NULL;
  gsize size = 0;

  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      guint8 *p = pixels + y * rowstride + x * 3;
      gboolean square = (x / 8 + y / 8 + seed) % 3 == 0;

      p[0] = (x * 255) / width;
      p[1] = square ? 230 : (y * 255) / height;
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
  g_autoptr(GBytes) png = make_png (seed, 48 + seed % 20, 40);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static void
write_labels (const char *path)
{
  g_autoptr(GString) json = g_string_new ("{");
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < N_CLASSES; i++) {
    g_string_append_printf (json, "%s\"%d\": [\"n%08d\", \"class_%d\"]",
                            i > 0 ? ", " : "", i, 1000 + i, i);
  }
  g_string_append (json, "}");
  g_file_set_contents (path, json->str, -1, &error);
  g_assert_no_error (error);
}

static gsize
body_length (SoupServerMessage *message)
{
  SoupMessageBody *body = soup_server_message_get_response_body (message);
  g_autoptr(GBytes) flat = soup_message_body_flatten (body);

  return g_bytes_get_size (flat);
}

/* Sends the next byte of a held picture, or all the rest with `all`. */
static void
send_more (SoupServerMessage *message,
           gboolean           all)
{
  SoupMessageBody *body = soup_server_message_get_response_body (message);
  gsize sent = body_length (message);
  gsize size = g_bytes_get_size (fixture.png);
  gsize n = all ? size - sent : MIN (1, size - sent);

  soup_message_body_append (body, SOUP_MEMORY_COPY,
                            (const char *) g_bytes_get_data (fixture.png, NULL) + sent, n);
  if (sent + n == size) {
    soup_message_body_complete (body);
  }
  soup_server_message_unpause (message);
}

static gboolean
trickle_cb (gpointer data)
{
  SoupServerMessage *message = data;
  guint position;

  if (!g_ptr_array_find (fixture.held, message, &position)) {
    return G_SOURCE_REMOVE;
  }
  send_more (message, FALSE);
  return G_SOURCE_CONTINUE;
}

static void
trickle (SoupServerMessage *message)
{
  soup_server_message_pause (message);
  send_more (message, FALSE);
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 1, trickle_cb, g_object_ref (message),
                              g_object_unref);
}

static void
drop_connection_cb (SoupServerMessage *message,
                    gpointer           user_data)
{
  g_socket_shutdown (soup_server_message_get_socket (message), TRUE, TRUE, NULL);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  if (g_str_equal (path, "/cat.png") || g_str_equal (path, "/dropped.png")) {
    soup_message_headers_set_content_type (headers, "image/png", NULL);
    soup_server_message_set_response (message, "image/png", SOUP_MEMORY_COPY,
                                      g_bytes_get_data (fixture.png, NULL),
                                      g_bytes_get_size (fixture.png));
    soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
    return;
  }

  /* A picture that comes a byte every second, until the test lets the
   * rest go. */
  if (g_str_has_prefix (path, "/held/")) {
    soup_message_headers_set_content_length (headers, g_bytes_get_size (fixture.png));
    soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
    g_ptr_array_add (fixture.held, g_object_ref (message));
    trickle (message);
    return;
  }

  if (g_str_equal (path, "/forbidden.png")) {
    soup_server_message_set_status (message, SOUP_STATUS_FORBIDDEN, NULL);
    soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC,
                                      "<html>No hotlinking</html>", 26);
    return;
  }

  if (g_str_equal (path, "/failing.png")) {
    soup_server_message_set_status (message, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
    return;
  }

  if (g_str_equal (path, "/loop.png")) {
    soup_server_message_set_redirect (message, SOUP_STATUS_FOUND, "/loop.png");
    return;
  }

  /* Half the picture, then the connection goes. */
  if (g_str_equal (path, "/cut.png")) {
    SoupMessageBody *body = soup_server_message_get_response_body (message);

    soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
    soup_message_headers_set_content_length (headers, g_bytes_get_size (fixture.png));
    soup_message_body_append (body, SOUP_MEMORY_COPY, g_bytes_get_data (fixture.png, NULL),
                              g_bytes_get_size (fixture.png) / 2);
    g_signal_connect (message, "wrote-chunk", G_CALLBACK (drop_connection_cb), NULL);
    g_ptr_array_add (fixture.held, g_object_ref (message));
    return;
  }

  if (g_str_equal (path, "/login.html")) {
    soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC,
                                      "<html><head><title>Sign in</title></head></html>", 48);
    soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
    return;
  }

  soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC,
                                    "<html>Not here</html>", 21);
}

static char *
url_for (const char *path)
{
  return g_strconcat (fixture.base_url, path, NULL);
}

static void
test_open_files (void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rows = NULL;

  for (guint i = 0; i < 3; i++) {
    g_autofree char *name = g_strdup_printf ("open-%u.png", i);

    g_ptr_array_add (files, write_picture (name, i));
  }

  g_application_open (G_APPLICATION (fixture.app), (GFile **) files->pdata, files->len, "");
  wait_for_items (3);

  for (guint i = 0; i < 3; i++) {
    assert_ranked (item_at (i));
  }
  g_assert_cmpstr (discern_item_get_title (item_at (1)), ==, "open-1.png");

  /* The first new item is selected and its ranking shown, 5 rows. */
  spin (50);
  rows = find_widgets (DISCERN_TYPE_PREDICTION_ROW);
  g_assert_cmpuint (rows->len, ==, 5);
  {
    DiscernResult *result = discern_item_get_result (item_at (0));
    guint top = discern_result_get_top_class (result, 0);

    g_assert_cmpstr (discern_prediction_row_get_name (rows->pdata[0]), ==,
                     discern_result_get_name (result, top));
    g_assert_cmpstr (discern_prediction_row_get_wnid (rows->pdata[0]), ==,
                     discern_result_get_wnid (result, top));
  }

  clear_window ();
}

static void
test_open_folder (void)
{
  g_autofree char *folder = g_build_filename (fixture.dir, "folder", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  g_autofree char *text = g_build_filename (folder, "notes.txt", NULL);

  g_mkdir_with_parents (folder, 0755);
  for (guint i = 0; i < 4; i++) {
    g_autofree char *name = g_strdup_printf ("folder/pic-%u.png", i);
    g_autoptr(GFile) picture = write_picture (name, 10 + i);
  }
  g_file_set_contents (text, "not a picture", -1, NULL);

  discern_window_open_files (fixture.window, &file, 1);
  wait_for_items (4);
  for (guint i = 0; i < 4; i++) {
    g_autofree char *expected = g_strdup_printf ("pic-%u.png", i);

    assert_ranked (item_at (i));
    g_assert_cmpstr (discern_item_get_title (item_at (i)), ==, expected);
  }

  clear_window ();
}

static void
test_paste_link (void)
{
  g_autofree char *url = url_for ("/cat.png");
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture.window));
  g_autofree char *text = g_strdup_printf ("Look at this: %s\n", url);

  gdk_clipboard_set_text (clipboard, text);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.paste", NULL);
  wait_for_items (1);

  assert_ranked (item_at (0));
  g_assert_cmpstr (discern_item_get_location (item_at (0)), ==, url);
  g_assert_cmpstr (discern_item_get_title (item_at (0)), ==, "cat.png");

  clear_window ();
}

static void
test_paste_data_url (void)
{
  g_autoptr(GBytes) png = make_png (6, 40, 30);
  g_autofree char *base64 = g_base64_encode (g_bytes_get_data (png, NULL),
                                             g_bytes_get_size (png));
  g_autofree char *url = g_strconcat ("data:image/png;base64,", base64, NULL);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture.window));

  gdk_clipboard_set_text (clipboard, url);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.paste", NULL);
  wait_for_items (1);

  assert_ranked (item_at (0));
  g_assert_true (g_str_has_prefix (discern_item_get_location (item_at (0)), "data:image/png"));
  g_assert_cmpuint (strlen (discern_item_get_location (item_at (0))), <, 100);

  clear_window ();
}

static void
test_paste_image (void)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = make_png (5, 64, 64);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture.window));

  texture = gdk_texture_new_from_bytes (png, &error);
  g_assert_no_error (error);
  gdk_clipboard_set_texture (clipboard, texture);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.paste", NULL);
  wait_for_items (1);

  assert_ranked (item_at (0));
  clear_window ();
}

static GtkDropTarget *
find_drop_target (void)
{
  g_autoptr(GListModel) controllers =
    gtk_widget_observe_controllers (GTK_WIDGET (fixture.window));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++) {
    g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

    if (GTK_IS_DROP_TARGET (controller)) {
      return GTK_DROP_TARGET (controller);
    }
  }

  g_assert_not_reached ();
  return NULL;
}

static gboolean
drop_value (const GValue *value)
{
  GtkDropTarget *target = find_drop_target ();
  gboolean accepted = FALSE;

  g_signal_emit_by_name (target, "drop", value, 20.0, 20.0, &accepted);
  return accepted;
}

static GtkWidget *
find_with_class (GtkWidget  *widget,
                 const char *css_class)
{
  if (gtk_widget_has_css_class (widget, css_class)) {
    return widget;
  }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = find_with_class (child, css_class);

    if (found != NULL) {
      return found;
    }
  }
  return NULL;
}

static void
test_drop_highlight (void)
{
  GtkDropTarget *target = find_drop_target ();
  GtkWidget *overlay = find_with_class (GTK_WIDGET (fixture.window), "drop-overlay");
  GdkDragAction action = 0;

  g_assert_nonnull (overlay);
  g_assert_false (gtk_widget_get_visible (overlay));

  g_signal_emit_by_name (target, "enter", 30.0, 30.0, &action);
  g_assert_cmpint (action, ==, GDK_ACTION_COPY);
  g_assert_true (gtk_widget_get_visible (overlay));

  g_signal_emit_by_name (target, "leave");
  g_assert_false (gtk_widget_get_visible (overlay));
}

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
      && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0) {
    return TRUE;
  }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    if (has_label (child, text)) {
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
shows_label_cb (gpointer text)
{
  return has_label (GTK_WIDGET (fixture.window), text);
}

static void
test_drop (void)
{
  g_autoptr(GFile) first = write_picture ("drop-1.png", 21);
  g_autoptr(GFile) second = write_picture ("drop-2.png", 22);
  GFile *files[] = { first, second };
  g_auto(GValue) file_value = G_VALUE_INIT;
  g_auto(GValue) text_value = G_VALUE_INIT;
  g_auto(GValue) junk_value = G_VALUE_INIT;
  g_autofree char *url = url_for ("/dropped.png");

  g_value_init (&file_value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&file_value, gdk_file_list_new_from_array (files, 2));
  g_assert_true (drop_value (&file_value));

  /* Browsers drag links as text. */
  g_value_init (&text_value, G_TYPE_STRING);
  g_value_set_string (&text_value, url);
  g_assert_true (drop_value (&text_value));

  /* A link of another kind is refused with a reason. */
  g_value_init (&junk_value, G_TYPE_STRING);
  g_value_set_string (&junk_value, "see ftp://example.com/cat.jpg");
  g_assert_true (drop_value (&junk_value));
  wait_until (shows_label_cb, "Only http, https and data links can be opened", "the toast");

  g_value_set_string (&junk_value, "just some words");
  g_assert_false (drop_value (&junk_value));

  wait_for_items (3);
  for (guint i = 0; i < 3; i++) {
    assert_ranked (item_at (i));
  }
  g_assert_cmpstr (discern_item_get_location (item_at (2)), ==, url);

  clear_window ();
}

static void
remove_when_classifying_cb (DiscernItem *item,
                            GParamSpec  *pspec,
                            gboolean    *removed)
{
  if (!*removed && discern_item_get_state (item) == DISCERN_ITEM_STATE_CLASSIFYING) {
    *removed = TRUE;
    discern_window_remove (fixture.window, item);
  }
}

static gboolean
has_items (gpointer data)
{
  return g_list_model_get_n_items (items ()) == GPOINTER_TO_UINT (data);
}

static void
test_remove_while_classifying (void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  DiscernItem *victim;
  gboolean removed = FALSE;

  for (guint i = 0; i < 6; i++) {
    g_autofree char *name = g_strdup_printf ("remove-%u.png", i);

    g_ptr_array_add (files, write_picture (name, 30 + i));
  }
  discern_window_open_files (fixture.window, (GFile **) files->pdata, files->len);
  wait_until (has_items, GUINT_TO_POINTER (6), "the items");

  /* The last one is queued behind the others: remove it when the worker
   * starts on it. */
  victim = item_at (5);
  g_object_add_weak_pointer (G_OBJECT (victim), (gpointer *) &victim);
  g_signal_connect (victim, "notify::state", G_CALLBACK (remove_when_classifying_cb),
                    &removed);

  wait_for_items (5);
  g_assert_true (removed);
  for (guint i = 0; i < 5; i++) {
    assert_ranked (item_at (i));
  }

  /* Its result was dropped, and nothing keeps it alive. */
  spin (200);
  g_assert_null (victim);

  clear_window ();
}

static void
test_failures (void)
{
  g_autofree char *broken_path = g_build_filename (fixture.dir, "broken.png", NULL);
  g_autoptr(GFile) broken = g_file_new_for_path (broken_path);
  g_autoptr(GFile) good = write_picture ("good.png", 40);
  g_autofree char *missing_url = url_for ("/missing.png");
  g_autoptr(GFile) missing = g_file_new_for_uri (missing_url);
  g_autofree char *page_url = url_for ("/login.html");
  g_autoptr(GFile) page = g_file_new_for_uri (page_url);
  GFile *files[] = { broken, missing, good, page };

  g_file_set_contents (broken_path, "this is text, not a picture\n", -1, NULL);
  discern_window_open_files (fixture.window, files, G_N_ELEMENTS (files));
  wait_for_items (4);

  g_assert_cmpint (discern_item_get_state (item_at (0)), ==, DISCERN_ITEM_STATE_FAILED);
  g_assert_cmpstr (discern_item_get_error_message (item_at (0)), ==,
                   "This is text, not a picture.");
  g_assert_nonnull (discern_item_get_error_details (item_at (0)));

  g_assert_cmpint (discern_item_get_state (item_at (1)), ==, DISCERN_ITEM_STATE_FAILED);
  g_assert_cmpstr (discern_item_get_error_message (item_at (1)), ==,
                   "There is no picture at this address (HTTP status 404).");
  g_assert_nonnull (strstr (discern_item_get_error_details (item_at (1)), missing_url));

  assert_ranked (item_at (2));

  g_assert_cmpint (discern_item_get_state (item_at (3)), ==, DISCERN_ITEM_STATE_FAILED);
  g_assert_cmpstr (discern_item_get_error_message (item_at (3)), ==,
                   "The link leads to a web page, not a picture.");
  g_assert_nonnull (strstr (discern_item_get_error_details (item_at (3)), "Sign in"));
  clear_window ();
}

static gboolean
n_held (gpointer data)
{
  return fixture.held->len == GPOINTER_TO_UINT (data);
}

/* Links to a server that sends slowly take the connections the session
 * keeps to it; another link to it waits for one without its time limits
 * running, however long that takes, and a waiting one can be removed. */
static void
test_busy_server (void)
{
  g_autofree char *first = url_for ("/held/first.png");
  g_autofree char *second = url_for ("/held/second.png");
  g_autofree char *third = url_for ("/cat.png");
  g_autofree char *fourth = url_for ("/dropped.png");
  g_autofree char *text = g_strdup_printf ("%s %s %s", first, second, third);
  SoupSession *session = discern_application_get_session (fixture.app);
  DiscernItem *removed;
  int limit = 0;

  g_object_get (session, "max-conns-per-host", &limit, NULL);
  g_test_message ("connections per server: %d", limit);
  if (limit != 2) {
    g_test_skip ("written for two connections per server");
    return;
  }

  g_assert_true (discern_window_open_text (fixture.window, text));
  g_assert_true (discern_window_open_text (fixture.window, fourth));
  wait_until (has_items, GUINT_TO_POINTER (4), "the items");
  wait_until (n_held, GUINT_TO_POINTER (2), "the held requests");

  removed = item_at (3);
  g_object_add_weak_pointer (G_OBJECT (removed), (gpointer *) &removed);
  discern_window_remove (fixture.window, removed);
  spin (100);
  g_assert_null (removed);

  /* Longer than a request may wait for its server's first answer. */
  spin ((DISCERN_FETCH_CONNECT_SECONDS + 1) * 1000);
  g_assert_cmpint (discern_item_get_state (item_at (2)), ==, DISCERN_ITEM_STATE_DOWNLOADING);

  for (guint i = 0; i < fixture.held->len; i++) {
    send_more (fixture.held->pdata[i], TRUE);
  }
  g_ptr_array_set_size (fixture.held, 0);

  wait_for_items (3);
  for (guint i = 0; i < 3; i++) {
    assert_ranked (item_at (i));
  }
  clear_window ();
}

/* Each way a link fails has its own sentence. */
static const struct {
  const char *path;      /* on the test server, or a whole URL */
  const char *message;
} failing_links[] = {
  { "/forbidden.png", "The server refuses to give the picture (HTTP status 403)." },
  { "/failing.png", "The server has a problem (HTTP status 500)." },
  { "/loop.png", "The link sends the download elsewhere too many times." },
  { "/cut.png", "The download was cut short." },
  { "http://127.0.0.1:1/closed.png", "The server could not be reached." },
};

static void
test_failing_links (void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < G_N_ELEMENTS (failing_links); i++) {
    const char *path = failing_links[i].path;
    g_autofree char *url = path[0] == '/' ? url_for (path) : g_strdup (path);

    g_ptr_array_add (files, g_file_new_for_uri (url));
  }

  discern_window_open_files (fixture.window, (GFile **) files->pdata, files->len);
  wait_for_items (files->len);

  for (guint i = 0; i < G_N_ELEMENTS (failing_links); i++) {
    g_test_message ("%s: %s", failing_links[i].path,
                    discern_item_get_error_details (item_at (i)));
    g_assert_cmpint (discern_item_get_state (item_at (i)), ==, DISCERN_ITEM_STATE_FAILED);
    g_assert_cmpstr (discern_item_get_error_message (item_at (i)), ==,
                     failing_links[i].message);
  }
  g_ptr_array_set_size (fixture.held, 0);
  clear_window ();
}

/* Files that are no picture say what they are instead. */
static const struct {
  const char *name;
  const char *contents;
  gssize      size;      /* -1: up to the NUL */
  const char *message;
} not_pictures[] = {
  { "empty.jpg", "", 0, "The file is empty." },
  { "notes.jpg", "Grüße aus dem Urlaub\n", -1, "This is text, not a picture." },
  { "saved.jpg", "\n<!DOCTYPE html><html><head><title>403 Forbidden</title></head></html>", -1,
    "This is a web page, not a picture." },
  { "phone.avif", "\0\0\0\x1c" "ftypavif\0\0\0\0avifmif1miaf\0\0\0\0", 32,
    "This AVIF image cannot be opened: no decoder for it is installed." },
  { "noise.png", "\x88PNG\r\n\x1a\n\x01\x02\x03\xff\xfe\0\0", 15,
    "The file is damaged or in a format that is not known here." },
};

static void
test_not_pictures (void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < G_N_ELEMENTS (not_pictures); i++) {
    g_autofree char *path = g_build_filename (fixture.dir, not_pictures[i].name, NULL);
    g_autoptr(GError) error = NULL;

    g_file_set_contents (path, not_pictures[i].contents, not_pictures[i].size, &error);
    g_assert_no_error (error);
    g_ptr_array_add (files, g_file_new_for_path (path));
  }

  discern_window_open_files (fixture.window, (GFile **) files->pdata, files->len);
  wait_for_items (files->len);

  for (guint i = 0; i < G_N_ELEMENTS (not_pictures); i++) {
    g_test_message ("%s", not_pictures[i].name);
    g_assert_cmpint (discern_item_get_state (item_at (i)), ==, DISCERN_ITEM_STATE_FAILED);
    g_assert_cmpstr (discern_item_get_error_message (item_at (i)), ==,
                     not_pictures[i].message);
    g_assert_nonnull (discern_item_get_error_details (item_at (i)));
  }
  clear_window ();
}

#define BURST_SIZE 50

typedef struct {
  GPtrArray *doomed;    /* weak pointers to the items to remove */
  gboolean   removed;
} Removal;

/* When the tenth picture is being classified, it and ten queued behind
 * it are removed, as a user tidying up while the work goes on. */
static void
remove_some_cb (DiscernItem *item,
                GParamSpec  *pspec,
                Removal     *removal)
{
  if (removal->removed || discern_item_get_state (item) != DISCERN_ITEM_STATE_CLASSIFYING) {
    return;
  }

  removal->removed = TRUE;
  for (guint i = 0; i < removal->doomed->len; i++) {
    DiscernItem *doomed = g_ptr_array_index (removal->doomed, i);

    discern_window_remove (fixture.window, doomed);
  }
}

/* Fifty pictures dropped at once: the window keeps answering, and
 * removing some while they are worked on loses nothing else. */
static void
test_burst (void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GValue) value = G_VALUE_INIT;
  gpointer weak[11] = { NULL };
  Removal removal = { g_ptr_array_new (), FALSE };
  LoopWatch watch;

  for (guint i = 0; i < BURST_SIZE; i++) {
    g_autofree char *name = g_strdup_printf ("burst-%02u.png", i);

    g_ptr_array_add (files, write_picture (name, 50 + i));
  }
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array ((GFile **) files->pdata,
                                                           files->len));

  if (g_getenv ("DISCERN_TEST_HIDE") != NULL) {
    gtk_widget_set_visible (GTK_WIDGET (fixture.window), FALSE);
  }
  loop_watch_start (&watch);
  g_assert_true (drop_value (&value));
  wait_until (has_items, GUINT_TO_POINTER (BURST_SIZE), "the items");

  for (guint i = 0; i < G_N_ELEMENTS (weak); i++) {
    weak[i] = item_at (i < 1 ? 9 : 19 + i);
    g_object_add_weak_pointer (weak[i], &weak[i]);
    g_ptr_array_add (removal.doomed, weak[i]);
  }
  g_signal_connect (item_at (9), "notify::state", G_CALLBACK (remove_some_cb), &removal);

  wait_for_items (BURST_SIZE - G_N_ELEMENTS (weak));
  loop_watch_stop (&watch);

  g_assert_true (removal.removed);
  for (guint i = 0; i < BURST_SIZE - G_N_ELEMENTS (weak); i++) {
    assert_ranked (item_at (i));
  }
  g_assert_cmpstr (discern_item_get_title (item_at (9)), ==, "burst-10.png");
  g_assert_cmpstr (discern_item_get_title (item_at (19)), ==, "burst-30.png");
  loop_watch_assert_responsive (&watch);

  /* Nothing keeps the removed ones alive. */
  spin (200);
  for (guint i = 0; i < G_N_ELEMENTS (weak); i++) {
    g_assert_null (weak[i]);
  }
  g_ptr_array_unref (removal.doomed);

  clear_window ();
}

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  g_assert_nonnull (*text);
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

static char *
copy_results (const char *format)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture.window));
  char *text = NULL;

  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.copy-results", "s", format);
  gdk_clipboard_read_text_async (clipboard, NULL, read_text_cb, &text);
  wait_until (is_set, &text, "the clipboard");
  return text;
}

static void
test_compare_and_export (void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) comparisons = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) lines = NULL;
  JsonArray *array;

  for (guint i = 0; i < 3; i++) {
    g_autofree char *name = g_strdup_printf ("compare,%u.png", i);

    g_ptr_array_add (files, write_picture (name, 70 + i));
  }
  discern_window_open_files (fixture.window, (GFile **) files->pdata, files->len);
  wait_for_items (3);

  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.select-all", NULL);
  spin (50);
  comparisons = find_widgets (DISCERN_TYPE_COMPARISON);
  g_assert_cmpuint (comparisons->len, ==, 1);
  g_assert_cmpuint (discern_comparison_get_n_rows (comparisons->pdata[0]), >=, 5);

  csv = copy_results ("csv");
  lines = g_strsplit (csv, "\r\n", -1);
  g_assert_cmpstr (lines[0], ==, "file,wnid,class,probability,rank");
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 3 * 5 + 1);
  g_assert_true (g_str_has_prefix (lines[1], "\""));  /* the comma in the name is quoted */
  g_assert_true (g_str_has_suffix (lines[1], ",1"));
  g_assert_true (g_str_has_suffix (lines[5], ",5"));

  json = copy_results ("json");
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  {
    JsonObject *first = json_array_get_object_element (array, 0);
    JsonArray *predictions = json_object_get_array_member (first, "predictions");
    JsonObject *top = json_array_get_object_element (predictions, 0);

    g_assert_cmpuint (json_array_get_length (predictions), ==, 5);
    g_assert_cmpint (json_object_get_int_member (top, "rank"), ==, 1);
    g_assert_true (g_str_has_prefix (json_object_get_string_member (top, "wnid"), "n0"));
    g_assert_true (g_str_has_prefix (json_object_get_string_member (top, "class"), "class_"));
  }

  /* The grid of all items. */
  g_object_set (fixture.window, "show-grid", TRUE, NULL);
  spin (50);
  {
    g_autoptr(GPtrArray) cards = find_widgets (g_type_from_name ("DiscernItemCard"));

    g_assert_cmpuint (cards->len, ==, 3);
  }
  g_object_set (fixture.window, "show-grid", FALSE, NULL);

  clear_window ();
}

static gboolean
item_restarted_and_done (gpointer data)
{
  DiscernItem *item = data;

  return discern_item_get_state (item) == DISCERN_ITEM_STATE_DONE;
}

static void
state_log_cb (DiscernItem *item,
              GParamSpec  *pspec,
              guint       *changes)
{
  (*changes)++;
}

static void
test_resize_mode (void)
{
  g_autoptr(GFile) file = write_picture ("wide.png", 90);
  GSettings *settings = discern_application_get_settings (fixture.app);
  guint changes = 0;

  discern_window_open_files (fixture.window, &file, 1);
  wait_for_items (1);

  g_signal_connect (item_at (0), "notify::state", G_CALLBACK (state_log_cb), &changes);
  g_settings_set_string (settings, "resize-mode", "crop");
  g_assert_cmpuint (changes, >, 0);
  wait_until (item_restarted_and_done, item_at (0), "the item to be classified again");
  assert_ranked (item_at (0));
  g_signal_handlers_disconnect_by_func (item_at (0), state_log_cb, &changes);
  g_settings_reset (settings, "resize-mode");

  wait_for_items (1);
  clear_window ();
}

static void
test_n_predictions (void)
{
  g_autoptr(GFile) file = write_picture ("ten.png", 91);
  GSettings *settings = discern_application_get_settings (fixture.app);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) more_rows = NULL;

  discern_window_open_files (fixture.window, &file, 1);
  wait_for_items (1);
  spin (50);
  rows = find_widgets (DISCERN_TYPE_PREDICTION_ROW);
  g_assert_cmpuint (rows->len, ==, 5);

  g_settings_set_int (settings, "n-predictions", 8);
  spin (50);
  more_rows = find_widgets (DISCERN_TYPE_PREDICTION_ROW);
  g_assert_cmpuint (more_rows->len, ==, 8);

  g_settings_reset (settings, "n-predictions");
  clear_window ();
}

static gboolean
item_waits (gpointer data)
{
  return g_list_model_get_n_items (items ()) == 1
         && discern_item_get_state (item_at (0)) == DISCERN_ITEM_STATE_WAITING;
}

static void
test_model_missing (void)
{
  g_autoptr(GFile) waiting = write_picture ("waiting.png", 95);
  GSettings *settings = discern_application_get_settings (fixture.app);
  g_autofree char *empty = g_build_filename (fixture.dir, "empty-model", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("DISCERN_MODEL_DIR"));
  GtkStack *stack;
  g_autoptr(GPtrArray) stacks = NULL;

  g_mkdir_with_parents (empty, 0755);
  g_setenv ("DISCERN_MODEL_DIR", empty, TRUE);
  g_settings_set_string (settings, "model-folder", empty);
  spin (10);
  wait_until (model_ready, NULL, "the model check");
  g_assert_cmpint (discern_classifier_get_state (discern_application_get_classifier (fixture.app)),
                   ==, DISCERN_MODEL_STATE_MISSING);

  stacks = find_widgets (GTK_TYPE_STACK);
  stack = stacks->pdata[0];
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "model");

  /* A picture opened now waits for the network and is classified once the
   * model is back. */
  discern_window_open_files (fixture.window, &waiting, 1);
  wait_until (item_waits, NULL, "the item to wait for the network");

  g_setenv ("DISCERN_MODEL_DIR", saved, TRUE);
  g_settings_reset (settings, "model-folder");
  spin (10);
  wait_until (model_ready, NULL, "the model");
  g_assert_cmpint (discern_classifier_get_state (discern_application_get_classifier (fixture.app)),
                   ==, DISCERN_MODEL_STATE_READY);
  wait_for_items (1);
  assert_ranked (item_at (0));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "items");

  clear_window ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "welcome");
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++) {
    g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

    if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window))) {
      return window;
    }
  }

  return NULL;
}

static void
close_toplevel (GType type)
{
  GtkWindow *window = find_toplevel (type);

  g_assert_nonnull (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (window);
  spin (50);
  g_assert_null (window);
}

static void
test_dialogs (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (fixture.app), "preferences", NULL);
  spin (50);
  close_toplevel (g_type_from_name ("DiscernPreferencesWindow"));

  g_action_group_activate_action (G_ACTION_GROUP (fixture.app), "about", NULL);
  spin (50);
  close_toplevel (ADW_TYPE_ABOUT_WINDOW);

  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.show-help-overlay", NULL);
  spin (50);
  g_assert_nonnull (find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW));
  gtk_widget_set_visible (GTK_WIDGET (find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW)), FALSE);
}

static void
test_widgets_finalize (void)
{
  g_autoptr(GFile) file = write_picture ("finalize.png", 99);
  DiscernItem *item;
  GtkWidget *widgets[5];
  DiscernWindow *window;
  GPtrArray *array;

  discern_window_open_files (fixture.window, &file, 1);
  wait_for_items (1);
  item = g_object_ref (item_at (0));

  widgets[0] = g_object_ref_sink (discern_prediction_row_new ());
  widgets[1] = g_object_ref_sink (discern_detail_view_new ());
  discern_detail_view_set_item (DISCERN_DETAIL_VIEW (widgets[1]), item);
  widgets[2] = g_object_ref_sink (discern_comparison_new ());
  array = g_ptr_array_new ();
  g_ptr_array_add (array, item);
  discern_comparison_set_items (DISCERN_COMPARISON (widgets[2]), array);
  g_ptr_array_unref (array);
  widgets[3] = g_object_ref_sink (g_object_new (g_type_from_name ("DiscernItemRow"),
                                                "item", item, NULL));
  widgets[4] = g_object_ref_sink (g_object_new (g_type_from_name ("DiscernItemCard"),
                                                "item", item, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++) {
    g_assert_finalize_object (widgets[i]);
  }

  clear_window ();
  g_assert_finalize_object (item);

  /* A second window with an item, closed. */
  window = discern_window_new (fixture.app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_present (GTK_WINDOW (window));
  discern_window_open_files (window, &file, 1);
  while (g_list_model_get_n_items (discern_window_get_items (window)) == 0) {
    g_main_context_iteration (NULL, TRUE);
  }
  gtk_window_destroy (GTK_WINDOW (window));
  spin (300);
  g_assert_null (window);
}

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(H5wModel) model = NULL;
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(GSList) uris = NULL;
  GList *windows;

  fixture.dir = g_dir_make_tmp ("discern-app-XXXXXX", &error);
  g_assert_no_error (error);
  fixture.model_dir = g_build_filename (fixture.dir, "model", NULL);
  g_mkdir_with_parents (fixture.model_dir, 0755);

  weights = g_build_filename (fixture.model_dir, DISCERN_WEIGHTS_FILE_NAME, NULL);
  labels = g_build_filename (fixture.model_dir, DISCERN_LABELS_FILE_NAME, NULL);
  model = h5w_model_new (small_layers, G_N_ELEMENTS (small_layers), INPUT_SIZE, 11);
  h5w_model_write (model, weights, NULL, &error);
  g_assert_no_error (error);
  write_labels (labels);
  g_setenv ("DISCERN_MODEL_DIR", fixture.model_dir, TRUE);

  fixture.png = make_png (3, 80, 60);
  fixture.held = g_ptr_array_new_with_free_func (g_object_unref);
  fixture.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture.server, NULL, server_cb, NULL, NULL);
  soup_server_listen_local (fixture.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fixture.server);
  fixture.base_url = g_uri_to_string_partial (uris->data, G_URI_HIDE_PASSWORD);
  if (g_str_has_suffix (fixture.base_url, "/")) {
    fixture.base_url[strlen (fixture.base_url) - 1] = '\0';
  }
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  fixture.app = discern_application_new (G_APPLICATION_NON_UNIQUE |
                                         G_APPLICATION_HANDLES_OPEN);
  g_application_register (G_APPLICATION (fixture.app), NULL, &error);
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (fixture.app));
  g_application_activate (G_APPLICATION (fixture.app));

  windows = gtk_application_get_windows (GTK_APPLICATION (fixture.app));
  g_assert_nonnull (windows);
  fixture.window = windows->data;
  wait_until (model_ready, NULL, "the model");
  g_assert_cmpint (discern_classifier_get_state (discern_application_get_classifier (fixture.app)),
                   ==, DISCERN_MODEL_STATE_READY);
}

static void
teardown (void)
{
  g_autofree char *command = NULL;

  gtk_window_destroy (GTK_WINDOW (fixture.window));
  g_application_release (G_APPLICATION (fixture.app));
  discern_classifier_stop (discern_application_get_classifier (fixture.app));
  spin (50);
  g_clear_object (&fixture.server);
  g_clear_pointer (&fixture.held, g_ptr_array_unref);
  g_clear_pointer (&fixture.png, g_bytes_unref);

  command = g_strdup_printf ("rm -rf '%s'", fixture.dir);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *home = g_dir_make_tmp ("discern-home-XXXXXX", NULL);
  int status;

  /* Keep the user's own model and caches out of the tests. */
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);

  gtk_test_init (&argc, &argv, NULL);

  setup ();

  g_test_add_func ("/app/window/open-files", test_open_files);
  g_test_add_func ("/app/window/open-folder", test_open_folder);
  g_test_add_func ("/app/window/paste-link", test_paste_link);
  g_test_add_func ("/app/window/paste-image", test_paste_image);
  g_test_add_func ("/app/window/paste-data-url", test_paste_data_url);
  g_test_add_func ("/app/window/drop", test_drop);
  g_test_add_func ("/app/window/drop-highlight", test_drop_highlight);
  g_test_add_func ("/app/window/remove-while-classifying", test_remove_while_classifying);
  g_test_add_func ("/app/window/failures", test_failures);
  g_test_add_func ("/app/window/not-pictures", test_not_pictures);
  g_test_add_func ("/app/window/failing-links", test_failing_links);
  g_test_add_func ("/app/window/busy-server", test_busy_server);
  g_test_add_func ("/app/window/burst", test_burst);
  g_test_add_func ("/app/window/compare-and-export", test_compare_and_export);
  g_test_add_func ("/app/window/resize-mode", test_resize_mode);
  g_test_add_func ("/app/window/n-predictions", test_n_predictions);
  g_test_add_func ("/app/window/model-missing", test_model_missing);
  g_test_add_func ("/app/window/dialogs", test_dialogs);
  g_test_add_func ("/app/widgets/finalize", test_widgets_finalize);

  status = g_test_run ();
  teardown ();
  g_rmdir (home);
  return status;
}

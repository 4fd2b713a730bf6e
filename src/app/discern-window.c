/* discern-window.c: the main window
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "discern-window.h"

#include "discern-app-private.h"
#include "discern-comparison.h"
#include "discern-detail-view.h"
#include "discern-export.h"
#include "discern-fetch.h"
#include "discern-grid.h"
#include "discern-item-row.h"
#include "discern-model-page.h"

struct _DiscernWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkWidget            *drop_overlay;
  GtkStack             *main_stack;
  DiscernModelPage     *model_page;
  AdwLeaflet           *leaflet;
  GtkWidget            *content_box;
  GtkListView          *item_list;
  AdwWindowTitle       *content_title;
  GtkStack             *content_stack;
  DiscernDetailView    *detail_view;
  DiscernComparison    *comparison;
  DiscernGrid          *grid;

  /* owned */
  GListStore           *items;
  GtkMultiSelection    *selection;
  GCancellable         *cancellable;
  GtkFileChooserNative *chooser;

  /* state */
  gboolean              show_grid;
};

G_DEFINE_FINAL_TYPE (DiscernWindow, discern_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SHOW_GRID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_content (DiscernWindow *self);

static DiscernApplication *
get_application (DiscernWindow *self)
{
  return DISCERN_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

static GSettings *
get_settings (DiscernWindow *self)
{
  return discern_application_get_settings (get_application (self));
}

static GPtrArray *
get_selected_items (DiscernWindow *self)
{
  GPtrArray *selected = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n; i++) {
    if (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), i)) {
      g_ptr_array_add (selected, g_list_model_get_item (G_LIST_MODEL (self->items), i));
    }
  }

  return selected;
}

static gboolean
has_results (DiscernWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n; i++) {
    g_autoptr(DiscernItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

    if (discern_item_get_result (item) != NULL) {
      return TRUE;
    }
  }

  return FALSE;
}

static void
update_actions (DiscernWindow *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  g_autoptr(GtkBitset) selected = NULL;
  gboolean results = has_results (self);

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove",
                                 !gtk_bitset_is_empty (selected));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.select-all", n_items > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-grid", n_items > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-results", results);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", results);
}

static void
update_content (DiscernWindow *self)
{
  g_autoptr(GPtrArray) selected = get_selected_items (self);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  if (self->show_grid) {
    g_autofree char *subtitle = g_strdup_printf (ngettext ("%u picture", "%u pictures",
                                                           n_items), n_items);

    adw_window_title_set_title (self->content_title, _("All Pictures"));
    adw_window_title_set_subtitle (self->content_title, subtitle);
    gtk_stack_set_visible_child_name (self->content_stack, "grid");
    discern_detail_view_set_item (self->detail_view, NULL);
    return;
  }

  if (selected->len == 1) {
    DiscernItem *item = g_ptr_array_index (selected, 0);

    adw_window_title_set_title (self->content_title, discern_item_get_title (item));
    adw_window_title_set_subtitle (self->content_title, NULL);
    discern_detail_view_set_item (self->detail_view, item);
    gtk_stack_set_visible_child_name (self->content_stack, "detail");
    return;
  }

  discern_detail_view_set_item (self->detail_view, NULL);
  discern_comparison_set_items (self->comparison, selected);

  if (selected->len == 0) {
    adw_window_title_set_title (self->content_title, "");
    adw_window_title_set_subtitle (self->content_title, NULL);
    gtk_stack_set_visible_child_name (self->content_stack, "none");
  } else {
    g_autofree char *subtitle = g_strdup_printf (ngettext ("%u picture", "%u pictures",
                                                           selected->len), selected->len);

    adw_window_title_set_title (self->content_title, _("Comparison"));
    adw_window_title_set_subtitle (self->content_title, subtitle);
    gtk_stack_set_visible_child_name (self->content_stack, "compare");
  }
}

/* The pictures that wait for the network, or for a download or decoding
 * that will then wait for it. */
static guint
count_waiting (DiscernWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  guint waiting = 0;

  for (guint i = 0; i < n; i++) {
    g_autoptr(DiscernItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

    if (discern_item_is_busy (item)) {
      waiting++;
    }
  }

  return waiting;
}

/* The model page stays while the network is being loaded after it, so
 * that a finished download does not flash the welcome page. */
static gboolean
wants_model_page (DiscernWindow *self)
{
  DiscernApplication *application = get_application (self);
  DiscernModelState state =
    discern_classifier_get_state (discern_application_get_classifier (application));
  DiscernDownloaderState download =
    discern_model_downloader_get_state (discern_application_get_downloader (application));

  switch (state) {
  case DISCERN_MODEL_STATE_MISSING:
  case DISCERN_MODEL_STATE_BROKEN:
    return TRUE;
  case DISCERN_MODEL_STATE_NONE:
  case DISCERN_MODEL_STATE_LOADING:
    return download == DISCERN_DOWNLOADER_RUNNING
           || g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "model") == 0;
  case DISCERN_MODEL_STATE_READY:
  default:
    return FALSE;
  }
}

static void
update_waiting (DiscernWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "model") == 0) {
    discern_model_page_set_n_waiting (self->model_page, count_waiting (self));
  }
}

static void
update_view (DiscernWindow *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  if (wants_model_page (self)) {
    gtk_stack_set_visible_child_name (self->main_stack, "model");
    update_waiting (self);
  } else if (n_items == 0) {
    gtk_stack_set_visible_child_name (self->main_stack, "welcome");
  } else {
    gtk_stack_set_visible_child_name (self->main_stack, "items");
  }

  update_content (self);
  update_actions (self);
}

static void
set_show_grid (DiscernWindow *self,
               gboolean       show_grid)
{
  if (self->show_grid == show_grid) {
    return;
  }

  /* The grid makes a card per item: only while it is shown. */
  self->show_grid = show_grid;
  discern_grid_set_model (self->grid, show_grid ? G_LIST_MODEL (self->items) : NULL);
  if (show_grid) {
    gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
    if (adw_leaflet_get_folded (self->leaflet)) {
      adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
    }
  }
  update_content (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_GRID]);
}

static void
model_state_cb (DiscernWindow     *self,
                GParamSpec        *pspec,
                DiscernClassifier *classifier)
{
  if (discern_classifier_get_state (classifier) == DISCERN_MODEL_STATE_READY
      && !discern_classifier_get_verified (classifier)) {
    discern_window_add_toast (self, _("The model files are not Keras’ published ones; "
                                      "they are used as chosen"));
  }

  update_view (self);
}

static void
selection_changed_cb (DiscernWindow      *self,
                      guint               position,
                      guint               n_items,
                      GtkSelectionModel  *selection)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (selection);

  if (!gtk_bitset_is_empty (selected)) {
    set_show_grid (self, FALSE);
  }

  /* Narrow, the list and the picture are pages: choosing one shows it. */
  if (gtk_bitset_get_size (selected) == 1 && adw_leaflet_get_folded (self->leaflet)) {
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  }

  update_content (self);
  update_actions (self);
}

/* Folding with a picture chosen keeps it in view; the list is one step
 * back. */
static void
leaflet_folded_cb (DiscernWindow *self,
                   GParamSpec    *pspec,
                   AdwLeaflet    *leaflet)
{
  g_autoptr(GtkBitset) selected =
    gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

  if (adw_leaflet_get_folded (leaflet) && (!gtk_bitset_is_empty (selected) || self->show_grid)) {
    adw_leaflet_set_visible_child (leaflet, self->content_box);
  }
}

static void
item_activated_cb (DiscernWindow *self,
                   guint          position,
                   GtkListView   *list)
{
  if (adw_leaflet_get_folded (self->leaflet)) {
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  }
}

static void
item_notify_result_cb (DiscernWindow *self,
                       GParamSpec    *pspec,
                       DiscernItem   *item)
{
  update_actions (self);
}

static void
item_notify_state_cb (DiscernWindow *self,
                      GParamSpec    *pspec,
                      DiscernItem   *item)
{
  update_waiting (self);
}

static void
settings_resize_mode_cb (DiscernWindow *self,
                         const char    *key,
                         GSettings     *settings)
{
  DiscernApplication *application = get_application (self);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n; i++) {
    g_autoptr(DiscernItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

    discern_item_start (item,
                        discern_application_get_classifier (application),
                        discern_application_get_session (application),
                        discern_application_get_resize_mode (application));
  }
}

static void
select_only (DiscernWindow *self,
             guint          position)
{
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (self->item_list), "list.scroll-to-item",
                              "u", position);
}

/* Links that are downloaded (or, for data:, decoded) rather than read. */
static gboolean
is_web_file (GFile *file)
{
  return g_file_has_uri_scheme (file, "http") || g_file_has_uri_scheme (file, "https")
         || g_file_has_uri_scheme (file, "data");
}

static gboolean
is_image_type (const char *content_type)
{
  g_autofree char *mime = NULL;

  if (content_type == NULL) {
    return FALSE;
  }

  mime = g_content_type_get_mime_type (content_type);
  return mime != NULL && g_str_has_prefix (mime, "image/");
}

static int
compare_files_by_name (gconstpointer a,
                       gconstpointer b)
{
  GFileInfo *info_a = *(GFileInfo **) a;
  GFileInfo *info_b = *(GFileInfo **) b;
  g_autofree char *key_a = g_utf8_collate_key_for_filename (
    g_file_info_get_display_name (info_a), -1);
  g_autofree char *key_b = g_utf8_collate_key_for_filename (
    g_file_info_get_display_name (info_b), -1);

  return strcmp (key_a, key_b);
}

/* Runs on a worker thread: the pictures in a folder, by name. */
static void
add_folder_images (GPtrArray    *out,
                   GFile        *folder,
                   GCancellable *cancellable)
{
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func (g_object_unref);
  GFileInfo *info;

  children = g_file_enumerate_children (folder,
                                        G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                        G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE,
                                        G_FILE_QUERY_INFO_NONE, cancellable, NULL);
  if (children == NULL) {
    return;
  }

  while ((info = g_file_enumerator_next_file (children, cancellable, NULL)) != NULL) {
    if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR
        && is_image_type (g_file_info_get_content_type (info))) {
      g_ptr_array_add (infos, info);
    } else {
      g_object_unref (info);
    }
  }

  g_ptr_array_sort (infos, compare_files_by_name);
  for (guint i = 0; i < infos->len; i++) {
    g_ptr_array_add (out, g_file_get_child (folder, g_file_info_get_name (infos->pdata[i])));
  }
}

static void
expand_files_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GPtrArray *files = task_data;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < files->len; i++) {
    GFile *file = g_ptr_array_index (files, i);

    if (!is_web_file (file)
        && g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, cancellable)
           == G_FILE_TYPE_DIRECTORY) {
      add_folder_images (out, file, cancellable);
    } else {
      g_ptr_array_add (out, g_object_ref (file));
    }
  }

  g_task_return_pointer (task, out, (GDestroyNotify) g_ptr_array_unref);
}

/* All at once, so that the views update once for a whole drop. */
static void
add_items (DiscernWindow *self,
           GPtrArray     *new_items)
{
  DiscernApplication *application = get_application (self);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < new_items->len; i++) {
    g_signal_connect_object (new_items->pdata[i], "notify::result",
                             G_CALLBACK (item_notify_result_cb), self, G_CONNECT_SWAPPED);
    g_signal_connect_object (new_items->pdata[i], "notify::state",
                             G_CALLBACK (item_notify_state_cb), self, G_CONNECT_SWAPPED);
  }
  g_list_store_splice (self->items, n, 0, new_items->pdata, new_items->len);

  for (guint i = 0; i < new_items->len; i++) {
    discern_item_start (new_items->pdata[i],
                        discern_application_get_classifier (application),
                        discern_application_get_session (application),
                        discern_application_get_resize_mode (application));
  }
}

static void
files_expanded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  DiscernWindow *self = DISCERN_WINDOW (object);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) new_items = g_ptr_array_new_with_free_func (g_object_unref);
  guint first = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  files = g_task_propagate_pointer (G_TASK (result), NULL);
  if (files == NULL) {
    return;
  }

  if (files->len == 0) {
    discern_window_add_toast (self, _("No pictures were found there"));
    return;
  }

  for (guint i = 0; i < files->len; i++) {
    GFile *file = g_ptr_array_index (files, i);

    if (is_web_file (file)) {
      g_autofree char *uri = g_file_get_uri (file);

      g_ptr_array_add (new_items, discern_item_new_for_url (uri));
    } else {
      g_ptr_array_add (new_items, discern_item_new_for_file (file));
    }
  }
  add_items (self, new_items);

  select_only (self, first);
}

static void
open_response_cb (DiscernWindow        *self,
                  int                   response,
                  GtkFileChooserNative *chooser)
{
  g_autoptr(GListModel) files = NULL;
  g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);

  if (response == GTK_RESPONSE_ACCEPT) {
    files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
    for (guint i = 0; i < g_list_model_get_n_items (files); i++) {
      g_ptr_array_add (array, g_list_model_get_item (files, i));
    }
    discern_window_open_files (self, (GFile **) array->pdata, array->len);
  }

  g_clear_object (&self->chooser);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  DiscernWindow *self = DISCERN_WINDOW (widget);
  g_autoptr(GtkFileFilter) images = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  if (self->chooser != NULL) {
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
    return;
  }

  gtk_file_filter_set_name (images, _("Pictures"));
  gtk_file_filter_add_pixbuf_formats (images);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");

  self->chooser = gtk_file_chooser_native_new (_("Open Pictures"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), images);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (open_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
add_texture (DiscernWindow *self,
             GdkTexture    *texture,
             const char    *title)
{
  g_autoptr(DiscernItem) item = discern_item_new_for_texture (texture, title);
  guint position = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  discern_window_add_item (self, item);
  select_only (self, position);
}

static void
add_file_list (DiscernWindow *self,
               GSList        *list)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new ();

  for (GSList *l = list; l != NULL; l = l->next) {
    g_ptr_array_add (files, l->data);
  }
  discern_window_open_files (self, (GFile **) files->pdata, files->len);
}

static void
paste_text_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(DiscernWindow) self = user_data;
  g_autofree char *text = NULL;

  text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (text == NULL || !discern_window_open_text (self, text)) {
    discern_window_add_toast (self, _("The clipboard holds no picture and no link"));
  }
}

static void
paste_files_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(DiscernWindow) self = user_data;
  const GValue *value;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, NULL);
  if (value == NULL) {
    discern_window_add_toast (self, _("The copied files could not be read"));
    return;
  }

  add_file_list (self, g_value_get_boxed (value));
}

static void
paste_texture_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(DiscernWindow) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object), result, NULL);
  if (texture == NULL) {
    discern_window_add_toast (self, _("The copied picture could not be read"));
    return;
  }

  add_texture (self, texture, _("Pasted Picture"));
}

/* A picture first, then files, then text with links. */
static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  DiscernWindow *self = DISCERN_WINDOW (widget);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);
  g_autoptr(GdkContentFormats) formats = NULL;

  formats = gdk_content_formats_ref (gdk_clipboard_get_formats (clipboard));
  formats = gdk_content_formats_union_deserialize_gtypes (formats);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE)) {
    gdk_clipboard_read_texture_async (clipboard, self->cancellable, paste_texture_cb,
                                      g_object_ref (self));
  } else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST)) {
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT,
                                    self->cancellable, paste_files_cb, g_object_ref (self));
  } else if (gdk_content_formats_contain_gtype (formats, G_TYPE_STRING)) {
    gdk_clipboard_read_text_async (clipboard, self->cancellable, paste_text_cb,
                                   g_object_ref (self));
  } else {
    discern_window_add_toast (self, _("The clipboard holds no picture and no link"));
  }
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DiscernWindow *self = DISCERN_WINDOW (widget);
  g_autoptr(GPtrArray) selected = get_selected_items (self);

  for (guint i = 0; i < selected->len; i++) {
    discern_window_remove (self, g_ptr_array_index (selected, i));
  }
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  DiscernWindow *self = DISCERN_WINDOW (widget);

  gtk_selection_model_select_all (GTK_SELECTION_MODEL (self->selection));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  DiscernWindow *self = DISCERN_WINDOW (widget);

  /* Back in the list, the same picture can be chosen again. */
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
}

static void
grid_item_activated_cb (DiscernWindow *self,
                        DiscernItem   *item,
                        DiscernGrid   *grid)
{
  guint position;

  if (g_list_store_find (self->items, item, &position)) {
    select_only (self, position);
  }
}

static char *
export_text (DiscernWindow *self,
             gboolean       json)
{
  guint n_predictions = g_settings_get_int (get_settings (self), "n-predictions");

  return json ? discern_export_json (G_LIST_MODEL (self->items), n_predictions)
              : discern_export_csv (G_LIST_MODEL (self->items), n_predictions);
}

static void
copy_results_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  DiscernWindow *self = DISCERN_WINDOW (widget);
  gboolean json = g_str_equal (g_variant_get_string (parameter, NULL), "json");
  g_autofree char *text = export_text (self, json);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  discern_window_add_toast (self, json ? _("Results copied as JSON")
                                       : _("Results copied as CSV"));
}

static void
export_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(DiscernWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error)) {
    g_autofree char *message = NULL;

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      return;
    }
    message = g_strdup_printf (_("The results could not be saved: %s"), error->message);
    discern_window_add_toast (self, message);
    return;
  }

  discern_window_add_toast (self, _("Results exported"));
}

static void
export_response_cb (DiscernWindow        *self,
                    int                   response,
                    GtkFileChooserNative *chooser)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = NULL;
  char *text;

  if (response == GTK_RESPONSE_ACCEPT) {
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
    name = g_file_get_basename (file);
    text = export_text (self, g_str_has_suffix (name, ".json"));
    bytes = g_bytes_new_take (text, strlen (text));
    g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE,
                                         G_FILE_CREATE_REPLACE_DESTINATION,
                                         self->cancellable, export_written_cb,
                                         g_object_ref (self));
  }

  g_clear_object (&self->chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DiscernWindow *self = DISCERN_WINDOW (widget);
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) json = gtk_file_filter_new ();

  if (self->chooser != NULL) {
    return;
  }

  gtk_file_filter_set_name (csv, _("CSV"));
  gtk_file_filter_add_suffix (csv, "csv");
  gtk_file_filter_set_name (json, _("JSON"));
  gtk_file_filter_add_suffix (json, "json");

  self->chooser = gtk_file_chooser_native_new (_("Export Results"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), csv);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), json);
  /* Translators: the suggested file name of exported results */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), _("results.csv"));
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (export_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static GdkDragAction
drop_enter_cb (DiscernWindow *self,
               double         x,
               double         y,
               GtkDropTarget *target)
{
  gtk_widget_set_visible (self->drop_overlay, TRUE);
  return GDK_ACTION_COPY;
}

static void
drop_leave_cb (DiscernWindow *self,
               GtkDropTarget *target)
{
  gtk_widget_set_visible (self->drop_overlay, FALSE);
}

static gboolean
drop_cb (DiscernWindow *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  gtk_widget_set_visible (self->drop_overlay, FALSE);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST)) {
    GSList *files = g_value_get_boxed (value);

    if (files == NULL) {
      return FALSE;
    }
    add_file_list (self, files);
    return TRUE;
  }

  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE)) {
    add_texture (self, g_value_get_object (value), _("Dropped Picture"));
    return TRUE;
  }

  if (G_VALUE_HOLDS (value, G_TYPE_STRING)) {
    if (discern_window_open_text (self, g_value_get_string (value))) {
      return TRUE;
    }
    discern_window_add_toast (self, _("The dropped text holds no link"));
  }

  return FALSE;
}

static void
setup_drop_target (DiscernWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  GType types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE, G_TYPE_STRING };

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect_object (target, "enter", G_CALLBACK (drop_enter_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "leave", G_CALLBACK (drop_leave_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "drop", G_CALLBACK (drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

/* GtkWindow:application is set after construction, so what needs the
 * application is connected here. */
static void
connect_application (DiscernWindow *self)
{
  DiscernApplication *application = get_application (self);
  GSettings *settings = discern_application_get_settings (application);

  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "n-predictions", self->detail_view, "n-predictions",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "n-predictions", self->comparison, "n-predictions",
                   G_SETTINGS_BIND_GET);
  g_signal_connect_object (settings, "changed::resize-mode",
                           G_CALLBACK (settings_resize_mode_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (discern_application_get_classifier (application), "notify::state",
                           G_CALLBACK (model_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (discern_application_get_downloader (application), "notify::state",
                           G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);
  discern_model_page_set_application (self->model_page, application);

  update_view (self);
}

static gboolean
discern_window_close_request (GtkWindow *window)
{
  DiscernApplication *application = get_application (DISCERN_WINDOW (window));

  if (application != NULL && discern_application_ask_before_closing (application, window)) {
    return TRUE;
  }

  return GTK_WINDOW_CLASS (discern_window_parent_class)->close_request (window);
}

static void
discern_window_dispose (GObject *object)
{
  DiscernWindow *self = DISCERN_WINDOW (object);
  guint n = self->items != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->items)) : 0;

  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < n; i++) {
    g_autoptr(DiscernItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

    discern_item_cancel (item);
  }
  if (self->chooser != NULL) {
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
    g_clear_object (&self->chooser);
  }

  gtk_widget_dispose_template (GTK_WIDGET (self), DISCERN_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->items);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (discern_window_parent_class)->dispose (object);
}

static void
discern_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DiscernWindow *self = DISCERN_WINDOW (object);

  switch (prop_id) {
  case PROP_SHOW_GRID:
    g_value_set_boolean (value, self->show_grid);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  DiscernWindow *self = DISCERN_WINDOW (object);

  switch (prop_id) {
  case PROP_SHOW_GRID:
    set_show_grid (self, g_value_get_boolean (value));
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_window_class_init (DiscernWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = discern_window_dispose;
  object_class->get_property = discern_window_get_property;
  object_class->set_property = discern_window_set_property;

  window_class->close_request = discern_window_close_request;

  /* The grid of all pictures instead of the selection. */
  properties[PROP_SHOW_GRID] =
    g_param_spec_boolean ("show-grid", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DISCERN_TYPE_ITEM_ROW);
  g_type_ensure (DISCERN_TYPE_DETAIL_VIEW);
  g_type_ensure (DISCERN_TYPE_COMPARISON);
  g_type_ensure (DISCERN_TYPE_GRID);
  g_type_ensure (DISCERN_TYPE_MODEL_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, drop_overlay);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, model_page);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, item_list);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, detail_view);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, comparison);
  gtk_widget_class_bind_template_child (widget_class, DiscernWindow, grid);
  gtk_widget_class_bind_template_callback (widget_class, grid_item_activated_cb);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "win.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_property_action (widget_class, "win.show-grid", "show-grid");
  gtk_widget_class_install_action (widget_class, "win.copy-results", "s",
                                   copy_results_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
}

static void
discern_window_init (DiscernWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->items = g_list_store_new (DISCERN_TYPE_ITEM);
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (self->items)));
  gtk_list_view_set_model (self->item_list, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->leaflet, "notify::folded",
                           G_CALLBACK (leaflet_folded_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->item_list, "activate",
                           G_CALLBACK (item_activated_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->items, "items-changed",
                           G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);
  setup_drop_target (self);
}

DiscernWindow *
discern_window_new (DiscernApplication *application)
{
  DiscernWindow *self;

  g_return_val_if_fail (DISCERN_IS_APPLICATION (application), NULL);

  self = g_object_new (DISCERN_TYPE_WINDOW, "application", application, NULL);
  connect_application (self);

  return self;
}

/* All items, in the order shown. */
GListModel *
discern_window_get_items (DiscernWindow *self)
{
  g_return_val_if_fail (DISCERN_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->items);
}

void
discern_window_add_item (DiscernWindow *self,
                         DiscernItem   *item)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_return_if_fail (DISCERN_IS_WINDOW (self));
  g_return_if_fail (DISCERN_IS_ITEM (item));

  g_ptr_array_add (one, item);
  add_items (self, one);
}

/* Opens files, folders (their pictures) and http(s) links. */
void
discern_window_open_files (DiscernWindow  *self,
                           GFile         **files,
                           int             n_files)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *array;

  g_return_if_fail (DISCERN_IS_WINDOW (self));
  g_return_if_fail (n_files == 0 || files != NULL);

  if (n_files == 0) {
    return;
  }

  array = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < n_files; i++) {
    g_ptr_array_add (array, g_object_ref (files[i]));
  }

  task = g_task_new (self, self->cancellable, files_expanded_cb, NULL);
  g_task_set_source_tag (task, discern_window_open_files);
  g_task_set_task_data (task, array, (GDestroyNotify) g_ptr_array_unref);
  _discern_run_in_order (task, expand_files_thread);
}

/* Opens every http(s) and data: link and file:// URI in `text` (pasted or
 * dropped), and says so when other links were left out. Returns FALSE
 * when there was no link at all. */
gboolean
discern_window_open_text (DiscernWindow *self,
                          const char    *text)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean left_out = FALSE;

  g_return_val_if_fail (DISCERN_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  words = g_strsplit_set (text, " \t\r\n", -1);
  for (guint i = 0; words[i] != NULL; i++) {
    g_autofree char *word = g_strdup (g_strstrip (words[i]));

    if (discern_fetch_check_url (word, NULL) || g_str_has_prefix (word, "file://")) {
      g_ptr_array_add (files, g_file_new_for_uri (word));
    } else if (g_uri_peek_scheme (word) != NULL && strstr (word, "://") != NULL) {
      left_out = TRUE;
    }
  }

  /* An ftp:// link is not “no link”: say why it stays out. */
  if (left_out) {
    discern_window_add_toast (self, _("Only http, https and data links can be opened"));
  }

  if (files->len > 0) {
    discern_window_open_files (self, (GFile **) files->pdata, files->len);
  }

  return files->len > 0 || left_out;
}

/* Takes the item out of the window and stops its work; a result still on
 * its way is dropped. */
void
discern_window_remove (DiscernWindow *self,
                       DiscernItem   *item)
{
  guint position;

  g_return_if_fail (DISCERN_IS_WINDOW (self));
  g_return_if_fail (DISCERN_IS_ITEM (item));

  discern_item_cancel (item);
  g_signal_handlers_disconnect_by_data (item, self);
  if (g_list_store_find (self->items, item, &position)) {
    g_list_store_remove (self->items, position);
  }
}

void
discern_window_add_toast (DiscernWindow *self,
                          const char    *message)
{
  g_return_if_fail (DISCERN_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* discern-preferences-window.c: predictions, resize mode and model files
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "discern-preferences-window.h"

#include "discern-fetch.h"
#include "discern-model-download.h"

struct _DiscernPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template widgets */
  GtkAdjustment        *n_predictions_adjustment;
  AdwComboRow          *resize_row;
  AdwActionRow         *folder_row;
  GtkWidget            *reset_folder_button;
  AdwActionRow         *state_row;
  AdwActionRow         *weights_row;
  GtkWidget            *reset_weights_button;
  AdwActionRow         *labels_row;
  GtkWidget            *reset_labels_button;
  AdwEntryRow          *mirror_row;
  AdwActionRow         *download_folder_row;

  /* owned */
  DiscernApplication   *application;
  GtkFileChooserNative *chooser;
};

/* What a file chooser picks: the folder, the weights or the class index. */
typedef enum {
  CHOOSE_FOLDER,
  CHOOSE_WEIGHTS,
  CHOOSE_LABELS,
} ChooseTarget;

static const char * const choose_keys[] = { "model-folder", "weights-file", "labels-file" };

G_DEFINE_FINAL_TYPE (DiscernPreferencesWindow, discern_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_APPLICATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
resize_mode_get_mapping (GValue   *value,
                         GVariant *variant,
                         gpointer  user_data)
{
  g_value_set_uint (value, g_str_equal (g_variant_get_string (variant, NULL), "crop"));
  return TRUE;
}

static GVariant *
resize_mode_set_mapping (const GValue       *value,
                         const GVariantType *expected_type,
                         gpointer            user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "crop" : "stretch");
}

static void
update_folder (DiscernPreferencesWindow *self)
{
  GSettings *settings = discern_application_get_settings (self->application);
  g_autofree char *folder = g_settings_get_string (settings, "model-folder");
  g_autofree char *weights = g_settings_get_string (settings, "weights-file");
  g_autofree char *labels = g_settings_get_string (settings, "labels-file");

  adw_action_row_set_subtitle (self->folder_row,
                               folder[0] != '\0' ? folder : _("Found automatically"));
  gtk_widget_set_visible (self->reset_folder_button, folder[0] != '\0');
  gtk_widget_set_visible (self->reset_weights_button, weights[0] != '\0');
  gtk_widget_set_visible (self->reset_labels_button, labels[0] != '\0');
}

/* “553.5 MB, verified”: what is known of a file in use or found. */
static char *
describe_file (const DiscernModelFile *file)
{
  g_autofree char *size = NULL;
  const char *state;

  switch (file->state) {
  case DISCERN_MODEL_FILE_VERIFIED:
    state = _("Keras’ file, verified");
    break;
  case DISCERN_MODEL_FILE_UNVERIFIED:
    state = _("not Keras’ file, used as chosen");
    break;
  case DISCERN_MODEL_FILE_DAMAGED:
    state = _("damaged, to be downloaded again");
    break;
  case DISCERN_MODEL_FILE_MISSING:
  default:
    return g_strdup (_("Missing"));
  }

  size = g_format_size (file->size);
  /* Translators: a file's size and whether it is Keras' own, e.g.
   * “553.5 MB, Keras’ file, verified” */
  return g_strdup_printf (_("%s, %s"), size, state);
}

/* The path, and below it the size and whether it is Keras' file. */
static void
update_file_row (AdwActionRow           *row,
                 const DiscernModelFile *file)
{
  g_autofree char *state = NULL;
  g_autofree char *subtitle = NULL;

  if (file == NULL) {
    adw_action_row_set_subtitle (row, "—");
    return;
  }

  state = describe_file (file);
  if (file->path == NULL) {
    adw_action_row_set_subtitle (row, state);
    return;
  }

  subtitle = g_strdup_printf ("%s\n%s", file->path, state);
  adw_action_row_set_subtitle (row, subtitle);
}

static char *
describe_download (DiscernModelDownloader *downloader)
{
  goffset received = discern_model_downloader_get_received (downloader);
  goffset total = discern_model_downloader_get_total (downloader);

  if (total <= 0) {
    return g_strdup (_("Downloading…"));
  }

  /* Translators: the model download's progress, e.g. “Downloading… 45 %” */
  return g_strdup_printf (_("Downloading… %.0f %%"), 100.0 * received / total);
}

static void
update_model (DiscernPreferencesWindow *self)
{
  DiscernClassifier *classifier = discern_application_get_classifier (self->application);
  DiscernModelDownloader *downloader = discern_application_get_downloader (self->application);
  const DiscernModelFiles *files = discern_classifier_get_files (classifier);
  const GError *error = discern_classifier_get_error (classifier);
  g_autofree char *state = NULL;

  switch (discern_classifier_get_state (classifier)) {
  case DISCERN_MODEL_STATE_READY:
    state = g_strdup_printf (discern_classifier_get_verified (classifier)
                             ? _("Ready, verified: %u classes, %d × %d input")
                             : _("Ready, not Keras’ published files: %u classes, "
                                 "%d × %d input"),
                             discern_classifier_get_n_classes (classifier),
                             discern_classifier_get_input_width (classifier),
                             discern_classifier_get_input_height (classifier));
    break;
  case DISCERN_MODEL_STATE_LOADING:
    state = g_strdup (_("Loading…"));
    break;
  case DISCERN_MODEL_STATE_MISSING:
    state = g_strdup (_("Not found"));
    break;
  case DISCERN_MODEL_STATE_BROKEN:
    state = g_strdup (error != NULL ? error->message : _("Could not be loaded"));
    break;
  case DISCERN_MODEL_STATE_NONE:
  default:
    state = g_strdup ("");
    break;
  }

  if (discern_model_downloader_get_state (downloader) == DISCERN_DOWNLOADER_RUNNING) {
    g_free (state);
    state = describe_download (downloader);
  }

  adw_action_row_set_subtitle (self->state_row, state);
  update_file_row (self->weights_row, files != NULL ? &files->weights : NULL);
  update_file_row (self->labels_row, files != NULL ? &files->labels : NULL);
}

static void
chooser_response_cb (DiscernPreferencesWindow *self,
                     int                       response,
                     GtkFileChooserNative     *chooser)
{
  ChooseTarget target = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (chooser), "target"));
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT) {
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
    path = g_file_get_path (file);
    if (path != NULL) {
      g_settings_set_string (discern_application_get_settings (self->application),
                             choose_keys[target], path);
    }
  }

  g_clear_object (&self->chooser);
}

static void
choose (DiscernPreferencesWindow *self,
        ChooseTarget              target)
{
  g_autoptr(GtkFileFilter) filter = NULL;
  const char *title;

  if (self->chooser != NULL) {
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
    return;
  }

  switch (target) {
  case CHOOSE_WEIGHTS:
    title = _("Choose Weights File");
    filter = gtk_file_filter_new ();
    gtk_file_filter_set_name (filter, _("HDF5 Weights"));
    gtk_file_filter_add_suffix (filter, "h5");
    gtk_file_filter_add_suffix (filter, "hdf5");
    break;
  case CHOOSE_LABELS:
    title = _("Choose Class Index File");
    filter = gtk_file_filter_new ();
    gtk_file_filter_set_name (filter, _("JSON Class Index"));
    gtk_file_filter_add_suffix (filter, "json");
    break;
  case CHOOSE_FOLDER:
  default:
    title = _("Choose Model Folder");
    break;
  }

  self->chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                               target == CHOOSE_FOLDER
                                               ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                               : GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (filter != NULL) {
    g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

    gtk_file_filter_set_name (all, _("All Files"));
    gtk_file_filter_add_pattern (all, "*");
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  }
  g_object_set_data (G_OBJECT (self->chooser), "target", GUINT_TO_POINTER (target));
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
choose_folder_cb (DiscernPreferencesWindow *self)
{
  choose (self, CHOOSE_FOLDER);
}

static void
choose_weights_cb (DiscernPreferencesWindow *self)
{
  choose (self, CHOOSE_WEIGHTS);
}

static void
choose_labels_cb (DiscernPreferencesWindow *self)
{
  choose (self, CHOOSE_LABELS);
}

static void
reset_folder_cb (DiscernPreferencesWindow *self)
{
  g_settings_reset (discern_application_get_settings (self->application), "model-folder");
}

static void
reset_weights_cb (DiscernPreferencesWindow *self)
{
  g_settings_reset (discern_application_get_settings (self->application), "weights-file");
}

static void
reset_labels_cb (DiscernPreferencesWindow *self)
{
  g_settings_reset (discern_application_get_settings (self->application), "labels-file");
}

/* Empty, or an http(s) address the files can be fetched under. */
static gboolean
is_mirror_valid (const char *text)
{
  return text[0] == '\0' || discern_fetch_is_url (text);
}

static void
mirror_changed_cb (DiscernPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->mirror_row));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (is_mirror_valid (stripped)) {
    gtk_widget_remove_css_class (GTK_WIDGET (self->mirror_row), "error");
  } else {
    gtk_widget_add_css_class (GTK_WIDGET (self->mirror_row), "error");
  }
}

static void
mirror_apply_cb (DiscernPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->mirror_row));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (!is_mirror_valid (stripped)) {
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                      adw_toast_new (_("The mirror must be an http or "
                                                       "https address")));
    return;
  }

  g_settings_set_string (discern_application_get_settings (self->application),
                         "model-mirror", stripped);
}

static void
discern_preferences_window_constructed (GObject *object)
{
  DiscernPreferencesWindow *self = DISCERN_PREFERENCES_WINDOW (object);
  GSettings *settings = discern_application_get_settings (self->application);
  g_autofree char *mirror = NULL;
  g_autofree char *default_dir = NULL;

  G_OBJECT_CLASS (discern_preferences_window_parent_class)->constructed (object);

  g_settings_bind (settings, "n-predictions", self->n_predictions_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "resize-mode", self->resize_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                resize_mode_get_mapping, resize_mode_set_mapping,
                                NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (choose_keys); i++) {
    g_autofree char *signal = g_strconcat ("changed::", choose_keys[i], NULL);

    g_signal_connect_object (settings, signal, G_CALLBACK (update_folder), self,
                             G_CONNECT_SWAPPED);
  }
  g_signal_connect_object (discern_application_get_classifier (self->application),
                           "notify::state", G_CALLBACK (update_model), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (discern_application_get_downloader (self->application),
                           "notify::state", G_CALLBACK (update_model), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (discern_application_get_downloader (self->application),
                           "notify::received", G_CALLBACK (update_model), self,
                           G_CONNECT_SWAPPED);

  mirror = g_settings_get_string (settings, "model-mirror");
  gtk_editable_set_text (GTK_EDITABLE (self->mirror_row), mirror);
  default_dir = discern_model_files_get_default_dir ();
  adw_action_row_set_subtitle (self->download_folder_row, default_dir);

  update_folder (self);
  update_model (self);
}

static void
discern_preferences_window_dispose (GObject *object)
{
  DiscernPreferencesWindow *self = DISCERN_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL) {
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
    g_clear_object (&self->chooser);
  }
  gtk_widget_dispose_template (GTK_WIDGET (self), DISCERN_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->application);

  G_OBJECT_CLASS (discern_preferences_window_parent_class)->dispose (object);
}

static void
discern_preferences_window_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  DiscernPreferencesWindow *self = DISCERN_PREFERENCES_WINDOW (object);

  switch (prop_id) {
  case PROP_APPLICATION:
    self->application = g_value_dup_object (value);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_preferences_window_class_init (DiscernPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = discern_preferences_window_constructed;
  object_class->dispose = discern_preferences_window_dispose;
  object_class->set_property = discern_preferences_window_set_property;

  /* Not GtkWindow:application: the preferences do not keep the
   * application running on their own. */
  properties[PROP_APPLICATION] =
    g_param_spec_object ("discern-application", NULL, NULL,
                         DISCERN_TYPE_APPLICATION,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow,
                                        n_predictions_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, resize_row);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow,
                                        reset_folder_button);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, state_row);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, weights_row);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow,
                                        reset_weights_button);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, labels_row);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow,
                                        reset_labels_button);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, mirror_row);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow,
                                        download_folder_row);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_weights_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_labels_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_weights_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_labels_cb);
  gtk_widget_class_bind_template_callback (widget_class, mirror_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, mirror_apply_cb);
}

static void
discern_preferences_window_init (DiscernPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

DiscernPreferencesWindow *
discern_preferences_window_new (DiscernApplication *application)
{
  g_return_val_if_fail (DISCERN_IS_APPLICATION (application), NULL);

  return g_object_new (DISCERN_TYPE_PREFERENCES_WINDOW,
                       "discern-application", application,
                       NULL);
}

/* discern-preferences-window.c: predictions, resize mode and model folder
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "discern-preferences-window.h"

struct _DiscernPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template widgets */
  GtkAdjustment        *n_predictions_adjustment;
  AdwComboRow          *resize_row;
  AdwActionRow         *folder_row;
  GtkWidget            *reset_folder_button;
  AdwActionRow         *weights_row;
  AdwActionRow         *labels_row;
  AdwActionRow         *state_row;

  /* owned */
  DiscernApplication   *application;
  GtkFileChooserNative *chooser;
};

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

  adw_action_row_set_subtitle (self->folder_row,
                               folder[0] != '\0' ? folder : _("Found automatically"));
  gtk_widget_set_visible (self->reset_folder_button, folder[0] != '\0');
}

static void
update_model (DiscernPreferencesWindow *self)
{
  DiscernClassifier *classifier = discern_application_get_classifier (self->application);
  const char *weights = discern_classifier_get_weights_path (classifier);
  const char *labels = discern_classifier_get_labels_path (classifier);
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
    weights = labels = NULL;
    break;
  case DISCERN_MODEL_STATE_BROKEN:
    state = g_strdup (error != NULL ? error->message : _("Could not be loaded"));
    weights = labels = NULL;
    break;
  case DISCERN_MODEL_STATE_NONE:
  default:
    state = g_strdup ("");
    break;
  }

  adw_action_row_set_subtitle (self->weights_row, weights != NULL ? weights : "—");
  adw_action_row_set_subtitle (self->labels_row, labels != NULL ? labels : "—");
  adw_action_row_set_subtitle (self->state_row, state);
}

static void
folder_response_cb (DiscernPreferencesWindow *self,
                    int                       response,
                    GtkFileChooserNative     *chooser)
{
  g_autoptr(GFile) folder = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT) {
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
    path = g_file_get_path (folder);
    if (path != NULL) {
      g_settings_set_string (discern_application_get_settings (self->application),
                             "model-folder", path);
    }
  }

  g_clear_object (&self->chooser);
}

static void
choose_folder_cb (DiscernPreferencesWindow *self)
{
  if (self->chooser != NULL) {
    return;
  }

  self->chooser = gtk_file_chooser_native_new (_("Choose Model Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (folder_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
reset_folder_cb (DiscernPreferencesWindow *self)
{
  g_settings_reset (discern_application_get_settings (self->application), "model-folder");
}

static void
discern_preferences_window_constructed (GObject *object)
{
  DiscernPreferencesWindow *self = DISCERN_PREFERENCES_WINDOW (object);
  GSettings *settings = discern_application_get_settings (self->application);

  G_OBJECT_CLASS (discern_preferences_window_parent_class)->constructed (object);

  g_settings_bind (settings, "n-predictions", self->n_predictions_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "resize-mode", self->resize_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                resize_mode_get_mapping, resize_mode_set_mapping,
                                NULL, NULL);
  g_signal_connect_object (settings, "changed::model-folder", G_CALLBACK (update_folder),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (discern_application_get_classifier (self->application),
                           "notify::state", G_CALLBACK (update_model), self,
                           G_CONNECT_SWAPPED);

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
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, weights_row);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, labels_row);
  gtk_widget_class_bind_template_child (widget_class, DiscernPreferencesWindow, state_row);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_folder_cb);
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

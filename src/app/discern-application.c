/* discern-application.c: the application, its settings and shared workers
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "discern-application.h"

#include "discern-fetch.h"
#include "discern-model-download.h"
#include "discern-preferences-window.h"
#include "discern-window.h"

struct _DiscernApplication
{
  AdwApplication          parent_instance;

  /* owned */
  GSettings              *settings;
  DiscernClassifier      *classifier;
  DiscernModelDownloader *downloader;
  SoupSession            *session;

  /* state */
  guint                   reload_source;
  AdwMessageDialog       *stop_dialog;
};

G_DEFINE_FINAL_TYPE (DiscernApplication, discern_application, ADW_TYPE_APPLICATION)

/* The keys that choose the model files. */
static const char * const model_keys[] = { "model-folder", "weights-file", "labels-file" };

static DiscernWindow *
ensure_window (DiscernApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (DISCERN_IS_WINDOW (window)) {
    return DISCERN_WINDOW (window);
  }

  return discern_window_new (self);
}

static gboolean
reload_cb (gpointer user_data)
{
  DiscernApplication *self = user_data;

  self->reload_source = 0;
  discern_application_reload_model (self);
  return G_SOURCE_REMOVE;
}

/* Choosing files changes several keys at once: one reload for all, soon
 * (not at idle priority, which redrawing can hold back). */
static void
model_setting_changed_cb (DiscernApplication *self,
                          const char         *key,
                          GSettings          *settings)
{
  if (self->reload_source == 0) {
    self->reload_source = g_idle_add_full (G_PRIORITY_DEFAULT, reload_cb, self, NULL);
  }
}

static void
model_downloaded_cb (DiscernApplication     *self,
                     DiscernModelDownloader *downloader)
{
  discern_application_reload_model (self);
}

static void
quit_now (DiscernApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing the windows first lets each cancel its own work. */
  while (windows != NULL) {
    GtkWindow *window = windows->data;

    windows = windows->next;
    gtk_window_destroy (window);
  }

  g_application_quit (G_APPLICATION (self));
}

/* The dialog is still in its response when the window it belongs to is
 * destroyed: it lets go of that window first. */
static void
dismiss (AdwMessageDialog *dialog)
{
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
stop_to_quit_cb (DiscernApplication *self,
                 const char         *response,
                 AdwMessageDialog   *dialog)
{
  dismiss (dialog);
  if (g_str_equal (response, "stop")) {
    discern_model_downloader_cancel (self->downloader);
    quit_now (self);
  }
}

static void
stop_to_close_cb (GtkWindow        *window,
                  const char       *response,
                  AdwMessageDialog *dialog)
{
  dismiss (dialog);
  if (g_str_equal (response, "stop")) {
    DiscernApplication *application =
      DISCERN_APPLICATION (gtk_window_get_application (window));

    discern_model_downloader_cancel (application->downloader);
    gtk_window_destroy (window);
  }
}

/* Quitting stops the model download; what it fetched is kept and the next
 * start offers to resume. */
static AdwMessageDialog *
ask_to_stop_download (DiscernApplication *self,
                      GtkWindow          *parent)
{
  goffset received = discern_model_downloader_get_received (self->downloader);
  goffset total = discern_model_downloader_get_total (self->downloader);
  g_autofree char *received_text = g_format_size (received);
  g_autofree char *total_text = g_format_size (MAX (total, 0));
  GtkWidget *dialog;

  if (self->stop_dialog != NULL) {
    gtk_window_present (GTK_WINDOW (self->stop_dialog));
    return NULL;
  }

  dialog = adw_message_dialog_new (parent, _("Stop the Download?"), NULL);
  if (total > 0) {
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    _("%s of %s are downloaded and kept: the download "
                                      "can go on from there next time."),
                                    received_text, total_text);
  } else {
    adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                 _("What is downloaded is kept: the download can go on "
                                   "from there next time."));
  }
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "continue", _("_Keep Downloading"),
                                    "stop", _("_Stop and Quit"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "continue");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "continue");

  self->stop_dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->stop_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return ADW_MESSAGE_DIALOG (dialog);
}

static gboolean
is_downloading (DiscernApplication *self)
{
  return self->downloader != NULL
         && discern_model_downloader_get_state (self->downloader)
            == DISCERN_DOWNLOADER_RUNNING;
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  DiscernApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  AdwMessageDialog *dialog;

  if (!is_downloading (self)) {
    quit_now (self);
    return;
  }

  dialog = ask_to_stop_download (self, parent);
  if (dialog != NULL) {
    g_signal_connect_object (dialog, "response", G_CALLBACK (stop_to_quit_cb), self,
                             G_CONNECT_SWAPPED);
  }
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  DiscernApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  DiscernPreferencesWindow *preferences = discern_preferences_window_new (self);

  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  DiscernApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { "The Discern authors", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-icon", APPLICATION_ID,
                        "application-name", _("Discern"),
                        "developer-name", _("The Discern authors"),
                        "version", PACKAGE_VERSION,
                        "website", "https://github.com/discern/discern",
                        "issue-url", "https://github.com/discern/discern/issues",
                        "copyright", "© 2026 The Discern authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        "comments", _("Discern tells what is in a picture, offline, with "
                                      "the VGG16 network trained on ImageNet."),
                        NULL);
  adw_about_window_add_legal_section (ADW_ABOUT_WINDOW (about),
                                      _("VGG16"),
                                      "Karen Simonyan, Andrew Zisserman",
                                      GTK_LICENSE_CUSTOM,
                                      _("The network is “Very Deep Convolutional Networks "
                                        "for Large-Scale Image Recognition” (2014), with "
                                        "the ImageNet weights that Keras publishes."));
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "about", about_action },
};

static void
set_accels (DiscernApplication *self)
{
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.paste", { "<Control>v", NULL } },
    { "win.remove", { "Delete", NULL } },
    { "win.select-all", { "<Control>a", NULL } },
    { "win.show-grid", { "<Control>g", NULL } },
    { "win.export", { "<Control>e", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++) {
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           accels[i].action, accels[i].accels);
  }
}

static void
discern_application_startup (GApplication *application)
{
  DiscernApplication *self = DISCERN_APPLICATION (application);

  G_APPLICATION_CLASS (discern_application_parent_class)->startup (application);

  g_set_application_name (_("Discern"));
  gtk_window_set_default_icon_name (APPLICATION_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  set_accels (self);

  self->settings = g_settings_new (APPLICATION_ID);
  self->session = discern_fetch_session_new ();
  self->classifier = discern_classifier_new ();
  self->downloader = discern_model_downloader_new (self->session);
  g_signal_connect_object (self->downloader, "finished",
                           G_CALLBACK (model_downloaded_cb), self, G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (model_keys); i++) {
    g_autofree char *signal = g_strconcat ("changed::", model_keys[i], NULL);

    g_signal_connect_object (self->settings, signal,
                             G_CALLBACK (model_setting_changed_cb), self,
                             G_CONNECT_SWAPPED);
  }
  discern_application_reload_model (self);
}

static void
discern_application_shutdown (GApplication *application)
{
  DiscernApplication *self = DISCERN_APPLICATION (application);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->downloader != NULL) {
    discern_model_downloader_shutdown (self->downloader);
  }
  if (self->classifier != NULL) {
    discern_classifier_stop (self->classifier);
  }
  if (self->session != NULL) {
    soup_session_abort (self->session);
  }

  G_APPLICATION_CLASS (discern_application_parent_class)->shutdown (application);
}

static void
discern_application_activate (GApplication *application)
{
  DiscernApplication *self = DISCERN_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (ensure_window (self)));
}

static void
discern_application_open (GApplication  *application,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  DiscernApplication *self = DISCERN_APPLICATION (application);
  DiscernWindow *window = ensure_window (self);

  discern_window_open_files (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static void
discern_application_dispose (GObject *object)
{
  DiscernApplication *self = DISCERN_APPLICATION (object);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_clear_object (&self->settings);
  g_clear_object (&self->classifier);
  g_clear_object (&self->downloader);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (discern_application_parent_class)->dispose (object);
}

static void
discern_application_class_init (DiscernApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = discern_application_dispose;

  application_class->startup = discern_application_startup;
  application_class->shutdown = discern_application_shutdown;
  application_class->activate = discern_application_activate;
  application_class->open = discern_application_open;
}

static void
discern_application_init (DiscernApplication *self)
{
}

DiscernApplication *
discern_application_new (GApplicationFlags flags)
{
  return g_object_new (DISCERN_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "resource-base-path", "/io/github/discern/Discern",
                       "flags", flags,
                       NULL);
}

GSettings *
discern_application_get_settings (DiscernApplication *self)
{
  g_return_val_if_fail (DISCERN_IS_APPLICATION (self), NULL);

  return self->settings;
}

DiscernClassifier *
discern_application_get_classifier (DiscernApplication *self)
{
  g_return_val_if_fail (DISCERN_IS_APPLICATION (self), NULL);

  return self->classifier;
}

DiscernModelDownloader *
discern_application_get_downloader (DiscernApplication *self)
{
  g_return_val_if_fail (DISCERN_IS_APPLICATION (self), NULL);

  return self->downloader;
}

SoupSession *
discern_application_get_session (DiscernApplication *self)
{
  g_return_val_if_fail (DISCERN_IS_APPLICATION (self), NULL);

  return self->session;
}

DnResizeMode
discern_application_get_resize_mode (DiscernApplication *self)
{
  g_return_val_if_fail (DISCERN_IS_APPLICATION (self), DN_RESIZE_STRETCH);

  return g_settings_get_enum (self->settings, "resize-mode") == 1
         ? DN_RESIZE_CENTER_CROP
         : DN_RESIZE_STRETCH;
}

/* Loads the network again from the files and folder in the settings (or
 * the default places where they are empty). */
void
discern_application_reload_model (DiscernApplication *self)
{
  g_autofree char *folder = NULL;
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;

  g_return_if_fail (DISCERN_IS_APPLICATION (self));

  g_clear_handle_id (&self->reload_source, g_source_remove);
  folder = g_settings_get_string (self->settings, "model-folder");
  weights = g_settings_get_string (self->settings, "weights-file");
  labels = g_settings_get_string (self->settings, "labels-file");
  discern_classifier_load_async (self->classifier, folder, weights, labels, NULL, NULL, NULL);
}

/* Closing the last window during the model download would stop it: asks
 * first. TRUE when the window is to stay open for now (the dialog closes
 * it if the user agrees). */
gboolean
discern_application_ask_before_closing (DiscernApplication *self,
                                        GtkWindow          *window)
{
  AdwMessageDialog *dialog;

  g_return_val_if_fail (DISCERN_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (GTK_IS_WINDOW (window), FALSE);

  if (!is_downloading (self)) {
    return FALSE;
  }

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next) {
    if (l->data != window && DISCERN_IS_WINDOW (l->data)) {
      return FALSE;
    }
  }

  dialog = ask_to_stop_download (self, window);
  if (dialog != NULL) {
    g_signal_connect_object (dialog, "response", G_CALLBACK (stop_to_close_cb), window,
                             G_CONNECT_SWAPPED);
  }
  return TRUE;
}

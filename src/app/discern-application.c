/* discern-application.c: the application, its settings and shared workers
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "discern-application.h"

#include "discern-fetch.h"
#include "discern-preferences-window.h"
#include "discern-window.h"

struct _DiscernApplication
{
  AdwApplication     parent_instance;

  /* owned */
  GSettings         *settings;
  DiscernClassifier *classifier;
  SoupSession       *session;
};

G_DEFINE_FINAL_TYPE (DiscernApplication, discern_application, ADW_TYPE_APPLICATION)

static DiscernWindow *
ensure_window (DiscernApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (DISCERN_IS_WINDOW (window)) {
    return DISCERN_WINDOW (window);
  }

  return discern_window_new (self);
}

static void
model_folder_changed_cb (DiscernApplication *self,
                         const char         *key,
                         GSettings          *settings)
{
  discern_application_reload_model (self);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  DiscernApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing the windows first lets each cancel its own work. */
  while (windows != NULL) {
    GtkWindow *window = windows->data;

    windows = windows->next;
    gtk_window_destroy (window);
  }

  g_application_quit (G_APPLICATION (self));
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
  g_signal_connect_object (self->settings, "changed::model-folder",
                           G_CALLBACK (model_folder_changed_cb), self,
                           G_CONNECT_SWAPPED);
  discern_application_reload_model (self);
}

static void
discern_application_shutdown (GApplication *application)
{
  DiscernApplication *self = DISCERN_APPLICATION (application);

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

  g_clear_object (&self->settings);
  g_clear_object (&self->classifier);
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

/* Loads the network again from the model folder in the settings (or the
 * default places when it is empty). */
void
discern_application_reload_model (DiscernApplication *self)
{
  g_autofree char *folder = NULL;

  g_return_if_fail (DISCERN_IS_APPLICATION (self));

  folder = g_settings_get_string (self->settings, "model-folder");
  discern_classifier_load_async (self->classifier, folder, NULL, NULL, NULL);
}

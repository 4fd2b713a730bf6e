/* discern-model-page.c: getting the network: download, progress, errors
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the window shows while the network is not ready: what is needed
 * and where it comes from, the download with its progress, why it failed,
 * or why the files found could not be used. Each has a way forward.
 */

#include "config.h"

#include <math.h>
#include <adwaita.h>
#include <glib/gi18n.h>

#include "discern-model-page.h"

#include "discern-model-download.h"
#include "discern-model-downloader.h"
#include "discern-source-error.h"
#include "dn-error.h"

#define SPINNER_DELAY_MS 150

struct _DiscernModelPage
{
  GtkWidget             parent_instance;

  /* template widgets */
  AdwStatusPage        *status_page;
  GtkStack             *stack;
  GtkButton            *download_button;
  GtkProgressBar       *progress_bar;
  GtkLabel             *progress_label;
  GtkWidget            *defaults_button;
  GtkSpinner           *spinner;
  GtkWidget            *details_button;
  GtkLabel             *details_label;
  GtkLabel             *searched_label;

  /* owned */
  DiscernApplication   *application;
  GtkFileChooserNative *chooser;

  /* state */
  guint                 n_waiting;
  guint                 spinner_source;
};

G_DEFINE_FINAL_TYPE (DiscernModelPage, discern_model_page, GTK_TYPE_WIDGET)

/* The settings the page tells about. */
static const char * const model_keys[] = {
  "model-folder", "weights-file", "labels-file", "model-mirror",
};

static GSettings *
get_settings (DiscernModelPage *self)
{
  return discern_application_get_settings (self->application);
}

static DiscernClassifier *
get_classifier (DiscernModelPage *self)
{
  return discern_application_get_classifier (self->application);
}

static DiscernModelDownloader *
get_downloader (DiscernModelPage *self)
{
  return discern_application_get_downloader (self->application);
}

/* A path with the home folder written as “~”, as people know it. */
static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  g_autofree char *display = g_filename_display_name (path);
  gsize home_length = strlen (home);

  if (home_length > 1 && g_str_has_prefix (path, home)
      && (path[home_length] == '/' || path[home_length] == '\0')) {
    g_autofree char *rest = g_filename_display_name (path + home_length);

    return g_strconcat ("~", rest, NULL);
  }

  return g_steal_pointer (&display);
}

/* The status in the download's "... answered with HTTP 404 Not Found",
 * or 0. */
static guint
find_http_status (const char *message)
{
  const char *http = g_strrstr (message, "HTTP ");
  guint64 status;

  if (http == NULL) {
    return 0;
  }

  status = g_ascii_strtoull (http + strlen ("HTTP "), NULL, 10);
  return status >= 100 && status <= 599 ? status : 0;
}

static char *
format_time_left (double seconds)
{
  guint n;

  if (seconds < 60) {
    n = MAX (1, (guint) ceil (seconds));
    return g_strdup_printf (ngettext ("about %u second left", "about %u seconds left", n), n);
  }
  if (seconds < 90 * 60) {
    n = (guint) ceil (seconds / 60);
    return g_strdup_printf (ngettext ("about %u minute left", "about %u minutes left", n), n);
  }

  n = (guint) ceil (seconds / 3600);
  return g_strdup_printf (ngettext ("about %u hour left", "about %u hours left", n), n);
}

static char *
describe_progress (DiscernModelDownloader *downloader)
{
  goffset received = discern_model_downloader_get_received (downloader);
  goffset total = discern_model_downloader_get_total (downloader);
  double speed = discern_model_downloader_get_speed (downloader);
  double seconds_left = discern_model_downloader_get_seconds_left (downloader);
  g_autofree char *received_text = g_format_size (received);
  g_autofree char *amount = NULL;
  g_autofree char *speed_text = NULL;
  g_autofree char *left_text = NULL;

  if (total > 0 && received >= total) {
    return g_strdup (_("Checking the download…"));
  }

  if (total > 0) {
    g_autofree char *total_text = g_format_size (total);

    /* Translators: bytes downloaded and the whole size, e.g. “120 MB of 553 MB” */
    amount = g_strdup_printf (_("%s of %s"), received_text, total_text);
  } else {
    amount = g_strdup (received_text);
  }

  if (speed <= 0) {
    return g_steal_pointer (&amount);
  }

  speed_text = g_format_size ((guint64) speed);
  if (seconds_left < 0) {
    /* Translators: the amount downloaded and the speed, e.g. “120 MB of 553 MB — 11 MB/s” */
    return g_strdup_printf (_("%s — %s/s"), amount, speed_text);
  }

  left_text = format_time_left (seconds_left);
  /* Translators: the amount downloaded, the speed and the time left,
   * e.g. “120 MB of 553 MB — 11 MB/s — about 40 seconds left” */
  return g_strdup_printf (_("%s — %s/s — %s"), amount, speed_text, left_text);
}

/* One sentence per failure a person can act on; the raw message goes to
 * the details. */
static char *
describe_download_error (const GError *error,
                         goffset       still_needed)
{
  guint status;

  if (error->domain != DISCERN_SOURCE_ERROR) {
    g_autofree char *folder = discern_model_files_get_default_dir ();
    g_autofree char *shown = display_path (folder);

    return g_strdup_printf (_("The download could not be saved in “%s”."), shown);
  }

  switch ((DiscernSourceError) error->code) {
  case DISCERN_SOURCE_ERROR_NETWORK:
    return g_strdup (_("The server could not be reached or stopped sending."));
  case DISCERN_SOURCE_ERROR_HTTP:
    status = find_http_status (error->message);
    if (status == 404) {
      return g_strdup (_("The server does not have the file (HTTP status 404)."));
    }
    if (status != 0) {
      return g_strdup_printf (_("The server refused the download with HTTP status %u."),
                              status);
    }
    return g_strdup (_("The server refused the download."));
  case DISCERN_SOURCE_ERROR_NO_SPACE:
    {
      g_autofree char *folder = discern_model_files_get_default_dir ();
      g_autofree char *shown = display_path (folder);
      g_autofree char *size = g_format_size (still_needed);

      return g_strdup_printf (_("There is not enough free space: the network needs %s "
                                "more in “%s”."), size, shown);
    }
  case DISCERN_SOURCE_ERROR_CHECKSUM:
    return g_strdup (_("The downloaded file is not the one Keras publishes, so it was "
                       "removed."));
  case DISCERN_SOURCE_ERROR_TOO_LARGE:
    return g_strdup (_("The server sent more than the file holds, so the download was "
                       "removed."));
  default:
    return g_strdup (_("The download failed."));
  }
}

/* Whether the engine's message is about the class index rather than the
 * weights: it starts with the file's name. */
static gboolean
is_about_labels (const GError            *error,
                 const DiscernModelFiles *files)
{
  g_autofree char *display = NULL;

  if (files == NULL || files->labels.path == NULL) {
    return FALSE;
  }

  display = g_filename_display_name (files->labels.path);
  return g_str_has_prefix (error->message, display);
}

static char *
describe_load_error (const GError            *error,
                     const DiscernModelFiles *files)
{
  if (error == NULL) {
    return g_strdup (_("The model files could not be used."));
  }

  if (error->domain == DISCERN_SOURCE_ERROR) {
    if (error->code == DISCERN_SOURCE_ERROR_NOT_FOUND) {
      return g_strdup (_("A model file chosen in the preferences is missing or not a "
                         "file."));
    }
    return g_strdup (_("A model file could not be read."));
  }

  if (error->domain == DN_ERROR) {
    switch ((DnError) error->code) {
    case DN_ERROR_IO:
      return g_strdup (_("A model file could not be read."));
    case DN_ERROR_FORMAT:
      if (is_about_labels (error, files)) {
        return g_strdup (_("The class index is not in Keras’ JSON layout."));
      }
      return g_strdup (_("The weights file is not a whole network in Keras’ HDF5 "
                         "layout."));
    case DN_ERROR_SHAPE:
      return g_strdup (_("The weights do not have the shapes the network needs."));
    case DN_ERROR_VALUE:
      return g_strdup (_("The weights hold numbers that are not valid."));
    case DN_ERROR_MISMATCH:
      return g_strdup (_("The class index and the weights disagree on the number of "
                         "classes."));
    default:
      break;
    }
  }

  return g_strdup (_("The model files could not be used."));
}

/* What still has to come, and how big it is. */
static char *
describe_needs (DiscernModelNeeds needs)
{
  g_autofree char *size = g_format_size (discern_model_download_get_size (needs));

  switch (needs) {
  case DISCERN_MODEL_NEEDS_WEIGHTS:
    return g_strdup_printf (_("Discern found the ImageNet class index but still needs the "
                              "weights of VGG16 (%s), downloaded once and then used "
                              "offline."), size);
  case DISCERN_MODEL_NEEDS_LABELS:
    return g_strdup_printf (_("Discern found the weights of VGG16 but still needs the "
                              "ImageNet class index (%s), downloaded once and then used "
                              "offline."), size);
  case DISCERN_MODEL_NEEDS_ALL:
  default:
    return g_strdup_printf (_("Discern recognises pictures with VGG16, a network trained "
                              "on ImageNet. Its weights and class index (%s) are "
                              "downloaded once and then used offline."), size);
  }
}

static DiscernModelNeeds
get_needs (DiscernModelPage *self)
{
  const DiscernModelFiles *files = discern_classifier_get_files (get_classifier (self));

  return files != NULL ? discern_model_files_get_needs (files) : DISCERN_MODEL_NEEDS_ALL;
}

static void
append_paragraph (GString    *text,
                  const char *paragraph)
{
  g_autofree char *escaped = g_markup_escape_text (paragraph, -1);

  if (text->len > 0) {
    g_string_append (text, "\n\n");
  }
  g_string_append (text, escaped);
}

static void
append_waiting (DiscernModelPage *self,
                GString          *text)
{
  g_autofree char *line = NULL;

  if (self->n_waiting == 0) {
    return;
  }

  line = g_strdup_printf (ngettext ("%u picture waits for the network and is classified "
                                    "once it is ready.",
                                    "%u pictures wait for the network and are classified "
                                    "once it is ready.",
                                    self->n_waiting),
                          self->n_waiting);
  append_paragraph (text, line);
}

/* “~/.local/share/discern/models, ~/.keras/models” */
static char *
describe_searched (DiscernModelPage *self)
{
  g_autofree char *folder = g_settings_get_string (get_settings (self), "model-folder");
  g_autoptr(GPtrArray) dirs = discern_model_files_search_dirs (folder);
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < dirs->len; i++) {
    g_autofree char *shown = display_path (dirs->pdata[i]);

    if (i > 0) {
      g_string_append (list, ", ");
    }
    g_string_append (list, shown);
  }

  /* Translators: followed by a list of folders */
  return g_strdup_printf (_("Discern looked in %s."), list->str);
}

/* The mirror in the preferences, else $DISCERN_MODEL_URL; NULL for
 * Keras' own servers. */
static char *
get_mirror (DiscernModelPage *self)
{
  g_autofree char *mirror = g_settings_get_string (get_settings (self), "model-mirror");

  if (mirror[0] != '\0') {
    return g_steal_pointer (&mirror);
  }
  return g_strdup (g_getenv ("DISCERN_MODEL_URL"));
}

/* “storage.googleapis.com”, or a mirror's host and port. */
static char *
describe_source (DiscernModelPage *self)
{
  g_autofree char *mirror = get_mirror (self);
  g_autofree char *url = discern_model_download_get_url (DISCERN_MODEL_WEIGHTS, mirror);
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL) {
    return g_strdup (url);
  }
  if (g_uri_get_port (uri) != -1) {
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  }
  return g_strdup (g_uri_get_host (uri));
}

static const DiscernModelFile *
find_damaged (DiscernModelPage *self)
{
  const DiscernModelFiles *files = discern_classifier_get_files (get_classifier (self));

  if (files == NULL) {
    return NULL;
  }
  if (files->weights.state == DISCERN_MODEL_FILE_DAMAGED) {
    return &files->weights;
  }
  if (files->labels.state == DISCERN_MODEL_FILE_DAMAGED) {
    return &files->labels;
  }
  return NULL;
}

static void
show_offer (DiscernModelPage *self,
            GString          *text)
{
  DiscernModelNeeds needs = get_needs (self);
  goffset partial = discern_model_download_get_partial_size (needs, NULL);
  const DiscernModelFile *damaged = find_damaged (self);
  g_autofree char *intro = describe_needs (needs);
  g_autofree char *searched = describe_searched (self);
  g_autofree char *source = describe_source (self);
  g_autofree char *from = NULL;
  g_autofree char *caption = NULL;

  adw_status_page_set_title (self->status_page, _("Download the Network"));
  append_paragraph (text, intro);

  if (damaged != NULL) {
    g_autofree char *folder = g_path_get_dirname (damaged->path);
    g_autofree char *shown = display_path (folder);
    g_autofree char *line = g_strdup_printf (_("The copy in “%s” is damaged and will be "
                                               "replaced."), shown);

    append_paragraph (text, line);
  }

  if (partial > 0) {
    g_autofree char *done = g_format_size (partial);
    g_autofree char *size = g_format_size (discern_model_download_get_size (needs));
    g_autofree char *line = NULL;

    /* Translators: e.g. “120 MB of 553 MB are downloaded already.” */
    line = g_strdup_printf (_("%s of %s are downloaded already."), done, size);
    append_paragraph (text, line);
    gtk_button_set_label (self->download_button, _("_Resume Download"));
  } else {
    gtk_button_set_label (self->download_button, _("_Download"));
  }

  /* Translators: %s is a server, e.g. “storage.googleapis.com” */
  from = g_strdup_printf (_("The download comes from %s."), source);
  caption = g_strconcat (searched, "\n", from, NULL);
  gtk_label_set_label (self->searched_label, caption);
  gtk_widget_set_visible (GTK_WIDGET (self->searched_label), TRUE);
}

static void
show_progress (DiscernModelPage *self,
               GString          *text)
{
  DiscernModelDownloader *downloader = get_downloader (self);
  goffset received = discern_model_downloader_get_received (downloader);
  goffset total = discern_model_downloader_get_total (downloader);
  g_autofree char *line = describe_progress (downloader);

  adw_status_page_set_title (self->status_page, _("Downloading the Network"));
  if (self->n_waiting == 0) {
    append_paragraph (text, _("Pictures added meanwhile are classified once it is ready."));
  }

  if (total > 0) {
    gtk_progress_bar_set_fraction (self->progress_bar, MIN (1.0, (double) received / total));
  } else {
    gtk_progress_bar_pulse (self->progress_bar);
  }
  gtk_label_set_label (self->progress_label, line);
}

static void
show_failed (DiscernModelPage *self,
             GString          *text)
{
  DiscernModelDownloader *downloader = get_downloader (self);
  const GError *error = discern_model_downloader_get_error (downloader);
  DiscernModelNeeds needs = discern_model_downloader_get_needs (downloader);
  goffset partial = discern_model_download_get_partial_size (needs, NULL);
  goffset size = discern_model_download_get_size (needs);
  g_autofree char *sentence = describe_download_error (error, size - partial);
  g_autofree char *mirror = get_mirror (self);

  adw_status_page_set_title (self->status_page, _("The Download Failed"));
  append_paragraph (text, sentence);

  if (g_error_matches (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_CHECKSUM)
      && mirror != NULL && mirror[0] != '\0') {
    g_autofree char *source = describe_source (self);
    g_autofree char *line = g_strdup_printf (_("The mirror at %s may hold other files "
                                               "than Keras publishes."), source);

    append_paragraph (text, line);
  }

  if (partial > 0) {
    g_autofree char *done = g_format_size (partial);
    g_autofree char *line = g_strdup_printf (_("The %s downloaded so far are kept: "
                                               "retrying goes on from there."), done);

    append_paragraph (text, line);
  }

  gtk_label_set_label (self->details_label, error->message);
  gtk_widget_set_visible (self->details_button, TRUE);
}

static void
show_broken (DiscernModelPage *self,
             GString          *text)
{
  DiscernClassifier *classifier = get_classifier (self);
  const GError *error = discern_classifier_get_error (classifier);
  GSettings *settings = get_settings (self);
  g_autofree char *sentence =
    describe_load_error (error, discern_classifier_get_files (classifier));
  g_autofree char *folder = g_settings_get_string (settings, "model-folder");
  g_autofree char *weights = g_settings_get_string (settings, "weights-file");
  g_autofree char *labels = g_settings_get_string (settings, "labels-file");

  adw_status_page_set_title (self->status_page, _("The Network Could Not Be Loaded"));
  append_paragraph (text, sentence);

  gtk_widget_set_visible (self->defaults_button,
                          folder[0] != '\0' || weights[0] != '\0' || labels[0] != '\0');
  gtk_label_set_label (self->details_label, error != NULL ? error->message : "");
  gtk_widget_set_visible (self->details_button, error != NULL);
}

static gboolean
show_spinner_cb (gpointer user_data)
{
  DiscernModelPage *self = user_data;

  self->spinner_source = 0;
  gtk_spinner_start (self->spinner);
  return G_SOURCE_REMOVE;
}

static void
show_loading (DiscernModelPage *self,
              GString          *text)
{
  adw_status_page_set_title (self->status_page, _("Loading the Network"));
  append_paragraph (text, _("Checking the model files…"));
  append_waiting (self, text);

  if (self->spinner_source == 0 && !gtk_spinner_get_spinning (self->spinner)) {
    self->spinner_source = g_timeout_add (SPINNER_DELAY_MS, show_spinner_cb, self);
  }
}

static const char *
choose_mode (DiscernModelPage *self)
{
  DiscernDownloaderState download = discern_model_downloader_get_state (get_downloader (self));

  if (download == DISCERN_DOWNLOADER_RUNNING) {
    return "progress";
  }

  switch (discern_classifier_get_state (get_classifier (self))) {
  case DISCERN_MODEL_STATE_MISSING:
    return download == DISCERN_DOWNLOADER_FAILED ? "failed" : "offer";
  case DISCERN_MODEL_STATE_BROKEN:
    return "broken";
  case DISCERN_MODEL_STATE_NONE:
  case DISCERN_MODEL_STATE_LOADING:
  case DISCERN_MODEL_STATE_READY:
  default:
    return "loading";
  }
}

static void
update (DiscernModelPage *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *mode;

  if (self->application == NULL) {
    return;
  }

  mode = choose_mode (self);
  gtk_widget_set_visible (self->details_button, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->searched_label), FALSE);
  if (!g_str_equal (mode, "loading")) {
    g_clear_handle_id (&self->spinner_source, g_source_remove);
    gtk_spinner_stop (self->spinner);
  }

  if (g_str_equal (mode, "progress")) {
    show_progress (self, text);
  } else if (g_str_equal (mode, "failed")) {
    show_failed (self, text);
  } else if (g_str_equal (mode, "offer")) {
    show_offer (self, text);
  } else if (g_str_equal (mode, "broken")) {
    show_broken (self, text);
  } else {
    show_loading (self, text);
  }
  if (!g_str_equal (mode, "loading")) {
    append_waiting (self, text);
  }

  adw_status_page_set_description (self->status_page, text->str);
  gtk_stack_set_visible_child_name (self->stack, mode);
}

static void
download_progress_cb (DiscernModelPage       *self,
                      GParamSpec             *pspec,
                      DiscernModelDownloader *downloader)
{
  g_autofree char *line = NULL;
  goffset received = discern_model_downloader_get_received (downloader);
  goffset total = discern_model_downloader_get_total (downloader);

  if (discern_model_downloader_get_state (downloader) != DISCERN_DOWNLOADER_RUNNING) {
    return;
  }

  line = describe_progress (downloader);
  gtk_label_set_label (self->progress_label, line);
  if (total > 0) {
    gtk_progress_bar_set_fraction (self->progress_bar, MIN (1.0, (double) received / total));
  } else {
    gtk_progress_bar_pulse (self->progress_bar);
  }
}

/* The chosen files replace the earlier choice. A file of the pair that
 * was not chosen is looked for by its Keras name next to the chosen one,
 * then in the usual places. */
static void
use_files (DiscernModelPage *self,
           GListModel       *files)
{
  g_autoptr(GSettings) batch = g_settings_new (APPLICATION_ID);
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *folder = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (files); i++) {
    g_autoptr(GFile) file = g_list_model_get_item (files, i);
    g_autofree char *path = g_file_get_path (file);
    g_autofree char *lower = NULL;

    if (path == NULL) {
      continue;
    }
    lower = g_ascii_strdown (path, -1);
    if (g_str_has_suffix (lower, ".json")) {
      g_free (labels);
      labels = g_strdup (path);
    } else {
      g_free (weights);
      weights = g_strdup (path);
    }
    if (folder == NULL) {
      folder = g_path_get_dirname (path);
    }
  }

  if (folder == NULL) {
    return;
  }

  /* One reload for the three keys. */
  g_settings_delay (batch);
  g_settings_set_string (batch, "model-folder", folder);
  g_settings_set_string (batch, "weights-file", weights != NULL ? weights : "");
  g_settings_set_string (batch, "labels-file", labels != NULL ? labels : "");
  g_settings_apply (batch);
}

static void
chooser_response_cb (DiscernModelPage     *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

    use_files (self, files);
  }

  g_clear_object (&self->chooser);
}

static void
choose_files_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  DiscernModelPage *self = DISCERN_MODEL_PAGE (widget);
  g_autoptr(GtkFileFilter) model = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->chooser != NULL) {
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
    return;
  }

  gtk_file_filter_set_name (model, _("Weights and Class Index"));
  gtk_file_filter_add_suffix (model, "h5");
  gtk_file_filter_add_suffix (model, "hdf5");
  gtk_file_filter_add_suffix (model, "json");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");

  self->chooser = gtk_file_chooser_native_new (_("Choose the Weights and Class Index"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Use"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), model);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  DiscernModelPage *self = DISCERN_MODEL_PAGE (widget);
  DiscernModelNeeds needs = get_needs (self);
  g_autofree char *mirror = g_settings_get_string (get_settings (self), "model-mirror");

  if (needs == 0) {
    return;
  }

  discern_model_downloader_start (get_downloader (self), needs, mirror);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DiscernModelPage *self = DISCERN_MODEL_PAGE (widget);

  discern_model_downloader_cancel (get_downloader (self));
}

static void
use_defaults_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  g_autoptr(GSettings) batch = g_settings_new (APPLICATION_ID);

  g_settings_delay (batch);
  g_settings_reset (batch, "model-folder");
  g_settings_reset (batch, "weights-file");
  g_settings_reset (batch, "labels-file");
  g_settings_apply (batch);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DiscernModelPage *self = DISCERN_MODEL_PAGE (widget);

  discern_application_reload_model (self->application);
}

static void
discern_model_page_dispose (GObject *object)
{
  DiscernModelPage *self = DISCERN_MODEL_PAGE (object);

  g_clear_handle_id (&self->spinner_source, g_source_remove);
  if (self->chooser != NULL) {
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
    g_clear_object (&self->chooser);
  }
  gtk_widget_dispose_template (GTK_WIDGET (self), DISCERN_TYPE_MODEL_PAGE);
  g_clear_object (&self->application);

  G_OBJECT_CLASS (discern_model_page_parent_class)->dispose (object);
}

static void
discern_model_page_class_init (DiscernModelPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = discern_model_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-model-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, stack);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, download_button);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, defaults_button);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, details_button);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, details_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernModelPage, searched_label);

  gtk_widget_class_install_action (widget_class, "model.download", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "model.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "model.choose-files", NULL,
                                   choose_files_action);
  gtk_widget_class_install_action (widget_class, "model.use-defaults", NULL,
                                   use_defaults_action);
  gtk_widget_class_install_action (widget_class, "model.reload", NULL, reload_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
discern_model_page_init (DiscernModelPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* The page follows the application's network and download from now on. */
void
discern_model_page_set_application (DiscernModelPage   *self,
                                    DiscernApplication *application)
{
  DiscernModelDownloader *downloader;

  g_return_if_fail (DISCERN_IS_MODEL_PAGE (self));
  g_return_if_fail (DISCERN_IS_APPLICATION (application));
  g_return_if_fail (self->application == NULL);

  self->application = g_object_ref (application);
  downloader = discern_application_get_downloader (application);

  g_signal_connect_object (discern_application_get_classifier (application), "notify::state",
                           G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (downloader, "notify::state", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (downloader, "notify::received",
                           G_CALLBACK (download_progress_cb), self, G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (model_keys); i++) {
    g_autofree char *signal = g_strconcat ("changed::", model_keys[i], NULL);

    g_signal_connect_object (get_settings (self), signal, G_CALLBACK (update), self,
                             G_CONNECT_SWAPPED);
  }
  update (self);
}

/* How many pictures wait for the network, to say they are not lost. */
void
discern_model_page_set_n_waiting (DiscernModelPage *self,
                                  guint             n_waiting)
{
  g_return_if_fail (DISCERN_IS_MODEL_PAGE (self));

  if (self->n_waiting == n_waiting) {
    return;
  }

  self->n_waiting = n_waiting;
  update (self);
}

/* What the page shows: "offer", "progress", "failed", "broken" or
 * "loading". */
const char *
discern_model_page_get_mode (DiscernModelPage *self)
{
  g_return_val_if_fail (DISCERN_IS_MODEL_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/* discern-classify.c: the classification pipeline on the command line
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-classify.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "dn-labels.h"
#include "dn-network.h"
#include "dn-preprocess.h"
#include "discern-data-url.h"
#include "discern-fetch.h"
#include "discern-image.h"
#include "discern-model-download.h"
#include "discern-model-files.h"
#include "discern-source-error.h"

#define EXIT_ALL_CLASSIFIED 0
#define EXIT_SOME_FAILED    1
#define EXIT_USAGE          2

#define MAX_TOP    1000
#define BATCH_SIZE 8

#define MODEL_HINT \
  "Run “discern-classify --download-model” to download them, or name the files " \
  "with --weights and --labels."

typedef struct {
  int          top;
  gboolean     json;
  gboolean     crop;
  gboolean     download_model;
  gboolean     model_info;
  char        *weights_path;
  char        *labels_path;
  char       **inputs;
} Options;

/* The state of a --download-model run, and its progress line. */
typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
  GCancellable *cancellable;
  gboolean      on_terminal;
  char         *url;            /* the file being fetched */
  gint64        file_started;   /* monotonic µs of its first progress */
  goffset       file_first;     /* bytes on disk then */
  gint64        last_drawn;
  gboolean      line_open;
} DownloadView;

typedef struct {
  DnNetwork   *network;
  DnLabels    *labels;
  SoupSession *session;
  int          height;
  int          width;
  float       *batch;          /* (BATCH_SIZE, height, width, 3) */
  float       *probabilities;  /* (BATCH_SIZE, n_classes) */
  guint8      *resized;        /* (height, width, 3) */
} Classifier;

static void
options_clear (Options *options)
{
  g_free (options->weights_path);
  g_free (options->labels_path);
  g_strfreev (options->inputs);
}

static void
classifier_clear (Classifier *classifier)
{
  g_clear_pointer (&classifier->network, dn_network_free);
  g_clear_pointer (&classifier->labels, dn_labels_free);
  g_clear_object (&classifier->session);
  g_clear_pointer (&classifier->batch, g_free);
  g_clear_pointer (&classifier->probabilities, g_free);
  g_clear_pointer (&classifier->resized, g_free);
}

static gboolean
parse_options (Options  *options,
               int      *argc,
               char   ***argv,
               GError  **error)
{
  GOptionEntry entries[] = {
    { "top", 'k', 0, G_OPTION_ARG_INT, &options->top,
      "How many classes to print per input (default 5)", "N" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json,
      "Print one JSON object per input and line", NULL },
    { "crop", 'c', 0, G_OPTION_ARG_NONE, &options->crop,
      "Take the centred square instead of stretching the whole picture", NULL },
    { "weights", 'w', 0, G_OPTION_ARG_FILENAME, &options->weights_path,
      "The VGG16 weights, Keras' HDF5 file", "FILE" },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &options->labels_path,
      "The class index, Keras' imagenet_class_index.json", "FILE" },
    { "download-model", 0, 0, G_OPTION_ARG_NONE, &options->download_model,
      "Download the model files that are missing or damaged, then classify any inputs",
      NULL },
    { "model-info", 0, 0, G_OPTION_ARG_NONE, &options->model_info,
      "Print the model files in use, their sizes and whether they verified", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->inputs,
      NULL, "IMAGE|URL…" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);

  g_option_context_set_summary (context,
                                "Tells what is in pictures with the VGG16 network trained "
                                "on ImageNet.\nInputs are image files or http(s) links.");
  g_option_context_set_description (context,
                                    "Exit status: 0 when every input was classified, 1 when "
                                    "some failed,\n2 for usage or model errors.");
  g_option_context_add_main_entries (context, entries, NULL);

  if (!g_option_context_parse (context, argc, argv, error)) {
    return FALSE;
  }
  if ((options->inputs == NULL || options->inputs[0] == NULL)
      && !options->download_model && !options->model_info) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "no image given (see --help)");
    return FALSE;
  }
  if (options->top < 1 || options->top > MAX_TOP) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--top must be between 1 and %d", MAX_TOP);
    return FALSE;
  }

  return TRUE;
}

/* Files that differ from Keras' are used only because the user named
 * them, and never silently. */
static void
warn_unverified (const DiscernModelFile *file)
{
  g_autofree char *display = NULL;

  if (file->state != DISCERN_MODEL_FILE_UNVERIFIED) {
    return;
  }
  display = g_filename_display_name (file->path);
  g_printerr ("discern-classify: warning: “%s” is not Keras' %s (its size or checksum "
              "differs); using it as named\n", display,
              file->kind == DISCERN_MODEL_WEIGHTS ? "VGG16 weights file" : "class index");
}

/* The checked model files, or an error saying what is missing or damaged
 * and how to get it. */
static DiscernModelFiles *
find_model (const Options  *options,
            GError        **error)
{
  g_autoptr(DiscernModelFiles) files = NULL;
  g_autoptr(GError) missing = NULL;

  files = discern_model_files_check (NULL, options->weights_path, options->labels_path,
                                     NULL, error);
  if (files == NULL) {
    return NULL;
  }
  if (!discern_model_files_ensure_usable (files, &missing)) {
    g_set_error (error, missing->domain, missing->code, "%s\n%s", missing->message,
                 MODEL_HINT);
    return NULL;
  }

  warn_unverified (&files->weights);
  warn_unverified (&files->labels);
  return g_steal_pointer (&files);
}

static gboolean
classifier_init (Classifier     *classifier,
                 const Options  *options,
                 GError        **error)
{
  g_autoptr(DiscernModelFiles) files = NULL;
  const char *weights_path;
  const char *labels_path;
  int n_classes;

  files = find_model (options, error);
  if (files == NULL) {
    return FALSE;
  }
  weights_path = files->weights.path;
  labels_path = files->labels.path;

  classifier->labels = dn_labels_load (labels_path, error);
  if (classifier->labels == NULL) {
    return FALSE;
  }
  classifier->network = dn_network_load (weights_path, error);
  if (classifier->network == NULL) {
    return FALSE;
  }

  n_classes = dn_network_get_n_classes (classifier->network);
  if ((guint) n_classes != dn_labels_get_count (classifier->labels)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                 "“%s” names %u classes but the network in “%s” has %d",
                 labels_path, dn_labels_get_count (classifier->labels),
                 weights_path, n_classes);
    return FALSE;
  }

  classifier->height = dn_network_get_input_height (classifier->network);
  classifier->width = dn_network_get_input_width (classifier->network);
  classifier->batch = g_new (float, (gsize) BATCH_SIZE * classifier->height
                                    * classifier->width * 3);
  classifier->probabilities = g_new (float, (gsize) BATCH_SIZE * n_classes);
  classifier->resized = g_new (guint8, (gsize) classifier->height * classifier->width * 3);

  return TRUE;
}

/* A URI with a scheme other than file: is refused rather than looked up as
 * a file name, so that "ftp://…" gets a useful answer. */
static gboolean
is_other_uri (const char *input)
{
  g_autofree char *scheme = g_uri_parse_scheme (input);

  return scheme != NULL && g_ascii_strcasecmp (scheme, "file") != 0;
}

/* How an input is named in the output: a data: URL only up to its data. */
static char *
input_display_name (const char *input)
{
  if (discern_data_url_is_data_url (input)) {
    return discern_fetch_display_url (input);
  }
  return g_filename_display_name (input);
}

static DiscernImage *
open_input (Classifier  *classifier,
            const char  *input,
            GError     **error)
{
  if (discern_fetch_is_url (input) || discern_data_url_is_data_url (input)) {
    g_autoptr(GBytes) bytes = NULL;
    DiscernImage *image;

    if (classifier->session == NULL) {
      classifier->session = discern_fetch_session_new ();
    }
    bytes = discern_fetch_url (classifier->session, input, NULL, error);
    if (bytes == NULL) {
      return NULL;
    }
    image = discern_image_new_from_bytes (bytes, error);
    if (image == NULL) {
      g_autofree char *display = discern_fetch_display_url (input);

      g_prefix_error (error, "%s: ", display);
    }
    return image;
  }

  if (g_str_has_prefix (input, "file:")) {
    g_autofree char *path = g_filename_from_uri (input, NULL, error);

    return path != NULL ? discern_image_new_from_file (path, error) : NULL;
  }

  if (is_other_uri (input) && !discern_fetch_check_url (input, error)) {
    g_prefix_error (error, "%s: ", input);
    return NULL;
  }

  return discern_image_new_from_file (input, error);
}

static void
print_text (Classifier         *classifier,
            const char         *input,
            const DnPrediction *predictions,
            int                 count)
{
  g_autofree char *display = input_display_name (input);

  printf ("%s\n", display);
  for (int rank = 0; rank < count; rank++) {
    int index = predictions[rank].index;

    printf ("%4d. %-30s %6.2f %%  %s\n", rank + 1,
            dn_labels_get_name (classifier->labels, index),
            100.0 * predictions[rank].probability,
            dn_labels_get_wnid (classifier->labels, index));
  }
}

static void
print_json_object (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

/* A float printed as a double shows noise digits (0.9100000262); seven
 * significant digits are all a float holds. */
static double
round_probability (float probability)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (text, sizeof text, "%.7g", probability);
  return g_ascii_strtod (text, NULL);
}

static void
print_json (Classifier         *classifier,
            const char         *input,
            const DnPrediction *predictions,
            int                 count)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *display = input_display_name (input);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "input");
  json_builder_add_string_value (builder, display);
  json_builder_set_member_name (builder, "predictions");
  json_builder_begin_array (builder);
  for (int rank = 0; rank < count; rank++) {
    int index = predictions[rank].index;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "rank");
    json_builder_add_int_value (builder, rank + 1);
    json_builder_set_member_name (builder, "index");
    json_builder_add_int_value (builder, index);
    json_builder_set_member_name (builder, "wnid");
    json_builder_add_string_value (builder, dn_labels_get_wnid (classifier->labels, index));
    json_builder_set_member_name (builder, "label");
    json_builder_add_string_value (builder, dn_labels_get_name (classifier->labels, index));
    json_builder_set_member_name (builder, "probability");
    json_builder_add_double_value (builder, round_probability (predictions[rank].probability));
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  print_json_object (builder);
}

static void
report_failure (const Options *options,
                const char    *input,
                const GError  *error)
{
  g_autofree char *display = input_display_name (input);

  /* Messages from the sources already name the input; the first line is
   * the sentence, further lines are details. */
  g_printerr ("discern-classify: %s\n", error->message);

  if (options->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "input");
    json_builder_add_string_value (builder, display);
    json_builder_set_member_name (builder, "error");
    json_builder_add_string_value (builder, error->message);
    json_builder_end_object (builder);
    print_json_object (builder);
  }
}

/* Runs the network on the first `count` slots of the batch and prints each
 * result under its input's name. */
static gboolean
classify_batch (Classifier     *classifier,
                const Options  *options,
                const char    **names,
                int             count,
                GError        **error)
{
  int n_classes = dn_network_get_n_classes (classifier->network);
  g_autofree DnPrediction *predictions = g_new (DnPrediction, options->top);

  if (!dn_network_forward (classifier->network, classifier->probabilities,
                           classifier->batch, count, NULL, error)) {
    return FALSE;
  }

  for (int i = 0; i < count; i++) {
    const float *row = classifier->probabilities + (gsize) i * n_classes;
    int found = dn_top_k (predictions, row, n_classes, options->top);

    if (options->json) {
      print_json (classifier, names[i], predictions, found);
    } else {
      print_text (classifier, names[i], predictions, found);
    }
  }
  fflush (stdout);

  return TRUE;
}

static void
put_in_batch (Classifier         *classifier,
              const DiscernImage *image,
              int                 slot,
              DnResizeMode        mode)
{
  gsize slot_floats = (gsize) classifier->height * classifier->width * 3;

  dn_resize_rgb8 (classifier->resized, image->pixels,
                  classifier->width, classifier->height,
                  image->width, image->height, image->width * 3, mode);
  dn_preprocess_caffe (classifier->batch + slot * slot_floats, classifier->resized,
                       classifier->width, classifier->height);
}

/* Decodes the inputs and classifies them in batches, in input order.
 * Returns the number of inputs that failed, or -1 on a model error. */
static int
classify_all (Classifier     *classifier,
              const Options  *options,
              GError        **error)
{
  DnResizeMode mode = options->crop ? DN_RESIZE_CENTER_CROP : DN_RESIZE_STRETCH;
  const char *names[BATCH_SIZE];
  int filled = 0;
  int failed = 0;

  for (int i = 0; options->inputs[i] != NULL; i++) {
    const char *input = options->inputs[i];
    g_autoptr(GError) local_error = NULL;
    g_autoptr(DiscernImage) image = open_input (classifier, input, &local_error);

    if (image == NULL) {
      /* Print what is ready first, so the output keeps the input order. */
      if (filled > 0 && !classify_batch (classifier, options, names, filled, error)) {
        return -1;
      }
      filled = 0;
      report_failure (options, input, local_error);
      failed++;
      continue;
    }

    put_in_batch (classifier, image, filled, mode);
    names[filled++] = input;
    if (filled == BATCH_SIZE) {
      if (!classify_batch (classifier, options, names, filled, error)) {
        return -1;
      }
      filled = 0;
    }
  }

  if (filled > 0 && !classify_batch (classifier, options, names, filled, error)) {
    return -1;
  }

  return failed;
}

static const char *
describe_state (const DiscernModelFile *file)
{
  switch (file->state) {
  case DISCERN_MODEL_FILE_VERIFIED:
    return "verified: matches Keras' published checksum";
  case DISCERN_MODEL_FILE_UNVERIFIED:
    return "not verified: differs from Keras' file, used because it was named";
  case DISCERN_MODEL_FILE_DAMAGED:
    return "damaged: differs from Keras' file; run discern-classify --download-model";
  case DISCERN_MODEL_FILE_MISSING:
  default:
    return "missing: run discern-classify --download-model";
  }
}

static void
print_model_file (const char             *label,
                  const DiscernModelFile *file)
{
  g_autofree char *display = NULL;
  g_autofree char *size = NULL;

  if (file->path == NULL) {
    printf ("%-8s (not found)\n", label);
  } else {
    display = g_filename_display_name (file->path);
    size = g_format_size_full (file->size, G_FORMAT_SIZE_LONG_FORMAT | G_FORMAT_SIZE_IEC_UNITS);
    printf ("%-8s %s\n         %s%s%s\n", label, display, size,
            file->md5 != NULL ? ", MD5 " : "", file->md5 != NULL ? file->md5 : "");
  }
  printf ("         %s\n", describe_state (file));
}

/* --model-info: what the classifier would use, and where a download would
 * come from and go. */
static int
print_model_info (const Options *options)
{
  g_autoptr(DiscernModelFiles) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dest = discern_model_files_get_default_dir ();

  files = discern_model_files_check (NULL, options->weights_path, options->labels_path,
                                     NULL, &error);
  if (files == NULL) {
    g_printerr ("discern-classify: %s\n", error->message);
    return EXIT_USAGE;
  }

  print_model_file ("weights", &files->weights);
  print_model_file ("labels", &files->labels);
  for (int i = 0; files->searched[i] != NULL; i++) {
    g_autofree char *display = g_filename_display_name (files->searched[i]);

    printf ("%-8s %s\n", i == 0 ? "searched" : "", display);
  }
  for (int kind = 0; kind < DISCERN_MODEL_N_FILES; kind++) {
    g_autofree char *url = discern_model_download_get_url (kind, NULL);

    printf ("%-8s %s\n", kind == 0 ? "download" : "", url);
  }
  printf ("         into %s\n", dest);
  fflush (stdout);

  return discern_model_files_get_needs (files) == 0 ? EXIT_ALL_CLASSIFIED : EXIT_USAGE;
}

static char *
format_duration (double seconds)
{
  gint64 whole = (gint64) (seconds + 0.5);

  if (whole >= 3600) {
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", whole / 3600,
                            (int) (whole / 60 % 60), (int) (whole % 60));
  }
  return g_strdup_printf ("%d:%02d", (int) (whole / 60), (int) (whole % 60));
}

static void
end_progress_line (DownloadView *view)
{
  if (view->line_open) {
    g_printerr ("\n");
    view->line_open = FALSE;
  }
}

/* On a terminal, one line redrawn at most five times a second: bytes,
 * share, speed and time left; speed counts only this run's bytes. */
static void
download_progress_cb (const DiscernModelProgress *progress,
                      gpointer                    user_data)
{
  DownloadView *view = user_data;
  gint64 now = g_get_monotonic_time ();
  double elapsed;
  g_autofree char *received = NULL;
  g_autoptr(GString) line = NULL;

  if (g_strcmp0 (view->url, progress->url) != 0) {
    end_progress_line (view);
    g_free (view->url);
    view->url = g_strdup (progress->url);
    view->file_started = now;
    view->file_first = progress->received;
    g_printerr ("discern-classify: downloading %s\n", progress->url);
  }
  if (!view->on_terminal
      || (now - view->last_drawn < G_USEC_PER_SEC / 5 && progress->received != progress->total)) {
    return;
  }
  view->last_drawn = now;

  received = g_format_size (progress->received);
  line = g_string_new (NULL);
  g_string_append_printf (line, "\r  %s", received);
  if (progress->total > 0) {
    g_autofree char *total = g_format_size (progress->total);

    g_string_append_printf (line, " of %s (%d %%)", total,
                            (int) (100.0 * progress->received / progress->total));
  }
  elapsed = (double) (now - view->file_started) / G_USEC_PER_SEC;
  if (elapsed > 0.5 && progress->received > view->file_first) {
    double speed = (progress->received - view->file_first) / elapsed;
    g_autofree char *speed_text = g_format_size ((guint64) speed);

    g_string_append_printf (line, ", %s/s", speed_text);
    if (progress->total > 0) {
      g_autofree char *left = format_duration ((progress->total - progress->received) / speed);

      g_string_append_printf (line, ", %s left", left);
    }
  }
  g_string_append (line, "\033[K");
  g_printerr ("%s", line->str);
  view->line_open = TRUE;
}

static void
download_done_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DownloadView *view = user_data;

  view->result = g_object_ref (result);
  g_main_loop_quit (view->loop);
}

static gboolean
interrupted_cb (gpointer user_data)
{
  DownloadView *view = user_data;

  g_cancellable_cancel (view->cancellable);
  return G_SOURCE_CONTINUE;
}

/* --download-model: fetches what the check found missing or damaged, with
 * the library's own code on a main loop. Ctrl+C cancels; the part stays for
 * the next run. */
static int
download_model (const Options *options)
{
  g_autoptr(DiscernModelFiles) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dest = discern_model_files_get_default_dir ();
  g_autofree char *size = NULL;
  DownloadView view = { 0 };
  DiscernModelNeeds needs;
  guint signal_id;
  int status = EXIT_ALL_CLASSIFIED;

  files = discern_model_files_check (NULL, options->weights_path, options->labels_path,
                                     NULL, &error);
  if (files == NULL) {
    g_printerr ("discern-classify: %s\n", error->message);
    return EXIT_USAGE;
  }
  needs = discern_model_files_get_needs (files);
  if (needs == 0) {
    g_printerr ("discern-classify: the model files are in place; nothing to download\n");
    return EXIT_ALL_CLASSIFIED;
  }

  size = g_format_size (discern_model_download_get_size (needs));
  g_printerr ("discern-classify: downloading %s into %s\n", size, dest);
  view.loop = g_main_loop_new (NULL, FALSE);
  view.cancellable = g_cancellable_new ();
  view.on_terminal = isatty (STDERR_FILENO);
  signal_id = g_unix_signal_add (SIGINT, interrupted_cb, &view);

  discern_model_download_async (NULL, needs, NULL, NULL, download_progress_cb, &view,
                                view.cancellable, download_done_cb, &view);
  g_main_loop_run (view.loop);
  g_source_remove (signal_id);
  end_progress_line (&view);

  if (!discern_model_download_finish (view.result, &error)) {
    g_printerr ("discern-classify: %s\n", error->message);
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
        || g_error_matches (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK)) {
      g_printerr ("discern-classify: run it again to resume where it stopped\n");
    }
    status = EXIT_USAGE;
  } else {
    g_printerr ("discern-classify: the model is ready in %s\n", dest);
  }

  g_clear_object (&view.result);
  g_clear_object (&view.cancellable);
  g_clear_pointer (&view.loop, g_main_loop_unref);
  g_free (view.url);
  return status;
}

int
discern_classify_main (int    argc,
                       char **argv)
{
  Options options = { .top = 5 };
  Classifier classifier = { 0 };
  g_autoptr(GError) error = NULL;
  int failed;
  int status;

  setlocale (LC_ALL, "");

  if (!parse_options (&options, &argc, &argv, &error)) {
    g_printerr ("discern-classify: %s\n", error->message);
    options_clear (&options);
    return EXIT_USAGE;
  }

  if (options.model_info) {
    status = print_model_info (&options);
    options_clear (&options);
    return status;
  }
  if (options.download_model) {
    status = download_model (&options);
    if (status != EXIT_ALL_CLASSIFIED || options.inputs == NULL || options.inputs[0] == NULL) {
      options_clear (&options);
      return status;
    }
  }

  if (!classifier_init (&classifier, &options, &error)) {
    g_printerr ("discern-classify: %s\n", error->message);
    classifier_clear (&classifier);
    options_clear (&options);
    return EXIT_USAGE;
  }

  failed = classify_all (&classifier, &options, &error);
  if (failed < 0) {
    g_printerr ("discern-classify: %s\n", error->message);
    status = EXIT_USAGE;
  } else {
    status = failed > 0 ? EXIT_SOME_FAILED : EXIT_ALL_CLASSIFIED;
  }

  classifier_clear (&classifier);
  options_clear (&options);
  return status;
}

/* discern-classify.c: the classification pipeline on the command line
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-classify.h"

#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>

#include "dn-labels.h"
#include "dn-network.h"
#include "dn-preprocess.h"
#include "discern-fetch.h"
#include "discern-image.h"
#include "discern-model-files.h"
#include "discern-source-error.h"

#define EXIT_ALL_CLASSIFIED 0
#define EXIT_SOME_FAILED    1
#define EXIT_USAGE          2

#define MAX_TOP    1000
#define BATCH_SIZE 8

typedef struct {
  int          top;
  gboolean     json;
  gboolean     crop;
  char        *weights_path;
  char        *labels_path;
  char       **inputs;
} Options;

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
  if (options->inputs == NULL || options->inputs[0] == NULL) {
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

static gboolean
classifier_init (Classifier     *classifier,
                 const Options  *options,
                 GError        **error)
{
  g_autofree char *weights_path = NULL;
  g_autofree char *labels_path = NULL;
  int n_classes;

  if (!discern_model_files_find (options->weights_path, options->labels_path,
                                 &weights_path, &labels_path, error)) {
    return FALSE;
  }

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

static DiscernImage *
open_input (Classifier  *classifier,
            const char  *input,
            GError     **error)
{
  if (discern_fetch_is_url (input)) {
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
      g_prefix_error (error, "%s: ", input);
    }
    return image;
  }

  if (g_str_has_prefix (input, "file:")) {
    g_autofree char *path = g_filename_from_uri (input, NULL, error);

    return path != NULL ? discern_image_new_from_file (path, error) : NULL;
  }

  if (is_other_uri (input)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_BAD_URL,
                 "%s: only http and https links can be opened", input);
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
  g_autofree char *display = g_filename_display_name (input);

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
  g_autofree char *display = g_filename_display_name (input);

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
  g_autofree char *display = g_filename_display_name (input);

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

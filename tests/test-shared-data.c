/* test-shared-data.c: discern-classify on real photos and tricky files
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs only when the shared test data sits beside the checkout
 * (../shared/testdata); it is never copied into the repository. The model is
 * a full-size VGG16 with seeded random weights, so the answers are not
 * ImageNet's, but every picture must go through the whole pipeline. When
 * Debian's python3-torch, python3-h5py and python3-pil are installed, the
 * probabilities are also compared with an independent PyTorch
 * implementation (tests/reference/vgg16-torch.py).
 */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "h5-writer.h"

typedef struct {
  char *shared;    /* ../shared */
  char *dir;       /* temporary folder */
  char *weights;   /* random VGG16 */
  char *labels;    /* the shared class index */
} Fixture;

static Fixture fixture;

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_program (Run        *run,
             GPtrArray  *argv)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (process)
                ? g_subprocess_get_exit_status (process) : -1;
  g_test_message ("exit %d; stderr:\n%s", run->status, run->err);
}

/* discern-classify --json on the random VGG16 with `inputs`. */
static void
classify (Run        *run,
          GPtrArray  *inputs,
          const char *extra)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) g_getenv ("DISCERN_CLASSIFY"));
  g_ptr_array_add (argv, "--json");
  g_ptr_array_add (argv, "--weights");
  g_ptr_array_add (argv, fixture.weights);
  g_ptr_array_add (argv, "--labels");
  g_ptr_array_add (argv, fixture.labels);
  if (extra != NULL) {
    g_ptr_array_add (argv, (char *) extra);
  }
  for (guint i = 0; i < inputs->len; i++) {
    g_ptr_array_add (argv, inputs->pdata[i]);
  }
  run_program (run, argv);
}

static char **
output_lines (const char *text)
{
  g_autofree char *trimmed = g_strchomp (g_strdup (text));

  return trimmed[0] == '\0' ? g_new0 (char *, 1) : g_strsplit (trimmed, "\n", -1);
}

static JsonObject *
parse_object (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Rows of a tab-separated index file below testdata, header skipped. */
static GPtrArray *
read_rows (const char *relative)
{
  g_autofree char *path = g_build_filename (fixture.shared, "testdata", relative, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 1; lines[i] != NULL; i++) {
    if (lines[i][0] != '\0') {
      g_ptr_array_add (rows, g_strsplit (lines[i], "\t", -1));
    }
  }
  return rows;
}

static void
assert_sane_predictions (JsonObject *object)
{
  JsonArray *predictions = json_object_get_array_member (object, "predictions");
  double previous = 1.0;
  double total = 0;

  g_assert_cmpuint (json_array_get_length (predictions), ==, 5);
  for (guint i = 0; i < 5; i++) {
    JsonObject *prediction = json_array_get_object_element (predictions, i);
    double probability = json_object_get_double_member (prediction, "probability");

    g_assert_true (isfinite (probability));
    g_assert_cmpfloat (probability, <=, previous);
    g_assert_cmpint (json_object_get_int_member (prediction, "index"), <, 1000);
    previous = probability;
    total += probability;
  }
  g_assert_cmpfloat (total, <=, 1.0 + 1e-5);
}

/* The random model is named explicitly and is not Keras' file, so the CLI
 * warns about it; anything else on stderr is a failure. */
static void
assert_only_warnings (const char *err)
{
  g_auto(GStrv) lines = output_lines (err);

  for (int i = 0; lines[i] != NULL; i++) {
    g_assert_true (g_str_has_prefix (lines[i], "discern-classify: warning: "));
  }
}

static void
test_photos (void)
{
  g_autoptr(GPtrArray) rows = read_rows ("photos/LABELS.tsv");
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;

  for (guint i = 0; i < rows->len; i++) {
    char **row = rows->pdata[i];

    g_ptr_array_add (inputs, g_build_filename (fixture.shared, "testdata", "photos",
                                               row[0], NULL));
  }
  classify (&run, inputs, NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_only_warnings (run.err);

  lines = output_lines (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, inputs->len);
  for (guint i = 0; i < inputs->len; i++) {
    g_autoptr(JsonObject) object = parse_object (lines[i]);

    g_assert_cmpstr (json_object_get_string_member (object, "input"), ==, inputs->pdata[i]);
    assert_sane_predictions (object);
  }
}

/* Every tricky file in one run: OK files classified, ERR and REJECT files
 * refused with a message, ANY either; the program itself never dies. */
static void
test_tricky (void)
{
  g_autoptr(GPtrArray) rows = read_rows ("tricky/INDEX.tsv");
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;

  for (guint i = 0; i < rows->len; i++) {
    char **row = rows->pdata[i];

    g_ptr_array_add (inputs, g_build_filename (fixture.shared, "testdata", "tricky",
                                               row[0], NULL));
  }
  classify (&run, inputs, NULL);
  g_assert_cmpint (run.status, ==, 1);

  lines = output_lines (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, inputs->len);
  for (guint i = 0; i < inputs->len; i++) {
    char **row = rows->pdata[i];
    const char *expect = row[2];
    g_autoptr(JsonObject) object = parse_object (lines[i]);
    gboolean failed = json_object_has_member (object, "error");

    g_test_message ("%s (%s): %s", row[0], expect,
                    failed ? json_object_get_string_member (object, "error") : "classified");
    if (g_str_equal (expect, "OK")) {
      g_assert_false (failed);
      assert_sane_predictions (object);
    } else if (g_str_equal (expect, "ERR") || g_str_equal (expect, "REJECT")) {
      g_assert_true (failed);
      g_assert_cmpstr (json_object_get_string_member (object, "error"), !=, "");
    }
  }
}

/* The pictures used against PyTorch: ordinary, EXIF-rotated, grayscale,
 * PNG with alpha, a name with an apostrophe. */
static const char *reference_pictures[] = {
  "photos/n02110958_pug.JPEG",
  "photos/n03642806_laptop.JPEG",
  "photos/skimage_chelsea.png",
  "tricky/exif/Landscape_6.jpg",
  "tricky/jpeg/gray_hopper.jpg",
  "tricky/png/rgba_pil123.png",
};

static gboolean
have_torch (void)
{
  const char *argv[] = { "/usr/bin/python3", "-c", "import torch, h5py, PIL, numpy", NULL };
  int status = -1;

  return g_spawn_sync (NULL, (char **) argv, NULL,
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, NULL)
         && g_spawn_check_wait_status (status, NULL);
}

static void
compare_with_torch (gconstpointer data)
{
  const char *mode = data;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "reference", "vgg16-torch.py",
                                                   NULL);
  g_auto(Run) ours = { 0 };
  g_auto(Run) torch = { 0 };
  g_auto(GStrv) our_lines = NULL;
  g_auto(GStrv) torch_lines = NULL;
  double largest = 0;

  if (!have_torch ()) {
    g_test_skip ("python3-torch, python3-h5py or python3-pil is not installed");
    return;
  }

  for (gsize i = 0; i < G_N_ELEMENTS (reference_pictures); i++) {
    g_ptr_array_add (inputs, g_build_filename (fixture.shared, "testdata",
                                               reference_pictures[i], NULL));
  }
  classify (&ours, inputs, mode);
  g_assert_cmpint (ours.status, ==, 0);

  g_ptr_array_add (argv, "/usr/bin/python3");
  g_ptr_array_add (argv, script);
  g_ptr_array_add (argv, fixture.weights);
  g_ptr_array_add (argv, fixture.labels);
  if (mode != NULL) {
    g_ptr_array_add (argv, (char *) mode);
  }
  for (guint i = 0; i < inputs->len; i++) {
    g_ptr_array_add (argv, inputs->pdata[i]);
  }
  run_program (&torch, argv);
  g_assert_cmpint (torch.status, ==, 0);

  our_lines = output_lines (ours.out);
  torch_lines = output_lines (torch.out);
  g_assert_cmpuint (g_strv_length (our_lines), ==, inputs->len);
  g_assert_cmpuint (g_strv_length (torch_lines), ==, inputs->len);

  /* Metric: the largest absolute difference between the two top-5
   * probabilities, rank by rank; tolerance 1e-4 (float32 sums over
   * 15 G products in a different order). The classes must agree too. */
  for (guint i = 0; i < inputs->len; i++) {
    g_autoptr(JsonObject) our_object = parse_object (our_lines[i]);
    g_autoptr(JsonObject) torch_object = parse_object (torch_lines[i]);
    JsonArray *our_top = json_object_get_array_member (our_object, "predictions");
    JsonArray *torch_top = json_object_get_array_member (torch_object, "predictions");

    for (guint rank = 0; rank < 5; rank++) {
      JsonObject *a = json_array_get_object_element (our_top, rank);
      JsonObject *b = json_array_get_object_element (torch_top, rank);
      double difference = fabs (json_object_get_double_member (a, "probability")
                                - json_object_get_double_member (b, "probability"));

      g_test_message ("%s rank %u: ours %s %.6f, torch %s %.6f",
                      reference_pictures[i], rank + 1,
                      json_object_get_string_member (a, "label"),
                      json_object_get_double_member (a, "probability"),
                      json_object_get_string_member (b, "label"),
                      json_object_get_double_member (b, "probability"));
      g_assert_cmpint (json_object_get_int_member (a, "index"), ==,
                       json_object_get_int_member (b, "index"));
      largest = MAX (largest, difference);
    }
  }
  g_test_message ("largest difference from PyTorch: %.3g", largest);
  g_assert_cmpfloat (largest, <=, 1e-4);
}

static void
skip_without_data (void)
{
  g_test_skip ("the shared test data is not beside the checkout");
}

static void
remove_fixture (void)
{
  g_unlink (fixture.weights);
  g_rmdir (fixture.dir);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  fixture.shared = g_test_build_filename (G_TEST_DIST, "..", "..", "shared", NULL);
  fixture.labels = g_build_filename (fixture.shared, "data", "imagenet_class_index.json", NULL);
  if (!g_file_test (fixture.labels, G_FILE_TEST_EXISTS)) {
    g_test_add_func ("/shared/not-present", skip_without_data);
    return g_test_run ();
  }

  fixture.dir = g_dir_make_tmp ("discern-shared-XXXXXX", &error);
  g_assert_no_error (error);
  fixture.weights = g_build_filename (fixture.dir, "vgg16-random.h5", NULL);
  h5w_write_vgg16_random (fixture.weights, 16, &error);
  g_assert_no_error (error);

  g_test_add_func ("/shared/photos", test_photos);
  g_test_add_func ("/shared/tricky", test_tricky);
  g_test_add_data_func ("/shared/torch-reference/stretch", NULL, compare_with_torch);
  g_test_add_data_func ("/shared/torch-reference/crop", "--crop", compare_with_torch);

  status = g_test_run ();
  remove_fixture ();
  return status;
}

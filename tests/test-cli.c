/* test-cli.c: discern-classify end to end, as a user runs it
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test runs the real program in a subprocess on a model, a class
 * index and pictures that the test writes itself; links are served by a
 * SoupServer on 127.0.0.1. When ../shared/testdata sits beside the
 * checkout, extra tests classify its photos and tricky files.
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "dn-labels.h"
#include "dn-network.h"
#include "dn-preprocess.h"
#include "discern-image.h"
#include "h5-writer.h"

#define N_CLASSES 10

typedef struct {
  char *dir;
  char *weights;
  char *labels;
  char *red;       /* a red square, PNG */
  char *stripes;   /* a wide picture: left half green, right half blue, JPEG */
  char *text;      /* a text file named .jpg */
  char *url_base;  /* http://127.0.0.1:PORT */
} Fixture;

static Fixture fixture;

typedef struct {
  int    status;   /* exit status, or -1 when killed by a signal */
  char  *out;
  char  *err;
  char  *warnings; /* the "warning:" lines, taken out of `err` */
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run->warnings);
}

/* Model files that differ from Keras' (like the small test model) are
 * used with a warning; the tests look at those lines apart. */
static void
set_warnings_aside (Run *run)
{
  g_auto(GStrv) lines = g_strsplit (run->err, "\n", -1);
  GString *err = g_string_new (NULL);
  GString *warnings = g_string_new (NULL);

  for (int i = 0; lines[i] != NULL; i++) {
    GString *into = g_str_has_prefix (lines[i], "discern-classify: warning:") ? warnings : err;

    if (lines[i][0] != '\0' || lines[i + 1] != NULL) {
      g_string_append_printf (into, "%s%s", lines[i], lines[i + 1] != NULL ? "\n" : "");
    }
  }
  g_free (run->err);
  run->err = g_string_free (err, FALSE);
  run->warnings = g_string_free (warnings, FALSE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs discern-classify with `args` (NULL-terminated) and an environment in
 * which no model is found unless the arguments name one. */
static void
run_cli (Run         *run,
         const char  *model_dir,
         const char **args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_build_filename (fixture.dir, "home", NULL);

  g_ptr_array_add (argv, (char *) g_getenv ("DISCERN_CLASSIFY"));
  for (int i = 0; args[i] != NULL; i++) {
    g_ptr_array_add (argv, (char *) args[i]);
  }
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", home, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DISCERN_MODEL_DIR");
  if (model_dir != NULL) {
    g_subprocess_launcher_setenv (launcher, "DISCERN_MODEL_DIR", model_dir, TRUE);
  }

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);

  run->status = g_subprocess_get_if_exited (process)
                ? g_subprocess_get_exit_status (process) : -1;
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", run->status, run->out, run->err);
  set_warnings_aside (run);
}

/* Runs the CLI on the test model with `extra` arguments, then inputs. */
static void
run_with_model (Run         *run,
                const char **extra)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, "--weights");
  g_ptr_array_add (args, fixture.weights);
  g_ptr_array_add (args, "--labels");
  g_ptr_array_add (args, fixture.labels);
  for (int i = 0; extra[i] != NULL; i++) {
    g_ptr_array_add (args, (char *) extra[i]);
  }
  g_ptr_array_add (args, NULL);
  run_cli (run, NULL, (const char **) args->pdata);
}

static char **
split_lines (const char *text)
{
  g_autofree char *trimmed = g_strchomp (g_strdup (text));

  if (trimmed[0] == '\0') {
    return g_new0 (char *, 1);
  }
  return g_strsplit (trimmed, "\n", -1);
}

static JsonObject *
parse_object (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

/* The probabilities the library computes for one picture with the
 * plain-loop kernels: what the CLI must print. */
static void
expected_probabilities (float        *probabilities,
                        const char   *path,
                        DnResizeMode  mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DnNetwork) network = dn_network_load (fixture.weights, &error);
  g_autoptr(DiscernImage) image = NULL;
  int height, width;
  g_autofree guint8 *resized = NULL;
  g_autofree float *input = NULL;

  g_assert_no_error (error);
  image = discern_image_new_from_file (path, &error);
  g_assert_no_error (error);

  height = dn_network_get_input_height (network);
  width = dn_network_get_input_width (network);
  resized = g_new (guint8, (gsize) height * width * 3);
  input = g_new (float, (gsize) height * width * 3);
  dn_resize_rgb8 (resized, image->pixels, width, height,
                  image->width, image->height, image->width * 3, mode);
  dn_preprocess_caffe (input, resized, width, height);
  g_assert_true (dn_network_forward_reference (network, probabilities, input, 1,
                                               NULL, &error));
  g_assert_no_error (error);
}

/* Checks one JSON Lines object against the library's own answer. */
static void
assert_predictions (JsonObject   *object,
                    const char   *input,
                    const char   *path,
                    int           top,
                    DnResizeMode  mode)
{
  float probabilities[N_CLASSES];
  DnPrediction expected[N_CLASSES];
  JsonArray *predictions;

  expected_probabilities (probabilities, path, mode);
  dn_top_k (expected, probabilities, N_CLASSES, top);

  g_assert_cmpstr (json_object_get_string_member (object, "input"), ==, input);
  g_assert_false (json_object_has_member (object, "error"));
  predictions = json_object_get_array_member (object, "predictions");
  g_assert_cmpuint (json_array_get_length (predictions), ==, top);

  for (int rank = 0; rank < top; rank++) {
    JsonObject *prediction = json_array_get_object_element (predictions, rank);
    int index = json_object_get_int_member (prediction, "index");
    g_autofree char *wnid = g_strdup_printf ("n%08d", index);
    double probability = json_object_get_double_member (prediction, "probability");

    /* Metric: absolute difference of probabilities; the CLI prints seven
     * significant digits of the fast kernels' result. */
    g_assert_cmpint (json_object_get_int_member (prediction, "rank"), ==, rank + 1);
    g_assert_cmpint (index, ==, expected[rank].index);
    g_assert_cmpstr (json_object_get_string_member (prediction, "wnid"), ==, wnid);
    g_assert_cmpfloat_with_epsilon (probability, expected[rank].probability, 1e-5);
  }
}

static void
test_text_output (void)
{
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;

  run_with_model (&run, (const char *[]) { "--top", "3", fixture.red, NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");

  lines = split_lines (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_cmpstr (lines[0], ==, fixture.red);
  for (int rank = 1; rank <= 3; rank++) {
    g_autofree char *prefix = g_strdup_printf ("%4d. ", rank);

    g_assert_true (g_str_has_prefix (lines[rank], prefix));
    g_assert_nonnull (strstr (lines[rank], " %  n"));
  }
}

static void
test_json_output (void)
{
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;

  run_with_model (&run, (const char *[]) { "--json", "--top", "4",
                                           fixture.red, fixture.stripes, NULL });
  g_assert_cmpint (run.status, ==, 0);

  lines = split_lines (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  first = parse_object (lines[0]);
  second = parse_object (lines[1]);
  assert_predictions (first, fixture.red, fixture.red, 4, DN_RESIZE_STRETCH);
  assert_predictions (second, fixture.stripes, fixture.stripes, 4, DN_RESIZE_STRETCH);
}

static void
test_crop (void)
{
  g_auto(Run) stretch = { 0 };
  g_auto(Run) crop = { 0 };
  g_autoptr(JsonObject) object = NULL;

  run_with_model (&crop, (const char *[]) { "--json", "--crop", "--top", "10",
                                            fixture.stripes, NULL });
  g_assert_cmpint (crop.status, ==, 0);
  object = parse_object (crop.out);
  assert_predictions (object, fixture.stripes, fixture.stripes, 10, DN_RESIZE_CENTER_CROP);

  /* The crop sees a different picture, so it must answer differently. */
  run_with_model (&stretch, (const char *[]) { "--json", "--top", "10",
                                               fixture.stripes, NULL });
  g_assert_cmpstr (crop.out, !=, stretch.out);
}

static void
test_some_failed (void)
{
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) errors = NULL;
  g_autofree char *missing = g_build_filename (fixture.dir, "missing.png", NULL);
  const char *inputs[] = { fixture.red, missing, fixture.text, fixture.stripes };

  run_with_model (&run, (const char *[]) { "--json", inputs[0], inputs[1],
                                           inputs[2], inputs[3], NULL });
  g_assert_cmpint (run.status, ==, 1);

  /* One line per input, in order; failures carry an error and no
   * predictions, and each has one line on stderr. */
  lines = split_lines (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  for (int i = 0; i < 4; i++) {
    g_autoptr(JsonObject) object = parse_object (lines[i]);
    gboolean should_fail = i == 1 || i == 2;

    g_assert_cmpstr (json_object_get_string_member (object, "input"), ==, inputs[i]);
    g_assert_cmpint (json_object_has_member (object, "error"), ==, should_fail);
    g_assert_cmpint (json_object_has_member (object, "predictions"), ==, !should_fail);
  }

  errors = split_lines (run.err);
  g_assert_cmpuint (g_strv_length (errors), ==, 2);
  g_assert_nonnull (strstr (errors[0], "missing.png"));
  g_assert_nonnull (strstr (errors[1], "notes.jpg"));
}

/* More inputs than one batch holds, with a failure in the middle: every
 * answer still comes in input order. */
static void
test_batches_keep_order (void)
{
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const int n_inputs = 19;

  g_ptr_array_add (args, "--json");
  for (int i = 0; i < n_inputs; i++) {
    g_ptr_array_add (args, i == 9 ? fixture.text : (i % 2 ? fixture.red : fixture.stripes));
  }
  g_ptr_array_add (args, NULL);
  run_with_model (&run, (const char **) args->pdata);
  g_assert_cmpint (run.status, ==, 1);

  lines = split_lines (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, n_inputs);
  for (int i = 0; i < n_inputs; i++) {
    g_autoptr(JsonObject) object = parse_object (lines[i]);

    g_assert_cmpstr (json_object_get_string_member (object, "input"), ==,
                     args->pdata[i + 1]);
    g_assert_cmpint (json_object_has_member (object, "error"), ==, i == 9);
  }
}

typedef struct {
  const char *path;
  const char *args[4];
  const char *stderr_part;
} UsageCase;

static const UsageCase usage_cases[] = {
  { "/cli/usage/no-input", { NULL }, "no image" },
  { "/cli/usage/top-zero", { "--top", "0", "x.png", NULL }, "--top" },
  { "/cli/usage/top-not-number", { "--top", "many", "x.png", NULL }, "many" },
  { "/cli/usage/unknown-option", { "--frobnicate", "x.png", NULL }, "frobnicate" },
};

static void
test_usage (gconstpointer data)
{
  const UsageCase *usage = data;
  g_auto(Run) run = { 0 };

  run_with_model (&run, (const char **) usage->args);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, usage->stderr_part));
}

static void
test_model_missing (void)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, NULL, (const char *[]) { fixture.red, NULL });
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "vgg16_weights_tf_dim_ordering_tf_kernels.h5"));
  g_assert_nonnull (strstr (run.err, "imagenet_class_index.json"));
  g_assert_nonnull (strstr (run.err, "https://storage.googleapis.com/"));
  g_assert_nonnull (strstr (run.err, ".keras/models"));
}

/* A folder named by $DISCERN_MODEL_DIR with files under Keras' names. */
static void
test_model_dir (void)
{
  g_autofree char *dir = g_build_filename (fixture.dir, "model-dir", NULL);
  g_autofree char *weights = g_build_filename (dir, "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                                               NULL);
  g_autofree char *labels = g_build_filename (dir, "imagenet_class_index.json", NULL);
  g_auto(Run) run = { 0 };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (symlink (fixture.weights, weights), ==, 0);
  g_assert_cmpint (symlink (fixture.labels, labels), ==, 0);

  run_cli (&run, dir, (const char *[]) { "--json", fixture.red, NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "{\"input\""));
}

static void
test_bad_weights (void)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, NULL, (const char *[]) { "--weights", fixture.text,
                                          "--labels", fixture.labels,
                                          fixture.red, NULL });
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "notes.jpg"));
}

static void
test_labels_mismatch (void)
{
  g_autofree char *labels = g_build_filename (fixture.dir, "three.json", NULL);
  const char *json = "{\"0\": [\"n00000000\", \"a\"], \"1\": [\"n00000001\", \"b\"],"
                     " \"2\": [\"n00000002\", \"c\"]}";
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };

  g_file_set_contents (labels, json, -1, &error);
  g_assert_no_error (error);
  run_cli (&run, NULL, (const char *[]) { "--weights", fixture.weights,
                                          "--labels", labels, fixture.red, NULL });
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "3 classes"));
}

/* Links: a picture, a missing page and a scheme we do not fetch. */
/* The test model is not Keras' VGG16: it is used as named, with a warning
 * for each file. */
static void
test_model_unverified (void)
{
  g_auto(Run) run = { 0 };

  run_with_model (&run, (const char *[]) { "--top", "1", fixture.red, NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.warnings, fixture.weights));
  g_assert_nonnull (strstr (run.warnings, fixture.labels));
  g_assert_nonnull (strstr (run.warnings, "not Keras'"));
}

static void
test_model_info (void)
{
  g_auto(Run) named = { 0 };
  g_auto(Run) missing = { 0 };

  run_with_model (&named, (const char *[]) { "--model-info", NULL });
  g_assert_cmpint (named.status, ==, 0);
  g_assert_nonnull (strstr (named.out, fixture.weights));
  g_assert_nonnull (strstr (named.out, fixture.labels));
  g_assert_nonnull (strstr (named.out, "not verified"));
  g_assert_cmpstr (named.err, ==, "");

  run_cli (&missing, NULL, (const char *[]) { "--model-info", NULL });
  g_assert_cmpint (missing.status, ==, 2);
  g_assert_nonnull (strstr (missing.out, "missing"));
  g_assert_nonnull (strstr (missing.out, ".keras/models"));
  g_assert_nonnull (strstr (missing.out, "https://storage.googleapis.com/"));
}

/* --download-model fetches only what is missing (the weights are named
 * here), from $DISCERN_MODEL_URL; a file that is not Keras' is refused and
 * nothing is left behind. */
static void
test_model_download (gconstpointer data)
{
  const char *mirror_path = data;
  g_autofree char *mirror = g_strconcat (fixture.url_base, mirror_path, NULL);
  g_autofree char *url = g_strconcat (mirror, "/imagenet_class_index.json", NULL);
  g_autofree char *models = g_build_filename (fixture.dir, "home", "discern", "models", NULL);
  g_autofree char *labels = g_build_filename (models, "imagenet_class_index.json", NULL);
  g_autofree char *part = g_strconcat (labels, ".part", NULL);
  g_auto(Run) run = { 0 };

  g_setenv ("DISCERN_MODEL_URL", mirror, TRUE);
  run_cli (&run, NULL, (const char *[]) { "--weights", fixture.weights,
                                          "--download-model", NULL });
  g_unsetenv ("DISCERN_MODEL_URL");

  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, url));
  g_assert_nonnull (strstr (run.err, g_str_equal (mirror_path, "/models")
                                     ? "was removed" : "HTTP 404"));
  g_assert_false (g_file_test (labels, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

static void
test_urls (void)
{
  g_autofree char *good = g_strconcat (fixture.url_base, "/pictures/red.png", NULL);
  g_autofree char *gone = g_strconcat (fixture.url_base, "/pictures/gone.png", NULL);
  const char *ftp = "ftp://127.0.0.1/red.png";
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) third = NULL;

  run_with_model (&run, (const char *[]) { "--json", good, gone, ftp, NULL });
  g_assert_cmpint (run.status, ==, 1);
  lines = split_lines (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);

  first = parse_object (lines[0]);
  assert_predictions (first, good, fixture.red, 5, DN_RESIZE_STRETCH);
  second = parse_object (lines[1]);
  g_assert_nonnull (strstr (json_object_get_string_member (second, "error"), "404"));
  third = parse_object (lines[2]);
  g_assert_nonnull (strstr (json_object_get_string_member (third, "error"), "ftp"));
}

/* A file name with spaces, "#", "%", quotes and non-ASCII letters, and
 * the same picture as a data: URL, are classified like the plain file. */
static void
test_odd_inputs (void)
{
  g_autofree char *odd = g_build_filename (fixture.dir,
                                           "Café \"noël\" #1 100% 'ü'.png",
                                           NULL);
  g_autofree char *contents = NULL;
  g_autofree char *base64 = NULL;
  g_autofree char *data_url = NULL;
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (fixture.red, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (odd, contents, length, NULL));
  base64 = g_base64_encode ((const guchar *) contents, length);
  data_url = g_strconcat ("data:image/png;base64,", base64, NULL);

  run_with_model (&run, (const char *[]) { "--json", odd, data_url, NULL });
  g_assert_cmpint (run.status, ==, 0);
  lines = split_lines (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  first = parse_object (lines[0]);
  assert_predictions (first, odd, fixture.red, 5, DN_RESIZE_STRETCH);
  second = parse_object (lines[1]);
  assert_predictions (second, "data:image/png;base64,…", fixture.red, 5,
                      DN_RESIZE_STRETCH);
  g_remove (odd);
}

/* The server runs in its own thread: the test thread blocks on the CLI. */
static void
serve_picture (SoupServer        *server,
               SoupServerMessage *message,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  g_autofree char *contents = NULL;
  const char *file = NULL;
  gsize length;

  /* A mirror that has a class index, though not Keras' one. */
  if (g_strcmp0 (path, "/pictures/red.png") == 0) {
    file = fixture.red;
  } else if (g_strcmp0 (path, "/models/imagenet_class_index.json") == 0) {
    file = fixture.labels;
  }
  if (file == NULL || !g_file_get_contents (file, &contents, &length, NULL)) {
    soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/octet-stream", SOUP_MEMORY_COPY,
                                    contents, length);
}

static gpointer
server_thread (gpointer data)
{
  GAsyncQueue *ready = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, serve_picture, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_async_queue_push (ready, g_strdup_printf ("http://127.0.0.1:%d",
                                              g_uri_get_port (uris->data)));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (loop);
  return NULL;
}

static void
start_server (void)
{
  GAsyncQueue *ready = g_async_queue_new ();

  g_thread_unref (g_thread_new ("server", server_thread, ready));
  fixture.url_base = g_async_queue_pop (ready);
  g_async_queue_unref (ready);
}

static char *
save_picture (const char *name,
              const char *type,
              int         width,
              int         height,
              guint32     left_rgb,
              guint32     right_rgb)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GdkPixbuf) right = gdk_pixbuf_new_subpixbuf (pixbuf, width / 2, 0,
                                                         width - width / 2, height);
  char *path = g_build_filename (fixture.dir, name, NULL);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_fill (pixbuf, left_rgb << 8 | 0xff);
  gdk_pixbuf_fill (right, right_rgb << 8 | 0xff);
  gdk_pixbuf_save (pixbuf, path, type, &error, NULL);
  g_assert_no_error (error);
  return path;
}

static void
write_labels (const char *path)
{
  g_autoptr(GString) json = g_string_new ("{");
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < N_CLASSES; i++) {
    /* Two classes share a name, as "crane" does in ImageNet. */
    g_string_append_printf (json, "%s\"%d\": [\"n%08d\", \"%s%d\"]", i ? ", " : "",
                            i, i, "class_", i == 7 ? 3 : i);
  }
  g_string_append (json, "}");
  g_file_set_contents (path, json->str, -1, &error);
  g_assert_no_error (error);
}

/* 16x16 input, two conv blocks, ten classes: small enough to run at once,
 * the same layer kinds as VGG16. */
static void
write_small_model (const char *path)
{
  static const H5wLayerSpec layers[] = {
    { H5W_CONV, "block1_conv1", 4 },
    { H5W_POOL, "block1_pool", 0 },
    { H5W_CONV, "block2_conv1", 8 },
    { H5W_POOL, "block2_pool", 0 },
    { H5W_FLATTEN, "flatten", 0 },
    { H5W_DENSE, "fc1", 16 },
    { H5W_DENSE, "predictions", N_CLASSES },
  };
  g_autoptr(H5wModel) model = h5w_model_new (layers, G_N_ELEMENTS (layers), 16, 7);
  g_autoptr(GError) error = NULL;

  h5w_model_write (model, path, NULL, &error);
  g_assert_no_error (error);
}

static void
setup_fixture (void)
{
  g_autoptr(GError) error = NULL;

  fixture.dir = g_dir_make_tmp ("discern-cli-XXXXXX", &error);
  g_assert_no_error (error);

  fixture.weights = g_build_filename (fixture.dir, "small.h5", NULL);
  write_small_model (fixture.weights);
  fixture.labels = g_build_filename (fixture.dir, "labels.json", NULL);
  write_labels (fixture.labels);

  fixture.red = save_picture ("red.png", "png", 40, 40, 0xd02020, 0xd02020);
  fixture.stripes = save_picture ("wide stripes #1.jpg", "jpeg", 120, 40, 0x20c020, 0x2020d0);
  fixture.text = g_build_filename (fixture.dir, "notes.jpg", NULL);
  g_file_set_contents (fixture.text, "shopping list: milk, bread\n", -1, &error);
  g_assert_no_error (error);

  start_server ();
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK)) {
      remove_tree (child);
    } else {
      g_unlink (child);
    }
  }
  g_rmdir (path);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (g_getenv ("DISCERN_CLASSIFY"));
  setup_fixture ();

  g_test_add_func ("/cli/text-output", test_text_output);
  g_test_add_func ("/cli/json-output", test_json_output);
  g_test_add_func ("/cli/crop", test_crop);
  g_test_add_func ("/cli/some-failed", test_some_failed);
  g_test_add_func ("/cli/batches-keep-order", test_batches_keep_order);
  for (gsize i = 0; i < G_N_ELEMENTS (usage_cases); i++) {
    g_test_add_data_func (usage_cases[i].path, &usage_cases[i], test_usage);
  }
  g_test_add_func ("/cli/model/missing", test_model_missing);
  g_test_add_func ("/cli/model/env-dir", test_model_dir);
  g_test_add_func ("/cli/model/bad-weights", test_bad_weights);
  g_test_add_func ("/cli/model/labels-mismatch", test_labels_mismatch);
  g_test_add_func ("/cli/model/unverified-warning", test_model_unverified);
  g_test_add_func ("/cli/model/info", test_model_info);
  g_test_add_data_func ("/cli/model/download-not-keras", "/models", test_model_download);
  g_test_add_data_func ("/cli/model/download-404", "/nothing", test_model_download);
  g_test_add_func ("/cli/urls", test_urls);
  g_test_add_func ("/cli/odd-inputs", test_odd_inputs);

  status = g_test_run ();
  remove_tree (fixture.dir);
  return status;
}

/* test-network.c: loading Keras HDF5 weight files and running the network
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test writes its own weight file with h5-writer into a temporary
 * folder. Small networks are run on seeded random input and compared with a
 * forward pass computed here, with plain loops in double precision, from
 * the weights the test generated; the loaded weights must also equal the
 * generated ones bit for bit. Broken files must give the right error code
 * with the file's name in the message, and print nothing.
 */

#include "dn-error.h"
#include "dn-network.h"
#include "h5-writer.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define SEED 20260302
#define MISMATCHES_SHOWN 5

/* Inputs are uniform in [-INPUT_SCALE, INPUT_SCALE], the magnitude of
 * caffe-preprocessed pixels. */
#define INPUT_SCALE 128.0

/* Outputs are compared by absolute error, divided by the largest |expected|
 * of the output where that exceeds 1 (a ReLU output near zero comes from
 * sums of terms as large as the output's typical values, and carries their
 * rounding error). Float32 sums of a few hundred products are good to ~1e-6
 * of that; a wrong index, layout or missing bias moves results by far more
 * than 1e-4. */
#define TOLERANCE 1e-4

/* A batch of two against two batches of one: the same arithmetic, up to
 * the summation order a BLAS may pick for a different batch size. */
#define BATCH_TOLERANCE 1e-5

/* A small VGG-like network: 12x12x3 in; pools to 3x3x6 = 54 before flatten. */
static const H5wLayerSpec small_layers[] = {
  { H5W_CONV, "block1_conv1", 4 },
  { H5W_CONV, "block1_conv2", 5 },
  { H5W_POOL, "block1_pool", 0 },
  { H5W_CONV, "block2_conv1", 6 },
  { H5W_POOL, "block2_pool", 0 },
  { H5W_FLATTEN, "flatten", 0 },
  { H5W_DENSE, "fc1", 12 },
  { H5W_DENSE, "predictions", 10 },
};
#define SMALL_INPUT_SIZE 12
#define SMALL_CLASSES 10
#define SMALL_INPUT_FLOATS (SMALL_INPUT_SIZE * SMALL_INPUT_SIZE * 3)

/* Without dense layers the input is 224x224 and the output a feature map. */
static const H5wLayerSpec features_layers[] = {
  { H5W_CONV, "block1_conv1", 4 },
  { H5W_POOL, "block1_pool", 0 },
  { H5W_CONV, "block2_conv1", 2 },
};

typedef struct {
  char *dir;
  char *path;   /* dir/weights.h5 */
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("discern-test-network-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "weights.h5", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = g_build_filename (fixture->dir, name, NULL);

    g_chmod (path, 0600);
    g_assert_cmpint (g_remove (path), ==, 0);
  }
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* Helpers. */

static float *
random_input (gsize   count,
              guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  float *values = g_new (float, count);

  for (gsize i = 0; i < count; i++) {
    values[i] = (float) g_rand_double_range (rand, -INPUT_SCALE, INPUT_SCALE);
  }
  return values;
}

static H5wModel *
write_model (const Fixture      *fixture,
             const H5wLayerSpec *layers,
             guint               n_layers,
             int                 input_size,
             const H5wOptions   *options)
{
  g_autoptr(GError) error = NULL;
  H5wModel *model = h5w_model_new_random (layers, n_layers, input_size, SEED);

  h5w_model_write (model, fixture->path, options, &error);
  g_assert_no_error (error);
  return model;
}

static H5wModel *
write_small (const Fixture    *fixture,
             const H5wOptions *options)
{
  return write_model (fixture, small_layers, G_N_ELEMENTS (small_layers),
                      SMALL_INPUT_SIZE, options);
}

/* Compares `got` with `expected` (see TOLERANCE for the metric), prints the
 * first mismatches and fails the test if there are any. */
static void
compare (const char   *what,
         const float  *got,
         const double *expected,
         gsize         count,
         double        tolerance)
{
  double worst = 0;
  double scale = 1;
  guint mismatches = 0;

  for (gsize i = 0; i < count; i++) {
    scale = MAX (scale, fabs (expected[i]));
  }
  for (gsize i = 0; i < count; i++) {
    double error = fabs (got[i] - expected[i]) / scale;

    if (isnan (error)) {
      error = INFINITY;
    }
    worst = MAX (worst, error);
    if (error > tolerance && mismatches++ < MISMATCHES_SHOWN) {
      g_test_message ("%s[%" G_GSIZE_FORMAT "]: got %.9g, expected %.9g", what, i,
                      got[i], expected[i]);
    }
  }
  if (mismatches > 0) {
    g_test_fail_printf ("%s: %u of %" G_GSIZE_FORMAT " values differ; max error %.3g "
                        "exceeds tolerance %.3g", what, mismatches, count, worst, tolerance);
  } else {
    g_test_message ("%s: max error %.3g (tolerance %.3g)", what, worst, tolerance);
  }
}

/* The forward pass, independently: plain loops in double precision.
 *   in  (n, input_size, input_size, 3)
 *   returns (n, outputs of the last layer) */
static double *
expected_forward (const H5wModel *model,
                  const float    *input,
                  int             n)
{
  const H5wLayer *first = &model->layers[0];
  gsize size = (gsize) first->in_height * first->in_width * first->in_channels;
  double *current = g_new (double, n * size);

  for (gsize i = 0; i < n * size; i++) {
    current[i] = input[i];
  }

  for (guint l = 0; l < model->n_layers; l++) {
    const H5wLayer *layer = &model->layers[l];
    int h = layer->in_height, w = layer->in_width, c = layer->in_channels;
    int oh = layer->out_height, ow = layer->out_width, oc = layer->out_channels;
    double *out = g_new0 (double, (gsize) n * oh * ow * oc);
    const float *kernel = layer->kernel.data;
    const float *bias = layer->bias.data;
    gboolean last = l + 1 == model->n_layers;

    for (int b = 0; b < n; b++) {
      const double *in = current + (gsize) b * h * w * c;
      double *o = out + (gsize) b * oh * ow * oc;

      switch (layer->kind) {
      case H5W_CONV:
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            for (int co = 0; co < oc; co++) {
              double sum = bias[co];

              for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                  int sy = y + ky - 1, sx = x + kx - 1;

                  if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
                    continue;
                  }
                  for (int ci = 0; ci < c; ci++) {
                    sum += in[((gsize) sy * w + sx) * c + ci] *
                           kernel[(((gsize) ky * 3 + kx) * c + ci) * oc + co];
                  }
                }
              }
              o[((gsize) y * w + x) * oc + co] = MAX (sum, 0.0);
            }
          }
        }
        break;
      case H5W_POOL:
        for (int y = 0; y < oh; y++) {
          for (int x = 0; x < ow; x++) {
            for (int ch = 0; ch < c; ch++) {
              double best = -INFINITY;

              for (int dy = 0; dy < 2; dy++) {
                for (int dx = 0; dx < 2; dx++) {
                  best = MAX (best, in[(((gsize) 2 * y + dy) * w + 2 * x + dx) * c + ch]);
                }
              }
              o[((gsize) y * ow + x) * c + ch] = best;
            }
          }
        }
        break;
      case H5W_FLATTEN:
        memcpy (o, in, sizeof (double) * h * w * c);
        break;
      case H5W_DENSE:
        for (int j = 0; j < oc; j++) {
          double sum = bias[j];

          for (int i = 0; i < c; i++) {
            sum += in[i] * kernel[(gsize) i * oc + j];
          }
          o[j] = last ? sum : MAX (sum, 0.0);
        }
        if (last) {
          double highest = -INFINITY, total = 0;

          for (int j = 0; j < oc; j++) {
            highest = MAX (highest, o[j]);
          }
          for (int j = 0; j < oc; j++) {
            o[j] = exp (o[j] - highest);
            total += o[j];
          }
          for (int j = 0; j < oc; j++) {
            o[j] /= total;
          }
        }
        break;
      default:
        g_assert_not_reached ();
      }
    }
    g_free (current);
    current = out;
  }
  return current;
}

/* The loaded layers against the model the file was written from: kinds,
 * names, shapes, and weights bit for bit. */
static void
check_layers (const DnNetwork *network,
              const H5wModel  *model)
{
  static const DnLayerKind kinds[] = {
    [H5W_CONV] = DN_LAYER_CONV3X3,
    [H5W_POOL] = DN_LAYER_MAXPOOL2X2,
    [H5W_FLATTEN] = DN_LAYER_FLATTEN,
    [H5W_DENSE] = DN_LAYER_DENSE,
  };
  guint last_dense = 0;

  g_assert_cmpuint (dn_network_get_n_layers (network), ==, model->n_layers);
  g_assert_cmpint (dn_network_get_input_height (network), ==, model->input_size);
  g_assert_cmpint (dn_network_get_input_width (network), ==, model->input_size);
  g_assert_cmpint (dn_network_get_input_channels (network), ==, 3);
  g_assert_cmpuint (dn_network_get_n_parameters (network), ==,
                    h5w_model_n_parameters (model));
  g_assert_cmpuint (dn_network_get_mapped_bytes (network) +
                    dn_network_get_read_bytes (network), ==,
                    4 * h5w_model_n_parameters (model));

  for (guint i = 0; i < model->n_layers; i++) {
    last_dense = model->layers[i].kind == H5W_DENSE ? i : last_dense;
  }
  for (guint i = 0; i < model->n_layers; i++) {
    const H5wLayer *expected = &model->layers[i];
    const DnLayer *layer = dn_network_get_layer (network, i);

    g_assert_cmpint (layer->kind, ==, kinds[expected->kind]);
    g_assert_cmpstr (layer->name, ==, expected->name);
    g_assert_cmpint (layer->in_height, ==, expected->in_height);
    g_assert_cmpint (layer->in_width, ==, expected->in_width);
    g_assert_cmpint (layer->in_channels, ==, expected->in_channels);
    g_assert_cmpint (layer->out_height, ==, expected->out_height);
    g_assert_cmpint (layer->out_width, ==, expected->out_width);
    g_assert_cmpint (layer->out_channels, ==, expected->out_channels);
    g_assert_cmpint (layer->softmax, ==, expected->kind == H5W_DENSE && i == last_dense);
    if (expected->kernel.rank > 0 && expected->kernel.data != NULL) {
      g_assert_nonnull (layer->kernel);
      g_assert_nonnull (layer->bias);
      g_assert_cmpmem (layer->kernel, 4 * h5w_tensor_n_values (&expected->kernel),
                       expected->kernel.data, 4 * h5w_tensor_n_values (&expected->kernel));
      g_assert_cmpmem (layer->bias, 4 * h5w_tensor_n_values (&expected->bias),
                       expected->bias.data, 4 * h5w_tensor_n_values (&expected->bias));
    }
  }
}

/* Runs `network` on a batch of `n` and compares with expected_forward(),
 * with the fast and the reference kernels. */
static void
check_forward (DnNetwork      *network,
               const H5wModel *model,
               int             n,
               guint32         seed)
{
  g_autoptr(GError) error = NULL;
  gsize in_size = (gsize) model->input_size * model->input_size * 3;
  gsize out_size = dn_network_get_n_classes (network);
  g_autofree float *input = random_input (n * in_size, seed);
  g_autofree float *got = g_new (float, n * out_size);
  g_autofree double *expected = expected_forward (model, input, n);
  g_autofree char *what = g_strdup_printf ("batch of %d, fast kernels", n);
  g_autofree char *what_reference = g_strdup_printf ("batch of %d, reference kernels", n);

  dn_network_forward (network, got, input, n, NULL, &error);
  g_assert_no_error (error);
  compare (what, got, expected, n * out_size, TOLERANCE);

  memset (got, 0, n * out_size * sizeof (float));
  dn_network_forward_reference (network, got, input, n, NULL, &error);
  g_assert_no_error (error);
  compare (what_reference, got, expected, n * out_size, TOLERANCE);
}

/* Small networks, loaded and run. */

typedef enum {
  ALL_MAPPED,
  ALL_READ,
} Placement;

typedef struct {
  const char         *name;
  H5wOptions          options;
  DnNetworkLoadFlags  flags;
  Placement           placement;
} SmallCase;

static const SmallCase small_cases[] = {
  { "old-naming",
    { .naming = H5W_NAMING_OLD, .input_layer = TRUE },
    DN_NETWORK_LOAD_DEFAULT, ALL_MAPPED },
  { "new-naming",
    { .naming = H5W_NAMING_NEW, .vlen_strings = TRUE },
    DN_NETWORK_LOAD_DEFAULT, ALL_MAPPED },
  { "chunked-compressed",
    { .storage = H5W_STORAGE_CHUNKED, .input_layer = TRUE },
    DN_NETWORK_LOAD_DEFAULT, ALL_READ },
  { "new-naming-chunked",
    { .naming = H5W_NAMING_NEW, .storage = H5W_STORAGE_CHUNKED },
    DN_NETWORK_LOAD_DEFAULT, ALL_READ },
  { "big-endian",
    { .dtype = H5W_DTYPE_F32BE },
    DN_NETWORK_LOAD_DEFAULT, ALL_READ },
  { "float64",
    { .naming = H5W_NAMING_NEW, .dtype = H5W_DTYPE_F64LE },
    DN_NETWORK_LOAD_DEFAULT, ALL_READ },
  { "user-block",
    { .input_layer = TRUE, .userblock = TRUE },
    DN_NETWORK_LOAD_DEFAULT, ALL_MAPPED },
  { "no-map",
    { .input_layer = TRUE },
    DN_NETWORK_LOAD_NO_MAP, ALL_READ },
  { "model-save-layout",
    { .naming = H5W_NAMING_NEW, .input_layer = TRUE, .model_weights = TRUE },
    DN_NETWORK_LOAD_DEFAULT, ALL_MAPPED },
  { "split-layer-names",
    { .input_layer = TRUE, .split_lists = TRUE },
    DN_NETWORK_LOAD_DEFAULT, ALL_MAPPED },
};

static void
test_small (Fixture       *fixture,
            gconstpointer  data)
{
  const SmallCase *test = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(H5wModel) model = write_small (fixture, &test->options);
  g_autoptr(DnNetwork) network = NULL;
  gsize bytes = 4 * h5w_model_n_parameters (model);

  network = dn_network_load_with_flags (fixture->path, test->flags, &error);
  g_assert_no_error (error);
  check_layers (network, model);
  g_assert_cmpint (dn_network_get_n_classes (network), ==, SMALL_CLASSES);
  g_assert_cmpuint (dn_network_get_mapped_bytes (network), ==,
                    (test->placement == ALL_MAPPED ? bytes : 0));
  g_assert_cmpuint (dn_network_get_read_bytes (network), ==,
                    (test->placement == ALL_READ ? bytes : 0));

  /* Batch 1 first, then a bigger batch (the buffers grow), then 1 again. */
  check_forward (network, model, 1, SEED + 1);
  check_forward (network, model, 3, SEED + 2);
  check_forward (network, model, 1, SEED + 3);
}

/* The probabilities must not be nearly uniform, or the comparison above
 * would not notice much. */
static void
test_small_discriminates (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(H5wModel) model = write_small (fixture, NULL);
  g_autoptr(DnNetwork) network = dn_network_load (fixture->path, &error);
  g_autofree float *input = random_input (SMALL_INPUT_FLOATS, SEED);
  float probabilities[SMALL_CLASSES];
  float lowest = 1, highest = 0;

  g_assert_no_error (error);
  dn_network_forward (network, probabilities, input, 1, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < SMALL_CLASSES; i++) {
    lowest = MIN (lowest, probabilities[i]);
    highest = MAX (highest, probabilities[i]);
  }
  g_test_message ("probabilities from %.4f to %.4f", lowest, highest);
  g_assert_cmpfloat (highest - lowest, >, 0.05);
  g_assert_cmpfloat (highest, <, 0.999);
}

static void
test_small_features (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(H5wModel) model = write_model (fixture, features_layers,
                                           G_N_ELEMENTS (features_layers), 224, NULL);
  g_autoptr(DnNetwork) network = dn_network_load (fixture->path, &error);

  g_assert_no_error (error);
  check_layers (network, model);
  g_assert_cmpint (dn_network_get_n_classes (network), ==, 112 * 112 * 2);
  check_forward (network, model, 2, SEED + 4);
}

/* Each conv path alone, whatever the layer shapes: DISCERN_CONV picks it
 * for every conv layer at load time. The small network's layers are too
 * small for Winograd to pay, so by default they all run im2col. */
static const char *const conv_paths[] = { "winograd", "im2col" };

static void
test_small_conv_path (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *path = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(H5wModel) model = write_small (fixture, NULL);
  g_autoptr(H5wModel) features = NULL;
  g_autoptr(DnNetwork) network = NULL;
  g_autoptr(DnNetwork) features_network = NULL;

  g_setenv ("DISCERN_CONV", path, TRUE);
  network = dn_network_load (fixture->path, &error);
  g_assert_no_error (error);
  check_forward (network, model, 1, SEED + 1);
  check_forward (network, model, 3, SEED + 2);

  features = write_model (fixture, features_layers, G_N_ELEMENTS (features_layers), 224,
                          NULL);
  features_network = dn_network_load (fixture->path, &error);
  g_unsetenv ("DISCERN_CONV");
  g_assert_no_error (error);
  check_forward (features_network, features, 2, SEED + 4);
}

/* Loads from several threads at once: HDF5 calls must be serialised. */

#define PARALLEL_THREADS 4
#define PARALLEL_LOADS 10

static gpointer
load_repeatedly (gpointer data)
{
  const Fixture *fixture = data;

  for (int i = 0; i < PARALLEL_LOADS; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(DnNetwork) network = dn_network_load (fixture->path, &error);

    if (network == NULL) {
      return g_strdup (error->message);
    }
  }
  return NULL;
}

static void
test_parallel_loads (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(H5wModel) model = write_small (fixture, NULL);
  GThread *threads[PARALLEL_THREADS];

  for (int i = 0; i < PARALLEL_THREADS; i++) {
    threads[i] = g_thread_new ("load", load_repeatedly, fixture);
  }
  for (int i = 0; i < PARALLEL_THREADS; i++) {
    g_autofree char *failure = g_thread_join (threads[i]);

    g_assert_null (failure);
  }
}

/* Cancellation and the timer hook. */

typedef struct {
  GCancellable *cancel_after_first;
  guint         calls;
  guint         next_index;
  gboolean      in_order;
  gboolean      sane_seconds;
} TimerLog;

static void
log_layer_time (guint    index,
                double   seconds,
                gpointer user_data)
{
  TimerLog *log = user_data;

  log->in_order &= index == log->next_index;
  log->sane_seconds &= seconds >= 0 && seconds < 60;
  log->next_index = index + 1;
  log->calls++;
  if (log->cancel_after_first != NULL) {
    g_cancellable_cancel (log->cancel_after_first);
  }
}

static void
test_timer (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(H5wModel) model = write_small (fixture, NULL);
  g_autoptr(DnNetwork) network = dn_network_load (fixture->path, &error);
  g_autofree float *input = random_input (SMALL_INPUT_FLOATS, SEED);
  float probabilities[SMALL_CLASSES];
  TimerLog log = { NULL, 0, 0, TRUE, TRUE };

  g_assert_no_error (error);
  dn_network_set_layer_timer (network, log_layer_time, &log);
  dn_network_forward (network, probabilities, input, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log.calls, ==, G_N_ELEMENTS (small_layers));
  g_assert_true (log.in_order);
  g_assert_true (log.sane_seconds);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(H5wModel) model = write_small (fixture, NULL);
  g_autoptr(DnNetwork) network = dn_network_load (fixture->path, &error);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GCancellable) midway = g_cancellable_new ();
  g_autofree float *input = random_input (SMALL_INPUT_FLOATS, SEED);
  float probabilities[SMALL_CLASSES];
  TimerLog log = { midway, 0, 0, TRUE, TRUE };

  g_assert_no_error (error);

  /* Cancelled before it starts: no layer runs. */
  g_cancellable_cancel (cancelled);
  g_assert_false (dn_network_forward (network, probabilities, input, 1, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (dn_network_forward_reference (network, probabilities, input, 1, cancelled,
                                                &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled while the first layer runs: it stops before the second. */
  dn_network_set_layer_timer (network, log_layer_time, &log);
  g_assert_false (dn_network_forward (network, probabilities, input, 1, midway, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (log.calls, ==, 1);
  g_clear_error (&error);

  /* The network still works afterwards. */
  dn_network_set_layer_timer (network, NULL, NULL);
  check_forward (network, model, 1, SEED + 5);
}

/* The full-size VGG16 with random weights. */

static void
check_probabilities (const char  *what,
                     const float *probabilities,
                     int          classes)
{
  double total = 0;
  float highest = 0;

  for (int i = 0; i < classes; i++) {
    if (!isfinite (probabilities[i]) || probabilities[i] < 0) {
      g_test_fail_printf ("%s: probability %d is %g", what, i, probabilities[i]);
      return;
    }
    total += probabilities[i];
    highest = MAX (highest, probabilities[i]);
  }
  g_test_message ("%s: sum %.7f, highest %.4f", what, total, highest);
  g_assert_cmpfloat_with_epsilon (total, 1.0, 1e-4);
  /* Not degenerate: neither flat nor one-hot. */
  g_assert_cmpfloat (highest, >, 2.0 / classes);
  g_assert_cmpfloat (highest, <, 0.999);
}

/* The full VGG16 with Winograd where it pays (blocks 1 to 4 but the RGB
 * layer) against im2col everywhere, on one image. The metric is the
 * absolute difference of the probabilities; the tolerance is what the
 * shared-data test allows against PyTorch. Float32 rounding through 13
 * conv layers leaves ~1e-5 between the two paths; a layer computed wrongly
 * changes the probabilities by far more on random weights. */
#define PATHS_TOLERANCE 1e-4

static void
test_vgg16_conv_paths (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DnNetwork) network = NULL;
  g_autoptr(DnNetwork) im2col_network = NULL;
  gsize image = 224 * 224 * 3;
  g_autofree float *input = random_input (image, SEED + 5);
  g_autofree float *winograd = g_new (float, 1000);
  g_autofree float *im2col = g_new (float, 1000);
  g_autofree double *as_double = g_new (double, 1000);

  h5w_write_vgg16_random (fixture->path, SEED, &error);
  g_assert_no_error (error);
  network = dn_network_load (fixture->path, &error);
  g_assert_no_error (error);
  g_setenv ("DISCERN_CONV", "im2col", TRUE);
  im2col_network = dn_network_load (fixture->path, &error);
  g_unsetenv ("DISCERN_CONV");
  g_assert_no_error (error);

  dn_network_forward (network, winograd, input, 1, NULL, &error);
  g_assert_no_error (error);
  dn_network_forward (im2col_network, im2col, input, 1, NULL, &error);
  g_assert_no_error (error);

  check_probabilities ("winograd", winograd, 1000);
  for (int i = 0; i < 1000; i++) {
    as_double[i] = im2col[i];
  }
  compare ("winograd vs im2col", winograd, as_double, 1000, PATHS_TOLERANCE);
}

static void
test_vgg16 (Fixture       *fixture,
            gconstpointer  data)
{
  static const struct {
    guint index;
    const char *name;
    DnLayerKind kind;
    int in_height, in_channels, out_height, out_channels;
  } expected[] = {
    { 0, "block1_conv1", DN_LAYER_CONV3X3, 224, 3, 224, 64 },
    { 2, "block1_pool", DN_LAYER_MAXPOOL2X2, 224, 64, 112, 64 },
    { 7, "block3_conv2", DN_LAYER_CONV3X3, 56, 256, 56, 256 },
    { 17, "block5_pool", DN_LAYER_MAXPOOL2X2, 14, 512, 7, 512 },
    { 18, "flatten", DN_LAYER_FLATTEN, 7, 512, 1, 25088 },
    { 19, "fc1", DN_LAYER_DENSE, 1, 25088, 1, 4096 },
    { 20, "fc2", DN_LAYER_DENSE, 1, 4096, 1, 4096 },
    { 21, "predictions", DN_LAYER_DENSE, 1, 4096, 1, 1000 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(DnNetwork) network = NULL;
  gsize image = 224 * 224 * 3;
  g_autofree float *input = random_input (2 * image, SEED);
  g_autofree float *batch = g_new (float, 2 * 1000);
  g_autofree float *single = g_new (float, 2 * 1000);
  double differ = 0;
  gint64 started;

  started = g_get_monotonic_time ();
  h5w_write_vgg16_random (fixture->path, SEED, &error);
  g_assert_no_error (error);
  g_test_message ("writing took %.2f s", (g_get_monotonic_time () - started) / 1e6);

  started = g_get_monotonic_time ();
  network = dn_network_load (fixture->path, &error);
  g_assert_no_error (error);
  g_test_message ("loading took %.3f s (%.1f MB mapped, %.1f MB read)",
                  (g_get_monotonic_time () - started) / 1e6,
                  dn_network_get_mapped_bytes (network) / 1e6,
                  dn_network_get_read_bytes (network) / 1e6);

  g_assert_cmpint (dn_network_get_input_height (network), ==, 224);
  g_assert_cmpint (dn_network_get_input_width (network), ==, 224);
  g_assert_cmpint (dn_network_get_input_channels (network), ==, 3);
  g_assert_cmpint (dn_network_get_n_classes (network), ==, 1000);
  g_assert_cmpuint (dn_network_get_n_parameters (network), ==, 138357544);
  g_assert_cmpuint (dn_network_get_n_layers (network), ==, 22);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
    const DnLayer *layer = dn_network_get_layer (network, expected[i].index);

    g_assert_cmpstr (layer->name, ==, expected[i].name);
    g_assert_cmpint (layer->kind, ==, expected[i].kind);
    g_assert_cmpint (layer->in_height, ==, expected[i].in_height);
    g_assert_cmpint (layer->in_width, ==, expected[i].in_height);
    g_assert_cmpint (layer->in_channels, ==, expected[i].in_channels);
    g_assert_cmpint (layer->out_height, ==, expected[i].out_height);
    g_assert_cmpint (layer->out_channels, ==, expected[i].out_channels);
    g_assert_cmpint (layer->softmax, ==, expected[i].index == 21);
  }

  started = g_get_monotonic_time ();
  dn_network_forward (network, batch, input, 2, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("batch of 2 took %.2f s", (g_get_monotonic_time () - started) / 1e6);
  dn_network_forward (network, single, input, 1, NULL, &error);
  g_assert_no_error (error);
  dn_network_forward (network, single + 1000, input + image, 1, NULL, &error);
  g_assert_no_error (error);

  check_probabilities ("image 1", batch, 1000);
  check_probabilities ("image 2", batch + 1000, 1000);
  for (int i = 0; i < 1000; i++) {
    differ = MAX (differ, fabs (batch[i] - batch[1000 + i]));
  }
  g_test_message ("the two images' probabilities differ by up to %.3g", differ);
  g_assert_cmpfloat (differ, >, 1e-3);
  {
    g_autofree double *as_double = g_new (double, 2 * 1000);

    for (int i = 0; i < 2 * 1000; i++) {
      as_double[i] = single[i];
    }
    compare ("batch of 2 vs 2 batches of 1", batch, as_double, 2 * 1000, BATCH_TOLERANCE);
  }
}

/* Bad weight files. Each case makes fixture->path (or leaves it missing)
 * and returns FALSE to skip. */

typedef gboolean (*BreakFunc) (Fixture *fixture);

typedef struct {
  const char *name;
  BreakFunc   make;
  DnError     code;
  const char *detail;   /* must appear in the message too, or NULL */
} BadCase;

static H5wModel *
small_model (void)
{
  return h5w_model_new_random (small_layers, G_N_ELEMENTS (small_layers), SMALL_INPUT_SIZE,
                               SEED);
}

static gboolean
write_or_fail (Fixture  *fixture,
               H5wModel *model)
{
  g_autoptr(GError) error = NULL;
  H5wOptions options = { .input_layer = TRUE };

  h5w_model_write (model, fixture->path, &options, &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
write_good (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();

  return write_or_fail (fixture, model);
}

static gboolean
make_missing_file (Fixture *fixture)
{
  return TRUE;
}

static gboolean
make_empty_file (Fixture *fixture)
{
  g_assert_true (g_file_set_contents (fixture->path, "", 0, NULL));
  return TRUE;
}

static gboolean
make_text_file (Fixture *fixture)
{
  g_assert_true (g_file_set_contents (fixture->path, "These are not the weights\n", -1,
                                      NULL));
  return TRUE;
}

static gboolean
make_truncated_file (Fixture *fixture)
{
  g_autofree char *contents = NULL;
  gsize length;

  write_good (fixture);
  g_assert_true (g_file_get_contents (fixture->path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (fixture->path, contents, length / 2, NULL));
  return TRUE;
}

static gboolean
make_missing_layer_names (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  write_good (fixture);
  h5w_delete_attribute (fixture->path, "/", "layer_names", &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
make_missing_weight_names (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  write_good (fixture);
  h5w_delete_attribute (fixture->path, "block1_conv2", "weight_names", &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
make_missing_dataset (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  write_good (fixture);
  h5w_delete_link (fixture->path, "block2_conv1/block2_conv1_W_1:0", &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
make_missing_layer_group (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  write_good (fixture);
  h5w_delete_link (fixture->path, "fc1", &error);
  g_assert_no_error (error);
  return TRUE;
}

/* block1_conv2 takes 4 channels; give it 7. */
static gboolean
make_wrong_kernel_shape (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();
  const int dims[4] = { 3, 3, 7, 5 };

  h5w_tensor_reshape (&model->layers[1].kernel, 4, dims);
  return write_or_fail (fixture, model);
}

static gboolean
make_wrong_input_channels (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();
  const int dims[4] = { 3, 3, 4, 4 };

  h5w_tensor_reshape (&model->layers[0].kernel, 4, dims);
  return write_or_fail (fixture, model);
}

static gboolean
make_wrong_kernel_rank (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();
  const int dims[3] = { 3, 4, 5 };

  h5w_tensor_reshape (&model->layers[1].kernel, 3, dims);
  return write_or_fail (fixture, model);
}

static gboolean
make_wrong_bias_length (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();
  const int dims[1] = { 6 };

  h5w_tensor_reshape (&model->layers[1].bias, 1, dims);
  return write_or_fail (fixture, model);
}

/* fc1 takes the 54 values of 3x3x6; 55 is no square image of 6 channels. */
static gboolean
make_dense_not_square (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();
  const int dims[2] = { 55, 12 };

  h5w_tensor_reshape (&model->layers[6].kernel, 2, dims);
  return write_or_fail (fixture, model);
}

/* predictions takes fc1's 12 outputs; give it 13 inputs. */
static gboolean
make_dense_wrong_inputs (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();
  const int dims[2] = { 13, 10 };

  h5w_tensor_reshape (&model->layers[7].kernel, 2, dims);
  return write_or_fail (fixture, model);
}

static gboolean
make_nan_weight (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();

  model->layers[3].kernel.data[17] = NAN;
  return write_or_fail (fixture, model);
}

static gboolean
make_inf_weight (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();

  model->layers[7].bias.data[9] = -INFINITY;
  return write_or_fail (fixture, model);
}

static gboolean
make_nan_in_chunked (Fixture *fixture)
{
  g_autoptr(H5wModel) model = small_model ();
  g_autoptr(GError) error = NULL;
  H5wOptions options = { .naming = H5W_NAMING_NEW,
                         .storage = H5W_STORAGE_CHUNKED };

  model->layers[6].kernel.data[0] = NAN;
  h5w_model_write (model, fixture->path, &options, &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
make_directory (Fixture *fixture)
{
  g_assert_cmpint (g_mkdir (fixture->path, 0700), ==, 0);
  return TRUE;
}

/* Root reads any file, so as root (as in CI) the file is loaded with the
 * effective user and group of nobody, and root is taken back afterwards. */
#define NOBODY_ID 65534

static gboolean load_as_nobody;

static gboolean
make_unreadable (Fixture *fixture)
{
  write_good (fixture);
  g_assert_cmpint (g_chmod (fixture->path, 0), ==, 0);
  if (geteuid () == 0) {
    g_assert_cmpint (g_chmod (fixture->dir, 0755), ==, 0);
    load_as_nobody = TRUE;
  }
  return TRUE;
}

static const BadCase bad_cases[] = {
  { "missing-file", make_missing_file, DN_ERROR_IO, "No such file" },
  { "empty", make_empty_file, DN_ERROR_FORMAT, "empty" },
  { "not-hdf5", make_text_file, DN_ERROR_FORMAT, "not an HDF5 file" },
  { "truncated", make_truncated_file, DN_ERROR_FORMAT, "truncated" },
  { "missing-layer-names", make_missing_layer_names, DN_ERROR_FORMAT, "“layer_names”" },
  { "missing-weight-names", make_missing_weight_names, DN_ERROR_FORMAT,
    "layer “block1_conv2” has no “weight_names” attribute" },
  { "missing-dataset", make_missing_dataset, DN_ERROR_FORMAT,
    "dataset “block2_conv1/block2_conv1_W_1:0” is missing" },
  { "missing-layer-group", make_missing_layer_group, DN_ERROR_FORMAT, "“fc1”" },
  { "wrong-kernel-shape", make_wrong_kernel_shape, DN_ERROR_SHAPE,
    "dataset “block1_conv2/block1_conv2_W_1:0” has shape (3, 3, 7, 5), "
    "expected (3, 3, 4, 5)" },
  { "wrong-input-channels", make_wrong_input_channels, DN_ERROR_SHAPE,
    "dataset “block1_conv1/block1_conv1_W_1:0” has shape (3, 3, 4, 4), "
    "expected (3, 3, 3, 4)" },
  { "wrong-kernel-rank", make_wrong_kernel_rank, DN_ERROR_SHAPE,
    "dataset “block1_conv2/block1_conv2_W_1:0” has shape (3, 4, 5)" },
  { "wrong-bias-length", make_wrong_bias_length, DN_ERROR_SHAPE,
    "dataset “block1_conv2/block1_conv2_b_1:0” has shape (6), expected (5)" },
  { "dense-not-flattened-size", make_dense_not_square, DN_ERROR_SHAPE,
    "dataset “fc1/fc1_W_1:0” has shape (55, 12)" },
  { "dense-wrong-inputs", make_dense_wrong_inputs, DN_ERROR_SHAPE,
    "dataset “predictions/predictions_W_1:0” has shape (13, 10), expected (12, 10)" },
  { "nan", make_nan_weight, DN_ERROR_VALUE,
    "dataset “block2_conv1/block2_conv1_W_1:0” contains NaN at (0, 0, 2, 5)" },
  { "inf", make_inf_weight, DN_ERROR_VALUE,
    "dataset “predictions/predictions_b_1:0” contains infinity at (9)" },
  { "nan-chunked", make_nan_in_chunked, DN_ERROR_VALUE,
    "dataset “fc1/fc1/kernel:0” contains NaN at (0, 0)" },
  { "directory", make_directory, DN_ERROR_IO, "directory" },
  { "no-permission", make_unreadable, DN_ERROR_IO, "Permission denied" },
};

/* Loads with stderr sent to a file, which must stay empty. */
static DnNetwork *
load_quietly (const Fixture  *fixture,
              GError        **error)
{
  g_autofree char *log_path = g_build_filename (fixture->dir, "stderr.txt", NULL);
  g_autofree char *logged = NULL;
  int saved = dup (STDERR_FILENO);
  int log_fd = g_open (log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  DnNetwork *network;

  g_assert_cmpint (saved, >=, 0);
  g_assert_cmpint (log_fd, >=, 0);
  dup2 (log_fd, STDERR_FILENO);
  if (load_as_nobody) {
    g_assert_cmpint (setegid (NOBODY_ID), ==, 0);
    g_assert_cmpint (seteuid (NOBODY_ID), ==, 0);
  }
  network = dn_network_load (fixture->path, error);
  if (load_as_nobody) {
    g_assert_cmpint (seteuid (0), ==, 0);
    g_assert_cmpint (setegid (0), ==, 0);
    load_as_nobody = FALSE;
  }
  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  close (log_fd);

  g_assert_true (g_file_get_contents (log_path, &logged, NULL, NULL));
  g_assert_cmpstr (logged, ==, "");
  g_remove (log_path);
  return network;
}

static void
test_bad_file (Fixture       *fixture,
               gconstpointer  data)
{
  const BadCase *test = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DnNetwork) network = NULL;
  g_autofree char *quoted_path = g_strdup_printf ("“%s”", fixture->path);

  if (!test->make (fixture)) {
    return;
  }
  network = load_quietly (fixture, &error);
  g_assert_null (network);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, DN_ERROR, (int) test->code);
  g_assert_true (g_str_has_prefix (error->message, quoted_path));
  if (test->detail != NULL && strstr (error->message, test->detail) == NULL) {
    g_test_fail_printf ("the message “%s” does not contain “%s”", error->message,
                        test->detail);
  }
  if (g_file_test (fixture->path, G_FILE_TEST_IS_DIR)) {
    g_rmdir (fixture->path);
  }
}

static void
add_test (const char *group,
          const char *name,
          const void *data,
          void      (*test) (Fixture *, gconstpointer))
{
  g_autofree char *path = g_strconcat ("/engine/network/", group, name, NULL);

  g_test_add (path, Fixture, data, fixture_set_up, test, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (small_cases); i++) {
    add_test ("small/", small_cases[i].name, &small_cases[i], test_small);
  }
  add_test ("small/", "discriminates", NULL, test_small_discriminates);
  add_test ("small/", "features-224", NULL, test_small_features);
  for (guint i = 0; i < G_N_ELEMENTS (conv_paths); i++) {
    g_autofree char *name = g_strconcat ("conv-", conv_paths[i], NULL);

    add_test ("small/", name, conv_paths[i], test_small_conv_path);
  }
  add_test ("small/", "parallel-loads", NULL, test_parallel_loads);
  add_test ("", "timer", NULL, test_timer);
  add_test ("", "cancel", NULL, test_cancel);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    add_test ("bad/", bad_cases[i].name, &bad_cases[i], test_bad_file);
  }
  add_test ("vgg16/", "random", NULL, test_vgg16);
  add_test ("vgg16/", "conv-paths", NULL, test_vgg16_conv_paths);

  return g_test_run ();
}

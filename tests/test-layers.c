/* test-layers.c: the fast layer kernels against their plain-loop references
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every case fills its inputs from a fixed seed, runs the fast kernel and the
 * reference, and compares them element by element. Outputs and scratch
 * buffers get a guard zone after their end that must come back untouched,
 * and outputs start as NaN so an element the kernel forgets is a mismatch.
 */

#include "dn-layers.h"

#include <math.h>
#include <string.h>

#define SEED 20260301
#define GUARD_FLOATS 64
#define GUARD_VALUE 12345.0f
#define MISMATCHES_SHOWN 5

/* Helpers. */

static float *
random_floats (GRand *rand,
               gsize  count,
               double scale)
{
  float *values = g_new (float, count);

  for (gsize i = 0; i < count; i++) {
    values[i] = (float) g_rand_double_range (rand, -scale, scale);
  }
  return values;
}

/* A buffer of `count` NaNs followed by a guard zone of `guard` floats. */
static float *
guarded_buffer (gsize count,
                gsize guard)
{
  float *buffer = g_new (float, count + guard);

  for (gsize i = 0; i < count; i++) {
    buffer[i] = NAN;
  }
  for (gsize i = 0; i < guard; i++) {
    buffer[count + i] = GUARD_VALUE;
  }
  return buffer;
}

static void
check_guard (const char  *what,
             const float *buffer,
             gsize        count,
             gsize        guard)
{
  for (gsize i = 0; i < guard; i++) {
    if (buffer[count + i] != GUARD_VALUE) {
      g_test_fail_printf ("%s: written past its end (%" G_GSIZE_FORMAT
                          " floats) at offset %" G_GSIZE_FORMAT,
                          what, count, i);
      return;
    }
  }
}

/* How compare() judges an error. */
typedef enum {
  ABSOLUTE,   /* |fast - reference| */
  RELATIVE,   /* divided by |reference| where that exceeds 1, so large
               * sums are judged by their significant digits */
  SCALED,     /* divided by the largest |reference| of the whole output
               * where that exceeds 1: a value near 0 may come from terms as
               * large as the output's largest, and carries their rounding */
} Metric;

/* Compares `fast` with `reference` by `metric`. A NaN or infinity in
 * `fast` that the reference does not have always counts as a mismatch.
 * Prints the first few mismatches, as NHWC indices when `shape` is given,
 * and fails the test when the worst error exceeds `tolerance`. */
static void
compare (const char  *what,
         const float *fast,
         const float *reference,
         gsize        count,
         const int    shape[4],
         Metric       metric,
         double       tolerance)
{
  static const char *const metric_names[] = {
    [ABSOLUTE] = "absolute", [RELATIVE] = "relative", [SCALED] = "scaled",
  };
  double worst = 0;
  double scale = 1;
  guint mismatches = 0;

  for (gsize i = 0; metric == SCALED && i < count; i++) {
    scale = MAX (scale, fabs (reference[i]));
  }
  for (gsize i = 0; i < count; i++) {
    double error = fabs ((double) fast[i] - reference[i]);

    if (metric == RELATIVE) {
      error /= MAX (1.0, fabs (reference[i]));
    } else if (metric == SCALED) {
      error /= scale;
    }
    if (isnan (error)) {
      error = INFINITY;
    }
    if (error <= tolerance) {
      worst = MAX (worst, error);
      continue;
    }
    worst = error;
    if (mismatches++ >= MISMATCHES_SHOWN) {
      continue;
    }
    if (shape != NULL) {
      gsize c = i % shape[3];
      gsize x = i / shape[3] % shape[2];
      gsize y = i / shape[3] / shape[2] % shape[1];
      gsize b = i / shape[3] / shape[2] / shape[1];

      g_test_message ("%s[b=%" G_GSIZE_FORMAT " y=%" G_GSIZE_FORMAT
                      " x=%" G_GSIZE_FORMAT " c=%" G_GSIZE_FORMAT
                      "]: fast %.9g, reference %.9g",
                      what, b, y, x, c, fast[i], reference[i]);
    } else {
      g_test_message ("%s[%" G_GSIZE_FORMAT "]: fast %.9g, reference %.9g",
                      what, i, fast[i], reference[i]);
    }
  }

  if (mismatches > 0) {
    g_test_fail_printf ("%s: %u of %" G_GSIZE_FORMAT " values differ; "
                        "max %s error %.3g exceeds tolerance %.3g",
                        what, mismatches, count,
                        metric_names[metric],
                        worst, tolerance);
  } else {
    g_test_message ("%s: max %s error %.3g (tolerance %.3g)",
                    what, metric_names[metric],
                    worst, tolerance);
  }
}

/* Convolution. */

typedef struct {
  const char *name;
  int         n;
  int         height;
  int         width;
  int         c_in;
  int         c_out;
  /* Scratch in output rows (one row is dn_conv3x3_min_scratch floats);
   * 0 means what the network gives: max (DN_CONV_SCRATCH_FLOATS, min). */
  int         scratch_rows;
} ConvCase;

static const ConvCase conv_cases[] = {
  { "small",              1,  8,  8,  4,  8, 0 },
  { "odd-size",           1,  7,  5,  5,  3, 0 },
  { "rgb-input",          1, 17, 16,  3, 16, 0 },
  { "batch",              3,  9, 11,  8, 12, 0 },
  { "tiny-scratch",       2, 13,  7,  6,  5, 1 },
  { "short-last-tile",    3,  5,  6,  4,  7, 3 },
  { "uneven-tiles",       1, 11,  9,  7,  6, 4 },
  { "single-pixel",       2,  1,  1,  9,  4, 1 },
  { "single-column",      1,  6,  1,  3,  5, 0 },
  { "single-row",         2,  1,  6,  3,  5, 1 },
  { "wide-channels",      1, 10, 10, 64, 32, 0 },
  { "vgg-block5-like",    1, 14, 14, 96, 40, 2 },
  /* Two tiles of 25 rows per image with the network's scratch. */
  { "default-tiles",      2, 50, 40, 64, 16, 0 },
};

/* Float sums of up to 9 * 96 products of numbers in [-1, 1]: rounding gives
 * errors around 1e-6 relative to the result; any indexing or padding mistake
 * changes results by whole products, around 0.1. */
#define CONV_TOLERANCE 1e-4

static void
test_conv3x3 (gconstpointer data)
{
  const ConvCase *test = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize in_count = (gsize) test->n * test->height * test->width * test->c_in;
  gsize out_count = (gsize) test->n * test->height * test->width * test->c_out;
  gsize kernel_count = (gsize) 9 * test->c_in * test->c_out;
  gsize min_scratch = dn_conv3x3_min_scratch (test->width, test->c_in);
  gsize scratch_floats;
  int shape[4] = { test->n, test->height, test->width, test->c_out };
  g_autofree float *in = random_floats (rand, in_count, 1.0);
  g_autofree float *kernel = random_floats (rand, kernel_count, 1.0);
  g_autofree float *bias = random_floats (rand, test->c_out, 1.0);
  g_autofree float *fast = guarded_buffer (out_count, GUARD_FLOATS);
  g_autofree float *reference = g_new (float, out_count);
  g_autofree float *scratch = NULL;

  if (test->scratch_rows == 0) {
    scratch_floats = MAX (DN_CONV_SCRATCH_FLOATS, min_scratch);
  } else {
    scratch_floats = min_scratch * test->scratch_rows;
  }
  /* A whole spare row after the scratch, so a tile one row too tall shows
   * up as a failure rather than as heap corruption. */
  scratch = guarded_buffer (scratch_floats, min_scratch);

  dn_conv3x3_forward (fast, in, kernel, bias, test->n, test->height,
                      test->width, test->c_in, test->c_out,
                      scratch, scratch_floats);
  dn_conv3x3_reference (reference, in, kernel, bias, test->n, test->height,
                        test->width, test->c_in, test->c_out);

  compare ("conv3x3 out", fast, reference, out_count, shape, RELATIVE,
           CONV_TOLERANCE);
  check_guard ("conv3x3 out", fast, out_count, GUARD_FLOATS);
  check_guard ("conv3x3 scratch", scratch, scratch_floats, min_scratch);
}

/* Every image of a batch must come out exactly as it does alone, so that
 * a result never depends on which other pictures were classified with it.
 * The shapes give one tile per image, two, and the RGB layer's large tile. */
static const ConvCase conv_batch_cases[] = {
  { "batch-invariant",          3, 30, 40, 64, 16, 0 },
  { "batch-invariant-tiles",    2, 50, 40, 64, 24, 0 },
  { "batch-invariant-rgb",      3, 37, 29,  3, 32, 0 },
};

static void
test_conv3x3_batch (gconstpointer data)
{
  const ConvCase *test = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize image_in = (gsize) test->height * test->width * test->c_in;
  gsize image_out = (gsize) test->height * test->width * test->c_out;
  gsize scratch_floats = MAX (DN_CONV_SCRATCH_FLOATS,
                              dn_conv3x3_min_scratch (test->width, test->c_in));
  int shape[4] = { 1, test->height, test->width, test->c_out };
  g_autofree float *in = random_floats (rand, test->n * image_in, 1.0);
  g_autofree float *kernel = random_floats (rand, (gsize) 9 * test->c_in * test->c_out, 1.0);
  g_autofree float *bias = random_floats (rand, test->c_out, 1.0);
  g_autofree float *batch = g_new (float, test->n * image_out);
  g_autofree float *single = g_new (float, image_out);
  g_autofree float *scratch = g_new (float, scratch_floats);

  dn_conv3x3_forward (batch, in, kernel, bias, test->n, test->height,
                      test->width, test->c_in, test->c_out,
                      scratch, scratch_floats);

  for (int b = 0; b < test->n; b++) {
    g_autofree char *what = g_strdup_printf ("conv3x3 image %d of %d", b,
                                             test->n);

    dn_conv3x3_forward (single, in + b * image_in, kernel, bias, 1,
                        test->height, test->width, test->c_in, test->c_out,
                        scratch, scratch_floats);
    /* The same arithmetic in the same order: no error at all. */
    compare (what, batch + b * image_out, single, image_out, shape, ABSOLUTE,
             0.0);
  }
}

/* Winograd convolution. The cases share ConvCase; scratch_rows counts
 * tiles of dn_conv3x3_winograd_min_scratch() floats instead of rows. */
static const ConvCase winograd_cases[] = {
  { "small",              1,  8,  8,  4,  8, 0 },
  { "odd-size",           1,  7,  5,  5,  3, 0 },
  { "rgb-input",          1, 17, 16,  3, 16, 0 },
  { "batch",              3,  9, 11,  8, 12, 0 },
  { "tiny-scratch",       2, 13,  7,  6,  5, 1 },
  /* 12 tiles per image; the scratch holds 7, so two blocks of 6. */
  { "uneven-blocks",      2, 10, 14,  9, 11, 7 },
  { "single-pixel",       2,  1,  1,  9,  4, 1 },
  { "single-column",      1,  6,  1,  3,  5, 0 },
  { "single-row",         2,  1,  6,  3,  5, 0 },
  { "partial-lanes",      1,  9,  9, 13, 21, 0 },
  { "wide-channels",      1, 10, 10, 64, 32, 0 },
  { "vgg-block4-like",    1, 12, 12, 256, 40, 3 },
  /* 648 tiles: three blocks with the network's scratch. */
  { "default-blocks",     2, 70, 70, 16, 16, 0 },
};

/* The transforms multiply by up to 5 (input), 1/4 (kernel) and 8 (output)
 * before the sums cancel again, so float rounding reaches ~1e-5 relative to
 * the result, 10 times the im2col path's; an indexing, padding or transform
 * mistake still moves results by whole products, around 0.1. */
#define WINOGRAD_TOLERANCE 1e-4

static void
test_conv3x3_winograd (gconstpointer data)
{
  const ConvCase *test = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize in_count = (gsize) test->n * test->height * test->width * test->c_in;
  gsize out_count = (gsize) test->n * test->height * test->width * test->c_out;
  gsize kernel_count = (gsize) 9 * test->c_in * test->c_out;
  gsize transformed_count = dn_conv3x3_winograd_kernel_floats (test->c_in,
                                                               test->c_out);
  gsize min_scratch = dn_conv3x3_winograd_min_scratch (test->c_in,
                                                       test->c_out);
  gsize scratch_floats;
  int shape[4] = { test->n, test->height, test->width, test->c_out };
  g_autofree float *in = random_floats (rand, in_count, 1.0);
  g_autofree float *kernel = random_floats (rand, kernel_count, 1.0);
  g_autofree float *bias = random_floats (rand, test->c_out, 1.0);
  g_autofree float *transformed = guarded_buffer (transformed_count,
                                                  GUARD_FLOATS);
  g_autofree float *fast = guarded_buffer (out_count, GUARD_FLOATS);
  g_autofree float *reference = g_new (float, out_count);
  g_autofree float *scratch = NULL;

  if (test->scratch_rows == 0) {
    scratch_floats = MAX (DN_CONV_SCRATCH_FLOATS, min_scratch);
  } else {
    scratch_floats = min_scratch * test->scratch_rows;
  }
  scratch = guarded_buffer (scratch_floats, min_scratch);

  dn_conv3x3_winograd_kernel (transformed, kernel, test->c_in, test->c_out);
  dn_conv3x3_winograd_forward (fast, in, transformed, bias, test->n,
                               test->height, test->width, test->c_in,
                               test->c_out, scratch, scratch_floats);
  dn_conv3x3_reference (reference, in, kernel, bias, test->n, test->height,
                        test->width, test->c_in, test->c_out);

  compare ("winograd out", fast, reference, out_count, shape, SCALED,
           WINOGRAD_TOLERANCE);
  check_guard ("winograd out", fast, out_count, GUARD_FLOATS);
  check_guard ("winograd kernel", transformed, transformed_count,
               GUARD_FLOATS);
  check_guard ("winograd scratch", scratch, scratch_floats, min_scratch);
}

/* As with im2col, every image of a batch must come out exactly as it does
 * alone; the shapes give one block per image, several, and small blocks. */
static const ConvCase winograd_batch_cases[] = {
  { "batch-invariant",          3, 30, 40, 64, 16, 0 },
  { "batch-invariant-blocks",   2, 50, 42, 32, 24, 5 },
  { "batch-invariant-rgb",      3, 37, 29,  3, 32, 0 },
};

static void
test_conv3x3_winograd_batch (gconstpointer data)
{
  const ConvCase *test = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize image_in = (gsize) test->height * test->width * test->c_in;
  gsize image_out = (gsize) test->height * test->width * test->c_out;
  gsize min_scratch = dn_conv3x3_winograd_min_scratch (test->c_in,
                                                       test->c_out);
  gsize scratch_floats = test->scratch_rows == 0
                         ? MAX (DN_CONV_SCRATCH_FLOATS, min_scratch)
                         : min_scratch * test->scratch_rows;
  int shape[4] = { 1, test->height, test->width, test->c_out };
  g_autofree float *in = random_floats (rand, test->n * image_in, 1.0);
  g_autofree float *kernel = random_floats (rand, (gsize) 9 * test->c_in * test->c_out, 1.0);
  g_autofree float *bias = random_floats (rand, test->c_out, 1.0);
  g_autofree float *transformed = NULL;
  g_autofree float *batch = g_new (float, test->n * image_out);
  g_autofree float *single = g_new (float, image_out);
  g_autofree float *scratch = g_new (float, scratch_floats);

  transformed = g_new (float, dn_conv3x3_winograd_kernel_floats (test->c_in,
                                                                 test->c_out));
  dn_conv3x3_winograd_kernel (transformed, kernel, test->c_in, test->c_out);
  dn_conv3x3_winograd_forward (batch, in, transformed, bias, test->n,
                               test->height, test->width, test->c_in,
                               test->c_out, scratch, scratch_floats);

  for (int b = 0; b < test->n; b++) {
    g_autofree char *what = g_strdup_printf ("winograd image %d of %d", b,
                                             test->n);

    dn_conv3x3_winograd_forward (single, in + b * image_in, transformed, bias,
                                 1, test->height, test->width, test->c_in,
                                 test->c_out, scratch, scratch_floats);
    /* The same arithmetic in the same order: no error at all. */
    compare (what, batch + b * image_out, single, image_out, shape, ABSOLUTE,
             0.0);
  }
}

/* A NaN in the input must reach the output wherever the definition puts
 * it (the Winograd path spreads it further, to the whole tile), so that
 * broken input never turns into confident numbers. */
static void
test_conv3x3_winograd_nan (void)
{
  enum { N = 1, HEIGHT = 9, WIDTH = 10, C_IN = 16, C_OUT = 8 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize in_count = (gsize) N * HEIGHT * WIDTH * C_IN;
  gsize out_count = (gsize) N * HEIGHT * WIDTH * C_OUT;
  gsize scratch_floats = DN_CONV_SCRATCH_FLOATS;
  g_autofree float *in = random_floats (rand, in_count, 1.0);
  g_autofree float *kernel = random_floats (rand, (gsize) 9 * C_IN * C_OUT, 1.0);
  g_autofree float *bias = random_floats (rand, C_OUT, 1.0);
  g_autofree float *transformed = g_new (float, dn_conv3x3_winograd_kernel_floats (C_IN, C_OUT));
  g_autofree float *fast = g_new (float, out_count);
  g_autofree float *reference = g_new (float, out_count);
  g_autofree float *scratch = g_new (float, scratch_floats);
  guint lost = 0;
  guint reached = 0;

  in[((gsize) 5 * WIDTH + 6) * C_IN + 3] = NAN;
  dn_conv3x3_winograd_kernel (transformed, kernel, C_IN, C_OUT);
  dn_conv3x3_winograd_forward (fast, in, transformed, bias, N, HEIGHT, WIDTH,
                               C_IN, C_OUT, scratch, scratch_floats);
  dn_conv3x3_reference (reference, in, kernel, bias, N, HEIGHT, WIDTH, C_IN,
                        C_OUT);

  for (gsize i = 0; i < out_count; i++) {
    reached += isnan (reference[i]);
    lost += isnan (reference[i]) && !isnan (fast[i]);
  }
  g_assert_cmpuint (reached, ==, 9 * C_OUT);
  g_assert_cmpuint (lost, ==, 0);
}

/* VGG16 keeps im2col for its RGB layer and its 14x14 block. */
static void
test_conv3x3_winograd_pays (void)
{
  g_assert_false (dn_conv3x3_winograd_pays (224, 224, 3, 64));
  g_assert_true (dn_conv3x3_winograd_pays (224, 224, 64, 64));
  g_assert_true (dn_conv3x3_winograd_pays (28, 28, 512, 512));
  g_assert_false (dn_conv3x3_winograd_pays (14, 14, 512, 512));
}

/* Max-pooling. */

typedef struct {
  const char *name;
  int         n;
  int         height;
  int         width;
  int         channels;
} PoolCase;

static const PoolCase pool_cases[] = {
  { "even",      1, 8, 6,  5 },
  { "odd",       1, 7, 9,  3 },
  { "batch",     3, 5, 4,  8 },
  { "one-cell",  2, 3, 2, 16 },
  { "too-small", 1, 1, 5,  2 },
};

static void
test_maxpool2x2 (gconstpointer data)
{
  const PoolCase *test = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize in_count = (gsize) test->n * test->height * test->width * test->channels;
  int out_height = test->height / 2;
  int out_width = test->width / 2;
  gsize out_count = (gsize) test->n * out_height * out_width * test->channels;
  int shape[4] = { test->n, out_height, out_width, test->channels };
  /* Negative values too, so a kernel that starts its maximum at 0 fails. */
  g_autofree float *in = random_floats (rand, in_count, 10.0);
  g_autofree float *fast = guarded_buffer (out_count, GUARD_FLOATS);
  g_autofree float *reference = g_new (float, out_count);

  dn_maxpool2x2_forward (fast, in, test->n, test->height, test->width,
                         test->channels);
  dn_maxpool2x2_reference (reference, in, test->n, test->height, test->width,
                           test->channels);

  /* Picking a maximum involves no arithmetic: the results must be equal. */
  compare ("maxpool2x2 out", fast, reference, out_count, shape, ABSOLUTE,
           0.0);
  check_guard ("maxpool2x2 out", fast, out_count, GUARD_FLOATS);
}

/* Dense. */

typedef struct {
  const char *name;
  int         n;
  int         n_in;
  int         n_out;
  gboolean    relu;
} DenseCase;

/* Batches of 1 to 3 take one sgemv per image, larger ones one sgemm. */
static const DenseCase dense_cases[] = {
  { "single",       1,   37,  11, FALSE },
  { "relu",         1,  100,  50, TRUE },
  { "batch",        4,   64,  33, FALSE },
  { "batch-relu",   3,  129,  70, TRUE },
  { "long-input",   2, 4096,  10, TRUE },
  { "one-output",   5,   16,   1, FALSE },
};

/* Up to 4096 products of numbers in [-1, 1] summed in float; see
 * CONV_TOLERANCE. */
#define DENSE_TOLERANCE 1e-4

static void
test_dense (gconstpointer data)
{
  const DenseCase *test = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize in_count = (gsize) test->n * test->n_in;
  gsize out_count = (gsize) test->n * test->n_out;
  int shape[4] = { 1, 1, test->n, test->n_out };
  g_autofree float *in = random_floats (rand, in_count, 1.0);
  g_autofree float *kernel = random_floats (rand, (gsize) test->n_in * test->n_out, 1.0);
  g_autofree float *bias = random_floats (rand, test->n_out, 1.0);
  g_autofree float *fast = guarded_buffer (out_count, GUARD_FLOATS);
  g_autofree float *reference = g_new (float, out_count);
  guint negatives = 0;

  dn_dense_forward (fast, in, kernel, bias, test->n, test->n_in, test->n_out,
                    test->relu);
  dn_dense_reference (reference, in, kernel, bias, test->n, test->n_in,
                      test->n_out, test->relu);

  compare ("dense out", fast, reference, out_count, shape, RELATIVE,
           DENSE_TOLERANCE);
  check_guard ("dense out", fast, out_count, GUARD_FLOATS);

  for (gsize i = 0; i < out_count; i++) {
    negatives += fast[i] < 0;
  }
  if (test->relu && negatives > 0) {
    g_test_fail_printf ("dense out: %u negative values after ReLU", negatives);
  }
}

/* Softmax. */

typedef struct {
  const char *name;
  int         n;
  int         classes;
  double      offset;     /* logits are uniform in offset +- spread */
  double      spread;
  gboolean    in_place;
} SoftmaxCase;

/* exp (1000) overflows and exp (-1000) underflows even in double, so the
 * offset cases only pass when the largest logit is subtracted first. */
static const SoftmaxCase softmax_cases[] = {
  { "small",            1,   10,      0,    5, FALSE },
  { "batch",            4, 1000,      0,   20, FALSE },
  { "large-logits",     3, 1000,   1000,   20, FALSE },
  { "negative-logits",  2, 1000,  -1000,   20, FALSE },
  { "huge-logits",      2,   50,      0, 1e38, FALSE },
  { "in-place",         2, 1000,      0,   50, TRUE },
  { "one-class",        3,    1,      0,  100, FALSE },
};

/* Probabilities lie in [0, 1]; expf and float rounding stay far below
 * 1e-6 of absolute error, a wrong maximum or normalisation far above. */
#define SOFTMAX_TOLERANCE 1e-6
/* Each row sums to 1 up to float rounding of 1000 terms. */
#define SOFTMAX_SUM_TOLERANCE 1e-5

static void
test_softmax (gconstpointer data)
{
  const SoftmaxCase *test = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize count = (gsize) test->n * test->classes;
  int shape[4] = { 1, 1, test->n, test->classes };
  g_autofree float *in = random_floats (rand, count, test->spread);
  g_autofree float *reference = g_new (float, count);
  g_autofree float *fast = guarded_buffer (count, GUARD_FLOATS);

  for (gsize i = 0; i < count; i++) {
    in[i] += (float) test->offset;
  }
  dn_softmax_reference (reference, in, test->n, test->classes);
  if (test->in_place) {
    memcpy (fast, in, count * sizeof (float));
    dn_softmax_forward (fast, fast, test->n, test->classes);
  } else {
    dn_softmax_forward (fast, in, test->n, test->classes);
  }

  compare ("softmax out", fast, reference, count, shape, ABSOLUTE,
           SOFTMAX_TOLERANCE);
  check_guard ("softmax out", fast, count, GUARD_FLOATS);

  for (int b = 0; b < test->n; b++) {
    double sum = 0;

    for (int c = 0; c < test->classes; c++) {
      float p = fast[(gsize) b * test->classes + c];

      if (!isfinite (p) || p < 0 || p > 1) {
        g_test_fail_printf ("softmax out[%d, %d] = %g is not a probability",
                            b, c, p);
        return;
      }
      sum += p;
    }
    if (!(fabs (sum - 1.0) <= SOFTMAX_SUM_TOLERANCE)) {
      g_test_fail_printf ("softmax row %d sums to %.9g; tolerance %.3g "
                          "around 1", b, sum, SOFTMAX_SUM_TOLERANCE);
    }
  }
}

/* Registration. */

static void
add_case (const char    *prefix,
          const char    *name,
          gconstpointer  test,
          GTestDataFunc  func)
{
  g_autofree char *path = g_strconcat (prefix, name, NULL);

  g_test_add_data_func (path, test, func);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (conv_cases); i++) {
    add_case ("/engine/conv3x3/", conv_cases[i].name, &conv_cases[i],
              test_conv3x3);
  }
  for (guint i = 0; i < G_N_ELEMENTS (conv_batch_cases); i++) {
    add_case ("/engine/conv3x3/", conv_batch_cases[i].name,
              &conv_batch_cases[i], test_conv3x3_batch);
  }
  for (guint i = 0; i < G_N_ELEMENTS (winograd_cases); i++) {
    add_case ("/engine/conv3x3-winograd/", winograd_cases[i].name,
              &winograd_cases[i], test_conv3x3_winograd);
  }
  for (guint i = 0; i < G_N_ELEMENTS (winograd_batch_cases); i++) {
    add_case ("/engine/conv3x3-winograd/", winograd_batch_cases[i].name,
              &winograd_batch_cases[i], test_conv3x3_winograd_batch);
  }
  g_test_add_func ("/engine/conv3x3-winograd/nan", test_conv3x3_winograd_nan);
  g_test_add_func ("/engine/conv3x3-winograd/pays", test_conv3x3_winograd_pays);
  for (guint i = 0; i < G_N_ELEMENTS (pool_cases); i++) {
    add_case ("/engine/maxpool2x2/", pool_cases[i].name, &pool_cases[i],
              test_maxpool2x2);
  }
  for (guint i = 0; i < G_N_ELEMENTS (dense_cases); i++) {
    add_case ("/engine/dense/", dense_cases[i].name, &dense_cases[i],
              test_dense);
  }
  for (guint i = 0; i < G_N_ELEMENTS (softmax_cases); i++) {
    add_case ("/engine/softmax/", softmax_cases[i].name, &softmax_cases[i],
              test_softmax);
  }

  return g_test_run ();
}

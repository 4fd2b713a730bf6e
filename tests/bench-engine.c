/* bench-engine.c: speed of the VGG16 conv kernels against plain SGEMM
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "dn-layers.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  const char *name;
  int         size;     /* height and width */
  int         c_in;
  int         c_out;
} ConvShape;

static const ConvShape vgg16_convs[] = {
  { "block1_conv1", 224,   3,  64 },
  { "block1_conv2", 224,  64,  64 },
  { "block2_conv1", 112,  64, 128 },
  { "block2_conv2", 112, 128, 128 },
  { "block3_conv1",  56, 128, 256 },
  { "block3_conv2",  56, 256, 256 },
  { "block3_conv3",  56, 256, 256 },
  { "block4_conv1",  28, 256, 512 },
  { "block4_conv2",  28, 512, 512 },
  { "block4_conv3",  28, 512, 512 },
  { "block5_conv1",  14, 512, 512 },
  { "block5_conv2",  14, 512, 512 },
  { "block5_conv3",  14, 512, 512 },
};

#define N_CONVS G_N_ELEMENTS (vgg16_convs)

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        int     count)
{
  qsort (values, count, sizeof (double), compare_doubles);
  return count % 2 ? values[count / 2]
                   : (values[count / 2 - 1] + values[count / 2]) / 2;
}

static float *
random_floats (GRand *rand,
               gsize  count)
{
  float *values = g_new (float, count);

  for (gsize i = 0; i < count; i++) {
    values[i] = (float) g_rand_double_range (rand, -1, 1);
  }
  return values;
}

int
main (int   argc,
      char *argv[])
{
  gboolean quick = argc > 1 && g_str_equal (argv[1], "--quick");
  int rounds = quick ? 3 : 7;
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  double conv_seconds[N_CONVS][7];
  double gemm_seconds[N_CONVS][7];
  gsize max_in = 0, max_out = 0, max_kernel = 0, max_columns = 0, max_scratch = 0;
  float *in, *out, *kernel, *bias, *columns, *scratch;
  double total_conv = 0, total_gemm = 0, total_flops = 0;

  printf ("%s, %d threads\n", openblas_get_config (), openblas_get_num_threads ());

  for (guint l = 0; l < N_CONVS; l++) {
    const ConvShape *s = &vgg16_convs[l];
    gsize pixels = (gsize) s->size * s->size;

    max_in = MAX (max_in, pixels * s->c_in);
    max_out = MAX (max_out, pixels * s->c_out);
    max_kernel = MAX (max_kernel, (gsize) 9 * s->c_in * s->c_out);
    max_columns = MAX (max_columns, pixels * 9 * s->c_in);
    max_scratch = MAX (max_scratch, MAX (DN_CONV_SCRATCH_FLOATS,
                                         dn_conv3x3_min_scratch (s->size, s->c_in)));
  }
  in = random_floats (rand, max_in);
  out = random_floats (rand, max_out);
  kernel = random_floats (rand, max_kernel);
  bias = random_floats (rand, 512);
  columns = random_floats (rand, max_columns);
  scratch = random_floats (rand, max_scratch);

  for (int r = 0; r < rounds + 1; r++) {
    for (guint l = 0; l < N_CONVS; l++) {
      const ConvShape *s = &vgg16_convs[l];
      int m = s->size * s->size;
      double start = now ();

      dn_conv3x3_forward (out, in, kernel, bias, 1, s->size, s->size,
                          s->c_in, s->c_out, scratch, max_scratch);
      if (r > 0) {
        conv_seconds[l][r - 1] = now () - start;
      }

      start = now ();
      /* C (M, N) = A (M, K) x B (K, N): the conv's GEMM in one piece. */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                   m, s->c_out, 9 * s->c_in,
                   1.0f, columns, 9 * s->c_in, kernel, s->c_out,
                   0.0f, out, s->c_out);
      if (r > 0) {
        gemm_seconds[l][r - 1] = now () - start;
      }
    }
  }

  printf ("%-14s %4s %4s %5s %5s %5s %8s %8s %8s %6s\n", "layer", "size", "c_in",
          "c_out", "M", "K", "conv ms", "GFLOP/s", "sgemm", "ratio");
  for (guint l = 0; l < N_CONVS; l++) {
    const ConvShape *s = &vgg16_convs[l];
    double flops = 2.0 * s->size * s->size * 9 * s->c_in * s->c_out;
    double conv = median (conv_seconds[l], rounds);
    double gemm = median (gemm_seconds[l], rounds);

    total_conv += conv;
    total_gemm += gemm;
    total_flops += flops;
    printf ("%-14s %4d %4d %5d %5d %5d %8.2f %8.1f %8.1f %5.0f%%\n", s->name, s->size,
            s->c_in, s->c_out, s->size * s->size, 9 * s->c_in, conv * 1e3,
            flops / conv / 1e9, flops / gemm / 1e9, 100 * gemm / conv);
  }
  printf ("%-14s %35s %8.2f %8.1f %8.1f %5.0f%%   (sgemm %.2f ms)\n", "total", "",
          total_conv * 1e3, total_flops / total_conv / 1e9, total_flops / total_gemm / 1e9,
          100 * total_gemm / total_conv, total_gemm * 1e3);

  g_free (in);
  g_free (out);
  g_free (kernel);
  g_free (bias);
  g_free (columns);
  g_free (scratch);
  return 0;
}

/* bench-engine.c: speed and memory of the VGG16 forward pass
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes a full-size VGG16 with seeded random weights to a temporary file,
 * loads it and runs it at batch 1 and batch 8. Then the two conv paths,
 * im2col and Winograd, side by side: each conv layer alone, and the whole
 * forward pass against a network loaded with DISCERN_CONV=im2col, in
 * alternating rounds so that both see the same machine. Last, each layer
 * of the network as it runs, set against one cblas_sgemm of the same shape
 * measured in the same run, which factors out the machine and whatever
 * else runs on it. Usage: bench-engine [--quick]
 */

#include "dn-layers.h"
#include "dn-network.h"
#include "h5-writer.h"

#include <cblas.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define SEED 16
#define MAX_RUNS 16

typedef struct {
  int batch1_runs;    /* batch-1 passes for ms per image */
  int batch8_runs;    /* batch-8 passes for images per second */
  int path_rounds;    /* rounds of im2col against Winograd */
  int layer_rounds;   /* rounds of one pass and all the reference SGEMMs */
} Plan;

static const Plan full_plan = { 9, 5, 7, 9 };
static const Plan quick_plan = { 3, 2, 3, 3 };

/* Layer times of one pass, filled in by the network's layer timer. */
typedef struct {
  double *seconds;    /* (n_layers) */
} PassTimes;

/* Helpers. */

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

/* The median of `count` values; sorts a copy. */
static double
median (const double *values,
        int           count)
{
  double sorted[MAX_RUNS];

  g_assert (count >= 1 && count <= MAX_RUNS);
  memcpy (sorted, values, count * sizeof (double));
  qsort (sorted, count, sizeof (double), compare_doubles);
  return count % 2 ? sorted[count / 2]
                   : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
}

/* A field of /proc/self/status in MB (the file gives kB); -1 if missing. */
static double
status_megabytes (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)) {
    return -1;
  }
  line = strstr (status, field);
  if (line == NULL) {
    return -1;
  }
  return g_ascii_strtod (line + strlen (field) + 1, NULL) / 1024.0;
}

static double
load_average (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL)) {
    return -1;
  }
  return g_ascii_strtod (text, NULL);
}

static float *
random_floats (GRand *rand,
               gsize  count,
               double low,
               double high)
{
  float *values = g_new (float, count);

  for (gsize i = 0; i < count; i++) {
    values[i] = (float) g_rand_double_range (rand, low, high);
  }
  return values;
}

static double
conv_flops (const DnLayer *layer,
            int            n)
{
  return 2.0 * n * layer->out_height * layer->out_width * 9
         * layer->in_channels * layer->out_channels;
}

/* Forward passes. */

static void
record_layer_time (guint    index,
                   double   seconds,
                   gpointer user_data)
{
  PassTimes *pass = user_data;

  pass->seconds[index] = seconds;
}

/* Runs the network once and returns the seconds it took; aborts on error,
 * which cannot happen with a network the benchmark wrote itself. */
static double
time_forward (DnNetwork   *network,
              float       *probabilities,
              const float *input,
              int          n)
{
  g_autoptr (GError) error = NULL;
  double start = now ();

  if (!dn_network_forward (network, probabilities, input, n, NULL, &error)) {
    g_error ("forward pass failed: %s", error->message);
  }
  return now () - start;
}

typedef struct {
  double median;
  double fastest;
  double slowest;
} Timing;

/* One warm-up pass, then `runs` timed ones; in seconds. */
static Timing
time_passes (DnNetwork   *network,
             float       *probabilities,
             const float *input,
             int          n,
             int          runs)
{
  double seconds[MAX_RUNS];
  Timing timing;

  time_forward (network, probabilities, input, n);
  for (int r = 0; r < runs; r++) {
    seconds[r] = time_forward (network, probabilities, input, n);
  }

  timing.median = median (seconds, runs);
  timing.fastest = timing.slowest = seconds[0];
  for (int r = 1; r < runs; r++) {
    timing.fastest = MIN (timing.fastest, seconds[r]);
    timing.slowest = MAX (timing.slowest, seconds[r]);
  }
  return timing;
}

/* The conv layer's GEMM as one cblas_sgemm over the whole batch of one,
 * with the layer's own kernel; returns the seconds it took.
 *   out     (M, N)
 *   columns (M, K), any values */
static double
time_reference_sgemm (float         *out,
                      const float   *columns,
                      const DnLayer *layer)
{
  int m = layer->out_height * layer->out_width;
  int k = 9 * layer->in_channels;
  double start = now ();

  /* out (M, N) = columns (M, K) x kernel (K, N), all row-major, as in
   * dn_conv3x3_forward: M = H * W pixels, N = c_out, K = 9 * c_in; no
   * transposes since the kernel is already (K, N). */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
               m, layer->out_channels, k,
               1.0f, columns, k,
               layer->kernel, layer->out_channels,
               0.0f, out, layer->out_channels);
  return now () - start;
}

/* Sections of the report. */

static DnNetwork *
load_twice (const char *path)
{
  g_autoptr (GError) error = NULL;
  DnNetwork *network;
  double start;
  double first;

  start = now ();
  network = dn_network_load (path, &error);
  if (network == NULL) {
    g_error ("%s", error->message);
  }
  first = now () - start;
  dn_network_free (network);

  start = now ();
  network = dn_network_load (path, &error);
  if (network == NULL) {
    g_error ("%s", error->message);
  }
  printf ("load:     %.3f s warm (second load; first %.3f s), %.0f MB mapped, "
          "%.0f MB read\n", now () - start, first,
          dn_network_get_mapped_bytes (network) / 1e6,
          dn_network_get_read_bytes (network) / 1e6);
  return network;
}

/* Rounds of one batch-1 pass (timing every layer) followed by the reference
 * SGEMM of every conv layer, so both see the same machine; then a table of
 * medians. */
static void
report_layers (DnNetwork   *network,
               float       *probabilities,
               const float *input,
               int          rounds)
{
  guint n_layers = dn_network_get_n_layers (network);
  g_autofree double *layer_seconds = g_new0 (double, n_layers * MAX_RUNS);
  g_autofree double *sgemm_seconds = g_new0 (double, n_layers * MAX_RUNS);
  g_autofree float *columns = NULL;
  g_autofree float *out = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gsize columns_floats = 0;
  gsize out_floats = 0;
  double conv_total = 0, sgemm_total = 0, flops_total = 0;
  double other_total = 0;
  PassTimes pass;

  for (guint i = 0; i < n_layers; i++) {
    const DnLayer *layer = dn_network_get_layer (network, i);
    gsize pixels = (gsize) layer->out_height * layer->out_width;

    if (layer->kind == DN_LAYER_CONV3X3) {
      columns_floats = MAX (columns_floats, pixels * 9 * layer->in_channels);
      out_floats = MAX (out_floats, pixels * layer->out_channels);
    }
  }
  columns = random_floats (rand, columns_floats, 0, 1);
  out = g_new0 (float, out_floats);

  time_forward (network, probabilities, input, 1);
  dn_network_set_layer_timer (network, record_layer_time, &pass);
  for (int r = 0; r < rounds; r++) {
    pass.seconds = layer_seconds + r * n_layers;
    time_forward (network, probabilities, input, 1);
    for (guint i = 0; i < n_layers; i++) {
      const DnLayer *layer = dn_network_get_layer (network, i);

      if (layer->kind == DN_LAYER_CONV3X3) {
        sgemm_seconds[r * n_layers + i] = time_reference_sgemm (out, columns, layer);
      }
    }
  }
  dn_network_set_layer_timer (network, NULL, NULL);

  printf ("\nlayers at batch 1, median of %d rounds "
          "(sgemm: one cblas_sgemm, M = H*W, N = c_out, K = 9*c_in)\n", rounds);
  printf ("%-14s %5s %5s %5s %8s %8s %8s %6s\n",
          "layer", "M", "N", "K", "ms", "GFLOP/s", "sgemm", "ratio");
  for (guint i = 0; i < n_layers; i++) {
    const DnLayer *layer = dn_network_get_layer (network, i);
    double layer_times[MAX_RUNS];
    double sgemm_times[MAX_RUNS];
    double seconds;
    double sgemm;
    double flops;

    for (int r = 0; r < rounds; r++) {
      layer_times[r] = layer_seconds[r * n_layers + i];
      sgemm_times[r] = sgemm_seconds[r * n_layers + i];
    }
    seconds = median (layer_times, rounds);

    if (layer->kind == DN_LAYER_DENSE) {
      printf ("%-14s %5d %5d %5d %8.2f\n", layer->name, 1, layer->out_channels,
              layer->in_channels, seconds * 1e3);
    }
    if (layer->kind != DN_LAYER_CONV3X3) {
      other_total += seconds;
      continue;
    }
    sgemm = median (sgemm_times, rounds);
    flops = conv_flops (layer, 1);
    conv_total += seconds;
    sgemm_total += sgemm;
    flops_total += flops;
    printf ("%-14s %5d %5d %5d %8.2f %8.1f %8.1f %5.0f%%\n", layer->name,
            layer->out_height * layer->out_width, layer->out_channels,
            9 * layer->in_channels, seconds * 1e3, flops / seconds / 1e9,
            flops / sgemm / 1e9, 100 * sgemm / seconds);
  }
  printf ("%-14s %17s %8.2f %8.1f %8.1f %5.0f%%   (sgemm alone %.2f ms)\n",
          "13 conv layers", "", conv_total * 1e3, flops_total / conv_total / 1e9,
          flops_total / sgemm_total / 1e9, 100 * sgemm_total / conv_total,
          sgemm_total * 1e3);
  printf ("%-14s %17s %8.2f   (pooling, flatten, dense, softmax)\n",
          "other layers", "", other_total * 1e3);
}

/* The largest |a - b| over the largest |b| (at least 1): how far the
 * Winograd path strays from im2col, on the scale of the values. */
static double
scaled_difference (const float *a,
                   const float *b,
                   gsize        count)
{
  double scale = 1;
  double worst = 0;

  for (gsize i = 0; i < count; i++) {
    scale = MAX (scale, fabs (b[i]));
  }
  for (gsize i = 0; i < count; i++) {
    worst = MAX (worst, fabs ((double) a[i] - b[i]));
  }
  return worst / scale;
}

/* Both paths on one conv layer's shape and kernel at batch `n`, in
 * alternating rounds; medians in seconds, and the two outputs compared.
 *   in (n, height, width, in_channels), out_* (n, height, width,
 *   out_channels), scratch (DN_CONV_SCRATCH_FLOATS) */
static void
time_conv_paths (const DnLayer *layer,
                 const float   *transformed,
                 const float   *in,
                 float         *out_im2col,
                 float         *out_winograd,
                 float         *scratch,
                 int            n,
                 int            rounds,
                 double        *im2col_seconds,
                 double        *winograd_seconds,
                 double        *difference)
{
  double im2col[MAX_RUNS];
  double winograd[MAX_RUNS];

  for (int r = 0; r < rounds; r++) {
    double start = now ();

    dn_conv3x3_forward (out_im2col, in, layer->kernel, layer->bias, n,
                        layer->in_height, layer->in_width, layer->in_channels,
                        layer->out_channels, scratch, DN_CONV_SCRATCH_FLOATS);
    im2col[r] = now () - start;

    start = now ();
    dn_conv3x3_winograd_forward (out_winograd, in, transformed, layer->bias, n,
                                 layer->in_height, layer->in_width,
                                 layer->in_channels, layer->out_channels,
                                 scratch, DN_CONV_SCRATCH_FLOATS);
    winograd[r] = now () - start;
  }
  *im2col_seconds = median (im2col, rounds);
  *winograd_seconds = median (winograd, rounds);
  *difference = scaled_difference (out_winograd, out_im2col,
                                   (gsize) n * layer->out_height
                                   * layer->out_width * layer->out_channels);
}

/* Each conv layer alone by both paths, at batch 1 and 8, on inputs of the
 * magnitude of VGG16's activations after ReLU. */
static void
report_conv_paths (DnNetwork *network,
                   int        rounds)
{
  guint n_layers = dn_network_get_n_layers (network);
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  g_autofree float *scratch = g_new (float, DN_CONV_SCRATCH_FLOATS);
  double totals[4] = { 0 };

  printf ("\nconv paths, each layer alone, median of %d alternating rounds; "
          "diff: largest |winograd - im2col| / largest |im2col|\n", rounds);
  printf ("%-14s %4s %4s %4s | %8s %8s %5s | %8s %8s %5s | %7s %s\n",
          "layer", "side", "c_in", "c_out", "im2col", "winograd", "speed",
          "im2col/8", "wino/8", "speed", "diff", "network uses");
  for (guint i = 0; i < n_layers; i++) {
    const DnLayer *layer = dn_network_get_layer (network, i);
    gsize in_floats, out_floats;
    g_autofree float *transformed = NULL;
    g_autofree float *in = NULL;
    g_autofree float *out_im2col = NULL;
    g_autofree float *out_winograd = NULL;
    double seconds[4];
    double difference[2];
    gboolean pays;

    if (layer->kind != DN_LAYER_CONV3X3) {
      continue;
    }
    in_floats = (gsize) 8 * layer->in_height * layer->in_width * layer->in_channels;
    out_floats = (gsize) 8 * layer->out_height * layer->out_width * layer->out_channels;
    transformed = g_new (float, dn_conv3x3_winograd_kernel_floats (layer->in_channels,
                                                                   layer->out_channels));
    dn_conv3x3_winograd_kernel (transformed, layer->kernel, layer->in_channels,
                                layer->out_channels);
    in = random_floats (rand, in_floats, 0, 2);
    out_im2col = g_new (float, out_floats);
    out_winograd = g_new (float, out_floats);

    for (int b = 0; b < 2; b++) {
      int n = b == 0 ? 1 : 8;

      time_conv_paths (layer, transformed, in, out_im2col, out_winograd, scratch, n,
                       b == 0 ? rounds : (rounds + 1) / 2, &seconds[2 * b],
                       &seconds[2 * b + 1], &difference[b]);
      seconds[2 * b] /= n;
      seconds[2 * b + 1] /= n;
    }
    pays = dn_conv3x3_winograd_pays (layer->in_height, layer->in_width,
                                     layer->in_channels, layer->out_channels);
    /* im2col everywhere, and the network's choice, at batch 1 and 8 */
    for (int b = 0; b < 2; b++) {
      totals[2 * b] += seconds[2 * b];
      totals[2 * b + 1] += seconds[2 * b + (pays ? 1 : 0)];
    }
    printf ("%-14s %4d %4d %4d | %8.2f %8.2f %4.2fx | %8.2f %8.2f %4.2fx | %7.1e %s\n",
            layer->name, layer->in_height, layer->in_channels, layer->out_channels,
            seconds[0] * 1e3, seconds[1] * 1e3, seconds[0] / seconds[1],
            seconds[2] * 1e3, seconds[3] * 1e3, seconds[2] / seconds[3],
            MAX (difference[0], difference[1]), pays ? "winograd" : "im2col");
  }
  printf ("%-14s %14s | %8.2f %8.2f %4.2fx | %8.2f %8.2f %4.2fx   (ms per image; "
          "winograd column: the network's choice per layer)\n", "13 conv layers", "",
          totals[0] * 1e3, totals[1] * 1e3, totals[0] / totals[1],
          totals[2] * 1e3, totals[3] * 1e3, totals[2] / totals[3]);
}

/* The whole forward pass of `network` against `im2col_network` (the same
 * file loaded with DISCERN_CONV=im2col), alternating, at batch 1 and 8;
 * then how far their probabilities differ. */
static void
report_forward_paths (DnNetwork   *network,
                      DnNetwork   *im2col_network,
                      float       *probabilities,
                      const float *input,
                      int          rounds)
{
  int classes = dn_network_get_n_classes (network);
  g_autofree float *im2col_probabilities = g_new (float, 8 * classes);
  double worst = 0;
  int same_top = 0;

  printf ("\nwhole forward pass, median of %d alternating rounds\n", rounds);
  for (int b = 0; b < 2; b++) {
    int n = b == 0 ? 1 : 8;
    double winograd[MAX_RUNS];
    double im2col[MAX_RUNS];
    double w, i;

    time_forward (network, probabilities, input, n);
    time_forward (im2col_network, im2col_probabilities, input, n);
    for (int r = 0; r < rounds; r++) {
      winograd[r] = time_forward (network, probabilities, input, n);
      im2col[r] = time_forward (im2col_network, im2col_probabilities, input, n);
    }
    w = median (winograd, rounds) / n;
    i = median (im2col, rounds) / n;
    printf ("batch %d:  network %.1f ms per image, im2col only %.1f ms per image: "
            "%.2fx\n", n, w * 1e3, i * 1e3, i / w);
  }

  for (int b = 0; b < 8; b++) {
    const float *p = probabilities + (gsize) b * classes;
    const float *q = im2col_probabilities + (gsize) b * classes;
    int top_p = 0, top_q = 0;

    for (int c = 0; c < classes; c++) {
      worst = MAX (worst, fabs ((double) p[c] - q[c]));
      top_p = p[c] > p[top_p] ? c : top_p;
      top_q = q[c] > q[top_q] ? c : top_q;
    }
    same_top += top_p == top_q;
  }
  printf ("accuracy: probabilities differ from im2col's by at most %.2e; "
          "same top-1 for %d of 8 images\n", worst, same_top);
}

int
main (int   argc,
      char *argv[])
{
  const Plan *plan = argc > 1 && g_str_equal (argv[1], "--quick") ? &quick_plan : &full_plan;
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  g_autoptr (DnNetwork) network = NULL;
  g_autoptr (DnNetwork) im2col_network = NULL;
  g_autofree char *path = NULL;
  g_autofree float *input = NULL;
  g_autofree float *probabilities = NULL;
  gsize image_floats;
  Timing timing;
  double start;
  int fd;

  printf ("%s, %d threads; load average %.2f\n", openblas_get_config (),
          openblas_get_num_threads (), load_average ());

  fd = g_file_open_tmp ("discern-bench-XXXXXX.h5", &path, &error);
  if (fd < 0) {
    g_error ("%s", error->message);
  }
  g_close (fd, NULL);
  start = now ();
  if (!h5w_write_vgg16_random (path, SEED, &error)) {
    g_error ("%s", error->message);
  }
  printf ("model:    random VGG16 written in %.1f s (peak resident so far %.0f MB)\n",
          now () - start, status_megabytes ("VmHWM:"));

  network = load_twice (path);
  image_floats = (gsize) dn_network_get_input_height (network)
                 * dn_network_get_input_width (network)
                 * dn_network_get_input_channels (network);
  /* Values of the magnitude of caffe-preprocessed pixels. */
  input = random_floats (rand, 8 * image_floats, -120, 140);
  probabilities = g_new (float, 8 * dn_network_get_n_classes (network));

  timing = time_passes (network, probabilities, input, 1, plan->batch1_runs);
  printf ("batch 1:  %.1f ms per image (median of %d, range %.1f to %.1f); "
          "peak resident %.0f MB\n", timing.median * 1e3, plan->batch1_runs,
          timing.fastest * 1e3, timing.slowest * 1e3,
          status_megabytes ("VmHWM:"));

  timing = time_passes (network, probabilities, input, 8, plan->batch8_runs);
  printf ("batch 8:  %.2f images/s, %.1f ms per image (median of %d, range "
          "%.1f to %.1f); peak resident %.0f MB\n", 8 / timing.median,
          timing.median * 1e3 / 8, plan->batch8_runs, timing.fastest * 1e3 / 8,
          timing.slowest * 1e3 / 8, status_megabytes ("VmHWM:"));

  report_conv_paths (network, plan->path_rounds);

  g_setenv ("DISCERN_CONV", "im2col", TRUE);
  im2col_network = dn_network_load (path, &error);
  g_unsetenv ("DISCERN_CONV");
  if (im2col_network == NULL) {
    g_error ("%s", error->message);
  }
  report_forward_paths (network, im2col_network, probabilities, input,
                        plan->path_rounds);
  g_clear_pointer (&im2col_network, dn_network_free);

  report_layers (network, probabilities, input, plan->layer_rounds);

  g_unlink (path);
  return 0;
}

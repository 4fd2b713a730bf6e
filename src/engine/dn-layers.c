/* dn-layers.c: layer kernels, fast (OpenBLAS) and plain-loop reference
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "dn-layers.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Reference kernels: the definitions, as plain loops. */

void
dn_conv3x3_reference (float       *out,
                      const float *in,
                      const float *kernel,
                      const float *bias,
                      int          n,
                      int          height,
                      int          width,
                      int          c_in,
                      int          c_out)
{
  for (int b = 0; b < n; b++) {
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        float *o = out + (((gsize) b * height + y) * width + x) * c_out;

        for (int co = 0; co < c_out; co++) {
          double sum = bias[co];

          for (int ky = 0; ky < 3; ky++) {
            int sy = y + ky - 1;

            if (sy < 0 || sy >= height) {
              continue;
            }
            for (int kx = 0; kx < 3; kx++) {
              int sx = x + kx - 1;
              const float *i;
              const float *k;

              if (sx < 0 || sx >= width) {
                continue;
              }
              i = in + (((gsize) b * height + sy) * width + sx) * c_in;
              k = kernel + ((gsize) (ky * 3 + kx) * c_in) * c_out + co;
              for (int ci = 0; ci < c_in; ci++) {
                sum += (double) i[ci] * k[(gsize) ci * c_out];
              }
            }
          }
          /* NaN passes through ReLU, so broken weights stay visible. */
          o[co] = sum < 0 ? 0.0f : (float) sum;
        }
      }
    }
  }
}

void
dn_maxpool2x2_reference (float       *out,
                         const float *in,
                         int          n,
                         int          height,
                         int          width,
                         int          channels)
{
  int out_height = height / 2;
  int out_width = width / 2;

  for (int b = 0; b < n; b++) {
    for (int y = 0; y < out_height; y++) {
      for (int x = 0; x < out_width; x++) {
        for (int c = 0; c < channels; c++) {
          float best = -INFINITY;

          for (int dy = 0; dy < 2; dy++) {
            for (int dx = 0; dx < 2; dx++) {
              gsize at = (((gsize) b * height + 2 * y + dy) * width + 2 * x + dx)
                         * channels + c;
              best = MAX (best, in[at]);
            }
          }
          out[(((gsize) b * out_height + y) * out_width + x) * channels + c] = best;
        }
      }
    }
  }
}

void
dn_dense_reference (float       *out,
                    const float *in,
                    const float *kernel,
                    const float *bias,
                    int          n,
                    int          n_in,
                    int          n_out,
                    gboolean     relu)
{
  for (int b = 0; b < n; b++) {
    for (int j = 0; j < n_out; j++) {
      double sum = bias[j];

      for (int i = 0; i < n_in; i++) {
        sum += (double) in[(gsize) b * n_in + i] * kernel[(gsize) i * n_out + j];
      }
      if (relu && sum < 0) {
        sum = 0;
      }
      out[(gsize) b * n_out + j] = (float) sum;
    }
  }
}

void
dn_softmax_reference (float       *out,
                      const float *in,
                      int          n,
                      int          classes)
{
  for (int b = 0; b < n; b++) {
    const float *row = in + (gsize) b * classes;
    float *out_row = out + (gsize) b * classes;
    double highest = row[0];
    double total = 0;

    for (int c = 1; c < classes; c++) {
      highest = MAX (highest, row[c]);
    }
    for (int c = 0; c < classes; c++) {
      total += exp (row[c] - highest);
    }
    for (int c = 0; c < classes; c++) {
      out_row[c] = (float) (exp (row[c] - highest) / total);
    }
  }
}

/* Fast kernels. */

/* One output row of `width` pixels needs `width` rows of the im2col
 * matrix, each 9 * c_in long: the smallest tile the convolution can use. */
gsize
dn_conv3x3_min_scratch (int width,
                        int c_in)
{
  return (gsize) width * 9 * c_in;
}

/* Builds the im2col matrix for output rows first_row .. first_row + rows - 1
 * of one image.
 *   columns (rows * width, 9 * c_in), row-major; column (ky * 3 + kx) * c_in
 *           + ci holds in[first_row + r + ky - 1, x + kx - 1, ci] for row
 *           r * width + x, zero outside the image
 *   in      (height, width, c_in)
 * For one output pixel and one kernel row ky, the three input pixels
 * x - 1 .. x + 1 lie next to each other in NHWC memory, so each kernel row
 * is a single copy of up to 3 * c_in floats; only the padding is zeroed. */
static void
im2col_rows (float       *columns,
             const float *in,
             int          first_row,
             int          rows,
             int          height,
             int          width,
             int          c_in)
{
  gsize pixel_floats = (gsize) c_in * sizeof (float);

  for (int r = 0; r < rows; r++) {
    int y = first_row + r;

    for (int x = 0; x < width; x++) {
      float *dst = columns + ((gsize) r * width + x) * 9 * c_in;
      /* Kernel columns kx in [first_kx, end_kx) fall inside the image. */
      int first_kx = x == 0 ? 1 : 0;
      int end_kx = x == width - 1 ? 2 : 3;

      for (int ky = 0; ky < 3; ky++, dst += 3 * c_in) {
        int sy = y + ky - 1;
        const float *src;

        if (sy < 0 || sy >= height) {
          memset (dst, 0, 3 * pixel_floats);
          continue;
        }
        src = in + ((gsize) sy * width + x - 1) * c_in;
        if (first_kx > 0) {
          memset (dst, 0, pixel_floats);
        }
        memcpy (dst + first_kx * c_in, src + first_kx * c_in,
                (end_kx - first_kx) * pixel_floats);
        if (end_kx < 3) {
          memset (dst + 2 * c_in, 0, pixel_floats);
        }
      }
    }
  }
}

/* Copies the bias into every pixel, for a GEMM to accumulate onto.
 *   out  (pixels, channels)
 *   bias (channels) */
static void
fill_bias (float       *out,
           const float *bias,
           gsize        pixels,
           int          channels)
{
  for (gsize p = 0; p < pixels; p++) {
    memcpy (out + p * channels, bias, (gsize) channels * sizeof (float));
  }
}

/* The ReLU blocks below are a fixed 8 wide because GCC at -O2 only
 * vectorises loops without a remainder; a plain loop compiles to a branch
 * per value, and those mispredict on the signs of real activations. */
#define RELU_BLOCK 8

/* ReLU in place; NaN passes through.
 *   values (count) */
static void
relu_in_place (float *values,
               gsize  count)
{
  gsize i = 0;

  for (; i + RELU_BLOCK <= count; i += RELU_BLOCK) {
    for (int j = 0; j < RELU_BLOCK; j++) {
      values[i + j] = values[i + j] < 0.0f ? 0.0f : values[i + j];
    }
  }
  for (; i < count; i++) {
    values[i] = values[i] < 0.0f ? 0.0f : values[i];
  }
}

/* Preparing a tile (im2col and the bias) is plain copying, which one core
 * does while the others wait for the GEMM. So it is split into parts by
 * rows: the calling thread does the first part and helper threads the
 * rest, one part per OpenBLAS thread. */
#define MAX_TILE_PARTS 8

typedef struct {
  GMutex mutex;
  GCond  cond;
  int    pending;     /* parts not yet done */
} TileSplit;

typedef struct {
  TileSplit   *split;
  float       *columns;   /* (rows * width, 9 * c_in) */
  float       *out;       /* (rows * width, c_out) */
  const float *in;        /* (height, width, c_in), one image */
  const float *bias;      /* (c_out) */
  int          first_row;
  int          rows;
  int          height;
  int          width;
  int          c_in;
  int          c_out;
} TilePart;

static void
prepare_tile_part (TilePart *part)
{
  im2col_rows (part->columns, part->in, part->first_row, part->rows,
               part->height, part->width, part->c_in);
  fill_bias (part->out, part->bias, (gsize) part->rows * part->width,
             part->c_out);
}

static void
run_tile_part (gpointer data,
               gpointer user_data)
{
  TilePart *part = data;
  TileSplit *split = part->split;

  prepare_tile_part (part);

  g_mutex_lock (&split->mutex);
  split->pending--;
  g_cond_signal (&split->cond);
  g_mutex_unlock (&split->mutex);
}

/* The helper threads, started on first use and kept for the life of the
 * process; NULL when OpenBLAS runs single-threaded or they could not all
 * be started (a part pushed to a pool without threads would never run). */
static GThreadPool *
get_tile_helpers (void)
{
  static gsize initialised;
  static GThreadPool *helpers;

  if (g_once_init_enter (&initialised)) {
    int threads = CLAMP (openblas_get_num_threads (), 1, MAX_TILE_PARTS);
    g_autoptr (GError) error = NULL;

    if (threads > 1) {
      helpers = g_thread_pool_new (run_tile_part, NULL, threads - 1, TRUE,
                                   &error);
    }
    if (error != NULL) {
      g_debug ("layers: im2col stays on one thread: %s", error->message);
      g_thread_pool_free (helpers, TRUE, FALSE);
      helpers = NULL;
    }
    g_once_init_leave (&initialised, 1);
  }
  return helpers;
}

/* Fills the im2col tile for `rows` output rows of one image from
 * `first_row` and preloads the matching output rows with the bias.
 *   columns (rows * width, 9 * c_in)
 *   out     (rows * width, c_out), the tile's rows of the output
 *   in      (height, width, c_in), the image
 *   bias    (c_out) */
static void
prepare_tile (float       *columns,
              float       *out,
              const float *in,
              const float *bias,
              int          first_row,
              int          rows,
              int          height,
              int          width,
              int          c_in,
              int          c_out)
{
  GThreadPool *helpers = get_tile_helpers ();
  int n_parts = 1;
  TilePart parts[MAX_TILE_PARTS];
  TileSplit split;

  if (helpers != NULL) {
    n_parts = MIN ((int) g_thread_pool_get_max_threads (helpers) + 1, rows);
  }

  g_mutex_init (&split.mutex);
  g_cond_init (&split.cond);
  split.pending = n_parts - 1;

  for (int i = 0; i < n_parts; i++) {
    int start = rows * i / n_parts;
    int end = rows * (i + 1) / n_parts;

    parts[i] = (TilePart) {
      .split = &split,
      .columns = columns + (gsize) start * width * 9 * c_in,
      .out = out + (gsize) start * width * c_out,
      .in = in,
      .bias = bias,
      .first_row = first_row + start,
      .rows = end - start,
      .height = height,
      .width = width,
      .c_in = c_in,
      .c_out = c_out,
    };
  }
  for (int i = 1; i < n_parts; i++) {
    g_thread_pool_push (helpers, &parts[i], NULL);
  }
  prepare_tile_part (&parts[0]);

  g_mutex_lock (&split.mutex);
  while (split.pending > 0) {
    g_cond_wait (&split.cond, &split.mutex);
  }
  g_mutex_unlock (&split.mutex);

  g_mutex_clear (&split.mutex);
  g_cond_clear (&split.cond);
}

/* Tile size, measured on VGG16's layers: a GEMM of about 1024 rows runs
 * at full speed even for 512 channels, and larger im2col tiles only fall
 * out of cache. When K is small (the RGB input layer), a tile of 1M floats
 * (4 MiB) is many more rows and saves per-GEMM overhead. */
#define TILE_PIXELS 1024
#define TILE_FLOATS (1024 * 1024)

void
dn_conv3x3_forward (float       *out,
                    const float *in,
                    const float *kernel,
                    const float *bias,
                    int          n,
                    int          height,
                    int          width,
                    int          c_in,
                    int          c_out,
                    float       *scratch,
                    gsize        scratch_floats)
{
  /* out     (n, height, width, c_out)
   * in      (n, height, width, c_in)
   * kernel  (3, 3, c_in, c_out), read as a (9 * c_in, c_out) matrix
   * bias    (c_out)
   * scratch (scratch_floats): one tile of the im2col matrix */
  gsize row_floats = dn_conv3x3_min_scratch (width, c_in);
  gsize wanted_rows;
  int tile_rows;
  int n_tiles;

  g_return_if_fail (out != NULL && in != NULL && kernel != NULL);
  g_return_if_fail (bias != NULL && scratch != NULL);
  g_return_if_fail (n >= 1 && height >= 1 && width >= 1);
  g_return_if_fail (c_in >= 1 && c_out >= 1);
  g_return_if_fail (scratch_floats >= row_floats);

  /* Rows for a tile of about TILE_PIXELS pixels or TILE_FLOATS floats,
   * whichever is more, as far as the scratch allows; then evened out so the
   * last tile is not a sliver. Tiles never span two images and split each
   * image the same way: OpenBLAS may round a row differently depending on
   * where it falls in a GEMM, and an image's result must not depend on the
   * batch it came in. */
  wanted_rows = MAX ((gsize) (TILE_PIXELS / width), TILE_FLOATS / row_floats);
  wanted_rows = MIN (wanted_rows, scratch_floats / row_floats);
  tile_rows = (int) CLAMP (wanted_rows, 1, (gsize) height);
  n_tiles = (height + tile_rows - 1) / tile_rows;
  tile_rows = (height + n_tiles - 1) / n_tiles;

  for (int b = 0; b < n; b++) {
    const float *image_in = in + (gsize) b * height * width * c_in;
    float *image_out = out + (gsize) b * height * width * c_out;

    for (int first_row = 0; first_row < height; first_row += tile_rows) {
      int rows = MIN (tile_rows, height - first_row);
      int pixels = rows * width;
      float *tile_out = image_out + (gsize) first_row * width * c_out;

      prepare_tile (scratch, tile_out, image_in, bias, first_row, rows,
                    height, width, c_in, c_out);

      /* tile_out (M, N) += columns (M, K) x kernel (K, N), all row-major:
       *   M = pixels of the tile, N = c_out, K = 9 * c_in.
       * Neither operand is transposed: each im2col row is one pixel's
       * receptive field in (ky, kx, ci) order, which is exactly the row
       * order of Keras' (3, 3, c_in, c_out) kernel. The tile's output rows
       * are contiguous in NHWC, so the GEMM accumulates straight into
       * `out`, onto the bias (beta = 1). */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                   pixels, c_out, 9 * c_in,
                   1.0f, scratch, 9 * c_in,
                   kernel, c_out,
                   1.0f, tile_out, c_out);

      relu_in_place (tile_out, (gsize) pixels * c_out);
    }
  }
}

void
dn_maxpool2x2_forward (float       *out,
                       const float *in,
                       int          n,
                       int          height,
                       int          width,
                       int          channels)
{
  /* out (n, height / 2, width / 2, channels)
   * in  (n, height, width, channels) */
  int out_height = height / 2;
  int out_width = width / 2;
  gsize row_floats = (gsize) width * channels;

  g_return_if_fail (out != NULL && in != NULL);
  g_return_if_fail (n >= 1 && height >= 1 && width >= 1 && channels >= 1);

  for (int b = 0; b < n; b++) {
    for (int y = 0; y < out_height; y++) {
      const float *top = in + ((gsize) b * height + 2 * y) * row_floats;
      const float *bottom = top + row_floats;
      float *dst = out + ((gsize) b * out_height + y) * out_width * channels;

      for (int x = 0; x < out_width; x++) {
        const float *top_left = top + (gsize) 2 * x * channels;
        const float *bottom_left = bottom + (gsize) 2 * x * channels;

        /* Same order of comparisons as the reference, so NaN handling
         * matches it exactly. */
        for (int c = 0; c < channels; c++) {
          float best = -INFINITY;

          best = MAX (best, top_left[c]);
          best = MAX (best, top_left[channels + c]);
          best = MAX (best, bottom_left[c]);
          best = MAX (best, bottom_left[channels + c]);
          dst[c] = best;
        }
        dst += channels;
      }
    }
  }
}

/* Below this batch size a matrix-vector product per image is faster than
 * one GEMM: the layer is bound by reading the kernel (411 MB for VGG16's
 * fc1), which OpenBLAS's GEMM also packs. Measured on fc1: 31 ms against
 * 79 ms at batch 1, 66 against 94 at batch 2, even at batch 4. */
#define DENSE_GEMM_MIN_BATCH 4

void
dn_dense_forward (float       *out,
                  const float *in,
                  const float *kernel,
                  const float *bias,
                  int          n,
                  int          n_in,
                  int          n_out,
                  gboolean     relu)
{
  /* out    (n, n_out)
   * in     (n, n_in)
   * kernel (n_in, n_out)
   * bias   (n_out) */
  g_return_if_fail (out != NULL && in != NULL);
  g_return_if_fail (kernel != NULL && bias != NULL);
  g_return_if_fail (n >= 1 && n_in >= 1 && n_out >= 1);

  /* Start from the bias and let BLAS accumulate onto it (beta = 1). */
  for (int b = 0; b < n; b++) {
    memcpy (out + (gsize) b * n_out, bias, (gsize) n_out * sizeof (float));
  }

  if (n < DENSE_GEMM_MIN_BATCH) {
    for (int b = 0; b < n; b++) {
      /* out[b] (n_out) += kernel^T (n_out, n_in) x in[b] (n_in): the
       * kernel is an (n_in, n_out) row-major matrix, so it is transposed
       * to map an input vector to an output vector. */
      cblas_sgemv (CblasRowMajor, CblasTrans, n_in, n_out,
                   1.0f, kernel, n_out,
                   in + (gsize) b * n_in, 1,
                   1.0f, out + (gsize) b * n_out, 1);
    }
  } else {
    /* out (M, N) += in (M, K) x kernel (K, N), all row-major:
     *   M = n images, N = n_out, K = n_in.
     * No transposes: the input rows are images and Keras' kernel is
     * already (n_in, n_out). */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                 n, n_out, n_in,
                 1.0f, in, n_in,
                 kernel, n_out,
                 1.0f, out, n_out);
  }

  if (relu) {
    relu_in_place (out, (gsize) n * n_out);
  }
}

void
dn_softmax_forward (float       *out,
                    const float *in,
                    int          n,
                    int          classes)
{
  /* out (n, classes)
   * in  (n, classes); may be the same memory as out */
  g_return_if_fail (out != NULL && in != NULL);
  g_return_if_fail (n >= 1 && classes >= 1);

  for (int b = 0; b < n; b++) {
    const float *row = in + (gsize) b * classes;
    float *out_row = out + (gsize) b * classes;
    float highest = row[0];
    double total = 0;
    float scale;

    /* Subtracting the largest logit keeps every exponent <= 0, so nothing
     * overflows however large the logits are. */
    for (int c = 1; c < classes; c++) {
      highest = MAX (highest, row[c]);
    }
    for (int c = 0; c < classes; c++) {
      out_row[c] = expf (row[c] - highest);
      total += out_row[c];
    }
    scale = (float) (1.0 / total);
    for (int c = 0; c < classes; c++) {
      out_row[c] *= scale;
    }
  }
}

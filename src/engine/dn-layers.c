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

/* Preparing a tile (im2col and the bias) and the Winograd transforms are
 * plain copying and arithmetic, which one core does while the others wait
 * for the GEMM. So each is split into parts: the calling thread does the
 * first part and helper threads the rest, one part per OpenBLAS thread. */
#define MAX_PARTS 8

/* Does items [start, end) of the work described by `data`. */
typedef void (*PartFunc) (gpointer data,
                          int      start,
                          int      end);

typedef struct {
  GMutex mutex;
  GCond  cond;
  int    pending;     /* parts not yet done */
} SplitWait;

typedef struct {
  SplitWait *wait;
  PartFunc   func;
  gpointer   data;
  int        start;
  int        end;
} SplitPart;

static void
run_split_part (gpointer data,
                gpointer user_data)
{
  SplitPart *part = data;
  SplitWait *wait = part->wait;

  part->func (part->data, part->start, part->end);

  g_mutex_lock (&wait->mutex);
  wait->pending--;
  g_cond_signal (&wait->cond);
  g_mutex_unlock (&wait->mutex);
}

/* The helper threads, started on first use and kept for the life of the
 * process; NULL when OpenBLAS runs single-threaded or they could not all
 * be started (a part pushed to a pool without threads would never run). */
static GThreadPool *
get_helpers (void)
{
  static gsize initialised;
  static GThreadPool *helpers;

  if (g_once_init_enter (&initialised)) {
    int threads = CLAMP (openblas_get_num_threads (), 1, MAX_PARTS);
    g_autoptr (GError) error = NULL;

    if (threads > 1) {
      helpers = g_thread_pool_new (run_split_part, NULL, threads - 1, TRUE,
                                   &error);
    }
    if (error != NULL) {
      g_debug ("layers: transforms stay on one thread: %s", error->message);
      g_thread_pool_free (helpers, TRUE, FALSE);
      helpers = NULL;
    }
    g_once_init_leave (&initialised, 1);
  }
  return helpers;
}

/* Runs `func` on items [0, n_items), split evenly into as many parts as
 * there are threads (at most one per item), and returns when all are done. */
static void
run_split (PartFunc func,
           gpointer data,
           int      n_items)
{
  GThreadPool *helpers = get_helpers ();
  int n_parts = 1;
  SplitPart parts[MAX_PARTS];
  SplitWait wait;

  if (helpers != NULL) {
    n_parts = MIN ((int) g_thread_pool_get_max_threads (helpers) + 1, n_items);
  }
  if (n_parts <= 1) {
    func (data, 0, n_items);
    return;
  }

  g_mutex_init (&wait.mutex);
  g_cond_init (&wait.cond);
  wait.pending = n_parts - 1;

  for (int i = 0; i < n_parts; i++) {
    parts[i] = (SplitPart) {
      .wait = &wait,
      .func = func,
      .data = data,
      .start = (int) ((gint64) n_items * i / n_parts),
      .end = (int) ((gint64) n_items * (i + 1) / n_parts),
    };
  }
  for (int i = 1; i < n_parts; i++) {
    g_thread_pool_push (helpers, &parts[i], NULL);
  }
  func (data, parts[0].start, parts[0].end);

  g_mutex_lock (&wait.mutex);
  while (wait.pending > 0) {
    g_cond_wait (&wait.cond, &wait.mutex);
  }
  g_mutex_unlock (&wait.mutex);

  g_mutex_clear (&wait.mutex);
  g_cond_clear (&wait.cond);
}

/* One im2col tile: `rows` output rows of one image from `first_row`. */
typedef struct {
  float       *columns;   /* (rows * width, 9 * c_in) */
  float       *out;       /* (rows * width, c_out), the tile's output rows */
  const float *in;        /* (height, width, c_in), the image */
  const float *bias;      /* (c_out) */
  int          first_row;
  int          height;
  int          width;
  int          c_in;
  int          c_out;
} Im2colTile;

/* Fills the im2col rows for the tile's output rows [start, end) and
 * preloads the matching output rows with the bias. */
static void
prepare_tile_rows (gpointer data,
                   int      start,
                   int      end)
{
  Im2colTile *tile = data;

  im2col_rows (tile->columns + (gsize) start * tile->width * 9 * tile->c_in,
               tile->in, tile->first_row + start, end - start,
               tile->height, tile->width, tile->c_in);
  fill_bias (tile->out + (gsize) start * tile->width * tile->c_out,
             tile->bias, (gsize) (end - start) * tile->width, tile->c_out);
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
      Im2colTile tile = {
        .columns = scratch,
        .out = tile_out,
        .in = image_in,
        .bias = bias,
        .first_row = first_row,
        .height = height,
        .width = width,
        .c_in = c_in,
        .c_out = c_out,
      };

      run_split (prepare_tile_rows, &tile, rows);

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

/* Winograd F(4x4, 3x3).
 *
 * In one dimension, the 4 outputs y[i] = sum_k d[i + k] g[k] of a 3-tap
 * filter over 6 inputs take 6 multiplications as y = A^T ((G g) . (B^T d)),
 * with the interpolation points 0, 1, -1, 2, -2 and infinity. Nested in
 * two dimensions, a 4x4 output tile takes the 36 products of U = G g G^T
 * and V = B^T d B, then Y = A^T (U . V) A. Summed over input channels, the
 * products of each of the 36 points p form one GEMM:
 * M_p (tiles, c_out) = V_p (tiles, c_in) x U_p (c_in, c_out). */

#define WINO_OUT 4        /* side of an output tile */
#define WINO_IN 6         /* side of an input tile: WINO_OUT + 3 - 1 */
#define WINO_POINTS 36    /* WINO_IN * WINO_IN */

/* Tiles per block of GEMMs, as far as the scratch allows (128 tiles for
 * 512 channels with DN_CONV_SCRATCH_FLOATS). Measured on VGG16's shapes:
 * blocks of 32 or 64 tiles make the GEMMs up to twice as slow for 256 and
 * 512 channels, and blocks of 512 gained nothing over 256. */
#define WINO_BLOCK_TILES 256

/* Below this many input channels the GEMMs are too thin to pay for the
 * transforms (VGG16's RGB layer runs 0.6 times as fast). Below this many
 * tiles per image the GEMMs are too short: VGG16's 14x14 block (16 tiles)
 * gains 10 to 20%, which does not pay for the 113 MB its transformed
 * kernels would add to the peak memory. */
#define WINO_MIN_CHANNELS 16
#define WINO_MIN_TILES 32

/* The transforms work on 8 channels at a time as GCC vectors, one AVX
 * register or two SSE ones; channels past the last are zero lanes. */
#define LANES 8

typedef float Vec8 __attribute__ ((vector_size (LANES * sizeof (float))));
typedef gint32 Mask8 __attribute__ ((vector_size (LANES * sizeof (gint32))));

/* The per-tile transforms are compiled twice, for x86-64-v3 (AVX2, FMA)
 * and for the baseline, and the dynamic loader picks one for the CPU. */
#if defined (__GNUC__) && !defined (__clang__) && defined (__x86_64__)
#define TRANSFORM_CLONES \
  __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define TRANSFORM_CLONES
#endif

gboolean
dn_conv3x3_winograd_pays (int height,
                          int width,
                          int c_in,
                          int c_out)
{
  int tiles_y = (height + WINO_OUT - 1) / WINO_OUT;
  int tiles_x = (width + WINO_OUT - 1) / WINO_OUT;

  return c_in >= WINO_MIN_CHANNELS && tiles_y * tiles_x >= WINO_MIN_TILES;
}

gsize
dn_conv3x3_winograd_kernel_floats (int c_in,
                                   int c_out)
{
  return (gsize) WINO_POINTS * c_in * c_out;
}

gsize
dn_conv3x3_winograd_min_scratch (int c_in,
                                 int c_out)
{
  return (gsize) WINO_POINTS * (c_in + c_out);
}

/* The helpers below take vectors by pointer: they are always inlined, and
 * passing them by value would tie the baseline build to an AVX ABI. */

/* `lanes` floats from `src` (at most LANES), the rest of the vector zero. */
G_ALWAYS_INLINE static inline void
load_lanes (Vec8        *v,
            const float *src,
            int          lanes)
{
  Vec8 zero = { 0 };

  if (G_LIKELY (lanes == LANES)) {
    memcpy (v, src, sizeof *v);
  } else {
    *v = zero;
    memcpy (v, src, lanes * sizeof (float));
  }
}

G_ALWAYS_INLINE static inline void
store_lanes (float      *dst,
             const Vec8 *v,
             int         lanes)
{
  if (G_LIKELY (lanes == LANES)) {
    memcpy (dst, v, sizeof *v);
  } else {
    memcpy (dst, v, lanes * sizeof (float));
  }
}

/* ReLU on each lane, in place; NaN passes through, as in relu_in_place(). */
G_ALWAYS_INLINE static inline void
relu_lanes (Vec8 *v)
{
  Vec8 zero = { 0 };
  Mask8 negative = *v < zero;

  *v = (Vec8) ((Mask8) *v & ~negative);
}

/* B^T x for one column or row of an input tile: 6 vectors in, 6 out, each
 * `stride` apart. */
G_ALWAYS_INLINE static inline void
input_transform_1d (Vec8       *out,
                    const Vec8 *x,
                    int         stride)
{
  Vec8 x0 = x[0];
  Vec8 x1 = x[stride];
  Vec8 x2 = x[2 * stride];
  Vec8 x3 = x[3 * stride];
  Vec8 x4 = x[4 * stride];
  Vec8 x5 = x[5 * stride];

  out[0] = 4.0f * x0 - 5.0f * x2 + x4;
  out[stride] = (x3 + x4) - 4.0f * (x1 + x2);
  out[2 * stride] = (x4 - x3) + 4.0f * (x1 - x2);
  out[3 * stride] = (x4 - x2) + 2.0f * (x3 - x1);
  out[4 * stride] = (x4 - x2) - 2.0f * (x3 - x1);
  out[5 * stride] = 4.0f * x1 - 5.0f * x3 + x5;
}

/* A^T m for one column or row of a tile of products: 6 vectors in, 4 out,
 * each `stride` apart. */
G_ALWAYS_INLINE static inline void
output_transform_1d (Vec8       *out,
                     const Vec8 *m,
                     int         stride)
{
  Vec8 sum12 = m[stride] + m[2 * stride];
  Vec8 diff12 = m[stride] - m[2 * stride];
  Vec8 sum34 = m[3 * stride] + m[4 * stride];
  Vec8 diff34 = m[3 * stride] - m[4 * stride];

  out[0] = m[0] + sum12 + sum34;
  out[stride] = diff12 + 2.0f * diff34;
  out[2 * stride] = sum12 + 4.0f * sum34;
  out[3 * stride] = diff12 + 8.0f * diff34 + m[5 * stride];
}

/* G g for one column or row of a kernel: 3 vectors in, 6 out, each
 * `stride` apart. */
G_ALWAYS_INLINE static inline void
kernel_transform_1d (Vec8       *out,
                     const Vec8 *g,
                     int         stride)
{
  Vec8 g0 = g[0];
  Vec8 g1 = g[stride];
  Vec8 g2 = g[2 * stride];

  out[0] = g0 * (1.0f / 4);
  out[stride] = (g0 + g1 + g2) * (-1.0f / 6);
  out[2 * stride] = (g0 - g1 + g2) * (-1.0f / 6);
  out[3 * stride] = g0 * (1.0f / 24) + g1 * (1.0f / 12) + g2 * (1.0f / 6);
  out[4 * stride] = g0 * (1.0f / 24) - g1 * (1.0f / 12) + g2 * (1.0f / 6);
  out[5 * stride] = g2;
}

/* A kernel on its way to U. */
typedef struct {
  float       *transformed;   /* (36, pairs) */
  const float *kernel;        /* (9, pairs) */
  gsize        pairs;         /* c_in * c_out */
} KernelTransform;

/* U = G g G^T for the (c_in, c_out) pairs [start * LANES, end * LANES),
 * LANES pairs at a time, in float: a few ulps from U computed exactly,
 * far below what the GEMMs and transforms add. */
TRANSFORM_CLONES static void
transform_kernel_part (gpointer data,
                       int      start,
                       int      end)
{
  KernelTransform *work = data;
  gsize pairs = work->pairs;
  gsize last = MIN ((gsize) end * LANES, pairs);

  for (gsize pair = (gsize) start * LANES; pair < last; pair += LANES) {
    int lanes = (int) MIN (LANES, pairs - pair);
    Vec8 g[9];                  /* (3, 3) */
    Vec8 rows[WINO_IN * 3];     /* (6, 3): G g */
    Vec8 u[WINO_POINTS];        /* (6, 6): G g G^T */

    for (int k = 0; k < 9; k++) {
      load_lanes (&g[k], work->kernel + k * pairs + pair, lanes);
    }
    for (int kx = 0; kx < 3; kx++) {
      kernel_transform_1d (rows + kx, g + kx, 3);
    }
    for (int i = 0; i < WINO_IN; i++) {
      kernel_transform_1d (u + i * WINO_IN, rows + i * 3, 1);
    }
    for (int p = 0; p < WINO_POINTS; p++) {
      store_lanes (work->transformed + p * pairs + pair, &u[p], lanes);
    }
  }
}

void
dn_conv3x3_winograd_kernel (float       *transformed,
                            const float *kernel,
                            int          c_in,
                            int          c_out)
{
  /* transformed (36, c_in, c_out): matrix 6 * i + j holds U[i][j]
   * kernel      (3, 3, c_in, c_out) */
  KernelTransform work = {
    .transformed = transformed,
    .kernel = kernel,
    .pairs = (gsize) c_in * c_out,
  };

  g_return_if_fail (transformed != NULL && kernel != NULL);
  g_return_if_fail (c_in >= 1 && c_out >= 1);
  g_return_if_fail (work.pairs / LANES < G_MAXINT);

  run_split (transform_kernel_part, &work,
             (int) ((work.pairs + LANES - 1) / LANES));
}

/* V = B^T d B for one tile, LANES channels at a time.
 *   transformed (36, stride): this tile's row of each V_p, at p * stride
 *   image       (height, width, c_in)
 * The tile's 6x6 input pixels start at (y0, x0); those outside the image
 * are the zero padding. */
TRANSFORM_CLONES static void
input_tile (float       *transformed,
            gsize        stride,
            const float *image,
            int          y0,
            int          x0,
            int          height,
            int          width,
            int          c_in)
{
  for (int c = 0; c < c_in; c += LANES) {
    int lanes = MIN (LANES, c_in - c);
    Vec8 d[WINO_POINTS];        /* (6, 6), then V */
    Vec8 columns[WINO_POINTS];  /* (6, 6): B^T d */

    for (int i = 0; i < WINO_IN; i++) {
      int y = y0 + i;

      for (int j = 0; j < WINO_IN; j++) {
        int x = x0 + j;
        Vec8 zero = { 0 };

        d[i * WINO_IN + j] = zero;
        if (y >= 0 && y < height && x >= 0 && x < width) {
          load_lanes (&d[i * WINO_IN + j],
                      image + ((gsize) y * width + x) * c_in + c, lanes);
        }
      }
    }
    for (int j = 0; j < WINO_IN; j++) {
      input_transform_1d (columns + j, d + j, WINO_IN);
    }
    for (int i = 0; i < WINO_IN; i++) {
      input_transform_1d (d + i * WINO_IN, columns + i * WINO_IN, 1);
    }
    for (int p = 0; p < WINO_POINTS; p++) {
      store_lanes (transformed + p * stride + c, &d[p], lanes);
    }
  }
}

/* Y = A^T M A for one tile, plus bias, then ReLU, LANES channels at a time.
 *   image    (height, width, c_out), the output image
 *   products (36, stride): this tile's row of each M_p, at p * stride
 *   bias     (c_out)
 * The tile's 4x4 output pixels start at (y0, x0); only those inside the
 * image are written. */
TRANSFORM_CLONES static void
output_tile (float       *image,
             const float *products,
             gsize        stride,
             const float *bias,
             int          y0,
             int          x0,
             int          height,
             int          width,
             int          c_out)
{
  int rows = MIN (WINO_OUT, height - y0);
  int cols = MIN (WINO_OUT, width - x0);

  for (int c = 0; c < c_out; c += LANES) {
    int lanes = MIN (LANES, c_out - c);
    Vec8 bias_lanes;
    Vec8 m[WINO_POINTS];                /* (6, 6) */
    Vec8 columns[WINO_OUT * WINO_IN];   /* (4, 6): A^T m */
    Vec8 y[WINO_OUT * WINO_IN];         /* (4, 4) in rows of 6: A^T m A */

    load_lanes (&bias_lanes, bias + c, lanes);
    for (int p = 0; p < WINO_POINTS; p++) {
      load_lanes (&m[p], products + p * stride + c, lanes);
    }
    for (int j = 0; j < WINO_IN; j++) {
      output_transform_1d (columns + j, m + j, WINO_IN);
    }
    for (int i = 0; i < WINO_OUT; i++) {
      output_transform_1d (y + i * WINO_IN, columns + i * WINO_IN, 1);
    }
    for (int i = 0; i < rows; i++) {
      float *row = image + ((gsize) (y0 + i) * width + x0) * c_out + c;

      for (int j = 0; j < cols; j++) {
        Vec8 value = y[i * WINO_IN + j] + bias_lanes;

        relu_lanes (&value);
        store_lanes (row + (gsize) j * c_out, &value, lanes);
      }
    }
  }
}

/* One block of an image's tiles on its way through the three steps.
 * Tiles are numbered row by row. */
typedef struct {
  float       *transformed_in;  /* (36, block_tiles, c_in): V_p */
  float       *products;        /* (36, block_tiles, c_out): M_p */
  float       *out;             /* (height, width, c_out), the image */
  const float *in;              /* (height, width, c_in), the image */
  const float *bias;            /* (c_out) */
  int          first_tile;      /* the block's first tile in the image */
  int          block_tiles;     /* rows of each V_p and M_p */
  int          height;
  int          width;
  int          c_in;
  int          c_out;
  int          tiles_x;         /* tiles per row of the image */
} WinogradBlock;

/* Step 1 for the block's tiles [start, end). */
static void
transform_input_part (gpointer data,
                      int      start,
                      int      end)
{
  WinogradBlock *block = data;

  for (int t = start; t < end; t++) {
    int tile = block->first_tile + t;
    int y0 = tile / block->tiles_x * WINO_OUT;
    int x0 = tile % block->tiles_x * WINO_OUT;

    /* The input tile reaches one pixel beyond the output tile each way. */
    input_tile (block->transformed_in + (gsize) t * block->c_in,
                (gsize) block->block_tiles * block->c_in, block->in,
                y0 - 1, x0 - 1, block->height, block->width, block->c_in);
  }
}

/* Step 3 for the block's tiles [start, end). */
static void
transform_output_part (gpointer data,
                       int      start,
                       int      end)
{
  WinogradBlock *block = data;

  for (int t = start; t < end; t++) {
    int tile = block->first_tile + t;

    int y0 = tile / block->tiles_x * WINO_OUT;
    int x0 = tile % block->tiles_x * WINO_OUT;

    output_tile (block->out, block->products + (gsize) t * block->c_out,
                 (gsize) block->block_tiles * block->c_out, block->bias,
                 y0, x0, block->height, block->width, block->c_out);
  }
}

/* The three steps for each block of one image's tiles.
 *   transformed (36, c_in, c_out): U_p */
static void
winograd_image (WinogradBlock *block,
                const float   *transformed,
                int            n_tiles)
{
  int c_in = block->c_in;
  int c_out = block->c_out;
  gsize pairs = (gsize) c_in * c_out;
  gsize in_stride = (gsize) block->block_tiles * c_in;
  gsize out_stride = (gsize) block->block_tiles * c_out;

  for (int first = 0; first < n_tiles; first += block->block_tiles) {
    int count = MIN (block->block_tiles, n_tiles - first);

    block->first_tile = first;
    run_split (transform_input_part, block, count);

    for (int p = 0; p < WINO_POINTS; p++) {
      /* M_p (M, N) = V_p (M, K) x U_p (K, N), all row-major:
       *   M = tiles of the block, N = c_out, K = c_in.
       * No transposes: V_p has a row per tile with its channels in order,
       * and U_p keeps the kernel's (c_in, c_out) layout. beta = 0: the
       * bias goes onto the 16 output pixels after the output transform,
       * not onto the 36 points. */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                   count, c_out, c_in,
                   1.0f, block->transformed_in + p * in_stride, c_in,
                   transformed + p * pairs, c_out,
                   0.0f, block->products + p * out_stride, c_out);
    }

    run_split (transform_output_part, block, count);
  }
}

void
dn_conv3x3_winograd_forward (float       *out,
                             const float *in,
                             const float *transformed,
                             const float *bias,
                             int          n,
                             int          height,
                             int          width,
                             int          c_in,
                             int          c_out,
                             float       *scratch,
                             gsize        scratch_floats)
{
  /* out         (n, height, width, c_out)
   * in          (n, height, width, c_in)
   * transformed (36, c_in, c_out): U_p
   * bias        (c_out)
   * scratch     (scratch_floats): V_p and M_p of one block of tiles */
  int tiles_x = (width + WINO_OUT - 1) / WINO_OUT;
  int n_tiles = (height + WINO_OUT - 1) / WINO_OUT * tiles_x;
  gsize tile_floats = dn_conv3x3_winograd_min_scratch (c_in, c_out);
  gsize most_tiles;
  int block_tiles;
  int n_blocks;

  g_return_if_fail (out != NULL && in != NULL && transformed != NULL);
  g_return_if_fail (bias != NULL && scratch != NULL);
  g_return_if_fail (n >= 1 && height >= 1 && width >= 1);
  g_return_if_fail (c_in >= 1 && c_out >= 1);
  g_return_if_fail (scratch_floats >= tile_floats);

  /* Blocks of up to WINO_BLOCK_TILES tiles as far as the scratch allows,
   * evened out so the last is not a sliver. As with im2col, blocks never
   * span two images and split each image the same way, so that an image's
   * result does not depend on the batch it came in. */
  most_tiles = MIN (WINO_BLOCK_TILES, scratch_floats / tile_floats);
  most_tiles = MIN (most_tiles, (gsize) n_tiles);
  n_blocks = (int) ((n_tiles + most_tiles - 1) / most_tiles);
  block_tiles = (n_tiles + n_blocks - 1) / n_blocks;

  for (int b = 0; b < n; b++) {
    WinogradBlock block = {
      .transformed_in = scratch,
      .products = scratch + (gsize) WINO_POINTS * block_tiles * c_in,
      .out = out + (gsize) b * height * width * c_out,
      .in = in + (gsize) b * height * width * c_in,
      .bias = bias,
      .block_tiles = block_tiles,
      .height = height,
      .width = width,
      .c_in = c_in,
      .c_out = c_out,
      .tiles_x = tiles_x,
    };

    winograd_image (&block, transformed, n_tiles);
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

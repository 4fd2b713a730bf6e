/* dn-layers.c: layer kernels, fast (OpenBLAS) and plain-loop reference
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "dn-layers.h"

#include <math.h>

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
          o[co] = sum > 0 ? (float) sum : 0.0f;
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
/* TODO(layers helper): replace these with the OpenBLAS versions. */

gsize
dn_conv3x3_min_scratch (int width,
                        int c_in)
{
  return (gsize) width * 9 * c_in;
}

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
  dn_conv3x3_reference (out, in, kernel, bias, n, height, width, c_in, c_out);
}

void
dn_maxpool2x2_forward (float       *out,
                       const float *in,
                       int          n,
                       int          height,
                       int          width,
                       int          channels)
{
  dn_maxpool2x2_reference (out, in, n, height, width, channels);
}

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
  dn_dense_reference (out, in, kernel, bias, n, n_in, n_out, relu);
}

void
dn_softmax_forward (float       *out,
                    const float *in,
                    int          n,
                    int          classes)
{
  dn_softmax_reference (out, in, n, classes);
}

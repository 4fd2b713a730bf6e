/* dn-preprocess.c: from 8-bit RGB pixels to the network's input
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "dn-preprocess.h"

/* Which source index each output position along one axis reads, the way
 * Pillow's Image.resize(..., NEAREST) picks it (Keras' load_img calls that).
 * Pillow maps the centre of output pixel i to box_start + (i + 0.5) * scale
 * and truncates, but it gets there by adding the scale step by step in
 * double precision, starting from box_start + scale / 2. Where the exact
 * position is a whole number the running sum can land just below it, so the
 * sum is reproduced here as it is, not computed from a closed formula.
 *   map (out_size) source indices in [0, in_size) */
static void
nearest_index_map (int *map,
                   int  out_size,
                   int  box_start,
                   int  box_size,
                   int  in_size)
{
  double scale = (double) box_size / out_size;
  double position = box_start + scale * 0.5;

  for (int i = 0; i < out_size; i++) {
    int index = (int) position;

    map[i] = CLAMP (index, 0, in_size - 1);
    position += scale;
  }
}

/* The largest window with the output's aspect ratio, centred, in whole
 * pixels, as Keras' load_img(keep_aspect_ratio=True) cuts it. For a square
 * output this is the largest centred square. A picture thinner than one
 * output pixel gets an empty window, as in Keras, and Pillow then repeats
 * the window's first line. */
static void
center_crop_box (int *box_x,
                 int *box_y,
                 int *box_width,
                 int *box_height,
                 int  out_width,
                 int  out_height,
                 int  width,
                 int  height)
{
  gint64 crop_width = (gint64) height * out_width / out_height;
  gint64 crop_height = (gint64) width * out_height / out_width;

  *box_width = (int) MIN (width, crop_width);
  *box_height = (int) MIN (height, crop_height);
  *box_x = (width - *box_width) / 2;
  *box_y = (height - *box_height) / 2;
}

void
dn_resize_rgb8 (guint8       *out,
                const guint8 *pixels,
                int           out_width,
                int           out_height,
                int           width,
                int           height,
                int           rowstride,
                DnResizeMode  mode)
{
  int box_x = 0;
  int box_y = 0;
  int box_width = width;
  int box_height = height;
  int *column_map;
  int *row_map;

  g_return_if_fail (out != NULL);
  g_return_if_fail (pixels != NULL);
  g_return_if_fail (out_width > 0 && out_height > 0);
  g_return_if_fail (width > 0 && height > 0);
  g_return_if_fail (rowstride >= 3 * width);

  if (mode == DN_RESIZE_CENTER_CROP) {
    center_crop_box (&box_x, &box_y, &box_width, &box_height,
                     out_width, out_height, width, height);
  }

  column_map = g_new (int, out_width);
  row_map = g_new (int, out_height);
  nearest_index_map (column_map, out_width, box_x, box_width, width);
  nearest_index_map (row_map, out_height, box_y, box_height, height);

  for (int y = 0; y < out_height; y++) {
    const guint8 *row = pixels + (gsize) row_map[y] * rowstride;
    guint8 *o = out + (gsize) y * out_width * 3;

    for (int x = 0; x < out_width; x++) {
      const guint8 *p = row + (gsize) column_map[x] * 3;

      o[3 * x + 0] = p[0];
      o[3 * x + 1] = p[1];
      o[3 * x + 2] = p[2];
    }
  }

  g_free (column_map);
  g_free (row_map);
}

void
dn_preprocess_caffe (float        *out,
                     const guint8 *rgb,
                     int           width,
                     int           height)
{
  gsize count;

  g_return_if_fail (out != NULL);
  g_return_if_fail (rgb != NULL);
  g_return_if_fail (width > 0 && height > 0);

  /* Keras subtracts in float32, so the means are float constants too. */
  count = (gsize) width * height;
  for (gsize i = 0; i < count; i++) {
    out[3 * i + 0] = (float) rgb[3 * i + 2] - DN_MEAN_B;
    out[3 * i + 1] = (float) rgb[3 * i + 1] - DN_MEAN_G;
    out[3 * i + 2] = (float) rgb[3 * i + 0] - DN_MEAN_R;
  }
}

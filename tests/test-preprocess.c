/* test-preprocess.c: resize and "caffe" preprocessing on known pixels
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "dn-preprocess.h"

/* A picture whose pixels say where they are, so the resized picture tells
 * which source pixel each output pixel was read from:
 * R = x mod 256, G = y mod 256, B = (x / 256) + 16 * (y / 256).
 * Rows are padded to rowstride with 0xee bytes that must never be read. */
static guint8 *
coordinate_picture (int width,
                    int height,
                    int rowstride)
{
  guint8 *pixels = g_malloc ((gsize) rowstride * height);

  memset (pixels, 0xee, (gsize) rowstride * height);
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      guint8 *p = pixels + (gsize) y * rowstride + 3 * x;

      p[0] = x % 256;
      p[1] = y % 256;
      p[2] = (x / 256) + 16 * (y / 256);
    }
  }
  return pixels;
}

static void
source_of (const guint8 *p,
           int          *x,
           int          *y)
{
  *x = p[0] + 256 * (p[2] % 16);
  *y = p[1] + 256 * (p[2] / 16);
}

/* The independent formula: the centre of output pixel i, mapped into the
 * box, floored, in exact integer arithmetic. Pillow accumulates the step in
 * floating point, so where the exact centre falls on a pixel boundary it may
 * read the pixel just before; both are accepted there, and the pinned
 * vectors below fix Pillow's choice on known cases. */
static gboolean
index_fits_formula (int index,
                    int i,
                    int out_size,
                    int box_start,
                    int box_size)
{
  gint64 numerator = (gint64) (2 * i + 1) * box_size;
  gint64 denominator = 2 * (gint64) out_size;
  int expected = box_start + (int) (numerator / denominator);

  if (index == expected) {
    return TRUE;
  }
  return numerator % denominator == 0 && index == expected - 1 &&
         index >= box_start;
}

static void
keras_crop_box (int  width,
                int  height,
                int  out_width,
                int  out_height,
                int *box)
{
  int crop_height = MIN (height, width * out_height / out_width);
  int crop_width = MIN (width, height * out_width / out_height);

  box[0] = (width - crop_width) / 2;
  box[1] = (height - crop_height) / 2;
  box[2] = crop_width;
  box[3] = crop_height;
}

static void
check_mapping (int          width,
               int          height,
               int          out_width,
               int          out_height,
               DnResizeMode mode)
{
  int rowstride = 3 * width + 5;
  g_autofree guint8 *pixels = coordinate_picture (width, height, rowstride);
  g_autofree guint8 *out = g_malloc0 ((gsize) out_width * out_height * 3);
  int box[4] = { 0, 0, width, height };
  int mismatches = 0;

  if (mode == DN_RESIZE_CENTER_CROP) {
    keras_crop_box (width, height, out_width, out_height, box);
  }

  dn_resize_rgb8 (out, pixels, out_width, out_height, width, height,
                  rowstride, mode);

  for (int y = 0; y < out_height; y++) {
    for (int x = 0; x < out_width; x++) {
      int sx, sy;

      source_of (out + ((gsize) y * out_width + x) * 3, &sx, &sy);
      if (!index_fits_formula (sx, x, out_width, box[0], box[2]) ||
          !index_fits_formula (sy, y, out_height, box[1], box[3])) {
        if (mismatches++ < 5) {
          g_test_message ("%dx%d -> %dx%d: output (%d, %d) read (%d, %d)",
                          width, height, out_width, out_height, x, y, sx, sy);
        }
      }
    }
  }
  g_assert_cmpint (mismatches, ==, 0);
}

static const struct {
  int width, height, out_width, out_height;
} mapping_cases[] = {
  { 224, 224, 224, 224 },   /* same size: a copy */
  { 1800, 1200, 224, 224 }, /* camera photo, down */
  { 1200, 1800, 224, 224 },
  { 500, 375, 224, 224 },   /* typical ImageNet */
  { 225, 223, 224, 224 },   /* almost the same */
  { 7, 5, 224, 224 },       /* up */
  { 2, 7, 224, 224 },
  { 1, 1, 224, 224 },
  { 4095, 3, 224, 224 },    /* as wide as the coordinate code allows */
  { 3, 3, 7, 5 },           /* odd, not square */
  { 6, 2, 9, 1 },
  { 101, 67, 13, 29 },
};

static void
test_resize_stretch (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mapping_cases); i++) {
    check_mapping (mapping_cases[i].width, mapping_cases[i].height,
                   mapping_cases[i].out_width, mapping_cases[i].out_height,
                   DN_RESIZE_STRETCH);
  }
}

static void
test_resize_center_crop (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mapping_cases); i++) {
    check_mapping (mapping_cases[i].width, mapping_cases[i].height,
                   mapping_cases[i].out_width, mapping_cases[i].out_height,
                   DN_RESIZE_CENTER_CROP);
  }
}

/* Source columns read by Pillow 9.4's Image.resize(NEAREST), measured with
 * Pillow itself, including cases where the exact pixel centre lands on a
 * boundary and Pillow's running sum reads the pixel before it. */
static const struct {
  int width;
  int out_width;
  int columns[9];
} pillow_cases[] = {
  { 2, 7, { 0, 0, 0, 0, 1, 1, 1 } },        /* exact 1.0 at 3, read 0 */
  { 4, 7, { 0, 0, 1, 1, 2, 3, 3 } },        /* exact 2.0 at 3, read 1 */
  { 6, 9, { 0, 1, 1, 2, 2, 3, 4, 5, 5 } },  /* exact 3.0 at 4, read 2 */
  { 3, 9, { 0, 0, 0, 1, 1, 1, 2, 2, 2 } },
  { 5, 3, { 0, 2, 4 } },
  { 7, 2, { 1, 5 } },
  { 10, 4, { 1, 3, 6, 8 } },
};

static void
test_resize_pillow (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (pillow_cases); i++) {
    int width = pillow_cases[i].width;
    int out_width = pillow_cases[i].out_width;
    g_autofree guint8 *pixels = coordinate_picture (width, 1, 3 * width);
    guint8 out[9 * 3];

    dn_resize_rgb8 (out, pixels, out_width, 1, width, 1, 3 * width,
                    DN_RESIZE_STRETCH);
    for (int x = 0; x < out_width; x++) {
      if (out[3 * x] != pillow_cases[i].columns[x]) {
        g_test_message ("%d -> %d, column %d", width, out_width, x);
      }
      g_assert_cmpint (out[3 * x], ==, pillow_cases[i].columns[x]);
    }
  }
}

/* A 6x4 picture cropped to a square keeps columns 1..4, so a 2x2 output
 * reads the centres of its quarters: columns 2 and 4, rows 1 and 3. */
static void
test_resize_crop_known (void)
{
  g_autofree guint8 *pixels = coordinate_picture (6, 4, 18);
  g_autofree guint8 *tall = coordinate_picture (3, 8, 9);
  guint8 out[2 * 2 * 3];
  const int wide_expected[4][2] = { { 2, 1 }, { 4, 1 }, { 2, 3 }, { 4, 3 } };
  const int tall_expected[4][2] = { { 0, 2 }, { 2, 2 }, { 0, 4 }, { 2, 4 } };

  dn_resize_rgb8 (out, pixels, 2, 2, 6, 4, 18, DN_RESIZE_CENTER_CROP);
  for (int i = 0; i < 4; i++) {
    g_assert_cmpint (out[3 * i], ==, wide_expected[i][0]);
    g_assert_cmpint (out[3 * i + 1], ==, wide_expected[i][1]);
  }

  /* 3x8 keeps rows 2..4; steps of 1.5 from 0.75 read columns 0 and 2,
   * rows 2 and 4. */
  dn_resize_rgb8 (out, tall, 2, 2, 3, 8, 9, DN_RESIZE_CENTER_CROP);
  for (int i = 0; i < 4; i++) {
    g_assert_cmpint (out[3 * i], ==, tall_expected[i][0]);
    g_assert_cmpint (out[3 * i + 1], ==, tall_expected[i][1]);
  }
}

/* Expected values computed in float32 the way Keras does it (numpy:
 * x[..., ::-1] then x[..., c] -= mean[c] on a float32 array). */
static const struct {
  guint8 rgb[3];
  float bgr[3];
} caffe_cases[] = {
  { { 255, 0, 10 }, { -93.939003f, -116.778999f, 131.320007f } },
  { { 0, 128, 255 }, { 151.061005f, 11.2210007f, -123.68f } },
  { { 1, 2, 3 }, { -100.939003f, -114.778999f, -122.68f } },
  { { 124, 117, 104 }, { 0.0609970093f, 0.221000671f, 0.319999695f } },
  { { 0, 0, 0 }, { -103.939f, -116.779f, -123.68f } },
};

static void
test_caffe_known_pixels (void)
{
  int n = G_N_ELEMENTS (caffe_cases);
  g_autofree guint8 *rgb = g_new (guint8, 3 * n);
  g_autofree float *out = g_new (float, 3 * n);

  for (int i = 0; i < n; i++) {
    memcpy (rgb + 3 * i, caffe_cases[i].rgb, 3);
  }

  /* n pixels as one row, then as one column: the layout is the same. */
  dn_preprocess_caffe (out, rgb, n, 1);
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < 3; c++) {
      g_assert_cmpfloat (out[3 * i + c], ==, caffe_cases[i].bgr[c]);
    }
  }
  memset (out, 0, sizeof (float) * 3 * n);
  dn_preprocess_caffe (out, rgb, 1, n);
  g_assert_cmpfloat (out[3 * (n - 1) + 2], ==, caffe_cases[n - 1].bgr[2]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/preprocess/caffe/known-pixels",
                   test_caffe_known_pixels);
  g_test_add_func ("/engine/preprocess/resize/stretch-mapping",
                   test_resize_stretch);
  g_test_add_func ("/engine/preprocess/resize/center-crop-mapping",
                   test_resize_center_crop);
  g_test_add_func ("/engine/preprocess/resize/pillow-vectors",
                   test_resize_pillow);
  g_test_add_func ("/engine/preprocess/resize/center-crop-known",
                   test_resize_crop_known);

  return g_test_run ();
}

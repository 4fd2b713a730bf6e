/* dn-preprocess.h: from 8-bit RGB pixels to the network's input
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  DN_RESIZE_STRETCH,      /* the whole picture, aspect ignored (Keras' load_img) */
  DN_RESIZE_CENTER_CROP,  /* the largest centred square, then scaled */
} DnResizeMode;

/* ImageNet channel means in BGR order, as Keras' "caffe" mode uses them. */
#define DN_MEAN_B 103.939f
#define DN_MEAN_G 116.779f
#define DN_MEAN_R 123.68f

/* Nearest-neighbour resize, as Keras' load_img(target_size=...) does by
 * default, so that predictions match Keras.
 *   out    (out_height, out_width, 3) RGB, densely packed
 *   pixels (height rows of rowstride bytes, 3 bytes a pixel) RGB */
void dn_resize_rgb8     (guint8       *out,
                         const guint8 *pixels,
                         int           out_width,
                         int           out_height,
                         int           width,
                         int           height,
                         int           rowstride,
                         DnResizeMode  mode);

/* Keras "caffe" preprocessing: RGB -> BGR, subtract the means, no scaling.
 *   out (height, width, 3) float BGR
 *   rgb (height, width, 3) 8-bit RGB, densely packed */
void dn_preprocess_caffe (float        *out,
                          const guint8 *rgb,
                          int           width,
                          int           height);

G_END_DECLS

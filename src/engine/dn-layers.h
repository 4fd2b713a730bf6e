/* dn-layers.h: the layer kernels of the engine
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every tensor is float32, NHWC, densely packed. Kernels take their
 * arguments in one order: outputs, inputs, weights, then dimensions.
 * Each fast kernel has a plain-loop `_reference` twin that documents what it
 * computes; the tests compare the two.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Floats of im2col scratch the fast convolution needs at least: one output
 * row of `width` pixels with `c_in` channels. The network allocates
 * DN_CONV_SCRATCH_FLOATS or this, whichever is larger; the convolution's
 * preferred tile (about 1024 output pixels) fits in DN_CONV_SCRATCH_FLOATS
 * for up to 512 input channels, and a smaller scratch means smaller tiles. */
#define DN_CONV_SCRATCH_FLOATS (1024u * 9u * 512u)

gsize dn_conv3x3_min_scratch (int width,
                              int c_in);

/* 3x3 convolution, stride 1, same padding, plus bias, then ReLU.
 *   out     (n, height, width, c_out)
 *   in      (n, height, width, c_in)
 *   kernel  (3, 3, c_in, c_out)   Keras' layout, used as-is
 *   bias    (c_out)
 *   scratch (scratch_floats), at least dn_conv3x3_min_scratch()
 * `out` and `in` must not overlap. Copying into the scratch is shared with
 * helper threads (as many as OpenBLAS uses, minus one), started on first
 * use; calls from several threads at once are safe with separate buffers. */
void dn_conv3x3_forward   (float       *out,
                           const float *in,
                           const float *kernel,
                           const float *bias,
                           int          n,
                           int          height,
                           int          width,
                           int          c_in,
                           int          c_out,
                           float       *scratch,
                           gsize        scratch_floats);

void dn_conv3x3_reference (float       *out,
                           const float *in,
                           const float *kernel,
                           const float *bias,
                           int          n,
                           int          height,
                           int          width,
                           int          c_in,
                           int          c_out);

/* The same convolution by Winograd's minimal filtering F(4x4, 3x3): each
 * 4x4 block of output pixels comes from a 6x6 block of input pixels in 36
 * multiplications per channel pair instead of 144. The kernel is turned
 * once into 36 matrices, U = G g G^T for every (c_in, c_out) pair; each
 * image block is turned into V = B^T d B, the 36 matrices multiply as
 * GEMMs over a block of tiles, and the output is A^T M A, plus bias and
 * ReLU. Results match dn_conv3x3_reference() to float rounding, a few
 * times larger than the im2col path's. */

/* Whether the Winograd path beats im2col on a layer of this shape, as
 * measured on VGG16 (see dn-layers.c); the network uses it where it does. */
gboolean dn_conv3x3_winograd_pays         (int height,
                                           int width,
                                           int c_in,
                                           int c_out);

/* Floats of a transformed kernel: 36 * c_in * c_out. */
gsize    dn_conv3x3_winograd_kernel_floats (int c_in,
                                            int c_out);

/* Floats of scratch the Winograd convolution needs at least (one tile);
 * it uses up to DN_CONV_SCRATCH_FLOATS, and less means smaller GEMMs. */
gsize    dn_conv3x3_winograd_min_scratch  (int c_in,
                                           int c_out);

/* Transforms a kernel for dn_conv3x3_winograd_forward().
 *   transformed (36, c_in, c_out)
 *   kernel      (3, 3, c_in, c_out)   Keras' layout */
void     dn_conv3x3_winograd_kernel       (float       *transformed,
                                           const float *kernel,
                                           int          c_in,
                                           int          c_out);

/* 3x3 convolution, stride 1, same padding, plus bias, then ReLU, as
 * dn_conv3x3_forward() but from a transformed kernel; the plain-loop twin
 * is dn_conv3x3_reference().
 *   out         (n, height, width, c_out)
 *   in          (n, height, width, c_in)
 *   transformed (36, c_in, c_out), from dn_conv3x3_winograd_kernel()
 *   bias        (c_out)
 *   scratch     (scratch_floats), at least dn_conv3x3_winograd_min_scratch()
 * Threads and overlap as for dn_conv3x3_forward(). */
void     dn_conv3x3_winograd_forward      (float       *out,
                                           const float *in,
                                           const float *transformed,
                                           const float *bias,
                                           int          n,
                                           int          height,
                                           int          width,
                                           int          c_in,
                                           int          c_out,
                                           float       *scratch,
                                           gsize        scratch_floats);

/* 2x2 max-pooling, stride 2, no padding (Keras "valid": odd edges dropped).
 *   out (n, height / 2, width / 2, channels)
 *   in  (n, height, width, channels) */
void dn_maxpool2x2_forward   (float       *out,
                              const float *in,
                              int          n,
                              int          height,
                              int          width,
                              int          channels);

void dn_maxpool2x2_reference (float       *out,
                              const float *in,
                              int          n,
                              int          height,
                              int          width,
                              int          channels);

/* Fully connected layer, optionally followed by ReLU.
 *   out    (n, n_out)
 *   in     (n, n_in)
 *   kernel (n_in, n_out)   Keras' layout, used as-is
 *   bias   (n_out) */
void dn_dense_forward   (float       *out,
                         const float *in,
                         const float *kernel,
                         const float *bias,
                         int          n,
                         int          n_in,
                         int          n_out,
                         gboolean     relu);

void dn_dense_reference (float       *out,
                         const float *in,
                         const float *kernel,
                         const float *bias,
                         int          n,
                         int          n_in,
                         int          n_out,
                         gboolean     relu);

/* Softmax over the last axis, numerically stable; out may equal in.
 *   out (n, classes)
 *   in  (n, classes) */
void dn_softmax_forward   (float       *out,
                           const float *in,
                           int          n,
                           int          classes);

void dn_softmax_reference (float       *out,
                           const float *in,
                           int          n,
                           int          classes);

G_END_DECLS

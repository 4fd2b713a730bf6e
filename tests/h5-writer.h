/* h5-writer.h: writes Keras-layout HDF5 weight files for tests and benchmarks
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A network is described by a table of layers and an input size. Its weights
 * are seeded random numbers: every weight tensor draws from its own stream
 * (derived from the seed, the layer's position and kernel or bias), so the
 * same values come back whether a file is written straight from the streams
 * or from a model filled in memory. Scaling is He-style, so activations keep
 * the magnitude of the input through ReLU layers, and the last dense layer
 * is scaled down so that inputs of preprocessed-pixel magnitude (tens) give
 * logits of a few units: a softmax that is neither flat nor one-hot.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  H5W_CONV,      /* 3x3 same conv + ReLU; units = output channels */
  H5W_POOL,      /* 2x2 max-pooling, no weights */
  H5W_FLATTEN,   /* no weights */
  H5W_DENSE,     /* units = outputs */
} H5wKind;

typedef struct {
  H5wKind     kind;
  const char *name;
  int         units;
} H5wLayerSpec;

typedef enum {
  H5W_NAMING_OLD,   /* "block1_conv1_W_1:0" in the layer group */
  H5W_NAMING_NEW,   /* "block1_conv1/kernel:0" (a subgroup of the layer group) */
} H5wNaming;

typedef enum {
  H5W_STORAGE_CONTIGUOUS,  /* as Keras writes it; the loader can map it */
  H5W_STORAGE_CHUNKED,     /* chunked, shuffled and deflated: must be read */
} H5wStorage;

typedef enum {
  H5W_DTYPE_F32LE,   /* as Keras writes it */
  H5W_DTYPE_F32BE,   /* converted by HDF5 on reading */
  H5W_DTYPE_F64LE,
} H5wDtype;

typedef struct {
  H5wNaming  naming;
  H5wStorage storage;
  H5wDtype   dtype;
  gboolean   input_layer;   /* list an "input_1" layer without weights first */
  gboolean   vlen_strings;  /* variable-length strings for the name lists */
  gboolean   userblock;     /* a 512-byte user block before the HDF5 data */
  gboolean   model_weights; /* below a "model_weights" group, as model.save() */
  gboolean   split_lists;   /* layer_names as layer_names0 and layer_names1, as
                             * Keras does for lists too big for one attribute */
} H5wOptions;

/* A weight tensor. `data` is NULL until filled; a file written from a
 * tensor without data gets the tensor's seeded random values. */
typedef struct {
  int      rank;      /* 0 for "no tensor" */
  int      dims[4];
  float   *data;      /* owned */
  guint64  stream;    /* seed of this tensor's random stream */
  float    scale;     /* values are uniform in [-scale, scale) */
} H5wTensor;

typedef struct {
  H5wKind   kind;
  char     *name;
  /* Shapes of one image, channels last; flatten and dense have 1x1xN. */
  int       in_height, in_width, in_channels;
  int       out_height, out_width, out_channels;
  H5wTensor kernel;   /* conv (3, 3, in, out); dense (in, out); else empty */
  H5wTensor bias;     /* conv and dense (out); else empty */
} H5wLayer;

typedef struct {
  int       input_size;       /* square input side */
  int       input_channels;   /* 3 */
  guint     n_layers;
  H5wLayer *layers;
} H5wModel;

/* The layer table of Keras' VGG16 (with the top), without input_1. */
extern const H5wLayerSpec h5w_vgg16_layers[];
extern const guint h5w_vgg16_n_layers;

/* Shapes and random streams only; no weight values are held. */
H5wModel *h5w_model_new        (const H5wLayerSpec *layers,
                                guint               n_layers,
                                int                 input_size,
                                guint32             seed);

/* The same, with every tensor filled with its random values. */
H5wModel *h5w_model_new_random (const H5wLayerSpec *layers,
                                guint               n_layers,
                                int                 input_size,
                                guint32             seed);

void      h5w_model_free       (H5wModel           *model);

gsize     h5w_model_n_parameters (const H5wModel   *model);

/* Fills `tensor->data` with its seeded random values (allocating it). */
void      h5w_tensor_fill      (H5wTensor          *tensor);

/* Gives the tensor a new shape (e.g. a wrong one, for error tests) and
 * refills it with random values. */
void      h5w_tensor_reshape   (H5wTensor          *tensor,
                                int                 rank,
                                const int          *dims);

gsize     h5w_tensor_n_values  (const H5wTensor    *tensor);

/* Writes the model as Keras does. `options` may be NULL for the defaults
 * (old naming, contiguous float32, fixed-length strings). Large tensors are
 * written in slabs, so a model without filled data costs little memory. */
gboolean  h5w_model_write      (const H5wModel     *model,
                                const char         *path,
                                const H5wOptions   *options,
                                GError            **error);

/* The full VGG16 (16 weighted layers, 138,357,544 parameters, 553 MB) with
 * seeded random weights, laid out like Keras'
 * vgg16_weights_tf_dim_ordering_tf_kernels.h5 (with input_1, old naming). */
gboolean  h5w_write_vgg16_random (const char       *path,
                                  guint32           seed,
                                  GError          **error);

/* Surgery on a written file, for error tests. `object` is a path inside the
 * file ("/" for the root group). */
gboolean  h5w_delete_attribute (const char         *path,
                                const char         *object,
                                const char         *attribute,
                                GError            **error);

gboolean  h5w_delete_link      (const char         *path,
                                const char         *link,
                                GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (H5wModel, h5w_model_free)

G_END_DECLS

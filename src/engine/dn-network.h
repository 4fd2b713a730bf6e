/* dn-network.h: a sequential network read from a Keras HDF5 weight file
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  DN_LAYER_CONV3X3,    /* 3x3 same conv + bias + ReLU */
  DN_LAYER_MAXPOOL2X2,
  DN_LAYER_FLATTEN,    /* channels-last order: a no-op on NHWC data */
  DN_LAYER_DENSE,      /* + ReLU, or + softmax for the last one */
} DnLayerKind;

typedef struct {
  DnLayerKind  kind;
  char        *name;        /* the Keras layer name, e.g. "block1_conv1" */

  /* Shapes of one image, channels last. For flatten and dense layers
   * height and width are 1 and channels is the vector length. */
  int          in_height, in_width, in_channels;
  int          out_height, out_width, out_channels;

  /* conv3x3: kernel (3, 3, in_channels, out_channels)
   * dense:   kernel (in_channels, out_channels)
   * bias:    (out_channels). Borrowed from the network's weight storage. */
  const float *kernel;
  const float *bias;
  gboolean     softmax;     /* dense only: softmax instead of ReLU */
} DnLayer;

typedef struct _DnNetwork DnNetwork;

/* Reads the layer list and weights from a Keras HDF5 file (root attribute
 * `layer_names`, each layer group's `weight_names`). Layers without weights
 * are skipped unless their name says pooling or flatten. The input size is
 * worked out from the first dense layer (a square image); a network without
 * dense layers takes 224x224. Every shape is checked; errors name the file
 * and the dataset: DN_ERROR_IO (missing, unreadable, a directory),
 * DN_ERROR_FORMAT (not HDF5, truncated, a missing attribute or dataset),
 * DN_ERROR_SHAPE, DN_ERROR_VALUE (NaN or infinity). Any thread may load;
 * HDF5 calls are serialised inside. */
DnNetwork     *dn_network_load             (const char    *path,
                                            GError       **error);

typedef enum {
  DN_NETWORK_LOAD_DEFAULT = 0,
  DN_NETWORK_LOAD_NO_MAP  = 1 << 0,  /* read every dataset, map none */
} DnNetworkLoadFlags;

/* The same, with flags. By default a dataset stored contiguously as
 * little-endian float32 at an aligned offset is used in place from a
 * read-only mapping of the file; every other dataset is read into one block
 * allocated for all of them. Either way there is one copy of the weights.
 * A mapped file must not be rewritten in place while the network lives;
 * replace it by renaming a new file over it. */
DnNetwork     *dn_network_load_with_flags  (const char    *path,
                                            DnNetworkLoadFlags flags,
                                            GError       **error);
void           dn_network_free             (DnNetwork     *network);

guint          dn_network_get_n_layers     (const DnNetwork *network);
const DnLayer *dn_network_get_layer        (const DnNetwork *network,
                                            guint            index);
int            dn_network_get_input_height (const DnNetwork *network);
int            dn_network_get_input_width  (const DnNetwork *network);
int            dn_network_get_input_channels (const DnNetwork *network);
int            dn_network_get_n_classes    (const DnNetwork *network);
gsize          dn_network_get_n_parameters (const DnNetwork *network);

/* Bytes of weights used in place from the mapped file, and bytes read into
 * memory; together 4 bytes per parameter. */
gsize          dn_network_get_mapped_bytes (const DnNetwork *network);
gsize          dn_network_get_read_bytes   (const DnNetwork *network);

/* Runs the network on a batch.
 *   probabilities (n, n_classes)
 *   input         (n, input_height, input_width, 3), preprocessed
 * Checks `cancellable` between layers. Not thread-safe: one caller at a
 * time (the network owns its scratch buffers). */
gboolean       dn_network_forward          (DnNetwork     *network,
                                            float         *probabilities,
                                            const float   *input,
                                            int            n,
                                            GCancellable  *cancellable,
                                            GError       **error);

/* The same with the plain-loop kernels, for tests. */
gboolean       dn_network_forward_reference (DnNetwork    *network,
                                             float        *probabilities,
                                             const float  *input,
                                             int           n,
                                             GCancellable *cancellable,
                                             GError      **error);

/* Per-layer timing hook for the benchmark: when set, called after each
 * layer with its index and the seconds it took. */
typedef void (*DnLayerTimer) (guint     index,
                              double    seconds,
                              gpointer  user_data);

void           dn_network_set_layer_timer  (DnNetwork     *network,
                                            DnLayerTimer   timer,
                                            gpointer       user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DnNetwork, dn_network_free)

G_END_DECLS

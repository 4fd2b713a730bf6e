/* discern-model-files.h: where the VGG16 weights and class index are
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DISCERN_WEIGHTS_FILE_NAME "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
#define DISCERN_LABELS_FILE_NAME  "imagenet_class_index.json"

#define DISCERN_WEIGHTS_URL \
  "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/" \
  DISCERN_WEIGHTS_FILE_NAME
#define DISCERN_LABELS_URL \
  "https://storage.googleapis.com/download.tensorflow.org/data/" \
  DISCERN_LABELS_FILE_NAME

/* Finds each file: the explicit path if given (it must exist), else in
 * $DISCERN_MODEL_DIR, else in the user data folder
 * (~/.local/share/discern/models/), else in Keras' cache (~/.keras/models/).
 * On failure the DISCERN_SOURCE_ERROR_MODEL_MISSING message says which files
 * are needed, where they were looked for and where to download them. */
gboolean discern_model_files_find (const char  *weights_path,
                                   const char  *labels_path,
                                   char       **weights_out,
                                   char       **labels_out,
                                   GError     **error);

/* The folders searched, in order, for messages and the README. */
GPtrArray *discern_model_files_search_dirs (void);

G_END_DECLS

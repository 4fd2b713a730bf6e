/* dn-labels.h: ImageNet class names and top-k decoding
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DnLabels DnLabels;

/* Reads Keras' imagenet_class_index.json: an object mapping "0".."N-1" to
 * [WordNet id, class name]. Every index from 0 to N-1 must be present
 * exactly once. Names are not unique ("crane", "maillot"): key by index. */
DnLabels   *dn_labels_load      (const char     *path,
                                 GError        **error);
DnLabels   *dn_labels_new_from_data (const char *data,
                                     gssize      length,
                                     GError    **error);
void        dn_labels_free      (DnLabels       *labels);
guint       dn_labels_get_count (const DnLabels *labels);
const char *dn_labels_get_wnid  (const DnLabels *labels,
                                 guint           index);
const char *dn_labels_get_name  (const DnLabels *labels,
                                 guint           index);

typedef struct {
  int   index;
  float probability;
} DnPrediction;

/* The k most probable classes, highest first, ties broken by lower index
 * (as Keras' decode_predictions). Returns how many were written:
 * MIN (k, classes). */
int         dn_top_k            (DnPrediction   *out,
                                 const float    *probabilities,
                                 int             classes,
                                 int             k);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DnLabels, dn_labels_free)

G_END_DECLS

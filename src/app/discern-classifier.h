/* discern-classifier.h: the inference worker that owns the network
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "discern-model-files.h"
#include "discern-result.h"

G_BEGIN_DECLS

typedef enum {
  DISCERN_MODEL_STATE_NONE,
  DISCERN_MODEL_STATE_LOADING,
  DISCERN_MODEL_STATE_READY,
  DISCERN_MODEL_STATE_MISSING,
  DISCERN_MODEL_STATE_BROKEN,
} DiscernModelState;

#define DISCERN_TYPE_MODEL_STATE (discern_model_state_get_type ())

GType discern_model_state_get_type (void) G_GNUC_CONST;

#define DISCERN_TYPE_CLASSIFIER (discern_classifier_get_type ())

G_DECLARE_FINAL_TYPE (DiscernClassifier, discern_classifier,
                      DISCERN, CLASSIFIER, GObject)

DiscernClassifier *discern_classifier_new              (void);
void               discern_classifier_stop             (DiscernClassifier  *self);
DiscernModelState  discern_classifier_get_state        (DiscernClassifier  *self);
const GError      *discern_classifier_get_error        (DiscernClassifier  *self);
const DiscernModelFiles *
                   discern_classifier_get_files        (DiscernClassifier  *self);
const char        *discern_classifier_get_weights_path (DiscernClassifier  *self);
const char        *discern_classifier_get_labels_path  (DiscernClassifier  *self);
gboolean           discern_classifier_get_verified     (DiscernClassifier  *self);
int                discern_classifier_get_input_width  (DiscernClassifier  *self);
int                discern_classifier_get_input_height (DiscernClassifier  *self);
guint              discern_classifier_get_n_classes    (DiscernClassifier  *self);
void               discern_classifier_load_async       (DiscernClassifier  *self,
                                                        const char         *folder,
                                                        const char         *weights,
                                                        const char         *labels,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
gboolean           discern_classifier_load_finish      (DiscernClassifier  *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);
void               discern_classifier_classify_async   (DiscernClassifier  *self,
                                                        GBytes             *input,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
DiscernResult     *discern_classifier_classify_finish  (DiscernClassifier  *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);

G_END_DECLS

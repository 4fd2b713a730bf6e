/* discern-result.h: the class probabilities of one classified picture
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define DISCERN_RESULT_MAX_TOP 10

#define DISCERN_TYPE_RESULT (discern_result_get_type ())

typedef struct _DiscernResult DiscernResult;

GType          discern_result_get_type          (void) G_GNUC_CONST;
DiscernResult *discern_result_new               (const float   *probabilities,
                                                 guint          n_classes,
                                                 GPtrArray     *names,
                                                 GPtrArray     *wnids);
DiscernResult *discern_result_ref               (DiscernResult *self);
void           discern_result_unref             (DiscernResult *self);
guint          discern_result_get_n_classes     (DiscernResult *self);
float          discern_result_get_probability   (DiscernResult *self,
                                                 guint          class_index);
const char    *discern_result_get_name          (DiscernResult *self,
                                                 guint          class_index);
const char    *discern_result_get_wnid          (DiscernResult *self,
                                                 guint          class_index);
guint          discern_result_get_n_top         (DiscernResult *self);
guint          discern_result_get_top_class     (DiscernResult *self,
                                                 guint          rank);

char          *discern_result_display_name      (const char    *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DiscernResult, discern_result_unref)

G_END_DECLS

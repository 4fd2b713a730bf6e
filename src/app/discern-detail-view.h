/* discern-detail-view.h: one picture, what the network sees, its ranking
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "discern-item.h"

G_BEGIN_DECLS

#define DISCERN_TYPE_DETAIL_VIEW (discern_detail_view_get_type ())

G_DECLARE_FINAL_TYPE (DiscernDetailView, discern_detail_view,
                      DISCERN, DETAIL_VIEW, GtkWidget)

GtkWidget   *discern_detail_view_new               (void);
DiscernItem *discern_detail_view_get_item          (DiscernDetailView *self);
void         discern_detail_view_set_item          (DiscernDetailView *self,
                                                    DiscernItem       *item);
guint        discern_detail_view_get_n_predictions (DiscernDetailView *self);
void         discern_detail_view_set_n_predictions (DiscernDetailView *self,
                                                    guint              n_predictions);

G_END_DECLS

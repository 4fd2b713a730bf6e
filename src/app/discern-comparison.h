/* discern-comparison.h: the top predictions of several pictures side by side
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DISCERN_TYPE_COMPARISON (discern_comparison_get_type ())

G_DECLARE_FINAL_TYPE (DiscernComparison, discern_comparison,
                      DISCERN, COMPARISON, GtkWidget)

GtkWidget *discern_comparison_new               (void);
void       discern_comparison_set_items         (DiscernComparison *self,
                                                 GPtrArray         *items);
guint      discern_comparison_get_n_rows        (DiscernComparison *self);
guint      discern_comparison_get_n_predictions (DiscernComparison *self);
void       discern_comparison_set_n_predictions (DiscernComparison *self,
                                                 guint              n_predictions);

G_END_DECLS

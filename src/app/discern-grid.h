/* discern-grid.h: every item as a card with its top-3 bars
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DISCERN_TYPE_GRID (discern_grid_get_type ())

G_DECLARE_FINAL_TYPE (DiscernGrid, discern_grid, DISCERN, GRID, GtkWidget)

GtkWidget  *discern_grid_new       (void);
GListModel *discern_grid_get_model (DiscernGrid *self);
void        discern_grid_set_model (DiscernGrid *self,
                                    GListModel  *model);

G_END_DECLS

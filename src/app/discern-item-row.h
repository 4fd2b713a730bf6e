/* discern-item-row.h: an item in the sidebar: thumbnail, best guess, state
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "discern-item.h"

G_BEGIN_DECLS

#define DISCERN_TYPE_ITEM_ROW (discern_item_row_get_type ())

G_DECLARE_FINAL_TYPE (DiscernItemRow, discern_item_row, DISCERN, ITEM_ROW, GtkWidget)

GtkWidget   *discern_item_row_new      (void);
DiscernItem *discern_item_row_get_item (DiscernItemRow *self);
void         discern_item_row_set_item (DiscernItemRow *self,
                                        DiscernItem    *item);

G_END_DECLS

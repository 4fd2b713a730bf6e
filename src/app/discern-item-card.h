/* discern-item-card.h: an item in the grid: picture, name, top-3 bars
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "discern-item.h"

G_BEGIN_DECLS

#define DISCERN_TYPE_ITEM_CARD (discern_item_card_get_type ())

G_DECLARE_FINAL_TYPE (DiscernItemCard, discern_item_card, DISCERN, ITEM_CARD, GtkWidget)

GtkWidget   *discern_item_card_new      (DiscernItem     *item);
DiscernItem *discern_item_card_get_item (DiscernItemCard *self);

G_END_DECLS

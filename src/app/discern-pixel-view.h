/* discern-pixel-view.h: a picture enlarged without smoothing
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DISCERN_TYPE_PIXEL_VIEW (discern_pixel_view_get_type ())

G_DECLARE_FINAL_TYPE (DiscernPixelView, discern_pixel_view, DISCERN, PIXEL_VIEW, GtkWidget)

GtkWidget  *discern_pixel_view_new         (void);
GdkTexture *discern_pixel_view_get_texture (DiscernPixelView *self);
void        discern_pixel_view_set_texture (DiscernPixelView *self,
                                            GdkTexture       *texture);

G_END_DECLS

/* discern-window.h: the main window
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "discern-application.h"
#include "discern-item.h"

G_BEGIN_DECLS

#define DISCERN_TYPE_WINDOW (discern_window_get_type ())

G_DECLARE_FINAL_TYPE (DiscernWindow, discern_window, DISCERN, WINDOW, AdwApplicationWindow)

DiscernWindow *discern_window_new        (DiscernApplication *application);
GListModel    *discern_window_get_items  (DiscernWindow      *self);
void           discern_window_add_item   (DiscernWindow      *self,
                                          DiscernItem        *item);
void           discern_window_open_files (DiscernWindow      *self,
                                          GFile             **files,
                                          int                 n_files);
gboolean       discern_window_open_text  (DiscernWindow      *self,
                                          const char         *text);
void           discern_window_remove     (DiscernWindow      *self,
                                          DiscernItem        *item);
void           discern_window_add_toast  (DiscernWindow      *self,
                                          const char         *message);

G_END_DECLS

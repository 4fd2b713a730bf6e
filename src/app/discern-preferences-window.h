/* discern-preferences-window.h: predictions, resize mode and model folder
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "discern-application.h"

G_BEGIN_DECLS

#define DISCERN_TYPE_PREFERENCES_WINDOW (discern_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (DiscernPreferencesWindow, discern_preferences_window,
                      DISCERN, PREFERENCES_WINDOW, AdwPreferencesWindow)

DiscernPreferencesWindow *discern_preferences_window_new (DiscernApplication *application);

G_END_DECLS

/* discern-model-page.h: getting the network: download, progress, errors
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "discern-application.h"

G_BEGIN_DECLS

#define DISCERN_TYPE_MODEL_PAGE (discern_model_page_get_type ())

G_DECLARE_FINAL_TYPE (DiscernModelPage, discern_model_page,
                      DISCERN, MODEL_PAGE, GtkWidget)

void        discern_model_page_set_application (DiscernModelPage   *self,
                                                DiscernApplication *application);
void        discern_model_page_set_n_waiting   (DiscernModelPage   *self,
                                                guint               n_waiting);
const char *discern_model_page_get_mode        (DiscernModelPage   *self);

G_END_DECLS

/* discern-application.h: the application, its settings and shared workers
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <libsoup/soup.h>

#include "discern-classifier.h"
#include "discern-model-downloader.h"
#include "dn-preprocess.h"

G_BEGIN_DECLS

#define DISCERN_TYPE_APPLICATION (discern_application_get_type ())

G_DECLARE_FINAL_TYPE (DiscernApplication, discern_application,
                      DISCERN, APPLICATION, AdwApplication)

DiscernApplication *discern_application_new             (GApplicationFlags   flags);
GSettings          *discern_application_get_settings    (DiscernApplication *self);
DiscernClassifier  *discern_application_get_classifier  (DiscernApplication *self);
SoupSession        *discern_application_get_session     (DiscernApplication *self);
DnResizeMode        discern_application_get_resize_mode (DiscernApplication *self);
void                discern_application_reload_model    (DiscernApplication *self);

DiscernModelDownloader *
         discern_application_get_downloader     (DiscernApplication *self);
gboolean discern_application_ask_before_closing (DiscernApplication *self,
                                                 GtkWindow          *window);

G_END_DECLS

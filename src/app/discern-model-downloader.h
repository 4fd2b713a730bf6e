/* discern-model-downloader.h: the model download, its progress and speed
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "discern-model-files.h"

G_BEGIN_DECLS

typedef enum {
  DISCERN_DOWNLOADER_IDLE,
  DISCERN_DOWNLOADER_RUNNING,
  DISCERN_DOWNLOADER_FAILED,
} DiscernDownloaderState;

#define DISCERN_TYPE_DOWNLOADER_STATE (discern_downloader_state_get_type ())

GType discern_downloader_state_get_type (void) G_GNUC_CONST;

#define DISCERN_TYPE_MODEL_DOWNLOADER (discern_model_downloader_get_type ())

G_DECLARE_FINAL_TYPE (DiscernModelDownloader, discern_model_downloader,
                      DISCERN, MODEL_DOWNLOADER, GObject)

DiscernModelDownloader *
discern_model_downloader_new (SoupSession *session);

void     discern_model_downloader_start    (DiscernModelDownloader *self,
                                            DiscernModelNeeds       needs,
                                            const char             *mirror);
void     discern_model_downloader_cancel   (DiscernModelDownloader *self);
void     discern_model_downloader_shutdown (DiscernModelDownloader *self);

DiscernDownloaderState
         discern_model_downloader_get_state        (DiscernModelDownloader *self);
DiscernModelNeeds
         discern_model_downloader_get_needs        (DiscernModelDownloader *self);
goffset  discern_model_downloader_get_received     (DiscernModelDownloader *self);
goffset  discern_model_downloader_get_total        (DiscernModelDownloader *self);
double   discern_model_downloader_get_speed        (DiscernModelDownloader *self);
double   discern_model_downloader_get_seconds_left (DiscernModelDownloader *self);
const GError *
         discern_model_downloader_get_error        (DiscernModelDownloader *self);

G_END_DECLS

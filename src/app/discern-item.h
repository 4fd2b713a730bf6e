/* discern-item.h: one picture, from its source to its predictions
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "discern-classifier.h"
#include "discern-result.h"
#include "dn-preprocess.h"

G_BEGIN_DECLS

typedef enum {
  DISCERN_ITEM_STATE_DOWNLOADING,
  DISCERN_ITEM_STATE_OPENING,
  DISCERN_ITEM_STATE_WAITING,
  DISCERN_ITEM_STATE_QUEUED,
  DISCERN_ITEM_STATE_CLASSIFYING,
  DISCERN_ITEM_STATE_DONE,
  DISCERN_ITEM_STATE_FAILED,
} DiscernItemState;

#define DISCERN_TYPE_ITEM_STATE (discern_item_state_get_type ())

GType discern_item_state_get_type (void) G_GNUC_CONST;

#define DISCERN_TYPE_ITEM (discern_item_get_type ())

G_DECLARE_FINAL_TYPE (DiscernItem, discern_item, DISCERN, ITEM, GObject)

DiscernItem      *discern_item_new_for_file         (GFile             *file);
DiscernItem      *discern_item_new_for_url          (const char        *url);
DiscernItem      *discern_item_new_for_texture      (GdkTexture        *texture,
                                                     const char        *title);
void              discern_item_start                (DiscernItem       *self,
                                                     DiscernClassifier *classifier,
                                                     SoupSession       *session,
                                                     DnResizeMode       mode);
void              discern_item_cancel               (DiscernItem       *self);
const char       *discern_item_get_title            (DiscernItem       *self);
const char       *discern_item_get_location         (DiscernItem       *self);
DiscernItemState  discern_item_get_state            (DiscernItem       *self);
gboolean          discern_item_is_busy              (DiscernItem       *self);
double            discern_item_get_progress         (DiscernItem       *self);
GdkTexture       *discern_item_get_thumbnail        (DiscernItem       *self);
GdkTexture       *discern_item_get_picture          (DiscernItem       *self);
void              discern_item_get_picture_size     (DiscernItem       *self,
                                                     int               *width,
                                                     int               *height);
GdkTexture       *discern_item_get_input            (DiscernItem       *self);
DiscernResult    *discern_item_get_result           (DiscernItem       *self);
const char       *discern_item_get_error_message    (DiscernItem       *self);
const char       *discern_item_get_error_details    (DiscernItem       *self);
char             *discern_item_dup_status_text      (DiscernItem       *self);

G_END_DECLS

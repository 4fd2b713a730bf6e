/* discern-prediction-row.h: a class name, its confidence bar and percentage
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DISCERN_TYPE_PREDICTION_ROW (discern_prediction_row_get_type ())

G_DECLARE_FINAL_TYPE (DiscernPredictionRow, discern_prediction_row,
                      DISCERN, PREDICTION_ROW, GtkWidget)

GtkWidget  *discern_prediction_row_new             (void);
void        discern_prediction_row_set_prediction  (DiscernPredictionRow *self,
                                                    const char           *name,
                                                    const char           *wnid,
                                                    double                probability);
const char *discern_prediction_row_get_name        (DiscernPredictionRow *self);
const char *discern_prediction_row_get_wnid        (DiscernPredictionRow *self);
double      discern_prediction_row_get_probability (DiscernPredictionRow *self);
void        discern_prediction_row_set_show_name   (DiscernPredictionRow *self,
                                                    gboolean              show_name);

char       *discern_format_percent                 (double                probability);

G_END_DECLS

/* discern-prediction-row.c: a class name, its confidence bar and percentage
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "discern-prediction-row.h"

#include "discern-result.h"

struct _DiscernPredictionRow
{
  GtkWidget    parent_instance;

  /* template widgets */
  GtkLabel    *name_label;
  GtkLevelBar *level_bar;
  GtkLabel    *percent_label;

  /* state */
  char        *name;
  char        *wnid;
  double       probability;
};

G_DEFINE_FINAL_TYPE (DiscernPredictionRow, discern_prediction_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_NAME,
  PROP_WNID,
  PROP_PROBABILITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

char *
discern_format_percent (double probability)
{
  double percent = probability * 100;

  /* Translators: a probability as a percentage, e.g. “63.2 %” */
  return g_strdup_printf (percent < 9.95 ? _("%.1f %%") : _("%.0f %%"), percent);
}

static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0) {
    return FALSE;
  }

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
update_widgets (DiscernPredictionRow *self)
{
  g_autofree char *display = discern_result_display_name (self->name);
  g_autofree char *percent = discern_format_percent (self->probability);
  g_autofree char *description = NULL;

  gtk_label_set_label (self->name_label, display);
  gtk_label_set_label (self->percent_label, percent);
  gtk_level_bar_set_value (self->level_bar, CLAMP (self->probability, 0.0, 1.0));

  /* Translators: the tooltip of a prediction: the class's WordNet id */
  description = g_strdup_printf (_("WordNet id: %s"), self->wnid != NULL ? self->wnid : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), self->wnid != NULL ? description : NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->level_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, display,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, percent,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, display,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, percent,
                                  -1);
}

static void
discern_prediction_row_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), DISCERN_TYPE_PREDICTION_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL) {
    gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (discern_prediction_row_parent_class)->dispose (object);
}

static void
discern_prediction_row_finalize (GObject *object)
{
  DiscernPredictionRow *self = DISCERN_PREDICTION_ROW (object);

  g_free (self->name);
  g_free (self->wnid);

  G_OBJECT_CLASS (discern_prediction_row_parent_class)->finalize (object);
}

static void
discern_prediction_row_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  DiscernPredictionRow *self = DISCERN_PREDICTION_ROW (object);

  switch (prop_id) {
  case PROP_NAME:
    g_value_set_string (value, self->name);
    break;

  case PROP_WNID:
    g_value_set_string (value, self->wnid);
    break;

  case PROP_PROBABILITY:
    g_value_set_double (value, self->probability);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_prediction_row_class_init (DiscernPredictionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = discern_prediction_row_dispose;
  object_class->finalize = discern_prediction_row_finalize;
  object_class->get_property = discern_prediction_row_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_WNID] = g_param_spec_string ("wnid", NULL, NULL, NULL, flags);
  properties[PROP_PROBABILITY] =
    g_param_spec_double ("probability", NULL, NULL, 0.0, 1.0, 0.0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-prediction-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernPredictionRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernPredictionRow, level_bar);
  gtk_widget_class_bind_template_child (widget_class, DiscernPredictionRow, percent_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "predictionrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
discern_prediction_row_init (DiscernPredictionRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* One colour for every bar: the level bar's default offsets would paint
   * low confidences as warnings. */
  gtk_level_bar_remove_offset_value (self->level_bar, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->level_bar, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->level_bar, GTK_LEVEL_BAR_OFFSET_FULL);
}

GtkWidget *
discern_prediction_row_new (void)
{
  return g_object_new (DISCERN_TYPE_PREDICTION_ROW, NULL);
}

void
discern_prediction_row_set_prediction (DiscernPredictionRow *self,
                                       const char           *name,
                                       const char           *wnid,
                                       double                probability)
{
  g_return_if_fail (DISCERN_IS_PREDICTION_ROW (self));

  if (replace_string (&self->name, name)) {
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  }
  if (replace_string (&self->wnid, wnid)) {
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WNID]);
  }
  if (self->probability != probability) {
    self->probability = probability;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBABILITY]);
  }

  update_widgets (self);
}

const char *
discern_prediction_row_get_name (DiscernPredictionRow *self)
{
  g_return_val_if_fail (DISCERN_IS_PREDICTION_ROW (self), NULL);

  return self->name;
}

const char *
discern_prediction_row_get_wnid (DiscernPredictionRow *self)
{
  g_return_val_if_fail (DISCERN_IS_PREDICTION_ROW (self), NULL);

  return self->wnid;
}

double
discern_prediction_row_get_probability (DiscernPredictionRow *self)
{
  g_return_val_if_fail (DISCERN_IS_PREDICTION_ROW (self), 0.0);

  return self->probability;
}

/* The comparison shows the class once per row, not in every cell. */
void
discern_prediction_row_set_show_name (DiscernPredictionRow *self,
                                      gboolean              show_name)
{
  g_return_if_fail (DISCERN_IS_PREDICTION_ROW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->name_label), show_name);
  gtk_widget_set_hexpand (GTK_WIDGET (self->level_bar), !show_name);
}

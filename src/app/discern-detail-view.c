/* discern-detail-view.c: one picture, what the network sees, its ranking
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "discern-detail-view.h"

#include "discern-pixel-view.h"
#include "discern-prediction-row.h"

#define SPINNER_DELAY_MS 150

struct _DiscernDetailView
{
  GtkWidget         parent_instance;

  /* template widgets */
  GtkStack         *stack;
  AdwStatusPage    *failed_page;
  AdwStatusPage    *download_page;
  GtkLabel         *failed_details_label;
  GtkWidget        *pictures_box;
  GtkPicture       *picture;
  GtkLabel         *picture_caption;
  DiscernPixelView *input_view;
  GtkLabel         *input_caption;
  GtkProgressBar   *download_bar;
  GtkWidget        *busy_box;
  GtkSpinner       *spinner;
  GtkLabel         *busy_label;
  GtkWidget        *error_box;
  GtkLabel         *error_label;
  GtkLabel         *details_label;
  GtkWidget        *predictions_heading;
  GtkListBox       *predictions_list;

  /* owned */
  DiscernItem      *item;

  /* state */
  guint             n_predictions;
  guint             spinner_source;
};

G_DEFINE_FINAL_TYPE (DiscernDetailView, discern_detail_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  PROP_N_PREDICTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
show_spinner_cb (gpointer user_data)
{
  DiscernDetailView *self = user_data;

  self->spinner_source = 0;
  gtk_widget_set_visible (self->busy_box, TRUE);
  gtk_spinner_start (self->spinner);

  return G_SOURCE_REMOVE;
}

static void
update_busy (DiscernDetailView *self,
             gboolean           busy)
{
  if (!busy) {
    g_clear_handle_id (&self->spinner_source, g_source_remove);
    gtk_spinner_stop (self->spinner);
    gtk_widget_set_visible (self->busy_box, FALSE);
    return;
  }

  if (self->spinner_source == 0 && !gtk_widget_get_visible (self->busy_box)) {
    self->spinner_source = g_timeout_add (SPINNER_DELAY_MS, show_spinner_cb, self);
  }
}

static void
update_predictions (DiscernDetailView *self)
{
  DiscernResult *result = self->item != NULL ? discern_item_get_result (self->item) : NULL;
  guint n = 0;
  GtkWidget *child;

  if (result != NULL) {
    n = MIN (self->n_predictions, discern_result_get_n_top (result));
  }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->predictions_list))) != NULL) {
    gtk_list_box_remove (self->predictions_list, child);
  }

  for (guint rank = 0; rank < n; rank++) {
    guint index = discern_result_get_top_class (result, rank);
    GtkWidget *row = discern_prediction_row_new ();

    discern_prediction_row_set_prediction (DISCERN_PREDICTION_ROW (row),
                                           discern_result_get_name (result, index),
                                           discern_result_get_wnid (result, index),
                                           discern_result_get_probability (result, index));
    if (rank == 0) {
      gtk_widget_add_css_class (row, "top");
    }
    gtk_list_box_append (self->predictions_list, row);
  }

  gtk_widget_set_visible (self->predictions_heading, n > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->predictions_list), n > 0);
}

static void
update_pictures (DiscernDetailView *self)
{
  GdkTexture *picture = discern_item_get_picture (self->item);
  GdkTexture *input = discern_item_get_input (self->item);
  g_autofree char *picture_text = NULL;
  g_autofree char *input_text = NULL;
  int width, height;

  discern_item_get_picture_size (self->item, &width, &height);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (picture));
  discern_pixel_view_set_texture (self->input_view, input);

  /* Translators: the caption of the original picture, with its size */
  picture_text = g_strdup_printf (_("Original, %d × %d"), width, height);
  gtk_label_set_label (self->picture_caption, picture != NULL ? picture_text : "");

  if (input != NULL) {
    /* Translators: the caption of the picture as the network gets it */
    input_text = g_strdup_printf (_("What the network sees, %d × %d"),
                                  gdk_texture_get_width (input),
                                  gdk_texture_get_height (input));
  }
  gtk_label_set_label (self->input_caption, input_text != NULL ? input_text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->input_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  input_text != NULL ? input_text : "",
                                  -1);
  gtk_widget_set_visible (self->pictures_box, picture != NULL);
}

static void
update_state (DiscernDetailView *self)
{
  DiscernItemState state = discern_item_get_state (self->item);
  double progress = discern_item_get_progress (self->item);
  g_autofree char *status = discern_item_dup_status_text (self->item);

  adw_status_page_set_description (self->download_page,
                                   discern_item_get_location (self->item));
  if (progress >= 0) {
    gtk_progress_bar_set_fraction (self->download_bar, progress);
  } else {
    gtk_progress_bar_pulse (self->download_bar);
  }
  gtk_progress_bar_set_text (self->download_bar, status);

  gtk_label_set_label (self->busy_label, status);
  update_busy (self, discern_item_is_busy (self->item)
                     && state != DISCERN_ITEM_STATE_DOWNLOADING);

  gtk_widget_set_visible (self->error_box, state == DISCERN_ITEM_STATE_FAILED);
  gtk_label_set_label (self->error_label, discern_item_get_error_message (self->item));
  gtk_label_set_label (self->details_label, discern_item_get_error_details (self->item));

  /* Nothing else to show than why. */
  adw_status_page_set_description (self->failed_page,
                                   discern_item_get_error_message (self->item));
  gtk_label_set_label (self->failed_details_label,
                       discern_item_get_error_details (self->item));
  if (state == DISCERN_ITEM_STATE_DOWNLOADING) {
    gtk_stack_set_visible_child_name (self->stack, "downloading");
  } else if (state == DISCERN_ITEM_STATE_FAILED
             && discern_item_get_picture (self->item) == NULL) {
    gtk_stack_set_visible_child_name (self->stack, "failed");
  } else {
    gtk_stack_set_visible_child_name (self->stack, "content");
  }
}

static void
item_notify_cb (DiscernDetailView *self,
                GParamSpec        *pspec,
                DiscernItem       *item)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "picture") || g_str_equal (name, "input")) {
    update_pictures (self);
  } else if (g_str_equal (name, "result")) {
    update_predictions (self);
  } else {
    update_state (self);
  }
}

static void
discern_detail_view_dispose (GObject *object)
{
  DiscernDetailView *self = DISCERN_DETAIL_VIEW (object);
  GtkWidget *child;

  g_clear_handle_id (&self->spinner_source, g_source_remove);
  discern_detail_view_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), DISCERN_TYPE_DETAIL_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL) {
    gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (discern_detail_view_parent_class)->dispose (object);
}

static void
discern_detail_view_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  DiscernDetailView *self = DISCERN_DETAIL_VIEW (object);

  switch (prop_id) {
  case PROP_ITEM:
    g_value_set_object (value, self->item);
    break;

  case PROP_N_PREDICTIONS:
    g_value_set_uint (value, self->n_predictions);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_detail_view_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  DiscernDetailView *self = DISCERN_DETAIL_VIEW (object);

  switch (prop_id) {
  case PROP_ITEM:
    discern_detail_view_set_item (self, g_value_get_object (value));
    break;

  case PROP_N_PREDICTIONS:
    discern_detail_view_set_n_predictions (self, g_value_get_uint (value));
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_detail_view_class_init (DiscernDetailViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = discern_detail_view_dispose;
  object_class->get_property = discern_detail_view_get_property;
  object_class->set_property = discern_detail_view_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         DISCERN_TYPE_ITEM,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_PREDICTIONS] =
    g_param_spec_uint ("n-predictions", NULL, NULL,
                       1, DISCERN_RESULT_MAX_TOP, 5,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DISCERN_TYPE_PIXEL_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-detail-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, stack);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, failed_page);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, download_page);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView,
                                        failed_details_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, pictures_box);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, picture);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, picture_caption);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, input_view);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, input_caption);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, download_bar);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, busy_box);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, spinner);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, busy_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, error_box);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, error_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, details_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView,
                                        predictions_heading);
  gtk_widget_class_bind_template_child (widget_class, DiscernDetailView, predictions_list);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
discern_detail_view_init (DiscernDetailView *self)
{
  self->n_predictions = 5;
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
discern_detail_view_new (void)
{
  return g_object_new (DISCERN_TYPE_DETAIL_VIEW, NULL);
}

DiscernItem *
discern_detail_view_get_item (DiscernDetailView *self)
{
  g_return_val_if_fail (DISCERN_IS_DETAIL_VIEW (self), NULL);

  return self->item;
}

void
discern_detail_view_set_item (DiscernDetailView *self,
                              DiscernItem       *item)
{
  g_return_if_fail (DISCERN_IS_DETAIL_VIEW (self));
  g_return_if_fail (item == NULL || DISCERN_IS_ITEM (item));

  if (self->item == item) {
    return;
  }

  if (self->item != NULL) {
    g_signal_handlers_disconnect_by_func (self->item, item_notify_cb, self);
  }
  g_set_object (&self->item, item);
  update_busy (self, FALSE);

  if (item != NULL) {
    g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), self,
                             G_CONNECT_SWAPPED);
    update_pictures (self);
    update_state (self);
  }
  update_predictions (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

guint
discern_detail_view_get_n_predictions (DiscernDetailView *self)
{
  g_return_val_if_fail (DISCERN_IS_DETAIL_VIEW (self), 0);

  return self->n_predictions;
}

void
discern_detail_view_set_n_predictions (DiscernDetailView *self,
                                       guint              n_predictions)
{
  g_return_if_fail (DISCERN_IS_DETAIL_VIEW (self));

  n_predictions = CLAMP (n_predictions, 1, DISCERN_RESULT_MAX_TOP);
  if (self->n_predictions == n_predictions) {
    return;
  }

  self->n_predictions = n_predictions;
  update_predictions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PREDICTIONS]);
}

/* discern-item-card.c: an item in the grid: picture, name, top-3 bars
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "discern-item-card.h"

#include "discern-prediction-row.h"

#define N_BARS 3

struct _DiscernItemCard
{
  GtkWidget    parent_instance;

  /* template widgets */
  GtkPicture  *picture;
  GtkLabel    *title_label;
  GtkLabel    *status_label;
  GtkBox      *bars_box;

  /* owned */
  DiscernItem *item;
};

G_DEFINE_FINAL_TYPE (DiscernItemCard, discern_item_card, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_bars (DiscernItemCard *self)
{
  DiscernResult *result = discern_item_get_result (self->item);
  guint n = result != NULL ? MIN (N_BARS, discern_result_get_n_top (result)) : 0;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->bars_box))) != NULL) {
    gtk_box_remove (self->bars_box, child);
  }

  for (guint rank = 0; rank < n; rank++) {
    guint index = discern_result_get_top_class (result, rank);
    GtkWidget *row = discern_prediction_row_new ();

    discern_prediction_row_set_prediction (DISCERN_PREDICTION_ROW (row),
                                           discern_result_get_name (result, index),
                                           discern_result_get_wnid (result, index),
                                           discern_result_get_probability (result, index));
    gtk_widget_add_css_class (row, "compact");
    gtk_box_append (self->bars_box, row);
  }
}

static void
update (DiscernItemCard *self)
{
  g_autofree char *status = discern_item_dup_status_text (self->item);
  DiscernItemState state = discern_item_get_state (self->item);

  gtk_picture_set_paintable (self->picture,
                             GDK_PAINTABLE (discern_item_get_picture (self->item)));
  gtk_label_set_label (self->title_label, discern_item_get_title (self->item));
  gtk_label_set_label (self->status_label, status);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), state != DISCERN_ITEM_STATE_DONE);
  if (state == DISCERN_ITEM_STATE_FAILED) {
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  } else {
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  discern_item_get_title (self->item),
                                  -1);
}

static void
item_notify_cb (DiscernItemCard *self,
                GParamSpec      *pspec,
                DiscernItem     *item)
{
  if (g_str_equal (pspec->name, "result")) {
    update_bars (self);
  }
  update (self);
}

static void
discern_item_card_dispose (GObject *object)
{
  DiscernItemCard *self = DISCERN_ITEM_CARD (object);
  GtkWidget *child;

  g_clear_object (&self->item);
  gtk_widget_dispose_template (GTK_WIDGET (object), DISCERN_TYPE_ITEM_CARD);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL) {
    gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (discern_item_card_parent_class)->dispose (object);
}

static void
discern_item_card_constructed (GObject *object)
{
  DiscernItemCard *self = DISCERN_ITEM_CARD (object);

  G_OBJECT_CLASS (discern_item_card_parent_class)->constructed (object);

  g_signal_connect_object (self->item, "notify", G_CALLBACK (item_notify_cb), self,
                           G_CONNECT_SWAPPED);
  update (self);
  update_bars (self);
}

static void
discern_item_card_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DiscernItemCard *self = DISCERN_ITEM_CARD (object);

  switch (prop_id) {
  case PROP_ITEM:
    g_value_set_object (value, self->item);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_item_card_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  DiscernItemCard *self = DISCERN_ITEM_CARD (object);

  switch (prop_id) {
  case PROP_ITEM:
    self->item = g_value_dup_object (value);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_item_card_class_init (DiscernItemCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = discern_item_card_dispose;
  object_class->constructed = discern_item_card_constructed;
  object_class->get_property = discern_item_card_get_property;
  object_class->set_property = discern_item_card_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         DISCERN_TYPE_ITEM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-item-card.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernItemCard, picture);
  gtk_widget_class_bind_template_child (widget_class, DiscernItemCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernItemCard, status_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernItemCard, bars_box);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "itemcard");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
discern_item_card_init (DiscernItemCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
discern_item_card_new (DiscernItem *item)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (item), NULL);

  return g_object_new (DISCERN_TYPE_ITEM_CARD, "item", item, NULL);
}

DiscernItem *
discern_item_card_get_item (DiscernItemCard *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM_CARD (self), NULL);

  return self->item;
}

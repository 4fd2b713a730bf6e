/* discern-grid.c: every item as a card with its top-3 bars
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "discern-grid.h"

#include "discern-item-card.h"

struct _DiscernGrid
{
  GtkWidget   parent_instance;

  /* template widgets */
  GtkFlowBox *flow_box;

  /* owned */
  GListModel *model;
};

G_DEFINE_FINAL_TYPE (DiscernGrid, discern_grid, GTK_TYPE_WIDGET)

enum {
  ITEM_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GtkWidget *
create_card (gpointer item,
             gpointer user_data)
{
  return discern_item_card_new (item);
}

static void
child_activated_cb (DiscernGrid     *self,
                    GtkFlowBoxChild *child,
                    GtkFlowBox      *flow_box)
{
  DiscernItemCard *card = DISCERN_ITEM_CARD (gtk_flow_box_child_get_child (child));

  g_signal_emit (self, signals[ITEM_ACTIVATED], 0, discern_item_card_get_item (card));
}

static void
discern_grid_dispose (GObject *object)
{
  DiscernGrid *self = DISCERN_GRID (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), DISCERN_TYPE_GRID);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL) {
    gtk_widget_unparent (child);
  }
  g_clear_object (&self->model);

  G_OBJECT_CLASS (discern_grid_parent_class)->dispose (object);
}

static void
discern_grid_class_init (DiscernGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = discern_grid_dispose;

  /* A card was clicked or activated with the keyboard. */
  signals[ITEM_ACTIVATED] =
    g_signal_new ("item-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_OBJECT);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-grid.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernGrid, flow_box);
  gtk_widget_class_bind_template_callback (widget_class, child_activated_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
discern_grid_init (DiscernGrid *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
discern_grid_new (void)
{
  return g_object_new (DISCERN_TYPE_GRID, NULL);
}

GListModel *
discern_grid_get_model (DiscernGrid *self)
{
  g_return_val_if_fail (DISCERN_IS_GRID (self), NULL);

  return self->model;
}

/* Shows a card for every DiscernItem in `model`, following its changes. */
void
discern_grid_set_model (DiscernGrid *self,
                        GListModel  *model)
{
  g_return_if_fail (DISCERN_IS_GRID (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (!g_set_object (&self->model, model)) {
    return;
  }

  gtk_flow_box_bind_model (self->flow_box, model, create_card, NULL, NULL);
}

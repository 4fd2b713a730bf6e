/* discern-item-row.c: an item in the sidebar: thumbnail, best guess, state
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "discern-item-row.h"

/* Work that ends sooner than this shows no spinner, so nothing flickers. */
#define SPINNER_DELAY_MS 150

struct _DiscernItemRow
{
  GtkWidget       parent_instance;

  /* template widgets */
  GtkImage       *thumbnail;
  GtkLabel       *title_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress_bar;
  GtkSpinner     *spinner;
  GtkImage       *error_icon;

  /* owned */
  DiscernItem    *item;

  /* state */
  guint           spinner_source;
};

G_DEFINE_FINAL_TYPE (DiscernItemRow, discern_item_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
show_spinner_cb (gpointer user_data)
{
  DiscernItemRow *self = user_data;

  self->spinner_source = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);

  return G_SOURCE_REMOVE;
}

static void
update_spinner (DiscernItemRow *self,
                gboolean        busy)
{
  if (!busy) {
    g_clear_handle_id (&self->spinner_source, g_source_remove);
    gtk_spinner_stop (self->spinner);
    gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
    return;
  }

  if (self->spinner_source == 0 && !gtk_widget_get_visible (GTK_WIDGET (self->spinner))) {
    self->spinner_source = g_timeout_add (SPINNER_DELAY_MS, show_spinner_cb, self);
  }
}

static void
update (DiscernItemRow *self)
{
  g_autofree char *status = NULL;
  DiscernItemState state;
  double progress;

  if (self->item == NULL) {
    return;
  }

  state = discern_item_get_state (self->item);
  progress = discern_item_get_progress (self->item);
  status = discern_item_dup_status_text (self->item);

  gtk_image_set_from_paintable (self->thumbnail,
                                GDK_PAINTABLE (discern_item_get_thumbnail (self->item)));
  gtk_label_set_label (self->title_label, discern_item_get_title (self->item));
  gtk_label_set_label (self->status_label, status);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), status);

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                          state == DISCERN_ITEM_STATE_DOWNLOADING && progress >= 0);
  if (progress >= 0) {
    gtk_progress_bar_set_fraction (self->progress_bar, progress);
  }

  gtk_widget_set_visible (GTK_WIDGET (self->error_icon), state == DISCERN_ITEM_STATE_FAILED);
  /* A download with a known size has its bar instead. */
  update_spinner (self, discern_item_is_busy (self->item)
                        && !(state == DISCERN_ITEM_STATE_DOWNLOADING && progress >= 0));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  discern_item_get_title (self->item),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, status,
                                  -1);
}

static void
discern_item_row_dispose (GObject *object)
{
  DiscernItemRow *self = DISCERN_ITEM_ROW (object);
  GtkWidget *child;

  g_clear_handle_id (&self->spinner_source, g_source_remove);
  discern_item_row_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), DISCERN_TYPE_ITEM_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL) {
    gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (discern_item_row_parent_class)->dispose (object);
}

static void
discern_item_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DiscernItemRow *self = DISCERN_ITEM_ROW (object);

  switch (prop_id) {
  case PROP_ITEM:
    g_value_set_object (value, self->item);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_item_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DiscernItemRow *self = DISCERN_ITEM_ROW (object);

  switch (prop_id) {
  case PROP_ITEM:
    discern_item_row_set_item (self, g_value_get_object (value));
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_item_row_class_init (DiscernItemRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = discern_item_row_dispose;
  object_class->get_property = discern_item_row_get_property;
  object_class->set_property = discern_item_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         DISCERN_TYPE_ITEM,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-item-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernItemRow, thumbnail);
  gtk_widget_class_bind_template_child (widget_class, DiscernItemRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernItemRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, DiscernItemRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DiscernItemRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, DiscernItemRow, error_icon);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "itemrow");
}

static void
discern_item_row_init (DiscernItemRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
discern_item_row_new (void)
{
  return g_object_new (DISCERN_TYPE_ITEM_ROW, NULL);
}

DiscernItem *
discern_item_row_get_item (DiscernItemRow *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM_ROW (self), NULL);

  return self->item;
}

void
discern_item_row_set_item (DiscernItemRow *self,
                           DiscernItem    *item)
{
  g_return_if_fail (DISCERN_IS_ITEM_ROW (self));
  g_return_if_fail (item == NULL || DISCERN_IS_ITEM (item));

  if (self->item == item) {
    return;
  }

  if (self->item != NULL) {
    g_signal_handlers_disconnect_by_func (self->item, update, self);
  }
  g_set_object (&self->item, item);
  if (item != NULL) {
    g_signal_connect_object (item, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  }

  update_spinner (self, FALSE);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

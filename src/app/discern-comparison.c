/* discern-comparison.c: the top predictions of several pictures side by side
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One column per picture and one row per class: every class that is in
 * any picture's top predictions gets a row, with its probability in every
 * picture, so agreement shows as a row of long bars. Each row has its own
 * colour, and each picture's best class is marked.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "discern-comparison.h"

#include "discern-item.h"
#include "discern-prediction-row.h"

#define N_COLOURS 8

struct _DiscernComparison
{
  GtkWidget  parent_instance;

  /* template widgets */
  GtkGrid   *grid;

  /* owned */
  GPtrArray *items;

  /* state */
  guint      n_predictions;
  guint      n_rows;
  guint      rebuild_source;
};

typedef struct {
  guint index;
  float best;
} ClassRow;

G_DEFINE_FINAL_TYPE (DiscernComparison, discern_comparison, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_N_PREDICTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const ClassRow *row_a = a;
  const ClassRow *row_b = b;

  if (row_a->best != row_b->best) {
    return row_a->best > row_b->best ? -1 : 1;
  }
  return (int) row_a->index - (int) row_b->index;
}

/* The classes in any item's top predictions, most probable first. */
static GArray *
collect_classes (DiscernComparison *self)
{
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (ClassRow));

  for (guint i = 0; i < self->items->len; i++) {
    DiscernResult *result = discern_item_get_result (self->items->pdata[i]);
    guint n = result != NULL ? MIN (self->n_predictions, discern_result_get_n_top (result)) : 0;

    for (guint rank = 0; rank < n; rank++) {
      guint index = discern_result_get_top_class (result, rank);
      float probability = discern_result_get_probability (result, index);
      gboolean found = FALSE;

      for (guint r = 0; r < rows->len; r++) {
        ClassRow *row = &g_array_index (rows, ClassRow, r);

        if (row->index == index) {
          row->best = MAX (row->best, probability);
          found = TRUE;
          break;
        }
      }
      if (!found) {
        ClassRow row = { index, probability };

        g_array_append_val (rows, row);
      }
    }
  }

  g_array_sort (rows, compare_rows);
  return rows;
}

static GtkWidget *
make_header (DiscernItem *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *picture = gtk_image_new_from_paintable (
    GDK_PAINTABLE (discern_item_get_thumbnail (item)));
  GtkWidget *title = gtk_label_new (discern_item_get_title (item));
  g_autofree char *status = discern_item_dup_status_text (item);
  GtkWidget *status_label = gtk_label_new (status);

  gtk_image_set_pixel_size (GTK_IMAGE (picture), 96);
  gtk_widget_set_overflow (picture, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (picture, "thumbnail");
  gtk_widget_set_halign (picture, GTK_ALIGN_CENTER);

  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (title), 16);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_ellipsize (GTK_LABEL (status_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (status_label), 16);
  gtk_widget_add_css_class (status_label, "caption");
  gtk_widget_add_css_class (status_label, "dim-label");

  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), status_label);
  return box;
}

static GtkWidget *
make_class_label (DiscernResult *result,
                  guint          index,
                  guint          colour)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  g_autofree char *name = discern_result_display_name (discern_result_get_name (result, index));
  g_autofree char *colour_class = g_strdup_printf ("palette-%u", colour);
  g_autofree char *tooltip = NULL;
  GtkWidget *label = gtk_label_new (name);

  gtk_widget_add_css_class (dot, "class-dot");
  gtk_widget_add_css_class (box, colour_class);
  gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), 14);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 24);

  tooltip = g_strdup_printf (_("WordNet id: %s"), discern_result_get_wnid (result, index));
  gtk_widget_set_tooltip_text (box, tooltip);

  gtk_box_append (GTK_BOX (box), dot);
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

static GtkWidget *
make_cell (DiscernItem *item,
           guint        index,
           guint        colour)
{
  DiscernResult *result = discern_item_get_result (item);
  g_autofree char *colour_class = g_strdup_printf ("palette-%u", colour);
  g_autofree char *label = NULL;
  GtkWidget *row;

  if (result == NULL || index >= discern_result_get_n_classes (result)) {
    row = gtk_label_new ("—");
    gtk_widget_add_css_class (row, "dim-label");
    return row;
  }

  row = discern_prediction_row_new ();
  discern_prediction_row_set_prediction (DISCERN_PREDICTION_ROW (row),
                                         discern_result_get_name (result, index),
                                         discern_result_get_wnid (result, index),
                                         discern_result_get_probability (result, index));
  discern_prediction_row_set_show_name (DISCERN_PREDICTION_ROW (row), FALSE);
  gtk_widget_add_css_class (row, colour_class);
  gtk_widget_add_css_class (row, "compact");
  if (discern_result_get_top_class (result, 0) == index) {
    gtk_widget_add_css_class (row, "top");
  }

  /* Translators: the accessible name of a comparison cell: picture, class */
  label = g_strdup_printf (_("%s: %s"), discern_item_get_title (item),
                           discern_result_get_name (result, index));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  return row;
}

static void
rebuild (DiscernComparison *self)
{
  g_autoptr(GArray) rows = NULL;
  DiscernResult *any_result = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))) != NULL) {
    gtk_grid_remove (self->grid, child);
  }

  for (guint i = 0; i < self->items->len; i++) {
    gtk_grid_attach (self->grid, make_header (self->items->pdata[i]), i + 1, 0, 1, 1);
    if (any_result == NULL) {
      any_result = discern_item_get_result (self->items->pdata[i]);
    }
  }

  rows = collect_classes (self);
  self->n_rows = rows->len;
  for (guint r = 0; r < rows->len; r++) {
    guint index = g_array_index (rows, ClassRow, r).index;
    guint colour = r % N_COLOURS;

    gtk_grid_attach (self->grid, make_class_label (any_result, index, colour), 0, r + 1, 1, 1);
    for (guint i = 0; i < self->items->len; i++) {
      gtk_grid_attach (self->grid, make_cell (self->items->pdata[i], index, colour),
                       i + 1, r + 1, 1, 1);
    }
  }
}

static gboolean
rebuild_idle (gpointer user_data)
{
  DiscernComparison *self = user_data;

  self->rebuild_source = 0;
  rebuild (self);

  return G_SOURCE_REMOVE;
}

/* Results of a batch arrive together; rebuild once for all of them. */
static void
queue_rebuild (DiscernComparison *self)
{
  if (self->rebuild_source == 0) {
    self->rebuild_source = g_idle_add (rebuild_idle, self);
  }
}

static void
disconnect_items (DiscernComparison *self)
{
  for (guint i = 0; i < self->items->len; i++) {
    g_signal_handlers_disconnect_by_func (self->items->pdata[i], queue_rebuild, self);
  }
  g_ptr_array_set_size (self->items, 0);
}

static void
discern_comparison_dispose (GObject *object)
{
  DiscernComparison *self = DISCERN_COMPARISON (object);
  GtkWidget *child;

  g_clear_handle_id (&self->rebuild_source, g_source_remove);
  if (self->items != NULL) {
    disconnect_items (self);
    g_clear_pointer (&self->items, g_ptr_array_unref);
  }
  gtk_widget_dispose_template (GTK_WIDGET (object), DISCERN_TYPE_COMPARISON);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL) {
    gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (discern_comparison_parent_class)->dispose (object);
}

static void
discern_comparison_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DiscernComparison *self = DISCERN_COMPARISON (object);

  switch (prop_id) {
  case PROP_N_PREDICTIONS:
    g_value_set_uint (value, self->n_predictions);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_comparison_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  DiscernComparison *self = DISCERN_COMPARISON (object);

  switch (prop_id) {
  case PROP_N_PREDICTIONS:
    discern_comparison_set_n_predictions (self, g_value_get_uint (value));
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_comparison_class_init (DiscernComparisonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = discern_comparison_dispose;
  object_class->get_property = discern_comparison_get_property;
  object_class->set_property = discern_comparison_set_property;

  properties[PROP_N_PREDICTIONS] =
    g_param_spec_uint ("n-predictions", NULL, NULL,
                       1, DISCERN_RESULT_MAX_TOP, 5,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH
                                               "discern-comparison.ui");
  gtk_widget_class_bind_template_child (widget_class, DiscernComparison, grid);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
discern_comparison_init (DiscernComparison *self)
{
  self->n_predictions = 5;
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
discern_comparison_new (void)
{
  return g_object_new (DISCERN_TYPE_COMPARISON, NULL);
}

/* Compares `items` (DiscernItem), in that order; the view follows their
 * results as they arrive. */
void
discern_comparison_set_items (DiscernComparison *self,
                              GPtrArray         *items)
{
  g_return_if_fail (DISCERN_IS_COMPARISON (self));
  g_return_if_fail (items != NULL);

  disconnect_items (self);
  for (guint i = 0; i < items->len; i++) {
    DiscernItem *item = g_ptr_array_index (items, i);

    g_ptr_array_add (self->items, g_object_ref (item));
    g_signal_connect_object (item, "notify::result", G_CALLBACK (queue_rebuild), self,
                             G_CONNECT_SWAPPED);
    g_signal_connect_object (item, "notify::state", G_CALLBACK (queue_rebuild), self,
                             G_CONNECT_SWAPPED);
  }

  g_clear_handle_id (&self->rebuild_source, g_source_remove);
  rebuild (self);
}

/* How many classes are compared now. */
guint
discern_comparison_get_n_rows (DiscernComparison *self)
{
  g_return_val_if_fail (DISCERN_IS_COMPARISON (self), 0);

  return self->n_rows;
}

guint
discern_comparison_get_n_predictions (DiscernComparison *self)
{
  g_return_val_if_fail (DISCERN_IS_COMPARISON (self), 0);

  return self->n_predictions;
}

void
discern_comparison_set_n_predictions (DiscernComparison *self,
                                      guint              n_predictions)
{
  g_return_if_fail (DISCERN_IS_COMPARISON (self));

  n_predictions = CLAMP (n_predictions, 1, DISCERN_RESULT_MAX_TOP);
  if (self->n_predictions == n_predictions) {
    return;
  }

  self->n_predictions = n_predictions;
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PREDICTIONS]);
}
